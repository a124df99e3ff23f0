/*
 * rest_cat_node.c - the _cat tables about the node itself: nodeattrs,
 * plugins, thread_pool, tasks, pending_tasks, fielddata, circuit_breaker.
 *
 * Every cell comes from the process: the thread pools are the dataplane's
 * cores (one network core; the worker cores with the depth of their job
 * rings), tasks are the requests being served, and the tables Osprey has
 * nothing for (plugins, fielddata, circuit breakers, pending cluster tasks)
 * answer with Elasticsearch's columns and no rows. One node per process.
 */
#include <rte_ring.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "osprey/cluster.h"
#include "../core/dp_core.h"
#include "../shard/dp_shards.h"
#include "dp_cat.h"
#include "dp_tasks.h"
#include "dp_usage.h"

#define NCOLS(a) (uint32_t)(sizeof(a) / sizeof((a)[0]))

const osp_node_t *
dp_cat_local_node(void)
{
	const osp_cluster_t *cs = dp_shards_state();
	const char *id = dp_shards_node_id();

	for (uint32_t i = 0; cs && i < cs->n_nodes; i++)
		if (id && strcmp(cs->nodes[i].id, id) == 0)
			return &cs->nodes[i];
	return cs && cs->n_nodes ? &cs->nodes[0] : NULL;
}

static const dp_cat_col_t cat_nodeattrs_cols[] = {
	{ "node", "name", "node name", false, false },
	{ "id", "id,nodeId", "unique node id", false, true },
	{ "pid", "p", "process id", false, true },
	{ "host", "h", "host name", false, false },
	{ "ip", "i", "ip address", false, false },
	{ "port", "po", "bound transport port", false, true },
	{ "attr", "attr.name", "attribute description", false, false },
	{ "value", "attr.value", "attribute value", false, false },
};

/* The node's attributes: Osprey sets its own (like Elasticsearch's
 * automatic ml.* / xpack.installed ones): the worker core count. */
static void
rest_cat_nodeattrs(dp_rest_req_t *r)
{
	const osp_node_t *n = dp_cat_local_node();
	const char *port;
	dp_cat_t t;

	dp_cat_init(&t, r, cat_nodeattrs_cols, NCOLS(cat_nodeattrs_cols));
	if (n) {
		const char **row = dp_cat_row(&t);

		if (row == NULL)
			return;
		port = strrchr(n->transport_address, ':');
		row[0] = dp_cat_str(&t, n->name);
		row[1] = dp_cat_str(&t, n->id);
		row[2] = dp_cat_int(&t, getpid());
		row[3] = dp_cat_str(&t, dp_node_info.host);
		row[4] = row[3];
		row[5] = port ? dp_cat_str(&t, port + 1) : "";
		row[6] = "osprey.worker_cores";
		row[7] = dp_cat_int(&t, dp_core.n_workers);
	}
	dp_cat_reply(&t);
}

static const dp_cat_col_t cat_plugins_cols[] = {
	{ "id", NULL, "unique node id", false, true },
	{ "name", "n", "node name", false, false },
	{ "component", "c", "component", false, false },
	{ "version", "v", "component version", false, false },
	{ "description", "d", "plugin details", false, true },
	{ "type", "t", "plugin type", false, true },
};

/* No plugins: Osprey is one program. */
static void
rest_cat_plugins(dp_rest_req_t *r)
{
	dp_cat_t t;

	dp_cat_init(&t, r, cat_plugins_cols, NCOLS(cat_plugins_cols));
	dp_cat_reply(&t);
}

static const dp_cat_col_t cat_pool_cols[] = {
	{ "node_name", "nn", "node name", false, false },
	{ "node_id", "id", "persistent node id", false, true },
	{ "ephemeral_node_id", "eid", "ephemeral node id", false, true },
	{ "pid", "p", "process id", true, true },
	{ "host", "h", "host name", false, true },
	{ "ip", "i", "ip address", false, true },
	{ "port", "po", "bound transport port", true, true },
	{ "name", "n", "thread pool name", false, false },
	{ "type", "t", "thread pool type", false, true },
	{ "active", "a", "number of active threads", true, false },
	{ "pool_size", "psz", "number of threads", true, true },
	{ "queue", "q", "number of tasks currently in queue", true, false },
	{ "queue_size", "qs", "maximum number of tasks permitted in queue", true, true },
	{ "rejected", "r", "number of rejected tasks", true, false },
	{ "largest", "l", "highest number of seen active threads", true, true },
	{ "completed", "c", "number of completed tasks", true, true },
	{ "core", "cr", "core number of threads in a scaling thread pool", true, true },
	{ "max", "mx", "maximum number of threads in a scaling thread pool", true, true },
	{ "size", "sz", "number of threads in a fixed thread pool", true, true },
	{ "keep_alive", "ka", "thread keep alive time", false, true },
};

