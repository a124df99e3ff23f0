/*
 * http_conn.c - the request side of a connection: llhttp callbacks, limits,
 * pipelining and backpressure (dp_http.h).
 *
 * The start line and header block are gathered by http_head.c; this file
 * owns the slots, the message-level callbacks (headers complete: decode
 * the target, negotiate media types, pick the body framing and encoding;
 * message complete), and the pause/stash logic. Bodies go to the slot's
 * body buffer (http_body.c). Limits follow Elasticsearch/Netty: an initial line longer
 * than http.max_initial_line_length or a header block larger than
 * http.max_header_size is a 400 (too_long_http_line_exception /
 * too_long_http_header_exception, Netty's TooLongFrameException family), a
 * body over http.max_content_length a 413, and the connection then closes.
 * When max_inflight requests are unanswered, parsing pauses at a message
 * boundary and later bytes wait in the stash until a response has been sent.
 * All of it runs on the connection's network core.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dp_http_media.h"
#include "dp_http_url.h"
#include "http_int.h"

static const char EMPTY[1] = "";

void
dp_http_config_default(dp_http_config_t *cfg)
{
	cfg->max_content_length = 100u * 1024 * 1024;
	cfg->max_initial_line_length = 4096;
	cfg->max_header_size = 16384;
	cfg->max_inflight = 64;
	cfg->arena_block = 8192;
	cfg->compat_min = 7;
	cfg->compat_max = 9;
	cfg->compression = true;
	cfg->compression_level = 3;
}

static const char *const method_names[DP_HTTP_METHOD_COUNT] = {
	"GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE",
	"CONNECT", "OTHER",
};

const char *
dp_http_method_name(dp_http_method_t m)
{
	return (unsigned)m < DP_HTTP_METHOD_COUNT ? method_names[m] : "OTHER";
}

static dp_http_method_t
method_from_llhttp(uint8_t m)
{
	switch (m) {
	case HTTP_GET: return DP_HTTP_GET;
	case HTTP_POST: return DP_HTTP_POST;
	case HTTP_PUT: return DP_HTTP_PUT;
	case HTTP_DELETE: return DP_HTTP_DELETE;
	case HTTP_OPTIONS: return DP_HTTP_OPTIONS;
	case HTTP_HEAD: return DP_HTTP_HEAD;
	case HTTP_PATCH: return DP_HTTP_PATCH;
	case HTTP_TRACE: return DP_HTTP_TRACE;
	case HTTP_CONNECT: return DP_HTTP_CONNECT;
	default: return DP_HTTP_OTHER;
	}
}

/* ---- slots ------------------------------------------------------------ */

static http_slot_t *
slot_get(dp_http_conn_t *c)
{
	http_slot_t *s;

	if (c->npool) {
		s = c->pool[--c->npool];
	} else {
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			return NULL;
		osp_arena_init(&s->arena, c->cfg.arena_block, 0);
		http_body_init(&s->body);
		osp_buf_init(&s->head);
		osp_buf_init(&s->rbody);
	}
	memset(&s->req, 0, sizeof(s->req));
	s->req.arena = &s->arena;
	s->req.body = EMPTY;
	s->niov = s->iov_pos = 0;
	s->state = SLOT_PARSING;
	s->automatic = s->interim = s->close_after = 0;
	s->headers_done = s->has_err = 0;
	s->interim_off = 0;
	s->h_ctype = s->h_accept = s->h_encoding = s->h_expect = s->h_opaque = NULL;
	s->h_accept_enc = NULL;
	return s;
}

static void
slot_free(http_slot_t *s)
{
	osp_arena_free(&s->arena);
	http_body_free(&s->body);
	osp_buf_free(&s->head);
	osp_buf_free(&s->rbody);
	free(s);
}

/* Return a finished slot to the pool, dropping its memory. */
static void
slot_put(dp_http_conn_t *c, http_slot_t *s)
{
	osp_arena_reset(&s->arena);
	http_body_release(&s->body);
	osp_buf_clear(&s->head);
	osp_buf_free(&s->rbody);
	s->state = SLOT_FREE;
	c->pool[c->npool++] = s;
}

