/*
 * http_out.c - the response side of a connection: serializing status line
 * and headers, keeping responses in request order, and the iovec chain the
 * backend drains (dp_http.h).
 *
 * Each slot carries up to two iovecs (head, body) plus an optional interim
 * "100 Continue". dp_http_conn_out gathers, from the oldest slot on, every
 * response that is ready, stopping at the first one still being worked on,
 * so one writev can carry many pipelined answers. Header names are spelled
 * as Elasticsearch (Netty) sends them: "X-elastic-product", lowercase
 * "content-type" and "content-length"; a request's X-Opaque-Id is echoed. Network core only.
 */
#include <errno.h>
#include <string.h>

#include "dp_http_media.h"
#include "dp_rest_error.h"
#include "dp_rest_pretty.h"
#include "http_int.h"

static const char CONTINUE[] = "HTTP/1.1 100 Continue\r\n\r\n";

const char *
dp_http_status_reason(uint16_t status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Request Entity Too Large";
	case 414: return "Request-URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Requested Range Not Satisfiable";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Entity";
	case 423: return "Locked";
	case 424: return "Failed Dependency";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	case 507: return "Insufficient Storage";
	default: return status < 300 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
	}
}

#define PUT_LIT(b, lit) osp_buf_append((b), (lit), sizeof(lit) - 1)

/* Decimal without printf: this runs once per response. */
static void
put_uint(osp_buf_t *b, uint64_t v)
{
	char tmp[24];
	int i = (int)sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	osp_buf_append(b, tmp + i, sizeof(tmp) - (size_t)i);
}

/* Serialize the head of s's response and point its iovecs at head and body.
 * body, when given, is moved into the slot. */
static int
slot_finish(dp_http_conn_t *c, http_slot_t *s, const dp_http_resp_t *r,
	    osp_buf_t *body)
{
	dp_http_req_t *req = &s->req;
	osp_buf_t *h = &s->head;
	const char *reason = dp_http_status_reason(r->status);
	char ct[128];
	size_t blen, ctn;

	osp_buf_free(&s->rbody);
	if (body) {
		s->rbody = *body;
		osp_buf_init(body);
	}
	/* http.compression: gzip when the client accepts it (not for HEAD,
	 * empty bodies or 1xx/204/304, as Netty's HttpContentCompressor). */
	int gz = c->cfg.compression && s->h_accept_enc && s->rbody.len &&
		 req->method != DP_HTTP_HEAD && r->status >= 200 && r->status != 204 &&
		 r->status != 304 && http_accepts_gzip(s->h_accept_enc) &&
		 http_gzip_body(&s->rbody, c->cfg.compression_level) == 0;

	blen = s->rbody.len;
	osp_buf_clear(h);
	osp_buf_reserve(h, 192);
	if (req->http_major == 1 && req->http_minor == 0)
		PUT_LIT(h, "HTTP/1.0 ");
	else
		PUT_LIT(h, "HTTP/1.1 ");
	put_uint(h, r->status);
	osp_buf_putc(h, ' ');
	osp_buf_puts(h, reason);
	PUT_LIT(h, "\r\nX-elastic-product: Elasticsearch\r\n");
	if (s->h_opaque) {
		/* Elasticsearch hands X-Opaque-Id back on every response. */
		PUT_LIT(h, "X-Opaque-Id: ");
		osp_buf_append(h, s->h_opaque->value, s->h_opaque->value_len);
		PUT_LIT(h, "\r\n");
	}
	if (r->content_type) {
		PUT_LIT(h, "content-type: ");
		osp_buf_puts(h, r->content_type);
		PUT_LIT(h, "\r\n");
	} else if (r->type != DP_MEDIA_NONE &&
		   (ctn = dp_http_media_response_type(req, r->type, ct, sizeof(ct))) > 0) {
		PUT_LIT(h, "content-type: ");
		osp_buf_append(h, ct, ctn);
		PUT_LIT(h, "\r\n");
	}
	for (uint32_t i = 0; i < r->nheaders; i++) {
		osp_buf_append(h, r->headers[i].name, r->headers[i].name_len);
		PUT_LIT(h, ": ");
		osp_buf_append(h, r->headers[i].value, r->headers[i].value_len);
		PUT_LIT(h, "\r\n");
	}
	if (gz)
		PUT_LIT(h, "content-encoding: gzip\r\n");
	PUT_LIT(h, "content-length: ");
	put_uint(h, blen);
	if (s->close_after || !req->keep_alive)
		PUT_LIT(h, "\r\nconnection: close\r\n\r\n");
	else if (req->http_minor == 0)
		PUT_LIT(h, "\r\nconnection: keep-alive\r\n\r\n");
	else
		PUT_LIT(h, "\r\n\r\n");
	if (osp_buf_failed(h) || osp_buf_failed(&s->rbody))
		return -ENOMEM;
	if (!req->keep_alive)
		s->close_after = 1;
	s->iov[0].iov_base = h->data;
	s->iov[0].iov_len = h->len;
	s->niov = 1;
	if (blen && req->method != DP_HTTP_HEAD) {
		s->iov[1].iov_base = s->rbody.data;
		s->iov[1].iov_len = blen;
		s->niov = 2;
	}
	s->iov_pos = 0;
	s->state = SLOT_READY;
	c->st.responses++;
	return 0;
}

