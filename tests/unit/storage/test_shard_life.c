/*
 * test_shard_life.c - a shard over time (osprey/storage.h): refresh and
 * visibility (refresh_interval, wait_for), flush and reopen with and without
 * WAL replay, deletes in segments, tiered merges in slices with deletes
 * racing them, force merge, stats, corruption refused at open, and faults
 * injected through the I/O layer (fsync/write failures, ENOSPC) never
 * losing an acknowledged op.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "osprey/storage.h"
#include "st_reader.h"
#include "test_shard_util.h"

static void
index_range(st_shard_t *sh, int from, int to)
{
	st_write_res_t r;
	osp_err_t e;

	for (int i = from; i < to; i++) {
		char id[32], src[128];

		snprintf(id, sizeof(id), "d%d", i);
		snprintf(src, sizeof(src), "{\"title\":\"doc number %d\",\"n\":%d,\"tag\":\"t%d\"}",
			 i, i, i % 3);
		int rc = tsh_index(sh, id, src, &r, &e);

		if (rc != 0)
			fail_msg("index %s: %d %s", id, rc, e.reason);
	}
}

static void
delete_id(st_shard_t *sh, const char *id, st_result_t want)
{
	st_write_req_t q = tsh_req(ST_OP_DELETE, id, NULL);
	st_write_res_t r;
	osp_err_t e;

	assert_int_equal(tsh_write(sh, &q, &r, &e), 0);
	assert_int_equal(r.result, want);
}

static bool
has(st_shard_t *sh, const char *id, bool realtime)
{
	st_get_res_t g;

	assert_int_equal(tsh_get(sh, id, realtime, &g), 0);
	return g.found;
}

static void
test_refresh_visibility(void **state)
{
	(void)state;
	st_shard_settings_t set;

	st_shard_settings_default(&set);
	set.refresh_interval_ms = 1000;
	st_shard_t *sh = tsh_open(NULL, &set);

	assert_int_equal(st_shard_tick(sh, 10000), 0);
	index_range(sh, 0, 5);
	assert_int_equal(st_shard_visible_seq_no(sh), -1);
	assert_int_equal(st_shard_count(sh), 0);
	/* half an interval: nothing yet */
	assert_int_equal(st_shard_tick(sh, 10500), 0);
	assert_int_equal(st_shard_visible_seq_no(sh), -1);
	/* refresh=wait_for waits for this: the interval starts a sliced
	 * refresh that the following ticks finish */
	assert_int_equal(st_shard_tick(sh, 11001), 0);
	for (int i = 0; i < 100000 && st_shard_busy(sh); i++)
		assert_int_equal(st_shard_tick(sh, 11001), 0);
	assert_false(st_shard_busy(sh));
	assert_int_equal(st_shard_visible_seq_no(sh), 4);
	assert_int_equal(st_shard_count(sh), 5);
	/* a held reader set is not disturbed by later refreshes */
	st_reader_set_t *old = st_shard_acquire_readers(sh);

	index_range(sh, 5, 10);
	assert_int_equal(st_shard_refresh(sh), 0);
	assert_int_equal(st_shard_count(sh), 10);
	assert_int_equal(old->n, 1);
	assert_int_equal(old->r[0]->num_docs, 5);
	st_shard_release_readers(old);

	st_shard_stats_t st;

	st_shard_get_stats(sh, &st);
	assert_int_equal(st.docs_count, 10);
	assert_int_equal(st.segments_count, 2);
	assert_int_equal(st.index_total, 10);
	assert_true(st.refresh_total >= 2);
	assert_true(st.store_size_bytes > 0);
	tsh_close(sh, true);
}

static void
test_flush_reopen(void **state)
{
	(void)state;
	st_shard_t *sh = tsh_open(NULL, NULL);
	st_write_res_t r;
	osp_err_t e;

	index_range(sh, 0, 100);
	assert_int_equal(st_shard_refresh(sh), 0);
	for (int i = 0; i < 10; i++) {
		char id[16];

		snprintf(id, sizeof(id), "d%d", i);
		delete_id(sh, id, ST_RESULT_DELETED);
	}
	assert_int_equal(tsh_index(sh, "d50", "{\"n\":5000}", &r, &e), 0);
	assert_int_equal(r.version, 2);
	assert_int_equal(st_shard_flush(sh), 0);
	st_shard_stats_t st;

	st_shard_get_stats(sh, &st);
	assert_int_equal(st.docs_count, 90);
	assert_int_equal(st.translog_ops, 0);
	tsh_close(sh, false);

	sh = tsh_open(NULL, NULL);
	assert_int_equal(st_shard_count(sh), 90);
	assert_false(has(sh, "d3", true));
	assert_true(has(sh, "d10", false));
	st_get_res_t g;

	assert_int_equal(tsh_get(sh, "d50", true, &g), 0);
	assert_int_equal(g.version, 2);
	assert_string_equal(g.source, "{\"n\":5000}");
	assert_int_equal(st_shard_max_seq_no(sh), 110);
	/* seq_nos continue after the commit */
	assert_int_equal(tsh_index(sh, "new", "{\"n\":1}", &r, &e), 0);
	assert_int_equal(r.seq_no, 111);
	tsh_close(sh, true);
}

