/*
 * test_oracle.c - random documents and random queries, checked against a
 * brute-force evaluator written from the formulas (not from the engine).
 *
 * 2,100 documents in three segments (with deletes) of a single shard; a few
 * thousand random query trees (term, match with operator and
 * minimum_should_match, exact phrases, bool with all four clause kinds,
 * dis_max, multi_match best/most fields, range, terms, prefix, exists,
 * constant_score, match_all, boosts everywhere) are written as JSON, parsed
 * and executed; the brute force evaluates the same tree over the raw
 * documents: BM25 with idf = ln(1 + (N - n + 0.5) / (n + 0.5)), tf =
 * f / (f + 1.2 * (0.25 + 0.75 * dl / avgdl)), dl through the 4-bit norm
 * (computed here as "24 + the top 4 significant bits of len - 24"),
 * statistics over all documents including deleted ones. Checked: total
 * hits, the hits and their order, scores (relative 1e-5), field sorts,
 * search_after, _count, and aggregations; then the same over two shards
 * merged. Deterministic (fixed seed).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "st_search_int.h"
#include "test_search_mem.h"

#define NDOCS 2100
#define NSEG 3
#define NWORDS 14
#define NTAGS 6

static const char *words[NWORDS] = {
	"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
	"hotel", "india", "juliet", "kilo", "lima", "mike", "november",
};
static const char *tags[NTAGS] = { "red", "green", "blue", "black", "white", "rose" };

/* One raw document of the model. */
typedef struct mdoc {
	uint8_t title[8], body[40];
	uint32_t ntitle, nbody;
	bool tag[NTAGS];
	bool has_num;
	int64_t num;
	double price;
	bool deleted;
	uint32_t seg, local;
} mdoc_t;

static mdoc_t docs[NDOCS];
static tm_schema_t schema;
static st_reader_t *readers[NSEG];
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* Zipf-ish word choice. */
static uint8_t
word(void)
{
	uint32_t r = rnd(1000);
	uint8_t w = 0;
	while (w < NWORDS - 1 && r < 1000u / (w + 2) * 1 && rnd(3))
		w++;
	return (uint8_t)((w + rnd(NWORDS) * (rnd(4) == 0)) % NWORDS);
}

/* ---- brute force statistics ---- */

static uint32_t
norm_len(uint32_t len)
{
	if (len < 24)
		return len;
	uint32_t x = len - 24, shift = 0;
	while ((x >> shift) >= 16)
		shift++;
	return 24 + ((x >> shift) << shift);
}

typedef struct fstats {
	double n_docs, sum_ttf;
	double df[NWORDS];
} fstats_t;

static fstats_t st_title, st_body;
static double tag_docs, tag_sum, tag_df[NTAGS];

static void
compute_stats(void)
{
	memset(&st_title, 0, sizeof(st_title));
	memset(&st_body, 0, sizeof(st_body));
	tag_docs = tag_sum = 0;
	memset(tag_df, 0, sizeof(tag_df));
	for (int d = 0; d < NDOCS; d++) {
		const mdoc_t *m = &docs[d];
		uint8_t seen[NWORDS] = { 0 };
		if (m->ntitle) {
			st_title.n_docs++;
			st_title.sum_ttf += m->ntitle;
		}
		for (uint32_t i = 0; i < m->ntitle; i++)
			if (!seen[m->title[i]]++)
				st_title.df[m->title[i]]++;
		memset(seen, 0, sizeof(seen));
		if (m->nbody) {
			st_body.n_docs++;
			st_body.sum_ttf += m->nbody;
		}
		for (uint32_t i = 0; i < m->nbody; i++)
			if (!seen[m->body[i]]++)
				st_body.df[m->body[i]]++;
		bool any = false;
		for (int t = 0; t < NTAGS; t++)
			if (m->tag[t]) {
				tag_df[t]++;
				tag_sum++;
				any = true;
			}
		tag_docs += any;
	}
}

static double
bm25(double boost, double n, double N, double f, double dl, double avgdl)
{
	double idf = log(1 + (N - n + 0.5) / (n + 0.5));
	return boost * idf * (f / (f + 1.2 * (0.25 + 0.75 * dl / avgdl)));
}

/* ---- query model ---- */

