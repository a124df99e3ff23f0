/*
 * test_http_conn.c - the HTTP connection state machine: splitting at every
 * byte, pipelining with out-of-order completion, chunked bodies and
 * trailers, gzip/deflate, 100-continue, HEAD, limits, keep-alive rules,
 * backpressure and partial writes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#include "dp_http.h"
#include "http_test_util.h"

static dp_http_conn_t *
mk(size_t max_body, uint32_t inflight)
{
	dp_http_config_t cfg;

	dp_http_config_default(&cfg);
	if (max_body)
		cfg.max_content_length = max_body;
	if (inflight)
		cfg.max_inflight = inflight;
	return dp_http_conn_new(&cfg);
}

static void
test_simple_get(void **state)
{
	(void)state;
	dp_http_conn_t *c = mk(0, 0);
	osp_buf_t out = OSP_BUF_INIT;
	dp_http_req_t *r;

	assert_int_equal(tu_feed(c, "GET /idx/_search?q=a%20b&pretty&size=1&size=2 HTTP/1.1\r\n"
				 "Host: x\r\nX-Empty:\r\nX-Opaque-Id:  abc  \r\nX-Empty2: \r\n"
				 "x-tight:v\r\n\r\n"), 0);
	r = dp_http_conn_next(c);
	assert_non_null(r);
	assert_null(dp_http_conn_next(c));
	assert_int_equal(r->method, DP_HTTP_GET);
	assert_string_equal(r->method_name, "GET");
	assert_string_equal(r->target, "/idx/_search?q=a%20b&pretty&size=1&size=2");
	assert_string_equal(r->path, "/idx/_search");
	assert_int_equal(r->nparams, 4);
	assert_string_equal(dp_http_req_param(r, "q")->value, "a b");
	assert_string_equal(dp_http_req_param(r, "size")->value, "2");
	assert_true(r->pretty);
	assert_false(r->human);
	assert_string_equal(dp_http_req_header(r, "x-opaque-id")->value, "abc");
	assert_string_equal(dp_http_req_header(r, "HOST")->value, "x");
	assert_int_equal(r->nheaders, 5);
	assert_string_equal(r->headers[1].name, "X-Empty");
	assert_string_equal(r->headers[1].value, "");
	assert_int_equal(r->headers[1].value_len, 0);
	assert_string_equal(dp_http_req_header(r, "x-empty2")->value, "");
	assert_string_equal(dp_http_req_header(r, "X-TIGHT")->value, "v");
	assert_int_equal(r->target_len, strlen(r->target));
	assert_null(dp_http_req_header(r, "content-type"));
	assert_true(r->keep_alive);
	assert_false(r->has_body);
	assert_int_equal(r->body_len, 0);
	assert_true(dp_http_conn_busy(c));
	tu_respond(c, r, 200, "{}");
	tu_drain(c, &out, 0);
	assert_string_equal(out.data, "HTTP/1.1 200 OK\r\n"
			    "X-elastic-product: Elasticsearch\r\n"
			    "X-Opaque-Id: abc\r\n"
			    "content-type: application/json\r\n"
			    "content-length: 2\r\n\r\n{}");
	assert_false(dp_http_conn_busy(c));
	assert_false(dp_http_conn_should_close(c));
	assert_true(dp_http_conn_want_read(c));
	osp_buf_free(&out);
	dp_http_conn_free(c);
}

/* Three pipelined requests covering every body framing. */
static const char STREAM[] =
	"GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
	"POST /b/_doc HTTP/1.1\r\nContent-Type: application/json\r\n"
	"Content-Length: 13\r\n\r\n{\"f\":\"hello\"}"
	"PUT /c?refresh=true HTTP/1.1\r\nContent-Type: application/x-ndjson\r\n"
	"Transfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n"
	"4\r\n{\"a\"\r\n"
	"5;ext=1\r\n:1}\n{\r\n"
	"6\r\n\"b\":2}\r\n"
	"0\r\nX-T: done\r\n\r\n";