/* Two pools, as the dataplane runs: "network" (the core serving HTTP, busy
 * answering this request) and "worker" (the cores owning shards). A worker
 * job is queued while it sits on a to-worker ring, active once dequeued and
 * until its reply is on the from-worker ring; rings never refuse a job (they
 * are sized for the jobs the network core allows in flight), so nothing is
 * rejected. */
void
dp_cat_pool_counts(uint64_t *active_out, uint64_t *queued_out)
{
	uint64_t queued = 0, replied = 0, inflight = dp_core_inflight();
	int64_t active;

	for (unsigned w = 0; w < dp_core.n_workers; w++) {
		queued += rte_ring_count(dp_core.to_worker[w]);
		replied += rte_ring_count(dp_core.from_worker[w]);
	}
	active = (int64_t)inflight - (int64_t)queued - (int64_t)replied;
	if (active < 0)
		active = 0;
	if (active > (int64_t)dp_core.n_workers)
		active = dp_core.n_workers;
	*active_out = (uint64_t)active;
	*queued_out = queued;
}

bool
dp_cat_disk(uint64_t *total, uint64_t *avail)
{
	struct statvfs st;

	if (statvfs(dp_node_info.data_path[0] ? dp_node_info.data_path : ".", &st) != 0)
		return false;
	*total = (uint64_t)st.f_blocks * st.f_frsize;
	*avail = (uint64_t)st.f_bavail * st.f_frsize;
	return true;
}

static void
rest_cat_thread_pool(dp_rest_req_t *r)
{
	const char *want = dp_rest_param(r, "thread_pools");
	const osp_node_t *n = dp_cat_local_node();
	uint64_t active, queued;
	dp_cat_t t;

	dp_cat_pool_counts(&active, &queued);
	dp_cat_init(&t, r, cat_pool_cols, NCOLS(cat_pool_cols));
	for (int p = 0; p < 2; p++) {
		const char *name = p == 0 ? "network" : "worker";
		const char **row;

		if (want && !strstr(want, name) && !strchr(want, '*'))
			continue;
		row = dp_cat_row(&t);
		if (row == NULL)
			return;
		row[0] = dp_cat_str(&t, n ? n->name : dp_node_info.name);
		row[1] = n ? dp_cat_str(&t, n->id) : "";
		row[2] = n ? dp_cat_str(&t, n->ephemeral_id) : "";
		row[3] = dp_cat_int(&t, getpid());
		row[4] = dp_cat_str(&t, dp_node_info.host);
		row[5] = row[4];
		row[7] = name;
		row[8] = "fixed";
		row[9] = dp_cat_int(&t, p == 0 ? 1 : (int64_t)active);
		row[10] = dp_cat_int(&t, p == 0 ? 1 : dp_core.n_workers);
		row[11] = dp_cat_int(&t, p == 0 ? 0 : (int64_t)queued);
		row[13] = "0";
		row[18] = row[10];
	}
	dp_cat_reply(&t);
}

static const dp_cat_col_t cat_tasks_cols[] = {
	{ "id", NULL, "id of the task with the node", false, true },
	{ "action", "ac", "task action", false, false },
	{ "task_id", "ti", "unique task id", false, false },
	{ "parent_task_id", "pti", "parent task id", false, false },
	{ "type", "ty", "task type", false, false },
	{ "start_time", "start", "start time in ms", false, false },
	{ "timestamp", "ts,hms,hhmmss", "start time in HH:MM:SS", false, false },
	{ "running_time_ns", NULL, "running time ns", true, true },
	{ "running_time", "time", "running time", true, false },
	{ "node_id", "ni", "unique node id", false, true },
	{ "ip", "i", "ip address", false, true },
	{ "port", "po", "bound transport port", true, true },
	{ "node", "n", "node name", false, false },
	{ "version", "v", "es version", false, true },
	{ "x_opaque_id", "x", "X-Opaque-ID header", false, true },
	{ "description", "desc", "task description", false, false },
};

/* One task row: id, action, start (epoch ms, monotonic ns). */
static bool
cat_task_row(dp_cat_t *t, const osp_node_t *n, uint64_t id, const char *action, int64_t start_ms,
	     uint64_t start_ns, const char *desc)
{
	uint64_t ran = dp_now_ns() - start_ns;
	time_t secs = (time_t)(start_ms / 1000);
	const char **row = dp_cat_row(t);
	char b[96], hms[16];
	struct tm tm;

	if (row == NULL)
		return false;
	snprintf(b, sizeof(b), "%s:%llu", n ? n->id : "_na_", (unsigned long long)id);
	gmtime_r(&secs, &tm);
	strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	row[0] = dp_cat_int(t, (int64_t)id);
	row[1] = dp_cat_str(t, action);
	row[2] = dp_cat_str(t, b);
	row[3] = "-";
	row[4] = "transport";
	row[5] = dp_cat_int(t, start_ms);
	row[6] = dp_cat_str(t, hms);
	row[7] = dp_cat_int(t, (int64_t)ran);
	snprintf(b, sizeof(b), "%.1fmicros", (double)ran / 1000.0);
	row[8] = ran >= 1000000 ? dp_cat_time(t, (int64_t)(ran / 1000000)) : dp_cat_str(t, b);
	row[9] = n ? dp_cat_str(t, n->id) : "";
	row[10] = dp_cat_str(t, dp_node_info.host);
	row[12] = dp_cat_str(t, n ? n->name : dp_node_info.name);
	row[13] = DP_ES_VERSION;
	row[14] = "-";
	row[15] = desc ? dp_cat_str(t, desc) : "";
	return true;
}

