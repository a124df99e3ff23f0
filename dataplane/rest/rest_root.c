/*
 * rest_root.c - GET / and HEAD /: who this node is, in Elasticsearch's shape.
 *
 * Clients read version.number (python-elasticsearch 7.17 needs >= 7.14 and
 * the X-Elastic-Product header, which the HTTP layer adds to every reply).
 */
#include "dp_rest.h"

static void
rest_root(dp_rest_req_t *r)
{
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "name", dp_node_info.name);
	osp_jw_kv_str(&w, "cluster_name", dp_node_info.cluster_name);
	osp_jw_kv_str(&w, "cluster_uuid", dp_node_info.cluster_uuid);
	osp_jw_key(&w, "version");
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "number", DP_ES_VERSION);
	osp_jw_kv_str(&w, "build_flavor", "default");
	osp_jw_kv_str(&w, "build_type", "osprey");
	osp_jw_kv_str(&w, "build_hash", "osprey-" OSP_VERSION);
	osp_jw_kv_str(&w, "build_date", "2026-11-22T00:00:00.000Z");
	osp_jw_kv_bool(&w, "build_snapshot", false);
	osp_jw_kv_str(&w, "lucene_version", DP_LUCENE_VERSION);
	osp_jw_kv_str(&w, "minimum_wire_compatibility_version", "7.17.0");
	osp_jw_kv_str(&w, "minimum_index_compatibility_version", "7.0.0");
	osp_jw_obj_end(&w);
	osp_jw_kv_str(&w, "tagline", "You Know, for Search");
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

void
rest_root_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/", rest_root, 0);
	dp_rest_route(DP_HTTP_HEAD, "/", rest_root, 0);
}
