/*
 * rest_async_search.c - _async_search: submit, get, status, delete.
 *
 * A submitted search runs through the _search path with its answer
 * diverted (dp_search_run_emit); searches here finish in one query and one
 * fetch round, so the submit answers when the search is done, i.e. always
 * within wait_for_completion_timeout, with is_running false. With
 * keep_on_completion=true (or when asked later by id) the response is kept
 * in a registry on the network core until its keep_alive (default 5d)
 * passes; ids are opaque base64 (dp_sctx_id_encode, magic "OSPQ").
 * Expired entries are dropped on every call.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp_sctx.h"
#include "dp_search.h"

#define ASYNC_MAGIC "OSPQ"
#define ASYNC_DEFAULT_KEEP_ALIVE_MS (5LL * 24 * 3600 * 1000)

/* One kept result (heap). */
typedef struct async_entry {
	uint64_t num;
	char id[DP_SCTX_ID_MAX];
	int64_t start_ms, completion_ms, expiration_ms;
	uint16_t status;
	char *response;
	size_t response_len;
	struct async_entry *next;
} async_entry_t;

/* A submit in flight (request arena). */
typedef struct async_submit {
	dp_rest_req_t *r;
	bool keep;
	int64_t keep_alive_ms;
	int64_t start_ms;
} async_submit_t;

static async_entry_t *async_list;
static uint64_t async_next = 1;

static int64_t
async_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
async_sweep(void)
{
	int64_t now = async_now_ms();

	for (async_entry_t **pp = &async_list; *pp;) {
		async_entry_t *e = *pp;

		if (e->expiration_ms <= now) {
			*pp = e->next;
			free(e->response);
			free(e);
		} else {
			pp = &e->next;
		}
	}
}

static async_entry_t *
async_find(dp_rest_req_t *r)
{
	const char *id = dp_rest_param(r, "id");
	uint64_t num;
	osp_err_t err;

	async_sweep();
	if (id && dp_sctx_id_decode(id, ASYNC_MAGIC, &num))
		for (async_entry_t *e = async_list; e; e = e->next)
			if (e->num == num)
				return e;
	if (id && !dp_sctx_id_decode(id, ASYNC_MAGIC, &num))
		osp_err_set(&err, 400, "illegal_argument_exception", "invalid id: [%s]", id);
	else
		osp_err_set(&err, 404, "resource_not_found_exception", "%s", id ? id : "");
	dp_rest_reply_err(r, &err);
	return NULL;
}

