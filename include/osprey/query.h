/*
 * osprey/query.h - the search contract between network cores and shards.
 *
 * A network core parses a _search / _count body once (st_search_req_parse)
 * into an st_search_req_t: the query AST, sort, paging, aggregations. Every
 * node, string and array of the request lives in ONE arena that the network
 * core owns; nothing points into the JSON DOM it came from, so the DOM can be
 * freed at once. The request is shipped to each shard's worker by pointer
 * (request descriptor on the rte_ring) and is strictly read-only from then
 * on: workers never write to it, so many workers read it at the same time
 * without locks. The network core frees the arena only after every shard has
 * replied. Field names are resolved and text analyzed on the worker
 * (per-shard mapping), as Elasticsearch rewrites queries on each shard.
 *
 * Each worker fills an st_shard_result_t in an arena the network core hands
 * it with the request (one arena per shard request; ownership of that arena
 * goes back with the reply, so no arena is ever touched by two cores at
 * once). st_search_merge then merges the partials of all shards: hits by sort
 * values / score with Elasticsearch's tie-break (shard index, then doc), hit
 * totals summed and clamped by track_total_hits, aggregation partials reduced.
 * st_aggs_write / st_expl_write write the response fragments.
 */
#ifndef OSPREY_QUERY_H
#define OSPREY_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "osprey/arena.h"
#include "osprey/err.h"
#include "osprey/json.h"

/* A scalar from a query or a sort value. Strings live in the request arena
 * (or the result arena for sort values); s is NUL-terminated. */
typedef enum st_value_type {
	ST_VAL_NULL = 0,
	ST_VAL_LONG,
	ST_VAL_DOUBLE,
	ST_VAL_STRING,
	ST_VAL_BOOL,
} st_value_type_t;

typedef struct st_value {
	uint8_t type;            /* st_value_type_t */
	bool b;
	int64_t i;
	double d;                /* LONG: also set to (double)i */
	const char *s;
	uint32_t len;
} st_value_t;

/* ---- query AST ---- */

typedef enum st_query_kind {
	ST_Q_MATCH_ALL = 0,
	ST_Q_MATCH_NONE,
	ST_Q_MATCH,              /* also the leaves of query_string */
	ST_Q_MATCH_PHRASE,
	ST_Q_MULTI_MATCH,
	ST_Q_TERM,
	ST_Q_TERMS,
	ST_Q_RANGE,
	ST_Q_BOOL,
	ST_Q_EXISTS,
	ST_Q_PREFIX,
	ST_Q_IDS,
	ST_Q_CONSTANT_SCORE,
	ST_Q_DIS_MAX,
} st_query_kind_t;

typedef enum st_operator { ST_OP_OR = 0, ST_OP_AND } st_operator_t;
typedef enum st_zero_terms { ST_ZERO_TERMS_NONE = 0, ST_ZERO_TERMS_ALL } st_zero_terms_t;
typedef enum st_mm_type { ST_MM_BEST_FIELDS = 0, ST_MM_MOST_FIELDS, ST_MM_PHRASE } st_mm_type_t;

typedef struct st_query st_query_t;

/* One node of the query AST; allocated in the request arena, read-only once
 * parsing returns. boost is the node's own boost (1 when absent). */
