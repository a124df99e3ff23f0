/*
 * st_agg_write.c - reduced aggregations -> the "aggregations" JSON members,
 * in Elasticsearch's response shapes.
 *
 * terms: doc_count_error_upper_bound, sum_other_doc_count, buckets with
 * key (key_as_string for booleans and dates); range: generated "from-to"
 * keys printed with Java's Double.toString; histogram keys as doubles;
 * date_histogram key_as_string + key in millis; metrics as "value" (null
 * when nothing was seen, sum 0.0), stats with count/min/max/avg/sum, and
 * value_as_string for date min/max. Dates are formatted with the
 * aggregation's format or the field's (osprey/date.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "osprey/date.h"
#include "st_agg_int.h"

/* Java Double.toString through the JSON writer's formatter. */
static void
jdouble_str(double v, char *buf, size_t cap)
{
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;

	osp_jw_init(&w, &b, 0);
	osp_jw_double(&w, v);
	snprintf(buf, cap, "%.*s", b.data ? (int)b.len : 0, b.data ? b.data : "");
	osp_buf_free(&b);
}

/* Date formatting for key_as_string / value_as_string. */
static int
date_str(const st_agg_part_t *p, int64_t ms, char *out, size_t cap)
{
	const st_date_format_t *f = p->date_format;
	osp_arena_t a;
	st_date_format_t *own = NULL;
	osp_err_t err;
	int n;

	osp_arena_init(&a, 1024, 0);
	if (p->agg->format &&
	    st_date_format_compile(&a, p->agg->format, strlen(p->agg->format), &own, &err) == 0)
		f = own;
	if (!f)
		f = st_date_format_default();
	n = st_date_format_millis(f, ms, p->agg->tz_offset_s, out, cap);
	osp_arena_free(&a);
	return n;
}

static void write_part(osp_jw_t *w, const st_agg_part_t *p);

static void
write_subs(osp_jw_t *w, const st_agg_part_t *p, const st_bucket_t *b)
{
	for (uint32_t s = 0; b->subs && s < p->agg->n_subs; s++) {
		osp_jw_key(w, p->agg->subs[s]->name);
		write_part(w, b->subs[s]);
	}
}

static void
write_metric(osp_jw_t *w, const char *key, const st_agg_part_t *p, double v, bool present)
{
	char buf[64];

	osp_jw_key(w, key);
	if (!present) {
		osp_jw_null(w);
		return;
	}
	osp_jw_double(w, v);
	if (p->value_kind == ST_QF_DATE && strcmp(key, "sum") && strcmp(key, "avg") &&
	    date_str(p, (int64_t)v, buf, sizeof(buf)) > 0) {
		char k2[32];
		snprintf(k2, sizeof(k2), "%s_as_string", key);
		osp_jw_kv_str(w, k2, buf);
	}
}

static void
write_terms(osp_jw_t *w, const st_agg_part_t *p)
{
	osp_jw_kv_int(w, "doc_count_error_upper_bound", p->doc_count_error);
	osp_jw_kv_int(w, "sum_other_doc_count", (int64_t)p->sum_other);
	osp_jw_key(w, "buckets");
	osp_jw_arr_begin(w);
	for (uint32_t i = 0; i < p->n_buckets; i++) {
		const st_bucket_t *b = &p->buckets[i];
		char buf[64];
		osp_jw_obj_begin(w);
		osp_jw_key(w, "key");
		if (b->key.type == ST_VAL_STRING)
			osp_jw_strn(w, b->key.s, b->key.len);
		else if (b->key.type == ST_VAL_DOUBLE)
			osp_jw_double(w, b->key.d);
		else
			osp_jw_int(w, b->key.i);
		if (p->value_kind == ST_QF_BOOLEAN)
			osp_jw_kv_str(w, "key_as_string", b->key.i ? "true" : "false");
		else if (p->value_kind == ST_QF_DATE && date_str(p, b->key.i, buf, sizeof(buf)) > 0)
			osp_jw_kv_str(w, "key_as_string", buf);
		osp_jw_kv_int(w, "doc_count", (int64_t)b->doc_count);
		write_subs(w, p, b);
		osp_jw_obj_end(w);
	}
	osp_jw_arr_end(w);
}

