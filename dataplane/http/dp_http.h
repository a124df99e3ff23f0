/*
 * dp_http.h - transport-independent HTTP/1.1 for the dataplane.
 *
 * A dp_http_conn_t is the HTTP side of one TCP connection. The network
 * backend (kernel io_uring or DPDK+lwIP) hands it the bytes it receives
 * (dp_http_conn_feed), pulls complete requests (dp_http_conn_next), and
 * drains the responses as an iovec chain (dp_http_conn_out / _sent). The
 * HTTP code never sees sockets, rings or pbufs: bytes in, bytes out, as in
 * Seastar's and nginx's HTTP layers that run over several stacks.
 *
 * Requests are parsed with llhttp. Each request owns a slot: an arena for
 * its strings, its assembled body (Content-Length or chunked, inflated when
 * Content-Encoding is gzip/deflate) and later its response. Many requests
 * may be parsed before any is answered (pipelining); responses complete in
 * any order and are written in request order. While max_inflight requests
 * are unanswered the connection stops parsing (dp_http_conn_want_read()
 * turns false) so a client cannot queue unbounded work.
 *
 * Sharing: a connection, its requests and their arenas belong to the
 * network core that owns the TCP connection. A worker core may read a
 * request (through the ring descriptor) but never frees or changes it; the
 * network core answers it with dp_http_conn_respond.
 */
#ifndef DP_HTTP_H
#define DP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "osprey/arena.h"
#include "osprey/buf.h"
#include "osprey/err.h"

/* Request methods, in Elasticsearch's RestRequest.Method order. */
typedef enum dp_http_method {
	DP_HTTP_GET = 0,
	DP_HTTP_POST,
	DP_HTTP_PUT,
	DP_HTTP_DELETE,
	DP_HTTP_OPTIONS,
	DP_HTTP_HEAD,
	DP_HTTP_PATCH,
	DP_HTTP_TRACE,
	DP_HTTP_CONNECT,
	DP_HTTP_OTHER,          /* parsed by llhttp, unknown to ES */
	DP_HTTP_METHOD_COUNT
} dp_http_method_t;

/* Media types Elasticsearch knows for request bodies and responses. */
typedef enum dp_http_media {
	DP_MEDIA_NONE = 0,      /* header absent */
	DP_MEDIA_JSON,          /* application/json, vnd.elasticsearch+json */
	DP_MEDIA_NDJSON,        /* application/x-ndjson, vnd.elasticsearch+x-ndjson */
	DP_MEDIA_TEXT,          /* text/plain (responses only: _cat) */
	DP_MEDIA_UNSUPPORTED,   /* well-formed but not one ES accepts */
	DP_MEDIA_INVALID,       /* not a media type at all */
} dp_http_media_t;

/* One header or query parameter; strings are NUL-terminated in the
 * request's arena. */
typedef struct dp_http_kv {
	const char *name;
	const char *value;
	uint32_t name_len;
	uint32_t value_len;
} dp_http_kv_t;

/* Limits and knobs, named after the Elasticsearch settings they mirror. */
typedef struct dp_http_config {
	size_t max_content_length;       /* http.max_content_length, 100mb */
	size_t max_initial_line_length;  /* http.max_initial_line_length, 4kb */
	size_t max_header_size;          /* http.max_header_size, 16kb */
	uint32_t max_inflight;           /* unanswered requests before parsing pauses */
	size_t arena_block;              /* per-request arena block size */
	uint8_t compat_min, compat_max;  /* accepted compatible-with=N versions */
	bool compression;                /* http.compression (true) */
	int compression_level;           /* http.compression_level (3) */
} dp_http_config_t;

/* Fill cfg with Elasticsearch's defaults. */
void
dp_http_config_default(dp_http_config_t *cfg);

/* A parsed request. Lives in its slot until its response has been sent;
 * every pointer is into req->arena (or the slot's body buffer). Touched by
 * the owning network core; workers may read it while it is in flight. */
typedef struct dp_http_req {
	dp_http_method_t method;
	const char *method_name;         /* as sent, e.g. "GET" */
	const char *target;              /* raw request target */
	uint32_t target_len;
	const char *raw_path;            /* target up to '?', still encoded */
	uint32_t raw_path_len;
	const char *path;                /* percent-decoded path */
	uint32_t path_len;
	const dp_http_kv_t *params;      /* decoded query, in order, repeats kept */
	uint32_t nparams;
	const dp_http_kv_t *headers;     /* in order; names as sent */
	uint32_t nheaders;
	const dp_http_kv_t *trailers;    /* chunked trailer fields */
	uint32_t ntrailers;
	const char *body;                /* assembled, inflated; NUL-terminated */
	size_t body_len;
	bool has_body;                   /* body_len > 0 (ES's hasContent) */
	uint8_t http_major, http_minor;
	bool keep_alive;
	/* Content negotiation (dp_http_media.h). */
	dp_http_media_t content_type;
	dp_http_media_t accept;
	uint8_t compat;                  /* compatible-with=N asked for, else 0 */
	/* Common REST flags, from the query string. */
	bool pretty, human, error_trace;
	const char *filter_path;         /* NULL when absent */
	uint64_t seq;                    /* 0-based position on the connection */
	osp_arena_t *arena;              /* per-request memory, freed after send */
	void *user;                      /* for the layer above */
} dp_http_req_t;

