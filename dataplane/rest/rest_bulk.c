/*
 * rest_bulk.c - POST /_bulk and /{index}/_bulk.
 *
 * The network core parses only the action lines (as DESIGN section 3 asks);
 * each document line travels raw to its shard's worker, which parses and
 * analyses it. Every item becomes a dp_write_op_t submitted at once, so the
 * items of one shard reach its worker in order and share group commits. The
 * reply lists items in request order with per-item results or errors and the
 * "errors" flag. A malformed action line fails the whole request with
 * Elasticsearch's 400, as it does.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dp_write.h"

/* A bulk request in flight; lives in the request's arena. */
typedef struct bulk_ctx {
	dp_rest_req_t *r;
	dp_write_op_t *items;
	uint32_t n, pending;
	uint64_t start_ns;
	bool refresh;
	bool submitting;
} bulk_ctx_t;

static const char *
bulk_action_name(st_op_t op)
{
	switch (op) {
	case ST_OP_INDEX: return "index";
	case ST_OP_CREATE: return "create";
	case ST_OP_UPDATE: return "update";
	case ST_OP_DELETE: return "delete";
	}
	return "index";
}

static void
bulk_reply(bulk_ctx_t *b)
{
	dp_rest_req_t *r = b->r;
	bool errors = false;
	osp_buf_t out;
	osp_jw_t w;

	for (uint32_t i = 0; i < b->n; i++)
		errors = errors || b->items[i].failed;
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_bool(&w, "errors", errors);
	osp_jw_kv_int(&w, "took", (int64_t)((dp_now_ns() - b->start_ns) / 1000000));
	osp_jw_key(&w, "items");
	osp_jw_arr_begin(&w);
	for (uint32_t i = 0; i < b->n; i++) {
		dp_write_op_t *op = &b->items[i];
		const st_write_res_t *res = &op->job.res;

		osp_jw_obj_begin(&w);
		osp_jw_key(&w, bulk_action_name(op->auto_id ? ST_OP_INDEX : op->job.req.op));
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "_index", op->idx ? op->idx->name : op->index);
		osp_jw_key(&w, "_id");
		if (op->job.req.id)
			osp_jw_strn(&w, op->job.req.id, op->job.req.id_len);
		else
			osp_jw_null(&w);
		if (op->failed) {
			osp_jw_kv_int(&w, "status", op->err.status ? op->err.status : 500);
			osp_jw_key(&w, "error");
			dp_rest_write_cause(&w, &op->err);
		} else {
			uint16_t status = res->result == ST_RESULT_CREATED ? 201
					: res->result == ST_RESULT_NOT_FOUND ? 404 : 200;

			osp_jw_kv_int(&w, "_version", res->version);
			osp_jw_kv_str(&w, "result", dp_write_result_name(res->result));
			if (b->refresh)
				osp_jw_kv_bool(&w, "forced_refresh", true);
			if (res->result == ST_RESULT_NOOP)
				dp_rest_write_shards(&w, 0, 0, 0, false);
			else
				dp_rest_write_shards(&w, dp_write_shards_total(op->idx), 1, 0, false);
			osp_jw_kv_int(&w, "_seq_no", res->seq_no);
			osp_jw_kv_int(&w, "_primary_term", res->primary_term);
			osp_jw_kv_int(&w, "status", status);
		}
		osp_jw_obj_end(&w);
		osp_jw_obj_end(&w);
		osp_arena_free(&op->job.arena);
	}
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* After refresh=true|wait_for: one refresh job per distinct shard touched,
 * then the reply. Slots live in the request's arena. */
typedef struct bulk_refresh {
	dp_job_admin_t job;
	bulk_ctx_t *b;
} bulk_refresh_t;

static void
bulk_refresh_done(dp_job_t *job)
{
	bulk_ctx_t *b = ((bulk_refresh_t *)job)->b;

	if (--b->pending == 0)
		bulk_reply(b);
}

static void
bulk_finish_refresh(bulk_ctx_t *b)
{
	if (!b->refresh) {
		bulk_reply(b);
		return;
	}
	bulk_refresh_t *jobs = osp_arena_calloc(b->r->http->arena, b->n * sizeof(*jobs));
	uint32_t nj = 0;

	if (jobs == NULL) {
		bulk_reply(b);
		return;
	}
	for (uint32_t i = 0; i < b->n; i++) {
		dp_shard_ref_t *ref = b->items[i].failed ? NULL : b->items[i].job.ref;
		bool dup = ref == NULL;

		for (uint32_t k = 0; k < nj && !dup; k++)
			dup = jobs[k].job.ref == ref;
		if (dup)
			continue;
		jobs[nj].b = b;
		jobs[nj].job.ref = ref;
		jobs[nj].job.op = DP_ADMIN_REFRESH;
		nj++;
	}
	b->pending = nj + 1;
	for (uint32_t k = 0; k < nj; k++) {
		dp_job_prepare(&jobs[k].job.job, jobs[k].job.ref, dp_job_admin_run, bulk_refresh_done);
		dp_core_submit(&jobs[k].job.job);
	}
	if (--b->pending == 0)
		bulk_reply(b);
}

