/*
 * osprey/chan.h - the channel between the control process and the dataplane.
 *
 * One Unix stream socket (setting control.socket, default
 * <path.data>/control.sock). The dataplane connects; control accepts. Both
 * directions carry length-prefixed, versioned frames. Requests go
 * dataplane -> control and get exactly one REPLY with the same request id;
 * control pushes every new cluster state as a PUBLISH frame (full state, the
 * JSON of GET _cluster/state plus private fields, see osprey/cluster.h),
 * which the dataplane applies and answers with an ACK of that version.
 * Control replies to a state-changing request only once the dataplane has
 * acknowledged the state that contains the change (Elasticsearch's
 * "acknowledged": true), or when the request's ack timeout passes
 * ("acknowledged": false).
 *
 * Frame (all integers little-endian):
 *
 *   OFFSET SIZE DESCRIPTION
 *   0      4    magic "OSPC" (0x4f 0x53 0x50 0x43)
 *   4      2    protocol version (OSP_CHAN_VERSION = 1)
 *   6      2    message type (osp_chan_type_t)
 *   8      8    request id (REQUEST/REPLY), state version (PUBLISH/ACK), 0
 *   16     4    flags (OSP_CHAN_F_*)
 *   20     4    payload length N (<= OSP_CHAN_MAX_PAYLOAD)
 *   24     N    payload: JSON text when OSP_CHAN_F_JSON, else binary
 *
 * Payloads (JSON unless noted):
 *   HELLO    dp->ctl  {"proto":1,"applied_version":V}
 *            ctl->dp  {"proto":1,"node_id":..,"cluster_name":..,"cluster_uuid":..}
 *                     followed by a PUBLISH of the current state.
 *   CREATE_INDEX      {"index":"name","body":{settings,mappings,aliases},"timeout_ms":T,
 *                     "customs":[{"type","name","body","create"},..]}
 *                     (every request may carry "timeout_ms", the ack timeout;
 *                     "customs", optional, are put in the same state as the
 *                     index, as PUT_CUSTOM's items: a data stream and its
 *                     first backing index)
 *   DELETE_INDEX      {"index":"a,b*|_all","ignore_unavailable":b,"allow_no_indices":b}
 *   PUT_MAPPING       {"index":"expr","body":{"properties":..}}
 *   DYNAMIC_MAPPING   {"index":"name","index_uuid":"..","mappings":{"properties":..}}
 *   UPDATE_SETTINGS   {"index":"expr|_all","body":{"index":{..}}|{"settings":{..}}}
 *   OPEN_INDEX, CLOSE_INDEX {"index":"expr"}
 *   GET_STATE         {}  -> REPLY payload is the state JSON
 *   UPDATE_ALIASES    {"body":{"actions":[{"add":{..}},{"remove":{..}},..]}}
 *   PUT_CUSTOM        {"type":"index_template","name":"t1","body":{..},"create":false}
 *                     or, all or nothing, {"items":[{"type":..,"name":..,
 *                     "body":..,"create":b},..]}: store cluster metadata
 *                     (osp_custom_t in osprey/cluster.h). Control checks
 *                     only type (1..31 bytes), name (non-empty) and that a
 *                     body is present; the dataplane validates bodies.
 *                     "create":true and the entry exists: 400
 *                     illegal_argument_exception "<type> [<name>] already
 *                     exists". REPLY {"acknowledged":true,"state_version":V}.
 *   DELETE_CUSTOM     {"type":"index_template","names":["t1","t2"]}: exact
 *                     names (the dataplane expands wildcards and words the
 *                     404s); absent names are skipped. REPLY
 *                     {"acknowledged":true,"deleted":N,"state_version":V}.
 *   REPLY    ctl->dp  success: the Elasticsearch response body, plus
 *                     "state_version" (and "mapping_version" for mapping
 *                     requests); OSP_CHAN_F_ERROR: {"error":{..},"status":N}
 *                     as osp_chan_err_write writes it.
 *   PUBLISH  ctl->dp  the state JSON; frame id = state version
 *   ACK      dp->ctl  empty; frame id = applied state version
 *
 * The codec never trusts its input: bad magic, an unknown version or an
 * oversized length is an error (the connection is closed), a short buffer
 * is OSP_AGAIN. Unknown message types decode fine and are answered with an
 * error reply, so either side can be upgraded first.
 */
#ifndef OSPREY_CHAN_H
#define OSPREY_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "osprey/buf.h"
#include "osprey/err.h"
#include "osprey/json.h"

#define OSP_CHAN_MAGIC 0x4350534fu          /* "OSPC" read as LE u32 */
#define OSP_CHAN_VERSION 1
#define OSP_CHAN_HDR_SIZE 24
#define OSP_CHAN_MAX_PAYLOAD (64u << 20)     /* 64 MiB */

/* Message types. Values are wire format: never renumber. */
typedef enum osp_chan_type {
	OSP_CHAN_HELLO = 1,
	OSP_CHAN_REPLY = 2,
	OSP_CHAN_PUBLISH = 3,
	OSP_CHAN_ACK = 4,
	OSP_CHAN_CREATE_INDEX = 16,
	OSP_CHAN_DELETE_INDEX = 17,
	OSP_CHAN_PUT_MAPPING = 18,
	OSP_CHAN_DYNAMIC_MAPPING = 19,
	OSP_CHAN_UPDATE_SETTINGS = 20,
	OSP_CHAN_OPEN_INDEX = 21,
	OSP_CHAN_CLOSE_INDEX = 22,
	OSP_CHAN_GET_STATE = 23,
	OSP_CHAN_UPDATE_ALIASES = 24,
	OSP_CHAN_PUT_CUSTOM = 25,
	OSP_CHAN_DELETE_CUSTOM = 26,
} osp_chan_type_t;

