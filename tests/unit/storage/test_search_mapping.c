/*
 * test_search_mapping.c - search through the real pipeline: a mapping
 * (osprey/mapping.h) parses documents, their analyzed fields go into a real
 * segment (storage/segment), and queries run with st_search_fields_mapping
 * (search analyzers, multi-fields, field patterns, date math and date
 * formats from osprey/date.h, keyword normalizers from the index's
 * analysis settings).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "osprey/analysis.h"
#include "osprey/mapping.h"
#include "st_fields.h"
#include "st_search.h"
#include "st_segment.h"

static st_mapping_t *mapping;
static st_analysis_t *registry;
static st_analysis_ctx_t *actx;
static st_reader_t *seg;
static osp_arena_t arena;
static st_search_fields_mapping_t fm;

static const char *docs[] = {
	"{\"ntag\":\"Caf\xc3\xa9\",\"title\":\"The Quick Brown Fox\",\"tag\":\"animal\",\"n\":5,\"ts\":\"2020-01-01T10:00:00Z\",\"ok\":true,\"price\":1.5}",
	"{\"ntag\":\"DOG\",\"title\":\"Quick thinking\",\"tag\":[\"mind\",\"animal\"],\"n\":12,\"ts\":\"2020-01-20\",\"ok\":false,\"price\":2.25}",
	"{\"ntag\":\"zebra\",\"title\":\"Lazy dogs sleep\",\"tag\":\"animal\",\"n\":7,\"ts\":\"2020-02-03\",\"price\":9.0}",
	"{\"title\":\"Brown bread\",\"tag\":\"food\",\"ts\":1583020800000}",
};

static st_seg_field_spec_t
spec_of(const st_field_t *f)
{
	st_seg_field_spec_t s = { .name = f->path };

	switch (f->type) {
	case ST_FIELD_TEXT:
		s.index = ST_SEG_INDEX_POSITIONS;
		s.norms = f->norms;
		break;
	case ST_FIELD_KEYWORD:
		s.index = ST_SEG_INDEX_DOCS;
		s.dv = ST_SEG_DV_SORTED_SET;
		break;
	case ST_FIELD_DOUBLE: case ST_FIELD_FLOAT: case ST_FIELD_HALF_FLOAT:
		s.index = ST_SEG_INDEX_DOCS;
		s.dv = ST_SEG_DV_DOUBLE;
		break;
	default:
		s.index = ST_SEG_INDEX_DOCS;
		s.dv = ST_SEG_DV_LONG;
		break;
	}
	return s;
}

static int
setup(void **state)
{
	const char *mjs = "{\"properties\":{\"title\":{\"type\":\"text\",\"fields\":{\"raw\":{\"type\":\"keyword\"}}},"
			  "\"tag\":{\"type\":\"keyword\"},\"n\":{\"type\":\"integer\"},\"ts\":{\"type\":\"date\"},"
			  "\"ok\":{\"type\":\"boolean\"},\"price\":{\"type\":\"float\"},"
			  "\"ntag\":{\"type\":\"keyword\",\"normalizer\":\"folded\"}}}";
	const char *ajs = "{\"normalizer\":{\"folded\":{\"type\":\"custom\",\"filter\":[\"lowercase\",\"asciifolding\"]}}}";
	osp_json_t *j;
	osp_json_error_t jerr;
	osp_err_t err;
	st_seg_builder_opts_t o = { .name = "_0" };
	st_seg_builder_t *b;
	st_seg_files_t files;

	(void)state;
	osp_arena_init(&arena, 1 << 15, 0);
	assert_int_equal(osp_json_parse(&arena, mjs, strlen(mjs), NULL, &j, &jerr), 0);
	assert_int_equal(st_mapping_parse(j, NULL, &mapping, &err), -EINVAL); /* needs the registry */
	assert_int_equal(osp_json_parse(&arena, ajs, strlen(ajs), NULL, &j, &jerr), 0);
	assert_int_equal(st_analysis_create(j, &registry, &err), 0);
	assert_int_equal(osp_json_parse(&arena, mjs, strlen(mjs), NULL, &j, &jerr), 0);
	assert_int_equal(st_mapping_parse(j, registry, &mapping, &err), 0);
	assert_int_equal(st_analysis_ctx_create(&actx), 0);
	assert_int_equal(st_seg_builder_create(&o, &b), 0);
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		st_doc_t d;
		char id[8];
		snprintf(id, sizeof(id), "%zu", i);
		assert_int_equal(st_doc_parse(mapping, actx, id, docs[i], strlen(docs[i]), &arena, &d, &err), 0);
		assert_null(d.mapping_update);
		st_seg_doc_meta_in_t meta = { .id = id, .id_len = (uint32_t)strlen(id), .seq_no = (int64_t)i,
					      .primary_term = 1, .version = 1 };
		assert_int_equal(st_seg_builder_doc_begin(b, &meta, docs[i], strlen(docs[i])), 0);
		for (uint32_t k = 0; k < d.n_fields; k++) {
			const st_doc_field_t *df = &d.fields[k];
			st_seg_field_spec_t sp = spec_of(df->field);
			uint32_t fid;
			assert_int_equal(st_seg_builder_field(b, &sp, &fid), 0);
			for (uint32_t t = 0; t < df->n_tokens; t++)
				st_seg_builder_add_term(b, fid, df->tokens[t].term, df->tokens[t].len,
							(uint32_t)df->tokens[t].position);
			if (df->n_tokens)
				st_seg_builder_set_length(b, fid, df->length);
			for (uint32_t t = 0; t < df->n_terms; t++)
				st_seg_builder_add_keyword(b, fid, df->terms[t].s, df->terms[t].len);
			for (uint32_t t = 0; t < df->n_values; t++) {
				if (df->field->type == ST_FIELD_BOOLEAN)
					st_seg_builder_add_bool(b, fid, df->longs[t] != 0);
				else if (df->doubles)
					st_seg_builder_add_double(b, fid, df->doubles[t]);
				else
					st_seg_builder_add_long(b, fid, df->longs[t]);
			}
		}
		assert_int_equal(st_seg_builder_doc_end(b), 0);
	}
	assert_int_equal(st_seg_builder_finish(b, &files), 0);
	st_seg_builder_free(b);
	st_seg_open_opts_t oo = { .gen = 1 };
	assert_int_equal(st_segment_open(&files, &oo, &seg, &err), 0);
	st_seg_files_free(&files);
	st_search_fields_mapping(&fm, mapping, actx);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	st_reader_unref(seg);
	st_mapping_unref(mapping);
	st_analysis_free(registry);
	st_analysis_ctx_free(actx);
	osp_arena_free(&arena);
	return 0;
}

