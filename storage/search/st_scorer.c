/*
 * st_scorer.c - doc-at-a-time scorers for one segment.
 *
 * term (BM25 over a postings cursor, block-max skipping when it is the
 * root), bitmap (constant score over a roaring set), all, conjunction,
 * disjunction (sum; minimum_should_match; MaxScore once the collector
 * publishes a competitive threshold), req/opt (must + optional should),
 * dis_max and a filtered wrapper (filter / must_not as one allowed set).
 * Scores are combined as Lucene combines them: sums in double rounded to
 * float once per scorer, dis_max as max + tie * sum(others). Every scorer
 * lives in the search arena and borrows bitmaps from st_sctx_t.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "st_search_int.h"

/* Relative slack on upper bounds, so float rounding never prunes a doc
 * whose exact score reaches the threshold. */
#define UB_SLACK 1.00001f

void
st_sctx_init(st_sctx_t *c, const st_reader_t *r, osp_arena_t *a)
{
	memset(c, 0, sizeof(*c));
	c->r = r;
	c->a = a;
}

roaring_bitmap_t *
st_sctx_own(st_sctx_t *c, roaring_bitmap_t *bm)
{
	if (!bm) {
		c->rc = -ENOMEM;
		return NULL;
	}
	if (c->n_owned == c->cap) {
		uint32_t ncap = c->cap ? c->cap * 2 : 8;
		roaring_bitmap_t **n = realloc(c->owned, ncap * sizeof(*n));
		if (!n) {
			roaring_bitmap_free(bm);
			c->rc = -ENOMEM;
			return NULL;
		}
		c->owned = n;
		c->cap = ncap;
	}
	c->owned[c->n_owned++] = bm;
	return bm;
}

void
st_sctx_done(st_sctx_t *c)
{
	for (uint32_t i = 0; i < c->n_owned; i++)
		roaring_bitmap_free(c->owned[i]);
	free(c->owned);
	c->owned = NULL;
	c->n_owned = c->cap = 0;
}

static void *
snew(st_sctx_t *c, size_t size)
{
	void *p = osp_arena_calloc(c->a, size);

	if (!p)
		c->rc = -ENOMEM;
	return p;
}

const uint8_t *
st_search_norms(const st_reader_t *r, const char *field)
{
	return r->ops->norms(r, field);
}

/* ---- term ---- */

typedef struct term_sc {
	st_scorer_t s;
	st_fcur_t cur;
	const uint8_t *norms;
	const st_bm25_t *bm;
	float min;               /* competitive threshold (root only) */
	uint32_t skip_blk;       /* block index checked last */
} term_sc_t;

static float
term_score(st_scorer_t *s)
{
	term_sc_t *t = (term_sc_t *)s;
	uint8_t norm = t->norms ? t->norms[t->s.doc] : 1;

	return st_bm25_score(t->bm, (float)st_fcur_freq(&t->cur), norm);
}

/* Skip whole blocks whose upper bound cannot beat t->min. */
static void
term_skip_blocks(term_sc_t *t)
{
	const st_postings_t *p = t->cur.p;

	while (t->cur.doc != ST_NO_MORE_DOCS && p->blocks) {
		uint32_t b = st_fcur_idx(&t->cur) / ST_BLOCK_DOCS;
		const st_block_max_t *bm = &p->blocks[b];
		float ub = st_bm25_score(t->bm, (float)bm->max_freq,
					 t->norms ? bm->min_norm : 1) * UB_SLACK;
		if (ub >= t->min)
			break;
		if (bm->last_doc == ST_NO_MORE_DOCS - 1) {
			t->cur.doc = ST_NO_MORE_DOCS;
			break;
		}
		st_fcur_advance(&t->cur, bm->last_doc + 1);
	}
}

static uint32_t
term_advance(st_scorer_t *s, uint32_t target)
{
	term_sc_t *t = (term_sc_t *)s;

	if (target == t->cur.doc + 1)
		st_fcur_next(&t->cur);
	else
		st_fcur_advance(&t->cur, target);
	if (t->min > 0)
		term_skip_blocks(t);
	return s->doc = t->cur.doc;
}

static void
term_set_min(st_scorer_t *s, float min)
{
	((term_sc_t *)s)->min = min;
}

