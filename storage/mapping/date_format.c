/*
 * date_format.c - Elasticsearch date formats (osprey/date.h): a compiler
 * from format specs to element lists, a parser and a printer.
 *
 * A spec is split on "||" into alternatives. Each alternative is either an
 * epoch format or a list of elements (numeric field, text field, literal,
 * zone offset, optional-section open/close) compiled from a Java-style
 * pattern; named formats (strict_date_optional_time, ...) are patterns with
 * flags (fractions of 1-9 digits, lenient digit counts for the non-strict
 * names). Parsing resolves fields strictly (Feb 30 is rejected) in the
 * proleptic Gregorian calendar; missing fields default to the start of the
 * period, or, for range bounds rounded up, time fields to their maximum as
 * Elasticsearch's round-up parser does. Compiled formats are immutable and
 * live in the caller's arena.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "date_int.h"

enum el_kind {
	EL_NUM,        /* numeric field */
	EL_FRAC,       /* fraction of second */
	EL_TEXT_MONTH, /* MMM / MMMM */
	EL_TEXT_DOW,   /* E... (parsed, ignored) */
	EL_AMPM,
	EL_LIT,
	EL_ZONE,
	EL_OPT_BEGIN,
	EL_OPT_END,
};

enum fld { F_YEAR, F_MONTH, F_DAY, F_HOUR, F_HOUR12, F_MIN, F_SEC, F_DOY, F_NFIELDS };

/* One pattern element. */
typedef struct el {
	uint8_t kind;
	uint8_t field;        /* enum fld for EL_NUM */
	uint8_t min, max;     /* digits */
	uint8_t count;        /* letters in the pattern (printing width / style) */
	const char *lit;
	uint32_t lit_len;
} el_t;

enum alt_kind { ALT_PATTERN, ALT_EPOCH_MILLIS, ALT_EPOCH_SECOND };

/* One "||" alternative. */
typedef struct alt {
	uint8_t kind;
	bool iso_print;       /* print "Z" for UTC in zone elements */
	el_t *els;
	uint32_t n;
} alt_t;

/* A compiled format; immutable. */
struct st_date_format {
	const char *spec;
	alt_t *alts;
	uint32_t n;
};
/* ---- compiling ---- */

static const char *const month_names[] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};
static const char *const dow_names[] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
};

/* Named formats as patterns. frac: fractions take 1-9 digits; lenient:
 * numeric fields take 1..n digits (non-strict names). */
