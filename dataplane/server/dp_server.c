/*
 * dp_server.c - the network core's connection glue (see dp_server.h).
 *
 * Per TCP connection a dp_sconn_t joins the backend connection and the HTTP
 * connection. Bytes in are fed to HTTP, complete requests go to the REST
 * dispatcher, and after every event the ordered output is moved to the
 * backend (which copies it), so HTTP memory is released at once. While HTTP
 * does not want input (pipelining backpressure) received bytes are kept in a
 * small backlog instead of being fed.
 *
 * Re-entrancy: a handler may answer synchronously, which flushes output,
 * which may resume parsing and dispatch the next pipelined request, or close
 * the socket. depth counts server frames on the connection; it is freed
 * only by the outermost frame (server_leave), never under a caller's feet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp_server.h"
#include "../core/dp_core.h"
#include "../rest/dp_rest.h"

/* One connection; owned by the network core. */
struct dp_sconn {
	dp_server_t *srv;
	dp_net_conn_t *net;          /* NULL once the socket is gone */
	dp_http_conn_t *http;
	osp_buf_t backlog;           /* input received while HTTP is paused */
	uint32_t depth;              /* nesting of server calls on this conn */
	bool dispatching;
	struct dp_sconn *prev, *next;   /* the server's list, for the idle sweep */
};

struct dp_server {
	const dp_net_ops_t *ops;
	dp_net_t *net;
	dp_http_config_t http_cfg;
	dp_sconn_t *conns;           /* every live connection */
	uint64_t idle_timeout_ns;    /* http.idle_timeout; 0 = never */
	uint64_t next_sweep_tsc;     /* the sweep's deadline, on the TSC */
	/* The loop's cycle split: the TSC from one dp_server_poll to the next
	 * is busy if that iteration did work (events, requests, output), else
	 * idle (waits included). Backend-neutral, so both backends compare. */
	uint64_t last_tsc;
	bool worked;
	dp_net_stats_t cycles;       /* busy/idle polls and tsc, requests */
	dp_net_stats_t snap;         /* what dp_server_net_stats returns */
};

static void server_flush(dp_sconn_t *c);

static void
server_conn_free(dp_sconn_t *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else if (c->srv->conns == c)
		c->srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	dp_http_conn_free(c->http);
	osp_buf_free(&c->backlog);
	free(c);
}

static inline void
server_enter(dp_sconn_t *c)
{
	c->depth++;
}

/* Leave a server frame; the outermost one frees a dead, idle connection.
 * Returns false when c is gone. */
static bool
server_leave(dp_sconn_t *c)
{
	if (--c->depth == 0 && c->net == NULL && !dp_http_conn_busy(c->http)) {
		server_conn_free(c);
		return false;
	}
	return true;
}

/* Hand every complete request to the dispatcher (not re-entrantly). */
static void
server_dispatch(dp_sconn_t *c)
{
	dp_http_req_t *req;

	if (c->dispatching)
		return;
	c->dispatching = true;
	while (c->net && (req = dp_http_conn_next(c->http)) != NULL) {
		c->srv->cycles.requests++;
		c->srv->worked = true;
		dp_rest_dispatch(c, req);
	}
	c->dispatching = false;
}

static void
server_feed(dp_sconn_t *c, const char *data, size_t len)
{
	uint64_t now = dp_now_ns();

	if (!dp_http_conn_want_read(c->http)) {
		osp_buf_append(&c->backlog, data, len);
		return;
	}
	server_enter(c);
	if (c->backlog.len) {
		osp_buf_append(&c->backlog, data, len);
		dp_http_conn_feed(c->http, c->backlog.data, c->backlog.len, now);
		osp_buf_clear(&c->backlog);
	} else {
		dp_http_conn_feed(c->http, data, len, now);
	}
	server_dispatch(c);
	server_flush(c);
	server_leave(c);
}

/* Move ready output to the backend; close when HTTP says so. */
static void
server_flush(dp_sconn_t *c)
{
	struct iovec iov[64];
	int n;

	server_enter(c);
	while (c->net && (n = dp_http_conn_out(c->http, iov, 64)) > 0) {
		size_t bytes = 0;

		for (int i = 0; i < n; i++)
			bytes += iov[i].iov_len;
		c->srv->worked = true;
		if (c->srv->ops->send(c->net, iov, n) != 0) {
			c->srv->ops->abort(c->net);
			break;
		}
		dp_http_conn_sent(c->http, bytes, dp_now_ns());
		/* Sending may resume parsing of pipelined requests. */
		if (c->backlog.len && dp_http_conn_want_read(c->http)) {
			osp_buf_t b = c->backlog;

			osp_buf_init(&c->backlog);
			dp_http_conn_feed(c->http, b.data, b.len, dp_now_ns());
			osp_buf_free(&b);
		}
		server_dispatch(c);
	}
	if (c->net && dp_http_conn_should_close(c->http))
		c->srv->ops->close(c->net);
	server_leave(c);
}

static void *
server_on_accept(void *ctx, dp_net_conn_t *nc)
{
	dp_server_t *srv = ctx;
	dp_sconn_t *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	srv->worked = true;
	c->srv = srv;
	c->net = nc;
	osp_buf_init(&c->backlog);
	c->http = dp_http_conn_new(&srv->http_cfg);
	if (c->http == NULL) {
		free(c);
		return NULL;
	}
	/* An empty feed starts the idle clock at accept time. */
	dp_http_conn_feed(c->http, NULL, 0, dp_now_ns());
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	return c;
}

