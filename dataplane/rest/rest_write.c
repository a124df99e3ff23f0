/*
 * rest_write.c - the network core's write path (dp_write.h): resolve or
 * auto-create the index, route, submit, retry after dynamic mapping updates.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "osprey/chan.h"
#include "../server/dp_ctl.h"
#include "dp_dstream.h"
#include "dp_csettings.h"
#include "dp_pipeline.h"
#include "dp_wguard.h"
#include "dp_write.h"

#define WRITE_MAX_RETRIES 8

static void write_try(dp_write_op_t *op);

static void
write_fail(dp_write_op_t *op, const osp_err_t *err)
{
	op->failed = true;
	op->err = *err;
	op->finish(op);
}

uint32_t
dp_write_shards_total(const dp_index_t *idx)
{
	return 1 + (idx && idx->meta ? idx->meta->number_of_replicas : 0);
}

const char *
dp_write_result_name(st_result_t r)
{
	switch (r) {
	case ST_RESULT_CREATED: return "created";
	case ST_RESULT_UPDATED: return "updated";
	case ST_RESULT_DELETED: return "deleted";
	case ST_RESULT_NOT_FOUND: return "not_found";
	case ST_RESULT_NOOP: return "noop";
	}
	return "unknown";
}

void
dp_write_gen_id(char out[21])
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	static uint32_t seq;
	static uint8_t node[6];
	static int have_node;
	struct timespec ts;
	uint8_t raw[15];

	if (!have_node) {
		if (getrandom(node, sizeof(node), 0) != (ssize_t)sizeof(node))
			memset(node, 0x5a, sizeof(node));
		if (getrandom(&seq, sizeof(seq), 0) != (ssize_t)sizeof(seq))
			seq = 0;
		have_node = 1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	uint32_t s = ++seq & 0xffffff;

	/* Like Elasticsearch's TimeBasedUUIDGenerator: sequence low byte first
	 * for prefix sharing in the terms dictionary, then time, node, sequence. */
	raw[0] = (uint8_t)s;
	raw[1] = (uint8_t)(s >> 16);
	raw[2] = (uint8_t)(ms >> 40);
	raw[3] = (uint8_t)(ms >> 32);
	raw[4] = (uint8_t)(ms >> 24);
	raw[5] = (uint8_t)(ms >> 16);
	raw[6] = (uint8_t)(ms >> 8);
	memcpy(raw + 7, node, 6);
	raw[13] = (uint8_t)(s >> 8);
	raw[14] = (uint8_t)ms;
	for (int i = 0, o = 0; i < 15; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];

		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
	}
	out[20] = '\0';
}

void
dp_write_autocreate(const char *index, dp_ctl_cb_t cb, void *user)
{
	if (dp_csettings_autocreate_refused(index, cb, user))
		return;
	dp_tmpl_autocreate(index, cb, user);   /* templates, data streams */
}

/* The write job came back. */
static void
write_done(dp_job_t *job)
{
	dp_write_op_t *op = (dp_write_op_t *)job;

	if (job->rc == ST_MAPPING_UPDATE) {
		write_try(op);  /* asks control; write_mapping_done retries */
		return;
	}
	if (job->rc != 0) {
		osp_err_t e = op->job.err;

		if (e.status == 0) {
			if (job->rc == -ESHUTDOWN)
				osp_err_set(&e, 503, "node_closed_exception", "node closed while the write was in flight");
			else
				osp_err_set(&e, 500, "shard_failed_exception", "write failed: %s", strerror(-job->rc));
		}
		if (e.index[0] == '\0')
			snprintf(e.index, sizeof(e.index), "%s", op->idx->name);
		if (e.shard < 0 && e.status != 404)
			e.shard = (int32_t)op->shard;
		write_fail(op, &e);
		return;
	}
	op->finish(op);
}

/* Control accepted (or refused) the dynamic mapping update. */
static void
write_mapping_done(void *user, const osp_err_t *err, const char *payload, size_t len)
{
	dp_write_op_t *op = user;

	(void)payload;
	(void)len;
	if (err) {
		write_fail(op, err);
		return;
	}
	/* The new mapping is applied on every shard before this reply (state
	 * acked), and set_mapping jobs precede our retry on the worker's ring. */
	op->job.job.rc = 0;
	write_try(op);
}

