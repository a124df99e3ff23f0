/*
 * test_shard_rslice.c - the sliced refresh (osprey/storage.h
 * st_shard_refresh_request / st_shard_tick): searches keep the previous
 * view until the new segment is published, writes, realtime gets,
 * conflict checks and updates go on meanwhile against the frozen buffer,
 * the published view is the shard as of the freeze (later deletes of
 * frozen docs land at the next refresh, never half an update), a blocking
 * refresh or flush finishes what is under way, and closing in the middle
 * of a refresh loses nothing acknowledged (the WAL replays it).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "osprey/storage.h"
#include "st_reader.h"
#include "test_shard_util.h"

#define NDOCS 3000

static void
index_n(st_shard_t *sh, int from, int to, const char *word)
{
	st_write_res_t r;
	osp_err_t e;

	for (int i = from; i < to; i++) {
		char id[32], src[160];

		snprintf(id, sizeof(id), "d%d", i);
		snprintf(src, sizeof(src), "{\"title\":\"%s number %d of many words\",\"n\":%d,\"tag\":\"t%d\"}",
			 word, i, i, i % 7);
		assert_int_equal(tsh_index(sh, id, src, &r, &e), 0);
	}
}

/* A shard whose refresh moves in slices of 1 us (a few docs each). */
static st_shard_t *
open_sliced(void)
{
	st_shard_settings_t set;

	st_shard_settings_default(&set);
	set.refresh_interval_ms = -1;
	set.refresh_slice_us = 1;
	set.merge_enabled = false;
	return tsh_open(NULL, &set);
}

static uint32_t
finish(st_shard_t *sh)
{
	uint32_t ticks = 0;

	while (st_shard_busy(sh) && ticks < 10000000) {
		assert_int_equal(st_shard_tick(sh, 1000), 0);
		ticks++;
	}
	assert_false(st_shard_busy(sh));
	return ticks;
}

static bool
found(st_shard_t *sh, const char *id, bool realtime, int64_t *version)
{
	st_get_res_t g;

	assert_int_equal(tsh_get(sh, id, realtime, &g), 0);
	if (version)
		*version = g.found ? g.version : -1;
	return g.found;
}

