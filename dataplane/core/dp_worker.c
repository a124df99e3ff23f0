/*
 * dp_worker.c - per-worker state: io, shard list, parked writes (dp_worker.h).
 *
 * Each worker core has one dp_worker_state_t, cache-aligned and indexed by
 * worker number; no other core reads it. Parked writes of a shard complete in
 * seq_no order because a shard's durable checkpoint only moves forward.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "dp_worker.h"

/* A write waiting for its WAL sync. */
typedef struct dp_parked {
	dp_job_t *job;
	st_shard_t *sh;
	int64_t seq_no;
	int64_t visible;             /* -1: durability only */
} dp_parked_t;

/* Per-worker state; touched only by its worker core. */
typedef struct dp_worker_state {
	st_io_t *io;
	st_shard_t **shards;
	uint32_t n_shards, cap_shards;
	st_shard_t **dirty;
	uint32_t n_dirty, cap_dirty;
	dp_parked_t *parked;
	uint32_t n_parked, cap_parked;
	uint64_t ticks;
} __rte_cache_aligned dp_worker_state_t;

static dp_worker_state_t dp_workers[DP_MAX_WORKERS];

/* Grow an array of elem-sized entries to hold one more. */
static int
worker_grow(void **arr, uint32_t *cap, uint32_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	uint32_t ncap = *cap ? *cap * 2 : 16;
	void *p = realloc(*arr, ncap * elem);

	if (p == NULL)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

void
dp_worker_init(unsigned w)
{
	dp_worker_state_t *ws = &dp_workers[w];
	int rc;

	memset(ws, 0, sizeof(*ws));
	rc = st_io_create_best(&ws->io, 256);
	if (rc != 0)
		fprintf(stderr, "osprey-dataplane: worker %u: no storage io: %s\n", w, strerror(-rc));
}

void
dp_worker_fini(unsigned w)
{
	dp_worker_state_t *ws = &dp_workers[w];

	for (uint32_t i = 0; i < ws->n_shards; i++)
		st_shard_close(ws->shards[i], true);
	for (uint32_t i = 0; i < ws->n_parked; i++) {
		ws->parked[i].job->rc = -ESHUTDOWN;
		dp_core_complete(ws->parked[i].job);
	}
	free(ws->shards);
	free(ws->dirty);
	free(ws->parked);
	if (ws->io)
		st_io_destroy(ws->io);
	memset(ws, 0, sizeof(*ws));
}

st_io_t *
dp_worker_io(unsigned w)
{
	return dp_workers[w].io;
}

int
dp_worker_shard_add(unsigned w, st_shard_t *sh)
{
	dp_worker_state_t *ws = &dp_workers[w];

	if (worker_grow((void **)&ws->shards, &ws->cap_shards, ws->n_shards, sizeof(*ws->shards)))
		return -ENOMEM;
	ws->shards[ws->n_shards++] = sh;
	return 0;
}

void
dp_worker_shard_forget(unsigned w, st_shard_t *sh)
{
	dp_worker_state_t *ws = &dp_workers[w];
	uint32_t o = 0;

	for (uint32_t i = 0; i < ws->n_shards; i++)
		if (ws->shards[i] != sh)
			ws->shards[o++] = ws->shards[i];
	ws->n_shards = o;
	o = 0;
	for (uint32_t i = 0; i < ws->n_dirty; i++)
		if (ws->dirty[i] != sh)
			ws->dirty[o++] = ws->dirty[i];
	ws->n_dirty = o;
	/* Whatever is parked must be durable or failed now (close syncs). */
	st_shard_sync(sh);
	o = 0;
	for (uint32_t i = 0; i < ws->n_parked; i++) {
		dp_parked_t *p = &ws->parked[i];

		if (p->sh != sh) {
			ws->parked[o++] = *p;
			continue;
		}
		if (st_shard_durable_seq_no(sh) < p->seq_no)
			p->job->rc = -ESHUTDOWN;
		dp_core_complete(p->job);
	}
	ws->n_parked = o;
}

void
dp_worker_shard_dirty(unsigned w, st_shard_t *sh)
{
	dp_worker_state_t *ws = &dp_workers[w];

	for (uint32_t i = 0; i < ws->n_dirty; i++)
		if (ws->dirty[i] == sh)
			return;
	if (worker_grow((void **)&ws->dirty, &ws->cap_dirty, ws->n_dirty, sizeof(*ws->dirty)) == 0)
		ws->dirty[ws->n_dirty++] = sh;
}

int
dp_worker_park(unsigned w, dp_job_t *job, st_shard_t *sh, int64_t seq_no)
{
	return dp_worker_park_visible(w, job, sh, seq_no, -1);
}

int
dp_worker_park_visible(unsigned w, dp_job_t *job, st_shard_t *sh, int64_t seq_no,
		       int64_t visible)
{
	dp_worker_state_t *ws = &dp_workers[w];

	if (worker_grow((void **)&ws->parked, &ws->cap_parked, ws->n_parked, sizeof(*ws->parked))) {
		/* Cannot wait asynchronously: make it durable (and visible) now. */
		int rc = st_shard_sync(sh);

		if (rc == 0 && visible >= 0)
			rc = st_shard_refresh(sh);
		if (rc != 0)
			job->rc = rc;
		dp_core_complete(job);
		return 0;
	}
	ws->parked[ws->n_parked++] = (dp_parked_t){ job, sh, seq_no, visible };
	dp_worker_shard_dirty(w, sh);
	return 0;
}

void
dp_worker_flush(unsigned w)
{
	dp_worker_state_t *ws = &dp_workers[w];
	int64_t now_ms = (int64_t)(dp_now_ns() / 1000000);

	/* st_shard_tick group-commits what the burst appended. */
	for (uint32_t i = 0; i < ws->n_dirty; i++)
		st_shard_tick(ws->dirty[i], now_ms);
	ws->n_dirty = 0;
}

unsigned
dp_worker_poll(unsigned w)
{
	dp_worker_state_t *ws = &dp_workers[w];
	unsigned done = 0;
	uint32_t o = 0;

	if (ws->n_parked == 0)
		return 0;
	if (ws->io)
		st_io_poll(ws->io, 0);
	for (uint32_t i = 0; i < ws->n_parked; i++) {
		dp_parked_t *p = &ws->parked[i];
		int failed = st_shard_failed(p->sh);

		if (st_shard_durable_seq_no(p->sh) >= p->seq_no &&
		    (p->visible < 0 || st_shard_visible_seq_no(p->sh) >= p->visible)) {
			dp_core_complete(p->job);
			done++;
		} else if (failed) {
			p->job->rc = failed;
			dp_core_complete(p->job);
			done++;
		} else if (p->visible >= 0 && st_shard_durable_seq_no(p->sh) >= p->seq_no &&
			   !st_shard_busy(p->sh) && st_shard_visible_seq_no(p->sh) < p->visible) {
			p->job->rc = -EIO;        /* the refresh failed; it retries later */
			dp_core_complete(p->job);
			done++;
		} else {
			ws->parked[o++] = *p;
		}
	}
	ws->n_parked = o;
	/* While writes wait for their sync, keep polling: do not fall asleep. */
	return done + (ws->n_parked > 0);
}

unsigned
dp_worker_tick(unsigned w, uint64_t now_ns)
{
	dp_worker_state_t *ws = &dp_workers[w];
	int64_t now_ms = (int64_t)(now_ns / 1000000);

	unsigned busy = 0;

	ws->ticks++;
	for (uint32_t i = 0; i < ws->n_shards; i++) {
		st_shard_tick(ws->shards[i], now_ms);
		busy |= st_shard_busy(ws->shards[i]);    /* a sliced refresh: keep ticking */
	}
	return ws->n_parked || busy ? 1 : 0;
}
