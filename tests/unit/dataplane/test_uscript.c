/*
 * test_uscript.c - the Painless subset of update scripts (rest_uscript.c):
 * what each statement does to a _source, ctx.op, params, and that anything
 * outside the subset is a compile error before any document is touched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dp_uscript.h"

/* Compile script (JSON) and run it on src; returns the new source or a
 * marker for noop/delete/compile error/runtime error. */
static const char *
run(osp_arena_t *a, const char *script_json, const char *src)
{
	osp_json_t *js;
	osp_json_error_t jerr;
	osp_err_t err;
	dp_uscript_t s;
	dp_uscript_op_t op;
	const char *out;
	size_t len;

	assert_int_equal(osp_json_parse(a, script_json, strlen(script_json), NULL, &js, &jerr), 0);
	if (dp_uscript_compile(a, js, &s, &err) != 0)
		return strcmp(err.type, "script_exception") == 0 ? "COMPILE" : osp_arena_strndup(a, err.type, strlen(err.type));
	if (dp_uscript_run(a, &s, src, strlen(src), &op, &out, &len, &err) != 0)
		return "RUNTIME";
	if (op == DP_USCRIPT_NOOP)
		return "NOOP";
	if (op == DP_USCRIPT_DELETE)
		return "DELETE";
	return osp_arena_strndup(a, out, len);
}

static void
test_assignments(void **state)
{
	osp_arena_t a;

	(void)state;
	osp_arena_init(&a, 4096, 0);
	assert_string_equal(run(&a, "\"ctx._source.age++\"", "{\"age\":29}"), "{\"age\":30}");
	assert_string_equal(run(&a, "\"++ctx._source.age; ctx._source.age -= 3\"", "{\"age\":1}"),
			    "{\"age\":-1}");
	assert_string_equal(run(&a, "{\"source\":\"ctx._source.n = params.x * 2 + 1\",\"params\":{\"x\":4}}",
				"{\"n\":0}"), "{\"n\":9}");
	assert_string_equal(run(&a, "\"ctx._source.s = 'a' + ctx._source.n\"", "{\"n\":7}"),
			    "{\"n\":7,\"s\":\"a7\"}");
	assert_string_equal(run(&a, "\"ctx._source.o.x = 1.5\"", "{\"o\":{}}"), "{\"o\":{\"x\":1.5}}");
	assert_string_equal(run(&a, "\"ctx._source['b'] = true\\nctx._source.remove('a')\"",
				"{\"a\":1,\"c\":2}"), "{\"c\":2,\"b\":true}");
	assert_string_equal(run(&a, "\"ctx._source.t = (1 + 2) * 3 / 2\"", "{}"), "{\"t\":4}");
	osp_arena_free(&a);
}

static void
test_ops(void **state)
{
	osp_arena_t a;

	(void)state;
	osp_arena_init(&a, 4096, 0);
	assert_string_equal(run(&a, "\"ctx.op = 'noop'\"", "{}"), "NOOP");
	assert_string_equal(run(&a, "\"ctx.op = 'delete'\"", "{}"), "DELETE");
	assert_string_equal(run(&a, "{\"source\":\"ctx.op = 'index'\",\"lang\":\"painless\"}", "{\"a\":1}"),
			    "{\"a\":1}");
	assert_string_equal(run(&a, "\"ctx.op = 'explode'\"", "{}"), "RUNTIME");
	osp_arena_free(&a);
}

static void
test_errors(void **state)
{
	osp_arena_t a;

	(void)state;
	osp_arena_init(&a, 4096, 0);
	assert_string_equal(run(&a, "\"System.exit(0)\"", "{}"), "COMPILE");
	assert_string_equal(run(&a, "\"ctx._source.a = \"", "{}"), "COMPILE");
	assert_string_equal(run(&a, "\"ctx._source.a = 'x\"", "{}"), "COMPILE");
	assert_string_equal(run(&a, "\"ctx._source.a 1\"", "{}"), "COMPILE");
	assert_string_equal(run(&a, "{\"source\":\"ctx._source.a = 1\",\"lang\":\"expression\"}", "{}"),
			    "illegal_argument_exception");
	assert_string_equal(run(&a, "{\"lang\":\"painless\"}", "{}"), "parsing_exception");
	/* arithmetic on a missing field fails at run time, not at compile time */
	assert_string_equal(run(&a, "\"ctx._source.n += 1\"", "{}"), "RUNTIME");
	osp_arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assignments),
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
