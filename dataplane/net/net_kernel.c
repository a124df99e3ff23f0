/*
 * net_kernel.c - the `kernel` network backend: TCP sockets driven by io_uring.
 *
 * One io_uring per network core. The listening socket has one multishot
 * accept in flight; every connection has one multishot recv that picks
 * buffers from a provided buffer ring (no buffer is tied to an idle
 * connection), and at most one send in flight over its output queue. An
 * eventfd read is kept armed so wake() from a worker core ends a wait().
 * No epoll, no blocking call on the poll path.
 *
 * user_data of every SQE is a tagged pointer: the connection (8-byte aligned)
 * in the high bits, the operation in the low 3 bits. A connection is freed
 * when it is closing and neither its recv nor its send is in flight; the
 * upper layer's on_close runs exactly once, just before that.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <liburing.h>

#include "osprey/buf.h"
#include "dp_net.h"

#define NK_RING_DEPTH   4096
#define NK_BUF_COUNT    1024            /* provided buffers (power of 2) */
#define NK_BUF_SIZE     16384
#define NK_BGID         7
#define NK_SEND_MAX     (256 * 1024)    /* bytes per send SQE */

enum nk_op { NK_OP_ACCEPT = 1, NK_OP_RECV = 2, NK_OP_SEND = 3, NK_OP_WAKE = 4 };

/* One TCP connection; owned by its network core. */
struct dp_net_conn {
	dp_net_t *net;
	void *user;              /* upper layer's pointer; NULL once on_close ran */
	int fd;
	bool recv_armed;         /* a multishot recv is in flight */
	bool send_inflight;
	bool closing;            /* close() asked: stop reading once output is out */
	bool dead;               /* peer gone / error: drop output */
	bool shut;               /* shutdown(2) issued */
	bool in_cb;              /* inside a callback: never free now */
	osp_buf_t out;           /* queued output */
	size_t out_off;          /* bytes of out already sent */
};

/* The backend state of one network core. */
struct dp_net {
	struct io_uring ring;
	struct io_uring_buf_ring *br;
	char *bufs;
	int listen_fd;
	int wake_fd;
	uint64_t wake_val;
	uint16_t port;
	dp_net_handler_t h;
	void *ctx;
	dp_net_stats_t st;
	bool accept_armed;
};

static inline uint64_t
nk_tag(void *p, enum nk_op op)
{
	return (uint64_t)(uintptr_t)p | (uint64_t)op;
}

static struct io_uring_sqe *
nk_sqe(dp_net_t *n)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&n->ring);

	if (sqe == NULL) {
		io_uring_submit(&n->ring);
		sqe = io_uring_get_sqe(&n->ring);
	}
	return sqe;
}

static void
nk_arm_accept(dp_net_t *n)
{
	struct io_uring_sqe *sqe = nk_sqe(n);

	if (sqe == NULL)
		return;
	io_uring_prep_multishot_accept(sqe, n->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, nk_tag(n, NK_OP_ACCEPT));
	n->accept_armed = true;
}

static void
nk_arm_wake(dp_net_t *n)
{
	struct io_uring_sqe *sqe = nk_sqe(n);

	if (sqe == NULL)
		return;
	io_uring_prep_read(sqe, n->wake_fd, &n->wake_val, sizeof(n->wake_val), 0);
	io_uring_sqe_set_data64(sqe, nk_tag(n, NK_OP_WAKE));
}

static void
nk_arm_recv(dp_net_conn_t *c)
{
	struct io_uring_sqe *sqe = nk_sqe(c->net);

	if (sqe == NULL)
		return;
	io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = NK_BGID;
	io_uring_sqe_set_data64(sqe, nk_tag(c, NK_OP_RECV));
	c->recv_armed = true;
}

static void
nk_arm_send(dp_net_conn_t *c)
{
	size_t left = c->out.len - c->out_off;

	if (c->send_inflight || left == 0 || c->dead)
		return;
	struct io_uring_sqe *sqe = nk_sqe(c->net);

	if (sqe == NULL)
		return;
	io_uring_prep_send(sqe, c->fd, c->out.data + c->out_off,
			   left > NK_SEND_MAX ? NK_SEND_MAX : left, MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, nk_tag(c, NK_OP_SEND));
	c->send_inflight = true;
	c->net->st.tx_calls++;
}

/* Free the connection once nothing is in flight; runs on_close first. */
static void
nk_conn_maybe_free(dp_net_conn_t *c)
{
	dp_net_t *n = c->net;

	if (!(c->closing || c->dead) || c->in_cb)
		return;
	if (!c->dead && c->out.len > c->out_off)
		return; /* graceful close: output first */
	if (!c->shut) {
		shutdown(c->fd, SHUT_RDWR);  /* ends the multishot recv */
		c->shut = true;
	}
	if (c->recv_armed || c->send_inflight)
		return;
	if (c->user) {
		void *u = c->user;

		c->user = NULL;
		n->h.on_close(u);
	}
	close(c->fd);
	osp_buf_free(&c->out);
	n->st.closed++;
	n->st.open--;
	free(c);
}

