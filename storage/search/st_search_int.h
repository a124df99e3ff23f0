/*
 * st_search_int.h - internals shared by the storage/search sources only.
 *
 * A search runs in two stages. st_weight_build walks the request's AST once
 * per shard: it resolves fields, analyzes text, sums term and field
 * statistics over all segments (Lucene's IndexSearcher statistics, deleted
 * docs included) and produces a tree of st_weight_t in the search arena with
 * every boost pushed down to the leaves. Then for each segment, st_scorer_build
 * turns the weights into doc-at-a-time scorers (term, phrase, conjunction,
 * disjunction with MaxScore, req/opt, dis_max, bitmap) and st_weight_bitmap
 * turns them into the roaring set of matching docs (counts, filters, aggs).
 * All of it belongs to one search on one worker.
 */
#ifndef ST_SEARCH_INT_H
#define ST_SEARCH_INT_H

#include <math.h>

#include "st_search.h"

#define ST_BM25_K1 1.2f
#define ST_BM25_B 0.75f

typedef enum st_weight_kind {
	ST_W_TERM = 0,   /* BM25 term */
	ST_W_PHRASE,     /* BM25 phrase (exact or sloppy) */
	ST_W_BOOL,
	ST_W_DISMAX,
	ST_W_CONST,      /* constant score = boost over a filter leaf or child */
	ST_W_ALL,        /* match_all, score = boost */
	ST_W_NONE,
	ST_W_FILTER,     /* non-scoring leaf: terms/range/exists/prefix/ids */
} st_weight_kind_t;

/* Filter leaf kinds (ST_W_FILTER). */
typedef enum st_filter_kind {
	ST_F_TERMS = 0,  /* postings of terms (OR) */
	ST_F_PREFIX,     /* terms dictionary prefix */
	ST_F_TERM_RANGE, /* terms dictionary range (keyword) */
	ST_F_NUM_RANGE,  /* long/double doc values range */
	ST_F_EXISTS,
	ST_F_IDS,
} st_filter_kind_t;

/* BM25 statistics and precomputed factors of one term/phrase weight. */
typedef struct st_bm25 {
	float boost;
	float idf;               /* term idf, or sum of term idfs (phrase) */
	float avgdl;
	float weight;            /* boost * idf */
	uint64_t doc_count;      /* N: docs with the field (all segments) */
	float cache[256];        /* 1 / (k1 * ((1 - b) + b * dl / avgdl)) */
} st_bm25_t;

typedef struct st_weight st_weight_t;

/* One node of the per-shard weight tree (search arena). */
struct st_weight {
	uint8_t kind;            /* st_weight_kind_t */
	float boost;             /* effective boost (product along the path) */
	const char *field;
	/* TERM / PHRASE / F_TERMS */
	const char **terms;
	uint32_t *lens;
	int32_t *positions;      /* PHRASE: query positions of terms */
	uint64_t *dfs;           /* per-term doc freq over the shard */
	uint32_t n_terms;
	int32_t slop;
	st_bm25_t *bm25;
	/* BOOL: must, should, filter, must_not; DISMAX: should */
	st_weight_t **must, **should, **filter, **must_not;
	uint32_t n_must, n_should, n_filter, n_must_not;
	uint32_t msm;            /* resolved minimum_should_match */
	bool should_required;    /* no must/filter: at least max(1, msm) */
	float tie;               /* DISMAX */
	/* CONST: child (or NULL with a filter leaf in fkind) */
	st_weight_t *child;
	/* FILTER */
	uint8_t fkind;           /* st_filter_kind_t */
	bool is_double;
	int64_t lo_i, hi_i;      /* NUM_RANGE inclusive bounds (long) */
	double lo_d, hi_d;       /*   (double; inclusive flags below) */
	bool lo_inc, hi_inc;
	const char *lo_s, *hi_s; /* TERM_RANGE / PREFIX (lo_s = prefix) */
	uint32_t lo_len, hi_len;
	bool case_insensitive;
	const char *desc;        /* Lucene's toString, for explain */
};

