/*
 * st_agg_collect.c - aggregation collection on one shard.
 *
 * Each request node gets an areq_t (shared by all its instances: field
 * kind, the current segment's doc values, the keyword interning table and
 * the segment's ordinal -> interned id map); each place the aggregation is
 * computed (top level, or inside one parent bucket) is an ainst_t holding
 * metric state or buckets keyed by a 64-bit key (interned keyword id, long
 * or double bits, histogram key bits, range index) in an open-addressing
 * table, each bucket with its own sub-aggregation instances. Docs come in as
 * a roaring set of live matches per segment. st_agg_coll_finish turns the
 * instances into st_agg_part_t partials (terms cut to shard_size with
 * sum_other_doc_count). All memory is from the search arena.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "st_agg_int.h"

typedef struct areq areq_t;
typedef struct ainst ainst_t;

/* Shared per request node. */
struct areq {
	const st_agg_t *agg;
	st_qfield_kind_t kind;
	const void *dfmt;
	areq_t **subs;
	/* current segment */
	bool has_num, has_ss;
	st_dv_numeric_t num;
	st_dv_sorted_set_t ss;
	uint32_t *ord_id;        /* ord -> interned id + 1 (0 = not yet) */
	/* interned keyword terms */
	const char **strs;
	uint32_t *lens;
	uint32_t n_strs, cap_strs;
	uint32_t *ht;            /* interned id + 1 */
	uint32_t ht_cap;
};

/* One computation of an aggregation. */
struct ainst {
	areq_t *rq;
	uint64_t count;
	double min, max, sum;
	st_hll_t hll;
	uint64_t *keys;
	uint64_t *counts;
	ainst_t ***subs;         /* per bucket: one instance per sub-agg */
	uint32_t nb, capb;
	uint32_t *ht;            /* bucket index + 1 */
	uint32_t ht_cap;
	uint64_t last_doc_key;   /* dedupe values of one doc */
};

struct st_agg_coll {
	osp_arena_t *a;
	const st_search_fields_t *f;
	areq_t **rq;
	ainst_t **top;
	uint32_t n;
	int rc;
};

static uint64_t
mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

static int
areq_build(st_agg_coll_t *c, const st_agg_t *g, areq_t **out, osp_err_t *err)
{
	areq_t *r = osp_arena_calloc(c->a, sizeof(*r));
	int rc;

	if (!r)
		return -ENOMEM;
	r->agg = g;
	r->kind = c->f->kind(c->f->arg, g->field, &r->dfmt);
	if (r->kind == ST_QF_TEXT)
		return osp_err_illegal_argument(err,
			"Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [%s] in order to load field data by uninverting the inverted index. Note that this can use significant memory.",
			g->field);
	if (r->kind == ST_QF_KEYWORD &&
	    (g->kind == ST_AGG_RANGE || g->kind == ST_AGG_HISTOGRAM ||
	     g->kind == ST_AGG_DATE_HISTOGRAM || g->kind == ST_AGG_SUM ||
	     g->kind == ST_AGG_AVG || g->kind == ST_AGG_MIN || g->kind == ST_AGG_MAX ||
	     g->kind == ST_AGG_STATS))
		return osp_err_illegal_argument(err,
			"Field [%s] of type [keyword] is not supported for aggregation [%s]",
			g->field, g->kind == ST_AGG_RANGE ? "range" : g->kind == ST_AGG_HISTOGRAM
			? "histogram" : g->kind == ST_AGG_DATE_HISTOGRAM ? "date_histogram"
			: g->kind == ST_AGG_SUM ? "sum" : g->kind == ST_AGG_AVG ? "avg"
			: g->kind == ST_AGG_MIN ? "min" : g->kind == ST_AGG_MAX ? "max" : "stats");
	if (g->n_subs) {
		r->subs = osp_arena_calloc(c->a, g->n_subs * sizeof(*r->subs));
		if (!r->subs)
			return -ENOMEM;
		for (uint32_t i = 0; i < g->n_subs; i++)
			if ((rc = areq_build(c, g->subs[i], &r->subs[i], err)))
				return rc;
	}
	*out = r;
	return 0;
}

