/*
 * test_control_etcd_coord.c - the etcd coordination backend
 * (control/ctl_coord_etcd.c) against a real etcd whose client URL is in
 * $OSPREY_ETCD (test_control_etcd.py starts a private one): get/put,
 * compare-and-swap on mod_revision and on absence, delete, leases (grant,
 * keepalive, revoke removing attached keys) and a prefix watch seeing puts
 * and deletes in order.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl_coord.h"

static ctl_coord_t *store;

static int
setup(void **state)
{
	(void)state;
	return ctl_coord_etcd_open(getenv("OSPREY_ETCD"), &store) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	ctl_coord_close(store);
	return 0;
}

static void
test_cas(void **state)
{
	osp_buf_t b = OSP_BUF_INIT;
	int64_t r1, r2, rev;

	(void)state;
	assert_int_equal(ctl_coord_get(store, "/t/a", &b, &rev), -ENOENT);
	assert_int_equal(ctl_coord_put(store, "/t/a", "one", 3, CTL_COORD_ABSENT, 0, &r1), 0);
	assert_int_equal(ctl_coord_put(store, "/t/a", "x", 1, CTL_COORD_ABSENT, 0, NULL), -ECANCELED);
	assert_int_equal(ctl_coord_put(store, "/t/a", "x", 1, r1 + 100, 0, NULL), -ECANCELED);
	assert_int_equal(ctl_coord_put(store, "/t/a", "two\0bin", 7, r1, 0, &r2), 0);
	assert_true(r2 > r1);
	assert_int_equal(ctl_coord_get(store, "/t/a", &b, &rev), 0);
	assert_int_equal(rev, r2);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.data, "two\0bin", 7);
	assert_int_equal(store->ops->del(store, "/t/a", r1), -ECANCELED);
	assert_int_equal(store->ops->del(store, "/t/a", r2), 0);
	assert_int_equal(store->ops->del(store, "/t/a", CTL_COORD_ANY), -ENOENT);
	assert_true(store->ops->revision(store) >= r2);
	osp_buf_free(&b);
}

static void
test_leases(void **state)
{
	osp_buf_t b = OSP_BUF_INIT;
	int64_t lease, rev;

	(void)state;
	assert_int_equal(store->ops->lease_grant(store, 30000, &lease), 0);
	assert_int_equal(ctl_coord_put(store, "/t/node", "up", 2, CTL_COORD_ANY, lease, NULL), 0);
	assert_int_equal(store->ops->lease_keepalive(store, lease), 0);
	assert_int_equal(ctl_coord_get(store, "/t/node", &b, &rev), 0);
	assert_int_equal(store->ops->lease_revoke(store, lease), 0);
	assert_int_equal(ctl_coord_get(store, "/t/node", &b, &rev), -ENOENT);
	assert_int_equal(store->ops->lease_keepalive(store, lease), -ENOENT);
	osp_buf_free(&b);
}

typedef struct seen {
	int puts, dels;
	char keys[8][32];
} seen_t;

static void
on_change(void *arg, const ctl_coord_event_t *ev)
{
	seen_t *s = arg;
	int n = s->puts + s->dels;

	if (n < 8)
		snprintf(s->keys[n], sizeof(s->keys[n]), "%s%s", ev->value ? "+" : "-", ev->key);
	if (ev->value)
		s->puts++;
	else
		s->dels++;
}

static void
test_watch(void **state)
{
	seen_t seen;
	int64_t id;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store->ops->watch(store, "/w/", on_change, &seen, &id), 0);
	assert_int_equal(ctl_coord_put(store, "/w/1", "a", 1, CTL_COORD_ANY, 0, NULL), 0);
	assert_int_equal(ctl_coord_put(store, "/x/1", "a", 1, CTL_COORD_ANY, 0, NULL), 0);
	assert_int_equal(ctl_coord_put(store, "/w/2", "b", 1, CTL_COORD_ANY, 0, NULL), 0);
	assert_int_equal(store->ops->del(store, "/w/1", CTL_COORD_ANY), 0);
	/* events arrive asynchronously; bounded wait, not a timing assertion */
	for (int i = 0; i < 3000 && seen.puts + seen.dels < 3; i++) {
		store->ops->poll(store, 0);
		usleep(2000);
	}
	assert_int_equal(seen.puts, 2);
	assert_int_equal(seen.dels, 1);
	assert_string_equal(seen.keys[0], "+/w/1");
	assert_string_equal(seen.keys[1], "+/w/2");
	assert_string_equal(seen.keys[2], "-/w/1");
	assert_int_equal(store->ops->unwatch(store, id), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cas),
		cmocka_unit_test(test_leases),
		cmocka_unit_test(test_watch),
	};

	if (getenv("OSPREY_ETCD") == NULL) {
		fprintf(stderr, "OSPREY_ETCD not set\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
