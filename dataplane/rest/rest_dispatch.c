/*
 * rest_dispatch.c - routing a request to its endpoint handler, and the
 * helpers every handler shares (pretty JSON, Elasticsearch errors).
 */
#include <stdio.h>
#include <string.h>

#include "osprey/chan.h"
#include "dp_rest.h"

dp_node_info_t dp_node_info;

void
dp_rest_init(const osp_settings_t *s)
{
	snprintf(dp_node_info.name, sizeof(dp_node_info.name), "%s", osp_settings_str(s, "node.name"));
	snprintf(dp_node_info.cluster_name, sizeof(dp_node_info.cluster_name), "%s",
		 osp_settings_str(s, "cluster.name"));
	snprintf(dp_node_info.cluster_uuid, sizeof(dp_node_info.cluster_uuid), "_na_");
	snprintf(dp_node_info.host, sizeof(dp_node_info.host), "%s", osp_settings_str(s, "network.host"));
}

void
dp_rest_jw_init(dp_rest_req_t *r, osp_jw_t *w, osp_buf_t *out)
{
	osp_buf_init(out);
	osp_jw_init(w, out, r->http->pretty);
}

void
dp_server_respond_err(dp_rest_req_t *r, const osp_err_t *err)
{
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw_init(r, &w, &out);
	osp_chan_err_write(&w, err);
	dp_server_respond(r, err->status ? err->status : 500, DP_MEDIA_JSON, &out);
}

/* Elasticsearch answers an unknown URI with a flat error string. */
static void
rest_no_handler(dp_rest_req_t *r)
{
	osp_buf_t out;
	osp_jw_t w;
	char msg[600];

	snprintf(msg, sizeof(msg), "no handler found for uri [%.*s] and method [%s]",
		 (int)r->http->target_len, r->http->target, r->http->method_name);
	dp_rest_jw_init(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "error", msg);
	osp_jw_kv_int(&w, "status", 400);
	osp_jw_obj_end(&w);
	dp_server_respond(r, 400, DP_MEDIA_JSON, &out);
}

void
dp_rest_dispatch(dp_sconn_t *c, dp_http_req_t *req)
{
	dp_rest_req_t *r = osp_arena_calloc(req->arena, sizeof(*r));

	if (r == NULL)
		return; /* the HTTP layer answers requests it cannot hold */
	r->http = req;
	r->conn = c;
	req->user = r;
	if (strcmp(req->path, "/") == 0 &&
	    (req->method == DP_HTTP_GET || req->method == DP_HTTP_HEAD)) {
		dp_rest_root(r);
		return;
	}
	rest_no_handler(r);
}
