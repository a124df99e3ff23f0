/*
 * test_wal.c - the translog (shard/st_wal.h): encode/replay round trip,
 * group commit, torn and garbage tails cut for good, corruption in a sealed
 * generation refused, roll + trim + replay above a seq_no, failed syncs.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "osprey/io.h"
#include "shard/st_wal.h"

static char dir[256];
static st_io_t *io;

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/osp-test-wal-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return st_io_create_best(&io, 64);
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	st_io_destroy(io);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
clean_dir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -f %s/*", dir);
	assert_int_equal(system(cmd), 0);
}

/* What replay saw. */
typedef struct seen {
	int n;
	int64_t seq[4096];
	char last_id[64];
	char last_src[256];
	uint8_t last_type;
	int64_t last_version, last_term;
	char last_routing[32];
} seen_t;

static int
collect(void *ctx, const st_wal_op_t *op)
{
	seen_t *s = ctx;

	assert_true(s->n < 4096);
	s->seq[s->n++] = op->seq_no;
	snprintf(s->last_id, sizeof(s->last_id), "%.*s", (int)op->id_len, op->id);
	snprintf(s->last_src, sizeof(s->last_src), "%.*s", (int)op->source_len,
		 op->source);
	snprintf(s->last_routing, sizeof(s->last_routing), "%.*s",
		 (int)op->routing_len, op->routing ? op->routing : "");
	s->last_type = op->type;
	s->last_version = op->version;
	s->last_term = op->primary_term;
	return 0;
}

static void
append_n(st_wal_t *w, int64_t from, int n)
{
	for (int i = 0; i < n; i++) {
		char id[32], src[64];
		int64_t seq = from + i;

		snprintf(id, sizeof(id), "doc-%lld", (long long)seq);
		snprintf(src, sizeof(src), "{\"n\":%lld}", (long long)seq);
		st_wal_op_t op = {
			.type = seq % 7 == 6 ? ST_WAL_OP_DELETE : ST_WAL_OP_INDEX,
			.seq_no = seq, .primary_term = 3, .version = seq + 1,
			.id = id, .id_len = (uint32_t)strlen(id),
			.routing = seq % 2 ? "r1" : NULL, .routing_len = seq % 2 ? 2 : 0,
			.source = src, .source_len = (uint32_t)strlen(src),
		};

		assert_int_equal(st_wal_append(w, &op), 0);
	}
}

static st_wal_t *
open_wal(uint64_t min_gen, int64_t above, seen_t *s, int expect)
{
	st_wal_t *w = NULL;

	memset(s, 0, sizeof(*s));
	assert_int_equal(st_wal_open(io, dir, min_gen, above, 3, collect, s, &w), expect);
	return w;
}

static void
test_roundtrip(void **state)
{
	(void)state;
	seen_t s;
	clean_dir();
	st_wal_t *w = open_wal(0, -1, &s, 0);

	assert_int_equal(s.n, 0);
	assert_int_equal(st_wal_durable_seq_no(w), -1);
	append_n(w, 0, 100);
	assert_int_equal(st_wal_sync(w), 0);
	assert_int_equal(st_wal_durable_seq_no(w), 99);
	st_wal_close(w);

	w = open_wal(0, -1, &s, 0);
	assert_int_equal(s.n, 100);
	for (int i = 0; i < 100; i++)
		assert_int_equal(s.seq[i], i);
	assert_string_equal(s.last_id, "doc-99");
	assert_string_equal(s.last_src, "{\"n\":99}");
	assert_string_equal(s.last_routing, "r1");
	assert_int_equal(s.last_version, 100);
	assert_int_equal(s.last_term, 3);
	assert_int_equal(st_wal_durable_seq_no(w), 99);
	/* replay again, above a seq_no */
	st_wal_close(w);
	w = open_wal(0, 49, &s, 0);
	assert_int_equal(s.n, 50);
	assert_int_equal(s.seq[0], 50);
	st_wal_close(w);
}

