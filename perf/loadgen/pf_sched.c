/* pf_sched.c - open-loop arrival schedule (see pf_sched.h). The first arrival
 * is at time 0; each next one is a gap later: 1/rate, or -ln(1-U)/rate. */
#include "pf_sched.h"

#include <math.h>

double
pf_sched_uniform(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

void
pf_sched_init(pf_sched_t *s, pf_arrival_t kind, double rate, uint64_t seed)
{
    s->kind = kind;
    s->rate = rate > 0 ? rate : 1;
    s->next_ns = 0;
    s->issued = 0;
    s->rng = seed;
}

uint64_t
pf_sched_peek(const pf_sched_t *s)
{
    return (uint64_t)s->next_ns;
}

uint64_t
pf_sched_next(pf_sched_t *s)
{
    uint64_t t = (uint64_t)s->next_ns;
    double gap;
    if (s->kind == PF_ARRIVAL_POISSON)
        gap = -log(1.0 - pf_sched_uniform(&s->rng)) / s->rate;
    else
        gap = 1.0 / s->rate;
    s->next_ns += gap * 1e9;
    s->issued++;
    return t;
}
