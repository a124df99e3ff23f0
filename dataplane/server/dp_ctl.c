/*
 * dp_ctl.c - requests to control and state publication (dp_ctl.h).
 *
 * Outstanding requests sit in a small open table keyed by request id. The
 * channel client completes them with a 503 reply when the connection drops,
 * and this module fails a request with 503 at once when control is not
 * connected (Elasticsearch's master_not_discovered_exception), so callers
 * never wait on a dead control process.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osprey/cluster.h"
#include "../core/dp_core.h"
#include "../rest/dp_rest.h"
#include "../shard/dp_shards.h"
#include "dp_ctl.h"

/* One request waiting for its reply. */
typedef struct ctl_pending {
	uint64_t id;
	dp_ctl_cb_t cb;
	void *user;
} ctl_pending_t;

static struct {
	osp_chan_client_t *client;
	ctl_pending_t *pend;
	uint32_t n, cap;
} ctl;

int
dp_ctl_init(const char *socket_path)
{
	memset(&ctl, 0, sizeof(ctl));
	return osp_chan_client_new(socket_path, &ctl.client);
}

static void
ctl_fail(dp_ctl_cb_t cb, void *user)
{
	osp_err_t err;

	osp_err_set(&err, 503, "master_not_discovered_exception", "control process is not available");
	cb(user, &err, NULL, 0);
}

void
dp_ctl_fini(void)
{
	for (uint32_t i = 0; i < ctl.n; i++)
		ctl_fail(ctl.pend[i].cb, ctl.pend[i].user);
	free(ctl.pend);
	osp_chan_client_free(ctl.client);
	memset(&ctl, 0, sizeof(ctl));
}

int
dp_ctl_connected(void)
{
	return ctl.client && osp_chan_client_connected(ctl.client);
}

void
dp_ctl_request(uint16_t type, const char *json, size_t len, dp_ctl_cb_t cb, void *user)
{
	uint64_t id;

	if (!dp_ctl_connected() ||
	    osp_chan_client_request(ctl.client, type, json, len, &id) != 0) {
		ctl_fail(cb, user);
		return;
	}
	if (ctl.n == ctl.cap) {
		uint32_t cap = ctl.cap ? ctl.cap * 2 : 16;
		ctl_pending_t *p = realloc(ctl.pend, cap * sizeof(*p));

		if (p == NULL) {
			ctl_fail(cb, user);
			return;
		}
		ctl.pend = p;
		ctl.cap = cap;
	}
	ctl.pend[ctl.n++] = (ctl_pending_t){ id, cb, user };
}

static void
ctl_on_reply(const osp_chan_event_t *ev)
{
	for (uint32_t i = 0; i < ctl.n; i++) {
		if (ctl.pend[i].id != ev->id)
			continue;
		ctl_pending_t p = ctl.pend[i];

		ctl.pend[i] = ctl.pend[--ctl.n];
		if (ev->error) {
			osp_err_t err;

			osp_chan_err_parse(ev->payload, ev->len, &err);
			p.cb(p.user, &err, NULL, 0);
		} else {
			p.cb(p.user, NULL, ev->payload, ev->len);
		}
		return;
	}
}

static void
ctl_on_state(const osp_chan_event_t *ev)
{
	osp_cluster_t *cs = NULL;
	int rc = osp_cluster_parse(ev->payload, ev->len, &cs);

	if (rc != 0) {
		fprintf(stderr, "osprey-dataplane: cannot parse cluster state version %llu: %s\n",
			(unsigned long long)ev->id, strerror(-rc));
		return; /* not acked: control keeps the request pending, then times out */
	}
	snprintf(dp_node_info.cluster_uuid, sizeof(dp_node_info.cluster_uuid), "%s", cs->cluster_uuid);
	dp_shards_apply(cs);
	osp_chan_client_ack(ctl.client, ev->id);
}

unsigned
dp_ctl_poll(void)
{
	osp_chan_event_t ev;
	unsigned n = 0;

	while (osp_chan_client_poll(ctl.client, (int64_t)(dp_now_ns() / 1000000), &ev) == 0) {
		n++;
		switch (ev.kind) {
		case OSP_CHAN_EV_REPLY:
			ctl_on_reply(&ev);
			break;
		case OSP_CHAN_EV_STATE:
			ctl_on_state(&ev);
			break;
		case OSP_CHAN_EV_CONNECTED:
			fprintf(stderr, "osprey-dataplane: connected to control\n");
			break;
		case OSP_CHAN_EV_DISCONNECTED:
			fprintf(stderr, "osprey-dataplane: lost control; serving existing indices\n");
			break;
		}
	}
	return n;
}

/* Send a JSON payload built in b, or fail the callback with 500 on ENOMEM. */
static void
ctl_send_built(uint16_t type, osp_buf_t *b, dp_ctl_cb_t cb, void *user)
{
	osp_err_t err;

	if (osp_buf_failed(b)) {
		osp_err_set(&err, 500, "exception", "out of memory");
		cb(user, &err, NULL, 0);
	} else {
		dp_ctl_request(type, b->data, b->len, cb, user);
	}
	osp_buf_free(b);
}

void
dp_ctl_put_custom(const char *type, const char *name, const char *body, size_t body_len,
		  bool create, dp_ctl_cb_t cb, void *user)
{
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;

	osp_jw_init(&w, &b, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "type", type);
	osp_jw_kv_str(&w, "name", name);
	osp_jw_key(&w, "body");
	osp_jw_raw(&w, body, body_len);
	osp_jw_kv_bool(&w, "create", create);
	osp_jw_obj_end(&w);
	ctl_send_built(OSP_CHAN_PUT_CUSTOM, &b, cb, user);
}

void
dp_ctl_delete_custom(const char *type, const char *const *names, uint32_t n, dp_ctl_cb_t cb,
		     void *user)
{
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;

	osp_jw_init(&w, &b, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "type", type);
	osp_jw_key(&w, "names");
	osp_jw_arr_begin(&w);
	for (uint32_t i = 0; i < n; i++)
		osp_jw_str(&w, names[i]);
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	ctl_send_built(OSP_CHAN_DELETE_CUSTOM, &b, cb, user);
}

const osp_custom_t *
dp_ctl_custom(const char *type, const char *name)
{
	return osp_cluster_custom(dp_shards_state(), type, name);
}

void
dp_ctl_customs(const char *type, const osp_custom_t **first, uint32_t *n)
{
	osp_cluster_customs(dp_shards_state(), type, first, n);
}
