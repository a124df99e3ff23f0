/*
 * rest_ingest.c - the _ingest APIs: pipelines stored as cluster-state
 * customs (PUT/GET/DELETE _ingest/pipeline/{id}, wildcards in GET and
 * DELETE), _simulate of a stored or inline pipeline (verbose or not),
 * _ingest/_simulate (the pipelines an index would run, with
 * pipeline_substitutions) and the grok pattern list. Bodies are validated by
 * compiling them (dataplane/ingest) before control stores them, so a stored
 * pipeline always compiles. Everything runs on the network core; nothing
 * here touches a disk.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../ingest/dp_ingest.h"
#include "../server/dp_ctl.h"
#include "dp_customs.h"
#include "dp_pipeline.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
reply_oom(dp_rest_req_t *r)
{
	osp_err_t err;

	osp_err_set(&err, 500, "out_of_memory_error", "no memory for the request");
	dp_rest_reply_err(r, &err);
}

/* PUT /_ingest/pipeline/{id} */
static void
rest_pipeline_put(dp_rest_req_t *r)
{
	const char *id = dp_rest_param(r, "id");
	dp_ingest_pipeline_t *p;
	osp_json_t *body;
	osp_err_t err;

	if (!dp_rest_body_json(r, &body))
		return;
	osp_err_clear(&err);
	if (body == NULL) {
		osp_err_set(&err, 400, "parse_exception", "request body is required");
		dp_rest_reply_err(r, &err);
		return;
	}
	if (dp_ingest_pipeline_compile(r->http->arena, id, body, &p, &err) != 0) {
		if (err.status == 0)
			osp_err_set(&err, 500, "out_of_memory_error", "no memory for the request");
		dp_rest_reply_err(r, &err);
		return;
	}
	dp_customs_put(r, DP_PIPELINE_CUSTOM, id, body, false);
}

/* GET /_ingest/pipeline[/{id}] */
static void
rest_pipeline_get(dp_rest_req_t *r)
{
	const char *expr = dp_rest_param(r, "id"), *missing;
	const osp_custom_t **list;
	uint32_t n;

	if (dp_customs_select(r->http->arena, DP_PIPELINE_CUSTOM, expr, &list, &n, &missing) != 0) {
		reply_oom(r);
		return;
	}
	dp_customs_reply_map(r, list, n, n == 0 && expr != NULL && strcmp(expr, "*") != 0 &&
			     strcmp(expr, "_all") != 0 ? 404 : 200);
}

/* DELETE /_ingest/pipeline/{id} */
static void
rest_pipeline_delete(dp_rest_req_t *r)
{
	const char *expr = dp_rest_param(r, "id"), *missing;
	const osp_custom_t **list;
	osp_err_t err;
	uint32_t n;

	if (dp_customs_select(r->http->arena, DP_PIPELINE_CUSTOM, expr, &list, &n, &missing) != 0) {
		reply_oom(r);
		return;
	}
	if (missing != NULL || n == 0) {
		osp_err_set(&err, 404, "resource_not_found_exception", "pipeline [%s] is missing",
			    missing ? missing : expr);
		dp_rest_reply_err(r, &err);
		return;
	}
	dp_customs_delete(r, DP_PIPELINE_CUSTOM, list, n);
}

/* ---- _simulate ---- */

static void
write_error(osp_jw_t *w, const osp_err_t *e)
{
	osp_jw_obj_begin(w);
	osp_jw_key(w, "root_cause");
	osp_jw_arr_begin(w);
	dp_rest_write_cause(w, e);
	osp_jw_arr_end(w);
	osp_jw_kv_str(w, "type", e->type);
	osp_jw_kv_str(w, "reason", e->reason);
	osp_jw_obj_end(w);
}

