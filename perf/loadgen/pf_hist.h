/* pf_hist.h - log-linear (HDR-style) latency histogram.
 *
 * Values are unsigned 64-bit (the load generator records nanoseconds).
 * Values below 2^PF_HIST_SUB_BITS are counted exactly; above, each power of
 * two is split into 2^(PF_HIST_SUB_BITS-1) equal sub-buckets, so any value is
 * reported within 1/1024 of itself (three significant digits). Values above
 * PF_HIST_MAX are clamped to it and counted in `clamped`.
 * A histogram is owned by one thread; merge them after the threads join. */
#ifndef PF_HIST_H
#define PF_HIST_H

#include <stddef.h>
#include <stdint.h>

#define PF_HIST_SUB_BITS 11
#define PF_HIST_MAX_SHIFT 30 /* largest value ~ 2^41 ns = ~36 minutes */

/* Counts per bucket plus exact min/max/sum. Allocated by pf_hist_new,
 * freed by pf_hist_free. */
typedef struct pf_hist {
    uint64_t *counts;
    size_t nbuckets;
    uint64_t total;
    uint64_t min;
    uint64_t max;
    uint64_t clamped;
    long double sum;
} pf_hist_t;

pf_hist_t *pf_hist_new(void);
void pf_hist_free(pf_hist_t *h);
void pf_hist_reset(pf_hist_t *h);
uint64_t pf_hist_max_value(void);
void pf_hist_record(pf_hist_t *h, uint64_t v);
void pf_hist_record_n(pf_hist_t *h, uint64_t v, uint64_t n);
int pf_hist_merge(pf_hist_t *dst, const pf_hist_t *src);
/* Value at percentile p (0..100): the highest value equivalent to the bucket
 * holding the ceil(p/100*total)-th sample, capped at the exact max. 0 if empty. */
uint64_t pf_hist_percentile(const pf_hist_t *h, double p);
double pf_hist_mean(const pf_hist_t *h);
/* Bucket index and bounds, exposed for tests and for dumping. */
size_t pf_hist_index(uint64_t v);
uint64_t pf_hist_bucket_low(size_t idx);
uint64_t pf_hist_bucket_high(size_t idx);

#endif
