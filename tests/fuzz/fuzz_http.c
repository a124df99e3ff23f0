/*
 * fuzz_http.c - libFuzzer target for the HTTP connection (dataplane/http).
 *
 * The first bytes pick limits (small body and header limits, 1-4 requests
 * in flight) and a seed; the rest is a request stream. It is run three
 * times: fed whole and answered in order, fed in pseudo-random pieces with
 * partial writes, and fed in pieces with answers given in reverse. Every
 * run must produce byte-identical output (splitting and completion order
 * must never show on the wire, except interim 100 Continue answers and
 * which error a doubly broken stream is refused for), and the requests must look sane. Any
 * violation aborts, which libFuzzer reports as a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_http.h"
#include "dp_rest_router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void
check_req(const dp_http_req_t *r)
{
	CHECK(r->method_name && r->target && r->path && r->raw_path && r->body);
	CHECK(strlen(r->target) == r->target_len);
	CHECK(r->raw_path_len <= r->target_len);
	CHECK(r->body[r->body_len] == '\0');
	for (uint32_t i = 0; i < r->nheaders; i++)
		CHECK(dp_http_req_header(r, r->headers[i].name) != NULL);
	for (uint32_t i = 0; i < r->nparams; i++)
		CHECK(dp_http_req_param(r, r->params[i].name) != NULL);
}

/* Answer with a body derived from the request so runs can be compared. */
static void
answer(dp_http_conn_t *c, dp_http_req_t *r, const dp_rest_router_t *rt)
{
	dp_http_resp_t resp = { .status = 200, .type = DP_MEDIA_JSON };
	dp_rest_match_t m;
	osp_buf_t b = OSP_BUF_INIT;
	dp_route_result_t res = dp_rest_router_match(rt, r, &m);

	if (res != DP_ROUTE_FOUND) {
		CHECK(dp_rest_router_reject(c, r, res, &m) == 0);
		return;
	}
	osp_buf_printf(&b, "{\"h\":%d,\"n\":%zu,\"t\":%u}", m.handler, r->body_len, r->nheaders);
	CHECK(dp_http_conn_respond(c, r, &resp, &b) == 0);
	osp_buf_free(&b);
}

static void
drain(dp_http_conn_t *c, osp_buf_t *out, uint32_t *seed)
{
	struct iovec iov[8];
	int n;

	while ((n = dp_http_conn_out(c, iov, 8)) > 0) {
		size_t total = 0, step;

		for (int i = 0; i < n; i++)
			total += iov[i].iov_len;
		step = seed ? 1 + rnd(seed) % total : total;
		for (int i = 0, left = (int)step; i < n && left > 0; i++) {
			size_t k = iov[i].iov_len < (size_t)left ? iov[i].iov_len : (size_t)left;

			osp_buf_append(out, iov[i].iov_base, k);
			left -= (int)k;
		}
		CHECK(dp_http_conn_sent(c, step, 0) == 0);
	}
}

/* mode 0: whole, in order; 1: pieces, in order; 2: pieces, reverse order. */
static void
run(const dp_http_config_t *cfg, const dp_rest_router_t *rt, const uint8_t *p,
    size_t n, uint32_t seed, int mode, osp_buf_t *out)
{
	dp_http_conn_t *c = dp_http_conn_new(cfg);
	dp_http_req_t *pend[8];
	int np = 0;
	size_t off = 0;

	CHECK(c != NULL);
	while (off < n || np) {
		size_t k = mode == 0 ? n - off : 1 + rnd(&seed) % 64;
		dp_http_req_t *r;

		if (k > n - off)
			k = n - off;
		if (k) {
			CHECK(dp_http_conn_feed(c, p + off, k, 0) == 0);
			off += k;
		}
		while ((r = dp_http_conn_next(c)) != NULL) {
			check_req(r);
			CHECK(np < 8);
			pend[np++] = r;
		}
		if (mode == 2 && off < n && np < (int)cfg->max_inflight)
			continue;
		while (np) {
			r = mode == 2 ? pend[--np] : pend[0];
			if (mode != 2)
				memmove(pend, pend + 1, (size_t)--np * sizeof(*pend));
			answer(c, r, rt);
		}
		drain(c, out, mode ? &seed : NULL);
		while ((r = dp_http_conn_next(c)) != NULL) {
			check_req(r);
			pend[np++] = r;
		}
		if (off == n && np == 0)
			break;
		if (dp_http_conn_should_close(c))
			break;
	}
	drain(c, out, NULL);
	dp_http_conn_free(c);
}