static void
test_reads_and_writes_during_refresh(void **state)
{
	st_shard_t *sh = open_sliced();
	st_write_res_t r;
	osp_err_t e;
	int64_t v;

	(void)state;
	index_n(sh, 0, NDOCS, "alpha");
	int64_t target = st_shard_refresh_request(sh);

	assert_int_equal(target, NDOCS - 1);
	assert_int_equal(st_shard_tick(sh, 1000), 0);
	assert_true(st_shard_busy(sh));
	/* searches see the view before the refresh */
	assert_int_equal(st_shard_count(sh), 0);
	assert_true(st_shard_visible_seq_no(sh) < target);
	/* realtime get reads the frozen buffer; a non-realtime get does not */
	assert_true(found(sh, "d7", true, &v));
	assert_int_equal(v, 1);
	assert_false(found(sh, "d7", false, NULL));
	/* writes go on: overwrite and delete frozen docs, add a new one */
	assert_int_equal(tsh_index(sh, "d7", "{\"title\":\"beta\"}", &r, &e), 0);
	assert_int_equal(r.version, 2);
	st_write_req_t del = tsh_req(ST_OP_DELETE, "d8", NULL);

	assert_int_equal(tsh_write(sh, &del, &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_DELETED);
	assert_int_equal(tsh_index(sh, "new", "{\"title\":\"gamma\"}", &r, &e), 0);
	/* conflicts are checked against the frozen docs too */
	st_write_req_t cr = tsh_req(ST_OP_CREATE, "d9", "{\"title\":\"x\"}");

	assert_int_not_equal(tsh_write(sh, &cr, &r, &e), 0);
	assert_int_equal(e.status, 409);
	assert_true(found(sh, "d7", true, &v));
	assert_int_equal(v, 2);
	assert_false(found(sh, "d8", true, NULL));
	assert_true(finish(sh) > 1);
	/* the view as of the freeze: every frozen doc, nothing after it */
	assert_int_equal(st_shard_visible_seq_no(sh), target);
	assert_int_equal(st_shard_count(sh), NDOCS);
	assert_true(found(sh, "d7", false, &v));
	assert_int_equal(v, 1);
	assert_true(found(sh, "d8", false, NULL));
	assert_false(found(sh, "new", false, NULL));
	/* realtime still sees the latest */
	assert_true(found(sh, "d7", true, &v));
	assert_int_equal(v, 2);
	assert_false(found(sh, "d8", true, NULL));
	/* the next refresh applies what came after the freeze */
	assert_int_equal(st_shard_refresh(sh), 0);
	assert_int_equal(st_shard_visible_seq_no(sh), st_shard_max_seq_no(sh));
	assert_int_equal(st_shard_count(sh), NDOCS);       /* -d8 +new */
	assert_true(found(sh, "d7", false, &v));
	assert_int_equal(v, 2);
	assert_false(found(sh, "d8", false, NULL));
	assert_true(found(sh, "new", false, NULL));
	tsh_close(sh, true);
}

/* The term dictionary the slices built (sorted in chunks, merged across
 * steps) is in byte order and complete. */
static void
test_sliced_terms_sorted(void **state)
{
	st_shard_t *sh = open_sliced();
	st_term_iter_t it;
	char prev[64] = "";
	uint32_t n = 0;

	(void)state;
	index_n(sh, 0, NDOCS, "alpha");
	st_shard_refresh_request(sh);
	finish(sh);
	st_reader_set_t *set = st_shard_acquire_readers(sh);

	assert_int_equal(set->n, 1);
	const st_reader_t *r = set->r[0];

	assert_int_equal(r->ops->terms_seek(r, "title", NULL, 0, &it), 0);
	while (!it.done) {
		char cur[64];

		assert_true(it.term_len < sizeof(cur));
		memcpy(cur, it.term, it.term_len);
		cur[it.term_len] = '\0';
		assert_true(n == 0 || strcmp(prev, cur) < 0);
		memcpy(prev, cur, it.term_len + 1);
		n++;
		assert_int_equal(r->ops->terms_next(&it), 0);
	}
	/* alpha number of many words + NDOCS numbers */
	assert_int_equal(n, 5 + NDOCS);
	const st_postings_t *p;

	assert_int_equal(r->ops->postings(r, "title", "2999", 4, &p), 0);
	assert_int_equal(r->ops->postings(r, "title", "many", 4, &p), 0);
	st_shard_release_readers(set);
	tsh_close(sh, true);
}

static void
test_blocking_calls_finish_a_sliced_refresh(void **state)
{
	st_shard_t *sh = open_sliced();

	(void)state;
	index_n(sh, 0, NDOCS, "alpha");
	st_shard_refresh_request(sh);
	assert_int_equal(st_shard_tick(sh, 1000), 0);
	assert_true(st_shard_busy(sh));
	index_n(sh, NDOCS, NDOCS + 10, "beta");
	/* flush = refresh everything (the one under way, then the rest) + commit */
	assert_int_equal(st_shard_flush(sh), 0);
	assert_false(st_shard_busy(sh));
	assert_int_equal(st_shard_count(sh), NDOCS + 10);
	tsh_close(sh, false);
	sh = open_sliced();
	assert_int_equal(st_shard_count(sh), NDOCS + 10);
	tsh_close(sh, true);
}

static void
test_close_mid_refresh_loses_nothing(void **state)
{
	st_shard_t *sh = open_sliced();
	st_write_res_t r;
	osp_err_t e;
	int64_t v;

	(void)state;
	index_n(sh, 0, NDOCS, "alpha");
	assert_int_equal(st_shard_sync(sh), 0);
	st_shard_refresh_request(sh);
	for (int i = 0; i < 5; i++)
		assert_int_equal(st_shard_tick(sh, 1000), 0);
	assert_true(st_shard_busy(sh));
	assert_int_equal(tsh_index(sh, "d1", "{\"title\":\"later\"}", &r, &e), 0);
	assert_int_equal(st_shard_sync(sh), 0);
	/* no flush: what the refresh had not published comes back from the WAL */
	tsh_close(sh, false);
	sh = open_sliced();
	assert_int_equal(st_shard_count(sh), NDOCS);
	assert_true(found(sh, "d1", false, &v));
	assert_int_equal(v, 2);
	tsh_close(sh, true);
}

static void
test_refresh_of_only_deletes(void **state)
{
	st_shard_t *sh = open_sliced();
	st_write_res_t r;
	osp_err_t e;

	(void)state;
	index_n(sh, 0, 50, "alpha");
	assert_int_equal(st_shard_refresh(sh), 0);
	st_write_req_t del = tsh_req(ST_OP_DELETE, "d3", NULL);

	assert_int_equal(tsh_write(sh, &del, &r, &e), 0);
	int64_t target = st_shard_refresh_request(sh);

	finish(sh);
	assert_int_equal(st_shard_visible_seq_no(sh), target);
	assert_int_equal(st_shard_count(sh), 49);
	/* nothing new: a request is already satisfied */
	assert_int_equal(st_shard_refresh_request(sh), target);
	assert_int_equal(st_shard_tick(sh, 1000), 0);
	assert_false(st_shard_busy(sh));
	tsh_close(sh, true);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reads_and_writes_during_refresh, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_sliced_terms_sorted, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_blocking_calls_finish_a_sliced_refresh, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_close_mid_refresh_loses_nothing, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_refresh_of_only_deletes, tsh_setup, tsh_teardown),
	};

	if (argc > 1 && strcmp(argv[1], "plain") == 0)
		tsh_backend = ST_IO_PLAIN;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
