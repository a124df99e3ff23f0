/*
 * test_alias.c - index aliases (ctl_alias.c): create-index aliases with
 * routing expanded, POST /_aliases add/remove/remove_index, name rules and
 * conflicts with index names (both ways), one write index per alias,
 * resolution of aliases in index expressions, DELETE refusing an alias,
 * versions, and the definitions surviving the state JSON round trip.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl_alias.h"
#include "ctl_state.h"

static osp_arena_t arena;

static const osp_json_t *
J(const char *text)
{
	osp_json_t *v = NULL;
	osp_json_error_t e;

	assert_int_equal(osp_json_parse(&arena, text, strlen(text), NULL, &v, &e), 0);
	return v;
}

static int
setup(void **state)
{
	(void)state;
	osp_arena_init(&arena, 8192, 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	osp_arena_free(&arena);
	return 0;
}

static osp_cluster_t *
two_indices(void)
{
	osp_cluster_t *cs = osp_cluster_new();
	osp_err_t err;

	strcpy(cs->cluster_name, "c");
	strcpy(cs->cluster_uuid, "uuidAAAAAAAAAAAAAAAAAA");
	assert_int_equal(ctl_state_create_index(cs, "i1", J(
		"{\"aliases\":{\"all\":{},\"r\":{\"routing\":\"7\",\"is_write_index\":true},"
		"\"f\":{\"filter\":{\"term\":{\"a\":1}}}}}"), 0, &err), 0);
	assert_int_equal(ctl_state_create_index(cs, "i2", J("{\"aliases\":{\"all\":{}}}"), 0, &err), 0);
	return cs;
}

static char *
resolve(osp_cluster_t *cs, const char *expr, bool forbid, int *rc, osp_err_t *err)
{
	ctl_expr_opts_t o = { .expand_open = true, .allow_no_indices = true,
			      .forbid_aliases = forbid };
	osp_index_t **sel = NULL;
	uint32_t n = 0;
	static char out[128];

	out[0] = '\0';
	*rc = ctl_index_expr_resolve(cs, expr, &o, &sel, &n, err);
	for (uint32_t i = 0; i < n; i++) {
		strcat(out, sel[i]->name);
		strcat(out, i + 1 < n ? "," : "");
	}
	free(sel);
	return out;
}

static void
test_create_with_aliases(void **state)
{
	osp_cluster_t *cs = two_indices();
	osp_index_t *i1 = osp_cluster_index(cs, "i1");
	osp_err_t err;
	int rc;

	(void)state;
	assert_true(osp_index_has_alias(i1, "all"));
	assert_true(osp_index_has_alias(i1, "r"));
	assert_false(osp_index_has_alias(i1, "a"));
	assert_non_null(strstr(i1->aliases, "\"r\":{\"index_routing\":\"7\",\"search_routing\":\"7\","
				"\"is_write_index\":true}"));
	assert_int_equal(i1->aliases_version, 1);
	assert_string_equal(resolve(cs, "all", false, &rc, &err), "i1,i2");
	assert_string_equal(resolve(cs, "r", false, &rc, &err), "i1");
	assert_string_equal(resolve(cs, "a*", false, &rc, &err), "i1,i2");
	resolve(cs, "all", true, &rc, &err);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err.reason,
		"The provided expression [all] matches an alias, specify the corresponding concrete indices instead.");
	/* an index named like an alias, and the other way round */
	assert_int_equal(ctl_state_create_index(cs, "all", NULL, 0, &err), -EINVAL);
	assert_string_equal(err.type, "invalid_index_name_exception");
	assert_string_equal(err.reason, "Invalid index name [all], already exists as alias");
	assert_int_equal(ctl_state_create_index(cs, "i3", J("{\"aliases\":{\"i1\":{}}}"), 0, &err),
			 -EINVAL);
	assert_string_equal(err.type, "invalid_alias_name_exception");
	assert_null(osp_cluster_index(cs, "i3"));
	assert_int_equal(ctl_state_create_index(cs, "i3", J("{\"aliases\":{\"_x\":{}}}"), 0, &err),
			 -EINVAL);
	assert_string_equal(err.reason, "Invalid alias name [_x]: must not start with '_', '-', or '+'");
	/* aliases may be upper case */
	assert_int_equal(ctl_state_create_index(cs, "i3", J("{\"aliases\":{\"Up\":{}}}"), 0, &err), 0);
	osp_cluster_free(cs);
}

