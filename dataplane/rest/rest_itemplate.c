/*
 * rest_itemplate.c - composable index templates (/_index_template) and
 * component templates (/_component_template): put, get, exists, delete, as
 * Elasticsearch's MetadataIndexTemplateService validates them (missing
 * component templates, overlapping patterns at equal priority, templates
 * still in use). Stored as "index_template" / "component_template" customs
 * (dp_tmpl.h); the simulate APIs are in rest_tmpl_simulate.c.
 */
#include <stdio.h>
#include <string.h>

#include "osprey/buf.h"
#include "../server/dp_ctl.h"
#include "dp_rest.h"
#include "dp_tmpl.h"

/* Write the "template" part {settings (flat), mappings, aliases, ..}. */
static int
itmpl_write_part(osp_jw_t *w, const osp_json_t *t, osp_arena_t *a, osp_err_t *err)
{
	osp_jw_obj_begin(w);
	OSP_JSON_FOREACH(m, t) {
		if (osp_json_key_eq(m, "settings")) {
			osp_json_t *flat = dp_tmpl_flat_settings(a, m, err);

			if (flat == NULL)
				return -1;
			osp_jw_key(w, "settings");
			osp_jw_value(w, flat);
		} else if (osp_json_key_eq(m, "mappings") || osp_json_key_eq(m, "aliases") ||
			   osp_json_key_eq(m, "lifecycle") || osp_json_key_eq(m, "data_stream_options")) {
			osp_jw_keyn(w, m->key, m->key_len);
			osp_jw_value(w, m);
		} else {
			return osp_err_set(err, 400, "x_content_parse_exception",
					   "[template] unknown field [%.*s]", (int)m->key_len, m->key);
		}
	}
	osp_jw_obj_end(w);
	return 0;
}

/* Reject a key not in known (ES's ObjectParser wording). */
static int
itmpl_known(const osp_json_t *body, const char *what, const char *const *known, size_t n,
	    osp_err_t *err)
{
	OSP_JSON_FOREACH(m, body) {
		size_t k;

		for (k = 0; k < n; k++) {
			if (osp_json_key_eq(m, known[k]))
				break;
		}
		if (k == n)
			return osp_err_set(err, 400, "x_content_parse_exception",
					   "[%s] unknown field [%.*s]", what, (int)m->key_len, m->key);
	}
	return 0;
}

/* Java's List.toString of a JSON string array: "[a, b]". */
static void
java_list(osp_buf_t *b, const char *const *v, uint32_t n)
{
	osp_buf_puts(b, "[");
	for (uint32_t i = 0; i < n; i++) {
		osp_buf_puts(b, i ? ", " : "");
		osp_buf_puts(b, v[i]);
	}
	osp_buf_puts(b, "]");
}

static uint32_t
json_strs(const osp_json_t *arr, const char **out, uint32_t max)
{
	uint32_t n = 0;

	OSP_JSON_FOREACH(e, arr) {
		if (osp_json_is(e, OSP_JSON_STRING) && n < max)
			out[n++] = e->u.str;
	}
	return n;
}

#define ITMPL_MAX_LIST 256

/* Component templates composed_of names that do not exist. */
static int
itmpl_check_components(const char *name, const osp_json_t *body, osp_err_t *err)
{
	const char *missing[ITMPL_MAX_LIST];
	uint32_t n = 0;
	const osp_json_t *ign = osp_json_get(body, "ignore_missing_component_templates");

	OSP_JSON_FOREACH(c, osp_json_get(body, "composed_of")) {
		bool ignored = false;

		if (!osp_json_is(c, OSP_JSON_STRING) || dp_tmpl_get(DP_TMPL_COMPONENT, c->u.str))
			continue;
		OSP_JSON_FOREACH(i, ign)
			ignored |= osp_json_is(i, OSP_JSON_STRING) && strcmp(i->u.str, c->u.str) == 0;
		if (!ignored && n < ITMPL_MAX_LIST)
			missing[n++] = c->u.str;
	}
	if (n == 0)
		return 0;
	osp_buf_t b = OSP_BUF_INIT;

	java_list(&b, missing, n);
	osp_err_illegal_argument(err, "index template [%s] specifies component templates %s "
				 "that do not exist", name, b.data ? b.data : "[]");
	osp_buf_free(&b);
	return -1;
}