static void
check_stream(dp_http_conn_t *c)
{
	dp_http_req_t *r[3];

	for (int i = 0; i < 3; i++) {
		r[i] = dp_http_conn_next(c);
		assert_non_null(r[i]);
	}
	assert_null(dp_http_conn_next(c));
	assert_string_equal(r[0]->path, "/a");
	assert_int_equal(r[0]->seq, 0);
	assert_int_equal(r[1]->method, DP_HTTP_POST);
	assert_string_equal(r[1]->body, "{\"f\":\"hello\"}");
	assert_int_equal(r[1]->body_len, 13);
	assert_int_equal(r[1]->content_type, DP_MEDIA_JSON);
	assert_int_equal(r[2]->method, DP_HTTP_PUT);
	assert_string_equal(r[2]->body, "{\"a\":1}\n{\"b\":2}");
	assert_int_equal(r[2]->content_type, DP_MEDIA_NDJSON);
	assert_int_equal(r[2]->ntrailers, 1);
	assert_string_equal(r[2]->trailers[0].name, "X-T");
	assert_string_equal(r[2]->trailers[0].value, "done");
	assert_int_equal(r[2]->seq, 2);
	for (int i = 0; i < 3; i++)
		tu_respond(c, r[i], 200, "{}");
}

static void
test_split_every_byte(void **state)
{
	(void)state;
	size_t n = sizeof(STREAM) - 1;

	for (size_t cut = 0; cut <= n; cut++) {
		dp_http_conn_t *c = mk(0, 0);
		osp_buf_t out = OSP_BUF_INIT;

		assert_int_equal(dp_http_conn_feed(c, STREAM, cut, 0), 0);
		assert_int_equal(dp_http_conn_feed(c, STREAM + cut, n - cut, 0), 0);
		check_stream(c);
		tu_drain(c, &out, 0);
		assert_false(dp_http_conn_busy(c));
		osp_buf_free(&out);
		dp_http_conn_free(c);
	}
	/* One byte at a time. */
	dp_http_conn_t *c = mk(0, 0);
	osp_buf_t out = OSP_BUF_INIT;

	for (size_t i = 0; i < n; i++)
		assert_int_equal(dp_http_conn_feed(c, STREAM + i, 1, 0), 0);
	check_stream(c);
	tu_drain(c, &out, 0);
	osp_buf_free(&out);
	dp_http_conn_free(c);
}

static void
test_pipeline_out_of_order(void **state)
{
	(void)state;
	dp_http_conn_t *c = mk(0, 0);
	osp_buf_t out = OSP_BUF_INIT;
	dp_http_req_t *r[3];

	tu_feed(c, "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n");
	for (int i = 0; i < 3; i++)
		r[i] = dp_http_conn_next(c);
	assert_non_null(r[2]);
	tu_respond(c, r[2], 200, "three");
	tu_drain(c, &out, 0);
	assert_int_equal(out.len, 0);          /* /1 is not answered yet */
	tu_respond(c, r[0], 404, "one");
	tu_drain(c, &out, 0);
	assert_non_null(strstr(out.data, "one"));
	assert_null(strstr(out.data, "three"));
	tu_respond(c, r[1], 201, "two");
	tu_drain(c, &out, 0);
	const char *a = strstr(out.data, "404 Not Found"), *b = strstr(out.data, "201 Created"),
		   *d = strstr(out.data, "three");

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(d);
	assert_true(a < b && b < d);
	assert_false(dp_http_conn_busy(c));
	osp_buf_free(&out);
	dp_http_conn_free(c);
}

static void
test_partial_writes(void **state)
{
	(void)state;
	dp_http_conn_t *c = mk(0, 0);
	osp_buf_t out = OSP_BUF_INIT, ref = OSP_BUF_INIT;
	dp_http_req_t *r1, *r2;

	tu_feed(c, "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n");
	r1 = dp_http_conn_next(c);
	r2 = dp_http_conn_next(c);
	tu_respond(c, r1, 200, "{\"a\":1}");
	tu_respond(c, r2, 200, "{\"b\":2}");
	tu_drain(c, &out, 3);
	osp_buf_puts(&ref, "HTTP/1.1 200 OK\r\nX-elastic-product: Elasticsearch\r\n"
		     "content-type: application/json\r\ncontent-length: 7\r\n\r\n{\"a\":1}"
		     "HTTP/1.1 200 OK\r\nX-elastic-product: Elasticsearch\r\n"
		     "content-type: application/json\r\ncontent-length: 7\r\n\r\n{\"b\":2}");
	assert_string_equal(out.data, ref.data);
	dp_http_conn_stats_t st;

	dp_http_conn_stats(c, &st);
	assert_int_equal(st.requests, 2);
	assert_int_equal(st.responses, 2);
	assert_int_equal(st.bytes_out, ref.len);
	assert_int_equal(st.inflight, 0);
	osp_buf_free(&out);
	osp_buf_free(&ref);
	dp_http_conn_free(c);
}