/* Case-insensitive header lookup; NULL when absent (first match). */
const dp_http_kv_t *
dp_http_req_header(const dp_http_req_t *req, const char *name);

/* Query parameter lookup; Elasticsearch keeps the last of repeated keys. */
const dp_http_kv_t *
dp_http_req_param(const dp_http_req_t *req, const char *name);

/* Elasticsearch's paramAsBoolean: absent -> def; "" or "true" -> true;
 * "false" -> false; anything else -> -EINVAL with err filled. */
int
dp_http_req_param_bool(const dp_http_req_t *req, const char *name, bool def,
		       bool *out, osp_err_t *err);

/* What a response carries besides its status. The body is moved in. */
typedef struct dp_http_resp {
	uint16_t status;
	dp_http_media_t type;            /* JSON, NDJSON, TEXT or NONE */
	const char *content_type;        /* overrides type when set */
	const dp_http_kv_t *headers;     /* extra headers (Allow, Warning, ...) */
	uint32_t nheaders;
} dp_http_resp_t;

typedef struct dp_http_conn dp_http_conn_t;

/* Counters a backend can export. */
typedef struct dp_http_conn_stats {
	uint64_t requests;
	uint64_t responses;
	uint64_t bytes_in, bytes_out;
	uint32_t inflight;
} dp_http_conn_stats_t;

/* Create a connection. cfg is copied (NULL = defaults). NULL on -ENOMEM. */
dp_http_conn_t *
dp_http_conn_new(const dp_http_config_t *cfg);

/* Free the connection, every slot and every request still in flight. A
 * backend calls it after the socket closed and no worker holds a request. */
void
dp_http_conn_free(dp_http_conn_t *c);

/* Feed received bytes (copied as needed; the caller may reuse data at once).
 * now is a monotonic timestamp in the backend's unit, kept for idle time.
 * Returns 0, or -ENOMEM. Protocol errors are not returned: they queue an
 * Elasticsearch-shaped 4xx and the connection closes once it is written. */
int
dp_http_conn_feed(dp_http_conn_t *c, const void *data, size_t len, uint64_t now);

/* The peer closed its sending side. Pending answers are still written. */
void
dp_http_conn_eof(dp_http_conn_t *c);

/* The next complete request not yet handed out, or NULL. */
dp_http_req_t *
dp_http_conn_next(dp_http_conn_t *c);

/* Answer req. body (may be NULL) is moved in: the connection frees it once
 * written and leaves *body empty. HEAD requests get the headers and the
 * Content-Length of body but no body bytes. 0 or -ENOMEM/-EINVAL. */
int
dp_http_conn_respond(dp_http_conn_t *c, dp_http_req_t *req,
		     const dp_http_resp_t *resp, osp_buf_t *body);

/* Fill iov with the bytes ready to write, in order; returns how many
 * entries were used (0 = nothing to write now). */
int
dp_http_conn_out(dp_http_conn_t *c, struct iovec *iov, int max);

/* n bytes of what dp_http_conn_out offered were written. Frees the
 * requests whose responses are complete and resumes parsing when paused.
 * Call dp_http_conn_next afterwards: resuming may complete requests. */
int
dp_http_conn_sent(dp_http_conn_t *c, size_t n, uint64_t now);

/* False while the connection will not parse more input (backpressure or
 * closing): the backend stops reading (lwIP: delay tcp_recved). */
bool
dp_http_conn_want_read(const dp_http_conn_t *c);

/* True once everything has been written and the connection must close
 * (Connection: close, HTTP/1.0, a protocol error, or EOF). */
bool
dp_http_conn_should_close(const dp_http_conn_t *c);

/* True while a request is unanswered (a shard is working): an idle timeout
 * must not fire then. */
bool
dp_http_conn_busy(const dp_http_conn_t *c);

/* Time since the last byte in or out, in the unit of now. */
uint64_t
dp_http_conn_idle(const dp_http_conn_t *c, uint64_t now);

void
dp_http_conn_stats(const dp_http_conn_t *c, dp_http_conn_stats_t *out);

/* "GET", "POST", ... for a method. */
const char *
dp_http_method_name(dp_http_method_t m);

/* Reason phrase for a status code ("OK", "Not Found"). */
const char *
dp_http_status_reason(uint16_t status);

#endif