static void
write_mapping(dp_write_op_t *op)
{
	osp_buf_t msg;
	osp_jw_t w;

	osp_buf_init(&msg);
	osp_jw_init(&w, &msg, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "index", op->idx->name);
	osp_jw_kv_str(&w, "index_uuid", op->idx->uuid);
	osp_jw_key(&w, "mappings");
	osp_jw_raw(&w, op->job.res.mapping_update, op->job.res.mapping_update_len);
	osp_jw_obj_end(&w);
	dp_ctl_request(OSP_CHAN_DYNAMIC_MAPPING, msg.data, msg.len, write_mapping_done, op);
	osp_buf_free(&msg);
}

/* The index did not exist: control created it (or someone else did). */
static void
write_autocreate_done(void *user, const osp_err_t *err, const char *payload, size_t len)
{
	dp_write_op_t *op = user;

	(void)payload;
	(void)len;
	if (err && strcmp(err->type, "resource_already_exists_exception") != 0) {
		write_fail(op, err);
		return;
	}
	op->created_index = true;
	write_try(op);
}

static void
write_try(dp_write_op_t *op)
{
	osp_err_t err;
	dp_shard_ref_t *ref;

	if (op->job.job.rc == ST_MAPPING_UPDATE) {
		if (op->retries++ >= WRITE_MAX_RETRIES) {
			osp_err_set(&err, 500, "illegal_state_exception",
				    "mapping update for [%s] did not settle after %d tries",
				    op->index, WRITE_MAX_RETRIES);
			write_fail(op, &err);
			return;
		}
		write_mapping(op);
		return;
	}
	op->idx = dp_shards_write_index(op->index, op->require_alias, &err);
	if (op->idx == NULL) {
		if (op->created_index || op->require_alias || dp_shards_is_alias(op->index)) {
			write_fail(op, &err);
			return;
		}
		op->created_index = true;
		dp_write_autocreate(op->index, write_autocreate_done, op);
		return;
	}
	if (!op->ingested && op->r != NULL) {
		const char *to;
		int rc = dp_pipeline_apply(op->r->http->arena, op->idx, op->pipeline, &op->job.req, &to, &err);

		op->ingested = true;
		if (rc == 1) {
			dp_pipeline_dropped(&op->job.res);
			op->finish(op);
			return;
		}
		if (rc != 0) {
			if (err.status == 0)
				osp_err_set(&err, 500, "out_of_memory_error", "no memory for the pipeline");
			write_fail(op, &err);
			return;
		}
		if (to != NULL) {
			op->index = to;
			write_try(op);
			return;
		}
	}
	if (dp_write_guard(op->index, op->idx->meta, &op->job.req, &err) != 0) {
		write_fail(op, &err);
		return;
	}
	const st_write_req_t *req = &op->job.req;

	op->shard = req->routing ? dp_shards_route(op->idx, req->routing, req->routing_len)
				 : dp_shards_route(op->idx, req->id, req->id_len);
	ref = dp_shards_ref(op->idx, op->shard, &err);
	if (ref == NULL) {
		write_fail(op, &err);
		return;
	}
	op->job.ref = ref;
	osp_arena_free(&op->job.arena);
	osp_arena_init(&op->job.arena, 4096, 0);
	dp_job_prepare(&op->job.job, ref, dp_job_write_run, write_done);
	dp_core_submit(&op->job.job);
}

void
dp_write_submit(dp_write_op_t *op)
{
	osp_err_t err;
	const st_write_req_t *req = &op->job.req;

	osp_arena_init(&op->job.arena, 4096, 0);
	op->job.job.rc = 0;
	if (req->id_len == 0) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: if _id is specified it must not be empty;");
		write_fail(op, &err);
		return;
	}
	if (req->id_len > 512) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: id [%.*s...] is too long, must be no longer than 512 bytes but was: %zu;",
			    20, req->id, req->id_len);
		write_fail(op, &err);
		return;
	}
	write_try(op);
}