static st_scorer_t *
term_scorer(const st_weight_t *w, st_sctx_t *c)
{
	const st_postings_t *p;
	term_sc_t *t;

	if (c->r->ops->postings(c->r, w->field, w->terms[0], w->lens[0], &p) || p->doc_freq == 0)
		return NULL;
	if (!(t = snew(c, sizeof(*t))))
		return NULL;
	st_fcur_init(&t->cur, p);
	t->norms = c->r->ops->norms(c->r, w->field);
	t->bm = w->bm25;
	t->s.doc = UINT32_MAX; /* before the first doc: advance(0) positions */
	t->s.advance = term_advance;
	t->s.score = term_score;
	t->s.set_min = term_set_min;
	t->s.max_score = st_bm25_score(w->bm25, (float)(p->max_freq ? p->max_freq : 1),
				       t->norms ? p->min_norm : 1);
	t->s.cost = p->doc_freq;
	return &t->s;
}

/* ---- bitmap / all ---- */

typedef struct bm_sc {
	st_scorer_t s;
	roaring_uint32_iterator_t it;
	float score;
	uint32_t max_doc;        /* ALL: iterate 0..max_doc */
	bool all;
	bool done;               /* the threshold reached the score */
} bm_sc_t;

static float
bm_score(st_scorer_t *s)
{
	return ((bm_sc_t *)s)->score;
}

static uint32_t
bm_advance(st_scorer_t *s, uint32_t target)
{
	bm_sc_t *b = (bm_sc_t *)s;

	if (b->done)
		return s->doc = ST_NO_MORE_DOCS;
	if (b->all)
		return s->doc = target < b->max_doc ? target : ST_NO_MORE_DOCS;
	if (!b->it.has_value)
		return s->doc = ST_NO_MORE_DOCS;
	if (s->doc != UINT32_MAX && target == s->doc + 1)
		roaring_advance_uint32_iterator(&b->it);
	else if (b->it.current_value < target)
		roaring_move_uint32_iterator_equalorlarger(&b->it, target);
	return s->doc = b->it.has_value ? b->it.current_value : ST_NO_MORE_DOCS;
}

/* Later docs lose ties, so a constant score at or below the threshold is
 * done. */
static void
bm_set_min(st_scorer_t *s, float min)
{
	bm_sc_t *b = (bm_sc_t *)s;

	if (min >= b->score)
		b->done = true;
}

st_scorer_t *
st_scorer_bitmap(const roaring_bitmap_t *bm, float score, st_sctx_t *c)
{
	bm_sc_t *b;

	if (!bm || roaring_bitmap_is_empty(bm))
		return NULL;
	if (!(b = snew(c, sizeof(*b))))
		return NULL;
	roaring_init_iterator(bm, &b->it);
	b->score = score;
	b->s.doc = UINT32_MAX;
	b->s.advance = bm_advance;
	b->s.score = bm_score;
	b->s.set_min = bm_set_min;
	b->s.max_score = score;
	b->s.cost = (uint32_t)roaring_bitmap_get_cardinality(bm);
	return &b->s;
}

static st_scorer_t *
all_scorer(float score, st_sctx_t *c)
{
	bm_sc_t *b;

	if (c->r->max_doc == 0 || !(b = snew(c, sizeof(*b))))
		return NULL;
	b->all = true;
	b->max_doc = c->r->max_doc;
	b->score = score;
	b->s.doc = UINT32_MAX;
	b->s.advance = bm_advance;
	b->s.score = bm_score;
	b->s.set_min = bm_set_min;
	b->s.max_score = score;
	b->s.cost = c->r->max_doc;
	return &b->s;
}

/* ---- conjunction ---- */

typedef struct conj_sc {
	st_scorer_t s;
	st_scorer_t **k;         /* sorted by cost; k[0] leads */
	uint32_t n;
} conj_sc_t;

static uint32_t
conj_advance(st_scorer_t *s, uint32_t target)
{
	conj_sc_t *c = (conj_sc_t *)s;
	uint32_t doc = c->k[0]->advance(c->k[0], target);

again:
	if (doc == ST_NO_MORE_DOCS)
		return s->doc = doc;
	for (uint32_t i = 1; i < c->n; i++) {
		uint32_t d = c->k[i]->doc;
		if (d == UINT32_MAX || d < doc)
			d = c->k[i]->advance(c->k[i], doc);
		if (d != doc) {
			doc = d == ST_NO_MORE_DOCS ? d : c->k[0]->advance(c->k[0], d);
			goto again;
		}
	}
	return s->doc = doc;
}

