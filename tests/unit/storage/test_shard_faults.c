/*
 * test_shard_faults.c - a fault sweep over the shard's I/O: one scripted
 * workload (indexes, deletes, group commits, refreshes, flushes, merges) is
 * run once per fault point - the Nth write fails, the Nth write is torn,
 * the Nth fsync fails, the disk fills after B bytes - for N over the
 * whole fault-free run (every point up to 40, every third after). Whatever happens, the shard must not crash, and a
 * reopen without faults must succeed with every acknowledged op in place
 * (unacknowledged ones may or may not be there). Runs on both backends.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "osprey/storage.h"
#include "test_shard_util.h"

#define NOPS 160

/* What the workload did: per op, its id and whether it was acked. */
typedef struct wl {
	int64_t seq[NOPS];
	bool del[NOPS];
	int target[NOPS];            /* delete: the op whose doc it deletes */
	bool acked[NOPS];
	int n;
} wl_t;

static st_shard_settings_t
settings(void)
{
	st_shard_settings_t s;

	st_shard_settings_default(&s);
	s.refresh_interval_ms = -1;
	s.segments_per_tier = 2;
	s.max_merge_at_once = 2;
	s.floor_segment_bytes = 1;
	s.merge_slice_docs = 5;
	return s;
}

static void
ack(st_shard_t *sh, wl_t *w)
{
	int64_t d = st_shard_durable_seq_no(sh);

	for (int i = 0; i < w->n; i++)
		if (w->seq[i] >= 0 && w->seq[i] <= d)
			w->acked[i] = true;
}

/* Run the workload until it ends or the shard fails. */
static void
workload(st_shard_t *sh, wl_t *w)
{
	int64_t now = 1;

	memset(w, 0, sizeof(*w));
	for (int i = 0; i < NOPS; i++) {
		char id[16], src[64];
		st_write_req_t q;
		st_write_res_t r;
		osp_err_t e;

		w->seq[i] = -1;
		if (i % 7 == 6) {
			/* delete an earlier doc that was indexed and acked */
			int t = (i * 5) % i;

			while (t > 0 && (w->del[t] || !w->acked[t]))
				t--;
			if (w->del[t] || !w->acked[t]) {
				w->n = i + 1;
				w->del[i] = true;
				w->target[i] = -1;
				continue;
			}
			snprintf(id, sizeof(id), "d%d", t);
			q = tsh_req(ST_OP_DELETE, id, NULL);
			w->del[i] = true;
			w->target[i] = t;
		} else {
			snprintf(id, sizeof(id), "d%d", i);
			snprintf(src, sizeof(src), "{\"n\":%d,\"title\":\"doc %d\"}", i, i);
			q = tsh_req(ST_OP_INDEX, id, src);
		}
		w->n = i + 1;
		if (tsh_write(sh, &q, &r, &e) < 0)
			return;                 /* failed shard refuses writes */
		w->seq[i] = r.seq_no;
		if (i % 5 == 4) {
			int64_t want = st_shard_max_seq_no(sh);

			while (st_shard_durable_seq_no(sh) < want && !st_shard_failed(sh)) {
				st_shard_tick(sh, now++);
				if (st_io_inflight(tsh_io()))
					st_io_poll(tsh_io(), 1);
			}
			ack(sh, w);
			if (st_shard_failed(sh))
				return;
		}
		if (i % 20 == 19)
			st_shard_refresh(sh);
		if (i % 50 == 49)
			st_shard_flush(sh);
	}
}

static void
check(st_shard_t *sh, const wl_t *w, const char *what)
{
	for (int i = 0; i < w->n; i++) {
		char id[16];
		st_get_res_t g;

		if (w->del[i] || !w->acked[i])
			continue;
		/* an acked doc: present unless a later delete of it was acked;
		 * an unacked delete may have reached the disk */
		bool deleted_acked = false, deleted_maybe = false;

		for (int k = i + 1; k < w->n; k++)
			if (w->del[k] && w->target[k] == i) {
				deleted_acked |= w->acked[k];
				deleted_maybe = true;
			}
		snprintf(id, sizeof(id), "d%d", i);
		assert_int_equal(tsh_get(sh, id, true, &g), 0);
		if (deleted_acked && g.found)
			fail_msg("%s: %s deleted (acked) but found", what, id);
		if (!deleted_maybe && !g.found)
			fail_msg("%s: %s acked but lost", what, id);
	}
}

