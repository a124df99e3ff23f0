/*
 * http_head.c - the start line and header block of the message being
 * parsed: llhttp's span callbacks, the Netty-style size limits, and the one
 * copy of the block into the request's arena (http_int.h).
 *
 * llhttp hands over spans that may be cut anywhere by the network. They
 * accumulate in the connection's scratch as "url\0name\0value\0...",
 * each span NUL-terminated by its *_complete callback, with offsets in a
 * side array; when the headers are complete the block is copied into the
 * arena once and split there, so a request's strings cost one memcpy and
 * no per-field allocation. Network core of the connection only.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "http_int.h"

/* osp_buf_append without the call when the bytes fit: every start-line
 * and header byte goes through here. */
static inline void
buf_add(osp_buf_t *b, const char *p, size_t n)
{
	if (b->len + n + 1 <= b->cap) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
	} else {
		osp_buf_append(b, p, n);
	}
}

static void
fail_line_too_long(dp_http_conn_t *c)
{
	osp_err_t e;

	osp_err_set(&e, 400, "too_long_http_line_exception",
		    "An HTTP line is larger than %zu bytes.", c->cfg.max_initial_line_length);
	http_conn_fail(c, &e, 0);
}

static void
fail_header_too_large(dp_http_conn_t *c)
{
	osp_err_t e;

	osp_err_set(&e, 400, "too_long_http_header_exception",
		    "HTTP header is larger than %zu bytes.", c->cfg.max_header_size);
	http_conn_fail(c, &e, 0);
}

/* ---- llhttp callbacks ------------------------------------------------- */

static int
line_bytes(dp_http_conn_t *c, size_t n)
{
	c->line_bytes += n;
	if (c->line_bytes > c->cfg.max_initial_line_length) {
		fail_line_too_long(c);
		return -1;
	}
	return 0;
}

int
http_on_method(llhttp_t *p, const char *at, size_t n)
{
	(void)at;
	return line_bytes(p->data, n);
}

int
http_on_version(llhttp_t *p, const char *at, size_t n)
{
	(void)at;
	return line_bytes(p->data, n);
}

int
http_on_url(llhttp_t *p, const char *at, size_t n)
{
	dp_http_conn_t *c = p->data;

	if (line_bytes(c, n))
		return -1;
	buf_add(&c->scratch, at, n);
	c->url_len += (uint32_t)n;
	return osp_buf_failed(&c->scratch) ? -1 : 0;
}

static int
header_bytes(dp_http_conn_t *c, size_t n)
{
	c->header_bytes += n;
	if (c->header_bytes > c->cfg.max_header_size) {
		fail_header_too_large(c);
		return -1;
	}
	return 0;
}

/* The scratch holds "url\0name\0value\0name\0value\0...": each span is
 * NUL-terminated by its *_complete callback, so one copy into the arena
 * gives C strings without per-field allocations. */
static int
scratch_nul(dp_http_conn_t *c)
{
	buf_add(&c->scratch, "", 1);
	return osp_buf_failed(&c->scratch) ? -1 : 0;
}

int
http_on_url_complete(llhttp_t *p)
{
	return scratch_nul(p->data);
}

static uint32_t *
field_quad(dp_http_conn_t *c)
{
	return (uint32_t *)(void *)c->fields.data + 4 * (c->nfields - 1);
}

int
http_on_header_field(llhttp_t *p, const char *at, size_t n)
{
	dp_http_conn_t *c = p->data;

	if (header_bytes(c, n))
		return -1;
	if (!c->field_open) {
		uint32_t q[4] = { (uint32_t)c->scratch.len, 0, 0, 0 };

		buf_add(&c->fields, (const char *)q, sizeof(q));
		if (osp_buf_failed(&c->fields))
			return -1;
		c->nfields++;
		c->field_open = 1;
		if (header_bytes(c, 2))         /* ": " as Netty counts it */
			return -1;
	}
	buf_add(&c->scratch, at, n);
	field_quad(c)[1] += (uint32_t)n;
	return osp_buf_failed(&c->scratch) ? -1 : 0;
}

int
http_on_header_field_complete(llhttp_t *p)
{
	dp_http_conn_t *c = p->data;

	if (!c->field_open || scratch_nul(c))
		return -1;
	c->field_open = 0;
	field_quad(c)[2] = (uint32_t)c->scratch.len;   /* value, maybe empty */
	return 0;
}

int
http_on_header_value(llhttp_t *p, const char *at, size_t n)
{
	dp_http_conn_t *c = p->data;

	if (header_bytes(c, n))
		return -1;
	if (c->nfields == 0 || c->field_open)
		return -1;
	buf_add(&c->scratch, at, n);
	field_quad(c)[3] += (uint32_t)n;
	return osp_buf_failed(&c->scratch) ? -1 : 0;
}

int
http_on_header_value_complete(llhttp_t *p)
{
	return scratch_nul(p->data);
}

static int
name_is(const dp_http_kv_t *h, const char *lit, uint32_t n)
{
	return h->name_len == n && strncasecmp(h->name, lit, n) == 0;
}

/* Copy the scratch from byte `from` on into the arena once, and point the
 * fields [first, last) (which start at or after from) at the copy; values
 * lose trailing blanks. */
int
http_fields_to_arena(dp_http_conn_t *c, http_slot_t *s, size_t from, uint32_t first,
		uint32_t last, const dp_http_kv_t **out, uint32_t *count)
{
	uint32_t n = last - first;
	const uint32_t *q = (const uint32_t *)(const void *)c->fields.data;
	dp_http_kv_t *kv;
	char *copy;

	*out = NULL;
	*count = 0;
	if (n == 0)
		return 0;
	kv = osp_arena_alloc(&s->arena, n * sizeof(*kv) + (c->scratch.len - from));
	if (kv == NULL)
		return -ENOMEM;
	copy = (char *)(kv + n) - from;
	memcpy(copy + from, c->scratch.data + from, c->scratch.len - from);
	for (uint32_t i = 0; i < n; i++) {
		const uint32_t *f = q + 4 * (first + i);
		dp_http_kv_t *h = &kv[i];
		uint32_t vl = f[3];

		while (vl && (copy[f[2] + vl - 1] == ' ' || copy[f[2] + vl - 1] == '\t'))
			vl--;
		copy[f[2] + vl] = '\0';
		h->name = copy + f[0];
		h->name_len = f[1];
		h->value = copy + f[2];
		h->value_len = vl;
		if (out == &s->req.trailers)
			continue;
		switch (h->name_len) {
		case 6:
			if (!s->h_accept && name_is(h, "accept", 6))
				s->h_accept = h;
			else if (!s->h_expect && name_is(h, "expect", 6))
				s->h_expect = h;
			break;
		case 11:
			if (!s->h_opaque && name_is(h, "x-opaque-id", 11))
				s->h_opaque = h;
			break;
		case 12:
			if (!s->h_ctype && name_is(h, "content-type", 12))
				s->h_ctype = h;
			break;
		case 15:
			if (!s->h_accept_enc && name_is(h, "accept-encoding", 15))
				s->h_accept_enc = h;
			break;
		case 16:
			if (!s->h_encoding && name_is(h, "content-encoding", 16))
				s->h_encoding = h;
			break;
		}
	}
	*out = kv;
	*count = n;
	return 0;
}

