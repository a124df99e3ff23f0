/*
 * json_int.h - internals shared by the json_*.c files of libosp; nothing
 * outside include/lib/json_*.c may include it.
 *
 * The parser (json_parse.c) drives three helpers: the string scanner and
 * unescaper (json_str.c), the number scanner (json_num.c) and the error
 * formatter. The writer (json_write.c) borrows the escaper and the Java-style
 * double formatter. All are pure functions over caller-owned memory.
 */
#ifndef OSPREY_JSON_INT_H
#define OSPREY_JSON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "osprey/json.h"

/* Member names seen in one object being parsed (json_dup.c): a hash set of
 * member nodes in the parse arena, built once the object grows. */
typedef struct json_dupset {
	osp_json_t **slots;
	osp_json_t *last;        /* last member inserted */
	uint32_t cap;            /* power of two, 0 = no set yet */
} json_dupset_t;

void
osp_json_dupset_init(json_dupset_t *d);

/* Does obj (being parsed into d) already have a member named k (klen bytes,
 * unescaped)? 0 with *found set, or -ENOMEM. */
int
osp_json_dupset_find(json_dupset_t *d, osp_arena_t *a, const osp_json_t *obj,
		 const char *k, size_t klen, uint64_t seed, bool *found);

/* Why a string scan stopped; the scanner's verdict for the parser. */
typedef enum json_str_status {
	JSON_STR_OK = 0,
	JSON_STR_EOF,            /* no closing quote before the end */
	JSON_STR_CTRL,           /* raw control character (at *bad) */
	JSON_STR_BAD_ESCAPE,     /* '\' followed by a non-escape char */
	JSON_STR_BAD_HEX,        /* non-hex digit inside \uXXXX */
	JSON_STR_LONE_HIGH,      /* \uD800-\uDBFF not followed by a low one */
	JSON_STR_LONE_LOW,       /* \uDC00-\uDFFF without a high one */
	JSON_STR_UTF8_START,     /* invalid UTF-8 lead byte */
	JSON_STR_UTF8_MIDDLE,    /* invalid UTF-8 continuation byte */
	JSON_STR_UTF8_EOF,       /* UTF-8 sequence cut by the end of input */
} json_str_status_t;

/* Result of scanning one string body. */
typedef struct json_str_scan {
	size_t end;              /* offset of the closing quote */
	size_t bad;              /* offset of the offending byte on error */
	uint32_t code;           /* code unit for LONE_* errors, byte for others */
	bool has_escape;         /* body contains at least one backslash */
} json_str_scan_t;

/* Scan the string body starting at s[pos] (just after the opening quote),
 * validating UTF-8, control characters and escapes. Reads only s[pos..len). */
json_str_status_t
osp_json_str_scan(const char *s, size_t len, size_t pos, json_str_scan_t *out);

/* How Jackson 2.16+ (current Elasticsearch) names the input in locations. */
#define JSON_SOURCE_REDACTED "REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)"
#define JSON_VALID_VALUES "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
#define JSON_STACK_INLINE 32u

/* One open array/object and where it started (for error messages); objects
 * also carry their duplicate-name set when detection is on. */
typedef struct json_frame {
	osp_json_t *node;
	size_t start;
	json_dupset_t dups;
} json_frame_t;

/* State of one parse; lives on the caller's stack for the call only. */
typedef struct json_parser {
	osp_arena_t *a;
	const char *s;
	size_t end;              /* bytes the parser may read */
	size_t len;              /* bytes the caller gave */
	size_t max_bytes;
	uint32_t max_depth;
	bool reject_dup;
	bool allow_comments;
	uint64_t seed;           /* hash seed for duplicate detection */
	osp_json_error_t *err;
	json_frame_t *stack;
	uint32_t depth;
	uint32_t cap;
	/* member name scanned but not yet attached to its value */
	size_t key_pos;
	size_t key_raw;
	bool key_esc;
	json_frame_t inline_stack[JSON_STACK_INLINE];
} json_parser_t;

