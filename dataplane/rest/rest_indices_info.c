/*
 * rest_indices_info.c - read-only index APIs answered from the cluster
 * state: GET /_recovery (how each started copy came to be: an empty store
 * for a primary created while this node ran, its existing store otherwise),
 * GET /_shard_stores (the copies by health status), GET
 * /_field_usage_stats (Osprey does not count field accesses: every counter
 * is 0, the shape is Elasticsearch's) and GET /_mapping/field/{fields}.
 */
#include <stdio.h>
#include <string.h>

#include "dp_customs.h"
#include "osprey/cluster.h"
#include "../shard/dp_shards.h"
#include "dp_indices_ext.h"
#include "dp_rest.h"
#include "dp_tmpl.h"

#define INFO_MAX_INDICES 4096

static const osp_node_t *
info_node(const osp_cluster_t *cs, const char *id)
{
	for (uint32_t i = 0; cs && i < cs->n_nodes; i++) {
		if (strcmp(cs->nodes[i].id, id) == 0)
			return &cs->nodes[i];
	}
	return NULL;
}

/* Resolve {index} (all when absent); replies with the error itself. */
static int
info_resolve(dp_rest_req_t *r, dp_index_t **list)
{
	osp_err_t err;
	bool ok = true, iu = dp_rest_qs_bool(r, "ignore_unavailable", false, &ok);
	int n;

	if (!ok)
		return -1;
	n = dp_shards_resolve(dp_rest_param(r, "index"), iu, true, list, INFO_MAX_INDICES, &err);
	if (n < 0)
		dp_rest_reply_err(r, &err);
	return n;
}

static void
info_zero_obj(osp_jw_t *w, const char *key, const char *const *fields, size_t n)
{
	osp_jw_key(w, key);
	osp_jw_obj_begin(w);
	for (size_t i = 0; i < n; i++)
		osp_jw_kv_int(w, fields[i], 0);
	osp_jw_obj_end(w);
}

