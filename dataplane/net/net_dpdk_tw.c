/*
 * net_dpdk_tw.c - SYNs and RSTs that meet a server-side TIME-WAIT pcb.
 *
 * A client that sends `Connection: close` makes lwIP close first, so lwIP
 * keeps the 4-tuple in TIME-WAIT for 2 x TCP_MSL (2 minutes in Debian's
 * build). lwIP 2.1's tcp_timewait_input answers a new SYN from the same
 * client port with a bare ACK when the SYN's sequence number lies outside
 * the old window, and ignores the RST the client sends back, so a client
 * that reuses its port (Linux reuses ports it closed passively at once)
 * hangs in connect until TIME-WAIT ends. Linux accepts such a SYN when its
 * sequence number is above the old rcv_nxt (RFC 6191 without timestamps)
 * and drops a TIME-WAIT socket on an RST (net.ipv4.tcp_rfc1337 = 0); this
 * file does the same by releasing the pcb before the frame reaches lwIP,
 * which then sees an ordinary SYN for its listening pcb. The RFC 1337
 * hazard (a stray RST shortening TIME-WAIT) is the one Linux accepts by
 * default. IPv4 only, like the backend. Runs on the network core, the only
 * lwIP thread.
 */
#include <stdbool.h>
#include <string.h>

#include <lwip/ip_addr.h>
#include <lwip/tcp.h>
#include <lwip/priv/tcp_priv.h>

#include "net_dpdk_tw.h"

#define TW_ETH_HLEN 14
#define TW_TCP_SYN 0x02u
#define TW_TCP_RST 0x04u
#define TW_TCP_ACK 0x10u

static uint16_t
tw_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

bool
dn_tw_check(const uint8_t *f, size_t len)
{
	size_t off = TW_ETH_HLEN;
	uint16_t type;
	const uint8_t *ip, *th;
	size_t ihl;
	uint8_t flags;
	uint32_t src, dst, seq;
	uint16_t sport, dport;

	if (tcp_tw_pcbs == NULL || len < TW_ETH_HLEN)
		return false;
	type = tw_be16(f + 12);
	if (type == 0x8100 && len >= TW_ETH_HLEN + 4) {     /* one VLAN tag */
		type = tw_be16(f + 16);
		off += 4;
	}
	if (type != 0x0800 || len < off + 20)
		return false;
	ip = f + off;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 6 /* TCP */ ||
	    (tw_be16(ip + 6) & 0x3fff) != 0 /* a fragment */ || len < off + ihl + 20)
		return false;
	th = ip + ihl;
	flags = th[13];
	if (!((flags & TW_TCP_SYN) && !(flags & TW_TCP_ACK)) && !(flags & TW_TCP_RST))
		return false;
	memcpy(&src, ip + 12, 4);                           /* network order, as lwIP keeps them */
	memcpy(&dst, ip + 16, 4);
	sport = tw_be16(th);
	dport = tw_be16(th + 2);
	seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 | (uint32_t)th[6] << 8 | th[7];
	for (struct tcp_pcb *pcb = tcp_tw_pcbs; pcb != NULL; pcb = pcb->next) {
		if (pcb->remote_port != sport || pcb->local_port != dport ||
		    !IP_IS_V4(&pcb->remote_ip) || ip_2_ip4(&pcb->remote_ip)->addr != src ||
		    ip_2_ip4(&pcb->local_ip)->addr != dst)
			continue;
		if ((flags & TW_TCP_RST) || TCP_SEQ_GT(seq, pcb->rcv_nxt)) {
			tcp_abort(pcb);                             /* TIME-WAIT: unlinked and freed, no RST */
			return true;
		}
		return false;
	}
	return false;
}
