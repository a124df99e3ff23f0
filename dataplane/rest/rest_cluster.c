/*
 * rest_cluster.c - cluster APIs served from the dataplane's copy of the
 * state: _cluster/health (with wait_for_* and timeout), _cluster/state,
 * _nodes and _nodes/stats. Health waits are parked in a list re-checked
 * after every applied state and on each loop tick, and answered with 408
 * and "timed_out": true when their timeout passes, as Elasticsearch does.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "osprey/cluster.h"
#include "../core/dp_core.h"
#include "../shard/dp_shards.h"
#include "dp_rest.h"

#define CLUSTER_MAX_INDICES 4096

/* A _cluster/health request waiting for its conditions. */
typedef struct health_wait {
	dp_rest_req_t *r;
	osp_health_wait_t cond;
	uint64_t deadline_ns;
	int level;
	const char *expr;
	struct health_wait *next;
} health_wait_t;

static health_wait_t *health_waiters;

/* Compute health for the request's indices; false when they cannot be
 * resolved (err filled). */
static bool
health_compute(const char *expr, const osp_index_t **metas, uint32_t *n_out,
	       osp_health_t *h, osp_err_t *err)
{
	static dp_index_t *list[CLUSTER_MAX_INDICES];
	const osp_cluster_t *cs = dp_shards_state();
	int n = 0;

	if (expr) {
		n = dp_shards_resolve(expr, false, true, list, CLUSTER_MAX_INDICES, err);
		if (n < 0)
			return false;
	} else {
		n = (int)dp_shards_count();
		if (n > CLUSTER_MAX_INDICES)
			n = CLUSTER_MAX_INDICES;
		for (int i = 0; i < n; i++)
			list[i] = dp_shards_at((uint32_t)i);
	}
	for (int i = 0; i < n; i++)
		metas[i] = list[i]->meta;
	*n_out = (uint32_t)n;
	if (cs)
		osp_health_cluster(cs, metas, (uint32_t)n, h);
	else
		memset(h, 0, sizeof(*h));
	if (cs == NULL)
		h->c.status = OSP_HEALTH_RED;
	return true;
}

static void
health_reply(dp_rest_req_t *r, const char *expr, int level, bool timed_out)
{
	static const osp_index_t *metas[CLUSTER_MAX_INDICES];
	osp_health_t h;
	uint32_t n = 0;
	osp_err_t err;
	osp_buf_t out;
	osp_jw_t w;

	if (!health_compute(expr, metas, &n, &h, &err)) {
		dp_rest_reply_err(r, &err);
		return;
	}
	dp_rest_jw(r, &w, &out);
	if (dp_shards_state())
		osp_health_write(dp_shards_state(), metas, n, &h, timed_out, level, &w);
	else {
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "cluster_name", dp_node_info.cluster_name);
		osp_jw_kv_str(&w, "status", "red");
		osp_jw_kv_bool(&w, "timed_out", timed_out);
		osp_jw_obj_end(&w);
	}
	dp_rest_reply(r, timed_out ? 408 : 200, &out);
}

static bool
health_met(health_wait_t *hw)
{
	static const osp_index_t *metas[CLUSTER_MAX_INDICES];
	osp_health_t h;
	uint32_t n;
	osp_err_t err;

	if (dp_shards_state() == NULL)
		return false;
	if (!health_compute(hw->expr, metas, &n, &h, &err))
		return true; /* answer now: the reply will carry the error */
	return osp_health_wait_met(&h, &hw->cond);
}

unsigned
dp_rest_cluster_poll(void)
{
	health_wait_t **pp = &health_waiters;
	uint64_t now = dp_now_ns();
	unsigned n = 0;

	while (*pp) {
		health_wait_t *hw = *pp;
		bool met = health_met(hw);

		if (met || now >= hw->deadline_ns) {
			*pp = hw->next;
			health_reply(hw->r, hw->expr, hw->level, !met);
			n++;
			continue;
		}
		pp = &hw->next;
	}
	return n;
}

