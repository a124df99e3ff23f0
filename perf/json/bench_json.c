/*
 * bench_json.c - JSON parse and serialize throughput: osp_json against the
 * Debian C libraries a project would otherwise pick (jansson, cJSON, json-c).
 *
 * Generates a deterministic set of Elasticsearch-like documents (nested
 * objects, arrays, strings with escapes and multi-byte UTF-8, integers and
 * doubles) and a bulk NDJSON stream (action line + source line), then times,
 * for each library: parsing every document into its tree, serializing those
 * trees back to compact JSON, and parsing the bulk stream line by line. Each
 * figure is the median of several runs of thread CPU time; MB/s counts input
 * (parse) or output (serialize) bytes. Not a test: run it by hand, on an idle machine.
 *
 * jansson and json-c cannot share a binary (both define json_object_get and
 * friends, in their headers and as exported symbols), so this file builds
 * twice: bench_json (osp_json, jansson, cJSON) and, with BENCH_JSONC,
 * bench_json_c (osp_json, json-c).
 *
 * A last section times Java-style double output against plain "%.17g".
 *
 * usage: bench_json [docs (default 2000)] [runs (default 5)] [library name | doubles]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef BENCH_JSONC
#include <json-c/json.h>
#else
#include <cjson/cJSON.h>
#include <jansson.h>
#endif

#include "osprey/json.h"

static uint64_t rng = 0x2545F4914F6CDD1DULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *words[] = {
	"search", "engine", "shard", "replica", "index", "query", "latency",
	"caf\xc3\xa9", "na\xc3\xafve", "stra\xc3\x9f\x65", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	"\xd0\xbf\xd0\xbe\xd0\xb8\xd1\x81\xd0\xba", "\xf0\x9f\x94\x8d", "quoted \\\"word\\\"",
	"tab\\there", "line\\nbreak", "back\\\\slash", "\\u00e9t\\u00e9", "osprey",
	"kernel-bypass", "the", "a", "of", "and", "to", "in", "is", "for", "with",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

static void
put_text(osp_buf_t *b, int n)
{
	osp_buf_putc(b, '"');
	for (int i = 0; i < n; i++) {
		if (i)
			osp_buf_putc(b, ' ');
		osp_buf_puts(b, words[rnd() % NWORDS]);
	}
	osp_buf_putc(b, '"');
}

/* One ES-like document, about 1 KB. */
static void
gen_doc(osp_buf_t *b, int id)
{
	osp_buf_printf(b, "{\"id\":%d,\"title\":", id);
	put_text(b, 3 + (int)(rnd() % 6));
	osp_buf_puts(b, ",\"body\":");
	put_text(b, 40 + (int)(rnd() % 60));
	osp_buf_printf(b, ",\"views\":%llu,\"score\":%.6f,\"price\":%.2f,"
		       "\"published\":%s,\"deleted\":null,\"created\":\"2024-%02d-%02dT12:%02d:00Z\",",
		       (unsigned long long)(rnd() % 10000000), (double)(rnd() % 100000) / 7919.0,
		       (double)(rnd() % 100000) / 100.0, rnd() & 1 ? "true" : "false",
		       1 + (int)(rnd() % 12), 1 + (int)(rnd() % 28), (int)(rnd() % 60));
	osp_buf_puts(b, "\"tags\":[");
	for (int i = 0, n = 1 + (int)(rnd() % 5); i < n; i++) {
		if (i)
			osp_buf_putc(b, ',');
		put_text(b, 1);
	}
	osp_buf_printf(b, "],\"user\":{\"name\":");
	put_text(b, 2);
	osp_buf_printf(b, ",\"id\":%llu,\"geo\":{\"lat\":%.5f,\"lon\":%.5f}},\"comments\":[",
		       (unsigned long long)rnd() >> 20, (double)(rnd() % 180000) / 1000.0 - 90,
		       (double)(rnd() % 360000) / 1000.0 - 180);
	for (int i = 0, n = (int)(rnd() % 4); i < n; i++) {
		osp_buf_printf(b, "%s{\"author\":", i ? "," : "");
		put_text(b, 1);
		osp_buf_puts(b, ",\"text\":");
		put_text(b, 5 + (int)(rnd() % 10));
		osp_buf_printf(b, ",\"likes\":%d}", (int)(rnd() % 500));
	}
	osp_buf_puts(b, "]}");
}

