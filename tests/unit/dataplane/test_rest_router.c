/*
 * test_rest_router.c - route precedence (literal beats parameter, PathTrie
 * matching classes), parameter decoding, 405 with Allow, OPTIONS, 400 no
 * handler, 406 for unsupported bodies, and the REST response helpers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dp_rest_params.h"
#include "dp_rest_respond.h"
#include "dp_rest_router.h"
#include "http_test_util.h"

enum {
	H_ROOT = 1, H_SEARCH_ALL, H_SEARCH, H_GET_INDEX, H_PUT_INDEX, H_DEL_INDEX,
	H_HEAD_INDEX, H_GET_DOC, H_PUT_DOC, H_CAT_INDICES, H_CAT_INDICES_I,
	H_POST_DOC, H_ROOTWILD, H_LEAFWILD, H_TEXT,
};

static dp_rest_router_t *
mk_router(void)
{
	dp_rest_router_t *r = dp_rest_router_new();
	struct { dp_http_method_t m; const char *p; int h; uint32_t f; } t[] = {
		{ DP_HTTP_GET, "/", H_ROOT, 0 },
		{ DP_HTTP_HEAD, "/", H_ROOT, 0 },
		{ DP_HTTP_GET, "/_search", H_SEARCH_ALL, 0 },
		{ DP_HTTP_POST, "/_search", H_SEARCH_ALL, 0 },
		{ DP_HTTP_GET, "/{index}/_search", H_SEARCH, 0 },
		{ DP_HTTP_POST, "/{index}/_search", H_SEARCH, 0 },
		{ DP_HTTP_GET, "/{index}", H_GET_INDEX, 0 },
		{ DP_HTTP_PUT, "/{index}", H_PUT_INDEX, 0 },
		{ DP_HTTP_DELETE, "/{index}", H_DEL_INDEX, 0 },
		{ DP_HTTP_HEAD, "/{index}", H_HEAD_INDEX, 0 },
		{ DP_HTTP_GET, "/{index}/_doc/{id}", H_GET_DOC, 0 },
		{ DP_HTTP_PUT, "/{index}/_doc/{id}", H_PUT_DOC, 0 },
		{ DP_HTTP_POST, "/{index}/_doc", H_POST_DOC, 0 },
		{ DP_HTTP_GET, "/_cat/indices", H_CAT_INDICES, 0 },
		{ DP_HTTP_GET, "/_cat/indices/{index}", H_CAT_INDICES_I, 0 },
		{ DP_HTTP_GET, "/{a}/x/y", H_ROOTWILD, 0 },
		{ DP_HTTP_GET, "/w/x/{b}", H_LEAFWILD, 0 },
		{ DP_HTTP_POST, "/_text/{x}", H_TEXT, DP_ROUTE_F_ANY_BODY },
	};

	assert_non_null(r);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(dp_rest_router_add(r, t[i].m, t[i].p, t[i].h, t[i].f), 0);
	assert_int_equal(dp_rest_router_add(r, DP_HTTP_GET, "/{other}", 99, 0), -EEXIST);
	assert_int_equal(dp_rest_router_add(r, DP_HTTP_GET, "no-slash", 99, 0), -EINVAL);
	assert_int_equal(dp_rest_router_add(r, DP_HTTP_GET, "/{}", 99, 0), -EINVAL);
	return r;
}

/* Parse one request on a fresh connection. */
static dp_http_req_t *
req(dp_http_conn_t **c, const char *raw)
{
	*c = dp_http_conn_new(NULL);
	tu_feed(*c, raw);
	dp_http_req_t *r = dp_http_conn_next(*c);

	assert_non_null(r);
	return r;
}

static void
expect(dp_rest_router_t *rt, const char *raw, dp_route_result_t res, int handler)
{
	dp_http_conn_t *c;
	dp_http_req_t *r = req(&c, raw);
	dp_rest_match_t m;

	dp_route_result_t got = dp_rest_router_match(rt, r, &m);

	if (got != res || m.handler != handler)
		fail_msg("%s: got %d/%d want %d/%d", raw, got, m.handler, res, handler);
	dp_http_conn_free(c);
}

