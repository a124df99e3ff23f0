/*
 * osprey/json.h - JSON DOM parser (into an arena) and streaming writer.
 *
 * Parsing builds an immutable tree in an osp_arena_t: one allocation stream,
 * freed with the arena, no per-node malloc. Strings are unescaped and
 * NUL-terminated in the arena; input must be valid UTF-8 (RFC 8259), with
 * depth and size limits so hostile input cannot exhaust the stack or memory.
 * Object members keep document order; duplicate keys are kept (lookups return
 * the first) unless limits->reject_duplicates asks for Elasticsearch's
 * default strict duplicate detection ("Duplicate field 'a'"). Request bodies
 * should set it together with limits->allow_comments: Elasticsearch's parser
 * accepts comments, RFC 8259 does not, so both are off by default. A leading
 * UTF-8 byte order mark is skipped, as Jackson does (RFC 8259 allows it).
 *
 * The writer appends to an osp_buf_t, tracks commas itself and escapes
 * strings as Jackson does; it never fails except through the buffer's failed
 * flag. Pretty mode is byte-for-byte Elasticsearch's ?pretty.
 */
#ifndef OSPREY_JSON_H
#define OSPREY_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "osprey/arena.h"
#include "osprey/buf.h"

typedef enum osp_json_type {
	OSP_JSON_NULL = 0,
	OSP_JSON_BOOL,
	OSP_JSON_NUMBER,
	OSP_JSON_STRING,
	OSP_JSON_ARRAY,
	OSP_JSON_OBJECT,
} osp_json_type_t;

/* A parsed value. Lives in the arena it was parsed into; read-only after parse
 * except through osp_json_new_* / osp_json_append (which also use an arena). */
typedef struct osp_json osp_json_t;
struct osp_json {
	osp_json_t *next;        /* next sibling in the parent array/object */
	const char *key;         /* member name when the parent is an object */
	uint32_t key_len;
	uint8_t type;            /* osp_json_type_t */
	uint8_t is_int;          /* NUMBER: integral literal that fits int64 */
	uint8_t boolean;         /* BOOL */
	uint32_t len;            /* STRING: bytes; ARRAY/OBJECT: children */
	union {
		const char *str;     /* STRING: NUL-terminated, len bytes */
		osp_json_t *child;   /* ARRAY/OBJECT: first child */
	} u;
	const char *num;         /* NUMBER: the literal as written (arena
				    copy); NULL in built numbers */
	uint32_t num_len;
	int64_t i;               /* NUMBER with is_int */
	double d;                /* NUMBER: always set */
	osp_json_t *last;        /* ARRAY/OBJECT: last child (for appends) */
};

/* Limits applied while parsing. Zero fields take the defaults. */
typedef struct osp_json_limits {
	uint32_t max_depth;      /* nesting of arrays/objects; default 512 */
	size_t max_bytes;        /* input size; default 100 MB */
	bool reject_duplicates;  /* fail on a repeated member name, as ES does
				    by default; default false (keep them) */
	bool allow_comments;     /* accept block and line (//) comments where
				    whitespace may go, as ES's parser does
				    (Jackson ALLOW_COMMENTS); default false:
				    strict RFC 8259 */
} osp_json_limits_t;

/* What Elasticsearch's parser accepts, for request bodies and documents:
 * osp_json_limits_t lim = OSP_JSON_LIMITS_ES; */
#define OSP_JSON_LIMITS_ES \
	{ .max_depth = 0, .max_bytes = 0, .reject_duplicates = true, .allow_comments = true }

/* Why a parse failed: byte offset of the offending byte or token (or of the
 * end), line and column as Jackson 2.17+ (current Elasticsearch) reports them
 * (1-based; lines end at LF, CR or CRLF; the column is on the offending
 * character for unexpected characters and close markers, one past it for
 * errors Jackson reports after reading, at the end for end-of-input), and a
 * message worded like Jackson's so it can go into a json_parse_exception /
 * x_content_parse_exception reason (see osp_json_error_format). The message
 * is always valid UTF-8. */
typedef struct osp_json_error {
	size_t offset;
	uint32_t line;
	uint32_t column;
	char msg[256];
} osp_json_error_t;

/* Jackson's full exception text for err, as Elasticsearch puts it in a
 * json_parse_exception reason: "<msg>\n at [Source: <source>; line: L,
 * column: C]" (source e.g. "(byte[])\"...\"" or a stream class name; NULL
 * for "REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)",
 * what current Elasticsearch prints). Writes at most n bytes, NUL-terminated;
 * returns the length it needed, as snprintf does. */
size_t osp_json_error_format(char *buf, size_t n, const osp_json_error_t *err,
			     const char *source);

/* Parse exactly one JSON value (surrounding whitespace allowed).
 * limits may be NULL for the defaults. Returns 0, -EINVAL (syntax, UTF-8,
 * depth or size; err filled) or -ENOMEM. */
int
osp_json_parse(osp_arena_t *a, const char *text, size_t len,
	       const osp_json_limits_t *limits, osp_json_t **out,
	       osp_json_error_t *err);

/* Parse the first JSON value of text and report in *consumed how many bytes
 * it used (for NDJSON and concatenated values): leading whitespace (and a
 * BOM at offset 0) plus the value, not the whitespace after it. As in
 * Jackson, a top-level number must be followed by whitespace or the end
 * ("1,2" fails). max_bytes bounds the bytes the value may span, not len. */