/* Same-priority templates whose patterns overlap (MetadataIndexTemplateService
 * findConflictingV2Templates). */
static int
itmpl_check_overlap(const char *name, const osp_json_t *body, osp_arena_t *a, osp_err_t *err)
{
	const osp_custom_t **all;
	uint32_t n = dp_tmpl_list(DP_TMPL_INDEX, NULL, a, &all);
	const osp_json_t *pv = osp_json_get(body, "priority");
	int64_t prio = osp_json_is(pv, OSP_JSON_NUMBER) ? pv->i : 0;
	osp_buf_t names = OSP_BUF_INIT, pats = OSP_BUF_INIT, mine = OSP_BUF_INIT;
	const char *list[ITMPL_MAX_LIST];
	int rc = 0;

	for (uint32_t i = 0; i < n; i++) {
		osp_json_t *ob = dp_tmpl_parse(all[i], a);
		const osp_json_t *op;
		bool hit = false;

		if (ob == NULL || strcmp(all[i]->name, name) == 0)
			continue;
		op = osp_json_get(ob, "priority");
		if ((osp_json_is(op, OSP_JSON_NUMBER) ? op->i : 0) != prio)
			continue;
		OSP_JSON_FOREACH(p, osp_json_get(body, "index_patterns")) {
			OSP_JSON_FOREACH(q, osp_json_get(ob, "index_patterns")) {
				if (osp_json_is(p, OSP_JSON_STRING) && osp_json_is(q, OSP_JSON_STRING) &&
				    dp_tmpl_glob_overlap(p->u.str, q->u.str))
					hit = true;
			}
		}
		if (!hit)
			continue;
		osp_buf_puts(&names, names.len ? "," : "");
		osp_buf_puts(&names, all[i]->name);
		osp_buf_puts(&pats, pats.len ? "," : "");
		osp_buf_puts(&pats, all[i]->name);
		osp_buf_puts(&pats, " => ");
		java_list(&pats, list, json_strs(osp_json_get(ob, "index_patterns"), list,
						  ITMPL_MAX_LIST));
	}
	if (names.len) {
		java_list(&mine, list, json_strs(osp_json_get(body, "index_patterns"), list,
						 ITMPL_MAX_LIST));
		osp_err_illegal_argument(err, "index template [%s] has index patterns %s matching "
					 "patterns from existing templates [%s] with patterns (%s) that "
					 "have the same priority [%lld], multiple index templates may "
					 "not match during index creation, please use a different priority",
					 name, mine.data, names.data, pats.data, (long long)prio);
		rc = -1;
	}
	osp_buf_free(&names);
	osp_buf_free(&pats);
	osp_buf_free(&mine);
	return rc;
}

/* Normalize a composable template body into w (GET shape, flat settings). */
int
dp_tmpl_write_v2(const char *name, const osp_json_t *body, osp_arena_t *a, osp_jw_t *w,
		 osp_err_t *err)
{
	static const char *const known[] = { "index_patterns", "template", "composed_of",
		"priority", "version", "_meta", "data_stream", "allow_auto_create",
		"ignore_missing_component_templates", "deprecated" };
	static const char *const rest[] = { "priority", "version", "_meta", "data_stream",
		"allow_auto_create", "ignore_missing_component_templates", "deprecated" };
	const osp_json_t *pat = osp_json_get(body, "index_patterns");

	(void)name;
	if (!osp_json_is(body, OSP_JSON_OBJECT) || pat == NULL ||
	    (osp_json_is(pat, OSP_JSON_ARRAY) && pat->len == 0))
		return osp_err_set(err, 400, "action_request_validation_exception",
				   "Validation Failed: 1: index patterns are missing;");
	if (itmpl_known(body, "index_template", known, sizeof(known) / sizeof(known[0]), err))
		return -1;
	osp_jw_obj_begin(w);
	if (!dp_tmpl_write_patterns(w, pat))
		return osp_err_set(err, 400, "x_content_parse_exception",
				   "[index_template] failed to parse field [index_patterns]");
	if (osp_json_get(body, "template")) {
		osp_jw_key(w, "template");
		if (itmpl_write_part(w, osp_json_get(body, "template"), a, err))
			return -1;
	}
	osp_jw_key(w, "composed_of");
	if (osp_json_is(osp_json_get(body, "composed_of"), OSP_JSON_ARRAY))
		osp_jw_value(w, osp_json_get(body, "composed_of"));
	else
		osp_jw_raw(w, "[]", 2);
	for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++) {
		const osp_json_t *v = osp_json_get(body, rest[i]);

		if (v) {
			osp_jw_key(w, rest[i]);
			osp_jw_value(w, v);
		}
	}
	osp_jw_obj_end(w);
	return 0;
}

