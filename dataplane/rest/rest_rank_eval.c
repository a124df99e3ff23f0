/*
 * rest_rank_eval.c - GET/POST [/{index}]/_rank_eval: search quality of
 * rated requests.
 *
 * Each request runs through the _search path (top k, k from the metric)
 * with its answer diverted here; its hits are matched against the
 * request's ratings and scored with the metric: precision, recall,
 * mean_reciprocal_rank or dcg (optionally normalized), as Elasticsearch's
 * rank-eval module defines them. The overall metric_score is the mean over
 * the requests that ran; a request whose search failed goes to "failures".
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_search_int.h"

typedef enum re_metric { RE_PRECISION = 0, RE_RECALL, RE_MRR, RE_DCG } re_metric_t;

typedef struct re_ctx re_ctx_t;

/* One rated request and its answer. */
typedef struct re_item {
	re_ctx_t *c;
	const char *id;
	const osp_json_t *request;
	const osp_json_t *ratings;
	uint16_t status;
	osp_json_t *resp;            /* the parsed answer */
	osp_buf_t out;
} re_item_t;

struct re_ctx {
	dp_rest_req_t *r;
	re_item_t *items;
	uint32_t n, pending;
	re_metric_t metric;
	int64_t k;
	int64_t threshold;           /* relevant_rating_threshold */
	bool ignore_unlabeled, normalize;
};

/* The rating of index/id in the item's ratings, or -1 when unrated. */
static int64_t
re_rating(const re_item_t *it, const char *index, const char *id)
{
	OSP_JSON_FOREACH(g, it->ratings) {
		const osp_json_t *gi = osp_json_get(g, "_index"), *gd = osp_json_get(g, "_id");
		const osp_json_t *gr = osp_json_get(g, "rating");

		if (osp_json_is(gi, OSP_JSON_STRING) && osp_json_is(gd, OSP_JSON_STRING) && gr && gr->is_int &&
		    strcmp(gi->u.str, index) == 0 && strcmp(gd->u.str, id) == 0)
			return gr->i;
	}
	return -1;
}

static double
re_dcg(const int64_t *gains, uint32_t n)
{
	double d = 0;

	for (uint32_t i = 0; i < n; i++)
		if (gains[i] > 0)
			d += (pow(2.0, (double)gains[i]) - 1.0) / log2((double)i + 2.0);
	return d;
}

static int
re_desc(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a < b) - (a > b);
}

