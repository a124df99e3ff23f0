/* pf_hist.c - log-linear latency histogram (see pf_hist.h).
 *
 * Layout: indices [0, SUB) hold values 0..SUB-1 exactly. Past that, the value
 * is shifted right until it fits in [HALF, SUB); index = SUB + (shift-1)*HALF
 * + (v>>shift) - HALF. Each bucket spans 2^shift values, i.e. at most 1/HALF
 * of its lower bound. Percentiles walk the buckets in order. */
#include "pf_hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SUB ((uint64_t)1 << PF_HIST_SUB_BITS)
#define HALF (SUB >> 1)
#define NBUCKETS ((size_t)(SUB + PF_HIST_MAX_SHIFT * HALF))

uint64_t
pf_hist_max_value(void)
{
    return (SUB << PF_HIST_MAX_SHIFT) - 1;
}

size_t
pf_hist_index(uint64_t v)
{
    if (v < SUB)
        return (size_t)v;
    if (v > pf_hist_max_value())
        v = pf_hist_max_value();
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - (PF_HIST_SUB_BITS - 1);
    return (size_t)(SUB + (uint64_t)(shift - 1) * HALF + ((v >> shift) - HALF));
}

uint64_t
pf_hist_bucket_low(size_t idx)
{
    if (idx < SUB)
        return idx;
    uint64_t k = idx - SUB;
    int shift = (int)(k / HALF) + 1;
    uint64_t sub = k % HALF + HALF;
    return sub << shift;
}

uint64_t
pf_hist_bucket_high(size_t idx)
{
    if (idx < SUB)
        return idx;
    uint64_t k = idx - SUB;
    int shift = (int)(k / HALF) + 1;
    uint64_t sub = k % HALF + HALF;
    return ((sub + 1) << shift) - 1;
}

pf_hist_t *
pf_hist_new(void)
{
    pf_hist_t *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->nbuckets = NBUCKETS;
    h->counts = calloc(h->nbuckets, sizeof(uint64_t));
    if (!h->counts) {
        free(h);
        return NULL;
    }
    h->min = UINT64_MAX;
    return h;
}

void
pf_hist_free(pf_hist_t *h)
{
    if (!h)
        return;
    free(h->counts);
    free(h);
}

void
pf_hist_reset(pf_hist_t *h)
{
    memset(h->counts, 0, h->nbuckets * sizeof(uint64_t));
    h->total = 0;
    h->min = UINT64_MAX;
    h->max = 0;
    h->clamped = 0;
    h->sum = 0;
}

void
pf_hist_record_n(pf_hist_t *h, uint64_t v, uint64_t n)
{
    if (n == 0)
        return;
    if (v > pf_hist_max_value()) {
        v = pf_hist_max_value();
        h->clamped += n;
    }
    h->counts[pf_hist_index(v)] += n;
    h->total += n;
    h->sum += (long double)v * (long double)n;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
}

void
pf_hist_record(pf_hist_t *h, uint64_t v)
{
    pf_hist_record_n(h, v, 1);
}

int
pf_hist_merge(pf_hist_t *dst, const pf_hist_t *src)
{
    if (dst->nbuckets != src->nbuckets)
        return -1;
    for (size_t i = 0; i < src->nbuckets; i++)
        dst->counts[i] += src->counts[i];
    dst->total += src->total;
    dst->sum += src->sum;
    dst->clamped += src->clamped;
    if (src->total) {
        if (src->min < dst->min)
            dst->min = src->min;
        if (src->max > dst->max)
            dst->max = src->max;
    }
    return 0;
}

uint64_t
pf_hist_percentile(const pf_hist_t *h, double p)
{
    if (h->total == 0)
        return 0;
    if (p <= 0)
        return h->min;
    if (p >= 100)
        return h->max;
    uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)h->total - 1e-9);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < h->nbuckets; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t v = pf_hist_bucket_high(i);
            if (v > h->max)
                v = h->max;
            if (v < h->min)
                v = h->min;
            return v;
        }
    }
    return h->max;
}

double
pf_hist_mean(const pf_hist_t *h)
{
    if (h->total == 0)
        return 0;
    return (double)(h->sum / (long double)h->total);
}
