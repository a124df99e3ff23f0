/*
 * http_req.c - reading a parsed request: header and parameter lookups
 * (dp_http.h). Read-only over the request's arena; any core that may read
 * the request may call these.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "dp_http.h"

const dp_http_kv_t *
dp_http_req_header(const dp_http_req_t *req, const char *name)
{
	size_t n = strlen(name);

	for (uint32_t i = 0; i < req->nheaders; i++) {
		const dp_http_kv_t *h = &req->headers[i];

		if (h->name_len == n && strncasecmp(h->name, name, n) == 0)
			return h;
	}
	return NULL;
}

const dp_http_kv_t *
dp_http_req_param(const dp_http_req_t *req, const char *name)
{
	size_t n = strlen(name);

	for (uint32_t i = req->nparams; i-- > 0;) {
		const dp_http_kv_t *p = &req->params[i];

		if (p->name_len == n && memcmp(p->name, name, n) == 0)
			return p;
	}
	return NULL;
}

int
dp_http_req_param_bool(const dp_http_req_t *req, const char *name, bool def,
		       bool *out, osp_err_t *err)
{
	const dp_http_kv_t *p = dp_http_req_param(req, name);

	if (p == NULL) {
		*out = def;
		return 0;
	}
	if (p->value_len == 0 || strcmp(p->value, "true") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(p->value, "false") == 0) {
		*out = false;
		return 0;
	}
	*out = def;
	return osp_err_illegal_argument(err,
		"Failed to parse value [%s] as only [true] or [false] are allowed.",
		p->value);
}