enum { Q_TERM, Q_MATCH, Q_PHRASE, Q_BOOL, Q_DISMAX, Q_MM, Q_RANGE, Q_TERMS, Q_PREFIX,
       Q_EXISTS, Q_CONST, Q_ALL, Q_KTERM };

typedef struct qn qn_t;
struct qn {
	int kind;
	int field;               /* 0 title, 1 body */
	uint8_t w[4];
	uint32_t nw;
	bool and_op;
	int msm;                 /* -100 = none; >=0 count; <0 negative */
	double boost;
	qn_t *must[3], *should[4], *filter[2], *must_not[2];
	uint32_t nm, ns, nf, nn;
	double tie;
	bool most_fields;
	int64_t lo, hi;
	bool tagset[NTAGS];
	int tag;
};

static qn_t pool[20000];
static uint32_t npool;

static const char *fname(int f) { return f ? "body" : "title"; }

static qn_t *
gen(int depth)
{
	qn_t *q = &pool[npool++];
	int k;

	memset(q, 0, sizeof(*q));
	q->boost = rnd(4) == 0 ? (double)(1 + rnd(8)) / 2 : 1.0;
	q->msm = -100;
	k = depth > 2 ? (int)rnd(13) : (int)rnd(13);
	if (depth > 2 && (k == Q_BOOL || k == Q_DISMAX || k == Q_CONST))
		k = Q_TERM;
	q->kind = k;
	q->field = (int)rnd(2);
	switch (k) {
	case Q_TERM:
		q->w[0] = word();
		q->nw = 1;
		break;
	case Q_MATCH:
	case Q_MM:
		q->nw = 1 + rnd(4);
		for (uint32_t i = 0; i < q->nw; i++)
			q->w[i] = word();
		q->and_op = rnd(4) == 0;
		if (!q->and_op && rnd(3) == 0)
			q->msm = rnd(2) ? (int)rnd(3) : -1;
		q->tie = rnd(2) ? 0.3 : 0;
		q->most_fields = rnd(2);
		break;
	case Q_PHRASE:
		q->nw = 2 + rnd(2);
		for (uint32_t i = 0; i < q->nw; i++)
			q->w[i] = word();
		break;
	case Q_BOOL:
		q->nm = rnd(3);
		q->ns = rnd(4);
		q->nf = rnd(2);
		q->nn = rnd(2);
		for (uint32_t i = 0; i < q->nm; i++) q->must[i] = gen(depth + 1);
		for (uint32_t i = 0; i < q->ns; i++) q->should[i] = gen(depth + 1);
		for (uint32_t i = 0; i < q->nf; i++) q->filter[i] = gen(depth + 1);
		for (uint32_t i = 0; i < q->nn; i++) q->must_not[i] = gen(depth + 1);
		if (q->ns && rnd(3) == 0)
			q->msm = (int)rnd(q->ns + 1);
		break;
	case Q_DISMAX:
		q->ns = 1 + rnd(3);
		for (uint32_t i = 0; i < q->ns; i++) q->should[i] = gen(depth + 1);
		q->tie = rnd(2) ? 0.5 : 0;
		break;
	case Q_RANGE:
		q->lo = (int64_t)rnd(100) - 5;
		q->hi = q->lo + (int64_t)rnd(60);
		break;
	case Q_TERMS:
		for (int t = 0; t < NTAGS; t++)
			q->tagset[t] = rnd(3) == 0;
		break;
	case Q_PREFIX:
	case Q_KTERM:
		q->tag = (int)rnd(NTAGS);
		break;
	case Q_CONST:
		q->must[0] = gen(depth + 1);
		q->nm = 1;
		break;
	default:
		break;
	}
	return q;
}

static int
jput(char *b, size_t cap, size_t *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b + *w, cap - *w, fmt, ap);
	va_end(ap);
	if (n > 0)
		*w += (size_t)n;
	return n;
}

static void to_json(const qn_t *q, char *b, size_t cap, size_t *w);

static void
clauses(const char *name, qn_t *const *c, uint32_t n, char *b, size_t cap, size_t *w)
{
	jput(b, cap, w, ",\"%s\":[", name);
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			jput(b, cap, w, ",");
		to_json(c[i], b, cap, w);
	}
	jput(b, cap, w, "]");
}