static void
test_replay(void **state)
{
	(void)state;
	st_shard_t *sh = tsh_open(NULL, NULL);
	st_write_res_t r;
	osp_err_t e;

	index_range(sh, 0, 30);
	assert_int_equal(st_shard_flush(sh), 0);       /* 0..29 committed */
	index_range(sh, 30, 60);                       /* 30..59 only in the WAL */
	delete_id(sh, "d5", ST_RESULT_DELETED);        /* hits a committed segment */
	delete_id(sh, "d40", ST_RESULT_DELETED);       /* hits the buffer */
	assert_int_equal(tsh_index(sh, "d7", "{\"n\":-7}", &r, &e), 0);
	tsh_close(sh, false);                          /* sync only: no commit */

	sh = tsh_open(NULL, NULL);
	assert_int_equal(st_shard_count(sh), 58);      /* searchable after replay */
	assert_false(has(sh, "d5", true));
	assert_false(has(sh, "d40", false));
	assert_true(has(sh, "d59", false));
	st_get_res_t g;

	assert_int_equal(tsh_get(sh, "d7", true, &g), 0);
	assert_int_equal(g.version, 2);
	assert_string_equal(g.source, "{\"n\":-7}");
	assert_int_equal(st_shard_max_seq_no(sh), 62);
	/* replay twice (no flush in between) is idempotent */
	tsh_close(sh, false);
	sh = tsh_open(NULL, NULL);
	assert_int_equal(st_shard_count(sh), 58);
	assert_int_equal(st_shard_max_seq_no(sh), 62);
	tsh_close(sh, true);
}

static int
tick_merges(st_shard_t *sh, int64_t *now)
{
	st_shard_stats_t st;
	int ticks = 0;

	do {
		assert_int_equal(st_shard_tick(sh, (*now)++), 0);
		st_shard_get_stats(sh, &st);
		ticks++;
	} while (st.merge_current && ticks < 100000);
	return ticks;
}

static void
test_tiered_merges(void **state)
{
	(void)state;
	st_shard_settings_t set;
	int64_t now = 1;

	st_shard_settings_default(&set);
	set.refresh_interval_ms = -1;
	set.segments_per_tier = 3;
	set.max_merge_at_once = 3;
	set.floor_segment_bytes = 1;
	set.merge_slice_docs = 7;       /* many slices per merge */
	set.merge_enabled = false;      /* build up segments first */
	st_shard_t *sh = tsh_open(NULL, &set);

	for (int s = 0; s < 12; s++) {
		index_range(sh, s * 10, s * 10 + 10);
		assert_int_equal(st_shard_refresh(sh), 0);
	}
	st_shard_stats_t st;

	st_shard_get_stats(sh, &st);
	assert_int_equal(st.segments_count, 12);
	tsh_close(sh, true);

	set.merge_enabled = true;
	sh = tsh_open(NULL, &set);
	/* one tick starts a merge; deletes land on its inputs meanwhile */
	assert_int_equal(st_shard_tick(sh, now++), 0);
	st_shard_get_stats(sh, &st);
	assert_int_equal(st.merge_current, 1);
	for (int i = 0; i < 120; i += 10) {
		char id[16];

		snprintf(id, sizeof(id), "d%d", i);
		delete_id(sh, id, ST_RESULT_DELETED);
	}
	assert_int_equal(st_shard_refresh(sh), 0);
	/* and two more still queued (unrefreshed) when the merge ends */
	delete_id(sh, "d5", ST_RESULT_DELETED);
	delete_id(sh, "d15", ST_RESULT_DELETED);
	int ticks = tick_merges(sh, &now);

	assert_true(ticks > 2);        /* sliced, not in one go */
	for (int k = 0; k < 20; k++)
		tick_merges(sh, &now);
	assert_int_equal(st_shard_refresh(sh), 0);
	st_shard_get_stats(sh, &st);
	assert_true(st.merge_total >= 1);
	assert_true(st.segments_count < 12);
	assert_int_equal(st_shard_count(sh), 106);
	for (int i = 0; i < 120; i++) {
		char id[16];

		snprintf(id, sizeof(id), "d%d", i);
		assert_int_equal(has(sh, id, false), i % 10 != 0 && i != 5 && i != 15);
	}
	tsh_close(sh, true);
	sh = tsh_open(NULL, &set);
	assert_int_equal(st_shard_count(sh), 106);
	assert_false(has(sh, "d20", true));
	tsh_close(sh, true);
}

