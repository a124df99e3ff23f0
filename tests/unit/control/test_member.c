/*
 * test_member.c - membership and mastership (ctl_member.c) on the local
 * coordination store: join registers the node and the master key under a
 * lease, a second node is refused, the same node takes its stale key back,
 * an expired lease is reported as lost mastership, leave removes the keys.
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

#include "ctl_member.h"

static void
test_join_refuse_takeover(void **state)
{
	char dir[] = "/tmp/osprey-member-XXXXXX", cmd[64];
	ctl_coord_t *c = NULL;
	ctl_member_t a, b, a2;
	osp_node_t n1 = { .id = "node1AAAAAAAAAAAAAAAAA", .name = "one" };
	osp_node_t n2 = { .id = "node2AAAAAAAAAAAAAAAAA", .name = "two" };
	osp_buf_t v = OSP_BUF_INIT;
	int64_t rev;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ctl_coord_local_open(dir, 0, &c), 0);
	assert_int_equal(ctl_member_join(&a, c, "cl", &n1, 3000, 0), 0);
	assert_int_equal(ctl_coord_get(c, "/osprey/cl/master", &v, &rev), 0);
	assert_non_null(strstr(v.data, "node1AAAAAAAAAAAAAAAAA"));
	assert_int_equal(ctl_coord_get(c, "/osprey/cl/nodes/node1AAAAAAAAAAAAAAAAA", &v, &rev), 0);
	/* another node: refused, and it leaves nothing behind */
	assert_int_equal(ctl_member_join(&b, c, "cl", &n2, 3000, 0), -EBUSY);
	assert_int_equal(ctl_coord_get(c, "/osprey/cl/nodes/node2AAAAAAAAAAAAAAAAA", &v, &rev), -ENOENT);
	/* the same node again (its old process died): takes the key back */
	assert_int_equal(ctl_member_join(&a2, c, "cl", &n1, 3000, 0), 0);
	assert_int_not_equal(a2.lease, a.lease);
	/* keepalives keep it; a silent lease expires and is reported */
	c->ops->poll(c, 900);
	assert_int_equal(ctl_member_tick(&a2, 1000), 0);
	c->ops->poll(c, 1500);
	assert_int_equal(ctl_coord_get(c, "/osprey/cl/master", &v, &rev), 0);
	c->ops->poll(c, 10000);
	assert_int_equal(ctl_coord_get(c, "/osprey/cl/master", &v, &rev), -ENOENT);
	assert_int_equal(ctl_member_tick(&a2, 10000), -ENOENT);
	/* join, then leave: the keys go */
	assert_int_equal(ctl_member_join(&b, c, "cl", &n2, 3000, 10000), 0);
	ctl_member_leave(&b);
	assert_int_equal(ctl_coord_get(c, "/osprey/cl/master", &v, &rev), -ENOENT);
	assert_int_equal(ctl_coord_get(c, "/osprey/cl/nodes/node2AAAAAAAAAAAAAAAAA", &v, &rev), -ENOENT);
	ctl_coord_close(c);
	osp_buf_free(&v);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_refuse_takeover),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