static float
conj_score(st_scorer_t *s)
{
	conj_sc_t *c = (conj_sc_t *)s;
	double sum = 0;

	for (uint32_t i = 0; i < c->n; i++)
		sum += c->k[i]->score(c->k[i]);
	return (float)sum;
}

static int
by_cost(const void *x, const void *y)
{
	const st_scorer_t *a = *(st_scorer_t *const *)x, *b = *(st_scorer_t *const *)y;

	return a->cost < b->cost ? -1 : a->cost > b->cost;
}

static st_scorer_t *
conj_scorer(st_scorer_t **k, uint32_t n, st_sctx_t *c)
{
	conj_sc_t *j;
	double ub = 0;

	if (n == 1)
		return k[0];
	if (!(j = snew(c, sizeof(*j))))
		return NULL;
	qsort(k, n, sizeof(*k), by_cost);
	j->k = k;
	j->n = n;
	for (uint32_t i = 0; i < n; i++)
		ub += k[i]->max_score;
	j->s.doc = UINT32_MAX;
	j->s.advance = conj_advance;
	j->s.score = conj_score;
	j->s.max_score = (float)ub;
	j->s.cost = k[0]->cost;
	return &j->s;
}

/* ---- disjunction (sum) with minimum_should_match and MaxScore ---- */

typedef struct disj_sc {
	st_scorer_t s;
	st_scorer_t **k;         /* ascending max_score */
	double *prefix;          /* prefix[i] = sum of max_score of k[0..i] */
	uint32_t n;
	uint32_t msm;
	uint32_t ess;            /* k[0..ess) are non-essential (MaxScore) */
	float min;
	double score;            /* score of the current doc */
	bool dismax;
	float tie;
} disj_sc_t;

static uint32_t
kid_doc(st_scorer_t *k, uint32_t target)
{
	if (k->doc == UINT32_MAX || k->doc < target)
		return k->advance(k, target);
	return k->doc;
}

static double
combine_dismax(disj_sc_t *d, uint32_t doc)
{
	float max = 0;
	double other = 0;

	for (uint32_t i = 0; i < d->n; i++) {
		if (d->k[i]->doc != doc)
			continue;
		float sc = d->k[i]->score(d->k[i]);
		if (sc >= max) {
			other += max;
			max = sc;
		} else {
			other += sc;
		}
	}
	return (float)(max + other * d->tie);
}

static uint32_t
disj_advance(st_scorer_t *s, uint32_t target)
{
	disj_sc_t *d = (disj_sc_t *)s;

	for (;;) {
		uint32_t doc = ST_NO_MORE_DOCS, cnt = 0;
		double sum = 0;

		for (uint32_t i = d->ess; i < d->n; i++) {
			uint32_t x = kid_doc(d->k[i], target);
			if (x < doc)
				doc = x;
		}
		if (doc == ST_NO_MORE_DOCS)
			return s->doc = doc;
		for (uint32_t i = d->ess; i < d->n; i++) {
			if (d->k[i]->doc == doc) {
				cnt++;
				if (!d->dismax)
					sum += d->k[i]->score(d->k[i]);
			}
		}
		/* non-essential clauses, best first, while the doc can compete */
		bool pruned = false;
		for (uint32_t i = d->ess; i-- > 0;) {
			if (!d->dismax && d->msm <= 1 &&
			    (float)(sum + d->prefix[i]) * UB_SLACK < d->min) {
				pruned = true;
				break;
			}
			if (kid_doc(d->k[i], doc) == doc) {
				cnt++;
				if (!d->dismax)
					sum += d->k[i]->score(d->k[i]);
			}
		}
		if (!pruned && cnt >= d->msm) {
			d->score = d->dismax ? combine_dismax(d, doc) : (float)sum;
			return s->doc = doc;
		}
		target = doc + 1;
	}
}

static float
disj_score(st_scorer_t *s)
{
	return (float)((disj_sc_t *)s)->score;
}

static void
disj_set_min(st_scorer_t *s, float min)
{
	disj_sc_t *d = (disj_sc_t *)s;

	d->min = min;
	if (d->dismax || d->msm > 1)
		return;
	while (d->ess < d->n - 1 && (float)d->prefix[d->ess] * UB_SLACK < min)
		d->ess++;
}

