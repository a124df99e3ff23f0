/*
 * net_dpdk.c - the `dpdk` network backend: lwIP's raw TCP API over a DPDK port.
 *
 * Owns the process's lwIP stack (Debian's liblwip is one global stack, so one
 * dp_net_t per process: one network core), its netif, the listening pcb and
 * every connection. lwip_init() only, never tcpip_init(): the network core is
 * the only lwIP thread, so the library's core-lock check stays inert. poll()
 * feeds received mbufs to ethernet_input without copying (the pbuf_custom
 * lives in the mbuf's private area), runs sys_check_timeouts() on a 1 ms TSC
 * deadline and flushes the TX batch; linkoutput copies a frame into a fresh
 * mbuf (lwIP keeps its segment for retransmission). The DPDK side is in
 * net_dpdk_port.c, behind the plain-C net_dpdk_port.h (the headers clash).
 *
 * A connection's output goes through its osp_buf first and into lwIP as far
 * as tcp_sndbuf() allows; the sent callback pushes the rest and calls
 * on_drain once the buffer is empty. Receive window: bytes are handed to
 * on_recv at once, but while more than DN_RECV_HOLD bytes of output are
 * queued (the client is not reading its replies) tcp_recved() is withheld,
 * so the window closes and the peer stops sending. Every callback and op
 * runs on the network core; wake() is the only call from other threads.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lwip/init.h>
#include <lwip/etharp.h>
#include <lwip/ethip6.h>
#include <lwip/ip4_addr.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/tcp.h>
#include <lwip/timeouts.h>
#include <netif/ethernet.h>

#include "osprey/buf.h"
#include "dp_net.h"
#include "net_dpdk.h"
#include "net_dpdk_port.h"
#include "net_dpdk_tw.h"

#define DN_BURST        32
#define DN_RECV_HOLD    (512 * 1024)  /* queued output above which the window closes */
#define DN_POLL_TICKS   2             /* lwIP poll callback: every 2 x 500 ms */
#define DN_CLOSE_POLLS  30            /* a close stuck behind a zero window: reset after ~30 s */
#define DN_WAIT_SLICE   50            /* us: a wait() sleeps in slices this long */
#define DN_WAIT_MAX     10000         /* us: keep lwIP timers within 10 ms */
#define DN_OUT_KEEP     (4 * 1024 * 1024)
/* TCP keepalive: a peer whose FIN or RST was lost (an overflowing af_packet
 * ring drops frames without counting them) is probed after 30 s idle and
 * reaped after 3 unanswered probes 5 s apart; a live one just ACKs. */
#define DN_KEEP_IDLE_MS  30000
#define DN_KEEP_INTVL_MS 5000
#define DN_KEEP_CNT      3

enum dn_fate { DN_LIVE, DN_CLOSED, DN_ABORTED };

/* A received frame as a pbuf: lives in its mbuf's private area. */
struct dn_rxbuf {
	struct pbuf_custom pc;
	void *mbuf;
};

/* One TCP connection; owned by the network core, freed after on_close. */
struct dp_net_conn {
	dp_net_t *net;
	struct tcp_pcb *pcb;     /* NULL once handed back to lwIP or freed by it */
	void *user;              /* upper layer's pointer; NULL once on_close ran */
	osp_buf_t out;           /* output not yet given to tcp_write */
	size_t out_off;
	size_t inflight;         /* given to lwIP, not yet acknowledged */
	size_t held;             /* received, tcp_recved withheld */
	bool closing;            /* graceful close: FIN after queued output */
	bool dead;               /* reset / error: drop output */
	bool in_cb;              /* inside an upper-layer callback: do not free */
	bool want_drain;         /* call on_drain when out empties */
	uint16_t close_polls;    /* poll callbacks since close() with output still queued */
	dp_net_conn_t *prev, *next;
};

/* The backend state of the network core (one per process). */
struct dp_net {
	dp_dpdk_port_t *port;
	struct netif netif;
	struct tcp_pcb *listen;
	uint8_t mac[6];
	uint16_t http_port;
	dp_net_handler_t h;
	void *ctx;
	dp_net_stats_t st;
	dp_net_conn_t *conns;
	uint64_t tsc_hz, tsc_ms, next_timer, next_link;
	bool link_up;
	atomic_int woken;
	unsigned n_stash;        /* frames received by wait(), fed by poll() */
	dp_dpdk_pkt_t stash[DN_BURST];
};