static st_search_req_t req;
static st_shard_result_t res;
static osp_err_t err;

static int
run(const char *body)
{
	osp_json_t *j;
	osp_json_error_t jerr;
	int rc;

	osp_err_clear(&err);
	st_search_req_init(&req);
	req.now_ms = 1580515200000LL + 3600 * 1000; /* 2020-02-01T01:00Z */
	assert_int_equal(osp_json_parse(&arena, body, strlen(body), NULL, &j, &jerr), 0);
	if ((rc = st_search_req_parse(&arena, j, &req, &err)))
		return rc;
	rc = st_search_shard(&seg, 1, &req, &fm.ops, &arena, &res, &err);
	if (rc && err.status)
		print_message("search: %s: %s\n", err.type, err.reason);
	return rc;
}

static const char *
ids(void)
{
	static char buf[128];
	size_t w = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < res.n_hits; i++)
		w += (size_t)snprintf(buf + w, sizeof(buf) - w, "%s%s", i ? "," : "", res.hits[i].id);
	return buf;
}

static void
expect(const char *body, const char *want)
{
	assert_int_equal(run(body), 0);
	if (strcmp(ids(), want)) {
		print_error("%s\n got [%s] want [%s]\n", body, ids(), want);
		fail();
	}
}

static void
test_text_and_keyword(void **state)
{
	(void)state;
	/* standard analyzer lowercases the query */
	expect("{\"query\":{\"match\":{\"title\":\"QUICK\"}}}", "1,0");
	expect("{\"query\":{\"match_phrase\":{\"title\":\"quick brown\"}}}", "0");
	/* whitespace analyzer keeps case: no match on lowercased terms */
	expect("{\"query\":{\"match\":{\"title\":{\"query\":\"Quick\",\"analyzer\":\"whitespace\"}}}}", "");
	assert_int_not_equal(run("{\"query\":{\"match\":{\"title\":{\"query\":\"x\",\"analyzer\":\"nope\"}}}}"), 0);
	/* the keyword multi-field holds the raw value */
	expect("{\"query\":{\"term\":{\"title.raw\":\"Brown bread\"}}}", "3");
	expect("{\"query\":{\"match\":{\"title.raw\":\"Brown bread\"}}}", "3");
	expect("{\"query\":{\"term\":{\"tag\":\"mind\"}}}", "1");
	expect("{\"query\":{\"multi_match\":{\"query\":\"brown\",\"fields\":[\"ti*\"]}}}", "3,0");
	expect("{\"query\":{\"query_string\":{\"query\":\"lazy OR bread\"}}}", "3,2");
}

