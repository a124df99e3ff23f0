/*
 * rest_cat.c - the _cat APIs: health, indices, shards, nodes, count,
 * allocation (disk figures from statvfs of path.data). State-only tables are built at once; tables with document
 * counts and sizes run a stats fan-out over the shards first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "osprey/cluster.h"
#include "../core/dp_core.h"
#include "dp_cat.h"
#include "dp_fanout.h"

static const dp_cat_col_t cat_health_cols[] = {
	{ "epoch", "t,time", "seconds since 1970-01-01 00:00:00", true, false },
	{ "timestamp", "ts,hms,hhmmss", "time in HH:MM:SS", false, false },
	{ "cluster", "cl", "cluster name", false, false },
	{ "status", "st", "health status", false, false },
	{ "node.total", "nt,nodeTotal", "total number of nodes", true, false },
	{ "node.data", "nd,nodeData", "number of nodes that can store data", true, false },
	{ "shards", "t,sh,shards.total,shardsTotal", "total number of shards", true, false },
	{ "pri", "p,shards.primary,shardsPrimary", "number of primary shards", true, false },
	{ "relo", "r,shards.relocating,shardsRelocating", "number of relocating nodes", true, false },
	{ "init", "i,shards.initializing,shardsInitializing", "number of initializing nodes", true, false },
	{ "unassign", "u,shards.unassigned,shardsUnassigned", "number of unassigned shards", true, false },
	{ "unassign.pri", "up,shards.unassigned.primary", "number of unassigned primary shards", true, false },
	{ "pending_tasks", "pt,pendingTasks", "number of pending tasks", true, false },
	{ "max_task_wait_time", "mtwt,maxTaskWaitTime", "wait time of longest task pending", true, false },
	{ "active_shards_percent", "asp,activeShardsPercent", "active number of shards in percent", true, false },
};

#define NCOLS(a) (uint32_t)(sizeof(a) / sizeof((a)[0]))

static void
rest_cat_health(dp_rest_req_t *r)
{
	dp_cat_t t;
	osp_health_t h;
	const osp_cluster_t *cs = dp_shards_state();
	time_t now = time(NULL);
	struct tm tm;
	char hms[16], pct[16];

	bool ok = true, ts = dp_rest_qs_bool(r, "ts", true, &ok);

	if (!ok)
		return;
	dp_cat_init(&t, r, cat_health_cols, NCOLS(cat_health_cols));
	if (!ts)
		t.hide_mask = 0x3; /* epoch, timestamp */
	memset(&h, 0, sizeof(h));
	if (cs)
		osp_health_cluster(cs, NULL, 0, &h);
	gmtime_r(&now, &tm);
	strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	snprintf(pct, sizeof(pct), "%.1f%%", h.active_shards_percent);
	const char **row = dp_cat_row(&t);

	if (row == NULL)
		return;
	row[0] = dp_cat_int(&t, (int64_t)now);
	row[1] = dp_cat_str(&t, hms);
	row[2] = dp_cat_str(&t, dp_node_info.cluster_name);
	row[3] = osp_health_status_name(cs ? (osp_health_status_t)h.c.status : OSP_HEALTH_RED);
	row[4] = dp_cat_int(&t, h.number_of_nodes);
	row[5] = dp_cat_int(&t, h.number_of_data_nodes);
	row[6] = dp_cat_int(&t, h.c.active_shards);
	row[7] = dp_cat_int(&t, h.c.active_primary_shards);
	row[8] = dp_cat_int(&t, h.c.relocating_shards);
	row[9] = dp_cat_int(&t, h.c.initializing_shards);
	row[10] = dp_cat_int(&t, h.c.unassigned_shards);
	row[11] = dp_cat_int(&t, h.c.unassigned_primary_shards);
	row[12] = dp_cat_int(&t, h.number_of_pending_tasks);
	row[13] = "-";
	row[14] = dp_cat_str(&t, pct);
	dp_cat_reply(&t);
}