static void
text_of(const qn_t *q, char *out)
{
	out[0] = '\0';
	for (uint32_t i = 0; i < q->nw; i++) {
		strcat(out, words[q->w[i]]);
		if (i + 1 < q->nw)
			strcat(out, " ");
	}
}

static void
to_json(const qn_t *q, char *b, size_t cap, size_t *w)
{
	char text[128];

	text_of(q, text);
	switch (q->kind) {
	case Q_TERM:
		jput(b, cap, w, "{\"term\":{\"%s\":{\"value\":\"%s\",\"boost\":%g}}}", fname(q->field),
		     text, q->boost);
		break;
	case Q_KTERM:
		jput(b, cap, w, "{\"term\":{\"tag\":{\"value\":\"%s\",\"boost\":%g}}}", tags[q->tag],
		     q->boost);
		break;
	case Q_MATCH:
		jput(b, cap, w, "{\"match\":{\"%s\":{\"query\":\"%s\",\"operator\":\"%s\",\"boost\":%g",
		     fname(q->field), text, q->and_op ? "and" : "or", q->boost);
		if (q->msm != -100)
			jput(b, cap, w, ",\"minimum_should_match\":\"%d\"", q->msm);
		jput(b, cap, w, "}}}");
		break;
	case Q_MM:
		jput(b, cap, w, "{\"multi_match\":{\"query\":\"%s\",\"fields\":[\"title^2\",\"body\"],"
		     "\"type\":\"%s\",\"tie_breaker\":%g,\"operator\":\"%s\",\"boost\":%g",
		     text, q->most_fields ? "most_fields" : "best_fields", q->tie,
		     q->and_op ? "and" : "or", q->boost);
		if (q->msm != -100)
			jput(b, cap, w, ",\"minimum_should_match\":%d", q->msm);
		jput(b, cap, w, "}}");
		break;
	case Q_PHRASE:
		jput(b, cap, w, "{\"match_phrase\":{\"%s\":{\"query\":\"%s\",\"boost\":%g}}}",
		     fname(q->field), text, q->boost);
		break;
	case Q_BOOL:
		jput(b, cap, w, "{\"bool\":{\"boost\":%g", q->boost);
		if (q->nm) clauses("must", q->must, q->nm, b, cap, w);
		if (q->ns) clauses("should", q->should, q->ns, b, cap, w);
		if (q->nf) clauses("filter", q->filter, q->nf, b, cap, w);
		if (q->nn) clauses("must_not", q->must_not, q->nn, b, cap, w);
		if (q->msm != -100)
			jput(b, cap, w, ",\"minimum_should_match\":%d", q->msm);
		jput(b, cap, w, "}}");
		break;
	case Q_DISMAX:
		jput(b, cap, w, "{\"dis_max\":{\"tie_breaker\":%g,\"boost\":%g", q->tie, q->boost);
		clauses("queries", q->should, q->ns, b, cap, w);
		jput(b, cap, w, "}}");
		break;
	case Q_RANGE:
		jput(b, cap, w, "{\"range\":{\"num\":{\"gte\":%lld,\"lt\":%lld,\"boost\":%g}}}",
		     (long long)q->lo, (long long)q->hi, q->boost);
		break;
	case Q_TERMS: {
		bool first = true;
		jput(b, cap, w, "{\"terms\":{\"boost\":%g,\"tag\":[", q->boost);
		for (int t = 0; t < NTAGS; t++)
			if (q->tagset[t]) {
				jput(b, cap, w, "%s\"%s\"", first ? "" : ",", tags[t]);
				first = false;
			}
		jput(b, cap, w, "]}}");
		break;
	}
	case Q_PREFIX:
		jput(b, cap, w, "{\"prefix\":{\"tag\":{\"value\":\"%.2s\",\"boost\":%g}}}",
		     tags[q->tag], q->boost);
		break;
	case Q_EXISTS:
		jput(b, cap, w, "{\"exists\":{\"field\":\"%s\",\"boost\":%g}}",
		     q->field ? "body" : "num", q->boost);
		break;
	case Q_CONST:
		jput(b, cap, w, "{\"constant_score\":{\"boost\":%g,\"filter\":", q->boost);
		to_json(q->must[0], b, cap, w);
		jput(b, cap, w, "}}");
		break;
	default:
		jput(b, cap, w, "{\"match_all\":{\"boost\":%g}}", q->boost);
		break;
	}
}