static dp_net_t *dn_instance;
static bool dn_lwip_ready;

static void dn_push(dp_net_conn_t *c);

static void
dn_detach(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_poll(pcb, NULL, 0);
}

static void dn_attach(dp_net_conn_t *c);

static size_t
dn_queued(const dp_net_conn_t *c)
{
	return c->out.len - c->out_off + c->inflight;
}

/* tcp_recved takes 16 bits at a time. */
static void
dn_recved(struct tcp_pcb *pcb, size_t len)
{
	while (len) {
		u16_t k = len > 0xffff ? 0xffff : (u16_t)len;

		tcp_recved(pcb, k);
		len -= k;
	}
}

/* on_close once, then free; the connection must be off lwIP by now. */
static void
dn_conn_finish(dp_net_conn_t *c)
{
	dp_net_t *n = c->net;

	if (c->user) {
		void *u = c->user;

		c->user = NULL;
		n->h.on_close(u);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		n->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	osp_buf_free(&c->out);
	n->st.closed++;
	n->st.open--;
	free(c);
}

/*
 * Close a closing or dead connection as far as possible. Graceful: once all
 * output is in lwIP, tcp_close (FIN after it); reset: tcp_abort. Never inside
 * an upper-layer callback (the outer frame settles). DN_ABORTED tells an lwIP
 * callback to return ERR_ABRT; on DN_CLOSED/DN_ABORTED c is freed.
 */
static enum dn_fate
dn_settle(dp_net_conn_t *c)
{
	enum dn_fate fate = DN_CLOSED;

	if (c->in_cb || !(c->closing || c->dead))
		return DN_LIVE;
	if (c->pcb && !c->dead) {
		struct tcp_pcb *pcb = c->pcb;

		if (c->out.len > c->out_off)
			return DN_LIVE;
		/* lwIP resets instead of closing if the window is not fully open. */
		dn_recved(pcb, c->held);
		c->held = 0;
		dn_detach(pcb);
		if (tcp_close(pcb) != ERR_OK) {
			dn_attach(c);   /* out of memory: the poll callback retries */
			return DN_LIVE;
		}
		c->pcb = NULL;
	} else if (c->pcb) {
		dn_detach(c->pcb);
		tcp_abort(c->pcb);
		c->pcb = NULL;
		fate = DN_ABORTED;
	}
	dn_conn_finish(c);
	return fate;
}

static err_t
dn_fate_err(enum dn_fate f)
{
	return f == DN_ABORTED ? ERR_ABRT : ERR_OK;
}

/* Give withheld receive window back once output is below half the mark. */
static void
dn_release_window(dp_net_conn_t *c)
{
	if (c->held && c->pcb && dn_queued(c) <= DN_RECV_HOLD / 2) {
		dn_recved(c->pcb, c->held);
		c->held = 0;
	}
}

static err_t
dn_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	dp_net_conn_t *c = arg;
	dp_net_t *n;

	if (c == NULL) {
		if (p) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	n = c->net;
	if (p == NULL) {
		/* FIN: send what is queued, then close (as the kernel backend). */
		c->closing = true;
		return dn_fate_err(dn_settle(c));
	}
	(void)err;
	u16_t total = p->tot_len;

	if (c->user && !c->closing && !c->dead) {
		c->in_cb = true;
		for (struct pbuf *q = p; q && !c->closing && !c->dead; q = q->next) {
			n->st.rx_bytes += q->len;
			n->st.rx_calls++;
			n->h.on_recv(c->user, q->payload, q->len);
		}
		c->in_cb = false;
	}
	pbuf_free(p);
	if (!c->closing && !c->dead && dn_queued(c) > DN_RECV_HOLD)
		c->held += total;
	else
		tcp_recved(pcb, total);
	return dn_fate_err(dn_settle(c));
}

static err_t
dn_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	dp_net_conn_t *c = arg;

	(void)pcb;
	if (c == NULL)
		return ERR_OK;
	c->inflight = c->inflight > len ? c->inflight - len : 0;
	dn_push(c);
	if (c->want_drain && c->out.len == c->out_off && c->user && !c->closing && !c->dead) {
		c->want_drain = false;
		if (c->net->h.on_drain) {
			c->in_cb = true;
			c->net->h.on_drain(c->user);
			c->in_cb = false;
		}
	}
	dn_release_window(c);
	return dn_fate_err(dn_settle(c));
}

