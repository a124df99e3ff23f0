/*
 * dp_tasks.h - long-running requests as Elasticsearch tasks (rest_tasks.c):
 * _delete_by_query, _update_by_query and _reindex with
 * wait_for_completion=false, GET /_tasks[/<id>], _cancel, _rethrottle.
 *
 * A detached task owns a request of its own (dp_task_t.req, with its own
 * heap arena and no connection): the API runs on it as it would on the
 * client's request, and its final reply (dp_rest_reply / _err) is kept as
 * the task's "response" (or "error") instead of being sent. The client got
 * {"task":"<node>:<n>"} at once. Finished tasks keep only their response
 * text (the last DP_TASKS_KEEP_DONE of them); the arena of a finished task
 * is freed by the next task API call or new task, never inside the reply
 * (the code that replied may still be on the stack). Network core only.
 */
#ifndef DP_TASKS_H
#define DP_TASKS_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/arena.h"
#include "osprey/buf.h"
#include "osprey/json.h"
#include "dp_rest.h"

#define DP_TASKS_KEEP_DONE 1000

typedef struct dp_task dp_task_t;

/* What a running task's owner provides. */
typedef struct dp_task_ops {
	/* Members of "status" (the caller opened the object). */
	void (*status)(void *user, osp_jw_t *w);
	/* Stop at the next batch boundary. */
	void (*cancel)(void *user);
	/* New requests_per_second (-1 = unlimited). */
	void (*rethrottle)(void *user, double rps);
} dp_task_ops_t;

struct dp_task {
	uint64_t id;
	char action[96];
	char description[512];
	int64_t start_ms;
	uint64_t start_ns;
	bool completed, cancelled;
	const dp_task_ops_t *ops;
	void *user;
	/* The detached request the task runs on (arena freed when done). */
	dp_rest_req_t req;
	dp_http_req_t http;
	osp_arena_t arena;
	/* Final answer. */
	uint16_t status;
	char *response;
	size_t response_len;
};

/* A new running task with its detached request (pretty/filter_path off). */
dp_task_t *dp_task_new(const char *action, const char *description);
/* Register who reports status / takes cancel and rethrottle. */
void dp_task_bind(dp_task_t *t, const dp_task_ops_t *ops, void *user);
/* Answer the client's request with {"task":"<node>:<id>"}. */
void dp_task_reply_started(dp_rest_req_t *r, const dp_task_t *t);
/* The registered tasks (running, and finished ones kept): i < count. */
uint32_t dp_tasks_count(void);
const dp_task_t *dp_tasks_at(uint32_t i);
#endif
