/*
 * net_dpdk_port.h - one DPDK ethdev port for the `dpdk` backend, in plain C.
 *
 * DPDK's and lwIP's headers cannot share a translation unit (both define
 * struct ip6_hdr and friends), so net_dpdk_port.c (DPDK only) owns the port,
 * its mempool and the TX batch, and net_dpdk.c (lwIP only) owns the TCP/IP
 * stack; this header is the whole interface between them, with no DPDK or
 * lwIP type in it. A packet crosses it as an opaque mbuf handle plus a data
 * pointer and length. Everything here belongs to the network core: no call
 * is thread-safe.
 */
#ifndef NET_DPDK_PORT_H
#define NET_DPDK_PORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct dp_dpdk_port dp_dpdk_port_t;

/* A received frame. mbuf is owned by the receiver until dp_dpdk_port_free;
 * priv is the mbuf's private area (priv_size bytes given at open). */
typedef struct dp_dpdk_pkt {
	void *mbuf;
	void *priv;
	char *data;
	uint16_t len;
} dp_dpdk_pkt_t;

struct dp_net_stats;

/* Configure and start port_id with one RX and one TX queue and a mempool of
 * nb_mbufs mbufs whose private area holds priv_size bytes. */
int dp_dpdk_port_open(uint16_t port_id, unsigned nb_mbufs, size_t priv_size,
		      dp_dpdk_port_t **out, char *err, size_t errlen);
/* Stop and close the port, free the mempool. */
void dp_dpdk_port_close(dp_dpdk_port_t *p);

void dp_dpdk_port_mac(const dp_dpdk_port_t *p, uint8_t mac[6]);
uint16_t dp_dpdk_port_mtu(const dp_dpdk_port_t *p);
const char *dp_dpdk_port_driver(const dp_dpdk_port_t *p);
uint16_t dp_dpdk_port_id(const dp_dpdk_port_t *p);
/* Receive frames whatever their destination MAC (tap: lwIP has its own). */
void dp_dpdk_port_promisc(dp_dpdk_port_t *p);
/* 1 if the link is up now (never blocks). */
int dp_dpdk_port_link_up(dp_dpdk_port_t *p);

/* Up to max received frames into pkts; returns how many. */
unsigned dp_dpdk_port_rx(dp_dpdk_port_t *p, dp_dpdk_pkt_t *pkts, unsigned max);
/* Return a received frame's mbuf to its pool. */
void dp_dpdk_port_free(void *mbuf);

/* A fresh TX frame of len bytes queued on the TX batch; the caller fills the
 * returned bytes before the next dp_dpdk_port_tx_flush. NULL: no mbuf. */
char *dp_dpdk_port_tx_reserve(dp_dpdk_port_t *p, uint16_t len);
/* Hand the TX batch to the PMD; frames it refuses are freed and counted. */
unsigned dp_dpdk_port_tx_flush(dp_dpdk_port_t *p);

/* Link state, driver and the queue pair's counters into st (dp_net.h): the
 * ethdev's, plus frames dropped here (TX the PMD refused, chained RX). */
void dp_dpdk_port_stats(dp_dpdk_port_t *p, struct dp_net_stats *st);

/* The TSC and its frequency (rte_rdtsc, rte_get_tsc_hz). */
uint64_t dp_dpdk_tsc(void);
uint64_t dp_dpdk_tsc_hz(void);

#endif
