/*
 * date_math.c - calendar rounding and arithmetic, Elasticsearch date math
 * ("now-1d/d", "2024-01-01||+1M/d") and time_zone offsets (osprey/date.h).
 *
 * Rounding and month/year arithmetic happen in local time (millis shifted
 * by the fixed offset) and are shifted back; months clamp the day as
 * Java's plusMonths does. Pure functions: any thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "date_int.h"

int64_t
st_date_round_down(int64_t millis, char unit, int32_t tz)
{
	int64_t off = (int64_t)tz * 1000, local = millis + off;
	int64_t days = floordiv(local, MS_PER_DAY);
	int64_t y;
	unsigned m, d;
	int64_t r;

	switch (unit) {
	case 's': r = floordiv(local, 1000) * 1000; break;
	case 'm': r = floordiv(local, 60000) * 60000; break;
	case 'h': case 'H': r = floordiv(local, 3600000) * 3600000; break;
	case 'd': r = days * MS_PER_DAY; break;
	case 'w': /* ISO weeks start on Monday; 1970-01-01 was a Thursday */
		r = (days - ((days % 7 + 7 + 3) % 7)) * MS_PER_DAY;
		break;
	case 'M': case 'q': case 'y':
		civil_from_days(days, &y, &m, &d);
		if (unit == 'y')
			m = 1;
		else if (unit == 'q')
			m = (m - 1) / 3 * 3 + 1;
		r = days_from_civil(y, m, 1) * MS_PER_DAY;
		break;
	default:
		r = local;
		break;
	}
	return r - off;
}

int64_t
st_date_add(int64_t millis, int64_t n, char unit, int32_t tz)
{
	int64_t off = (int64_t)tz * 1000, local = millis + off;

	switch (unit) {
	case 's': return millis + n * 1000;
	case 'm': return millis + n * 60000;
	case 'h': case 'H': return millis + n * 3600000;
	case 'd': return millis + n * MS_PER_DAY;
	case 'w': return millis + n * 7 * MS_PER_DAY;
	case 'M': case 'q': case 'y': {
		int64_t days = floordiv(local, MS_PER_DAY), msd = local - days * MS_PER_DAY;
		int64_t y;
		unsigned m, d;
		int64_t months = unit == 'y' ? n * 12 : unit == 'q' ? n * 3 : n;

		civil_from_days(days, &y, &m, &d);
		int64_t t = y * 12 + (m - 1) + months;

		y = floordiv(t, 12);
		m = (unsigned)(t - y * 12) + 1;
		if (d > days_in_month(y, m))
			d = days_in_month(y, m);     /* Java's plusMonths clamps */
		return days_from_civil(y, m, d) * MS_PER_DAY + msd - off;
	}
	default:
		return millis;
	}
}

static bool
valid_unit(char u)
{
	return u == 'y' || u == 'M' || u == 'w' || u == 'd' || u == 'h' || u == 'H' ||
	       u == 'm' || u == 's';
}

/* Apply the operations after "now" or "||" to t: [+-]N<unit> and
 * /<unit> (rounded down, or up to the unit's last millisecond). */
static int
date_math_apply(const char *m, size_t len, int64_t t, bool round_up, int32_t tz,
		int64_t *out, osp_err_t *err)
{
	size_t i = 0;

	while (i < len) {
		char op = m[i++];

		if (op == '/') {
			if (i >= len)
				return osp_err_set(err, 400, "parse_exception", "truncated date math [%.*s]", (int)len, m);
			char u = m[i++];

			if (!valid_unit(u))
				return osp_err_set(err, 400, "parse_exception",
						   "unit [%c] not supported for date math [%.*s]", u, (int)len, m);
			t = st_date_round_down(t, u, tz);
			if (round_up)
				t = st_date_add(t, 1, u, tz) - 1;
			continue;
		}
		if (op != '+' && op != '-')
			return osp_err_set(err, 400, "parse_exception",
					   "operator not supported for date math [%.*s]", (int)len, m);
		if (i >= len)
			return osp_err_set(err, 400, "parse_exception", "truncated date math [%.*s]", (int)len, m);
		int64_t n = 0;
		size_t d0 = i;

		while (i < len && m[i] >= '0' && m[i] <= '9' && n < 100000000)
			n = n * 10 + (m[i++] - '0');
		if (i == d0)
			n = 1;
		if (i >= len)
			return osp_err_set(err, 400, "parse_exception", "truncated date math [%.*s]", (int)len, m);
		char u = m[i++];

		if (!valid_unit(u))
			return osp_err_set(err, 400, "parse_exception",
					   "unit [%c] not supported for date math [%.*s]", u, (int)len, m);
		t = st_date_add(t, op == '-' ? -n : n, u, tz);
	}
	*out = t;
	return 0;
}

int
st_date_math(const st_date_format_t *f, const char *expr, size_t len,
	     int64_t now_ms, bool round_up, int32_t tz, int64_t *out, osp_err_t *err)
{
	if (f == NULL)
		f = st_date_format_default();
	if (len >= 3 && memcmp(expr, "now", 3) == 0)
		return date_math_apply(expr + 3, len - 3, now_ms, round_up, tz, out, err);
	size_t bar = len;

	for (size_t i = 0; i + 1 < len; i++)
		if (expr[i] == '|' && expr[i + 1] == '|') {
			bar = i;
			break;
		}
	int64_t t;

	if (st_date_parse_round(f, expr, bar, tz, bar == len && round_up, &t) < 0)
		return osp_err_set(err, 400, "parse_exception",
				   "failed to parse date field [%.*s] with format [%s]",
				   (int)bar, expr, st_date_format_spec(f));
	if (bar == len) {
		*out = t;
		return 0;
	}
	return date_math_apply(expr + bar + 2, len - bar - 2, t, round_up, tz, out, err);
}

int
st_date_tz_parse(const char *s, size_t len, int32_t *offset_s)
{
	size_t i = 0;

	if ((len == 1 && s[0] == 'Z') || (len == 3 && (memcmp(s, "UTC", 3) == 0 || memcmp(s, "GMT", 3) == 0)) ||
	    (len == 7 && memcmp(s, "Etc/UTC", 7) == 0)) {
		*offset_s = 0;
		return 0;
	}
	if (len > 3 && (memcmp(s, "UTC", 3) == 0 || memcmp(s, "GMT", 3) == 0)) {
		s += 3;
		len -= 3;
	}
	if (len >= 2 && (s[0] == '+' || s[0] == '-') && (len == 2 || s[2] < '0' || s[2] > '9')) {
		/* "+5" / "-5:30": one-digit hours */
		char buf[8];
		int n = snprintf(buf, sizeof(buf), "%c0%.*s", s[0], (int)(len - 1 < 5 ? len - 1 : 5), s + 1);

		return (n > 0 && st_date_parse_zone(buf, (size_t)n, &i, offset_s) && i == (size_t)n) ? 0 : -EINVAL;
	}
	if (st_date_parse_zone(s, len, &i, offset_s) && i == len && s[0] != 'Z')
		return 0;
	return -EINVAL;
}
