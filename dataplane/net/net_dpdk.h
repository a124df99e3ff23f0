/*
 * net_dpdk.h - the `dpdk` network backend (net_dpdk.c, net_dpdk_port.c).
 *
 * DPDK ethdev + lwIP raw TCP API behind dp_net.h; one per process. Settings:
 * network.host (address/prefix), network.gateway, http.port, dataplane.port
 * (ethdev port id), dataplane.mbufs (mempool size), dataplane.eal (EAL args).
 */
#ifndef NET_DPDK_H
#define NET_DPDK_H

#include "dp_net.h"

extern const dp_net_ops_t dp_net_dpdk_ops;

#endif