/* ---- brute force evaluation ---- */

static double
term_score(const mdoc_t *m, int field, uint8_t wd, double boost)
{
	const uint8_t *toks = field ? m->body : m->title;
	uint32_t n = field ? m->nbody : m->ntitle, f = 0;
	const fstats_t *s = field ? &st_body : &st_title;

	for (uint32_t i = 0; i < n; i++)
		f += toks[i] == wd;
	if (!f)
		return -1;
	return bm25(boost, s->df[wd], s->n_docs, f, norm_len(n), s->sum_ttf / s->n_docs);
}

static uint32_t
msm_of(int spec, uint32_t n)
{
	if (spec == -100)
		return 0;
	if (spec < 0)
		return (int)n + spec < 0 ? 0 : (uint32_t)((int)n + spec);
	return (uint32_t)spec;
}

/* Match of a bag of terms in one field: score or -1. */
static double
match_field(const mdoc_t *m, int field, const qn_t *q, double boost)
{
	double sum = 0;
	uint32_t hits = 0, need;

	for (uint32_t i = 0; i < q->nw; i++) {
		double s = term_score(m, field, q->w[i], boost);
		if (s >= 0) {
			sum += s;
			hits++;
		} else if (q->and_op) {
			return -1;
		}
	}
	need = q->and_op ? q->nw : msm_of(q->msm, q->nw);
	if (need == 0)
		need = 1;
	/* duplicate words analyze to duplicate clauses: count per clause */
	return hits >= need ? sum : -1;
}

static double
phrase_score(const mdoc_t *m, const qn_t *q, double boost)
{
	const uint8_t *toks = q->field ? m->body : m->title;
	uint32_t n = q->field ? m->nbody : m->ntitle, f = 0;
	const fstats_t *s = q->field ? &st_body : &st_title;
	double idf = 0;

	for (uint32_t i = 0; i + q->nw <= n; i++) {
		bool ok = true;
		for (uint32_t j = 0; j < q->nw && ok; j++)
			ok = toks[i + j] == q->w[j];
		f += ok;
	}
	if (!f)
		return -1;
	for (uint32_t j = 0; j < q->nw; j++)
		idf += log(1 + (s->n_docs - s->df[q->w[j]] + 0.5) / (s->df[q->w[j]] + 0.5));
	double avg = s->sum_ttf / s->n_docs, dl = norm_len(n);
	return boost * idf * (f / (f + 1.2 * (0.25 + 0.75 * dl / avg)));
}

static double
eval(const qn_t *q, const mdoc_t *m, double pb)
{
	double boost = pb * q->boost, s, sum = 0;

	switch (q->kind) {
	case Q_TERM:
		return term_score(m, q->field, q->w[0], boost);
	case Q_KTERM:
		if (!m->tag[q->tag])
			return -1;
		return bm25(boost, tag_df[q->tag], tag_docs, 1, 1, tag_sum / tag_docs);
	case Q_MATCH:
		if (q->nw == 1)
			return term_score(m, q->field, q->w[0], boost);
		return match_field(m, q->field, q, boost);
	case Q_MM: {
		double t = q->nw == 1 ? term_score(m, 0, q->w[0], boost * 2) : match_field(m, 0, q, boost * 2);
		double b = q->nw == 1 ? term_score(m, 1, q->w[0], boost) : match_field(m, 1, q, boost);
		if (t < 0 && b < 0)
			return -1;
		if (q->most_fields)
			return (t > 0 ? t : 0) + (b > 0 ? b : 0);
		double mx = t > b ? t : b, ot = (t > b ? b : t);
		return mx + (ot > 0 ? ot : 0) * q->tie;
	}
	case Q_PHRASE:
		return phrase_score(m, q, boost);
	case Q_BOOL: {
		uint32_t hits = 0, need;
		if (!q->nm && !q->ns && !q->nf && !q->nn)
			return boost;
		for (uint32_t i = 0; i < q->nm; i++) {
			if ((s = eval(q->must[i], m, boost)) < 0)
				return -1;
			sum += s;
		}
		for (uint32_t i = 0; i < q->nf; i++)
			if (eval(q->filter[i], m, 0) < 0)
				return -1;
		for (uint32_t i = 0; i < q->nn; i++)
			if (eval(q->must_not[i], m, 0) >= 0)
				return -1;
		for (uint32_t i = 0; i < q->ns; i++)
			if ((s = eval(q->should[i], m, boost)) >= 0) {
				sum += s;
				hits++;
			}
		need = q->msm == -100 ? 0 : (uint32_t)q->msm;
		if (q->ns && !q->nm && !q->nf && need == 0)
			need = 1;
		return hits >= need ? sum : -1;
	}
	case Q_DISMAX: {
		double mx = -1, tot = 0;
		for (uint32_t i = 0; i < q->ns; i++)
			if ((s = eval(q->should[i], m, boost)) >= 0) {
				tot += s;
				if (s > mx)
					mx = s;
			}
		return mx < 0 ? -1 : mx + (tot - mx) * q->tie;
	}
	case Q_RANGE:
		return m->has_num && m->num >= q->lo && m->num < q->hi ? boost : -1;
	case Q_TERMS:
		for (int t = 0; t < NTAGS; t++)
			if (q->tagset[t] && m->tag[t])
				return boost;
		return -1;
	case Q_PREFIX:
		for (int t = 0; t < NTAGS; t++)
			if (m->tag[t] && strncmp(tags[t], tags[q->tag], 2) == 0)
				return boost;
		return -1;
	case Q_EXISTS:
		return (q->field ? m->nbody > 0 : m->has_num) ? boost : -1;
	case Q_CONST:
		return eval(q->must[0], m, 0) >= 0 ? boost : -1;
	default:
		return boost;
	}
}

