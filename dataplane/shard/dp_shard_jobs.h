/*
 * dp_shard_jobs.h - jobs a network core sends to the worker owning a shard.
 *
 * Each job embeds dp_job_t first and carries its inputs (pointers into the
 * request's arena, valid until the job comes back) and its outputs (filled
 * by the worker in memory the job owns: a per-job arena for strings the
 * worker produces, allocated on the worker and freed by the network core).
 * The worker runs fn on the shard of job->ref; done() runs on the network
 * core. Writes that must be durable are parked until the WAL sync lands.
 */
#ifndef DP_SHARD_JOBS_H
#define DP_SHARD_JOBS_H

#include <limits.h>

#include "osprey/arena.h"
#include "osprey/cluster.h"
#include "osprey/err.h"
#include "osprey/query.h"
#include "osprey/storage.h"
#include "dp_shards.h"

/* Open a shard copy (ref->sh set on success). */
typedef struct dp_job_open {
	dp_job_t job;
	dp_shard_ref_t *ref;
	st_shard_config_t cfg;
	char path[PATH_MAX];
	/* Own copies: the dp_index_t may be freed by a newer cluster state
	 * (index deleted) before the worker runs the job. */
	char index_name[OSP_INDEX_NAME_MAX + 1];
	char index_uuid[OSP_UUID_LEN + 1];
	char *mapping;               /* malloc'd copy, freed by done */
	osp_err_t err;
} dp_job_open_t;

/* Close a shard copy; delete its files when remove is set. */
typedef struct dp_job_close {
	dp_job_t job;
	dp_shard_ref_t *ref;
	bool remove;
	char path[PATH_MAX];
} dp_job_close_t;

/* Replace a shard's mapping. */
typedef struct dp_job_mapping {
	dp_job_t job;
	dp_shard_ref_t *ref;
	char *mapping;               /* malloc'd copy, freed by done */
	size_t len;
	osp_err_t err;
} dp_job_mapping_t;

/* One write (index/create/update/delete). */
typedef struct dp_job_write {
	dp_job_t job;
	dp_shard_ref_t *ref;
	st_write_req_t req;
	st_write_res_t res;
	osp_arena_t arena;           /* worker-produced strings (res.source...) */
	osp_err_t err;
	bool refresh;                /* ?refresh=true: refresh after the op */
	void *user;
} dp_job_write_t;

/* One item of a shard-level bulk. */
typedef struct dp_bulk_item {
	st_write_req_t req;
	st_write_res_t res;
	osp_err_t err;
	int rc;                      /* 0, ST_MAPPING_UPDATE or -errno */
	bool done;
} dp_bulk_item_t;

/* A bulk's items for one shard, run in order (Elasticsearch's shard bulk):
 * the worker runs items[next..n) and stops early at an item that needs a
 * mapping update (job rc = ST_MAPPING_UPDATE, next = that item); the network
 * core gets the mapping accepted and resubmits. The final run is parked
 * until everything written is durable. */
typedef struct dp_job_bulk {
	dp_job_t job;
	dp_shard_ref_t *ref;
	dp_bulk_item_t **items;
	uint32_t n, next;
	bool refresh;
	osp_arena_t arena;           /* worker-produced strings */
	void *user;
} dp_job_bulk_t;

/* Get one document. */
typedef struct dp_job_get {
	dp_job_t job;
	dp_shard_ref_t *ref;
	const char *id;
	size_t id_len;
	bool realtime;
	bool refresh;
	st_get_res_t res;
	osp_arena_t arena;
	void *user;
} dp_job_get_t;

/* Refresh / flush / force merge / stats of one shard. */
typedef enum dp_admin_op {
	DP_ADMIN_REFRESH = 0,
	DP_ADMIN_FLUSH,
	DP_ADMIN_FORCEMERGE,
	DP_ADMIN_STATS,
	DP_ADMIN_SEGMENTS,          /* segs[max_segs] filled, n_segs set */
} dp_admin_op_t;