static const dp_cat_col_t cat_indices_cols[] = {
	{ "health", "h", "current health status", false, false },
	{ "status", "s", "open/close status", false, false },
	{ "index", "i,idx", "index name", false, false },
	{ "uuid", "id,uuid", "index uuid", false, false },
	{ "pri", "p,shards.primary,shardsPrimary", "number of primary shards", true, false },
	{ "rep", "r,shards.replica,shardsReplica", "number of replica shards", true, false },
	{ "docs.count", "dc,docsCount", "available docs", true, false },
	{ "docs.deleted", "dd,docsDeleted", "deleted docs", true, false },
	{ "store.size", "ss,storeSize", "store size of primaries & replicas", true, false },
	{ "pri.store.size", NULL, "store size of primaries", true, false },
	{ "dataset.size", NULL, "total size of dataset", true, false },
	{ "creation.date", "cd", "index creation date (millisecond value)", true, true },
	{ "segments.count", "sc,segmentsCount", "number of segments", true, true },
};

static void
cat_indices_done(dp_fanout_t *f)
{
	dp_cat_t t;

	dp_cat_init(&t, f->r, cat_indices_cols, NCOLS(cat_indices_cols));
	for (uint32_t i = 0; i < f->n_slots;) {
		dp_index_t *idx = f->slots[i].idx;
		st_shard_stats_t sum;
		osp_health_counts_t hc;
		bool any = false;

		memset(&sum, 0, sizeof(sum));
		for (; i < f->n_slots && f->slots[i].idx == idx; i++) {
			if (!f->slots[i].ran || f->slots[i].job.job.rc != 0)
				continue;
			any = true;
			dp_fanout_stats_add(&sum, &f->slots[i].job.stats);
		}
		const char **row = dp_cat_row(&t);

		if (row == NULL)
			return;
		osp_health_index(idx->meta, &hc);
		row[0] = idx->closed ? "" : osp_health_status_name((osp_health_status_t)hc.status);
		row[1] = idx->closed ? "close" : "open";
		row[2] = dp_cat_str(&t, idx->name);
		row[3] = dp_cat_str(&t, idx->uuid);
		row[4] = dp_cat_int(&t, idx->meta->number_of_shards);
		row[5] = dp_cat_int(&t, idx->meta->number_of_replicas);
		if (any) {
			row[6] = dp_cat_int(&t, (int64_t)sum.docs_count);
			row[7] = dp_cat_int(&t, (int64_t)sum.docs_deleted);
			row[8] = dp_cat_bytes(&t, (int64_t)sum.store_size_bytes);
			row[9] = dp_cat_bytes(&t, (int64_t)sum.store_size_bytes);
			row[10] = dp_cat_bytes(&t, (int64_t)sum.store_size_bytes);
			row[12] = dp_cat_int(&t, sum.segments_count);
		}
		row[11] = dp_cat_int(&t, idx->meta->creation_date);
	}
	dp_cat_reply(&t);
}

static void
rest_cat_indices(dp_rest_req_t *r)
{
	dp_fanout_start(r, dp_rest_param(r, "index"), DP_ADMIN_STATS, cat_indices_done, NULL);
}

static const dp_cat_col_t cat_shards_cols[] = {
	{ "index", "i,idx", "index name", false, false },
	{ "shard", "s,sh", "shard name", true, false },
	{ "prirep", "p,pr,primaryOrReplica", "primary or replica", false, false },
	{ "state", "st", "shard state", false, false },
	{ "docs", "d,dc", "number of docs in shard", true, false },
	{ "store", "sto", "store size of shard (how much disk it uses)", true, false },
	{ "dataset", NULL, "total size of dataset", true, false },
	{ "ip", NULL, "ip of node where it lives", false, false },
	{ "node", "n", "name of node where it lives", false, false },
	{ "id", NULL, "unique id of node where it lives", false, true },
	{ "unassigned.reason", "ur", "reason shard became unassigned", false, true },
	{ "segments.count", "sc,segmentsCount", "number of segments", true, true },
};

