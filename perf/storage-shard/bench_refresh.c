/*
 * bench_refresh.c - how long a refresh stalls the worker that owns the
 * shard. One shard on this thread's io (the worker's view: every call is
 * made from one core), N documents written (text body of ~40 Zipf words, a
 * keyword, a long; durability async), then the refresh that makes them
 * searchable, driven two ways:
 *
 *   blocking: st_shard_refresh(), what ?refresh=true and flush do (one call);
 *   sliced:   st_shard_refresh_request() then st_shard_tick() in a loop, as
 *             the worker loop does (realtime gets are served between ticks).
 *
 * Prints, per run, the longest single call in wall time and in thread CPU
 * time (the worst stall a request queued behind the refresh sees; CPU time
 * is the figure that survives a loaded machine), the CPU time spent inside
 * calls and the wall time until the new segment is searchable; medians
 * over the runs. No pass/fail: a figure-printing benchmark.
 *
 * Usage: bench_refresh [docs (20000)] [runs (5)] [slice_us (1000)]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "osprey/arena.h"
#include "osprey/io.h"
#include "osprey/storage.h"

static uint64_t seed = 42;

/* Knuth's MMIX LCG; the high bits are good enough to pick words. */
static uint32_t
rnd(uint32_t n)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)((seed >> 33) % n);
}

static double
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double
now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

/* CPU time of this thread: what a call costs the core, without the time a
 * loaded machine's scheduler takes away. */
static double
cpu_ms(void)
{
	return clock_ms(CLOCK_THREAD_CPUTIME_ID);
}

/* A word from a Zipf-ish vocabulary of 20k made-up words. */
static int
word(char *out)
{
	uint32_t r = rnd(20000);
	uint32_t w = (r * r) / 20000;    /* skew to small ids */

	return sprintf(out, "w%ux%u", w, w % 7);
}

static int
write_docs(st_shard_t *sh, uint32_t n, uint32_t base, osp_arena_t *a)
{
	char src[1024], id[32];

	for (uint32_t i = 0; i < n; i++) {
		int o = sprintf(src, "{\"body\":\"");
		st_write_res_t res;
		osp_err_t err;

		for (int k = 0; k < 40; k++) {
			o += word(src + o);
			src[o++] = ' ';
		}
		o += sprintf(src + o, "\",\"tag\":\"t%u\",\"n\":%u}", rnd(100), rnd(1000000));
		snprintf(id, sizeof(id), "d%u", base + i);
		st_write_req_t req = {
			.op = ST_OP_INDEX, .id = id, .id_len = strlen(id), .source = src,
			.source_len = (size_t)o, .version = ST_MATCH_ANY_VERSION,
			.if_seq_no = ST_UNASSIGNED_SEQ_NO,
		};
		int rc = st_shard_write(sh, &req, a, &res, &err);

		if (rc != 0) {
			fprintf(stderr, "write: %d %s\n", rc, err.reason);
			return -1;
		}
		if ((i & 255) == 0)
			osp_arena_reset(a);
	}
	return 0;
}