struct st_query {
	uint8_t kind;            /* st_query_kind_t */
	float boost;
	const char *name;        /* _name, or NULL */
	union {
		struct {         /* MATCH, MATCH_PHRASE */
			const char *field;
			const char *text;
			uint32_t text_len;
			uint8_t op;             /* st_operator_t */
			uint8_t zero_terms;     /* st_zero_terms_t */
			bool lenient;
			const char *msm;        /* minimum_should_match or NULL */
			const char *analyzer;   /* NULL = field's search analyzer */
			int32_t slop;           /* MATCH_PHRASE */
		} match;
		struct {         /* MULTI_MATCH */
			const char **fields;    /* may hold wildcards; "*" = all */
			float *field_boosts;
			uint32_t n_fields;
			const char *text;
			uint32_t text_len;
			uint8_t type;           /* st_mm_type_t */
			uint8_t op;
			uint8_t zero_terms;
			bool lenient;
			bool has_tie_breaker;
			float tie_breaker;
			const char *msm;
			const char *analyzer;
			int32_t slop;
		} mm;
		struct {         /* TERM, PREFIX */
			const char *field;
			st_value_t value;       /* PREFIX: always a string */
			bool case_insensitive;
		} term;
		struct {         /* TERMS */
			const char *field;
			st_value_t *values;
			uint32_t n;
		} terms;
		struct {         /* RANGE */
			const char *field;
			st_value_t from, to;    /* NULL type = unbounded */
			bool include_lower, include_upper;
			const char *format;
			const char *time_zone;
		} range;
		struct {         /* BOOL */
			st_query_t **must, **should, **filter, **must_not;
			uint32_t n_must, n_should, n_filter, n_must_not;
			const char *msm;
		} bool_q;
		struct {         /* EXISTS */
			const char *field;
		} exists;
		struct {         /* IDS */
			const char **ids;
			uint32_t *lens;
			uint32_t n;
		} ids;
		struct {         /* CONSTANT_SCORE (filter), DIS_MAX (queries) */
			st_query_t **queries;
			uint32_t n;
			float tie_breaker;
		} compound;
	} u;
};

/* Parse one query object ({"match":{...}}) into a. Errors are Elasticsearch's
 * parsing_exception / x_content_parse_exception / illegal_argument_exception,
 * status 400. 0, -EINVAL or -ENOMEM. */
int
st_query_parse(osp_arena_t *a, const osp_json_t *q, st_query_t **out, osp_err_t *err);

/* Parse Lucene query syntax (query_string "query", or the URI q= parameter):
 * terms, "phrases"~N, field:value, field:(a b), +/-, AND/OR/NOT, (groups),
 * [a TO b] / {a TO b} ranges, field:>=x, prefix*, field:* (exists), ^boost.
 * fields: default fields (NULL/0 = "*", every field, leniently). */
int
st_query_string_parse(osp_arena_t *a, const char *q, size_t len,
		      const char *const *fields, const float *boosts,
		      uint32_t n_fields, st_operator_t default_op,
		      st_query_t **out, osp_err_t *err);

/* Evaluate a minimum_should_match spec ("2", "-1", "75%", "-25%", "3<90%",
 * "2<-25% 9<-3") for n optional clauses as Elasticsearch's
 * Queries.calculateMinShouldMatch does (never negative; may exceed n, which
 * then matches nothing).
 * -EINVAL on a malformed spec. */
int
st_msm_eval(const char *spec, uint32_t n, uint32_t *out);

/* ---- aggregations ---- */

typedef enum st_agg_kind {
	ST_AGG_TERMS = 0,
	ST_AGG_RANGE,
	ST_AGG_HISTOGRAM,
	ST_AGG_DATE_HISTOGRAM,
	ST_AGG_MIN,
	ST_AGG_MAX,
	ST_AGG_SUM,
	ST_AGG_AVG,
	ST_AGG_STATS,
	ST_AGG_VALUE_COUNT,
	ST_AGG_CARDINALITY,
} st_agg_kind_t;

/* Bucket order of terms / histograms. */
typedef enum st_agg_order {
	ST_ORDER_COUNT_DESC = 0,
	ST_ORDER_COUNT_ASC,
	ST_ORDER_KEY_ASC,
	ST_ORDER_KEY_DESC,
} st_agg_order_t;

/* One range of a range aggregation. */
typedef struct st_agg_range {
	const char *key;         /* NULL = generated "from-to" */
	bool has_from, has_to;
	double from, to;
} st_agg_range_t;

typedef struct st_agg st_agg_t;

