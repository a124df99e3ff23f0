/*
 * chan_client.c - the dataplane's end of the control channel (osprey/chan.h).
 *
 * A small state machine driven entirely by osp_chan_client_poll, so a polled
 * loop can own it without threads or blocking calls: DOWN (retry connect()
 * every CLIENT_RETRY_MS) -> CONNECTING (non-blocking connect in progress) ->
 * UP (HELLO sent; frames flow). When the connection drops, every request
 * still waiting for its reply completes with a synthetic 503
 * master_not_discovered_exception, as Elasticsearch answers when no master
 * is reachable. The client owns its socket and buffers; one thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "osprey/chan.h"

#define CLIENT_RETRY_MS 100

enum client_phase { PHASE_DOWN, PHASE_CONNECTING, PHASE_UP };

/* The client; see the file comment for ownership. */
struct osp_chan_client {
	struct sockaddr_un addr;
	socklen_t addr_len;
	enum client_phase phase;
	osp_chan_conn_t conn;
	int64_t next_try_ms;
	uint64_t next_id;
	uint64_t applied_version;  /* last version the caller acked */
	uint64_t *pending;         /* request ids awaiting a reply */
	size_t n_pending, cap_pending;
	size_t n_failing;          /* pending[0..n_failing) to fail after a drop */
	bool report_down;          /* DISCONNECTED not yet reported */
	bool report_up;            /* CONNECTED not yet reported */
	osp_buf_t scratch;         /* synthetic payloads */
};

static const char client_503[] =
	"{\"error\":{\"type\":\"master_not_discovered_exception\",\"reason\":null},\"status\":503}";

int
osp_chan_client_new(const char *path, osp_chan_client_t **out)
{
	osp_chan_client_t *c;

	if (path == NULL || strlen(path) >= sizeof(c->addr.sun_path))
		return -ENAMETOOLONG;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->addr.sun_family = AF_UNIX;
	memcpy(c->addr.sun_path, path, strlen(path) + 1);
	c->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
	c->phase = PHASE_DOWN;
	osp_chan_conn_init(&c->conn, -1);
	osp_buf_init(&c->scratch);
	c->next_id = 1;
	c->next_try_ms = INT64_MIN;
	*out = c;
	return 0;
}

void
osp_chan_client_free(osp_chan_client_t *c)
{
	if (c == NULL)
		return;
	osp_chan_conn_close(&c->conn);
	osp_buf_free(&c->scratch);
	free(c->pending);
	free(c);
}

int
osp_chan_client_fd(const osp_chan_client_t *c)
{
	return c->phase == PHASE_DOWN ? -1 : c->conn.fd;
}

bool
osp_chan_client_connected(const osp_chan_client_t *c)
{
	return c->phase == PHASE_UP;
}

/* Tear the connection down; pending requests are failed by later polls. */
static void
client_drop(osp_chan_client_t *c, int64_t now_ms)
{
	bool was_up = c->phase == PHASE_UP;

	osp_chan_conn_close(&c->conn);
	c->phase = PHASE_DOWN;
	c->next_try_ms = now_ms + CLIENT_RETRY_MS;
	c->n_failing = c->n_pending;
	if (was_up)
		c->report_down = true;
	c->report_up = false;
}

static int
client_send_hello(osp_chan_client_t *c)
{
	char body[96];
	int n = snprintf(body, sizeof(body), "{\"proto\":%d,\"applied_version\":%llu}",
			 OSP_CHAN_VERSION, (unsigned long long)c->applied_version);

	return osp_chan_conn_send(&c->conn, OSP_CHAN_HELLO, OSP_CHAN_F_JSON, 0, body, (size_t)n);
}