static ainst_t *
ainst_new(st_agg_coll_t *c, areq_t *rq)
{
	ainst_t *in = osp_arena_calloc(c->a, sizeof(*in));

	if (!in) {
		c->rc = -ENOMEM;
		return NULL;
	}
	in->rq = rq;
	in->min = INFINITY;
	in->max = -INFINITY;
	in->last_doc_key = UINT64_MAX;
	if (rq->agg->kind == ST_AGG_CARDINALITY)
		st_hll_init(&in->hll, rq->agg->precision_threshold, c->a);
	if (rq->agg->kind == ST_AGG_RANGE) {
		/* ranges are fixed buckets in request order */
		in->nb = in->capb = rq->agg->n_ranges;
		in->keys = osp_arena_calloc(c->a, in->nb * sizeof(*in->keys) + 1);
		in->counts = osp_arena_calloc(c->a, in->nb * sizeof(*in->counts) + 1);
		in->subs = osp_arena_calloc(c->a, in->nb * sizeof(*in->subs) + 1);
		if (!in->keys || !in->counts || !in->subs) {
			c->rc = -ENOMEM;
			return NULL;
		}
		for (uint32_t i = 0; i < in->nb; i++) {
			in->keys[i] = i;
			if (rq->agg->n_subs) {
				in->subs[i] = osp_arena_calloc(c->a, rq->agg->n_subs * sizeof(ainst_t *));
				if (!in->subs[i])
					return c->rc = -ENOMEM, NULL;
				for (uint32_t j = 0; j < rq->agg->n_subs; j++)
					if (!(in->subs[i][j] = ainst_new(c, rq->subs[j])))
						return NULL;
			}
		}
	}
	return in;
}

/* Bucket index for key, created when new; UINT32_MAX on -ENOMEM. */
static uint32_t
bucket(st_agg_coll_t *c, ainst_t *in, uint64_t key)
{
	uint32_t i;

	if ((in->nb + 1) * 2 > in->ht_cap) {
		uint32_t ncap = in->ht_cap ? in->ht_cap * 2 : 16;
		uint32_t *nh = osp_arena_calloc(c->a, ncap * sizeof(*nh));
		if (!nh)
			goto oom;
		for (uint32_t b = 0; b < in->nb; b++) {
			for (i = (uint32_t)mix(in->keys[b]) & (ncap - 1); nh[i]; i = (i + 1) & (ncap - 1))
				;
			nh[i] = b + 1;
		}
		in->ht = nh;
		in->ht_cap = ncap;
	}
	for (i = (uint32_t)mix(key) & (in->ht_cap - 1); in->ht[i]; i = (i + 1) & (in->ht_cap - 1))
		if (in->keys[in->ht[i] - 1] == key)
			return in->ht[i] - 1;
	if (in->nb == in->capb) {
		uint32_t ncap = in->capb ? in->capb * 2 : 8;
		uint64_t *nk = osp_arena_alloc(c->a, ncap * sizeof(*nk));
		uint64_t *nc = osp_arena_calloc(c->a, ncap * sizeof(*nc));
		ainst_t ***ns = osp_arena_calloc(c->a, ncap * sizeof(*ns));
		if (!nk || !nc || !ns)
			goto oom;
		if (in->nb) {
			memcpy(nk, in->keys, in->nb * sizeof(*nk));
			memcpy(nc, in->counts, in->nb * sizeof(*nc));
			memcpy(ns, in->subs, in->nb * sizeof(*ns));
		}
		in->keys = nk;
		in->counts = nc;
		in->subs = ns;
		in->capb = ncap;
	}
	uint32_t b = in->nb++;
	in->keys[b] = key;
	in->counts[b] = 0;
	in->subs[b] = NULL;
	if (in->rq->agg->n_subs) {
		in->subs[b] = osp_arena_calloc(c->a, in->rq->agg->n_subs * sizeof(ainst_t *));
		if (!in->subs[b])
			goto oom;
		for (uint32_t j = 0; j < in->rq->agg->n_subs; j++)
			if (!(in->subs[b][j] = ainst_new(c, in->rq->subs[j])))
				return UINT32_MAX;
	}
	in->ht[i] = b + 1;
	return b;
oom:
	c->rc = -ENOMEM;
	return UINT32_MAX;
}

