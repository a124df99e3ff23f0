/*
 * test_rest_json.c - the REST body helpers: ES error shapes, ?pretty and
 * filter_path, with exact expected bytes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dp_rest_error.h"
#include "dp_rest_filter.h"
#include "dp_rest_pretty.h"

static void
test_error_shapes(void **state)
{
	(void)state;
	osp_buf_t b = OSP_BUF_INIT;
	osp_err_t e;

	osp_err_index_not_found(&e, "foo");
	dp_rest_error_json(&b, &e, false);
	assert_string_equal(b.data,
		"{\"error\":{\"root_cause\":[{\"type\":\"index_not_found_exception\","
		"\"reason\":\"no such index [foo]\",\"resource.type\":\"index_or_alias\","
		"\"resource.id\":\"foo\",\"index_uuid\":\"_na_\",\"index\":\"foo\"}],"
		"\"type\":\"index_not_found_exception\",\"reason\":\"no such index [foo]\","
		"\"resource.type\":\"index_or_alias\",\"resource.id\":\"foo\","
		"\"index_uuid\":\"_na_\",\"index\":\"foo\"},\"status\":404}");
	osp_buf_clear(&b);

	osp_err_set(&e, 400, "mapper_parsing_exception", "failed to parse field [n] of type [long]");
	snprintf(e.caused_by_type, sizeof(e.caused_by_type), "illegal_argument_exception");
	snprintf(e.caused_by_reason, sizeof(e.caused_by_reason), "For input string: \"x\"");
	dp_rest_error_json(&b, &e, false);
	assert_string_equal(b.data,
		"{\"error\":{\"root_cause\":[{\"type\":\"mapper_parsing_exception\","
		"\"reason\":\"failed to parse field [n] of type [long]\"}],"
		"\"type\":\"mapper_parsing_exception\",\"reason\":\"failed to parse field [n] of type [long]\","
		"\"caused_by\":{\"type\":\"illegal_argument_exception\","
		"\"reason\":\"For input string: \\\"x\\\"\"}},\"status\":400}");
	osp_buf_clear(&b);

	osp_err_set(&e, 409, "version_conflict_engine_exception", "[1]: version conflict");
	e.shard = 0;
	snprintf(e.index, sizeof(e.index), "i");
	snprintf(e.index_uuid, sizeof(e.index_uuid), "u");
	dp_rest_error_json(&b, &e, false);
	assert_non_null(strstr(b.data, "\"reason\":\"[1]: version conflict\","
			       "\"index_uuid\":\"u\",\"shard\":\"0\",\"index\":\"i\"}"));
	osp_buf_clear(&b);

	osp_err_set(&e, 400, "parsing_exception", "unknown query [x]");
	e.line = 1;
	e.col = 14;
	dp_rest_error_json(&b, &e, true);
	assert_non_null(strstr(b.data, "\"reason\":\"unknown query [x]\",\"line\":1,\"col\":14,"
			       "\"stack_trace\":\"parsing_exception: unknown query [x]\\n\\tat "));
	assert_null(strstr(b.data, "caused_by"));
	osp_buf_clear(&b);

	dp_rest_error_simple_json(&b, 400, "no handler found for uri [/x\"] and method [GET]");
	assert_string_equal(b.data,
		"{\"error\":\"no handler found for uri [/x\\\"] and method [GET]\",\"status\":400}");
	osp_buf_free(&b);
}

static void
check_pretty(const char *in, const char *want)
{
	osp_buf_t b = OSP_BUF_INIT;

	assert_int_equal(dp_rest_pretty(&b, in, strlen(in)), 0);
	assert_string_equal(b.data, want);
	osp_buf_free(&b);
}

static void
test_pretty(void **state)
{
	(void)state;
	check_pretty("{\"a\":1,\"b\":[1,2],\"c\":{},\"d\":[ ],\"e\":{\"f\":\"x,y:z{[\\\"\"}}",
		"{\n"
		"  \"a\" : 1,\n"
		"  \"b\" : [\n"
		"    1,\n"
		"    2\n"
		"  ],\n"
		"  \"c\" : { },\n"
		"  \"d\" : [ ],\n"
		"  \"e\" : {\n"
		"    \"f\" : \"x,y:z{[\\\"\"\n"
		"  }\n"
		"}\n");
	check_pretty("{}", "{ }\n");
	check_pretty(" [ {\"a\" : null}, true ] ", "[\n  {\n    \"a\" : null\n  },\n  true\n]\n");
	check_pretty("42", "42\n");

	osp_buf_t b = OSP_BUF_INIT;

	assert_int_equal(dp_rest_pretty(&b, "{\"a\":1", 6), -EINVAL);
	osp_buf_clear(&b);
	assert_int_equal(dp_rest_pretty(&b, "[1}", 3), -EINVAL);
	osp_buf_clear(&b);
	assert_int_equal(dp_rest_pretty(&b, "\"abc", 4), -EINVAL);
	osp_buf_clear(&b);
	osp_buf_puts(&b, "{\"x\":[]}");
	assert_int_equal(dp_rest_pretty_inplace(&b), 0);
	assert_string_equal(b.data, "{\n  \"x\" : [ ]\n}\n");
	osp_buf_free(&b);
}

static const char SEARCH[] =
	"{\"took\":5,\"timed_out\":false,"
	"\"_shards\":{\"total\":1,\"successful\":1,\"skipped\":0,\"failed\":0},"
	"\"hits\":{\"total\":{\"value\":2,\"relation\":\"eq\"},\"max_score\":1.0,"
	"\"hits\":[{\"_index\":\"i\",\"_id\":\"1\",\"_score\":1.0,\"_source\":{\"a\":1,\"b\":{\"c\":2}}},"
	"{\"_index\":\"i\",\"_id\":\"2\",\"_score\":1.0,\"_source\":{\"a\":3}}]}}";

static void
check_filter(const char *json, const char *expr, const char *want)
{
	osp_arena_t a;
	dp_rest_filter_t *f;
	osp_buf_t b = OSP_BUF_INIT;

	osp_arena_init(&a, 0, 0);
	assert_int_equal(dp_rest_filter_compile(&a, expr, strlen(expr), &f), 0);
	assert_int_equal(dp_rest_filter_apply(f, json, strlen(json), &b), 0);
	if (strcmp(b.data, want) != 0)
		fail_msg("filter_path=%s\n got: %s\nwant: %s", expr, b.data, want);
	osp_buf_free(&b);
	osp_arena_free(&a);
}

static void
test_filter_path(void **state)
{
	(void)state;
	check_filter(SEARCH, "took", "{\"took\":5}");
	check_filter(SEARCH, "hits.hits._id", "{\"hits\":{\"hits\":[{\"_id\":\"1\"},{\"_id\":\"2\"}]}}");
	check_filter(SEARCH, "took,hits.total.value", "{\"took\":5,\"hits\":{\"total\":{\"value\":2}}}");
	check_filter(SEARCH, " took , hits.total.value ", "{\"took\":5,\"hits\":{\"total\":{\"value\":2}}}");
	check_filter(SEARCH, "**._id", "{\"hits\":{\"hits\":[{\"_id\":\"1\"},{\"_id\":\"2\"}]}}");
	check_filter(SEARCH, "_shards.*ful", "{\"_shards\":{\"successful\":1}}");
	check_filter(SEARCH, "*.total",
		"{\"_shards\":{\"total\":1},\"hits\":{\"total\":{\"value\":2,\"relation\":\"eq\"}}}");
	check_filter(SEARCH, "-hits,-_shards", "{\"took\":5,\"timed_out\":false}");
	check_filter(SEARCH, "hits.hits._source,-hits.hits._source.b",
		"{\"hits\":{\"hits\":[{\"_source\":{\"a\":1}},{\"_source\":{\"a\":3}}]}}");
	check_filter(SEARCH, "hits.hits._source.b.c", "{\"hits\":{\"hits\":[{\"_source\":{\"b\":{\"c\":2}}}]}}");
	check_filter(SEARCH, "hits.**.a",
		"{\"hits\":{\"hits\":[{\"_source\":{\"a\":1}},{\"_source\":{\"a\":3}}]}}");
	check_filter(SEARCH, "_shards.**", "{\"_shards\":{\"total\":1,\"successful\":1,\"skipped\":0,\"failed\":0}}");
	check_filter(SEARCH, "nothing", "{}");
	check_filter(SEARCH, "took.deeper", "{}");
	check_filter(SEARCH, "-**._source,-hits.total,-hits.max_score,-_shards,-took,-timed_out",
		"{\"hits\":{\"hits\":[{\"_index\":\"i\",\"_id\":\"1\",\"_score\":1.0},"
		"{\"_index\":\"i\",\"_id\":\"2\",\"_score\":1.0}]}}");
	check_filter("{\"a\":[1,2],\"b\":[{\"c\":1},3,[{\"c\":2}]],\"e\":[]}", "b.c",
		"{\"b\":[{\"c\":1},[{\"c\":2}]]}");
	check_filter("{\"a\":[1,2],\"b\":[{\"c\":1},3],\"e\":[]}", "a,e", "{\"a\":[1,2],\"e\":[]}");
	check_filter("{ \"a\" : { \"b\" : 1 , \"c\" : 2 } }", "a.c", "{\"a\":{\"c\":2}}");
	check_filter("{\"indices\":{\"i1\":{\"total\":{\"x\":1}},\"i2\":{\"total\":{\"x\":2},\"o\":3}}}",
		"indices.*.total.x", "{\"indices\":{\"i1\":{\"total\":{\"x\":1}},\"i2\":{\"total\":{\"x\":2}}}}");
	check_filter("{\"k\\\"q\":1,\"b\":2}", "b", "{\"b\":2}");

	/* Empty expression: no filter at all. */
	osp_arena_t a;
	dp_rest_filter_t *f;
	osp_buf_t b = OSP_BUF_INIT;

	osp_arena_init(&a, 0, 0);
	assert_int_equal(dp_rest_filter_compile(&a, " , ", 3, &f), 0);
	assert_null(f);
	assert_int_equal(dp_rest_filter_compile(&a, "a", 1, &f), 0);
	assert_int_equal(dp_rest_filter_apply(f, "{\"a\":", 5, &b), -EINVAL);
	assert_int_equal(b.len, 0);
	assert_int_equal(dp_rest_filter_apply(f, "{\"a\":1}x", 8, &b), -EINVAL);
	/* A NUL byte inside a value once made the scanners spin (fuzzer). */
	assert_int_equal(dp_rest_filter_apply(f, "{\"b\":[\0]}", 9, &b), -EINVAL);
	assert_int_equal(dp_rest_pretty(&b, "[1,\0]", 5), -EINVAL);
	osp_buf_clear(&b);
	assert_int_equal(dp_rest_filter_apply(f, "{\"a\":1}", 7, &b), 0);
	assert_string_equal(b.data, "{\"a\":1}");
	osp_buf_free(&b);
	osp_arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_shapes),
		cmocka_unit_test(test_pretty),
		cmocka_unit_test(test_filter_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
