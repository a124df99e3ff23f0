/*
 * rest_root.c - GET / and HEAD /: who this node is, in Elasticsearch's shape;
 * GET /_xpack: the build, a basic license and which X-Pack features Osprey
 * actually has (most are not available).
 *
 * Clients read version.number (python-elasticsearch 7.17 needs >= 7.14 and
 * the X-Elastic-Product header, which the HTTP layer adds to every reply).
 */
#include <string.h>

#include "osprey/cluster.h"
#include "../shard/dp_shards.h"
#include "dp_rest.h"

#define ROOT_BUILD_DATE "2026-11-22T00:00:00.000Z"

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
	osp_jw_kv_str(&w, "build_date", ROOT_BUILD_DATE);
	osp_jw_kv_bool(&w, "build_snapshot", false);
	osp_jw_kv_str(&w, "lucene_version", DP_LUCENE_VERSION);
	osp_jw_kv_str(&w, "minimum_wire_compatibility_version", "7.17.0");
	osp_jw_kv_str(&w, "minimum_index_compatibility_version", "7.0.0");
	osp_jw_obj_end(&w);
	osp_jw_kv_str(&w, "tagline", "You Know, for Search");
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* X-Pack features by name, and whether Osprey implements them. */
static const struct { const char *name; bool has; } root_features[] = {
	{ "aggregate_metric", false }, { "analytics", false }, { "archive", false },
	{ "ccr", false }, { "data_streams", true }, { "data_tiers", false },
	{ "enrich", false }, { "enterprise_search", false }, { "eql", false },
	{ "esql", false }, { "frozen_indices", false }, { "graph", false },
	{ "ilm", false }, { "logstash", false }, { "ml", false }, { "monitoring", false },
	{ "rollup", false }, { "searchable_snapshots", false }, { "security", false },
	{ "slm", false }, { "spatial", false }, { "sql", false }, { "transform", false },
	{ "voting_only", false }, { "watcher", false },
};

static void
rest_xpack(dp_rest_req_t *r)
{
	const osp_cluster_t *cs = dp_shards_state();
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "build");
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "hash", "osprey-" OSP_VERSION);
	osp_jw_kv_str(&w, "date", ROOT_BUILD_DATE);
	osp_jw_obj_end(&w);
	/* The self-generated basic license: no expiry, nothing paid. */
	osp_jw_key(&w, "license");
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "uid", cs ? cs->cluster_uuid : "_na_");
	osp_jw_kv_str(&w, "type", "basic");
	osp_jw_kv_str(&w, "mode", "basic");
	osp_jw_kv_str(&w, "status", "active");
	osp_jw_obj_end(&w);
	osp_jw_key(&w, "features");
	osp_jw_obj_begin(&w);
	for (size_t i = 0; i < sizeof(root_features) / sizeof(root_features[0]); i++) {
		osp_jw_key(&w, root_features[i].name);
		osp_jw_obj_begin(&w);
		osp_jw_kv_bool(&w, "available", root_features[i].has);
		osp_jw_kv_bool(&w, "enabled", root_features[i].has);
		osp_jw_obj_end(&w);
	}
	osp_jw_obj_end(&w);
	osp_jw_kv_str(&w, "tagline", "You know, for X");
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

void
rest_root_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_xpack", rest_xpack, 0);
	dp_rest_route(DP_HTTP_GET, "/", rest_root, 0);
	dp_rest_route(DP_HTTP_HEAD, "/", rest_root, 0);
}
