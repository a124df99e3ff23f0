/*
 * net_dpdk_port.c - the DPDK half of the `dpdk` backend: port, mempool, TX.
 *
 * Owns one ethdev port with one RX and one TX queue, both used only by the
 * network core (no locks), and the mempool that feeds RX and TX. RX mbufs
 * leave here as opaque handles (see net_dpdk_port.h) and come back through
 * dp_dpdk_port_free when lwIP has done with them; TX frames are built in
 * fresh mbufs collected in a batch that is handed to rte_eth_tx_burst when
 * full or when the poll loop flushes it (l3fwd's TX buffer). Frames the PMD
 * does not take after a few tries are freed: TCP retransmits them.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dp_net.h"
#include "net_dpdk_port.h"

#define DPP_TX_BATCH   64
#define DPP_TX_TRIES   4
#define DPP_RXD        1024
#define DPP_TXD        1024
#define DPP_POOL_CACHE 256

/* The port; owned by the network core that opened it. */
struct dp_dpdk_port {
	uint16_t id;
	uint16_t mtu;
	bool started;
	struct rte_mempool *pool;
	struct rte_ether_addr mac;
	char driver[64];
	uint16_t n_tx;
	struct rte_mbuf *tx[DPP_TX_BATCH];
	uint64_t tx_dropped, rx_dropped;
};

uint64_t
dp_dpdk_tsc(void)
{
	return rte_rdtsc();
}

uint64_t
dp_dpdk_tsc_hz(void)
{
	return rte_get_tsc_hz();
}

int
dp_dpdk_port_open(uint16_t port_id, unsigned nb_mbufs, size_t priv_size,
		  dp_dpdk_port_t **out, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = DPP_RXD, nb_txd = DPP_TXD;
	dp_dpdk_port_t *p = NULL;
	int rc;

	if (rte_eth_dev_count_avail() == 0) {
		snprintf(err, errlen, "dpdk backend: no DPDK port (give dataplane.eal a --vdev or bind a NIC to vfio-pci)");
		return -ENODEV;
	}
	if (!rte_eth_dev_is_valid_port(port_id)) {
		snprintf(err, errlen, "setting [dataplane.port]: no DPDK port %u (%u available)",
			 port_id, rte_eth_dev_count_avail());
		return -ENODEV;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->id = port_id;
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "dpdk backend: port %u info: %s", port_id, rte_strerror(-rc));
		goto fail;
	}
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name ? info.driver_name : "?");
	p->pool = rte_pktmbuf_pool_create("dp_net_mbufs", nb_mbufs, DPP_POOL_CACHE,
					  (uint16_t)RTE_ALIGN(priv_size, RTE_MBUF_PRIV_ALIGN),
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (p->pool == NULL) {
		rc = -rte_errno;
		snprintf(err, errlen, "dpdk backend: mempool of %u mbufs (dataplane.mbufs): %s",
			 nb_mbufs, rte_strerror(rte_errno));
		goto fail;
	}
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(port_id, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port_id, 0, nb_rxd, (unsigned)rte_eth_dev_socket_id(port_id),
					    NULL, p->pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port_id, 0, nb_txd, (unsigned)rte_eth_dev_socket_id(port_id),
					    NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port_id);
	if (rc != 0) {
		snprintf(err, errlen, "dpdk backend: port %u (%s) setup: %s", port_id, p->driver,
			 rte_strerror(-rc));
		goto fail;
	}
	p->started = true;
	rte_eth_macaddr_get(port_id, &p->mac);
	if (rte_eth_dev_get_mtu(port_id, &p->mtu) != 0 || p->mtu == 0)
		p->mtu = RTE_ETHER_MTU;
	*out = p;
	return 0;
fail:
	dp_dpdk_port_close(p);
	return rc < 0 ? rc : -EIO;
}

void
dp_dpdk_port_close(dp_dpdk_port_t *p)
{
	if (p == NULL)
		return;
	for (uint16_t i = 0; i < p->n_tx; i++)
		rte_pktmbuf_free(p->tx[i]);
	p->n_tx = 0;
	if (p->started) {
		rte_eth_dev_stop(p->id);
		rte_eth_dev_close(p->id);
	}
	rte_mempool_free(p->pool);
	free(p);
}