static void
server_on_recv(void *user, const char *data, size_t len)
{
	server_feed(user, data, len);
}

static void
server_on_drain(void *user)
{
	server_flush(user);
}

static void
server_on_close(void *user)
{
	dp_sconn_t *c = user;

	c->net = NULL;
	/* Freed now, or by the outermost server frame, or by the reply to the
	 * last request still in flight (dp_server_respond). */
	server_enter(c);
	server_leave(c);
}

int
dp_server_create(const osp_settings_t *s, const dp_net_ops_t *ops,
		 dp_server_t **out, char *err, size_t errlen)
{
	static const dp_net_handler_t h = {
		.on_accept = server_on_accept,
		.on_recv = server_on_recv,
		.on_drain = server_on_drain,
		.on_close = server_on_close,
	};
	dp_server_t *srv = calloc(1, sizeof(*srv));
	int rc;

	if (srv == NULL)
		return -ENOMEM;
	srv->ops = ops;
	dp_http_config_default(&srv->http_cfg);
	srv->http_cfg.max_content_length = (size_t)osp_settings_bytes(s, "http.max_content_length");
	srv->http_cfg.max_initial_line_length = (size_t)osp_settings_bytes(s, "http.max_initial_line_length");
	srv->http_cfg.max_header_size = (size_t)osp_settings_bytes(s, "http.max_header_size");
	int64_t idle_ms = osp_settings_time_ms(s, "http.idle_timeout");

	srv->idle_timeout_ns = idle_ms > 0 ? (uint64_t)idle_ms * 1000000ull : 0;
	rc = ops->create(s, &h, srv, &srv->net, err, errlen);
	if (rc != 0) {
		free(srv);
		return rc;
	}
	*out = srv;
	return 0;
}

/* Close connections idle (no byte either way, nothing in flight) for longer
 * than http.idle_timeout; at most once a second. */
static void
server_sweep(dp_server_t *srv, uint64_t now)
{
	dp_sconn_t *c = srv->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->net && !dp_http_conn_busy(c->http) &&
		    dp_http_conn_idle(c->http, now) > srv->idle_timeout_ns)
			srv->ops->close(c->net);
	}
}

/* At the top of each loop iteration: the last one's cycles go to busy or
 * idle. Returns the TSC now. */
static uint64_t
server_account(dp_server_t *srv)
{
	uint64_t now = dp_tsc();

	if (srv->last_tsc) {
		uint64_t d = now - srv->last_tsc;

		if (srv->worked) {
			srv->cycles.busy_polls++;
			srv->cycles.busy_tsc += d;
		} else {
			srv->cycles.idle_polls++;
			srv->cycles.idle_tsc += d;
		}
	}
	srv->last_tsc = now;
	srv->worked = false;
	return now;
}

int
dp_server_poll(dp_server_t *srv)
{
	uint64_t tsc = server_account(srv);
	int n = srv->ops->poll(srv->net);

	if (n > 0)
		srv->worked = true;
	/* Once a second, on the TSC (no clock_gettime per iteration). */
	if (srv->idle_timeout_ns && tsc >= srv->next_sweep_tsc) {
		srv->next_sweep_tsc = tsc + dp_tsc_hz();
		server_sweep(srv, dp_now_ns());
	}
	return n;
}

void
dp_server_wait(dp_server_t *srv, uint32_t timeout_us)
{
	srv->ops->wait(srv->net, timeout_us);
}

uint16_t
dp_server_port(const dp_server_t *srv)
{
	return srv->ops->port(srv->net);
}

const dp_net_stats_t *
dp_server_net_stats(dp_server_t *srv)
{
	dp_net_stats_t *st = &srv->snap;

	memset(st, 0, sizeof(*st));
	srv->ops->stats(srv->net, st);
	st->busy_polls = srv->cycles.busy_polls;
	st->idle_polls = srv->cycles.idle_polls;
	st->busy_tsc = srv->cycles.busy_tsc;
	st->idle_tsc = srv->cycles.idle_tsc;
	st->tsc_hz = dp_tsc_hz();
	st->requests = srv->cycles.requests;
	return st;
}

void
dp_server_wake(dp_server_t *srv)
{
	srv->ops->wake(srv->net);
}

void
dp_server_destroy(dp_server_t *srv)
{
	if (srv == NULL)
		return;
	srv->ops->destroy(srv->net);
	free(srv);
}

dp_http_conn_t *
dp_server_http(dp_sconn_t *c)
{
	return c->http;
}

void
dp_server_kick(dp_sconn_t *c)
{
	server_enter(c);
	server_flush(c);
	server_leave(c);
}

void
dp_server_respond(dp_rest_req_t *r, uint16_t status, dp_http_media_t type, osp_buf_t *body)
{
	dp_sconn_t *c = r->conn;
	dp_http_resp_t resp = { .status = status, .type = type };

	server_enter(c);
	dp_http_conn_respond(c->http, r->http, &resp, body);
	osp_buf_free(body);
	server_flush(c);
	server_leave(c);
}
