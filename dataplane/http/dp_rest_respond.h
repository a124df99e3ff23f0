/*
 * dp_rest_respond.h - answering a REST request the way every Elasticsearch
 * endpoint does: filter_path then pretty applied to JSON bodies, errors in
 * ES's shape (pretty, never filtered), the right Content-Type echoing a
 * requested compatible version. Network core of the request's connection.
 */
#ifndef DP_REST_RESPOND_H
#define DP_REST_RESPOND_H

#include "dp_http.h"
#include "osprey/buf.h"
#include "osprey/err.h"

/* Send a JSON body (moved in) with status, honouring filter_path and
 * pretty. A body that fails to filter is sent unfiltered. */
int
dp_rest_respond_json(dp_http_conn_t *c, dp_http_req_t *req, uint16_t status,
		     osp_buf_t *body);

/* Send an NDJSON or text/plain (_cat) body unchanged. */
int
dp_rest_respond_typed(dp_http_conn_t *c, dp_http_req_t *req, uint16_t status,
		      dp_http_media_t type, osp_buf_t *body);

/* Send e as {"error":{...},"status":N}. */
int
dp_rest_respond_error(dp_http_conn_t *c, dp_http_req_t *req, const osp_err_t *e);

/* Send {"error":"msg","status":N}, the REST layer's own refusal shape. */
int
dp_rest_respond_simple_error(dp_http_conn_t *c, dp_http_req_t *req,
			     uint16_t status, const char *msg);

#endif
