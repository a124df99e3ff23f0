/*
 * rest_doc.c - single-document APIs: index (PUT/POST _doc, _create), get,
 * exists, _source, delete, _update; with Elasticsearch's parameters
 * (routing, version/version_type, if_seq_no/if_primary_term, op_type,
 * refresh, realtime, _source filtering) and response shapes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_source.h"
#include "dp_write.h"

/* Parse the write parameters every document write takes. false = replied. */
static bool
doc_write_params(dp_rest_req_t *r, dp_write_op_t *op)
{
	st_write_req_t *req = &op->job.req;
	const char *v;
	bool ok = true;
	osp_err_t err;

	req->version = ST_MATCH_ANY_VERSION;
	req->if_seq_no = ST_UNASSIGNED_SEQ_NO;
	req->if_primary_term = 0;
	if ((v = dp_rest_qs(r, "routing")) != NULL && *v) {
		req->routing = v;
		req->routing_len = strlen(v);
	}
	req->if_seq_no = dp_rest_qs_int(r, "if_seq_no", ST_UNASSIGNED_SEQ_NO, &ok);
	if (!ok)
		return false;
	req->if_primary_term = dp_rest_qs_int(r, "if_primary_term", 0, &ok);
	if (!ok)
		return false;
	req->version = dp_rest_qs_int(r, "version", ST_MATCH_ANY_VERSION, &ok);
	if (!ok)
		return false;
	if ((v = dp_rest_qs(r, "version_type")) != NULL) {
		if (strcmp(v, "internal") == 0)
			req->version_type = ST_VERSION_INTERNAL;
		else if (strcmp(v, "external") == 0)
			req->version_type = ST_VERSION_EXTERNAL;
		else if (strcmp(v, "external_gte") == 0)
			req->version_type = ST_VERSION_EXTERNAL_GTE;
		else {
			osp_err_set(&err, 400, "illegal_argument_exception", "No version type match [%s]", v);
			dp_rest_reply_err(r, &err);
			return false;
		}
	}
	if ((v = dp_rest_qs(r, "refresh")) != NULL) {
		if (*v == '\0' || strcmp(v, "true") == 0 || strcmp(v, "wait_for") == 0) {
			op->job.refresh = true;
		} else if (strcmp(v, "false") != 0) {
			osp_err_set(&err, 400, "illegal_argument_exception", "Unknown value for refresh: [%s].", v);
			dp_rest_reply_err(r, &err);
			return false;
		}
	}
	op->require_alias = dp_rest_qs_bool(r, "require_alias", false, &ok);
	return ok;
}

/* The common head of a write response. */
static void
doc_write_result(osp_jw_t *w, dp_write_op_t *op)
{
	const st_write_res_t *res = &op->job.res;

	osp_jw_kv_str(w, "_index", op->idx->name);
	osp_jw_key(w, "_id");
	osp_jw_strn(w, op->job.req.id, op->job.req.id_len);
	osp_jw_kv_int(w, "_version", res->version);
	osp_jw_kv_str(w, "result", dp_write_result_name(res->result));
	const char *rv = dp_rest_qs(op->r, "refresh");

	/* refresh=true forces one and says so; wait_for only waits. */
	if (op->job.refresh && rv && strcmp(rv, "wait_for") != 0)
		osp_jw_kv_bool(w, "forced_refresh", true);
	if (res->result == ST_RESULT_NOOP)
		dp_rest_write_shards(w, 0, 0, 0, false);
	else
		dp_rest_write_shards(w, dp_write_shards_total(op->idx), 1, 0, false);
	osp_jw_kv_int(w, "_seq_no", res->seq_no);
	osp_jw_kv_int(w, "_primary_term", res->primary_term);
}

