/*
 * st_merge.c - merging shard results on the network core, and the small
 * writers for hits' scores, sort values and explanations.
 *
 * Hits of all shards are ordered by the request's sort (default _score
 * desc) with Elasticsearch's tie-break: shard index, then the doc's place
 * in its shard (segment order, doc id); the from..from+size window is
 * kept. Totals add up and are clamped to track_total_hits with relation
 * "gte"; max_score is the largest; aggregations reduce per request node
 * (st_agg_reduce). Scores are written as Java's Float.toString writes them
 * (Elasticsearch prints floats, e.g. 1.3862942).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st_agg_int.h"

/* Shortest decimal that reads back as v, in Java's Float.toString layout. */
static int
java_float(char *out, size_t cap, float v)
{
	char digits[32], *e;
	int prec, exp10, n;

	if (v == 0)
		return snprintf(out, cap, "%s", signbit(v) ? "-0.0" : "0.0");
	for (prec = 1; prec <= 9; prec++) {
		snprintf(digits, sizeof(digits), "%.*e", prec - 1, (double)v);
		if (strtof(digits, NULL) == v)
			break;
	}
	/* digits = [-]d.ddde[+-]XX */
	e = strchr(digits, 'e');
	exp10 = atoi(e + 1);
	*e = '\0';
	char mant[24];
	int m = 0;
	bool neg = digits[0] == '-';
	for (char *p = digits + neg; *p; p++)
		if (*p != '.')
			mant[m++] = *p;
	while (m > 1 && mant[m - 1] == '0')
		m--;
	mant[m] = '\0';
	float av = fabsf(v);
	if (av >= 1e-3f && av < 1e7f) {
		char buf[64];
		int w = 0;
		if (exp10 >= 0) {
			for (int i = 0; i <= exp10; i++)
				buf[w++] = i < m ? mant[i] : '0';
			buf[w++] = '.';
			if (m > exp10 + 1)
				for (int i = exp10 + 1; i < m; i++)
					buf[w++] = mant[i];
			else
				buf[w++] = '0';
		} else {
			buf[w++] = '0';
			buf[w++] = '.';
			for (int i = 0; i < -exp10 - 1; i++)
				buf[w++] = '0';
			for (int i = 0; i < m; i++)
				buf[w++] = mant[i];
		}
		buf[w] = '\0';
		n = snprintf(out, cap, "%s%s", neg ? "-" : "", buf);
	} else {
		n = snprintf(out, cap, "%s%c.%sE%d", neg ? "-" : "", mant[0], m > 1 ? mant + 1 : "0",
			     exp10);
	}
	return n;
}

void
st_float_write(osp_jw_t *w, float v)
{
	char buf[64];
	int n;

	if (isnan(v) || isinf(v)) {
		osp_jw_null(w);
		return;
	}
	n = java_float(buf, sizeof(buf), v);
	osp_jw_raw(w, buf, (size_t)n);
}

void
st_expl_write(osp_jw_t *w, const st_expl_t *e)
{
	osp_jw_obj_begin(w);
	osp_jw_key(w, "value");
	st_float_write(w, e->value);
	osp_jw_kv_str(w, "description", e->desc ? e->desc : "");
	osp_jw_key(w, "details");
	osp_jw_arr_begin(w);
	for (uint32_t i = 0; i < e->n; i++)
		if (e->details[i])
			st_expl_write(w, e->details[i]);
	osp_jw_arr_end(w);
	osp_jw_obj_end(w);
}

void
st_sort_values_write(osp_jw_t *w, const st_value_t *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		switch (v[i].type) {
		case ST_VAL_LONG: osp_jw_int(w, v[i].i); break;
		case ST_VAL_DOUBLE:
			if (isinf(v[i].d))
				osp_jw_raw(w, v[i].d > 0 ? "\"Infinity\"" : "\"-Infinity\"",
					   v[i].d > 0 ? 10 : 11);
			else
				osp_jw_double(w, v[i].d);
			break;
		case ST_VAL_STRING: osp_jw_strn(w, v[i].s, v[i].len); break;
		case ST_VAL_BOOL: osp_jw_bool(w, v[i].b); break;
		default: osp_jw_null(w); break;
		}
	}
}