static const struct {
	const char *name;
	const char *pattern;
	bool frac, lenient;
} named[] = {
	{ "strict_date_optional_time", "yyyy[-MM[-dd['T'HH[:mm[:ss[.SSS]]][XXX]]]]", true, false },
	{ "date_optional_time", "yyyy[-MM[-dd['T'HH[:mm[:ss[.SSS]]][XXX]]]]", true, true },
	{ "strict_date_optional_time_nanos", "yyyy[-MM[-dd['T'HH[:mm[:ss[.SSS]]][XXX]]]]", true, false },
	{ "strict_date", "yyyy-MM-dd", false, false },
	{ "date", "yyyy-MM-dd", false, true },
	{ "basic_date", "yyyyMMdd", false, false },
	{ "strict_date_time", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", true, false },
	{ "date_time", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", true, true },
	{ "strict_date_time_no_millis", "yyyy-MM-dd'T'HH:mm:ssXXX", false, false },
	{ "date_time_no_millis", "yyyy-MM-dd'T'HH:mm:ssXXX", false, true },
	{ "basic_date_time", "yyyyMMdd'T'HHmmss.SSSX", true, false },
	{ "basic_date_time_no_millis", "yyyyMMdd'T'HHmmssX", false, false },
	{ "strict_date_hour_minute_second", "yyyy-MM-dd'T'HH:mm:ss", false, false },
	{ "date_hour_minute_second", "yyyy-MM-dd'T'HH:mm:ss", false, true },
	{ "strict_date_hour_minute_second_millis", "yyyy-MM-dd'T'HH:mm:ss.SSS", true, false },
	{ "strict_date_hour_minute", "yyyy-MM-dd'T'HH:mm", false, false },
	{ "strict_date_hour", "yyyy-MM-dd'T'HH", false, false },
	{ "strict_year_month_day", "yyyy-MM-dd", false, false },
	{ "year_month_day", "yyyy-MM-dd", false, true },
	{ "strict_year_month", "yyyy-MM", false, false },
	{ "year_month", "yyyy-MM", false, true },
	{ "strict_year", "yyyy", false, false },
	{ "year", "yyyy", false, true },
	{ "strict_hour_minute_second", "HH:mm:ss", false, false },
	{ "hour_minute_second", "HH:mm:ss", false, true },
	{ "strict_hour_minute", "HH:mm", false, false },
	{ "strict_time", "HH:mm:ss.SSSXXX", true, false },
	{ "strict_ordinal_date", "yyyy-DDD", false, false },
};

static bool
is_numeric_el(const el_t *e)
{
	return e->kind == EL_NUM || e->kind == EL_FRAC;
}

/* Compile one pattern alternative into a->els (arena). */
static int
compile_pattern(osp_arena_t *ar, const char *p, size_t len, bool frac, bool lenient,
		alt_t *a)
{
	el_t *els = osp_arena_calloc(ar, sizeof(*els) * (len + 1));
	uint32_t n = 0;
	int depth = 0;

	if (els == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < len;) {
		char c = p[i];
		size_t j = i;

		while (j < len && p[j] == c)
			j++;
		uint8_t cnt = (uint8_t)(j - i > 20 ? 20 : j - i);
		el_t *e = &els[n];

		switch (c) {
		case 'y': case 'u': case 'Y':
			*e = (el_t){ EL_NUM, F_YEAR, cnt == 2 ? 2 : (cnt < 4 ? 1 : cnt), cnt == 2 ? 2 : 9, cnt, 0, 0 };
			break;
		case 'M': case 'L':
			if (cnt >= 3)
				*e = (el_t){ EL_TEXT_MONTH, 0, 0, 0, cnt, 0, 0 };
			else
				*e = (el_t){ EL_NUM, F_MONTH, cnt, 2, cnt, 0, 0 };
			break;
		case 'd': *e = (el_t){ EL_NUM, F_DAY, cnt, 2, cnt, 0, 0 }; break;
		case 'D': *e = (el_t){ EL_NUM, F_DOY, cnt, 3, cnt, 0, 0 }; break;
		case 'H': case 'k': *e = (el_t){ EL_NUM, F_HOUR, cnt, 2, cnt, 0, 0 }; break;
		case 'h': case 'K': *e = (el_t){ EL_NUM, F_HOUR12, cnt, 2, cnt, 0, 0 }; break;
		case 'm': *e = (el_t){ EL_NUM, F_MIN, cnt, 2, cnt, 0, 0 }; break;
		case 's': *e = (el_t){ EL_NUM, F_SEC, cnt, 2, cnt, 0, 0 }; break;
		case 'S': case 'n':
			*e = (el_t){ EL_FRAC, 0, frac ? 1 : cnt, frac ? 9 : cnt, cnt, 0, 0 };
			break;
		case 'a': *e = (el_t){ EL_AMPM, 0, 0, 0, cnt, 0, 0 }; break;
		case 'E': *e = (el_t){ EL_TEXT_DOW, 0, 0, 0, cnt, 0, 0 }; break;
		case 'Z': case 'X': case 'x': case 'z': case 'O':
			*e = (el_t){ EL_ZONE, (uint8_t)c, 0, 0, cnt, 0, 0 };
			break;
		case '[':
			*e = (el_t){ EL_OPT_BEGIN, 0, 0, 0, 1, 0, 0 };
			j = i + 1;
			depth++;
			break;
		case ']':
			if (--depth < 0)
				return -EINVAL;
			*e = (el_t){ EL_OPT_END, 0, 0, 0, 1, 0, 0 };
			j = i + 1;
			break;
		case '\'': {
			size_t k = i + 1;

			while (k < len && p[k] != '\'')
				k++;
			if (k >= len)
				return -EINVAL;
			if (k == i + 1) {       /* '' is a quote */
				*e = (el_t){ EL_LIT, 0, 0, 0, 0, "'", 1 };
			} else {
				*e = (el_t){ EL_LIT, 0, 0, 0, 0, p + i + 1, (uint32_t)(k - i - 1) };
			}
			j = k + 1;
			break;
		}
		default:
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
				return -EINVAL;     /* unknown pattern letter */
			*e = (el_t){ EL_LIT, 0, 0, 0, 0, p + i, 1 };
			j = i + 1;
			break;
		}
		if (lenient && e->kind == EL_NUM && e->field != F_YEAR)
			e->min = 1;
		n++;
		i = j;
	}
	if (depth != 0)
		return -EINVAL;
	/* Adjacent numeric fields (yyyyMMdd): the earlier one has fixed width. */
	for (uint32_t k = 0; k + 1 < n; k++)
		if (els[k].kind == EL_NUM && is_numeric_el(&els[k + 1])) {
			uint8_t w = els[k].count > els[k].min ? els[k].count : els[k].min;

			els[k].min = els[k].max = w < 2 && els[k].field != F_YEAR ? 2 : w;
		}
	a->kind = ALT_PATTERN;
	a->els = els;
	a->n = n;
	return 0;
}

int
st_date_format_compile(osp_arena_t *ar, const char *spec, size_t len,
		       st_date_format_t **out, osp_err_t *err)
{
	st_date_format_t *f = osp_arena_calloc(ar, sizeof(*f));
	uint32_t nalts = 1;

	if (f == NULL)
		return -ENOMEM;
	for (size_t i = 0; i + 1 < len; i++)
		if (spec[i] == '|' && spec[i + 1] == '|')
			nalts++;
	f->spec = osp_arena_strndup(ar, spec, len);
	f->alts = osp_arena_calloc(ar, sizeof(*f->alts) * nalts);
	if (f->spec == NULL || f->alts == NULL)
		return -ENOMEM;
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && !(spec[i] == '|' && i + 1 < len && spec[i + 1] == '|'))
			continue;
		const char *p = f->spec + start;
		size_t pl = i - start;
		alt_t *a = &f->alts[f->n];
		int rc = -EINVAL;

		if (pl == 12 && memcmp(p, "epoch_millis", 12) == 0) {
			a->kind = ALT_EPOCH_MILLIS;
			rc = 0;
		} else if (pl == 12 && memcmp(p, "epoch_second", 12) == 0) {
			a->kind = ALT_EPOCH_SECOND;
			rc = 0;
		} else {
			for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
				if (strlen(named[k].name) == pl && memcmp(named[k].name, p, pl) == 0) {
					rc = compile_pattern(ar, named[k].pattern, strlen(named[k].pattern),
							     named[k].frac, named[k].lenient, a);
					a->iso_print = true;
					break;
				}
			}
			/* Elasticsearch's default dynamic date formats accept a
			 * missing zone (their documented "2015/09/02" example). */
			if (rc == -EINVAL && pl == 21 && memcmp(p, "yyyy/MM/dd HH:mm:ss Z", 21) == 0)
				rc = compile_pattern(ar, "yyyy/MM/dd HH:mm:ss[ Z]", 23, false, false, a);
			else if (rc == -EINVAL && pl == 12 && memcmp(p, "yyyy/MM/dd Z", 12) == 0)
				rc = compile_pattern(ar, "yyyy/MM/dd[ Z]", 14, false, false, a);
			else if (rc == -EINVAL && pl > 0)
				rc = compile_pattern(ar, p, pl, false, false, a);
		}
		if (rc == -ENOMEM)
			return rc;
		if (rc < 0)
			return osp_err_illegal_argument(err, "Invalid format: [%.*s]: Unknown pattern letter or format name [%.*s]",
							(int)len, spec, (int)pl, p);
		f->n++;
		start = i + 2;
		i++;
	}
	*out = f;
	return 0;
}

