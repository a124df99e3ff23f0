/*
 * bench_http.c - ns per request for the dataplane HTTP layer: a burst of
 * pipelined GETs and of 1 KB POSTs through dp_http_conn (feed, next,
 * respond, out, sent: the whole per-request path but the socket), next to
 * llhttp and http-parser alone on the same bytes.
 * Usage: bench_http [requests-per-burst] [bursts] [get|post]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp_http.h"

#include "bench_req.h"

size_t
bench_stream(char *buf, int n, int post)
{
	char body[1025];
	size_t len = 0;

	for (int i = 0; i < 1024; i++)
		body[i] = (char)('a' + i % 26);
	memcpy(body, "{\"pad\":\"", 8);
	memcpy(body + 1022, "\"}", 2);
	body[1024] = '\0';
	for (int i = 0; i < n; i++) {
		if (post)
			len += (size_t)sprintf(buf + len,
				"POST /logs-2024/_doc HTTP/1.1\r\nHost: localhost:9200\r\n"
				"Content-Type: application/json\r\nContent-Length: 1024\r\n\r\n%s", body);
		else
			len += (size_t)sprintf(buf + len, "%s", BENCH_GET);
	}
	return len;
}

static double
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* The whole path for one burst at a time: feed it, answer every request,
 * drain the output. */
static double
bench_conn(const char *buf, size_t len, int nreq, int iters)
{
	dp_http_config_t cfg;
	dp_http_conn_t *c;
	struct iovec iov[64];
	dp_http_resp_t resp = { .status = 200, .type = DP_MEDIA_JSON };
	double a, b;
	long got = 0;

	dp_http_config_default(&cfg);
	cfg.max_inflight = (uint32_t)nreq;
	c = dp_http_conn_new(&cfg);
	a = now_ns();
	for (int i = 0; i < iters; i++) {
		dp_http_req_t *r;
		int n;

		dp_http_conn_feed(c, buf, len, 0);
		while ((r = dp_http_conn_next(c)) != NULL) {
			osp_buf_t body = OSP_BUF_INIT;

			osp_buf_append(&body, "{\"result\":\"created\"}", 20);
			dp_http_conn_respond(c, r, &resp, &body);
			got++;
		}
		while ((n = dp_http_conn_out(c, iov, 64)) > 0) {
			size_t t = 0;

			for (int k = 0; k < n; k++)
				t += iov[k].iov_len;
			dp_http_conn_sent(c, t, 0);
		}
	}
	b = now_ns();
	dp_http_conn_free(c);
	if (got != (long)nreq * iters) {
		fprintf(stderr, "conn: %ld requests, expected %ld\n", got, (long)nreq * iters);
		exit(2);
	}
	return (b - a) / ((double)nreq * iters);
}

int
main(int argc, char **argv)
{
	int nreq = argc > 1 ? atoi(argv[1]) : 32;
	int iters = argc > 2 ? atoi(argv[2]) : 20000;
	char *buf = malloc((size_t)nreq * 1400);

	const char *only = argc > 3 ? argv[3] : "";

	for (int post = 0; post <= 1; post++) {
		if ((post && strcmp(only, "get") == 0) || (!post && strcmp(only, "post") == 0))
			continue;
		size_t len = bench_stream(buf, nreq, post);
		const char *what = post ? "POST 1KB" : "GET     ";

		/* Warm up, then take the best of 5 (least disturbed) runs. */
		double c = 1e18, l = 1e18, h = 1e18;

		bench_conn(buf, len, nreq, iters / 10);
		for (int k = 0; k < 5; k++) {
			double x = bench_conn(buf, len, nreq, iters);

			c = x < c ? x : c;
			x = bench_raw_llhttp(buf, len, nreq, iters);
			l = x < l ? x : l;
			x = bench_raw_http_parser(buf, len, nreq, iters);
			h = x < h ? x : h;
		}
		printf("%s (%zu B/req, %d pipelined): dp_http_conn %7.1f ns/req | "
		       "llhttp alone %6.1f ns/req | http-parser alone %6.1f ns/req\n",
		       what, len / (size_t)nreq, nreq, c, l, h);
	}
	free(buf);
	return 0;
}