static void
bulk_item_finish(dp_write_op_t *op)
{
	bulk_ctx_t *b = op->r->state;

	if (--b->pending == 0 && !b->submitting)
		bulk_finish_refresh(b);
}

/* One line [p, end) of the body. */
static const char *
bulk_line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

static int
bulk_fail(dp_rest_req_t *r, const char *fmt, uint32_t line)
{
	osp_err_t err;

	osp_err_set(&err, 400, "illegal_argument_exception", fmt, line);
	dp_rest_reply_err(r, &err);
	return -EINVAL;
}

/* Parse an action line into op; 0, or replies 400 and returns < 0. */
static int
bulk_action(dp_rest_req_t *r, const osp_json_t *action, uint32_t line, dp_write_op_t *op,
	    const char *default_index, bool *has_source)
{
	osp_json_t *a = action ? action->u.child : NULL;
	st_write_req_t *req = &op->job.req;
	osp_err_t err;

	if (!osp_json_is(action, OSP_JSON_OBJECT) || action->len != 1 || !osp_json_is(a, OSP_JSON_OBJECT))
		return bulk_fail(r, "Malformed action/metadata line [%u], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]", line);
	if (osp_json_key_eq(a, "index"))
		req->op = ST_OP_INDEX;
	else if (osp_json_key_eq(a, "create"))
		req->op = ST_OP_CREATE;
	else if (osp_json_key_eq(a, "update"))
		req->op = ST_OP_UPDATE;
	else if (osp_json_key_eq(a, "delete"))
		req->op = ST_OP_DELETE;
	else {
		osp_err_set(&err, 400, "illegal_argument_exception",
			    "Malformed action/metadata line [%u], expected one of [create, delete, index, update] but found [%s]",
			    line, a->key);
		dp_rest_reply_err(r, &err);
		return -EINVAL;
	}
	*has_source = req->op != ST_OP_DELETE;
	req->version = ST_MATCH_ANY_VERSION;
	req->if_seq_no = ST_UNASSIGNED_SEQ_NO;
	op->index = default_index;
	OSP_JSON_FOREACH(m, a) {
		if (osp_json_key_eq(m, "_index") && osp_json_is(m, OSP_JSON_STRING)) {
			op->index = m->u.str;
		} else if (osp_json_key_eq(m, "_id") && osp_json_is(m, OSP_JSON_STRING)) {
			req->id = m->u.str;
			req->id_len = m->len;
		} else if (osp_json_key_eq(m, "routing") && osp_json_is(m, OSP_JSON_STRING)) {
			req->routing = m->u.str;
			req->routing_len = m->len;
		} else if (osp_json_key_eq(m, "if_seq_no") && m->is_int) {
			req->if_seq_no = m->i;
		} else if (osp_json_key_eq(m, "if_primary_term") && m->is_int) {
			req->if_primary_term = m->i;
		} else if (osp_json_key_eq(m, "version") && m->is_int) {
			req->version = m->i;
		} else if (osp_json_key_eq(m, "version_type") && osp_json_is(m, OSP_JSON_STRING)) {
			req->version_type = strcmp(m->u.str, "external") == 0 ? ST_VERSION_EXTERNAL
					  : strcmp(m->u.str, "external_gte") == 0 ? ST_VERSION_EXTERNAL_GTE
					  : ST_VERSION_INTERNAL;
		} else if (osp_json_key_eq(m, "require_alias") && osp_json_is(m, OSP_JSON_BOOL)) {
			op->require_alias = m->boolean;
		} else if (osp_json_key_eq(m, "op_type") && osp_json_is(m, OSP_JSON_STRING)) {
			if (strcmp(m->u.str, "create") == 0 && req->op == ST_OP_INDEX)
				req->op = ST_OP_CREATE;
		} else if (osp_json_key_eq(m, "retry_on_conflict") || osp_json_key_eq(m, "_source") ||
			   osp_json_key_eq(m, "pipeline") || osp_json_key_eq(m, "dynamic_templates")) {
			continue;
		} else {
			osp_err_set(&err, 400, "illegal_argument_exception",
				    "Action/metadata line [%u] contains an unknown parameter [%s]", line, m->key);
			dp_rest_reply_err(r, &err);
			return -EINVAL;
		}
	}
	if (op->index == NULL) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: index is missing;");
		dp_rest_reply_err(r, &err);
		return -EINVAL;
	}
	return 0;
}