static int
by_max(const void *x, const void *y)
{
	const st_scorer_t *a = *(st_scorer_t *const *)x, *b = *(st_scorer_t *const *)y;

	return a->max_score < b->max_score ? -1 : a->max_score > b->max_score;
}

static st_scorer_t *
disj_scorer(st_scorer_t **k, uint32_t n, uint32_t msm, bool dismax, float tie,
	    st_sctx_t *c)
{
	disj_sc_t *d;
	double sum = 0, mx = 0;

	if (n < msm || n == 0)
		return NULL;
	if (n == 1 && !dismax)
		return k[0];
	if (!(d = snew(c, sizeof(*d))) || !(d->prefix = snew(c, n * sizeof(double))))
		return NULL;
	qsort(k, n, sizeof(*k), by_max);
	d->k = k;
	d->n = n;
	d->msm = msm ? msm : 1;
	d->dismax = dismax;
	d->tie = tie;
	for (uint32_t i = 0; i < n; i++) {
		sum += k[i]->max_score;
		d->prefix[i] = sum;
		if (k[i]->max_score > mx)
			mx = k[i]->max_score;
		d->s.cost += k[i]->cost;
	}
	d->s.doc = UINT32_MAX;
	d->s.advance = disj_advance;
	d->s.score = disj_score;
	d->s.set_min = disj_set_min;
	d->s.max_score = dismax ? (float)(mx + (sum - mx) * tie) : (float)sum;
	return &d->s;
}

/* ---- req / opt ---- */

typedef struct reqopt_sc {
	st_scorer_t s;
	st_scorer_t *req, *opt;
} reqopt_sc_t;

static uint32_t
reqopt_advance(st_scorer_t *s, uint32_t target)
{
	reqopt_sc_t *r = (reqopt_sc_t *)s;

	return s->doc = r->req->advance(r->req, target);
}

static float
reqopt_score(st_scorer_t *s)
{
	reqopt_sc_t *r = (reqopt_sc_t *)s;
	double sc = r->req->score(r->req);

	if (kid_doc(r->opt, s->doc) == s->doc)
		sc += r->opt->score(r->opt);
	return (float)sc;
}

static st_scorer_t *
reqopt_scorer(st_scorer_t *req, st_scorer_t *opt, st_sctx_t *c)
{
	reqopt_sc_t *r;

	if (!opt)
		return req;
	if (!(r = snew(c, sizeof(*r))))
		return NULL;
	r->req = req;
	r->opt = opt;
	r->s.doc = UINT32_MAX;
	r->s.advance = reqopt_advance;
	r->s.score = reqopt_score;
	r->s.max_score = req->max_score + opt->max_score;
	r->s.cost = req->cost;
	return &r->s;
}

/* ---- filtered (allowed set) ---- */

typedef struct filt_sc {
	st_scorer_t s;
	st_scorer_t *in;
	const roaring_bitmap_t *allowed;
} filt_sc_t;

static uint32_t
filt_advance(st_scorer_t *s, uint32_t target)
{
	filt_sc_t *f = (filt_sc_t *)s;

	for (;;) {
		uint32_t d = f->in->advance(f->in, target);
		if (d == ST_NO_MORE_DOCS || roaring_bitmap_contains(f->allowed, d))
			return s->doc = d;
		target = d + 1;
	}
}

static float
filt_score(st_scorer_t *s)
{
	filt_sc_t *f = (filt_sc_t *)s;

	return f->in->score(f->in);
}

static void
filt_set_min(st_scorer_t *s, float min)
{
	filt_sc_t *f = (filt_sc_t *)s;

	if (f->in->set_min)
		f->in->set_min(f->in, min);
}

static st_scorer_t *
filt_scorer(st_scorer_t *in, const roaring_bitmap_t *allowed, st_sctx_t *c)
{
	filt_sc_t *f;

	if (!allowed)
		return in;
	if (roaring_bitmap_is_empty(allowed) || !(f = snew(c, sizeof(*f))))
		return NULL;
	f->in = in;
	f->allowed = allowed;
	f->s.doc = UINT32_MAX;
	f->s.advance = filt_advance;
	f->s.score = filt_score;
	f->s.set_min = in->set_min ? filt_set_min : NULL;
	f->s.max_score = in->max_score;
	f->s.cost = in->cost;
	return &f->s;
}

