/*
 * st_search.h - query execution on one shard (storage-internal API).
 *
 * The shard (storage/shard) calls st_search_shard with its reader set
 * (oldest segment first) and the read-only request the network core parsed
 * (osprey/query.h). Everything the search allocates comes from the result
 * arena the caller passes; bitmaps are malloc'd by CRoaring and freed before
 * return. Field types, query-time analysis and date parsing come through
 * st_search_fields_t, so the executor depends on the mapping only through
 * that table (st_search_fields_mapping binds it to osprey/mapping.h; tests
 * bind it to arrays). A search runs on the worker core that owns the shard.
 */
#ifndef ST_SEARCH_H
#define ST_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "osprey/arena.h"
#include "osprey/err.h"
#include "osprey/query.h"
#include "st_reader.h"

/* What a field is, as far as search cares. */
typedef enum st_qfield_kind {
	ST_QF_UNMAPPED = 0,
	ST_QF_TEXT,
	ST_QF_KEYWORD,
	ST_QF_LONG,      /* every long-valued numeric type */
	ST_QF_DOUBLE,
	ST_QF_DATE,      /* epoch millis in long doc values */
	ST_QF_BOOLEAN,   /* 0/1 in long doc values */
} st_qfield_kind_t;

/* One query-time token (term bytes NUL-terminated, in the search arena). */
typedef struct st_qtoken {
	const char *term;
	uint32_t len;
	int32_t position;
} st_qtoken_t;

/* Field services of the shard's mapping. Every callback gets arg. */
typedef struct st_search_fields {
	void *arg;
	/* Kind of a field; *date_format (may be NULL) set for dates. */
	st_qfield_kind_t (*kind)(void *arg, const char *field, const void **date_format);
	/* Analyze text with the field's search analyzer, or analyzer when not
	 * NULL (unknown analyzer: -EINVAL with err filled). */
	int (*analyze)(void *arg, const char *field, const char *analyzer,
		       const char *text, size_t len, osp_arena_t *a,
		       st_qtoken_t **toks, uint32_t *n, osp_err_t *err);
	/* Leaf fields matching a pattern ("*", "title*", exact), into a. */
	int (*expand)(void *arg, const char *pattern, osp_arena_t *a,
		      const char ***fields, uint32_t *n);
	/* Date math on a date field (format may be NULL = field's format). */
	int (*date)(void *arg, const void *date_format, const char *format,
		    const char *expr, size_t len, int64_t now_ms, bool round_up,
		    int32_t tz_offset_s, int64_t *out, osp_err_t *err);
	/* Format millis for key_as_string / value_as_string; length or <0. */
	int (*date_format)(void *arg, const void *date_format, const char *format,
			   int64_t millis, int32_t tz_offset_s, char *out, size_t cap);
} st_search_fields_t;

/* Run req over the readers (segments of one shard). out and everything it
 * points to live in a. Errors a user sees are filled in err (the caller adds
 * search_phase_execution_exception). 0, -EINVAL or -ENOMEM. */
int
st_search_shard(st_reader_t *const *readers, uint32_t n, const st_search_req_t *req,
		const st_search_fields_t *fields, osp_arena_t *a,
		st_shard_result_t *out, osp_err_t *err);

/* _count: live docs matching q, by roaring set algebra. */
int
st_search_count(st_reader_t *const *readers, uint32_t n, const st_query_t *q,
		const st_search_fields_t *fields, int64_t now_ms, osp_arena_t *a,
		uint64_t *count, osp_err_t *err);

/* Explain one doc (GET _explain): the BM25 explanation tree. */
int
st_search_explain(st_reader_t *const *readers, uint32_t n, const st_query_t *q,
		  const st_search_fields_t *fields, int64_t now_ms,
		  uint32_t seg_ord, uint32_t doc, osp_arena_t *a,
		  st_expl_t **out, osp_err_t *err);

/* Lucene SmallFloat (norm bytes); private copies until storage/segment
 * exports its own. */
uint32_t
st_search_byte4_to_int(uint8_t b);
uint8_t
st_search_int_to_byte4(uint32_t i);

#endif