/* Interned id of a keyword ordinal of the current segment. */
static uint32_t
intern_ord(st_agg_coll_t *c, areq_t *r, uint32_t ord)
{
	const char *s;
	uint32_t len, i;

	if (r->ord_id[ord])
		return r->ord_id[ord] - 1;
	s = r->ss.term_bytes + r->ss.term_off[ord];
	len = r->ss.term_off[ord + 1] - r->ss.term_off[ord];
	if ((r->n_strs + 1) * 2 > r->ht_cap) {
		uint32_t ncap = r->ht_cap ? r->ht_cap * 2 : 64;
		uint32_t *nh = osp_arena_calloc(c->a, ncap * sizeof(*nh));
		if (!nh)
			goto oom;
		for (uint32_t k = 0; k < r->n_strs; k++) {
			for (i = (uint32_t)st_hash64(r->strs[k], r->lens[k]) & (ncap - 1); nh[i];
			     i = (i + 1) & (ncap - 1))
				;
			nh[i] = k + 1;
		}
		r->ht = nh;
		r->ht_cap = ncap;
	}
	for (i = (uint32_t)st_hash64(s, len) & (r->ht_cap - 1); r->ht[i]; i = (i + 1) & (r->ht_cap - 1)) {
		uint32_t k = r->ht[i] - 1;
		if (r->lens[k] == len && memcmp(r->strs[k], s, len) == 0) {
			r->ord_id[ord] = k + 1;
			return k;
		}
	}
	if (r->n_strs == r->cap_strs) {
		uint32_t ncap = r->cap_strs ? r->cap_strs * 2 : 64;
		const char **ns = osp_arena_alloc(c->a, ncap * sizeof(*ns));
		uint32_t *nl = osp_arena_alloc(c->a, ncap * sizeof(*nl));
		if (!ns || !nl)
			goto oom;
		if (r->n_strs) {
			memcpy(ns, r->strs, r->n_strs * sizeof(*ns));
			memcpy(nl, r->lens, r->n_strs * sizeof(*nl));
		}
		r->strs = ns;
		r->lens = nl;
		r->cap_strs = ncap;
	}
	r->strs[r->n_strs] = osp_arena_strndup(c->a, s, len);
	if (!r->strs[r->n_strs])
		goto oom;
	r->lens[r->n_strs] = len;
	r->ht[i] = r->n_strs + 1;
	r->ord_id[ord] = r->n_strs + 1;
	return r->n_strs++;
oom:
	c->rc = -ENOMEM;
	return 0;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned *m)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

int64_t
st_agg_cal_add(int64_t ms, char unit, int32_t tz_s)
{
	int64_t local = ms + (int64_t)tz_s * 1000, days, y;
	unsigned m, add;

	switch (unit) {
	case 's': return ms + 1000;
	case 'm': return ms + 60000;
	case 'h': return ms + 3600000;
	case 'd': return ms + 86400000;
	case 'w': return ms + 7 * 86400000LL;
	default:
		add = unit == 'y' ? 12 : unit == 'q' ? 3 : 1;
		days = floor_div(local, 86400000);
		civil_from_days(days, &y, &m);
		m += add;
		while (m > 12) {
			m -= 12;
			y++;
		}
		return days_from_civil(y, m, 1) * 86400000 - (int64_t)tz_s * 1000;
	}
}

