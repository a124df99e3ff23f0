/*
 * st_collect.c - the top-k collector of one shard search.
 *
 * Keeps the best k = from + size candidates in a binary heap whose root is
 * the worst one, ordered by the request's sort (default: _score desc) with
 * Lucene's tie-break (segment order, then doc id, ascending). Field sort
 * values come from doc values (numeric: min/max/sum/avg/median over a
 * multi-valued doc, keyword: min/max ordinal's bytes), with missing
 * _last/_first/value as Elasticsearch applies them; search_after drops every
 * candidate not strictly after the given values. Candidate sort values are
 * computed into scratch space and copied into a heap slot only when the
 * candidate enters, so collection allocates nothing per doc. Belongs to one
 * search on one worker; strings are copied into the result arena by
 * st_coll_finish.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "st_collect.h"

/* A missing value sorts after everything (or before, with _first); kept as
 * ST_VAL_NULL internally and written as Elasticsearch writes it. */

int
st_value_cmp(const st_value_t *x, const st_value_t *y)
{
	if (x->type == ST_VAL_STRING || y->type == ST_VAL_STRING) {
		const char *xs = x->s ? x->s : "", *ys = y->s ? y->s : "";
		uint32_t xl = x->s ? x->len : 0, yl = y->s ? y->len : 0;
		int c = memcmp(xs, ys, xl < yl ? xl : yl);
		return c ? (c < 0 ? -1 : 1) : (xl < yl ? -1 : xl > yl);
	}
	if (x->type == ST_VAL_LONG && y->type == ST_VAL_LONG)
		return x->i < y->i ? -1 : x->i > y->i;
	double a = x->type == ST_VAL_BOOL ? x->b : x->d;
	double b = y->type == ST_VAL_BOOL ? y->b : y->d;
	return a < b ? -1 : a > b;
}

int
st_coll_init(st_coll_t *c, const st_search_req_t *req, const st_search_fields_t *f,
	     osp_arena_t *a, osp_err_t *err)
{
	uint32_t ns = req->n_sort;

	memset(c, 0, sizeof(*c));
	c->max_score = NAN;
	c->req = req;
	c->a = a;
	c->k = (uint32_t)req->from + (uint32_t)req->size;
	c->n_sort = ns;
	c->by_score_only = ns == 0 || (ns == 1 && req->sort[0].kind == ST_SORT_SCORE &&
				       req->sort[0].desc);
	c->need_scores = c->by_score_only || req->track_scores || req->has_min_score;
	for (uint32_t i = 0; i < ns; i++) {
		const st_sort_t *s = &req->sort[i];
		if (s->kind == ST_SORT_SCORE)
			c->need_scores = true;
		if (s->kind == ST_SORT_FIELD) {
			const void *df;
			st_qfield_kind_t k = f->kind(f->arg, s->field, &df);
			if (k == ST_QF_UNMAPPED)
				return osp_err_set(err, 400, "query_shard_exception",
						   "No mapping found for [%s] in order to sort on",
						   s->field);
			if (k == ST_QF_TEXT)
				return osp_err_illegal_argument(err,
					"Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [%s] in order to load field data by uninverting the inverted index. Note that this can use significant memory.",
					s->field);
			c->fkind[i < ST_COLL_MAX_SORT ? i : 0] = (uint8_t)k;
		}
	}
	if (ns > ST_COLL_MAX_SORT)
		return osp_err_illegal_argument(err, "too many sort keys [%u]", ns);
	if (c->k == 0)
		return 0;
	c->slots = osp_arena_calloc(a, c->k * sizeof(*c->slots));
	c->heap = osp_arena_calloc(a, c->k * sizeof(*c->heap));
	if (ns) {
		c->vals = osp_arena_calloc(a, (size_t)c->k * ns * sizeof(st_value_t));
		if (!c->vals)
			return -ENOMEM;
		for (uint32_t i = 0; i < c->k; i++)
			c->slots[i].sort = &c->vals[(size_t)i * ns];
	}
	return c->slots && c->heap ? 0 : -ENOMEM;
}

int
st_coll_segment(st_coll_t *c, const st_reader_t *r, uint32_t seg_ord)
{
	if (c->r)
		c->doc_base += c->r->max_doc;
	c->r = r;
	c->seg = seg_ord;
	for (uint32_t i = 0; i < c->n_sort; i++) {
		const st_sort_t *s = &c->req->sort[i];
		c->has_num[i] = c->has_ss[i] = false;
		if (s->kind != ST_SORT_FIELD)
			continue;
		if (r->ops->dv_numeric(r, s->field, &c->num[i]) == 0)
			c->has_num[i] = true;
		else if (r->ops->dv_sorted_set(r, s->field, &c->ss[i]) == 0)
			c->has_ss[i] = true;
	}
	return 0;
}

