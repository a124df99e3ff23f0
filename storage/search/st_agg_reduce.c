/*
 * st_agg_reduce.c - reducing aggregation partials of many shards (network
 * core) as Elasticsearch's InternalAggregation.reduce does.
 *
 * Metrics add up (count, sum, min, max; cardinality sketches merge). Terms
 * buckets with the same key are summed, then ordered, filtered by
 * min_doc_count and cut to size; sum_other_doc_count adds the shards' own
 * and the cut buckets; doc_count_error_upper_bound sums, over shards that
 * may have cut buckets, the count of their last bucket (0 with one shard or
 * key order). Histogram buckets merge by key; with min_doc_count 0 the gaps
 * (and extended_bounds) are filled with empty buckets, at most
 * search.max_buckets (65536). Sub-aggregations reduce recursively per
 * bucket. Results live in the merge arena (they may point into partials).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "st_agg_int.h"

#define MAX_BUCKETS 65536

static st_agg_part_t *
part_new(osp_arena_t *a, const st_agg_part_t *like)
{
	st_agg_part_t *p = osp_arena_calloc(a, sizeof(*p));

	if (!p)
		return NULL;
	p->agg = like->agg;
	p->kind = like->kind;
	p->value_kind = like->value_kind;
	p->date_format = like->date_format;
	p->min = INFINITY;
	p->max = -INFINITY;
	st_hll_init(&p->hll, like->agg->precision_threshold, a);
	return p;
}

/* An empty partial of the same shape (for gap buckets). */
static st_agg_part_t *
part_empty(osp_arena_t *a, const st_agg_part_t *like)
{
	return part_new(a, like);
}

/* Group entries: one bucket of one shard. */
typedef struct gb {
	const st_bucket_t *b;
	uint32_t shard;
} gb_t;

static int
gb_key_cmp(const void *x, const void *y)
{
	const gb_t *a = x, *b = y;
	int c = st_value_cmp(&a->b->key, &b->b->key);

	return c ? c : (a->shard < b->shard ? -1 : a->shard > b->shard);
}

int
st_bucket_order_cmp(const void *x, const void *y, void *arg)
{
	const st_bucket_t *a = x, *b = y;
	uint8_t order = *(const uint8_t *)arg;
	int kc = st_value_cmp(&a->key, &b->key);

	switch (order) {
	case ST_ORDER_COUNT_ASC:
		if (a->doc_count != b->doc_count)
			return a->doc_count < b->doc_count ? -1 : 1;
		return kc;
	case ST_ORDER_KEY_ASC:
		return kc;
	case ST_ORDER_KEY_DESC:
		return -kc;
	default:
		if (a->doc_count != b->doc_count)
			return a->doc_count > b->doc_count ? -1 : 1;
		return kc;
	}
}

/* Merge buckets of all parts by key (sorted by key). */
static int
merge_buckets(st_agg_part_t *const *parts, uint32_t n, osp_arena_t *a,
	      st_bucket_t **out, uint32_t *nout, osp_err_t *err)
{
	uint32_t total = 0, m = 0, nsub;
	gb_t *all;
	st_bucket_t *res;
	int rc;

	for (uint32_t i = 0; i < n; i++)
		total += parts[i]->n_buckets;
	*out = NULL;
	*nout = 0;
	if (!total)
		return 0;
	all = malloc(total * sizeof(*all));
	res = osp_arena_calloc(a, total * sizeof(*res));
	if (!all || !res) {
		free(all);
		return -ENOMEM;
	}
	for (uint32_t i = 0, k = 0; i < n; i++)
		for (uint32_t b = 0; b < parts[i]->n_buckets; b++, k++)
			all[k] = (gb_t){ &parts[i]->buckets[b], i };
	qsort(all, total, sizeof(*all), gb_key_cmp);
	nsub = parts[0]->agg->n_subs;
	for (uint32_t i = 0; i < total;) {
		uint32_t j = i;
		st_bucket_t *r = &res[m++];
		r->key = all[i].b->key;
		while (j < total && st_value_cmp(&all[j].b->key, &r->key) == 0) {
			r->doc_count += all[j].b->doc_count;
			j++;
		}
		if (nsub) {
			st_agg_part_t **tmp = malloc((j - i) * sizeof(*tmp));
			r->subs = osp_arena_calloc(a, nsub * sizeof(*r->subs));
			if (!tmp || !r->subs) {
				free(tmp);
				free(all);
				return -ENOMEM;
			}
			for (uint32_t s = 0; s < nsub; s++) {
				for (uint32_t k = i; k < j; k++)
					tmp[k - i] = all[k].b->subs[s];
				if ((rc = st_agg_reduce(tmp, j - i, a, &r->subs[s], err))) {
					free(tmp);
					free(all);
					return rc;
				}
			}
			free(tmp);
		}
		i = j;
	}
	free(all);
	*out = res;
	*nout = m;
	return 0;
}

