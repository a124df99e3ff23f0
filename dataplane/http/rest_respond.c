/*
 * rest_respond.c - the common tail of every REST handler
 * (dp_rest_respond.h): filter_path, pretty, error bodies. Runs on the
 * network core that owns the request's connection; the compiled filter
 * lives in the request's arena.
 */
#include <errno.h>
#include <string.h>

#include "dp_rest_error.h"
#include "dp_rest_filter.h"
#include "dp_rest_pretty.h"
#include "dp_rest_respond.h"

static int
respond_body(dp_http_conn_t *c, dp_http_req_t *req, uint16_t status,
     dp_http_media_t type, osp_buf_t *body)
{
	dp_http_resp_t r = { .status = status, .type = type };
	int rc = dp_http_conn_respond(c, req, &r, body);

	osp_buf_free(body);
	return rc;
}

int
dp_rest_respond_json(dp_http_conn_t *c, dp_http_req_t *req, uint16_t status,
		     osp_buf_t *body)
{
	if (req->filter_path && body->len) {
		dp_rest_filter_t *f;
		osp_buf_t tmp = OSP_BUF_INIT;

		if (dp_rest_filter_compile(req->arena, req->filter_path,
					   strlen(req->filter_path), &f) == 0 && f &&
		    dp_rest_filter_apply(f, body->data, body->len, &tmp) == 0) {
			osp_buf_free(body);
			*body = tmp;
		} else {
			osp_buf_free(&tmp);
		}
	}
	if (req->pretty)
		dp_rest_pretty_inplace(body);
	return respond_body(c, req, status, DP_MEDIA_JSON, body);
}

int
dp_rest_respond_typed(dp_http_conn_t *c, dp_http_req_t *req, uint16_t status,
		      dp_http_media_t type, osp_buf_t *body)
{
	return respond_body(c, req, status, type, body);
}

int
dp_rest_respond_error(dp_http_conn_t *c, dp_http_req_t *req, const osp_err_t *e)
{
	osp_buf_t body = OSP_BUF_INIT;

	dp_rest_error_json(&body, e, req->error_trace);
	if (req->pretty)
		dp_rest_pretty_inplace(&body);
	return respond_body(c, req, e->status ? e->status : 500, DP_MEDIA_JSON, &body);
}

int
dp_rest_respond_simple_error(dp_http_conn_t *c, dp_http_req_t *req,
			     uint16_t status, const char *msg)
{
	osp_buf_t body = OSP_BUF_INIT;

	dp_rest_error_simple_json(&body, status, msg);
	if (req->pretty)
		dp_rest_pretty_inplace(&body);
	return respond_body(c, req, status, DP_MEDIA_JSON, &body);
}