/* Sort value of field sort i for doc. */
static void
field_value(st_coll_t *c, uint32_t i, uint32_t doc, st_value_t *v)
{
	const st_sort_t *s = &c->req->sort[i];
	uint8_t mode = s->mode ? s->mode : (s->desc ? ST_MODE_MAX : ST_MODE_MIN);

	memset(v, 0, sizeof(*v));
	if (c->has_num[i]) {
		const st_dv_numeric_t *dv = &c->num[i];
		uint32_t a = dv->start[doc], b = dv->start[doc + 1], n = b - a;
		if (n == 0)
			goto missing;
		if (dv->is_double) {
			double x = 0;
			if (mode == ST_MODE_MIN) x = dv->dval[a];
			else if (mode == ST_MODE_MAX) x = dv->dval[b - 1];
			else if (mode == ST_MODE_MEDIAN) {
				x = n % 2 ? dv->dval[a + n / 2]
					  : (dv->dval[a + n / 2 - 1] + dv->dval[a + n / 2]) / 2;
			} else {
				for (uint32_t j = a; j < b; j++)
					x += dv->dval[j];
				if (mode == ST_MODE_AVG)
					x /= n;
			}
			v->type = ST_VAL_DOUBLE;
			v->d = x;
		} else {
			int64_t x = 0;
			if (mode == ST_MODE_MIN) x = dv->ival[a];
			else if (mode == ST_MODE_MAX) x = dv->ival[b - 1];
			else if (mode == ST_MODE_MEDIAN) {
				x = n % 2 ? dv->ival[a + n / 2]
					  : (int64_t)llround(((double)dv->ival[a + n / 2 - 1] +
							      (double)dv->ival[a + n / 2]) / 2);
			} else {
				for (uint32_t j = a; j < b; j++)
					x += dv->ival[j];
				if (mode == ST_MODE_AVG)
					x = (int64_t)llround((double)x / n);
			}
			v->type = ST_VAL_LONG;
			v->i = x;
			v->d = (double)x;
		}
		return;
	}
	if (c->has_ss[i]) {
		const st_dv_sorted_set_t *ss = &c->ss[i];
		uint32_t a = ss->start[doc], b = ss->start[doc + 1];
		if (a == b)
			goto missing;
		uint32_t o = mode == ST_MODE_MAX ? ss->ords[b - 1] : ss->ords[a];
		v->type = ST_VAL_STRING;
		v->s = ss->term_bytes + ss->term_off[o];
		v->len = ss->term_off[o + 1] - ss->term_off[o];
		return;
	}
missing:
	if (s->missing == ST_MISSING_VALUE) {
		*v = s->missing_value;
		if (v->type == ST_VAL_STRING && c->fkind[i] != ST_QF_KEYWORD) {
			v->d = strtod(v->s, NULL);
			v->i = (int64_t)v->d;
			v->type = c->fkind[i] == ST_QF_DOUBLE ? ST_VAL_DOUBLE : ST_VAL_LONG;
		}
		return;
	}
	v->type = ST_VAL_NULL;
}

/* <0 when x ranks before y. */
static int
cmp_key(const st_coll_t *c, float xs, uint32_t xseg, uint32_t xdoc, const st_value_t *xv,
	float ys, uint32_t yseg, uint32_t ydoc, const st_value_t *yv)
{
	for (uint32_t i = 0; i < c->n_sort; i++) {
		const st_sort_t *s = &c->req->sort[i];
		int r = 0;
		if (s->kind == ST_SORT_SCORE) {
			r = xs < ys ? -1 : xs > ys;
		} else if (s->kind == ST_SORT_DOC) {
			r = xseg != yseg ? (xseg < yseg ? -1 : 1) : (xdoc < ydoc ? -1 : xdoc > ydoc);
		} else {
			bool xm = xv[i].type == ST_VAL_NULL, ym = yv[i].type == ST_VAL_NULL;
			if (xm || ym) {
				if (xm && ym)
					continue;
				/* missing: _last in either order unless _first */
				r = xm ? 1 : -1;
				if (s->missing == ST_MISSING_FIRST)
					r = -r;
				return r;
			}
			r = st_value_cmp(&xv[i], &yv[i]);
		}
		if (s->desc)
			r = -r;
		if (r)
			return r;
	}
	if (c->n_sort == 0 && xs != ys)
		return xs > ys ? -1 : 1;
	if (xseg != yseg)
		return xseg < yseg ? -1 : 1;
	return xdoc < ydoc ? -1 : xdoc > ydoc;
}