const char *
st_date_format_spec(const st_date_format_t *f)
{
	return f->spec;
}

static osp_arena_t default_arena;
static st_date_format_t *default_format;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void
default_init(void)
{
	static const char spec[] = "strict_date_optional_time||epoch_millis";
	osp_err_t e;

	osp_arena_init(&default_arena, 4096, 0);
	if (st_date_format_compile(&default_arena, spec, sizeof(spec) - 1, &default_format, &e) < 0)
		default_format = NULL;
}

/* Compiled once for the process (pthread_once); never freed. */
const st_date_format_t *
st_date_format_default(void)
{
	pthread_once(&default_once, default_init);
	return default_format;
}

/* ---- parsing ---- */

/* Parsed fields; -1 = absent. */
typedef struct fields {
	int64_t v[F_NFIELDS];
	int64_t nanos;
	bool has_frac;
	int pm;               /* -1 absent, 0 am, 1 pm */
	bool has_zone;
	int32_t zone_s;
} fields_t;

static bool
match_name(const char *s, size_t len, size_t *i, const char *const *names, int n,
	   int *out, bool full)
{
	for (int k = 0; k < n; k++) {
		size_t nl = full ? strlen(names[k]) : 3;

		if (*i + nl <= len && strncasecmp(s + *i, names[k], nl) == 0) {
			*out = k;
			*i += nl;
			return true;
		}
	}
	return false;
}

