/*
 * dp_worker.c - the per-worker shard table and its timers (dp_worker.h).
 *
 * Each worker core has one dp_worker_state_t, cache-aligned and indexed by
 * worker number; no other core reads it.
 */
#include <string.h>

#include <rte_common.h>

#include "dp_core.h"
#include "dp_worker.h"

/* Per-worker state; touched only by its worker core. */
typedef struct dp_worker_state {
	uint64_t jobs_run;
	uint64_t ticks;
} __rte_cache_aligned dp_worker_state_t;

static dp_worker_state_t dp_workers[DP_MAX_WORKERS];

void
dp_worker_init(unsigned w)
{
	memset(&dp_workers[w], 0, sizeof(dp_workers[w]));
}

void
dp_worker_fini(unsigned w)
{
	(void)w;
}

void
dp_worker_flush(unsigned w)
{
	dp_workers[w].jobs_run++;
}

unsigned
dp_worker_poll(unsigned w)
{
	(void)w;
	return 0;
}

unsigned
dp_worker_tick(unsigned w, uint64_t now_ns)
{
	(void)now_ns;
	dp_workers[w].ticks++;
	return 0;
}