static double
now(void)
{
	struct timespec ts;

	/* CPU time of this thread: the machine is shared, and time spent
	 * descheduled is not the library's. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The input set: docs as separate strings, and one NDJSON bulk body. */
typedef struct corpus {
	int n;
	char **doc;
	size_t *len;
	size_t bytes;
	osp_buf_t bulk;
} corpus_t;

/* What a library must do, per document i. */
typedef struct lib {
	const char *name;
	int (*parse)(const corpus_t *c, int i);     /* parse doc i into slot i */
	size_t (*write)(int i);                     /* serialize slot i; bytes */
	void (*drop)(int i);                        /* free slot i */
	int (*bulk)(const corpus_t *c);             /* parse the bulk stream */
} lib_t;

static int ndocs;

/* --- osp_json --- */
static osp_arena_t osp_arena;
static osp_json_t **osp_trees;
static osp_buf_t osp_out;

static int
osp_parse(const corpus_t *c, int i)
{
	osp_json_error_t err;

	return osp_json_parse(&osp_arena, c->doc[i], c->len[i], NULL, &osp_trees[i], &err);
}

static size_t
osp_write(int i)
{
	osp_jw_t w;

	osp_buf_clear(&osp_out);
	osp_jw_init(&w, &osp_out, 0);
	osp_jw_value(&w, osp_trees[i]);
	return osp_out.len;
}

static void
osp_drop(int i)
{
	osp_trees[i] = NULL;
	if (i == ndocs - 1)
		osp_arena_reset(&osp_arena);
}

static int
osp_bulk(const corpus_t *c)
{
	const char *p = c->bulk.data, *end = p + c->bulk.len;
	osp_json_error_t err;
	int n = 0;

	while (p < end) {
		osp_json_t *v;
		size_t used;

		if (osp_json_parse_prefix(&osp_arena, p, (size_t)(end - p), NULL, &v, &used, &err))
			return -1;
		p += used;
		while (p < end && *p == '\n')
			p++;
		if (++n % 512 == 0)
			osp_arena_reset(&osp_arena);
	}
	osp_arena_reset(&osp_arena);
	return n;
}

#ifndef BENCH_JSONC
/* --- jansson --- */
static json_t **jn_trees;

static int
jn_parse(const corpus_t *c, int i)
{
	json_error_t err;

	jn_trees[i] = json_loadb(c->doc[i], c->len[i], 0, &err);
	return jn_trees[i] ? 0 : -1;
}

static size_t
jn_write(int i)
{
	char *s = json_dumps(jn_trees[i], JSON_COMPACT | JSON_PRESERVE_ORDER);
	size_t n = strlen(s);

	free(s);
	return n;
}

static void
jn_drop(int i)
{
	json_decref(jn_trees[i]);
}

static int
jn_bulk(const corpus_t *c)
{
	const char *p = c->bulk.data, *end = p + c->bulk.len;
	int n = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		json_error_t err;
		json_t *v = json_loadb(p, len, 0, &err);

		if (v == NULL)
			return -1;
		json_decref(v);
		n++;
		p += len + 1;
	}
	return n;
}

/* --- cJSON --- */
static cJSON **cj_trees;

static int
cj_parse(const corpus_t *c, int i)
{
	cj_trees[i] = cJSON_ParseWithLength(c->doc[i], c->len[i]);
	return cj_trees[i] ? 0 : -1;
}

static size_t
cj_write(int i)
{
	char *s = cJSON_PrintUnformatted(cj_trees[i]);
	size_t n = strlen(s);

	free(s);
	return n;
}

static void
cj_drop(int i)
{
	cJSON_Delete(cj_trees[i]);
}

