/*
 * test_date.c - date formats, parsing, printing, calendar arithmetic and
 * date math with Elasticsearch's rounding rules.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "osprey/date.h"

static osp_arena_t arena;

static int
setup(void **state)
{
	(void)state;
	osp_arena_init(&arena, 4096, 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	osp_arena_free(&arena);
	return 0;
}

static const st_date_format_t *
fmt(const char *spec)
{
	st_date_format_t *f = NULL;
	osp_err_t err;

	assert_int_equal(st_date_format_compile(&arena, spec, strlen(spec), &f, &err), 0);
	return f;
}

static int64_t
parse_ok(const st_date_format_t *f, const char *s)
{
	int64_t ms = 0;

	if (st_date_parse(f, s, strlen(s), 0, &ms) != 0)
		fail_msg("failed to parse [%s] with [%s]", s, st_date_format_spec(f));
	return ms;
}

static void
parse_bad(const st_date_format_t *f, const char *s)
{
	int64_t ms = 0;

	if (st_date_parse(f, s, strlen(s), 0, &ms) != -EINVAL)
		fail_msg("[%s] parsed with [%s]", s, st_date_format_spec(f));
}

static void
test_default_format(void **state)
{
	const st_date_format_t *f = st_date_format_default();

	(void)state;
	assert_string_equal(st_date_format_spec(f), "strict_date_optional_time||epoch_millis");
	assert_int_equal(parse_ok(f, "2024-01-02T03:04:05.000Z"), 1704164645000LL);
	assert_int_equal(parse_ok(f, "2024-01-02T03:04:05Z"), 1704164645000LL);
	assert_int_equal(parse_ok(f, "2024-01-02T03:04:05.123456789Z"), 1704164645123LL);
	assert_int_equal(parse_ok(f, "2024-01-02T03:04:05.5"), 1704164645500LL);
	assert_int_equal(parse_ok(f, "2024-01-02T03:04:05+01:00"), 1704164645000LL - 3600000);
	assert_int_equal(parse_ok(f, "2024-01-02T03:04:05-0530"), 1704164645000LL + 19800000);
	assert_int_equal(parse_ok(f, "2024-01-02T03:04"), 1704164640000LL);
	assert_int_equal(parse_ok(f, "2024-01-02T03"), 1704164400000LL);
	assert_int_equal(parse_ok(f, "2024-01-02"), 1704153600000LL);
	assert_int_equal(parse_ok(f, "2024-01"), 1704067200000LL);
	assert_int_equal(parse_ok(f, "2024"), 1704067200000LL);
	assert_int_equal(parse_ok(f, "1704164645000"), 1704164645000LL);
	assert_int_equal(parse_ok(f, "-1000"), -1000);
	assert_int_equal(parse_ok(f, "1969-12-31T23:59:59.999Z"), -1);
	assert_int_equal(parse_ok(f, "2024-02-29"), 1709164800000LL);
	parse_bad(f, "2023-02-29");
	parse_bad(f, "2024-13-01");
	parse_bad(f, "2024-1-2");
	parse_bad(f, "2024-01-02T25:00");
	parse_bad(f, "2024-01-02 03:04:05");
	parse_bad(f, "abc");
	parse_bad(f, "");
}

static void
test_named_formats(void **state)
{
	(void)state;
	assert_int_equal(parse_ok(fmt("epoch_second"), "1704164645"), 1704164645000LL);
	assert_int_equal(parse_ok(fmt("epoch_second"), "1704164645.25"), 1704164645250LL);
	assert_int_equal(parse_ok(fmt("epoch_millis"), "1704164645123.9"), 1704164645123LL);
	assert_int_equal(parse_ok(fmt("strict_date"), "2024-01-02"), 1704153600000LL);
	parse_bad(fmt("strict_date"), "2024-01-02T00:00");
	assert_int_equal(parse_ok(fmt("date"), "2024-1-2"), 1704153600000LL);
	assert_int_equal(parse_ok(fmt("basic_date"), "20240102"), 1704153600000LL);
	assert_int_equal(parse_ok(fmt("date_optional_time"), "2024-1-2T3:4:5"), 1704164645000LL);
	assert_int_equal(parse_ok(fmt("strict_date_time"), "2024-01-02T03:04:05.000Z"), 1704164645000LL);
	parse_bad(fmt("strict_date_time"), "2024-01-02T03:04:05Z");
	assert_int_equal(parse_ok(fmt("basic_date_time"), "20240102T030405.000Z"), 1704164645000LL);
	assert_int_equal(parse_ok(fmt("strict_date_hour_minute_second"), "2024-01-02T03:04:05"), 1704164645000LL);
	assert_int_equal(parse_ok(fmt("strict_year_month"), "2024-01"), 1704067200000LL);
}

static void
test_patterns(void **state)
{
	const st_date_format_t *f = fmt("yyyy-MM-dd HH:mm:ss");

	(void)state;
	assert_int_equal(parse_ok(f, "2024-01-02 03:04:05"), 1704164645000LL);
	parse_bad(f, "2024-01-02");
	parse_bad(f, "2024-01-02T03:04:05");
	f = fmt("yyyy-MM-dd HH:mm:ss||yyyy-MM-dd||epoch_millis");
	assert_int_equal(parse_ok(f, "2024-01-02"), 1704153600000LL);
	assert_int_equal(parse_ok(f, "2024-01-02 03:04:05"), 1704164645000LL);
	assert_int_equal(parse_ok(f, "0"), 0);
	f = fmt("yyyy/MM/dd HH:mm:ss Z||yyyy/MM/dd Z");
	assert_int_equal(parse_ok(f, "2024/01/02 03:04:05 +0100"), 1704164645000LL - 3600000);
	assert_int_equal(parse_ok(f, "2024/01/02 Z"), 1704153600000LL);
	assert_int_equal(parse_ok(fmt("dd/MM/yyyy"), "02/01/2024"), 1704153600000LL);
	assert_int_equal(parse_ok(fmt("yyyy-MM-dd'T'HH:mm:ss.SSSX"), "2024-01-02T03:04:05.123Z"), 1704164645123LL);
	assert_int_equal(parse_ok(fmt("dd MMM yyyy"), "02 Jan 2024"), 1704153600000LL);
	assert_int_equal(parse_ok(fmt("MMMM d, yyyy h:mm a"), "January 2, 2024 3:04 PM"), 1704207840000LL);
	assert_int_equal(parse_ok(fmt("yyyy-MM-dd[ HH:mm]"), "2024-01-02"), 1704153600000LL);
	assert_int_equal(parse_ok(fmt("yyyy-MM-dd[ HH:mm]"), "2024-01-02 03:04"), 1704164640000LL);
	assert_int_equal(parse_ok(fmt("yyyyMMddHHmmss"), "20240102030405"), 1704164645000LL);

	st_date_format_t *bad = NULL;
	osp_err_t err;

	assert_int_equal(st_date_format_compile(&arena, "yyyy-qq", 7, &bad, &err), -EINVAL);
	assert_string_equal(err.type, "illegal_argument_exception");
	assert_int_equal(st_date_format_compile(&arena, "strict_nonsense", 15, &bad, &err), -EINVAL);
}

static void
test_format_print(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(st_date_format_millis(st_date_format_default(), 1704164645000LL, 0, buf, sizeof(buf)), 24);
	assert_string_equal(buf, "2024-01-02T03:04:05.000Z");
	st_date_format_millis(st_date_format_default(), -1, 0, buf, sizeof(buf));
	assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
	st_date_format_millis(st_date_format_default(), 1704164645123LL, 3600, buf, sizeof(buf));
	assert_string_equal(buf, "2024-01-02T04:04:05.123+01:00");
	st_date_format_millis(fmt("epoch_millis"), 1704164645123LL, 0, buf, sizeof(buf));
	assert_string_equal(buf, "1704164645123");
	st_date_format_millis(fmt("epoch_second"), 1704164645500LL, 0, buf, sizeof(buf));
	assert_string_equal(buf, "1704164645.5");
	st_date_format_millis(fmt("yyyy-MM-dd"), 1704164645000LL, 0, buf, sizeof(buf));
	assert_string_equal(buf, "2024-01-02");
	st_date_format_millis(fmt("yyyy/MM/dd HH:mm:ss Z"), 1704164645000LL, 0, buf, sizeof(buf));
	assert_string_equal(buf, "2024/01/02 03:04:05 +0000");
	st_date_format_millis(fmt("dd MMM yyyy EEE hh a"), 1704164645000LL, 0, buf, sizeof(buf));
	assert_string_equal(buf, "02 Jan 2024 Tue 03 AM");
	assert_int_equal(st_date_format_millis(st_date_format_default(), 0, 0, buf, 5), -ENOSPC);
}

static void
test_round_add(void **state)
{
	int64_t t = 1704164645123LL;  /* 2024-01-02T03:04:05.123Z, a Tuesday */

	(void)state;
	assert_int_equal(st_date_round_down(t, 'd', 0), 1704153600000LL);
	assert_int_equal(st_date_round_down(t, 'M', 0), 1704067200000LL);
	assert_int_equal(st_date_round_down(t, 'y', 0), 1704067200000LL);
	assert_int_equal(st_date_round_down(t, 'w', 0), 1704067200000LL);   /* Monday Jan 1 */
	assert_int_equal(st_date_round_down(t, 'h', 0), 1704164400000LL);
	assert_int_equal(st_date_round_down(t, 'm', 0), 1704164640000LL);
	assert_int_equal(st_date_round_down(t, 's', 0), 1704164645000LL);
	assert_int_equal(st_date_round_down(t, 'q', 0), 1704067200000LL);
	assert_int_equal(st_date_round_down(t, 'd', -5 * 3600), 1704171600000LL - 86400000);
	assert_int_equal(st_date_round_down(-1, 'd', 0), -86400000LL);
	/* 2024-01-31 + 1M clamps to 2024-02-29 */
	assert_int_equal(st_date_add(1706659200000LL, 1, 'M', 0), 1709164800000LL);
	assert_int_equal(st_date_add(1704067200000LL, -1, 'y', 0), 1672531200000LL);
	assert_int_equal(st_date_add(t, 2, 'd', 0), t + 2 * 86400000LL);
}