static inline bool
json_is_ident(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80;
}

/* Errors (json_err.c). Each fills p->err (when not NULL) and returns
 * -EINVAL. off is the offending byte (or p->end); "at" variants also take
 * Jackson's read position ptr for the column; the others assume Jackson
 * consumed the byte at off. */
int
osp_json_fail(json_parser_t *p, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int
osp_json_fail_at(json_parser_t *p, size_t off, size_t ptr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* "Unexpected character ('x' (code 120)): what", at the character. */
int
osp_json_fail_char(json_parser_t *p, size_t off, const char *what);
/* Same, but a '/' gets Jackson's comment wording. */
int
osp_json_fail_unexpected(json_parser_t *p, size_t off, const char *what);
/* A ']' or '}' that closes nothing open. */
int
osp_json_fail_close(json_parser_t *p, size_t off);
int
osp_json_fail_size(json_parser_t *p);
/* End of input; what NULL means "expected close marker" (or no content). */
int
osp_json_fail_eof(json_parser_t *p, const char *what);
/* "Unrecognized token '...'" for the identifier-like run at off. */
int
osp_json_fail_token(json_parser_t *p, size_t off);
int
osp_json_fail_string(json_parser_t *p, json_str_status_t st,
		     const json_str_scan_t *sc, bool key);
/* Jackson's description of the character at off into buf. */
const char *
osp_json_char_desc(const json_parser_t *p, size_t off, char *buf, size_t n);

/* Appends with the common case (room left, buffer not failed) inlined; the
 * rest goes through osp_buf_*, which keeps the failed-flag rules. */
static inline void
json_out_putc(osp_buf_t *b, char c)
{
	if (b->len + 2 <= b->cap && !b->failed) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
	} else {
		osp_buf_putc(b, c);
	}
}

static inline void
json_out_append(osp_buf_t *b, const char *p, size_t n)
{
	if (n < b->cap && b->len + n + 1 <= b->cap && !b->failed) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
	} else {
		osp_buf_append(b, p, n);
	}
}

/* Replace invalid UTF-8 in a NUL-terminated message (see json_str.c). */
void
osp_json_utf8_sanitize(char *msg);

/* Unescape a body already accepted by osp_json_str_scan into dst (room for n
 * bytes plus NUL); returns the unescaped length. */
size_t
osp_json_str_unescape(char *dst, const char *src, size_t n);

/* Why a number scan stopped. */
typedef enum json_num_status {
	JSON_NUM_OK = 0,
	JSON_NUM_MINUS,          /* '-' not followed by a digit */
	JSON_NUM_LEADING_ZERO,   /* 0 followed by a digit */
	JSON_NUM_FRAC,           /* '.' not followed by a digit */
	JSON_NUM_EXP,            /* 'e' not followed by a digit */
} json_num_status_t;

/* Result of scanning one number literal. */
typedef struct json_num_scan {
	size_t end;              /* offset one past the literal */
	size_t bad;              /* offset of the offending byte on error */
	bool is_int;             /* no fraction/exponent and fits int64 */
	bool fast;               /* d is exact without strtod */
	int64_t i;
	double d;
} json_num_scan_t;

/* Scan a number literal at s[pos]; the caller saw '-' or a digit there. */
json_num_status_t
osp_json_num_scan(const char *s, size_t len, size_t pos, json_num_scan_t *out);

/* Correctly rounded conversion of a NUL-terminated literal accepted by
 * osp_json_num_scan (locale-independent strtod). */
double
osp_json_num_strtod(const char *lit);

/* Format v as Java's Double.toString does into buf (at least 32 bytes);
 * returns the length. v must be finite. */
size_t
osp_json_num_format(char *buf, double v);

/* Java's Double.toString of a plain decimal literal when it can be had by
 * trimming the literal (see json_num.c); 0 otherwise. */
size_t
osp_json_num_java_literal(const char *lit, size_t n, char *out);

#endif