#define OSP_CHAN_F_JSON  0x1u    /* payload is JSON text */
#define OSP_CHAN_F_ERROR 0x2u    /* REPLY carries an error */

/* "create_index", ... for logs; "unknown" otherwise. */
const char *
osp_chan_type_name(uint16_t type);

/* A decoded frame. payload points into the buffer it was decoded from. */
typedef struct osp_chan_frame {
	uint16_t version;
	uint16_t type;
	uint32_t flags;
	uint64_t id;
	uint32_t len;
	const char *payload;
} osp_chan_frame_t;

/* Append one frame to out. 0, -EMSGSIZE (payload too large) or -ENOMEM. */
int
osp_chan_encode(osp_buf_t *out, uint16_t type, uint32_t flags, uint64_t id,
		const void *payload, size_t len);

/* Decode the frame at the start of buf. Returns 0 with *f filled and
 * *consumed = header + payload bytes; OSP_AGAIN when buf holds less than a
 * whole frame; -EPROTO for a bad magic, -EPROTONOSUPPORT for an unknown
 * version, -EMSGSIZE for a length above OSP_CHAN_MAX_PAYLOAD. Never reads
 * past len. */
int
osp_chan_decode(const void *buf, size_t len, osp_chan_frame_t *f, size_t *consumed);

/* A connection's byte queues for a non-blocking socket. One owner (the
 * thread polling the fd). */
typedef struct osp_chan_conn {
	int fd;
	osp_buf_t rx;            /* bytes read, not yet decoded */
	size_t rx_off;           /* start of the first undecoded frame */
	osp_buf_t tx;            /* encoded frames not yet written */
	size_t tx_off;
} osp_chan_conn_t;

void
osp_chan_conn_init(osp_chan_conn_t *c, int fd);
/* Free the queues and close the fd (if >= 0). */
void
osp_chan_conn_close(osp_chan_conn_t *c);
/* Read what the socket has (up to a bound per call). 0 = read something or
 * nothing pending, -EPIPE = peer closed, -errno otherwise. */
int
osp_chan_conn_read(osp_chan_conn_t *c);
/* Next complete frame from the rx queue; valid until the next conn call.
 * 0, OSP_AGAIN (need more bytes) or a decode error. */
int
osp_chan_conn_next(osp_chan_conn_t *c, osp_chan_frame_t *f);
/* Queue a frame and write as much as the socket takes. */
int
osp_chan_conn_send(osp_chan_conn_t *c, uint16_t type, uint32_t flags,
		   uint64_t id, const void *payload, size_t len);
/* Write queued bytes. 0 (maybe some left: see osp_chan_conn_pending), or
 * -errno. */
int
osp_chan_conn_flush(osp_chan_conn_t *c);
static inline size_t
osp_chan_conn_pending(const osp_chan_conn_t *c)
{
	return c->tx.len - c->tx_off;
}

/* Write an error as the REPLY payload {"error":{...},"status":N}. Field names
 * are Elasticsearch's ("resource.type", "index_uuid", "caused_by"). */
void
osp_chan_err_write(osp_jw_t *w, const osp_err_t *err);
/* Parse such a payload back. 0 or -EINVAL (err then holds a generic
 * exception saying so). */
int
osp_chan_err_parse(const char *json, size_t len, osp_err_t *err);

/* ---- client side, for the dataplane ---- */

/* The dataplane's end of the channel: a non-blocking socket the caller polls
 * from its loop. Reconnects by itself (at most every 100 ms) when control
 * restarts; requests outstanding when the connection drops complete with a
 * 503 master_not_discovered_exception reply. One owner thread. */
typedef struct osp_chan_client osp_chan_client_t;

/* What osp_chan_client_poll reports. */
typedef enum osp_chan_event_kind {
	OSP_CHAN_EV_REPLY = 1,        /* answer to a request */
	OSP_CHAN_EV_STATE,            /* a published state: apply, then ack */
	OSP_CHAN_EV_CONNECTED,        /* (re)connected; a STATE follows */
	OSP_CHAN_EV_DISCONNECTED,     /* lost control; reconnecting */
} osp_chan_event_kind_t;

/* One event; payload stays valid until the next poll on the client. */
typedef struct osp_chan_event {
	osp_chan_event_kind_t kind;
	uint64_t id;              /* REPLY: request id; STATE: state version */
	bool error;               /* REPLY: payload is an error (osp_chan_err_parse) */
	const char *payload;
	size_t len;
} osp_chan_event_t;

/* Create a client for the socket at path and start connecting. Fails only
 * on bad arguments or memory; a missing server is retried by poll. */
int
osp_chan_client_new(const char *path, osp_chan_client_t **out);
void
osp_chan_client_free(osp_chan_client_t *c);
/* The socket fd to watch (readable/writable), or -1 while disconnected. */
int
osp_chan_client_fd(const osp_chan_client_t *c);
bool
osp_chan_client_connected(const osp_chan_client_t *c);
/* Send a request (JSON payload); *id receives its request id. -ENOTCONN
 * while disconnected (the caller answers 503 itself), -ENOMEM. */
int
osp_chan_client_request(osp_chan_client_t *c, uint16_t type, const char *json,
			size_t len, uint64_t *id);
/* Acknowledge that state version v is applied. */
int
osp_chan_client_ack(osp_chan_client_t *c, uint64_t version);
/* Never blocks. Returns 0 with *ev filled, OSP_AGAIN when nothing is ready.
 * now_ms is a monotonic clock for the reconnect back-off. */
int
osp_chan_client_poll(osp_chan_client_t *c, int64_t now_ms, osp_chan_event_t *ev);

#endif