static int
cmp_slot(const st_coll_t *c, const st_coll_slot_t *x, const st_coll_slot_t *y)
{
	return cmp_key(c, x->score, x->seg, x->doc, x->sort, y->score, y->seg, y->doc, y->sort);
}

/* Heap with the worst candidate at the root. */
static void
sift_down(st_coll_t *c, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, w = i;
		if (l < c->n && cmp_slot(c, &c->slots[c->heap[l]], &c->slots[c->heap[w]]) > 0)
			w = l;
		if (r < c->n && cmp_slot(c, &c->slots[c->heap[r]], &c->slots[c->heap[w]]) > 0)
			w = r;
		if (w == i)
			return;
		uint32_t t = c->heap[i];
		c->heap[i] = c->heap[w];
		c->heap[w] = t;
		i = w;
	}
}

static void
sift_up(st_coll_t *c, uint32_t i)
{
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (cmp_slot(c, &c->slots[c->heap[i]], &c->slots[c->heap[p]]) <= 0)
			return;
		uint32_t t = c->heap[i];
		c->heap[i] = c->heap[p];
		c->heap[p] = t;
		i = p;
	}
}

/* The value a missing numeric sort key takes (Elasticsearch substitutes
 * Long.MAX_VALUE / MIN_VALUE or +-Infinity by order and missing); false for
 * keywords (missing stays null). */
static bool
missing_value(const st_coll_t *c, uint32_t i, st_value_t *v)
{
	const st_sort_t *s = &c->req->sort[i];
	bool high = (s->missing == ST_MISSING_FIRST) == s->desc;

	memset(v, 0, sizeof(*v));
	if (c->fkind[i] == ST_QF_KEYWORD)
		return false;
	if (c->fkind[i] == ST_QF_DOUBLE) {
		v->type = ST_VAL_DOUBLE;
		v->d = high ? INFINITY : -INFINITY;
	} else {
		v->type = ST_VAL_LONG;
		v->i = high ? INT64_MAX : INT64_MIN;
		v->d = (double)v->i;
	}
	return true;
}

/* search_after: true when the candidate is strictly after the given values. */
static bool
after_ok(const st_coll_t *c, float score, uint64_t gdoc, const st_value_t *v)
{
	const st_search_req_t *q = c->req;

	if (c->n_sort == 0) {
		const st_value_t *a = &q->search_after[0];
		float as = (float)(a->type == ST_VAL_LONG ? (double)a->i : a->d);
		return score < as;
	}
	for (uint32_t i = 0; i < c->n_sort; i++) {
		const st_sort_t *s = &q->sort[i];
		const st_value_t *a = &q->search_after[i];
		st_value_t x;
		int r;
		if (s->kind == ST_SORT_SCORE) {
			/* Elasticsearch reads a _score search_after value as a float */
			float as = (float)(a->type == ST_VAL_LONG ? (double)a->i : a->d);
			r = score < as ? -1 : score > as;
		} else if (s->kind == ST_SORT_DOC) {
			int64_t ad = a->type == ST_VAL_LONG ? a->i : (int64_t)a->d;
			r = (int64_t)gdoc < ad ? -1 : (int64_t)gdoc > ad;
		} else {
			x = v[i];
			if (x.type == ST_VAL_NULL)
				missing_value(c, i, &x);
			bool xm = x.type == ST_VAL_NULL, am = a->type == ST_VAL_NULL;
			if (xm || am) {
				if (xm && am)
					continue;
				r = xm ? 1 : -1;
				if (s->missing == ST_MISSING_FIRST)
					r = -r;
				return r > 0;
			}
			st_value_t av = *a;
			if (av.type == ST_VAL_STRING && x.type != ST_VAL_STRING) {
				av.d = strtod(av.s, NULL);
				av.i = (int64_t)av.d;
				av.type = x.type;
			} else if (av.type == ST_VAL_LONG && x.type == ST_VAL_DOUBLE) {
				av.d = (double)av.i;
				av.type = ST_VAL_DOUBLE;
			}
			r = st_value_cmp(&x, &av);
		}
		if (s->desc)
			r = -r;
		if (r)
			return r > 0;
	}
	return false;
}

