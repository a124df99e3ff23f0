/* test_pf_sched.c - arrival schedules: constant spacing is exact, Poisson
 * has the right mean and exponential spread and is reproducible by seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#include "pf_sched.h"

static void
test_constant(void **state)
{
    (void)state;
    pf_sched_t s;
    pf_sched_init(&s, PF_ARRIVAL_CONSTANT, 1000, 1);
    assert_int_equal(pf_sched_next(&s), 0);
    assert_int_equal(pf_sched_next(&s), 1000000);
    assert_int_equal(pf_sched_peek(&s), 2000000);
    for (int i = 0; i < 997; i++)
        pf_sched_next(&s);
    uint64_t t = pf_sched_next(&s); /* the 1000th arrival: 999 ms */
    assert_true(t >= 998999000 && t <= 999001000);
}

static void
test_poisson(void **state)
{
    (void)state;
    enum { N = 100000 };
    pf_sched_t s, s2;
    pf_sched_init(&s, PF_ARRIVAL_POISSON, 2000, 42);
    pf_sched_init(&s2, PF_ARRIVAL_POISSON, 2000, 42);
    uint64_t prev = pf_sched_next(&s);
    pf_sched_next(&s2);
    double sum = 0, sumsq = 0;
    int over3 = 0;
    for (int i = 0; i < N; i++) {
        uint64_t t = pf_sched_next(&s);
        assert_int_equal(t, pf_sched_next(&s2));
        double gap = (double)(t - prev) / 1e9;
        sum += gap;
        sumsq += gap * gap;
        if (gap > 3.0 / 2000)
            over3++;
        prev = t;
    }
    double mean = sum / N, sd = sqrt(sumsq / N - mean * mean);
    assert_true(fabs(mean - 0.0005) < 0.00001);  /* mean 1/rate */
    assert_true(fabs(sd - 0.0005) < 0.00002);    /* exponential: sd == mean */
    double frac = (double)over3 / N;             /* P(gap > 3/rate) = e^-3 */
    assert_true(fabs(frac - exp(-3)) < 0.005);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant),
        cmocka_unit_test(test_poisson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
