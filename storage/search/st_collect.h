/*
 * st_collect.h - top-k collector of one shard search (storage/search only).
 *
 * Owned by st_search_shard for the duration of one search; all memory is
 * from the search arena. See st_collect.c for the ordering rules.
 */
#ifndef ST_COLLECT_H
#define ST_COLLECT_H

#include "st_search_int.h"

#define ST_COLL_MAX_SORT 16

/* One candidate in the heap; sort points at its k-th row of values. */
typedef struct st_coll_slot {
	float score;
	uint32_t seg;
	uint32_t doc;
	uint64_t gdoc;           /* doc base of the segment + doc (_doc value) */
	st_value_t *sort;
} st_coll_slot_t;

/* Collector state. */
typedef struct st_coll {
	const st_search_req_t *req;
	osp_arena_t *a;
	uint32_t k, n, n_sort;
	bool by_score_only;      /* plain relevance order (pruning allowed) */
	bool need_scores;
	st_coll_slot_t *slots;
	uint32_t *heap;          /* slot indices, worst at [0] */
	st_value_t *vals;
	uint8_t fkind[ST_COLL_MAX_SORT];
	/* current segment */
	const st_reader_t *r;
	uint32_t seg;
	uint64_t doc_base;       /* max_doc of the earlier segments */
	st_dv_numeric_t num[ST_COLL_MAX_SORT];
	st_dv_sorted_set_t ss[ST_COLL_MAX_SORT];
	bool has_num[ST_COLL_MAX_SORT], has_ss[ST_COLL_MAX_SORT];
	float max_score;
	uint64_t seen;
} st_coll_t;

int
st_coll_init(st_coll_t *c, const st_search_req_t *req, const st_search_fields_t *f,
	     osp_arena_t *a, osp_err_t *err);
/* Switch to segment seg_ord (loads its sort doc values). */
int
st_coll_segment(st_coll_t *c, const st_reader_t *r, uint32_t seg_ord);
/* Offer a live doc of the current segment; 1 when it entered the top k. */
int
st_coll_offer(st_coll_t *c, uint32_t doc, float score);
/* Score a new doc must beat once the heap is full (else 0). */
float
st_coll_threshold(const st_coll_t *c);
/* Sorted hits with _id and sort values copied into the arena. */
int
st_coll_finish(st_coll_t *c, st_reader_t *const *readers, st_hit_t **out, uint32_t *n);

#endif
