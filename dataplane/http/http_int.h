/*
 * http_int.h - what only http_*.c may see: the slot (one request and its
 * response) and the connection internals. See dp_http.h for the design.
 * Everything here is touched by the connection's network core only.
 */
#ifndef DP_HTTP_INT_H
#define DP_HTTP_INT_H

#include <zlib.h>

#include "llhttp.h"

#include "dp_http.h"

/* Request body being assembled, inflated on the fly when encoded. Owned by
 * its slot; the buffer is kept across requests when small. */
typedef struct http_body {
	osp_buf_t buf;
	z_stream zs;
	uint8_t enc;            /* HTTP_ENC_* */
	uint8_t z_init;         /* zs is initialised */
	uint8_t z_end;          /* Z_STREAM_END seen */
	uint8_t npend;          /* deflate: header bytes held to sniff zlib/raw */
	unsigned char pend[2];
	char zmsg[96];          /* why inflating failed */
} http_body_t;

enum { HTTP_ENC_IDENTITY = 0, HTTP_ENC_GZIP, HTTP_ENC_DEFLATE };

enum { SLOT_FREE = 0, SLOT_PARSING, SLOT_PARSED, SLOT_READY };

/* One request and, later, its response. Owned by the connection; reused. */
typedef struct http_slot {
	dp_http_req_t req;
	osp_arena_t arena;
	http_body_t body;
	osp_buf_t head;         /* serialized status line and headers */
	osp_buf_t rbody;        /* response body, moved in by respond */
	struct iovec iov[2];
	uint8_t niov, iov_pos;
	uint8_t state;
	uint8_t automatic;      /* answered by the connection, not handed out */
	uint8_t interim;        /* "100 Continue" still to write */
	uint8_t close_after;    /* close the connection after this response */
	uint8_t headers_done;
	uint8_t has_err;        /* err must be answered when complete */
	/* Headers the connection itself reads, found while copying them. */
	const dp_http_kv_t *h_ctype, *h_accept, *h_encoding, *h_expect, *h_opaque;
	const dp_http_kv_t *h_accept_enc;
	size_t interim_off;
	osp_err_t err;
} http_slot_t;

struct dp_http_conn {
	dp_http_config_t cfg;
	llhttp_t parser;
	http_slot_t **ring;     /* power of two >= max_inflight */
	uint32_t mask;
	uint32_t head, count;   /* slots in use, oldest first */
	uint64_t head_seq;      /* req.seq of ring[head] */
	uint64_t next_seq;      /* next request to hand out */
	uint64_t seq;           /* next request to begin */
	http_slot_t **pool;     /* free slots for reuse */
	uint32_t npool;
	http_slot_t *cur;       /* slot being parsed */
	/* Start line and header bytes of the current message. */
	osp_buf_t scratch;
	osp_buf_t fields;       /* uint32_t quads: name off/len, value off/len */
	uint32_t url_len;
	uint32_t nfields, ntrail_first;
	uint8_t field_open;     /* a header name is being received */
	size_t line_bytes, header_bytes;
	/* Bytes received while parsing was paused. */
	osp_buf_t stash;
	size_t stash_off;
	uint8_t paused, closing, eof, cb_error;
	uint64_t last_active;
	dp_http_conn_stats_t st;
};

/* http_body.c */
void http_body_init(http_body_t *b);
int http_body_begin(http_body_t *b, uint8_t enc, uint64_t expect);
int http_body_data(http_body_t *b, const char *p, size_t n, size_t limit);
int http_body_end(http_body_t *b);
void http_body_release(http_body_t *b);
void http_body_free(http_body_t *b);

/* http_compress.c */
int http_accepts_gzip(const dp_http_kv_t *accept_encoding);
int http_gzip_body(osp_buf_t *body, int level);

/* http_out.c */
void http_slot_answer_err(dp_http_conn_t *c, http_slot_t *s, const osp_err_t *e);
void http_slot_answer_empty(dp_http_conn_t *c, http_slot_t *s, uint16_t status);
void http_conn_release_done(dp_http_conn_t *c);

/* http_conn.c */
void http_conn_resume(dp_http_conn_t *c);
/* Answer the message being parsed (or a new slot) with err, or with an
 * empty response of empty_status when err is NULL, and close. */
void http_conn_fail(dp_http_conn_t *c, const osp_err_t *err, uint16_t empty_status);

/* http_head.c: llhttp span callbacks for the start line and headers. */
int http_on_method(llhttp_t *p, const char *at, size_t n);
int http_on_url(llhttp_t *p, const char *at, size_t n);
int http_on_url_complete(llhttp_t *p);
int http_on_version(llhttp_t *p, const char *at, size_t n);
int http_on_header_field(llhttp_t *p, const char *at, size_t n);
int http_on_header_field_complete(llhttp_t *p);
int http_on_header_value(llhttp_t *p, const char *at, size_t n);
int http_on_header_value_complete(llhttp_t *p);
/* Copy the scratch from byte from on into s's arena and point the fields
 * [first, last) at it (headers, or trailers when out is &s->req.trailers). */
int http_fields_to_arena(dp_http_conn_t *c, http_slot_t *s, size_t from, uint32_t first,
			 uint32_t last, const dp_http_kv_t **out, uint32_t *count);

static inline http_slot_t *
http_slot_at(const dp_http_conn_t *c, uint32_t i)
{
	return c->ring[(c->head + i) & c->mask];
}

#endif