static void
doc_index_finish(dp_write_op_t *op)
{
	dp_rest_req_t *r = op->r;
	osp_buf_t out;
	osp_jw_t w;

	if (op->failed) {
		/* op lives in the request's arena, which the reply releases. */
		osp_arena_t job_arena = op->job.arena;

		dp_rest_reply_err(r, &op->err);
		osp_arena_free(&job_arena);
		return;
	}
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	doc_write_result(&w, op);
	if (op->job.req.op == ST_OP_UPDATE && op->user) {
		/* _update with _source asked: "get" holds the new document. */
		const dp_source_spec_t *spec = op->user;

		osp_jw_key(&w, "get");
		osp_jw_obj_begin(&w);
		osp_jw_kv_int(&w, "_seq_no", op->job.res.seq_no);
		osp_jw_kv_int(&w, "_primary_term", op->job.res.primary_term);
		osp_jw_kv_bool(&w, "found", true);
		if (op->job.res.source) {
			osp_jw_key(&w, "_source");
			dp_source_write(&w, spec, r->http->arena, op->job.res.source, op->job.res.source_len);
		}
		osp_jw_obj_end(&w);
	}
	osp_jw_obj_end(&w);
	uint16_t status = 200;

	if (op->job.res.result == ST_RESULT_CREATED)
		status = 201;
	else if (op->job.res.result == ST_RESULT_NOT_FOUND)
		status = 404;
	osp_arena_free(&op->job.arena);
	dp_rest_reply(r, status, &out);
}

static dp_write_op_t *
doc_op_new(dp_rest_req_t *r, st_op_t kind)
{
	dp_write_op_t *op = osp_arena_calloc(r->http->arena, sizeof(*op));

	if (op == NULL) {
		osp_err_t err;

		osp_err_set(&err, 500, "out_of_memory_error", "no memory for the request");
		dp_rest_reply_err(r, &err);
		return NULL;
	}
	op->r = r;
	op->index = dp_rest_param(r, "index");
	op->job.req.op = kind;
	op->finish = doc_index_finish;
	return op;
}

/* PUT|POST /{index}/_doc/{id}, PUT|POST /{index}/_create/{id}, POST /{index}/_doc */
static void
doc_index(dp_rest_req_t *r, st_op_t kind, bool gen_id)
{
	dp_write_op_t *op = doc_op_new(r, kind);
	osp_json_t *body;
	osp_err_t err;
	const char *v;

	if (op == NULL || !doc_write_params(r, op))
		return;
	if ((v = dp_rest_qs(r, "op_type")) != NULL) {
		if (strcmp(v, "create") == 0) {
			op->job.req.op = ST_OP_CREATE;
		} else if (strcmp(v, "index") != 0) {
			osp_err_set(&err, 400, "illegal_argument_exception", "opType must be 'create' or 'index', found: [%s]", v);
			dp_rest_reply_err(r, &err);
			return;
		}
	}
	if (!r->http->has_body || r->http->body_len == 0) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: source is missing;2: content type is missing;");
		dp_rest_reply_err(r, &err);
		return;
	}
	if (!dp_rest_body_json(r, &body))
		return;
	if (!osp_json_is(body, OSP_JSON_OBJECT)) {
		osp_err_set(&err, 400, "mapper_parsing_exception", "failed to parse");
		snprintf(err.caused_by_type, sizeof(err.caused_by_type), "not_x_content_exception");
		snprintf(err.caused_by_reason, sizeof(err.caused_by_reason),
			 "Compressor detection can only be called on some xcontent bytes or compressed xcontent bytes");
		dp_rest_reply_err(r, &err);
		return;
	}
	if (gen_id) {
		char *id = osp_arena_alloc(r->http->arena, 21);

		if (id == NULL)
			return;
		dp_write_gen_id(id);
		op->job.req.id = id;
		op->job.req.id_len = 20;
		if (op->job.req.op == ST_OP_INDEX)
			op->job.req.op = ST_OP_CREATE;
	} else {
		op->job.req.id = dp_rest_param(r, "id");
		op->job.req.id_len = strlen(op->job.req.id);
	}
	op->job.req.source = r->http->body;
	op->job.req.source_len = r->http->body_len;
	op->pipeline = dp_rest_qs(r, "pipeline");
	dp_write_submit(op);
}

static void
rest_doc_index(dp_rest_req_t *r)
{
	doc_index(r, ST_OP_INDEX, false);
}

static void
rest_doc_index_auto(dp_rest_req_t *r)
{
	doc_index(r, ST_OP_INDEX, true);
}

static void
rest_doc_create(dp_rest_req_t *r)
{
	doc_index(r, ST_OP_CREATE, false);
}

