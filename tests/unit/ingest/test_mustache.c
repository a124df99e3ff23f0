/*
 * test_mustache.c - the Mustache renderer of search templates and ingest
 * (dataplane/script/dp_mustache.h): variables, escaping, sections, inverted
 * sections, toJson, join, url, and its errors.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "script/dp_mustache.h"
#include "../osp/json_test_util.h"

/* Render tpl with ctx (JSON text) and compare with want; want NULL = fails. */
static void
check(const char *tpl, const char *ctx, dp_mustache_escape_t esc, const char *want)
{
	osp_buf_t out;
	osp_err_t err;
	int rc;

	osp_buf_init(&out);
	osp_err_clear(&err);
	rc = dp_mustache_render(tpl, strlen(tpl), ctx ? parse_ok(ctx) : NULL, esc, &out, &err);
	if (want == NULL) {
		assert_int_equal(rc, -EINVAL);
		assert_string_equal(err.type, "general_script_exception");
		assert_string_equal(err.caused_by_type, "mustache_exception");
	} else {
		assert_int_equal(rc, 0);
		osp_buf_putc(&out, '\0');
		if (strcmp(out.data, want) != 0)
			print_error("template <%s>: got <%s> want <%s>\n", tpl, out.data, want);
		assert_string_equal(out.data, want);
	}
	osp_buf_free(&out);
}

static void
test_variables(void **state)
{
	(void)state;
	check("{\"q\":\"{{q}}\",\"from\":{{from}}}", "{\"q\":\"hello world\",\"from\":20}",
	      DP_MUSTACHE_ESCAPE_JSON, "{\"q\":\"hello world\",\"from\":20}");
	check("{{a.b.1}}-{{missing}}-{{t}}-{{n}}-{{d}}", "{\"a\":{\"b\":[\"x\",\"y\"]},\"t\":true,\"n\":null,\"d\":1.5}",
	      DP_MUSTACHE_ESCAPE_JSON, "y--true--1.5");
	check("no tags", NULL, DP_MUSTACHE_ESCAPE_JSON, "no tags");
	check("{{! a comment }}x", "{}", DP_MUSTACHE_ESCAPE_JSON, "x");
}

static void
test_escaping(void **state)
{
	(void)state;
	check("{{s}}|{{{s}}}|{{& s}}", "{\"s\":\"a\\\"b\\\\c\\n\"}", DP_MUSTACHE_ESCAPE_JSON,
	      "a\\\"b\\\\c\\n|a\"b\\c\n|a\"b\\c\n");
	check("{{s}}", "{\"s\":\"a\\\"b\"}", DP_MUSTACHE_ESCAPE_NONE, "a\"b");
}

static void
test_sections(void **state)
{
	(void)state;
	check("{{#l}}[{{.}}]{{/l}}", "{\"l\":[1,2,3]}", DP_MUSTACHE_ESCAPE_JSON, "[1][2][3]");
	check("{{#o}}{{x}}/{{y}}{{/o}}", "{\"o\":{\"x\":1},\"y\":2}", DP_MUSTACHE_ESCAPE_JSON, "1/2");
	check("{{#f}}no{{/f}}{{^f}}yes{{/f}}{{^l}}empty{{/l}}", "{\"f\":false,\"l\":[]}",
	      DP_MUSTACHE_ESCAPE_JSON, "yesempty");
	check("{{#a}}{{#a}}in{{/a}}{{/a}}", "{\"a\":true}", DP_MUSTACHE_ESCAPE_JSON, "in");
	check("{{#l}}{{n}}{{/l}}", "{\"l\":[{\"n\":\"a\"},{\"n\":\"b\"}]}", DP_MUSTACHE_ESCAPE_JSON, "ab");
}

static void
test_functions(void **state)
{
	(void)state;
	check("{{#toJson}}q{{/toJson}}", "{\"q\":{\"term\":{\"a\":[1,\"x\"]}}}", DP_MUSTACHE_ESCAPE_JSON,
	      "{\"term\":{\"a\":[1,\"x\"]}}");
	check("{{#join}}l{{/join}}", "{\"l\":[\"a\",\"b\",3]}", DP_MUSTACHE_ESCAPE_JSON, "a,b,3");
	check("{{#join delimiter='||'}}l{{/join delimiter='||'}}", "{\"l\":[\"a\",\"b\"]}",
	      DP_MUSTACHE_ESCAPE_JSON, "a||b");
	check("{{#url}}{{s}}{{/url}}", "{\"s\":\"a b/c\"}", DP_MUSTACHE_ESCAPE_NONE, "a+b%2Fc");
}

static void
test_errors(void **state)
{
	(void)state;
	check("{{#a}}x", "{}", DP_MUSTACHE_ESCAPE_JSON, NULL);
	check("x{{/a}}", "{}", DP_MUSTACHE_ESCAPE_JSON, NULL);
	check("{{a", "{}", DP_MUSTACHE_ESCAPE_JSON, NULL);
	check("{{> partial}}", "{}", DP_MUSTACHE_ESCAPE_JSON, NULL);
	/* 100 nested inverted sections: refused, not a deep recursion */
	char deep[2000] = "";

	for (int i = 0; i < 100; i++)
		strcat(deep, "{{^a}}");
	for (int i = 0; i < 100; i++)
		strcat(deep, "{{/a}}");
	check(deep, "{}", DP_MUSTACHE_ESCAPE_JSON, NULL);
	assert_true(dp_mustache_has_tags("a{{b}}", 6));
	assert_false(dp_mustache_has_tags("a{b}", 4));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_variables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_functions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
