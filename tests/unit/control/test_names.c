/*
 * test_names.c - index name rules (ctl_names.c) with Elasticsearch's exact
 * wording and check order, and index expression resolution (wildcards,
 * exclusions, _all, missing names, closed indices).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl_names.h"

static void
expect_invalid(const char *name, const char *reason)
{
	osp_err_t err;

	osp_err_clear(&err);
	assert_int_equal(ctl_index_name_validate(name, &err), -EINVAL);
	assert_int_equal(err.status, 400);
	assert_string_equal(err.type, "invalid_index_name_exception");
	assert_string_equal(err.reason, reason);
	assert_string_equal(err.index, name);
	assert_string_equal(err.index_uuid, "_na_");
}

static void
test_name_rules(void **state)
{
	osp_err_t err;
	char longname[300];

	(void)state;
	expect_invalid("Foo", "Invalid index name [Foo], must be lowercase");
	expect_invalid("caf\xc3\x89", "Invalid index name [caf\xc3\x89], must be lowercase");
	expect_invalid("a b", "Invalid index name [a b], must not contain the following characters "
		       "[ , \", *, \\, <, |, ,, >, /, ?]");
	expect_invalid("a,b", "Invalid index name [a,b], must not contain the following characters "
		       "[ , \", *, \\, <, |, ,, >, /, ?]");
	/* the character rule comes before the case rule, as in ES */
	expect_invalid("A*", "Invalid index name [A*], must not contain the following characters "
		       "[ , \", *, \\, <, |, ,, >, /, ?]");
	expect_invalid("_x", "Invalid index name [_x], must not start with '_', '-', or '+'");
	expect_invalid("-x", "Invalid index name [-x], must not start with '_', '-', or '+'");
	expect_invalid("+x", "Invalid index name [+x], must not start with '_', '-', or '+'");
	expect_invalid(".", "Invalid index name [.], must not be '.' or '..'");
	expect_invalid("..", "Invalid index name [..], must not be '.' or '..'");
	expect_invalid("a#b", "Invalid index name [a#b], must not contain '#'");
	expect_invalid("a:b", "Invalid index name [a:b], must not contain ':'");
	expect_invalid("", "Invalid index name [], must not be empty");
	memset(longname, 'a', 300);
	longname[299] = '\0';
	osp_err_clear(&err);
	assert_int_equal(ctl_index_name_validate(longname, &err), -EINVAL);
	assert_non_null(strstr(err.reason, "index name is too long, (299 > 255)"));
	memset(longname, 'a', 255);
	longname[255] = '\0';
	assert_int_equal(ctl_index_name_validate(longname, &err), 0);
	assert_int_equal(ctl_index_name_validate("logs-2024.01.01", &err), 0);
	assert_int_equal(ctl_index_name_validate(".hidden", &err), 0);
	assert_int_equal(ctl_index_name_validate("caf\xc3\xa9", &err), 0);
}

static void
test_wildcard(void **state)
{
	(void)state;
	assert_true(ctl_wildcard_match("*", "abc"));
	assert_true(ctl_wildcard_match("a*", "abc"));
	assert_true(ctl_wildcard_match("*c", "abc"));
	assert_true(ctl_wildcard_match("a*c", "abbbc"));
	assert_true(ctl_wildcard_match("a**c", "ac"));
	assert_false(ctl_wildcard_match("a*d", "abc"));
	assert_false(ctl_wildcard_match("abc", "abcd"));
	assert_true(ctl_wildcard_match("abc", "abc"));
}

static osp_cluster_t *
make_state(void)
{
	static const char *names[] = { "logs-1", "logs-2", "metrics", "closed-1" };
	osp_cluster_t *cs = osp_cluster_new();

	for (size_t i = 0; i < 4; i++) {
		osp_index_t *idx = calloc(1, sizeof(*idx));

		strcpy(idx->name, names[i]);
		idx->state = i == 3 ? OSP_INDEX_CLOSE : OSP_INDEX_OPEN;
		assert_int_equal(osp_cluster_add_index(cs, idx), 0);
	}
	return cs;
}

static char *
resolve(osp_cluster_t *cs, const char *expr, ctl_expr_opts_t *o, int *rc, osp_err_t *err)
{
	osp_index_t **sel = NULL;
	uint32_t n = 0;
	static char out[256];

	out[0] = '\0';
	*rc = ctl_index_expr_resolve(cs, expr, o, &sel, &n, err);
	for (uint32_t i = 0; i < n; i++) {
		strcat(out, sel[i]->name);
		strcat(out, i + 1 < n ? "," : "");
	}
	free(sel);
	return out;
}

static void
test_expressions(void **state)
{
	osp_cluster_t *cs = make_state();
	ctl_expr_opts_t o = { .expand_open = true, .allow_no_indices = true };
	osp_err_t err;
	int rc;

	(void)state;
	assert_string_equal(resolve(cs, "logs-*", &o, &rc, &err), "logs-1,logs-2");
	assert_string_equal(resolve(cs, "_all", &o, &rc, &err), "logs-1,logs-2,metrics");
	assert_string_equal(resolve(cs, "*,-logs-2", &o, &rc, &err), "logs-1,metrics");
	assert_string_equal(resolve(cs, "metrics,logs-1", &o, &rc, &err), "logs-1,metrics");
	/* a concrete name reaches a closed index; wildcards do not by default */
	assert_string_equal(resolve(cs, "closed-1", &o, &rc, &err), "closed-1");
	assert_string_equal(resolve(cs, "closed*", &o, &rc, &err), "");
	assert_int_equal(rc, 0);
	o.expand_closed = true;
	assert_string_equal(resolve(cs, "c*", &o, &rc, &err), "closed-1");
	resolve(cs, "nope", &o, &rc, &err);
	assert_int_equal(rc, -ENOENT);
	assert_string_equal(err.type, "index_not_found_exception");
	assert_string_equal(err.reason, "no such index [nope]");
	assert_int_equal(err.status, 404);
	assert_string_equal(err.resource_id, "nope");
	o.ignore_unavailable = true;
	assert_string_equal(resolve(cs, "nope,metrics", &o, &rc, &err), "metrics");
	o.allow_no_indices = false;
	resolve(cs, "zzz*", &o, &rc, &err);
	assert_int_equal(rc, -ENOENT);
	osp_cluster_free(cs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_rules),
		cmocka_unit_test(test_wildcard),
		cmocka_unit_test(test_expressions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