static void
rest_doc_delete(dp_rest_req_t *r)
{
	dp_write_op_t *op = doc_op_new(r, ST_OP_DELETE);

	if (op == NULL || !doc_write_params(r, op))
		return;
	op->job.req.id = dp_rest_param(r, "id");
	op->job.req.id_len = strlen(op->job.req.id);
	/* Deleting from a missing index does not create it. */
	osp_err_t err;

	if (dp_shards_write_index(op->index, false, &err) == NULL) {
		dp_rest_reply_err(r, &err);
		return;
	}
	op->created_index = true;
	dp_write_submit(op);
}

/* POST /{index}/_update/{id} */
static void
rest_doc_update(dp_rest_req_t *r)
{
	dp_write_op_t *op = doc_op_new(r, ST_OP_UPDATE);
	osp_json_t *body;
	osp_err_t err;

	if (op == NULL || !doc_write_params(r, op))
		return;
	if (!dp_rest_body_json(r, &body))
		return;
	if (!osp_json_is(body, OSP_JSON_OBJECT)) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: script or doc is missing;");
		dp_rest_reply_err(r, &err);
		return;
	}
	if (osp_json_get(body, "script")) {
		osp_err_set(&err, 400, "illegal_argument_exception",
			    "scripted updates are not supported by this node");
		dp_rest_reply_err(r, &err);
		return;
	}
	if (!osp_json_get(body, "doc") && !osp_json_get(body, "upsert")) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: script or doc is missing;");
		dp_rest_reply_err(r, &err);
		return;
	}
	const osp_json_t *src = osp_json_get(body, "_source");
	const char *qs = dp_rest_qs(r, "_source");

	if (src || qs || dp_rest_qs(r, "_source_includes") || dp_rest_qs(r, "_source_excludes")) {
		dp_source_spec_t *spec = osp_arena_calloc(r->http->arena, sizeof(*spec));

		if (spec == NULL)
			return;
		if (src)
			dp_source_spec_from_json(r->http->arena, src, spec, &err);
		else
			dp_source_spec_from_params(r->http->arena, qs, dp_rest_qs(r, "_source_includes"),
						   dp_rest_qs(r, "_source_excludes"), spec);
		if (spec->fetch)
			op->user = spec;
	}
	op->job.req.id = dp_rest_param(r, "id");
	op->job.req.id_len = strlen(op->job.req.id);
	op->job.req.source = r->http->body;
	op->job.req.source_len = r->http->body_len;
	dp_write_submit(op);
}

/* ---- reads ---- */

/* A get in flight. */
typedef struct doc_get {
	dp_job_get_t job;
	dp_rest_req_t *r;
	dp_index_t *idx;
	dp_source_spec_t spec;
	enum { GET_DOC, GET_EXISTS, GET_SOURCE } kind;
} doc_get_t;

static void
doc_get_done(dp_job_t *job)
{
	doc_get_t *g = (doc_get_t *)job;
	dp_rest_req_t *r = g->r;
	const st_get_res_t *res = &g->job.res;
	/* g lives in the request's arena, which the reply releases: free the
	 * worker's arena (res's strings) through a copy of its handle. */
	osp_arena_t job_arena = g->job.arena;
	osp_buf_t out;
	osp_jw_t w;
	osp_err_t err;

	if (job->rc != 0) {
		osp_err_set(&err, 500, "shard_failed_exception", "get failed: %s", strerror(-job->rc));
		dp_rest_reply_err(r, &err);
		goto cleanup;
	}
	if (g->kind == GET_EXISTS) {
		osp_buf_init(&out);
		dp_server_respond(r, res->found ? 200 : 404, DP_MEDIA_JSON, &out);
		goto cleanup;
	}
	if (g->kind == GET_SOURCE) {
		if (!res->found) {
			osp_err_set(&err, 404, "resource_not_found_exception",
				    "Document not found [%s]/[%s]", g->idx->name, g->job.id);
			dp_rest_reply_err(r, &err);
			goto cleanup;
		}
		dp_rest_jw(r, &w, &out);
		dp_source_write(&w, &g->spec, r->http->arena, res->source, res->source_len);
		dp_rest_reply(r, 200, &out);
		goto cleanup;
	}
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "_index", g->idx->name);
	osp_jw_kv_str(&w, "_id", g->job.id);
	if (res->found) {
		osp_jw_kv_int(&w, "_version", res->version);
		osp_jw_kv_int(&w, "_seq_no", res->seq_no);
		osp_jw_kv_int(&w, "_primary_term", res->primary_term);
		osp_jw_kv_bool(&w, "found", true);
		if (res->routing) {
			osp_jw_key(&w, "_routing");
			osp_jw_strn(&w, res->routing, res->routing_len);
		}
		if (g->spec.fetch && res->source) {
			osp_jw_key(&w, "_source");
			dp_source_write(&w, &g->spec, r->http->arena, res->source, res->source_len);
		}
	} else {
		osp_jw_kv_bool(&w, "found", false);
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(r, res->found ? 200 : 404, &out);
cleanup:
	osp_arena_free(&job_arena);
}