/* Move from CONNECTING to UP once the socket reports success. */
static int
client_finish_connect(osp_chan_client_t *c)
{
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (getsockopt(c->conn.fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		return -errno;
	if (soerr == EINPROGRESS || soerr == EALREADY)
		return OSP_AGAIN;
	if (soerr != 0)
		return -soerr;
	c->phase = PHASE_UP;
	c->report_up = true;
	return client_send_hello(c);
}

static void
client_try_connect(osp_chan_client_t *c, int64_t now_ms)
{
	int fd;

	if (now_ms < c->next_try_ms)
		return;
	c->next_try_ms = now_ms + CLIENT_RETRY_MS;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	osp_chan_conn_init(&c->conn, fd);
	/* Unix sockets connect at once (or fail with EAGAIN when the backlog is
	 * full: retried later); finish_connect reads SO_ERROR either way. */
	if (connect(fd, (struct sockaddr *)&c->addr, c->addr_len) == 0 ||
	    errno == EINPROGRESS) {
		c->phase = PHASE_CONNECTING;
		return;
	}
	osp_chan_conn_close(&c->conn);
}

static int
client_pending_add(osp_chan_client_t *c, uint64_t id)
{
	if (c->n_pending == c->cap_pending) {
		size_t cap = c->cap_pending ? c->cap_pending * 2 : 16;
		uint64_t *p = realloc(c->pending, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		c->pending = p;
		c->cap_pending = cap;
	}
	c->pending[c->n_pending++] = id;
	return 0;
}

static void
client_pending_remove(osp_chan_client_t *c, uint64_t id)
{
	for (size_t i = c->n_failing; i < c->n_pending; i++) {
		if (c->pending[i] == id) {
			c->pending[i] = c->pending[--c->n_pending];
			return;
		}
	}
}

int
osp_chan_client_request(osp_chan_client_t *c, uint16_t type, const char *json,
			size_t len, uint64_t *id)
{
	int rc;

	if (c->phase != PHASE_UP)
		return -ENOTCONN;
	if (client_pending_add(c, c->next_id) != 0)
		return -ENOMEM;
	rc = osp_chan_conn_send(&c->conn, type, OSP_CHAN_F_JSON, c->next_id, json, len);
	if (rc == -ENOMEM || rc == -EMSGSIZE) {
		c->n_pending--;
		return rc;
	}
	/* A write error surfaces from the next poll, which fails the request. */
	*id = c->next_id++;
	return 0;
}

int
osp_chan_client_ack(osp_chan_client_t *c, uint64_t version)
{
	if (version > c->applied_version)
		c->applied_version = version;
	if (c->phase != PHASE_UP)
		return -ENOTCONN;
	int rc = osp_chan_conn_send(&c->conn, OSP_CHAN_ACK, 0, version, NULL, 0);

	return rc == -ENOMEM ? rc : 0;
}

/* Report the first request that a drop left without a reply. */
static bool
client_fail_one(osp_chan_client_t *c, osp_chan_event_t *ev)
{
	if (c->n_failing == 0)
		return false;
	uint64_t id = c->pending[0];

	c->pending[0] = c->pending[c->n_failing - 1];
	c->pending[c->n_failing - 1] = c->pending[c->n_pending - 1];
	c->n_failing--;
	c->n_pending--;
	ev->kind = OSP_CHAN_EV_REPLY;
	ev->id = id;
	ev->error = true;
	ev->payload = client_503;
	ev->len = sizeof(client_503) - 1;
	return true;
}

int
osp_chan_client_poll(osp_chan_client_t *c, int64_t now_ms, osp_chan_event_t *ev)
{
	osp_chan_frame_t f;
	int rc;

	memset(ev, 0, sizeof(*ev));
	if (client_fail_one(c, ev))
		return 0;
	if (c->report_down) {
		c->report_down = false;
		ev->kind = OSP_CHAN_EV_DISCONNECTED;
		return 0;
	}
	if (c->phase == PHASE_DOWN)
		client_try_connect(c, now_ms);
	if (c->phase == PHASE_CONNECTING) {
		rc = client_finish_connect(c);
		if (rc == OSP_AGAIN)
			return OSP_AGAIN;
		if (rc < 0) {
			client_drop(c, now_ms);
			return OSP_AGAIN;
		}
	}
	if (c->phase != PHASE_UP)
		return OSP_AGAIN;
	if (c->report_up) {
		c->report_up = false;
		ev->kind = OSP_CHAN_EV_CONNECTED;
		return 0;
	}
	rc = osp_chan_conn_flush(&c->conn);
	if (rc == 0)
		rc = osp_chan_conn_read(&c->conn);
	for (;;) {
		int drc = osp_chan_conn_next(&c->conn, &f);

		if (drc == OSP_AGAIN)
			break;
		if (drc < 0) {
			rc = drc;
			break;
		}
		if (f.type == OSP_CHAN_REPLY) {
			client_pending_remove(c, f.id);
			ev->kind = OSP_CHAN_EV_REPLY;
			ev->error = (f.flags & OSP_CHAN_F_ERROR) != 0;
		} else if (f.type == OSP_CHAN_PUBLISH) {
			ev->kind = OSP_CHAN_EV_STATE;
		} else {
			continue;   /* HELLO answer and future types: nothing to report */
		}
		ev->id = f.id;
		ev->payload = f.payload;
		ev->len = f.len;
		return 0;
	}
	if (rc < 0) {
		client_drop(c, now_ms);
		return osp_chan_client_poll(c, now_ms, ev);
	}
	return OSP_AGAIN;
}