static void
test_group_commit(void **state)
{
	(void)state;
	seen_t s;
	clean_dir();
	st_wal_t *w = open_wal(0, -1, &s, 0);
	st_io_stats_t a, b;

	st_io_get_stats(io, &a);
	/* 10 loop iterations of 50 appends each; kick once per iteration */
	for (int it = 0; it < 10; it++) {
		append_n(w, it * 50, 50);
		assert_int_equal(st_wal_kick(w), 0);
		assert_true(st_io_poll(io, 0) >= 0);
		assert_true(st_wal_durable_seq_no(w) <= it * 50 + 49);
	}
	assert_int_equal(st_wal_sync(w), 0);
	assert_int_equal(st_wal_durable_seq_no(w), 499);
	st_io_get_stats(io, &b);
	/* at most one write+sync per kick, never one per op */
	assert_true(b.fsyncs - a.fsyncs <= 11);
	assert_true(b.writes - a.writes <= 11);
	st_wal_close(w);
	w = open_wal(0, -1, &s, 0);
	assert_int_equal(s.n, 500);
	st_wal_close(w);
}

static off_t
gen_size(uint64_t gen)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/translog-%llu.tlog", dir, (unsigned long long)gen);
	if (stat(path, &st) < 0)
		return -1;
	return st.st_size;
}

static void
gen_truncate(uint64_t gen, off_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/translog-%llu.tlog", dir, (unsigned long long)gen);
	assert_int_equal(truncate(path, len), 0);
}

static void
gen_append(uint64_t gen, const void *p, size_t n)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/translog-%llu.tlog", dir, (unsigned long long)gen);
	int fd = open(path, O_WRONLY | O_APPEND);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static void
test_torn_tail(void **state)
{
	(void)state;
	seen_t s;
	clean_dir();
	st_wal_t *w = open_wal(0, -1, &s, 0);
	uint64_t g = st_wal_current_gen(w);

	append_n(w, 0, 10);
	assert_int_equal(st_wal_sync(w), 0);
	st_wal_close(w);
	/* tear the last record: drop its last 5 bytes */
	off_t sz = gen_size(g);

	gen_truncate(g, sz - 5);
	w = open_wal(0, -1, &s, 0);
	assert_int_equal(s.n, 9);
	assert_int_equal(st_wal_durable_seq_no(w), 8);
	assert_true(gen_size(g) < sz - 5);      /* cut at the last good record */
	/* new appends go to a new generation; the torn op never returns */
	append_n(w, 9, 3);
	assert_int_equal(st_wal_sync(w), 0);
	st_wal_close(w);
	w = open_wal(0, -1, &s, 0);
	assert_int_equal(s.n, 12);
	assert_int_equal(s.seq[9], 9);
	assert_string_equal(s.last_id, "doc-11");
	st_wal_close(w);
}

static void
test_garbage_tail(void **state)
{
	(void)state;
	seen_t s;
	clean_dir();
	st_wal_t *w = open_wal(0, -1, &s, 0);
	uint64_t g = st_wal_current_gen(w);

	append_n(w, 0, 5);
	assert_int_equal(st_wal_sync(w), 0);
	st_wal_close(w);
	off_t sz = gen_size(g);
	char junk[300];

	memset(junk, 0x5a, sizeof(junk));
	gen_append(g, junk, sizeof(junk));
	w = open_wal(0, -1, &s, 0);
	assert_int_equal(s.n, 5);
	assert_int_equal(gen_size(g), sz);
	st_wal_close(w);
	/* a zero-filled tail (preallocated / lost blocks) too */
	memset(junk, 0, sizeof(junk));
	gen_append(g + 1, junk, sizeof(junk));
	w = open_wal(0, -1, &s, 0);
	assert_int_equal(s.n, 5);
	st_wal_close(w);
}

static void
test_corrupt_sealed(void **state)
{
	(void)state;
	seen_t s;
	clean_dir();
	st_wal_t *w = open_wal(0, -1, &s, 0);
	uint64_t g = st_wal_current_gen(w), ng;

	append_n(w, 0, 5);
	assert_int_equal(st_wal_roll(w, &ng), 0);
	assert_int_equal(ng, g + 1);
	append_n(w, 5, 5);
	assert_int_equal(st_wal_sync(w), 0);
	st_wal_close(w);
	/* flip a byte inside the sealed generation: not a torn tail */
	char path[512];

	snprintf(path, sizeof(path), "%s/translog-%llu.tlog", dir, (unsigned long long)g);
	int fd = open(path, O_RDWR);
	char c;

	assert_int_equal(pread(fd, &c, 1, 100), 1);
	c ^= 0x40;
	assert_int_equal(pwrite(fd, &c, 1, 100), 1);
	close(fd);
	w = open_wal(0, -1, &s, -EUCLEAN);
	assert_null(w);
}