static void
test_actions(void **state)
{
	osp_cluster_t *cs = two_indices();
	osp_index_t *i2 = osp_cluster_index(cs, "i2");
	osp_err_t err;

	(void)state;
	assert_int_equal(ctl_state_update_aliases(cs, J(
		"{\"actions\":[{\"add\":{\"index\":\"i2\",\"alias\":\"new\",\"search_routing\":\"1,2\"}},"
		"{\"remove\":{\"index\":\"i*\",\"alias\":\"all\"}}]}"), &err), 0);
	assert_true(osp_index_has_alias(i2, "new"));
	assert_false(osp_index_has_alias(i2, "all"));
	assert_false(osp_index_has_alias(osp_cluster_index(cs, "i1"), "all"));
	assert_int_equal(i2->aliases_version, 3);
	/* adding the same definition again changes nothing */
	assert_int_equal(ctl_state_update_aliases(cs, J(
		"{\"actions\":[{\"add\":{\"indices\":[\"i2\"],\"aliases\":[\"new\"],\"search_routing\":\"1,2\"}}]}"),
		&err), 0);
	assert_int_equal(i2->aliases_version, 3);
	assert_int_equal(ctl_state_update_aliases(cs, J(
		"{\"actions\":[{\"remove\":{\"index\":\"i2\",\"alias\":\"nope\"}}]}"), &err), -ENOENT);
	assert_string_equal(err.type, "aliases_not_found_exception");
	assert_string_equal(err.reason, "aliases [nope] missing");
	assert_int_equal(err.status, 404);
	assert_int_equal(ctl_state_update_aliases(cs, J(
		"{\"actions\":[{\"remove\":{\"index\":\"i2\",\"alias\":\"nope\",\"must_exist\":false}}]}"),
		&err), 0);
	assert_int_equal(ctl_state_update_aliases(cs, J("{\"actions\":[]}"), &err), -EINVAL);
	assert_string_equal(err.reason, "Validation Failed: 1: Must specify at least one alias action;");
	assert_int_equal(ctl_state_update_aliases(cs, J(
		"{\"actions\":[{\"add\":{\"alias\":\"x\"}}]}"), &err), -EINVAL);
	assert_int_equal(ctl_state_update_aliases(cs, J(
		"{\"actions\":[{\"add\":{\"index\":\"missing\",\"alias\":\"x\"}}]}"), &err), -ENOENT);
	assert_string_equal(err.type, "index_not_found_exception");
	assert_int_equal(ctl_state_update_aliases(cs, J(
		"{\"actions\":[{\"add\":{\"index\":\"i2\",\"alias\":\"index_routing\",\"index_routing\":\"1,2\"}}]}"),
		&err), -EINVAL);
	/* a second write index for "r" */
	assert_int_equal(ctl_state_update_aliases(cs, J(
		"{\"actions\":[{\"add\":{\"index\":\"i2\",\"alias\":\"r\",\"is_write_index\":true}}]}"),
		&err), -EIO);
	assert_string_equal(err.type, "illegal_state_exception");
	assert_int_equal(ctl_state_update_aliases(cs, J(
		"{\"actions\":[{\"remove_index\":{\"index\":\"i1\"}}]}"), &err), 0);
	assert_null(osp_cluster_index(cs, "i1"));
	osp_cluster_free(cs);
}

static void
test_state_roundtrip(void **state)
{
	osp_cluster_t *cs = two_indices(), *back = NULL;
	osp_buf_t b = OSP_BUF_INIT, c = OSP_BUF_INIT;
	osp_jw_t w;

	(void)state;
	osp_jw_init(&w, &b, 0);
	assert_int_equal(osp_cluster_write(cs, &w, OSP_CLUSTER_FLAT_SETTINGS | OSP_CLUSTER_INTERNAL), 0);
	assert_int_equal(osp_cluster_parse(b.data, b.len, &back), 0);
	assert_string_equal(osp_cluster_index(back, "i1")->aliases, osp_cluster_index(cs, "i1")->aliases);
	/* the user-facing form lists names only */
	osp_jw_init(&w, &c, 0);
	assert_int_equal(osp_cluster_write(cs, &w, 0), 0);
	assert_non_null(strstr(c.data, "\"aliases\":[\"all\",\"r\",\"f\"]"));
	osp_buf_free(&b);
	osp_buf_free(&c);
	osp_cluster_free(back);
	osp_cluster_free(cs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_with_aliases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_actions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_roundtrip, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
