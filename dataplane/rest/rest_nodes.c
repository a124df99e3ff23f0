/*
 * rest_nodes.c - node-level APIs beside _nodes and _nodes/stats:
 * _nodes/usage (REST dispatch counts from rest_usage.c), _nodes/hot_threads
 * (CPU time per dataplane thread from /proc), reload_secure_settings (no
 * keystore) and the repositories metering pair (nothing metered).
 *
 * One node per process: a node filter ({node_id}: "_all", "_local",
 * "_master", ids, names, wildcards) selects this node or none.
 */
#include <dirent.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "osprey/cluster.h"
#include "../shard/dp_shards.h"
#include "dp_cat.h"
#include "dp_usage.h"

/* Does the {node_id} filter select node n? */
static bool
nodes_selected(const char *filter, const osp_node_t *n)
{
	const osp_cluster_t *cs = dp_shards_state();
	char buf[512];

	if (n == NULL)
		return false;
	if (filter == NULL || *filter == '\0')
		return true;
	snprintf(buf, sizeof(buf), "%s", filter);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (strcmp(t, "_all") == 0 || strcmp(t, "_local") == 0 || strcmp(t, "*") == 0)
			return true;
		if (strcmp(t, "_master") == 0 && cs && strcmp(cs->master_node, n->id) == 0)
			return true;
		if (strcmp(t, n->id) == 0 || fnmatch(t, n->name, 0) == 0)
			return true;
	}
	return false;
}

/* {"_nodes":{..},"cluster_name":..,"nodes":{ — the caller closes two objects. */
static const osp_node_t *
nodes_begin(dp_rest_req_t *r, osp_jw_t *w, osp_buf_t *out)
{
	const osp_node_t *n = dp_cat_local_node();
	bool sel = nodes_selected(dp_rest_param(r, "node_id"), n);

	dp_rest_jw(r, w, out);
	osp_jw_obj_begin(w);
	osp_jw_key(w, "_nodes");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "total", sel);
	osp_jw_kv_int(w, "successful", sel);
	osp_jw_kv_int(w, "failed", 0);
	osp_jw_obj_end(w);
	osp_jw_kv_str(w, "cluster_name", dp_node_info.cluster_name);
	osp_jw_key(w, "nodes");
	osp_jw_obj_begin(w);
	return sel ? n : NULL;
}

static void
nodes_end(dp_rest_req_t *r, osp_jw_t *w, osp_buf_t *out)
{
	osp_jw_obj_end(w);
	osp_jw_obj_end(w);
	dp_rest_reply(r, 200, out);
}

/* GET _nodes/usage[/{metric}]: metric _all, rest_actions, aggregations. */
static void
rest_nodes_usage(dp_rest_req_t *r)
{
	const char *metric = dp_rest_param(r, "metric");
	bool rest = true, aggs = true;
	const osp_node_t *n;
	osp_buf_t out;
	osp_jw_t w;

	if (metric && strcmp(metric, "_all") != 0) {
		char buf[128];

		rest = aggs = false;
		snprintf(buf, sizeof(buf), "%s", metric);
		for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (strcmp(t, "rest_actions") == 0) {
				rest = true;
			} else if (strcmp(t, "aggregations") == 0) {
				aggs = true;
			} else {
				osp_err_t err;

				osp_err_set(&err, 400, "illegal_argument_exception",
					    "request [%s] contains unrecognized metric: [%s]", r->http->path, t);
				dp_rest_reply_err(r, &err);
				return;
			}
		}
	}
	n = nodes_begin(r, &w, &out);
	if (n) {
		osp_jw_key(&w, n->id);
		osp_jw_obj_begin(&w);
		osp_jw_kv_int(&w, "timestamp", dp_usage_now_ms());
		osp_jw_kv_int(&w, "since", dp_usage_since_ms());
		if (rest) {
			osp_jw_key(&w, "rest_actions");
			dp_usage_write(&w);
		}
		if (aggs) {
			/* Aggregation use is not counted yet: an empty map, not guesses. */
			osp_jw_key(&w, "aggregations");
			osp_jw_obj_begin(&w);
			osp_jw_obj_end(&w);
		}
		osp_jw_obj_end(&w);
	}
	nodes_end(r, &w, &out);
}

/* One thread of this process: name and CPU ticks (utime + stime). */
typedef struct hot_thread {
	int tid;
	char name[32];
	unsigned long long ticks;
} hot_thread_t;

static int
hot_cmp(const void *a, const void *b)
{
	const hot_thread_t *x = a, *y = b;

	return x->ticks < y->ticks ? 1 : x->ticks > y->ticks ? -1 : 0;
}

static int
hot_read(hot_thread_t *t, int max)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && n < max) {
		char path[64], line[1024];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		t[n].tid = atoi(e->d_name);
		snprintf(path, sizeof(path), "/proc/self/task/%d/comm", t[n].tid);
		t[n].name[0] = '\0';
		if ((f = fopen(path, "r")) != NULL) {
			if (fgets(t[n].name, sizeof(t[n].name), f))
				t[n].name[strcspn(t[n].name, "\n")] = '\0';
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", t[n].tid);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(line, sizeof(line), f)) {
			/* Fields after the ")" closing comm: state is 3, utime 14, stime 15. */
			char *p = strrchr(line, ')');
			unsigned long long ut = 0, st = 0;

			if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
					&ut, &st) == 2) {
				t[n].ticks = ut + st;
				n++;
			}
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

