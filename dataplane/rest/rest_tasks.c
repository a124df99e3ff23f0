/*
 * rest_tasks.c - the task registry and the _tasks APIs (dp_tasks.h):
 * GET /_tasks, GET /_tasks/{task_id}, POST /_tasks/_cancel,
 * POST /_tasks/{task_id}/_cancel, and POST
 * /_reindex|_update_by_query|_delete_by_query/{task_id}/_rethrottle.
 *
 * Tasks are numbered from 1 on this node; an id is "<node id>:<n>". A task
 * id naming another node is that node's business: one node has no other
 * nodes, so rethrottle reports Elasticsearch's no_such_node_exception
 * failure for it and GET reports the task as not found.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../shard/dp_shards.h"
#include "dp_tasks.h"

static dp_task_t **tasks_all;
static uint32_t tasks_n, tasks_cap;
static uint64_t tasks_next = 1;

uint32_t
dp_tasks_count(void)
{
	return tasks_n;
}

const dp_task_t *
dp_tasks_at(uint32_t i)
{
	return i < tasks_n ? tasks_all[i] : NULL;
}

/* Free the arenas of finished tasks and drop the oldest finished ones past
 * DP_TASKS_KEEP_DONE (not from inside a reply: see dp_tasks.h). */
static void
tasks_sweep(void)
{
	uint32_t done = 0;

	for (uint32_t i = 0; i < tasks_n; i++) {
		dp_task_t *t = tasks_all[i];

		if (!t->completed)
			continue;
		done++;
		if (t->http.arena) {
			osp_arena_free(&t->arena);
			t->http.arena = NULL;
		}
	}
	for (uint32_t i = 0; i < tasks_n;) {
		dp_task_t *t = tasks_all[i];

		/* status 0: a task whose request failed before it started */
		if (t->completed && t->http.arena == NULL && (done > DP_TASKS_KEEP_DONE || t->status == 0)) {
			free(t->response);
			free(t);
			memmove(&tasks_all[i], &tasks_all[i + 1], (tasks_n - i - 1) * sizeof(*tasks_all));
			tasks_n--;
			done--;
		} else {
			i++;
		}
	}
}

/* The detached request's reply: the task's result. */
static void
tasks_sink(dp_rest_req_t *r, uint16_t status, osp_buf_t *body)
{
	dp_task_t *t = (dp_task_t *)((char *)r - offsetof(dp_task_t, req));

	t->status = status;
	t->response = malloc(body->len + 1);
	if (t->response) {
		memcpy(t->response, body->data ? body->data : "", body->len);
		t->response[body->len] = '\0';
		t->response_len = body->len;
	}
	osp_buf_free(body);
	t->completed = true;
	t->ops = NULL;
}