bool
st_date_parse_zone(const char *s, size_t len, size_t *i, int32_t *out)
{
	size_t p = *i;

	if (p < len && s[p] == 'Z') {
		*out = 0;
		*i = p + 1;
		return true;
	}
	if (p >= len || (s[p] != '+' && s[p] != '-'))
		return false;
	int sign = s[p] == '-' ? -1 : 1;
	int hh, mm = 0;

	p++;
	if (p + 2 > len || s[p] < '0' || s[p] > '9' || s[p + 1] < '0' || s[p + 1] > '9')
		return false;
	hh = (s[p] - '0') * 10 + (s[p + 1] - '0');
	p += 2;
	if (p < len && s[p] == ':')
		p++;
	if (p + 2 <= len && s[p] >= '0' && s[p] <= '9' && s[p + 1] >= '0' && s[p + 1] <= '9') {
		mm = (s[p] - '0') * 10 + (s[p + 1] - '0');
		p += 2;
	} else if (s[p - 1] == ':') {
		return false;
	}
	if (hh > 18 || mm > 59)
		return false;
	*out = sign * (hh * 3600 + mm * 60);
	*i = p;
	return true;
}

/* Match elements [k, end) at *i; optional sections backtrack. */
static bool
match_els(const alt_t *a, uint32_t k, uint32_t end, const char *s, size_t len,
	  size_t *i, fields_t *f)
{
	while (k < end) {
		const el_t *e = &a->els[k];

		if (e->kind == EL_OPT_BEGIN) {
			uint32_t depth = 1, close = k + 1;

			while (close < end && depth) {
				if (a->els[close].kind == EL_OPT_BEGIN)
					depth++;
				else if (a->els[close].kind == EL_OPT_END)
					depth--;
				close++;
			}
			fields_t save = *f;
			size_t at = *i;

			if (!match_els(a, k + 1, close - 1, s, len, i, f)) {
				*f = save;
				*i = at;
			}
			k = close;
			continue;
		}
		switch (e->kind) {
		case EL_NUM: {
			size_t p = *i;
			int64_t v = 0;

			while (p < len && p - *i < e->max && s[p] >= '0' && s[p] <= '9')
				v = v * 10 + (s[p++] - '0');
			if (p - *i < e->min || p == *i)
				return false;
			if (e->field == F_YEAR && e->max == 2)
				v += 2000;
			f->v[e->field] = v;
			*i = p;
			break;
		}
		case EL_FRAC: {
			size_t p = *i;
			int64_t v = 0;
			int digits = 0;

			while (p < len && digits < e->max && s[p] >= '0' && s[p] <= '9') {
				v = v * 10 + (s[p++] - '0');
				digits++;
			}
			if (digits < e->min || digits == 0)
				return false;
			for (int d = digits; d < 9; d++)
				v *= 10;
			f->nanos = v;
			f->has_frac = true;
			*i = p;
			break;
		}
		case EL_TEXT_MONTH: {
			int m;

			if (!match_name(s, len, i, month_names, 12, &m, e->count >= 4))
				return false;
			f->v[F_MONTH] = m + 1;
			break;
		}
		case EL_TEXT_DOW: {
			int d;

			if (!match_name(s, len, i, dow_names, 7, &d, e->count >= 4))
				return false;
			break;
		}
		case EL_AMPM:
			if (*i + 2 > len)
				return false;
			if (strncasecmp(s + *i, "AM", 2) == 0)
				f->pm = 0;
			else if (strncasecmp(s + *i, "PM", 2) == 0)
				f->pm = 1;
			else
				return false;
			*i += 2;
			break;
		case EL_LIT:
			if (*i + e->lit_len > len || memcmp(s + *i, e->lit, e->lit_len) != 0)
				return false;
			*i += e->lit_len;
			break;
		case EL_ZONE:
			if (!st_date_parse_zone(s, len, i, &f->zone_s))
				return false;
			f->has_zone = true;
			break;
		default:
			break;
		}
		k++;
	}
	return true;
}

/* Resolve fields to millis; round_up fills missing time fields with their
 * maximum (Elasticsearch's round-up parser). */
