/*
 * dp_core.h - lcores, rings and jobs of the dataplane process.
 *
 * DPDK's EAL is the threading, ring and memory framework in every mode (with
 * --no-huge --no-pci --in-memory when no NIC is used). The main lcore is the
 * network core; dataplane.workers worker lcores each own a set of shards.
 * Cross-core traffic is one single-producer/single-consumer rte_ring per
 * direction and (network core, worker) pair (Seastar's queue matrix): the
 * network core enqueues a dp_job_t pointer, the worker runs it and enqueues the
 * same pointer back (dp_core_complete), at once or when its write is durable. A job is allocated and freed by the network core; the
 * worker only reads its inputs and writes its result fields, and touches
 * nothing else that the network core owns. Nothing on this path takes a lock.
 *
 * Idle back-off: after a run of empty polls a loop sleeps (network core: in
 * its backend's wait(), workers: on an eventfd), up to dataplane.idle_sleep_us.
 * Its default (-1) busy-polls the dpdk backend's network core when
 * dataplane.lcores pins it (the NIC has no interrupt to sleep on), else 1 ms
 * as on the kernel backend; workers sleep either way: they are woken by
 * eventfd, and a spinning worker takes a CPU from the network core and the
 * clients on a shared machine. An explicit 0 busy-polls every core.
 * A producer that finds the consumer asleep writes its eventfd, so a sleeping
 * core wakes at once when work arrives; the sleep only bounds the latency of a
 * wake that raced with falling asleep.
 */
#ifndef DP_CORE_H
#define DP_CORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "osprey/settings.h"

#define DP_MAX_WORKERS 64

struct rte_ring;
typedef struct dp_job dp_job_t;

/* What a job asks a worker to do; handled by dp_worker_run(). */
typedef void (*dp_job_fn_t)(dp_job_t *job, unsigned worker);

/* A unit of work for a worker, owned by the network core. The worker calls
 * fn(job, worker), which hands the job back with dp_core_complete now or
 * later; done() then runs on the network core. Job-specific data follows in the structs that embed this one. */
struct dp_job {
	dp_job_fn_t fn;                         /* runs on the worker */
	void (*done)(dp_job_t *job);            /* runs on the network core */
	unsigned worker;                        /* target worker index */
	int rc;                                 /* result code, set by fn */
};

/* Sleep/wake state of one core. */
typedef struct dp_idle {
	_Atomic int sleeping;
	int64_t sleep_us;                       /* back-off sleep; 0 = busy poll */
	int efd;                                /* eventfd, -1 for the network core */
	void (*wake_fn)(void *arg);             /* network core: backend wake() */
	void *wake_arg;
	uint32_t empty_polls;
} dp_idle_t;

/* The process-wide core layout; built by dp_core_init, then read-only except
 * for the rings' own state and the idle flags. */
typedef struct dp_core {
	unsigned n_workers;
	unsigned worker_lcore[DP_MAX_WORKERS];
	struct rte_ring *to_worker[DP_MAX_WORKERS];   /* network core -> worker */
	struct rte_ring *from_worker[DP_MAX_WORKERS]; /* worker -> network core */
	dp_idle_t worker_idle[DP_MAX_WORKERS];
	dp_idle_t net_idle;
	int64_t idle_sleep_us;                        /* network core's; 0 = busy poll */
	volatile bool quit;
} dp_core_t;

extern dp_core_t dp_core;

/* Start the EAL from settings (dataplane.eal, dataplane.lcores,
 * dataplane.workers, dataplane.net) and create the rings. */
int dp_core_init(const osp_settings_t *s, const char *argv0, char *err, size_t errlen);
/* Launch the worker loops on their lcores. */
int dp_core_start_workers(void);
/* Stop and join workers; release EAL. */
void dp_core_stop(void);

/* Network core: send a job to its worker (never fails: rings are sized for the
 * maximum number of jobs in flight, which the network core bounds). */
int dp_core_submit(dp_job_t *job);
/* Worker: hand a finished job back to the network core (immediately after
 * fn, or later, e.g. once its write is durable). Exactly once per job. */
void dp_core_complete(dp_job_t *job);
/* Network core: collect finished jobs and run their done(); returns count. */
unsigned dp_core_collect(void);
/* Jobs submitted and not yet collected. */
unsigned dp_core_inflight(void);

/* Idle accounting: call with the number of events a loop iteration handled;
 * returns true when the caller should sleep now. */
bool dp_idle_should_sleep(dp_idle_t *idle, unsigned events);
/* Wake a core if it sleeps (producer side). */
void dp_idle_wake(dp_idle_t *idle);

/* Monotonic clock in ns and TSC helpers. */
uint64_t dp_now_ns(void);
/* The TSC (rte_rdtsc) and its frequency in Hz. */
uint64_t dp_tsc(void);
uint64_t dp_tsc_hz(void);

#endif