/* lwIP's periodic callback: retry what failed for lack of memory; reset a
 * graceful close whose output the peer has not taken for DN_CLOSE_POLLS. */
static err_t
dn_poll_cb(void *arg, struct tcp_pcb *pcb)
{
	dp_net_conn_t *c = arg;

	(void)pcb;
	if (c == NULL)
		return ERR_OK;
	dn_push(c);
	if (c->closing && c->out.len > c->out_off && ++c->close_polls > DN_CLOSE_POLLS)
		c->dead = true;
	return dn_fate_err(dn_settle(c));
}

/* lwIP freed the pcb (reset by the peer, retransmission timeout). */
static void
dn_err_cb(void *arg, err_t err)
{
	dp_net_conn_t *c = arg;

	(void)err;
	if (c == NULL)
		return;
	c->pcb = NULL;
	c->dead = true;
	dn_settle(c);
}

static void
dn_attach(dp_net_conn_t *c)
{
	tcp_arg(c->pcb, c);
	tcp_recv(c->pcb, dn_recv_cb);
	tcp_sent(c->pcb, dn_sent_cb);
	tcp_err(c->pcb, dn_err_cb);
	tcp_poll(c->pcb, dn_poll_cb, DN_POLL_TICKS);
}

/* Move queued output into lwIP as far as its send buffer allows. */
static void
dn_push(dp_net_conn_t *c)
{
	dp_net_t *n = c->net;
	bool wrote = false;

	while (c->pcb && !c->dead && c->out_off < c->out.len) {
		size_t left = c->out.len - c->out_off;
		u16_t room = tcp_sndbuf(c->pcb);

		if (room == 0 || tcp_sndqueuelen(c->pcb) >= TCP_SND_QUEUELEN)
			break;
		u16_t chunk = left < room ? (u16_t)left : room;
		err_t e = tcp_write(c->pcb, c->out.data + c->out_off, chunk,
				    TCP_WRITE_FLAG_COPY | (chunk < left ? TCP_WRITE_FLAG_MORE : 0));

		if (e != ERR_OK)
			break;  /* ERR_MEM: the sent or poll callback retries */
		c->out_off += chunk;
		c->inflight += chunk;
		n->st.tx_bytes += chunk;
		n->st.tx_calls++;
		wrote = true;
	}
	if (c->out_off == c->out.len) {
		osp_buf_clear(&c->out);
		c->out_off = 0;
		if (c->out.cap > DN_OUT_KEEP)
			osp_buf_free(&c->out);  /* do not pin a large reply's memory */
	}
	if (wrote)
		tcp_output(c->pcb);
}

static err_t
dn_accept_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	dp_net_t *n = arg;
	dp_net_conn_t *c;

	if (err != ERR_OK || pcb == NULL)
		return ERR_VAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	c->net = n;
	c->pcb = pcb;
	osp_buf_init(&c->out);
	dn_attach(c);
	tcp_nagle_disable(pcb);
	ip_set_option(pcb, SOF_KEEPALIVE);
	pcb->keep_idle = DN_KEEP_IDLE_MS;
	pcb->keep_intvl = DN_KEEP_INTVL_MS;
	pcb->keep_cnt = DN_KEEP_CNT;
	c->next = n->conns;
	if (n->conns)
		n->conns->prev = c;
	n->conns = c;
	n->st.accepted++;
	n->st.open++;
	c->in_cb = true;
	c->user = n->h.on_accept(n->ctx, c);
	c->in_cb = false;
	if (c->user == NULL)
		c->dead = true;
	return dn_fate_err(dn_settle(c));
}

/* ---- netif: frames to and from the port ---------------------------------- */