static int
resolve(fields_t *f, int32_t tz, bool round_up, int64_t *out)
{
	int64_t y = f->v[F_YEAR] >= 0 ? f->v[F_YEAR] : 1970;
	int64_t mo = f->v[F_MONTH] >= 0 ? f->v[F_MONTH] : 1;
	int64_t d = f->v[F_DAY] >= 0 ? f->v[F_DAY] : 1;
	int64_t h = f->v[F_HOUR];
	int64_t mi = f->v[F_MIN], se = f->v[F_SEC];
	int64_t nanos = f->has_frac ? f->nanos : (round_up ? 999999999 : 0);

	if (f->v[F_HOUR12] >= 0) {
		if (f->v[F_HOUR12] < 1 || f->v[F_HOUR12] > 12)
			return -EINVAL;
		h = f->v[F_HOUR12] % 12 + (f->pm == 1 ? 12 : 0);
	}
	if (h < 0)
		h = round_up ? 23 : 0;
	if (mi < 0)
		mi = round_up ? 59 : 0;
	if (se < 0)
		se = round_up ? 59 : 0;
	if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 59)
		return -EINVAL;
	if (y > 292000000 || y < -292000000)   /* millis would overflow int64 */
		return -EINVAL;
	int64_t days;

	if (f->v[F_DOY] >= 0) {
		if (f->v[F_DOY] < 1 || f->v[F_DOY] > (is_leap(y) ? 366 : 365))
			return -EINVAL;
		days = days_from_civil(y, 1, 1) + f->v[F_DOY] - 1;
	} else {
		if (d < 1 || d > days_in_month(y, (unsigned)mo))
			return -EINVAL;
		days = days_from_civil(y, (unsigned)mo, (unsigned)d);
	}
	int64_t ms = days * MS_PER_DAY + h * 3600000 + mi * 60000 + se * 1000 + nanos / 1000000;

	ms -= (int64_t)(f->has_zone ? f->zone_s : tz) * 1000;
	*out = ms;
	return 0;
}

/* epoch_millis / epoch_second: optional sign, digits, optional fraction
 * (sub-millisecond digits are truncated). */
static int
parse_epoch(const char *s, size_t len, bool seconds, int64_t *out)
{
	size_t i = 0;
	int neg = 0;
	int64_t whole = 0, frac_ns = 0;

	if (i < len && s[i] == '-') {
		neg = 1;
		i++;
	}
	size_t d0 = i;

	while (i < len && s[i] >= '0' && s[i] <= '9') {
		if (whole > (INT64_MAX - 9) / 10)
			return -EINVAL;
		whole = whole * 10 + (s[i++] - '0');
	}
	if (i == d0)
		return -EINVAL;
	if (i < len && s[i] == '.') {
		int digits = 0;

		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (digits < 9) {
				frac_ns = frac_ns * 10 + (s[i] - '0');
				digits++;
			}
			i++;
		}
		for (; digits < 9; digits++)
			frac_ns *= 10;
	}
	if (i != len)
		return -EINVAL;
	int64_t ms;

	if (seconds) {
		if (whole > INT64_MAX / 1000)
			return -EINVAL;
		ms = whole * 1000 + frac_ns / 1000000;
	} else {
		ms = whole + frac_ns / 1000000000;
	}
	*out = neg ? -ms : ms;
	return 0;
}

int
st_date_parse_round(const st_date_format_t *f, const char *s, size_t len, int32_t tz,
	    bool round_up, int64_t *millis)
{
	for (uint32_t k = 0; k < f->n; k++) {
		const alt_t *a = &f->alts[k];

		if (a->kind != ALT_PATTERN) {
			if (parse_epoch(s, len, a->kind == ALT_EPOCH_SECOND, millis) == 0)
				return 0;
			continue;
		}
		fields_t fl;
		size_t i = 0;

		for (int j = 0; j < F_NFIELDS; j++)
			fl.v[j] = -1;
		fl.nanos = 0;
		fl.has_frac = false;
		fl.pm = -1;
		fl.has_zone = false;
		fl.zone_s = 0;
		if (match_els(a, 0, a->n, s, len, &i, &fl) && i == len &&
		    resolve(&fl, tz, round_up, millis) == 0)
			return 0;
	}
	return -EINVAL;
}

int
st_date_parse(const st_date_format_t *f, const char *s, size_t len,
	      int32_t tz_offset_s, int64_t *millis)
{
	return st_date_parse_round(f, s, len, tz_offset_s, false, millis);
}

/* ---- printing ---- */

static int
put_num(char *out, size_t cap, size_t *o, int64_t v, int width)
{
	int n = snprintf(out + *o, cap - *o, "%0*lld", width, (long long)v);

	if (n < 0 || (size_t)n >= cap - *o)
		return -ENOSPC;
	*o += (size_t)n;
	return 0;
}

