/*
 * rest_cat_recovery.c - GET _cat/recovery: one row per assigned shard copy,
 * from the published routing table.
 *
 * Every Osprey copy is a primary recovered from its own directory: a copy
 * created empty ("empty_store") or reopened from its files
 * ("existing_store"), finished ("done") once started. Osprey does not
 * measure file, byte or translog counts of a recovery, so those cells are
 * left empty rather than guessed.
 */
#include <string.h>

#include "osprey/cluster.h"
#include "../shard/dp_shards.h"
#include "dp_cat.h"

#define RECOVERY_MAX_INDICES 4096
#define NCOLS(a) (uint32_t)(sizeof(a) / sizeof((a)[0]))

static const dp_cat_col_t cat_recovery_cols[] = {
	{ "index", "i,idx", "index name", false, false },
	{ "shard", "s,sh", "shard name", true, false },
	{ "time", "t,ti", "recovery time", true, false },
	{ "type", "ty", "recovery type", false, false },
	{ "stage", "st", "recovery stage", false, false },
	{ "source_host", "shost", "source host", false, false },
	{ "source_node", "snode", "source node name", false, false },
	{ "target_host", "thost", "target host", false, false },
	{ "target_node", "tnode", "target node name", false, false },
	{ "repository", "rep", "repository", false, false },
	{ "snapshot", "snap", "snapshot", false, false },
	{ "files", "f", "number of files to recover", true, false },
	{ "files_recovered", "fr", "files recovered", true, false },
	{ "files_percent", "fp", "percent of files recovered", true, false },
	{ "files_total", "tf", "total number of files", true, false },
	{ "bytes", "b", "number of bytes to recover", true, false },
	{ "bytes_recovered", "br", "bytes recovered", true, false },
	{ "bytes_percent", "bp", "percent of bytes recovered", true, false },
	{ "bytes_total", "tb", "total number of bytes", true, false },
	{ "translog_ops", "to", "number of translog ops to recover", true, false },
	{ "translog_ops_recovered", "tor", "translog ops recovered", true, false },
	{ "translog_ops_percent", "top", "percent of translog ops recovered", true, false },
};

static const char *
recovery_node_name(const osp_cluster_t *cs, const char *id)
{
	for (uint32_t n = 0; cs && n < cs->n_nodes; n++)
		if (strcmp(cs->nodes[n].id, id) == 0)
			return cs->nodes[n].name;
	return id;
}

static void
rest_cat_recovery(dp_rest_req_t *r)
{
	static dp_index_t *list[RECOVERY_MAX_INDICES];
	const osp_cluster_t *cs = dp_shards_state();
	bool ok = true, active_only = dp_rest_qs_bool(r, "active_only", false, &ok);
	osp_err_t err;
	dp_cat_t t;
	int n;

	if (!ok)
		return;
	n = dp_shards_resolve(dp_rest_param(r, "index"), false, true, list, RECOVERY_MAX_INDICES, &err);
	if (n < 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	dp_cat_init(&t, r, cat_recovery_cols, NCOLS(cat_recovery_cols));
	for (int i = 0; i < n; i++) {
		const osp_index_t *meta = list[i]->meta;

		for (uint32_t s = 0; s < meta->number_of_shards; s++) {
			const osp_shard_copy_t *copies = osp_index_shard(meta, s);

			for (uint32_t c = 0; c <= meta->number_of_replicas; c++) {
				const osp_shard_copy_t *cp = &copies[c];
				bool done = cp->state == OSP_SHARD_STARTED || cp->state == OSP_SHARD_RELOCATING;
				const char **row;

				if (cp->node[0] == '\0' || (active_only && done))
					continue;
				row = dp_cat_row(&t);
				if (row == NULL)
					return;
				row[0] = dp_cat_str(&t, meta->name);
				row[1] = dp_cat_int(&t, s);
				row[3] = cp->primary ? (cp->empty_store ? "empty_store" : "existing_store") : "peer";
				row[4] = done ? "done" : "init";
				row[5] = "n/a";
				row[6] = "n/a";
				row[7] = dp_cat_str(&t, dp_node_info.host);
				row[8] = dp_cat_str(&t, recovery_node_name(cs, cp->node));
				row[9] = "n/a";
				row[10] = "n/a";
			}
		}
	}
	dp_cat_reply(&t);
}

void
rest_cat_recovery_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_cat/recovery", rest_cat_recovery, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/recovery/{index}", rest_cat_recovery, 0);
}
