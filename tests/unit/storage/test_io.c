/*
 * test_io.c - the I/O layer (osprey/io.h): both backends, async batches,
 * linked write+fdatasync, blocking helpers, atomic replace, and every fault
 * point (Nth write, torn write, Nth fsync, ENOSPC), plus CRC32C vectors.
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
#include "shard/st_crc32c.h"

static char dir[256];

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/osp-test-io-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown_dir(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static st_io_t *
make_io(st_io_backend_t b)
{
	st_io_t *io = NULL;
	int rc = st_io_create(&io, b, 64);

	if (rc < 0 && b == ST_IO_URING) {
		print_message("io_uring unavailable (%d): skipped\n", rc);
		return NULL;
	}   /* kernel without io_uring: tested via plain */
	assert_int_equal(rc, 0);
	return io;
}

static int
open_file(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	return fd;
}

static off_t
file_size(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_size;
}

/* Completion counter for async tests. */
typedef struct counter {
	int n;
	int last;
	int errors;
} counter_t;

static void
count_cb(void *cookie, int res)
{
	counter_t *c = cookie;

	c->n++;
	c->last = res;
	if (res < 0)
		c->errors++;
}

static void
roundtrip(st_io_backend_t b)
{
	st_io_t *io = make_io(b);

	if (!io)
		return;
	int fd = open_file("rt");
	char wbuf[10000], rbuf[10000];

	for (size_t i = 0; i < sizeof(wbuf); i++)
		wbuf[i] = (char)(i * 7);
	assert_int_equal(st_io_pwrite_all(io, fd, wbuf, sizeof(wbuf), 0), 0);
	assert_int_equal(st_io_fdatasync(io, fd), 0);
	assert_int_equal(st_io_pread_all(io, fd, rbuf, sizeof(rbuf), 0), 0);
	assert_memory_equal(wbuf, rbuf, sizeof(wbuf));
	/* reading past EOF is an error for pread_all */
	assert_int_equal(st_io_pread_all(io, fd, rbuf, 10, sizeof(wbuf) - 5), -EIO);

	/* a batch of async appends with linked syncs, one submit */
	counter_t c = { 0, 0, 0 };
	static char blocks[100][512];

	for (int i = 0; i < 100; i++) {
		memset(blocks[i], 'a' + i % 26, sizeof(blocks[i]));
		assert_int_equal(st_io_write(io, fd, blocks[i], 512,
			sizeof(wbuf) + (uint64_t)i * 512, i % 10 == 9 ? ST_IO_F_SYNC : 0,
			count_cb, &c), 0);
	}
	assert_int_equal(c.n, 0);           /* never called back from submit calls */
	assert_int_equal(st_io_submit(io), 0);
	while (c.n < 100)
		assert_true(st_io_poll(io, 1) >= 0);
	assert_int_equal(c.errors, 0);
	assert_int_equal(c.last, 512);
	assert_int_equal(st_io_inflight(io), 0);
	assert_int_equal(file_size(fd), (off_t)(sizeof(wbuf) + 100 * 512));
	assert_int_equal(st_io_pread_all(io, fd, rbuf, 512, sizeof(wbuf) + 37 * 512), 0);
	assert_memory_equal(rbuf, blocks[37], 512);

	st_io_stats_t st;

	st_io_get_stats(io, &st);
	assert_true(st.fsyncs >= 11);
	close(fd);
	st_io_destroy(io);
}

static void
test_roundtrip_plain(void **state)
{
	(void)state;
	roundtrip(ST_IO_PLAIN);
}

static void
test_roundtrip_uring(void **state)
{
	(void)state;
	roundtrip(ST_IO_URING);
}

