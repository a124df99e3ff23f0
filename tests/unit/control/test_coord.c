/*
 * test_coord.c - the local coordination store (ctl_coord_local.c): get/put
 * with compare-and-swap revisions, delete, watches, leases, persistence
 * across reopen, and the fault cases: a torn or corrupted current file
 * falls back to the previous good copy, a leftover tmp file is ignored, and
 * two bad copies refuse to open rather than start empty.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl_coord.h"
#include "ctl_crc32c.h"

static char dir[256];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/osprey-coord-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
path_of(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static ctl_coord_t *
open_store(int expect_from)
{
	ctl_coord_t *c = NULL;

	assert_int_equal(ctl_coord_local_open(dir, 0, &c), 0);
	assert_int_equal(ctl_coord_local_loaded_from(c), expect_from);
	return c;
}

static void
check_kv(ctl_coord_t *c, const char *key, const char *val)
{
	osp_buf_t b = OSP_BUF_INIT;
	int64_t rev;

	assert_int_equal(ctl_coord_get(c, key, &b, &rev), 0);
	assert_int_equal(b.len, strlen(val));
	assert_memory_equal(b.data, val, b.len);
	osp_buf_free(&b);
}

static void
test_crc32c(void **state)
{
	(void)state;
	/* RFC 3720 check value */
	assert_int_equal(ctl_crc32c(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(ctl_crc32c(ctl_crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
}

static void
test_cas_and_persistence(void **state)
{
	ctl_coord_t *c = open_store(0);
	osp_buf_t b = OSP_BUF_INIT;
	int64_t r1, r2, rev;

	(void)state;
	assert_int_equal(ctl_coord_get(c, "/a", &b, &rev), -ENOENT);
	assert_int_equal(ctl_coord_put(c, "/a", "one", 3, CTL_COORD_ABSENT, 0, &r1), 0);
	assert_int_equal(ctl_coord_put(c, "/a", "x", 1, CTL_COORD_ABSENT, 0, &r2), -ECANCELED);
	assert_int_equal(ctl_coord_put(c, "/a", "two", 3, r1 + 5, 0, &r2), -ECANCELED);
	assert_int_equal(ctl_coord_put(c, "/a", "two", 3, r1, 0, &r2), 0);
	assert_true(r2 > r1);
	assert_int_equal(ctl_coord_put(c, "/b", "bee", 3, CTL_COORD_ANY, 0, NULL), 0);
	assert_int_equal(c->ops->del(c, "/b", r1), -ECANCELED);
	assert_int_equal(c->ops->del(c, "/b", CTL_COORD_ANY), 0);
	assert_int_equal(ctl_coord_get(c, "/b", &b, &rev), -ENOENT);
	int64_t top = c->ops->revision(c);

	ctl_coord_close(c);
	c = open_store(1);
	check_kv(c, "/a", "two");
	assert_int_equal(ctl_coord_get(c, "/a", &b, &rev), 0);
	assert_int_equal(rev, r2);
	assert_int_equal(c->ops->revision(c), top);
	assert_int_equal(ctl_coord_get(c, "/b", &b, &rev), -ENOENT);
	ctl_coord_close(c);
	osp_buf_free(&b);
}

static void
truncate_file(const char *name, off_t keep)
{
	char p[300];

	path_of(p, sizeof(p), name);
	assert_int_equal(truncate(p, keep), 0);
}

static void
flip_byte(const char *name, long off)
{
	char p[300];
	FILE *f;
	int ch;

	path_of(p, sizeof(p), name);
	f = fopen(p, "r+b");
	assert_non_null(f);
	fseek(f, off, off < 0 ? SEEK_END : SEEK_SET);
	ch = fgetc(f);
	fseek(f, -1, SEEK_CUR);
	fputc(ch ^ 0x40, f);
	fclose(f);
}

static void
test_torn_and_corrupt_fallback(void **state)
{
	ctl_coord_t *c = open_store(0);

	(void)state;
	assert_int_equal(ctl_coord_put(c, "/s", "v1", 2, CTL_COORD_ANY, 0, NULL), 0);
	assert_int_equal(ctl_coord_put(c, "/s", "v2", 2, CTL_COORD_ANY, 0, NULL), 0);
	ctl_coord_close(c);

	/* torn current: half of it */
	truncate_file("coord.dat", 45);
	c = open_store(2);
	check_kv(c, "/s", "v1");
	/* the next write makes a good current again and keeps prev intact */
	assert_int_equal(ctl_coord_put(c, "/s", "v3", 2, CTL_COORD_ANY, 0, NULL), 0);
	ctl_coord_close(c);
	c = open_store(1);
	check_kv(c, "/s", "v3");
	ctl_coord_close(c);

	/* a flipped payload byte */
	flip_byte("coord.dat", -1);
	c = open_store(2);
	check_kv(c, "/s", "v1");
	ctl_coord_close(c);

	/* a flipped header byte (the revision) */
	flip_byte("coord.dat", 17);
	c = open_store(2);
	ctl_coord_close(c);

	/* shorter than a header */
	truncate_file("coord.dat", 10);
	c = open_store(2);
	ctl_coord_close(c);

	/* both bad: refuse */
	truncate_file("coord.dat.prev", 20);
	ctl_coord_t *bad = NULL;

	assert_int_equal(ctl_coord_local_open(dir, 0, &bad), -EIO);
	assert_null(bad);
}

static void
test_leftover_tmp_ignored(void **state)
{
	char p[300];
	FILE *f;
	ctl_coord_t *c = open_store(0);

	(void)state;
	assert_int_equal(ctl_coord_put(c, "/k", "good", 4, CTL_COORD_ANY, 0, NULL), 0);
	ctl_coord_close(c);
	path_of(p, sizeof(p), "coord.dat.tmp");
	f = fopen(p, "wb");
	fputs("half-written garbage", f);
	fclose(f);
	c = open_store(1);
	check_kv(c, "/k", "good");
	ctl_coord_close(c);
	assert_int_not_equal(access(p, F_OK), 0);
}

typedef struct seen {
	int puts, dels;
	char last[32];
} seen_t;

static void
on_change(void *arg, const ctl_coord_event_t *ev)
{
	seen_t *s = arg;

	if (ev->value) {
		s->puts++;
		snprintf(s->last, sizeof(s->last), "%.*s", (int)ev->len, (const char *)ev->value);
	} else {
		s->dels++;
	}
}

static void
test_watch_and_leases(void **state)
{
	ctl_coord_t *c = open_store(0);
	seen_t seen = { 0 };
	int64_t wid, lease;
	osp_buf_t b = OSP_BUF_INIT;
	int64_t rev;

	(void)state;
	assert_int_equal(c->ops->watch(c, "/nodes/", on_change, &seen, &wid), 0);
	assert_int_equal(c->ops->poll(c, 1000), 0);
	assert_int_equal(c->ops->lease_grant(c, 500, &lease), 0);
	assert_int_equal(ctl_coord_put(c, "/nodes/n1", "up", 2, CTL_COORD_ANY, lease, NULL), 0);
	assert_int_equal(ctl_coord_put(c, "/other", "x", 1, CTL_COORD_ANY, 0, NULL), 0);
	assert_int_equal(seen.puts, 1);
	assert_string_equal(seen.last, "up");
	/* keepalive pushes expiry out */
	c->ops->poll(c, 1400);
	assert_int_equal(c->ops->lease_keepalive(c, lease), 0);
	c->ops->poll(c, 1800);
	assert_int_equal(ctl_coord_get(c, "/nodes/n1", &b, &rev), 0);
	/* expiry deletes the key and tells the watcher */
	c->ops->poll(c, 2000);
	assert_int_equal(ctl_coord_get(c, "/nodes/n1", &b, &rev), -ENOENT);
	assert_int_equal(seen.dels, 1);
	assert_int_equal(c->ops->lease_keepalive(c, lease), -ENOENT);
	/* revoke removes attached keys at once */
	assert_int_equal(c->ops->lease_grant(c, 10000, &lease), 0);
	assert_int_equal(ctl_coord_put(c, "/nodes/n2", "up", 2, CTL_COORD_ANY, lease, NULL), 0);
	assert_int_equal(c->ops->lease_revoke(c, lease), 0);
	assert_int_equal(seen.dels, 2);
	assert_int_equal(ctl_coord_put(c, "/nodes/n3", "x", 1, CTL_COORD_ANY, 12345, NULL), -ENOENT);
	assert_int_equal(c->ops->unwatch(c, wid), 0);
	assert_int_equal(ctl_coord_put(c, "/nodes/n4", "x", 1, CTL_COORD_ANY, 0, NULL), 0);
	assert_int_equal(seen.puts, 2);
	/* leased keys do not survive the process; plain ones do */
	assert_int_equal(c->ops->lease_grant(c, 10000, &lease), 0);
	assert_int_equal(ctl_coord_put(c, "/eph", "x", 1, CTL_COORD_ANY, lease, NULL), 0);
	ctl_coord_close(c);
	c = open_store(1);
	assert_int_equal(ctl_coord_get(c, "/eph", &b, &rev), -ENOENT);
	check_kv(c, "/nodes/n4", "x");
	ctl_coord_close(c);
	osp_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c),
		cmocka_unit_test_setup_teardown(test_cas_and_persistence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_and_corrupt_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leftover_tmp_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_and_leases, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