/* ---- the corpus ---- */

static void
build(void)
{
	tm_builder_t *b[NSEG];
	uint32_t per = NDOCS / NSEG;

	tm_schema_init(&schema);
	tm_schema_add(&schema, "title", ST_QF_TEXT);
	tm_schema_add(&schema, "body", ST_QF_TEXT);
	tm_schema_add(&schema, "tag", ST_QF_KEYWORD);
	tm_schema_add(&schema, "num", ST_QF_LONG);
	tm_schema_add(&schema, "price", ST_QF_DOUBLE);
	for (int s = 0; s < NSEG; s++)
		b[s] = tm_builder_new(&schema);
	for (uint32_t d = 0; d < NDOCS; d++) {
		mdoc_t *m = &docs[d];
		char id[16], text[512];
		memset(m, 0, sizeof(*m));
		m->seg = d / per;
		snprintf(id, sizeof(id), "d%u", d);
		m->local = tm_doc(b[m->seg], id);
		m->ntitle = 1 + rnd(5);
		m->nbody = rnd(8) == 0 ? 0 : 3 + rnd(36);
		text[0] = '\0';
		for (uint32_t i = 0; i < m->ntitle; i++) {
			m->title[i] = word();
			strcat(text, words[m->title[i]]);
			strcat(text, " ");
		}
		tm_text(b[m->seg], m->local, "title", text);
		text[0] = '\0';
		for (uint32_t i = 0; i < m->nbody; i++) {
			m->body[i] = word();
			strcat(text, words[m->body[i]]);
			strcat(text, ", ");
		}
		if (m->nbody)
			tm_text(b[m->seg], m->local, "body", text);
		for (uint32_t t = rnd(3); t > 0; t--) {
			int k = (int)rnd(NTAGS);
			if (!m->tag[k])
				tm_keyword(b[m->seg], m->local, "tag", tags[k]);
			m->tag[k] = true;
		}
		if (rnd(10)) {
			m->has_num = true;
			m->num = (int64_t)rnd(100);
			tm_long(b[m->seg], m->local, "num", m->num);
		}
		m->price = (double)rnd(10000) / 100;
		tm_double(b[m->seg], m->local, "price", m->price);
		if (rnd(10) == 0) {
			m->deleted = true;
			tm_delete(b[m->seg], m->local);
		}
	}
	for (int s = 0; s < NSEG; s++)
		readers[s] = tm_build(b[s], (uint64_t)s + 1);
	compute_stats();
}

static int
setup(void **state)
{
	(void)state;
	build();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	for (int s = 0; s < NSEG; s++)
		st_reader_unref(readers[s]);
	return 0;
}