/* Drop slots from the head whose responses are fully written. */
void
http_conn_release_done(dp_http_conn_t *c)
{
	while (c->count) {
		http_slot_t *s = c->ring[c->head];

		if (s->state != SLOT_READY || s->iov_pos < s->niov || s->interim)
			break;
		c->head = (c->head + 1) & c->mask;
		c->count--;
		c->head_seq++;
		if (c->next_seq < c->head_seq)
			c->next_seq = c->head_seq;
		if (s->close_after)
			c->closing = 1;
		slot_put(c, s);
	}
	if (c->paused && c->count < c->cfg.max_inflight && !c->closing) {
		c->paused = 0;
		http_conn_resume(c);
	}
}

/* ---- connection ------------------------------------------------------- */

static int on_message_begin(llhttp_t *p);
static int on_headers_complete(llhttp_t *p);
static int on_body(llhttp_t *p, const char *at, size_t n);
static int on_message_complete(llhttp_t *p);

static llhttp_settings_t settings;
static int settings_ready;

static void
settings_init(void)
{
	if (settings_ready)
		return;
	llhttp_settings_init(&settings);
	settings.on_message_begin = on_message_begin;
	settings.on_method = http_on_method;
	settings.on_url = http_on_url;
	settings.on_url_complete = http_on_url_complete;
	settings.on_header_field_complete = http_on_header_field_complete;
	settings.on_header_value_complete = http_on_header_value_complete;
	settings.on_version = http_on_version;
	settings.on_header_field = http_on_header_field;
	settings.on_header_value = http_on_header_value;
	settings.on_headers_complete = on_headers_complete;
	settings.on_body = on_body;
	settings.on_message_complete = on_message_complete;
	settings_ready = 1;
}

dp_http_conn_t *
dp_http_conn_new(const dp_http_config_t *cfg)
{
	dp_http_conn_t *c = calloc(1, sizeof(*c));
	uint32_t cap = 1;

	if (c == NULL)
		return NULL;
	if (cfg)
		c->cfg = *cfg;
	else
		dp_http_config_default(&c->cfg);
	if (c->cfg.max_inflight == 0)
		c->cfg.max_inflight = 1;
	while (cap < c->cfg.max_inflight + 1)
		cap <<= 1;
	c->ring = calloc(cap, sizeof(*c->ring));
	c->pool = calloc(cap, sizeof(*c->pool));
	if (c->ring == NULL || c->pool == NULL)
		goto fail;
	c->mask = cap - 1;
	settings_init();
	llhttp_init(&c->parser, HTTP_REQUEST, &settings);
	c->parser.data = c;
	return c;
fail:
	free(c->ring);
	free(c->pool);
	free(c);
	return NULL;
}

void
dp_http_conn_free(dp_http_conn_t *c)
{
	if (c == NULL)
		return;
	for (uint32_t i = 0; i < c->count; i++)
		slot_free(http_slot_at(c, i));
	for (uint32_t i = 0; i < c->npool; i++)
		slot_free(c->pool[i]);
	osp_buf_free(&c->scratch);
	osp_buf_free(&c->fields);
	osp_buf_free(&c->stash);
	free(c->ring);
	free(c->pool);
	free(c);
}

/* ---- protocol errors -------------------------------------------------- */

/* Answer the message being parsed (or a new slot) with err and close. */
void
http_conn_fail(dp_http_conn_t *c, const osp_err_t *err, uint16_t empty_status)
{
	http_slot_t *s = c->cur;

	if (s == NULL) {
		s = slot_get(c);
		if (s == NULL) {
			c->closing = 1;
			return;
		}
		s->req.seq = c->seq++;
		c->ring[(c->head + c->count) & c->mask] = s;
		c->count++;
	}
	c->cur = NULL;
	s->close_after = 1;
	s->interim = 0;
	s->automatic = 1;
	if (err)
		http_slot_answer_err(c, s, err);
	else
		http_slot_answer_empty(c, s, empty_status);
	c->closing = 1;
	c->cb_error = 1;
}