static int
put_str(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
	if (*o + n >= cap)
		return -ENOSPC;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
	return 0;
}

int
st_date_format_millis(const st_date_format_t *f, int64_t millis,
		      int32_t tz, char *out, size_t cap)
{
	const alt_t *a = &f->alts[0];
	size_t o = 0;
	int rc = 0;

	if (cap == 0)
		return -ENOSPC;
	out[0] = '\0';
	if (a->kind == ALT_EPOCH_MILLIS) {
		rc = put_num(out, cap, &o, millis, 1);
		return rc < 0 ? rc : (int)o;
	}
	if (a->kind == ALT_EPOCH_SECOND) {
		int64_t sec = floordiv(millis, 1000), rem = millis - sec * 1000;

		rc = put_num(out, cap, &o, sec, 1);
		if (rc == 0 && rem) {
			char fr[8];
			int n = snprintf(fr, sizeof(fr), ".%03lld", (long long)rem);

			while (n > 1 && fr[n - 1] == '0')
				n--;
			rc = put_str(out, cap, &o, fr, (size_t)n);
		}
		return rc < 0 ? rc : (int)o;
	}
	int64_t local = millis + (int64_t)tz * 1000;
	int64_t days = floordiv(local, MS_PER_DAY), msd = local - days * MS_PER_DAY;
	int64_t y;
	unsigned mo, d;

	civil_from_days(days, &y, &mo, &d);
	int64_t v[F_NFIELDS] = {
		[F_YEAR] = y, [F_MONTH] = mo, [F_DAY] = d, [F_HOUR] = msd / 3600000,
		[F_MIN] = msd / 60000 % 60, [F_SEC] = msd / 1000 % 60,
		[F_DOY] = days - days_from_civil(y, 1, 1) + 1,
	};

	v[F_HOUR12] = v[F_HOUR] % 12 == 0 ? 12 : v[F_HOUR] % 12;
	/* Print every element; optional sections are printed in full. */
	for (uint32_t k = 0; k < a->n && rc == 0; k++) {
		const el_t *e = &a->els[k];

		switch (e->kind) {
		case EL_NUM:
			if (e->field == F_YEAR && e->count == 2)
				rc = put_num(out, cap, &o, (v[F_YEAR] % 100 + 100) % 100, 2);
			else
				rc = put_num(out, cap, &o, v[e->field], e->field == F_YEAR && e->count < 4 ? 1 :
					     (e->count > 1 ? e->count : 1));
			break;
		case EL_FRAC: {
			char fr[16];
			int w = a->iso_print ? 3 : (e->count > 9 ? 9 : e->count);

			snprintf(fr, sizeof(fr), "%09lld", (long long)(msd % 1000) * 1000000);
			rc = put_str(out, cap, &o, fr, (size_t)w);
			break;
		}
		case EL_TEXT_MONTH: {
			const char *nm = month_names[mo - 1];

			rc = put_str(out, cap, &o, nm, e->count >= 4 ? strlen(nm) : 3);
			break;
		}
		case EL_TEXT_DOW: {
			const char *nm = dow_names[(unsigned)(((days % 7) + 7 + 3) % 7)];

			rc = put_str(out, cap, &o, nm, e->count >= 4 ? strlen(nm) : 3);
			break;
		}
		case EL_AMPM:
			rc = put_str(out, cap, &o, v[F_HOUR] < 12 ? "AM" : "PM", 2);
			break;
		case EL_LIT:
			rc = put_str(out, cap, &o, e->lit, e->lit_len);
			break;
		case EL_ZONE: {
			char z[16];
			int32_t az = tz < 0 ? -tz : tz;
			bool colon = e->count >= 3 || a->iso_print;

			if (tz == 0 && (e->field == 'X' || a->iso_print || e->count == 5)) {
				rc = put_str(out, cap, &o, "Z", 1);
				break;
			}
			if (e->field == 'X' && e->count == 1 && az % 3600 == 0)
				snprintf(z, sizeof(z), "%c%02d", tz < 0 ? '-' : '+', az / 3600);
			else
				snprintf(z, sizeof(z), colon ? "%c%02d:%02d" : "%c%02d%02d", tz < 0 ? '-' : '+',
					 az / 3600, az / 60 % 60);
			rc = put_str(out, cap, &o, z, strlen(z));
			break;
		}
		default:
			break;
		}
	}
	return rc < 0 ? rc : (int)o;
}
