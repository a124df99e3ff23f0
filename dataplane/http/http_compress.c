/*
 * http_compress.c - response compression, Elasticsearch's http.compression:
 * a client that sends Accept-Encoding with gzip (or "*") gets a gzip body at
 * http.compression_level (3 by default), as Netty's HttpContentCompressor
 * does for ES. HEAD answers, empty bodies and 1xx/204/304 are left alone.
 * One deflate stream per call on the network core; no state is kept.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "http_int.h"

/* Does the Accept-Encoding value allow gzip (gzip or *, q not 0)? */
int
http_accepts_gzip(const dp_http_kv_t *h)
{
	const char *p = h->value, *end = p + h->value_len;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		const char *tok = p;

		while (p < end && *p != ',' && *p != ';' && *p != ' ' && *p != '\t')
			p++;
		size_t tn = (size_t)(p - tok);
		int ok = (tn == 4 && strncasecmp(tok, "gzip", 4) == 0) ||
			 (tn == 6 && strncasecmp(tok, "x-gzip", 6) == 0) ||
			 (tn == 1 && *tok == '*');
		int q0 = 0;

		/* Parameters: only q=0 (q=0.0, q=0.00...) matters. */
		while (p < end && *p != ',') {
			if ((*p == 'q' || *p == 'Q') && p + 1 < end && p[1] == '=') {
				const char *v = p + 2;

				q0 = v < end && *v == '0';
				for (v++; q0 && v < end && *v != ',' && *v != ';' && *v != ' '; v++)
					q0 = *v == '0' || *v == '.';
			}
			p++;
		}
		if (ok && !q0)
			return 1;
	}
	return 0;
}

/* Replace body with its gzip form. 0, or -ENOMEM (body untouched). */
int
http_gzip_body(osp_buf_t *body, int level)
{
	osp_buf_t out = OSP_BUF_INIT;
	z_stream zs;
	int zr;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	if (osp_buf_reserve(&out, deflateBound(&zs, (uLong)body->len) + 1)) {
		deflateEnd(&zs);
		return -ENOMEM;
	}
	zs.next_in = (unsigned char *)body->data;
	zs.avail_in = (uInt)body->len;
	zs.next_out = (unsigned char *)out.data;
	zs.avail_out = (uInt)(out.cap - 1);
	zr = deflate(&zs, Z_FINISH);
	out.len = zs.total_out;
	deflateEnd(&zs);
	if (zr != Z_STREAM_END) {
		osp_buf_free(&out);
		return -ENOMEM;
	}
	out.data[out.len] = '\0';
	osp_buf_free(body);
	*body = out;
	return 0;
}
