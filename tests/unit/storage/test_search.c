/*
 * test_search.c - query execution semantics on an in-memory shard: match
 * options, field kinds, filters, bool rules, sorting, search_after,
 * track_total_hits, min_score, live docs, explain, pruning equivalence and
 * the multi-shard merge.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "test_search_mem.h"

static tm_schema_t schema;
static st_reader_t *segs[2];
static osp_arena_t arena;
static st_search_req_t req;
static st_shard_result_t res;
static osp_err_t err;

/* Two segments: docs a..e then f..h (g deleted). */
static int
setup(void **state)
{
	tm_builder_t *b;
	uint32_t d;

	(void)state;
	tm_schema_init(&schema);
	tm_schema_add(&schema, "title", ST_QF_TEXT);
	tm_schema_add(&schema, "body", ST_QF_TEXT);
	tm_schema_add(&schema, "tag", ST_QF_KEYWORD);
	tm_schema_add(&schema, "n", ST_QF_LONG);
	tm_schema_add(&schema, "price", ST_QF_DOUBLE);
	tm_schema_add(&schema, "ts", ST_QF_DATE);
	tm_schema_add(&schema, "ok", ST_QF_BOOLEAN);
	b = tm_builder_new(&schema);
	d = tm_doc(b, "a"); tm_text(b, d, "title", "quick brown fox"); tm_keyword(b, d, "tag", "x");
	tm_long(b, d, "n", 5); tm_double(b, d, "price", 1.5); tm_long(b, d, "ts", 1577836800000LL);
	tm_long(b, d, "ok", 1);
	d = tm_doc(b, "b"); tm_text(b, d, "title", "quick dog"); tm_keyword(b, d, "tag", "y");
	tm_keyword(b, d, "tag", "x"); tm_long(b, d, "n", 10); tm_long(b, d, "n", 1);
	tm_double(b, d, "price", 2.5); tm_long(b, d, "ts", 1580515200000LL); tm_long(b, d, "ok", 0);
	d = tm_doc(b, "c"); tm_text(b, d, "title", "lazy dog"); tm_text(b, d, "body", "the quick one");
	tm_long(b, d, "n", 7);
	d = tm_doc(b, "d"); tm_text(b, d, "title", "quick"); tm_text(b, d, "title", "fox");
	tm_keyword(b, d, "tag", "z");
	d = tm_doc(b, "e"); tm_text(b, d, "body", "brown bear"); tm_long(b, d, "n", 3);
	segs[0] = tm_build(b, 1);
	b = tm_builder_new(&schema);
	d = tm_doc(b, "f"); tm_text(b, d, "title", "fox fox fox"); tm_long(b, d, "n", 8);
	d = tm_doc(b, "g"); tm_text(b, d, "title", "quick fox"); tm_delete(b, d);
	d = tm_doc(b, "h"); tm_text(b, d, "title", "slow brown turtle"); tm_keyword(b, d, "tag", "y");
	tm_long(b, d, "n", 5);
	segs[1] = tm_build(b, 2);
	osp_arena_init(&arena, 1 << 14, 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	st_reader_unref(segs[0]);
	st_reader_unref(segs[1]);
	osp_arena_free(&arena);
	return 0;
}

static int
run(const char *body)
{
	int rc = tm_search(segs, 2, &schema, body, &arena, &req, &res, &err);

	if (rc && err.status)
		print_message("search: %s: %s\n", err.type, err.reason);
	return rc;
}

/* The hits' ids joined with commas. */
static const char *
ids(void)
{
	static char buf[256];
	size_t w = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < res.n_hits; i++)
		w += (size_t)snprintf(buf + w, sizeof(buf) - w, "%s%s", i ? "," : "", res.hits[i].id);
	return buf;
}

static void
expect(const char *body, const char *want_ids, uint64_t total)
{
	assert_int_equal(run(body), 0);
	if (strcmp(ids(), want_ids)) {
		print_error("%s\n got [%s] want [%s]\n", body, ids(), want_ids);
		fail();
	}
	assert_int_equal(res.total, total);
}

