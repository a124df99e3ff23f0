/*
 * dp_fanout.h - running one admin job on every local shard of some indices
 * and answering once all came back (_refresh, _flush, _forcemerge, _stats,
 * _cat/shards). The fan-out and its jobs live in the request's arena; done()
 * runs on the network core when the last job returns.
 */
#ifndef DP_FANOUT_H
#define DP_FANOUT_H

#include "../shard/dp_shard_jobs.h"
#include "dp_rest.h"

typedef struct dp_fanout dp_fanout_t;

/* One shard's slot in a fan-out. */
typedef struct dp_fanout_slot {
	dp_job_admin_t job;
	dp_fanout_t *fan;
	dp_index_t *idx;
	uint32_t shard;
	bool ran;                    /* a local copy existed and the job ran */
} dp_fanout_slot_t;

struct dp_fanout {
	dp_rest_req_t *r;
	dp_fanout_slot_t *slots;
	uint32_t n_slots;
	uint32_t pending;
	uint32_t failed;
	void (*done)(dp_fanout_t *f);
	void *user;
};

/* Resolve the {index} parameter (NULL = all indices), build a slot per shard
 * of each index, and run op on the local ones. Replies itself on errors
 * (returns NULL then). */
dp_fanout_t *dp_fanout_start(dp_rest_req_t *r, const char *expr, dp_admin_op_t op,
			     void (*done)(dp_fanout_t *f), void *user);

/* Add the counters of one shard's stats to a sum (indices stats, _cat). */
void dp_fanout_stats_add(st_shard_stats_t *sum, const st_shard_stats_t *s);

#endif
