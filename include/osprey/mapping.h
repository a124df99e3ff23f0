/*
 * osprey/mapping.h - index mappings and document parsing.
 *
 * A mapping is parsed from a create-index / put-mapping body into an
 * immutable, reference-counted st_mapping_t: a tree of st_field_t (objects,
 * leaf fields, multi-fields) plus a path index. Updates never modify a
 * mapping; st_mapping_merge returns a new one (fields keep their ids, new
 * fields get the next ids), so a core may keep reading the old one until it
 * drops its reference. The control process uses parse / merge / serialize;
 * the shard engine uses st_doc_parse on every index operation; search uses
 * lookups. Nothing here depends on DPDK or io_uring.
 *
 * st_doc_parse walks a document's _source once and produces, in the
 * caller's arena, the indexable values per field. A document that needs new
 * fields (dynamic mapping) yields a mapping update fragment instead: the
 * caller sends it to the master, merges it, and parses the document again,
 * as Elasticsearch's primary does. A value that does not fit rejects the
 * whole document. Dynamic templates, copy_to, normalizers, null_value,
 * ignore_above and ignore_malformed are applied here.
 *
 * Field ids are stable across st_mapping_merge but are assigned in path
 * order when a mapping is parsed from JSON: anything persisted (segments)
 * should name fields by path.
 */
#ifndef OSPREY_MAPPING_H
#define OSPREY_MAPPING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "osprey/analysis.h"
#include "osprey/arena.h"
#include "osprey/date.h"
#include "osprey/err.h"
#include "osprey/json.h"

typedef enum st_field_type {
	ST_FIELD_OBJECT = 0,
	ST_FIELD_TEXT,
	ST_FIELD_KEYWORD,
	ST_FIELD_LONG,
	ST_FIELD_INTEGER,
	ST_FIELD_SHORT,
	ST_FIELD_BYTE,
	ST_FIELD_DOUBLE,
	ST_FIELD_FLOAT,
	ST_FIELD_HALF_FLOAT,
	ST_FIELD_SCALED_FLOAT,
	ST_FIELD_BOOLEAN,
	ST_FIELD_DATE,
} st_field_type_t;

/* "text", "long", ... */
const char *
st_field_type_name(st_field_type_t t);

/* Values of integral types, dates, booleans and scaled_float (value *
 * scaling_factor, rounded) are int64; double/float/half_float are double
 * (rounded to the type's precision). */
bool
st_field_type_is_numeric(st_field_type_t t);
bool
st_field_type_is_long_valued(st_field_type_t t);

typedef enum st_dynamic {
	ST_DYNAMIC_INHERIT = 0,  /* not set on this object: use the parent's */
	ST_DYNAMIC_TRUE,
	ST_DYNAMIC_FALSE,
	ST_DYNAMIC_STRICT,
	ST_DYNAMIC_RUNTIME,      /* accepted; behaves as false (no runtime fields) */
} st_dynamic_t;

/* One mapped field. Owned by its st_mapping_t; read-only. */
typedef struct st_field st_field_t;
struct st_field {
	const char *path;            /* full dotted path, "user.name", "title.keyword" */
	const char *name;            /* last component */
	uint32_t path_len;
	uint32_t id;                 /* dense, 0..st_mapping_field_count()-1 */
	uint8_t type;                /* st_field_type_t */
	bool is_multi_field;         /* declared under a parent's "fields" */
	bool index;                  /* default true */
	bool doc_values;             /* default true except text */
	bool norms;                  /* text: default true */
	bool store;
	bool coerce;                 /* numbers: default true */
	bool ignore_malformed;
	bool enabled;                /* objects: default true */
	uint8_t dynamic;             /* objects: st_dynamic_t as set (INHERIT if not) */
	uint8_t effective_dynamic;   /* objects: resolved through the parents */
	const st_field_t *parent;    /* enclosing object / multi-field owner; NULL at root */

	/* text */
	const char *analyzer_name;           /* NULL = default */
	const char *search_analyzer_name;    /* NULL = analyzer */
	const st_analyzer_t *analyzer;       /* resolved, never NULL for text */
	const st_analyzer_t *search_analyzer;
	int32_t position_increment_gap;      /* default 100 */

	/* keyword */
	int32_t ignore_above;                /* INT32_MAX when not set */
	const char *normalizer_name;         /* NULL = none */
	const st_analyzer_t *normalizer;     /* apply to values and query terms */

	/* null_value (keyword/number/boolean/date) */
	bool has_null_value;
	const char *null_value_str;          /* keyword: the string as written */
	int64_t null_value_long;
	double null_value_double;

	/* scaled_float */
	double scaling_factor;

	/* date */
	const st_date_format_t *date_format; /* never NULL for date */

	/* children: object properties or leaf multi-fields, sorted by name */
	st_field_t **children;
	uint32_t n_children;

	/* which parameters were given explicitly (serialization, merge); bit
	 * per ST_FP_* below */
	uint32_t set_mask;
	const osp_json_t *meta;              /* "meta" as given, or NULL */
};

