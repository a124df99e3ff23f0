/*
 * st_reader.h - the read contract between segments and search (storage-internal).
 *
 * A segment is immutable and memory-resident once opened: its files are read
 * through the worker's io_uring into memory owned by the segment, and every
 * pointer handed out below stays valid while the caller holds a reference
 * (st_reader_ref/unref). Search code never sees file formats; it sees:
 *   - per-field statistics (for BM25's avgdl and docCount),
 *   - a sorted term dictionary per field (lookup, seek + iterate),
 *   - per-term postings: a roaring bitmap of doc ids (set algebra, counts)
 *     plus aligned term frequencies and positions (scoring, phrases), and
 *     per-128-doc block maxima (block-max WAND upper bounds),
 *   - one-byte norms (Lucene SmallFloat.intToByte4 of the field length),
 *   - doc values: numeric (int64 or double, multi-valued) and keyword sorted-set
 *     ordinals (ord -> term, per-doc ords) for sort and aggregations,
 *   - points of numeric fields: every (value, doc) pair sorted by value, so a
 *     numeric range is one contiguous slice (optional: NULL op = scan doc values),
 *   - stored _source and the identity of each doc (_id, seq_no, version, term).
 * Per-term and per-field calls go through an ops table, so tests can plug in
 * an in-memory reader; the per-document hot path (postings cursor, doc values,
 * norms) is plain data read inline. Doc ids are segment-local, dense, from 0.
 * A reader is used by one worker thread only.
 */
#ifndef ST_READER_H
#define ST_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <roaring/roaring.h>

#include "osprey/arena.h"

#define ST_NO_MORE_DOCS UINT32_MAX
#define ST_BLOCK_DOCS 128

typedef struct st_reader st_reader_t;

/* Per-field statistics in one segment (Lucene's CollectionStatistics parts). */
typedef struct st_field_stats {
	uint64_t doc_count;            /* docs with at least one term in the field */
	uint64_t sum_total_term_freq;  /* sum of field lengths (tokens) */
	uint64_t sum_doc_freq;         /* sum over terms of doc_freq */
	bool has_freqs, has_positions, has_norms;
} st_field_stats_t;

/* Upper bounds for one block of ST_BLOCK_DOCS postings, for block-max WAND:
 * no doc in the block has a larger freq or a shorter field (smaller norm). */
typedef struct st_block_max {
	uint32_t last_doc;             /* last doc id in the block */
	uint32_t max_freq;
	uint8_t min_norm;              /* smallest norm byte in the block */
} st_block_max_t;

/* One term's postings in one segment. Owned by the segment; read-only. */
typedef struct st_postings {
	const roaring_bitmap_t *docs;  /* ascending doc ids (includes deleted docs) */
	uint32_t doc_freq;             /* cardinality of docs */
	uint64_t total_term_freq;
	const uint32_t *freqs;         /* freqs[i] for the i-th doc in docs; NULL = all 1 */
	const uint32_t *pos_start;     /* positions of i-th doc: */
	const uint32_t *positions;     /*   positions[pos_start[i] .. pos_start[i+1]) */
	const st_block_max_t *blocks;  /* ceil(doc_freq / ST_BLOCK_DOCS) entries */
	uint32_t max_freq;             /* over the whole term */
	uint8_t min_norm;              /* over the whole term */
} st_postings_t;

/* A cursor over st_postings_t; lives on the caller's stack or arena. The
 * rank of the current doc (index into freqs/positions) is computed lazily:
 * next/advance move only the doc iterator; st_postings_cur_idx catches a
 * second iterator up, hopping whole 128-doc blocks through the block maxima
 * (last_doc) and stepping at most one block doc by doc. (roaring rank walks
 * the container's runs on every call, which dominated conjunctions.) */
