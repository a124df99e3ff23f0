/*
 * rest_usage.c - REST usage counters (dp_usage.h): per-handler dispatch
 * counts for GET _nodes/usage, and the current request's task number and
 * start time for _cat/tasks.
 *
 * A handler is named by the first route it was registered for ("GET
 * /_cat/health"): Osprey's handlers have no Java class names, and the route
 * says exactly which API was called. Network core only.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/dp_core.h"
#include "dp_usage.h"

#define USAGE_MAX_ROUTES 512

/* One registered route. */
typedef struct usage_route {
	dp_http_method_t method;
	const char *pattern;
	dp_rest_handler_t h;
	int owner;              /* first route id with the same handler */
	uint64_t count;         /* on the owner only */
} usage_route_t;

static usage_route_t usage_routes[USAGE_MAX_ROUTES];
static int usage_n;
static uint64_t usage_requests;
static int64_t usage_start_ms, usage_since_ms;
static uint64_t usage_start_ns;

int64_t
dp_usage_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
dp_usage_route(int id, dp_http_method_t m, const char *pattern, dp_rest_handler_t h)
{
	if (id < 0 || id >= USAGE_MAX_ROUTES)
		return;
	if (usage_since_ms == 0)
		usage_since_ms = dp_usage_now_ms();
	usage_routes[id] = (usage_route_t){ m, pattern, h, id, 0 };
	for (int i = 0; i < usage_n && i < id; i++) {
		if (usage_routes[i].h == h) {
			usage_routes[id].owner = usage_routes[i].owner;
			break;
		}
	}
	if (id >= usage_n)
		usage_n = id + 1;
}

void
dp_usage_count(int id)
{
	usage_requests++;
	usage_start_ms = dp_usage_now_ms();
	usage_start_ns = dp_now_ns();
	if (id >= 0 && id < usage_n)
		usage_routes[usage_routes[id].owner].count++;
}

uint64_t
dp_usage_requests(void)
{
	return usage_requests;
}

int64_t
dp_usage_current_start_ms(void)
{
	return usage_start_ms;
}

uint64_t
dp_usage_current_start_ns(void)
{
	return usage_start_ns;
}

int64_t
dp_usage_since_ms(void)
{
	return usage_since_ms;
}

void
dp_usage_write(osp_jw_t *w)
{
	char key[256];

	osp_jw_obj_begin(w);
	for (int i = 0; i < usage_n; i++) {
		const usage_route_t *u = &usage_routes[i];

		if (u->owner != i || u->count == 0 || u->pattern == NULL)
			continue;
		snprintf(key, sizeof(key), "%s %s", dp_http_method_name(u->method), u->pattern);
		osp_jw_kv_int(w, key, (int64_t)u->count);
	}
	osp_jw_obj_end(w);
}