static int
on_message_begin(llhttp_t *p)
{
	dp_http_conn_t *c = p->data;
	http_slot_t *s = slot_get(c);

	if (s == NULL)
		return -1;
	s->req.seq = c->seq++;
	c->ring[(c->head + c->count) & c->mask] = s;
	c->count++;
	c->cur = s;
	osp_buf_clear(&c->scratch);
	osp_buf_clear(&c->fields);
	c->url_len = 0;
	c->nfields = 0;
	c->ntrail_first = 0;
	c->field_open = 0;
	c->line_bytes = 7;      /* two spaces and "HTTP/" */
	c->header_bytes = 0;
	return 0;
}

static int
value_has_token(const dp_http_kv_t *h, const char *tok)
{
	size_t tl = strlen(tok);
	const char *v = h->value, *end = v + h->value_len;

	while (v < end) {
		while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
			v++;
		const char *t = v;

		while (v < end && *v != ',')
			v++;
		const char *e = v;

		while (e > t && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - t) == tl && strncasecmp(t, tok, tl) == 0)
			return 1;
	}
	return 0;
}

/* Set the REST flags Elasticsearch reads on every request. */
static int
req_flags(dp_http_req_t *r, osp_err_t *err)
{
	bool b;
	int rc;

	if ((rc = dp_http_req_param_bool(r, "pretty", false, &b, err)))
		return rc;
	r->pretty = b;
	if ((rc = dp_http_req_param_bool(r, "human", false, &b, err)))
		return rc;
	r->human = b;
	if ((rc = dp_http_req_param_bool(r, "error_trace", false, &b, err)))
		return rc;
	r->error_trace = b;
	const dp_http_kv_t *fp = dp_http_req_param(r, "filter_path");

	r->filter_path = fp ? fp->value : NULL;
	return 0;
}

static int
on_headers_complete(llhttp_t *p)
{
	dp_http_conn_t *c = p->data;
	http_slot_t *s = c->cur;
	dp_http_req_t *r = &s->req;
	uint8_t enc = HTTP_ENC_IDENTITY;
	const dp_http_kv_t *h;
	int rc;

	s->headers_done = 1;
	c->ntrail_first = c->nfields;
	r->method = method_from_llhttp(p->method);
	r->method_name = llhttp_method_name((llhttp_method_t)p->method);
	r->http_major = p->http_major;
	r->http_minor = p->http_minor;
	if (http_fields_to_arena(c, s, 0, 0, c->nfields, &r->headers, &r->nheaders))
		return -1;
	if (c->nfields)
		r->target = r->headers[0].name - (c->url_len + 1);
	else
		r->target = osp_arena_strndup(&s->arena, c->scratch.data ? c->scratch.data : "",
					      c->url_len);
	if (r->target == NULL)
		return -1;
	r->target_len = c->url_len;
	r->has_body = (p->flags & F_CHUNKED) ||
		      ((p->flags & F_CONTENT_LENGTH) && p->content_length > 0);

	/* Path and query, decoded as RestUtils does; errors answer later. */
	const char *q = memchr(r->target, '?', r->target_len);
	uint32_t plen = q ? (uint32_t)(q - r->target) : r->target_len;
	char *path;
	dp_http_kv_t *params;

	r->raw_path = osp_arena_strndup(&s->arena, r->target, plen);
	if (r->raw_path == NULL)
		return -1;
	r->raw_path_len = plen;
	if (memchr(r->raw_path, '%', plen) == NULL && memchr(r->raw_path, '+', plen) == NULL) {
		r->path = r->raw_path;  /* nothing to decode: the common case */
		r->path_len = plen;
		rc = 0;
	} else {
		rc = dp_http_url_decode(&s->arena, r->target, plen, &path, &r->path_len,
					&s->err);
		if (rc == -ENOMEM)
			return -1;
		r->path = rc ? r->raw_path : path;
		if (rc)
			r->path_len = plen;
	}
	if (rc == 0 && q) {
		rc = dp_http_url_query(&s->arena, q + 1, r->target_len - plen - 1,
				       &params, &r->nparams, &s->err);
		if (rc == -ENOMEM)
			return -1;
		r->params = params;
	}
	if (rc == 0)
		rc = req_flags(r, &s->err);
	if (rc)
		s->has_err = 1;

	/* Body: size limit first (413 without reading it), then encoding. */
	if ((p->flags & F_CONTENT_LENGTH) && p->content_length > c->cfg.max_content_length) {
		http_conn_fail(c, NULL, 413);
		return -1;
	}
	h = s->h_encoding;
	if (h && value_has_token(h, "gzip"))
		enc = HTTP_ENC_GZIP;
	else if (h && value_has_token(h, "x-gzip"))
		enc = HTTP_ENC_GZIP;
	else if (h && value_has_token(h, "deflate"))
		enc = HTTP_ENC_DEFLATE;
	if (http_body_begin(&s->body, enc,
			    (p->flags & F_CONTENT_LENGTH) ? p->content_length : 0))
		return -1;
	/* Expect: only 100-continue is known (Netty answers others with 417). */
	h = s->h_expect;
	if (h && r->http_minor >= 1) {
		if (!value_has_token(h, "100-continue")) {
			http_conn_fail(c, NULL, 417);
			return -1;
		}
		if (r->has_body)
			s->interim = 1;
	}
	return 0;
}