/* Write one request's "details" entry; returns its metric score. */
static double
re_detail(re_ctx_t *c, osp_jw_t *w, re_item_t *it)
{
	const osp_json_t *hits = osp_json_path(it->resp, "hits.hits");
	uint32_t n = 0, relevant = 0, rated_relevant = 0, first = 0;
	int64_t gains[1024];
	double score = 0;

	OSP_JSON_FOREACH(g, it->ratings) {
		const osp_json_t *gr = osp_json_get(g, "rating");

		rated_relevant += gr && gr->is_int && gr->i >= c->threshold;
	}
	osp_jw_key(w, it->id);
	osp_jw_obj_begin(w);
	osp_jw_key(w, "unrated_docs");
	osp_jw_arr_begin(w);
	OSP_JSON_FOREACH(h, hits) {
		const osp_json_t *hi = osp_json_get(h, "_index"), *hd = osp_json_get(h, "_id");

		if (osp_json_is(hi, OSP_JSON_STRING) && osp_json_is(hd, OSP_JSON_STRING) &&
		    re_rating(it, hi->u.str, hd->u.str) < 0) {
			osp_jw_obj_begin(w);
			osp_jw_kv_str(w, "_index", hi->u.str);
			osp_jw_kv_str(w, "_id", hd->u.str);
			osp_jw_obj_end(w);
		}
	}
	osp_jw_arr_end(w);
	osp_jw_key(w, "hits");
	osp_jw_arr_begin(w);
	OSP_JSON_FOREACH(h, hits) {
		const osp_json_t *hi = osp_json_get(h, "_index"), *hd = osp_json_get(h, "_id");
		const char *index = osp_json_is(hi, OSP_JSON_STRING) ? hi->u.str : "";
		const char *id = osp_json_is(hd, OSP_JSON_STRING) ? hd->u.str : "";
		int64_t rating = re_rating(it, index, id);

		if (n < 1024)
			gains[n] = rating > 0 ? rating : 0;
		n++;
		if (rating >= c->threshold) {
			relevant++;
			if (first == 0)
				first = n;
		} else if (rating < 0 && c->ignore_unlabeled) {
			n--;
		}
		osp_jw_obj_begin(w);
		osp_jw_key(w, "hit");
		osp_jw_obj_begin(w);
		osp_jw_kv_str(w, "_index", index);
		osp_jw_kv_str(w, "_id", id);
		osp_jw_key(w, "_score");
		osp_jw_value(w, osp_json_get(h, "_score"));
		osp_jw_obj_end(w);
		osp_jw_key(w, "rating");
		if (rating >= 0)
			osp_jw_int(w, rating);
		else
			osp_jw_null(w);
		osp_jw_obj_end(w);
	}
	osp_jw_arr_end(w);
	osp_jw_key(w, "metric_details");
	osp_jw_obj_begin(w);
	switch (c->metric) {
	case RE_PRECISION:
		score = n ? (double)relevant / n : 0;
		osp_jw_key(w, "precision");
		osp_jw_obj_begin(w);
		osp_jw_kv_int(w, "relevant_docs_retrieved", relevant);
		osp_jw_kv_int(w, "docs_retrieved", n);
		osp_jw_obj_end(w);
		break;
	case RE_RECALL:
		score = rated_relevant ? (double)relevant / rated_relevant : 0;
		osp_jw_key(w, "recall");
		osp_jw_obj_begin(w);
		osp_jw_kv_int(w, "relevant_docs_retrieved", relevant);
		osp_jw_kv_int(w, "relevant_docs", rated_relevant);
		osp_jw_obj_end(w);
		break;
	case RE_MRR:
		score = first ? 1.0 / first : 0;
		osp_jw_key(w, "mean_reciprocal_rank");
		osp_jw_obj_begin(w);
		osp_jw_kv_int(w, "first_relevant", first ? (int64_t)first : -1);
		osp_jw_obj_end(w);
		break;
	case RE_DCG: {
		uint32_t m = n < 1024 ? n : 1024, ni = 0;
		int64_t ideal[1024];

		score = re_dcg(gains, m);
		OSP_JSON_FOREACH(g, it->ratings) {
			const osp_json_t *gr = osp_json_get(g, "rating");

			if (ni < 1024 && gr && gr->is_int)
				ideal[ni++] = gr->i;
		}
		qsort(ideal, ni, sizeof(*ideal), re_desc);
		double idcg = re_dcg(ideal, ni < (uint32_t)c->k ? ni : (uint32_t)c->k);

		osp_jw_key(w, "dcg");
		osp_jw_obj_begin(w);
		osp_jw_key(w, "dcg");
		osp_jw_double(w, score);
		osp_jw_key(w, "ideal_dcg");
		osp_jw_double(w, idcg);
		osp_jw_key(w, "normalized_dcg");
		osp_jw_double(w, idcg > 0 ? score / idcg : 0);
		osp_jw_kv_int(w, "unrated_docs", 0);
		osp_jw_obj_end(w);
		if (c->normalize)
			score = idcg > 0 ? score / idcg : 0;
		break;
	}
	}
	osp_jw_obj_end(w);
	osp_jw_key(w, "metric_score");
	osp_jw_double(w, score);
	osp_jw_obj_end(w);
	return score;
}

static void
re_reply(re_ctx_t *c)
{
	osp_buf_t out;
	osp_jw_t w;
	double sum = 0;
	uint32_t ok = 0;

	dp_rest_jw(c->r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "details");
	osp_jw_obj_begin(&w);
	for (uint32_t i = 0; i < c->n; i++) {
		if (c->items[i].status == 200 && c->items[i].resp) {
			sum += re_detail(c, &w, &c->items[i]);
			ok++;
		}
	}
	osp_jw_obj_end(&w);
	osp_jw_key(&w, "failures");
	osp_jw_obj_begin(&w);
	for (uint32_t i = 0; i < c->n; i++) {
		const osp_json_t *e = osp_json_get(c->items[i].resp, "error");

		if (c->items[i].status != 200 && e) {
			osp_jw_key(&w, c->items[i].id);
			osp_jw_value(&w, e);
		}
	}
	osp_jw_obj_end(&w);
	osp_jw_key(&w, "metric_score");
	osp_jw_double(&w, ok ? sum / ok : 0);
	osp_jw_obj_end(&w);
	for (uint32_t i = 0; i < c->n; i++)
		osp_buf_free(&c->items[i].out);
	dp_rest_reply(c->r, 200, &out);
}