static void
dn_rx_free(struct pbuf *p)
{
	struct dn_rxbuf *rb = (struct dn_rxbuf *)p;

	dp_dpdk_port_free(rb->mbuf);
}

static void
dn_input(dp_net_t *n, const dp_dpdk_pkt_t *pkt)
{
	struct dn_rxbuf *rb = pkt->priv;
	struct pbuf *p;

	rb->mbuf = pkt->mbuf;
	rb->pc.custom_free_function = dn_rx_free;
	p = pbuf_alloced_custom(PBUF_RAW, pkt->len, PBUF_REF, &rb->pc, pkt->data, pkt->len);
	if (p == NULL) {
		dp_dpdk_port_free(pkt->mbuf);
		return;
	}
	dn_tw_check((const uint8_t *)pkt->data, pkt->len);
	if (n->netif.input(p, &n->netif) != ERR_OK)
		pbuf_free(p);
}

static err_t
dn_linkoutput(struct netif *nif, struct pbuf *p)
{
	dp_net_t *n = nif->state;
	char *dst = dp_dpdk_port_tx_reserve(n->port, p->tot_len);

	if (dst == NULL)
		return ERR_MEM;
	pbuf_copy_partial(p, dst, p->tot_len, 0);
	return ERR_OK;
}

static err_t
dn_netif_init(struct netif *nif)
{
	dp_net_t *n = nif->state;
	uint16_t mtu = dp_dpdk_port_mtu(n->port);

	nif->name[0] = 'd';
	nif->name[1] = 'p';
	nif->hwaddr_len = 6;
	memcpy(nif->hwaddr, n->mac, 6);
	nif->mtu = mtu > 1500 ? 1500 : mtu;
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	nif->output = etharp_output;
	nif->output_ip6 = ethip6_output;
	nif->linkoutput = dn_linkoutput;
	return ERR_OK;
}

static void
dn_link_check(dp_net_t *n)
{
	bool up = dp_dpdk_port_link_up(n->port) != 0;

	if (up == n->link_up)
		return;
	n->link_up = up;
	if (up)
		netif_set_link_up(&n->netif);
	else
		netif_set_link_down(&n->netif);
}

/* ---- ops ----------------------------------------------------------------- */

static int
dn_poll(dp_net_t *n)
{
	dp_dpdk_pkt_t pkts[DN_BURST];
	uint64_t now = dp_dpdk_tsc();
	unsigned got, events = 0;

	if (n->n_stash) {
		for (unsigned i = 0; i < n->n_stash; i++)
			dn_input(n, &n->stash[i]);
		events += n->n_stash;
		n->n_stash = 0;
	}
	got = dp_dpdk_port_rx(n->port, pkts, DN_BURST);
	for (unsigned i = 0; i < got; i++)
		dn_input(n, &pkts[i]);
	events += got;
	if (now >= n->next_timer) {
		sys_check_timeouts();
		n->next_timer = now + n->tsc_ms;
	}
	if (now >= n->next_link) {
		dn_link_check(n);
		n->next_link = now + n->tsc_hz;
	}
	dp_dpdk_port_tx_flush(n->port);
	return (int)events;
}

/* No interrupt to block on: sleep in short slices, looking for frames (kept
 * for the next poll) and wake() between them. timeout 0 never sleeps. */
static void
dn_wait(dp_net_t *n, uint32_t timeout_us)
{
	dp_dpdk_port_tx_flush(n->port);
	if (timeout_us == 0 || n->n_stash)
		return;
	if (timeout_us > DN_WAIT_MAX)
		timeout_us = DN_WAIT_MAX;
	uint64_t end = dp_dpdk_tsc() + (uint64_t)timeout_us * n->tsc_hz / 1000000;

	for (;;) {
		if (atomic_exchange(&n->woken, 0))
			break;
		n->n_stash = dp_dpdk_port_rx(n->port, n->stash, DN_BURST);
		if (n->n_stash)
			break;
		uint64_t now = dp_dpdk_tsc();

		if (now >= end)
			break;
		uint64_t left_us = (end - now) * 1000000 / n->tsc_hz;
		struct timespec ts = { 0, (long)(left_us < DN_WAIT_SLICE ? left_us : DN_WAIT_SLICE) * 1000 };

		nanosleep(&ts, NULL);
	}
}

