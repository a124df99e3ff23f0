/*
 * json_test_util.h - fixtures shared by the JSON unit tests: one arena per
 * test (setup/teardown) and parse_ok(), which parses into it and fails the
 * test on any error. Included by exactly one test binary at a time.
 */
#ifndef JSON_TEST_UTIL_H
#define JSON_TEST_UTIL_H

#include <string.h>

#include "osprey/json.h"

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

static osp_json_t *
parse_ok(const char *text)
{
	osp_json_t *v = NULL;
	osp_json_error_t err;
	int rc = osp_json_parse(&arena, text, strlen(text), NULL, &v, &err);

	if (rc != 0)
		print_error("unexpected failure on <%s>: %s\n", text, err.msg);
	assert_int_equal(rc, 0);
	assert_non_null(v);
	return v;
}

#endif