static void
re_item_done(void *user, uint16_t status, osp_buf_t *body)
{
	re_item_t *it = user;
	osp_json_error_t jerr;

	it->status = status;
	it->out = *body;
	osp_buf_init(body);
	if (osp_json_parse(it->c->r->http->arena, it->out.data ? it->out.data : "{}",
			   it->out.data ? it->out.len : 2, NULL, &it->resp, &jerr) != 0)
		it->resp = NULL;
	if (--it->c->pending == 0)
		re_reply(it->c);
}

/* The "metric" object: its one member names the metric. */
static bool
re_metric(re_ctx_t *c, const osp_json_t *m, osp_err_t *err)
{
	const osp_json_t *def = m ? m->u.child : NULL;

	c->k = 10;
	c->threshold = 1;
	if (def == NULL)
		return true;   /* ES's default: precision@10 */
	if (osp_json_key_eq(def, "precision"))
		c->metric = RE_PRECISION;
	else if (osp_json_key_eq(def, "recall"))
		c->metric = RE_RECALL;
	else if (osp_json_key_eq(def, "mean_reciprocal_rank"))
		c->metric = RE_MRR;
	else if (osp_json_key_eq(def, "dcg"))
		c->metric = RE_DCG;
	else
		return osp_err_set(err, 400, "parsing_exception", "unknown field [%s]", def->key), false;
	OSP_JSON_FOREACH(p, def) {
		if (osp_json_key_eq(p, "k") && p->is_int && p->i > 0)
			c->k = p->i > 10000 ? 10000 : p->i;
		else if (osp_json_key_eq(p, "relevant_rating_threshold") && p->is_int)
			c->threshold = p->i;
		else if (osp_json_key_eq(p, "ignore_unlabeled") && osp_json_is(p, OSP_JSON_BOOL))
			c->ignore_unlabeled = p->boolean;
		else if (osp_json_key_eq(p, "normalize") && osp_json_is(p, OSP_JSON_BOOL))
			c->normalize = p->boolean;
	}
	return true;
}

static void
rest_rank_eval(dp_rest_req_t *r)
{
	static dp_index_t *list[SEARCH_MAX_INDICES];
	re_ctx_t *c = osp_arena_calloc(r->http->arena, sizeof(*c));
	const osp_json_t *reqs;
	osp_json_t *body;
	osp_err_t err;

	if (c == NULL || !dp_rest_body_json(r, &body))
		return;
	c->r = r;
	reqs = osp_json_get(body, "requests");
	if (!osp_json_is(reqs, OSP_JSON_ARRAY) || reqs->len == 0) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: no requests specified;");
		dp_rest_reply_err(r, &err);
		return;
	}
	if (!re_metric(c, osp_json_get(body, "metric"), &err)) {
		dp_rest_reply_err(r, &err);
		return;
	}
	c->items = osp_arena_calloc(r->http->arena, reqs->len * sizeof(*c->items));
	if (c->items == NULL)
		return;
	OSP_JSON_FOREACH(q, reqs) {
		re_item_t *it = &c->items[c->n++];
		const osp_json_t *id = osp_json_get(q, "id");

		it->c = c;
		it->id = osp_json_is(id, OSP_JSON_STRING) ? id->u.str : "";
		it->request = osp_json_get(q, "request");
		it->ratings = osp_json_get(q, "ratings");
		osp_buf_init(&it->out);
	}
	c->pending = c->n + 1;
	for (uint32_t i = 0; i < c->n; i++) {
		re_item_t *it = &c->items[i];
		search_ctx_t *s = dp_search_new(r);
		int n = 0;

		if (s == NULL)
			return;
		s->emit = re_item_done;
		s->emit_user = it;
		s->no_uri = true;
		s->index_expr = dp_rest_param(r, "index");
		s->allow_no_indices = true;
		if (!dp_search_prepare(s, (osp_json_t *)it->request, list, &n))
			continue;  /* answered through re_item_done */
		s->req.size = (int32_t)c->k;
		s->req.from = 0;
		dp_search_exec(s, list, n);
	}
	if (--c->pending == 0)
		re_reply(c);
}

void
rest_rank_eval_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_rank_eval", rest_rank_eval, 0);
	dp_rest_route(DP_HTTP_POST, "/_rank_eval", rest_rank_eval, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_rank_eval", rest_rank_eval, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_rank_eval", rest_rank_eval, 0);
}
