/*
 * bench_req.h - the request streams the HTTP micro-benchmarks parse: a
 * typical client GET (official-client headers) and a 1 KB JSON POST, each
 * repeated back to back as a pipelined burst.
 */
#ifndef BENCH_REQ_H
#define BENCH_REQ_H

#include <stddef.h>

#define BENCH_GET \
	"GET /logs-2024/_search?q=status:200&size=10 HTTP/1.1\r\n" \
	"Host: localhost:9200\r\n" \
	"User-Agent: elasticsearch-py/8.11.0 (Python/3.11.2; elastic-transport/8.10.0)\r\n" \
	"Accept: application/vnd.elasticsearch+json; compatible-with=8\r\n" \
	"X-Elastic-Client-Meta: es=8.11.0,py=3.11.2,t=8.10.0,ur=1.26.16\r\n" \
	"Connection: keep-alive\r\n\r\n"

/* Fill buf with n copies of a GET (post == 0) or of a 1 KB POST; returns
 * the length. buf must hold n * 1400 bytes. */
size_t bench_stream(char *buf, int n, int post);

/* Raw parser loops over the same stream: ns per request. */
double bench_raw_llhttp(const char *buf, size_t len, int nreq, int iters);
double bench_raw_http_parser(const char *buf, size_t len, int nreq, int iters);

#endif
