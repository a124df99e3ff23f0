/*
 * dp_usage.h - REST usage counters for GET _nodes/usage (rest_usage.c).
 *
 * The dispatcher counts every request that matched a route, per handler
 * (Elasticsearch counts per RestHandler, and one handler serves several
 * paths). Counters are plain integers owned by the network core; only it
 * dispatches and reads them.
 */
#ifndef DP_USAGE_H
#define DP_USAGE_H

#include <stdint.h>

#include "dp_rest.h"

/* Remember route id's method, pattern and handler (pattern must be static). */
void dp_usage_route(int id, dp_http_method_t m, const char *pattern, dp_rest_handler_t h);
/* Count one dispatch of route id; stamps the request's task number and start. */
void dp_usage_count(int id);
/* Requests dispatched so far (the current one's task number). */
uint64_t dp_usage_requests(void);
/* CLOCK_REALTIME ms and monotonic ns at which the current request was dispatched. */
int64_t dp_usage_current_start_ms(void);
uint64_t dp_usage_current_start_ns(void);
/* CLOCK_REALTIME now, epoch ms. */
int64_t dp_usage_now_ms(void);
/* When counting started (node start), epoch ms. */
int64_t dp_usage_since_ms(void);
/* Write {"<action>":count,...} for handlers used at least once. */
void dp_usage_write(osp_jw_t *w);

#endif
