/*
 * test_agg.c - aggregations: response JSON shapes as Elasticsearch writes
 * them, bucket rules (min_doc_count, gaps, extended_bounds, offset,
 * calendar intervals, ranges), metrics, sub-aggregations, the terms error
 * bound and sum_other_doc_count across shards, and cardinality sketches.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "st_search_int.h"
#include "test_search_mem.h"

static tm_schema_t schema;
static st_reader_t *segs[3];
static osp_arena_t arena;

/* Three segments (also used as three shards). */
static int
setup(void **state)
{
	static const struct { const char *tag; int64_t n; double p; int64_t ts; int ok; } rows[] = {
		{ "x", 1, 1.5, 1577836800000LL, 1 },  /* 2020-01-01 */
		{ "y", 12, 2.0, 1578009600000LL, 0 }, /* 2020-01-03 */
		{ "x", 7, 3.25, 1583020800000LL, 1 }, /* 2020-03-01 */
		{ "z", 21, 0.5, 1583107200000LL, 1 },
		{ "x", 3, 4.0, 1585699200000LL, 0 },  /* 2020-04-01 */
		{ "w", 11, 1.0, 1577836800000LL, 1 },
		{ "y", 8, 2.5, 1578009600000LL, 1 },
		{ "x", 14, 6.0, 1590969600000LL, 0 }, /* 2020-06-01 */
		{ NULL, 0, 0, 0, 0 },
	};
	(void)state;
	tm_schema_init(&schema);
	tm_schema_add(&schema, "tag", ST_QF_KEYWORD);
	tm_schema_add(&schema, "n", ST_QF_LONG);
	tm_schema_add(&schema, "p", ST_QF_DOUBLE);
	tm_schema_add(&schema, "ts", ST_QF_DATE);
	tm_schema_add(&schema, "ok", ST_QF_BOOLEAN);
	tm_schema_add(&schema, "body", ST_QF_TEXT);
	for (int s = 0; s < 3; s++) {
		tm_builder_t *b = tm_builder_new(&schema);
		for (int i = s; i < 8; i += 3) {
			char id[8];
			snprintf(id, sizeof(id), "%d", i);
			uint32_t d = tm_doc(b, id);
			tm_keyword(b, d, "tag", rows[i].tag);
			tm_long(b, d, "n", rows[i].n);
			tm_double(b, d, "p", rows[i].p);
			tm_long(b, d, "ts", rows[i].ts);
			tm_long(b, d, "ok", rows[i].ok);
		}
		/* one doc without any value */
		tm_doc(b, s == 0 ? "empty0" : s == 1 ? "empty1" : "empty2");
		segs[s] = tm_build(b, (uint64_t)s + 1);
	}
	osp_arena_init(&arena, 1 << 15, 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	for (int s = 0; s < 3; s++)
		st_reader_unref(segs[s]);
	osp_arena_free(&arena);
	return 0;
}

/* Run aggs on one shard (all segments) or as three shards; return the
 * "aggregations" JSON. */
static const char *
aggs_json(const char *aggs, bool three_shards)
{
	static char out[8192];
	char body[4096];
	st_search_req_t req;
	st_shard_result_t r[3];
	st_search_merged_t m;
	osp_err_t err;
	osp_buf_t buf = OSP_BUF_INIT;
	osp_jw_t w;
	uint32_t n = three_shards ? 3 : 1;

	snprintf(body, sizeof(body), "{\"size\":0,\"aggs\":%s}", aggs);
	assert_int_equal(tm_parse(body, &arena, &req, &err), 0);
	req.num_shards = n;
	for (uint32_t i = 0; i < n; i++) {
		int rc = three_shards ? st_search_shard(&segs[i], 1, &req, &schema.ops, &arena, &r[i], &err)
				      : st_search_shard(segs, 3, &req, &schema.ops, &arena, &r[i], &err);
		if (rc)
			fail_msg("%s: %s", err.type, err.reason);
		r[i].shard = i;
	}
	st_shard_result_t *p[3] = { &r[0], &r[1], &r[2] };
	assert_int_equal(st_search_merge(&req, p, n, &arena, &m, &err), 0);
	osp_jw_init(&w, &buf, 0);
	osp_jw_obj_begin(&w);
	st_aggs_write(&w, m.aggs, m.n_aggs);
	osp_jw_obj_end(&w);
	snprintf(out, sizeof(out), "%s", buf.data);
	osp_buf_free(&buf);
	return out;
}

static void
expect_json(const char *aggs, bool three, const char *want)
{
	const char *got = aggs_json(aggs, three);

	if (strcmp(got, want)) {
		print_error("aggs %s\n got  %s\n want %s\n", aggs, got, want);
		fail();
	}
}

static void
test_terms_shapes(void **state)
{
	(void)state;
	expect_json("{\"t\":{\"terms\":{\"field\":\"tag\"}}}", false,
		"{\"t\":{\"doc_count_error_upper_bound\":0,\"sum_other_doc_count\":0,\"buckets\":["
		"{\"key\":\"x\",\"doc_count\":4},{\"key\":\"y\",\"doc_count\":2},"
		"{\"key\":\"w\",\"doc_count\":1},{\"key\":\"z\",\"doc_count\":1}]}}");
	expect_json("{\"t\":{\"terms\":{\"field\":\"tag\",\"size\":2,\"order\":{\"_key\":\"desc\"}}}}", false,
		"{\"t\":{\"doc_count_error_upper_bound\":0,\"sum_other_doc_count\":5,\"buckets\":["
		"{\"key\":\"z\",\"doc_count\":1},{\"key\":\"y\",\"doc_count\":2}]}}");
	expect_json("{\"t\":{\"terms\":{\"field\":\"ok\"}}}", false,
		"{\"t\":{\"doc_count_error_upper_bound\":0,\"sum_other_doc_count\":0,\"buckets\":["
		"{\"key\":1,\"key_as_string\":\"true\",\"doc_count\":5},"
		"{\"key\":0,\"key_as_string\":\"false\",\"doc_count\":3}]}}");
	expect_json("{\"t\":{\"terms\":{\"field\":\"n\",\"size\":2,\"min_doc_count\":1}}}", false,
		"{\"t\":{\"doc_count_error_upper_bound\":0,\"sum_other_doc_count\":6,\"buckets\":["
		"{\"key\":1,\"doc_count\":1},{\"key\":3,\"doc_count\":1}]}}");
	/* sub-aggregation under terms */
	expect_json("{\"t\":{\"terms\":{\"field\":\"tag\",\"size\":1},\"aggs\":{\"m\":{\"avg\":{\"field\":\"n\"}}}}}",
		false,
		"{\"t\":{\"doc_count_error_upper_bound\":0,\"sum_other_doc_count\":4,\"buckets\":["
		"{\"key\":\"x\",\"doc_count\":4,\"m\":{\"value\":6.25}}]}}");
}

static void
test_terms_across_shards(void **state)
{
	const char *got;

	(void)state;
	/* shard_size = size * 1.5 + 10 keeps everything: exact, error 0 */
	expect_json("{\"t\":{\"terms\":{\"field\":\"tag\",\"size\":2}}}", true,
		"{\"t\":{\"doc_count_error_upper_bound\":0,\"sum_other_doc_count\":2,\"buckets\":["
		"{\"key\":\"x\",\"doc_count\":4},{\"key\":\"y\",\"doc_count\":2}]}}");
	/* shard_size 1: each shard returns its top term and reports the rest as
	 * other; the error bound is the sum of the shards' last counts */
	got = aggs_json("{\"t\":{\"terms\":{\"field\":\"tag\",\"size\":1,\"shard_size\":1}}}", true);
	assert_non_null(strstr(got, "\"doc_count_error_upper_bound\":4"));
	assert_non_null(strstr(got, "{\"key\":\"x\",\"doc_count\":"));
	/* sum_other + returned = all tag values */
	long other = 0, cnt = 0;
	const char *o = strstr(got, "sum_other_doc_count\":");
	const char *c = strstr(got, "\"doc_count\":");
	assert_true(o && c);
	sscanf(o + strlen("sum_other_doc_count\":"), "%ld", &other);
	sscanf(c + 12, "%ld", &cnt);
	assert_int_equal(other + cnt, 8);
}

static void
test_range_and_histograms(void **state)
{
	(void)state;
	expect_json("{\"r\":{\"range\":{\"field\":\"n\",\"ranges\":[{\"to\":5},{\"from\":5,\"to\":12},"
		    "{\"from\":12,\"key\":\"big\"}]}}}", false,
		"{\"r\":{\"buckets\":[{\"key\":\"*-5.0\",\"to\":5.0,\"doc_count\":2},"
		"{\"key\":\"5.0-12.0\",\"from\":5.0,\"to\":12.0,\"doc_count\":3},"
		"{\"key\":\"big\",\"from\":12.0,\"doc_count\":3}]}}");
	expect_json("{\"r\":{\"range\":{\"field\":\"p\",\"keyed\":true,\"ranges\":[{\"from\":1,\"to\":2.5}]}}}",
		false,
		"{\"r\":{\"buckets\":{\"1.0-2.5\":{\"from\":1.0,\"to\":2.5,\"doc_count\":3}}}}");
	/* histogram: empty buckets between, none outside without bounds */
	expect_json("{\"h\":{\"histogram\":{\"field\":\"n\",\"interval\":5}}}", false,
		"{\"h\":{\"buckets\":[{\"key\":0.0,\"doc_count\":2},{\"key\":5.0,\"doc_count\":2},"
		"{\"key\":10.0,\"doc_count\":3},{\"key\":15.0,\"doc_count\":0},{\"key\":20.0,\"doc_count\":1}]}}");
	expect_json("{\"h\":{\"histogram\":{\"field\":\"n\",\"interval\":10,\"offset\":3,"
		    "\"extended_bounds\":{\"min\":-20,\"max\":40}}}}", false,
		"{\"h\":{\"buckets\":[{\"key\":-27.0,\"doc_count\":0},{\"key\":-17.0,\"doc_count\":0},"
		"{\"key\":-7.0,\"doc_count\":1},{\"key\":3.0,\"doc_count\":5},{\"key\":13.0,\"doc_count\":2},{\"key\":23.0,\"doc_count\":0},"
		"{\"key\":33.0,\"doc_count\":0}]}}");
	expect_json("{\"h\":{\"histogram\":{\"field\":\"n\",\"interval\":5,\"min_doc_count\":3}}}", false,
		"{\"h\":{\"buckets\":[{\"key\":10.0,\"doc_count\":3}]}}");
	/* calendar months, gaps filled, keys formatted */
	expect_json("{\"d\":{\"date_histogram\":{\"field\":\"ts\",\"calendar_interval\":\"month\"}}}", true,
		"{\"d\":{\"buckets\":["
		"{\"key_as_string\":\"2020-01-01T00:00:00.000Z\",\"key\":1577836800000,\"doc_count\":4},"
		"{\"key_as_string\":\"2020-02-01T00:00:00.000Z\",\"key\":1580515200000,\"doc_count\":0},"
		"{\"key_as_string\":\"2020-03-01T00:00:00.000Z\",\"key\":1583020800000,\"doc_count\":2},"
		"{\"key_as_string\":\"2020-04-01T00:00:00.000Z\",\"key\":1585699200000,\"doc_count\":1},"
		"{\"key_as_string\":\"2020-05-01T00:00:00.000Z\",\"key\":1588291200000,\"doc_count\":0},"
		"{\"key_as_string\":\"2020-06-01T00:00:00.000Z\",\"key\":1590969600000,\"doc_count\":1}]}}");
	expect_json("{\"d\":{\"date_histogram\":{\"field\":\"ts\",\"fixed_interval\":\"1d\",\"min_doc_count\":2}}}",
		false,
		"{\"d\":{\"buckets\":["
		"{\"key_as_string\":\"2020-01-01T00:00:00.000Z\",\"key\":1577836800000,\"doc_count\":2},"
		"{\"key_as_string\":\"2020-01-03T00:00:00.000Z\",\"key\":1578009600000,\"doc_count\":2}]}}");
	/* a week starts on Monday; 2020-01-01 was a Wednesday */
	const char *got = aggs_json("{\"d\":{\"date_histogram\":{\"field\":\"ts\",\"calendar_interval\":\"1w\","
				    "\"min_doc_count\":1}}}", false);
	assert_non_null(strstr(got, "\"key\":1577664000000,\"doc_count\":4"));
	/* too many buckets */
	char body[256];
	st_search_req_t req;
	st_shard_result_t r;
	st_search_merged_t m;
	osp_err_t err;
	snprintf(body, sizeof(body), "{\"aggs\":{\"h\":{\"histogram\":{\"field\":\"n\",\"interval\":0.0001}}}}");
	assert_int_equal(tm_parse(body, &arena, &req, &err), 0);
	assert_int_equal(st_search_shard(segs, 3, &req, &schema.ops, &arena, &r, &err), 0);
	st_shard_result_t *p[1] = { &r };
	assert_int_not_equal(st_search_merge(&req, p, 1, &arena, &m, &err), 0);
	assert_string_equal(err.type, "too_many_buckets_exception");
}

static void
test_metrics(void **state)
{
	(void)state;
	expect_json("{\"a\":{\"min\":{\"field\":\"n\"}},\"b\":{\"max\":{\"field\":\"p\"}},"
		    "\"c\":{\"sum\":{\"field\":\"n\"}},\"d\":{\"avg\":{\"field\":\"p\"}},"
		    "\"e\":{\"value_count\":{\"field\":\"tag\"}},\"f\":{\"cardinality\":{\"field\":\"tag\"}},"
		    "\"g\":{\"stats\":{\"field\":\"n\"}}}", true,
		"{\"a\":{\"value\":1.0},\"b\":{\"value\":6.0},\"c\":{\"value\":77.0},"
		"\"d\":{\"value\":2.59375},\"e\":{\"value\":8},\"f\":{\"value\":4},"
		"\"g\":{\"count\":8,\"min\":1.0,\"max\":21.0,\"avg\":9.625,\"sum\":77.0}}");
	/* nothing seen: null values, sum 0.0 */
	expect_json("{\"a\":{\"min\":{\"field\":\"nope\"}},\"c\":{\"sum\":{\"field\":\"nope\"}},"
		    "\"g\":{\"stats\":{\"field\":\"nope\"}},\"v\":{\"avg\":{\"field\":\"nope\"}}}", false,
		"{\"a\":{\"value\":null},\"c\":{\"value\":0.0},"
		"\"g\":{\"count\":0,\"min\":null,\"max\":null,\"avg\":null,\"sum\":0.0},\"v\":{\"value\":null}}");
	expect_json("{\"a\":{\"min\":{\"field\":\"ts\"}}}", false,
		"{\"a\":{\"value\":1.5778368E12,\"value_as_string\":\"2020-01-01T00:00:00.000Z\"}}");
}

static void
test_cardinality_sketch(void **state)
{
	st_hll_t a, b;
	osp_arena_t ar;

	(void)state;
	osp_arena_init(&ar, 1 << 16, 0);
	st_hll_init(&a, 100, &ar);
	st_hll_init(&b, 100, &ar);
	for (uint64_t i = 0; i < 60; i++)
		st_hll_add(&a, st_hash64(&i, sizeof(i)), &ar);
	for (uint64_t i = 30; i < 90; i++)
		st_hll_add(&b, st_hash64(&i, sizeof(i)), &ar);
	assert_int_equal(st_hll_estimate(&a), 60);
	assert_int_equal(st_hll_merge(&a, &b, &ar), 0);
	assert_int_equal(st_hll_estimate(&a), 90);     /* exact below the threshold */
	for (uint64_t i = 0; i < 20000; i++)
		st_hll_add(&b, st_hash64(&i, sizeof(i)), &ar);
	uint64_t e = st_hll_estimate(&b);
	assert_true(e > 18000 && e < 22000);           /* p = 10: ~3% error */
	assert_int_equal(st_hll_merge(&a, &b, &ar), 0);
	e = st_hll_estimate(&a);
	assert_true(e > 18000 && e < 22000);
	osp_arena_free(&ar);
}

static void
test_agg_errors(void **state)
{
	char body[256];
	st_search_req_t req;
	st_shard_result_t r;
	osp_err_t err;

	(void)state;
	snprintf(body, sizeof(body), "{\"aggs\":{\"t\":{\"terms\":{\"field\":\"body\"}}}}");
	assert_int_equal(tm_parse(body, &arena, &req, &err), 0);
	assert_int_not_equal(st_search_shard(segs, 3, &req, &schema.ops, &arena, &r, &err), 0);
	assert_string_equal(err.type, "illegal_argument_exception");
	assert_non_null(strstr(err.reason, "Text fields are not optimised"));
	snprintf(body, sizeof(body), "{\"aggs\":{\"t\":{\"sum\":{\"field\":\"tag\"}}}}");
	assert_int_equal(tm_parse(body, &arena, &req, &err), 0);
	assert_int_not_equal(st_search_shard(segs, 3, &req, &schema.ops, &arena, &r, &err), 0);
	assert_string_equal(err.reason, "Field [tag] of type [keyword] is not supported for aggregation [sum]");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_terms_shapes),
		cmocka_unit_test(test_terms_across_shards),
		cmocka_unit_test(test_range_and_histograms),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_cardinality_sketch),
		cmocka_unit_test(test_agg_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