/* {"id","is_partial","is_running",times,"response"} around a response. */
static void
async_write(dp_rest_req_t *r, const char *id, int64_t start, int64_t done, int64_t exp,
	    const char *resp, size_t len, uint16_t status)
{
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	if (id)
		osp_jw_kv_str(&w, "id", id);
	osp_jw_kv_bool(&w, "is_partial", status >= 400);
	osp_jw_kv_bool(&w, "is_running", false);
	osp_jw_kv_int(&w, "start_time_in_millis", start);
	osp_jw_kv_int(&w, "expiration_time_in_millis", exp);
	osp_jw_kv_int(&w, "completion_time_in_millis", done);
	if (status < 400) {
		osp_jw_key(&w, "response");
		osp_jw_raw(&w, resp, len);
	} else {
		/* the error body {"error":{..},"status":N}: keep its error */
		osp_json_t *v = NULL;
		osp_json_error_t jerr;

		if (osp_json_parse(r->http->arena, resp, len, NULL, &v, &jerr) == 0 && osp_json_get(v, "error")) {
			osp_jw_key(&w, "error");
			osp_jw_value(&w, osp_json_get(v, "error"));
		}
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(r, status < 400 ? 200 : status, &out);
}

static void
async_done(void *user, uint16_t status, osp_buf_t *body)
{
	async_submit_t *a = user;
	int64_t now = async_now_ms();
	async_entry_t *e = NULL;

	if (a->keep) {
		e = calloc(1, sizeof(*e));
		if (e) {
			e->response = malloc(body->len + 1);
			if (e->response == NULL) {
				free(e);
				e = NULL;
			}
		}
	}
	if (e) {
		e->num = async_next++;
		dp_sctx_id_encode(ASYNC_MAGIC, e->num, e->id);
		e->start_ms = a->start_ms;
		e->completion_ms = now;
		e->expiration_ms = now + a->keep_alive_ms;
		e->status = status;
		memcpy(e->response, body->data ? body->data : "", body->len);
		e->response[body->len] = '\0';
		e->response_len = body->len;
		e->next = async_list;
		async_list = e;
	}
	async_write(a->r, e ? e->id : NULL, a->start_ms, now, now + a->keep_alive_ms,
		    body->data ? body->data : "{}", body->len ? body->len : 2, status);
	osp_buf_free(body);
}

static void
rest_async_submit(dp_rest_req_t *r)
{
	async_submit_t *a = osp_arena_calloc(r->http->arena, sizeof(*a));
	const char *ka = dp_rest_qs(r, "keep_alive");
	osp_err_t err;
	bool ok = true;

	if (a == NULL)
		return;
	async_sweep();
	a->r = r;
	a->start_ms = async_now_ms();
	a->keep = dp_rest_qs_bool(r, "keep_on_completion", false, &ok);
	if (!ok)
		return;
	a->keep_alive_ms = ASYNC_DEFAULT_KEEP_ALIVE_MS;
	if (ka && (osp_parse_time_ms(ka, &a->keep_alive_ms) != 0 || a->keep_alive_ms < 1000)) {
		osp_err_set(&err, 400, "illegal_argument_exception",
			    "failed to parse setting [keep_alive] with value [%s] as a time value", ka);
		dp_rest_reply_err(r, &err);
		return;
	}
	if (dp_rest_qs(r, "scroll")) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: [scroll] queries are not supported;");
		dp_rest_reply_err(r, &err);
		return;
	}
	dp_search_run_emit(r, async_done, a);
}

static void
rest_async_get(dp_rest_req_t *r)
{
	async_entry_t *e = async_find(r);

	if (e)
		async_write(r, e->id, e->start_ms, e->completion_ms, e->expiration_ms, e->response,
			    e->response_len, e->status);
}

static void
rest_async_status(dp_rest_req_t *r)
{
	async_entry_t *e = async_find(r);
	osp_json_t *v = NULL;
	osp_json_error_t jerr;
	osp_buf_t out;
	osp_jw_t w;

	if (e == NULL)
		return;
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "id", e->id);
	osp_jw_kv_bool(&w, "is_running", false);
	osp_jw_kv_bool(&w, "is_partial", e->status >= 400);
	osp_jw_kv_int(&w, "start_time_in_millis", e->start_ms);
	osp_jw_kv_int(&w, "expiration_time_in_millis", e->expiration_ms);
	osp_jw_kv_int(&w, "completion_time_in_millis", e->completion_ms);
	if (osp_json_parse(r->http->arena, e->response, e->response_len, NULL, &v, &jerr) == 0 &&
	    osp_json_get(v, "_shards")) {
		osp_jw_key(&w, "_shards");
		osp_jw_value(&w, osp_json_get(v, "_shards"));
	}
	osp_jw_kv_int(&w, "completion_status", e->status);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

static void
rest_async_delete(dp_rest_req_t *r)
{
	async_entry_t *e = async_find(r);

	if (e == NULL)
		return;
	for (async_entry_t **pp = &async_list; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	free(e->response);
	free(e);
	dp_rest_reply_ack(r, true);
}

void
rest_async_search_routes(void)
{
	dp_rest_route(DP_HTTP_POST, "/_async_search", rest_async_submit, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_async_search", rest_async_submit, 0);
	dp_rest_route(DP_HTTP_GET, "/_async_search/{id}", rest_async_get, 0);
	dp_rest_route(DP_HTTP_GET, "/_async_search/status/{id}", rest_async_status, 0);
	dp_rest_route(DP_HTTP_DELETE, "/_async_search/{id}", rest_async_delete, 0);
}