/* A request stream that breaks the protocol in two ways at once may be
 * refused for either, depending on where llhttp's spans were cut: the
 * closing 400's body is not compared, only that it is there. */
static size_t
comparable_len(const osp_buf_t *o, int *fatal)
{
	const char *last = NULL, *p = o->data;

	*fatal = 0;
	if (o->len == 0)
		return 0;
	while ((p = memmem(p, o->len - (size_t)(p - o->data), " 400 Bad Request\r\n", 18)) != NULL) {
		last = p;
		p++;
	}
	if (last == NULL || strstr(last, "connection: close\r\n") == NULL ||
	    memmem(last + 1, o->len - (size_t)(last + 1 - o->data), "HTTP/1.", 7) != NULL)
		return o->len;
	*fatal = 1;
	return (size_t)(last - o->data);
}

/* Interim "100 Continue" answers depend on whether the body had arrived
 * when the output was drained: drop them before comparing. */
static void
strip_continue(osp_buf_t *o)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	char *p;

	while (o->len && (p = memmem(o->data, o->len, cont, sizeof(cont) - 1)) != NULL) {
		size_t at = (size_t)(p - o->data), k = sizeof(cont) - 1;

		memmove(p, p + k, o->len - at - k);
		o->len -= k;
	}
}

static void
compare(osp_buf_t *a, osp_buf_t *b)
{
	strip_continue(a);
	strip_continue(b);

	int fa, fb;
	size_t la = comparable_len(a, &fa), lb = comparable_len(b, &fb);

	CHECK(fa == fb);
	CHECK(la == lb && (la == 0 || memcmp(a->data, b->data, la) == 0));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static dp_rest_router_t *rt;
	dp_http_config_t cfg;
	osp_buf_t o1 = OSP_BUF_INIT, o2 = OSP_BUF_INIT, o3 = OSP_BUF_INIT;

	if (size < 3)
		return 0;
	if (rt == NULL) {
		rt = dp_rest_router_new();
		dp_rest_router_add(rt, DP_HTTP_GET, "/", 1, 0);
		dp_rest_router_add(rt, DP_HTTP_GET, "/{index}", 2, 0);
		dp_rest_router_add(rt, DP_HTTP_PUT, "/{index}", 3, 0);
		dp_rest_router_add(rt, DP_HTTP_POST, "/{index}/_doc", 4, 0);
		dp_rest_router_add(rt, DP_HTTP_GET, "/_search", 5, 0);
		dp_rest_router_add(rt, DP_HTTP_POST, "/{index}/_search", 6, 0);
		dp_rest_router_add(rt, DP_HTTP_GET, "/{index}/_doc/{id}", 7, 0);
	}
	dp_http_config_default(&cfg);
	cfg.max_content_length = 16u << (data[0] & 7);
	cfg.max_header_size = 64u << (data[0] >> 5);
	cfg.max_initial_line_length = 32u << ((data[1] >> 4) & 7);
	cfg.max_inflight = 1 + (data[1] & 3);
	uint32_t seed = data[2] | 0x100u;

	data += 3;
	size -= 3;
	run(&cfg, rt, data, size, seed, 0, &o1);
	run(&cfg, rt, data, size, seed, 1, &o2);
	run(&cfg, rt, data, size, seed, 2, &o3);
	if (getenv("FUZZ_HTTP_DEBUG"))
		fprintf(stderr, "--- whole:\n%s\n--- pieces:\n%s\n--- reverse:\n%s\n",
			o1.data ? o1.data : "", o2.data ? o2.data : "", o3.data ? o3.data : "");
	compare(&o1, &o2);
	compare(&o1, &o3);
	osp_buf_free(&o1);
	osp_buf_free(&o2);
	osp_buf_free(&o3);
	return 0;
}