/* Elasticsearch normalizes the value of term, terms, prefix, range and
 * match on a keyword field with a normalizer; without one it is exact. */
static void
test_keyword_normalizer(void **state)
{
	(void)state;
	expect("{\"query\":{\"term\":{\"ntag\":\"CAFE\"}}}", "0");
	expect("{\"query\":{\"term\":{\"ntag\":\"caf\xc3\xa9\"}}}", "0");
	expect("{\"query\":{\"terms\":{\"ntag\":[\"Dog\",\"ZEBRA\"]}}}", "1,2");
	expect("{\"query\":{\"prefix\":{\"ntag\":\"DO\"}}}", "1");
	expect("{\"query\":{\"range\":{\"ntag\":{\"gte\":\"D\",\"lt\":\"E\"}}}}", "1");
	expect("{\"query\":{\"range\":{\"ntag\":{\"gt\":\"CAFE\"}}}}", "1,2");
	expect("{\"query\":{\"match\":{\"ntag\":\"ZEBRA\"}}}", "2");
	expect("{\"query\":{\"term\":{\"tag\":\"ANIMAL\"}}}", "");
	expect("{\"query\":{\"match\":{\"tag\":\"Animal\"}}}", "");
	expect("{\"query\":{\"prefix\":{\"tag\":\"ANI\"}}}", "");
}

static void
test_numbers_dates_booleans(void **state)
{
	(void)state;
	expect("{\"query\":{\"term\":{\"ok\":true}}}", "0");
	expect("{\"query\":{\"term\":{\"ok\":\"false\"}}}", "1");
	expect("{\"query\":{\"range\":{\"n\":{\"gt\":5}}},\"sort\":[\"n\"]}", "2,1");
	expect("{\"query\":{\"range\":{\"price\":{\"lte\":2.25}}},\"sort\":[{\"price\":\"desc\"}]}", "1,0");
	expect("{\"query\":{\"range\":{\"ts\":{\"gte\":\"2020-01-15\",\"lt\":\"2020-03-01\"}}},\"sort\":[\"ts\"]}",
	       "1,2");
	/* date math against the request's now (2020-02-01T01:00Z) */
	expect("{\"query\":{\"range\":{\"ts\":{\"gte\":\"now-20d/d\"}}},\"sort\":[\"ts\"]}", "1,2,3");
	expect("{\"query\":{\"range\":{\"ts\":{\"gte\":\"01/2020\",\"lt\":\"02/2020\",\"format\":\"MM/yyyy\"}}},"
	       "\"sort\":[\"ts\"]}", "0,1");
	assert_int_equal(res.hits[0].sort[0].i, 1577872800000LL);
	assert_int_not_equal(run("{\"query\":{\"range\":{\"ts\":{\"gte\":\"garbage\"}}}}"), 0);
	assert_int_equal(err.status, 400);
}

static void
test_date_aggs(void **state)
{
	st_search_merged_t m;
	st_shard_result_t *p[1] = { &res };
	osp_buf_t buf = OSP_BUF_INIT;
	osp_jw_t w;

	(void)state;
	assert_int_equal(run("{\"size\":0,\"aggs\":{\"d\":{\"date_histogram\":{\"field\":\"ts\","
			     "\"calendar_interval\":\"month\",\"format\":\"yyyy-MM\"}},"
			     "\"mx\":{\"max\":{\"field\":\"ts\"}}}}"), 0);
	assert_int_equal(st_search_merge(&req, p, 1, &arena, &m, &err), 0);
	osp_jw_init(&w, &buf, 0);
	osp_jw_obj_begin(&w);
	st_aggs_write(&w, m.aggs, m.n_aggs);
	osp_jw_obj_end(&w);
	assert_string_equal(buf.data,
		"{\"d\":{\"buckets\":[{\"key_as_string\":\"2020-01\",\"key\":1577836800000,\"doc_count\":2},"
		"{\"key_as_string\":\"2020-02\",\"key\":1580515200000,\"doc_count\":1},"
		"{\"key_as_string\":\"2020-03\",\"key\":1583020800000,\"doc_count\":1}]},"
		"\"mx\":{\"value\":1.5830208E12,\"value_as_string\":\"2020-03-01T00:00:00.000Z\"}}");
	osp_buf_free(&buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_keyword),
		cmocka_unit_test(test_keyword_normalizer),
		cmocka_unit_test(test_numbers_dates_booleans),
		cmocka_unit_test(test_date_aggs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