static void
dn_wake(dp_net_t *n)
{
	atomic_store(&n->woken, 1);
}

static int
dn_send(dp_net_conn_t *c, const struct iovec *iov, int iovcnt)
{
	if (c->dead || c->closing || c->pcb == NULL)
		return -EPIPE;
	for (int i = 0; i < iovcnt; i++)
		osp_buf_append(&c->out, iov[i].iov_base, iov[i].iov_len);
	if (osp_buf_failed(&c->out))
		return -ENOMEM;
	dn_push(c);
	if (c->out.len > c->out_off)
		c->want_drain = true;
	return 0;
}

static size_t
dn_send_queued(const dp_net_conn_t *c)
{
	return dn_queued(c);
}

static void
dn_close(dp_net_conn_t *c)
{
	c->closing = true;
	dn_settle(c);
}

static void
dn_abort(dp_net_conn_t *c)
{
	c->dead = true;
	dn_settle(c);
}

static void
dn_stats(dp_net_t *n, dp_net_stats_t *out)
{
	*out = n->st;
	dp_dpdk_port_stats(n->port, out);
}

static uint16_t
dn_port(const dp_net_t *n)
{
	return n->http_port;
}

/* One line on stderr at shutdown: the figures _nodes/stats does not show. */
static void
dn_report(dp_net_t *n)
{
	dp_net_stats_t st;
	const dp_net_queue_stats_t *q = &st.queue[0];

	dn_stats(n, &st);
	fprintf(stderr, "net_dpdk: stats accepted=%llu rx_bytes=%llu tx_bytes=%llu "
		"rx_packets=%llu tx_packets=%llu rx_errors=%llu rx_dropped=%llu tx_errors=%llu "
		"tx_dropped=%llu\n",
		(unsigned long long)st.accepted, (unsigned long long)st.rx_bytes,
		(unsigned long long)st.tx_bytes, (unsigned long long)q->rx_packets,
		(unsigned long long)q->tx_packets, (unsigned long long)q->rx_errors,
		(unsigned long long)q->rx_dropped, (unsigned long long)q->tx_errors,
		(unsigned long long)q->tx_dropped);
}

static void
dn_destroy(dp_net_t *n)
{
	if (n == NULL)
		return;
	/* Reset what is still open; the upper layer is going away too. */
	while (n->conns) {
		dp_net_conn_t *c = n->conns;

		if (c->pcb) {
			dn_detach(c->pcb);
			tcp_abort(c->pcb);
			c->pcb = NULL;
		}
		c->user = NULL;
		dn_conn_finish(c);
	}
	if (n->listen)
		tcp_close(n->listen);
	if (n->port) {
		dp_dpdk_port_tx_flush(n->port);
		dn_report(n);
		netif_remove(&n->netif);
		dp_dpdk_port_close(n->port);
	}
	dn_instance = NULL;
	free(n);
}

/* network.host as a.b.c.d/len (the dpdk backend owns the address). */
static int
dn_parse_host(const char *host, ip4_addr_t *ip, ip4_addr_t *mask, char *err, size_t errlen)
{
	char buf[64];
	char *slash, *end;
	long len;

	snprintf(buf, sizeof(buf), "%s", host);
	slash = strchr(buf, '/');
	if (slash == NULL)
		goto bad;
	*slash = '\0';
	len = strtol(slash + 1, &end, 10);
	if (*end != '\0' || len < 1 || len > 32 || !ip4addr_aton(buf, ip) || ip4_addr_isany(ip) ||
	    ip4_addr_isloopback(ip))
		goto bad;
	ip4_addr_set_u32(mask, lwip_htonl(len == 32 ? 0xffffffffu : ~(0xffffffffu >> len)));
	return 0;
bad:
	snprintf(err, errlen, "setting [network.host]: the dpdk backend needs address/prefix "
		 "(e.g. 10.0.0.2/24), got [%s]", host);
	return -EINVAL;
}

