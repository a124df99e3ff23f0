/* pf_worker.h - one load-generator thread: an epoll loop over its own
 * keep-alive connections.
 *
 * Open loop: the thread owns a pf_sched of rate/threads; every arrival due by
 * now goes on a backlog queue with its intended time, and is sent on the first
 * connection with a free pipeline slot. Its latency is measured from the
 * intended time, so time spent queued behind a stalled server counts
 * (coordinated omission corrected, as wrk2 does). Closed loop: each
 * connection keeps `pipeline` requests outstanding, latency from actual send.
 * Samples whose intended/send time falls in the measured window (after the
 * warm-up) are recorded. Everything in a pf_worker_t belongs to its thread
 * except the atomic progress counters, which the main thread reads. */
#ifndef PF_WORKER_H
#define PF_WORKER_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "pf_hist.h"
#include "pf_reqs.h"
#include "pf_sched.h"

/* Run parameters; filled by the command line, read-only while threads run. */
typedef struct pf_cfg {
    struct sockaddr_in addr;
    int connections;
    int threads;
    int pipeline;
    int closed;
    pf_arrival_t arrival;
    double rate;          /* total requests/s (open loop) */
    double warmup_s;
    double duration_s;
    double drain_s;       /* how long to wait for stragglers after the window */
    uint64_t seed;
    const pf_reqs_t *reqs;
    uint64_t t0;          /* CLOCK_MONOTONIC ns when the schedule starts */
} pf_cfg_t;

typedef struct pf_worker {
    const pf_cfg_t *cfg;
    int id;
    int nconns;
    double rate;
    pf_hist_t *hist;
    uint64_t sent, done, errors, non2xx, timeouts, reconnects, connect_errors, bytes_in;
    uint64_t max_backlog;
    uint64_t win_start_ns;  /* start of the measured window */
    uint64_t last_done_ns;  /* latest completion of a measured request */
    _Atomic uint64_t prog_done;
    _Atomic uint64_t prog_errors;
    int rc;
    pthread_t th;
} pf_worker_t;

uint64_t pf_now_ns(void);
/* Thread entry: runs the loop until the window and drain end. */
void *pf_worker_run(void *arg);

#endif