/* The running tasks: detached ones (wait_for_completion=false, from
 * rest_tasks.c) and this listing itself, numbered by its dispatch count
 * (other in-flight requests are not registered as tasks). */
static void
rest_cat_tasks(dp_rest_req_t *r)
{
	const osp_node_t *n = dp_cat_local_node();
	bool ok = true, detailed = dp_rest_qs_bool(r, "detailed", false, &ok);
	dp_cat_t t;

	if (!ok)
		return;
	dp_cat_init(&t, r, cat_tasks_cols, NCOLS(cat_tasks_cols));
	if (!detailed)
		t.hide_mask = 1ull << 15; /* description */
	for (uint32_t i = 0; i < dp_tasks_count(); i++) {
		const dp_task_t *k = dp_tasks_at(i);

		if (k->completed)
			continue;
		if (!cat_task_row(&t, n, k->id, k->action, k->start_ms, k->start_ns, k->description))
			return;
	}
	if (!cat_task_row(&t, n, dp_usage_requests(), "cluster:monitor/tasks/lists",
			  dp_usage_current_start_ms(), dp_usage_current_start_ns(), "_cat/tasks"))
		return;
	dp_cat_reply(&t);
}

static const dp_cat_col_t cat_pending_cols[] = {
	{ "insertOrder", "o", "task insertion order", true, false },
	{ "timeInQueue", "t", "how long task has been waiting", true, false },
	{ "priority", "p", "task priority", false, false },
	{ "source", "s", "task source", false, false },
};

/* Control applies a cluster-state change before it takes the next one, and
 * answers the dataplane only once the change is applied: nothing waits in a
 * master queue (health reports number_of_pending_tasks 0 for the same
 * reason). */
static void
rest_cat_pending_tasks(dp_rest_req_t *r)
{
	dp_cat_t t;

	dp_cat_init(&t, r, cat_pending_cols, NCOLS(cat_pending_cols));
	dp_cat_reply(&t);
}

static const dp_cat_col_t cat_fielddata_cols[] = {
	{ "id", NULL, "node id", false, true },
	{ "host", "h", "host name", false, false },
	{ "ip", NULL, "ip address", false, false },
	{ "node", "n", "node name", false, false },
	{ "field", "f", "field name", false, false },
	{ "size", "s", "field data usage", true, false },
};

/* Sorting and aggregations read doc values from the segments; no field is
 * ever loaded into a fielddata cache, so there are no rows. */
static void
rest_cat_fielddata(dp_rest_req_t *r)
{
	dp_cat_t t;

	dp_cat_init(&t, r, cat_fielddata_cols, NCOLS(cat_fielddata_cols));
	dp_cat_reply(&t);
}

static const dp_cat_col_t cat_breaker_cols[] = {
	{ "node_id", "id", "persistent node id", false, false },
	{ "node_name", "nn", "node name", false, false },
	{ "breaker", "br", "breaker name", false, false },
	{ "limit", "l", "limit size", true, false },
	{ "limit_bytes", "lb", "limit size in bytes", true, true },
	{ "estimated", "e", "estimated size", true, false },
	{ "estimated_bytes", "eb", "estimated size in bytes", true, true },
	{ "tripped", "t", "tripped count", true, false },
	{ "overhead", "o", "overhead", true, true },
};

/* Osprey has no memory circuit breakers (each request's arena is bounded by
 * the HTTP and JSON limits instead), so there are no rows. */
static void
rest_cat_circuit_breaker(dp_rest_req_t *r)
{
	dp_cat_t t;

	dp_cat_init(&t, r, cat_breaker_cols, NCOLS(cat_breaker_cols));
	dp_cat_reply(&t);
}

void
rest_cat_node_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_cat/nodeattrs", rest_cat_nodeattrs, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/plugins", rest_cat_plugins, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/thread_pool", rest_cat_thread_pool, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/thread_pool/{thread_pools}", rest_cat_thread_pool, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/tasks", rest_cat_tasks, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/pending_tasks", rest_cat_pending_tasks, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/fielddata", rest_cat_fielddata, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/fielddata/{fields}", rest_cat_fielddata, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/circuit_breaker", rest_cat_circuit_breaker, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/circuit_breaker/{circuit_breaker_patterns}",
		      rest_cat_circuit_breaker, 0);
}
