/*
 * st_phrase.c - phrase matching and the phrase scorer (match_phrase).
 *
 * A phrase is a conjunction of its terms' postings; on each common doc the
 * positions decide. slop 0 counts exact matches (Lucene's
 * ExactPhraseMatcher: freq = number of start positions). slop > 0 follows
 * Lucene's SloppyPhraseMatcher: phrase positions (term position minus query
 * offset) advance from the smallest, each minimal window of length
 * matchLength <= slop adds 1 / (1 + matchLength) to the float freq. Repeated
 * terms inside one phrase are not given Lucene's special repeat handling.
 * The freq is then scored by BM25 with the sum of the terms' idf.
 */
#include <errno.h>
#include <string.h>

#include "st_search_int.h"

#define MAX_PHRASE_TERMS 64

/* One term's positions in the current doc. */
typedef struct pp {
	const uint32_t *pos;
	uint32_t n, i;
	int32_t off;
	int64_t cur;             /* pos[i] - off */
} pp_t;

static bool
pp_next(pp_t *p)
{
	if (++p->i >= p->n)
		return false;
	p->cur = (int64_t)p->pos[p->i] - p->off;
	return true;
}

static float
exact_freq(pp_t *pps, uint32_t n)
{
	float freq = 0;

	for (uint32_t s = 0; s < pps[0].n; s++) {
		int64_t start = (int64_t)pps[0].pos[s] - pps[0].off;
		bool ok = true;
		for (uint32_t t = 1; t < n && ok; t++) {
			pp_t *p = &pps[t];
			while (p->i < p->n && (int64_t)p->pos[p->i] - p->off < start)
				p->i++;
			ok = p->i < p->n && (int64_t)p->pos[p->i] - p->off == start;
		}
		if (ok)
			freq += 1.0f;
	}
	return freq;
}

/* Smallest phrase position among pps except skip (PhraseQueue order:
 * position, then offset). */
static uint32_t
pq_min(pp_t *pps, const bool *in, uint32_t n)
{
	uint32_t best = UINT32_MAX;

	for (uint32_t i = 0; i < n; i++) {
		if (!in[i])
			continue;
		if (best == UINT32_MAX || pps[i].cur < pps[best].cur ||
		    (pps[i].cur == pps[best].cur && pps[i].off < pps[best].off))
			best = i;
	}
	return best;
}

static float
sloppy_freq(pp_t *pps, uint32_t n, int32_t slop)
{
	bool in[MAX_PHRASE_TERMS];
	int64_t end = INT64_MIN, ml, next;
	uint32_t p;
	float freq = 0;

	for (uint32_t i = 0; i < n; i++) {
		pps[i].i = 0;
		pps[i].cur = (int64_t)pps[i].pos[0] - pps[i].off;
		if (pps[i].cur > end)
			end = pps[i].cur;
		in[i] = true;
	}
	p = pq_min(pps, in, n);
	in[p] = false;
	ml = end - pps[p].cur;
	next = pps[pq_min(pps, in, n)].cur;
	while (pp_next(&pps[p])) {
		if (pps[p].cur > end)
			end = pps[p].cur;
		if (pps[p].cur > next) {
			in[p] = true;
			if (ml <= slop)
				freq += 1.0f / (1.0f + (float)ml);
			p = pq_min(pps, in, n);
			in[p] = false;
			next = pps[pq_min(pps, in, n)].cur;
			ml = end - pps[p].cur;
		} else {
			int64_t ml2 = end - pps[p].cur;
			if (ml2 < ml)
				ml = ml2;
		}
	}
	if (ml <= slop)
		freq += 1.0f / (1.0f + (float)ml);
	return freq;
}

static float
phrase_freq(const st_weight_t *w, const st_postings_t *const *ps, const uint32_t *idx)
{
	pp_t pps[MAX_PHRASE_TERMS];
	uint32_t n = w->n_terms;

	for (uint32_t t = 0; t < n; t++) {
		const st_postings_t *p = ps[t];
		if (!p->pos_start)
			return 0;
		pps[t].pos = p->positions + p->pos_start[idx[t]];
		pps[t].n = p->pos_start[idx[t] + 1] - p->pos_start[idx[t]];
		pps[t].i = 0;
		pps[t].off = w->positions[t];
		if (pps[t].n == 0)
			return 0;
	}
	return w->slop == 0 ? exact_freq(pps, n) : sloppy_freq(pps, n, w->slop);
}