/* GET /_recovery, /{index}/_recovery */
static void
rest_recovery(dp_rest_req_t *r)
{
	static dp_index_t *list[INFO_MAX_INDICES];
	static const char *const size_f[] = { "total_in_bytes", "reused_in_bytes",
		"recovered_in_bytes", "recovered_from_snapshot_in_bytes" };
	static const char *const files_f[] = { "total", "reused", "recovered" };
	static const char *const verify_f[] = { "check_index_time_in_millis", "total_time_in_millis" };
	const osp_cluster_t *cs = dp_shards_state();
	osp_buf_t out;
	osp_jw_t w;
	int n = info_resolve(r, list);

	if (n < 0)
		return;
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	for (int i = 0; i < n; i++) {
		const osp_index_t *m = list[i]->meta;
		bool any = false;

		for (uint32_t s = 0; s < m->number_of_shards; s++) {
			const osp_shard_copy_t *g = osp_index_shard(m, s);

			for (uint32_t c = 0; c <= m->number_of_replicas; c++) {
				const osp_shard_copy_t *cp = &g[c];
				const osp_node_t *nd = info_node(cs, cp->node);
				bool fresh = m->creation_date >= dp_node_info.start_ms;

				if (cp->state != OSP_SHARD_STARTED || nd == NULL)
					continue;
				if (!any) {
					osp_jw_key(&w, m->name);
					osp_jw_obj_begin(&w);
					osp_jw_key(&w, "shards");
					osp_jw_arr_begin(&w);
					any = true;
				}
				osp_jw_obj_begin(&w);
				osp_jw_kv_int(&w, "id", s);
				osp_jw_kv_str(&w, "type", !cp->primary ? "PEER" :
					      fresh ? "EMPTY_STORE" : "EXISTING_STORE");
				osp_jw_kv_str(&w, "stage", "DONE");
				osp_jw_kv_bool(&w, "primary", cp->primary);
				osp_jw_kv_int(&w, "start_time_in_millis",
					      fresh ? m->creation_date : dp_node_info.start_ms);
				osp_jw_kv_int(&w, "stop_time_in_millis",
					      fresh ? m->creation_date : dp_node_info.start_ms);
				osp_jw_kv_int(&w, "total_time_in_millis", 0);
				osp_jw_key(&w, "source");
				osp_jw_obj_begin(&w);
				if (cp->primary && !fresh)
					osp_jw_kv_bool(&w, "bootstrap_new_history_uuid", false);
				osp_jw_obj_end(&w);
				osp_jw_key(&w, "target");
				osp_jw_obj_begin(&w);
				osp_jw_kv_str(&w, "id", nd->id);
				osp_jw_kv_str(&w, "host", dp_node_info.host);
				osp_jw_kv_str(&w, "transport_address", nd->transport_address);
				osp_jw_kv_str(&w, "ip", dp_node_info.host);
				osp_jw_kv_str(&w, "name", nd->name);
				osp_jw_obj_end(&w);
				osp_jw_key(&w, "index");
				osp_jw_obj_begin(&w);
				info_zero_obj(&w, "size", size_f, sizeof(size_f) / sizeof(size_f[0]));
				info_zero_obj(&w, "files", files_f, sizeof(files_f) / sizeof(files_f[0]));
				osp_jw_kv_int(&w, "total_time_in_millis", 0);
				osp_jw_kv_int(&w, "source_throttle_time_in_millis", 0);
				osp_jw_kv_int(&w, "target_throttle_time_in_millis", 0);
				osp_jw_obj_end(&w);
				osp_jw_key(&w, "translog");
				osp_jw_obj_begin(&w);
				osp_jw_kv_int(&w, "recovered", 0);
				osp_jw_kv_int(&w, "total", 0);
				osp_jw_kv_str(&w, "percent", "100.0%");
				osp_jw_kv_int(&w, "total_on_start", 0);
				osp_jw_kv_int(&w, "total_time_in_millis", 0);
				osp_jw_obj_end(&w);
				info_zero_obj(&w, "verify_index", verify_f,
					      sizeof(verify_f) / sizeof(verify_f[0]));
				osp_jw_obj_end(&w);
			}
		}
		if (any) {
			osp_jw_arr_end(&w);
			osp_jw_obj_end(&w);
		}
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

static void
info_node_obj(osp_jw_t *w, const osp_node_t *nd)
{
	osp_jw_key(w, nd->id);
	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "name", nd->name);
	osp_jw_kv_str(w, "ephemeral_id", nd->ephemeral_id);
	osp_jw_kv_str(w, "transport_address", nd->transport_address);
	osp_jw_kv_str(w, "external_id", nd->name);
	osp_jw_key(w, "attributes");
	osp_jw_obj_begin(w);
	osp_jw_obj_end(w);
	osp_jw_key(w, "roles");
	osp_jw_arr_begin(w);
	if (nd->roles & OSP_ROLE_DATA)
		osp_jw_str(w, "data");
	if (nd->roles & OSP_ROLE_INGEST)
		osp_jw_str(w, "ingest");
	if (nd->roles & OSP_ROLE_MASTER)
		osp_jw_str(w, "master");
	osp_jw_arr_end(w);
	osp_jw_kv_str(w, "version", DP_ES_VERSION);
	osp_jw_obj_end(w);
}

/* GET /_shard_stores, /{index}/_shard_stores (?status=green,yellow,red,all;
 * ES's default is yellow,red) */
static void
rest_shard_stores(dp_rest_req_t *r)
{
	static dp_index_t *list[INFO_MAX_INDICES];
	const osp_cluster_t *cs = dp_shards_state();
	const char *st = dp_rest_qs(r, "status");
	osp_buf_t out;
	osp_jw_t w;
	int n = info_resolve(r, list);

	if (n < 0)
		return;
	if (st == NULL)
		st = "yellow,red";
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "indices");
	osp_jw_obj_begin(&w);
	for (int i = 0; i < n; i++) {
		const osp_index_t *m = list[i]->meta;
		bool any = false;

		for (uint32_t s = 0; s < m->number_of_shards; s++) {
			osp_health_counts_t h;
			const osp_shard_copy_t *g = osp_index_shard(m, s);
			char k[16];

			osp_health_shard(m, s, &h);
			if (!strstr(st, "all") && !strstr(st, osp_health_status_name(h.status)))
				continue;
			if (!any) {
				osp_jw_key(&w, m->name);
				osp_jw_obj_begin(&w);
				osp_jw_key(&w, "shards");
				osp_jw_obj_begin(&w);
				any = true;
			}
			snprintf(k, sizeof(k), "%u", s);
			osp_jw_key(&w, k);
			osp_jw_obj_begin(&w);
			osp_jw_key(&w, "stores");
			osp_jw_arr_begin(&w);
			for (uint32_t c = 0; c <= m->number_of_replicas; c++) {
				const osp_node_t *nd = info_node(cs, g[c].node);

				if (nd == NULL)
					continue;
				osp_jw_obj_begin(&w);
				info_node_obj(&w, nd);
				osp_jw_kv_str(&w, "allocation_id", g[c].allocation_id);
				osp_jw_kv_str(&w, "allocation", g[c].primary ? "primary" : "replica");
				osp_jw_obj_end(&w);
			}
			osp_jw_arr_end(&w);
			osp_jw_obj_end(&w);
		}
		if (any) {
			osp_jw_obj_end(&w);
			osp_jw_obj_end(&w);
		}
	}
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* GET /{index}/_field_usage_stats */
static void
rest_field_usage(dp_rest_req_t *r)
{
	static dp_index_t *list[INFO_MAX_INDICES];
	static const char *const inv_f[] = { "terms", "postings", "proximity", "positions",
		"term_frequencies", "offsets", "payloads" };
	static const char *const top_f[] = { "stored_fields", "doc_values", "points", "norms",
		"term_vectors", "knn_vectors" };
	uint32_t total = 0;
	osp_buf_t out;
	osp_jw_t w;
	int n = info_resolve(r, list);

	if (n < 0)
		return;
	for (int i = 0; i < n; i++)
		total += list[i]->meta->number_of_shards;
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	dp_rest_write_shards(&w, total, total, 0, false);
	for (int i = 0; i < n; i++) {
		const osp_index_t *m = list[i]->meta;

		osp_jw_key(&w, m->name);
		osp_jw_obj_begin(&w);
		osp_jw_key(&w, "shards");
		osp_jw_arr_begin(&w);
		for (uint32_t s = 0; s < m->number_of_shards; s++) {
			const osp_shard_copy_t *p = &osp_index_shard(m, s)[0];

			osp_jw_obj_begin(&w);
			osp_jw_kv_str(&w, "tracking_id", p->allocation_id);
			osp_jw_kv_int(&w, "tracking_started_at_millis", m->creation_date);
			osp_jw_key(&w, "routing");
			osp_jw_obj_begin(&w);
			osp_jw_kv_str(&w, "state", osp_shard_state_name(p->state));
			osp_jw_kv_bool(&w, "primary", true);
			osp_jw_kv_str(&w, "node", p->node);
			osp_jw_key(&w, "relocating_node");
			osp_jw_null(&w);
			osp_jw_obj_end(&w);
			osp_jw_key(&w, "stats");
			osp_jw_obj_begin(&w);
			osp_jw_key(&w, "all_fields");
			osp_jw_obj_begin(&w);
			osp_jw_kv_int(&w, "any", 0);
			info_zero_obj(&w, "inverted_index", inv_f, sizeof(inv_f) / sizeof(inv_f[0]));
			for (size_t k = 0; k < sizeof(top_f) / sizeof(top_f[0]); k++)
				osp_jw_kv_int(&w, top_f[k], 0);
			osp_jw_obj_end(&w);
			osp_jw_key(&w, "fields");
			osp_jw_obj_begin(&w);
			osp_jw_obj_end(&w);
			osp_jw_obj_end(&w);
			osp_jw_obj_end(&w);
		}
		osp_jw_arr_end(&w);
		osp_jw_obj_end(&w);
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* Emit every mapped field under props (full names prefix.name) that one of
 * the comma-separated patterns names. */
static void
field_walk(osp_jw_t *w, const osp_json_t *props, const char *prefix, const char *fields)
{
	char full[1024], one[512];

	OSP_JSON_FOREACH(f, props) {
		bool hit = false;

		snprintf(full, sizeof(full), "%s%.*s", prefix, (int)f->key_len, f->key);
		for (const char *p = fields; *p && !hit;) {
			size_t l = strcspn(p, ",");

			snprintf(one, sizeof(one), "%.*s", (int)l, p);
			hit = strcmp(one, "_all") == 0 || dp_customs_glob(one, full);
			p += l + (p[l] == ',');
		}
		if (hit) {
			osp_jw_key(w, full);
			osp_jw_obj_begin(w);
			osp_jw_kv_str(w, "full_name", full);
			osp_jw_key(w, "mapping");
			osp_jw_obj_begin(w);
			osp_jw_keyn(w, f->key, f->key_len);
			osp_jw_value(w, f);
			osp_jw_obj_end(w);
			osp_jw_obj_end(w);
		}
		char sub[1040];

		snprintf(sub, sizeof(sub), "%s.", full);
		if (osp_json_get(f, "properties"))
			field_walk(w, osp_json_get(f, "properties"), sub, fields);
		if (osp_json_get(f, "fields"))
			field_walk(w, osp_json_get(f, "fields"), sub, fields);
	}
}

/* GET /_mapping/field/{fields}, /{index}/_mapping/field/{fields} */
static void
rest_field_mapping(dp_rest_req_t *r)
{
	static dp_index_t *list[INFO_MAX_INDICES];
	const char *fields = dp_rest_param(r, "fields");
	osp_buf_t out;
	osp_jw_t w;
	int n = info_resolve(r, list);

	if (n < 0)
		return;
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	for (int i = 0; i < n; i++) {
		const osp_index_t *m = list[i]->meta;
		osp_json_t *mp = NULL;
		osp_json_error_t jerr;

		osp_jw_key(&w, m->name);
		osp_jw_obj_begin(&w);
		osp_jw_key(&w, "mappings");
		osp_jw_obj_begin(&w);
		if (m->mappings && osp_json_parse(r->http->arena, m->mappings, m->mappings_len, NULL,
						  &mp, &jerr) == 0)
			field_walk(&w, osp_json_get(mp, "properties"), "", fields);
		osp_jw_obj_end(&w);
		osp_jw_obj_end(&w);
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

void
rest_indices_info_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_recovery", rest_recovery, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_recovery", rest_recovery, 0);
	dp_rest_route(DP_HTTP_GET, "/_shard_stores", rest_shard_stores, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_shard_stores", rest_shard_stores, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_field_usage_stats", rest_field_usage, 0);
	dp_rest_route(DP_HTTP_GET, "/_mapping/field/{fields}", rest_field_mapping, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_mapping/field/{fields}", rest_field_mapping, 0);
}
