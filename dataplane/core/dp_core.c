/*
 * dp_core.c - EAL start, ring matrix, worker loops and idle back-off.
 *
 * See dp_core.h for the model. The worker loop here is generic: it dequeues
 * job pointers in bursts, runs them, returns them, and calls the worker's
 * periodic tick (shard refresh/merge/WAL sync timers) between bursts.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_pause.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "dp_core.h"
#include "dp_worker.h"

#define DP_RING_SIZE        16384   /* jobs in flight per worker, max */
#define DP_BURST            32
#define DP_SPIN_BEFORE_IDLE 2000    /* empty polls before sleeping */
#define DP_EAL_MAX_ARGS     64

dp_core_t dp_core;
static unsigned dp_inflight;

uint64_t
dp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t
dp_tsc(void)
{
	return rte_rdtsc();
}

uint64_t
dp_tsc_hz(void)
{
	return rte_get_tsc_hz();
}

bool
dp_idle_should_sleep(dp_idle_t *idle, unsigned events)
{
	if (events) {
		idle->empty_polls = 0;
		return false;
	}
	if (idle->sleep_us == 0)
		return false;
	return ++idle->empty_polls >= DP_SPIN_BEFORE_IDLE;
}

void
dp_idle_wake(dp_idle_t *idle)
{
	if (!atomic_load_explicit(&idle->sleeping, memory_order_seq_cst))
		return;
	if (idle->wake_fn) {
		idle->wake_fn(idle->wake_arg);
	} else if (idle->efd >= 0) {
		uint64_t one = 1;
		ssize_t rc = write(idle->efd, &one, sizeof(one));

		(void)rc;
	}
}

/* Split the dataplane.eal string on spaces into argv (no quoting). */
static int
core_split_args(char *s, char **argv, int max)
{
	int n = 0;

	for (char *tok = strtok(s, " \t"); tok && n < max; tok = strtok(NULL, " \t"))
		argv[n++] = tok;
	return n;
}

int
dp_core_init(const osp_settings_t *s, const char *argv0, char *err, size_t errlen)
{
	char *argv[DP_EAL_MAX_ARGS];
	char lcores[128], prefix[64], extra[1024];
	int argc = 0;
	unsigned workers = (unsigned)osp_settings_int(s, "dataplane.workers");
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	bool dpdk = strcmp(osp_settings_str(s, "dataplane.net"), "dpdk") == 0;
	int64_t idle = osp_settings_int(s, "dataplane.idle_sleep_us");

	if (workers > DP_MAX_WORKERS) {
		snprintf(err, errlen, "setting [dataplane.workers]: at most %d", DP_MAX_WORKERS);
		return -EINVAL;
	}
	memset(&dp_core, 0, sizeof(dp_core));
	dp_core.n_workers = workers;
	/* Default back-off: busy-poll the dpdk backend's network core only on a
	 * CPU of its own (dataplane.lcores pins it); floating lcores share the
	 * machine and sleep like the kernel backend. On a shared 2-core VM a
	 * busy-polling network core served 0.6x the kernel backend's GET /
	 * rate, backing off 1.0-1.3x (docs/DECISIONS.md). */
	bool pinned = *osp_settings_str(s, "dataplane.lcores") != '\0';

	dp_core.idle_sleep_us = idle >= 0 ? idle : (dpdk && pinned ? 0 : 1000);
	dp_core.net_idle.sleep_us = dp_core.idle_sleep_us;
	for (unsigned i = 0; i < workers; i++)
		dp_core.worker_idle[i].sleep_us = idle >= 0 ? idle : 1000;

	argv[argc++] = (char *)argv0;
	if (*osp_settings_str(s, "dataplane.lcores")) {
		snprintf(lcores, sizeof(lcores), "--lcores=%s", osp_settings_str(s, "dataplane.lcores"));
	} else {
		/* lcores 0..workers float over every CPU: several nodes and their
		 * tests share a small machine. Pin them with dataplane.lcores. */
		snprintf(lcores, sizeof(lcores), "--lcores=(0-%u)@(0-%ld)", workers,
			 ncpu > 0 ? ncpu - 1 : 0);
	}
	argv[argc++] = lcores;
	snprintf(prefix, sizeof(prefix), "--file-prefix=osprey-%d", (int)getpid());
	argv[argc++] = prefix;
	argv[argc++] = "--no-telemetry";
	argv[argc++] = "--log-level=lib.eal:warning";
	snprintf(extra, sizeof(extra), "%s", osp_settings_str(s, "dataplane.eal"));
	if (!dpdk || *extra == '\0') {
		/* No NIC: plain memory (64 MB), no PCI scan, no shared config
		 * files (--no-huge implies legacy memory, which --in-memory
		 * refuses; --no-shconf gives the same "nothing on disk"). */
		argv[argc++] = "--no-huge";
		argv[argc++] = "--no-pci";
		argv[argc++] = "--no-shconf";
	}
	argc += core_split_args(extra, argv + argc, DP_EAL_MAX_ARGS - argc - 1);
	argv[argc] = NULL;
	optind = 1;
	if (rte_eal_init(argc, argv) < 0) {
		snprintf(err, errlen, "DPDK EAL init failed: %s (EAL args from dataplane.eal/lcores)",
			 rte_strerror(rte_errno));
		return -EINVAL;
	}
	if (rte_lcore_count() < workers + 1) {
		snprintf(err, errlen, "setting [dataplane.workers]: %u workers need %u lcores, EAL has %u",
			 workers, workers + 1, rte_lcore_count());
		return -EINVAL;
	}
	unsigned i = 0, lc;

	RTE_LCORE_FOREACH_WORKER(lc) {
		if (i == workers)
			break;
		dp_core.worker_lcore[i++] = lc;
	}
	for (i = 0; i < workers; i++) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "to_w%u", i);
		dp_core.to_worker[i] = rte_ring_create(name, DP_RING_SIZE, (int)rte_socket_id(),
						       RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "from_w%u", i);
		dp_core.from_worker[i] = rte_ring_create(name, DP_RING_SIZE, (int)rte_socket_id(),
							 RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!dp_core.to_worker[i] || !dp_core.from_worker[i]) {
			snprintf(err, errlen, "cannot create rings: %s", rte_strerror(rte_errno));
			return -ENOMEM;
		}
		dp_core.worker_idle[i].efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (dp_core.worker_idle[i].efd < 0) {
			snprintf(err, errlen, "eventfd: %s", strerror(errno));
			return -errno;
		}
	}
	dp_core.net_idle.efd = -1;
	return 0;
}