static void
test_backpressure(void **state)
{
	(void)state;
	dp_http_conn_t *c = mk(0, 2);
	osp_buf_t out = OSP_BUF_INIT;
	dp_http_req_t *r;
	int seen = 0;

	for (int i = 0; i < 5; i++)
		tu_feed(c, "GET /x HTTP/1.1\r\n\r\n");
	while ((r = dp_http_conn_next(c)) != NULL)
		seen++;
	assert_int_equal(seen, 2);
	assert_false(dp_http_conn_want_read(c));
	dp_http_conn_free(c);

	/* Answer one at a time: each answer lets one more request through. */
	c = mk(0, 2);
	dp_http_req_t *pending[8];
	int np = 0, answered = 0;

	for (int i = 0; i < 5; i++)
		tu_feed(c, "GET /x HTTP/1.1\r\n\r\n");
	while (answered < 5) {
		while ((r = dp_http_conn_next(c)) != NULL)
			pending[np++] = r;
		assert_true(np - answered <= 2);
		assert_true(np > answered);
		tu_respond(c, pending[answered++], 200, "{}");
		tu_drain(c, &out, 0);
	}
	assert_true(dp_http_conn_want_read(c));
	assert_int_equal(np, 5);
	assert_null(dp_http_conn_next(c));
	osp_buf_free(&out);
	dp_http_conn_free(c);
}