static void
doc_get(dp_rest_req_t *r, int kind)
{
	doc_get_t *g = osp_arena_calloc(r->http->arena, sizeof(*g));
	const char *routing = dp_rest_qs(r, "routing");
	dp_shard_ref_t *ref;
	osp_err_t err;
	bool ok = true;

	if (g == NULL)
		return;
	g->r = r;
	g->kind = kind;
	/* an alias with one index (or a write index) reads like its index */
	g->idx = dp_shards_write_index(dp_rest_param(r, "index"), false, &err);
	if (g->idx == NULL) {
		if (kind == GET_EXISTS) {
			osp_buf_t out;

			osp_buf_init(&out);
			dp_server_respond(r, 404, DP_MEDIA_JSON, &out);
			return;
		}
		dp_rest_reply_err(r, &err);
		return;
	}
	g->job.id = dp_rest_param(r, "id");
	g->job.id_len = strlen(g->job.id);
	g->job.realtime = dp_rest_qs_bool(r, "realtime", true, &ok);
	if (!ok)
		return;
	g->job.refresh = dp_rest_qs_bool(r, "refresh", false, &ok);
	if (!ok)
		return;
	dp_source_spec_from_params(r->http->arena, dp_rest_qs(r, "_source"),
				   dp_rest_qs(r, "_source_includes"), dp_rest_qs(r, "_source_excludes"),
				   &g->spec);
	uint32_t shard = routing ? dp_shards_route(g->idx, routing, strlen(routing))
				 : dp_shards_route(g->idx, g->job.id, g->job.id_len);

	ref = dp_shards_ref(g->idx, shard, &err);
	if (ref == NULL) {
		dp_rest_reply_err(r, &err);
		return;
	}
	g->job.ref = ref;
	osp_arena_init(&g->job.arena, 4096, 0);
	dp_job_prepare(&g->job.job, ref, dp_job_get_run, doc_get_done);
	dp_core_submit(&g->job.job);
}

static void
rest_doc_get(dp_rest_req_t *r)
{
	doc_get(r, GET_DOC);
}

static void
rest_doc_exists(dp_rest_req_t *r)
{
	doc_get(r, GET_EXISTS);
}

static void
rest_doc_source(dp_rest_req_t *r)
{
	doc_get(r, GET_SOURCE);
}

void
rest_doc_routes(void)
{
	dp_rest_route(DP_HTTP_PUT, "/{index}/_doc/{id}", rest_doc_index, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_doc/{id}", rest_doc_index, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_doc", rest_doc_index_auto, 0);
	dp_rest_route(DP_HTTP_PUT, "/{index}/_create/{id}", rest_doc_create, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_create/{id}", rest_doc_create, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_doc/{id}", rest_doc_get, 0);
	dp_rest_route(DP_HTTP_HEAD, "/{index}/_doc/{id}", rest_doc_exists, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_source/{id}", rest_doc_source, 0);
	dp_rest_route(DP_HTTP_HEAD, "/{index}/_source/{id}", rest_doc_exists, 0);
	dp_rest_route(DP_HTTP_DELETE, "/{index}/_doc/{id}", rest_doc_delete, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_update/{id}", rest_doc_update, 0);
}
