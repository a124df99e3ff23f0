/*
 * test_search_oracle.c - the model side of test_oracle.c: a random corpus
 * description, random query trees written as query DSL JSON, and the
 * brute-force evaluator computing matches and BM25 scores from the
 * formulas over the raw documents (see test_oracle.c for what is checked).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_search_oracle.h"

const char *words[NWORDS] = {
	"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
	"hotel", "india", "juliet", "kilo", "lima", "mike", "november",
};
const char *tags[NTAGS] = { "red", "green", "blue", "black", "white", "rose" };

mdoc_t docs[NDOCS];
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* Zipf-ish word choice. */
uint8_t
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

void
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

static qn_t pool[20000];
uint32_t npool;

static const char *fname(int f) { return f ? "body" : "title"; }

qn_t *
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
		gen_range(q, -1);
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

int
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

/* A bound as JSON: integers, hundredths as decimals, dates as epoch
 * millis or yyyy-MM-dd. */
static void
range_bound(const qn_t *q, int64_t v, char *b, size_t cap, size_t *w)
{
	if (q->rf == RF_PRICE || q->rf == RF_TEMP) {
		jput(b, cap, w, "%s%lld.%02lld", v < 0 ? "-" : "", (long long)(llabs(v) / 100),
		     (long long)(llabs(v) % 100));
	} else if (q->rf == RF_WHEN) {
		time_t t = (time_t)((RF_BASE + v * RF_DAY) / 1000);
		struct tm tmv;

		gmtime_r(&t, &tmv);
		if (v & 1)
			jput(b, cap, w, "%lld", (long long)(RF_BASE + v * RF_DAY));
		else
			jput(b, cap, w, "\"%04d-%02d-%02d\"", tmv.tm_year + 1900, tmv.tm_mon + 1,
			     tmv.tm_mday);
	} else {
		jput(b, cap, w, "%lld", (long long)v);
	}
}

void
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
		jput(b, cap, w, "{\"range\":{\"%s\":{", rf_name[q->rf]);
		if (!q->lo_open) {
			jput(b, cap, w, "\"%s\":", q->lo_inc ? "gte" : "gt");
			range_bound(q, q->lo, b, cap, w);
			jput(b, cap, w, ",");
		}
		if (!q->hi_open) {
			jput(b, cap, w, "\"%s\":", q->hi_inc ? "lte" : "lt");
			range_bound(q, q->hi, b, cap, w);
			jput(b, cap, w, ",");
		}
		jput(b, cap, w, "\"boost\":%g}}}", q->boost);
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

double
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
		return range_match(q, m) ? boost : -1;
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


const char *const rf_name[RF_N] = { "num", "price", "nums", "when", "temp" };

void
gen_range(qn_t *q, int rf)
{
	static const int64_t lo0[RF_N] = { -5, -50, -100, -2, -10000 };
	static const uint32_t span[RF_N] = { 100, 10000, 200, 60, 20000 };
	static const uint32_t width[RF_N] = { 60, 5000, 120, 40, 8000 };

	q->rf = rf >= 0 ? rf : (int)rnd(RF_N);
	q->lo = lo0[q->rf] + (int64_t)rnd(span[q->rf]);
	q->hi = q->lo + (int64_t)rnd(width[q->rf]);
	q->lo_inc = rnd(2);
	q->hi_inc = rnd(2);
	q->lo_open = rnd(8) == 0;
	q->hi_open = rnd(8) == 0;
}

static bool
in_long(const qn_t *q, int64_t v, int64_t lo, int64_t hi)
{
	return (q->lo_open || v > lo || (q->lo_inc && v == lo)) &&
	       (q->hi_open || v < hi || (q->hi_inc && v == hi));
}

static bool
in_double(const qn_t *q, double v)
{
	double lo = (double)q->lo / 100, hi = (double)q->hi / 100;

	return (q->lo_open || v > lo || (q->lo_inc && v == lo)) &&
	       (q->hi_open || v < hi || (q->hi_inc && v == hi));
}

bool
range_match(const qn_t *q, const mdoc_t *m)
{
	switch (q->rf) {
	case RF_NUM:
		return m->has_num && in_long(q, m->num, q->lo, q->hi);
	case RF_PRICE:
		return in_double(q, m->price);
	case RF_NUMS:
		for (uint32_t i = 0; i < m->nnums; i++)
			if (in_long(q, m->nums[i], q->lo, q->hi))
				return true;
		return false;
	case RF_WHEN:
		return m->has_when &&
		       in_long(q, m->when, RF_BASE + q->lo * RF_DAY, RF_BASE + q->hi * RF_DAY);
	case RF_TEMP:
		return m->has_temp && in_double(q, m->temp);
	}
	return false;
}
