/* test_pf_hist.c - the log-linear histogram: bucket bounds, percentile
 * accuracy against exact order statistics, merge, clamping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "pf_hist.h"

static void
test_exact_small_values(void **state)
{
    (void)state;
    pf_hist_t *h = pf_hist_new();
    assert_non_null(h);
    for (uint64_t v = 0; v < 2048; v++)
        assert_int_equal(pf_hist_index(v), v);
    for (uint64_t v = 1; v <= 1000; v++)
        pf_hist_record(h, v);
    assert_int_equal(h->total, 1000);
    assert_int_equal(pf_hist_percentile(h, 50), 500);
    assert_int_equal(pf_hist_percentile(h, 99), 990);
    assert_int_equal(pf_hist_percentile(h, 99.9), 999);
    assert_int_equal(pf_hist_percentile(h, 100), 1000);
    assert_int_equal(pf_hist_percentile(h, 0), 1);
    assert_true(pf_hist_mean(h) > 500.49 && pf_hist_mean(h) < 500.51);
    pf_hist_free(h);
}

/* Every value lies inside its bucket and buckets are 1/1024 wide at most. */
static void
test_bucket_bounds(void **state)
{
    (void)state;
    uint64_t v = 1;
    while (v < pf_hist_max_value()) {
        for (uint64_t d = 0; d < 3; d++) {
            uint64_t x = v + d;
            size_t i = pf_hist_index(x);
            assert_true(pf_hist_bucket_low(i) <= x);
            assert_true(pf_hist_bucket_high(i) >= x);
            uint64_t width = pf_hist_bucket_high(i) - pf_hist_bucket_low(i);
            assert_true(width <= pf_hist_bucket_low(i) / 1024);
        }
        v = v * 3 / 2 + 1;
    }
    /* consecutive buckets tile the value range */
    for (size_t i = 1; i < 20000; i++)
        assert_int_equal(pf_hist_bucket_low(i), pf_hist_bucket_high(i - 1) + 1);
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Percentiles of a wide, skewed sample are within 0.1% of the exact ones. */
static void
test_percentiles_vs_exact(void **state)
{
    (void)state;
    enum { N = 200000 };
    uint64_t *v = malloc(N * sizeof(*v));
    assert_non_null(v);
    pf_hist_t *h = pf_hist_new();
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* log-uniform between 10us and 10s in ns */
        double e = 4.0 + 6.0 * (double)(x >> 11) / 9007199254740992.0;
        uint64_t val = (uint64_t)pow(10.0, e);
        v[i] = val;
        pf_hist_record(h, val);
    }
    qsort(v, N, sizeof(*v), cmp_u64);
    const double ps[] = {1, 25, 50, 90, 99, 99.9, 99.99};
    for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
        size_t rank = (size_t)__builtin_ceil(ps[k] / 100.0 * N);
        uint64_t exact = v[rank - 1];
        uint64_t got = pf_hist_percentile(h, ps[k]);
        assert_true(got >= exact);
        assert_true((double)(got - exact) <= (double)exact / 1000.0);
    }
    assert_int_equal(pf_hist_percentile(h, 100), v[N - 1]);
    assert_int_equal(h->min, v[0]);
    free(v);
    pf_hist_free(h);
}

static void
test_merge_and_clamp(void **state)
{
    (void)state;
    pf_hist_t *a = pf_hist_new(), *b = pf_hist_new();
    for (int i = 0; i < 990; i++)
        pf_hist_record(a, 1000000);         /* 1 ms */
    pf_hist_record_n(b, 1000000000, 10);    /* 1 s, ten times */
    assert_int_equal(pf_hist_merge(a, b), 0);
    assert_int_equal(a->total, 1000);
    uint64_t p99 = pf_hist_percentile(a, 99);
    assert_true(p99 >= 1000000 && p99 <= 1001000);
    uint64_t p991 = pf_hist_percentile(a, 99.1);
    assert_true(p991 >= 1000000000 && p991 <= 1001000000);
    assert_int_equal(a->max, 1000000000);
    pf_hist_record(a, UINT64_MAX);
    assert_int_equal(a->clamped, 1);
    assert_int_equal(a->max, pf_hist_max_value());
    pf_hist_reset(a);
    assert_int_equal(a->total, 0);
    assert_int_equal(pf_hist_percentile(a, 99), 0);
    pf_hist_free(a);
    pf_hist_free(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_small_values),
        cmocka_unit_test(test_bucket_bounds),
        cmocka_unit_test(test_percentiles_vs_exact),
        cmocka_unit_test(test_merge_and_clamp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