static int
on_body(llhttp_t *p, const char *at, size_t n)
{
	dp_http_conn_t *c = p->data;
	http_slot_t *s = c->cur;
	int rc = http_body_data(&s->body, at, n, c->cfg.max_content_length);

	if (rc == 0)
		return 0;
	if (rc == -EMSGSIZE) {
		http_conn_fail(c, NULL, 413);
	} else if (rc == -EINVAL) {
		osp_err_t e;

		osp_err_set(&e, 400, "illegal_argument_exception",
			    "failed to decompress the request body: %s", s->body.zmsg);
		http_conn_fail(c, &e, 0);
	}
	return -1;
}

static int
on_message_complete(llhttp_t *p)
{
	dp_http_conn_t *c = p->data;
	http_slot_t *s = c->cur;
	dp_http_req_t *r = &s->req;

	if (c->nfields > c->ntrail_first &&
	    http_fields_to_arena(c, s, ((const uint32_t *)(const void *)c->fields.data)[4 * c->ntrail_first],
			    c->ntrail_first, c->nfields, &r->trailers, &r->ntrailers))
		return -1;
	if (http_body_end(&s->body)) {
		osp_err_t e;

		osp_err_set(&e, 400, "illegal_argument_exception",
			    "failed to decompress the request body: %s", s->body.zmsg);
		http_conn_fail(c, &e, 0);
		return -1;
	}
	if (s->body.buf.len) {
		r->body = s->body.buf.data;
		r->body_len = s->body.buf.len;
	}
	/* Elasticsearch decides "has content" on the aggregated body, and only
	 * then checks the media types against it. */
	r->has_body = r->body_len > 0;
	if (!s->has_err &&
	    dp_http_media_negotiate(r, s->h_ctype, s->h_accept, c->cfg.compat_min,
				    c->cfg.compat_max, &s->err))
		s->has_err = 1;
	r->keep_alive = llhttp_should_keep_alive(p) != 0;
	if (s->interim_off == 0)
		s->interim = 0;     /* body is here: 100 Continue not needed */
	s->state = SLOT_PARSED;
	c->cur = NULL;
	c->st.requests++;
	if (!r->keep_alive) {
		s->close_after = 1;
		c->closing = 1;
	}
	if (s->has_err) {
		s->automatic = 1;
		http_slot_answer_err(c, s, &s->err);
	}
	if (c->closing)
		return HPE_PAUSED;
	if (c->count >= c->cfg.max_inflight) {
		c->paused = 1;
		return HPE_PAUSED;
	}
	return 0;
}

/* ---- driving the parser ----------------------------------------------- */