float
st_phrase_freq_doc(const st_weight_t *w, const st_reader_t *r, uint32_t doc)
{
	const st_postings_t *ps[MAX_PHRASE_TERMS];
	uint32_t idx[MAX_PHRASE_TERMS];

	if (w->n_terms > MAX_PHRASE_TERMS)
		return 0;
	for (uint32_t t = 0; t < w->n_terms; t++) {
		if (r->ops->postings(r, w->field, w->terms[t], w->lens[t], &ps[t]) ||
		    !roaring_bitmap_contains(ps[t]->docs, doc))
			return 0;
		idx[t] = (uint32_t)roaring_bitmap_rank(ps[t]->docs, doc) - 1;
	}
	return phrase_freq(w, ps, idx);
}

/* The scorer: the terms' docs intersected once by roaring (container
 * algebra, no leapfrogging cursors), then on each common doc the cursors
 * move there for the ranks and the positions decide. */
typedef struct phrase_sc {
	st_scorer_t s;
	const st_weight_t *w;
	st_fcur_t cur[MAX_PHRASE_TERMS];
	const st_postings_t *ps[MAX_PHRASE_TERMS];
	roaring_uint32_iterator_t it;  /* over the common docs */
	const uint8_t *norms;
	float freq;
} phrase_sc_t;

static uint32_t
phrase_advance(st_scorer_t *s, uint32_t target)
{
	phrase_sc_t *ph = (phrase_sc_t *)s;
	uint32_t n = ph->w->n_terms, idx[MAX_PHRASE_TERMS];

	if (ph->it.has_value && ph->it.current_value < target) {
		if (target == ph->it.current_value + 1)
			roaring_advance_uint32_iterator(&ph->it);
		else
			roaring_move_uint32_iterator_equalorlarger(&ph->it, target);
	}
	for (; ph->it.has_value; roaring_advance_uint32_iterator(&ph->it)) {
		uint32_t doc = ph->it.current_value;
		for (uint32_t t = 0; t < n; t++) {
			st_fcur_advance(&ph->cur[t], doc);
			idx[t] = st_fcur_idx(&ph->cur[t]);
		}
		ph->freq = phrase_freq(ph->w, ph->ps, idx);
		if (ph->freq > 0)
			return s->doc = doc;
	}
	return s->doc = ST_NO_MORE_DOCS;
}

static float
phrase_score(st_scorer_t *s)
{
	phrase_sc_t *ph = (phrase_sc_t *)s;
	uint8_t norm = ph->norms ? ph->norms[s->doc] : 1;

	return st_bm25_score(ph->w->bm25, ph->freq, norm);
}

st_scorer_t *
st_scorer_phrase(const st_weight_t *w, st_sctx_t *c)
{
	phrase_sc_t *ph;

	if (w->n_terms > MAX_PHRASE_TERMS)
		return NULL;
	ph = osp_arena_calloc(c->a, sizeof(*ph));
	if (!ph) {
		c->rc = -ENOMEM;
		return NULL;
	}
	ph->w = w;
	for (uint32_t t = 0; t < w->n_terms; t++) {
		if (c->r->ops->postings(c->r, w->field, w->terms[t], w->lens[t], &ph->ps[t]) ||
		    ph->ps[t]->doc_freq == 0)
			return NULL;
		st_fcur_init(&ph->cur[t], ph->ps[t]);
	}
	const roaring_bitmap_t *common = ph->ps[0]->docs;
	if (w->n_terms > 1) {
		roaring_bitmap_t *x = st_sctx_own(c, roaring_bitmap_and(ph->ps[0]->docs,
									 ph->ps[1]->docs));
		for (uint32_t t = 2; x && t < w->n_terms; t++)
			roaring_bitmap_and_inplace(x, ph->ps[t]->docs);
		if (!x || roaring_bitmap_is_empty(x))
			return NULL;
		common = x;
	}
	roaring_init_iterator(common, &ph->it);
	ph->norms = c->r->ops->norms(c->r, w->field);
	ph->s.doc = UINT32_MAX;
	ph->s.advance = phrase_advance;
	ph->s.score = phrase_score;
	ph->s.max_score = w->bm25->weight;
	ph->s.cost = (uint32_t)roaring_bitmap_get_cardinality(common);
	return &ph->s;
}