static void
cat_shards_done(dp_fanout_t *f)
{
	const osp_cluster_t *cs = dp_shards_state();
	dp_cat_t t;

	dp_cat_init(&t, f->r, cat_shards_cols, NCOLS(cat_shards_cols));
	for (uint32_t i = 0; i < f->n_slots; i++) {
		dp_fanout_slot_t *slot = &f->slots[i];
		const osp_index_t *meta = slot->idx->meta;
		osp_shard_copy_t *copies = osp_index_shard(meta, slot->shard);

		for (uint32_t c = 0; c <= meta->number_of_replicas; c++) {
			const osp_shard_copy_t *cp = &copies[c];
			const char **row = dp_cat_row(&t);
			bool local = cp->primary && slot->ran && slot->job.job.rc == 0;

			if (row == NULL)
				return;
			row[0] = dp_cat_str(&t, meta->name);
			row[1] = dp_cat_int(&t, slot->shard);
			row[2] = cp->primary ? "p" : "r";
			row[3] = osp_shard_state_name((osp_shard_state_t)cp->state);
			if (local) {
				row[4] = dp_cat_int(&t, (int64_t)slot->job.stats.docs_count);
				row[5] = dp_cat_bytes(&t, (int64_t)slot->job.stats.store_size_bytes);
				row[6] = row[5];
				row[11] = dp_cat_int(&t, slot->job.stats.segments_count);
			}
			if (cp->node[0]) {
				row[7] = dp_cat_str(&t, dp_node_info.host);
				row[9] = dp_cat_str(&t, cp->node);
				for (uint32_t n = 0; cs && n < cs->n_nodes; n++)
					if (strcmp(cs->nodes[n].id, cp->node) == 0)
						row[8] = dp_cat_str(&t, cs->nodes[n].name);
			} else {
				row[10] = osp_unassigned_reason_name((osp_unassigned_reason_t)cp->unassigned_reason);
			}
		}
	}
	dp_cat_reply(&t);
}

static void
rest_cat_shards(dp_rest_req_t *r)
{
	dp_fanout_start(r, dp_rest_param(r, "index"), DP_ADMIN_STATS, cat_shards_done, NULL);
}

static const dp_cat_col_t cat_count_cols[] = {
	{ "epoch", "t,time", "seconds since 1970-01-01 00:00:00", true, false },
	{ "timestamp", "ts,hms,hhmmss", "time in HH:MM:SS", false, false },
	{ "count", "dc,docs.count,docsCount", "the document count", true, false },
};

static void
cat_count_done(dp_fanout_t *f)
{
	dp_cat_t t;
	uint64_t total = 0;
	time_t now = time(NULL);
	struct tm tm;
	char hms[16];

	for (uint32_t i = 0; i < f->n_slots; i++)
		if (f->slots[i].ran && f->slots[i].job.job.rc == 0)
			total += f->slots[i].job.stats.docs_count;
	dp_cat_init(&t, f->r, cat_count_cols, NCOLS(cat_count_cols));
	if (dp_rest_qs(f->r, "ts") && strcmp(dp_rest_qs(f->r, "ts"), "false") == 0)
		t.hide_mask = 0x3; /* epoch, timestamp */
	gmtime_r(&now, &tm);
	strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	const char **row = dp_cat_row(&t);

	if (row == NULL)
		return;
	row[0] = dp_cat_int(&t, (int64_t)now);
	row[1] = dp_cat_str(&t, hms);
	row[2] = dp_cat_int(&t, (int64_t)total);
	dp_cat_reply(&t);
}

static void
rest_cat_count(dp_rest_req_t *r)
{
	dp_fanout_start(r, dp_rest_param(r, "index"), DP_ADMIN_STATS, cat_count_done, NULL);
}

static const dp_cat_col_t cat_nodes_cols[] = {
	{ "ip", "i", "ip address", false, false },
	{ "heap.percent", "hp,heapPercent", "used heap ratio", true, false },
	{ "ram.percent", "rp,ramPercent", "used machine memory ratio", true, false },
	{ "cpu", NULL, "recent cpu usage", true, false },
	{ "load_1m", "l", "1m load avg", true, false },
	{ "load_5m", "l", "5m load avg", true, false },
	{ "load_15m", "l", "15m load avg", true, false },
	{ "node.role", "r,role,nodeRole", "node roles", false, false },
	{ "master", "m", "*:current master", false, false },
	{ "name", "n", "node name", false, false },
	{ "id", "nodeId", "unique node id", false, true },
	{ "http_address", "http", "bound http address", false, true },
	{ "version", "v", "es version", false, true },
};

