/*
 * st_range.c - numeric and date ranges (ST_F_NUM_RANGE) on one segment.
 *
 * Both bounds become sortable int64 keys (st_reader.h's points order), so
 * long, date and double fields share one path:
 *   - the match set: two binary searches over the field's points give one
 *     slice of docs, sorted by value; sparse slices are sorted into a doc
 *     array, dense ones go through a bitset, then one roaring build;
 *   - counts: on a single-valued field the slice's length is the count;
 *     deletes are subtracted by looking up the deleted docs' values (or the
 *     live set, whichever side is smaller), no set is built; exists on a
 *     numeric field counts the points' docs the same way;
 *   - top-k: when the slice is dense, a scorer walks doc values in doc order
 *     and stops at the first k hits (constant scores: later docs never beat
 *     earlier ties), instead of building the set; if the hits turn out to
 *     cluster late (values growing with doc ids), it builds the set after
 *     all, so the scan never costs more than 64 docs per hit;
 *   - readers without points (NULL op) scan doc values as before.
 * Deleted docs are in the sets (the caller intersects with the live docs).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "st_search_int.h"

/* Dense: one doc in DENSE_DIV or more matches. */
#define DENSE_DIV 32u

typedef struct bounds {
	int64_t lo, hi;          /* inclusive keys */
	bool empty;
} bounds_t;

/* Key bounds of w against a field stored as double (is_double) or long.
 * false when the pair cannot be compared by keys (a double query on long
 * values: scan doc values instead). */
static bool
key_bounds(const st_weight_t *w, bool is_double, bounds_t *b)
{
	memset(b, 0, sizeof(*b));
	if (!is_double) {
		if (w->is_double)
			return false;
		b->lo = w->lo_i;
		b->hi = w->hi_i;
		b->empty = w->lo_i > w->hi_i;
		return true;
	}
	if (!w->is_double || isnan(w->lo_d) || isnan(w->hi_d)) {
		b->empty = true;
		return w->is_double;
	}
	/* -0.0 == +0.0: an inclusive bound takes both, an exclusive neither */
	double lo = w->lo_d == 0 ? (w->lo_inc ? -0.0 : 0.0) : w->lo_d;
	double hi = w->hi_d == 0 ? (w->hi_inc ? 0.0 : -0.0) : w->hi_d;

	b->lo = st_points_key_double(lo);
	b->hi = st_points_key_double(hi);
	if (!w->lo_inc) {
		if (b->lo == INT64_MAX)
			b->empty = true;
		else
			b->lo++;
	}
	if (!w->hi_inc) {
		if (b->hi == INT64_MIN)
			b->empty = true;
		else
			b->hi--;
	}
	b->empty = b->empty || b->lo > b->hi;
	return true;
}

/* First index with keys[i] >= k (upper: > k). */
static uint32_t
bsearch_key(const int64_t *keys, uint32_t n, int64_t k, bool upper)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (keys[mid] < k || (upper && keys[mid] == k))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The slice [*a, *b) of r's points matching w; false without points. */
static bool
slice(const st_weight_t *w, const st_reader_t *r, st_points_t *pt, bounds_t *bd,
      uint32_t *a, uint32_t *b)
{
	if (!r->ops->points || r->ops->points(r, w->field, pt) ||
	    !key_bounds(w, pt->is_double, bd))
		return false;
	*a = *b = 0;
	if (!bd->empty) {
		*a = bsearch_key(pt->keys, pt->n, bd->lo, false);
		*b = bsearch_key(pt->keys + *a, pt->n - *a, bd->hi, true) + *a;
	}
	return true;
}

static inline int64_t
dv_key(const st_dv_numeric_t *dv, uint32_t i)
{
	return dv->is_double ? st_points_key_double(dv->dval[i]) : dv->ival[i];
}

/* Does doc d have a value inside bd? */
static inline bool
dv_match(const st_dv_numeric_t *dv, const bounds_t *bd, uint32_t d)
{
	for (uint32_t i = dv->start[d]; i < dv->start[d + 1]; i++) {
		int64_t k = dv_key(dv, i);

		if (k >= bd->lo && k <= bd->hi)
			return true;
	}
	return false;
}

static int
cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return (a > b) - (a < b);
}

