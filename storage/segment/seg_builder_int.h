/*
 * seg_builder_int.h - the builder's private structures, shared by
 * seg_builder.c (accumulating docs) and seg_builder_finish.c (replaying
 * them into the segment writer). See seg_builder.c for the design.
 */
#ifndef ST_SEG_BUILDER_INT_H
#define ST_SEG_BUILDER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seg_int.h"

#define ST_SEG_MAX_TERM_LEN 32766u    /* Lucene's IndexWriter.MAX_TERM_LENGTH */

/* A slice of a postings byte stream, allocated from the builder's arena. */
typedef struct bslice {
	struct bslice *next;
	uint32_t cap, len;
	uint8_t data[];
} bslice_t;

typedef struct bstream {
	bslice_t *head, *tail;
} bstream_t;

/* A key in an open-addressing table; first member of terms and fields. */
typedef struct bkey {
	const char *p;
	uint32_t len;
	uint32_t h;
} bkey_t;

/* One unique term of a field. */
typedef struct bterm {
	bkey_t k;
	uint32_t last_doc;            /* UINT32_MAX before the first doc */
	uint32_t flushed_doc;         /* last doc written to docs; UINT32_MAX none */
	uint32_t freq;                /* in last_doc (not yet written) */
	uint32_t last_pos;
	uint32_t df;
	bstream_t docs, pos;
} bterm_t;

/* A growable array of fixed-size items (realloc; owned by the builder). */
typedef struct barr {
	void *p;
	size_t n, cap;
} barr_t;

/* A hash of keys stored in an array of structs whose first member is bkey_t. */
typedef struct bhash {
	uint64_t *slots;              /* hash << 32 | (item index + 1); 0 = empty */
	uint32_t mask;
	uint32_t n;
} bhash_t;

/* A field of the builder. */
typedef struct bfield {
	bkey_t k;
	st_seg_field_spec_t spec;
	bhash_t terms_h;
	barr_t terms;                 /* bterm_t */
	barr_t norms;                 /* uint8_t per doc */
	uint32_t doc_len;             /* tokens in the current doc */
	uint32_t set_len;             /* explicit length (len_set) */
	bool len_set, touched;
	/* doc values */
	barr_t dv_counts;             /* uint32_t per doc */
	barr_t dv_vals;               /* int64_t (numeric) or uint32_t dv term id */
	size_t dv_doc_start;          /* first value of the current doc */
	bhash_t dvt_h;
	barr_t dvt;                   /* bkey_t: distinct dv terms */
} bfield_t;

/* Scratch arrays reused across terms while finishing. */
typedef struct bscratch {
	barr_t order, docs, freqs, pos;
	barr_t tmp;                   /* merge target of the sliced term sort */
} bscratch_t;

/* Progress of a (possibly sliced) finish: field fid, stage within it. */
typedef struct bfinish {
	uint32_t fid;
	int stage;                    /* 0 sort terms, 1 terms, 2 norms, 3 doc values */
	uint32_t oi;                  /* next term (rank in byte order) */
	int sort_phase;               /* stage 0: 0 start, 1 sort chunks, 2 merge runs */
	uint32_t sort_at, sort_w;     /* next chunk / pair of runs, run width */
	bscratch_t s;
} bfinish_t;

struct st_seg_builder {
	st_seg_writer_t *w;
	bfinish_t fin;
	osp_arena_t arena;            /* term bytes, slices, field names */
	bhash_t fields_h;
	barr_t fields;                /* bfield_t */
	barr_t touched;               /* uint32_t fids touched by the current doc */
	uint32_t ndocs;
	bool in_doc;
	int failed;
	size_t mem;
};

/* Grow a to hold need items of size item; 0 or -ENOMEM. */
int
st_seg_barr_grow(barr_t *a, size_t item, size_t need);

/* Write term t's pending doc (delta, freq) to its doc stream. */
int
st_seg_bterm_flush(st_seg_builder_t *b, const bfield_t *f, bterm_t *t);

#endif
