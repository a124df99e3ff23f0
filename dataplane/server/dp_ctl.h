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

#include <stddef.h>
#include <stdint.h>

#include "osprey/chan.h"
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

#endif
