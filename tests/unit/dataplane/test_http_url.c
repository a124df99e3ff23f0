/*
 * test_http_url.c - percent-decoding, query strings and media types as
 * Elasticsearch's RestUtils / ParsedMediaType treat them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dp_http_media.h"
#include "dp_http_url.h"

static void
test_decode(void **state)
{
	(void)state;
	osp_arena_t a;
	osp_err_t e;
	char *s;
	uint32_t n;

	osp_arena_init(&a, 0, 0);
	assert_int_equal(dp_http_url_decode(&a, "a%2Fb+c%e2%82%ACd", 17, &s, &n, &e), 0);
	assert_string_equal(s, "a/b c\xe2\x82\xac" "d");
	assert_int_equal(n, 9);
	assert_int_equal(dp_http_url_decode(&a, "", 0, &s, &n, &e), 0);
	assert_string_equal(s, "");
	assert_int_equal(dp_http_url_decode(&a, "%00x", 4, &s, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(s[0], 0);
	assert_int_equal(dp_http_url_decode(&a, "ab%", 3, &s, &n, &e), -EINVAL);
	assert_string_equal(e.type, "illegal_argument_exception");
	assert_string_equal(e.reason, "unterminated escape sequence at end of string: ab%");
	assert_int_equal(e.status, 400);
	assert_int_equal(dp_http_url_decode(&a, "ab%4", 4, &s, &n, &e), -EINVAL);
	assert_string_equal(e.reason, "partial escape sequence at end of string: ab%4");
	assert_int_equal(dp_http_url_decode(&a, "a%g1b", 5, &s, &n, &e), -EINVAL);
	assert_string_equal(e.reason, "invalid escape sequence `%g1' at index 1 of: a%g1b");
	osp_arena_free(&a);
}

static void
check_query(const char *q, uint32_t count, const char *const *kv)
{
	osp_arena_t a;
	osp_err_t e;
	dp_http_kv_t *p;
	uint32_t n;

	osp_arena_init(&a, 0, 0);
	assert_int_equal(dp_http_url_query(&a, q, strlen(q), &p, &n, &e), 0);
	assert_int_equal(n, count);
	for (uint32_t i = 0; i < n; i++) {
		assert_string_equal(p[i].name, kv[2 * i]);
		assert_string_equal(p[i].value, kv[2 * i + 1]);
	}
	osp_arena_free(&a);
}

static void
test_query(void **state)
{
	(void)state;
	const char *a[] = { "pretty", "" };
	const char *b[] = { "q", "x y", "size", "1", "size", "2" };
	const char *c[] = { "a", "b=c", "d", "" };
	const char *d[] = { "x", "" };
	const char *f[] = { "filter_path", "hits.hits._id,-took", "k", "v" };

	check_query("pretty", 1, a);
	check_query("q=x+y&size=1&size=2", 3, b);
	check_query("a=b=c&&d=", 2, c);
	check_query("=x", 1, d);            /* RestUtils: no name, value becomes the key */
	check_query("", 0, NULL);
	check_query("&&;", 0, NULL);
	check_query("filter_path=hits.hits._id%2C-took;k=v", 2, f);

	osp_arena_t ar;
	osp_err_t e;
	dp_http_kv_t *p;
	uint32_t n;

	osp_arena_init(&ar, 0, 0);
	assert_int_equal(dp_http_url_query(&ar, "a=%", 3, &p, &n, &e), -EINVAL);
	assert_string_equal(e.reason, "unterminated escape sequence at end of string: %");
	osp_arena_free(&ar);
}