/* One aggregation request node (request arena, read-only). */
struct st_agg {
	const char *name;
	uint8_t kind;            /* st_agg_kind_t */
	const char *field;
	/* terms */
	uint32_t size, shard_size;
	bool shard_size_set;
	uint8_t order;           /* st_agg_order_t */
	int64_t min_doc_count;   /* terms default 1, histograms 0 */
	/* range */
	st_agg_range_t *ranges;
	uint32_t n_ranges;
	bool keyed;
	/* histogram / date_histogram */
	double interval;         /* histogram; date fixed_interval in ms */
	double offset;           /* histogram offset; date offset in ms */
	char calendar_unit;      /* date: y q M w d h m s; 0 = fixed */
	bool has_bounds;
	double bounds_min, bounds_max;
	const char *format;      /* date key_as_string format, NULL = field's */
	int32_t tz_offset_s;
	/* cardinality */
	uint32_t precision_threshold;   /* default 3000, max 40000 */
	st_agg_t **subs;
	uint32_t n_subs;
};

/* ---- search request ---- */

typedef enum st_sort_kind { ST_SORT_SCORE = 0, ST_SORT_DOC, ST_SORT_FIELD } st_sort_kind_t;
typedef enum st_sort_missing { ST_MISSING_LAST = 0, ST_MISSING_FIRST, ST_MISSING_VALUE } st_sort_missing_t;
typedef enum st_sort_mode {
	ST_MODE_DEFAULT = 0,     /* min ascending, max descending */
	ST_MODE_MIN, ST_MODE_MAX, ST_MODE_SUM, ST_MODE_AVG, ST_MODE_MEDIAN,
} st_sort_mode_t;

/* One sort key. */
typedef struct st_sort {
	uint8_t kind;            /* st_sort_kind_t */
	const char *field;
	bool desc;
	uint8_t missing;         /* st_sort_missing_t */
	st_value_t missing_value;
	uint8_t mode;            /* st_sort_mode_t */
} st_sort_t;

/* track_total_hits: exact count, no count, or exact up to N then "gte". */
#define ST_TRACK_TOTAL_ALL   INT64_MAX
#define ST_TRACK_TOTAL_NONE  (-1)
#define ST_TRACK_TOTAL_DEFAULT 10000

/* A parsed _search request (request arena, read-only once parsed). */
typedef struct st_search_req {
	st_query_t *query;       /* never NULL: match_all when absent */
	int32_t from, size;      /* defaults 0, 10 */
	st_sort_t *sort;         /* NULL/0 = by _score */
	uint32_t n_sort;
	st_value_t *search_after;
	uint32_t n_search_after;
	int64_t track_total_hits;
	bool has_min_score;
	float min_score;
	st_agg_t **aggs;
	uint32_t n_aggs;
	bool explain;
	bool track_scores;
	int64_t now_ms;          /* fixed by the network core for date math */
	uint32_t num_shards;     /* shards searched (terms shard_size rule) */
	int32_t max_result_window; /* index.max_result_window, default 10000 */
} st_search_req_t;

/* Defaults (from 0, size 10, match_all, track_total_hits 10000, now_ms =
 * the current time). */
void
st_search_req_init(st_search_req_t *req);

/* Parse a _search body (NULL = empty) into req (after st_search_req_init,
 * so URI parameters may be applied before or after). */
int
st_search_req_parse(osp_arena_t *a, const osp_json_t *body, st_search_req_t *req,
		    osp_err_t *err);

/* Parse an "aggs"/"aggregations" object. */
int
st_aggs_parse(osp_arena_t *a, const osp_json_t *aggs, st_agg_t ***out,
	      uint32_t *n, osp_err_t *err);

/* ---- results ---- */

/* An explanation node (Lucene's Explanation). */
typedef struct st_expl st_expl_t;
struct st_expl {
	float value;
	bool match;
	const char *desc;
	st_expl_t **details;
	uint32_t n;
};

