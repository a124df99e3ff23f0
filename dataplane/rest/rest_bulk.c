/*
 * rest_bulk.c - POST /_bulk and /{index}/_bulk.
 *
 * As Elasticsearch's TransportBulkAction: the network core parses only the
 * action lines (DESIGN section 3: document lines travel raw to the worker
 * that parses and analyses them), creates missing indices first (all at
 * once, through control), then groups the items by shard keeping their
 * order, and sends one shard-bulk job per shard. A worker runs its items in
 * order and stops at one that needs a dynamic mapping update; the network
 * core gets the update accepted by control and resumes the job from that
 * item, so item order within a shard is always the request's order. The
 * reply lists items in request order with per-item results or errors and
 * the "errors" flag. A malformed action line fails the whole request with
 * Elasticsearch's 400.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "osprey/chan.h"
#include "../server/dp_ctl.h"
#include "dp_bulk_parse.h"
#include "dp_pipeline.h"
#include "dp_write.h"

#define BULK_MAX_RETRIES 64

typedef dp_bulk_op_t bulk_op_t;

/* One shard's group. */
typedef struct bulk_group {
	dp_job_bulk_t job;
	struct bulk_ctx *b;
	uint32_t retries;
} bulk_group_t;

/* A bulk request in flight; lives in the request's arena. */
typedef struct bulk_ctx {
	dp_rest_req_t *r;
	bulk_op_t *ops;
	uint32_t n;
	bulk_group_t *groups;
	uint32_t n_groups;
	uint32_t pending;
	uint64_t start_ns;
	bool refresh;
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
bulk_write_item(bulk_ctx_t *b, osp_jw_t *w, bulk_op_t *op)
{
	const dp_bulk_item_t *it = &op->item;
	const st_write_res_t *res = &it->res;
	bool failed = op->failed || it->rc != 0;
	const osp_err_t *err = op->failed ? &op->err : &it->err;

	osp_jw_obj_begin(w);
	osp_jw_key(w, bulk_action_name(op->auto_id ? ST_OP_INDEX : it->req.op));
	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "_index", op->idx ? op->idx->name : op->index);
	osp_jw_key(w, "_id");
	if (it->req.id)
		osp_jw_strn(w, it->req.id, it->req.id_len);
	else
		osp_jw_null(w);
	if (failed) {
		osp_jw_kv_int(w, "status", err->status ? err->status : 500);
		osp_jw_key(w, "error");
		dp_rest_write_cause(w, err);
	} else {
		uint16_t status = res->result == ST_RESULT_CREATED ? 201
				: res->result == ST_RESULT_NOT_FOUND ? 404 : 200;

		osp_jw_kv_int(w, "_version", res->version);
		osp_jw_kv_str(w, "result", dp_write_result_name(res->result));
		if (b->refresh)
			osp_jw_kv_bool(w, "forced_refresh", true);
		if (res->result == ST_RESULT_NOOP)
			dp_rest_write_shards(w, 0, 0, 0, false);
		else
			dp_rest_write_shards(w, dp_write_shards_total(op->idx), 1, 0, false);
		osp_jw_kv_int(w, "_seq_no", res->seq_no);
		osp_jw_kv_int(w, "_primary_term", res->primary_term);
		osp_jw_kv_int(w, "status", status);
	}
	osp_jw_obj_end(w);
	osp_jw_obj_end(w);
}

static void
bulk_reply(bulk_ctx_t *b)
{
	dp_rest_req_t *r = b->r;
	bool errors = false;
	osp_buf_t out;
	osp_jw_t w;

	for (uint32_t i = 0; i < b->n; i++)
		errors = errors || b->ops[i].failed || b->ops[i].item.rc != 0;
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_bool(&w, "errors", errors);
	osp_jw_kv_int(&w, "took", (int64_t)((dp_now_ns() - b->start_ns) / 1000000));
	osp_jw_key(&w, "items");
	osp_jw_arr_begin(&w);
	for (uint32_t i = 0; i < b->n; i++)
		bulk_write_item(b, &w, &b->ops[i]);
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	for (uint32_t g = 0; g < b->n_groups; g++)
		osp_arena_free(&b->groups[g].job.arena);
	dp_rest_reply(r, 200, &out);
}

