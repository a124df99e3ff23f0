/*
 * dp_http_media.h - Content-Type / Accept negotiation as Elasticsearch does
 * it (ParsedMediaType, XContentType, RestCompatibleVersionHelper).
 *
 * Request bodies may be application/json, application/x-ndjson or their
 * vnd.elasticsearch+ forms with compatible-with=N; charset=UTF-8 is the only
 * other parameter accepted. A header that is not a media type at all is a
 * 400 media_type_header_exception when the request is created; a valid but
 * unsupported one is a 406 once a handler has been chosen (the router does
 * that). Pure functions; any core.
 */
#ifndef DP_HTTP_MEDIA_H
#define DP_HTTP_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "dp_http.h"
#include "osprey/err.h"

/* Parse one Content-Type/Accept value. *compat gets compatible-with=N
 * (0 when absent). Never fails: unknown types map to UNSUPPORTED/INVALID. */
dp_http_media_t
dp_http_media_parse(const char *v, size_t n, uint8_t *compat);

/* Classify both headers of a request (NULL when absent) and apply the
 * compatible-version rules. Fills req->content_type, accept and compat, or
 * returns -EINVAL with a 400 error (media_type_header_exception or
 * status_exception) worded as Elasticsearch words it. */
int
dp_http_media_negotiate(dp_http_req_t *req, const dp_http_kv_t *ctype,
			const dp_http_kv_t *accept, uint8_t compat_min,
			uint8_t compat_max, osp_err_t *err);

/* The Content-Type value for a response of type t to req, in buf (>= 96
 * bytes); returns its length. As Elasticsearch 8 sends them: JSON is
 * "application/json" (7.x added "; charset=UTF-8"), or echoes a requested
 * compatible version ("application/vnd.elasticsearch+json;compatible-with=8");
 * _cat text is "text/plain; charset=UTF-8". */
size_t
dp_http_media_response_type(const dp_http_req_t *req, dp_http_media_t t,
			    char *buf, size_t cap);

#endif