static int
cmp_d(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

typedef struct fig {
	double max_call, max_cpu, busy, wall;
	uint32_t calls;
} fig_t;

static int
run_once(st_io_t *io, uint32_t ndocs, bool sliced, int64_t slice_us, fig_t *f)
{
	char dir[] = "/tmp/osp-bench-refresh-XXXXXX";
	st_shard_config_t c;
	st_shard_t *sh = NULL;
	osp_arena_t a;
	osp_err_t err;
	char cmd[128];
	int rc;

	if (!mkdtemp(dir))
		return -1;
	memset(&c, 0, sizeof(c));
	c.path = dir;
	c.index_name = "bench";
	c.index_uuid = "uuid-bench";
	c.primary_term = 1;
	c.mapping_json = "{\"properties\":{\"body\":{\"type\":\"text\"},\"tag\":{\"type\":\"keyword\"},"
			 "\"n\":{\"type\":\"long\"}}}";
	c.mapping_len = strlen(c.mapping_json);
	st_shard_settings_default(&c.settings);
	c.settings.refresh_interval_ms = -1;
	c.settings.durability = ST_DURABILITY_ASYNC;
	c.settings.merge_enabled = false;
	c.settings.refresh_slice_us = slice_us;
	c.io = io;
	osp_arena_init(&a, 64 * 1024, 0);
	rc = st_shard_open(&c, &sh, &err);
	if (rc != 0)
		goto cleanup;
	rc = write_docs(sh, ndocs, 0, &a);
	if (rc != 0)
		goto cleanup;
	memset(f, 0, sizeof(*f));
	double t0 = now_ms();

	if (!sliced) {
		double c0 = cpu_ms();

		rc = st_shard_refresh(sh);
		f->max_call = now_ms() - t0;
		f->max_cpu = f->busy = cpu_ms() - c0;
		f->calls = 1;
	} else {
		int64_t target = st_shard_refresh_request(sh);

		while (rc == 0 && st_shard_visible_seq_no(sh) < target) {
			double s = now_ms(), cs = cpu_ms();

			rc = st_shard_tick(sh, (int64_t)s);
			double d = now_ms() - s, dc = cpu_ms() - cs;

			f->busy += dc;
			f->calls++;
			if (d > f->max_call)
				f->max_call = d;
			if (dc > f->max_cpu)
				f->max_cpu = dc;
		}
	}
	f->wall = now_ms() - t0;
	if (rc == 0 && st_shard_count(sh) != ndocs) {
		fprintf(stderr, "refresh made %llu docs searchable, want %u\n",
			(unsigned long long)st_shard_count(sh), ndocs);
		rc = -1;
	}
cleanup:
	if (sh)
		st_shard_close(sh, false);
	osp_arena_free(&a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = rc ? rc : -1;
	return rc;
}

int
main(int argc, char **argv)
{
	uint32_t ndocs = argc > 1 ? (uint32_t)atoi(argv[1]) : 20000;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	int64_t slice_us = argc > 3 ? atoll(argv[3]) : 1000;
	st_io_t *io;

	if (runs < 1 || runs > 50 || ndocs == 0 || st_io_create_best(&io, 64) != 0) {
		fprintf(stderr, "usage: bench_refresh [docs] [runs <= 50] [slice_us]\n");
		return 2;
	}
	printf("refresh of %u docs, %d runs, slice budget %lld us (medians)\n", ndocs, runs,
	       (long long)slice_us);
	printf("%-9s %12s %12s %12s %12s %8s\n", "mode", "max_call_ms", "max_cpu_ms", "cpu_ms",
	       "wall_ms", "calls");
	for (int mode = 0; mode < 2; mode++) {
		double mx[50], mc[50], busy[50], wall[50], calls[50];

		for (int r = 0; r < runs; r++) {
			fig_t f;

			if (run_once(io, ndocs, mode == 1, slice_us, &f) != 0) {
				fprintf(stderr, "run failed\n");
				st_io_destroy(io);
				return 1;
			}
			mx[r] = f.max_call;
			mc[r] = f.max_cpu;
			busy[r] = f.busy;
			wall[r] = f.wall;
			calls[r] = f.calls;
		}
		qsort(mx, (size_t)runs, sizeof(double), cmp_d);
		qsort(mc, (size_t)runs, sizeof(double), cmp_d);
		qsort(busy, (size_t)runs, sizeof(double), cmp_d);
		qsort(wall, (size_t)runs, sizeof(double), cmp_d);
		qsort(calls, (size_t)runs, sizeof(double), cmp_d);
		printf("%-9s %12.2f %12.2f %12.2f %12.2f %8.0f\n", mode ? "sliced" : "blocking",
		       mx[runs / 2], mc[runs / 2], busy[runs / 2], wall[runs / 2], calls[runs / 2]);
	}
	st_io_destroy(io);
	return 0;
}