static int
cj_bulk(const corpus_t *c)
{
	const char *p = c->bulk.data, *end = p + c->bulk.len;
	int n = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		cJSON *v = cJSON_ParseWithLength(p, len);

		if (v == NULL)
			return -1;
		cJSON_Delete(v);
		n++;
		p += len + 1;
	}
	return n;
}

#else
/* --- json-c --- */
static struct json_object **jc_trees;
static struct json_tokener *jc_tok;

static int
jc_parse(const corpus_t *c, int i)
{
	json_tokener_reset(jc_tok);
	jc_trees[i] = json_tokener_parse_ex(jc_tok, c->doc[i], (int)c->len[i]);
	return jc_trees[i] ? 0 : -1;
}

static size_t
jc_write(int i)
{
	size_t n;

	/* the string is owned by the object and reused */
	json_object_to_json_string_length(jc_trees[i], JSON_C_TO_STRING_PLAIN, &n);
	return n;
}

static void
jc_drop(int i)
{
	json_object_put(jc_trees[i]);
}

static int
jc_bulk(const corpus_t *c)
{
	const char *p = c->bulk.data, *end = p + c->bulk.len;
	int n = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		json_tokener_reset(jc_tok);
		struct json_object *v = json_tokener_parse_ex(jc_tok, p, (int)len);

		if (v == NULL)
			return -1;
		json_object_put(v);
		n++;
		p += len + 1;
	}
	return n;
}

#endif

static void
run_lib(const lib_t *l, const corpus_t *c, int runs)
{
	double *tp = calloc((size_t)runs, sizeof(double));
	double *tw = calloc((size_t)runs, sizeof(double));
	double *tb = calloc((size_t)runs, sizeof(double));
	size_t out_bytes = 0;

	for (int r = 0; r < runs; r++) {
		double t0 = now();

		for (int i = 0; i < c->n; i++) {
			if (l->parse(c, i) != 0) {
				fprintf(stderr, "%s: parse failed on doc %d\n", l->name, i);
				exit(1);
			}
		}
		double t1 = now();

		out_bytes = 0;
		for (int i = 0; i < c->n; i++)
			out_bytes += l->write(i);
		double t2 = now();

		for (int i = 0; i < c->n; i++)
			l->drop(i);
		double t3 = now();

		if (l->bulk(c) != 2 * c->n) {
			fprintf(stderr, "%s: bulk parse failed\n", l->name);
			exit(1);
		}
		double t4 = now();

		tp[r] = (t1 - t0) + (t3 - t2);     /* parse includes freeing the tree */
		tw[r] = t2 - t1;
		tb[r] = t4 - t3;
	}
	qsort(tp, (size_t)runs, sizeof(double), cmp_double);
	qsort(tw, (size_t)runs, sizeof(double), cmp_double);
	qsort(tb, (size_t)runs, sizeof(double), cmp_double);
	double p = tp[runs / 2], w = tw[runs / 2], b = tb[runs / 2];

	printf("%-10s parse %8.1f MB/s %7.0f ns/doc | write %8.1f MB/s %7.0f ns/doc | bulk %8.1f MB/s %7.0f ns/line\n",
	       l->name, (double)c->bytes / p / 1e6, p / c->n * 1e9,
	       (double)out_bytes / w / 1e6, w / c->n * 1e9,
	       (double)c->bulk.len / b / 1e6, b / (2 * c->n) * 1e9);
	free(tp);
	free(tw);
	free(tb);
}

/* Cost of Java-style double output (osp_jw_double) next to plain "%.17g",
 * on BM25-like scores and on random finite doubles. */
