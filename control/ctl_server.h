/*
 * ctl_server.h - the control process's main loop: the channel server, the
 * committed cluster state, and the commit path (validate -> persist through
 * ctl_coord -> publish -> reply once acknowledged).
 */
#ifndef CTL_SERVER_H
#define CTL_SERVER_H

#include <stdint.h>

#include "osprey/cluster.h"

#include "ctl_coord.h"

typedef struct ctl_server ctl_server_t;

/* Options the program passes in. */
typedef struct ctl_server_opts {
	const char *socket_path;
	const char *cluster_name;
	const char *state_key;       /* "/osprey/<cluster.name>/state" */
	osp_node_t self;             /* this node (id, name, addresses, roles) */
	int64_t ack_timeout_ms;      /* default for requests without timeout_ms */
} ctl_server_opts_t;

/* Load (or create) the state from coord, register this node, commit that
 * as a new version and listen on the socket. The server borrows coord.
 * 0 or -errno (message logged). */
int
ctl_server_open(const ctl_server_opts_t *o, ctl_coord_t *coord, ctl_server_t **out);

/* Run until SIGTERM/SIGINT (blocked by the caller and read via signalfd).
 * Returns 0 on a clean stop. */
int
ctl_server_run(ctl_server_t *s);

void
ctl_server_close(ctl_server_t *s);

#endif
