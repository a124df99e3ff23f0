/*
 * rest_cluster_admin.c - cluster-wide read APIs computed from the state,
 * the shards and the process: _cluster/stats (a stats fan-out),
 * _cluster/pending_tasks, _remote/info, _info/{target}, _features and
 * _health_report (master_is_stable, shards_availability, disk).
 *
 * Nothing is filled in for show: a figure Osprey does not measure is left
 * out of the reply rather than reported as zero.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "osprey/cluster.h"
#include "../core/dp_core.h"
#include "../server/dp_ctl.h"
#include "dp_cat.h"
#include "dp_csettings.h"
#include "dp_fanout.h"
#include "dp_usage.h"

static const char *
admin_status(const osp_cluster_t *cs, osp_health_t *h)
{
	memset(h, 0, sizeof(*h));
	if (cs == NULL)
		return "red";
	osp_health_cluster(cs, NULL, 0, h);
	return osp_health_status_name((osp_health_status_t)h->c.status);
}

static void
admin_nodes_header(osp_jw_t *w, uint32_t n)
{
	osp_jw_key(w, "_nodes");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "total", n);
	osp_jw_kv_int(w, "successful", n);
	osp_jw_kv_int(w, "failed", 0);
	osp_jw_obj_end(w);
}

static int
admin_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

static void
admin_stats_indices(osp_jw_t *w, dp_fanout_t *f, const osp_cluster_t *cs)
{
	st_shard_stats_t sum;
	uint32_t shards = 0, primaries = 0;

	memset(&sum, 0, sizeof(sum));
	for (uint32_t i = 0; i < f->n_slots; i++)
		if (f->slots[i].ran && f->slots[i].job.job.rc == 0)
			dp_fanout_stats_add(&sum, &f->slots[i].job.stats);
	for (uint32_t i = 0; cs && i < cs->n_indices; i++) {
		const osp_index_t *m = cs->indices[i];

		for (uint32_t s = 0; s < m->number_of_shards; s++) {
			const osp_shard_copy_t *cp = osp_index_shard(m, s);

			for (uint32_t c = 0; c <= m->number_of_replicas; c++) {
				if (cp[c].state != OSP_SHARD_STARTED && cp[c].state != OSP_SHARD_RELOCATING)
					continue;
				shards++;
				primaries += cp[c].primary;
			}
		}
	}
	osp_jw_key(w, "indices");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "count", cs ? cs->n_indices : 0);
	osp_jw_key(w, "shards");
	osp_jw_obj_begin(w);
	if (shards) {
		osp_jw_kv_int(w, "total", shards);
		osp_jw_kv_int(w, "primaries", primaries);
		osp_jw_key(w, "replication");
		osp_jw_double(w, primaries ? (double)(shards - primaries) / primaries : 0.0);
	}
	osp_jw_obj_end(w);
	osp_jw_key(w, "docs");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "count", (int64_t)sum.docs_count);
	osp_jw_kv_int(w, "deleted", (int64_t)sum.docs_deleted);
	osp_jw_obj_end(w);
	osp_jw_key(w, "store");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "size_in_bytes", (int64_t)sum.store_size_bytes);
	osp_jw_kv_int(w, "total_data_set_size_in_bytes", (int64_t)sum.store_size_bytes);
	osp_jw_kv_int(w, "reserved_in_bytes", 0);
	osp_jw_obj_end(w);
	osp_jw_key(w, "segments");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "count", sum.segments_count);
	osp_jw_obj_end(w);
	osp_jw_obj_end(w);
}

static void
admin_stats_nodes(osp_jw_t *w, const osp_cluster_t *cs)
{
	uint32_t n = cs ? cs->n_nodes : 0, data = 0, master = 0, ingest = 0;
	uint64_t total, avail;
	struct sysinfo si;

	for (uint32_t i = 0; i < n; i++) {
		data += (cs->nodes[i].roles & OSP_ROLE_DATA) != 0;
		master += (cs->nodes[i].roles & OSP_ROLE_MASTER) != 0;
		ingest += (cs->nodes[i].roles & OSP_ROLE_INGEST) != 0;
	}
	osp_jw_key(w, "nodes");
	osp_jw_obj_begin(w);
	osp_jw_key(w, "count");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "total", n);
	osp_jw_kv_int(w, "data", data);
	osp_jw_kv_int(w, "ingest", ingest);
	osp_jw_kv_int(w, "master", master);
	osp_jw_obj_end(w);
	osp_jw_key(w, "versions");
	osp_jw_arr_begin(w);
	osp_jw_str(w, DP_ES_VERSION);
	osp_jw_arr_end(w);
	osp_jw_key(w, "os");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "available_processors", sysconf(_SC_NPROCESSORS_ONLN));
	osp_jw_kv_int(w, "allocated_processors", 1 + dp_core.n_workers);
	if (sysinfo(&si) == 0) {
		uint64_t t = (uint64_t)si.totalram * si.mem_unit, fr = (uint64_t)si.freeram * si.mem_unit;

		osp_jw_key(w, "mem");
		osp_jw_obj_begin(w);
		osp_jw_kv_int(w, "total_in_bytes", (int64_t)t);
		osp_jw_kv_int(w, "free_in_bytes", (int64_t)fr);
		osp_jw_kv_int(w, "used_in_bytes", (int64_t)(t - fr));
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
	osp_jw_key(w, "process");
	osp_jw_obj_begin(w);
	osp_jw_key(w, "open_file_descriptors");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "min", admin_open_fds());
	osp_jw_kv_int(w, "max", admin_open_fds());
	osp_jw_obj_end(w);
	osp_jw_obj_end(w);
	if (dp_cat_disk(&total, &avail)) {
		osp_jw_key(w, "fs");
		osp_jw_obj_begin(w);
		osp_jw_kv_int(w, "total_in_bytes", (int64_t)total);
		osp_jw_kv_int(w, "available_in_bytes", (int64_t)avail);
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
}

static void
admin_cluster_stats_done(dp_fanout_t *f)
{
	const osp_cluster_t *cs = dp_shards_state();
	osp_health_t h;
	const char *status = admin_status(cs, &h);
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(f->r, &w, &out);
	osp_jw_obj_begin(&w);
	admin_nodes_header(&w, cs ? cs->n_nodes : 0);
	osp_jw_kv_str(&w, "cluster_name", dp_node_info.cluster_name);
	osp_jw_kv_str(&w, "cluster_uuid", cs ? cs->cluster_uuid : "_na_");
	osp_jw_kv_int(&w, "timestamp", dp_usage_now_ms());
	osp_jw_kv_str(&w, "status", status);
	admin_stats_indices(&w, f, cs);
	admin_stats_nodes(&w, cs);
	osp_jw_obj_end(&w);
	dp_rest_reply(f->r, 200, &out);
}

static void
rest_cluster_stats(dp_rest_req_t *r)
{
	dp_fanout_start(r, NULL, DP_ADMIN_STATS, admin_cluster_stats_done, NULL);
}

/* {} or {"<key>":[]}: the answer of APIs with nothing to list. */
static void
admin_reply_empty(dp_rest_req_t *r, const char *key)
{
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	if (key) {
		osp_jw_key(&w, key);
		osp_jw_arr_begin(&w);
		osp_jw_arr_end(&w);
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* Control applies each change before it takes the next: no queue. */
static void
rest_cluster_pending_tasks(dp_rest_req_t *r)
{
	admin_reply_empty(r, "tasks");
}

/* No remote clusters can be configured yet. */
static void
rest_remote_info(dp_rest_req_t *r)
{
	admin_reply_empty(r, NULL);
}

static void
info_http(osp_jw_t *w)
{
	const dp_net_stats_t *ns = dp_rest_net_stats();

	osp_jw_key(w, "http");
	osp_jw_obj_begin(w);
	if (ns) {
		osp_jw_kv_int(w, "current_open", (int64_t)ns->open);
		osp_jw_kv_int(w, "total_opened", (int64_t)ns->accepted);
	}
	osp_jw_obj_end(w);
}

static void
info_thread_pool(osp_jw_t *w)
{
	uint64_t active, queued;

	dp_cat_pool_counts(&active, &queued);
	osp_jw_key(w, "thread_pool");
	osp_jw_obj_begin(w);
	osp_jw_key(w, "network");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "threads", 1);
	osp_jw_kv_int(w, "queue", 0);
	osp_jw_kv_int(w, "active", 1);
	osp_jw_kv_int(w, "rejected", 0);
	osp_jw_obj_end(w);
	osp_jw_key(w, "worker");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "threads", dp_core.n_workers);
	osp_jw_kv_int(w, "queue", (int64_t)queued);
	osp_jw_kv_int(w, "active", (int64_t)active);
	osp_jw_kv_int(w, "rejected", 0);
	osp_jw_obj_end(w);
	osp_jw_obj_end(w);
}