/* <0 when x ranks before y in the merged order. */
static int
hit_cmp(const void *x, const void *y, void *arg)
{
	const st_hit_t *a = x, *b = y;
	const st_search_req_t *req = arg;

	for (uint32_t i = 0; i < req->n_sort; i++) {
		const st_sort_t *s = &req->sort[i];
		int r;
		if (s->kind == ST_SORT_SCORE) {
			r = a->score < b->score ? -1 : a->score > b->score;
		} else if (s->kind == ST_SORT_DOC) {
			r = a->shard != b->shard ? (a->shard < b->shard ? -1 : 1)
			  : a->seg_ord != b->seg_ord ? (a->seg_ord < b->seg_ord ? -1 : 1)
			  : (a->doc < b->doc ? -1 : a->doc > b->doc);
		} else {
			const st_value_t *av = &a->sort[i], *bv = &b->sort[i];
			bool am = av->type == ST_VAL_NULL, bm = bv->type == ST_VAL_NULL;
			if (am || bm) {
				if (am && bm)
					continue;
				r = am ? 1 : -1;
				return s->missing == ST_MISSING_FIRST ? -r : r;
			}
			r = st_value_cmp(av, bv);
		}
		if (s->desc)
			r = -r;
		if (r)
			return r;
	}
	if (req->n_sort == 0 && a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if (a->shard != b->shard)
		return a->shard < b->shard ? -1 : 1;
	if (a->seg_ord != b->seg_ord)
		return a->seg_ord < b->seg_ord ? -1 : 1;
	return a->doc < b->doc ? -1 : a->doc > b->doc;
}

int
st_search_merge(const st_search_req_t *req, st_shard_result_t *const *parts,
		uint32_t n, osp_arena_t *a, st_search_merged_t *out, osp_err_t *err)
{
	uint32_t total_hits = 0, k = 0;
	st_hit_t *all;
	int rc;

	memset(out, 0, sizeof(*out));
	out->max_score = NAN;
	out->total_tracked = req->track_total_hits != ST_TRACK_TOTAL_NONE;
	for (uint32_t i = 0; i < n; i++) {
		total_hits += parts[i]->n_hits;
		out->total += parts[i]->total;
		out->total_gte |= parts[i]->total_gte;
		if (!isnan(parts[i]->max_score) &&
		    (isnan(out->max_score) || parts[i]->max_score > out->max_score))
			out->max_score = parts[i]->max_score;
	}
	if (out->total_tracked && req->track_total_hits != ST_TRACK_TOTAL_ALL &&
	    out->total > (uint64_t)req->track_total_hits) {
		out->total = (uint64_t)req->track_total_hits;
		out->total_gte = true;
	}
	if (!out->total_tracked)
		out->total = 0;
	all = osp_arena_alloc(a, (total_hits + 1) * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t h = 0; h < parts[i]->n_hits; h++) {
			all[k] = parts[i]->hits[h];
			all[k++].shard = parts[i]->shard;
		}
	qsort_r(all, k, sizeof(*all), hit_cmp, (void *)(uintptr_t)req);
	if ((uint32_t)req->from < k) {
		out->hits = all + req->from;
		out->n_hits = k - (uint32_t)req->from;
		if (out->n_hits > (uint32_t)req->size)
			out->n_hits = (uint32_t)req->size;
	}
	if (req->n_aggs && n) {
		st_agg_part_t **tmp = osp_arena_alloc(a, n * sizeof(*tmp));
		out->aggs = osp_arena_calloc(a, req->n_aggs * sizeof(*out->aggs));
		if (!tmp || !out->aggs)
			return -ENOMEM;
		for (uint32_t g = 0; g < req->n_aggs; g++) {
			for (uint32_t i = 0; i < n; i++)
				tmp[i] = parts[i]->aggs[g];
			if ((rc = st_agg_reduce(tmp, n, a, &out->aggs[g], err)))
				return rc;
		}
		out->n_aggs = req->n_aggs;
	}
	return 0;
}
