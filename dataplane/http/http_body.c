/*
 * http_body.c - request body assembly with Content-Encoding handling.
 *
 * Bodies are copied once into the slot's buffer, sized from Content-Length
 * when known. gzip and deflate (zlib-wrapped or raw, as Netty's
 * HttpContentDecompressor accepts) are inflated as the bytes arrive, so the
 * compressed form is never held whole; the inflated size is capped by
 * http.max_content_length, which stops decompression bombs at the limit.
 * Owned by one slot, touched by the connection's network core.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http_int.h"

#define BODY_KEEP_MAX (256u * 1024)   /* larger buffers are freed on reuse */
#define INFLATE_STEP  (64u * 1024)

void
http_body_init(http_body_t *b)
{
	memset(b, 0, sizeof(*b));
	osp_buf_init(&b->buf);
}

static int
body_zinit(http_body_t *b, int window_bits)
{
	memset(&b->zs, 0, sizeof(b->zs));
	if (inflateInit2(&b->zs, window_bits) != Z_OK)
		return -ENOMEM;
	b->z_init = 1;
	return 0;
}

int
http_body_begin(http_body_t *b, uint8_t enc, uint64_t expect)
{
	b->enc = enc;
	b->z_end = 0;
	b->npend = 0;
	b->zmsg[0] = '\0';
	osp_buf_clear(&b->buf);
	if (enc == HTTP_ENC_GZIP)
		return body_zinit(b, 15 + 16);
	if (enc == HTTP_ENC_IDENTITY && expect &&
	    osp_buf_reserve(&b->buf, (size_t)expect + 1))
		return -ENOMEM;
	return 0;
}

static int
body_inflate(http_body_t *b, const unsigned char *p, size_t n, size_t limit)
{
	b->zs.next_in = (unsigned char *)p;
	b->zs.avail_in = (uInt)n;
	while (b->zs.avail_in > 0 && !b->z_end) {
		if (osp_buf_reserve(&b->buf, INFLATE_STEP + 1))
			return -ENOMEM;
		size_t room = b->buf.cap - b->buf.len - 1;

		b->zs.next_out = (unsigned char *)b->buf.data + b->buf.len;
		b->zs.avail_out = (uInt)room;
		int zr = inflate(&b->zs, Z_NO_FLUSH);

		b->buf.len += room - b->zs.avail_out;
		b->buf.data[b->buf.len] = '\0';
		if (b->buf.len > limit)
			return -EMSGSIZE;
		if (zr == Z_STREAM_END) {
			b->z_end = 1;
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			snprintf(b->zmsg, sizeof(b->zmsg), "%s",
				 b->zs.msg ? b->zs.msg : "invalid compressed data");
			return -EINVAL;
		}
	}
	return 0;
}

/* Returns 0, -EMSGSIZE past limit, -EINVAL on corrupt data, -ENOMEM. */
int
http_body_data(http_body_t *b, const char *p, size_t n, size_t limit)
{
	if (b->enc == HTTP_ENC_IDENTITY) {
		if (b->buf.len + n > limit)
			return -EMSGSIZE;
		if (osp_buf_reserve(&b->buf, n + 1))
			return -ENOMEM;
		memcpy(b->buf.data + b->buf.len, p, n);
		b->buf.len += n;
		b->buf.data[b->buf.len] = '\0';
		return 0;
	}
	if (b->enc == HTTP_ENC_DEFLATE && !b->z_init) {
		/* zlib header (RFC 1950: CM=8, check bits) or raw deflate. */
		while (n && b->npend < 2) {
			b->pend[b->npend++] = (unsigned char)*p++;
			n--;
		}
		if (b->npend < 2)
			return 0;
		int zlib = (b->pend[0] & 0x0f) == 8 &&
			   ((b->pend[0] << 8) | b->pend[1]) % 31 == 0;

		if (body_zinit(b, zlib ? 15 : -15))
			return -ENOMEM;
		int rc = body_inflate(b, b->pend, 2, limit);

		if (rc)
			return rc;
	}
	if (n == 0)
		return 0;
	return body_inflate(b, (const unsigned char *)p, n, limit);
}

int
http_body_end(http_body_t *b)
{
	if (b->enc == HTTP_ENC_IDENTITY)
		return 0;
	if (b->enc == HTTP_ENC_DEFLATE && !b->z_init && b->npend == 0)
		return 0;       /* empty body */
	if (!b->z_end) {
		snprintf(b->zmsg, sizeof(b->zmsg), "%s", "truncated compressed body");
		return -EINVAL;
	}
	return 0;
}

/* Forget the request's body, keeping a small buffer for the next one. */
void
http_body_release(http_body_t *b)
{
	if (b->z_init) {
		inflateEnd(&b->zs);
		b->z_init = 0;
	}
	if (b->buf.cap > BODY_KEEP_MAX)
		osp_buf_free(&b->buf);
	else
		osp_buf_clear(&b->buf);
	b->enc = HTTP_ENC_IDENTITY;
	b->npend = 0;
	b->z_end = 0;
}

void
http_body_free(http_body_t *b)
{
	http_body_release(b);
	osp_buf_free(&b->buf);
}
