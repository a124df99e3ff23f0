/*
 * dp_ctl.h - the network core's requests to the control process.
 *
 * Wraps the channel client (osprey/chan.h): a request is sent with a
 * callback that runs on the network core when control replies (or with a
 * 503 error when control is unreachable, so no request ever hangs). Published
 * states are parsed and applied to the shard directory, then acknowledged;
 * control answers a state-changing request only after that ack, so when a
 * callback runs, the change is already applied here.
 */
#ifndef DP_CTL_H
#define DP_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "osprey/chan.h"
#include "osprey/cluster.h"
#include "osprey/err.h"

/* Reply callback: err is NULL on success (payload = reply JSON), else the
 * Elasticsearch error to return. */
typedef void (*dp_ctl_cb_t)(void *user, const osp_err_t *err, const char *payload, size_t len);

int dp_ctl_init(const char *socket_path);
void dp_ctl_fini(void);
/* Poll the channel; returns events handled. */
unsigned dp_ctl_poll(void);
/* Send a request; cb always runs exactly once (possibly before this returns,
 * with a 503 when control is down). */
void dp_ctl_request(uint16_t type, const char *json, size_t len, dp_ctl_cb_t cb, void *user);
/* True while connected to control. */
int dp_ctl_connected(void);

/* ---- cluster-state customs (osp_custom_t) ----
 * Validate the body and check "already exists" / expand wildcards against
 * dp_ctl_custom(s) first (control does not interpret bodies), then send.
 * The callback's payload is {"acknowledged":true,"state_version":V} (put)
 * or {"acknowledged":true,"deleted":N,"state_version":V} (delete); when it
 * runs, the state holding the change is already applied here. */

/* Store (type, name) = body (JSON text). create: fail with 400 "<type>
 * [<name>] already exists" if control already has it. */
void dp_ctl_put_custom(const char *type, const char *name, const char *body,
		       size_t body_len, bool create, dp_ctl_cb_t cb, void *user);
/* Remove the exact names of one type (absent ones are skipped). */
void dp_ctl_delete_custom(const char *type, const char *const *names, uint32_t n,
			  dp_ctl_cb_t cb, void *user);
/* The custom in the current state, or NULL (valid until the next state is
 * applied: use it within the handler, copy it across callbacks). */
const osp_custom_t *dp_ctl_custom(const char *type, const char *name);
/* The run of one type in the current state (*n = 0 when none). */
void dp_ctl_customs(const char *type, const osp_custom_t **first, uint32_t *n);

#endif
