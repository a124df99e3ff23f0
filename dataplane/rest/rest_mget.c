/*
 * rest_mget.c - _mget (many gets in one request) and _explain (why one
 * document matches a query, with Lucene's explanation tree).
 *
 * _mget sends one get job per document to its shard's worker, all at once,
 * and answers in request order; a per-document problem (missing index, bad
 * routing) becomes that document's "error" entry, as Elasticsearch does.
 * _explain runs the query restricted to the document's _id with explain on.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dp_search.h"
#include "dp_source.h"

/* One document of an _mget. */
typedef struct mget_doc {
	dp_job_get_t job;
	struct mget_ctx *m;
	const char *index;
	dp_index_t *idx;
	dp_source_spec_t spec;
	bool failed;
	osp_err_t err;
} mget_doc_t;

typedef struct mget_ctx {
	dp_rest_req_t *r;
	mget_doc_t *docs;
	uint32_t n, pending;
} mget_ctx_t;

static void
mget_reply(mget_ctx_t *m)
{
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(m->r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "docs");
	osp_jw_arr_begin(&w);
	for (uint32_t i = 0; i < m->n; i++) {
		mget_doc_t *d = &m->docs[i];
		const st_get_res_t *res = &d->job.res;

		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "_index", d->idx ? d->idx->name : (d->index ? d->index : ""));
		osp_jw_kv_str(&w, "_id", d->job.id ? d->job.id : "");
		if (d->failed || d->job.job.rc != 0) {
			if (!d->failed)
				osp_err_set(&d->err, 500, "shard_failed_exception", "get failed: %s",
					    strerror(-d->job.job.rc));
			osp_jw_key(&w, "error");
			osp_jw_obj_begin(&w);
			osp_jw_key(&w, "root_cause");
			osp_jw_arr_begin(&w);
			dp_rest_write_cause(&w, &d->err);
			osp_jw_arr_end(&w);
			osp_jw_kv_str(&w, "type", d->err.type);
			osp_jw_kv_str(&w, "reason", d->err.reason);
			if (d->err.index[0])
				osp_jw_kv_str(&w, "index", d->err.index);
			if (d->err.resource_id[0]) {
				osp_jw_kv_str(&w, "resource.type", d->err.resource_type);
				osp_jw_kv_str(&w, "resource.id", d->err.resource_id);
			}
			if (d->err.index_uuid[0])
				osp_jw_kv_str(&w, "index_uuid", d->err.index_uuid);
			osp_jw_obj_end(&w);
		} else if (res->found) {
			osp_jw_kv_int(&w, "_version", res->version);
			osp_jw_kv_int(&w, "_seq_no", res->seq_no);
			osp_jw_kv_int(&w, "_primary_term", res->primary_term);
			osp_jw_kv_bool(&w, "found", true);
			if (res->routing) {
				osp_jw_key(&w, "_routing");
				osp_jw_strn(&w, res->routing, res->routing_len);
			}
			if (d->spec.fetch && res->source) {
				osp_jw_key(&w, "_source");
				dp_source_write(&w, &d->spec, m->r->http->arena, res->source, res->source_len);
			}
		} else {
			osp_jw_kv_bool(&w, "found", false);
		}
		osp_jw_obj_end(&w);
		osp_arena_free(&d->job.arena);
	}
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(m->r, 200, &out);
}

static void
mget_doc_done(dp_job_t *job)
{
	mget_ctx_t *m = ((mget_doc_t *)job)->m;

	if (--m->pending == 0)
		mget_reply(m);
}

