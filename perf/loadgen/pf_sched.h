/* pf_sched.h - open-loop arrival schedule: the intended send times.
 *
 * Constant rate spaces arrivals exactly 1/rate apart; Poisson draws
 * exponential gaps with mean 1/rate from a seeded splitmix64 generator, so a
 * run is reproducible. Times are nanoseconds relative to the schedule start.
 * One schedule per worker thread; not shared. */
#ifndef PF_SCHED_H
#define PF_SCHED_H

#include <stdint.h>

typedef enum { PF_ARRIVAL_CONSTANT = 0, PF_ARRIVAL_POISSON = 1 } pf_arrival_t;

typedef struct pf_sched {
    pf_arrival_t kind;
    double rate;       /* arrivals per second */
    double next_ns;    /* intended time of the next arrival */
    uint64_t issued;
    uint64_t rng;
} pf_sched_t;

void pf_sched_init(pf_sched_t *s, pf_arrival_t kind, double rate, uint64_t seed);
/* Intended time (ns from start) of the next arrival, without consuming it. */
uint64_t pf_sched_peek(const pf_sched_t *s);
/* Consume the next arrival and return its intended time. */
uint64_t pf_sched_next(pf_sched_t *s);
/* Uniform double in [0,1) from the schedule's generator (also used to pick requests). */
double pf_sched_uniform(uint64_t *state);

#endif