static void
rest_health(dp_rest_req_t *r)
{
	health_wait_t *hw = osp_arena_calloc(r->http->arena, sizeof(*hw));
	bool waits = false;
	osp_err_t err;
	const char *level;

	if (hw == NULL)
		return;
	hw->r = r;
	hw->expr = dp_rest_param(r, "index");
	osp_health_wait_init(&hw->cond);
	for (uint32_t i = 0; i < r->http->nparams; i++) {
		const dp_http_kv_t *p = &r->http->params[i];
		int rc = osp_health_wait_param(&hw->cond, p->name, p->value, &err);

		if (rc == -ENOENT)
			continue;
		if (rc != 0) {
			dp_rest_reply_err(r, &err);
			return;
		}
		if (strcmp(p->name, "timeout") != 0)
			waits = true;
	}
	level = dp_rest_qs(r, "level");
	hw->level = level && strcmp(level, "indices") == 0 ? 1 : level && strcmp(level, "shards") == 0 ? 2 : 0;
	if (!waits || health_met(hw)) {
		health_reply(r, hw->expr, hw->level, false);
		return;
	}
	hw->deadline_ns = dp_now_ns() + (uint64_t)hw->cond.timeout_ms * 1000000ull;
	hw->next = health_waiters;
	health_waiters = hw;
}

static void
rest_state(dp_rest_req_t *r)
{
	const osp_cluster_t *cs = dp_shards_state();
	bool ok = true, flat = dp_rest_qs_bool(r, "flat_settings", false, &ok);
	osp_buf_t out;
	osp_jw_t w;

	if (!ok)
		return;
	if (cs == NULL) {
		osp_err_t err;

		osp_err_set(&err, 503, "master_not_discovered_exception", "no cluster state yet");
		dp_rest_reply_err(r, &err);
		return;
	}
	const char *metric = dp_rest_param(r, "metric");
	const char *expr = dp_rest_param(r, "index");

	if (metric == NULL && expr == NULL) {
		dp_rest_jw(r, &w, &out);
		osp_cluster_write(cs, &w, flat ? OSP_CLUSTER_FLAT_SETTINGS : 0);
		dp_rest_reply(r, 200, &out);
		return;
	}
	static dp_index_t *list[CLUSTER_MAX_INDICES];
	static const osp_index_t *metas[CLUSTER_MAX_INDICES];
	unsigned metrics = 0;
	osp_err_t err;
	int n = 0;

	if (osp_cluster_metrics_parse(metric ? metric : "_all", &metrics, &err) != 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	if (expr) {
		n = dp_shards_resolve(expr, true, true, list, CLUSTER_MAX_INDICES, &err);
		if (n < 0) {
			dp_rest_reply_err(r, &err);
			return;
		}
		for (int i = 0; i < n; i++)
			metas[i] = list[i]->meta;
	}
	dp_rest_jw(r, &w, &out);
	osp_cluster_write_filtered(cs, &w, flat ? OSP_CLUSTER_FLAT_SETTINGS : 0, metrics,
				   expr ? metas : NULL, (uint32_t)n);
	dp_rest_reply(r, 200, &out);
}

static void
nodes_node_head(osp_jw_t *w, const osp_node_t *n)
{
	char http[96];

	osp_jw_kv_str(w, "name", n->name);
	osp_jw_kv_str(w, "transport_address", n->transport_address);
	osp_jw_kv_str(w, "host", dp_node_info.host);
	osp_jw_kv_str(w, "ip", dp_node_info.host);
	osp_jw_key(w, "roles");
	osp_jw_arr_begin(w);
	if (n->roles & OSP_ROLE_DATA)
		osp_jw_str(w, "data");
	if (n->roles & OSP_ROLE_INGEST)
		osp_jw_str(w, "ingest");
	if (n->roles & OSP_ROLE_MASTER)
		osp_jw_str(w, "master");
	osp_jw_arr_end(w);
	snprintf(http, sizeof(http), "%s:%u", dp_node_info.host, dp_node_info.http_port);
	osp_jw_kv_str(w, "http_address", n->http_address[0] ? n->http_address : http);
}

/* A counter of a stats struct, by name and offset, for the tables below. */
typedef struct nodes_counter {
	const char *key;
	size_t off;
} nodes_counter_t;

#define NC(type, field) { #field, offsetof(type, field) }
#define NC_AS(key, type, field) { key, offsetof(type, field) }

static const nodes_counter_t nodes_queue_counters[] = {
	NC(dp_net_queue_stats_t, rx_packets), NC(dp_net_queue_stats_t, rx_bytes),
	NC(dp_net_queue_stats_t, rx_errors), NC(dp_net_queue_stats_t, rx_dropped),
	NC(dp_net_queue_stats_t, tx_packets), NC(dp_net_queue_stats_t, tx_bytes),
	NC(dp_net_queue_stats_t, tx_errors), NC(dp_net_queue_stats_t, tx_dropped),
};

static const nodes_counter_t nodes_net_counters[] = {
	NC_AS("current_open", dp_net_stats_t, open), NC_AS("total_opened", dp_net_stats_t, accepted),
	NC_AS("total_closed", dp_net_stats_t, closed), NC(dp_net_stats_t, requests),
	NC(dp_net_stats_t, rx_bytes), NC(dp_net_stats_t, tx_bytes),
	NC(dp_net_stats_t, rx_calls), NC(dp_net_stats_t, tx_calls),
};

static const nodes_counter_t nodes_cycle_counters[] = {
	NC(dp_net_stats_t, tsc_hz), NC_AS("busy", dp_net_stats_t, busy_tsc),
	NC_AS("idle", dp_net_stats_t, idle_tsc), NC_AS("busy_iterations", dp_net_stats_t, busy_polls),
	NC_AS("idle_iterations", dp_net_stats_t, idle_polls),
};

static void
nodes_counters(osp_jw_t *w, const void *base, const nodes_counter_t *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v;

		memcpy(&v, (const char *)base + c[i].off, sizeof(v));
		osp_jw_kv_int(w, c[i].key, (int64_t)v);
	}
}

