/*
 * date_int.h - what only the date sources (date_format.c, date_math.c) share:
 * proleptic Gregorian calendar arithmetic on days since the epoch, the
 * offset parser and the rounding-aware parse entry point.
 */
#ifndef ST_DATE_INT_H
#define ST_DATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "osprey/date.h"

#define MS_PER_DAY 86400000LL


static inline int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

static inline void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static inline bool
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static inline unsigned
days_in_month(int64_t y, unsigned m)
{
	static const unsigned dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

static inline int64_t
floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Parse an offset ("Z", "+01:00", "+0100", "+01") at s[*i]; advances *i. */
bool
st_date_parse_zone(const char *s, size_t len, size_t *i, int32_t *out);

/* st_date_parse, and with round_up missing time fields take their maximum
 * (Elasticsearch's round-up parser for range bounds). */
int
st_date_parse_round(const st_date_format_t *f, const char *s, size_t len, int32_t tz,
		    bool round_up, int64_t *millis);

#endif