void
http_slot_answer_err(dp_http_conn_t *c, http_slot_t *s, const osp_err_t *e)
{
	dp_http_resp_t r = { .status = e->status ? e->status : 500, .type = DP_MEDIA_JSON };
	osp_buf_t body = OSP_BUF_INIT;

	dp_rest_error_json(&body, e, s->req.error_trace);
	if (s->req.pretty)
		dp_rest_pretty_inplace(&body);
	if (slot_finish(c, s, &r, &body)) {
		osp_buf_free(&body);
		s->close_after = 1;
		c->closing = 1;
	}
}

void
http_slot_answer_empty(dp_http_conn_t *c, http_slot_t *s, uint16_t status)
{
	dp_http_resp_t r = { .status = status, .type = DP_MEDIA_NONE };

	if (slot_finish(c, s, &r, NULL)) {
		s->close_after = 1;
		c->closing = 1;
	}
}

int
dp_http_conn_respond(dp_http_conn_t *c, dp_http_req_t *req,
		     const dp_http_resp_t *resp, osp_buf_t *body)
{
	http_slot_t *s = (http_slot_t *)(void *)((char *)req - offsetof(http_slot_t, req));

	if (s->state != SLOT_PARSED)
		return -EINVAL;
	return slot_finish(c, s, resp, body);
}

int
dp_http_conn_out(dp_http_conn_t *c, struct iovec *iov, int max)
{
	int n = 0;

	for (uint32_t i = 0; i < c->count && n < max; i++) {
		http_slot_t *s = http_slot_at(c, i);

		if (s->interim) {
			iov[n].iov_base = (char *)CONTINUE + s->interim_off;
			iov[n].iov_len = sizeof(CONTINUE) - 1 - s->interim_off;
			n++;
			if (n == max)
				break;
		}
		if (s->state != SLOT_READY)
			break;
		for (uint8_t k = s->iov_pos; k < s->niov && n < max; k++)
			iov[n++] = s->iov[k];
	}
	return n;
}

int
dp_http_conn_sent(dp_http_conn_t *c, size_t n, uint64_t now)
{
	c->last_active = now;
	c->st.bytes_out += n;
	for (uint32_t i = 0; i < c->count && n; i++) {
		http_slot_t *s = http_slot_at(c, i);

		if (s->interim) {
			size_t left = sizeof(CONTINUE) - 1 - s->interim_off;
			size_t k = n < left ? n : left;

			s->interim_off += k;
			n -= k;
			if (s->interim_off == sizeof(CONTINUE) - 1)
				s->interim = 0;
			if (n == 0)
				break;
		}
		if (s->state != SLOT_READY)
			return -EINVAL;
		while (n && s->iov_pos < s->niov) {
			struct iovec *v = &s->iov[s->iov_pos];
			size_t k = n < v->iov_len ? n : v->iov_len;

			v->iov_base = (char *)v->iov_base + k;
			v->iov_len -= k;
			n -= k;
			if (v->iov_len == 0)
				s->iov_pos++;
		}
	}
	if (n)
		return -EINVAL;
	http_conn_release_done(c);
	return 0;
}