static void
test_precedence(void **state)
{
	(void)state;
	dp_rest_router_t *rt = mk_router();

	expect(rt, "GET / HTTP/1.1\r\n\r\n", DP_ROUTE_FOUND, H_ROOT);
	expect(rt, "GET /_search HTTP/1.1\r\n\r\n", DP_ROUTE_FOUND, H_SEARCH_ALL);
	expect(rt, "GET /idx/_search HTTP/1.1\r\n\r\n", DP_ROUTE_FOUND, H_SEARCH);
	expect(rt, "GET /idx/_search/ HTTP/1.1\r\n\r\n", DP_ROUTE_FOUND, H_SEARCH);
	expect(rt, "GET /idx HTTP/1.1\r\n\r\n", DP_ROUTE_FOUND, H_GET_INDEX);
	expect(rt, "HEAD /idx HTTP/1.1\r\n\r\n", DP_ROUTE_FOUND, H_HEAD_INDEX);
	expect(rt, "GET /_cat/indices HTTP/1.1\r\n\r\n", DP_ROUTE_FOUND, H_CAT_INDICES);
	expect(rt, "GET /_cat/indices/i* HTTP/1.1\r\n\r\n", DP_ROUTE_FOUND, H_CAT_INDICES_I);
	/* Literal-only beats root wildcard, which beats leaf wildcard. */
	expect(rt, "GET /w/x/y HTTP/1.1\r\n\r\n", DP_ROUTE_FOUND, H_ROOTWILD);
	expect(rt, "GET /w/x/z HTTP/1.1\r\n\r\n", DP_ROUTE_FOUND, H_LEAFWILD);
	/* PUT /_search: only {index} takes PUT, so it is index creation (ES
	 * then refuses the name). */
	expect(rt, "PUT /_search HTTP/1.1\r\n\r\n", DP_ROUTE_FOUND, H_PUT_INDEX);
	expect(rt, "DELETE /_cat/indices HTTP/1.1\r\n\r\n", DP_ROUTE_METHOD_NOT_ALLOWED, -1);
	expect(rt, "GET /foo/bar/baz HTTP/1.1\r\n\r\n", DP_ROUTE_NOT_FOUND, -1);
	expect(rt, "OPTIONS /_search HTTP/1.1\r\n\r\n", DP_ROUTE_OPTIONS, -1);
	dp_rest_router_free(rt);
}

static void
test_params(void **state)
{
	(void)state;
	dp_rest_router_t *rt = mk_router();
	dp_http_conn_t *c;
	dp_http_req_t *r = req(&c, "GET /a%2Fb/_doc/x%2By+z?routing=1 HTTP/1.1\r\n\r\n");
	dp_rest_match_t m;

	assert_int_equal(dp_rest_router_match(rt, r, &m), DP_ROUTE_FOUND);
	assert_int_equal(m.handler, H_GET_DOC);
	assert_string_equal(m.pattern, "/{index}/_doc/{id}");
	assert_int_equal(m.nparams, 2);
	assert_string_equal(dp_rest_match_param(&m, "index"), "a/b");
	assert_string_equal(dp_rest_match_param(&m, "id"), "x+y z");
	assert_null(dp_rest_match_param(&m, "nope"));
	dp_http_conn_free(c);

	/* A path that does not decode is answered by the connection itself. */
	osp_buf_t out = OSP_BUF_INIT;

	c = dp_http_conn_new(NULL);
	tu_feed(c, "GET /a%zz/_doc/1 HTTP/1.1\r\n\r\n");
	assert_null(dp_http_conn_next(c));
	tu_drain(c, &out, 0);
	assert_non_null(strstr(out.data, "invalid escape sequence `%zz' at index 2 of: /a%zz/_doc/1"));
	osp_buf_free(&out);
	dp_http_conn_free(c);
	dp_rest_router_free(rt);
}

