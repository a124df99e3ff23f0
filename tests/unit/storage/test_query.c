/*
 * test_query.c - query DSL, request and aggregation parsing: the AST built,
 * minimum_should_match arithmetic, Lucene query_string syntax, and the
 * Elasticsearch error type / reason / status for malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_search_mem.h"

static osp_arena_t arena;

static int
setup(void **state)
{
	(void)state;
	osp_arena_init(&arena, 1 << 14, 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	osp_arena_free(&arena);
	return 0;
}

static st_search_req_t req;
static osp_err_t err;

static int
parse(const char *body)
{
	return tm_parse(body, &arena, &req, &err);
}

static void
expect_err(const char *body, const char *type, const char *reason)
{
	assert_int_not_equal(parse(body), 0);
	assert_int_equal(err.status, 400);
	assert_string_equal(err.type, type);
	if (reason)
		assert_string_equal(err.reason, reason);
}

static void
test_msm(void **state)
{
	static const struct { const char *spec; uint32_t n, want; } cases[] = {
		{ "2", 5, 2 }, { "-1", 5, 4 }, { "75%", 4, 3 }, { "-25%", 4, 3 },
		{ "3<90%", 3, 3 }, { "3<90%", 5, 4 }, { "2<-25% 9<-3", 2, 2 },
		{ "2<-25% 9<-3", 5, 4 }, { "2<-25% 9<-3", 10, 7 }, { "100%", 3, 3 },
		{ "0", 3, 0 }, { "-5", 3, 0 }, { "7", 3, 7 }, { " 2 < 50% ", 6, 3 },
		{ "33%", 5, 1 }, { "-33%", 5, 4 },
	};
	uint32_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(st_msm_eval(cases[i].spec, cases[i].n, &v), 0);
		if (v != cases[i].want)
			fail_msg("msm %s of %u: %u, want %u", cases[i].spec, cases[i].n, v, cases[i].want);
	}
	assert_int_not_equal(st_msm_eval("abc", 3, &v), 0);
	assert_int_not_equal(st_msm_eval("3<", 5, &v), 0);
	assert_int_not_equal(st_msm_eval("", 3, &v), 0);
}

static void
test_basic_ast(void **state)
{
	(void)state;
	assert_int_equal(parse(NULL), 0);
	assert_int_equal(req.query->kind, ST_Q_MATCH_ALL);
	assert_int_equal(req.size, 10);
	assert_int_equal(req.track_total_hits, 10000);

	assert_int_equal(parse("{\"query\":{\"match\":{\"title\":{\"query\":\"a b\",\"operator\":\"AND\","
			       "\"minimum_should_match\":\"75%\",\"boost\":2.5,\"zero_terms_query\":\"all\"}}}}"), 0);
	assert_int_equal(req.query->kind, ST_Q_MATCH);
	assert_string_equal(req.query->u.match.field, "title");
	assert_string_equal(req.query->u.match.text, "a b");
	assert_int_equal(req.query->u.match.op, ST_OP_AND);
	assert_string_equal(req.query->u.match.msm, "75%");
	assert_true(req.query->boost == 2.5f);
	assert_int_equal(req.query->u.match.zero_terms, ST_ZERO_TERMS_ALL);

	assert_int_equal(parse("{\"query\":{\"bool\":{\"must\":{\"term\":{\"a\":5}},\"should\":["
			       "{\"range\":{\"n\":{\"gt\":1,\"lte\":\"9\"}}},{\"exists\":{\"field\":\"x\"}}],"
			       "\"filter\":[{\"terms\":{\"t\":[\"x\",\"y\"]}}],\"must_not\":{\"ids\":{\"values\":[\"1\",2]}},"
			       "\"minimum_should_match\":1}}}"), 0);
	const st_query_t *b = req.query;
	assert_int_equal(b->kind, ST_Q_BOOL);
	assert_int_equal(b->u.bool_q.n_must, 1);
	assert_int_equal(b->u.bool_q.must[0]->u.term.value.type, ST_VAL_LONG);
	assert_int_equal(b->u.bool_q.must[0]->u.term.value.i, 5);
	assert_int_equal(b->u.bool_q.n_should, 2);
	const st_query_t *r = b->u.bool_q.should[0];
	assert_int_equal(r->kind, ST_Q_RANGE);
	assert_false(r->u.range.include_lower);
	assert_true(r->u.range.include_upper);
	assert_string_equal(r->u.range.to.s, "9");
	assert_int_equal(b->u.bool_q.filter[0]->u.terms.n, 2);
	assert_int_equal(b->u.bool_q.must_not[0]->u.ids.n, 2);
	assert_string_equal(b->u.bool_q.must_not[0]->u.ids.ids[1], "2");
	assert_string_equal(b->u.bool_q.msm, "1");

	assert_int_equal(parse("{\"query\":{\"multi_match\":{\"query\":\"x\",\"fields\":[\"title^3\",\"b*\"],"
			       "\"type\":\"most_fields\",\"tie_breaker\":0.3}}}"), 0);
	assert_int_equal(req.query->u.mm.n_fields, 2);
	assert_string_equal(req.query->u.mm.fields[0], "title");
	assert_true(req.query->u.mm.field_boosts[0] == 3.0f);
	assert_string_equal(req.query->u.mm.fields[1], "b*");
	assert_int_equal(req.query->u.mm.type, ST_MM_MOST_FIELDS);

	assert_int_equal(parse("{\"query\":{\"match_phrase\":{\"t\":{\"query\":\"a b\",\"slop\":2}}}}"), 0);
	assert_int_equal(req.query->u.match.slop, 2);
	assert_int_equal(parse("{\"query\":{\"constant_score\":{\"filter\":{\"prefix\":{\"t\":\"ab\"}},\"boost\":3}}}"), 0);
	assert_int_equal(req.query->u.compound.queries[0]->kind, ST_Q_PREFIX);
	assert_int_equal(parse("{\"query\":{\"dis_max\":{\"queries\":[{\"match_all\":{}},{\"match_none\":{}}],"
			       "\"tie_breaker\":0.7}}}"), 0);
	assert_int_equal(req.query->u.compound.n, 2);
	assert_true(req.query->u.compound.tie_breaker == 0.7f);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_err("{\"query\":{\"foo\":{}}}", "parsing_exception", "unknown query [foo]");
	expect_err("{\"query\":{\"match\":{\"a\":\"x\",\"b\":\"y\"}}}", "parsing_exception",
		   "[match] query doesn't support multiple fields, found [a] and [b]");
	expect_err("{\"query\":{\"bool\":{\"musts\":[]}}}", "parsing_exception",
		   "[bool] query does not support [musts]");
	expect_err("{\"query\":{\"match_all\":{},\"term\":{}}}", "parsing_exception",
		   "[match_all] malformed query, expected [END_OBJECT] but found [FIELD_NAME]");
	expect_err("{\"query\":{\"term\":{\"a\":{\"value\":1,\"foo\":2}}}}", "parsing_exception",
		   "[term] query does not support [foo]");
	expect_err("{\"query\":{\"range\":{\"a\":{\"gte\":1,\"bogus\":2}}}}", "parsing_exception",
		   "[range] query does not support [bogus]");
	expect_err("{\"query\":{\"exists\":{}}}", "parsing_exception",
		   "[exists] must be provided with a [field]");
	expect_err("{\"query\":{\"constant_score\":{}}}", "parsing_exception",
		   "[constant_score] requires a 'filter' element");
	expect_err("{\"size\":-1}", "illegal_argument_exception",
		   "[size] parameter cannot be negative, found [-1]");
	expect_err("{\"from\":9995,\"size\":10}", "illegal_argument_exception", NULL);
	assert_non_null(strstr(err.reason, "Result window is too large, from + size must be less than or equal to: [10000] but was [10005]"));
	expect_err("{\"foo\":1}", "parsing_exception", "Unknown key for a VALUE_NUMBER in [foo].");
	expect_err("{\"query\":{\"match\":{\"a\":{\"query\":\"x\",\"fuzziness\":\"AUTO\"}}}}",
		   "illegal_argument_exception", NULL);
	expect_err("{\"query\":{\"match\":{\"a\":{\"query\":\"x\",\"minimum_should_match\":\"x%\"}}}}",
		   "number_format_exception", NULL);
	expect_err("{\"query\":{\"match\":{\"a\":{\"query\":\"x\",\"operator\":\"xor\"}}}}",
		   "illegal_argument_exception", NULL);
	expect_err("{\"query\":{\"term\":{\"a\":null}}}", "illegal_argument_exception", NULL);
	expect_err("{\"query\":{\"multi_match\":{\"query\":\"x\",\"type\":\"cross_fields\"}}}",
		   "illegal_argument_exception", NULL);
	expect_err("{\"track_total_hits\":-5}", "illegal_argument_exception", NULL);
	expect_err("{\"sort\":[{\"a\":{\"order\":\"up\"}}]}", "illegal_argument_exception",
		   "Unknown SortOrder [up]");
	expect_err("{\"search_after\":[1,2],\"sort\":[\"a\"]}", "illegal_argument_exception",
		   "search_after has 2 value(s) but sort has 1.");
	expect_err("{\"aggs\":{\"x\":{\"bogus\":{}}}}", "parsing_exception",
		   "Unknown aggregation type [bogus]");
	expect_err("{\"aggs\":{\"x\":{\"histogram\":{\"field\":\"n\"}}}}", "illegal_argument_exception",
		   "[interval] must be >0 for histogram aggregation [x]");
	expect_err("{\"aggs\":{\"x\":{\"terms\":{\"field\":\"n\",\"size\":0}}}}",
		   "illegal_argument_exception", NULL);
	expect_err("{\"aggs\":{\"x\":{\"max\":{\"field\":\"n\"},\"aggs\":{\"y\":{\"min\":{\"field\":\"n\"}}}}}}",
		   "aggregation_initialization_exception", NULL);
	expect_err("{\"aggs\":{\"x\":{}}}", "parsing_exception", "Missing definition for aggregation [x]");
}

static void
test_request(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"from\":5,\"size\":20,\"track_total_hits\":false,\"min_score\":0.5,"
			       "\"explain\":true,\"sort\":[\"_score\",{\"n\":{\"order\":\"desc\",\"missing\":\"_first\","
			       "\"mode\":\"avg\"}},\"_doc\",{\"k\":\"desc\"}],"
			       "\"_source\":false}"), 0);
	assert_int_equal(req.from, 5);
	assert_int_equal(req.size, 20);
	assert_int_equal(req.track_total_hits, ST_TRACK_TOTAL_NONE);
	assert_true(req.has_min_score && req.min_score == 0.5f);
	assert_true(req.explain);
	assert_int_equal(req.n_sort, 4);
	assert_int_equal(req.sort[0].kind, ST_SORT_SCORE);
	assert_true(req.sort[0].desc);
	assert_int_equal(req.sort[1].kind, ST_SORT_FIELD);
	assert_true(req.sort[1].desc);
	assert_int_equal(req.sort[1].missing, ST_MISSING_FIRST);
	assert_int_equal(req.sort[1].mode, ST_MODE_AVG);
	assert_int_equal(req.sort[2].kind, ST_SORT_DOC);
	assert_false(req.sort[2].desc);
	assert_true(req.sort[3].desc);
	assert_int_equal(parse("{\"sort\":[\"_score\",\"n\",\"_doc\",\"k\"],\"search_after\":[1.5,3,4,\"x\"]}"), 0);
	assert_int_equal(req.n_search_after, 4);
	assert_int_equal(req.search_after[3].type, ST_VAL_STRING);
	expect_err("{\"from\":1,\"sort\":[\"n\"],\"search_after\":[1]}", "illegal_argument_exception",
		   "`from` parameter must be set to 0 when `search_after` is used.");
	assert_int_equal(parse("{\"track_total_hits\":true}"), 0);
	assert_int_equal(req.track_total_hits, ST_TRACK_TOTAL_ALL);
	assert_int_equal(parse("{\"track_total_hits\":100}"), 0);
	assert_int_equal(req.track_total_hits, 100);
	assert_int_equal(parse("{\"aggs\":{\"t\":{\"terms\":{\"field\":\"k\",\"size\":3,\"order\":{\"_key\":\"asc\"}},"
			       "\"aggs\":{\"m\":{\"avg\":{\"field\":\"n\"}}}},"
			       "\"d\":{\"date_histogram\":{\"field\":\"ts\",\"calendar_interval\":\"month\",\"time_zone\":\"+01:00\"}},"
			       "\"f\":{\"date_histogram\":{\"field\":\"ts\",\"fixed_interval\":\"90m\"}},"
			       "\"r\":{\"range\":{\"field\":\"n\",\"ranges\":[{\"to\":10},{\"from\":10,\"key\":\"big\"}]}},"
			       "\"c\":{\"cardinality\":{\"field\":\"k\",\"precision_threshold\":100}}}}"), 0);
	assert_int_equal(req.n_aggs, 5);
	assert_int_equal(req.aggs[0]->kind, ST_AGG_TERMS);
	assert_int_equal(req.aggs[0]->order, ST_ORDER_KEY_ASC);
	assert_int_equal(req.aggs[0]->n_subs, 1);
	assert_int_equal(req.aggs[1]->calendar_unit, 'M');
	assert_int_equal(req.aggs[1]->tz_offset_s, 3600);
	assert_true(req.aggs[2]->interval == 90 * 60000.0);
	assert_int_equal(req.aggs[3]->n_ranges, 2);
	assert_string_equal(req.aggs[3]->ranges[1].key, "big");
	assert_int_equal(req.aggs[4]->precision_threshold, 100);
}

static st_query_t *
qs(const char *q, const char *field)
{
	const char *fields[1] = { field };
	st_query_t *out = NULL;

	assert_int_equal(st_query_string_parse(&arena, q, strlen(q), field ? fields : NULL, NULL,
					       field ? 1 : 0, ST_OP_OR, &out, &err), 0);
	return out;
}

static void
test_query_string(void **state)
{
	st_query_t *q;

	(void)state;
	q = qs("title:quick", NULL);
	assert_int_equal(q->kind, ST_Q_MATCH);
	assert_string_equal(q->u.match.field, "title");
	assert_string_equal(q->u.match.text, "quick");

	q = qs("quick brown", "body");
	assert_int_equal(q->kind, ST_Q_BOOL);
	assert_int_equal(q->u.bool_q.n_should, 2);

	q = qs("quick AND -brown OR fox", "body");
	assert_int_equal(q->kind, ST_Q_BOOL);
	assert_int_equal(q->u.bool_q.n_must, 1);      /* quick (AND makes it required) */
	assert_int_equal(q->u.bool_q.n_must_not, 1);  /* brown */
	assert_int_equal(q->u.bool_q.n_should, 1);    /* fox */

	q = qs("+a +b c", "body");
	assert_int_equal(q->u.bool_q.n_must, 2);
	assert_int_equal(q->u.bool_q.n_should, 1);

	q = qs("NOT x", "body");
	assert_int_equal(q->u.bool_q.n_must_not, 1);

	q = qs("\"quick fox\"~2^3", "body");
	assert_int_equal(q->kind, ST_Q_MATCH_PHRASE);
	assert_int_equal(q->u.match.slop, 2);
	assert_true(q->boost == 3.0f);

	q = qs("n:[1 TO 5} AND n:>=3", NULL);
	assert_int_equal(q->kind, ST_Q_BOOL);
	assert_int_equal(q->u.bool_q.n_must, 2);
	const st_query_t *r = q->u.bool_q.must[0];
	assert_int_equal(r->kind, ST_Q_RANGE);
	assert_true(r->u.range.include_lower);
	assert_false(r->u.range.include_upper);
	assert_string_equal(r->u.range.from.s, "1");
	assert_string_equal(q->u.bool_q.must[1]->u.range.from.s, "3");

	q = qs("title:(a OR b) AND tag:x*", NULL);
	assert_int_equal(q->u.bool_q.n_must, 2);
	assert_int_equal(q->u.bool_q.must[0]->kind, ST_Q_BOOL);
	assert_int_equal(q->u.bool_q.must[1]->kind, ST_Q_PREFIX);
	assert_string_equal(q->u.bool_q.must[1]->u.term.value.s, "x");

	q = qs("body:*", NULL);
	assert_int_equal(q->kind, ST_Q_EXISTS);

	q = qs("everything", NULL);
	assert_int_equal(q->kind, ST_Q_MULTI_MATCH);
	assert_string_equal(q->u.mm.fields[0], "*");
	assert_true(q->u.mm.lenient);

	/* the JSON form */
	assert_int_equal(parse("{\"query\":{\"query_string\":{\"query\":\"a b\",\"default_field\":\"t\","
			       "\"default_operator\":\"AND\"}}}"), 0);
	assert_int_equal(req.query->kind, ST_Q_BOOL);
	assert_int_equal(req.query->u.bool_q.n_must, 2);

	st_query_t *bad;
	assert_int_not_equal(st_query_string_parse(&arena, "(a", 2, NULL, NULL, 0, ST_OP_OR, &bad, &err), 0);
	assert_string_equal(err.type, "parsing_exception");
	assert_int_not_equal(st_query_string_parse(&arena, "\"a", 2, NULL, NULL, 0, ST_OP_OR, &bad, &err), 0);
}