static void
rest_bulk(dp_rest_req_t *r)
{
	const char *body = r->http->body, *end = body + r->http->body_len, *p = body;
	const char *default_index = dp_rest_param(r, "index");
	osp_arena_t *a = r->http->arena;
	bulk_ctx_t *b = osp_arena_calloc(a, sizeof(*b));
	uint32_t lines = 0, cap = 0, line_no = 0;
	osp_err_t err;
	const char *rv = dp_rest_qs(r, "refresh");

	if (b == NULL)
		return;
	b->r = r;
	b->start_ns = dp_now_ns();
	b->refresh = rv && (*rv == '\0' || strcmp(rv, "true") == 0 || strcmp(rv, "wait_for") == 0);
	r->state = b;
	if (!r->http->has_body || r->http->body_len == 0) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: no requests added;");
		dp_rest_reply_err(r, &err);
		return;
	}
	for (const char *q = body; q < end; q++)
		lines += *q == '\n';
	cap = lines / 2 + 2;
	b->items = osp_arena_calloc(a, cap * sizeof(*b->items));
	if (b->items == NULL) {
		osp_err_set(&err, 429, "es_rejected_execution_exception", "bulk request too large for memory");
		dp_rest_reply_err(r, &err);
		return;
	}
	while (p < end) {
		const char *le = bulk_line_end(p, end);
		osp_json_t *action;
		osp_json_error_t jerr;
		bool has_source;

		line_no++;
		if (le == p || (le - p == 1 && *p == '\r')) { /* blank line */
			p = le + 1;
			continue;
		}
		if (osp_json_parse(a, p, (size_t)(le - p), NULL, &action, &jerr) != 0) {
			osp_err_set(&err, 400, "x_content_parse_exception", "[%u:%u] %s", line_no, jerr.column, jerr.msg);
			dp_rest_reply_err(r, &err);
			return;
		}
		if (b->n == cap) {
			bulk_fail(r, "Malformed action/metadata line [%u]", line_no);
			return;
		}
		dp_write_op_t *op = &b->items[b->n];

		if (bulk_action(r, action, line_no, op, default_index, &has_source) != 0)
			return;
		p = le + 1;
		if (has_source) {
			if (p >= end) {
				osp_err_set(&err, 400, "illegal_argument_exception",
					    "The bulk request must be terminated by a newline [\\n]");
				dp_rest_reply_err(r, &err);
				return;
			}
			le = bulk_line_end(p, end);
			line_no++;
			op->job.req.source = p;
			op->job.req.source_len = (size_t)(le - p);
			if (le == end && (end == body || end[-1] != '\n')) {
				osp_err_set(&err, 400, "illegal_argument_exception",
					    "The bulk request must be terminated by a newline [\\n]");
				dp_rest_reply_err(r, &err);
				return;
			}
			p = le + 1;
		}
		b->n++;
	}
	if (b->n == 0) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: no requests added;");
		dp_rest_reply_err(r, &err);
		return;
	}
	b->pending = b->n;
	b->submitting = true;
	for (uint32_t i = 0; i < b->n; i++) {
		dp_write_op_t *op = &b->items[i];

		op->r = r;
		op->finish = bulk_item_finish;
		op->slot = i;
		op->job.refresh = false;
		if (op->job.req.id == NULL) {
			if (op->job.req.op == ST_OP_UPDATE || op->job.req.op == ST_OP_DELETE) {
				op->failed = true;
				osp_err_set(&op->err, 400, "action_request_validation_exception",
					    "Validation Failed: 1: id is missing;");
				b->pending--;
				continue;
			}
			char *id = osp_arena_alloc(a, 21);

			if (id) {
				dp_write_gen_id(id);
				op->job.req.id = id;
				op->job.req.id_len = 20;
				if (op->job.req.op == ST_OP_INDEX) {
					op->job.req.op = ST_OP_CREATE;
					op->auto_id = true; /* still reported as "index" */
				}
			}
		}
		dp_write_submit(op);
	}
	b->submitting = false;
	if (b->pending == 0)
		bulk_finish_refresh(b);
}

void
rest_bulk_routes(void)
{
	dp_rest_route(DP_HTTP_POST, "/_bulk", rest_bulk, 0);
	dp_rest_route(DP_HTTP_PUT, "/_bulk", rest_bulk, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_bulk", rest_bulk, 0);
	dp_rest_route(DP_HTTP_PUT, "/{index}/_bulk", rest_bulk, 0);
}