static void
test_match_options(void **state)
{
	(void)state;
	expect("{\"query\":{\"match\":{\"title\":\"quick fox\"}}}", "d,a,f,b", 4);
	expect("{\"query\":{\"match\":{\"title\":{\"query\":\"quick fox\",\"operator\":\"and\"}}}}", "d,a", 2);
	expect("{\"query\":{\"match\":{\"title\":{\"query\":\"quick fox dog\",\"minimum_should_match\":2}}}}",
	       "b,d,a", 3);
	expect("{\"query\":{\"match\":{\"title\":{\"query\":\"quick fox dog\",\"minimum_should_match\":\"-1\"}}}}",
	       "b,d,a", 3);
	expect("{\"query\":{\"match\":{\"title\":\"!!!\"}}}", "", 0);
	assert_int_equal(run("{\"query\":{\"match\":{\"title\":{\"query\":\"!!!\",\"zero_terms_query\":\"all\"}}}}"), 0);
	assert_int_equal(res.total, 7);
	expect("{\"query\":{\"match\":{\"nope\":\"quick\"}}}", "", 0);
	/* numbers: constant score, lenient parse errors */
	expect("{\"query\":{\"match\":{\"n\":\"5\"}}}", "a,h", 2);
	assert_true(res.hits[0].score == 1.0f);
	assert_int_not_equal(run("{\"query\":{\"match\":{\"n\":\"abc\"}}}"), 0);
	assert_string_equal(err.type, "query_shard_exception");
	assert_string_equal(err.reason, "failed to create query: For input string: \"abc\"");
	expect("{\"query\":{\"match\":{\"n\":{\"query\":\"abc\",\"lenient\":true}}}}", "", 0);
	/* phrases do not cross values of a multi-valued field */
	expect("{\"query\":{\"match_phrase\":{\"title\":\"quick fox\"}}}", "", 0);
	expect("{\"query\":{\"match_phrase\":{\"title\":\"brown fox\"}}}", "a", 1);
	expect("{\"query\":{\"match_phrase\":{\"title\":{\"query\":\"quick fox\",\"slop\":1}}}}", "a", 1);
}

static void
test_leaf_filters(void **state)
{
	(void)state;
	expect("{\"query\":{\"term\":{\"n\":10}}}", "b", 1);
	expect("{\"query\":{\"term\":{\"ok\":true}}}", "a", 1);
	expect("{\"query\":{\"terms\":{\"tag\":[\"x\",\"z\"],\"boost\":2}}}", "a,b,d", 3);
	assert_true(res.hits[0].score == 2.0f);
	expect("{\"query\":{\"range\":{\"n\":{\"gt\":3,\"lte\":7}}}}", "a,c,h", 3);
	expect("{\"query\":{\"range\":{\"n\":{\"gte\":2.5,\"lt\":5.5}}}}", "a,e,h", 3);
	expect("{\"query\":{\"range\":{\"price\":{\"gt\":1.5}}}}", "b", 1);
	expect("{\"query\":{\"range\":{\"tag\":{\"gte\":\"y\"}}}}", "b,d,h", 3);
	expect("{\"query\":{\"range\":{\"tag\":{\"gt\":\"x\",\"lt\":\"z\"}}}}", "b,h", 2);
	expect("{\"query\":{\"range\":{\"ts\":{\"gte\":\"2020-01-15\"}}}}", "b", 1);
	expect("{\"query\":{\"exists\":{\"field\":\"body\"}}}", "c,e", 2);
	expect("{\"query\":{\"exists\":{\"field\":\"tag\"}}}", "a,b,d,h", 4);
	expect("{\"query\":{\"exists\":{\"field\":\"n\"}}}", "a,b,c,e,f,h", 6);
	expect("{\"query\":{\"prefix\":{\"title\":\"qu\"}}}", "a,b,d", 3);
	expect("{\"query\":{\"prefix\":{\"title\":{\"value\":\"QU\",\"case_insensitive\":true}}}}", "a,b,d", 3);
	expect("{\"query\":{\"term\":{\"tag\":{\"value\":\"X\",\"case_insensitive\":true}}}}", "a,b", 2);
	expect("{\"query\":{\"ids\":{\"values\":[\"h\",\"c\",\"g\",\"zz\"]}}}", "c,h", 2);
	assert_int_not_equal(run("{\"query\":{\"prefix\":{\"n\":\"1\"}}}"), 0);
	assert_string_equal(err.type, "query_shard_exception");
}