int
dp_tmpl_normalize_v2(const char *name, const osp_json_t *body, osp_arena_t *a, osp_buf_t *b,
		     osp_json_t **norm, osp_err_t *err)
{
	osp_json_error_t jerr;
	osp_jw_t w;

	osp_jw_init(&w, b, 0);
	if (dp_tmpl_write_v2(name, body, a, &w, err) != 0)
		return -1;
	if (osp_buf_failed(b) || osp_json_parse(a, b->data, b->len, NULL, norm, &jerr) != 0)
		return osp_err_set(err, 500, "exception", "out of memory");
	return 0;
}

/* PUT|POST /_index_template/{name} */
static void
rest_itemplate_put(dp_rest_req_t *r)
{
	const char *name = dp_rest_param(r, "name");
	osp_arena_t *a = r->http->arena;
	osp_json_t *body, *norm = NULL;
	osp_err_t err;
	osp_buf_t b = OSP_BUF_INIT;
	bool ok = true, create = dp_rest_qs_bool(r, "create", false, &ok);

	if (!ok || !dp_rest_body_json(r, &body))
		return;
	if (dp_tmpl_normalize_v2(name, body, a, &b, &norm, &err) != 0)
		goto fail;
	if (create && dp_tmpl_get(DP_TMPL_INDEX, name) != NULL) {
		osp_err_illegal_argument(&err, "index template [%s] already exists", name);
		goto fail;
	}
	if (itmpl_check_components(name, norm, &err) || itmpl_check_overlap(name, norm, a, &err))
		goto fail;
	dp_tmpl_put(r, DP_TMPL_INDEX, name, &b, create);
	return;
fail:
	osp_buf_free(&b);
	dp_rest_reply_err(r, &err);
}

/* PUT|POST /_component_template/{name} */
static void
rest_ctemplate_put(dp_rest_req_t *r)
{
	static const char *const known[] = { "template", "version", "_meta", "deprecated" };
	const char *name = dp_rest_param(r, "name");
	osp_json_t *body;
	osp_err_t err;
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;
	bool ok = true, create = dp_rest_qs_bool(r, "create", false, &ok);

	if (!ok || !dp_rest_body_json(r, &body))
		return;
	if (!osp_json_is(body, OSP_JSON_OBJECT) || !osp_json_get(body, "template")) {
		osp_err_set(&err, 400, "x_content_parse_exception",
			    "Required [template]");
		goto fail;
	}
	if (itmpl_known(body, "component_template", known, sizeof(known) / sizeof(known[0]), &err))
		goto fail;
	if (create && dp_tmpl_get(DP_TMPL_COMPONENT, name) != NULL) {
		osp_err_illegal_argument(&err, "component template [%s] already exists", name);
		goto fail;
	}
	osp_jw_init(&w, &b, 0);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "template");
	if (itmpl_write_part(&w, osp_json_get(body, "template"), r->http->arena, &err))
		goto fail;
	for (size_t i = 1; i < sizeof(known) / sizeof(known[0]); i++) {
		const osp_json_t *v = osp_json_get(body, known[i]);

		if (v) {
			osp_jw_key(&w, known[i]);
			osp_jw_value(&w, v);
		}
	}
	osp_jw_obj_end(&w);
	dp_tmpl_put(r, DP_TMPL_COMPONENT, name, &b, create);
	return;
fail:
	osp_buf_free(&b);
	dp_rest_reply_err(r, &err);
}