static void
test_media_parse(void **state)
{
	(void)state;
	uint8_t v;
	struct { const char *s; dp_http_media_t t; uint8_t ver; } cases[] = {
		{ "application/json", DP_MEDIA_JSON, 0 },
		{ "Application/JSON; charset=UTF-8", DP_MEDIA_JSON, 0 },
		{ "application/json;charset=utf-8", DP_MEDIA_JSON, 0 },
		{ "application/json; charset=ISO-8859-1", DP_MEDIA_UNSUPPORTED, 0 },
		{ "application/x-ndjson", DP_MEDIA_NDJSON, 0 },
		{ "application/vnd.elasticsearch+json;compatible-with=8", DP_MEDIA_JSON, 8 },
		{ "application/vnd.elasticsearch+json; compatible-with=7", DP_MEDIA_JSON, 7 },
		{ "application/vnd.elasticsearch+x-ndjson; compatible-with=9", DP_MEDIA_NDJSON, 9 },
		{ "application/vnd.elasticsearch+json", DP_MEDIA_JSON, 0 },
		{ "application/json; compatible-with=8", DP_MEDIA_UNSUPPORTED, 0 },
		{ "text/plain", DP_MEDIA_TEXT, 0 },
		{ "application/x-www-form-urlencoded", DP_MEDIA_UNSUPPORTED, 0 },
		{ "application/yaml", DP_MEDIA_UNSUPPORTED, 0 },
		{ "*/*", DP_MEDIA_UNSUPPORTED, 0 },
		{ "garbage", DP_MEDIA_INVALID, 0 },
		{ "application/json; charset", DP_MEDIA_INVALID, 0 },
		{ "/json", DP_MEDIA_INVALID, 0 },
		{ "", DP_MEDIA_INVALID, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dp_http_media_t t = dp_http_media_parse(cases[i].s, strlen(cases[i].s), &v);

		if (t != cases[i].t || v != cases[i].ver)
			fail_msg("%s: got %d/%u", cases[i].s, t, v);
	}
}

static void
test_media_negotiate(void **state)
{
	(void)state;
	dp_http_req_t r;
	osp_err_t e;
	dp_http_kv_t ct = { "Content-Type", "application/json", 12, 16 };
	dp_http_kv_t ac = { "Accept", "application/vnd.elasticsearch+json;compatible-with=10", 6, 52 };
	char buf[128];

	memset(&r, 0, sizeof(r));
	ac.value_len = (uint32_t)strlen(ac.value);
	assert_int_equal(dp_http_media_negotiate(&r, NULL, NULL, 7, 9, &e), 0);
	assert_int_equal(r.compat, 0);
	dp_http_media_response_type(&r, DP_MEDIA_JSON, buf, sizeof(buf));
	assert_string_equal(buf, "application/json");
	dp_http_media_response_type(&r, DP_MEDIA_TEXT, buf, sizeof(buf));
	assert_string_equal(buf, "text/plain; charset=UTF-8");

	assert_int_equal(dp_http_media_negotiate(&r, NULL, &ac, 7, 9, &e), -EINVAL);
	assert_string_equal(e.type, "status_exception");
	assert_string_equal(e.reason, "Accept version must be either version 9 or 7, but found 10. "
			    "Accept=application/vnd.elasticsearch+json;compatible-with=10");

	/* Accept compat without a body is fine and is echoed. */
	ac.value = "application/vnd.elasticsearch+json;compatible-with=7";
	ac.value_len = (uint32_t)strlen(ac.value);
	assert_int_equal(dp_http_media_negotiate(&r, &ct, &ac, 7, 9, &e), 0);
	assert_int_equal(r.compat, 7);
	dp_http_media_response_type(&r, DP_MEDIA_JSON, buf, sizeof(buf));
	assert_string_equal(buf, "application/vnd.elasticsearch+json;compatible-with=7");
	/* With a body both must carry the same version. */
	r.has_body = true;
	assert_int_equal(dp_http_media_negotiate(&r, &ct, &ac, 7, 9, &e), -EINVAL);
	assert_string_equal(e.reason, "A compatible version is required on both Content-Type and "
		"Accept headers if either one has requested a compatible version and the compatible "
		"versions must match. Accept=application/vnd.elasticsearch+json;compatible-with=7, "
		"Content-Type=application/json");
	ct.value = "application/vnd.elasticsearch+json; compatible-with=7";
	ct.value_len = (uint32_t)strlen(ct.value);
	assert_int_equal(dp_http_media_negotiate(&r, &ct, &ac, 7, 9, &e), 0);
	assert_int_equal(r.content_type, DP_MEDIA_JSON);
	/* Only the Content-Type versioned. */
	assert_int_equal(dp_http_media_negotiate(&r, &ct, NULL, 7, 9, &e), -EINVAL);
	/* Accept: a list or a wildcard is not an error. */
	dp_http_kv_t star = { "Accept", "*/*", 6, 3 }, list = { "Accept", "text/html, application/json", 6, 28 };

	r.has_body = false;
	assert_int_equal(dp_http_media_negotiate(&r, NULL, &star, 7, 9, &e), 0);
	assert_int_equal(dp_http_media_negotiate(&r, NULL, &list, 7, 9, &e), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_media_parse),
		cmocka_unit_test(test_media_negotiate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