/* Build the weight tree of q. */
int
st_weight_build(st_reader_t *const *readers, uint32_t n, const st_query_t *q,
		const st_search_fields_t *fields, int64_t now_ms, osp_arena_t *a,
		st_weight_t **out, osp_err_t *err);

/* Set of docs (deleted included) of one segment matching w; caller frees. */
roaring_bitmap_t *
st_weight_bitmap(const st_weight_t *w, const st_reader_t *r);

/* Live docs of one segment matching w, counted without building the set
 * where that is cheaper (st_count.c): 0 and *count, or -ENOTSUP. */
int
st_weight_count(const st_weight_t *w, const st_reader_t *r, uint64_t *count);

/* Walk w's phrase matches: add them to out, or (out NULL) add the number
 * of live ones to *live. 0 or -ENOMEM. */
int
st_phrase_walk(const st_weight_t *w, const st_reader_t *r, roaring_bitmap_t *out,
	       uint64_t *live);

/* ---- numeric ranges (st_range.c) ---- */

/* Match set of an ST_F_NUM_RANGE leaf (deleted docs included). */
roaring_bitmap_t *
st_range_bitmap(const st_weight_t *w, const st_reader_t *r);
/* Live docs of r inside the range without building a set: 0 and *count,
 * or -ENOTSUP (no points, or a multi-valued field). */
int
st_range_count(const st_weight_t *w, const st_reader_t *r, uint64_t *count);
/* Live docs of r with a value in w's numeric field (exists), likewise. */
int
st_range_exists_count(const st_weight_t *w, const st_reader_t *r, uint64_t *count);

/* The postings cursor is st_reader.h's lazy-rank cursor (jumps move only
 * the doc iterator; the rank is caught up when a freq or positions are
 * needed); the st_fcur names are the search module's. */
typedef st_postings_cur_t st_fcur_t;

static inline void
st_fcur_init(st_fcur_t *c, const st_postings_t *p)
{
	st_postings_cur_init(c, p);
}

static inline uint32_t
st_fcur_next(st_fcur_t *c)
{
	return st_postings_cur_next(c);
}

static inline uint32_t
st_fcur_advance(st_fcur_t *c, uint32_t target)
{
	return st_postings_cur_advance(c, target);
}

static inline uint32_t
st_fcur_idx(st_fcur_t *c)
{
	return st_postings_cur_idx(c);
}

static inline uint32_t
st_fcur_freq(st_fcur_t *c)
{
	return st_postings_cur_freq(c);
}

/* ---- BM25 (st_bm25.c) ---- */
float
st_bm25_idf(uint64_t df, uint64_t doc_count);
void
st_bm25_init(st_bm25_t *s, float boost, float idf, uint64_t doc_count,
	     uint64_t sum_ttf);
static inline float
st_bm25_score(const st_bm25_t *s, float freq, uint8_t norm)
{
	float ni = s->cache[norm];
	return s->weight - s->weight / (1.0f + freq * ni);
}
/* Explanation of one term/phrase score (Lucene BM25Similarity.explain). */
st_expl_t *
st_bm25_explain(osp_arena_t *a, const st_weight_t *w, float freq, uint8_t norm,
		uint32_t doc);
st_expl_t *
st_expl_new(osp_arena_t *a, float value, bool match, const char *desc, uint32_t n);

/* ---- scorers (st_scorer.c, st_phrase.c) ---- */

typedef struct st_scorer st_scorer_t;

/* A doc-at-a-time iterator with a score; one segment, one search. */
struct st_scorer {
	uint32_t doc;            /* current doc; ST_NO_MORE_DOCS at the end */
	uint32_t (*advance)(st_scorer_t *s, uint32_t target);
	float (*score)(st_scorer_t *s);
	/* Scores below min cannot be competitive (top-k); may be NULL. */
	void (*set_min)(st_scorer_t *s, float min);
	float max_score;         /* upper bound on this segment */
	uint32_t cost;           /* estimated matches */
};

