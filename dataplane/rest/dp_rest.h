/*
 * dp_rest.h - REST endpoints of the dataplane: routing, replies, helpers.
 *
 * dp_rest_dispatch matches a complete HTTP request against the route table
 * (dp_rest_router.h: Elasticsearch's PathTrie precedence, 405/400/406) and
 * calls its handler. A handler answers through dp_rest_reply* now, or later
 * from a job's done() or a control reply; exactly once either way. The
 * request, its path parameters and everything a handler allocates for it
 * live in the request's arena until the reply has been sent. Handlers run on
 * the network core. Each endpoint family lives in its own rest_*.c file and
 * registers its routes from dp_rest_init through a rest_<family>_routes().
 */
#ifndef DP_REST_H
#define DP_REST_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/err.h"
#include "osprey/json.h"
#include "osprey/settings.h"
#include "../http/dp_http.h"
#include "../http/dp_rest_router.h"
#include "../server/dp_server.h"

#define DP_ES_VERSION "8.15.0"
#define DP_LUCENE_VERSION "9.11.1"

/* Node identity for GET / and _nodes; cluster_uuid follows published states. */
typedef struct dp_node_info {
	char name[128];
	char cluster_name[128];
	char cluster_uuid[64];
	char host[64];
	char data_path[256];            /* path.data (disk figures) */
	uint16_t http_port;
	int64_t start_ms;
} dp_node_info_t;

extern dp_node_info_t dp_node_info;

typedef void (*dp_rest_handler_t)(dp_rest_req_t *r);

/* Register a route; handlers are kept in a table indexed by the route id. */
int dp_rest_route(dp_http_method_t m, const char *pattern, dp_rest_handler_t h, uint32_t flags);

void dp_rest_init(const osp_settings_t *s);
void dp_rest_fini(void);
void dp_rest_dispatch(dp_sconn_t *c, dp_http_req_t *req);

/* Path parameter by name ("index", "id"), or NULL. */
const char *dp_rest_param(const dp_rest_req_t *r, const char *name);
/* Query parameter value, or NULL. */
const char *dp_rest_qs(const dp_rest_req_t *r, const char *name);
/* Boolean query parameter as Elasticsearch parses it; false + 400 reply on
 * a bad value (then the handler must return). */
bool dp_rest_qs_bool(dp_rest_req_t *r, const char *name, bool def, bool *ok);
/* Integer query parameter; 400 reply on a bad value. */
int64_t dp_rest_qs_int(dp_rest_req_t *r, const char *name, int64_t def, bool *ok);

/* Parse the request body as JSON into the request's arena. NULL body (no
 * content) yields *out = NULL and true; a parse error replies 400
 * (x_content_parse_exception / json_parse_exception) and returns false. */
bool dp_rest_body_json(dp_rest_req_t *r, osp_json_t **out);

/* Start a JSON reply (pretty when asked). */
void dp_rest_jw(dp_rest_req_t *r, osp_jw_t *w, osp_buf_t *out);
/* Send a reply; body is moved in. filter_path and pretty are applied here. */
void dp_rest_reply(dp_rest_req_t *r, uint16_t status, osp_buf_t *body);
void dp_rest_reply_text(dp_rest_req_t *r, uint16_t status, osp_buf_t *body);
void dp_rest_reply_err(dp_rest_req_t *r, const osp_err_t *err);
/* {"acknowledged":true} and friends. */
void dp_rest_reply_ack(dp_rest_req_t *r, bool acknowledged);

/* An error object as it sits inside a bulk item or shard failure:
 * {"type","reason","index_uuid","shard","index","caused_by"}. */
void dp_rest_write_cause(osp_jw_t *w, const osp_err_t *err);
/* The backend's counters (for _nodes/stats). */
const dp_net_stats_t *dp_rest_net_stats(void);
/* Answer parked _cluster/health waits that are met or timed out. */
unsigned dp_rest_cluster_poll(void);

/* The _shards header object {"total","successful","failed"[,"skipped"]}. */
void dp_rest_write_shards(osp_jw_t *w, uint32_t total, uint32_t ok, uint32_t failed,
			  bool with_skipped);

/* Route families (one file each). */
void rest_root_routes(void);
void rest_indices_routes(void);
void rest_alias_routes(void);
void rest_doc_routes(void);
void rest_bulk_routes(void);
void rest_admin_routes(void);
void rest_search_routes(void);
void rest_scroll_routes(void);
void rest_msearch_routes(void);
void rest_search_shards_routes(void);
void rest_validate_routes(void);
void rest_field_caps_routes(void);
void rest_tasks_routes(void);
void rest_terms_enum_routes(void);
void rest_termvectors_routes(void);
void rest_async_search_routes(void);
void rest_rank_eval_routes(void);
void rest_byquery_routes(void);
void rest_mget_routes(void);
void rest_analyze_routes(void);
void rest_cluster_routes(void);
void rest_cat_routes(void);
void rest_cat_node_routes(void);
void rest_cat_recovery_routes(void);
void rest_cat_segments_routes(void);
void rest_cluster_admin_routes(void);
void rest_cluster_alloc_routes(void);
void rest_nodes_routes(void);
void rest_ingest_routes(void);

#endif
