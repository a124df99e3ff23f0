/*
 * rest_search_template.c - search templates: _render/template, _search/template and
 * _msearch/template. A template is an inline "source" (string, or an object
 * taken as its JSON text) or the "id" of a stored mustache script, rendered
 * with "params" by dp_mustache (JSON escaping, as Elasticsearch's mustache
 * engine does for JSON content). _search/template and _msearch/template
 * then hand the rendered body to _search / _msearch by re-dispatching the
 * same HTTP request with the rendered body and the path without
 * "/template", so searches keep every query parameter and share one code
 * path with _search.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../script/dp_mustache.h"
#include "dp_script.h"

/* Render one template request body into out (compact JSON when the result
 * parses, which it must). id_param is the path's {id} (may be NULL). */
static int
template_render(osp_arena_t *a, const osp_json_t *body, const char *id_param, osp_json_t **out,
		osp_err_t *err)
{
	const osp_json_t *id = osp_json_get(body, "id"), *src = osp_json_get(body, "source");
	const osp_json_t *params = osp_json_get(body, "params");
	const char *text;
	size_t len;
	osp_buf_t b, r;
	osp_jw_t w;
	osp_json_error_t jerr;
	osp_json_limits_t lim = OSP_JSON_LIMITS_ES;
	int rc;

	if (!osp_json_is(body, OSP_JSON_OBJECT))
		return osp_err_set(err, 400, "parse_exception", "request body or source parameter is required");
	osp_buf_init(&b);
	if (id_param != NULL || osp_json_is(id, OSP_JSON_STRING)) {
		const char *name = id_param ? id_param : id->u.str;
		osp_json_t *s = dp_script_stored(a, name);
		const osp_json_t *lang = osp_json_get(s, "lang"), *ss = osp_json_get(s, "source");

		if (s == NULL)
			return osp_err_set(err, 404, "resource_not_found_exception",
					   "unable to find script [%s] in cluster state", name);
		if (!osp_json_is(lang, OSP_JSON_STRING) || strcmp(lang->u.str, "mustache") != 0)
			return dp_script_painless_err(err);
		text = osp_json_is(ss, OSP_JSON_STRING) ? ss->u.str : "";
		len = strlen(text);
	} else if (osp_json_is(src, OSP_JSON_STRING)) {
		text = src->u.str;
		len = src->len;
	} else if (osp_json_is(src, OSP_JSON_OBJECT)) {
		osp_jw_init(&w, &b, 0);
		osp_jw_value(&w, src);
		text = b.data;
		len = b.len;
	} else {
		return osp_err_set(err, 400, "illegal_argument_exception",
				   "template is missing");
	}
	if (params != NULL && !osp_json_is(params, OSP_JSON_OBJECT)) {
		osp_buf_free(&b);
		return osp_err_set(err, 400, "parse_exception", "[params] must be an object");
	}
	osp_buf_init(&r);
	rc = dp_mustache_render(text, len, params, DP_MUSTACHE_ESCAPE_JSON, &r, err);
	osp_buf_free(&b);
	if (rc == 0 && osp_json_parse(a, r.data ? r.data : "", r.len, &lim, out, &jerr) != 0)
		rc = osp_err_set(err, 400, "x_content_parse_exception", "[%u:%u] %s", jerr.line, jerr.column,
				 jerr.msg);
	osp_buf_free(&r);
	return rc;
}

static void
reply_fail(dp_rest_req_t *r, osp_err_t *err)
{
	if (err->status == 0)
		osp_err_set(err, 500, "out_of_memory_error", "no memory for the request");
	dp_rest_reply_err(r, err);
}

/* GET|POST /_render/template[/{id}] */
static void
rest_render_template(dp_rest_req_t *r)
{
	osp_json_t *body, *res;
	osp_err_t err;
	osp_buf_t out;
	osp_jw_t w;

	if (!dp_rest_body_json(r, &body))
		return;
	osp_err_clear(&err);
	if (body == NULL && dp_rest_param(r, "id"))
		body = osp_json_new_object(r->http->arena);
	if (template_render(r->http->arena, body, dp_rest_param(r, "id"), &res, &err) != 0) {
		reply_fail(r, &err);
		return;
	}
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "template_output");
	osp_jw_value(&w, res);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* Send the request on to the endpoint without the "/template" suffix, with
 * body as its body. */
