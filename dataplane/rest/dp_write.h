/*
 * dp_write.h - one document write from the network core's side, shared by
 * the document APIs and _bulk.
 *
 * dp_write_submit resolves the index (auto-creating it through control as
 * Elasticsearch's action.auto_create_index does), routes the op to its
 * shard, and sends a write job to the shard's worker. When the shard answers
 * ST_MAPPING_UPDATE (the document adds fields), the update goes to control
 * (the master merges it or rejects a conflict) and the op is retried on the
 * new mapping, as Elasticsearch's primary does. finish() runs exactly once,
 * on the network core, with err set (failure) or the result in
 * op->job.res. The op lives in the request's arena.
 */
#ifndef DP_WRITE_H
#define DP_WRITE_H

#include "../server/dp_ctl.h"
#include "../shard/dp_shard_jobs.h"
#include "dp_rest.h"

typedef struct dp_write_op dp_write_op_t;

struct dp_write_op {
	dp_job_write_t job;          /* first: the job pointer is the op */
	dp_rest_req_t *r;
	const char *index;           /* name as requested */
	dp_index_t *idx;             /* resolved target */
	uint32_t shard;
	uint8_t retries;
	bool created_index;
	bool require_alias;
	bool ingested;               /* pipelines already ran (dp_pipeline.h) */
	const char *pipeline;        /* ?pipeline= (NULL = index default) */
	osp_err_t err;               /* failure reason for finish */
	bool failed;
	void (*finish)(dp_write_op_t *op);
	void *user;                  /* e.g. the bulk context */
	uint32_t slot;               /* e.g. the bulk item number */
};

/* Start the op; req fields (op, id, source, ...) must be set. */
void dp_write_submit(dp_write_op_t *op);

/* Ask control to auto-create index (action.auto_create_index); cb gets
 * control's answer (resource_already_exists_exception means someone won). */
void dp_write_autocreate(const char *index, dp_ctl_cb_t cb, void *user);

/* Elasticsearch's auto-generated _id: 20 base64url characters, time-based. */
void dp_write_gen_id(char out[21]);

/* The _shards total for a write on idx: 1 + number_of_replicas. */
uint32_t dp_write_shards_total(const dp_index_t *idx);

/* "created", "updated", "deleted", "not_found", "noop". */
const char *dp_write_result_name(st_result_t r);

#endif