int
st_coll_offer(st_coll_t *c, uint32_t doc, float score)
{
	st_value_t tmp[ST_COLL_MAX_SORT];
	st_coll_slot_t *slot;

	if (c->need_scores && !isnan(score) && (isnan(c->max_score) || score > c->max_score || c->seen == 0))
		c->max_score = score;
	c->seen++;
	if (c->k == 0)
		return 0;
	for (uint32_t i = 0; i < c->n_sort; i++)
		if (c->req->sort[i].kind == ST_SORT_FIELD)
			field_value(c, i, doc, &tmp[i]);
	if (c->req->n_search_after && !after_ok(c, score, c->doc_base + doc, tmp))
		return 0;
	if (c->n == c->k) {
		slot = &c->slots[c->heap[0]];
		if (cmp_key(c, score, c->seg, doc, tmp, slot->score, slot->seg, slot->doc,
			    slot->sort) >= 0)
			return 0;
		slot->score = score;
		slot->seg = c->seg;
		slot->doc = doc;
		slot->gdoc = c->doc_base + doc;
		if (c->n_sort)
			memcpy(slot->sort, tmp, c->n_sort * sizeof(*tmp));
		sift_down(c, 0);
		return 1;
	}
	slot = &c->slots[c->n];
	slot->score = score;
	slot->seg = c->seg;
	slot->doc = doc;
	slot->gdoc = c->doc_base + doc;
	if (c->n_sort)
		memcpy(slot->sort, tmp, c->n_sort * sizeof(*tmp));
	c->heap[c->n] = c->n;
	c->n++;
	sift_up(c, c->n - 1);
	return 1;
}

float
st_coll_threshold(const st_coll_t *c)
{
	if (c->n < c->k || c->k == 0)
		return 0.0f;
	return c->slots[c->heap[0]].score;
}

static int
cmp_sorted(const void *x, const void *y, void *arg)
{
	return cmp_slot(arg, x, y);
}

int
st_coll_finish(st_coll_t *c, st_reader_t *const *readers, st_hit_t **out, uint32_t *n)
{
	st_coll_slot_t *sorted;
	st_hit_t *hits;

	*out = NULL;
	*n = 0;
	if (c->n == 0)
		return 0;
	sorted = osp_arena_alloc(c->a, c->n * sizeof(*sorted));
	hits = osp_arena_calloc(c->a, c->n * sizeof(*hits));
	if (!sorted || !hits)
		return -ENOMEM;
	for (uint32_t i = 0; i < c->n; i++)
		sorted[i] = c->slots[c->heap[i]];
	qsort_r(sorted, c->n, sizeof(*sorted), cmp_sorted, c);
	for (uint32_t i = 0; i < c->n; i++) {
		const st_reader_t *r = readers[sorted[i].seg];
		st_doc_meta_t meta;
		st_hit_t *h = &hits[i];
		h->seg_ord = sorted[i].seg;
		h->seg_gen = r->gen;
		h->doc = sorted[i].doc;
		h->score = c->need_scores ? sorted[i].score : NAN;
		if (r->ops->doc_meta(r, h->doc, &meta) == 0) {
			h->id = osp_arena_strndup(c->a, meta.id, meta.id_len);
			h->id_len = meta.id_len;
			if (!h->id)
				return -ENOMEM;
		}
		if (c->n_sort) {
			h->n_sort = c->n_sort;
			h->sort = osp_arena_calloc(c->a, c->n_sort * sizeof(st_value_t));
			if (!h->sort)
				return -ENOMEM;
			for (uint32_t j = 0; j < c->n_sort; j++) {
				const st_sort_t *s = &c->req->sort[j];
				st_value_t *v = &h->sort[j];
				if (s->kind == ST_SORT_SCORE) {
					v->type = ST_VAL_DOUBLE;
					v->d = sorted[i].score;
				} else if (s->kind == ST_SORT_DOC) {
					v->type = ST_VAL_LONG;
					v->i = (int64_t)sorted[i].gdoc;
					v->d = (double)v->i;
				} else {
					*v = sorted[i].sort[j];
					if (v->type == ST_VAL_STRING) {
						v->s = osp_arena_strndup(c->a, v->s, v->len);
						if (!v->s)
							return -ENOMEM;
					}
					if (v->type == ST_VAL_NULL)
						missing_value(c, j, v);
				}
			}
		}
	}
	*out = hits;
	*n = c->n;
	return 0;
}