static void
test_bool_rules(void **state)
{
	(void)state;
	/* filter only: score 0 */
	expect("{\"query\":{\"bool\":{\"filter\":{\"term\":{\"tag\":\"x\"}}}}}", "a,b", 2);
	assert_true(res.hits[0].score == 0.0f);
	/* must_not only: every other live doc */
	expect("{\"query\":{\"bool\":{\"must_not\":{\"exists\":{\"field\":\"tag\"}}}}}", "c,e,f", 3);
	/* should is optional beside a filter */
	expect("{\"query\":{\"bool\":{\"filter\":{\"range\":{\"n\":{\"gte\":5}}},"
	       "\"should\":{\"match\":{\"title\":\"fox\"}}}}}", "f,a,b,c,h", 5);
	assert_true(res.hits[0].score > 0 && res.hits[4].score == 0.0f);
	/* ...unless minimum_should_match says otherwise */
	expect("{\"query\":{\"bool\":{\"filter\":{\"range\":{\"n\":{\"gte\":5}}},"
	       "\"should\":{\"match\":{\"title\":\"fox\"}},\"minimum_should_match\":1}}}", "f,a", 2);
	/* constant_score */
	expect("{\"query\":{\"constant_score\":{\"filter\":{\"match\":{\"title\":\"dog\"}},\"boost\":1.5}}}", "b,c", 2);
	assert_true(res.hits[0].score == 1.5f && res.hits[1].score == 1.5f);
	/* empty bool matches all */
	assert_int_equal(run("{\"query\":{\"bool\":{}}}"), 0);
	assert_int_equal(res.total, 7);
	/* dis_max */
	assert_int_equal(run("{\"query\":{\"dis_max\":{\"queries\":[{\"match\":{\"title\":\"quick\"}},"
			     "{\"match\":{\"body\":\"quick\"}}],\"tie_breaker\":0.5}}}"), 0);
	assert_int_equal(res.total, 4);
	/* multi_match with a wildcard field and best_fields */
	assert_int_equal(run("{\"query\":{\"multi_match\":{\"query\":\"quick\",\"fields\":[\"ti*\",\"body\"]}}}"), 0);
	assert_int_equal(res.total, 4);
	/* query_string over every field */
	assert_int_equal(run("{\"query\":{\"query_string\":{\"query\":\"bear OR turtle\"}}}"), 0);
	assert_string_equal(ids(), "h,e");
	assert_int_equal(run("{\"query\":{\"query_string\":{\"query\":\"title:quick AND NOT tag:y\"}}}"), 0);
	assert_string_equal(ids(), "d,a");
}

static void
test_sorting(void **state)
{
	(void)state;
	expect("{\"query\":{\"exists\":{\"field\":\"n\"}},\"sort\":[{\"n\":\"asc\"}]}", "b,e,a,h,c,f", 6);
	assert_int_equal(res.hits[0].sort[0].i, 1);      /* min of [1,10] */
	assert_true(isnan(res.hits[0].score));
	assert_true(isnan(res.max_score));
	expect("{\"query\":{\"exists\":{\"field\":\"n\"}},\"sort\":[{\"n\":\"desc\"}]}", "b,f,c,a,h,e", 6);
	assert_int_equal(res.hits[0].sort[0].i, 10);     /* max of [1,10] */
	expect("{\"query\":{\"exists\":{\"field\":\"n\"}},\"sort\":[{\"n\":{\"order\":\"asc\",\"mode\":\"sum\"}}]}",
	       "e,a,h,c,f,b", 6);
	/* missing last by default, first on request, and ES's substituted values */
	expect("{\"sort\":[{\"price\":\"desc\"},\"_doc\"]}", "b,a,c,d,e,f,h", 7);
	assert_true(isinf(res.hits[2].sort[0].d) && res.hits[2].sort[0].d < 0);
	expect("{\"sort\":[{\"n\":{\"order\":\"asc\",\"missing\":\"_first\"}},\"_doc\"]}", "d,b,e,a,h,c,f", 7);
	assert_int_equal(res.hits[0].sort[0].i, INT64_MIN);
	assert_int_equal(res.hits[1].sort[1].i, 1);      /* global _doc */
	assert_int_equal(res.hits[4].sort[1].i, 7);      /* h: 5 + 2 */
	expect("{\"sort\":[{\"n\":{\"order\":\"asc\",\"missing\":0}},\"_doc\"]}", "d,b,e,a,h,c,f", 7);
	expect("{\"query\":{\"exists\":{\"field\":\"tag\"}},\"sort\":[{\"tag\":\"desc\"},\"_doc\"]}", "d,b,h,a", 4);
	assert_string_equal(res.hits[0].sort[0].s, "z");
	/* track_scores with a field sort; _score ascending */
	assert_int_equal(run("{\"query\":{\"match\":{\"title\":\"fox\"}},\"sort\":[\"tag\"],\"track_scores\":true}"), 0);
	assert_false(isnan(res.hits[0].score));
	expect("{\"query\":{\"match\":{\"title\":\"fox\"}},\"sort\":[{\"_score\":\"asc\"}]}", "a,d,f", 3);
	assert_int_not_equal(run("{\"sort\":[\"nope\"]}"), 0);
	assert_string_equal(err.reason, "No mapping found for [nope] in order to sort on");
	assert_int_not_equal(run("{\"sort\":[\"title\"]}"), 0);
	assert_string_equal(err.type, "illegal_argument_exception");
}