/* A stored body with template.settings rendered nested (or flat). */
void
dp_tmpl_write_stored(osp_jw_t *w, const osp_json_t *body, bool flat)
{
	osp_jw_obj_begin(w);
	OSP_JSON_FOREACH(m, body) {
		osp_jw_keyn(w, m->key, m->key_len);
		if (!osp_json_key_eq(m, "template") || !osp_json_is(m, OSP_JSON_OBJECT)) {
			osp_jw_value(w, m);
			continue;
		}
		osp_jw_obj_begin(w);
		OSP_JSON_FOREACH(t, m) {
			osp_jw_keyn(w, t->key, t->key_len);
			if (osp_json_key_eq(t, "settings"))
				dp_tmpl_write_settings(w, t, flat);
			else
				osp_jw_value(w, t);
		}
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
}

/* GET /_index_template[/{name}], GET /_component_template[/{name}] */
static void
itmpl_get(dp_rest_req_t *r, const char *type, const char *list_key, const char *item_key,
	  const char *what)
{
	const char *name = dp_rest_param(r, "name");
	const osp_custom_t **list;
	osp_buf_t out;
	osp_jw_t w;
	osp_err_t err;
	bool ok = true, flat = dp_rest_qs_bool(r, "flat_settings", false, &ok);
	uint32_t n;

	if (!ok)
		return;
	n = dp_tmpl_list(type, name, r->http->arena, &list);
	if (n == 0 && name && !dp_tmpl_is_wildcard(name)) {
		osp_err_set(&err, 404, "resource_not_found_exception", "%s matching [%s] not found",
			    what, name);
		dp_rest_reply_err(r, &err);
		return;
	}
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, list_key);
	osp_jw_arr_begin(&w);
	for (uint32_t i = 0; i < n; i++) {
		osp_json_t *b = dp_tmpl_parse(list[i], r->http->arena);

		if (b == NULL)
			continue;
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "name", list[i]->name);
		osp_jw_key(&w, item_key);
		dp_tmpl_write_stored(&w, b, flat);
		osp_jw_obj_end(&w);
	}
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

static void
rest_itemplate_get(dp_rest_req_t *r)
{
	itmpl_get(r, DP_TMPL_INDEX, "index_templates", "index_template", "index template");
}

static void
rest_ctemplate_get(dp_rest_req_t *r)
{
	itmpl_get(r, DP_TMPL_COMPONENT, "component_templates", "component_template",
		  "component template");
}

void
dp_tmpl_exists(dp_rest_req_t *r, const char *type)
{
	const osp_custom_t **list;
	osp_buf_t out;
	uint32_t n = dp_tmpl_list(type, dp_rest_param(r, "name"), r->http->arena, &list);

	osp_buf_init(&out);
	dp_server_respond(r, n > 0 ? 200 : 404, DP_MEDIA_JSON, &out);
}

static void
rest_itemplate_exists(dp_rest_req_t *r)
{
	dp_tmpl_exists(r, DP_TMPL_INDEX);
}

static void
rest_ctemplate_exists(dp_rest_req_t *r)
{
	dp_tmpl_exists(r, DP_TMPL_COMPONENT);
}

/* Names of stored (not built-in) templates among list. */
static uint32_t
itmpl_stored(const osp_custom_t **list, uint32_t n, const char **names)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (!dp_tmpl_is_builtin(list[i]))
			names[k++] = list[i]->name;
	}
	return k;
}

/* DELETE /_index_template/{name} */
static void
rest_itemplate_delete(dp_rest_req_t *r)
{
	const char *expr = dp_rest_param(r, "name");
	const osp_custom_t **list, *ds;
	const char **names;
	osp_err_t err;
	uint32_t n = dp_tmpl_list(DP_TMPL_INDEX, expr, r->http->arena, &list), k, nds;

	if (n == 0 && strcmp(expr, "*") != 0 && strcmp(expr, "_all") != 0) {
		osp_err_set(&err, 404, "index_template_missing_exception", "index_template [%s] missing",
			    expr);
		dp_rest_reply_err(r, &err);
		return;
	}
	names = osp_arena_alloc(r->http->arena, (n + 1) * sizeof(*names));
	k = names ? itmpl_stored(list, n, names) : 0;
	/* a data stream's template cannot go while the stream exists */
	dp_ctl_customs("data_stream", &ds, &nds);
	for (uint32_t i = 0; i < nds; i++) {
		osp_json_t *b = dp_tmpl_parse(&ds[i], r->http->arena);
		const osp_json_t *t = osp_json_get(b, "template");

		for (uint32_t j = 0; j < k; j++) {
			if (osp_json_is(t, OSP_JSON_STRING) && strcmp(t->u.str, names[j]) == 0) {
				osp_err_illegal_argument(&err, "unable to remove composable templates "
							 "[%s] as they are in use by a data streams [%s]",
							 names[j], ds[i].name);
				dp_rest_reply_err(r, &err);
				return;
			}
		}
	}
	if (k == 0) {
		dp_rest_reply_ack(r, true);   /* built-ins come back, as ES's registry */
		return;
	}
	dp_ctl_delete_custom(DP_TMPL_INDEX, names, k, dp_tmpl_ctl_ack, r);
}