typedef struct st_postings_cur {
	const st_postings_t *p;
	roaring_uint32_iterator_t it;
	uint32_t doc;                  /* current doc or ST_NO_MORE_DOCS */
	roaring_uint32_iterator_t iti; /* sits on idx_doc */
	uint32_t idx;                  /* rank of idx_doc: read st_postings_cur_idx */
	uint32_t idx_doc;
} st_postings_cur_t;

/* Numeric doc values: values of doc d are vals[start[d] .. start[d+1]),
 * ascending. is_double selects which array is used. */
typedef struct st_dv_numeric {
	bool is_double;
	const uint32_t *start;         /* max_doc + 1 entries */
	const int64_t *ival;
	const double *dval;
} st_dv_numeric_t;

/* Keyword (sorted-set) doc values: ords of doc d are ords[start[d] ..
 * start[d+1]), ascending; ord o is the term terms[term_off[o] .. term_off[o+1]).
 * Ords follow the terms' byte order. */
typedef struct st_dv_sorted_set {
	uint32_t num_terms;
	const uint32_t *start;         /* max_doc + 1 entries */
	const uint32_t *ords;
	const uint32_t *term_off;      /* num_terms + 1 entries */
	const char *term_bytes;
} st_dv_sorted_set_t;

/* Points of a numeric field: its n (value, doc) pairs sorted by key, then doc.
 * Keys are sortable int64: longs as they are, doubles through
 * st_points_key_double. single: no doc has two values (so a slice's length
 * is its doc count); doc_count: docs with at least one value. */
typedef struct st_points {
	uint32_t n;
	const int64_t *keys;
	const uint32_t *docs;
	uint32_t doc_count;
	bool single;
	bool is_double;
} st_points_t;

/* The sortable key of a double: IEEE bits, magnitude bits of negatives
 * flipped (-0.0 sorts just below +0.0; the caller treats them as equal). */
static inline int64_t
st_points_key_double(double v)
{
	int64_t bits;

	__builtin_memcpy(&bits, &v, 8);
	return bits ^ (int64_t)((uint64_t)(bits >> 63) >> 1);
}

/* Who a doc is. */
typedef struct st_doc_meta {
	const char *id;                /* _id bytes, not NUL-terminated */
	uint32_t id_len;
	int64_t seq_no;
	int64_t primary_term;
	int64_t version;
	const char *routing;           /* NULL when none */
	uint32_t routing_len;
} st_doc_meta_t;

/* Term dictionary iterator state; filled by seek, advanced by next. */
typedef struct st_term_iter {
	const st_reader_t *r;
	uint32_t field_idx;
	uint32_t pos;                  /* implementation cursor */
	const char *term;              /* current term (valid while r is held) */
	uint32_t term_len;
	uint32_t doc_freq;
	bool done;
} st_term_iter_t;

/* Operations a reader implements (segments; an in-memory reader in tests). */
typedef struct st_reader_ops {
	int (*field_stats)(const st_reader_t *r, const char *field, st_field_stats_t *out);
	/* 0 and *out set, or -ENOENT. */
	int (*postings)(const st_reader_t *r, const char *field, const char *term,
			uint32_t term_len, const st_postings_t **out);
	/* Position it at the first term >= from (from NULL = first term). */
	int (*terms_seek)(const st_reader_t *r, const char *field, const char *from,
			  uint32_t from_len, st_term_iter_t *it);
	int (*terms_next)(st_term_iter_t *it);
	/* Postings of the iterator's current term. */
	int (*terms_postings)(const st_term_iter_t *it, const st_postings_t **out);
	/* Norm bytes of a field: norms[doc], or NULL when the field has none. */
	const uint8_t *(*norms)(const st_reader_t *r, const char *field);
	int (*dv_numeric)(const st_reader_t *r, const char *field, st_dv_numeric_t *out);
	int (*dv_sorted_set)(const st_reader_t *r, const char *field, st_dv_sorted_set_t *out);
	/* Stored _source of doc (decompressed into arena). */
	int (*source)(const st_reader_t *r, uint32_t doc, osp_arena_t *a,
		      const char **src, size_t *len);
	int (*doc_meta)(const st_reader_t *r, uint32_t doc, st_doc_meta_t *out);
	/* Doc id of an _id among this reader's docs (live or not), or -ENOENT. */
	int (*lookup_id)(const st_reader_t *r, const char *id, uint32_t id_len, uint32_t *doc);
	/* Names of fields present (for exists and wildcard field patterns). */
	uint32_t (*field_count)(const st_reader_t *r);
	const char *(*field_name)(const st_reader_t *r, uint32_t i);
	/* Points of a numeric field: 0 and *out, or -ENOENT. May be NULL. */
	int (*points)(const st_reader_t *r, const char *field, st_points_t *out);
} st_reader_ops_t;

