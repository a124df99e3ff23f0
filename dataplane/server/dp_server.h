/*
 * dp_server.h - the network core: backend events -> HTTP -> REST handlers.
 *
 * The server glues one network backend (dp_net.h) to one HTTP connection
 * object per TCP connection (dp_http.h) and hands every complete request to
 * the REST dispatcher. A handler answers at once or later (after workers
 * or control replied) through dp_server_respond*; the server then drains the
 * connection's ordered output to the backend. A connection whose socket is
 * gone stays allocated until its last in-flight request is answered, so a
 * worker never reads freed request memory. Everything here runs on the
 * network core.
 */
#ifndef DP_SERVER_H
#define DP_SERVER_H

#include <stdint.h>

#include "osprey/buf.h"
#include "osprey/err.h"
#include "osprey/settings.h"
#include "dp_http.h"
#include "dp_rest_router.h"
#include "../net/dp_net.h"

typedef struct dp_server dp_server_t;
typedef struct dp_sconn dp_sconn_t;

/* A request being served: what handlers get. Lives in the request's arena. */
typedef struct dp_rest_req {
	dp_http_req_t *http;
	dp_sconn_t *conn;
	dp_rest_match_t match;      /* route and path parameters */
	void *state;                /* the handler's continuation state */
	/* A request without a client (a detached task, dp_tasks.h): replies
	 * go here instead of to conn. */
	void (*sink)(struct dp_rest_req *r, uint16_t status, osp_buf_t *body);
} dp_rest_req_t;

int dp_server_create(const osp_settings_t *s, const dp_net_ops_t *ops,
		     dp_server_t **out, char *err, size_t errlen);
/* One loop iteration's worth of network events; returns events handled. */
int dp_server_poll(dp_server_t *srv);
void dp_server_wait(dp_server_t *srv, uint32_t timeout_us);
void dp_server_destroy(dp_server_t *srv);
/* Make a blocked dp_server_wait return (any thread). */
void dp_server_wake(dp_server_t *srv);
uint16_t dp_server_port(const dp_server_t *srv);
/* A snapshot of the backend's counters plus the loop's cycle split and the
 * requests dispatched (valid until the next call). */
const dp_net_stats_t *dp_server_net_stats(dp_server_t *srv);

/* Answer a request with a typed body (moved in), as-is. */
void dp_server_respond(dp_rest_req_t *r, uint16_t status, dp_http_media_t type,
		       osp_buf_t *body);
/* The HTTP connection of a request (for the router's reject replies). */
dp_http_conn_t *dp_server_http(dp_sconn_t *c);
/* After a reply was queued outside dp_server_respond: move output along. */
void dp_server_kick(dp_sconn_t *c);

#endif
