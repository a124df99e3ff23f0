/* pf_out.h - results of a run: the readable table and the JSON document.
 * A pf_result_t is filled by the main thread after the workers join; the
 * histogram it points to stays owned by the caller. */
#ifndef PF_OUT_H
#define PF_OUT_H

#include <stdint.h>
#include <stdio.h>

#include "pf_hist.h"

typedef struct pf_result {
    const char *label;
    const char *mode;      /* "open" or "closed" */
    const char *arrival;   /* "constant", "poisson" or "-" */
    double rate;
    int connections, threads, pipeline;
    double warmup_s, duration_s;
    double elapsed_s;      /* window start to the last measured answer, if longer */
    uint64_t requests, errors, non2xx, timeouts, reconnects, connect_errors, bytes_in, max_backlog;
    const pf_hist_t *hist; /* nanoseconds */
} pf_result_t;

void pf_out_table(FILE *f, const pf_result_t *r);
/* JSON with latencies in microseconds and the histogram as
 * [value_us, count] pairs for non-empty buckets. */
void pf_out_json(FILE *f, const pf_result_t *r);

#endif