/* One faulted run: fresh dir, fault plan f, then verify after reopen. */
static void
faulted_run(const st_io_faults_t *f, const char *what)
{
	st_shard_settings_t s = settings();
	st_shard_t *sh;
	wl_t w;
	char cmd[600];

	DIR *d = opendir(tsh_dir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(cmd, sizeof(cmd), "%s/%s", tsh_dir, de->d_name);
		assert_int_equal(unlink(cmd), 0);
	}
	closedir(d);
	sh = tsh_open(NULL, &s);
	st_io_set_faults(tsh_io(), f);
	workload(sh, &w);
	st_shard_close(sh, false);           /* may fail: the disk is "broken" */
	st_io_set_faults(tsh_io(), NULL);
	osp_err_t e;

	if (tsh_open_rc(NULL, &s, &sh, &e) < 0)
		fail_msg("%s: reopen failed: %s: %s", what, e.type, e.reason);
	check(sh, &w, what);
	/* and the shard is fully usable again */
	assert_int_equal(st_shard_flush(sh), 0);
	tsh_close(sh, false);
	sh = tsh_open(NULL, &s);
	check(sh, &w, what);
	tsh_close(sh, true);
}

static void
test_fault_sweep(void **state)
{
	(void)state;
	st_shard_settings_t s = settings();
	st_io_stats_t a, b;
	wl_t w;
	char what[64];

	/* a clean run tells how many writes and syncs there are */
	st_io_get_stats(tsh_io(), &a);
	st_shard_t *sh = tsh_open(NULL, &s);

	workload(sh, &w);
	tsh_close(sh, false);
	st_io_get_stats(tsh_io(), &b);
	uint64_t writes = b.writes - a.writes, syncs = b.fsyncs - a.fsyncs;
	uint64_t bytes = b.bytes_written - a.bytes_written;

	for (int i = 0; i < w.n; i++)
		assert_true(w.del[i] || w.acked[i]);
	assert_true(writes > 20 && syncs > 20);
	/* every point early (open, first commits), every 3rd later */
	for (uint64_t n = 1; n <= writes + 1; n += n < 40 ? 1 : 3) {
		st_io_faults_t f = { .fail_write_nth = n };

		snprintf(what, sizeof(what), "write %llu fails", (unsigned long long)n);
		faulted_run(&f, what);
		f = (st_io_faults_t){ .short_write_nth = n };
		snprintf(what, sizeof(what), "write %llu torn", (unsigned long long)n);
		faulted_run(&f, what);
	}
	for (uint64_t n = 1; n <= syncs + 1; n += n < 40 ? 1 : 3) {
		st_io_faults_t f = { .fail_fsync_nth = n };

		snprintf(what, sizeof(what), "fsync %llu fails", (unsigned long long)n);
		faulted_run(&f, what);
	}
	for (uint64_t bb = 64; bb < bytes + 4096; bb = bb * 3 / 2 + 100) {
		st_io_faults_t f = { .enospc_after = bb };

		snprintf(what, sizeof(what), "ENOSPC after %llu bytes", (unsigned long long)bb);
		faulted_run(&f, what);
	}
	print_message("fault sweep: %llu writes, %llu fsyncs, %llu bytes in the clean run\n",
		      (unsigned long long)writes, (unsigned long long)syncs,
		      (unsigned long long)bytes);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fault_sweep, tsh_setup, tsh_teardown),
	};

	/* fsync latency says nothing about fault handling: on tmpfs it is free,
	 * which keeps a sweep of a few hundred runs fast */
	if (access("/dev/shm", W_OK) == 0)
		tsh_base = "/dev/shm";
	tsh_backend = ST_IO_PLAIN;
	if (argc > 1 && strcmp(argv[1], "uring") == 0)
		tsh_backend = ST_IO_URING;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