/* Brute ranking entry. */
typedef struct bhit {
	double score;
	uint32_t d;
} bhit_t;

static int
bhit_cmp(const void *x, const void *y)
{
	const bhit_t *a = x, *b = y;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return a->d < b->d ? -1 : a->d > b->d;
}

static bool
close_enough(double a, double b)
{
	return fabs(a - b) <= 1e-5 * fmax(fabs(a), fabs(b)) + 1e-9;
}

static uint32_t
doc_of(const st_hit_t *h)
{
	return (uint32_t)atoi(h->id + 1);
}

static void
test_random_queries(void **state)
{
	static char body[65536];
	static bhit_t brute[NDOCS];
	osp_arena_t a;
	uint32_t nq = 2500;

	(void)state;
	uint64_t with_hits = 0, hits_total = 0;

	osp_arena_init(&a, 1 << 16, 0);
	for (uint32_t qi = 0; qi < nq; qi++) {
		st_search_req_t req;
		st_shard_result_t res;
		osp_err_t err;
		size_t w = 0;
		uint32_t nb = 0, from = rnd(4), size = 1 + rnd(30);
		npool = 0;
		qn_t *q = gen(0);

		jput(body, sizeof(body), &w, "{\"from\":%u,\"size\":%u,\"track_total_hits\":true,\"query\":",
		     from, size);
		to_json(q, body, sizeof(body), &w);
		jput(body, sizeof(body), &w, "}");
		int rc = tm_search(readers, NSEG, &schema, body, &a, &req, &res, &err);
		if (rc) {
			print_error("query %u failed: %s %s\n%s\n", qi, err.type, err.reason, body);
			fail();
		}
		for (uint32_t d = 0; d < NDOCS; d++) {
			if (docs[d].deleted)
				continue;
			double s = eval(q, &docs[d], 1.0);
			if (s >= 0)
				brute[nb++] = (bhit_t){ s, d };
		}
		qsort(brute, nb, sizeof(*brute), bhit_cmp);
		if (res.total != nb) {
			print_error("query %u total %llu want %u\n%s\n", qi,
				    (unsigned long long)res.total, nb, body);
			fail();
		}
		uint32_t want = nb < from + size ? nb : from + size;
		assert_int_equal(res.n_hits, want);
		for (uint32_t i = 0; i < res.n_hits; i++) {
			uint32_t d = doc_of(&res.hits[i]);
			double mine = eval(q, &docs[d], 1.0);
			if (mine < 0 || !close_enough(res.hits[i].score, mine) ||
			    !close_enough(res.hits[i].score, brute[i].score)) {
				print_error("query %u hit %u: doc %u score %.9g (brute %.9g), rank %u brute doc %u %.9g\n%s\n",
					    qi, i, d, res.hits[i].score, mine, i, brute[i].d,
					    brute[i].score, body);
				fail();
			}
			if (i && res.hits[i].score > res.hits[i - 1].score)
				fail_msg("order broken at %u in query %u", i, qi);
		}
		with_hits += nb > 0;
		hits_total += nb;
		/* _count agrees */
		uint64_t cnt;
		assert_int_equal(st_search_count(readers, NSEG, req.query, &schema.ops, 0, &a, &cnt, &err), 0);
		assert_int_equal(cnt, nb);
		osp_arena_reset(&a);
	}
	print_message("%u queries, %llu with hits, %llu matching docs in all\n", nq,
		      (unsigned long long)with_hits, (unsigned long long)hits_total);
	osp_arena_free(&a);
}