static void
test_search_after(void **state)
{
	(void)state;
	expect("{\"size\":2,\"sort\":[{\"n\":\"asc\"},\"_doc\"]}", "b,e", 7);
	expect("{\"size\":2,\"sort\":[{\"n\":\"asc\"},\"_doc\"],\"search_after\":[3,4]}", "a,h", 7);
	expect("{\"size\":2,\"sort\":[{\"n\":\"asc\"},\"_doc\"],\"search_after\":[5,7]}", "c,f", 7);
	expect("{\"size\":5,\"sort\":[{\"n\":\"asc\"},\"_doc\"],\"search_after\":[8,5]}", "d", 7);
	/* by score: strictly lower scores only */
	assert_int_equal(run("{\"query\":{\"match\":{\"title\":\"fox\"}}}"), 0);
	float second = res.hits[1].score;
	char body[256];
	snprintf(body, sizeof(body), "{\"query\":{\"match\":{\"title\":\"fox\"}},\"search_after\":[%.9g]}",
		 (double)second);
	expect(body, "a", 3);
}

static void
test_totals_and_min_score(void **state)
{
	st_search_merged_t m;
	st_shard_result_t *p[1] = { &res };

	(void)state;
	assert_int_equal(run("{\"track_total_hits\":3}"), 0);
	assert_int_equal(st_search_merge(&req, p, 1, &arena, &m, &err), 0);
	assert_int_equal(m.total, 3);
	assert_true(m.total_gte);
	assert_int_equal(run("{\"track_total_hits\":false}"), 0);
	assert_false(res.total_tracked);
	assert_int_equal(res.n_hits, 7);
	assert_int_equal(run("{\"size\":0,\"query\":{\"match\":{\"title\":\"quick\"}}}"), 0);
	assert_int_equal(res.total, 3);
	assert_int_equal(res.n_hits, 0);
	assert_int_equal(run("{\"query\":{\"match\":{\"title\":\"fox\"}}}"), 0);
	float top = res.hits[0].score;
	char body[256];
	snprintf(body, sizeof(body), "{\"min_score\":%.9g,\"query\":{\"match\":{\"title\":\"fox\"}}}",
		 (double)top);
	expect(body, "f", 1);
}

static void
test_explain_bool(void **state)
{
	(void)state;
	assert_int_equal(run("{\"explain\":true,\"query\":{\"bool\":{\"must\":{\"match\":{\"title\":\"quick\"}},"
			     "\"should\":{\"match\":{\"title\":\"fox\"}},\"filter\":{\"exists\":{\"field\":\"tag\"}}}}}"), 0);
	for (uint32_t i = 0; i < res.n_hits; i++) {
		const st_expl_t *e = res.hits[i].expl;
		assert_string_equal(e->desc, "sum of:");
		assert_true(fabsf(e->value - res.hits[i].score) <= 1e-6f * res.hits[i].score);
	}
	assert_string_equal(res.hits[0].expl->details[1]->desc, "match on required clause, product of:");
}

