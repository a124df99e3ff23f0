/*
 * chan_codec.c - frame encode/decode and the per-connection byte queues of
 * osprey/chan.h (the frame byte table is there).
 *
 * Decoding is incremental: a frame is handed out only once all of its bytes
 * are in the rx queue, so a reader can be fed one byte at a time. Every
 * length is checked before it is used; the decoder never allocates. The rx
 * queue is compacted when more than half of it is consumed, the tx queue
 * when it is fully written. A connection belongs to one thread.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "osprey/chan.h"

#define CHAN_READ_CHUNK 65536
#define CHAN_READS_PER_CALL 16

static uint16_t
get_u16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t
get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static uint64_t
get_u64(const unsigned char *p)
{
	return (uint64_t)get_u32(p) | ((uint64_t)get_u32(p + 4) << 32);
}

const char *
osp_chan_type_name(uint16_t type)
{
	switch (type) {
	case OSP_CHAN_HELLO: return "hello";
	case OSP_CHAN_REPLY: return "reply";
	case OSP_CHAN_PUBLISH: return "publish";
	case OSP_CHAN_ACK: return "ack";
	case OSP_CHAN_CREATE_INDEX: return "create_index";
	case OSP_CHAN_DELETE_INDEX: return "delete_index";
	case OSP_CHAN_PUT_MAPPING: return "put_mapping";
	case OSP_CHAN_DYNAMIC_MAPPING: return "dynamic_mapping";
	case OSP_CHAN_UPDATE_SETTINGS: return "update_settings";
	case OSP_CHAN_OPEN_INDEX: return "open_index";
	case OSP_CHAN_CLOSE_INDEX: return "close_index";
	case OSP_CHAN_GET_STATE: return "get_state";
	case OSP_CHAN_UPDATE_ALIASES: return "update_aliases";
	case OSP_CHAN_PUT_CUSTOM: return "put_custom";
	case OSP_CHAN_DELETE_CUSTOM: return "delete_custom";
	default: return "unknown";
	}
}

int
osp_chan_encode(osp_buf_t *out, uint16_t type, uint32_t flags, uint64_t id,
		const void *payload, size_t len)
{
	if (len > OSP_CHAN_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (osp_buf_reserve(out, OSP_CHAN_HDR_SIZE + len) != 0)
		return -ENOMEM;
	osp_buf_put_u32le(out, OSP_CHAN_MAGIC);
	osp_buf_put_u8(out, (uint8_t)(OSP_CHAN_VERSION & 0xff));
	osp_buf_put_u8(out, (uint8_t)(OSP_CHAN_VERSION >> 8));
	osp_buf_put_u8(out, (uint8_t)(type & 0xff));
	osp_buf_put_u8(out, (uint8_t)(type >> 8));
	osp_buf_put_u64le(out, id);
	osp_buf_put_u32le(out, flags);
	osp_buf_put_u32le(out, (uint32_t)len);
	if (len)
		osp_buf_append(out, payload, len);
	return osp_buf_failed(out) ? -ENOMEM : 0;
}

int
osp_chan_decode(const void *buf, size_t len, osp_chan_frame_t *f, size_t *consumed)
{
	const unsigned char *p = buf;

	/* Check the magic on whatever prefix we have so garbage fails early. */
	for (size_t i = 0; i < len && i < 4; i++) {
		if (p[i] != (unsigned char)(OSP_CHAN_MAGIC >> (8 * i)))
			return -EPROTO;
	}
	if (len < OSP_CHAN_HDR_SIZE)
		return OSP_AGAIN;
	f->version = get_u16(p + 4);
	if (f->version != OSP_CHAN_VERSION)
		return -EPROTONOSUPPORT;
	f->type = get_u16(p + 6);
	f->id = get_u64(p + 8);
	f->flags = get_u32(p + 16);
	f->len = get_u32(p + 20);
	if (f->len > OSP_CHAN_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (len - OSP_CHAN_HDR_SIZE < f->len)
		return OSP_AGAIN;
	f->payload = (const char *)p + OSP_CHAN_HDR_SIZE;
	*consumed = OSP_CHAN_HDR_SIZE + (size_t)f->len;
	return 0;
}

void
osp_chan_conn_init(osp_chan_conn_t *c, int fd)
{
	c->fd = fd;
	osp_buf_init(&c->rx);
	osp_buf_init(&c->tx);
	c->rx_off = 0;
	c->tx_off = 0;
}

void
osp_chan_conn_close(osp_chan_conn_t *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	osp_buf_free(&c->rx);
	osp_buf_free(&c->tx);
	c->rx_off = 0;
	c->tx_off = 0;
}

/* Drop consumed rx bytes once they are the larger part of the queue. */
static void
conn_rx_compact(osp_chan_conn_t *c)
{
	if (c->rx_off == 0)
		return;
	if (c->rx_off == c->rx.len) {
		c->rx.len = 0;
		c->rx_off = 0;
		return;
	}
	if (c->rx_off * 2 < c->rx.len)
		return;
	memmove(c->rx.data, c->rx.data + c->rx_off, c->rx.len - c->rx_off);
	c->rx.len -= c->rx_off;
	c->rx_off = 0;
}

