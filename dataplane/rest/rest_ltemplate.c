/*
 * rest_ltemplate.c - legacy index templates: PUT/POST/GET/HEAD/DELETE
 * /_template/{name}, as Elasticsearch's RestPutIndexTemplateAction and
 * friends (stored as "template" customs, see dp_tmpl.h).
 *
 * A put is validated and normalized here (index_patterns as a list, order,
 * version, settings flattened with the "index." prefix) and stored through
 * control; reads come from the local state.
 */
#include <stdio.h>
#include <string.h>

#include "../server/dp_ctl.h"
#include "dp_rest.h"
#include "dp_tmpl.h"

bool
dp_tmpl_write_patterns(osp_jw_t *w, const osp_json_t *v)
{
	osp_jw_key(w, "index_patterns");
	osp_jw_arr_begin(w);
	if (osp_json_is(v, OSP_JSON_STRING)) {
		for (const char *p = v->u.str; *p;) {
			size_t n = strcspn(p, ",");

			osp_jw_strn(w, p, n);
			p += n + (p[n] == ',');
		}
	} else {
		OSP_JSON_FOREACH(e, v) {
			if (!osp_json_is(e, OSP_JSON_STRING))
				return false;
			osp_jw_str(w, e->u.str);
		}
	}
	osp_jw_arr_end(w);
	return true;
}

static bool
ltmpl_known_key(const osp_json_t *m)
{
	static const char *const known[] = { "index_patterns", "template", "order", "version",
		"settings", "mappings", "aliases" };

	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
		if (osp_json_key_eq(m, known[k]))
			return true;
	}
	return false;
}

static void
ltmpl_write_obj(osp_jw_t *w, const char *key, const osp_json_t *v)
{
	osp_jw_key(w, key);
	if (osp_json_is(v, OSP_JSON_OBJECT))
		osp_jw_value(w, v);
	else
		osp_jw_raw(w, "{}", 2);
}

/* PUT|POST /_template/{name} */
static void
rest_ltemplate_put(dp_rest_req_t *r)
{
	const char *name = dp_rest_param(r, "name");
	osp_json_t *body, *flat;
	const osp_json_t *pat, *ov;
	osp_err_t err;
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;
	bool ok = true, create = dp_rest_qs_bool(r, "create", false, &ok);
	int64_t order;

	if (!ok || !dp_rest_body_json(r, &body))
		return;
	order = dp_rest_qs_int(r, "order", 0, &ok);
	if (!ok)
		return;
	pat = osp_json_get(body, "index_patterns");
	if (pat == NULL)
		pat = osp_json_get(body, "template");
	if (!osp_json_is(body, OSP_JSON_OBJECT) || pat == NULL ||
	    (osp_json_is(pat, OSP_JSON_ARRAY) && pat->len == 0)) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: index patterns are missing;");
		goto fail;
	}
	OSP_JSON_FOREACH(m, body) {
		if (!ltmpl_known_key(m)) {
			osp_err_illegal_argument(&err, "unknown key [%.*s] in the template ",
						 (int)m->key_len, m->key);
			goto fail;
		}
	}
	if (create && dp_tmpl_get(DP_TMPL_LEGACY, name) != NULL) {
		osp_err_illegal_argument(&err, "index_template [%s] already exists", name);
		goto fail;
	}
	ov = osp_json_get(body, "order");
	if (osp_json_is(ov, OSP_JSON_NUMBER))
		order = ov->i;
	flat = dp_tmpl_flat_settings(r->http->arena, osp_json_get(body, "settings"), &err);
	if (flat == NULL)
		goto fail;
	osp_jw_init(&w, &b, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_int(&w, "order", order);
	if (osp_json_is(osp_json_get(body, "version"), OSP_JSON_NUMBER))
		osp_jw_kv_int(&w, "version", osp_json_get(body, "version")->i);
	if (!dp_tmpl_write_patterns(&w, pat)) {
		osp_err_set(&err, 400, "x_content_parse_exception",
			    "[index_patterns] must be a string or an array of strings");
		goto fail;
	}
	osp_jw_key(&w, "settings");
	osp_jw_value(&w, flat);
	ltmpl_write_obj(&w, "mappings", osp_json_get(body, "mappings"));
	ltmpl_write_obj(&w, "aliases", osp_json_get(body, "aliases"));
	osp_jw_obj_end(&w);
	dp_tmpl_put(r, DP_TMPL_LEGACY, name, &b, create);
	return;
fail:
	osp_buf_free(&b);
	dp_rest_reply_err(r, &err);
}