/* Verbose tracing writes one processor_results entry per processor. */
static void
sim_trace(void *user, const dp_ingest_proc_t *p, dp_ingest_status_t st, const osp_err_t *err,
	  const dp_ingest_doc_t *d)
{
	osp_jw_t *w = user;
	const char *tag = dp_ingest_proc_tag(p);

	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "processor_type", dp_ingest_proc_type(p));
	if (tag)
		osp_jw_kv_str(w, "tag", tag);
	switch (st) {
	case DP_INGEST_SUCCESS:
		osp_jw_kv_str(w, "status", "success");
		break;
	case DP_INGEST_DROPPED:
		osp_jw_kv_str(w, "status", "dropped");
		break;
	case DP_INGEST_SKIPPED:
		osp_jw_kv_str(w, "status", "skipped");
		break;
	case DP_INGEST_ERROR:
		osp_jw_kv_str(w, "status", "error");
		break;
	case DP_INGEST_ERROR_IGNORED:
		osp_jw_kv_str(w, "status", "error_ignored");
		break;
	}
	if (dp_ingest_proc_cond(p)) {
		osp_jw_key(w, "if");
		osp_jw_obj_begin(w);
		osp_jw_kv_str(w, "condition", dp_ingest_proc_cond(p));
		osp_jw_kv_bool(w, "result", st != DP_INGEST_SKIPPED);
		osp_jw_obj_end(w);
	}
	if (st == DP_INGEST_ERROR) {
		osp_jw_key(w, "error");
		write_error(w, err);
	} else if (st == DP_INGEST_ERROR_IGNORED) {
		osp_jw_key(w, "ignored_error");
		osp_jw_obj_begin(w);
		osp_jw_key(w, "error");
		write_error(w, err);
		osp_jw_obj_end(w);
	}
	if (st == DP_INGEST_SUCCESS || st == DP_INGEST_ERROR_IGNORED) {
		osp_jw_key(w, "doc");
		dp_ingest_doc_write(d, w);
	}
	osp_jw_obj_end(w);
}

/* Substitutions first (for _ingest/_simulate), then stored pipelines. */
typedef struct sim_ctx {
	osp_arena_t *a;
	const osp_json_t *subst;
} sim_ctx_t;

static const osp_json_t *
sim_lookup(void *ctx, const char *id)
{
	sim_ctx_t *s = ctx;
	const osp_json_t *v = osp_json_get(s->subst, id);

	return v ? v : dp_pipeline_stored(s->a, id);
}

/* Build the document of one docs[] entry; err on a bad entry. */
static int
sim_doc(osp_arena_t *a, const osp_json_t *e, const char *def_index, dp_ingest_doc_t *d, osp_err_t *err)
{
	const osp_json_t *src = osp_json_get(e, "_source");
	const osp_json_t *ix = osp_json_get(e, "_index"), *id = osp_json_get(e, "_id");
	const osp_json_t *rt = osp_json_get(e, "routing");
	const osp_json_t *ver = osp_json_get(e, "_version");

	if (!osp_json_is(e, OSP_JSON_OBJECT))
		return osp_err_set(err, 400, "parse_exception", "[docs] property isn't a list of maps");
	if (rt == NULL)
		rt = osp_json_get(e, "_routing");
	if (!osp_json_is(src, OSP_JSON_OBJECT))
		return osp_err_set(err, 400, "parse_exception", "[_source] required property is missing");
	if (dp_ingest_doc_init(d, a, src, osp_json_is(ix, OSP_JSON_STRING) ? ix->u.str : def_index,
			       osp_json_is(id, OSP_JSON_STRING) ? id->u.str : "_id",
			       osp_json_is(rt, OSP_JSON_STRING) ? rt->u.str : NULL, now_ms()) != 0)
		return -ENOMEM;
	if (osp_json_append(a, d->meta, "_version", 8,
			    ver && ver->type == OSP_JSON_NUMBER ? osp_json_clone(a, ver)
								: osp_json_new_string(a, "-3", 2)) != 0)
		return -ENOMEM;
	return 0;
}

