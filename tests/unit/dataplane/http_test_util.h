/*
 * http_test_util.h - helpers shared by the dataplane HTTP unit tests: make
 * a connection, drain its output into a buffer, answer a request.
 */
#ifndef HTTP_TEST_UTIL_H
#define HTTP_TEST_UTIL_H

#include <string.h>

#include "dp_http.h"

/* Write everything the connection offers into out, n bytes at a time when
 * step > 0 (partial writes). */
static inline void
tu_drain(dp_http_conn_t *c, osp_buf_t *out, size_t step)
{
	struct iovec iov[16];
	int n;

	while ((n = dp_http_conn_out(c, iov, 16)) > 0) {
		size_t total = 0;

		for (int i = 0; i < n; i++) {
			osp_buf_append(out, iov[i].iov_base, iov[i].iov_len);
			total += iov[i].iov_len;
		}
		if (step && step < total) {
			/* Only step bytes went out: roll the copy back. */
			out->len -= total - step;
			out->data[out->len] = '\0';
			total = step;
		}
		dp_http_conn_sent(c, total, 0);
	}
}

static inline void
tu_respond(dp_http_conn_t *c, dp_http_req_t *r, uint16_t status, const char *body)
{
	dp_http_resp_t resp = { .status = status, .type = DP_MEDIA_JSON };
	osp_buf_t b = OSP_BUF_INIT;

	osp_buf_puts(&b, body);
	dp_http_conn_respond(c, r, &resp, &b);
	osp_buf_free(&b);
}

static inline int
tu_feed(dp_http_conn_t *c, const char *s)
{
	return dp_http_conn_feed(c, s, strlen(s), 0);
}

#endif
