/*
 * dp_rest.h - REST endpoints of the dataplane: dispatch and shared helpers.
 *
 * dp_rest_dispatch routes one complete HTTP request to its handler. A
 * handler answers through dp_server_respond* now, or later from a job's
 * done() or a control reply; either way exactly once. Handlers run on the
 * network core.
 */
#ifndef DP_REST_H
#define DP_REST_H

#include "osprey/json.h"
#include "osprey/settings.h"
#include "../http/dp_http.h"
#include "../server/dp_server.h"

/* Node identity the root endpoint and _nodes report; set once at start,
 * cluster_uuid updated when control publishes a state. */
typedef struct dp_node_info {
	char name[128];
	char cluster_name[128];
	char cluster_uuid[64];
	char node_id[64];
	char host[64];
	uint16_t http_port;
} dp_node_info_t;

extern dp_node_info_t dp_node_info;

void dp_rest_init(const osp_settings_t *s);
void dp_rest_dispatch(dp_sconn_t *c, dp_http_req_t *req);

/* Begin a JSON reply honouring ?pretty. */
void dp_rest_jw_init(dp_rest_req_t *r, osp_jw_t *w, osp_buf_t *out);

/* Handlers (one file each). */
void dp_rest_root(dp_rest_req_t *r);

#define DP_ES_VERSION "8.15.0"
#define DP_LUCENE_VERSION "9.11.1"

#endif