void
dp_dpdk_port_mac(const dp_dpdk_port_t *p, uint8_t mac[6])
{
	memcpy(mac, p->mac.addr_bytes, 6);
}

uint16_t
dp_dpdk_port_mtu(const dp_dpdk_port_t *p)
{
	return p->mtu;
}

const char *
dp_dpdk_port_driver(const dp_dpdk_port_t *p)
{
	return p->driver;
}

uint16_t
dp_dpdk_port_id(const dp_dpdk_port_t *p)
{
	return p->id;
}

void
dp_dpdk_port_promisc(dp_dpdk_port_t *p)
{
	rte_eth_promiscuous_enable(p->id);
}

int
dp_dpdk_port_link_up(dp_dpdk_port_t *p)
{
	struct rte_eth_link link;

	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(p->id, &link) != 0)
		return 1; /* no link information: assume up */
	return link.link_status == RTE_ETH_LINK_UP;
}

unsigned
dp_dpdk_port_rx(dp_dpdk_port_t *p, dp_dpdk_pkt_t *pkts, unsigned max)
{
	struct rte_mbuf *m[64];
	unsigned n, got = 0;

	if (max > 64)
		max = 64;
	n = rte_eth_rx_burst(p->id, 0, m, (uint16_t)max);
	for (unsigned i = 0; i < n; i++) {
		if (m[i]->nb_segs != 1) {
			/* Larger than one mbuf: not with our MTU; drop. */
			p->rx_dropped++;
			rte_pktmbuf_free(m[i]);
			continue;
		}
		pkts[got].mbuf = m[i];
		pkts[got].priv = rte_mbuf_to_priv(m[i]);
		pkts[got].data = rte_pktmbuf_mtod(m[i], char *);
		pkts[got].len = rte_pktmbuf_data_len(m[i]);
		got++;
	}
	return got;
}

void
dp_dpdk_port_free(void *mbuf)
{
	rte_pktmbuf_free(mbuf);
}

char *
dp_dpdk_port_tx_reserve(dp_dpdk_port_t *p, uint16_t len)
{
	struct rte_mbuf *m;
	char *data;

	if (p->n_tx == DPP_TX_BATCH)
		dp_dpdk_port_tx_flush(p);
	m = rte_pktmbuf_alloc(p->pool);
	if (m == NULL)
		return NULL;
	data = rte_pktmbuf_append(m, len);
	if (data == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	p->tx[p->n_tx++] = m;
	return data;
}

unsigned
dp_dpdk_port_tx_flush(dp_dpdk_port_t *p)
{
	uint16_t sent = 0;

	for (int tries = 0; sent < p->n_tx && tries < DPP_TX_TRIES; tries++)
		sent += rte_eth_tx_burst(p->id, 0, p->tx + sent, p->n_tx - sent);
	for (uint16_t i = sent; i < p->n_tx; i++) {
		rte_pktmbuf_free(p->tx[i]);
		p->tx_dropped++;
	}
	p->n_tx = 0;
	return sent;
}

void
dp_dpdk_port_stats(dp_dpdk_port_t *p, struct dp_net_stats *st)
{
	struct rte_eth_stats es;
	struct rte_eth_link link;
	dp_net_queue_stats_t *q = &st->queue[0];

	snprintf(st->driver, sizeof(st->driver), "%.31s", p->driver);
	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(p->id, &link) == 0) {
		st->link = link.link_status == RTE_ETH_LINK_UP ? DP_NET_LINK_UP : DP_NET_LINK_DOWN;
		st->link_speed_mbps = link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
	} else {
		st->link = DP_NET_LINK_UP;   /* no link information: assume up */
	}
	/* One queue pair: the port's totals are the queue's. */
	st->n_queues = 1;
	memset(q, 0, sizeof(*q));
	if (rte_eth_stats_get(p->id, &es) == 0) {
		q->rx_packets = es.ipackets;
		q->rx_bytes = es.ibytes;
		q->rx_errors = es.ierrors;
		q->rx_dropped = es.imissed + es.rx_nombuf;
		q->tx_packets = es.opackets;
		q->tx_bytes = es.obytes;
		q->tx_errors = es.oerrors;
	}
	q->rx_dropped += p->rx_dropped;
	q->tx_dropped = p->tx_dropped;
}