static void
test_roll_trim(void **state)
{
	(void)state;
	seen_t s;
	clean_dir();
	st_wal_t *w = open_wal(0, -1, &s, 0);
	uint64_t g1 = st_wal_current_gen(w), g2;

	append_n(w, 0, 20);
	assert_int_equal(st_wal_roll(w, &g2), 0);
	append_n(w, 20, 5);
	assert_int_equal(st_wal_sync(w), 0);
	assert_int_equal(st_wal_trim(w, g2), 0);
	assert_int_equal(gen_size(g1), -1);
	st_wal_close(w);
	/* a commit point saying gen g2, seq 19; a generation older than it
	 * (a crash before the trim) is deleted at open */
	char path[512];

	snprintf(path, sizeof(path), "%s/translog-%llu.tlog", dir, (unsigned long long)g1);
	int fd = open(path, O_CREAT | O_WRONLY, 0644);

	assert_true(fd >= 0);
	close(fd);
	w = open_wal(g2, 19, &s, 0);
	assert_int_equal(gen_size(g1), -1);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.seq[0], 20);
	assert_int_equal(st_wal_durable_seq_no(w), 24);
	st_wal_close(w);
}

static void
test_failed_sync(void **state)
{
	(void)state;
	seen_t s;
	clean_dir();
	st_wal_t *w = open_wal(0, -1, &s, 0);

	append_n(w, 0, 10);
	assert_int_equal(st_wal_sync(w), 0);
	st_io_faults_t f = { .fail_fsync_nth = 1 };

	st_io_set_faults(io, &f);
	append_n(w, 10, 10);
	assert_int_equal(st_wal_sync(w), -EIO);
	assert_int_equal(st_wal_durable_seq_no(w), 9);
	assert_int_equal(st_wal_failed(w), -EIO);
	st_wal_op_t op = { .type = ST_WAL_OP_DELETE, .seq_no = 20, .id = "x", .id_len = 1 };

	assert_int_equal(st_wal_append(w, &op), -EIO);
	st_io_set_faults(io, NULL);
	st_wal_close(w);
	w = open_wal(0, -1, &s, 0);
	assert_true(s.n >= 10);     /* acked ones at least; the failed batch may be there */
	st_wal_close(w);

	/* torn write injected mid-batch: the shard never acks it, replay cuts it */
	clean_dir();
	w = open_wal(0, -1, &s, 0);
	append_n(w, 0, 10);
	assert_int_equal(st_wal_sync(w), 0);
	f = (st_io_faults_t){ .short_write_nth = 1 };
	st_io_set_faults(io, &f);
	append_n(w, 10, 10);
	assert_int_equal(st_wal_sync(w), -EIO);
	st_io_set_faults(io, NULL);
	st_wal_close(w);
	w = open_wal(0, -1, &s, 0);
	assert_true(s.n >= 10 && s.n < 20);
	for (int i = 0; i < s.n; i++)
		assert_int_equal(s.seq[i], i);
	st_wal_close(w);
}

static void
test_decode_fuzz(void **state)
{
	(void)state;
	seen_t s;
	clean_dir();
	st_wal_t *w = open_wal(0, -1, &s, 0);
	uint64_t g = st_wal_current_gen(w);

	append_n(w, 0, 3);
	assert_int_equal(st_wal_sync(w), 0);
	st_wal_close(w);
	char path[512];
	void *data;
	size_t len;

	snprintf(path, sizeof(path), "%s/translog-%llu.tlog", dir, (unsigned long long)g);
	assert_int_equal(st_io_read_file(io, path, &data, &len), 0);
	unsigned char *rec = (unsigned char *)data + 32;
	size_t rl = len - 32;
	unsigned seed = 1;

	for (int i = 0; i < 20000; i++) {
		unsigned char copy[512];
		st_wal_op_t op;

		assert_true(rl <= sizeof(copy));
		memcpy(copy, rec, rl);
		seed = seed * 1103515245u + 12345u;
		size_t at = (seed >> 8) % rl;

		copy[at] ^= (unsigned char)(1u << ((seed >> 3) % 8));
		long n = st_wal_decode(copy, (seed >> 16) % (rl + 1), &op);

		/* a flipped bit is never accepted as a record, if it is in one */
		if (n > 0)
			assert_true(at >= (size_t)n);
	}
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_group_commit),
		cmocka_unit_test(test_torn_tail),
		cmocka_unit_test(test_garbage_tail),
		cmocka_unit_test(test_corrupt_sealed),
		cmocka_unit_test(test_roll_trim),
		cmocka_unit_test(test_failed_sync),
		cmocka_unit_test(test_decode_fuzz),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
