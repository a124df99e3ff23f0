/*
 * st_explain.c - Lucene's Explanation trees for one doc (explain=true,
 * GET _explain).
 *
 * Mirrors each weight's explain(): BM25 term/phrase leaves through
 * st_bm25_explain, bool "sum of:" with "match on required clause, product
 * of:" for filters and the failure descriptions Lucene uses, dis_max "max of:"
 * / "max plus T times others of:", constant score as the query string with
 * ^boost. Matching of non-scoring parts is decided with st_weight_bitmap.
 * Explanations are allocated in the caller's arena.
 */
#include <stdio.h>
#include <string.h>

#include "st_search_int.h"

static char *
dup_fmt(osp_arena_t *a, const char *fmt, const char *s, float f)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), fmt, s, (double)f);

	if (n < 0)
		return NULL;
	return osp_arena_strndup(a, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static bool
matches(const st_weight_t *w, const st_reader_t *r, uint32_t doc)
{
	roaring_bitmap_t *b = st_weight_bitmap(w, r);
	bool m = b && roaring_bitmap_contains(b, doc);

	if (b)
		roaring_bitmap_free(b);
	return m;
}

static st_expl_t *
no_match(osp_arena_t *a, const char *desc)
{
	return st_expl_new(a, 0.0f, false, desc, 0);
}

static st_expl_t *
term_explain(const st_weight_t *w, const st_reader_t *r, uint32_t doc, osp_arena_t *a)
{
	const st_postings_t *p;
	const uint8_t *norms = r->ops->norms(r, w->field);
	float freq;

	if (w->kind == ST_W_PHRASE) {
		freq = st_phrase_freq_doc(w, r, doc);
		if (freq <= 0)
			return no_match(a, "no matching term");
	} else {
		if (r->ops->postings(r, w->field, w->terms[0], w->lens[0], &p) ||
		    !roaring_bitmap_contains(p->docs, doc))
			return no_match(a, "no matching term");
		uint32_t idx = (uint32_t)roaring_bitmap_rank(p->docs, doc) - 1;
		freq = (float)(p->freqs ? p->freqs[idx] : 1);
	}
	return st_bm25_explain(a, w, freq, norms ? norms[doc] : 1, doc);
}

static st_expl_t *
bool_explain(const st_weight_t *w, const st_reader_t *r, uint32_t doc, osp_arena_t *a)
{
	uint32_t cap = w->n_must + w->n_should + w->n_filter + w->n_must_not + 1, n = 0;
	st_expl_t **subs = osp_arena_calloc(a, cap * sizeof(*subs)), *e;
	uint32_t should_hits = 0;
	bool fail = false;
	double sum = 0;

	if (!subs)
		return NULL;
	for (uint32_t i = 0; i < w->n_must; i++) {
		if (!(e = st_weight_explain(w->must[i], r, doc, a)))
			return NULL;
		if (e->match) {
			subs[n++] = e;
			sum += e->value;
		} else {
			fail = true;
			subs[n++] = no_match(a, dup_fmt(a, "no match on required clause (%s)",
							w->must[i]->desc ? w->must[i]->desc : "", 0));
		}
	}
	for (uint32_t i = 0; i < w->n_filter; i++) {
		if (matches(w->filter[i], r, doc)) {
			st_expl_t *f = st_expl_new(a, 0.0f, true, "match on required clause, product of:", 2);
			if (!f)
				return NULL;
			f->details[0] = st_expl_new(a, 0.0f, true, "# clause", 0);
			f->details[1] = st_expl_new(a, 1.0f, true, w->filter[i]->desc ? w->filter[i]->desc : "", 0);
			f->n = 2;
			subs[n++] = f;
		} else {
			fail = true;
			subs[n++] = no_match(a, dup_fmt(a, "no match on required clause (%s)",
							w->filter[i]->desc ? w->filter[i]->desc : "", 0));
		}
	}
	for (uint32_t i = 0; i < w->n_must_not; i++) {
		if (matches(w->must_not[i], r, doc)) {
			fail = true;
			subs[n++] = no_match(a, dup_fmt(a, "match on prohibited clause (%s)",
							w->must_not[i]->desc ? w->must_not[i]->desc : "", 0));
		}
	}
	for (uint32_t i = 0; i < w->n_should; i++) {
		if (!(e = st_weight_explain(w->should[i], r, doc, a)))
			return NULL;
		if (e->match) {
			subs[n++] = e;
			sum += e->value;
			should_hits++;
		}
	}
	if (fail) {
		e = st_expl_new(a, 0.0f, false, "Failure to meet condition(s) of required/prohibited clause(s)", 0);
	} else if (should_hits < w->msm) {
		e = st_expl_new(a, 0.0f, false,
				dup_fmt(a, "Failure to match minimum number of optional clauses: %s%.0f", "",
					(float)w->msm), 0);
	} else {
		e = st_expl_new(a, (float)sum, true, "sum of:", 0);
	}
	if (!e)
		return NULL;
	e->details = subs;
	e->n = n;
	return e;
}

static st_expl_t *
dismax_explain(const st_weight_t *w, const st_reader_t *r, uint32_t doc, osp_arena_t *a)
{
	st_expl_t **subs = osp_arena_calloc(a, (w->n_should + 1) * sizeof(*subs)), *e;
	uint32_t n = 0;
	float max = 0;
	double other = 0;

	if (!subs)
		return NULL;
	for (uint32_t i = 0; i < w->n_should; i++) {
		if (!(e = st_weight_explain(w->should[i], r, doc, a)))
			return NULL;
		if (!e->match)
			continue;
		subs[n++] = e;
		if (e->value >= max) {
			other += max;
			max = e->value;
		} else {
			other += e->value;
		}
	}
	if (n == 0)
		return no_match(a, "No matching clause");
	e = st_expl_new(a, (float)(max + other * w->tie), true,
			w->tie == 0 ? "max of:"
				    : dup_fmt(a, "max plus %s%g times others of:", "", w->tie), 0);
	if (!e)
		return NULL;
	e->details = subs;
	e->n = n;
	return e;
}

st_expl_t *
st_weight_explain(const st_weight_t *w, const st_reader_t *r, uint32_t doc, osp_arena_t *a)
{
	switch (w->kind) {
	case ST_W_TERM:
	case ST_W_PHRASE:
		return term_explain(w, r, doc, a);
	case ST_W_BOOL:
		return bool_explain(w, r, doc, a);
	case ST_W_DISMAX:
		return dismax_explain(w, r, doc, a);
	case ST_W_ALL:
		if (doc >= r->max_doc)
			return no_match(a, "*:*");
		return st_expl_new(a, w->boost, true,
				   w->boost == 1.0f ? "*:*" : dup_fmt(a, "%s^%g", "*:*", w->boost), 0);
	case ST_W_NONE:
		return no_match(a, "MatchNoDocsQuery(\"\")");
	case ST_W_CONST:
	case ST_W_FILTER:
		if (!matches(w->kind == ST_W_CONST ? w->child : w, r, doc))
			return no_match(a, dup_fmt(a, "%s doesn't match id %.0f", w->desc ? w->desc : "",
						   (float)doc));
		return st_expl_new(a, w->boost, true,
				   w->boost == 1.0f ? (w->desc ? w->desc : "")
						    : dup_fmt(a, "%s^%g", w->desc ? w->desc : "", w->boost), 0);
	}
	return NULL;
}
