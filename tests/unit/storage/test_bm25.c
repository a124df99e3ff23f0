/*
 * test_bm25.c - BM25 scores and explanations against hand-computed values.
 *
 * Corpus (field body, standard-like tokenizer):
 *   d0 "quick brown fox"   d1 "quick quick dog"   d2 "lazy dog"
 * N = 3 docs with body, sumTotalTermFreq = 8, avgdl = 8/3.
 * "quick": n = 2, idf = ln(1 + 1.5/2.5) = 0.4700036292...
 *   d0: freq 1, dl 3: tf = 1 / (1 + 1.2 * (0.25 + 0.75 * 3 / (8/3))) = 0.4324324...
 *       score = 0.2032448126...
 *   d1: freq 2: tf = 2 / (2 + 1.3125) = 0.6037735...; score = 0.2837757761...
 * "quick brown" phrase on d0: idf = 0.47000363 + 0.98082925 = 1.45083288,
 *   freq 1 -> 0.6273871923...
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_search_mem.h"

static tm_schema_t schema;

static st_reader_t *
corpus(void)
{
	tm_builder_t *b = tm_builder_new(&schema);
	uint32_t d;

	d = tm_doc(b, "0"); tm_text(b, d, "body", "quick brown fox");
	d = tm_doc(b, "1"); tm_text(b, d, "body", "quick quick dog");
	d = tm_doc(b, "2"); tm_text(b, d, "body", "lazy dog");
	return tm_build(b, 1);
}

static void
near(double got, double want)
{
	if (fabs(got - want) > 1e-6 * fabs(want)) {
		print_error("got %.9g want %.9g\n", got, want);
		fail();
	}
}

static int
setup(void **state)
{
	(void)state;
	tm_schema_init(&schema);
	tm_schema_add(&schema, "body", ST_QF_TEXT);
	tm_schema_add(&schema, "tag", ST_QF_KEYWORD);
	return 0;
}

static void
test_smallfloat(void **state)
{
	(void)state;
	/* lengths below 24 are exact; larger ones keep 4 significant bits */
	for (uint32_t i = 0; i < 24; i++)
		assert_int_equal(st_search_byte4_to_int(st_search_int_to_byte4(i)), i);
	assert_int_equal(st_search_int_to_byte4(24), 24);
	assert_int_equal(st_search_byte4_to_int(st_search_int_to_byte4(100)), 96);
	assert_int_equal(st_search_byte4_to_int(st_search_int_to_byte4(1000)), 984);
	assert_int_equal(st_search_byte4_to_int(255), 2013265944u);
	for (uint32_t i = 1; i < 100000; i += 7) {
		uint32_t d = st_search_byte4_to_int(st_search_int_to_byte4(i));
		assert_true(d <= i);
		assert_true(st_search_int_to_byte4(d) == st_search_int_to_byte4(i));
	}
}

static void
test_term_scores(void **state)
{
	st_reader_t *r = corpus();
	osp_arena_t a;
	st_search_req_t req;
	st_shard_result_t res;
	osp_err_t err;

	(void)state;
	osp_arena_init(&a, 4096, 0);
	assert_int_equal(tm_search(&r, 1, &schema, "{\"query\":{\"match\":{\"body\":\"quick\"}}}",
				   &a, &req, &res, &err), 0);
	assert_int_equal(res.n_hits, 2);
	assert_int_equal(res.total, 2);
	assert_string_equal(res.hits[0].id, "1");
	near(res.hits[0].score, 0.2837757761483687);
	assert_string_equal(res.hits[1].id, "0");
	near(res.hits[1].score, 0.2032448126468046);
	near(res.max_score, 0.2837757761483687);
	osp_arena_free(&a);
	st_reader_unref(r);
}