static int
dn_create(const osp_settings_t *s, const dp_net_handler_t *h, void *ctx,
	  dp_net_t **out, char *err, size_t errlen)
{
	const char *gw_s = osp_settings_str(s, "network.gateway");
	ip4_addr_t ip, mask, gw;
	ip_addr_t bind_ip;
	struct tcp_pcb *pcb = NULL;
	dp_net_t *n = NULL;
	int rc;

	if (dn_instance) {
		snprintf(err, errlen, "dpdk backend: one per process (lwIP is one global stack)");
		return -EBUSY;
	}
	rc = dn_parse_host(osp_settings_str(s, "network.host"), &ip, &mask, err, errlen);
	if (rc != 0)
		return rc;
	ip4_addr_set_zero(&gw);
	if (*gw_s && !ip4addr_aton(gw_s, &gw)) {
		snprintf(err, errlen, "setting [network.gateway]: [%s] is not an IPv4 address", gw_s);
		return -EINVAL;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	n->h = *h;
	n->ctx = ctx;
	n->http_port = (uint16_t)osp_settings_int(s, "http.port");
	rc = dp_dpdk_port_open((uint16_t)osp_settings_int(s, "dataplane.port"),
			       (unsigned)osp_settings_int(s, "dataplane.mbufs"),
			       sizeof(struct dn_rxbuf), &n->port, err, errlen);
	if (rc != 0)
		goto fail;
	dp_dpdk_port_mac(n->port, n->mac);
	if (strcmp(dp_dpdk_port_driver(n->port), "net_tap") == 0) {
		/* The kernel end of a tap has the port's MAC: lwIP needs its own. */
		n->mac[0] = (uint8_t)((n->mac[0] | 0x02) & ~0x01);
		n->mac[5] ^= 0x5a;
		dp_dpdk_port_promisc(n->port);
	}
	if (!dn_lwip_ready) {
		lwip_init();
		dn_lwip_ready = true;
	}
	if (netif_add(&n->netif, &ip, &mask, &gw, n, dn_netif_init, ethernet_input) == NULL) {
		snprintf(err, errlen, "dpdk backend: netif_add failed");
		rc = -ENOMEM;
		dp_dpdk_port_close(n->port);
		n->port = NULL;
		goto fail;
	}
	netif_set_default(&n->netif);
	netif_set_up(&n->netif);
	n->tsc_hz = dp_dpdk_tsc_hz();
	n->tsc_ms = n->tsc_hz / 1000;
	dn_link_check(n);
	pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
	if (pcb == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	ip_addr_copy_from_ip4(bind_ip, ip);
	if (tcp_bind(pcb, &bind_ip, n->http_port) != ERR_OK) {
		snprintf(err, errlen, "dpdk backend: cannot bind %s:%u", ip4addr_ntoa(&ip), n->http_port);
		tcp_close(pcb);
		rc = -EADDRINUSE;
		goto fail;
	}
	n->listen = tcp_listen_with_backlog(pcb, TCP_DEFAULT_LISTEN_BACKLOG);
	if (n->listen == NULL) {
		tcp_close(pcb);
		rc = -ENOMEM;
		goto fail;
	}
	tcp_arg(n->listen, n);
	tcp_accept(n->listen, dn_accept_cb);
	fprintf(stderr, "net_dpdk: port %u (%s) mac %02x:%02x:%02x:%02x:%02x:%02x ip %s mtu %u "
		"link %s\n", dp_dpdk_port_id(n->port), dp_dpdk_port_driver(n->port), n->mac[0],
		n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5], osp_settings_str(s, "network.host"),
		n->netif.mtu, n->link_up ? "up" : "down");
	dn_instance = n;
	*out = n;
	return 0;
fail:
	if (!*err)
		snprintf(err, errlen, "dpdk backend: %s", strerror(-rc));
	dn_destroy(n);
	return rc;
}

const dp_net_ops_t dp_net_dpdk_ops = {
	.name = "dpdk",
	.create = dn_create,
	.poll = dn_poll,
	.wait = dn_wait,
	.wake = dn_wake,
	.send = dn_send,
	.send_queued = dn_send_queued,
	.close = dn_close,
	.abort = dn_abort,
	.stats = dn_stats,
	.port = dn_port,
	.destroy = dn_destroy,
};