/* A searchable view of one segment. Embedded first in the implementation's
 * struct. live is NULL when every doc is live; otherwise it is the set of live
 * docs at the time the view was taken (deletes produce a new view). */
struct st_reader {
	const st_reader_ops_t *ops;
	uint32_t max_doc;
	uint32_t num_docs;             /* live docs */
	const roaring_bitmap_t *live;
	uint64_t gen;                  /* segment generation, for stable ordering */
	uint32_t refs;
	void (*destroy)(st_reader_t *r);
};

static inline void st_reader_ref(st_reader_t *r) { r->refs++; }
static inline void
st_reader_unref(st_reader_t *r)
{
	if (r && --r->refs == 0 && r->destroy)
		r->destroy(r);
}
static inline bool
st_reader_is_live(const st_reader_t *r, uint32_t doc)
{
	return r->live == NULL || roaring_bitmap_contains(r->live, doc);
}

/* Postings cursor: positioned on the first doc after init. */
static inline void
st_postings_cur_init(st_postings_cur_t *c, const st_postings_t *p)
{
	c->p = p;
	roaring_init_iterator(p->docs, &c->it);
	c->iti = c->it;
	c->doc = c->it.has_value ? c->it.current_value : ST_NO_MORE_DOCS;
	c->idx = 0;
	c->idx_doc = c->doc;
}

static inline uint32_t
st_postings_cur_next(st_postings_cur_t *c)
{
	if (c->doc == ST_NO_MORE_DOCS)
		return c->doc;
	roaring_advance_uint32_iterator(&c->it);
	return c->doc = c->it.has_value ? c->it.current_value : ST_NO_MORE_DOCS;
}

/* Move to the first doc >= target. */
static inline uint32_t
st_postings_cur_advance(st_postings_cur_t *c, uint32_t target)
{
	if (c->doc == ST_NO_MORE_DOCS || c->doc >= target)
		return c->doc;
	if (!roaring_move_uint32_iterator_equalorlarger(&c->it, target))
		return c->doc = ST_NO_MORE_DOCS;
	return c->doc = c->it.current_value;
}

/* Rank of the current doc within p->docs (index into freqs/pos_start). */
static inline uint32_t
st_postings_cur_idx(st_postings_cur_t *c)
{
	const st_block_max_t *bl = c->p->blocks;

	if (c->idx_doc == c->doc)
		return c->idx;
	if (bl) {
		uint32_t b = c->idx / ST_BLOCK_DOCS, nb = c->p->doc_freq ?
			(c->p->doc_freq - 1) / ST_BLOCK_DOCS : 0;
		if (bl[b].last_doc < c->doc) {
			while (b < nb && bl[b].last_doc < c->doc)
				b++;
			roaring_move_uint32_iterator_equalorlarger(&c->iti, bl[b - 1].last_doc + 1);
			c->idx = b * ST_BLOCK_DOCS;
		}
	}
	while (c->iti.current_value < c->doc) {
		roaring_advance_uint32_iterator(&c->iti);
		c->idx++;
	}
	c->idx_doc = c->doc;
	return c->idx;
}

static inline uint32_t
st_postings_cur_freq(st_postings_cur_t *c)
{
	return c->p->freqs ? c->p->freqs[st_postings_cur_idx(c)] : 1;
}

#endif