int
osp_chan_conn_read(osp_chan_conn_t *c)
{
	conn_rx_compact(c);
	for (int i = 0; i < CHAN_READS_PER_CALL; i++) {
		if (osp_buf_reserve(&c->rx, CHAN_READ_CHUNK) != 0)
			return -ENOMEM;
		ssize_t n = recv(c->fd, c->rx.data + c->rx.len, CHAN_READ_CHUNK, MSG_DONTWAIT);

		if (n > 0) {
			c->rx.len += (size_t)n;
			if ((size_t)n < CHAN_READ_CHUNK)
				return 0;
			continue;
		}
		if (n == 0)
			return -EPIPE;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return -errno;
	}
	return 0;
}

int
osp_chan_conn_next(osp_chan_conn_t *c, osp_chan_frame_t *f)
{
	size_t used = 0;
	int rc = osp_chan_decode(c->rx.data ? c->rx.data + c->rx_off : "",
				 c->rx.len - c->rx_off, f, &used);

	if (rc == 0)
		c->rx_off += used;
	return rc;
}

int
osp_chan_conn_flush(osp_chan_conn_t *c)
{
	while (c->tx_off < c->tx.len) {
		ssize_t n = send(c->fd, c->tx.data + c->tx_off, c->tx.len - c->tx_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			c->tx_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return n < 0 ? -errno : -EPIPE;
	}
	c->tx.len = 0;
	c->tx_off = 0;
	return 0;
}

int
osp_chan_conn_send(osp_chan_conn_t *c, uint16_t type, uint32_t flags,
		   uint64_t id, const void *payload, size_t len)
{
	int rc = osp_chan_encode(&c->tx, type, flags, id, payload, len);

	if (rc != 0)
		return rc;
	return osp_chan_conn_flush(c);
}

/* ---- error payloads ---- */

void
osp_chan_err_write(osp_jw_t *w, const osp_err_t *err)
{
	osp_jw_obj_begin(w);
	osp_jw_key(w, "error");
	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "type", err->type);
	osp_jw_kv_str(w, "reason", err->reason);
	if (err->index[0])
		osp_jw_kv_str(w, "index", err->index);
	if (err->index_uuid[0])
		osp_jw_kv_str(w, "index_uuid", err->index_uuid);
	if (err->resource_type[0])
		osp_jw_kv_str(w, "resource.type", err->resource_type);
	if (err->resource_id[0])
		osp_jw_kv_str(w, "resource.id", err->resource_id);
	if (err->shard >= 0)
		osp_jw_kv_int(w, "shard", err->shard);
	if (err->line >= 0)
		osp_jw_kv_int(w, "line", err->line);
	if (err->col >= 0)
		osp_jw_kv_int(w, "col", err->col);
	if (err->caused_by_type[0]) {
		osp_jw_key(w, "caused_by");
		osp_jw_obj_begin(w);
		osp_jw_kv_str(w, "type", err->caused_by_type);
		osp_jw_kv_str(w, "reason", err->caused_by_reason);
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
	osp_jw_kv_int(w, "status", err->status);
	osp_jw_obj_end(w);
}

static void
err_copy_str(char *dst, size_t cap, const osp_json_t *v)
{
	if (osp_json_is(v, OSP_JSON_STRING)) {
		size_t n = v->len < cap - 1 ? v->len : cap - 1;

		memcpy(dst, v->u.str, n);
		dst[n] = '\0';
	}
}

static int32_t
err_int(const osp_json_t *v, int32_t dflt)
{
	if (osp_json_is(v, OSP_JSON_NUMBER) && v->is_int && v->i >= INT32_MIN && v->i <= INT32_MAX)
		return (int32_t)v->i;
	return dflt;
}

int
osp_chan_err_parse(const char *json, size_t len, osp_err_t *err)
{
	osp_arena_t a;
	osp_json_t *root = NULL, *e, *st;
	osp_json_error_t jerr;
	int rc = -EINVAL;

	osp_arena_init(&a, 4096, 1u << 20);
	osp_err_clear(err);
	if (osp_json_parse(&a, json, len, NULL, &root, &jerr) != 0)
		goto cleanup;
	e = osp_json_get(root, "error");
	st = osp_json_get(root, "status");
	if (!osp_json_is(e, OSP_JSON_OBJECT) || !osp_json_is(st, OSP_JSON_NUMBER))
		goto cleanup;
	err->status = (uint16_t)err_int(st, 500);
	err_copy_str(err->type, sizeof(err->type), osp_json_get(e, "type"));
	err_copy_str(err->reason, sizeof(err->reason), osp_json_get(e, "reason"));
	err_copy_str(err->index, sizeof(err->index), osp_json_get(e, "index"));
	err_copy_str(err->index_uuid, sizeof(err->index_uuid), osp_json_get(e, "index_uuid"));
	err_copy_str(err->resource_type, sizeof(err->resource_type),
		     osp_json_get(e, "resource.type"));
	err_copy_str(err->resource_id, sizeof(err->resource_id), osp_json_get(e, "resource.id"));
	err->shard = err_int(osp_json_get(e, "shard"), -1);
	err->line = err_int(osp_json_get(e, "line"), -1);
	err->col = err_int(osp_json_get(e, "col"), -1);
	osp_json_t *cb = osp_json_get(e, "caused_by");

	err_copy_str(err->caused_by_type, sizeof(err->caused_by_type), osp_json_get(cb, "type"));
	err_copy_str(err->caused_by_reason, sizeof(err->caused_by_reason),
		     osp_json_get(cb, "reason"));
	rc = 0;
cleanup:
	if (rc != 0)
		osp_err_set(err, 500, "exception", "malformed error reply from the control process");
	osp_arena_free(&a);
	return rc;
}