static roaring_bitmap_t *
slice_bitmap(const st_points_t *pt, uint32_t a, uint32_t b, uint32_t max_doc)
{
	uint32_t m = b - a, n = 0, *ids = malloc((size_t)(m ? m : 1) * 4);
	roaring_bitmap_t *res = NULL;

	if (!ids)
		return NULL;
	if ((uint64_t)m * DENSE_DIV < max_doc) {
		memcpy(ids, pt->docs + a, (size_t)m * 4);
		qsort(ids, m, 4, cmp_u32);
		for (uint32_t i = 0; i < m; i++)
			if (n == 0 || ids[n - 1] != ids[i])
				ids[n++] = ids[i];
	} else {
		size_t nw = (size_t)max_doc / 64 + 1;
		uint64_t *bits = calloc(nw, 8);

		if (!bits)
			goto cleanup;
		for (uint32_t i = a; i < b; i++)
			bits[pt->docs[i] >> 6] |= 1ull << (pt->docs[i] & 63);
		for (size_t wi = 0; wi < nw; wi++)
			for (uint64_t x = bits[wi]; x; x &= x - 1)
				ids[n++] = (uint32_t)(wi * 64 + (unsigned)__builtin_ctzll(x));
		free(bits);
	}
	res = roaring_bitmap_of_ptr(n, ids);
cleanup:
	free(ids);
	return res;
}

/* Doc-values scan (readers without points, or double queries on longs). */
static bool
num_in(const st_weight_t *w, const st_dv_numeric_t *dv, uint32_t i)
{
	if (dv->is_double || w->is_double) {
		double v = dv->is_double ? dv->dval[i] : (double)dv->ival[i];

		return !(v < w->lo_d || (v == w->lo_d && !w->lo_inc) ||
			 v > w->hi_d || (v == w->hi_d && !w->hi_inc));
	}
	return dv->ival[i] >= w->lo_i && dv->ival[i] <= w->hi_i;
}

static roaring_bitmap_t *
scan_bitmap(const st_weight_t *w, const st_reader_t *r)
{
	st_dv_numeric_t dv;
	uint32_t *ids, n = 0;
	roaring_bitmap_t *res;

	if (r->ops->dv_numeric(r, w->field, &dv))
		return roaring_bitmap_create();
	ids = malloc(((size_t)r->max_doc + 1) * sizeof(*ids));
	if (!ids)
		return NULL;
	for (uint32_t d = 0; d < r->max_doc; d++)
		for (uint32_t i = dv.start[d]; i < dv.start[d + 1]; i++)
			if (num_in(w, &dv, i)) {
				ids[n++] = d;
				break;
			}
	res = roaring_bitmap_of_ptr(n, ids);
	free(ids);
	return res;
}

roaring_bitmap_t *
st_range_bitmap(const st_weight_t *w, const st_reader_t *r)
{
	st_points_t pt;
	bounds_t bd;
	uint32_t a, b;

	if (!slice(w, r, &pt, &bd, &a, &b))
		return scan_bitmap(w, r);
	if (a == b)
		return roaring_bitmap_create();
	return slice_bitmap(&pt, a, b, r->max_doc);
}

/* Take from *n the deleted docs of r with a value of field inside bd (NULL:
 * any value), looked up in the doc values. */
static int
drop_deleted(const st_reader_t *r, const char *field, const bounds_t *bd, uint64_t *n)
{
	roaring_bitmap_t *del;
	roaring_uint32_iterator_t it;
	st_dv_numeric_t dv;

	if (r->ops->dv_numeric(r, field, &dv))
		return -ENOTSUP;
	if (!(del = roaring_bitmap_flip(r->live, 0, r->max_doc)))
		return -ENOMEM;
	roaring_init_iterator(del, &it);
	for (; it.has_value; roaring_advance_uint32_iterator(&it)) {
		uint32_t d = it.current_value;
		*n -= bd ? dv_match(&dv, bd, d) : dv.start[d] < dv.start[d + 1];
	}
	roaring_bitmap_free(del);
	return 0;
}