static void
test_boost_and_bool_sum(void **state)
{
	st_reader_t *r = corpus();
	osp_arena_t a;
	st_search_req_t req;
	st_shard_result_t res;
	osp_err_t err;

	(void)state;
	osp_arena_init(&a, 4096, 0);
	/* boost 2 doubles the score; "quick dog" sums two term scores */
	assert_int_equal(tm_search(&r, 1, &schema,
		"{\"query\":{\"match\":{\"body\":{\"query\":\"quick\",\"boost\":2}}}}",
		&a, &req, &res, &err), 0);
	near(res.hits[0].score, 2 * 0.2837757761483687);
	assert_int_equal(tm_search(&r, 1, &schema,
		"{\"query\":{\"match\":{\"body\":\"quick dog\"}}}", &a, &req, &res, &err), 0);
	assert_int_equal(res.n_hits, 3);
	/* dog: n = 2, same idf; d1 has dog once (dl 3), d2 once (dl 2) */
	double idf = log(1 + 1.5 / 2.5), avg = 8.0 / 3;
	double dog_d1 = idf * (1 / (1 + 1.2 * (0.25 + 0.75 * 3 / avg)));
	double dog_d2 = idf * (1 / (1 + 1.2 * (0.25 + 0.75 * 2 / avg)));
	assert_string_equal(res.hits[0].id, "1");
	near(res.hits[0].score, 0.2837757761483687 + dog_d1);
	assert_string_equal(res.hits[1].id, "2");
	near(res.hits[1].score, dog_d2);
	osp_arena_free(&a);
	st_reader_unref(r);
}

static void
test_phrase_score(void **state)
{
	st_reader_t *r = corpus();
	osp_arena_t a;
	st_search_req_t req;
	st_shard_result_t res;
	osp_err_t err;

	(void)state;
	osp_arena_init(&a, 4096, 0);
	assert_int_equal(tm_search(&r, 1, &schema,
		"{\"query\":{\"match_phrase\":{\"body\":\"quick brown\"}}}", &a, &req, &res, &err), 0);
	assert_int_equal(res.n_hits, 1);
	near(res.hits[0].score, 0.6273871923275511);
	/* sloppy: "quick fox" with slop 1 matches d0 at distance 1 -> freq 1/2 */
	assert_int_equal(tm_search(&r, 1, &schema,
		"{\"query\":{\"match_phrase\":{\"body\":{\"query\":\"quick fox\",\"slop\":1}}}}",
		&a, &req, &res, &err), 0);
	assert_int_equal(res.n_hits, 1);
	double idf = log(1 + 1.5 / 2.5) + log(1 + 2.5 / 1.5), avg = 8.0 / 3;
	double norm = 1.2 * (0.25 + 0.75 * 3 / avg);
	near(res.hits[0].score, idf * 0.5 / (0.5 + norm));
	assert_int_equal(tm_search(&r, 1, &schema,
		"{\"query\":{\"match_phrase\":{\"body\":\"quick fox\"}}}", &a, &req, &res, &err), 0);
	assert_int_equal(res.n_hits, 0);
	osp_arena_free(&a);
	st_reader_unref(r);
}