/* Calendar rounding in a fixed-offset time zone. */
int64_t
st_agg_cal_round(int64_t ms, char unit, int32_t tz_s)
{
	int64_t local = ms + (int64_t)tz_s * 1000, days, y, r;
	unsigned m;

	switch (unit) {
	case 's': r = floor_div(local, 1000) * 1000; break;
	case 'm': r = floor_div(local, 60000) * 60000; break;
	case 'h': r = floor_div(local, 3600000) * 3600000; break;
	case 'd': r = floor_div(local, 86400000) * 86400000; break;
	case 'w':
		days = floor_div(local, 86400000);
		r = (days - ((days + 3) % 7 + 7) % 7) * 86400000;
		break;
	default:
		days = floor_div(local, 86400000);
		civil_from_days(days, &y, &m);
		if (unit == 'q')
			m = (m - 1) / 3 * 3 + 1;
		else if (unit == 'y')
			m = 1;
		r = days_from_civil(y, m, 1) * 86400000;
		break;
	}
	return r - (int64_t)tz_s * 1000;
}

static uint64_t
dbits(double d)
{
	uint64_t u;

	if (d == 0)
		d = 0; /* fold -0.0 */
	memcpy(&u, &d, sizeof(u));
	return u;
}

static void collect(st_agg_coll_t *c, ainst_t *in, uint32_t doc);

static void
into_bucket(st_agg_coll_t *c, ainst_t *in, uint64_t key, uint32_t doc)
{
	uint32_t b = bucket(c, in, key);

	if (b == UINT32_MAX)
		return;
	in->counts[b]++;
	for (uint32_t j = 0; in->subs[b] && j < in->rq->agg->n_subs; j++)
		collect(c, in->subs[b][j], doc);
}

static double
num_at(const st_dv_numeric_t *dv, uint32_t i)
{
	return dv->is_double ? dv->dval[i] : (double)dv->ival[i];
}

static void
collect(st_agg_coll_t *c, ainst_t *in, uint32_t doc)
{
	areq_t *r = in->rq;
	const st_agg_t *g = r->agg;
	uint32_t a = 0, b = 0;

	if (r->has_num) {
		a = r->num.start[doc];
		b = r->num.start[doc + 1];
	} else if (r->has_ss) {
		a = r->ss.start[doc];
		b = r->ss.start[doc + 1];
	}
	if (a == b)
		return;
	switch (g->kind) {
	case ST_AGG_TERMS: {
		uint64_t prev = 0;
		for (uint32_t i = a; i < b; i++) {
			uint64_t key;
			if (r->has_ss)
				key = intern_ord(c, r, r->ss.ords[i]);
			else
				key = r->num.is_double ? dbits(r->num.dval[i]) : (uint64_t)r->num.ival[i];
			if (i > a && key == prev)
				continue;
			prev = key;
			into_bucket(c, in, key, doc);
		}
		break;
	}
	case ST_AGG_HISTOGRAM:
	case ST_AGG_DATE_HISTOGRAM: {
		double prev = NAN;
		if (!r->has_num)
			return;
		for (uint32_t i = a; i < b; i++) {
			double v = num_at(&r->num, i), k;
			if (g->kind == ST_AGG_DATE_HISTOGRAM && g->calendar_unit) {
				int64_t off = (int64_t)g->offset;
				k = (double)(st_agg_cal_round((int64_t)v - off, g->calendar_unit,
						       g->tz_offset_s) + off);
			} else {
				k = floor((v - g->offset) / g->interval) * g->interval + g->offset;
			}
			if (k == prev)
				continue;
			prev = k;
			into_bucket(c, in, dbits(k), doc);
		}
		break;
	}
	case ST_AGG_RANGE:
		if (!r->has_num)
			return;
		for (uint32_t k = 0; k < g->n_ranges; k++) {
			const st_agg_range_t *rg = &g->ranges[k];
			for (uint32_t i = a; i < b; i++) {
				double v = num_at(&r->num, i);
				if ((!rg->has_from || v >= rg->from) && (!rg->has_to || v < rg->to)) {
					in->counts[k]++;
					for (uint32_t j = 0; in->subs[k] && j < g->n_subs; j++)
						collect(c, in->subs[k][j], doc);
					break;
				}
			}
		}
		break;
	case ST_AGG_CARDINALITY:
		for (uint32_t i = a; i < b; i++) {
			uint64_t h;
			if (r->has_ss) {
				uint32_t o = r->ss.ords[i];
				h = st_hash64(r->ss.term_bytes + r->ss.term_off[o],
					      r->ss.term_off[o + 1] - r->ss.term_off[o]);
			} else if (r->num.is_double) {
				double d = r->num.dval[i];
				h = st_hash64(&d, sizeof(d));
			} else {
				h = st_hash64(&r->num.ival[i], sizeof(int64_t));
			}
			if (st_hll_add(&in->hll, h, c->a))
				c->rc = -ENOMEM;
		}
		break;
	case ST_AGG_VALUE_COUNT:
		in->count += b - a;
		break;
	default: /* min max sum avg stats */
		if (!r->has_num)
			return;
		for (uint32_t i = a; i < b; i++) {
			double v = num_at(&r->num, i);
			in->count++;
			in->sum += v;
			if (v < in->min)
				in->min = v;
			if (v > in->max)
				in->max = v;
		}
		break;
	}
}

