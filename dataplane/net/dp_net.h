/*
 * dp_net.h - the network backend interface: connections, bytes in, bytes out.
 *
 * Everything above this header (HTTP, REST, routing) is backend-neutral; a
 * backend is an ops table (nginx ngx_os_io_t, Seastar's network_stack):
 *   kernel  io_uring sockets: multishot accept, multishot recv into a provided
 *           buffer ring, send; no epoll (net_kernel.c).
 *   dpdk    DPDK ethdev + lwIP raw TCP API, one stack per network core.
 * A dp_net_t belongs to one network core and is driven only from its loop via
 * poll(); every callback runs on that core. The upper layer gives each
 * connection a user pointer at accept time; the backend hands it back in every
 * callback. Bytes passed to on_recv are valid only during the call. send()
 * copies the bytes into the connection's output queue (the backend owns them
 * until the peer has them); send_queued() tells how much is still queued so
 * the upper layer can stop producing (backpressure). close() is graceful:
 * queued output is sent first; on_close is called exactly once per accepted
 * connection, after which the connection is gone.
 */
#ifndef DP_NET_H
#define DP_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "osprey/settings.h"

typedef struct dp_net dp_net_t;
typedef struct dp_net_conn dp_net_conn_t;

/* Callbacks from a backend into the upper layer (one set per network core). */
typedef struct dp_net_handler {
	/* A connection was accepted; return its user pointer (NULL refuses it). */
	void *(*on_accept)(void *ctx, dp_net_conn_t *c);
	/* Bytes arrived. */
	void (*on_recv)(void *user, const char *data, size_t len);
	/* Queued output drained below the low-water mark (resume producing). */
	void (*on_drain)(void *user);
	/* The connection is gone (peer closed, error, or after close()). */
	void (*on_close)(void *user);
} dp_net_handler_t;

#define DP_NET_MAX_QUEUES 8

/* One device queue pair's counters (dpdk: from the ethdev; dropped = frames
 * the device or the backend discarded for lack of room or mbufs). */
typedef struct dp_net_queue_stats {
	uint64_t rx_packets, rx_bytes, rx_errors, rx_dropped;
	uint64_t tx_packets, tx_bytes, tx_errors, tx_dropped;
} dp_net_queue_stats_t;

enum dp_net_link { DP_NET_LINK_NONE, DP_NET_LINK_DOWN, DP_NET_LINK_UP };

/* Counters for _nodes/stats (osprey.network), a snapshot taken on the
 * network core. The backend fills connections, bytes, calls and (where it
 * has a device) link and queues; dp_server fills the loop's cycle split and
 * the request count (backend-neutral). */
typedef struct dp_net_stats {
	uint64_t accepted, closed, open;
	uint64_t rx_bytes, tx_bytes;       /* TCP payload */
	uint64_t rx_calls, tx_calls;
	enum dp_net_link link;             /* NONE: no device (kernel sockets) */
	uint32_t link_speed_mbps;          /* 0: unknown */
	char driver[32];
	unsigned n_queues;
	dp_net_queue_stats_t queue[DP_NET_MAX_QUEUES];
	/* dp_server: loop iterations that did work (busy) or not (idle, waits
	 * included) and the TSC cycles they took; requests dispatched. */
	uint64_t busy_polls, idle_polls;
	uint64_t busy_tsc, idle_tsc, tsc_hz;
	uint64_t requests;
} dp_net_stats_t;

/* A backend. */
typedef struct dp_net_ops {
	const char *name;
	/* Bind/listen per settings (network.host, http.port) and prepare. */
	int (*create)(const osp_settings_t *s, const dp_net_handler_t *h, void *ctx,
		      dp_net_t **out, char *err, size_t errlen);
	/* Process ready events without blocking; returns how many (0 = idle). */
	int (*poll)(dp_net_t *n);
	/* Block up to timeout_us for an event (or a wake()); for idle back-off. */
	void (*wait)(dp_net_t *n, uint32_t timeout_us);
	/* Make a wait() return now; safe from any thread. */
	void (*wake)(dp_net_t *n);
	/* Queue bytes for sending (copied). 0, or -ENOMEM/-EPIPE. */
	int (*send)(dp_net_conn_t *c, const struct iovec *iov, int iovcnt);
	/* Bytes queued and not yet acknowledged by the transport. */
	size_t (*send_queued)(const dp_net_conn_t *c);
	/* Close after queued output is sent. */
	void (*close)(dp_net_conn_t *c);
	/* Close now (reset). */
	void (*abort)(dp_net_conn_t *c);
	/* Snapshot the backend's counters into *out (whole struct; the caller
	 * then sets its own fields). */
	void (*stats)(dp_net_t *n, dp_net_stats_t *out);
	/* The port actually bound (http.port 0 picks a free one). */
	uint16_t (*port)(const dp_net_t *n);
	void (*destroy)(dp_net_t *n);
} dp_net_ops_t;

extern const dp_net_ops_t dp_net_kernel_ops;

/* Find a backend by name ("kernel", "dpdk"); NULL if not built in. */
const dp_net_ops_t *dp_net_backend(const char *name);

#endif