static void bulk_group_submit(bulk_group_t *g);

static void
bulk_group_end(bulk_group_t *g)
{
	bulk_ctx_t *b = g->b;

	if (--b->pending == 0)
		bulk_reply(b);
}

/* Fail every item of the group not yet done (or not durable) with err. */
static void
bulk_group_fail(bulk_group_t *g, const osp_err_t *err, bool undurable_too)
{
	for (uint32_t i = 0; i < g->job.n; i++) {
		dp_bulk_item_t *it = g->job.items[i];

		if (!it->done || (undurable_too && it->rc == 0 && !(it->res.flags & ST_WRITE_DURABLE))) {
			it->rc = -EIO;
			it->err = *err;
			it->done = true;
		}
	}
}

static void
bulk_mapping_done(void *user, const osp_err_t *err, const char *payload, size_t len)
{
	bulk_group_t *g = user;

	(void)payload;
	(void)len;
	if (err) {
		/* The mapping was refused (conflict): that item fails, the rest go on. */
		dp_bulk_item_t *it = g->job.items[g->job.next];

		it->rc = -EINVAL;
		it->err = *err;
		it->done = true;
		g->job.next++;
	}
	bulk_group_submit(g);
}

static void
bulk_group_done(dp_job_t *job)
{
	bulk_group_t *g = (bulk_group_t *)job;
	osp_err_t err;

	if (job->rc == ST_MAPPING_UPDATE) {
		dp_bulk_item_t *it = g->job.items[g->job.next];
		dp_index_t *idx = g->job.ref->index;
		osp_buf_t msg;
		osp_jw_t w;

		if (idx == NULL) {
			/* the index was deleted or closed while the job ran */
			const dp_bulk_op_t *op = (const dp_bulk_op_t *)(const void *)it;

			osp_err_set(&err, 404, "index_not_found_exception", "no such index [%s]",
				    op->index);
			for (uint32_t i = 0; i < g->job.n; i++)   /* its dp_index_t is gone */
				((dp_bulk_op_t *)(void *)g->job.items[i])->idx = NULL;
			bulk_group_fail(g, &err, false);
			bulk_group_end(g);
			return;
		}
		if (g->retries++ >= BULK_MAX_RETRIES) {
			osp_err_set(&err, 500, "illegal_state_exception",
				    "mapping updates for [%s] did not settle", idx->name);
			bulk_group_fail(g, &err, false);
			bulk_group_end(g);
			return;
		}
		osp_buf_init(&msg);
		osp_jw_init(&w, &msg, 0);
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "index", idx->name);
		osp_jw_kv_str(&w, "index_uuid", idx->uuid);
		osp_jw_key(&w, "mappings");
		osp_jw_raw(&w, it->res.mapping_update, it->res.mapping_update_len);
		osp_jw_obj_end(&w);
		dp_ctl_request(OSP_CHAN_DYNAMIC_MAPPING, msg.data, msg.len, bulk_mapping_done, g);
		osp_buf_free(&msg);
		return;
	}
	if (job->rc != 0) {
		osp_err_set(&err, 500, "translog_exception", "write not durable: %s", strerror(-job->rc));
		bulk_group_fail(g, &err, true);
	}
	bulk_group_end(g);
}

static void
bulk_group_submit(bulk_group_t *g)
{
	dp_job_prepare(&g->job.job, g->job.ref, dp_job_bulk_run, bulk_group_done);
	dp_core_submit(&g->job.job);
}