int
st_agg_coll_create(st_agg_t *const *aggs, uint32_t n, const st_search_fields_t *f,
		   osp_arena_t *a, st_agg_coll_t **out, osp_err_t *err)
{
	st_agg_coll_t *c = osp_arena_calloc(a, sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	c->a = a;
	c->f = f;
	c->n = n;
	c->rq = osp_arena_calloc(a, (n + 1) * sizeof(*c->rq));
	c->top = osp_arena_calloc(a, (n + 1) * sizeof(*c->top));
	if (!c->rq || !c->top)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		if ((rc = areq_build(c, aggs[i], &c->rq[i], err)))
			return rc;
		if (!(c->top[i] = ainst_new(c, c->rq[i])))
			return -ENOMEM;
	}
	*out = c;
	return 0;
}

static int
seg_setup(st_agg_coll_t *c, areq_t *r, const st_reader_t *rd)
{
	const st_agg_t *g = r->agg;

	r->has_num = rd->ops->dv_numeric(rd, g->field, &r->num) == 0;
	r->has_ss = !r->has_num && rd->ops->dv_sorted_set(rd, g->field, &r->ss) == 0;
	r->ord_id = NULL;
	if (r->has_ss && g->kind == ST_AGG_TERMS) {
		r->ord_id = osp_arena_calloc(c->a, (r->ss.num_terms + 1) * sizeof(uint32_t));
		if (!r->ord_id)
			return -ENOMEM;
	}
	for (uint32_t i = 0; i < g->n_subs; i++) {
		int rc = seg_setup(c, r->subs[i], rd);
		if (rc)
			return rc;
	}
	return 0;
}

int
st_agg_coll_segment(st_agg_coll_t *c, const st_reader_t *r, const roaring_bitmap_t *docs)
{
	roaring_uint32_iterator_t it;
	uint32_t buf[256];
	int rc;

	for (uint32_t i = 0; i < c->n; i++)
		if ((rc = seg_setup(c, c->rq[i], r)))
			return rc;
	roaring_init_iterator(docs, &it);
	for (;;) {
		uint32_t got = roaring_read_uint32_iterator(&it, buf, 256);
		if (!got)
			break;
		for (uint32_t k = 0; k < got; k++)
			for (uint32_t i = 0; i < c->n; i++)
				collect(c, c->top[i], buf[k]);
		if (c->rc)
			return c->rc;
	}
	return c->rc;
}

/* ---- partials ---- */

