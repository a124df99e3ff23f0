/*
 * rest_dispatch.c - the route table, dispatch, and the reply helpers every
 * endpoint shares (pretty, filter_path, Elasticsearch errors, parameters).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../http/dp_rest_error.h"
#include "../http/dp_rest_filter.h"
#include "../http/dp_rest_pretty.h"
#include "dp_csettings.h"
#include "dp_rest.h"
#include "dp_usage.h"
#include "dp_script.h"
#include "dp_snapshot.h"
#include "dp_sctx.h"
#include "dp_indices_ext.h"
#include "dp_dstream.h"
#include "dp_tmpl.h"

#define REST_MAX_ROUTES 512

dp_node_info_t dp_node_info;

static dp_rest_router_t *rest_router;
static dp_rest_handler_t rest_handlers[REST_MAX_ROUTES];
static int rest_n_handlers;

int
dp_rest_route(dp_http_method_t m, const char *pattern, dp_rest_handler_t h, uint32_t flags)
{
	if (rest_n_handlers == REST_MAX_ROUTES)
		return -ENOSPC;
	int id = rest_n_handlers++;

	rest_handlers[id] = h;
	dp_usage_route(id, m, pattern, h);
	return dp_rest_router_add(rest_router, m, pattern, id, flags);
}

void
dp_rest_init(const osp_settings_t *s)
{
	struct timespec ts;

	snprintf(dp_node_info.name, sizeof(dp_node_info.name), "%s", osp_settings_str(s, "node.name"));
	snprintf(dp_node_info.cluster_name, sizeof(dp_node_info.cluster_name), "%s",
		 osp_settings_str(s, "cluster.name"));
	snprintf(dp_node_info.cluster_uuid, sizeof(dp_node_info.cluster_uuid), "_na_");
	/* The dpdk backend's network.host is address/prefix: publish the address. */
	snprintf(dp_node_info.host, sizeof(dp_node_info.host), "%.*s",
		 (int)strcspn(osp_settings_str(s, "network.host"), "/"), osp_settings_str(s, "network.host"));
	clock_gettime(CLOCK_REALTIME, &ts);
	dp_node_info.start_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	snprintf(dp_node_info.data_path, sizeof(dp_node_info.data_path), "%s", osp_settings_str(s, "path.data"));
	rest_router = dp_rest_router_new();
	dp_sctx_init(s);
	rest_root_routes();
	rest_indices_routes();
	rest_alias_routes();
	rest_doc_routes();
	rest_bulk_routes();
	rest_admin_routes();
	rest_search_routes();
	rest_scroll_routes();
	rest_msearch_routes();
	rest_search_shards_routes();
	rest_validate_routes();
	rest_field_caps_routes();
	rest_tasks_routes();
	rest_terms_enum_routes();
	rest_termvectors_routes();
	rest_async_search_routes();
	rest_rank_eval_routes();
	rest_byquery_routes();
	rest_mget_routes();
	rest_analyze_routes();
	rest_cluster_routes();
	rest_cat_routes();
	rest_segments_routes();
	rest_rollover_routes();
	rest_indices_block_routes();
	rest_indices_info_routes();
	rest_ltemplate_routes();
	rest_itemplate_routes();
	rest_tmpl_simulate_routes();
	rest_dstream_routes();
	rest_cat_node_routes();
	rest_cat_recovery_routes();
	rest_cat_segments_routes();
	rest_cluster_settings_routes();
	rest_cluster_admin_routes();
	rest_cluster_alloc_routes();
	rest_nodes_routes();
	rest_ingest_routes();
	rest_script_routes();
	rest_template_routes();
	dp_snapshot_init(s);
}

void
dp_rest_fini(void)
{
	dp_sctx_fini();
	dp_rest_router_free(rest_router);
	rest_router = NULL;
	rest_n_handlers = 0;
}

void
dp_rest_dispatch(dp_sconn_t *c, dp_http_req_t *req)
{
	dp_rest_req_t *r = osp_arena_calloc(req->arena, sizeof(*r));
	dp_route_result_t res;

	if (r == NULL) {
		dp_rest_match_t m;

		memset(&m, 0, sizeof(m));
		osp_err_set(&m.err, 500, "out_of_memory_error", "no memory for the request");
		dp_rest_router_reject(dp_server_http(c), req, DP_ROUTE_BAD_REQUEST, &m);
		dp_server_kick(c);
		return;
	}
	r->http = req;
	r->conn = c;
	req->user = r;
	res = dp_rest_router_match(rest_router, req, &r->match);
	if (res != DP_ROUTE_FOUND) {
		dp_rest_router_reject(dp_server_http(c), req, res, &r->match);
		dp_server_kick(c);
		return;
	}
	dp_usage_count(r->match.handler);
	if (strcmp(req->path, "/") != 0) {
		const osp_cluster_t *cs = dp_shards_state();

		if (cs == NULL || cs->version == 0) {
			/* Started, no cluster state from control yet: as Elasticsearch
			 * before state recovery, everything but GET / is blocked (an
			 * existing index would otherwise read as missing). */
			osp_err_t err;

			osp_err_set(&err, 503, "cluster_block_exception",
				    "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];");
			dp_rest_reply_err(r, &err);
			return;
		}
	}
	rest_handlers[r->match.handler](r);
}

const char *
dp_rest_param(const dp_rest_req_t *r, const char *name)
{
	return dp_rest_match_param(&r->match, name);
}

