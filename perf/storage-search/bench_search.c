/*
 * bench_search.c - query-phase figures for storage/search on a real
 * segment: top-10 with MaxScore / block-max pruning against the exhaustive
 * scored pass (min_score 0 disables pruning), hit counting by roaring
 * cardinality against counting by iteration, and a few common shapes; then
 * numeric ranges through the points against the same segment with its
 * points hidden (the doc-values scan readers without points fall back to).
 * Prints per-query latency (median of runs) and docs scored; no pass/fail.
 *
 * Usage: bench_search [docs (default 200000)] [runs (default 15)]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "seg_int.h"
#include "st_search.h"
#include "st_segment.h"

static uint64_t rng = 88172645463325252ULL;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

#define VOCAB 5000

/* Zipf(1) over VOCAB words by inverse CDF on a precomputed table. */
static double cdf[VOCAB];

static uint32_t
zipf(void)
{
	double u = (double)rnd(1u << 30) / (1u << 30);
	uint32_t lo = 0, hi = VOCAB - 1;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static st_qfield_kind_t
f_kind(void *arg, const char *field, const void **df)
{
	(void)arg;
	*df = NULL;
	if (strcmp(field, "body") == 0)
		return ST_QF_TEXT;
	if (strcmp(field, "n") == 0)
		return ST_QF_LONG;
	return ST_QF_UNMAPPED;
}

static int
f_analyze(void *arg, const char *field, const char *an, const char *text, size_t len,
	  osp_arena_t *a, st_qtoken_t **toks, uint32_t *n, osp_err_t *err)
{
	uint32_t k = 0;
	const char *p = text, *end = text + len;

	(void)arg; (void)field; (void)an; (void)err;
	*toks = osp_arena_calloc(a, (len + 1) * sizeof(**toks));
	while (p < end) {
		const char *s = p;
		while (p < end && *p != ' ')
			p++;
		if (p > s) {
			(*toks)[k].term = osp_arena_strndup(a, s, (size_t)(p - s));
			(*toks)[k].len = (uint32_t)(p - s);
			(*toks)[k].position = (int32_t)k;
			k++;
		}
		while (p < end && *p == ' ')
			p++;
	}
	*n = k;
	return 0;
}

static int
f_expand(void *arg, const char *pattern, osp_arena_t *a, const char ***fields, uint32_t *n)
{
	(void)arg;
	*fields = osp_arena_alloc(a, sizeof(char *));
	(*fields)[0] = pattern;
	*n = 1;
	return 0;
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp_d(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

static st_reader_t *
build(uint32_t ndocs)
{
	st_seg_builder_opts_t o = { .name = "_bench" };
	st_seg_builder_t *b;
	st_seg_files_t files;
	st_reader_t *r;
	osp_err_t err;
	uint32_t fb, fn;
	st_seg_field_spec_t sb = { "body", ST_SEG_INDEX_POSITIONS, true, ST_SEG_DV_NONE };
	st_seg_field_spec_t sn = { "n", ST_SEG_INDEX_DOCS, false, ST_SEG_DV_LONG };

	if (st_seg_builder_create(&o, &b) || st_seg_builder_field(b, &sb, &fb) ||
	    st_seg_builder_field(b, &sn, &fn))
		return NULL;
	for (uint32_t d = 0; d < ndocs; d++) {
		char id[16], w[16];
		snprintf(id, sizeof(id), "%u", d);
		st_seg_doc_meta_in_t meta = { .id = id, .id_len = (uint32_t)strlen(id), .seq_no = d,
					      .primary_term = 1, .version = 1 };
		st_seg_builder_doc_begin(b, &meta, "{}", 2);
		uint32_t len = 20 + rnd(200);
		for (uint32_t i = 0; i < len; i++) {
			int l = snprintf(w, sizeof(w), "w%u", zipf());
			st_seg_builder_add_term(b, fb, w, (uint32_t)l, i);
		}
		st_seg_builder_add_long(b, fn, rnd(1000));
		st_seg_builder_doc_end(b);
	}
	if (st_seg_builder_finish(b, &files))
		return NULL;
	st_seg_builder_free(b);
	st_seg_open_opts_t oo = { .gen = 1 };
	if (st_segment_open(&files, &oo, &r, &err))
		return NULL;
	st_seg_files_free(&files);
	return r;
}

/* Median latency in microseconds of a request body over runs. */
static double
bench(st_reader_t *r, const st_search_fields_t *f, const char *body, uint32_t runs,
      uint64_t *total)
{
	double *t = calloc(runs, sizeof(double)), med;
	osp_arena_t a;

	osp_arena_init(&a, 1 << 16, 0);
	for (uint32_t i = 0; i < runs; i++) {
		st_search_req_t req;
		st_shard_result_t res;
		osp_json_t *j;
		osp_json_error_t je;
		osp_err_t err;
		st_search_req_init(&req);
		osp_json_parse(&a, body, strlen(body), NULL, &j, &je);
		if (st_search_req_parse(&a, j, &req, &err)) {
			fprintf(stderr, "parse: %s\n", err.reason);
			exit(1);
		}
		double t0 = now_us();
		if (st_search_shard(&r, 1, &req, f, &a, &res, &err)) {
			fprintf(stderr, "search: %s\n", err.reason);
			exit(1);
		}
		t[i] = now_us() - t0;
		*total = res.total;
		osp_arena_reset(&a);
	}
	qsort(t, runs, sizeof(double), cmp_d);
	med = t[runs / 2];
	free(t);
	osp_arena_free(&a);
	return med;
}

int
main(int argc, char **argv)
{
	uint32_t ndocs = argc > 1 ? (uint32_t)atoi(argv[1]) : 200000;
	uint32_t runs = argc > 2 ? (uint32_t)atoi(argv[2]) : 15;
	st_search_fields_t f = { NULL, f_kind, f_analyze, f_expand, NULL, NULL };
	double s = 0;
	static const struct { const char *name, *q; } qs[] = {
		{ "term frequent (w1)", "{\"match\":{\"body\":\"w1\"}}" },
		{ "term mid (w50)", "{\"match\":{\"body\":\"w50\"}}" },
		{ "or 2 frequent+rare", "{\"match\":{\"body\":\"w2 w900\"}}" },
		{ "or 4 mixed", "{\"match\":{\"body\":\"w3 w40 w400 w2000\"}}" },
		{ "and 2", "{\"match\":{\"body\":{\"query\":\"w5 w60\",\"operator\":\"and\"}}}" },
		{ "phrase 2", "{\"match_phrase\":{\"body\":\"w1 w2\"}}" },
		{ "bool+range filter", "{\"bool\":{\"must\":{\"match\":{\"body\":\"w7 w70\"}},"
		  "\"filter\":{\"range\":{\"n\":{\"lt\":100}}}}}" },
	};

	for (uint32_t i = 0; i < VOCAB; i++)
		s += 1.0 / (i + 1);
	double acc = 0;
	for (uint32_t i = 0; i < VOCAB; i++) {
		acc += 1.0 / (i + 1) / s;
		cdf[i] = acc;
	}
	double t0 = now_us();
	st_reader_t *r = build(ndocs);
	if (!r) {
		fprintf(stderr, "segment build failed\n");
		return 1;
	}
	printf("segment: %u docs, built in %.0f ms; median of %u runs\n", ndocs,
	       (now_us() - t0) / 1000, runs);
	printf("%-22s %10s %12s %12s %12s %8s\n", "query", "hits", "top10 us", "exhaust us",
	       "count-only", "speedup");
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		char body[512];
		uint64_t tot = 0, tot2 = 0;
		snprintf(body, sizeof(body), "{\"size\":10,\"track_total_hits\":false,\"query\":%s}", qs[i].q);
		double pruned = bench(r, &f, body, runs, &tot);
		snprintf(body, sizeof(body), "{\"size\":10,\"min_score\":0,\"query\":%s}", qs[i].q);
		double exhaust = bench(r, &f, body, runs, &tot);
		snprintf(body, sizeof(body), "{\"size\":0,\"track_total_hits\":true,\"query\":%s}", qs[i].q);
		double count = bench(r, &f, body, runs, &tot2);
		printf("%-22s %10llu %12.0f %12.0f %12.0f %7.1fx\n", qs[i].name, (unsigned long long)tot2,
		       pruned, exhaust, count, exhaust / pruned);
	}
	/* The same segment without its points: a view sharing the core whose
	 * ops table has no points op (never destroyed: r owns the core). */
	static st_reader_ops_t noops;
	st_seg_reader_t scan = *(const st_seg_reader_t *)(const void *)r;
	noops = *r->ops;
	noops.points = NULL;
	scan.base.ops = &noops;
	scan.base.destroy = NULL;
	st_reader_t *rs = &scan.base;
	static const struct { const char *name, *q; } rq[] = {
		{ "range 0.1%", "{\"range\":{\"n\":{\"gte\":500,\"lte\":500}}}" },
		{ "range 10%", "{\"range\":{\"n\":{\"gte\":100,\"lt\":200}}}" },
		{ "range 50%", "{\"range\":{\"n\":{\"gte\":250,\"lt\":750}}}" },
		{ "bool+range 10%", "{\"bool\":{\"must\":{\"match\":{\"body\":\"w7\"}},"
		  "\"filter\":{\"range\":{\"n\":{\"gte\":100,\"lt\":200}}}}}" },
	};
	printf("\n%-22s %10s %12s %12s %12s %12s\n", "range query", "hits", "top10 us",
	       "scan top10", "count us", "scan count");
	for (size_t i = 0; i < sizeof(rq) / sizeof(rq[0]); i++) {
		char top[512], cnt[512];
		uint64_t tot = 0, tot2 = 0;
		snprintf(top, sizeof(top), "{\"size\":10,\"track_total_hits\":false,\"query\":%s}",
			 rq[i].q);
		snprintf(cnt, sizeof(cnt), "{\"size\":0,\"track_total_hits\":true,\"query\":%s}",
			 rq[i].q);
		double pt = bench(r, &f, top, runs, &tot), st = bench(rs, &f, top, runs, &tot);
		double pc = bench(r, &f, cnt, runs, &tot), sc = bench(rs, &f, cnt, runs, &tot2);
		if (tot != tot2)
			printf("  counts differ: %llu vs %llu\n", (unsigned long long)tot,
			       (unsigned long long)tot2);
		printf("%-22s %10llu %12.1f %12.1f %12.1f %12.1f\n", rq[i].name,
		       (unsigned long long)tot, pt, st, pc, sc);
	}
	st_reader_unref(r);
	return 0;
}