static void
rest_cat_nodes(dp_rest_req_t *r)
{
	const osp_cluster_t *cs = dp_shards_state();
	dp_cat_t t;
	double load[3] = { 0, 0, 0 };
	char http[96];

	getloadavg(load, 3);
	dp_cat_init(&t, r, cat_nodes_cols, NCOLS(cat_nodes_cols));
	for (uint32_t i = 0; cs && i < cs->n_nodes; i++) {
		const osp_node_t *n = &cs->nodes[i];
		const char **row = dp_cat_row(&t);
		char b[32];

		if (row == NULL)
			return;
		row[0] = dp_cat_str(&t, dp_node_info.host);
		for (int k = 0; k < 3; k++) {
			snprintf(b, sizeof(b), "%.2f", load[k]);
			row[4 + k] = dp_cat_str(&t, b);
		}
		snprintf(b, sizeof(b), "%s%s%s", n->roles & OSP_ROLE_DATA ? "d" : "",
			 n->roles & OSP_ROLE_INGEST ? "i" : "", n->roles & OSP_ROLE_MASTER ? "m" : "");
		row[7] = dp_cat_str(&t, b);
		row[8] = strcmp(cs->master_node, n->id) == 0 ? "*" : "-";
		row[9] = dp_cat_str(&t, n->name);
		row[10] = dp_cat_str(&t, n->id);
		snprintf(http, sizeof(http), "%s:%u", dp_node_info.host, dp_node_info.http_port);
		row[11] = dp_cat_str(&t, http);
		row[12] = DP_ES_VERSION;
	}
	dp_cat_reply(&t);
}

static const dp_cat_col_t cat_alloc_cols[] = {
	{ "shards", "s", "number of shards on node", true, false },
	{ "disk.indices", "di,diskIndices", "disk used by ES indices", true, false },
	{ "disk.used", "du,diskUsed", "disk used (total, not just ES)", true, false },
	{ "disk.avail", "da,diskAvail", "disk available", true, false },
	{ "disk.total", "dt,diskTotal", "total capacity of all volumes", true, false },
	{ "disk.percent", "dp,diskPercent", "percent disk used", true, false },
	{ "host", "h", "host of node", false, false },
	{ "ip", NULL, "ip of node", false, false },
	{ "node", "n", "name of node", false, false },
};

static void
cat_alloc_done(dp_fanout_t *f)
{
	const osp_cluster_t *cs = dp_shards_state();
	dp_cat_t t;
	int64_t bytes = 0, shards = 0;

	for (uint32_t i = 0; i < f->n_slots; i++) {
		if (!f->slots[i].ran || f->slots[i].job.job.rc != 0)
			continue;
		shards++;
		bytes += (int64_t)f->slots[i].job.stats.store_size_bytes;
	}
	dp_cat_init(&t, f->r, cat_alloc_cols, NCOLS(cat_alloc_cols));
	for (uint32_t i = 0; cs && i < cs->n_nodes; i++) {
		const char **row = dp_cat_row(&t);
		uint64_t total, avail;

		if (row == NULL)
			return;
		row[0] = dp_cat_int(&t, shards);
		row[1] = dp_cat_bytes(&t, bytes);
		if (dp_cat_disk(&total, &avail)) {
			row[2] = dp_cat_bytes(&t, (int64_t)(total - avail));
			row[3] = dp_cat_bytes(&t, (int64_t)avail);
			row[4] = dp_cat_bytes(&t, (int64_t)total);
			row[5] = dp_cat_int(&t, total ? (int64_t)((total - avail) * 100 / total) : 0);
		}
		row[6] = dp_cat_str(&t, dp_node_info.host);
		row[7] = row[6];
		row[8] = dp_cat_str(&t, cs->nodes[i].name);
	}
	dp_cat_reply(&t);
}

static void
rest_cat_allocation(dp_rest_req_t *r)
{
	dp_fanout_start(r, NULL, DP_ADMIN_STATS, cat_alloc_done, NULL);
}

/* GET /_cat: the list of _cat endpoints, as Elasticsearch prints it. */
static void
rest_cat_list(dp_rest_req_t *r)
{
	static const char *const eps[] = {
		"/_cat/allocation", "/_cat/shards", "/_cat/shards/{index}", "/_cat/master",
		"/_cat/nodes", "/_cat/indices", "/_cat/indices/{index}", "/_cat/count",
		"/_cat/count/{index}", "/_cat/health", "/_cat/aliases", "/_cat/aliases/{alias}",
		"/_cat/recovery", "/_cat/recovery/{index}", "/_cat/segments", "/_cat/segments/{index}",
		"/_cat/pending_tasks", "/_cat/thread_pool", "/_cat/thread_pool/{thread_pools}",
		"/_cat/plugins", "/_cat/fielddata", "/_cat/fielddata/{fields}", "/_cat/nodeattrs",
		"/_cat/tasks", "/_cat/circuit_breaker", "/_cat/circuit_breaker/{circuit_breaker_patterns}",
	};
	osp_buf_t out;

	osp_buf_init(&out);
	osp_buf_puts(&out, "=^.^=\n");
	for (size_t i = 0; i < sizeof(eps) / sizeof(eps[0]); i++)
		osp_buf_printf(&out, "%s\n", eps[i]);
	dp_rest_reply_text(r, 200, &out);
}

