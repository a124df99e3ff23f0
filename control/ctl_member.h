/*
 * ctl_member.h - this node's membership and mastership in the coordination
 * store: a lease kept alive by the control loop, the node's record under
 * /osprey/<cluster>/nodes/<id> and the master key /osprey/<cluster>/master,
 * both attached to the lease so they vanish when the node stops renewing.
 */
#ifndef CTL_MEMBER_H
#define CTL_MEMBER_H

#include <stdint.h>

#include "osprey/cluster.h"

#include "ctl_coord.h"

/* Membership of one node; owned by the control loop. */
typedef struct ctl_member {
	ctl_coord_t *coord;
	int64_t lease;
	int64_t ttl_ms;
	int64_t next_keepalive_ms;
	char node_key[512];
	char master_key[512];
} ctl_member_t;

/* Register self and become master. Fails with -EBUSY (logged) when another
 * node holds the master key; a key left by this node's previous process is
 * taken over. */
int
ctl_member_join(ctl_member_t *m, ctl_coord_t *coord, const char *cluster,
		const osp_node_t *self, int64_t ttl_ms, int64_t now_ms);

/* Renew the lease when due. -ENOENT when it expired: mastership is lost. */
int
ctl_member_tick(ctl_member_t *m, int64_t now_ms);

/* Revoke the lease (clean stop): the keys go at once. */
void
ctl_member_leave(ctl_member_t *m);

#endif