/* Run the item's pipelines (dp_pipeline.h); nonzero when the item is
 * finished here (dropped or failed). A pipeline that changes _index sends
 * the item to that index, which must exist. */
static int
bulk_ingest(bulk_ctx_t *b, bulk_op_t *op)
{
	const char *pipeline = op->pipeline ? op->pipeline : dp_rest_qs(b->r, "pipeline");
	const char *to;
	osp_err_t err;
	int rc;

	osp_err_clear(&err);
	rc = dp_pipeline_apply(b->r->http->arena, op->idx, pipeline, &op->item.req, &to, &err);
	if (rc == 1) {
		dp_pipeline_dropped(&op->item.res);
		return 1;
	}
	if (rc == 0 && to != NULL) {
		op->index = to;
		op->idx = dp_shards_write_index(to, false, &err);
		rc = op->idx ? 0 : -EINVAL;
	}
	if (rc != 0) {
		if (err.status == 0)
			osp_err_set(&err, 500, "out_of_memory_error", "no memory for the pipeline");
		op->failed = true;
		op->err = err;
		return 1;
	}
	return 0;
}

/* Route every item and send one job per shard. */
static void
bulk_dispatch(bulk_ctx_t *b)
{
	osp_arena_t *a = b->r->http->arena;
	osp_err_t err;

	b->groups = osp_arena_calloc(a, (b->n ? b->n : 1) * sizeof(*b->groups));
	if (b->groups == NULL)
		return;
	for (uint32_t i = 0; i < b->n; i++) {
		bulk_op_t *op = &b->ops[i];
		const st_write_req_t *req = &op->item.req;
		dp_shard_ref_t *ref;

		if (op->failed)
			continue;
		op->idx = dp_shards_write_index(op->index, op->require_alias, &err);
		if (op->idx == NULL) {
			op->failed = true;
			op->err = err;
			continue;
		}
		if (bulk_ingest(b, op) != 0)
			continue;
		op->shard = req->routing ? dp_shards_route(op->idx, req->routing, req->routing_len)
					 : dp_shards_route(op->idx, req->id, req->id_len);
		ref = dp_shards_ref(op->idx, op->shard, &err);
		if (ref == NULL) {
			op->failed = true;
			op->err = err;
			continue;
		}
		bulk_group_t *g = NULL;

		for (uint32_t k = 0; k < b->n_groups && g == NULL; k++)
			if (b->groups[k].job.ref == ref)
				g = &b->groups[k];
		if (g == NULL) {
			g = &b->groups[b->n_groups++];
			g->b = b;
			g->job.ref = ref;
			g->job.refresh = b->refresh;
			g->job.items = osp_arena_alloc(a, b->n * sizeof(*g->job.items));
			if (g->job.items == NULL)
				return;
			osp_arena_init(&g->job.arena, 16384, 0);
		}
		g->job.items[g->job.n++] = &op->item;
	}
	b->pending = b->n_groups + 1;
	for (uint32_t k = 0; k < b->n_groups; k++)
		bulk_group_submit(&b->groups[k]);
	if (--b->pending == 0)
		bulk_reply(b);
}

/* Auto-creation of missing indices, all before any item runs. */
typedef struct bulk_create {
	bulk_ctx_t *b;
	const char *index;
} bulk_create_t;

static void
bulk_create_done(void *user, const osp_err_t *err, const char *payload, size_t len)
{
	bulk_create_t *c = user;
	bulk_ctx_t *b = c->b;

	(void)payload;
	(void)len;
	if (err && strcmp(err->type, "resource_already_exists_exception") != 0) {
		for (uint32_t i = 0; i < b->n; i++) {
			if (!b->ops[i].failed && strcmp(b->ops[i].index, c->index) == 0) {
				b->ops[i].failed = true;
				b->ops[i].err = *err;
			}
		}
	}
	if (--b->pending == 0)
		bulk_dispatch(b);
}