static int64_t
math(const char *expr, bool up)
{
	int64_t out = 0;
	osp_err_t err;
	int64_t now = 1704164645123LL;

	if (st_date_math(NULL, expr, strlen(expr), now, up, 0, &out, &err) != 0)
		fail_msg("date math [%s]: %s", expr, err.reason);
	return out;
}

static void
test_date_math(void **state)
{
	osp_err_t err;
	int64_t out;

	(void)state;
	assert_int_equal(math("now", false), 1704164645123LL);
	assert_int_equal(math("now-1d", false), 1704164645123LL - 86400000);
	assert_int_equal(math("now-1d/d", false), 1704067200000LL);
	assert_int_equal(math("now-1d/d", true), 1704153599999LL);
	assert_int_equal(math("now/M", true), 1706745599999LL);
	assert_int_equal(math("now+1h-30m", false), 1704164645123LL + 1800000);
	assert_int_equal(math("2024-01-01||+1M/d", false), 1706745600000LL);
	assert_int_equal(math("2024-01-15||/M", false), 1704067200000LL);
	assert_int_equal(math("2024-01-15||/M", true), 1706745599999LL);
	/* no math: rounding up fills missing time fields (ES round-up parser) */
	assert_int_equal(math("2024-01-15", true), 1705363199999LL);
	assert_int_equal(math("2024-01-15", false), 1705276800000LL);
	assert_int_equal(math("2024-01-15T10:00", true), 1705312859999LL);
	assert_int_equal(math("2024-01", true), 1704153599999LL);
	assert_int_equal(math("1704164645123", true), 1704164645123LL);

	assert_int_equal(st_date_math(NULL, "now-1x", 6, 0, false, 0, &out, &err), -EINVAL);
	assert_string_equal(err.type, "parse_exception");
	assert_string_equal(err.reason, "unit [x] not supported for date math [-1x]");
	assert_int_equal(st_date_math(NULL, "now*1d", 6, 0, false, 0, &out, &err), -EINVAL);
	assert_string_equal(err.reason, "operator not supported for date math [*1d]");
	assert_int_equal(st_date_math(NULL, "now-1", 5, 0, false, 0, &out, &err), -EINVAL);
	assert_string_equal(err.reason, "truncated date math [-1]");
	assert_int_equal(st_date_math(NULL, "bogus||+1d", 10, 0, false, 0, &out, &err), -EINVAL);
	assert_string_equal(err.reason,
			    "failed to parse date field [bogus] with format [strict_date_optional_time||epoch_millis]");
}

static void
test_tz(void **state)
{
	int32_t off;

	(void)state;
	assert_int_equal(st_date_tz_parse("+01:00", 6, &off), 0);
	assert_int_equal(off, 3600);
	assert_int_equal(st_date_tz_parse("-0530", 5, &off), 0);
	assert_int_equal(off, -19800);
	assert_int_equal(st_date_tz_parse("UTC", 3, &off), 0);
	assert_int_equal(off, 0);
	assert_int_equal(st_date_tz_parse("Z", 1, &off), 0);
	assert_int_equal(st_date_tz_parse("+5", 2, &off), 0);
	assert_int_equal(off, 18000);
	assert_int_equal(st_date_tz_parse("Europe/Paris", 12, &off), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_format),
		cmocka_unit_test(test_named_formats),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_format_print),
		cmocka_unit_test(test_round_add),
		cmocka_unit_test(test_date_math),
		cmocka_unit_test(test_tz),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
