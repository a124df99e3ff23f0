/*
 * test_segment_pcache.c - the bounded cache of decoded postings
 * (st_segment.h): over many distinct terms the thread's decoded postings
 * stay within the budget after every trim, evicted postings decode again
 * to the same lists, a hit survives trims as the most recently used entry,
 * and closing a segment returns its entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "st_reader.h"
#include "st_segment.h"

#define NDOCS 4000

static st_reader_t *seg;

/* Doc i holds "common", "t<i>" and "m<i % 10>". */
static int
setup(void **state)
{
	st_seg_builder_opts_t o = { .name = "_0" };
	st_seg_field_spec_t sp = { .name = "body", .index = ST_SEG_INDEX_POSITIONS, .norms = true };
	st_seg_builder_t *b;
	st_seg_files_t files;
	osp_err_t err;
	uint32_t fid;

	(void)state;
	assert_int_equal(st_seg_builder_create(&o, &b), 0);
	for (uint32_t i = 0; i < NDOCS; i++) {
		char id[16], t[16], m[16];
		st_seg_doc_meta_in_t meta = { .id = id, .seq_no = i, .primary_term = 1, .version = 1 };

		meta.id_len = (uint32_t)snprintf(id, sizeof(id), "%u", i);
		assert_int_equal(st_seg_builder_doc_begin(b, &meta, "{}", 2), 0);
		assert_int_equal(st_seg_builder_field(b, &sp, &fid), 0);
		snprintf(t, sizeof(t), "t%u", i);
		snprintf(m, sizeof(m), "m%u", i % 10);
		assert_int_equal(st_seg_builder_add_term(b, fid, "common", 6, 0), 0);
		assert_int_equal(st_seg_builder_add_term(b, fid, t, (uint32_t)strlen(t), 1), 0);
		assert_int_equal(st_seg_builder_add_term(b, fid, m, (uint32_t)strlen(m), 2), 0);
		assert_int_equal(st_seg_builder_set_length(b, fid, 3), 0);
		assert_int_equal(st_seg_builder_doc_end(b), 0);
	}
	assert_int_equal(st_seg_builder_finish(b, &files), 0);
	st_seg_builder_free(b);
	st_seg_open_opts_t oo = { .gen = 1 };

	assert_int_equal(st_segment_open(&files, &oo, &seg, &err), 0);
	st_seg_files_free(&files);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	st_reader_unref(seg);
	/* closing the segment gave back every entry */
	assert_int_equal(st_segment_cache_bytes(), 0);
	return 0;
}

static const st_postings_t *
get(const char *term)
{
	const st_postings_t *p = NULL;

	assert_int_equal(seg->ops->postings(seg, "body", term, (uint32_t)strlen(term), &p), 0);
	return p;
}

static void
test_budget_holds_over_many_terms(void **state)
{
	size_t budget = 64 * 1024, peak = 0;

	(void)state;
	st_segment_cache_set_budget(budget);
	for (uint32_t i = 0; i < NDOCS; i++) {
		char t[16];

		snprintf(t, sizeof(t), "t%u", i);
		const st_postings_t *p = get(t);

		assert_int_equal(p->doc_freq, 1);
		assert_true(roaring_bitmap_contains(p->docs, i));
		if (st_segment_cache_bytes() > peak)
			peak = st_segment_cache_bytes();
		st_segment_cache_trim();
		assert_true(st_segment_cache_bytes() <= budget);
	}
	/* between trims it holds at most one query's worth over the budget */
	assert_true(peak <= budget + 4096);
	st_seg_stats_t st;

	assert_int_equal(st_segment_stats(seg, &st), 0);
	assert_true(st.decoded_bytes > 0);
}

static void
test_evicted_postings_decode_again(void **state)
{
	(void)state;
	st_segment_cache_set_budget(32 * 1024);
	const st_postings_t *p = get("m3");
	uint32_t df = p->doc_freq;
	uint64_t ttf = p->total_term_freq;

	assert_int_equal(df, NDOCS / 10);
	/* push m3 out with other terms */
	for (uint32_t i = 0; i < 2000; i++) {
		char t[16];

		snprintf(t, sizeof(t), "t%u", i);
		get(t);
		st_segment_cache_trim();
	}
	p = get("m3");
	assert_int_equal(p->doc_freq, df);
	assert_int_equal(p->total_term_freq, ttf);
	assert_true(roaring_bitmap_contains(p->docs, 3));
	assert_true(roaring_bitmap_contains(p->docs, 3993));
	assert_non_null(p->positions);
	assert_int_equal(p->positions[p->pos_start[0]], 2);
}

static void
test_recently_used_stays(void **state)
{
	(void)state;
	const st_postings_t *common = get("common");

	/* the big list alone exceeds a tiny budget, yet a trim right after use
	 * keeps nothing: the owner trims only between jobs */
	st_segment_cache_set_budget(1);
	st_segment_cache_trim();
	assert_int_equal(st_segment_cache_bytes(), 0);
	/* a generous budget keeps the most recently used entries */
	st_segment_cache_set_budget(1 << 20);
	common = get("common");
	get("m1");
	get("common");             /* hit: moves to the front */
	for (uint32_t i = 0; i < 100; i++) {
		char t[16];

		snprintf(t, sizeof(t), "t%u", i);
		get(t);
	}
	st_segment_cache_trim();
	assert_ptr_equal(get("common"), common);
	st_segment_cache_set_budget(256u << 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_budget_holds_over_many_terms),
		cmocka_unit_test(test_evicted_postings_decode_again),
		cmocka_unit_test(test_recently_used_stays),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