static void
nk_on_accept(dp_net_t *n, struct io_uring_cqe *cqe)
{
	if (!(cqe->flags & IORING_CQE_F_MORE))
		n->accept_armed = false;
	if (cqe->res < 0)
		return; /* EMFILE etc.: re-armed below by poll */
	int fd = cqe->res, one = 1;
	dp_net_conn_t *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->net = n;
	c->fd = fd;
	osp_buf_init(&c->out);
	n->st.accepted++;
	n->st.open++;
	c->user = n->h.on_accept(n->ctx, c);
	if (c->user == NULL) {
		c->dead = true;
		nk_conn_maybe_free(c);
		return;
	}
	nk_arm_recv(c);
}

static void
nk_on_recv(dp_net_t *n, dp_net_conn_t *c, struct io_uring_cqe *cqe)
{
	bool more = cqe->flags & IORING_CQE_F_MORE;

	if (!more)
		c->recv_armed = false;
	if (cqe->res > 0 && (cqe->flags & IORING_CQE_F_BUFFER)) {
		unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
		char *data = n->bufs + (size_t)bid * NK_BUF_SIZE;

		n->st.rx_bytes += (uint64_t)cqe->res;
		n->st.rx_calls++;
		if (c->user && !c->closing && !c->dead) {
			c->in_cb = true;
			n->h.on_recv(c->user, data, (size_t)cqe->res);
			c->in_cb = false;
		}
		io_uring_buf_ring_add(n->br, data, NK_BUF_SIZE, (unsigned short)bid,
				      io_uring_buf_ring_mask(NK_BUF_COUNT), 0);
		io_uring_buf_ring_advance(n->br, 1);
		if (!more && !c->closing && !c->dead)
			nk_arm_recv(c);
	} else if (cqe->res == -ENOBUFS) {
		/* Buffers exhausted for a moment: try again. */
		if (!more && !c->closing && !c->dead)
			nk_arm_recv(c);
	} else if (!more) {
		/* EOF: send what is queued, then close; error: the peer is gone. */
		if (cqe->res == 0)
			c->closing = true;
		else
			c->dead = true;
	}
	nk_conn_maybe_free(c);
}

static void
nk_on_send(dp_net_t *n, dp_net_conn_t *c, struct io_uring_cqe *cqe)
{
	c->send_inflight = false;
	if (cqe->res < 0) {
		if (cqe->res != -EAGAIN && cqe->res != -EINTR)
			c->dead = true;
	} else {
		c->out_off += (size_t)cqe->res;
		n->st.tx_bytes += (uint64_t)cqe->res;
	}
	if (c->out_off == c->out.len) {
		osp_buf_clear(&c->out);
		c->out_off = 0;
		if (c->out.cap > 4 * 1024 * 1024)
			osp_buf_free(&c->out);  /* do not pin a large reply's memory */
		if (c->user && !c->closing && !c->dead && n->h.on_drain) {
			c->in_cb = true;
			n->h.on_drain(c->user);
			c->in_cb = false;
		}
	}
	nk_arm_send(c);
	nk_conn_maybe_free(c);
}

static int
nk_poll(dp_net_t *n)
{
	struct io_uring_cqe *cqes[256];
	int total = 0;

	for (;;) {
		unsigned got = io_uring_peek_batch_cqe(&n->ring, cqes, 256);

		if (got == 0)
			break;
		for (unsigned i = 0; i < got; i++) {
			struct io_uring_cqe *cqe = cqes[i];
			uint64_t ud = io_uring_cqe_get_data64(cqe);
			enum nk_op op = (enum nk_op)(ud & 7);
			void *p = (void *)(uintptr_t)(ud & ~(uint64_t)7);

			switch (op) {
			case NK_OP_ACCEPT:
				nk_on_accept(n, cqe);
				break;
			case NK_OP_RECV:
				nk_on_recv(n, p, cqe);
				break;
			case NK_OP_SEND:
				nk_on_send(n, p, cqe);
				break;
			case NK_OP_WAKE:
				nk_arm_wake(n);
				break;
			}
			io_uring_cqe_seen(&n->ring, cqe);
		}
		total += (int)got;
	}
	if (!n->accept_armed)
		nk_arm_accept(n);
	if (io_uring_sq_ready(&n->ring))
		io_uring_submit(&n->ring);
	return total;
}

static void
nk_wait(dp_net_t *n, uint32_t timeout_us)
{
	struct __kernel_timespec ts = { timeout_us / 1000000, (long long)(timeout_us % 1000000) * 1000 };
	struct io_uring_cqe *cqe;

	io_uring_submit_and_wait_timeout(&n->ring, &cqe, 1, &ts, NULL);
}

static void
nk_wake(dp_net_t *n)
{
	uint64_t one = 1;
	ssize_t rc = write(n->wake_fd, &one, sizeof(one));

	(void)rc;
}

static int
nk_send(dp_net_conn_t *c, const struct iovec *iov, int iovcnt)
{
	if (c->dead || c->closing)
		return -EPIPE;
	for (int i = 0; i < iovcnt; i++)
		osp_buf_append(&c->out, iov[i].iov_base, iov[i].iov_len);
	if (osp_buf_failed(&c->out))
		return -ENOMEM;
	nk_arm_send(c);
	return 0;
}

