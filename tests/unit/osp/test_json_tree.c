/*
 * test_json_tree.c - behaviour of the osprey/json.h tree helpers: lookups
 * (get/getn/at/path/key_eq/FOREACH), builders and append, clone into another
 * arena, and structural equality.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "osprey/json.h"


#include "json_test_util.h"

static void
test_tree_lookup(void **state)
{
	(void)state;
	osp_json_t *v = parse_ok("{\"a\":{\"b\":{\"c\":[10,20,30]}},\"d\":1,\"d\":2,\"e.f\":3}");

	assert_int_equal(osp_json_path(v, "a.b.c")->type, OSP_JSON_ARRAY);
	assert_int_equal(osp_json_at(osp_json_path(v, "a.b.c"), 2)->i, 30);
	assert_null(osp_json_at(osp_json_path(v, "a.b.c"), 3));
	assert_null(osp_json_path(v, "a.x.c"));
	assert_null(osp_json_path(v, "a.b.c.d"));
	assert_int_equal(osp_json_get(v, "d")->i, 1);
	assert_int_equal(osp_json_getn(v, "dx", 1)->i, 1);
	assert_null(osp_json_get(v, "e"));
	assert_int_equal(osp_json_get(v, "e.f")->i, 3);
	assert_null(osp_json_get(osp_json_get(v, "d"), "x"));
	assert_null(osp_json_at(v, 0));
	assert_true(osp_json_key_eq(osp_json_get(v, "d"), "d"));
	assert_false(osp_json_key_eq(osp_json_get(v, "d"), "dd"));
	assert_false(osp_json_key_eq(osp_json_get(v, "d"), ""));
	assert_false(osp_json_key_eq(v, "d"));
	osp_json_t *nul = parse_ok("{\"a\\u0000b\":1}")->u.child;

	assert_int_equal(nul->key_len, 3);
	assert_false(osp_json_key_eq(nul, "a"));
	assert_false(osp_json_key_eq(nul, "a\0b"));   /* a C string cannot name it */
	assert_non_null(osp_json_getn(parse_ok("{\"a\\u0000b\":1}"), "a\0b", 3));
	assert_int_equal(v->len, 4);
	int n = 0;

	OSP_JSON_FOREACH(m, v)
		n++;
	assert_int_equal(n, 4);
	assert_true(osp_json_is(v, OSP_JSON_OBJECT));
	assert_false(osp_json_is(NULL, OSP_JSON_OBJECT));
}

static void
test_tree_build(void **state)
{
	(void)state;
	osp_json_t *o = osp_json_new_object(&arena), *arr = osp_json_new_array(&arena);

	assert_int_equal(osp_json_append(&arena, o, "s", 1, osp_json_new_string(&arena, "x\"y", 3)), 0);
	assert_int_equal(osp_json_append(&arena, o, "i", 1, osp_json_new_int(&arena, -5)), 0);
	assert_int_equal(osp_json_append(&arena, o, "d", 1, osp_json_new_double(&arena, 2.5)), 0);
	assert_int_equal(osp_json_append(&arena, arr, NULL, 0, osp_json_new_null(&arena)), 0);
	assert_int_equal(osp_json_append(&arena, arr, NULL, 0, osp_json_new_bool(&arena, true)), 0);
	assert_int_equal(osp_json_append(&arena, o, "arr", 3, arr), 0);
	assert_int_equal(osp_json_append(&arena, o, NULL, 0, osp_json_new_null(&arena)), -EINVAL);
	assert_int_equal(osp_json_append(&arena, o, "x", 1, NULL), -ENOMEM);
	assert_int_equal(osp_json_append(&arena, arr->u.child, NULL, 0, osp_json_new_null(&arena)), -EINVAL);

	osp_buf_t out = OSP_BUF_INIT;
	osp_jw_t w;

	osp_jw_init(&w, &out, 0);
	osp_jw_value(&w, o);
	assert_string_equal(out.data, "{\"s\":\"x\\\"y\",\"i\":-5,\"d\":2.5,\"arr\":[null,true]}");

	/* append to a parsed tree */
	osp_json_t *p = parse_ok("{\"a\":[1]}");

	assert_int_equal(osp_json_append(&arena, osp_json_get(p, "a"), NULL, 0, osp_json_new_int(&arena, 2)), 0);
	assert_int_equal(osp_json_append(&arena, p, "b", 1, osp_json_new_int(&arena, 3)), 0);
	osp_buf_clear(&out);
	osp_jw_value(&w, p);
	assert_string_equal(out.data, "{\"a\":[1,2],\"b\":3}");

	/* clone into another arena survives the first one */
	osp_arena_t other;

	osp_arena_init(&other, 0, 0);
	osp_json_t *c = osp_json_clone(&other, o);

	assert_true(osp_json_equal(c, o));
	osp_arena_reset(&arena);
	osp_buf_clear(&out);
	osp_jw_value(&w, c);
	assert_string_equal(out.data, "{\"s\":\"x\\\"y\",\"i\":-5,\"d\":2.5,\"arr\":[null,true]}");
	osp_arena_free(&other);
	osp_buf_free(&out);
}

