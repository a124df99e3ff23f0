/*
 * osprey/date.h - Elasticsearch date formats, parsing, formatting, date math.
 *
 * A format string such as "strict_date_optional_time||epoch_millis" or
 * "yyyy-MM-dd HH:mm:ss" is compiled once (into an arena, usually the
 * mapping's) into an immutable st_date_format_t any core may read. Parsing
 * turns a string into epoch milliseconds (UTC unless the text carries an
 * offset, or a default time zone is given); formatting uses the first
 * alternative, as Elasticsearch does. Named formats supported:
 * strict_date_optional_time, date_optional_time,
 * strict_date_optional_time_nanos (millisecond precision), epoch_millis,
 * epoch_second, strict_date / date, basic_date, strict_date_time /
 * date_time, basic_date_time, strict_date_hour_minute_second,
 * strict_year_month, strict_year; anything else is a Java-style pattern
 * (letters y u M d H h m s S Z X a E, 'literals').
 *
 * Date math ("now-1d/d", "2024-01-01||+1M/d") follows Elasticsearch's range
 * semantics: rounding rounds down, or up to the last millisecond of the unit
 * when round_up is set (gt / lte bounds).
 */
#ifndef OSPREY_DATE_H
#define OSPREY_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "osprey/arena.h"
#include "osprey/err.h"

/* A compiled format (one or more "||" alternatives). Immutable; lives in
 * the arena it was compiled into. */
typedef struct st_date_format st_date_format_t;

/* Default format of a date field: "strict_date_optional_time||epoch_millis". */
const st_date_format_t *
st_date_format_default(void);

/* Compile spec. Unknown named formats / bad patterns fail with
 * illegal_argument_exception "Invalid format: [x]: ..." (err filled). */
int
st_date_format_compile(osp_arena_t *a, const char *spec, size_t len,
		       st_date_format_t **out, osp_err_t *err);

/* The spec as written. */
const char *
st_date_format_spec(const st_date_format_t *f);

/* Parse s with the first alternative that accepts all of it. tz_offset_s is
 * applied when the text has no offset (0 = UTC). 0 or -EINVAL. */
int
st_date_parse(const st_date_format_t *f, const char *s, size_t len,
	      int32_t tz_offset_s, int64_t *millis);

/* Format millis with the first alternative into out (NUL-terminated);
 * returns the length or -ENOSPC. Epoch formats print integers; other
 * formats print in tz_offset_s ("Z" when 0). 40 bytes always suffice. */
int
st_date_format_millis(const st_date_format_t *f, int64_t millis,
		      int32_t tz_offset_s, char *out, size_t cap);

/* Evaluate date math: "now" or "<date>||" followed by [+-]N<unit> and
 * /<unit> operations, units y M w d h H m s. f may be NULL (default
 * format). On a parse failure: parse_exception worded as Elasticsearch
 * ("failed to parse date field [x] with format [f]") and -EINVAL. */
int
st_date_math(const st_date_format_t *f, const char *expr, size_t len,
	     int64_t now_ms, bool round_up, int32_t tz_offset_s,
	     int64_t *out, osp_err_t *err);

/* Calendar helpers for date_histogram and rounding; unit is one of
 * y M q w d h H m s. */
int64_t
st_date_round_down(int64_t millis, char unit, int32_t tz_offset_s);
int64_t
st_date_add(int64_t millis, int64_t n, char unit, int32_t tz_offset_s);

/* Parse a time_zone parameter: "Z", "UTC", "+01:00", "-0530", "+5".
 * Named zones other than UTC/GMT are not supported (-EINVAL). */
int
st_date_tz_parse(const char *s, size_t len, int32_t *offset_s);

#endif