static size_t
nk_send_queued(const dp_net_conn_t *c)
{
	return c->out.len - c->out_off;
}

static void
nk_close(dp_net_conn_t *c)
{
	c->closing = true;
	nk_conn_maybe_free(c);
}

static void
nk_abort(dp_net_conn_t *c)
{
	struct linger lg = { 1, 0 };

	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	c->dead = true;
	nk_conn_maybe_free(c);
}

/* Sockets: no link or device queues to show. */
static void
nk_stats(dp_net_t *n, dp_net_stats_t *out)
{
	*out = n->st;
	out->link = DP_NET_LINK_NONE;
	snprintf(out->driver, sizeof(out->driver), "io_uring");
}

static uint16_t
nk_port(const dp_net_t *n)
{
	return n->port;
}

static void
nk_destroy(dp_net_t *n)
{
	if (n == NULL)
		return;
	io_uring_queue_exit(&n->ring);
	if (n->listen_fd >= 0)
		close(n->listen_fd);
	if (n->wake_fd >= 0)
		close(n->wake_fd);
	free(n->br);
	free(n->bufs);
	free(n);
}

static int
nk_listen(dp_net_t *n, const osp_settings_t *s, char *err, size_t errlen)
{
	const char *host = osp_settings_str(s, "network.host");
	int port = (int)osp_settings_int(s, "http.port");
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1, fd;

	memset(&ss, 0, sizeof(ss));
	if (strcmp(host, "_local_") == 0 || strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "_site_") == 0 || inet_pton(AF_INET, host,
	    &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		if (strcmp(host, "_site_") == 0)
			a->sin_addr.s_addr = htonl(INADDR_ANY);
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		sl = sizeof(*a);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		sl = sizeof(*a);
	} else {
		snprintf(err, errlen, "setting [network.host]: [%s] is not an IP address", host);
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 4096) != 0)
		goto fail;
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	n->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
			: ((struct sockaddr_in6 *)&ss)->sin6_port);
	n->listen_fd = fd;
	return 0;
fail:
	snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -errno;
}

static int
nk_create(const osp_settings_t *s, const dp_net_handler_t *h, void *ctx,
	  dp_net_t **out, char *err, size_t errlen)
{
	dp_net_t *n = calloc(1, sizeof(*n));
	struct io_uring_params p;
	int rc;

	if (n == NULL)
		return -ENOMEM;
	n->listen_fd = -1;
	n->wake_fd = -1;
	n->h = *h;
	n->ctx = ctx;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN;
	p.cq_entries = NK_RING_DEPTH * 4;
	rc = io_uring_queue_init_params(NK_RING_DEPTH, &n->ring, &p);
	if (rc < 0) {
		snprintf(err, errlen, "io_uring_queue_init: %s", strerror(-rc));
		free(n);
		return rc;
	}
	rc = posix_memalign((void **)&n->br, 4096, NK_BUF_COUNT * sizeof(struct io_uring_buf));
	if (rc != 0) {
		n->br = NULL;
		rc = -rc;
		goto fail;
	}
	n->bufs = malloc((size_t)NK_BUF_COUNT * NK_BUF_SIZE);
	if (n->bufs == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	struct io_uring_buf_reg reg = {
		.ring_addr = (unsigned long)n->br,
		.ring_entries = NK_BUF_COUNT,
		.bgid = NK_BGID,
	};

	rc = io_uring_register_buf_ring(&n->ring, &reg, 0);
	if (rc != 0) {
		snprintf(err, errlen, "io_uring_register_buf_ring: %s", strerror(-rc));
		goto fail;
	}
	io_uring_buf_ring_init(n->br);
	for (unsigned i = 0; i < NK_BUF_COUNT; i++)
		io_uring_buf_ring_add(n->br, n->bufs + (size_t)i * NK_BUF_SIZE, NK_BUF_SIZE,
				      (unsigned short)i, io_uring_buf_ring_mask(NK_BUF_COUNT), (int)i);
	io_uring_buf_ring_advance(n->br, NK_BUF_COUNT);
	n->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (n->wake_fd < 0) {
		rc = -errno;
		goto fail;
	}
	rc = nk_listen(n, s, err, errlen);
	if (rc != 0)
		goto fail;
	nk_arm_accept(n);
	nk_arm_wake(n);
	io_uring_submit(&n->ring);
	*out = n;
	return 0;
fail:
	if (!*err)
		snprintf(err, errlen, "kernel backend: %s", strerror(-rc));
	nk_destroy(n);
	return rc;
}

const dp_net_ops_t dp_net_kernel_ops = {
	.name = "kernel",
	.create = nk_create,
	.poll = nk_poll,
	.wait = nk_wait,
	.wake = nk_wake,
	.send = nk_send,
	.send_queued = nk_send_queued,
	.close = nk_close,
	.abort = nk_abort,
	.stats = nk_stats,
	.port = nk_port,
	.destroy = nk_destroy,
};
