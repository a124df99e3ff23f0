/*
 * http_media.c - media type parsing and REST API compatibility checks
 * (dp_http_media.h).
 *
 * The parser follows ParsedMediaType: "type/subtype" then ';'-separated
 * key=value parameters, whitespace trimmed, compared case-insensitively.
 * Anything unexpected (no '/', a parameter without '=') is INVALID; a
 * well-formed type Elasticsearch cannot read here (text/plain, yaml, smile,
 * a foreign charset) is UNSUPPORTED. Pure functions; any core.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dp_http_media.h"

static int
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static void
trim(const char **s, size_t *n)
{
	while (*n && is_ws(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_ws((*s)[*n - 1]))
		(*n)--;
}

static int
eq_ci(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

static int
token_ok(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (is_ws(s[i]) || s[i] == '/' || s[i] == ',' || s[i] == '=')
			return 0;
	return 1;
}

dp_http_media_t
dp_http_media_parse(const char *v, size_t n, uint8_t *compat)
{
	const char *end = v + n, *semi, *slash;
	dp_http_media_t t;
	size_t tn;
	int vnd = 0, bad_param = 0;

	*compat = 0;
	trim(&v, &n);
	end = v + n;
	semi = memchr(v, ';', n);
	tn = semi ? (size_t)(semi - v) : n;
	{
		const char *ty = v;
		size_t tyn = tn;

		trim(&ty, &tyn);
		slash = memchr(ty, '/', tyn);
		if (slash == NULL || !token_ok(ty, (size_t)(slash - ty)) ||
		    !token_ok(slash + 1, (size_t)(ty + tyn - slash - 1)))
			return DP_MEDIA_INVALID;
		if (eq_ci(ty, tyn, "application/json")) {
			t = DP_MEDIA_JSON;
		} else if (eq_ci(ty, tyn, "application/x-ndjson")) {
			t = DP_MEDIA_NDJSON;
		} else if (eq_ci(ty, tyn, "application/vnd.elasticsearch+json")) {
			t = DP_MEDIA_JSON;
			vnd = 1;
		} else if (eq_ci(ty, tyn, "application/vnd.elasticsearch+x-ndjson")) {
			t = DP_MEDIA_NDJSON;
			vnd = 1;
		} else if (eq_ci(ty, tyn, "text/plain")) {
			t = DP_MEDIA_TEXT;
		} else {
			t = DP_MEDIA_UNSUPPORTED;
		}
	}
	/* Parameters. */
	while (semi && semi < end) {
		const char *p = semi + 1, *eq;
		size_t pn;

		semi = memchr(p, ';', (size_t)(end - p));
		pn = (size_t)((semi ? semi : end) - p);
		trim(&p, &pn);
		if (pn == 0)
			continue;
		eq = memchr(p, '=', pn);
		if (eq == NULL)
			return DP_MEDIA_INVALID;
		const char *k = p, *val = eq + 1;
		size_t kn = (size_t)(eq - p), vn = (size_t)(p + pn - eq - 1);

		trim(&k, &kn);
		trim(&val, &vn);
		if (kn == 0)
			return DP_MEDIA_INVALID;
		if (eq_ci(k, kn, "charset")) {
			if (!eq_ci(val, vn, "utf-8"))
				bad_param = 1;
		} else if (vnd && eq_ci(k, kn, "compatible-with")) {
			unsigned ver = 0;

			if (vn == 0 || vn > 3)
				bad_param = 1;
			for (size_t i = 0; i < vn && !bad_param; i++) {
				if (val[i] < '0' || val[i] > '9')
					bad_param = 1;
				else
					ver = ver * 10 + (unsigned)(val[i] - '0');
			}
			if (!bad_param)
				*compat = (uint8_t)(ver > 255 ? 255 : ver);
		} else {
			bad_param = 1;
		}
	}
	if (bad_param && t != DP_MEDIA_UNSUPPORTED) {
		*compat = 0;
		return DP_MEDIA_UNSUPPORTED;
	}
	return t;
}