/* POST /_ingest/pipeline[/{id}]/_simulate */
static void
rest_pipeline_simulate(dp_rest_req_t *r)
{
	osp_arena_t *a = r->http->arena;
	const char *id = dp_rest_param(r, "id");
	const osp_json_t *def, *docs;
	dp_ingest_pipeline_t *p;
	osp_json_t *body;
	osp_err_t err;
	sim_ctx_t sc = { a, NULL };
	bool ok = true, verbose = dp_rest_qs_bool(r, "verbose", false, &ok);
	osp_buf_t out;
	osp_jw_t w;

	if (!ok || !dp_rest_body_json(r, &body))
		return;
	osp_err_clear(&err);
	if (!osp_json_is(body, OSP_JSON_OBJECT)) {
		osp_err_set(&err, 400, "parse_exception", "request body is required");
		goto fail;
	}
	docs = osp_json_get(body, "docs");
	if (id != NULL) {
		def = dp_pipeline_stored(a, id);
		if (def == NULL) {
			osp_err_set(&err, 400, "illegal_argument_exception", "pipeline [%s] does not exist", id);
			goto fail;
		}
	} else if ((def = osp_json_get(body, "pipeline")) == NULL) {
		osp_err_set(&err, 400, "parse_exception", "[pipeline] required property is missing");
		goto fail;
	}
	if (docs == NULL) {
		osp_err_set(&err, 400, "parse_exception", "[docs] required property is missing");
		goto fail;
	}
	if (!osp_json_is(docs, OSP_JSON_ARRAY) || docs->len == 0) {
		osp_err_set(&err, 400, "illegal_argument_exception", "must specify at least one document in [docs]");
		goto fail;
	}
	if (dp_ingest_pipeline_compile(a, id ? id : "_simulate_pipeline", def, &p, &err) != 0)
		goto fail;
	OSP_JSON_FOREACH(e, docs) {
		dp_ingest_doc_t d;

		if (sim_doc(a, e, "_index", &d, &err) != 0)
			goto fail;
	}
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "docs");
	osp_jw_arr_begin(&w);
	OSP_JSON_FOREACH(e, docs) {
		dp_ingest_run_t run;
		dp_ingest_doc_t d;
		int rc;

		memset(&run, 0, sizeof(run));
		run.lookup = sim_lookup;
		run.lookup_ctx = &sc;
		sim_doc(a, e, "_index", &d, &err);
		osp_err_clear(&err);
		if (verbose) {
			run.trace = sim_trace;
			run.trace_user = &w;
			osp_jw_obj_begin(&w);
			osp_jw_key(&w, "processor_results");
			osp_jw_arr_begin(&w);
			dp_ingest_pipeline_run(&run, p, &d, &err);
			osp_jw_arr_end(&w);
			osp_jw_obj_end(&w);
			continue;
		}
		rc = dp_ingest_pipeline_run(&run, p, &d, &err);
		if (rc == 0 && d.dropped) {
			osp_jw_null(&w);
			continue;
		}
		osp_jw_obj_begin(&w);
		if (rc != 0) {
			osp_jw_key(&w, "error");
			write_error(&w, &err);
		} else {
			osp_jw_key(&w, "doc");
			dp_ingest_doc_write(&d, &w);
		}
		osp_jw_obj_end(&w);
	}
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
	return;
fail:
	if (err.status == 0)
		osp_err_set(&err, 500, "out_of_memory_error", "no memory for the request");
	dp_rest_reply_err(r, &err);
}

/* The pipelines an index runs by default: default then final (NULL when
 * none or the index is unknown). */
static void
index_pipelines(osp_arena_t *a, const char *index, const char **def, const char **fin)
{
	const osp_cluster_t *cs = dp_shards_state();
	const osp_index_t *idx = cs ? osp_cluster_index(cs, index) : NULL;

	*def = *fin = NULL;
	if (idx == NULL)
		return;
	*def = osp_index_setting(idx, a, "index.default_pipeline");
	*fin = osp_index_setting(idx, a, "index.final_pipeline");
}

/* Run pipeline id (substituted or stored) for _ingest/_simulate. */
static int
sim_run_named(osp_arena_t *a, dp_ingest_run_t *run, const char *id, dp_ingest_doc_t *d, osp_err_t *err)
{
	const osp_json_t *def = sim_lookup(run->lookup_ctx, id);
	dp_ingest_pipeline_t *p;
	int rc;

	if (def == NULL)
		return osp_err_set(err, 400, "illegal_argument_exception", "pipeline with id [%s] does not exist", id);
	if ((rc = dp_ingest_pipeline_compile(a, id, def, &p, err)) != 0)
		return rc;
	return dp_ingest_pipeline_run(run, p, d, err);
}

