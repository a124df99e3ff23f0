/*
 * raw_llhttp.c - llhttp alone over a pipelined stream, with callbacks that
 * record spans (what any user of the parser must do at least).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "llhttp.h"

#include "bench_req.h"

typedef struct sink {
	size_t bytes;
	unsigned msgs, fields;
} sink_t;

static int
span(llhttp_t *p, const char *at, size_t n)
{
	sink_t *s = p->data;

	(void)at;
	s->bytes += n;
	return 0;
}

static int
field(llhttp_t *p, const char *at, size_t n)
{
	sink_t *s = p->data;

	(void)at;
	s->fields++;
	s->bytes += n;
	return 0;
}

static int
done(llhttp_t *p)
{
	((sink_t *)p->data)->msgs++;
	return 0;
}

double
bench_raw_llhttp(const char *buf, size_t len, int nreq, int iters)
{
	llhttp_settings_t st;
	llhttp_t p;
	sink_t s = { 0, 0, 0 };
	struct timespec a, b;

	llhttp_settings_init(&st);
	st.on_url = span;
	st.on_header_field = field;
	st.on_header_value = span;
	st.on_body = span;
	st.on_message_complete = done;
	llhttp_init(&p, HTTP_REQUEST, &st);
	p.data = &s;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < iters; i++) {
		if (llhttp_execute(&p, buf, len) != HPE_OK) {
			fprintf(stderr, "llhttp: %s\n", llhttp_get_error_reason(&p));
			exit(1);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (s.msgs != (unsigned)(nreq * iters))
		exit(2);
	return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / ((double)nreq * iters);
}