static void
test_keepalive_rules(void **state)
{
	(void)state;
	osp_buf_t out = OSP_BUF_INIT;
	dp_http_conn_t *c = mk(0, 0);
	dp_http_req_t *r;

	/* HTTP/1.0 without keep-alive: answer, then close; later bytes ignored. */
	tu_feed(c, "GET / HTTP/1.0\r\n\r\nGET /ignored HTTP/1.0\r\n\r\n");
	r = dp_http_conn_next(c);
	assert_non_null(r);
	assert_false(r->keep_alive);
	assert_null(dp_http_conn_next(c));
	assert_false(dp_http_conn_want_read(c));
	tu_respond(c, r, 200, "{}");
	tu_drain(c, &out, 0);
	assert_non_null(strstr(out.data, "HTTP/1.0 200 OK\r\n"));
	assert_non_null(strstr(out.data, "connection: close\r\n"));
	assert_true(dp_http_conn_should_close(c));
	dp_http_conn_free(c);
	osp_buf_clear(&out);

	/* HTTP/1.0 keep-alive. */
	c = mk(0, 0);
	tu_feed(c, "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
	r = dp_http_conn_next(c);
	assert_true(r->keep_alive);
	tu_respond(c, r, 200, "{}");
	tu_drain(c, &out, 0);
	assert_non_null(strstr(out.data, "connection: keep-alive\r\n"));
	assert_false(dp_http_conn_should_close(c));
	dp_http_conn_free(c);
	osp_buf_clear(&out);

	/* HTTP/1.1 Connection: close. */
	c = mk(0, 0);
	tu_feed(c, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
	r = dp_http_conn_next(c);
	assert_false(r->keep_alive);
	assert_false(dp_http_conn_should_close(c));  /* not answered yet */
	tu_respond(c, r, 200, "{}");
	tu_drain(c, &out, 0);
	assert_non_null(strstr(out.data, "connection: close\r\n"));
	assert_true(dp_http_conn_should_close(c));
	dp_http_conn_free(c);
	osp_buf_clear(&out);

	/* EOF: answer what is pending, then close. A partial request is dropped. */
	c = mk(0, 0);
	tu_feed(c, "GET /1 HTTP/1.1\r\n\r\nGET /2 HT");
	r = dp_http_conn_next(c);
	dp_http_conn_eof(c);
	assert_null(dp_http_conn_next(c));
	assert_false(dp_http_conn_should_close(c));
	tu_respond(c, r, 200, "{}");
	tu_drain(c, &out, 0);
	assert_true(dp_http_conn_should_close(c));
	osp_buf_free(&out);
	dp_http_conn_free(c);
}

static void
test_head(void **state)
{
	(void)state;
	dp_http_conn_t *c = mk(0, 0);
	osp_buf_t out = OSP_BUF_INIT;
	dp_http_req_t *r;

	tu_feed(c, "HEAD /idx HTTP/1.1\r\n\r\nGET /idx HTTP/1.1\r\n\r\n");
	r = dp_http_conn_next(c);
	assert_int_equal(r->method, DP_HTTP_HEAD);
	tu_respond(c, r, 200, "{\"idx\":{}}");
	r = dp_http_conn_next(c);
	tu_respond(c, r, 200, "{\"idx\":{}}");
	tu_drain(c, &out, 0);
	assert_string_equal(out.data,
		"HTTP/1.1 200 OK\r\nX-elastic-product: Elasticsearch\r\n"
		"content-type: application/json\r\ncontent-length: 10\r\n\r\n"
		"HTTP/1.1 200 OK\r\nX-elastic-product: Elasticsearch\r\n"
		"content-type: application/json\r\ncontent-length: 10\r\n\r\n"
		"{\"idx\":{}}");
	osp_buf_free(&out);
	dp_http_conn_free(c);
}

static void
test_continue(void **state)
{
	(void)state;
	dp_http_conn_t *c = mk(100, 0);
	osp_buf_t out = OSP_BUF_INIT;
	dp_http_req_t *r;

	tu_feed(c, "PUT /i HTTP/1.1\r\nContent-Type: application/json\r\n"
		"Expect: 100-continue\r\nContent-Length: 2\r\n\r\n");
	assert_null(dp_http_conn_next(c));
	tu_drain(c, &out, 0);
	assert_string_equal(out.data, "HTTP/1.1 100 Continue\r\n\r\n");
	tu_feed(c, "{}");
	r = dp_http_conn_next(c);
	assert_non_null(r);
	assert_string_equal(r->body, "{}");
	tu_respond(c, r, 200, "{}");
	osp_buf_clear(&out);
	tu_drain(c, &out, 0);
	assert_int_equal(strncmp(out.data, "HTTP/1.1 200 OK\r\n", 17), 0);
	osp_buf_clear(&out);

	/* Body sent at once with the headers: no 100 Continue. */
	tu_feed(c, "PUT /i HTTP/1.1\r\nContent-Type: application/json\r\n"
		"Expect: 100-continue\r\nContent-Length: 2\r\n\r\n{}");
	r = dp_http_conn_next(c);
	tu_respond(c, r, 200, "{}");
	tu_drain(c, &out, 0);
	assert_null(strstr(out.data, "100 Continue"));
	osp_buf_clear(&out);

	/* Over the limit: 413 at once, body never read, connection closes. */
	tu_feed(c, "PUT /i HTTP/1.1\r\nContent-Type: application/json\r\n"
		"Expect: 100-continue\r\nContent-Length: 101\r\n\r\n");
	assert_null(dp_http_conn_next(c));
	tu_drain(c, &out, 0);
	assert_string_equal(out.data, "HTTP/1.1 413 Request Entity Too Large\r\n"
			    "X-elastic-product: Elasticsearch\r\ncontent-length: 0\r\n"
			    "connection: close\r\n\r\n");
	assert_true(dp_http_conn_should_close(c));
	dp_http_conn_free(c);
	osp_buf_clear(&out);

	/* An expectation nobody knows: 417 and close. */
	c = mk(0, 0);
	tu_feed(c, "PUT /i HTTP/1.1\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\n{}");
	assert_null(dp_http_conn_next(c));
	tu_drain(c, &out, 0);
	assert_int_equal(strncmp(out.data, "HTTP/1.1 417 Expectation Failed\r\n", 33), 0);
	assert_true(dp_http_conn_should_close(c));
	osp_buf_free(&out);
	dp_http_conn_free(c);
}

/* Only the answer to the request that asked for close says so. */
static void
test_close_header_only_last(void **state)
{
	(void)state;
	dp_http_conn_t *c = mk(0, 0);
	osp_buf_t out = OSP_BUF_INIT;
	dp_http_req_t *r1, *r2;

	tu_feed(c, "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\nConnection: close\r\n\r\n");
	r1 = dp_http_conn_next(c);
	r2 = dp_http_conn_next(c);
	tu_respond(c, r1, 200, "{}");
	tu_drain(c, &out, 0);
	assert_null(strstr(out.data, "connection: close"));
	assert_false(dp_http_conn_should_close(c));
	tu_respond(c, r2, 200, "{}");
	tu_drain(c, &out, 0);
	assert_non_null(strstr(out.data, "connection: close"));
	assert_true(dp_http_conn_should_close(c));
	osp_buf_free(&out);
	dp_http_conn_free(c);
}

static size_t
zip(const char *in, size_t n, char *out, size_t cap, int window)
{
	z_stream zs;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, window, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)in;
	zs.avail_in = (uInt)n;
	zs.next_out = (unsigned char *)out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	size_t len = zs.total_out;

	deflateEnd(&zs);
	return len;
}

static void
check_encoded(const char *enc, int window, int chunked)
{
	const char *body = "{\"query\":{\"match_all\":{}},\"size\":10,\"pad\":\"aaaaaaaaaaaaaaaaaaaaaaaaaa\"}";
	char z[512], hdr[256];
	size_t zn = zip(body, strlen(body), z, sizeof(z), window);
	dp_http_conn_t *c = mk(0, 0);
	dp_http_req_t *r;

	if (chunked) {
		snprintf(hdr, sizeof(hdr), "POST /_search HTTP/1.1\r\nContent-Type: application/json\r\n"
			 "Content-Encoding: %s\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n", enc, zn);
	} else {
		snprintf(hdr, sizeof(hdr), "POST /_search HTTP/1.1\r\nContent-Type: application/json\r\n"
			 "Content-Encoding: %s\r\nContent-Length: %zu\r\n\r\n", enc, zn);
	}
	tu_feed(c, hdr);
	/* Feed the compressed bytes one at a time. */
	for (size_t i = 0; i < zn; i++)
		dp_http_conn_feed(c, z + i, 1, 0);
	if (chunked)
		tu_feed(c, "\r\n0\r\n\r\n");
	r = dp_http_conn_next(c);
	assert_non_null(r);
	assert_string_equal(r->body, body);
	assert_int_equal(r->body_len, strlen(body));
	tu_respond(c, r, 200, "{}");
	dp_http_conn_free(c);
}

static void
test_gzip_deflate(void **state)
{
	(void)state;
	check_encoded("gzip", 15 + 16, 0);
	check_encoded("gzip", 15 + 16, 1);
	check_encoded("deflate", 15, 0);       /* zlib-wrapped */
	check_encoded("deflate", -15, 0);      /* raw, as some clients send */
	check_encoded("deflate", -15, 1);
}

static void
test_gzip_bomb_and_corrupt(void **state)
{
	(void)state;
	size_t n = 8u << 20;
	char *zeros = calloc(1, n), *z = malloc(n);
	size_t zn = zip(zeros, n, z, n, 15 + 16);
	char hdr[200];
	osp_buf_t out = OSP_BUF_INIT;
	dp_http_conn_t *c = mk(1u << 20, 0);

	assert_true(zn < 20000);
	snprintf(hdr, sizeof(hdr), "POST /_bulk HTTP/1.1\r\nContent-Type: application/json\r\n"
		 "Content-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", zn);
	tu_feed(c, hdr);
	dp_http_conn_feed(c, z, zn, 0);
	assert_null(dp_http_conn_next(c));
	tu_drain(c, &out, 0);
	assert_int_equal(strncmp(out.data, "HTTP/1.1 413 ", 13), 0);
	assert_true(dp_http_conn_should_close(c));
	dp_http_conn_free(c);
	osp_buf_clear(&out);

	/* Corrupt gzip: 400 and close. */
	c = mk(0, 0);
	tu_feed(c, "POST /_search HTTP/1.1\r\nContent-Type: application/json\r\n"
		"Content-Encoding: gzip\r\nContent-Length: 10\r\n\r\n0123456789");
	assert_null(dp_http_conn_next(c));
	tu_drain(c, &out, 0);
	assert_int_equal(strncmp(out.data, "HTTP/1.1 400 ", 13), 0);
	assert_non_null(strstr(out.data, "failed to decompress"));
	assert_true(dp_http_conn_should_close(c));
	dp_http_conn_free(c);
	osp_buf_free(&out);
	free(zeros);
	free(z);
}

static void
check_compressed(const char *accept, int method_head, int want_gzip)
{
	dp_http_conn_t *c = mk(0, 0);
	osp_buf_t out = OSP_BUF_INIT;
	char req[256], plain[512];
	dp_http_req_t *r;

	for (int i = 0; i < 500; i++)
		plain[i] = (char)('a' + i % 7);
	plain[0] = '{';
	plain[498] = '}';
	plain[499] = '\0';
	snprintf(req, sizeof(req), "%s / HTTP/1.1\r\nAccept-Encoding: %s\r\n\r\n",
		 method_head ? "HEAD" : "GET", accept);
	tu_feed(c, req);
	r = dp_http_conn_next(c);
	tu_respond(c, r, 200, plain);
	tu_drain(c, &out, 0);
	char *hdr_end = strstr(out.data, "\r\n\r\n");

	assert_non_null(hdr_end);
	if (!want_gzip) {
		assert_null(strstr(out.data, "content-encoding"));
	} else {
		char inflated[600];
		z_stream zs;
		size_t zlen = out.len - (size_t)(hdr_end + 4 - out.data);
		char cl[64];

		assert_non_null(strstr(out.data, "content-encoding: gzip\r\ncontent-length: "));
		snprintf(cl, sizeof(cl), "content-length: %zu\r\n", zlen);
		assert_non_null(strstr(out.data, cl));
		assert_true(zlen < 100);
		memset(&zs, 0, sizeof(zs));
		assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
		zs.next_in = (unsigned char *)hdr_end + 4;
		zs.avail_in = (uInt)zlen;
		zs.next_out = (unsigned char *)inflated;
		zs.avail_out = sizeof(inflated);
		assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
		assert_int_equal(zs.total_out, 499);
		assert_memory_equal(inflated, plain, 499);
		inflateEnd(&zs);
	}
	osp_buf_free(&out);
	dp_http_conn_free(c);
}

static void
test_response_compression(void **state)
{
	(void)state;
	check_compressed("gzip, deflate, br", 0, 1);
	check_compressed("*", 0, 1);
	check_compressed("deflate;q=1, GZIP;q=0.5", 0, 1);
	check_compressed("gzip;q=0", 0, 0);
	check_compressed("gzip;q=0.0, identity", 0, 0);
	check_compressed("identity", 0, 0);
	check_compressed("gzip", 1, 0);        /* HEAD: never */
}

static void
test_limits(void **state)
{
	(void)state;
	osp_buf_t out = OSP_BUF_INIT, req = OSP_BUF_INIT;
	dp_http_conn_t *c;
	dp_http_req_t *r;

	/* Initial line over 4096 bytes. */
	c = mk(0, 0);
	osp_buf_puts(&req, "GET /");
	for (int i = 0; i < 5000; i++)
		osp_buf_putc(&req, 'a');
	osp_buf_puts(&req, " HTTP/1.1\r\n\r\n");
	dp_http_conn_feed(c, req.data, req.len, 0);
	assert_null(dp_http_conn_next(c));
	tu_drain(c, &out, 0);
	assert_non_null(strstr(out.data, "HTTP/1.1 400 Bad Request\r\n"));
	assert_non_null(strstr(out.data,
		"{\"error\":{\"root_cause\":[{\"type\":\"too_long_http_line_exception\","
		"\"reason\":\"An HTTP line is larger than 4096 bytes.\"}],"
		"\"type\":\"too_long_http_line_exception\","
		"\"reason\":\"An HTTP line is larger than 4096 bytes.\"},\"status\":400}"));
	assert_true(dp_http_conn_should_close(c));
	dp_http_conn_free(c);
	osp_buf_clear(&out);

	/* A line just under the limit is fine. */
	c = mk(0, 0);
	osp_buf_clear(&req);
	osp_buf_puts(&req, "GET /");
	for (int i = 0; i < 4000; i++)
		osp_buf_putc(&req, 'a');
	osp_buf_puts(&req, " HTTP/1.1\r\n\r\n");
	dp_http_conn_feed(c, req.data, req.len, 0);
	r = dp_http_conn_next(c);
	assert_non_null(r);
	tu_respond(c, r, 200, "{}");
	dp_http_conn_free(c);

	/* Headers over 16 KB. */
	c = mk(0, 0);
	osp_buf_clear(&req);
	osp_buf_puts(&req, "GET / HTTP/1.1\r\n");
	for (int i = 0; i < 200; i++)
		osp_buf_printf(&req, "X-H%d: %0100d\r\n", i, i);
	osp_buf_puts(&req, "\r\n");
	dp_http_conn_feed(c, req.data, req.len, 0);
	assert_null(dp_http_conn_next(c));
	tu_drain(c, &out, 0);
	assert_non_null(strstr(out.data, "\"type\":\"too_long_http_header_exception\","
			       "\"reason\":\"HTTP header is larger than 16384 bytes.\""));
	assert_true(dp_http_conn_should_close(c));
	dp_http_conn_free(c);
	osp_buf_clear(&out);

	/* Content-Length over the limit: 413 without reading the body. */
	c = mk(10, 0);
	tu_feed(c, "GET /ok HTTP/1.1\r\n\r\nPOST /x HTTP/1.1\r\nContent-Length: 11\r\n\r\n");
	r = dp_http_conn_next(c);
	assert_non_null(r);
	assert_null(dp_http_conn_next(c));
	tu_drain(c, &out, 0);
	assert_int_equal(out.len, 0);          /* waits for the first answer */
	tu_respond(c, r, 200, "{}");
	tu_drain(c, &out, 0);
	assert_non_null(strstr(out.data, "200 OK"));
	assert_non_null(strstr(out.data, "413 Request Entity Too Large"));
	assert_true(strstr(out.data, "200 OK") < strstr(out.data, "413"));
	assert_true(dp_http_conn_should_close(c));
	dp_http_conn_free(c);
	osp_buf_clear(&out);

	/* Chunked body growing past the limit. */
	c = mk(10, 0);
	tu_feed(c, "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n");
	assert_null(dp_http_conn_next(c));
	tu_drain(c, &out, 0);
	assert_non_null(strstr(out.data, "413"));
	dp_http_conn_free(c);
	osp_buf_free(&out);
	osp_buf_free(&req);
}

static void
test_malformed(void **state)
{
	(void)state;
	const char *bad[] = {
		"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
		"GET / HTTP/9.9\r\n\r\n",
		"G@T / HTTP/1.1\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"\x01\x02\x03",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dp_http_conn_t *c = mk(0, 0);
		osp_buf_t out = OSP_BUF_INIT;

		tu_feed(c, bad[i]);
		assert_null(dp_http_conn_next(c));
		tu_drain(c, &out, 0);
		assert_int_equal(strncmp(out.data, "HTTP/1.1 400 Bad Request\r\n", 26), 0);
		assert_non_null(strstr(out.data, "connection: close\r\n"));
		assert_non_null(strstr(out.data, "\"status\":400}"));
		assert_true(dp_http_conn_should_close(c));
		/* More input after the error is ignored. */
		tu_feed(c, "GET / HTTP/1.1\r\n\r\n");
		assert_null(dp_http_conn_next(c));
		osp_buf_free(&out);
		dp_http_conn_free(c);
	}
}

static void
test_bad_query_answered(void **state)
{
	(void)state;
	dp_http_conn_t *c = mk(0, 0);
	osp_buf_t out = OSP_BUF_INIT;
	dp_http_req_t *r;

	tu_feed(c, "GET /x?a=%zz HTTP/1.1\r\n\r\nGET /y?pretty=maybe HTTP/1.1\r\n\r\nGET /z HTTP/1.1\r\n\r\n");
	r = dp_http_conn_next(c);
	assert_non_null(r);
	assert_string_equal(r->path, "/z");
	tu_respond(c, r, 200, "{}");
	tu_drain(c, &out, 0);
	assert_non_null(strstr(out.data,
		"\"reason\":\"invalid escape sequence `%zz' at index 0 of: %zz\"}"));
	assert_non_null(strstr(out.data,
		"Failed to parse value [maybe] as only [true] or [false] are allowed."));
	assert_non_null(strstr(out.data, "200 OK"));
	assert_false(dp_http_conn_should_close(c));
	osp_buf_free(&out);
	dp_http_conn_free(c);
}

static void
test_compat_headers(void **state)
{
	(void)state;
	dp_http_conn_t *c = mk(0, 0);
	osp_buf_t out = OSP_BUF_INIT;
	dp_http_req_t *r;

	tu_feed(c, "POST /i/_doc HTTP/1.1\r\n"
		"Accept: application/vnd.elasticsearch+json; compatible-with=8\r\n"
		"Content-Type: application/vnd.elasticsearch+json; compatible-with=8\r\n"
		"Content-Length: 2\r\n\r\n{}");
	r = dp_http_conn_next(c);
	assert_non_null(r);
	assert_int_equal(r->compat, 8);
	assert_int_equal(r->content_type, DP_MEDIA_JSON);
	tu_respond(c, r, 201, "{}");
	tu_drain(c, &out, 0);
	assert_non_null(strstr(out.data,
		"content-type: application/vnd.elasticsearch+json;compatible-with=8\r\n"));
	osp_buf_clear(&out);

	/* Versions that differ: 400 status_exception, connection stays. */
	tu_feed(c, "POST /i/_doc HTTP/1.1\r\n"
		"Accept: application/vnd.elasticsearch+json; compatible-with=7\r\n"
		"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
	assert_null(dp_http_conn_next(c));
	tu_drain(c, &out, 0);
	assert_non_null(strstr(out.data, "\"type\":\"status_exception\",\"reason\":\"A compatible version is required on both Content-Type and Accept headers"));
	assert_false(dp_http_conn_should_close(c));
	osp_buf_clear(&out);

	/* Not a media type at all. */
	tu_feed(c, "POST /i/_doc HTTP/1.1\r\nContent-Type: garbage\r\nContent-Length: 2\r\n\r\n{}");
	assert_null(dp_http_conn_next(c));
	tu_drain(c, &out, 0);
	assert_non_null(strstr(out.data,
		"\"type\":\"media_type_header_exception\",\"reason\":\"Invalid media-type value on headers [Content-Type]\","
		"\"caused_by\":{\"type\":\"illegal_argument_exception\",\"reason\":\"invalid media-type [garbage]\"}"));
	osp_buf_free(&out);
	dp_http_conn_free(c);
}

static void
test_idle_busy(void **state)
{
	(void)state;
	dp_http_conn_t *c = mk(0, 0);
	osp_buf_t out = OSP_BUF_INIT;
	dp_http_req_t *r;

	dp_http_conn_feed(c, "GET / HTTP/1.1\r\n", 16, 1000);
	assert_int_equal(dp_http_conn_idle(c, 1500), 500);
	assert_false(dp_http_conn_busy(c));    /* a partial request is not work */
	dp_http_conn_feed(c, "\r\n", 2, 2000);
	r = dp_http_conn_next(c);
	assert_true(dp_http_conn_busy(c));
	tu_respond(c, r, 200, "{}");
	struct iovec iov[4];
	int n = dp_http_conn_out(c, iov, 4);
	size_t tot = 0;

	for (int i = 0; i < n; i++)
		tot += iov[i].iov_len;
	dp_http_conn_sent(c, tot, 5000);
	assert_int_equal(dp_http_conn_idle(c, 5100), 100);
	assert_false(dp_http_conn_busy(c));
	osp_buf_free(&out);
	dp_http_conn_free(c);
}

static void
test_free_with_inflight(void **state)
{
	(void)state;
	dp_http_conn_t *c = mk(0, 0);

	tu_feed(c, "GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 5\r\n\r\nab");
	assert_non_null(dp_http_conn_next(c));
	dp_http_conn_free(c);  /* ASan checks nothing leaks */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_get),
		cmocka_unit_test(test_split_every_byte),
		cmocka_unit_test(test_pipeline_out_of_order),
		cmocka_unit_test(test_partial_writes),
		cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_keepalive_rules),
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_continue),
		cmocka_unit_test(test_close_header_only_last),
		cmocka_unit_test(test_gzip_deflate),
		cmocka_unit_test(test_gzip_bomb_and_corrupt),
		cmocka_unit_test(test_response_compression),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bad_query_answered),
		cmocka_unit_test(test_compat_headers),
		cmocka_unit_test(test_idle_busy),
		cmocka_unit_test(test_free_with_inflight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