/* POST /_ingest/_simulate, /_ingest/{index}/_simulate */
static void
rest_ingest_simulate(dp_rest_req_t *r)
{
	osp_arena_t *a = r->http->arena;
	const char *path_index = dp_rest_param(r, "index");
	const char *req_pipeline = dp_rest_qs(r, "pipeline");
	const osp_json_t *docs;
	osp_json_t *body;
	osp_err_t err;
	sim_ctx_t sc = { a, NULL };
	osp_buf_t out;
	osp_jw_t w;

	if (!dp_rest_body_json(r, &body))
		return;
	osp_err_clear(&err);
	docs = osp_json_get(body, "docs");
	if (!osp_json_is(docs, OSP_JSON_ARRAY) || docs->len == 0) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: must specify at least one document in [docs];");
		dp_rest_reply_err(r, &err);
		return;
	}
	sc.subst = osp_json_get(body, "pipeline_substitutions");
	OSP_JSON_FOREACH(e, docs) {
		dp_ingest_doc_t d;

		if (sim_doc(a, e, path_index ? path_index : "_index", &d, &err) != 0) {
			if (err.status == 0)
				osp_err_set(&err, 500, "out_of_memory_error", "no memory for the request");
			dp_rest_reply_err(r, &err);
			return;
		}
	}
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "docs");
	osp_jw_arr_begin(&w);
	OSP_JSON_FOREACH(e, docs) {
		const char *def, *fin, *index;
		dp_ingest_run_t run;
		dp_ingest_doc_t d;
		int rc = 0;

		sim_doc(a, e, path_index ? path_index : "_index", &d, &err);
		osp_err_clear(&err);
		index = osp_json_get(d.meta, "_index")->u.str;
		index_pipelines(a, index, &def, &fin);
		if (req_pipeline)
			def = req_pipeline;
		memset(&run, 0, sizeof(run));
		run.lookup = sim_lookup;
		run.lookup_ctx = &sc;
		if (def && strcmp(def, "_none") != 0)
			rc = sim_run_named(a, &run, def, &d, &err);
		if (rc == 0 && !d.dropped && fin && strcmp(fin, "_none") != 0)
			rc = sim_run_named(a, &run, fin, &d, &err);
		osp_jw_obj_begin(&w);
		osp_jw_key(&w, "doc");
		osp_jw_obj_begin(&w);
		osp_jw_key(&w, "_id");
		osp_jw_value(&w, osp_json_get(d.meta, "_id"));
		osp_jw_key(&w, "_index");
		osp_jw_value(&w, osp_json_get(d.meta, "_index"));
		osp_jw_kv_int(&w, "_version", -3);
		osp_jw_key(&w, "_source");
		osp_jw_value(&w, d.src);
		osp_jw_key(&w, "executed_pipelines");
		osp_jw_arr_begin(&w);
		for (int i = 0; i < run.n_executed; i++)
			osp_jw_str(&w, run.executed[i]);
		osp_jw_arr_end(&w);
		if (rc != 0) {
			osp_jw_key(&w, "error");
			dp_rest_write_cause(&w, &err);
		}
		osp_jw_obj_end(&w);
		osp_jw_obj_end(&w);
	}
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* GET /_ingest/processor/grok: the pattern bank. Osprey has no grok
 * processor yet; the list is the building blocks users look up. */
static void
rest_ingest_grok(dp_rest_req_t *r)
{
	static const char *const patterns[][2] = {
		{ "BASE10NUM", "(?<![0-9.+-])(?>[+-]?(?:(?:[0-9]+(?:\\.[0-9]+)?)|(?:\\.[0-9]+)))" },
		{ "DATA", ".*?" },
		{ "GREEDYDATA", ".*" },
		{ "INT", "(?:[+-]?(?:[0-9]+))" },
		{ "IP", "(?:%{IPV6}|%{IPV4})" },
		{ "IPV4", "(?<![0-9])(?:(?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5])[.](?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5])[.](?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5])[.](?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]))(?![0-9])" },
		{ "NOTSPACE", "\\S+" },
		{ "NUMBER", "(?:%{BASE10NUM})" },
		{ "SPACE", "\\s*" },
		{ "WORD", "\\b\\w+\\b" },
	};
	bool ok = true, s = dp_rest_qs_bool(r, "s", false, &ok);
	osp_buf_t out;
	osp_jw_t w;

	(void)s;
	if (!ok)
		return;
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "patterns");
	osp_jw_obj_begin(&w);
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		osp_jw_kv_str(&w, patterns[i][0], patterns[i][1]);
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

void
rest_ingest_routes(void)
{
	dp_rest_route(DP_HTTP_PUT, "/_ingest/pipeline/{id}", rest_pipeline_put, 0);
	dp_rest_route(DP_HTTP_GET, "/_ingest/pipeline", rest_pipeline_get, 0);
	dp_rest_route(DP_HTTP_GET, "/_ingest/pipeline/{id}", rest_pipeline_get, 0);
	dp_rest_route(DP_HTTP_DELETE, "/_ingest/pipeline/{id}", rest_pipeline_delete, 0);
	dp_rest_route(DP_HTTP_GET, "/_ingest/pipeline/_simulate", rest_pipeline_simulate, 0);
	dp_rest_route(DP_HTTP_POST, "/_ingest/pipeline/_simulate", rest_pipeline_simulate, 0);
	dp_rest_route(DP_HTTP_GET, "/_ingest/pipeline/{id}/_simulate", rest_pipeline_simulate, 0);
	dp_rest_route(DP_HTTP_POST, "/_ingest/pipeline/{id}/_simulate", rest_pipeline_simulate, 0);
	dp_rest_route(DP_HTTP_GET, "/_ingest/_simulate", rest_ingest_simulate, 0);
	dp_rest_route(DP_HTTP_POST, "/_ingest/_simulate", rest_ingest_simulate, 0);
	dp_rest_route(DP_HTTP_GET, "/_ingest/{index}/_simulate", rest_ingest_simulate, 0);
	dp_rest_route(DP_HTTP_POST, "/_ingest/{index}/_simulate", rest_ingest_simulate, 0);
	dp_rest_route(DP_HTTP_GET, "/_ingest/processor/grok", rest_ingest_grok, 0);
}