static void
test_force_merge(void **state)
{
	(void)state;
	st_shard_t *sh = tsh_open(NULL, NULL);
	st_shard_stats_t st;

	for (int s = 0; s < 5; s++) {
		index_range(sh, s * 20, s * 20 + 20);
		assert_int_equal(st_shard_refresh(sh), 0);
	}
	delete_id(sh, "d1", ST_RESULT_DELETED);
	delete_id(sh, "d99", ST_RESULT_DELETED);
	assert_int_equal(st_shard_force_merge(sh, 0, true), 0);   /* expunge only */
	st_shard_get_stats(sh, &st);
	assert_int_equal(st.docs_deleted, 0);
	assert_int_equal(st.docs_count, 98);
	assert_true(st.segments_count <= 4);
	assert_int_equal(st_shard_force_merge(sh, 1, false), 0);
	st_shard_get_stats(sh, &st);
	assert_int_equal(st.segments_count, 1);
	assert_int_equal(st.docs_count, 98);
	assert_true(has(sh, "d50", false));
	tsh_close(sh, false);
	sh = tsh_open(NULL, NULL);
	st_shard_get_stats(sh, &st);
	assert_int_equal(st.segments_count, 1);
	assert_int_equal(st.docs_count, 98);
	tsh_close(sh, true);
}

