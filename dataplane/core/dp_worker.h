/*
 * dp_worker.h - what a worker core does between jobs.
 *
 * A worker owns its shards (a table private to that core): it opens and
 * closes them when the cluster state says so, runs job functions on them,
 * and between bursts drives their timers (group commit of the WAL, refresh,
 * merges in bounded slices). Jobs whose writes wait for durability are
 * parked here and completed by dp_worker_poll once the WAL sync lands.
 * Every function runs on worker core w only.
 */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include <stdint.h>

void dp_worker_init(unsigned w);
void dp_worker_fini(unsigned w);
/* After a burst of jobs: start the group commit of what they appended. */
void dp_worker_flush(unsigned w);
/* Complete parked jobs whose writes became durable; returns how many. */
unsigned dp_worker_poll(unsigned w);
/* Timers (refresh, WAL sync, merges); returns units of work done. */
unsigned dp_worker_tick(unsigned w, uint64_t now_ns);

#endif