/* Doc count error of one shard's terms partial (AbstractInternalTerms). */
static int64_t
shard_error(const st_agg_part_t *p)
{
	uint8_t o = p->agg->order;

	if (p->n_buckets == 0 || p->n_buckets < p->shard_size ||
	    o == ST_ORDER_KEY_ASC || o == ST_ORDER_KEY_DESC)
		return 0;
	if (o == ST_ORDER_COUNT_DESC)
		return (int64_t)p->buckets[p->n_buckets - 1].doc_count;
	return -1;
}

static int
reduce_terms(st_agg_part_t *const *parts, uint32_t n, osp_arena_t *a, st_agg_part_t *r,
	     osp_err_t *err)
{
	const st_agg_t *g = r->agg;
	uint8_t order = g->order;
	int64_t error = 0;
	uint32_t keep = 0;
	int rc;

	for (uint32_t i = 0; i < n; i++) {
		int64_t e = shard_error(parts[i]);
		r->sum_other += parts[i]->sum_other;
		if (e < 0 || error < 0)
			error = -1;
		else
			error += e;
	}
	r->doc_count_error = n <= 1 ? 0 : error;
	if ((rc = merge_buckets(parts, n, a, &r->buckets, &r->n_buckets, err)))
		return rc;
	qsort_r(r->buckets, r->n_buckets, sizeof(*r->buckets), st_bucket_order_cmp, &order);
	for (uint32_t b = 0; b < r->n_buckets; b++) {
		if ((int64_t)r->buckets[b].doc_count < g->min_doc_count)
			continue;
		if (keep < g->size)
			r->buckets[keep++] = r->buckets[b];
		else
			r->sum_other += r->buckets[b].doc_count;
	}
	r->n_buckets = keep;
	return 0;
}

static double
next_key(const st_agg_t *g, double key)
{
	if (g->kind == ST_AGG_DATE_HISTOGRAM && g->calendar_unit)
		return (double)st_agg_cal_add((int64_t)key, g->calendar_unit, g->tz_offset_s);
	return key + g->interval;
}

static double
round_key(const st_agg_t *g, double v)
{
	if (g->kind == ST_AGG_DATE_HISTOGRAM && g->calendar_unit) {
		int64_t off = (int64_t)g->offset;
		return (double)(st_agg_cal_round((int64_t)v - off, g->calendar_unit,
						 g->tz_offset_s) + off);
	}
	return floor((v - g->offset) / g->interval) * g->interval + g->offset;
}