/* "network": the network core's backend, link, device queues and where its
 * TSC cycles went (busy per request is the figure to compare backends by). */
static void
nodes_network_stats(osp_jw_t *w, const dp_net_stats_t *ns)
{
	uint64_t total = ns->busy_tsc + ns->idle_tsc;

	osp_jw_key(w, "network");
	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "driver", ns->driver);
	if (ns->link != DP_NET_LINK_NONE) {
		osp_jw_key(w, "link");
		osp_jw_obj_begin(w);
		osp_jw_kv_bool(w, "up", ns->link == DP_NET_LINK_UP);
		osp_jw_kv_int(w, "speed_mbps", ns->link_speed_mbps);
		osp_jw_obj_end(w);
	}
	nodes_counters(w, ns, nodes_net_counters, sizeof(nodes_net_counters) / sizeof(nodes_net_counters[0]));
	if (ns->link != DP_NET_LINK_NONE) {
		osp_jw_key(w, "queues");
		osp_jw_arr_begin(w);
		for (unsigned i = 0; i < ns->n_queues && i < DP_NET_MAX_QUEUES; i++) {
			osp_jw_obj_begin(w);
			osp_jw_kv_int(w, "id", i);
			nodes_counters(w, &ns->queue[i], nodes_queue_counters,
				       sizeof(nodes_queue_counters) / sizeof(nodes_queue_counters[0]));
			osp_jw_obj_end(w);
		}
		osp_jw_arr_end(w);
	}
	osp_jw_key(w, "cycles");
	osp_jw_obj_begin(w);
	nodes_counters(w, ns, nodes_cycle_counters,
		       sizeof(nodes_cycle_counters) / sizeof(nodes_cycle_counters[0]));
	osp_jw_key(w, "busy_percent");
	osp_jw_double(w, total ? 100.0 * (double)ns->busy_tsc / (double)total : 0.0);
	osp_jw_kv_int(w, "busy_per_request", ns->requests ? (int64_t)(ns->busy_tsc / ns->requests) : 0);
	osp_jw_obj_end(w);
	osp_jw_obj_end(w);
}

