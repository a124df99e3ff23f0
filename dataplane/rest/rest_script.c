/*
 * rest_script.c - stored scripts (PUT/GET/DELETE _scripts/{id}), the script
 * contexts and languages, and _scripts/painless/_execute.
 *
 * A stored script is a cluster-state custom of type "stored_script" whose
 * body is {"lang":..,"source":"..","options":{..}} as GET returns it under
 * "script" (a mustache source given as an object is kept as its JSON text,
 * as Elasticsearch does). Mustache scripts are checked by rendering them
 * once with no parameters; Painless scripts are stored and returned but
 * Osprey cannot run them, so every API that would execute one answers
 * illegal_argument_exception "script_lang not supported [painless]".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../script/dp_mustache.h"
#include "../server/dp_ctl.h"
#include "dp_customs.h"
#include "dp_script.h"

int
dp_script_painless_err(osp_err_t *err)
{
	return osp_err_set(err, 400, "illegal_argument_exception", "script_lang not supported [painless]");
}

int
dp_script_parse(osp_arena_t *a, const osp_json_t *script, bool stored, osp_json_t **out, osp_err_t *err)
{
	const osp_json_t *lang = osp_json_get(script, "lang");
	const osp_json_t *src = osp_json_get(script, "source");
	const osp_json_t *opts = osp_json_get(script, "options");
	osp_json_t *o;
	osp_buf_t b;
	osp_jw_t w;

	if (src == NULL)
		src = osp_json_get(script, "code");
	if (!osp_json_is(script, OSP_JSON_OBJECT))
		return osp_err_set(err, 400, "parse_exception", "unable to parse stored script");
	if (stored && lang == NULL)
		return osp_err_set(err, 400, "illegal_argument_exception", "must specify lang for stored script");
	if (lang != NULL && !osp_json_is(lang, OSP_JSON_STRING))
		return osp_err_set(err, 400, "parse_exception", "unexpected token for [lang]");
	if (src == NULL || (src->type == OSP_JSON_STRING && src->len == 0))
		return osp_err_set(err, 400, "illegal_argument_exception", "must specify source for stored script");
	const char *l = lang ? lang->u.str : "painless";

	if (strcmp(l, "mustache") != 0 && strcmp(l, "painless") != 0)
		return osp_err_set(err, 400, "illegal_argument_exception", "script_lang not supported [%s]", l);
	if (src->type != OSP_JSON_STRING && (src->type != OSP_JSON_OBJECT || strcmp(l, "mustache") != 0))
		return osp_err_set(err, 400, "parse_exception", "unexpected token for [source]");
	o = osp_json_new_object(a);
	if (o == NULL || osp_json_append(a, o, "lang", 4, osp_json_new_string(a, l, strlen(l))) != 0)
		return -ENOMEM;
	osp_buf_init(&b);
	if (src->type == OSP_JSON_STRING) {
		osp_buf_append(&b, src->u.str, src->len);
	} else {
		osp_jw_init(&w, &b, 0);
		osp_jw_value(&w, src);
	}
	if (strcmp(l, "mustache") == 0) {
		osp_buf_t tmp;
		int rc;

		osp_buf_init(&tmp);
		rc = dp_mustache_render(b.data ? b.data : "", b.len, NULL, DP_MUSTACHE_ESCAPE_JSON, &tmp, err);
		osp_buf_free(&tmp);
		if (rc != 0) {
			osp_buf_free(&b);
			return rc;
		}
	}
	int rc = osp_json_append(a, o, "source", 6, osp_json_new_string(a, b.data ? b.data : "", b.len));

	osp_buf_free(&b);
	if (rc != 0)
		return -ENOMEM;
	if (opts != NULL) {
		if (!osp_json_is(opts, OSP_JSON_OBJECT))
			return osp_err_set(err, 400, "parse_exception", "unexpected token for [options]");
		rc = osp_json_append(a, o, "options", 7, osp_json_clone(a, opts));
	} else if (src->type == OSP_JSON_OBJECT) {
		osp_json_t *ct = osp_json_new_object(a);

		rc = ct ? osp_json_append(a, ct, "content_type", 12,
					  osp_json_new_string(a, "application/json;charset=utf-8", 30)) : -ENOMEM;
		if (rc == 0)
			rc = osp_json_append(a, o, "options", 7, ct);
	}
	if (rc != 0)
		return -ENOMEM;
	*out = o;
	return 0;
}

osp_json_t *
dp_script_stored(osp_arena_t *a, const char *id)
{
	const osp_custom_t *c = dp_ctl_custom(DP_SCRIPT_CUSTOM, id);

	return c ? dp_customs_body(a, c) : NULL;
}

/* PUT|POST /_scripts/{id}[/{context}] */
static void
rest_script_put(dp_rest_req_t *r)
{
	const char *id = dp_rest_param(r, "id");
	osp_json_t *body, *script;
	osp_err_t err;

	if (!dp_rest_body_json(r, &body))
		return;
	osp_err_clear(&err);
	if (body == NULL) {
		osp_err_set(&err, 400, "parse_exception", "request body is required");
		goto fail;
	}
	if (!osp_json_is(osp_json_get(body, "script"), OSP_JSON_OBJECT)) {
		osp_err_set(&err, 400, "parse_exception", "unable to parse stored script: [script] is missing");
		goto fail;
	}
	if (dp_script_parse(r->http->arena, osp_json_get(body, "script"), true, &script, &err) != 0)
		goto fail;
	dp_customs_put(r, DP_SCRIPT_CUSTOM, id, script, false);
	return;
fail:
	if (err.status == 0)
		osp_err_set(&err, 500, "out_of_memory_error", "no memory for the request");
	dp_rest_reply_err(r, &err);
}

