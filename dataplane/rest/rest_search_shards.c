/*
 * rest_search_shards.c - GET/POST /{index}/_search_shards: which shard
 * copies a search would go to, from the published routing table.
 *
 * As Elasticsearch: "nodes" (the nodes holding a listed copy), "indices"
 * (one empty object per index searched) and "shards", one array of copies
 * per shard group, restricted by ?routing= (comma list) and
 * ?preference=_shards:N. Answers from the network core's state alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../shard/dp_shards.h"
#include "dp_rest.h"
#include "dp_search.h"

#define SSHARDS_MAX_INDICES 4096

static void
sshards_node(osp_jw_t *w, const osp_node_t *n)
{
	osp_jw_key(w, n->id);
	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "name", n->name);
	osp_jw_kv_str(w, "ephemeral_id", n->ephemeral_id);
	osp_jw_kv_str(w, "transport_address", n->transport_address);
	osp_jw_kv_str(w, "external_id", n->name);
	osp_jw_key(w, "attributes");
	osp_jw_obj_begin(w);
	osp_jw_obj_end(w);
	osp_jw_key(w, "roles");
	osp_jw_arr_begin(w);
	if (n->roles & OSP_ROLE_DATA)
		osp_jw_str(w, "data");
	if (n->roles & OSP_ROLE_INGEST)
		osp_jw_str(w, "ingest");
	if (n->roles & OSP_ROLE_MASTER)
		osp_jw_str(w, "master");
	osp_jw_arr_end(w);
	osp_jw_kv_str(w, "version", DP_ES_VERSION);
	osp_jw_obj_end(w);
}

static void
sshards_copy(osp_jw_t *w, const osp_index_t *meta, const osp_shard_copy_t *cp)
{
	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "state", osp_shard_state_name((osp_shard_state_t)cp->state));
	osp_jw_kv_bool(w, "primary", cp->primary);
	osp_jw_key(w, "node");
	if (cp->node[0])
		osp_jw_str(w, cp->node);
	else
		osp_jw_null(w);
	osp_jw_key(w, "relocating_node");
	if (cp->relocating_node[0])
		osp_jw_str(w, cp->relocating_node);
	else
		osp_jw_null(w);
	osp_jw_kv_int(w, "shard", cp->shard);
	osp_jw_kv_str(w, "index", meta->name);
	if (cp->allocation_id[0]) {
		osp_jw_key(w, "allocation_id");
		osp_jw_obj_begin(w);
		osp_jw_kv_str(w, "id", cp->allocation_id);
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
}

static void
rest_search_shards(dp_rest_req_t *r)
{
	static dp_index_t *list[SSHARDS_MAX_INDICES];
	const osp_cluster_t *cs = dp_shards_state();
	const char *routing = dp_rest_qs(r, "routing");
	const char *pref = dp_rest_qs(r, "preference");
	osp_err_t err;
	osp_buf_t out;
	osp_jw_t w;
	bool ok = true;

	bool iu = dp_rest_qs_bool(r, "ignore_unavailable", false, &ok);

	if (!ok)
		return;
	bool an = dp_rest_qs_bool(r, "allow_no_indices", true, &ok);

	if (!ok)
		return;
	int n = dp_shards_resolve(dp_rest_param(r, "index"), iu, an, list, SSHARDS_MAX_INDICES, &err);

	if (n < 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	if (pref && strncmp(pref, "_shards:", 8) == 0)
		pref += 8;
	else
		pref = NULL;
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "nodes");
	osp_jw_obj_begin(&w);
	for (uint32_t i = 0; cs && i < cs->n_nodes; i++)
		sshards_node(&w, &cs->nodes[i]);
	osp_jw_obj_end(&w);
	osp_jw_key(&w, "indices");
	osp_jw_obj_begin(&w);
	for (int i = 0; i < n; i++) {
		osp_jw_key(&w, list[i]->name);
		osp_jw_obj_begin(&w);
		osp_jw_obj_end(&w);
	}
	osp_jw_obj_end(&w);
	osp_jw_key(&w, "shards");
	osp_jw_arr_begin(&w);
	for (int i = 0; i < n; i++) {
		const osp_index_t *meta = list[i]->meta;

		for (uint32_t s = 0; meta && s < meta->number_of_shards; s++) {
			const osp_shard_copy_t *copies = osp_index_shard(meta, s);

			if (!dp_search_shard_wanted(list[i], s, routing, pref))
				continue;
			osp_jw_arr_begin(&w);
			for (uint32_t c = 0; c <= meta->number_of_replicas; c++)
				sshards_copy(&w, meta, &copies[c]);
			osp_jw_arr_end(&w);
		}
	}
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

void
rest_search_shards_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_search_shards", rest_search_shards, 0);
	dp_rest_route(DP_HTTP_POST, "/_search_shards", rest_search_shards, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_search_shards", rest_search_shards, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_search_shards", rest_search_shards, 0);
}
