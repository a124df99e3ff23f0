/*
 * net_dpdk_tw.h - server-side TIME-WAIT handling for the dpdk backend's lwIP
 * (net_dpdk_tw.c). Network core only.
 */
#ifndef NET_DPDK_TW_H
#define NET_DPDK_TW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Look at one received Ethernet frame before lwIP does: a SYN whose
 * sequence number is above a TIME-WAIT pcb's rcv_nxt, or an RST, for that
 * pcb's 4-tuple releases the pcb, so lwIP sees a new connection (as Linux).
 * Returns true when a pcb was released. */
bool dn_tw_check(const uint8_t *frame, size_t len);

#endif