/* Mutated and truncated bodies: parsing fails cleanly or succeeds, never
 * crashes (run under ASan/UBSan in CI). */
static void
test_mutations(void **state)
{
	static const char *seeds[] = {
		"{\"query\":{\"bool\":{\"must\":[{\"match\":{\"t\":{\"query\":\"a b\",\"minimum_should_match\":\"2<75%\"}}}],"
		"\"filter\":{\"range\":{\"n\":{\"gte\":1,\"lt\":\"5\"}}},\"should\":{\"terms\":{\"k\":[\"x\",1,true]}}}},"
		"\"sort\":[{\"n\":{\"order\":\"desc\",\"missing\":\"_first\"}},\"_doc\"],\"search_after\":[1,2],"
		"\"aggs\":{\"a\":{\"terms\":{\"field\":\"k\"},\"aggs\":{\"b\":{\"histogram\":{\"field\":\"n\",\"interval\":2}}}}}}",
		"{\"query\":{\"query_string\":{\"query\":\"title:(a OR \\\"b c\\\"~2) AND n:[1 TO 5} -x*\"}}}",
		"{\"query\":{\"multi_match\":{\"query\":\"q\",\"fields\":[\"a^2\",\"b*\"],\"type\":\"best_fields\"}},\"size\":3}",
	};
	static const char set1[] = "{}[]\":,0a-\\ %<~^()*";
	static const char set2[] = "ab :()[]{}\"~^*+-!&|\\TOANDOR12";
	uint64_t rng = 12345;
	char buf[1024];

	(void)state;
	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		size_t len = strlen(seeds[s]);
		for (int it = 0; it < 3000; it++) {
			memcpy(buf, seeds[s], len + 1);
			for (int k = 0; k < 1 + it % 4; k++) {
				rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
				size_t pos = (rng >> 33) % len;
				buf[pos] = set1[(rng >> 20) % (sizeof(set1) - 1)];
			}
			if (it % 7 == 0)
				buf[(rng >> 40) % len] = '\0';
			osp_arena_reset(&arena);
			(void)tm_parse(buf, &arena, &req, &err);
		}
		for (size_t cut = 0; cut < len; cut++) {
			memcpy(buf, seeds[s], cut);
			buf[cut] = '\0';
			osp_arena_reset(&arena);
			(void)tm_parse(buf, &arena, &req, &err);
		}
	}
	/* query_string alone on arbitrary bytes */
	for (int it = 0; it < 5000; it++) {
		st_query_t *q;
		size_t n = 1 + it % 40;
		for (size_t i = 0; i < n; i++) {
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			buf[i] = set2[(rng >> 33) % (sizeof(set2) - 1)];
		}
		buf[n] = '\0';
		osp_arena_reset(&arena);
		(void)st_query_string_parse(&arena, buf, n, NULL, NULL, 0, ST_OP_OR, &q, &err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msm),
		cmocka_unit_test(test_basic_ast),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_query_string),
		cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