static void
run_doubles(int runs)
{
	enum { N = 100000 };
	static double vals[2][N];
	static const char *what[2] = { "scores", "random" };
	osp_buf_t out = OSP_BUF_INIT;
	char tmp[40];

	for (int i = 0; i < N; i++) {
		vals[0][i] = (double)(rnd() % 100000000) / 4194304.0;
		uint64_t bits = rnd();
		double d;

		memcpy(&d, &bits, sizeof(d));
		vals[1][i] = isfinite(d) ? d : 1.5;
	}
	for (int k = 0; k < 2; k++) {
		double *tj = calloc((size_t)runs, sizeof(double));
		double *tg = calloc((size_t)runs, sizeof(double));

		for (int r = 0; r < runs; r++) {
			osp_jw_t w;
			double t0 = now();

			osp_buf_clear(&out);
			osp_jw_init(&w, &out, 0);
			osp_jw_arr_begin(&w);
			for (int i = 0; i < N; i++)
				osp_jw_double(&w, vals[k][i]);
			osp_jw_arr_end(&w);
			double t1 = now();

			for (int i = 0; i < N; i++)
				snprintf(tmp, sizeof(tmp), "%.17g", vals[k][i]);
			tj[r] = t1 - t0;
			tg[r] = now() - t1;
		}
		qsort(tj, (size_t)runs, sizeof(double), cmp_double);
		qsort(tg, (size_t)runs, sizeof(double), cmp_double);
		printf("doubles %-7s osp_jw_double %6.0f ns/value | snprintf %%.17g %6.0f ns/value\n",
		       what[k], tj[runs / 2] / N * 1e9, tg[runs / 2] / N * 1e9);
		free(tj);
		free(tg);
	}
	osp_buf_free(&out);
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	corpus_t c = { .n = n };
	osp_buf_t tmp = OSP_BUF_INIT;

	if (n <= 0 || runs <= 0)
		return 2;
	ndocs = n;
	c.doc = calloc((size_t)n, sizeof(char *));
	c.len = calloc((size_t)n, sizeof(size_t));
	osp_buf_init(&c.bulk);
	for (int i = 0; i < n; i++) {
		osp_buf_clear(&tmp);
		gen_doc(&tmp, i);
		c.doc[i] = strdup(tmp.data);
		c.len[i] = tmp.len;
		c.bytes += tmp.len;
		osp_buf_printf(&c.bulk, "{\"index\":{\"_index\":\"bench\",\"_id\":\"%d\"}}\n", i);
		osp_buf_append(&c.bulk, tmp.data, tmp.len);
		osp_buf_putc(&c.bulk, '\n');
	}
	osp_buf_free(&tmp);
	printf("%d docs, %.2f MB (avg %zu B/doc), bulk %.2f MB; median of %d runs\n",
	       n, (double)c.bytes / 1e6, c.bytes / (size_t)n, (double)c.bulk.len / 1e6, runs);

	osp_arena_init(&osp_arena, 1 << 20, 0);
	osp_trees = calloc((size_t)n, sizeof(*osp_trees));
#ifdef BENCH_JSONC
	jc_trees = calloc((size_t)n, sizeof(*jc_trees));
	jc_tok = json_tokener_new();
	const lib_t libs[] = {
		{ "osp_json", osp_parse, osp_write, osp_drop, osp_bulk },
		{ "json-c", jc_parse, jc_write, jc_drop, jc_bulk },
	};
#else
	jn_trees = calloc((size_t)n, sizeof(*jn_trees));
	cj_trees = calloc((size_t)n, sizeof(*cj_trees));
	const lib_t libs[] = {
		{ "osp_json", osp_parse, osp_write, osp_drop, osp_bulk },
		{ "jansson", jn_parse, jn_write, jn_drop, jn_bulk },
		{ "cJSON", cj_parse, cj_write, cj_drop, cj_bulk },
	};
#endif

	for (size_t k = 0; k < sizeof(libs) / sizeof(libs[0]); k++)
		if (argc <= 3 || strcmp(argv[3], libs[k].name) == 0)
			run_lib(&libs[k], &c, runs);
	if (argc <= 3 || strcmp(argv[3], "doubles") == 0)
		run_doubles(runs);

	osp_arena_free(&osp_arena);
	osp_buf_free(&osp_out);
	for (int i = 0; i < n; i++)
		free(c.doc[i]);
	free(c.doc);
	free(c.len);
	osp_buf_free(&c.bulk);
	free(osp_trees);
#ifdef BENCH_JSONC
	json_tokener_free(jc_tok);
	free(jc_trees);
#else
	free(jn_trees);
	free(cj_trees);
#endif
	return 0;
}