/* want_head ends before content-length; the body follows the blank line. */
static void
check_reject(dp_rest_router_t *rt, const char *raw, dp_route_result_t res,
	     const char *want_head, const char *want_body)
{
	char want[1024];

	snprintf(want, sizeof(want), "%scontent-length: %zu\r\n\r\n%s", want_head,
		 strlen(want_body), want_body);
	dp_http_conn_t *c;
	dp_http_req_t *r = req(&c, raw);
	dp_rest_match_t m;
	osp_buf_t out = OSP_BUF_INIT;

	assert_int_equal(dp_rest_router_match(rt, r, &m), res);
	assert_int_equal(dp_rest_router_reject(c, r, res, &m), 0);
	tu_drain(c, &out, 0);
	if (strcmp(out.data, want) != 0)
		fail_msg("%s\n got: %s\nwant: %s", raw, out.data, want);
	osp_buf_free(&out);
	dp_http_conn_free(c);
}

static void
test_rejections(void **state)
{
	(void)state;
	dp_rest_router_t *rt = mk_router();

	check_reject(rt, "DELETE /_cat/indices HTTP/1.1\r\n\r\n", DP_ROUTE_METHOD_NOT_ALLOWED,
		"HTTP/1.1 405 Method Not Allowed\r\nX-elastic-product: Elasticsearch\r\n"
		"content-type: application/json\r\nAllow: GET\r\n",
		"{\"error\":\"Incorrect HTTP method for uri [/_cat/indices] and method [DELETE], allowed: [GET]\",\"status\":405}");
	check_reject(rt, "PATCH /idx/_search?pretty HTTP/1.1\r\n\r\n", DP_ROUTE_METHOD_NOT_ALLOWED,
		"HTTP/1.1 405 Method Not Allowed\r\nX-elastic-product: Elasticsearch\r\n"
		"content-type: application/json\r\nAllow: GET,POST\r\n",
		"{\n  \"error\" : \"Incorrect HTTP method for uri [/idx/_search?pretty] and method [PATCH], allowed: [GET, POST]\",\n"
		"  \"status\" : 405\n}\n");
	check_reject(rt, "GET /foo/bar/baz HTTP/1.1\r\n\r\n", DP_ROUTE_NOT_FOUND,
		"HTTP/1.1 400 Bad Request\r\nX-elastic-product: Elasticsearch\r\n"
		"content-type: application/json\r\n",
		"{\"error\":\"no handler found for uri [/foo/bar/baz] and method [GET]\",\"status\":400}");
	check_reject(rt, "OPTIONS /_search HTTP/1.1\r\n\r\n", DP_ROUTE_OPTIONS,
		"HTTP/1.1 200 OK\r\nX-elastic-product: Elasticsearch\r\n"
		"content-type: text/plain; charset=UTF-8\r\nAllow: GET,POST,PUT,DELETE,HEAD\r\n", "");
	check_reject(rt, "POST /i/_doc HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}",
		DP_ROUTE_BAD_CONTENT_TYPE,
		"HTTP/1.1 406 Not Acceptable\r\nX-elastic-product: Elasticsearch\r\n"
		"content-type: application/json\r\n",
		"{\"error\":\"Content-Type header [text/plain] is not supported\",\"status\":406}");
	check_reject(rt, "POST /i/_doc HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
		DP_ROUTE_BAD_CONTENT_TYPE,
		"HTTP/1.1 406 Not Acceptable\r\nX-elastic-product: Elasticsearch\r\n"
		"content-type: application/json\r\n",
		"{\"error\":\"Content-Type header is missing\",\"status\":406}");
	/* JSON, NDJSON and a route that takes anything are accepted. */
	expect(rt, "POST /i/_doc HTTP/1.1\r\nContent-Type: application/x-ndjson\r\nContent-Length: 2\r\n\r\n{}",
	       DP_ROUTE_FOUND, H_POST_DOC);
	expect(rt, "POST /_text/a HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi",
	       DP_ROUTE_FOUND, H_TEXT);
	/* An empty chunked body is no content either (ES checks the aggregate). */
	expect(rt, "POST /i/_doc HTTP/1.1\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	       DP_ROUTE_FOUND, H_POST_DOC);
	/* No body: Content-Type does not matter. */
	expect(rt, "POST /i/_doc HTTP/1.1\r\nContent-Type: text/plain\r\n\r\n", DP_ROUTE_FOUND, H_POST_DOC);
	dp_rest_router_free(rt);
}

static void
test_respond_helpers(void **state)
{
	(void)state;
	dp_http_conn_t *c;
	dp_http_req_t *r = req(&c, "GET /_search?filter_path=hits.total&pretty HTTP/1.1\r\n\r\n");
	osp_buf_t body = OSP_BUF_INIT, out = OSP_BUF_INIT;

	osp_buf_puts(&body, "{\"took\":1,\"hits\":{\"total\":{\"value\":0,\"relation\":\"eq\"},\"hits\":[]}}");
	assert_int_equal(dp_rest_respond_json(c, r, 200, &body), 0);
	assert_int_equal(body.len, 0);
	tu_drain(c, &out, 0);
	assert_non_null(strstr(out.data, "\r\n\r\n{\n  \"hits\" : {\n    \"total\" : {\n"
			       "      \"value\" : 0,\n      \"relation\" : \"eq\"\n    }\n  }\n}\n"));
	dp_http_conn_free(c);
	osp_buf_clear(&out);

	/* Errors are prettified but never filtered. */
	r = req(&c, "GET /x?filter_path=nothing&pretty&error_trace=false HTTP/1.1\r\n\r\n");
	osp_err_t e;

	osp_err_index_not_found(&e, "x");
	assert_int_equal(dp_rest_respond_error(c, r, &e), 0);
	tu_drain(c, &out, 0);
	assert_non_null(strstr(out.data, "HTTP/1.1 404 Not Found\r\n"));
	assert_non_null(strstr(out.data, "  \"status\" : 404\n}\n"));
	assert_non_null(strstr(out.data, "\"resource.id\" : \"x\""));
	dp_http_conn_free(c);
	osp_buf_free(&out);
}

static void
check_params(const char *raw, const char *const *known, const char *want)
{
	dp_rest_router_t *rt = mk_router();
	dp_http_conn_t *c;
	dp_http_req_t *r = req(&c, raw);
	dp_rest_match_t m;
	osp_err_t e;

	dp_rest_router_match(rt, r, &m);
	osp_err_clear(&e);
	int rc = dp_rest_params_check(r, known, &m, &e);

	if (want == NULL) {
		assert_int_equal(rc, 0);
	} else {
		assert_int_equal(rc, -EINVAL);
		assert_int_equal(e.status, 400);
		assert_string_equal(e.type, "illegal_argument_exception");
		assert_string_equal(e.reason, want);
	}
	dp_http_conn_free(c);
	dp_rest_router_free(rt);
}

static void
test_unrecognized_params(void **state)
{
	(void)state;
	const char *const search[] = { "size", "from", "q", "sort", "timeout", NULL };

	check_params("GET /i/_search?size=1&pretty&filter_path=a&human&error_trace HTTP/1.1\r\n\r\n",
		     search, NULL);
	check_params("GET /i/_search?sise=1 HTTP/1.1\r\n\r\n", search,
		     "request [/i/_search] contains unrecognized parameter: [sise] -> did you mean [size]?");
	check_params("GET /i/_search?zzz=1&prety&szie=2 HTTP/1.1\r\n\r\n", search,
		     "request [/i/_search] contains unrecognized parameters: [prety] -> did you mean [pretty]?, "
		     "[szie], [zzz]");
	check_params("GET /i/_search?fro=1 HTTP/1.1\r\n\r\n", search,
		     "request [/i/_search] contains unrecognized parameter: [fro] -> did you mean [from]?");
	check_params("GET /i/_search?indx=1 HTTP/1.1\r\n\r\n", search,
		     "request [/i/_search] contains unrecognized parameter: [indx] -> did you mean [index]?");
	check_params("GET /i/_search?times=1 HTTP/1.1\r\n\r\n", NULL,
		     "request [/i/_search] contains unrecognized parameter: [times]");
	/* Several candidates: best score first, then by name. */
	const char *const ab[] = { "abcd", "abce", "abxx", NULL };

	check_params("GET /i/_search?abcf HTTP/1.1\r\n\r\n", ab,
		     "request [/i/_search] contains unrecognized parameter: [abcf] -> did you mean any of [abcd, abce]?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_respond_helpers),
		cmocka_unit_test(test_unrecognized_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
