/*
 * test_cset.c - dynamic cluster settings as data (dataplane/rest/rest_cset.c):
 * flattening request objects, Elasticsearch's validation wording, ordered
 * merge and reset, nested/flat rendering, action.auto_create_index patterns.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "osprey/buf.h"
#include "osprey/json.h"
#include "../../../dataplane/rest/dp_cset.h"

static osp_json_t *
parse(osp_arena_t *a, const char *text)
{
	osp_json_t *doc = NULL;
	osp_json_error_t jerr;

	assert_int_equal(osp_json_parse(a, text, strlen(text), NULL, &doc, &jerr), 0);
	return doc;
}

static void
render(const dp_cset_map_t *m, bool flat, const char *want)
{
	osp_buf_t b;
	osp_jw_t w;

	osp_buf_init(&b);
	osp_jw_init(&w, &b, 0);
	dp_cset_write(&w, m, flat);
	osp_buf_putc(&b, '\0');
	assert_string_equal(b.data, want);
	osp_buf_free(&b);
}

static void
test_flatten_and_render(void **state)
{
	osp_arena_t a;
	dp_cset_map_t *m;
	const char *reset[DP_CSET_MAX];
	uint32_t n_reset = 0;

	(void)state;
	osp_arena_init(&a, 4096, 0);
	m = osp_arena_calloc(&a, sizeof(*m));
	assert_non_null(m);
	assert_int_equal(dp_cset_flatten(&a, parse(&a,
		"{\"cluster\":{\"routing\":{\"allocation.enable\":\"none\"},\"max_shards_per_node\":5},"
		"\"action.auto_create_index\":false,\"indices.recovery.max_bytes_per_sec\":null,"
		"\"x\":[\"a\",\"b\"]}"), NULL, m, reset, &n_reset), 0);
	assert_int_equal(m->n, 4);
	assert_int_equal(n_reset, 1);
	assert_string_equal(reset[0], "indices.recovery.max_bytes_per_sec");
	/* sorted by key */
	assert_string_equal(m->k[0], "action.auto_create_index");
	assert_string_equal(m->v[0], "false");
	assert_string_equal(m->k[1], "cluster.max_shards_per_node");
	assert_string_equal(m->v[1], "5");
	assert_string_equal(m->k[2], "cluster.routing.allocation.enable");
	assert_string_equal(m->v[3], "a,b");
	render(m, true, "{\"action.auto_create_index\":\"false\",\"cluster.max_shards_per_node\":\"5\","
	       "\"cluster.routing.allocation.enable\":\"none\",\"x\":\"a,b\"}");
	render(m, false, "{\"action\":{\"auto_create_index\":\"false\"},\"cluster\":{\"max_shards_per_node\":\"5\","
	       "\"routing\":{\"allocation\":{\"enable\":\"none\"}}},\"x\":\"a,b\"}");
	/* replace, remove, remove absent */
	assert_int_equal(dp_cset_set(m, "cluster.max_shards_per_node", "7"), 0);
	assert_string_equal(m->v[dp_cset_find(m, "cluster.max_shards_per_node")], "7");
	assert_int_equal(dp_cset_set(m, "x", NULL), 0);
	assert_int_equal(dp_cset_set(m, "nope", NULL), 0);
	assert_int_equal(m->n, 3);
	assert_int_equal(dp_cset_find(m, "x"), -1);
	m->n = 0;
	render(m, false, "{}");
	osp_arena_free(&a);
}

static void
test_validate(void **state)
{
	osp_err_t err;

	(void)state;
	assert_int_equal(dp_cset_validate("persistent", "cluster.max_shards_per_node", "10", &err), 0);
	assert_int_equal(dp_cset_validate("persistent", "no.such", "1", &err), -EINVAL);
	assert_int_equal(err.status, 400);
	assert_string_equal(err.type, "illegal_argument_exception");
	assert_string_equal(err.reason, "persistent setting [no.such], not recognized");
	assert_int_equal(dp_cset_validate("transient", "no.such", "1", &err), -EINVAL);
	assert_string_equal(err.reason, "transient setting [no.such], not recognized");
	assert_int_equal(dp_cset_validate("persistent", "action.destructive_requires_name", "yes", &err), -EINVAL);
	assert_string_equal(err.reason, "Failed to parse value [yes] as only [true] or [false] are allowed.");
	assert_int_equal(dp_cset_validate("persistent", "cluster.max_shards_per_node", "1x", &err), -EINVAL);
	assert_string_equal(err.reason, "Failed to parse value [1x] for setting [cluster.max_shards_per_node]");
	assert_int_equal(dp_cset_validate("persistent", "cluster.max_shards_per_node", "0", &err), -EINVAL);
	assert_int_equal(dp_cset_validate("persistent", "indices.recovery.max_bytes_per_sec", "20mb", &err), 0);
	assert_int_equal(dp_cset_validate("persistent", "indices.recovery.max_bytes_per_sec", "fast", &err), -EINVAL);
	assert_int_equal(dp_cset_validate("persistent", "cluster.routing.allocation.enable", "PRIMARIES", &err), 0);
	assert_int_equal(dp_cset_validate("persistent", "cluster.routing.allocation.enable", "some", &err), -EINVAL);
	assert_int_equal(dp_cset_validate("persistent", "search.default_search_timeout", "-1", &err), 0);
	assert_int_equal(dp_cset_validate("persistent", "search.default_search_timeout", "5s", &err), 0);
	assert_int_equal(dp_cset_validate("persistent", "search.default_search_timeout", "5 parsecs", &err), -EINVAL);
	assert_true(dp_cset_known("action.auto_create_index"));
	assert_false(dp_cset_known("action"));
}

static void
test_defaults(void **state)
{
	static dp_cset_map_t m;

	(void)state;
	dp_cset_defaults(&m);
	assert_true(m.n > 10);
	assert_string_equal(m.v[dp_cset_find(&m, "action.auto_create_index")], "true");
	for (uint32_t i = 1; i < m.n; i++)
		assert_true(strcmp(m.k[i - 1], m.k[i]) < 0);
}

static void
test_autocreate(void **state)
{
	osp_err_t err;

	(void)state;
	assert_int_equal(dp_cset_autocreate(NULL, "a", &err), 0);
	assert_int_equal(dp_cset_autocreate("true", "a", &err), 0);
	assert_int_equal(dp_cset_autocreate("false", "a", &err), -EPERM);
	assert_int_equal(err.status, 404);
	assert_string_equal(err.type, "index_not_found_exception");
	assert_string_equal(err.reason, "no such index [a] and [action.auto_create_index] is [false]");
	assert_string_equal(err.index, "a");
	assert_int_equal(dp_cset_autocreate("+logs-*,-logs-x*,met*", "logs-1", &err), 0);
	assert_int_equal(dp_cset_autocreate("-logs-x*,+logs-*", "logs-x1", &err), -EPERM);
	assert_string_equal(err.reason, "no such index [logs-x1] and [action.auto_create_index] contains [-logs-x*] "
			    "which forbids automatic creation of the index");
	assert_int_equal(dp_cset_autocreate("+logs-*,-logs-x*,met*", "metrics", &err), 0);
	assert_int_equal(dp_cset_autocreate("+logs-*", "other", &err), -EPERM);
	assert_string_equal(err.reason, "no such index [other] and [action.auto_create_index] ([+logs-*]) doesn't match");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flatten_and_render),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_autocreate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