static void
write_range(osp_jw_t *w, const st_agg_part_t *p)
{
	const st_agg_t *g = p->agg;

	osp_jw_key(w, "buckets");
	if (g->keyed)
		osp_jw_obj_begin(w);
	else
		osp_jw_arr_begin(w);
	for (uint32_t i = 0; i < p->n_buckets; i++) {
		const st_agg_range_t *rg = &g->ranges[i];
		char key[160], f[64] = "*", t[64] = "*";
		if (rg->has_from)
			jdouble_str(rg->from, f, sizeof(f));
		if (rg->has_to)
			jdouble_str(rg->to, t, sizeof(t));
		if (rg->key)
			snprintf(key, sizeof(key), "%s", rg->key);
		else
			snprintf(key, sizeof(key), "%s-%s", f, t);
		if (g->keyed)
			osp_jw_key(w, key);
		osp_jw_obj_begin(w);
		if (!g->keyed)
			osp_jw_kv_str(w, "key", key);
		if (rg->has_from) {
			osp_jw_key(w, "from");
			osp_jw_double(w, rg->from);
		}
		if (rg->has_to) {
			osp_jw_key(w, "to");
			osp_jw_double(w, rg->to);
		}
		osp_jw_kv_int(w, "doc_count", (int64_t)p->buckets[i].doc_count);
		write_subs(w, p, &p->buckets[i]);
		osp_jw_obj_end(w);
	}
	if (g->keyed)
		osp_jw_obj_end(w);
	else
		osp_jw_arr_end(w);
}

static void
write_histo(osp_jw_t *w, const st_agg_part_t *p)
{
	bool date = p->kind == ST_AGG_DATE_HISTOGRAM;

	osp_jw_key(w, "buckets");
	if (p->agg->keyed)
		osp_jw_obj_begin(w);
	else
		osp_jw_arr_begin(w);
	for (uint32_t i = 0; i < p->n_buckets; i++) {
		const st_bucket_t *b = &p->buckets[i];
		char ks[64] = "";
		if (date)
			date_str(p, (int64_t)b->key.d, ks, sizeof(ks));
		else
			jdouble_str(b->key.d, ks, sizeof(ks));
		if (p->agg->keyed)
			osp_jw_key(w, ks);
		osp_jw_obj_begin(w);
		if (date) {
			osp_jw_kv_str(w, "key_as_string", ks);
			osp_jw_kv_int(w, "key", (int64_t)b->key.d);
		} else {
			osp_jw_key(w, "key");
			osp_jw_double(w, b->key.d);
		}
		osp_jw_kv_int(w, "doc_count", (int64_t)b->doc_count);
		write_subs(w, p, b);
		osp_jw_obj_end(w);
	}
	if (p->agg->keyed)
		osp_jw_obj_end(w);
	else
		osp_jw_arr_end(w);
}

static void
write_part(osp_jw_t *w, const st_agg_part_t *p)
{
	bool any = p->count > 0;

	osp_jw_obj_begin(w);
	switch (p->kind) {
	case ST_AGG_TERMS:
		write_terms(w, p);
		break;
	case ST_AGG_RANGE:
		write_range(w, p);
		break;
	case ST_AGG_HISTOGRAM:
	case ST_AGG_DATE_HISTOGRAM:
		write_histo(w, p);
		break;
	case ST_AGG_MIN:
		write_metric(w, "value", p, p->min, any);
		break;
	case ST_AGG_MAX:
		write_metric(w, "value", p, p->max, any);
		break;
	case ST_AGG_SUM:
		write_metric(w, "value", p, p->sum, true);
		break;
	case ST_AGG_AVG:
		write_metric(w, "value", p, any ? p->sum / (double)p->count : 0, any);
		break;
	case ST_AGG_STATS:
		osp_jw_kv_int(w, "count", (int64_t)p->count);
		write_metric(w, "min", p, p->min, any);
		write_metric(w, "max", p, p->max, any);
		write_metric(w, "avg", p, any ? p->sum / (double)p->count : 0, any);
		write_metric(w, "sum", p, p->sum, true);
		break;
	case ST_AGG_VALUE_COUNT:
		osp_jw_kv_int(w, "value", (int64_t)p->count);
		break;
	case ST_AGG_CARDINALITY:
		osp_jw_kv_int(w, "value", (int64_t)st_hll_estimate(&p->hll));
		break;
	}
	osp_jw_obj_end(w);
}

void
st_aggs_write(osp_jw_t *w, st_agg_part_t *const *aggs, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		osp_jw_key(w, aggs[i]->agg->name);
		write_part(w, aggs[i]);
	}
}