dp_task_t *
dp_task_new(const char *action, const char *description)
{
	struct timespec ts;
	dp_task_t *t;

	tasks_sweep();
	if (tasks_n == tasks_cap) {
		uint32_t cap = tasks_cap ? 2 * tasks_cap : 64;
		dp_task_t **all = realloc(tasks_all, cap * sizeof(*all));

		if (all == NULL)
			return NULL;
		tasks_all = all;
		tasks_cap = cap;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->id = tasks_next++;
	snprintf(t->action, sizeof(t->action), "%s", action);
	snprintf(t->description, sizeof(t->description), "%s", description);
	clock_gettime(CLOCK_REALTIME, &ts);
	t->start_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	t->start_ns = dp_now_ns();
	osp_arena_init(&t->arena, 16384, 0);
	t->http.arena = &t->arena;
	t->http.path = "";
	t->req.http = &t->http;
	t->req.sink = tasks_sink;
	tasks_all[tasks_n++] = t;
	return t;
}

void
dp_task_bind(dp_task_t *t, const dp_task_ops_t *ops, void *user)
{
	t->ops = ops;
	t->user = user;
}

void
dp_task_reply_started(dp_rest_req_t *r, const dp_task_t *t)
{
	osp_buf_t out;
	osp_jw_t w;
	char id[160];

	snprintf(id, sizeof(id), "%s:%llu", dp_shards_node_id(), (unsigned long long)t->id);
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "task", id);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* The task info object (TaskInfo.toXContent). */
static void
tasks_info(osp_jw_t *w, const dp_task_t *t, bool detailed)
{
	osp_jw_kv_str(w, "node", dp_shards_node_id());
	osp_jw_kv_int(w, "id", (int64_t)t->id);
	osp_jw_kv_str(w, "type", "transport");
	osp_jw_kv_str(w, "action", t->action);
	if (t->ops && t->ops->status) {
		osp_jw_key(w, "status");
		osp_jw_obj_begin(w);
		t->ops->status(t->user, w);
		osp_jw_obj_end(w);
	}
	if (detailed || t->description[0])
		osp_jw_kv_str(w, "description", t->description);
	osp_jw_kv_int(w, "start_time_in_millis", t->start_ms);
	osp_jw_kv_int(w, "running_time_in_nanos", (int64_t)(dp_now_ns() - t->start_ns));
	osp_jw_kv_bool(w, "cancellable", true);
	osp_jw_kv_bool(w, "cancelled", t->cancelled);
	osp_jw_key(w, "headers");
	osp_jw_obj_begin(w);
	osp_jw_obj_end(w);
}

static void
tasks_node_head(osp_jw_t *w)
{
	const osp_cluster_t *cs = dp_shards_state();

	for (uint32_t i = 0; cs && i < cs->n_nodes; i++) {
		if (strcmp(cs->nodes[i].id, dp_shards_node_id()) != 0)
			continue;
		osp_jw_kv_str(w, "name", cs->nodes[i].name);
		osp_jw_kv_str(w, "transport_address", cs->nodes[i].transport_address);
		osp_jw_kv_str(w, "host", dp_node_info.host);
		osp_jw_kv_str(w, "ip", cs->nodes[i].transport_address);
	}
}

/* Parse "<node>:<n>"; false with err (400 malformed, 404 unknown). */
static dp_task_t *
tasks_find(const char *id, osp_err_t *err)
{
	const char *colon = id ? strrchr(id, ':') : NULL;
	char *end;
	unsigned long long n;

	if (colon == NULL || colon == id || colon[1] == '\0') {
		osp_err_set(err, 400, "illegal_argument_exception", "malformed task id %s", id ? id : "");
		return NULL;
	}
	n = strtoull(colon + 1, &end, 10);
	if (*end) {
		osp_err_set(err, 400, "illegal_argument_exception", "malformed task id %s", id);
		return NULL;
	}
	if (strlen(dp_shards_node_id()) == (size_t)(colon - id) &&
	    strncmp(dp_shards_node_id(), id, (size_t)(colon - id)) == 0)
		for (uint32_t i = 0; i < tasks_n; i++)
			if (tasks_all[i]->id == n)
				return tasks_all[i];
	osp_err_set(err, 404, "resource_not_found_exception",
		    "task [%s] isn't running and hasn't stored its results", id);
	return NULL;
}

/* Does t match ?actions= (comma list of wildcards)? */
static bool
tasks_action_match(const dp_task_t *t, const char *actions)
{
	char buf[1024];

	if (actions == NULL || *actions == '\0')
		return true;
	snprintf(buf, sizeof(buf), "%s", actions);
	for (char *save = NULL, *a = strtok_r(buf, ",", &save); a; a = strtok_r(NULL, ",", &save))
		if (fnmatch(a, t->action, 0) == 0)
			return true;
	return false;
}

/* {"nodes":{"<node>":{...,"tasks":{"<id>":{...}}}}} over the running tasks
 * matching actions; cancel them first when asked. */
static void
tasks_list(dp_rest_req_t *r, const char *actions, const dp_task_t *only, bool cancel)
{
	bool ok = true;
	bool detailed = dp_rest_qs_bool(r, "detailed", false, &ok);
	uint32_t n = 0;
	osp_buf_t out;
	osp_jw_t w;
	char id[160];

	if (!ok)
		return;
	for (uint32_t i = 0; i < tasks_n; i++) {
		dp_task_t *t = tasks_all[i];

		if (t->completed || (only && t != only) || !tasks_action_match(t, actions))
			continue;
		n++;
		if (cancel && !t->cancelled) {
			t->cancelled = true;
			if (t->ops && t->ops->cancel)
				t->ops->cancel(t->user);
		}
	}
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "nodes");
	osp_jw_obj_begin(&w);
	if (n) {
		osp_jw_key(&w, dp_shards_node_id());
		osp_jw_obj_begin(&w);
		tasks_node_head(&w);
		osp_jw_key(&w, "tasks");
		osp_jw_obj_begin(&w);
		for (uint32_t i = 0; i < tasks_n; i++) {
			dp_task_t *t = tasks_all[i];

			if (t->completed || (only && t != only) || !tasks_action_match(t, actions))
				continue;
			snprintf(id, sizeof(id), "%s:%llu", dp_shards_node_id(), (unsigned long long)t->id);
			osp_jw_key(&w, id);
			osp_jw_obj_begin(&w);
			tasks_info(&w, t, detailed);
			osp_jw_obj_end(&w);
		}
		osp_jw_obj_end(&w);
		osp_jw_obj_end(&w);
	}
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

static void
rest_tasks_list(dp_rest_req_t *r)
{
	tasks_sweep();
	tasks_list(r, dp_rest_qs(r, "actions"), NULL, false);
}

static void
rest_tasks_get(dp_rest_req_t *r)
{
	osp_err_t err;
	dp_task_t *t;
	osp_buf_t out;
	osp_jw_t w;
	osp_json_t *resp = NULL;
	osp_json_error_t jerr;

	tasks_sweep();
	t = tasks_find(dp_rest_param(r, "task_id"), &err);
	if (t == NULL) {
		dp_rest_reply_err(r, &err);
		return;
	}
	if (t->completed && t->response)
		osp_json_parse(r->http->arena, t->response, t->response_len, NULL, &resp, &jerr);
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_bool(&w, "completed", t->completed);
	osp_jw_key(&w, "task");
	osp_jw_obj_begin(&w);
	tasks_info(&w, t, true);
	osp_jw_obj_end(&w);
	if (resp && t->status < 300) {
		osp_jw_key(&w, "response");
		osp_jw_value(&w, resp);
	} else if (resp) {
		osp_jw_key(&w, "error");
		osp_jw_value(&w, osp_json_get(resp, "error") ? osp_json_get(resp, "error") : resp);
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

static void
rest_tasks_cancel(dp_rest_req_t *r)
{
	const char *id = dp_rest_param(r, "task_id");
	dp_task_t *t = NULL;
	osp_err_t err;

	tasks_sweep();
	if (id && (t = tasks_find(id, &err)) == NULL) {
		dp_rest_reply_err(r, &err);
		return;
	}
	tasks_list(r, dp_rest_qs(r, "actions"), t, true);
}

static void
rest_rethrottle(dp_rest_req_t *r)
{
	const char *id = dp_rest_param(r, "task_id");
	const char *rps_s = dp_rest_qs(r, "requests_per_second");
	const char *colon = id ? strrchr(id, ':') : NULL;
	osp_err_t err;
	double rps;
	char *end;

	if (rps_s == NULL) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: requests_per_second must be set;");
		dp_rest_reply_err(r, &err);
		return;
	}
	rps = strtod(rps_s, &end);
	if (*end || end == rps_s || (rps <= 0 && strcmp(rps_s, "-1") != 0)) {
		osp_err_set(&err, 400, "illegal_argument_exception",
			    "[requests_per_second] must be a float greater than 0. Use -1 to disable throttling.");
		dp_rest_reply_err(r, &err);
		return;
	}
	if (colon && (strlen(dp_shards_node_id()) != (size_t)(colon - id) ||
		      strncmp(dp_shards_node_id(), id, (size_t)(colon - id)) != 0)) {
		/* Another node's task: this cluster has no such node. */
		osp_buf_t out;
		osp_jw_t w;
		char node[128], reason[200];

		snprintf(node, sizeof(node), "%.*s", (int)(colon - id), id);
		dp_rest_jw(r, &w, &out);
		osp_jw_obj_begin(&w);
		osp_jw_key(&w, "node_failures");
		osp_jw_arr_begin(&w);
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "type", "failed_node_exception");
		snprintf(reason, sizeof(reason), "Failed node [%s]", node);
		osp_jw_kv_str(&w, "reason", reason);
		osp_jw_kv_str(&w, "node_id", node);
		osp_jw_key(&w, "caused_by");
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "type", "no_such_node_exception");
		snprintf(reason, sizeof(reason), "No such node [%s]", node);
		osp_jw_kv_str(&w, "reason", reason);
		osp_jw_kv_str(&w, "node_id", node);
		osp_jw_obj_end(&w);
		osp_jw_obj_end(&w);
		osp_jw_arr_end(&w);
		osp_jw_key(&w, "nodes");
		osp_jw_obj_begin(&w);
		osp_jw_obj_end(&w);
		osp_jw_obj_end(&w);
		dp_rest_reply(r, 200, &out);
		return;
	}
	dp_task_t *t = tasks_find(id, &err);

	if (t == NULL) {
		dp_rest_reply_err(r, &err);
		return;
	}
	if (!t->completed && t->ops && t->ops->rethrottle)
		t->ops->rethrottle(t->user, strcmp(rps_s, "-1") == 0 ? -1.0 : rps);
	tasks_list(r, NULL, t, false);
}

void
rest_tasks_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_tasks", rest_tasks_list, 0);
	dp_rest_route(DP_HTTP_GET, "/_tasks/{task_id}", rest_tasks_get, 0);
	dp_rest_route(DP_HTTP_POST, "/_tasks/_cancel", rest_tasks_cancel, 0);
	dp_rest_route(DP_HTTP_POST, "/_tasks/{task_id}/_cancel", rest_tasks_cancel, 0);
	dp_rest_route(DP_HTTP_POST, "/_reindex/{task_id}/_rethrottle", rest_rethrottle, 0);
	dp_rest_route(DP_HTTP_POST, "/_update_by_query/{task_id}/_rethrottle", rest_rethrottle, 0);
	dp_rest_route(DP_HTTP_POST, "/_delete_by_query/{task_id}/_rethrottle", rest_rethrottle, 0);
}