/* Per-segment scorer state: the arena and the bitmaps scorers borrow,
 * freed by st_sctx_done when the segment is finished. */
typedef struct st_sctx {
	const st_reader_t *r;
	osp_arena_t *a;
	roaring_bitmap_t **owned;
	uint32_t n_owned, cap;
	int rc;                  /* first error (-ENOMEM) */
} st_sctx_t;

void
st_sctx_init(st_sctx_t *c, const st_reader_t *r, osp_arena_t *a);
/* Keep bm alive until st_sctx_done; returns bm (NULL on -ENOMEM). */
roaring_bitmap_t *
st_sctx_own(st_sctx_t *c, roaring_bitmap_t *bm);
void
st_sctx_done(st_sctx_t *c);

/* Scorer of w on the context's segment; NULL when nothing can match there
 * (or on -ENOMEM, recorded in c->rc). */
st_scorer_t *
st_scorer_build(const st_weight_t *w, st_sctx_t *c);

/* Scorer over a bitmap with a constant score (bitmap outlives the scorer). */
st_scorer_t *
st_scorer_bitmap(const roaring_bitmap_t *bm, float score, st_sctx_t *c);

st_scorer_t *
st_scorer_phrase(const st_weight_t *w, st_sctx_t *c);

/* Constant-score scorer of a dense numeric range walking doc values in doc
 * order (top-k stops early): 0 and *out (NULL on -ENOMEM, in c->rc), or
 * -ENOTSUP when the bitmap scorer is the better choice. */
int
st_range_scorer(const st_weight_t *w, float score, st_sctx_t *c, st_scorer_t **out);
/* Phrase frequency of doc (0 = no match); used by explain and bitmaps. */
float
st_phrase_freq_doc(const st_weight_t *w, const st_reader_t *r, uint32_t doc);

/* Explain w for doc (st_explain.c). */
st_expl_t *
st_weight_explain(const st_weight_t *w, const st_reader_t *r, uint32_t doc,
		  osp_arena_t *a);

/* ---- norms ---- */
const uint8_t *
st_search_norms(const st_reader_t *r, const char *field);

/* ---- aggregations (st_agg_collect.c) ---- */
typedef struct st_agg_coll st_agg_coll_t;
int
st_agg_coll_create(st_agg_t *const *aggs, uint32_t n, const st_search_fields_t *f,
		   osp_arena_t *a, st_agg_coll_t **out, osp_err_t *err);
int
st_agg_coll_segment(st_agg_coll_t *c, const st_reader_t *r, const roaring_bitmap_t *docs);
int
st_agg_coll_finish(st_agg_coll_t *c, uint32_t num_shards, st_agg_part_t ***out);

/* ---- HLL (st_agg_hll.c) ---- */
int
st_hll_init(st_hll_t *h, uint32_t precision_threshold, osp_arena_t *a);
int
st_hll_add(st_hll_t *h, uint64_t hash, osp_arena_t *a);
int
st_hll_merge(st_hll_t *dst, const st_hll_t *src, osp_arena_t *a);
uint64_t
st_hll_estimate(const st_hll_t *h);
uint64_t
st_hash64(const void *p, size_t n);

/* Compare values (LONG/DOUBLE numerically, STRING bytes). */
int
st_value_cmp(const st_value_t *x, const st_value_t *y);

/* qsort_r comparator of st_bucket_t in a terms order (arg: const uint8_t *
 * st_agg_order_t): count desc/asc with key asc as tie-break, or key asc/desc.
 * Used for the shard cut (collect) and the final order (reduce). */
int
st_bucket_order_cmp(const void *x, const void *y, void *arg);

#endif