static int finish_inst(st_agg_coll_t *c, ainst_t *in, uint32_t num_shards, st_agg_part_t **out);

static st_value_t
bucket_key(const areq_t *r, uint64_t key)
{
	st_value_t v = { 0 };
	const st_agg_t *g = r->agg;

	if (g->kind == ST_AGG_HISTOGRAM || g->kind == ST_AGG_DATE_HISTOGRAM) {
		v.type = ST_VAL_DOUBLE;
		memcpy(&v.d, &key, sizeof(v.d));
	} else if (g->kind == ST_AGG_RANGE) {
		v.type = ST_VAL_LONG;
		v.i = (int64_t)key;
	} else if (r->kind == ST_QF_KEYWORD) {
		v.type = ST_VAL_STRING;
		v.s = r->strs[key];
		v.len = r->lens[key];
	} else if (r->kind == ST_QF_DOUBLE) {
		v.type = ST_VAL_DOUBLE;
		memcpy(&v.d, &key, sizeof(v.d));
	} else {
		v.type = ST_VAL_LONG;
		v.i = (int64_t)key;
		v.d = (double)v.i;
	}
	return v;
}

static int
finish_inst(st_agg_coll_t *c, ainst_t *in, uint32_t num_shards, st_agg_part_t **out)
{
	const st_agg_t *g = in->rq->agg;
	st_agg_part_t *p = osp_arena_calloc(c->a, sizeof(*p));
	int rc;

	if (!p)
		return -ENOMEM;
	p->agg = g;
	p->kind = g->kind;
	p->value_kind = (uint8_t)in->rq->kind;
	p->date_format = in->rq->dfmt;
	p->count = in->count;
	p->min = in->min;
	p->max = in->max;
	p->sum = in->sum;
	p->hll = in->hll;
	if (in->nb) {
		p->buckets = osp_arena_calloc(c->a, in->nb * sizeof(*p->buckets));
		if (!p->buckets)
			return -ENOMEM;
		for (uint32_t b = 0; b < in->nb; b++) {
			st_bucket_t *bk = &p->buckets[b];
			bk->key = bucket_key(in->rq, in->keys[b]);
			bk->doc_count = in->counts[b];
			if (g->n_subs) {
				bk->subs = osp_arena_calloc(c->a, g->n_subs * sizeof(*bk->subs));
				if (!bk->subs)
					return -ENOMEM;
				for (uint32_t j = 0; j < g->n_subs; j++)
					if ((rc = finish_inst(c, in->subs[b][j], num_shards, &bk->subs[j])))
						return rc;
			}
		}
		p->n_buckets = in->nb;
	}
	if (g->kind == ST_AGG_TERMS && p->n_buckets) {
		uint32_t shard_size = g->shard_size_set ? g->shard_size
			: num_shards <= 1 ? g->size : (uint32_t)(g->size * 1.5 + 10);
		uint8_t order = g->order;
		if (shard_size < g->size)
			shard_size = g->size;
		qsort_r(p->buckets, p->n_buckets, sizeof(*p->buckets), st_bucket_order_cmp, &order);
		if (p->n_buckets > shard_size) {
			for (uint32_t b = shard_size; b < p->n_buckets; b++)
				p->sum_other += p->buckets[b].doc_count;
			p->n_buckets = shard_size;
		}
		/* reduce needs shard_size to compute the error bound */
		p->shard_size = shard_size;
	}
	*out = p;
	return 0;
}

int
st_agg_coll_finish(st_agg_coll_t *c, uint32_t num_shards, st_agg_part_t ***out)
{
	st_agg_part_t **parts = osp_arena_calloc(c->a, (c->n + 1) * sizeof(*parts));
	int rc;

	if (!parts)
		return -ENOMEM;
	for (uint32_t i = 0; i < c->n; i++)
		if ((rc = finish_inst(c, c->top[i], num_shards, &parts[i])))
			return rc;
	*out = parts;
	return 0;
}