/* GET /_scripts/{id} */
static void
rest_script_get(dp_rest_req_t *r)
{
	const char *id = dp_rest_param(r, "id");
	const osp_custom_t *c = dp_ctl_custom(DP_SCRIPT_CUSTOM, id);
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "_id", id);
	osp_jw_kv_bool(&w, "found", c != NULL);
	if (c) {
		osp_jw_key(&w, "script");
		osp_jw_raw(&w, c->body, c->body_len);
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(r, c ? 200 : 404, &out);
}

/* DELETE /_scripts/{id} */
static void
rest_script_delete(dp_rest_req_t *r)
{
	const char *id = dp_rest_param(r, "id");
	const osp_custom_t *c = dp_ctl_custom(DP_SCRIPT_CUSTOM, id);
	osp_err_t err;

	if (c == NULL) {
		osp_err_set(&err, 404, "resource_not_found_exception", "stored script [%s] does not exist", id);
		dp_rest_reply_err(r, &err);
		return;
	}
	dp_customs_delete(r, DP_SCRIPT_CUSTOM, &c, 1);
}

/* Elasticsearch's script contexts with their execute() signatures. */
static const struct {
	const char *name;
	const char *ret;
} script_contexts[] = {
	{ "aggregation_selector", "boolean" },
	{ "aggs", "java.lang.Object" },
	{ "aggs_combine", "java.lang.Object" },
	{ "aggs_init", "void" },
	{ "aggs_map", "void" },
	{ "aggs_reduce", "java.lang.Object" },
	{ "analysis", "boolean" },
	{ "bucket_aggregation", "java.lang.Number" },
	{ "field", "java.lang.Object" },
	{ "filter", "boolean" },
	{ "ingest", "void" },
	{ "interval", "boolean" },
	{ "number_sort", "double" },
	{ "painless_test", "java.lang.Object" },
	{ "processor_conditional", "boolean" },
	{ "score", "double" },
	{ "script_heuristic", "double" },
	{ "similarity", "double" },
	{ "similarity_weight", "double" },
	{ "string_sort", "java.lang.String" },
	{ "template", "java.lang.String" },
	{ "terms_set", "java.lang.Number" },
	{ "update", "void" },
};

/* GET /_script_context */
static void
rest_script_context(dp_rest_req_t *r)
{
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "contexts");
	osp_jw_arr_begin(&w);
	for (size_t i = 0; i < sizeof(script_contexts) / sizeof(script_contexts[0]); i++) {
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "name", script_contexts[i].name);
		osp_jw_key(&w, "methods");
		osp_jw_arr_begin(&w);
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "name", "execute");
		osp_jw_kv_str(&w, "return_type", script_contexts[i].ret);
		osp_jw_key(&w, "params");
		osp_jw_arr_begin(&w);
		osp_jw_arr_end(&w);
		osp_jw_obj_end(&w);
		osp_jw_arr_end(&w);
		osp_jw_obj_end(&w);
	}
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* GET /_script_language: mustache runs (search templates); painless can
 * only be stored. */
static void
rest_script_language(dp_rest_req_t *r)
{
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "types_allowed");
	osp_jw_arr_begin(&w);
	osp_jw_str(&w, "inline");
	osp_jw_str(&w, "stored");
	osp_jw_arr_end(&w);
	osp_jw_key(&w, "language_contexts");
	osp_jw_arr_begin(&w);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "language", "mustache");
	osp_jw_key(&w, "contexts");
	osp_jw_arr_begin(&w);
	osp_jw_str(&w, "template");
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* POST /_scripts/painless/_execute */
static void
rest_script_execute(dp_rest_req_t *r)
{
	osp_err_t err;

	dp_script_painless_err(&err);
	dp_rest_reply_err(r, &err);
}

void
rest_script_routes(void)
{
	dp_rest_route(DP_HTTP_PUT, "/_scripts/{id}", rest_script_put, 0);
	dp_rest_route(DP_HTTP_POST, "/_scripts/{id}", rest_script_put, 0);
	dp_rest_route(DP_HTTP_PUT, "/_scripts/{id}/{context}", rest_script_put, 0);
	dp_rest_route(DP_HTTP_POST, "/_scripts/{id}/{context}", rest_script_put, 0);
	dp_rest_route(DP_HTTP_GET, "/_scripts/{id}", rest_script_get, 0);
	dp_rest_route(DP_HTTP_DELETE, "/_scripts/{id}", rest_script_delete, 0);
	dp_rest_route(DP_HTTP_GET, "/_script_context", rest_script_context, 0);
	dp_rest_route(DP_HTTP_GET, "/_script_language", rest_script_language, 0);
	dp_rest_route(DP_HTTP_GET, "/_scripts/painless/_execute", rest_script_execute, 0);
	dp_rest_route(DP_HTTP_POST, "/_scripts/painless/_execute", rest_script_execute, 0);
}