static void
template_redispatch(dp_rest_req_t *r, osp_buf_t *body)
{
	dp_http_req_t *h = r->http;
	char *nb = osp_arena_strndup(h->arena, body->data ? body->data : "", body->len);
	size_t cut = strlen("/template");

	osp_buf_free(body);
	if (nb == NULL || h->path_len < cut || h->raw_path_len < cut) {
		osp_err_t err;

		osp_err_set(&err, 500, "out_of_memory_error", "no memory for the request");
		dp_rest_reply_err(r, &err);
		return;
	}
	h->body = nb;
	h->body_len = strlen(nb);
	h->has_body = h->body_len > 0;
	h->method = DP_HTTP_POST;
	h->path = osp_arena_strndup(h->arena, h->path, h->path_len - cut);
	h->path_len -= (uint32_t)cut;
	h->raw_path = osp_arena_strndup(h->arena, h->raw_path, h->raw_path_len - cut);
	h->raw_path_len -= (uint32_t)cut;
	dp_rest_dispatch(r->conn, h);
}

/* GET|POST /_search/template, /{index}/_search/template */
static void
rest_search_template(dp_rest_req_t *r)
{
	osp_json_t *body, *res;
	osp_err_t err;
	osp_buf_t out;
	osp_jw_t w;

	if (!dp_rest_body_json(r, &body))
		return;
	osp_err_clear(&err);
	if (template_render(r->http->arena, body, NULL, &res, &err) != 0) {
		reply_fail(r, &err);
		return;
	}
	osp_buf_init(&out);
	osp_jw_init(&w, &out, 0);
	osp_jw_value(&w, res);
	template_redispatch(r, &out);
}

/* GET|POST /_msearch/template, /{index}/_msearch/template: NDJSON pairs of
 * a header line and a template line, rewritten to _msearch pairs. */
static void
rest_msearch_template(dp_rest_req_t *r)
{
	osp_arena_t *a = r->http->arena;
	const char *p = r->http->body, *end = p + r->http->body_len;
	osp_json_limits_t lim = OSP_JSON_LIMITS_ES;
	unsigned line = 0;
	osp_err_t err;
	osp_buf_t out;
	osp_jw_t w;

	osp_err_clear(&err);
	osp_buf_init(&out);
	if (!r->http->has_body) {
		osp_err_set(&err, 400, "parse_exception", "request body or source parameter is required");
		goto fail;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		osp_json_t *v, *res;
		osp_json_error_t jerr;

		if (le == p || (le - p == 1 && *p == '\r')) {
			p = le + 1;
			continue;
		}
		if (osp_json_parse(a, p, (size_t)(le - p), &lim, &v, &jerr) != 0) {
			osp_err_set(&err, 400, "x_content_parse_exception", "[%u:%u] %s", line + 1, jerr.column, jerr.msg);
			goto fail;
		}
		osp_jw_init(&w, &out, 0);
		if (line % 2 == 0) {
			osp_jw_value(&w, v);
		} else {
			if (template_render(a, v, NULL, &res, &err) != 0)
				goto fail;
			osp_jw_value(&w, res);
		}
		osp_buf_putc(&out, '\n');
		line++;
		p = le + 1;
	}
	if (line % 2 != 0) {
		osp_err_set(&err, 400, "illegal_argument_exception",
			    "The msearch request must be terminated by a newline [\\n]");
		goto fail;
	}
	template_redispatch(r, &out);
	return;
fail:
	osp_buf_free(&out);
	reply_fail(r, &err);
}

void
rest_template_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_render/template", rest_render_template, 0);
	dp_rest_route(DP_HTTP_POST, "/_render/template", rest_render_template, 0);
	dp_rest_route(DP_HTTP_GET, "/_render/template/{id}", rest_render_template, 0);
	dp_rest_route(DP_HTTP_POST, "/_render/template/{id}", rest_render_template, 0);
	dp_rest_route(DP_HTTP_GET, "/_search/template", rest_search_template, 0);
	dp_rest_route(DP_HTTP_POST, "/_search/template", rest_search_template, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_search/template", rest_search_template, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_search/template", rest_search_template, 0);
	dp_rest_route(DP_HTTP_GET, "/_msearch/template", rest_msearch_template, 0);
	dp_rest_route(DP_HTTP_POST, "/_msearch/template", rest_msearch_template, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_msearch/template", rest_msearch_template, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_msearch/template", rest_msearch_template, 0);
}