/* Fill one doc from {"_index","_id","routing","_source"} or a bare id. */
static void
mget_prepare(mget_ctx_t *m, mget_doc_t *d, const osp_json_t *spec, const dp_source_spec_t *def_src,
	     const char *def_index, const char *def_routing)
{
	osp_arena_t *a = m->r->http->arena;
	const char *routing = def_routing;
	osp_err_t err;

	d->m = m;
	d->index = def_index;
	d->spec = *def_src;
	if (osp_json_is(spec, OSP_JSON_STRING)) {
		d->job.id = spec->u.str;
	} else if (osp_json_is(spec, OSP_JSON_OBJECT)) {
		OSP_JSON_FOREACH(f, spec) {
			if (osp_json_key_eq(f, "_index") && osp_json_is(f, OSP_JSON_STRING))
				d->index = f->u.str;
			else if (osp_json_key_eq(f, "_id") && osp_json_is(f, OSP_JSON_STRING))
				d->job.id = f->u.str;
			else if (osp_json_key_eq(f, "_id") && f->type == OSP_JSON_NUMBER)
				d->job.id = osp_arena_strndup(a, f->num, f->num_len);
			else if (osp_json_key_eq(f, "routing") && osp_json_is(f, OSP_JSON_STRING))
				routing = f->u.str;
			else if (osp_json_key_eq(f, "_source"))
				dp_source_spec_from_json(a, f, &d->spec, &err);
		}
	}
	if (d->index == NULL) {
		d->failed = true;
		osp_err_set(&d->err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: index is missing for doc 0;");
		return;
	}
	if (d->job.id == NULL) {
		d->failed = true;
		osp_err_set(&d->err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: id is missing for doc 0;");
		return;
	}
	d->job.id_len = strlen(d->job.id);
	d->job.realtime = true;
	d->idx = dp_shards_write_index(d->index, false, &err);
	if (d->idx == NULL) {
		d->failed = true;
		d->err = err;
		return;
	}
	uint32_t shard = routing ? dp_shards_route(d->idx, routing, strlen(routing))
				 : dp_shards_route(d->idx, d->job.id, d->job.id_len);

	d->job.ref = dp_shards_ref(d->idx, shard, &d->err);
	if (d->job.ref == NULL)
		d->failed = true;
}

static void
rest_mget(dp_rest_req_t *r)
{
	osp_arena_t *a = r->http->arena;
	mget_ctx_t *m = osp_arena_calloc(a, sizeof(*m));
	osp_json_t *body, *docs, *ids;
	dp_source_spec_t def_src;
	osp_err_t err;
	bool ok = true;

	if (m == NULL || !dp_rest_body_json(r, &body))
		return;
	m->r = r;
	dp_source_spec_from_params(a, dp_rest_qs(r, "_source"), dp_rest_qs(r, "_source_includes"),
				   dp_rest_qs(r, "_source_excludes"), &def_src);
	bool realtime = dp_rest_qs_bool(r, "realtime", true, &ok);
	bool refresh = ok ? dp_rest_qs_bool(r, "refresh", false, &ok) : false;

	if (!ok)
		return;
	docs = osp_json_get(body, "docs");
	ids = osp_json_get(body, "ids");
	if (!osp_json_is(docs, OSP_JSON_ARRAY) && !osp_json_is(ids, OSP_JSON_ARRAY)) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: no documents to get;");
		dp_rest_reply_err(r, &err);
		return;
	}
	const osp_json_t *list = docs ? docs : ids;

	m->n = list->len;
	if (m->n == 0) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: no documents to get;");
		dp_rest_reply_err(r, &err);
		return;
	}
	m->docs = osp_arena_calloc(a, m->n * sizeof(*m->docs));
	if (m->docs == NULL)
		return;
	uint32_t i = 0;

	OSP_JSON_FOREACH(spec, list) {
		mget_prepare(m, &m->docs[i], spec, &def_src, dp_rest_param(r, "index"), dp_rest_qs(r, "routing"));
		m->docs[i].job.realtime = realtime;
		m->docs[i].job.refresh = refresh;
		i++;
	}
	m->pending = 1;
	for (i = 0; i < m->n; i++) {
		mget_doc_t *d = &m->docs[i];

		if (d->failed)
			continue;
		osp_arena_init(&d->job.arena, 4096, 0);
		dp_job_prepare(&d->job.job, d->job.ref, dp_job_get_run, mget_doc_done);
		m->pending++;
		dp_core_submit(&d->job.job);
	}
	if (--m->pending == 0)
		mget_reply(m);
}