/* Run llhttp over data; returns how many bytes it consumed. */
static size_t
conn_parse(dp_http_conn_t *c, const char *data, size_t len)
{
	llhttp_errno_t e = llhttp_execute(&c->parser, data, len);
	size_t used;

	switch (e) {
	case HPE_OK:
		return len;
	case HPE_PAUSED:
		used = (size_t)(llhttp_get_error_pos(&c->parser) - data);
		llhttp_resume(&c->parser);
		return used;
	case HPE_PAUSED_UPGRADE:
		/* Elasticsearch ignores Upgrade: keep parsing HTTP/1.1. */
		used = (size_t)(llhttp_get_error_pos(&c->parser) - data);
		llhttp_resume_after_upgrade(&c->parser);
		return used;
	default:
		if (!c->cb_error) {
			osp_err_t err;
			const char *why = llhttp_get_error_reason(&c->parser);

			osp_err_set(&err, 400, "illegal_argument_exception",
				    "invalid HTTP request: %s", why ? why : llhttp_errno_name(e));
			http_conn_fail(c, &err, 0);
		}
		c->closing = 1;
		return len;
	}
}

static int
stash_add(dp_http_conn_t *c, const char *p, size_t n)
{
	if (c->stash_off && c->stash_off == c->stash.len) {
		osp_buf_clear(&c->stash);
		c->stash_off = 0;
	}
	osp_buf_append(&c->stash, p, n);
	return osp_buf_failed(&c->stash) ? -ENOMEM : 0;
}

/* Parse what the stash holds, as far as backpressure allows. */
void
http_conn_resume(dp_http_conn_t *c)
{
	while (!c->paused && !c->closing && c->stash_off < c->stash.len) {
		size_t n = conn_parse(c, c->stash.data + c->stash_off,
				      c->stash.len - c->stash_off);

		c->stash_off += n;
	}
	if (c->closing || c->stash_off == c->stash.len) {
		c->stash_off = 0;
		if (c->stash.cap > 65536)
			osp_buf_free(&c->stash);
		else
			osp_buf_clear(&c->stash);
	}
}

int
dp_http_conn_feed(dp_http_conn_t *c, const void *data, size_t len, uint64_t now)
{
	const char *p = data;

	c->last_active = now;
	c->st.bytes_in += len;
	if (c->closing || c->eof || len == 0)
		return 0;
	if (c->paused || c->stash_off < c->stash.len)
		return stash_add(c, p, len);
	while (len && !c->paused && !c->closing) {
		size_t n = conn_parse(c, p, len);

		p += n;
		len -= n;
	}
	if (len && !c->closing)
		return stash_add(c, p, len);
	return 0;
}

void
dp_http_conn_eof(dp_http_conn_t *c)
{
	c->eof = 1;
	if (c->cur) {
		/* Drop the partial request: it can never complete. */
		c->count--;
		slot_put(c, c->cur);
		c->cur = NULL;
	}
	c->closing = 1;
}

dp_http_req_t *
dp_http_conn_next(dp_http_conn_t *c)
{
	while (c->next_seq < c->head_seq + c->count) {
		http_slot_t *s = http_slot_at(c, (uint32_t)(c->next_seq - c->head_seq));

		if (s->state == SLOT_PARSING)
			return NULL;
		c->next_seq++;
		if (!s->automatic)
			return &s->req;
	}
	return NULL;
}

bool
dp_http_conn_want_read(const dp_http_conn_t *c)
{
	return !c->paused && !c->closing && !c->eof;
}

bool
dp_http_conn_should_close(const dp_http_conn_t *c)
{
	return (c->closing || c->eof) && c->count == 0;
}

bool
dp_http_conn_busy(const dp_http_conn_t *c)
{
	for (uint32_t i = 0; i < c->count; i++)
		if (http_slot_at(c, i)->state == SLOT_PARSED)
			return true;
	return false;
}

uint64_t
dp_http_conn_idle(const dp_http_conn_t *c, uint64_t now)
{
	return now > c->last_active ? now - c->last_active : 0;
}

void
dp_http_conn_stats(const dp_http_conn_t *c, dp_http_conn_stats_t *out)
{
	*out = c->st;
	out->inflight = c->count;
}