/* With heap-threshold pruning (MaxScore / block-max) the top hits are the
 * ones an exhaustive pass (min_score 0 disables pruning) finds. */
static void
test_pruning_equivalence(void **state)
{
	tm_builder_t *b = tm_builder_new(&schema);
	st_reader_t *r;
	char text[256];
	static const char *w[] = { "common", "rare", "mid", "other" };

	(void)state;
	for (uint32_t d = 0; d < 5000; d++) {
		char id[16];
		snprintf(id, sizeof(id), "%u", d);
		uint32_t doc = tm_doc(b, id);
		text[0] = '\0';
		for (uint32_t k = 0; k < 3 + (d * 7919) % 17; k++) {
			uint32_t x = (d * 31 + k * 17) % 97;
			strcat(text, w[x < 60 ? 0 : x < 63 ? 1 : x < 80 ? 2 : 3]);
			strcat(text, " ");
		}
		tm_text(b, doc, "body", text);
	}
	r = tm_build(b, 9);
	static const char *qs[] = {
		"{\"size\":10,\"query\":{\"match\":{\"body\":\"common\"}}%s}",
		"{\"size\":10,\"query\":{\"match\":{\"body\":\"common rare mid\"}}%s}",
		("{\"size\":3,\"query\":{\"bool\":{\"should\":[{\"match\":{\"body\":\"rare\"}},"
		 "{\"match\":{\"body\":{\"query\":\"common\",\"boost\":0.2}}}]}}%s}"),
	};
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		char body[512];
		st_shard_result_t pruned;
		snprintf(body, sizeof(body), qs[i], "");
		assert_int_equal(tm_search(&r, 1, &schema, body, &arena, &req, &pruned, &err), 0);
		snprintf(body, sizeof(body), qs[i], ",\"min_score\":0");
		assert_int_equal(tm_search(&r, 1, &schema, body, &arena, &req, &res, &err), 0);
		assert_int_equal(pruned.n_hits, res.n_hits);
		assert_int_equal(pruned.total, res.total);
		for (uint32_t h = 0; h < res.n_hits; h++) {
			assert_string_equal(pruned.hits[h].id, res.hits[h].id);
			assert_true(pruned.hits[h].score == res.hits[h].score);
		}
	}
	st_reader_unref(r);
}

static void
test_merge_ties(void **state)
{
	st_shard_result_t a, b;
	st_search_merged_t m;
	st_hit_t ha[2], hb[2];

	(void)state;
	assert_int_equal(tm_parse("{\"from\":1,\"size\":2}", &arena, &req, &err), 0);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(ha, 0, sizeof(ha));
	memset(hb, 0, sizeof(hb));
	ha[0] = (st_hit_t){ .doc = 5, .score = 2.0f, .id = "a5" };
	ha[1] = (st_hit_t){ .doc = 9, .score = 1.0f, .id = "a9" };
	hb[0] = (st_hit_t){ .doc = 1, .score = 2.0f, .id = "b1" };
	hb[1] = (st_hit_t){ .doc = 2, .score = 1.0f, .id = "b2" };
	a = (st_shard_result_t){ .shard = 0, .hits = ha, .n_hits = 2, .total = 10, .max_score = 2.0f };
	b = (st_shard_result_t){ .shard = 1, .hits = hb, .n_hits = 2, .total = 5, .max_score = 2.0f };
	st_shard_result_t *p[2] = { &b, &a };
	assert_int_equal(st_search_merge(&req, p, 2, &arena, &m, &err), 0);
	/* order: a5, b1 (tie -> lower shard first), a9, b2; window from 1 size 2 */
	assert_int_equal(m.n_hits, 2);
	assert_string_equal(m.hits[0].id, "b1");
	assert_string_equal(m.hits[1].id, "a9");
	assert_int_equal(m.total, 15);
	assert_false(m.total_gte);
	assert_true(m.max_score == 2.0f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_options),
		cmocka_unit_test(test_leaf_filters),
		cmocka_unit_test(test_bool_rules),
		cmocka_unit_test(test_sorting),
		cmocka_unit_test(test_search_after),
		cmocka_unit_test(test_totals_and_min_score),
		cmocka_unit_test(test_explain_bool),
		cmocka_unit_test(test_pruning_equivalence),
		cmocka_unit_test(test_merge_ties),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