static void
faults(st_io_backend_t b)
{
	st_io_t *io = make_io(b);

	if (!io)
		return;
	int fd = open_file("faults");
	char buf[4096];
	st_io_faults_t f = { 0 };

	memset(buf, 'x', sizeof(buf));
	/* fail the 2nd write */
	f.fail_write_nth = 2;
	st_io_set_faults(io, &f);
	assert_int_equal(st_io_pwrite_all(io, fd, buf, 100, 0), 0);
	assert_int_equal(st_io_pwrite_all(io, fd, buf, 100, 100), -EIO);
	assert_int_equal(st_io_pwrite_all(io, fd, buf, 100, 100), 0);
	assert_int_equal(file_size(fd), 200);

	/* torn write: first half lands, then EIO */
	memset(&f, 0, sizeof(f));
	f.short_write_nth = 1;
	st_io_set_faults(io, &f);
	assert_int_equal(st_io_pwrite_all(io, fd, buf, 1000, 200), -EIO);
	assert_int_equal(file_size(fd), 700);

	/* 2nd fsync fails, whether bare or linked to a write */
	memset(&f, 0, sizeof(f));
	f.fail_fsync_nth = 2;
	st_io_set_faults(io, &f);
	assert_int_equal(st_io_fdatasync(io, fd), 0);
	counter_t c = { 0, 0, 0 };

	assert_int_equal(st_io_write(io, fd, buf, 10, 700, ST_IO_F_SYNC, count_cb, &c), 0);
	st_io_submit(io);
	while (c.n < 1)
		st_io_poll(io, 1);
	assert_int_equal(c.last, -EIO);
	assert_int_equal(st_io_fdatasync(io, fd), 0);

	/* ENOSPC past a byte budget: partial write, then the error */
	memset(&f, 0, sizeof(f));
	f.enospc_after = 1500;
	st_io_set_faults(io, &f);
	assert_int_equal(st_io_pwrite_all(io, fd, buf, 1000, 0), 0);
	assert_int_equal(st_io_pwrite_all(io, fd, buf, 1000, 1000), -ENOSPC);
	assert_int_equal(st_io_pwrite_all(io, fd, buf, 10, 2000), -ENOSPC);

	/* every write from the 1st on fails */
	memset(&f, 0, sizeof(f));
	f.fail_write_nth = 1;
	f.fail_write_every = 1;
	f.write_errno = ENOSPC;
	st_io_set_faults(io, &f);
	assert_int_equal(st_io_pwrite_all(io, fd, buf, 10, 0), -ENOSPC);
	assert_int_equal(st_io_pwrite_all(io, fd, buf, 10, 0), -ENOSPC);
	st_io_set_faults(io, NULL);
	assert_int_equal(st_io_pwrite_all(io, fd, buf, 10, 0), 0);
	st_io_stats_t st;

	st_io_get_stats(io, &st);
	assert_true(st.faults_injected >= 6);
	close(fd);
	st_io_destroy(io);
}

static void
test_faults_plain(void **state)
{
	(void)state;
	faults(ST_IO_PLAIN);
}

static void
test_faults_uring(void **state)
{
	(void)state;
	faults(ST_IO_URING);
}

static void
test_replace_file(void **state)
{
	(void)state;
	st_io_t *io = make_io(ST_IO_PLAIN);
	char path[512];
	void *data;
	size_t len;

	assert_int_equal(st_io_replace_file(io, dir, "commit", "one", 3), 0);
	snprintf(path, sizeof(path), "%s/commit", dir);
	assert_int_equal(st_io_read_file(io, path, &data, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(data, "one", 3);
	free(data);

	/* a failed replace (write fails) leaves the old contents */
	st_io_faults_t f = { .fail_write_nth = 1 };

	st_io_set_faults(io, &f);
	assert_int_equal(st_io_replace_file(io, dir, "commit", "second", 6), -EIO);
	st_io_set_faults(io, NULL);
	assert_int_equal(st_io_read_file(io, path, &data, &len), 0);
	assert_memory_equal(data, "one", 3);
	free(data);
	/* a failed fsync of the tmp file too */
	f = (st_io_faults_t){ .fail_fsync_nth = 1 };
	st_io_set_faults(io, &f);
	assert_int_equal(st_io_replace_file(io, dir, "commit", "second", 6), -EIO);
	st_io_set_faults(io, NULL);
	assert_int_equal(st_io_read_file(io, path, &data, &len), 0);
	assert_memory_equal(data, "one", 3);
	free(data);
	assert_int_equal(st_io_replace_file(io, dir, "commit", "second", 6), 0);
	assert_int_equal(st_io_read_file(io, path, &data, &len), 0);
	assert_int_equal(len, 6);
	free(data);
	snprintf(path, sizeof(path), "%s/commit.tmp", dir);
	assert_int_equal(access(path, F_OK), -1);
	st_io_destroy(io);
}

static void
test_crc32c(void **state)
{
	(void)state;
	assert_int_equal(st_crc32c(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(st_crc32c(0, "", 0), 0);
	/* incremental == one shot, across odd split points */
	char big[1000];

	for (int i = 0; i < 1000; i++)
		big[i] = (char)(i * 31 + 7);
	uint32_t one = st_crc32c(0, big, sizeof(big));

	for (size_t cut = 0; cut < 20; cut++)
		assert_int_equal(st_crc32c(st_crc32c(0, big, cut), big + cut,
					   sizeof(big) - cut), one);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c),
		cmocka_unit_test(test_roundtrip_plain),
		cmocka_unit_test(test_roundtrip_uring),
		cmocka_unit_test(test_faults_plain),
		cmocka_unit_test(test_faults_uring),
		cmocka_unit_test(test_replace_file),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