static int
reduce_histo(st_agg_part_t *const *parts, uint32_t n, osp_arena_t *a, st_agg_part_t *r,
	     osp_err_t *err)
{
	const st_agg_t *g = r->agg;
	st_bucket_t *mb;
	uint32_t nb, cap, k = 0;
	double lo, hi;
	int rc;

	if ((rc = merge_buckets(parts, n, a, &mb, &nb, err)))
		return rc;
	if (g->min_doc_count > 0) {
		for (uint32_t b = 0; b < nb; b++)
			if ((int64_t)mb[b].doc_count >= g->min_doc_count)
				mb[k++] = mb[b];
		r->buckets = mb;
		r->n_buckets = k;
		goto order;
	}
	if (nb == 0 && !g->has_bounds) {
		r->n_buckets = 0;
		return 0;
	}
	lo = nb ? mb[0].key.d : INFINITY;
	hi = nb ? mb[nb - 1].key.d : -INFINITY;
	if (g->has_bounds) {
		double bl = round_key(g, g->bounds_min), bh = round_key(g, g->bounds_max);
		if (bl < lo)
			lo = bl;
		if (bh > hi)
			hi = bh;
	}
	cap = 0;
	for (double key = lo; key <= hi; key = next_key(g, key))
		if (++cap > MAX_BUCKETS)
			return osp_err_set(err, 400, "too_many_buckets_exception",
				"Trying to create too many buckets. Must be less than or equal to: [%d] but this number of buckets was exceeded. This limit can be set by changing the [search.max_buckets] cluster level setting.",
				MAX_BUCKETS);
	r->buckets = osp_arena_calloc(a, (cap + 1) * sizeof(*r->buckets));
	if (!r->buckets)
		return -ENOMEM;
	uint32_t src = 0;
	for (double key = lo; key <= hi; key = next_key(g, key)) {
		st_bucket_t *b = &r->buckets[k++];
		if (src < nb && mb[src].key.d == key) {
			*b = mb[src++];
			continue;
		}
		b->key.type = ST_VAL_DOUBLE;
		b->key.d = key;
		if (g->n_subs) {
			b->subs = osp_arena_calloc(a, g->n_subs * sizeof(*b->subs));
			if (!b->subs)
				return -ENOMEM;
			for (uint32_t s = 0; s < g->n_subs; s++) {
				/* shape of an empty sub partial from any shard's bucket */
				const st_agg_part_t *like = NULL;
				for (uint32_t i = 0; i < nb && !like; i++)
					like = mb[i].subs[s];
				if (!like) {
					st_agg_part_t tmpl = { .agg = g->subs[s], .kind = g->subs[s]->kind };
					b->subs[s] = part_empty(a, &tmpl);
				} else {
					b->subs[s] = part_empty(a, like);
				}
				if (!b->subs[s])
					return -ENOMEM;
			}
		}
	}
	r->n_buckets = k;
order:
	if (g->order != ST_ORDER_KEY_ASC) {
		uint8_t order = g->order;
		qsort_r(r->buckets, r->n_buckets, sizeof(*r->buckets), st_bucket_order_cmp, &order);
	}
	return 0;
}

static int
reduce_range(st_agg_part_t *const *parts, uint32_t n, osp_arena_t *a, st_agg_part_t *r,
	     osp_err_t *err)
{
	const st_agg_t *g = r->agg;
	st_agg_part_t **tmp;
	int rc = 0;

	r->n_buckets = g->n_ranges;
	r->buckets = osp_arena_calloc(a, (g->n_ranges + 1) * sizeof(*r->buckets));
	tmp = malloc((n + 1) * sizeof(*tmp));
	if (!r->buckets || !tmp) {
		free(tmp);
		return -ENOMEM;
	}
	for (uint32_t k = 0; k < g->n_ranges; k++) {
		st_bucket_t *b = &r->buckets[k];
		b->key.type = ST_VAL_LONG;
		b->key.i = k;
		for (uint32_t i = 0; i < n; i++)
			b->doc_count += parts[i]->buckets[k].doc_count;
		if (g->n_subs) {
			b->subs = osp_arena_calloc(a, g->n_subs * sizeof(*b->subs));
			if (!b->subs) {
				rc = -ENOMEM;
				break;
			}
			for (uint32_t s = 0; s < g->n_subs; s++) {
				for (uint32_t i = 0; i < n; i++)
					tmp[i] = parts[i]->buckets[k].subs[s];
				if ((rc = st_agg_reduce(tmp, n, a, &b->subs[s], err)))
					break;
			}
		}
	}
	free(tmp);
	return rc;
}

int
st_agg_reduce(st_agg_part_t *const *parts, uint32_t n, osp_arena_t *a,
	      st_agg_part_t **out, osp_err_t *err)
{
	st_agg_part_t *r;
	int rc = 0;

	if (n == 0)
		return -EINVAL;
	r = part_new(a, parts[0]);
	if (!r)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		const st_agg_part_t *p = parts[i];
		r->count += p->count;
		r->sum += p->sum;
		if (p->min < r->min)
			r->min = p->min;
		if (p->max > r->max)
			r->max = p->max;
		if (p->kind == ST_AGG_CARDINALITY && (rc = st_hll_merge(&r->hll, &p->hll, a)))
			return rc;
	}
	switch (r->kind) {
	case ST_AGG_TERMS:
		rc = reduce_terms(parts, n, a, r, err);
		break;
	case ST_AGG_HISTOGRAM:
	case ST_AGG_DATE_HISTOGRAM:
		rc = reduce_histo(parts, n, a, r, err);
		break;
	case ST_AGG_RANGE:
		rc = reduce_range(parts, n, a, r, err);
		break;
	default:
		break;
	}
	if (rc)
		return rc;
	*out = r;
	return 0;
}
