/*
 * dp_http_url.h - percent-decoding of paths and query strings, worded and
 * behaving as Elasticsearch's RestUtils (decodeComponent, decodeQueryString):
 * '+' decodes to a space, "%XY" to a byte, '&' and ';' separate parameters,
 * a parameter without '=' has the empty value ("?pretty"), repeated keys are
 * all kept in order. Pure functions; any core.
 */
#ifndef DP_HTTP_URL_H
#define DP_HTTP_URL_H

#include <stddef.h>
#include <stdint.h>

#include "dp_http.h"
#include "osprey/arena.h"
#include "osprey/err.h"

/* Decode s[0..n) into the arena (NUL-terminated) and store its length.
 * -EINVAL with an illegal_argument_exception in err on a bad escape,
 * -ENOMEM when the arena is full. */
int
dp_http_url_decode(osp_arena_t *a, const char *s, size_t n, char **out,
		   uint32_t *out_len, osp_err_t *err);

/* Split and decode a query string (without the '?') into an arena array. */
int
dp_http_url_query(osp_arena_t *a, const char *q, size_t n, dp_http_kv_t **out,
		  uint32_t *count, osp_err_t *err);

#endif