/* Field sort with missing values, then search_after pages through it. */
static void
test_sort_and_search_after(void **state)
{
	static bhit_t brute[NDOCS];
	osp_arena_t a;
	char body[4096], after[64] = "";

	(void)state;
	osp_arena_init(&a, 1 << 16, 0);
	for (int desc = 0; desc < 2; desc++) {
		uint32_t nb = 0, seen = 0;
		for (uint32_t d = 0; d < NDOCS; d++) {
			if (docs[d].deleted || !docs[d].tag[1])
				continue;
			/* missing last in both orders: encode as +-inf */
			double key = docs[d].has_num ? (double)docs[d].num : (desc ? -1e18 : 1e18);
			brute[nb++] = (bhit_t){ desc ? key : -key, d };
		}
		qsort(brute, nb, sizeof(*brute), bhit_cmp);
		after[0] = '\0';
		for (int page = 0; seen < nb && page < 100; page++) {
			st_search_req_t req;
			st_shard_result_t res;
			osp_err_t err;
			snprintf(body, sizeof(body),
				 "{\"size\":37,\"query\":{\"term\":{\"tag\":\"green\"}},"
				 "\"sort\":[{\"num\":{\"order\":\"%s\"}},\"_doc\"]%s}",
				 desc ? "desc" : "asc", after);
			assert_int_equal(tm_search(readers, NSEG, &schema, body, &a, &req, &res, &err), 0);
			assert_true(res.n_hits > 0);
			for (uint32_t i = 0; i < res.n_hits; i++) {
				uint32_t d = doc_of(&res.hits[i]);
				assert_int_equal(d, brute[seen + i].d);
				assert_true(isnan(res.hits[i].score));
			}
			seen += res.n_hits;
			const st_hit_t *last = &res.hits[res.n_hits - 1];
			snprintf(after, sizeof(after), ",\"search_after\":[%lld,%lld]",
				 (long long)last->sort[0].i, (long long)last->sort[1].i);
			osp_arena_reset(&a);
		}
		assert_int_equal(seen, nb);
		assert_true(nb > 37);
	}
	osp_arena_free(&a);
}

/* Aggregations over random filters, against counts from the model. */
static void
test_aggs(void **state)
{
	osp_arena_t a;

	(void)state;
	osp_arena_init(&a, 1 << 16, 0);
	for (uint32_t it = 0; it < 200; it++) {
		char body[4096];
		st_search_req_t req;
		st_shard_result_t res;
		st_search_merged_t mg;
		osp_err_t err;
		uint64_t tagc[NTAGS] = { 0 }, hist[10] = { 0 }, cnt = 0, tagged = 0;
		double pmin = INFINITY, pmax = -INFINITY, psum = 0;
		uint8_t wd = word();

		snprintf(body, sizeof(body),
			 "{\"size\":0,\"query\":{\"match\":{\"body\":\"%s\"}},\"aggs\":{"
			 "\"t\":{\"terms\":{\"field\":\"tag\",\"size\":10}},"
			 "\"h\":{\"histogram\":{\"field\":\"num\",\"interval\":10,\"min_doc_count\":1}},"
			 "\"p\":{\"stats\":{\"field\":\"price\"}},"
			 "\"c\":{\"cardinality\":{\"field\":\"tag\"}}}}", words[wd]);
		assert_int_equal(tm_search(readers, NSEG, &schema, body, &a, &req, &res, &err), 0);
		st_shard_result_t *parts[1] = { &res };
		assert_int_equal(st_search_merge(&req, parts, 1, &a, &mg, &err), 0);
		for (uint32_t d = 0; d < NDOCS; d++) {
			const mdoc_t *m = &docs[d];
			bool hit = false;
			if (m->deleted)
				continue;
			for (uint32_t i = 0; i < m->nbody; i++)
				hit |= m->body[i] == wd;
			if (!hit)
				continue;
			cnt++;
			bool any = false;
			for (int t = 0; t < NTAGS; t++)
				if (m->tag[t]) {
					tagc[t]++;
					any = true;
				}
			tagged += any;
			if (m->has_num)
				hist[m->num / 10]++;
			psum += m->price;
			if (m->price < pmin) pmin = m->price;
			if (m->price > pmax) pmax = m->price;
		}
		assert_int_equal(res.total, cnt);
		/* terms: every tag with a count, count desc then key asc */
		const st_agg_part_t *t = mg.aggs[0];
		uint32_t ntag = 0, distinct = 0;
		for (int k = 0; k < NTAGS; k++)
			ntag += tagc[k] > 0;
		assert_int_equal(t->n_buckets, ntag);
		for (uint32_t b = 0; b < t->n_buckets; b++) {
			int k;
			for (k = 0; k < NTAGS; k++)
				if (strcmp(tags[k], t->buckets[b].key.s) == 0)
					break;
			assert_true(k < NTAGS);
			assert_int_equal(t->buckets[b].doc_count, tagc[k]);
			if (b)
				assert_true(t->buckets[b].doc_count < t->buckets[b - 1].doc_count ||
					    (t->buckets[b].doc_count == t->buckets[b - 1].doc_count &&
					     strcmp(t->buckets[b].key.s, t->buckets[b - 1].key.s) > 0));
		}
		assert_int_equal(t->sum_other, 0);
		const st_agg_part_t *h = mg.aggs[1];
		uint32_t hb = 0;
		for (int k = 0; k < 10; k++) {
			if (!hist[k])
				continue;
			assert_true(hb < h->n_buckets);
			assert_true(h->buckets[hb].key.d == k * 10.0);
			assert_int_equal(h->buckets[hb].doc_count, hist[k]);
			hb++;
		}
		assert_int_equal(hb, h->n_buckets);
		const st_agg_part_t *p = mg.aggs[2];
		assert_int_equal(p->count, cnt);
		if (cnt) {
			assert_true(p->min == pmin && p->max == pmax);
			assert_true(close_enough(p->sum, psum));
		}
		for (int k = 0; k < NTAGS; k++)
			distinct += tagc[k] > 0;
		assert_int_equal(st_hll_estimate(&mg.aggs[3]->hll), distinct);
		osp_arena_reset(&a);
	}
	osp_arena_free(&a);
}