/* DELETE /_component_template/{name} */
static void
rest_ctemplate_delete(dp_rest_req_t *r)
{
	const char *expr = dp_rest_param(r, "name");
	const osp_custom_t **list, **users;
	const char **names;
	osp_err_t err;
	osp_buf_t used = OSP_BUF_INIT, by = OSP_BUF_INIT;
	uint32_t n = dp_tmpl_list(DP_TMPL_COMPONENT, expr, r->http->arena, &list), k;
	uint32_t nu = dp_tmpl_list(DP_TMPL_INDEX, NULL, r->http->arena, &users);

	if (n == 0 && strcmp(expr, "*") != 0 && strcmp(expr, "_all") != 0) {
		osp_err_set(&err, 404, "resource_not_found_exception", "%s", expr);
		dp_rest_reply_err(r, &err);
		return;
	}
	names = osp_arena_alloc(r->http->arena, (n + 1) * sizeof(*names));
	k = names ? itmpl_stored(list, n, names) : 0;
	for (uint32_t u = 0; u < nu; u++) {
		osp_json_t *b = dp_tmpl_parse(users[u], r->http->arena);
		bool uses = false;

		OSP_JSON_FOREACH(c, osp_json_get(b, "composed_of")) {
			for (uint32_t j = 0; j < n; j++) {
				if (!osp_json_is(c, OSP_JSON_STRING) || strcmp(c->u.str, list[j]->name))
					continue;
				uses = true;
				if (!strstr(used.data ? used.data : "", list[j]->name)) {
					osp_buf_puts(&used, used.len ? ", " : "");
					osp_buf_puts(&used, list[j]->name);
				}
			}
		}
		if (uses && !dp_tmpl_is_builtin(users[u])) {
			osp_buf_puts(&by, by.len ? ", " : "");
			osp_buf_puts(&by, users[u]->name);
		}
	}
	if (by.len) {
		osp_err_illegal_argument(&err, "component templates [%s] cannot be removed as they "
					 "are still in use by index templates [%s]", used.data, by.data);
		osp_buf_free(&used);
		osp_buf_free(&by);
		dp_rest_reply_err(r, &err);
		return;
	}
	osp_buf_free(&used);
	osp_buf_free(&by);
	if (k == 0) {
		dp_rest_reply_ack(r, true);
		return;
	}
	dp_ctl_delete_custom(DP_TMPL_COMPONENT, names, k, dp_tmpl_ctl_ack, r);
}

void
rest_itemplate_routes(void)
{
	dp_rest_route(DP_HTTP_PUT, "/_index_template/{name}", rest_itemplate_put, 0);
	dp_rest_route(DP_HTTP_POST, "/_index_template/{name}", rest_itemplate_put, 0);
	dp_rest_route(DP_HTTP_GET, "/_index_template", rest_itemplate_get, 0);
	dp_rest_route(DP_HTTP_GET, "/_index_template/{name}", rest_itemplate_get, 0);
	dp_rest_route(DP_HTTP_HEAD, "/_index_template/{name}", rest_itemplate_exists, 0);
	dp_rest_route(DP_HTTP_DELETE, "/_index_template/{name}", rest_itemplate_delete, 0);
	dp_rest_route(DP_HTTP_PUT, "/_component_template/{name}", rest_ctemplate_put, 0);
	dp_rest_route(DP_HTTP_POST, "/_component_template/{name}", rest_ctemplate_put, 0);
	dp_rest_route(DP_HTTP_GET, "/_component_template", rest_ctemplate_get, 0);
	dp_rest_route(DP_HTTP_GET, "/_component_template/{name}", rest_ctemplate_get, 0);
	dp_rest_route(DP_HTTP_HEAD, "/_component_template/{name}", rest_ctemplate_exists, 0);
	dp_rest_route(DP_HTTP_DELETE, "/_component_template/{name}", rest_ctemplate_delete, 0);
}