static void
test_explain_shape(void **state)
{
	st_reader_t *r = corpus();
	osp_arena_t a;
	st_search_req_t req;
	st_shard_result_t res;
	osp_err_t err;
	osp_buf_t out = OSP_BUF_INIT;
	osp_jw_t w;

	(void)state;
	osp_arena_init(&a, 4096, 0);
	assert_int_equal(tm_search(&r, 1, &schema,
		"{\"explain\":true,\"query\":{\"match\":{\"body\":\"quick\"}}}", &a, &req, &res, &err), 0);
	const st_expl_t *e = res.hits[1].expl; /* doc 0 */
	assert_non_null(e);
	assert_string_equal(e->desc, "weight(body:quick in 0) [PerFieldSimilarity], result of:");
	assert_int_equal(e->n, 1);
	const st_expl_t *sc = e->details[0];
	assert_string_equal(sc->desc, "score(freq=1.0), computed as boost * idf * tf from:");
	assert_int_equal(sc->n, 2); /* boost 1 is not listed */
	assert_string_equal(sc->details[0]->desc,
			    "idf, computed as log(1 + (N - n + 0.5) / (n + 0.5)) from:");
	assert_string_equal(sc->details[0]->details[0]->desc, "n, number of documents containing term");
	assert_true(sc->details[0]->details[0]->value == 2.0f);
	assert_string_equal(sc->details[0]->details[1]->desc, "N, total number of documents with field");
	assert_true(sc->details[0]->details[1]->value == 3.0f);
	assert_string_equal(sc->details[1]->desc,
			    "tf, computed as freq / (freq + k1 * (1 - b + b * dl / avgdl)) from:");
	assert_string_equal(sc->details[1]->details[0]->desc, "freq, occurrences of term within document");
	assert_string_equal(sc->details[1]->details[1]->desc, "k1, term saturation parameter");
	assert_string_equal(sc->details[1]->details[2]->desc, "b, length normalization parameter");
	assert_string_equal(sc->details[1]->details[3]->desc, "dl, length of field");
	assert_true(sc->details[1]->details[3]->value == 3.0f);
	assert_string_equal(sc->details[1]->details[4]->desc, "avgdl, average length of field");
	assert_true(e->value == res.hits[1].score);
	near(sc->details[0]->value, 0.47000362924573563);
	near(sc->details[1]->value, 0.43243243243243246);
	/* JSON shape, floats as Java prints them */
	osp_jw_init(&w, &out, 0);
	st_expl_write(&w, sc->details[1]->details[1]);
	assert_string_equal(out.data, "{\"value\":1.2,\"description\":\"k1, term saturation parameter\",\"details\":[]}");
	osp_buf_free(&out);
	osp_arena_free(&a);
	st_reader_unref(r);
}

static void
test_float_format(void **state)
{
	static const struct { float v; const char *s; } cases[] = {
		{ 1.0f, "1.0" }, { 1.2f, "1.2" }, { 0.2876821f, "0.2876821" },
		{ 1.3862942f, "1.3862942" }, { 0.001f, "0.001" }, { 1e-4f, "1.0E-4" },
		{ 12345678.0f, "1.2345678E7" }, { 100.0f, "100.0" }, { 0.5f, "0.5" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		osp_buf_t out = OSP_BUF_INIT;
		osp_jw_t w;
		osp_jw_init(&w, &out, 0);
		st_float_write(&w, cases[i].v);
		assert_string_equal(out.data, cases[i].s);
		osp_buf_free(&out);
	}
}

static void
test_keyword_term_score(void **state)
{
	tm_builder_t *b = tm_builder_new(&schema);
	osp_arena_t a;
	st_search_req_t req;
	st_shard_result_t res;
	osp_err_t err;
	st_reader_t *r;
	uint32_t d;

	(void)state;
	d = tm_doc(b, "a"); tm_keyword(b, d, "tag", "x");
	d = tm_doc(b, "b"); tm_keyword(b, d, "tag", "y");
	d = tm_doc(b, "c"); tm_keyword(b, d, "tag", "y");
	d = tm_doc(b, "d"); tm_keyword(b, d, "tag", "z");
	r = tm_build(b, 1);
	osp_arena_init(&a, 4096, 0);
	/* no norms: dl = 1 = avgdl, tf = 1 / 2.2 (Elasticsearch's 0.45454544) */
	assert_int_equal(tm_search(&r, 1, &schema, "{\"query\":{\"term\":{\"tag\":\"x\"}}}",
				   &a, &req, &res, &err), 0);
	assert_int_equal(res.n_hits, 1);
	near(res.hits[0].score, log(1 + 3.5 / 1.5) / 2.2);
	osp_arena_free(&a);
	st_reader_unref(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smallfloat),
		cmocka_unit_test(test_term_scores),
		cmocka_unit_test(test_boost_and_bool_sum),
		cmocka_unit_test(test_phrase_score),
		cmocka_unit_test(test_explain_shape),
		cmocka_unit_test(test_float_format),
		cmocka_unit_test(test_keyword_term_score),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