static void
flip_byte(const char *name, long off)
{
	char path[512];
	char c;

	snprintf(path, sizeof(path), "%s/%s", tsh_dir, name);
	int fd = open(path, O_RDWR);

	assert_true(fd >= 0);
	off_t size = lseek(fd, 0, SEEK_END);

	if (off < 0)
		off += size;
	assert_int_equal(pread(fd, &c, 1, off), 1);
	c ^= 0x10;
	assert_int_equal(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

/* First file in tsh_dir whose name ends with suffix. */
static void
find_file(const char *suffix, char *out, size_t cap)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "ls %s | grep -e '%s$' | head -1", tsh_dir, suffix);
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	assert_non_null(fgets(out, (int)cap, p));
	out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

static void
test_corruption_refused(void **state)
{
	(void)state;
	st_shard_t *sh = tsh_open(NULL, NULL);
	osp_err_t e;
	char name[256];

	index_range(sh, 0, 50);
	tsh_close(sh, true);
	/* a flipped byte in a segment component */
	find_file("\\.si", name, sizeof(name));
	flip_byte(name, -3);
	assert_true(tsh_open_rc(NULL, NULL, &sh, &e) < 0);
	assert_string_equal(e.type, "corrupt_index_exception");
	flip_byte(name, -3);
	sh = tsh_open(NULL, NULL);
	assert_int_equal(st_shard_count(sh), 50);
	tsh_close(sh, true);
	/* a flipped byte in the commit point */
	find_file("segments_[0-9]*", name, sizeof(name));
	flip_byte(name, 20);
	assert_true(tsh_open_rc(NULL, NULL, &sh, &e) < 0);
	assert_string_equal(e.type, "corrupt_index_exception");
	flip_byte(name, 20);
	/* a flipped byte inside a sealed translog generation (not a torn tail) */
	sh = tsh_open(NULL, NULL);
	index_range(sh, 50, 60);
	tsh_close(sh, false);                 /* ops stay in the WAL */
	sh = tsh_open(NULL, NULL);            /* starts a newer generation */
	tsh_close(sh, false);
	char tlog[256];
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "ls -S %s | grep tlog | head -1", tsh_dir);
	FILE *p = popen(cmd, "r");

	assert_non_null(fgets(tlog, sizeof(tlog), p));
	pclose(p);
	tlog[strcspn(tlog, "\n")] = '\0';
	flip_byte(tlog, 100);
	assert_true(tsh_open_rc(NULL, NULL, &sh, &e) < 0);
	assert_string_equal(e.type, "translog_corrupted_exception");
	flip_byte(tlog, 100);
	sh = tsh_open(NULL, NULL);
	assert_int_equal(st_shard_count(sh), 60);
	tsh_close(sh, true);
	/* a missing component */
	char path[600];

	find_file("\\.si", name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", tsh_dir, name);
	assert_int_equal(unlink(path), 0);
	assert_true(tsh_open_rc(NULL, NULL, &sh, &e) < 0);
	assert_string_equal(e.type, "corrupt_index_exception");
}

static void
test_fsync_failure(void **state)
{
	(void)state;
	st_shard_t *sh = tsh_open(NULL, NULL);
	st_write_res_t r;
	osp_err_t e;
	int64_t now = 1;

	index_range(sh, 0, 10);
	while (st_shard_durable_seq_no(sh) < 9)
		assert_int_equal(st_shard_tick(sh, now++), 0);
	/* acked: 0..9. The next group commit's fsync fails. */
	st_io_faults_t f = { .fail_fsync_nth = 1 };

	st_io_set_faults(tsh_io(), &f);
	index_range(sh, 10, 20);
	int rc = 0;

	for (int i = 0; i < 1000 && rc == 0; i++) {
		rc = st_shard_tick(sh, now++);
		if (rc == 0 && st_io_inflight(tsh_io()))
			st_io_poll(tsh_io(), 1);   /* wait for the group commit */
	}
	assert_int_equal(rc, -EIO);
	assert_int_equal(st_shard_failed(sh), -EIO);
	assert_int_equal(st_shard_durable_seq_no(sh), 9);   /* 10..19 never acked */
	assert_int_equal(tsh_index(sh, "late", "{\"n\":1}", &r, &e), -EIO);
	assert_int_equal(e.status, 500);
	st_io_set_faults(tsh_io(), NULL);
	st_shard_close(sh, true);
	sh = tsh_open(NULL, NULL);
	for (int i = 0; i < 10; i++) {
		char id[16];

		snprintf(id, sizeof(id), "d%d", i);
		assert_true(has(sh, id, true));
	}
	assert_false(has(sh, "late", true));
	tsh_close(sh, true);
}

static void
test_write_failure_torn(void **state)
{
	(void)state;
	st_shard_t *sh = tsh_open(NULL, NULL);
	int64_t now = 1;

	index_range(sh, 0, 10);
	assert_int_equal(st_shard_sync(sh), 0);
	st_io_faults_t f = { .short_write_nth = 1 };

	st_io_set_faults(tsh_io(), &f);
	index_range(sh, 10, 20);
	int rc = 0;

	for (int i = 0; i < 1000 && rc == 0; i++) {
		rc = st_shard_tick(sh, now++);
		if (rc == 0 && st_io_inflight(tsh_io()))
			st_io_poll(tsh_io(), 1);   /* wait for the group commit */
	}
	assert_int_equal(rc, -EIO);
	assert_int_equal(st_shard_durable_seq_no(sh), 9);
	st_io_set_faults(tsh_io(), NULL);
	st_shard_close(sh, false);
	/* the torn half-batch is cut; every acked op is there */
	sh = tsh_open(NULL, NULL);
	for (int i = 0; i < 10; i++) {
		char id[16];

		snprintf(id, sizeof(id), "d%d", i);
		assert_true(has(sh, id, true));
	}
	int64_t max = st_shard_max_seq_no(sh);

	assert_true(max >= 9 && max < 19);
	index_range(sh, 100, 105);
	assert_int_equal(st_shard_sync(sh), 0);
	tsh_close(sh, false);
	sh = tsh_open(NULL, NULL);
	assert_true(has(sh, "d104", true));
	tsh_close(sh, true);
}

static void
test_enospc_refresh_flush(void **state)
{
	(void)state;
	st_shard_t *sh = tsh_open(NULL, NULL);

	index_range(sh, 0, 50);
	assert_int_equal(st_shard_sync(sh), 0);
	/* the disk is full: refresh and flush fail, nothing is lost */
	st_io_faults_t f = { .fail_write_nth = 1, .fail_write_every = 1,
			     .write_errno = ENOSPC };

	st_io_set_faults(tsh_io(), &f);
	assert_int_equal(st_shard_refresh(sh), -ENOSPC);
	assert_int_equal(st_shard_count(sh), 0);
	assert_true(has(sh, "d3", true));
	assert_int_equal(st_shard_flush(sh), -ENOSPC);
	assert_int_equal(st_shard_failed(sh), 0);
	/* space comes back */
	st_io_set_faults(tsh_io(), NULL);
	assert_int_equal(st_shard_refresh(sh), 0);
	assert_int_equal(st_shard_count(sh), 50);
	assert_int_equal(st_shard_flush(sh), 0);
	tsh_close(sh, false);
	sh = tsh_open(NULL, NULL);
	assert_int_equal(st_shard_count(sh), 50);
	tsh_close(sh, true);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refresh_visibility, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_flush_reopen, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_replay, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_tiered_merges, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_force_merge, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_corruption_refused, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_fsync_failure, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_write_failure_torn, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_enospc_refresh_flush, tsh_setup, tsh_teardown),
	};

	/* "plain" runs the whole file on the pread/pwrite backend */
	if (argc > 1 && strcmp(argv[1], "plain") == 0)
		tsh_backend = ST_IO_PLAIN;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
