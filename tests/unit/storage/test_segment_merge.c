/*
 * test_segment_merge.c - merging segments: the merged segment answers
 * exactly like a model of the inputs' live docs in input order (terms,
 * postings, freqs, positions, norms, block maxima, doc values, _source,
 * meta), whatever the slice budget; deleted docs and terms left empty
 * disappear; fields missing from some inputs merge; conflicting field specs
 * and all-deleted inputs are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "st_segment.h"
#include "test_segment_model.h"

static st_reader_t *
open_ok(st_seg_files_t *fs)
{
	st_reader_t *r = NULL;
	osp_err_t err;
	int rc = st_segment_open(fs, NULL, &r, &err);

	if (rc)
		fail_msg("open: %d %s", rc, err.reason);
	return r;
}

/* Drive a merge to the end with the given budget; returns the step count. */
static uint32_t
run_merge(st_seg_merge_t *m, uint64_t budget)
{
	uint32_t steps = 0;
	int rc;

	while ((rc = st_seg_merge_step(m, budget)) == OSP_AGAIN)
		steps++;
	assert_int_equal(rc, 0);
	return steps + 1;
}

/* Merge nseg random segments (each with some deletes) with a budget and
 * compare with the model of the survivors. */
static void
merge_case(uint32_t nseg, uint32_t per, uint64_t budget, uint32_t seed, uint32_t *masks)
{
	m_doc_t *docs[8];
	st_reader_t *rs[8];
	const m_doc_t **expect = malloc(nseg * per * sizeof(*expect));
	uint32_t ne = 0;
	uint32_t *dels = malloc(per * sizeof(uint32_t));

	assert_non_null(expect);
	assert_non_null(dels);
	for (uint32_t s = 0; s < nseg; s++) {
		st_seg_files_t fs;
		char name[16];
		uint32_t nd = 0;

		docs[s] = m_docs_random(per, seed + s, s * per, s == 1);
		if (masks)
			m_docs_keep(docs[s], per, masks[s]);
		snprintf(name, sizeof(name), "_%u", s);
		m_build_fields(docs[s], per, name, masks ? masks[s] : (1u << M_NFIELDS) - 1, &fs);
		st_reader_t *r = open_ok(&fs);

		st_seg_files_free(&fs);
		for (uint32_t d = 0; d < per; d++)
			if ((d * 7 + s) % 5 == 0)
				dels[nd++] = d;
		assert_int_equal(st_segment_delete(r, dels, nd, &rs[s]), 0);
		st_reader_unref(r);
		for (uint32_t d = 0; d < per; d++)
			if (st_reader_is_live(rs[s], d))
				expect[ne++] = &docs[s][d];
	}
	st_seg_builder_opts_t o = { .name = "_m" };
	st_seg_merge_t *m;

	assert_int_equal(st_seg_merge_create(rs, nseg, &o, &m), 0);
	/* The doc map is dense and ordered. */
	uint32_t next = 0;

	for (uint32_t s = 0; s < nseg; s++)
		for (uint32_t d = 0; d < per; d++) {
			uint32_t nd = st_seg_merge_map_doc(m, s, d);

			if (st_reader_is_live(rs[s], d))
				assert_int_equal(nd, next++);
			else
				assert_int_equal(nd, ST_NO_MORE_DOCS);
		}
	assert_int_equal(st_seg_merge_map_doc(m, nseg, 0), ST_NO_MORE_DOCS);
	/* Inputs may be released by the caller: the merge holds references. */
	for (uint32_t s = 0; s < nseg; s++)
		st_reader_unref(rs[s]);
	uint32_t steps = run_merge(m, budget);

	if (budget < 100)
		assert_true(steps > 10);
	st_seg_files_t out;

	assert_int_equal(st_seg_merge_finish(m, &out), 0);
	st_seg_merge_free(m);
	st_reader_t *mr = open_ok(&out);

	assert_int_equal(mr->max_doc, ne);
	assert_int_equal(st_segment_check(mr, NULL), 0);
	m_check(mr, expect, ne);
	st_reader_unref(mr);
	st_seg_files_free(&out);
	for (uint32_t s = 0; s < nseg; s++)
		m_docs_free(docs[s], per);
	free(expect);
	free(dels);
}

static void
test_merge_one_shot(void **state)
{
	(void)state;
	merge_case(3, 400, UINT64_MAX, 20, NULL);
}

static void
test_merge_small_slices(void **state)
{
	(void)state;
	merge_case(3, 150, 7, 30, NULL);
	merge_case(2, 100, 1, 40, NULL);
}

static void
test_merge_missing_fields(void **state)
{
	uint32_t masks[3] = {
		(1u << MF_BODY) | (1u << MF_NUM),
		(1u << M_NFIELDS) - 1,
		(1u << MF_TAG) | (1u << MF_PRICE) | (1u << MF_DVONLY),
	};

	(void)state;
	merge_case(3, 120, 50, 50, masks);
}