static void
bulk_autocreate(bulk_ctx_t *b)
{
	osp_arena_t *a = b->r->http->arena;

	b->pending = 1;
	for (uint32_t i = 0; i < b->n; i++) {
		bulk_op_t *op = &b->ops[i];
		bool seen = false;

		if (op->failed || dp_shards_index(op->index) || dp_shards_is_alias(op->index))
			continue;
		if (op->item.req.op == ST_OP_DELETE || op->require_alias) {
			/* Deletes never create; require_alias must name an alias. */
			op->failed = true;
			dp_shards_write_index(op->index, op->require_alias, &op->err);
			continue;
		}
		for (uint32_t k = 0; k < i && !seen; k++)
			seen = strcmp(b->ops[k].index, op->index) == 0 && !b->ops[k].failed &&
			       b->ops[k].item.req.op != ST_OP_DELETE && !b->ops[k].require_alias;
		if (seen)
			continue;
		bulk_create_t *c = osp_arena_calloc(a, sizeof(*c));

		if (c == NULL)
			continue;
		c->b = b;
		c->index = op->index;
		b->pending++;
		dp_write_autocreate(op->index, bulk_create_done, c);
	}
	if (--b->pending == 0)
		bulk_dispatch(b);
}

/* Validate ids, generate missing ones. */
static void
bulk_prepare_ids(bulk_ctx_t *b)
{
	for (uint32_t i = 0; i < b->n; i++) {
		bulk_op_t *op = &b->ops[i];
		st_write_req_t *req = &op->item.req;

		if (req->id == NULL) {
			if (req->op == ST_OP_UPDATE || req->op == ST_OP_DELETE) {
				op->failed = true;
				osp_err_set(&op->err, 400, "action_request_validation_exception",
					    "Validation Failed: 1: id is missing;");
				continue;
			}
			char *id = osp_arena_alloc(b->r->http->arena, 21);

			if (id == NULL)
				continue;
			dp_write_gen_id(id);
			req->id = id;
			req->id_len = 20;
			if (req->op == ST_OP_INDEX) {
				req->op = ST_OP_CREATE;
				op->auto_id = true;
			}
		} else if (req->id_len > 512) {
			op->failed = true;
			osp_err_set(&op->err, 400, "action_request_validation_exception",
				    "Validation Failed: 1: id [%.*s...] is too long, must be no longer than 512 bytes but was: %zu;",
				    20, req->id, req->id_len);
		} else if (req->id_len == 0) {
			op->failed = true;
			osp_err_set(&op->err, 400, "illegal_argument_exception",
				    "if _id is specified it must not be empty");
		}
	}
}

static void
rest_bulk(dp_rest_req_t *r)
{
	osp_arena_t *a = r->http->arena;
	bulk_ctx_t *b = osp_arena_calloc(a, sizeof(*b));
	osp_err_t err;
	const char *rv = dp_rest_qs(r, "refresh");
	bool ok = true, require_alias = dp_rest_qs_bool(r, "require_alias", false, &ok);

	if (b == NULL || !ok)
		return;
	b->r = r;
	b->start_ns = dp_now_ns();
	b->refresh = rv && (*rv == '\0' || strcmp(rv, "true") == 0 || strcmp(rv, "wait_for") == 0);
	if (dp_bulk_parse(a, r->http->has_body ? r->http->body : NULL, r->http->body_len,
			  dp_rest_param(r, "index"), require_alias, &b->ops, &b->n, &err) != 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	bulk_prepare_ids(b);
	bulk_autocreate(b);
}

void
rest_bulk_routes(void)
{
	dp_rest_route(DP_HTTP_POST, "/_bulk", rest_bulk, 0);
	dp_rest_route(DP_HTTP_PUT, "/_bulk", rest_bulk, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_bulk", rest_bulk, 0);
	dp_rest_route(DP_HTTP_PUT, "/{index}/_bulk", rest_bulk, 0);
}