static const dp_cat_col_t cat_master_cols[] = {
	{ "id", NULL, "node id", false, false },
	{ "host", "h", "host name", false, false },
	{ "ip", NULL, "ip address", false, false },
	{ "node", "n", "node name", false, false },
};

static void
rest_cat_master(dp_rest_req_t *r)
{
	const osp_cluster_t *cs = dp_shards_state();
	dp_cat_t t;

	dp_cat_init(&t, r, cat_master_cols, NCOLS(cat_master_cols));
	for (uint32_t i = 0; cs && i < cs->n_nodes; i++) {
		if (strcmp(cs->nodes[i].id, cs->master_node) != 0)
			continue;
		const char **row = dp_cat_row(&t);

		if (row == NULL)
			return;
		row[0] = dp_cat_str(&t, cs->nodes[i].id);
		row[1] = dp_cat_str(&t, dp_node_info.host);
		row[2] = row[1];
		row[3] = dp_cat_str(&t, cs->nodes[i].name);
	}
	dp_cat_reply(&t);
}

static const dp_cat_col_t cat_aliases_cols[] = {
	{ "alias", "a", "alias name", false, false },
	{ "index", "i,idx", "index alias points to", false, false },
	{ "filter", "f,fi", "filter", false, false },
	{ "routing.index", "ri,routingIndex", "index routing", false, false },
	{ "routing.search", "rs,routingSearch", "search routing", false, false },
	{ "is_write_index", "w,isWriteIndex", "write index", false, false },
};

static void
rest_cat_aliases(dp_rest_req_t *r)
{
	const char *want = dp_rest_param(r, "alias");
	osp_arena_t *a = r->http->arena;
	dp_cat_t t;

	dp_cat_init(&t, r, cat_aliases_cols, NCOLS(cat_aliases_cols));
	for (uint32_t i = 0; i < dp_shards_count(); i++) {
		dp_index_t *idx = dp_shards_at(i);
		osp_json_t *al = NULL;
		osp_json_error_t jerr;

		if (idx->meta->aliases_len == 0 ||
		    osp_json_parse(a, idx->meta->aliases, idx->meta->aliases_len, NULL, &al, &jerr) != 0)
			continue;
		OSP_JSON_FOREACH(m, al) {
			if (want && strcmp(want, m->key) != 0)
				continue;
			const char **row = dp_cat_row(&t);
			const osp_json_t *v;

			if (row == NULL)
				return;
			row[0] = dp_cat_str(&t, m->key);
			row[1] = dp_cat_str(&t, idx->name);
			row[2] = osp_json_get(m, "filter") ? "*" : "-";
			v = osp_json_get(m, "index_routing");
			row[3] = osp_json_is(v, OSP_JSON_STRING) ? v->u.str : "-";
			v = osp_json_get(m, "search_routing");
			row[4] = osp_json_is(v, OSP_JSON_STRING) ? v->u.str : "-";
			v = osp_json_get(m, "is_write_index");
			row[5] = osp_json_is(v, OSP_JSON_BOOL) ? (v->boolean ? "true" : "false") : "-";
		}
	}
	dp_cat_reply(&t);
}

void
rest_cat_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_cat", rest_cat_list, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/master", rest_cat_master, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/aliases", rest_cat_aliases, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/aliases/{alias}", rest_cat_aliases, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/health", rest_cat_health, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/indices", rest_cat_indices, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/indices/{index}", rest_cat_indices, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/shards", rest_cat_shards, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/shards/{index}", rest_cat_shards, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/count", rest_cat_count, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/count/{index}", rest_cat_count, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/nodes", rest_cat_nodes, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/allocation", rest_cat_allocation, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/allocation/{node_id}", rest_cat_allocation, 0);
}