/* Ingest: the stored pipelines by name (per-pipeline counters are not kept). */
static void
info_ingest(osp_jw_t *w)
{
	const osp_custom_t *c;
	uint32_t n;

	dp_ctl_customs("ingest_pipeline", &c, &n);
	osp_jw_key(w, "ingest");
	osp_jw_obj_begin(w);
	osp_jw_key(w, "pipelines");
	osp_jw_obj_begin(w);
	for (uint32_t i = 0; i < n; i++) {
		osp_jw_key(w, c[i].name);
		osp_jw_obj_begin(w);
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
	osp_jw_obj_end(w);
}

/* GET _info/{target}: http, ingest, thread_pool, script or _all. */
static void
rest_info_target(dp_rest_req_t *r)
{
	static const char *const known[] = { "_all", "http", "ingest", "thread_pool", "script" };
	const char *target = dp_rest_param(r, "target");
	bool want[5] = { false };
	char buf[256];
	osp_buf_t out;
	osp_jw_t w;

	snprintf(buf, sizeof(buf), "%s", target ? target : "_all");
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t k = 0;

		while (k < 5 && strcmp(known[k], t) != 0)
			k++;
		if (k == 5) {
			osp_err_t err;

			osp_err_set(&err, 400, "illegal_argument_exception",
				    "request [%s] contains unrecognized target: [%s]", r->http->path, t);
			dp_rest_reply_err(r, &err);
			return;
		}
		if (k == 0)
			for (size_t j = 1; j < 5; j++)
				want[j] = true;
		want[k] = true;
	}
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "cluster_name", dp_node_info.cluster_name);
	if (want[1])
		info_http(&w);
	if (want[2])
		info_ingest(&w);
	if (want[3])
		info_thread_pool(&w);
	if (want[4]) {
		/* Script compilation counters are not kept yet. */
		osp_jw_key(&w, "script");
		osp_jw_obj_begin(&w);
		osp_jw_obj_end(&w);
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* GET _features / POST _features/_reset: features in Elasticsearch's sense
 * own system indices; Osprey keeps none, so the list is empty. */
static void
rest_features(dp_rest_req_t *r)
{
	admin_reply_empty(r, "features");
}

/* ---- _health_report ---- */

static int
health_rank(const char *s)
{
	return strcmp(s, "red") == 0 ? 3 : strcmp(s, "yellow") == 0 ? 2 : strcmp(s, "green") == 0 ? 1 : 0;
}

static const char *
health_master(osp_jw_t *w, const osp_cluster_t *cs, bool verbose)
{
	const osp_node_t *m = NULL;

	for (uint32_t i = 0; cs && i < cs->n_nodes; i++)
		if (strcmp(cs->nodes[i].id, cs->master_node) == 0)
			m = &cs->nodes[i];
	osp_jw_key(w, "master_is_stable");
	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "status", m ? "green" : "red");
	osp_jw_kv_str(w, "symptom", m ? "The cluster has a stable master node"
			 : "No master node has been elected");
	if (verbose && m) {
		osp_jw_key(w, "details");
		osp_jw_obj_begin(w);
		osp_jw_key(w, "current_master");
		osp_jw_obj_begin(w);
		osp_jw_kv_str(w, "node_id", m->id);
		osp_jw_kv_str(w, "name", m->name);
		osp_jw_obj_end(w);
		osp_jw_key(w, "recent_masters");
		osp_jw_arr_begin(w);
		osp_jw_obj_begin(w);
		osp_jw_kv_str(w, "node_id", m->id);
		osp_jw_kv_str(w, "name", m->name);
		osp_jw_obj_end(w);
		osp_jw_arr_end(w);
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
	return m ? "green" : "red";
}

/* Copy counts by role and state, as ES's shards_availability details. */
typedef struct health_shards {
	uint32_t unassigned[2], initializing[2], started[2];  /* [primary?0:1] */
} health_shards_t;

static const char *
health_shards(osp_jw_t *w, const osp_cluster_t *cs, bool verbose)
{
	health_shards_t c;
	const char *status;
	char sym[256];

	memset(&c, 0, sizeof(c));
	for (uint32_t i = 0; cs && i < cs->n_indices; i++) {
		const osp_index_t *m = cs->indices[i];

		for (uint32_t s = 0; s < m->number_of_shards; s++) {
			const osp_shard_copy_t *cp = osp_index_shard(m, s);

			for (uint32_t k = 0; k <= m->number_of_replicas; k++) {
				int role = cp[k].primary ? 0 : 1;

				if (cp[k].state == OSP_SHARD_UNASSIGNED)
					c.unassigned[role]++;
				else if (cp[k].state == OSP_SHARD_INITIALIZING)
					c.initializing[role]++;
				else
					c.started[role]++;
			}
		}
	}
	if (c.unassigned[0]) {
		status = "red";
		snprintf(sym, sizeof(sym), "This cluster has %u unavailable primary shard%s%s", c.unassigned[0],
			 c.unassigned[0] == 1 ? "" : "s", c.unassigned[1] ? "" : ".");
		if (c.unassigned[1])
			snprintf(sym + strlen(sym), sizeof(sym) - strlen(sym), ", %u unavailable replica shard%s.",
				 c.unassigned[1], c.unassigned[1] == 1 ? "" : "s");
	} else if (c.unassigned[1]) {
		status = "yellow";
		snprintf(sym, sizeof(sym), "This cluster has %u unavailable replica shard%s.", c.unassigned[1],
			 c.unassigned[1] == 1 ? "" : "s");
	} else {
		status = "green";
		snprintf(sym, sizeof(sym), "This cluster has all shards available.");
	}
	osp_jw_key(w, "shards_availability");
	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "status", status);
	osp_jw_kv_str(w, "symptom", sym);
	if (verbose) {
		osp_jw_key(w, "details");
		osp_jw_obj_begin(w);
		osp_jw_kv_int(w, "unassigned_primaries", c.unassigned[0]);
		osp_jw_kv_int(w, "initializing_primaries", c.initializing[0]);
		osp_jw_kv_int(w, "started_primaries", c.started[0]);
		osp_jw_kv_int(w, "unassigned_replicas", c.unassigned[1]);
		osp_jw_kv_int(w, "initializing_replicas", c.initializing[1]);
		osp_jw_kv_int(w, "started_replicas", c.started[1]);
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
	return status;
}

/* A watermark setting as a used-disk percentage (percent values only;
 * absolute byte watermarks compare the free space). */
static double
health_watermark(osp_arena_t *a, const char *key, double def, uint64_t total)
{
	const char *v = dp_csettings_get(a, key);
	double x;
	int64_t b;

	if (v == NULL)
		return def;
	if (sscanf(v, "%lf%%", &x) == 1 && strchr(v, '%'))
		return x;
	if (osp_parse_bytes(v, &b) == 0 && total)
		return 100.0 - 100.0 * (double)b / (double)total;
	return def;
}

static const char *
health_disk(osp_jw_t *w, osp_arena_t *a, bool verbose)
{
	uint64_t total = 0, avail = 0;
	bool known = dp_cat_disk(&total, &avail);
	double used = known && total ? 100.0 * (double)(total - avail) / (double)total : 0;
	double high = health_watermark(a, "cluster.routing.allocation.disk.watermark.high", 90, total);
	double flood = health_watermark(a, "cluster.routing.allocation.disk.watermark.flood_stage", 95, total);
	const char *status = !known ? "unknown" : used >= flood ? "red" : used >= high ? "yellow" : "green";

	osp_jw_key(w, "disk");
	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "status", status);
	osp_jw_kv_str(w, "symptom", !known ? "Could not determine the disk usage of this node."
			 : used >= flood ? "1 node is out of disk or running low on disk space."
			 : used >= high ? "1 node is over the high disk watermark."
			 : "The cluster has enough available disk space.");
	if (verbose) {
		osp_jw_key(w, "details");
		osp_jw_obj_begin(w);
		osp_jw_kv_int(w, "indices_with_readonly_block", 0);
		osp_jw_kv_int(w, "nodes_with_enough_disk_space", known && used < high);
		osp_jw_kv_int(w, "nodes_over_high_watermark", known && used >= high && used < flood);
		osp_jw_kv_int(w, "nodes_over_flood_stage_watermark", known && used >= flood);
		osp_jw_kv_int(w, "nodes_with_unknown_disk_status", !known);
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
	return status;
}

static void
rest_health_report(dp_rest_req_t *r)
{
	const osp_cluster_t *cs = dp_shards_state();
	const char *feature = dp_rest_param(r, "feature");
	bool ok = true, verbose = dp_rest_qs_bool(r, "verbose", true, &ok);
	const char *worst = "green", *s;
	osp_buf_t out;
	osp_jw_t w;

	if (!ok)
		return;
	if (feature && strcmp(feature, "master_is_stable") != 0 && strcmp(feature, "shards_availability") != 0 &&
	    strcmp(feature, "disk") != 0) {
		osp_err_t err;

		osp_err_set(&err, 404, "resource_not_found_exception",
			    "Did not find indicator %s", feature);
		dp_rest_reply_err(r, &err);
		return;
	}
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "cluster_name", dp_node_info.cluster_name);
	osp_jw_key(&w, "indicators");
	osp_jw_obj_begin(&w);
	if (feature == NULL || strcmp(feature, "master_is_stable") == 0) {
		s = health_master(&w, cs, verbose);
		worst = health_rank(s) > health_rank(worst) ? s : worst;
	}
	if (feature == NULL || strcmp(feature, "shards_availability") == 0) {
		s = health_shards(&w, cs, verbose);
		worst = health_rank(s) > health_rank(worst) ? s : worst;
	}
	if (feature == NULL || strcmp(feature, "disk") == 0) {
		s = health_disk(&w, r->http->arena, verbose);
		worst = health_rank(s) > health_rank(worst) ? s : worst;
	}
	osp_jw_obj_end(&w);
	if (feature == NULL)
		osp_jw_kv_str(&w, "status", worst);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

void
rest_cluster_admin_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_cluster/stats", rest_cluster_stats, 0);
	dp_rest_route(DP_HTTP_GET, "/_cluster/stats/nodes/{node_id}", rest_cluster_stats, 0);
	dp_rest_route(DP_HTTP_GET, "/_cluster/pending_tasks", rest_cluster_pending_tasks, 0);
	dp_rest_route(DP_HTTP_GET, "/_remote/info", rest_remote_info, 0);
	dp_rest_route(DP_HTTP_GET, "/_info/{target}", rest_info_target, 0);
	dp_rest_route(DP_HTTP_GET, "/_features", rest_features, 0);
	dp_rest_route(DP_HTTP_POST, "/_features/_reset", rest_features, 0);
	dp_rest_route(DP_HTTP_GET, "/_health_report", rest_health_report, 0);
	dp_rest_route(DP_HTTP_GET, "/_health_report/{feature}", rest_health_report, 0);
}
