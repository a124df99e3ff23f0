/* storage_bench.c - storage-bench: Osprey's storage engine side by side with
 * the in-process peers (Xapian, SQLite FTS5), no HTTP anywhere.
 *
 *   storage-bench -c CORPUS_DIR -w WORK_DIR [-e osprey,xapian,sqlite]
 *                 [-r ROUNDS] [-n QUERIES] [-l LABEL] [-o OUT.md] [-s] [-K]
 *                 [-C CATEGORY,...]
 *
 * In one run on the corpus's docs.tsv and its queries/<Category>.tsv
 * (perf/corpus/build_corpus.py, perf/workload/make_queries.py): every
 * engine builds its index (indexing rate = docs / time spent inside the
 * engine's add and commit calls, and docs / CPU seconds of the process,
 * which a busy machine disturbs less; size = its files after close), then every
 * category runs as TOP10 (the top 10, no total; TermAgg: the 10 biggest
 * sections) and as COUNT (all matches counted), engines interleaved round by
 * round after one untimed warm-up round. Latency per query call, median
 * and p99 over queries x rounds; ratios are Osprey / the best peer of that
 * column (indexing: Osprey / the fastest peer's docs/s). COUNT answers
 * are compared across engines and disagreements reported (tokenizers
 * differ slightly). Markdown goes to stdout and, with -o, appended to OUT.
 * -s keeps Osprey's _source (the peers store no text); -K reuses the
 * indexes a previous run left in WORK_DIR (no indexing figures) and -C
 * runs only the listed categories (profiling). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "pf_engine.h"
#include "pf_hist.h"
#include "pf_worker.h"
#include "sb_osprey.h"

#define MAX_ENG 3
#define MODES 2

static const char *const mode_name[MODES] = { "TOP10", "COUNT" };

typedef struct eng {
	const pf_engine_ops_t *ops;
	void *h;
	char db[1024];
	double docs_per_s, docs_per_cpu_s;
	long long bytes;
	pf_hist_t *hist[PF_CAT_COUNT][MODES];
} eng_t;

static const pf_engine_ops_t *
by_name(const char *n)
{
	return strcmp(n, "osprey") == 0 ? &pf_engine_osprey : pf_engine_by_name(n);
}

/* CPU seconds of the process (all its threads, io_uring workers included). */
static double
cpu_s(void)
{
	struct rusage u;

	getrusage(RUSAGE_SELF, &u);
	return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
	       (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/* Index docs.tsv (id, section, size, body) into e; time inside the engine,
 * and the process's CPU time over the whole build (reading included). */
static int
build(eng_t *e, const char *tsv, long long *ndocs)
{
	FILE *f = fopen(tsv, "r");
	char *line = NULL;
	size_t cap = 0;
	uint64_t inside = 0, t;
	long long n = 0;
	int rc;

	if (!f)
		return -errno;
	double c0 = cpu_s();
	t = pf_now_ns();
	rc = e->ops->open(&e->h, e->db, 1);
	inside += pf_now_ns() - t;
	while (rc == 0 && getline(&line, &cap, f) > 0) {
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		char *t3 = t2 ? strchr(t2 + 1, '\t') : NULL;
		pf_doc_t d;

		line[strcspn(line, "\r\n")] = '\0';
		if (!t3)
			continue;
		*t1 = *t2 = *t3 = '\0';
		d = (pf_doc_t){ .id = atoll(line), .section = t1 + 1, .size = atoll(t2 + 1),
				.body = t3 + 1 };
		t = pf_now_ns();
		rc = e->ops->add(e->h, &d);
		inside += pf_now_ns() - t;
		n++;
	}
	if (rc == 0) {
		t = pf_now_ns();
		rc = e->ops->commit(e->h);
		inside += pf_now_ns() - t;
	}
	free(line);
	fclose(f);
	if (e->h)
		e->ops->close(e->h);
	e->h = NULL;
	e->docs_per_s = inside ? (double)n * 1e9 / (double)inside : 0;
	e->docs_per_cpu_s = cpu_s() > c0 ? (double)n / (cpu_s() - c0) : 0;
	e->bytes = e->ops->size_bytes(NULL, e->db);
	*ndocs = n;
	return rc;
}

/* queries/<Cat>.tsv of the corpus (none: 0). */
static size_t
load_queries(const char *dir, pf_cat_t c, size_t max, pf_query_t **out)
{
	char path[1200];
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/queries/%s.tsv", dir, pf_cat_name(c));
	return pf_query_load(path, c, max, out, &n) ? 0 : n;
}

/* One category in one mode: a warm-up round (COUNT answers compared), then
 * rounds with the engines' order rotated each round. */
static int
run_cat(eng_t *es, int ne, pf_query_t *qs, size_t nq, int mode, int rounds,
	size_t *disagree)
{
	long *first = calloc(nq, sizeof(*first));

	if (!first)
		return -ENOMEM;
	for (int i = 0; i < ne; i++)
		for (size_t k = 0; k < nq; k++) {
			long hits = 0;
			qs[k].count = mode;
			int rc = es[i].ops->query(es[i].h, &qs[k], &hits);
			if (rc) {
				fprintf(stderr, "%s %s %s: %d\n", es[i].ops->name,
					pf_cat_name(qs[k].cat), mode_name[mode], rc);
				free(first);
				return rc;
			}
			if (i == 0) {
				first[k] = hits;
			} else if (mode && hits != first[k]) {
				(*disagree)++;
				if (getenv("STORAGE_BENCH_VERBOSE"))
					fprintf(stderr, "  %s [%s] [%s]: osprey %ld, %s %ld\n",
						pf_cat_name(qs[k].cat), qs[k].w1, qs[k].w2, first[k],
						es[i].ops->name, hits);
			}
		}
	free(first);
	for (int r = 0; r < rounds; r++)
		for (int j = 0; j < ne; j++) {
			eng_t *e = &es[(j + r) % ne];
			for (size_t k = 0; k < nq; k++) {
				long hits;
				uint64_t t = pf_now_ns();
				int rc = e->ops->query(e->h, &qs[k], &hits);
				pf_hist_record(e->hist[qs[k].cat][mode], pf_now_ns() - t);
				if (rc)
					return rc;
			}
		}
	return 0;
}

static double
us(const pf_hist_t *h, double p)
{
	return (double)pf_hist_percentile(h, p) / 1000.0;
}

/* "x" ratio cell: Osprey / best peer; bold when it misses the target. */
static void
ratio_cell(FILE *o, double mine, double best, double target, bool lower_better)
{
	double r = best > 0 ? mine / best : 0;
	bool miss = lower_better ? r > target : r < target;

	fprintf(o, miss ? " **%.2f×** |" : " %.2f× |", r);
}

static void
report(FILE *o, const char *label, long long ndocs, eng_t *es, int ne, size_t *disagree)
{
	fprintf(o, "\n## %s (%lld documents)\n\nLatency per query in µs, median / p99; "
		   "ratios are Osprey ÷ the best peer (bold: target missed; TOP10 ≤ 0.5×, "
		   "COUNT ≤ 0.25×, indexing ≥ 1.5×, size ≤ 1.2×).\n\n| category | mode |", label, ndocs);
	for (int i = 0; i < ne; i++)
		fprintf(o, " %s |", es[i].ops->name);
	fprintf(o, " p50 ratio | p99 ratio |\n|---|---|");
	for (int i = 0; i < ne + 2; i++)
		fprintf(o, "---|");
	fprintf(o, "\n");
	for (int c = 0; c < PF_CAT_COUNT; c++)
		for (int m = 0; m < MODES; m++) {
			double b50 = 0, b99 = 0;
			if (!es[0].hist[c][m]->total)
				continue;
			fprintf(o, "| %s | %s |", pf_cat_name((pf_cat_t)c), mode_name[m]);
			for (int i = 0; i < ne; i++) {
				const pf_hist_t *h = es[i].hist[c][m];
				fprintf(o, " %.4g / %.4g |", us(h, 50), us(h, 99));
				if (i && (b50 == 0 || us(h, 50) < b50))
					b50 = us(h, 50);
				if (i && (b99 == 0 || us(h, 99) < b99))
					b99 = us(h, 99);
			}
			double t = m ? 0.25 : 0.5;
			ratio_cell(o, us(es[0].hist[c][m], 50), b50, t, true);
			ratio_cell(o, us(es[0].hist[c][m], 99), b99, t, true);
			fprintf(o, "\n");
		}
	double best_rate = 0, best_size = 0;
	fprintf(o, "| Indexing (docs/s) | |");
	for (int i = 0; i < ne; i++) {
		fprintf(o, " %.0f |", es[i].docs_per_s);
		if (i && es[i].docs_per_s > best_rate)
			best_rate = es[i].docs_per_s;
	}
	ratio_cell(o, es[0].docs_per_s, best_rate, 1.5, false);
	best_rate = 0;
	fprintf(o, " |\n| Indexing (docs per CPU s) | |");
	for (int i = 0; i < ne; i++) {
		fprintf(o, " %.0f |", es[i].docs_per_cpu_s);
		if (i && es[i].docs_per_cpu_s > best_rate)
			best_rate = es[i].docs_per_cpu_s;
	}
	ratio_cell(o, es[0].docs_per_cpu_s, best_rate, 1.5, false);
	fprintf(o, " |\n| Size (MB) | |");
	for (int i = 0; i < ne; i++) {
		fprintf(o, " %.1f |", (double)es[i].bytes / 1e6);
		if (i && (best_size == 0 || es[i].bytes < best_size))
			best_size = (double)es[i].bytes;
	}
	ratio_cell(o, (double)es[0].bytes, best_size, 1.2, true);
	fprintf(o, " |\n\nCOUNT answers that differ from Osprey's:");
	for (int c = 0; c < PF_CAT_COUNT; c++)
		if (disagree[c])
			fprintf(o, " %s %zu", pf_cat_name((pf_cat_t)c), disagree[c]);
	fprintf(o, " (of every query's count per peer).\n");
}

static void
usage(void)
{
	fprintf(stderr, "usage: storage-bench -c CORPUS_DIR -w WORK_DIR [-e osprey,xapian,sqlite]"
			" [-r ROUNDS] [-n QUERIES] [-l LABEL] [-o OUT.md] [-s] [-K]"
			" [-C CATEGORY,...]\n");
}

int
main(int argc, char **argv)
{
	const char *corpus = NULL, *work = NULL, *engines = "osprey,xapian,sqlite";
	const char *label = NULL, *out = NULL, *only = NULL;
	int rounds = 5, o, ne = 0, rc = 0, reuse = 0;
	size_t maxq = 50, disagree[PF_CAT_COUNT] = { 0 };
	eng_t es[MAX_ENG];
	long long ndocs = 0;
	char list[256], tsv[1200], *save = NULL;

	while ((o = getopt(argc, argv, "c:w:e:r:n:l:o:sKC:")) != -1) {
		switch (o) {
		case 'c': corpus = optarg; break;
		case 'w': work = optarg; break;
		case 'e': engines = optarg; break;
		case 'r': rounds = atoi(optarg); break;
		case 'n': maxq = (size_t)atol(optarg); break;
		case 'l': label = optarg; break;
		case 'o': out = optarg; break;
		case 's': sb_osprey_keep_source(true); break;
		case 'K': reuse = 1; break;
		case 'C': only = optarg; break;
		default: usage(); return 1;
		}
	}
	if (!corpus || !work) {
		usage();
		return 1;
	}
	memset(es, 0, sizeof(es));
	snprintf(list, sizeof(list), "%s", engines);
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (ne == MAX_ENG || !(es[ne].ops = by_name(t)) ||
		    (ne == 0) != (es[ne].ops == &pf_engine_osprey)) {
			fprintf(stderr, "storage-bench: engines are osprey first, then xapian and/or sqlite\n");
			return 1;
		}
		snprintf(es[ne].db, sizeof(es[ne].db), "%s/%s", work, es[ne].ops->name);
		for (int c = 0; c < PF_CAT_COUNT; c++)
			for (int m = 0; m < MODES; m++)
				if (!(es[ne].hist[c][m] = pf_hist_new()))
					return 2;
		ne++;
	}
	snprintf(tsv, sizeof(tsv), "%s/docs.tsv", corpus);
	for (int i = 0; i < ne && rc == 0 && !reuse; i++) {
		fprintf(stderr, "storage-bench: %s builds from %s\n", es[i].ops->name, tsv);
		if ((rc = build(&es[i], tsv, &ndocs)))
			fprintf(stderr, "storage-bench: %s build: %d\n", es[i].ops->name, rc);
		else
			fprintf(stderr, "  %.0f docs/s, %.0f docs per CPU s, %.1f MB\n", es[i].docs_per_s,
				es[i].docs_per_cpu_s, es[i].bytes / 1e6);
	}
	for (int i = 0; i < ne && rc == 0; i++)
		rc = es[i].ops->open(&es[i].h, es[i].db, 0);
	for (int c = 0; c < PF_CAT_COUNT && rc == 0; c++) {
		pf_query_t *qs = NULL;
		if (only && !strstr(only, pf_cat_name((pf_cat_t)c)))
			continue;
		size_t nq = load_queries(corpus, (pf_cat_t)c, maxq, &qs);
		for (int m = 0; m < MODES && rc == 0 && nq; m++) {
			fprintf(stderr, "storage-bench: %s %s (%zu queries x %d rounds)\n",
				pf_cat_name((pf_cat_t)c), mode_name[m], nq, rounds);
			rc = run_cat(es, ne, qs, nq, m, rounds, &disagree[c]);
		}
		free(qs);
	}
	if (rc == 0) {
		report(stdout, label ? label : corpus, ndocs, es, ne, disagree);
		FILE *f = out ? fopen(out, "a") : NULL;
		if (f) {
			report(f, label ? label : corpus, ndocs, es, ne, disagree);
			fclose(f);
		}
	}
	for (int i = 0; i < ne; i++) {
		if (es[i].h)
			es[i].ops->close(es[i].h);
		for (int c = 0; c < PF_CAT_COUNT; c++)
			for (int m = 0; m < MODES; m++)
				pf_hist_free(es[i].hist[c][m]);
	}
	return rc ? 2 : 0;
}