int
osp_json_parse_prefix(osp_arena_t *a, const char *text, size_t len,
		      const osp_json_limits_t *limits, osp_json_t **out,
		      size_t *consumed, osp_json_error_t *err);

/* Lookups. NULL when v is not an object/array or has no such member. */
osp_json_t *osp_json_get(const osp_json_t *obj, const char *key);
osp_json_t *osp_json_getn(const osp_json_t *obj, const char *key, size_t klen);
osp_json_t *osp_json_at(const osp_json_t *arr, uint32_t idx);
/* Follow a dotted path of object keys ("a.b.c"). */
osp_json_t *osp_json_path(const osp_json_t *v, const char *dotted);

/* it_ iterates over the children; parent_ may be NULL. (The parameters must
 * not be named like struct members, or `->u.child` would be rewritten.) */
#define OSP_JSON_FOREACH(it_, parent_) \
	for (osp_json_t *it_ = (parent_) ? (parent_)->u.child : NULL; it_; it_ = it_->next)

static inline bool osp_json_is(const osp_json_t *v, osp_json_type_t t) { return v && v->type == t; }
/* Key comparison without strlen on the member. */
bool osp_json_key_eq(const osp_json_t *member, const char *key);

/* Building trees (e.g. merged mappings) in an arena. NULL on -ENOMEM. */
osp_json_t *osp_json_new_null(osp_arena_t *a);
osp_json_t *osp_json_new_bool(osp_arena_t *a, bool b);
osp_json_t *osp_json_new_int(osp_arena_t *a, int64_t i);
osp_json_t *osp_json_new_double(osp_arena_t *a, double d);
osp_json_t *osp_json_new_string(osp_arena_t *a, const char *s, size_t n);
osp_json_t *osp_json_new_array(osp_arena_t *a);
osp_json_t *osp_json_new_object(osp_arena_t *a);
/* Append to an array (key NULL) or object (key copied). 0, -ENOMEM (also
 * when child is NULL, i.e. a failed builder was passed) or -EINVAL (parent
 * not a container, or no key for an object). */
int osp_json_append(osp_arena_t *a, osp_json_t *parent, const char *key,
		    size_t klen, osp_json_t *child);
/* Deep copy into another arena. */
osp_json_t *osp_json_clone(osp_arena_t *a, const osp_json_t *v);
/* Structural equality (object member order ignored, members that share a
 * name paired in document order, numbers by value). */
bool osp_json_equal(const osp_json_t *x, const osp_json_t *y);

/* Streaming writer. Tracks nesting (up to 64 levels) to place commas. */
typedef struct osp_jw {
	osp_buf_t *out;
	uint32_t depth;
	uint64_t need_comma;     /* bit per level */
	int pretty;              /* indent with two spaces, as ES ?pretty */
	int after_key;
} osp_jw_t;

void osp_jw_init(osp_jw_t *w, osp_buf_t *out, int pretty);
void osp_jw_obj_begin(osp_jw_t *w);
void osp_jw_obj_end(osp_jw_t *w);
void osp_jw_arr_begin(osp_jw_t *w);
void osp_jw_arr_end(osp_jw_t *w);
void osp_jw_key(osp_jw_t *w, const char *key);
void osp_jw_keyn(osp_jw_t *w, const char *key, size_t n);
void osp_jw_str(osp_jw_t *w, const char *s);
void osp_jw_strn(osp_jw_t *w, const char *s, size_t n);
void osp_jw_int(osp_jw_t *w, int64_t v);
void osp_jw_uint(osp_jw_t *w, uint64_t v);
/* Shortest representation that round-trips (like Java's Double.toString
 * for typical values); NaN/Inf are written as null. */
void osp_jw_double(osp_jw_t *w, double v);
void osp_jw_bool(osp_jw_t *w, bool v);
void osp_jw_null(osp_jw_t *w);
/* Insert pre-serialised JSON (e.g. a stored _source) as one value: verbatim
 * in compact mode; re-formatted in pretty mode, as Elasticsearch does. */
void osp_jw_raw(osp_jw_t *w, const char *json, size_t n);
/* Write a parsed or built value. Numbers come out as Elasticsearch
 * re-serializes parsed JSON: integers as integers, other numbers as Java's
 * Double.toString ("1.50" -> 1.5, "1e5" -> 100000.0); integer literals
 * beyond int64 and values that overflow a double keep their literal. */
void osp_jw_value(osp_jw_t *w, const osp_json_t *v);
/* Convenience: "key": value pairs. */
void osp_jw_kv_str(osp_jw_t *w, const char *key, const char *s);
void osp_jw_kv_int(osp_jw_t *w, const char *key, int64_t v);
void osp_jw_kv_bool(osp_jw_t *w, const char *key, bool v);
/* End of a top-level value: in pretty mode a final LF, as Elasticsearch's
 * pretty responses end with one (XContentBuilder.lfAtEnd). 0, or -EINVAL when
 * containers are still open, or -ENOMEM when the buffer failed. */
int osp_jw_finish(osp_jw_t *w);

/* Escape s into out as a JSON string body (no quotes). */
void osp_json_escape(osp_buf_t *out, const char *s, size_t n);

#endif
