/*
 * raw_http_parser.c - Node's older http-parser over the same stream with
 * the same callbacks, for the llhttp vs http-parser decision.
 */
#include <http_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_req.h"

typedef struct sink {
	size_t bytes;
	unsigned msgs, fields;
} sink_t;

static int
span(http_parser *p, const char *at, size_t n)
{
	sink_t *s = p->data;

	(void)at;
	s->bytes += n;
	return 0;
}

static int
field(http_parser *p, const char *at, size_t n)
{
	sink_t *s = p->data;

	(void)at;
	s->fields++;
	s->bytes += n;
	return 0;
}

static int
done(http_parser *p)
{
	((sink_t *)p->data)->msgs++;
	return 0;
}

double
bench_raw_http_parser(const char *buf, size_t len, int nreq, int iters)
{
	http_parser_settings st = { 0 };
	http_parser p;
	sink_t s = { 0, 0, 0 };
	struct timespec a, b;

	st.on_url = span;
	st.on_header_field = field;
	st.on_header_value = span;
	st.on_body = span;
	st.on_message_complete = done;
	http_parser_init(&p, HTTP_REQUEST);
	p.data = &s;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < iters; i++) {
		if (http_parser_execute(&p, &st, buf, len) != len) {
			fprintf(stderr, "http_parser: %s\n", http_errno_name(HTTP_PARSER_ERRNO(&p)));
			exit(1);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (s.msgs != (unsigned)(nreq * iters))
		exit(2);
	return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / ((double)nreq * iters);
}