/* GET /_template[/{name}] */
static void
rest_ltemplate_get(dp_rest_req_t *r)
{
	const char *name = dp_rest_param(r, "name");
	const osp_custom_t **list;
	osp_buf_t out;
	osp_jw_t w;
	bool ok = true, flat = dp_rest_qs_bool(r, "flat_settings", false, &ok);
	uint32_t n;

	if (!ok)
		return;
	n = dp_tmpl_list(DP_TMPL_LEGACY, name, r->http->arena, &list);
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	for (uint32_t i = 0; i < n; i++) {
		osp_json_t *b = dp_tmpl_parse(list[i], r->http->arena);

		if (b == NULL)
			continue;
		osp_jw_key(&w, list[i]->name);
		osp_jw_obj_begin(&w);
		OSP_JSON_FOREACH(m, b) {
			osp_jw_keyn(&w, m->key, m->key_len);
			if (osp_json_key_eq(m, "settings"))
				dp_tmpl_write_settings(&w, m, flat);
			else
				osp_jw_value(&w, m);
		}
		osp_jw_obj_end(&w);
	}
	osp_jw_obj_end(&w);
	/* a missing name (no wildcard) is 404 with an empty object */
	dp_rest_reply(r, n == 0 && name && !dp_tmpl_is_wildcard(name) ? 404 : 200, &out);
}

/* HEAD /_template/{name} */
static void
rest_ltemplate_exists(dp_rest_req_t *r)
{
	dp_tmpl_exists(r, DP_TMPL_LEGACY);
}

/* DELETE /_template/{name} */
static void
rest_ltemplate_delete(dp_rest_req_t *r)
{
	const char *name = dp_rest_param(r, "name");
	const osp_custom_t **list;
	const char **names;
	osp_err_t err;
	uint32_t n = dp_tmpl_list(DP_TMPL_LEGACY, name, r->http->arena, &list);

	if (n == 0) {
		if (strcmp(name, "*") == 0 || strcmp(name, "_all") == 0) {
			dp_rest_reply_ack(r, true);
			return;
		}
		osp_err_set(&err, 404, "index_template_missing_exception",
			    "index_template [%s] missing", name);
		dp_rest_reply_err(r, &err);
		return;
	}
	names = osp_arena_alloc(r->http->arena, n * sizeof(*names));
	if (names == NULL) {
		osp_err_set(&err, 500, "exception", "out of memory");
		dp_rest_reply_err(r, &err);
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		names[i] = list[i]->name;
	dp_ctl_delete_custom(DP_TMPL_LEGACY, names, n, dp_tmpl_ctl_ack, r);
}

void
rest_ltemplate_routes(void)
{
	dp_rest_route(DP_HTTP_PUT, "/_template/{name}", rest_ltemplate_put, 0);
	dp_rest_route(DP_HTTP_POST, "/_template/{name}", rest_ltemplate_put, 0);
	dp_rest_route(DP_HTTP_GET, "/_template", rest_ltemplate_get, 0);
	dp_rest_route(DP_HTTP_GET, "/_template/{name}", rest_ltemplate_get, 0);
	dp_rest_route(DP_HTTP_HEAD, "/_template/{name}", rest_ltemplate_exists, 0);
	dp_rest_route(DP_HTTP_DELETE, "/_template/{name}", rest_ltemplate_delete, 0);
}