int
st_range_count(const st_weight_t *w, const st_reader_t *r, uint64_t *count)
{
	st_points_t pt;
	bounds_t bd;
	uint32_t a, b, deleted;
	uint64_t n;
	int rc;

	if (!slice(w, r, &pt, &bd, &a, &b) || !pt.single)
		return -ENOTSUP;
	n = b - a;
	deleted = r->live ? r->max_doc - r->num_docs : 0;
	if (n == 0 || deleted == 0) {
		*count = n;
		return 0;
	}
	if (deleted < n) {
		if ((rc = drop_deleted(r, w->field, &bd, &n)))
			return rc;
	} else {
		uint64_t live = 0;

		for (uint32_t i = a; i < b; i++)
			live += roaring_bitmap_contains(r->live, pt.docs[i]);
		n = live;
	}
	*count = n;
	return 0;
}

int
st_range_exists_count(const st_weight_t *w, const st_reader_t *r, uint64_t *count)
{
	st_points_t pt;
	uint64_t n;
	int rc;

	if (!r->ops->points || r->ops->points(r, w->field, &pt))
		return -ENOTSUP;
	n = pt.doc_count;
	if (r->live && r->num_docs < r->max_doc && (rc = drop_deleted(r, w->field, NULL, &n)))
		return rc;
	*count = n;
	return 0;
}

/* ---- the dense top-k scorer ---- */

typedef struct range_sc {
	st_scorer_t s;
	st_dv_numeric_t dv;
	bounds_t bd;
	uint32_t max_doc;
	float score;
	bool done;
	/* Matches may cluster (values that grow with doc ids, as timestamps
	 * do): once the scan reads more than SCAN_PER_HIT docs per hit found,
	 * the slice's set is built and iterated instead. */
	st_sctx_t *c;
	st_points_t pt;
	uint32_t a, b;
	uint64_t scanned, hits;
	roaring_bitmap_t *set;
	roaring_uint32_iterator_t it;
} range_sc_t;

#define SCAN_PER_HIT 64u

static uint32_t
range_advance(st_scorer_t *s, uint32_t target)
{
	range_sc_t *g = (range_sc_t *)s;

	if (g->done)
		return s->doc = ST_NO_MORE_DOCS;
	if (!g->set) {
		for (uint32_t d = target; d < g->max_doc; d++) {
			if (dv_match(&g->dv, &g->bd, d)) {
				g->hits++;
				return s->doc = d;
			}
			if (++g->scanned > SCAN_PER_HIT * (g->hits + 1)) {
				g->set = st_sctx_own(g->c, slice_bitmap(&g->pt, g->a, g->b, g->max_doc));
				if (!g->set)
					return s->doc = ST_NO_MORE_DOCS;
				roaring_init_iterator(g->set, &g->it);
				target = d + 1;
				break;
			}
		}
		if (!g->set)
			return s->doc = ST_NO_MORE_DOCS;
	}
	if (g->it.has_value && g->it.current_value < target)
		roaring_move_uint32_iterator_equalorlarger(&g->it, target);
	return s->doc = g->it.has_value ? g->it.current_value : ST_NO_MORE_DOCS;
}

static float
range_score(st_scorer_t *s)
{
	return ((range_sc_t *)s)->score;
}

/* A constant score at or below the threshold cannot compete any more. */
static void
range_set_min(st_scorer_t *s, float min)
{
	range_sc_t *g = (range_sc_t *)s;

	if (min >= g->score)
		g->done = true;
}

int
st_range_scorer(const st_weight_t *w, float score, st_sctx_t *c, st_scorer_t **out)
{
	const st_reader_t *r = c->r;
	st_points_t pt;
	range_sc_t *g;
	bounds_t bd;
	uint32_t a, b;

	*out = NULL;
	if (!slice(w, r, &pt, &bd, &a, &b) || (uint64_t)(b - a) * DENSE_DIV < r->max_doc)
		return -ENOTSUP;
	if (!(g = osp_arena_calloc(c->a, sizeof(*g)))) {
		c->rc = -ENOMEM;
		return 0;
	}
	if (r->ops->dv_numeric(r, w->field, &g->dv))
		return -ENOTSUP;
	g->c = c;
	g->pt = pt;
	g->a = a;
	g->b = b;
	g->bd = bd;
	g->max_doc = r->max_doc;
	g->score = score;
	g->s.doc = UINT32_MAX;
	g->s.advance = range_advance;
	g->s.score = range_score;
	g->s.set_min = range_set_min;
	g->s.max_score = score;
	g->s.cost = b - a;
	*out = &g->s;
	return 0;
}