/* One hit of a shard: enough to fetch the doc and to merge. */
typedef struct st_hit {
	uint32_t shard;          /* shard index in the request (set by the caller) */
	uint32_t seg_ord;        /* index of the segment in the shard's reader set */
	uint64_t seg_gen;
	uint32_t doc;            /* segment-local doc id */
	float score;             /* NaN when not scored */
	st_value_t *sort;        /* n_sort values (field sorts), else NULL */
	uint32_t n_sort;
	const char *id;          /* _id, NUL-terminated */
	uint32_t id_len;
	st_expl_t *expl;         /* explain, else NULL */
} st_hit_t;

/* A cardinality sketch: exact hash set below the threshold, then
 * HyperLogLog++ registers (precision p). */
typedef struct st_hll {
	uint8_t p;
	uint32_t threshold;
	uint64_t *set;           /* open addressing, 0 = empty; NULL once HLL */
	uint32_t set_n, set_cap;
	uint8_t *regs;           /* 1 << p registers, or NULL */
} st_hll_t;

typedef struct st_agg_part st_agg_part_t;

/* One bucket of a partial (or reduced) bucket aggregation. */
typedef struct st_bucket {
	st_value_t key;          /* terms: typed key; histograms: DOUBLE/LONG */
	uint64_t doc_count;
	int64_t error;           /* terms: per-bucket doc count error */
	st_agg_part_t **subs;    /* one per request sub-aggregation */
} st_bucket_t;

/* A partial aggregation result of one shard; reduced in place by merge. */
struct st_agg_part {
	const st_agg_t *agg;     /* request node */
	uint8_t kind;
	uint8_t value_kind;      /* field kind, for keys and value_as_string */
	st_bucket_t *buckets;
	uint32_t n_buckets;
	int64_t doc_count_error; /* terms (reduced) */
	uint64_t sum_other;      /* terms */
	uint32_t shard_size;     /* terms partial: buckets a shard could return */
	/* metrics */
	uint64_t count;
	double min, max, sum;
	st_hll_t hll;
	const void *date_format; /* const st_date_format_t *, for key_as_string */
};

/* What a shard returns for one search. */
typedef struct st_shard_result {
	uint32_t shard;          /* index of the shard in the request */
	st_hit_t *hits;          /* sorted, at most from + size */
	uint32_t n_hits;
	uint64_t total;
	bool total_gte;          /* relation "gte" */
	bool total_tracked;      /* false when track_total_hits is false */
	float max_score;         /* NaN when no hit was scored */
	st_agg_part_t **aggs;    /* one per request aggregation */
	uint32_t n_aggs;
} st_shard_result_t;

/* The merged result of all shards (merge arena). */
typedef struct st_search_merged {
	st_hit_t *hits;          /* the from..from+size window */
	uint32_t n_hits;
	uint64_t total;
	bool total_gte;
	bool total_tracked;
	float max_score;
	st_agg_part_t **aggs;
	uint32_t n_aggs;
} st_search_merged_t;

/* Merge shard partials. parts[i]->shard is the tie-break index. The merged
 * result may point into the parts (hits' strings, agg partials), so the
 * parts' arenas must live as long as out. */
int
st_search_merge(const st_search_req_t *req, st_shard_result_t *const *parts,
		uint32_t n, osp_arena_t *a, st_search_merged_t *out, osp_err_t *err);

/* Write the members of "aggregations" (the caller opened the object). */
void
st_aggs_write(osp_jw_t *w, st_agg_part_t *const *aggs, uint32_t n);

/* Write an explanation as {"value":..,"description":..,"details":[..]}. */
void
st_expl_write(osp_jw_t *w, const st_expl_t *e);

/* Write a float as Java's Float.toString does (_score, explanations). */
void
st_float_write(osp_jw_t *w, float v);

/* Write a hit's "sort" array members. */
void
st_sort_values_write(osp_jw_t *w, const st_value_t *v, uint32_t n);

#endif