static void
test_equal(void **state)
{
	(void)state;
	assert_true(osp_json_equal(parse_ok("{\"a\":1,\"b\":[1,2]}"), parse_ok("{\"b\":[1,2],\"a\":1.0}")));
	assert_false(osp_json_equal(parse_ok("[1,2]"), parse_ok("[2,1]")));
	assert_false(osp_json_equal(parse_ok("{\"a\":1}"), parse_ok("{\"a\":1,\"b\":1}")));
	assert_false(osp_json_equal(parse_ok("{\"a\":1,\"c\":1}"), parse_ok("{\"a\":1,\"b\":1}")));
	/* repeated names pair up in document order, wherever they are */
	assert_true(osp_json_equal(parse_ok("{\"a\":1,\"b\":0,\"a\":2}"), parse_ok("{\"b\":0,\"a\":1,\"a\":2}")));
	assert_false(osp_json_equal(parse_ok("{\"a\":1,\"a\":2}"), parse_ok("{\"a\":2,\"a\":1}")));
	assert_false(osp_json_equal(parse_ok("{\"a\":1,\"a\":1}"), parse_ok("{\"a\":2,\"a\":1}")));
	assert_false(osp_json_equal(parse_ok("{\"a\":1,\"a\":1}"), parse_ok("{\"a\":1,\"b\":1}")));
	assert_true(osp_json_equal(parse_ok("1e2"), parse_ok("100")));
	assert_false(osp_json_equal(parse_ok("\"1\""), parse_ok("1")));
	assert_false(osp_json_equal(parse_ok("9007199254740993"), parse_ok("9007199254740992")));
	assert_false(osp_json_equal(parse_ok("9007199254740993"), parse_ok("9007199254740992.0")));
	assert_true(osp_json_equal(parse_ok("\"a\\u0000\""), parse_ok("\"a\\u0000\"")));
	assert_false(osp_json_equal(parse_ok("\"a\\u0000\""), parse_ok("\"a\"")));
	assert_false(osp_json_equal(parse_ok("true"), parse_ok("false")));
	assert_true(osp_json_equal(parse_ok("null"), parse_ok("null")));

	/* large objects take the sorted path */
	osp_buf_t x = OSP_BUF_INIT, y = OSP_BUF_INIT;

	osp_buf_putc(&x, '{');
	osp_buf_putc(&y, '{');
	for (int i = 0; i < 100; i++) {
		osp_buf_printf(&x, "%s\"k%d\":%d", i ? "," : "", i, i);
		osp_buf_printf(&y, "%s\"k%d\":%d", i ? "," : "", 99 - i, 99 - i);
	}
	osp_buf_putc(&x, '}');
	osp_buf_putc(&y, '}');
	assert_true(osp_json_equal(parse_ok(x.data), parse_ok(y.data)));
	y.data[y.len - 2] = '1';   /* "k0":1 */
	assert_false(osp_json_equal(parse_ok(x.data), parse_ok(y.data)));
	osp_buf_free(&x);
	osp_buf_free(&y);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tree_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tree_build, setup, teardown),
		cmocka_unit_test_setup_teardown(test_equal, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