static int
media_header_error(osp_err_t *err, const char *which, const dp_http_kv_t *h)
{
	int rc = osp_err_set(err, 400, "media_type_header_exception",
			     "Invalid media-type value on headers [%s]", which);

	snprintf(err->caused_by_type, sizeof(err->caused_by_type),
		 "illegal_argument_exception");
	snprintf(err->caused_by_reason, sizeof(err->caused_by_reason),
		 "invalid media-type [%s]", h->value);
	return rc;
}

/* RestCompatibleVersionHelper.getCompatibleVersion, with the current major
 * taken as compat_max and the oldest readable one as compat_min. */
int
dp_http_media_negotiate(dp_http_req_t *req, const dp_http_kv_t *ctype,
			const dp_http_kv_t *accept, uint8_t compat_min,
			uint8_t compat_max, osp_err_t *err)
{
	uint8_t cver = 0, aver = 0;
	const char *aval = accept ? accept->value : "null";
	const char *cval = ctype ? ctype->value : "null";

	req->content_type = DP_MEDIA_NONE;
	req->accept = DP_MEDIA_NONE;
	req->compat = 0;
	if (ctype) {
		req->content_type = dp_http_media_parse(ctype->value, ctype->value_len, &cver);
		if (req->content_type == DP_MEDIA_INVALID)
			return media_header_error(err, "Content-Type", ctype);
	}
	if (accept) {
		req->accept = dp_http_media_parse(accept->value, accept->value_len, &aver);
		/* A bare "*" and lists are not errors: they mean "default". */
		if (req->accept == DP_MEDIA_INVALID) {
			if (strchr(accept->value, ',') == NULL &&
			    strcmp(accept->value, "*") != 0)
				return media_header_error(err, "Accept", accept);
			req->accept = DP_MEDIA_UNSUPPORTED;
		}
	}
	uint8_t av = aver ? aver : compat_max, cv = cver ? cver : compat_max;

	if (av > compat_max || av < compat_min)
		return osp_err_set(err, 400, "status_exception",
			"Accept version must be either version %u or %u, but found %u. Accept=%s",
			compat_max, compat_min, av, aval);
	if (req->has_body) {
		if (cv > compat_max || cv < compat_min)
			return osp_err_set(err, 400, "status_exception",
				"Content-Type version must be either version %u or %u, but found %u. Content-Type=%s",
				compat_max, compat_min, cv, cval);
		if (cv != av || (cver == 0) != (aver == 0))
			return osp_err_set(err, 400, "status_exception",
				"A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version and the compatible versions must match. Accept=%s, Content-Type=%s",
				aval, cval);
	}
	req->compat = aver ? aver : cver;
	return 0;
}

/* Copy a literal into buf (cap >= 96 by contract); returns its length. */
static size_t
put_type(char *buf, size_t cap, const char *lit, size_t n, uint8_t compat)
{
	if (n + 4 > cap)
		return 0;
	memcpy(buf, lit, n);
	if (compat) {
		if (compat >= 100)
			buf[n++] = (char)('0' + compat / 100);
		if (compat >= 10)
			buf[n++] = (char)('0' + compat / 10 % 10);
		buf[n++] = (char)('0' + compat % 10);
	}
	buf[n] = '\0';
	return n;
}

#define TYPE_LIT(lit, compat) put_type(buf, cap, lit, sizeof(lit) - 1, compat)

size_t
dp_http_media_response_type(const dp_http_req_t *req, dp_http_media_t t,
			    char *buf, size_t cap)
{
	uint8_t compat = req ? req->compat : 0;

	switch (t) {
	case DP_MEDIA_JSON:
		if (compat)
			return TYPE_LIT("application/vnd.elasticsearch+json;compatible-with=", compat);
		return TYPE_LIT("application/json", 0);
	case DP_MEDIA_NDJSON:
		if (compat)
			return TYPE_LIT("application/vnd.elasticsearch+x-ndjson;compatible-with=", compat);
		return TYPE_LIT("application/x-ndjson", 0);
	case DP_MEDIA_TEXT:
		return TYPE_LIT("text/plain; charset=UTF-8", 0);
	default:
		if (cap)
			buf[0] = '\0';
		return 0;
	}
}