/* GET _nodes/hot_threads: the busiest dataplane threads by CPU time since
 * the process started (the interval is the uptime: the network core serves
 * this request and cannot sample for 500 ms without stalling every other
 * connection). Text, as Elasticsearch answers whatever the format. */
static void
rest_nodes_hot_threads(dp_rest_req_t *r)
{
	const osp_node_t *n = dp_cat_local_node();
	bool ok = true;
	int64_t want = dp_rest_qs_int(r, "threads", 3, &ok);
	hot_thread_t th[128];
	long hz = sysconf(_SC_CLK_TCK);
	int64_t up_ms = dp_usage_now_ms() - dp_node_info.start_ms;
	osp_buf_t out;
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	int nt;

	if (!ok)
		return;
	osp_buf_init(&out);
	if (!nodes_selected(dp_rest_param(r, "node_id"), n)) {
		dp_rest_reply_text(r, 200, &out);
		return;
	}
	nt = hot_read(th, 128);
	qsort(th, (size_t)nt, sizeof(th[0]), hot_cmp);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	osp_buf_printf(&out, "::: {%s}{%s}{%s}{%s}{%s}\n", n->name, n->id, n->ephemeral_id,
		       dp_node_info.host, n->transport_address);
	osp_buf_printf(&out, "   Hot threads at %s, interval=%lldms, busiestThreads=%lld, ignoreIdleThreads=true:\n\n",
		       ts, (long long)up_ms, (long long)want);
	for (int i = 0; i < nt && i < want; i++) {
		double ms = hz > 0 ? (double)th[i].ticks * 1000.0 / (double)hz : 0;
		double pct = up_ms > 0 ? 100.0 * ms / (double)up_ms : 0;

		osp_buf_printf(&out, "   %.1f%% [cpu=%.1f%%, other=0.0%%] (%.0fms out of %lldms) cpu usage by thread '%s' (tid %d)\n\n",
			       pct, pct, ms, (long long)up_ms, th[i].name, th[i].tid);
	}
	dp_rest_reply_text(r, 200, &out);
}

/* POST _nodes/reload_secure_settings: Osprey has no keystore; each node
 * answers as Elasticsearch does when its keystore is missing. */
static void
rest_nodes_reload_secure(dp_rest_req_t *r)
{
	osp_json_t *body;
	const osp_node_t *n;
	osp_buf_t out;
	osp_jw_t w;

	if (!dp_rest_body_json(r, &body))
		return;
	n = nodes_begin(r, &w, &out);
	if (n) {
		osp_jw_key(&w, n->id);
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "name", n->name);
		osp_jw_key(&w, "reload_exception");
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "type", "illegal_state_exception");
		osp_jw_kv_str(&w, "reason", "Keystore is missing");
		osp_jw_obj_end(&w);
		osp_jw_obj_end(&w);
	}
	nodes_end(r, &w, &out);
}

/* _nodes/{node_id}/_repositories_metering (GET, and DELETE of the archive):
 * Osprey does not meter repository requests, so every node lists none. */
static void
rest_nodes_metering(dp_rest_req_t *r)
{
	const osp_node_t *n;
	osp_buf_t out;
	osp_jw_t w;

	n = nodes_begin(r, &w, &out);
	if (n) {
		osp_jw_key(&w, n->id);
		osp_jw_arr_begin(&w);
		osp_jw_arr_end(&w);
	}
	nodes_end(r, &w, &out);
}

void
rest_nodes_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_nodes/usage", rest_nodes_usage, 0);
	dp_rest_route(DP_HTTP_GET, "/_nodes/usage/{metric}", rest_nodes_usage, 0);
	dp_rest_route(DP_HTTP_GET, "/_nodes/{node_id}/usage", rest_nodes_usage, 0);
	dp_rest_route(DP_HTTP_GET, "/_nodes/{node_id}/usage/{metric}", rest_nodes_usage, 0);
	dp_rest_route(DP_HTTP_GET, "/_nodes/hot_threads", rest_nodes_hot_threads, 0);
	dp_rest_route(DP_HTTP_GET, "/_nodes/{node_id}/hot_threads", rest_nodes_hot_threads, 0);
	dp_rest_route(DP_HTTP_POST, "/_nodes/reload_secure_settings", rest_nodes_reload_secure, 0);
	dp_rest_route(DP_HTTP_POST, "/_nodes/{node_id}/reload_secure_settings", rest_nodes_reload_secure, 0);
	dp_rest_route(DP_HTTP_GET, "/_nodes/{node_id}/_repositories_metering", rest_nodes_metering, 0);
	dp_rest_route(DP_HTTP_DELETE, "/_nodes/{node_id}/_repositories_metering/{max_archive_version}",
		      rest_nodes_metering, 0);
}
