/*
 * json_num.c - JSON numbers: scanning literals and printing doubles.
 *
 * Scanning follows RFC 8259's grammar exactly (no leading zeros, no '+', no
 * bare '.'), accumulating up to 19 significant digits. Integers that fit
 * int64 are exact; other values use Clinger's fast path (<= 15 significant
 * digits and a power of ten <= 22 are both exact doubles, so one IEEE
 * multiply or divide is correctly rounded) and fall back to a C-locale
 * strtod on the arena copy of the literal otherwise: correctness over speed.
 *
 * Printing matches Java's Double.toString (what Jackson and so Elasticsearch
 * emit): the shortest digits that round-trip, plain notation for
 * 1e-3 <= |v| < 1e7 with at least one fractional digit ("1.0", "0.001"),
 * otherwise computerized scientific notation ("1.0E10", "1.234E-5").
 */
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_int.h"

static const double pow10_exact[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static inline bool
is_digit(unsigned char c)
{
	return (unsigned)(c - '0') < 10;
}

json_num_status_t
osp_json_num_scan(const char *str, size_t len, size_t pos, json_num_scan_t *out)
{
	const unsigned char *s = (const unsigned char *)str;
	bool neg = false, frac = false, expo = false;
	uint64_t m = 0;
	int nd = 0;          /* significant digits accumulated in m */
	int dropped = 0;     /* integer digits beyond the 19 kept */
	int fdigits = 0;     /* fraction digits accumulated in m */
	bool lost = false;   /* fraction digits beyond the 19 kept */
	long e10 = 0;

	if (s[pos] == '-') {
		neg = true;
		pos++;
		if (pos >= len || !is_digit(s[pos])) {
			out->bad = pos;
			return JSON_NUM_MINUS;
		}
	}
	if (s[pos] == '0') {
		pos++;
		if (pos < len && is_digit(s[pos])) {
			out->bad = pos;
			return JSON_NUM_LEADING_ZERO;
		}
	} else {
		while (pos < len && is_digit(s[pos])) {
			if (nd < 19) {
				m = m * 10 + (s[pos] - '0');
				nd++;
			} else {
				dropped++;
			}
			pos++;
		}
	}
	if (pos < len && s[pos] == '.') {
		frac = true;
		pos++;
		if (pos >= len || !is_digit(s[pos])) {
			out->bad = pos;
			return JSON_NUM_FRAC;
		}
		while (pos < len && is_digit(s[pos])) {
			if (nd < 19) {
				if (m != 0 || s[pos] != '0')
					nd++;
				m = m * 10 + (s[pos] - '0');
				fdigits++;
			} else {
				lost = true;
			}
			pos++;
		}
	}
	if (pos < len && (s[pos] == 'e' || s[pos] == 'E')) {
		bool eneg = false;

		expo = true;
		pos++;
		if (pos < len && (s[pos] == '+' || s[pos] == '-')) {
			eneg = s[pos] == '-';
			pos++;
		}
		if (pos >= len || !is_digit(s[pos])) {
			out->bad = pos;
			return JSON_NUM_EXP;
		}
		while (pos < len && is_digit(s[pos])) {
			if (e10 < 100000)
				e10 = e10 * 10 + (s[pos] - '0');
			pos++;
		}
		if (eneg)
			e10 = -e10;
	}
	out->end = pos;
	out->is_int = false;
	out->fast = false;
	out->i = 0;
	if (!frac && !expo && dropped == 0) {
		/* nd <= 19 digits: m < 10^19 < 2^64, no overflow. */
		if (!neg && m <= (uint64_t)INT64_MAX) {
			out->is_int = true;
			out->i = (int64_t)m;
		} else if (neg && m <= (uint64_t)INT64_MAX + 1) {
			out->is_int = true;
			out->i = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
		}
		/* uint64 -> double conversion is correctly rounded. */
		out->d = neg ? -(double)m : (double)m;
		out->fast = true;
		return JSON_NUM_OK;
	}
	if (dropped == 0 && !lost && (nd < 19 || m == 0)) {
		long ex = e10 - fdigits;

		if (m == 0) {
			out->d = neg ? -0.0 : 0.0;
			out->fast = true;
		} else if (m < (1ULL << 53) && ex >= -22 && ex <= 22) {
			double d = (double)m;

			d = ex < 0 ? d / pow10_exact[-ex] : d * pow10_exact[ex];
			out->d = neg ? -d : d;
			out->fast = true;
		}
	}
	return JSON_NUM_OK;
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void
c_locale_init(void)
{
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

double
osp_json_num_strtod(const char *lit)
{
	pthread_once(&c_locale_once, c_locale_init);
	if (c_locale)
		return strtod_l(lit, NULL, c_locale);
	return strtod(lit, NULL);
}

/* Decimal digits and exponent of v (> 0) with prec significant digits,
 * trailing zeros removed: v ~= 0.d1d2d3... * 10^(*dexp). */
static int
digits_of(double v, int prec, char *dig, int *dexp)
{
	char tmp[40];
	int n = 0;

	snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
	/* tmp is "d.ddddde[+-]xx" or "de[+-]xx" */
	const char *p = tmp;

	for (; *p && *p != 'e'; p++)
		if (*p != '.')
			dig[n++] = *p;
	*dexp = atoi(p + 1) + 1;
	while (n > 1 && dig[n - 1] == '0')
		n--;
	dig[n] = '\0';
	return n;
}

static bool
round_trips(const char *dig, int n, int dexp, double v)
{
	char tmp[48];

	snprintf(tmp, sizeof(tmp), "0.%.*se%d", n, dig, dexp);
	return osp_json_num_strtod(tmp) == v;
}

/* At a power of two the gap below v is half the gap above, so the nearest
 * 16-digit decimal can miss v's rounding interval while the one on the other
 * side of v still hits it. Try that one; true (dig/dexp replaced) if it
 * round-trips. */
static bool
other_side_16(double v, char *dig, int n, int *dexp)
{
	int e2;

	if (frexp(v, &e2) != 0.5)
		return false;
	uint64_t m = 0;

	for (int k = 0; k < 16; k++)
		m = m * 10 + (uint64_t)(k < n ? dig[k] - '0' : 0);
	int e = *dexp;
	char tmp[48];

	snprintf(tmp, sizeof(tmp), "0.%016llue%d", (unsigned long long)m, e);
	if (osp_json_num_strtod(tmp) < v) {
		if (++m == 10000000000000000ULL) {
			m = 1000000000000000ULL;
			e++;
		}
	} else {
		if (--m < 1000000000000000ULL) {
			m = 9999999999999999ULL;
			e--;
		}
	}
	char cand[24];
	int cn = snprintf(cand, sizeof(cand), "%016llu", (unsigned long long)m);

	while (cn > 1 && cand[cn - 1] == '0')
		cn--;
	cand[cn] = '\0';
	if (!round_trips(cand, cn, e, v))
		return false;
	memcpy(dig, cand, (size_t)cn + 1);
	*dexp = e;
	return true;
}

static const uint64_t pow10u[18] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL,
};

/* Does the decimal m * 10^e read back as exactly v? Clinger's fast path
 * (m < 2^53 and |e| <= 22: one correctly rounded IEEE operation) when it
 * applies, strtod otherwise. */
static bool
dec_equals(uint64_t m, int e, double v)
{
	if (m < (1ULL << 53) && e >= -22 && e <= 22) {
		double d = (double)m;

		d = e < 0 ? d / pow10_exact[-e] : d * pow10_exact[e];
		return d == v;
	}
	char tmp[48];

	snprintf(tmp, sizeof(tmp), "%llue%d", (unsigned long long)m, e);
	return osp_json_num_strtod(tmp) == v;
}

/* v rounded to p significant digits, from its 17 correctly rounded digits
 * d17 (v ~= 0.d17 * 10^e17): m * 10^(*e) with 10^(p-1) <= m < 10^p. When
 * the dropped digits are exactly half a unit, 17 digits cannot tell which
 * way v's exact expansion rounds, so snprintf decides (rare). */
static uint64_t
round_digits(double v, const char *d17, int e17, int p, int *e)
{
	uint64_t m = 0, r = 0;

	for (int k = 0; k < p; k++)
		m = m * 10 + (uint64_t)(d17[k] - '0');
	for (int k = p; k < 17; k++)
		r = r * 10 + (uint64_t)(d17[k] - '0');
	*e = e17 - p;
	if (r == 5 * pow10u[16 - p]) {
		char dig[40];
		int dexp, n = digits_of(v, p, dig, &dexp);

		m = 0;
		for (int k = 0; k < p; k++)
			m = m * 10 + (uint64_t)(k < n ? dig[k] - '0' : 0);
		*e = dexp - p;
		return m;
	}
	if (r > 5 * pow10u[16 - p] && ++m == pow10u[p]) {
		m = pow10u[p - 1];
		(*e)++;
	}
	return m;
}

/* The p digits of m, trailing zeros trimmed, as dig; returns their count. */
static int
mant_digits(uint64_t m, int p, char *dig)
{
	for (int k = p - 1; k >= 0; k--) {
		dig[k] = (char)('0' + m % 10);
		m /= 10;
	}
	while (p > 1 && dig[p - 1] == '0')
		p--;
	dig[p] = '\0';
	return p;
}

/* Shortest round-trip digits of a normal double. A <= 15-digit decimal
 * that round-trips is the nearest 15-digit one (15-digit decimals are
 * further apart than doubles), so trying 15, then 16 (plus the other side
 * at powers of two), then 17 digits finds Java's choice. One snprintf
 * gives the 17 digits; the shorter roundings and their checks are integer
 * arithmetic and, mostly, one exact multiply or divide. */
static int
shortest_normal(double v, char *dig, int *dexp)
{
	char d17[40];
	int e17, n = digits_of(v, 17, d17, &e17);

	while (n < 17)
		d17[n++] = '0';
	for (int p = 15; p <= 16; p++) {
		int e;
		uint64_t m = round_digits(v, d17, e17, p, &e);

		n = mant_digits(m, p, dig);
		*dexp = e + p;
		if (dec_equals(m, e, v))
			return n;
		if (p == 16 && other_side_16(v, dig, n, dexp))
			return (int)strlen(dig);
	}
	n = 17;
	memcpy(dig, d17, 17);
	while (n > 1 && dig[n - 1] == '0')
		n--;
	dig[n] = '\0';
	*dexp = e17;
	return n;
}

/* Shortest digits as Java picks them: the fewest digits that round-trip,
 * the closest such; when one digit suffices Java still considers two and
 * keeps the closer one (Double.toString(4.9E-324) is "4.9E-324"). */
static int
shortest_digits(double v, char *dig, int *dexp)
{
	int n;

	if (v == floor(v) && v < 9007199254740992.0) {
		/* Integral and exact: the digits of the integer. */
		char tmp[24];
		int len = snprintf(tmp, sizeof(tmp), "%.0f", v);

		n = len;
		while (n > 1 && tmp[n - 1] == '0')
			n--;
		memcpy(dig, tmp, (size_t)n);
		dig[n] = '\0';
		*dexp = len;
		return n;
	}
	if (v < 2.2250738585072014e-308) {
		/* Subnormals carry fewer bits: search upwards from one digit. */
		for (int prec = 1; prec <= 17; prec++) {
			n = digits_of(v, prec, dig, dexp);
			if (prec == 17 || round_trips(dig, n, *dexp, v))
				break;
		}
	} else {
		n = shortest_normal(v, dig, dexp);
	}
	if (n == 1) {
		char d2[40];
		int e2, n2 = digits_of(v, 2, d2, &e2);

		if (n2 == 2 && round_trips(d2, n2, e2, v)) {
			memcpy(dig, d2, 3);
			*dexp = e2;
			n = 2;
		}
	}
	return n;
}

size_t
osp_json_num_format(char *buf, double v)
{
	char dig[40];
	int dexp, n;
	size_t o = 0;

	if (signbit(v)) {
		buf[o++] = '-';
		v = -v;
	}
	if (v == 0) {
		memcpy(buf + o, "0.0", 4);
		return o + 3;
	}
	n = shortest_digits(v, dig, &dexp);
	/* value = 0.dig * 10^dexp; Java's plain range is 1e-3 <= v < 1e7,
	 * i.e. -2 <= dexp <= 7. */
	if (dexp >= -2 && dexp <= 7) {
		if (dexp <= 0) {
			buf[o++] = '0';
			buf[o++] = '.';
			for (int k = 0; k < -dexp; k++)
				buf[o++] = '0';
			memcpy(buf + o, dig, (size_t)n);
			o += (size_t)n;
		} else {
			for (int k = 0; k < dexp; k++)
				buf[o++] = k < n ? dig[k] : '0';
			buf[o++] = '.';
			if (n > dexp) {
				memcpy(buf + o, dig + dexp, (size_t)(n - dexp));
				o += (size_t)(n - dexp);
			} else {
				buf[o++] = '0';
			}
		}
	} else {
		buf[o++] = dig[0];
		buf[o++] = '.';
		if (n > 1) {
			memcpy(buf + o, dig + 1, (size_t)(n - 1));
			o += (size_t)(n - 1);
		} else {
			buf[o++] = '0';
		}
		o += (size_t)sprintf(buf + o, "E%d", dexp - 1);
	}
	buf[o] = '\0';
	return o;
}

/* Fast path for re-serializing a parsed plain decimal: when the literal has
 * at most 15 significant digits and lies in Java's plain range, its own
 * digits are the shortest round-trip digits, so Java's output is the literal
 * with trailing fraction zeros trimmed ("1.50" -> "1.5", "2.00" -> "2.0").
 * Returns the length written to out (room for n + 2 bytes), 0 when the
 * literal needs the general path. */
size_t
osp_json_num_java_literal(const char *lit, size_t n, char *out)
{
	size_t i = 0, dot, end = n;
	int sig = 0;

	if (i < n && lit[i] == '-')
		i++;
	size_t int_start = i;

	while (i < n && lit[i] >= '0' && lit[i] <= '9')
		i++;
	if (i >= n || lit[i] != '.' || i == int_start)
		return 0;
	dot = i++;
	while (i < n && lit[i] >= '0' && lit[i] <= '9')
		i++;
	if (i != n || i == dot + 1)
		return 0;           /* exponent, or not a JSON decimal */
	while (end > dot + 2 && lit[end - 1] == '0')
		end--;              /* keep at least one fraction digit */
	size_t int_len = dot - int_start;

	if (lit[int_start] != '0') {
		if (int_len > 7)
			return 0;   /* >= 1e7: Java uses E notation */
		sig = (int)int_len + (int)(end - dot - 1);
		/* "100.0": the zero fraction digit is not significant */
		if (end == dot + 2 && lit[dot + 1] == '0')
			sig = (int)int_len;
	} else {
		size_t k = dot + 1;

		while (k < end && lit[k] == '0')
			k++;
		if (k == end) {
			/* 0.0 or -0.0 */
			memcpy(out, lit, dot + 2);
			return dot + 2;
		}
		if (k - (dot + 1) > 2)
			return 0;   /* < 1e-3: E notation */
		sig = (int)(end - k);
	}
	if (sig > 15)
		return 0;
	memcpy(out, lit, end);
	return end;
}