/* Sleep until woken or the back-off period ends. */
static void
core_worker_sleep(dp_idle_t *idle, struct rte_ring *in)
{
	struct pollfd pfd = { .fd = idle->efd, .events = POLLIN };
	uint64_t v;

	atomic_store_explicit(&idle->sleeping, 1, memory_order_seq_cst);
	if (rte_ring_count(in) == 0) {
		int ms = (int)((idle->sleep_us + 999) / 1000);

		poll(&pfd, 1, ms > 0 ? ms : 1);
	}
	atomic_store_explicit(&idle->sleeping, 0, memory_order_seq_cst);
	ssize_t rc = read(idle->efd, &v, sizeof(v));

	(void)rc;
	idle->empty_polls = 0;
}

static int
core_worker_main(void *arg)
{
	unsigned w = (unsigned)(uintptr_t)arg;
	struct rte_ring *in = dp_core.to_worker[w];
	dp_idle_t *idle = &dp_core.worker_idle[w];
	void *jobs[DP_BURST];
	uint64_t next_tick = 0, tick_tsc = rte_get_tsc_hz() / 1000;

	dp_worker_init(w);
	while (!dp_core.quit) {
		unsigned n = rte_ring_sc_dequeue_burst(in, jobs, DP_BURST, NULL);

		for (unsigned i = 0; i < n; i++) {
			dp_job_t *job = jobs[i];

			job->fn(job, w);
		}
		/* Group commit: one WAL sync for the whole burst's writes. */
		if (n)
			dp_worker_flush(w);
		unsigned more = dp_worker_poll(w);
		uint64_t tsc = rte_rdtsc();

		/* 1 ms ticks on the TSC: clock_gettime per empty iteration was
		 * most of a busy-polling worker's time (perf). */
		if (tsc >= next_tick) {
			more += dp_worker_tick(w, dp_now_ns());
			next_tick = tsc + tick_tsc;
		}
		if (dp_idle_should_sleep(idle, n + more))
			core_worker_sleep(idle, in);
	}
	dp_worker_fini(w);
	return 0;
}

void
dp_core_complete(dp_job_t *job)
{
	struct rte_ring *out = dp_core.from_worker[job->worker];

	while (rte_ring_sp_enqueue(out, job) != 0)
		rte_pause();
	dp_idle_wake(&dp_core.net_idle);
}

int
dp_core_start_workers(void)
{
	for (unsigned i = 0; i < dp_core.n_workers; i++) {
		int rc = rte_eal_remote_launch(core_worker_main, (void *)(uintptr_t)i,
					       dp_core.worker_lcore[i]);

		if (rc != 0)
			return rc;
	}
	return 0;
}

void
dp_core_stop(void)
{
	dp_core.quit = true;
	for (unsigned i = 0; i < dp_core.n_workers; i++)
		dp_idle_wake(&dp_core.worker_idle[i]);
	rte_eal_mp_wait_lcore();
	for (unsigned i = 0; i < dp_core.n_workers; i++) {
		rte_ring_free(dp_core.to_worker[i]);
		rte_ring_free(dp_core.from_worker[i]);
		if (dp_core.worker_idle[i].efd >= 0)
			close(dp_core.worker_idle[i].efd);
	}
	rte_eal_cleanup();
}

int
dp_core_submit(dp_job_t *job)
{
	unsigned w = job->worker;

	if (w >= dp_core.n_workers)
		return -EINVAL;
	while (rte_ring_sp_enqueue(dp_core.to_worker[w], job) != 0)
		dp_core_collect();  /* full: drain replies so the worker can go on */
	dp_inflight++;
	dp_idle_wake(&dp_core.worker_idle[w]);
	return 0;
}

unsigned
dp_core_collect(void)
{
	void *jobs[DP_BURST];
	unsigned total = 0;

	for (unsigned w = 0; w < dp_core.n_workers; w++) {
		unsigned n;

		while ((n = rte_ring_sc_dequeue_burst(dp_core.from_worker[w], jobs, DP_BURST, NULL)) > 0) {
			for (unsigned i = 0; i < n; i++) {
				dp_job_t *job = jobs[i];

				dp_inflight--;
				job->done(job);
			}
			total += n;
		}
	}
	return total;
}

unsigned
dp_core_inflight(void)
{
	return dp_inflight;
}
