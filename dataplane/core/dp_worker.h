/*
 * dp_worker.h - what a worker core owns: its io, its open shards, and the
 * writes waiting for durability.
 *
 * A worker opens and closes shards when jobs tell it to, runs job functions
 * on them, and between bursts drives their timers through st_shard_tick
 * (group commit of the WAL, refresh, merges in bounded slices). A write job
 * whose op must be durable before it is acknowledged is parked here and
 * completed by dp_worker_poll once st_shard_durable_seq_no passes its seq_no
 * (and, for ?refresh=true, st_shard_visible_seq_no passes the seq_no the
 * sliced refresh makes searchable) or failed when the shard failed. The network core refers to a shard by
 * the st_shard_t pointer the open job returned; only this worker dereferences
 * it. Every function runs on worker core w only.
 */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include <stdint.h>

#include "osprey/io.h"
#include "osprey/storage.h"
#include "dp_core.h"

void dp_worker_init(unsigned w);
void dp_worker_fini(unsigned w);
/* After a burst of jobs: start the group commit of what they appended. */
void dp_worker_flush(unsigned w);
/* Complete parked jobs whose writes became durable; returns how many. */
unsigned dp_worker_poll(unsigned w);
/* Timers (refresh, WAL sync, merges); returns units of work done. */
unsigned dp_worker_tick(unsigned w, uint64_t now_ns);

/* The worker's io (one io_uring). */
st_io_t *dp_worker_io(unsigned w);
/* Track an opened shard (ticks) / forget a shard before closing it; forget
 * fails parked writes of that shard with -ESHUTDOWN. */
int dp_worker_shard_add(unsigned w, st_shard_t *sh);
void dp_worker_shard_forget(unsigned w, st_shard_t *sh);
/* Note that sh has appended ops in this burst (group commit after it). */
void dp_worker_shard_dirty(unsigned w, st_shard_t *sh);
/* Park job until seq_no is durable on sh; *rc_out receives -errno on shard
 * failure before the job is completed. */
int dp_worker_park(unsigned w, dp_job_t *job, st_shard_t *sh, int64_t seq_no);
/* Park job until seq_no is durable and visible_seq_no searchable on sh
 * (?refresh=true: the reply goes once the sliced refresh published; -1 =
 * durability only). */
int dp_worker_park_visible(unsigned w, dp_job_t *job, st_shard_t *sh, int64_t seq_no,
			   int64_t visible_seq_no);

#endif