/* Two shards (segments 0-1 and segment 2): merged field-sorted hits and
 * aggregations equal the single-shard answer. */
static void
test_two_shards(void **state)
{
	osp_arena_t a;

	(void)state;
	osp_arena_init(&a, 1 << 16, 0);
	for (uint32_t it = 0; it < 100; it++) {
		char body[2048];
		st_search_req_t req;
		st_shard_result_t one, s0, s1;
		st_search_merged_t m1, m2;
		osp_err_t err;
		int64_t lo = rnd(80);

		snprintf(body, sizeof(body),
			 "{\"size\":25,\"query\":{\"range\":{\"num\":{\"gte\":%lld}}},"
			 "\"sort\":[{\"num\":\"desc\"},{\"price\":\"asc\"}],"
			 "\"aggs\":{\"t\":{\"terms\":{\"field\":\"tag\",\"size\":2}},"
			 "\"s\":{\"sum\":{\"field\":\"num\"}}}}", (long long)lo);
		assert_int_equal(tm_search(readers, NSEG, &schema, body, &a, &req, &one, &err), 0);
		req.num_shards = 2;
		assert_int_equal(st_search_shard(readers, 2, &req, &schema.ops, &a, &s0, &err), 0);
		assert_int_equal(st_search_shard(readers + 2, 1, &req, &schema.ops, &a, &s1, &err), 0);
		s0.shard = 0;
		s1.shard = 1;
		st_shard_result_t *p1[1] = { &one }, *p2[2] = { &s0, &s1 };
		req.num_shards = 1;
		assert_int_equal(st_search_merge(&req, p1, 1, &a, &m1, &err), 0);
		req.num_shards = 2;
		assert_int_equal(st_search_merge(&req, p2, 2, &a, &m2, &err), 0);
		assert_int_equal(m1.total, m2.total);
		assert_int_equal(m1.n_hits, m2.n_hits);
		for (uint32_t i = 0; i < m1.n_hits; i++) {
			assert_int_equal(m1.hits[i].sort[0].i, m2.hits[i].sort[0].i);
			assert_true(m1.hits[i].sort[1].d == m2.hits[i].sort[1].d);
		}
		assert_true(m1.aggs[1]->sum == m2.aggs[1]->sum);
		assert_int_equal(m1.aggs[0]->n_buckets, m2.aggs[0]->n_buckets);
		for (uint32_t b = 0; b < m1.aggs[0]->n_buckets; b++) {
			assert_string_equal(m1.aggs[0]->buckets[b].key.s, m2.aggs[0]->buckets[b].key.s);
			assert_int_equal(m1.aggs[0]->buckets[b].doc_count, m2.aggs[0]->buckets[b].doc_count);
		}
		assert_int_equal(m1.aggs[0]->sum_other, m2.aggs[0]->sum_other);
		osp_arena_reset(&a);
	}
	osp_arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_queries),
		cmocka_unit_test(test_sort_and_search_after),
		cmocka_unit_test(test_aggs),
		cmocka_unit_test(test_two_shards),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