const char *
dp_rest_qs(const dp_rest_req_t *r, const char *name)
{
	const dp_http_kv_t *kv = dp_http_req_param(r->http, name);

	return kv ? kv->value : NULL;
}

bool
dp_rest_qs_bool(dp_rest_req_t *r, const char *name, bool def, bool *ok)
{
	osp_err_t err;
	bool v = def;

	if (dp_http_req_param_bool(r->http, name, def, &v, &err) != 0) {
		*ok = false;
		dp_rest_reply_err(r, &err);
		return false;
	}
	return v;
}

int64_t
dp_rest_qs_int(dp_rest_req_t *r, const char *name, int64_t def, bool *ok)
{
	const char *v = dp_rest_qs(r, name);
	char *end;

	if (v == NULL)
		return def;
	errno = 0;
	long long x = strtoll(v, &end, 10);

	if (errno || end == v || *end) {
		osp_err_t err;

		osp_err_set(&err, 400, "illegal_argument_exception",
			    "Failed to parse int parameter [%s] with value [%s]", name, v);
		*ok = false;
		dp_rest_reply_err(r, &err);
		return def;
	}
	return x;
}

bool
dp_rest_body_json(dp_rest_req_t *r, osp_json_t **out)
{
	osp_json_error_t jerr;
	osp_err_t err;

	*out = NULL;
	if (!r->http->has_body || r->http->body_len == 0)
		return true;
	if (osp_json_parse(r->http->arena, r->http->body, r->http->body_len, NULL, out, &jerr) == 0)
		return true;
	osp_err_set(&err, 400, "x_content_parse_exception", "[%u:%u] %s", jerr.line, jerr.column, jerr.msg);
	err.line = (int32_t)jerr.line;
	err.col = (int32_t)jerr.column;
	snprintf(err.caused_by_type, sizeof(err.caused_by_type), "json_parse_exception");
	snprintf(err.caused_by_reason, sizeof(err.caused_by_reason), "%s", jerr.msg);
	dp_rest_reply_err(r, &err);
	return false;
}

void
dp_rest_jw(dp_rest_req_t *r, osp_jw_t *w, osp_buf_t *out)
{
	osp_buf_init(out);
	/* With filter_path the filter re-serialises; pretty is applied after. */
	osp_jw_init(w, out, r->http->pretty && r->http->filter_path == NULL);
}

void
dp_rest_reply(dp_rest_req_t *r, uint16_t status, osp_buf_t *body)
{
	if (r->http->filter_path && body->len) {
		dp_rest_filter_t *f = NULL;
		osp_buf_t filtered;

		osp_buf_init(&filtered);
		if (dp_rest_filter_compile(r->http->arena, r->http->filter_path,
					   strlen(r->http->filter_path), &f) == 0 &&
		    dp_rest_filter_apply(f, body->data, body->len, &filtered) == 0) {
			osp_buf_free(body);
			*body = filtered;
		} else {
			osp_buf_free(&filtered);
		}
		if (r->http->pretty)
			dp_rest_pretty_inplace(body);
	}
	if (r->http->pretty && body->len && body->data[body->len - 1] != '\n')
		osp_buf_putc(body, '\n');
	if (r->sink) {
		r->sink(r, status, body);
		return;
	}
	dp_server_respond(r, status, DP_MEDIA_JSON, body);
}

void
dp_rest_reply_text(dp_rest_req_t *r, uint16_t status, osp_buf_t *body)
{
	dp_server_respond(r, status, DP_MEDIA_TEXT, body);
}

void
dp_rest_reply_err(dp_rest_req_t *r, const osp_err_t *err)
{
	osp_buf_t out;

	osp_buf_init(&out);
	dp_rest_error_json(&out, err, r->http->error_trace);
	if (r->http->pretty)
		dp_rest_pretty_inplace(&out);
	if (r->sink) {
		r->sink(r, err->status ? err->status : 500, &out);
		return;
	}
	dp_server_respond(r, err->status ? err->status : 500, DP_MEDIA_JSON, &out);
}

void
dp_rest_reply_ack(dp_rest_req_t *r, bool acknowledged)
{
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_bool(&w, "acknowledged", acknowledged);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

void
dp_rest_write_shards(osp_jw_t *w, uint32_t total, uint32_t ok, uint32_t failed, bool with_skipped)
{
	osp_jw_key(w, "_shards");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "total", total);
	osp_jw_kv_int(w, "successful", ok);
	if (with_skipped)
		osp_jw_kv_int(w, "skipped", 0);
	osp_jw_kv_int(w, "failed", failed);
	osp_jw_obj_end(w);
}

void
dp_rest_write_cause(osp_jw_t *w, const osp_err_t *e)
{
	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "type", e->type[0] ? e->type : "exception");
	osp_jw_kv_str(w, "reason", e->reason);
	if (e->index_uuid[0])
		osp_jw_kv_str(w, "index_uuid", e->index_uuid);
	if (e->shard >= 0) {
		char s[16];

		snprintf(s, sizeof(s), "%d", e->shard);
		osp_jw_kv_str(w, "shard", s);
	}
	if (e->index[0])
		osp_jw_kv_str(w, "index", e->index);
	if (e->caused_by_type[0]) {
		osp_jw_key(w, "caused_by");
		osp_jw_obj_begin(w);
		osp_jw_kv_str(w, "type", e->caused_by_type);
		osp_jw_kv_str(w, "reason", e->caused_by_reason);
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
}