/* ---- _explain ---- */

static void
explain_done(void *user, const dp_search_result_t *res)
{
	dp_rest_req_t *r = user;
	osp_buf_t out;
	osp_jw_t w;
	const char *index = dp_rest_param(r, "index"), *id = dp_rest_param(r, "id");

	if (res->merged == NULL) {
		dp_rest_reply_err(r, res->err);
		return;
	}
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "_index", res->merged->n_hits ? res->slot_index[res->merged->hits[0].shard]->name : index);
	osp_jw_kv_str(&w, "_id", id);
	osp_jw_kv_bool(&w, "matched", res->merged->n_hits > 0);
	if (res->merged->n_hits && res->merged->hits[0].expl) {
		osp_jw_key(&w, "explanation");
		st_expl_write(&w, res->merged->hits[0].expl);
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

static void
rest_explain(dp_rest_req_t *r)
{
	osp_arena_t *a = r->http->arena;
	osp_json_t *body, *q;
	st_search_req_t req;
	osp_err_t err;
	st_query_t *query = NULL;
	dp_index_t *idx;
	struct timespec ts;
	const char *v;

	if (!dp_rest_body_json(r, &body))
		return;
	idx = dp_shards_write_index(dp_rest_param(r, "index"), false, &err);
	if (idx == NULL) {
		dp_rest_reply_err(r, &err);
		return;
	}
	q = osp_json_get(body, "query");
	if (q && st_query_parse(a, q, &query, &err) != 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	if (query == NULL && (v = dp_rest_qs(r, "q")) != NULL &&
	    st_query_string_parse(a, v, strlen(v), NULL, NULL, 0, ST_OP_OR, &query, &err) != 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	if (query == NULL) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: query is missing;");
		dp_rest_reply_err(r, &err);
		return;
	}
	/* bool { must: query, filter: ids [id] } */
	st_query_t *ids = osp_arena_calloc(a, sizeof(*ids));
	st_query_t *top = osp_arena_calloc(a, sizeof(*top));
	st_query_t **must = osp_arena_calloc(a, sizeof(*must));
	st_query_t **filter = osp_arena_calloc(a, sizeof(*filter));
	const char **idv = osp_arena_calloc(a, sizeof(*idv));
	uint32_t *lens = osp_arena_calloc(a, sizeof(*lens));

	if (!ids || !top || !must || !filter || !idv || !lens)
		return;
	idv[0] = dp_rest_param(r, "id");
	lens[0] = (uint32_t)strlen(idv[0]);
	ids->kind = ST_Q_IDS;
	ids->boost = 1.0f;
	ids->u.ids.ids = idv;
	ids->u.ids.lens = lens;
	ids->u.ids.n = 1;
	must[0] = query;
	filter[0] = ids;
	top->kind = ST_Q_BOOL;
	top->boost = 1.0f;
	top->u.bool_q.must = must;
	top->u.bool_q.n_must = 1;
	top->u.bool_q.filter = filter;
	top->u.bool_q.n_filter = 1;
	st_search_req_init(&req);
	req.query = top;
	req.size = 1;
	req.explain = true;
	clock_gettime(CLOCK_REALTIME, &ts);
	req.now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	dp_index_t *list[1] = { idx };

	dp_search_start(r, list, 1, &req, false, explain_done, r);
}

void
rest_mget_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_mget", rest_mget, 0);
	dp_rest_route(DP_HTTP_POST, "/_mget", rest_mget, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_mget", rest_mget, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_mget", rest_mget, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_explain/{id}", rest_explain, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_explain/{id}", rest_explain, 0);
}