typedef struct dp_job_admin {
	dp_job_t job;
	dp_shard_ref_t *ref;
	dp_admin_op_t op;
	uint32_t max_num_segments;
	bool only_expunge_deletes;
	st_shard_stats_t stats;
	st_segment_info_t *segs;     /* SEGMENTS: caller's array (its arena) */
	uint32_t max_segs, n_segs;
	void *user;
	uint32_t slot;               /* position in the caller's fan-out */
} dp_job_admin_t;

/* Query phase on one shard; holds the reader set (ctx) for the fetch.
 * Scroll / point in time: view (when set) is searched instead of the current
 * set; pin asks for one more reference to the set searched, returned in
 * pinned and released later by a dp_job_view_t. */
typedef struct dp_job_query {
	dp_job_t job;
	dp_shard_ref_t *ref;
	const st_search_req_t *req;    /* network core's, read-only here */
	const st_query_t *count_query; /* _count: count this instead */
	uint64_t count;
	st_shard_result_t res;
	st_reader_set_t *ctx;
	st_reader_set_t *view;         /* in: pinned view to search, or NULL */
	bool pin;                      /* in: keep the view searched */
	st_reader_set_t *pinned;       /* out (pin): one reference, caller's */
	osp_arena_t arena;             /* hits, sort values, agg partials */
	osp_err_t err;
	uint32_t slot;
	void *user;
} dp_job_query_t;

/* Fetch phase: _source of the winning hits of one shard, then release the
 * reader set (n == 0: release only). */
typedef struct dp_job_fetch {
	dp_job_t job;
	dp_shard_ref_t *ref;
	st_reader_set_t *ctx;
	const st_hit_t **hits;
	st_get_res_t *docs;            /* [n], strings in arena */
	uint32_t n;
	osp_arena_t arena;
	void *user;
} dp_job_fetch_t;

/* _terms_enum on one shard (terms in arena). */
typedef struct dp_job_terms {
	dp_job_t job;
	dp_shard_ref_t *ref;
	const char *field, *prefix, *after;
	size_t prefix_len;
	bool case_insensitive;
	uint32_t size;
	const char **terms;
	uint32_t n;
	osp_arena_t arena;
	void *user;
} dp_job_terms_t;

/* Term vectors of one document (or of an artificial one in doc). */
typedef struct dp_job_tv {
	dp_job_t job;
	dp_shard_ref_t *ref;
	const char *id;
	size_t id_len;
	const char *doc;
	size_t doc_len;
	const char *const *fields;
	uint32_t n_fields;
	st_tv_t res;
	osp_err_t err;
	osp_arena_t arena;
	void *user;
	uint32_t slot;
} dp_job_tv_t;

/* Pin the current view of a shard (pin: ref set, view out; rc -ENODEV
 * without a shard), or drop a pinned view (ref NULL, view in). A release
 * runs on the worker that pinned the view even after the shard closed:
 * job.worker is set by the caller then, not from a ref. */
typedef struct dp_job_view {
	dp_job_t job;
	dp_shard_ref_t *ref;
	st_reader_set_t *view;
	void *user;
	uint32_t slot;
} dp_job_view_t;

/* Worker-side job functions. */
void dp_job_query_run(dp_job_t *job, unsigned w);
void dp_job_fetch_run(dp_job_t *job, unsigned w);
void dp_job_open_run(dp_job_t *job, unsigned w);
void dp_job_close_run(dp_job_t *job, unsigned w);
void dp_job_mapping_run(dp_job_t *job, unsigned w);
void dp_job_write_run(dp_job_t *job, unsigned w);
void dp_job_bulk_run(dp_job_t *job, unsigned w);
void dp_job_get_run(dp_job_t *job, unsigned w);
void dp_job_admin_run(dp_job_t *job, unsigned w);
void dp_job_view_run(dp_job_t *job, unsigned w);
void dp_job_terms_run(dp_job_t *job, unsigned w);
void dp_job_tv_run(dp_job_t *job, unsigned w);

/* Prepare a job for ref's worker: sets fn/done/worker. */
static inline void
dp_job_prepare(dp_job_t *job, dp_shard_ref_t *ref, dp_job_fn_t fn, void (*done)(dp_job_t *))
{
	job->fn = fn;
	job->done = done;
	job->worker = ref->worker;
	job->rc = 0;
}

#endif