static void
test_merge_single_and_chain(void **state)
{
	m_doc_t *d = m_docs_random(200, 60, 0, false);
	const m_doc_t **p = malloc(200 * sizeof(*p));
	st_seg_files_t fs, out, out2;
	st_reader_t *r, *r2, *mr;
	st_seg_merge_t *m;
	st_seg_builder_opts_t o = { .name = "_x" };

	(void)state;
	for (uint32_t i = 0; i < 200; i++)
		p[i] = &d[i];
	m_build(d, 200, "_1", &fs);
	r = open_ok(&fs);
	/* Merging one segment without deletes reproduces it. */
	assert_int_equal(st_seg_merge_create(&r, 1, &o, &m), 0);
	run_merge(m, 33);
	assert_int_equal(st_seg_merge_finish(m, &out), 0);
	st_seg_merge_free(m);
	mr = open_ok(&out);
	m_check(mr, p, 200);
	/* Merge of the merged segment with the original: 400 docs. */
	const m_doc_t **pp = malloc(400 * sizeof(*pp));
	st_reader_t *two[2] = { mr, r };

	for (uint32_t i = 0; i < 400; i++)
		pp[i] = p[i % 200];
	o.name = "_y";
	assert_int_equal(st_seg_merge_create(two, 2, &o, &m), 0);
	run_merge(m, UINT64_MAX);
	assert_int_equal(st_seg_merge_finish(m, &out2), 0);
	st_seg_merge_free(m);
	r2 = open_ok(&out2);
	assert_int_equal(r2->max_doc, 400);
	/* Ids repeat across the halves; lookup_id finds the last copy, so
	 * compare everything but ids through the model of the first half. */
	st_doc_meta_t m1, m2;

	for (uint32_t i = 0; i < 200; i++) {
		assert_int_equal(r2->ops->doc_meta(r2, i, &m1), 0);
		assert_int_equal(r2->ops->doc_meta(r2, i + 200, &m2), 0);
		assert_int_equal(m1.id_len, m2.id_len);
		assert_memory_equal(m1.id, m2.id, m1.id_len);
	}
	st_field_stats_t a, b;

	assert_int_equal(r->ops->field_stats(r, "body", &a), 0);
	assert_int_equal(r2->ops->field_stats(r2, "body", &b), 0);
	assert_int_equal(b.doc_count, 2 * a.doc_count);
	assert_int_equal(b.sum_total_term_freq, 2 * a.sum_total_term_freq);
	assert_int_equal(b.sum_doc_freq, 2 * a.sum_doc_freq);
	st_reader_unref(r2);
	st_reader_unref(mr);
	st_reader_unref(r);
	st_seg_files_free(&fs);
	st_seg_files_free(&out);
	st_seg_files_free(&out2);
	free(pp);
	free(p);
	m_docs_free(d, 200);
}

static void
test_merge_all_deleted_and_conflicts(void **state)
{
	m_doc_t *d = m_docs_random(50, 70, 0, false);
	st_seg_files_t fs, out;
	st_reader_t *r, *r2, *rk;
	st_seg_merge_t *m;
	st_seg_builder_opts_t o = { .name = "_z" };
	uint32_t all[50];

	(void)state;
	for (uint32_t i = 0; i < 50; i++)
		all[i] = i;
	m_build(d, 50, "_1", &fs);
	r = open_ok(&fs);
	st_seg_files_free(&fs);
	assert_int_equal(st_segment_delete(r, all, 50, &r2), 0);
	assert_int_equal(r2->num_docs, 0);
	assert_int_equal(st_seg_merge_create(&r2, 1, &o, &m), 0);
	assert_int_equal(st_seg_merge_step(m, 10), 0);
	assert_int_equal(st_seg_merge_finish(m, &out), -ENODATA);
	st_seg_merge_free(m);

	/* "body" as a keyword field in another segment: refused. */
	st_seg_builder_opts_t bo = { .name = "_k" };
	st_seg_field_spec_t ks = { "body", ST_SEG_INDEX_DOCS, false, ST_SEG_DV_SORTED_SET };
	st_seg_doc_meta_in_t mi = { "k", 1, NULL, 0, 0, 1, 1 };
	st_seg_builder_t *b;
	uint32_t fid;

	assert_int_equal(st_seg_builder_create(&bo, &b), 0);
	assert_int_equal(st_seg_builder_field(b, &ks, &fid), 0);
	assert_int_equal(st_seg_builder_doc_begin(b, &mi, "{}", 2), 0);
	assert_int_equal(st_seg_builder_add_keyword(b, fid, "v", 1), 0);
	assert_int_equal(st_seg_builder_doc_end(b), 0);
	assert_int_equal(st_seg_builder_finish(b, &fs), 0);
	st_seg_builder_free(b);
	rk = open_ok(&fs);
	st_seg_files_free(&fs);
	st_reader_t *pair[2] = { r, rk };

	assert_int_equal(st_seg_merge_create(pair, 2, &o, &m), -EINVAL);
	assert_int_equal(r->refs, 1);             /* references given back */
	st_reader_unref(rk);
	st_reader_unref(r2);
	st_reader_unref(r);
	m_docs_free(d, 50);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_one_shot),
		cmocka_unit_test(test_merge_small_slices),
		cmocka_unit_test(test_merge_missing_fields),
		cmocka_unit_test(test_merge_single_and_chain),
		cmocka_unit_test(test_merge_all_deleted_and_conflicts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