/* set_mask bits. */
enum {
	ST_FP_INDEX = 1u << 0, ST_FP_DOC_VALUES = 1u << 1, ST_FP_NORMS = 1u << 2,
	ST_FP_STORE = 1u << 3, ST_FP_ANALYZER = 1u << 4,
	ST_FP_SEARCH_ANALYZER = 1u << 5, ST_FP_PIG = 1u << 6,
	ST_FP_IGNORE_ABOVE = 1u << 7, ST_FP_NULL_VALUE = 1u << 8,
	ST_FP_FORMAT = 1u << 9, ST_FP_SCALING = 1u << 10, ST_FP_COERCE = 1u << 11,
	ST_FP_IGNORE_MALFORMED = 1u << 12, ST_FP_ENABLED = 1u << 13,
	ST_FP_DYNAMIC = 1u << 14, ST_FP_TYPE = 1u << 15, ST_FP_META = 1u << 16,
	ST_FP_NORMALIZER = 1u << 17,
};

/* Immutable, reference-counted mapping. */
typedef struct st_mapping st_mapping_t;

/* Parse the "mappings" object of a create-index / put-mapping body (NULL or
 * {} = empty mapping). analysis resolves analyzer names (NULL = built-ins
 * only) and must outlive the mapping. Errors are mapper_parsing_exception /
 * illegal_argument_exception worded as Elasticsearch (for create-index,
 * st_mapping_err_wrap turns them into "Failed to parse mapping: ...").
 * The new mapping has one reference. 0, -EINVAL or -ENOMEM. */
int
st_mapping_parse(const osp_json_t *mappings, const st_analysis_t *analysis,
		 st_mapping_t **out, osp_err_t *err);

/* Merge a put-mapping body or a dynamic update into cur, returning a new
 * mapping (cur is untouched). Conflicts fail with illegal_argument_exception
 * ("mapper [f] cannot be changed from type [long] to [text]"). */
int
st_mapping_merge(const st_mapping_t *cur, const osp_json_t *update,
		 st_mapping_t **out, osp_err_t *err);

/* Wrap a parse error as create-index reports it:
 * mapper_parsing_exception "Failed to parse mapping: <reason>" caused by the
 * original. */
void
st_mapping_err_wrap(osp_err_t *err);

void
st_mapping_ref(st_mapping_t *m);
/* Drop a reference; the last one frees the mapping. NULL is ignored. */
void
st_mapping_unref(st_mapping_t *m);

/* Write the mapping as GET /idx/_mapping shows it under "mappings". */
void
st_mapping_write(const st_mapping_t *m, osp_jw_t *w);

/* Field by dotted path, multi-fields included ("title.keyword"). */
const st_field_t *
st_mapping_field(const st_mapping_t *m, const char *path, size_t len);

uint32_t
st_mapping_field_count(const st_mapping_t *m);
const st_field_t *
st_mapping_field_at(const st_mapping_t *m, uint32_t id);

/* Call cb for every leaf field (no objects) whose path matches pattern
 * ("*", "title*", "*.keyword", exact), in path order. A non-zero return
 * stops and is returned. */
int
st_mapping_fields_match(const st_mapping_t *m, const char *pattern, size_t len,
			int (*cb)(void *arg, const st_field_t *f), void *arg);

bool st_mapping_source_enabled(const st_mapping_t *m);
bool st_mapping_routing_required(const st_mapping_t *m);
st_dynamic_t st_mapping_dynamic(const st_mapping_t *m);
const st_analysis_t *st_mapping_analysis(const st_mapping_t *m);
/* Root object (type OBJECT, path ""). */
const st_field_t *st_mapping_root(const st_mapping_t *m);

/* ---- document parsing ---- */

/* A keyword term (bytes in the caller's arena, NUL-terminated). */
typedef struct st_term {
	const char *s;
	uint32_t len;
} st_term_t;

/* All values of one field in one document, in document order. Lives in the
 * arena passed to st_doc_parse. */
typedef struct st_doc_field {
	const st_field_t *field;
	/* text: analyzed tokens (terms copied), length = norms field length */
	st_token_t *tokens;
	uint32_t n_tokens;
	uint32_t length;
	/* keyword: terms (values over ignore_above are dropped) */
	st_term_t *terms;
	uint32_t n_terms;
	/* numbers / dates / booleans */
	int64_t *longs;              /* long-valued types */
	double *doubles;             /* double/float/half_float */
	uint32_t n_values;
	uint32_t cap;                /* private: array capacity */
} st_doc_field_t;

/* Result of st_doc_parse; everything in the caller's arena. */
typedef struct st_doc {
	st_doc_field_t *fields;      /* fields that received values, first-seen order */
	uint32_t n_fields;
	/* Non-NULL when the document introduced fields: a mapping fragment
	 * ({"properties":{...}}) to merge (st_mapping_merge) before parsing the
	 * document again; fields are not filled in that case. */
	osp_json_t *mapping_update;
	const osp_json_t *source;    /* the parsed _source */
	uint32_t ignored_count;      /* values over ignore_above etc. (_ignored) */
	/* Paths of the fields that had values ignored (ignore_above,
	 * ignore_malformed), each once, in first-seen order: the terms
	 * Elasticsearch indexes in the _ignored metadata field. */
	const char **ignored;
	uint32_t n_ignored;
	uint32_t ignored_cap;        /* private */
} st_doc_t;

/* Parse a document's _source (JSON text) against m. id is used in error
 * messages only. ctx analyzes text fields. Errors: document_parsing_exception
 * ("[1:8] failed to parse field [age] of type [long] in document with id
 * '1'. Preview of field's value: 'abc'"), strict_dynamic_mapping_exception,
 * json parse errors; 0, -EINVAL or -ENOMEM. */
int
st_doc_parse(const st_mapping_t *m, st_analysis_ctx_t *ctx, const char *id,
	     const char *src, size_t len, osp_arena_t *a, st_doc_t *out,
	     osp_err_t *err);

#endif