/* ---- bool ---- */

/* Scorers of a clause list, NULLs dropped; *n updated. */
static st_scorer_t **
kids(st_weight_t *const *ws, uint32_t *n, bool all_required, st_sctx_t *c, bool *dead)
{
	st_scorer_t **k = snew(c, (*n + 2) * sizeof(*k));
	uint32_t m = 0;

	if (!k)
		return NULL;
	for (uint32_t i = 0; i < *n; i++) {
		st_scorer_t *s = st_scorer_build(ws[i], c);
		if (c->rc)
			return NULL;
		if (s)
			k[m++] = s;
		else if (all_required)
			*dead = true;
	}
	*n = m;
	return k;
}

static st_scorer_t *
bool_scorer(const st_weight_t *w, st_sctx_t *c)
{
	roaring_bitmap_t *allowed = NULL;
	st_scorer_t **must, **should, *req = NULL, *res;
	uint32_t nm = w->n_must, ns = w->n_should;
	bool dead = false;

	if (w->n_filter || w->n_must_not) {
		st_weight_t fw = *w;
		fw.n_must = fw.n_should = 0;
		fw.msm = 0;
		fw.should_required = false;
		allowed = st_sctx_own(c, st_weight_bitmap(&fw, c->r));
		if (!allowed)
			return NULL;
	}
	must = kids(w->must, &nm, true, c, &dead);
	if (!must || dead)
		return NULL;
	should = kids(w->should, &ns, false, c, &dead);
	if (!should)
		return NULL;
	if (w->n_must == 0 && w->n_should == 0)
		return allowed ? st_scorer_bitmap(allowed, 0.0f, c) : NULL;
	if (nm == 0 && ns == 0 && (w->should_required || w->msm > 0 || w->n_must))
		return NULL;
	if (w->should_required || w->msm > 0) {
		st_scorer_t *disj = disj_scorer(should, ns, w->msm ? w->msm : 1, false, 0, c);
		if (!disj)
			return NULL;
		if (nm == 0) {
			res = disj;
		} else {
			must[nm++] = disj;
			res = conj_scorer(must, nm, c);
		}
		return filt_scorer(res, allowed, c);
	}
	/* should clauses are optional */
	if (nm)
		req = conj_scorer(must, nm, c);
	if (!req) {
		/* filter-only required part: score 0 + optional should */
		if (!allowed)
			return NULL;
		req = st_scorer_bitmap(allowed, 0.0f, c);
		if (!req)
			return NULL;
		allowed = NULL;
	}
	res = reqopt_scorer(req, ns ? disj_scorer(should, ns, 1, false, 0, c) : NULL, c);
	return res ? filt_scorer(res, allowed, c) : NULL;
}

st_scorer_t *
st_scorer_build(const st_weight_t *w, st_sctx_t *c)
{
	switch (w->kind) {
	case ST_W_TERM:
		return term_scorer(w, c);
	case ST_W_PHRASE:
		return st_scorer_phrase(w, c);
	case ST_W_BOOL:
		return bool_scorer(w, c);
	case ST_W_DISMAX: {
		uint32_t n = w->n_should;
		bool dead = false;
		st_scorer_t **k = kids(w->should, &n, false, c, &dead);
		return k ? disj_scorer(k, n, 1, true, w->tie, c) : NULL;
	}
	case ST_W_CONST: {
		st_scorer_t *rs;
		if (w->child && w->child->kind == ST_W_FILTER && w->child->fkind == ST_F_NUM_RANGE &&
		    st_range_scorer(w->child, w->boost, c, &rs) == 0)
			return rs;
		roaring_bitmap_t *bm = st_sctx_own(c, st_weight_bitmap(w->child, c->r));
		return bm ? st_scorer_bitmap(bm, w->boost, c) : NULL;
	}
	case ST_W_ALL:
		return all_scorer(w->boost, c);
	case ST_W_NONE:
		return NULL;
	case ST_W_FILTER: {
		st_scorer_t *rs;
		if (w->fkind == ST_F_NUM_RANGE && st_range_scorer(w, w->boost, c, &rs) == 0)
			return rs;
		roaring_bitmap_t *bm = st_sctx_own(c, st_weight_bitmap(w, c->r));
		return bm ? st_scorer_bitmap(bm, w->boost, c) : NULL;
	}
	}
	return NULL;
}
