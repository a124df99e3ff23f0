/*
 * rest_termvectors.c - _termvectors and _mtermvectors.
 *
 * Each document becomes one job on the shard its _id (or routing) routes
 * to; the worker re-analyzes the stored _source (st_shard_termvectors: no
 * term vectors are stored, whatever the mapping's term_vector says) or an
 * artificial "doc" from the request. The answer follows Elasticsearch's
 * TermVectorsResponse: per field "field_statistics" (field_statistics,
 * default true), per term "term_freq", "doc_freq"/"ttf" (term_statistics,
 * default false) and "tokens" with position and offsets (positions /
 * offsets, default true). _mtermvectors answers every item in order, with
 * per-item errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../shard/dp_shard_jobs.h"
#include "dp_rest.h"

/* One document's request and options. */
typedef struct tv_item {
	dp_job_tv_t job;
	const char *index;
	const char *id;
	bool field_stats, term_stats, positions, offsets;
	bool failed;
	osp_err_t err;
} tv_item_t;

typedef struct tv_ctx {
	dp_rest_req_t *r;
	tv_item_t *items;
	uint32_t n, pending;
	bool multi;
	uint64_t start_ns;
} tv_ctx_t;

static void
tv_write_field(osp_jw_t *w, const tv_item_t *it, const st_tv_field_t *f)
{
	osp_jw_key(w, f->field);
	osp_jw_obj_begin(w);
	if (it->field_stats) {
		osp_jw_key(w, "field_statistics");
		osp_jw_obj_begin(w);
		osp_jw_kv_int(w, "sum_doc_freq", (int64_t)f->sum_doc_freq);
		osp_jw_kv_int(w, "doc_count", (int64_t)f->doc_count);
		osp_jw_kv_int(w, "sum_ttf", (int64_t)f->sum_ttf);
		osp_jw_obj_end(w);
	}
	osp_jw_key(w, "terms");
	osp_jw_obj_begin(w);
	for (uint32_t i = 0; i < f->n_terms; i++) {
		const st_tv_term_t *t = &f->terms[i];

		osp_jw_keyn(w, t->term, t->len);
		osp_jw_obj_begin(w);
		if (it->term_stats) {
			osp_jw_kv_int(w, "doc_freq", (int64_t)t->doc_freq);
			osp_jw_kv_int(w, "ttf", (int64_t)t->ttf);
		}
		osp_jw_kv_int(w, "term_freq", t->freq);
		if (it->positions || it->offsets) {
			osp_jw_key(w, "tokens");
			osp_jw_arr_begin(w);
			for (uint32_t k = 0; k < t->freq; k++) {
				osp_jw_obj_begin(w);
				if (it->positions)
					osp_jw_kv_int(w, "position", t->tokens[k].position);
				if (it->offsets) {
					osp_jw_kv_int(w, "start_offset", t->tokens[k].start_offset);
					osp_jw_kv_int(w, "end_offset", t->tokens[k].end_offset);
				}
				osp_jw_obj_end(w);
			}
			osp_jw_arr_end(w);
		}
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
	osp_jw_obj_end(w);
}

static void
tv_write_item(tv_ctx_t *c, osp_jw_t *w, const tv_item_t *it)
{
	const st_tv_t *res = &it->job.res;

	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "_index", it->index ? it->index : "");
	if (it->id)
		osp_jw_kv_str(w, "_id", it->id);
	if (it->failed) {
		osp_jw_key(w, "error");
		dp_rest_write_cause(w, &it->err);
		osp_jw_obj_end(w);
		return;
	}
	osp_jw_kv_int(w, "_version", res->found ? res->version : 0);
	osp_jw_kv_bool(w, "found", res->found);
	osp_jw_kv_int(w, "took", (int64_t)((dp_now_ns() - c->start_ns) / 1000000));
	if (res->found && res->n_fields) {
		osp_jw_key(w, "term_vectors");
		osp_jw_obj_begin(w);
		for (uint32_t f = 0; f < res->n_fields; f++)
			tv_write_field(w, it, &res->fields[f]);
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
}

static void
tv_reply(tv_ctx_t *c)
{
	osp_buf_t out;
	osp_jw_t w;

	if (!c->multi && c->items[0].failed) {
		osp_err_t e = c->items[0].err;

		osp_arena_free(&c->items[0].job.arena);
		dp_rest_reply_err(c->r, &e);
		return;
	}
	dp_rest_jw(c->r, &w, &out);
	if (c->multi) {
		osp_jw_obj_begin(&w);
		osp_jw_key(&w, "docs");
		osp_jw_arr_begin(&w);
	}
	for (uint32_t i = 0; i < c->n; i++)
		tv_write_item(c, &w, &c->items[i]);
	if (c->multi) {
		osp_jw_arr_end(&w);
		osp_jw_obj_end(&w);
	}
	for (uint32_t i = 0; i < c->n; i++)
		osp_arena_free(&c->items[i].job.arena);
	dp_rest_reply(c->r, 200, &out);
}

static void
tv_done(dp_job_t *job)
{
	tv_item_t *it = (tv_item_t *)job;
	tv_ctx_t *c = it->job.user;

	if (job->rc != 0) {
		it->failed = true;
		it->err = it->job.err;
	}
	if (--c->pending == 0)
		tv_reply(c);
}

/* The URL's options into def; false after a 400 reply. */
static bool
tv_url_options(dp_rest_req_t *r, tv_item_t *def)
{
	bool ok = true;

	def->field_stats = dp_rest_qs_bool(r, "field_statistics", true, &ok);
	if (ok)
		def->term_stats = dp_rest_qs_bool(r, "term_statistics", false, &ok);
	if (ok)
		def->positions = dp_rest_qs_bool(r, "positions", true, &ok);
	if (ok)
		def->offsets = dp_rest_qs_bool(r, "offsets", true, &ok);
	return ok;
}

/* Options of one item: the URL's (def), then the item's own keys. */
static void
tv_options(dp_rest_req_t *r, tv_item_t *it, const tv_item_t *def, const osp_json_t *obj, osp_arena_t *a)
{
	const char *fields = dp_rest_qs(r, "fields");

	it->field_stats = def->field_stats;
	it->term_stats = def->term_stats;
	it->positions = def->positions;
	it->offsets = def->offsets;
	OSP_JSON_FOREACH(m, obj) {
		if (!osp_json_is(m, OSP_JSON_BOOL))
			continue;
		if (osp_json_key_eq(m, "field_statistics"))
			it->field_stats = m->boolean;
		else if (osp_json_key_eq(m, "term_statistics"))
			it->term_stats = m->boolean;
		else if (osp_json_key_eq(m, "positions"))
			it->positions = m->boolean;
		else if (osp_json_key_eq(m, "offsets"))
			it->offsets = m->boolean;
	}
	const osp_json_t *fj = osp_json_get(obj, "fields");
	uint32_t n = 0;
	const char **list = osp_arena_calloc(a, 65 * sizeof(*list));

	if (list == NULL)
		return;
	if (fields) {
		char *copy = osp_arena_strndup(a, fields, strlen(fields));

		for (char *save = NULL, *t = copy ? strtok_r(copy, ",", &save) : NULL; t && n < 64;
		     t = strtok_r(NULL, ",", &save))
			list[n++] = t;
	}
	OSP_JSON_FOREACH(e, osp_json_is(fj, OSP_JSON_ARRAY) ? fj : NULL)
		if (osp_json_is(e, OSP_JSON_STRING) && n < 64)
			list[n++] = e->u.str;
	it->job.fields = list;
	it->job.n_fields = n;
}

/* Route and submit one item (or fail it in place). */
static void
tv_submit(tv_ctx_t *c, tv_item_t *it, const char *routing, const char *doc, size_t doc_len)
{
	osp_err_t err;
	dp_index_t *idx = it->index ? dp_shards_index(it->index) : NULL;

	if (it->index == NULL) {
		osp_err_set(&it->err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: index is missing;");
		it->failed = true;
		return;
	}
	if (idx == NULL) {
		osp_err_set(&it->err, 404, "index_not_found_exception", "no such index [%s]", it->index);
		snprintf(it->err.index, sizeof(it->err.index), "%s", it->index);
		snprintf(it->err.resource_type, sizeof(it->err.resource_type), "index_or_alias");
		snprintf(it->err.resource_id, sizeof(it->err.resource_id), "%s", it->index);
		it->failed = true;
		return;
	}
	const char *rk = routing ? routing : it->id ? it->id : "";
	uint32_t shard = dp_shards_route(idx, rk, strlen(rk));

	it->job.ref = dp_shards_ref(idx, shard, &err);
	if (it->job.ref == NULL) {
		it->err = err;
		it->failed = true;
		return;
	}
	it->job.id = it->id;
	it->job.id_len = it->id ? strlen(it->id) : 0;
	it->job.doc = doc;
	it->job.doc_len = doc_len;
	it->job.user = c;
	osp_arena_init(&it->job.arena, 8192, 0);
	dp_job_prepare(&it->job.job, it->job.ref, dp_job_tv_run, tv_done);
	c->pending++;
	dp_core_submit(&it->job.job);
}

/* An artificial document ("doc") as JSON text in the arena. */
static const char *
tv_doc_text(osp_arena_t *a, const osp_json_t *doc, size_t *len)
{
	osp_buf_t b;
	osp_jw_t w;
	char *s;

	if (!osp_json_is(doc, OSP_JSON_OBJECT))
		return NULL;
	osp_buf_init(&b);
	osp_jw_init(&w, &b, 0);
	osp_jw_value(&w, doc);
	s = osp_arena_strndup(a, b.data ? b.data : "{}", b.len);
	*len = b.len;
	osp_buf_free(&b);
	return s;
}

static void
rest_termvectors(dp_rest_req_t *r)
{
	osp_arena_t *a = r->http->arena;
	tv_ctx_t *c = osp_arena_calloc(a, sizeof(*c));
	osp_json_t *body;
	const char *doc = NULL;
	size_t doc_len = 0;
	tv_item_t def;

	if (c == NULL || !dp_rest_body_json(r, &body) || !tv_url_options(r, &def))
		return;
	c->r = r;
	c->n = 1;
	c->start_ns = dp_now_ns();
	c->items = osp_arena_calloc(a, sizeof(*c->items));
	if (c->items == NULL)
		return;
	c->items[0].index = dp_rest_param(r, "index");
	c->items[0].id = dp_rest_param(r, "id");
	tv_options(r, &c->items[0], &def, body, a);
	doc = tv_doc_text(a, osp_json_get(body, "doc"), &doc_len);
	if (c->items[0].id == NULL && doc == NULL) {
		osp_err_t err;

		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: id or doc is missing;");
		dp_rest_reply_err(r, &err);
		return;
	}
	c->pending = 1;
	tv_submit(c, &c->items[0], dp_rest_qs(r, "routing"), doc, doc_len);
	if (--c->pending == 0)
		tv_reply(c);
}

static void
rest_mtermvectors(dp_rest_req_t *r)
{
	osp_arena_t *a = r->http->arena;
	tv_ctx_t *c = osp_arena_calloc(a, sizeof(*c));
	const char *def_index = dp_rest_param(r, "index");
	const osp_json_t *docs, *ids;
	osp_json_t *body;
	osp_err_t err;
	tv_item_t def;

	if (c == NULL || !dp_rest_body_json(r, &body) || !tv_url_options(r, &def))
		return;
	c->r = r;
	c->multi = true;
	c->start_ns = dp_now_ns();
	docs = osp_json_get(body, "docs");
	ids = osp_json_get(body, "ids");
	c->n = osp_json_is(docs, OSP_JSON_ARRAY) ? docs->len : osp_json_is(ids, OSP_JSON_ARRAY) ? ids->len : 0;
	if (c->n == 0) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: multi term vectors: no documents requested;");
		dp_rest_reply_err(r, &err);
		return;
	}
	c->items = osp_arena_calloc(a, c->n * sizeof(*c->items));
	if (c->items == NULL)
		return;
	c->pending = 1;
	uint32_t k = 0;

	OSP_JSON_FOREACH(e, osp_json_is(docs, OSP_JSON_ARRAY) ? docs : ids) {
		tv_item_t *it = &c->items[k++];
		const osp_json_t *v;
		const char *doc = NULL, *routing = NULL;
		size_t doc_len = 0;

		it->index = def_index;
		if (osp_json_is(e, OSP_JSON_STRING)) {
			it->id = e->u.str;
		} else {
			if (osp_json_is(v = osp_json_get(e, "_index"), OSP_JSON_STRING))
				it->index = v->u.str;
			if (osp_json_is(v = osp_json_get(e, "_id"), OSP_JSON_STRING))
				it->id = v->u.str;
			if (osp_json_is(v = osp_json_get(e, "routing"), OSP_JSON_STRING))
				routing = v->u.str;
			doc = tv_doc_text(a, osp_json_get(e, "doc"), &doc_len);
		}
		tv_options(r, it, &def, osp_json_is(e, OSP_JSON_OBJECT) ? e : NULL, a);
		tv_submit(c, it, routing, doc, doc_len);
	}
	if (--c->pending == 0)
		tv_reply(c);
}

void
rest_termvectors_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/{index}/_termvectors/{id}", rest_termvectors, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_termvectors/{id}", rest_termvectors, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_termvectors", rest_termvectors, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_termvectors", rest_termvectors, 0);
	dp_rest_route(DP_HTTP_GET, "/_mtermvectors", rest_mtermvectors, 0);
	dp_rest_route(DP_HTTP_POST, "/_mtermvectors", rest_mtermvectors, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_mtermvectors", rest_mtermvectors, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_mtermvectors", rest_mtermvectors, 0);
}