static void
nodes_write(dp_rest_req_t *r, bool stats)
{
	const osp_cluster_t *cs = dp_shards_state();
	uint32_t n = cs ? cs->n_nodes : 0;
	osp_buf_t out;
	osp_jw_t w;
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "_nodes");
	osp_jw_obj_begin(&w);
	osp_jw_kv_int(&w, "total", n);
	osp_jw_kv_int(&w, "successful", n);
	osp_jw_kv_int(&w, "failed", 0);
	osp_jw_obj_end(&w);
	osp_jw_kv_str(&w, "cluster_name", dp_node_info.cluster_name);
	osp_jw_key(&w, "nodes");
	osp_jw_obj_begin(&w);
	for (uint32_t i = 0; i < n; i++) {
		const osp_node_t *node = &cs->nodes[i];

		osp_jw_key(&w, node->id);
		osp_jw_obj_begin(&w);
		nodes_node_head(&w, node);
		if (stats) {
			const dp_net_stats_t *ns = dp_rest_net_stats();

			osp_jw_kv_int(&w, "timestamp", (int64_t)time(NULL) * 1000);
			osp_jw_key(&w, "process");
			osp_jw_obj_begin(&w);
			osp_jw_kv_int(&w, "max_file_descriptors", (int64_t)sysconf(_SC_OPEN_MAX));
			osp_jw_key(&w, "mem");
			osp_jw_obj_begin(&w);
			osp_jw_kv_int(&w, "max_rss_in_bytes", (int64_t)ru.ru_maxrss * 1024);
			osp_jw_obj_end(&w);
			osp_jw_obj_end(&w);
			osp_jw_key(&w, "http");
			osp_jw_obj_begin(&w);
			osp_jw_kv_int(&w, "current_open", ns ? (int64_t)ns->open : 0);
			osp_jw_kv_int(&w, "total_opened", ns ? (int64_t)ns->accepted : 0);
			osp_jw_obj_end(&w);
			osp_jw_key(&w, "dataplane");
			osp_jw_obj_begin(&w);
			osp_jw_kv_int(&w, "workers", dp_core.n_workers);
			osp_jw_kv_int(&w, "jobs_in_flight", dp_core_inflight());
			osp_jw_obj_end(&w);
			if (ns) {
				osp_jw_key(&w, "osprey");
				osp_jw_obj_begin(&w);
				nodes_network_stats(&w, ns);
				osp_jw_obj_end(&w);
			}
		} else {
			osp_jw_kv_str(&w, "version", DP_ES_VERSION);
			osp_jw_kv_str(&w, "build_flavor", "default");
			osp_jw_kv_str(&w, "build_type", "osprey");
			osp_jw_kv_str(&w, "build_hash", "osprey-" OSP_VERSION);
		}
		osp_jw_obj_end(&w);
	}
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

static void
rest_nodes(dp_rest_req_t *r)
{
	nodes_write(r, false);
}

static void
rest_nodes_stats(dp_rest_req_t *r)
{
	nodes_write(r, true);
}

void
rest_cluster_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_cluster/health", rest_health, 0);
	dp_rest_route(DP_HTTP_GET, "/_cluster/health/{index}", rest_health, 0);
	dp_rest_route(DP_HTTP_GET, "/_cluster/state", rest_state, 0);
	dp_rest_route(DP_HTTP_GET, "/_cluster/state/{metric}", rest_state, 0);
	dp_rest_route(DP_HTTP_GET, "/_cluster/state/{metric}/{index}", rest_state, 0);
	dp_rest_route(DP_HTTP_GET, "/_nodes", rest_nodes, 0);
	dp_rest_route(DP_HTTP_GET, "/_nodes/stats", rest_nodes_stats, 0);
	dp_rest_route(DP_HTTP_GET, "/_nodes/{node_id}/stats", rest_nodes_stats, 0);
}
