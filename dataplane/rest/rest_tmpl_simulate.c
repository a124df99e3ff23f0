/*
 * rest_tmpl_simulate.c - what templates would do, without doing it:
 * POST /_index_template/_simulate_index/{name} (the template an index name
 * would get) and POST /_index_template/_simulate[/{name}] (a template body
 * or a stored one composed with its components), with the templates they
 * overlap; plus _cat/templates and _cat/component_templates over the same
 * data (dp_tmpl.h).
 */
#include <stdio.h>
#include <string.h>

#include "../server/dp_ctl.h"
#include "dp_cat.h"
#include "dp_rest.h"
#include "dp_tmpl.h"

static void
sim_overlap_item(osp_jw_t *w, const osp_custom_t *t, const osp_json_t *b)
{
	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "name", t->name);
	osp_jw_key(w, "index_patterns");
	osp_jw_value(w, osp_json_get(b, "index_patterns"));
	osp_jw_obj_end(w);
}

/* {"template":{settings,mappings,aliases},"overlapping":[..]}: overlapping
 * are the other composable templates whose patterns meet the given ones
 * (simulate template) or that match the index (simulate index). */
static void
sim_reply(dp_rest_req_t *r, const dp_tmpl_resolved_t *res, const char *self,
	  const osp_json_t *patterns, const char *index)
{
	const osp_custom_t **all;
	uint32_t n = dp_tmpl_list(DP_TMPL_INDEX, NULL, r->http->arena, &all);
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	if (res) {
		osp_jw_key(&w, "template");
		osp_jw_obj_begin(&w);
		dp_tmpl_write_resolved(&w, res);
		osp_jw_obj_end(&w);
	}
	osp_jw_key(&w, "overlapping");
	osp_jw_arr_begin(&w);
	for (uint32_t i = 0; i < n; i++) {
		osp_json_t *b = dp_tmpl_parse(all[i], r->http->arena);
		bool hit = false;

		if (b == NULL || (self && strcmp(all[i]->name, self) == 0))
			continue;
		if (index) {
			hit = dp_tmpl_patterns_match(osp_json_get(b, "index_patterns"), index);
		} else {
			OSP_JSON_FOREACH(p, patterns) {
				OSP_JSON_FOREACH(q, osp_json_get(b, "index_patterns")) {
					if (osp_json_is(p, OSP_JSON_STRING) &&
					    osp_json_is(q, OSP_JSON_STRING) &&
					    dp_tmpl_glob_overlap(p->u.str, q->u.str))
						hit = true;
				}
			}
		}
		if (hit)
			sim_overlap_item(&w, all[i], b);
	}
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* POST /_index_template/_simulate_index/{name} */
static void
rest_simulate_index(dp_rest_req_t *r)
{
	const char *index = dp_rest_param(r, "name");
	dp_tmpl_resolved_t res;
	osp_err_t err;

	if (dp_tmpl_resolve(index, r->http->arena, &res, &err) != 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	sim_reply(r, &res, res.v2_name, NULL, index);
}

/* POST /_index_template/_simulate[/{name}] */
static void
rest_simulate_template(dp_rest_req_t *r)
{
	const char *name = dp_rest_param(r, "name");
	osp_arena_t *a = r->http->arena;
	osp_json_t *body, *norm = NULL;
	dp_tmpl_resolved_t res;
	osp_buf_t b = OSP_BUF_INIT;
	osp_err_t err;

	if (!dp_rest_body_json(r, &body))
		return;
	if (body == NULL) {
		const osp_custom_t *t = name ? dp_tmpl_get(DP_TMPL_INDEX, name) : NULL;

		if (t == NULL) {
			osp_err_set(&err, name ? 404 : 400, name ? "resource_not_found_exception" :
				    "action_request_validation_exception",
				    name ? "unable to simulate template [%s] that does not exist" :
				    "Validation Failed: 1: a template name or a template body must be "
				    "specified;", name ? name : "");
			goto fail;
		}
		norm = dp_tmpl_parse(t, a);
	} else if (dp_tmpl_normalize_v2(name ? name : "simulate", body, a, &b, &norm, &err) != 0) {
		goto fail;
	}
	if (dp_tmpl_compose(norm, a, &res, &err) != 0)
		goto fail;
	osp_buf_free(&b);
	sim_reply(r, &res, name, osp_json_get(norm, "index_patterns"), NULL);
	return;
fail:
	osp_buf_free(&b);
	dp_rest_reply_err(r, &err);
}

/* ---- _cat ---- */

#define NCOLS(c) ((uint32_t)(sizeof(c) / sizeof((c)[0])))

static const dp_cat_col_t cat_templates_cols[] = {
	{ "name", "n", "template name", false, false },
	{ "index_patterns", "t", "template index patterns", false, false },
	{ "order", "o,p", "template application order/priority number", true, false },
	{ "version", "v", "version", true, false },
	{ "composed_of", "c", "component templates comprising index template", false, false },
};

/* "[a, b]" of a JSON string array. */
static const char *
cat_list(dp_cat_t *t, const osp_json_t *arr)
{
	osp_buf_t b = OSP_BUF_INIT;
	const char *s;

	osp_buf_puts(&b, "[");
	OSP_JSON_FOREACH(e, arr) {
		if (!osp_json_is(e, OSP_JSON_STRING))
			continue;
		osp_buf_puts(&b, b.len > 1 ? ", " : "");
		osp_buf_puts(&b, e->u.str);
	}
	osp_buf_puts(&b, "]");
	s = dp_cat_str(t, b.data ? b.data : "[]");
	osp_buf_free(&b);
	return s;
}

static void
cat_template_rows(dp_cat_t *t, const char *type, const char *expr)
{
	const osp_custom_t **list;
	uint32_t n = dp_tmpl_list(type, expr, t->r->http->arena, &list);
	bool v2 = strcmp(type, DP_TMPL_INDEX) == 0;

	for (uint32_t i = 0; i < n; i++) {
		osp_json_t *b = dp_tmpl_parse(list[i], t->r->http->arena);
		const osp_json_t *o = osp_json_get(b, v2 ? "priority" : "order");
		const osp_json_t *v = osp_json_get(b, "version");
		const char **row = dp_cat_row(t);

		if (row == NULL || b == NULL)
			continue;
		row[0] = list[i]->name;
		row[1] = cat_list(t, osp_json_get(b, "index_patterns"));
		row[2] = dp_cat_int(t, osp_json_is(o, OSP_JSON_NUMBER) ? o->i : 0);
		row[3] = osp_json_is(v, OSP_JSON_NUMBER) ? dp_cat_int(t, v->i) : "";
		row[4] = v2 ? cat_list(t, osp_json_get(b, "composed_of")) : "";
	}
}

static void
rest_cat_templates(dp_rest_req_t *r)
{
	dp_cat_t t;

	dp_cat_init(&t, r, cat_templates_cols, NCOLS(cat_templates_cols));
	cat_template_rows(&t, DP_TMPL_LEGACY, dp_rest_param(r, "name"));
	cat_template_rows(&t, DP_TMPL_INDEX, dp_rest_param(r, "name"));
	dp_cat_reply(&t);
}

static const dp_cat_col_t cat_ctemplates_cols[] = {
	{ "name", "n", "component template name", false, false },
	{ "version", "v", "component template version", false, false },
	{ "alias_count", "a", "alias count", true, false },
	{ "mapping_count", "m", "mapping count", true, false },
	{ "settings_count", "s", "settings count", true, false },
	{ "metadata_count", "me", "metadata count", true, false },
	{ "included_in", "i", "included in", false, false },
};

static void
rest_cat_ctemplates(dp_rest_req_t *r)
{
	osp_arena_t *a = r->http->arena;
	const osp_custom_t **list, **users;
	uint32_t n = dp_tmpl_list(DP_TMPL_COMPONENT, dp_rest_param(r, "name"), a, &list);
	uint32_t nu = dp_tmpl_list(DP_TMPL_INDEX, NULL, a, &users);
	dp_cat_t t;

	dp_cat_init(&t, r, cat_ctemplates_cols, NCOLS(cat_ctemplates_cols));
	for (uint32_t i = 0; i < n; i++) {
		osp_json_t *b = dp_tmpl_parse(list[i], a);
		const osp_json_t *tp = osp_json_get(b, "template"), *v = osp_json_get(b, "version");
		const osp_json_t *mp = osp_json_path(tp, "mappings.properties");
		const osp_json_t *al = osp_json_get(tp, "aliases"), *st = osp_json_get(tp, "settings");
		const osp_json_t *meta = osp_json_get(b, "_meta");
		osp_buf_t inc = OSP_BUF_INIT;
		const char **row = dp_cat_row(&t);

		if (row == NULL || b == NULL)
			continue;
		for (uint32_t u = 0; u < nu; u++) {
			osp_json_t *ub = dp_tmpl_parse(users[u], a);

			OSP_JSON_FOREACH(c, osp_json_get(ub, "composed_of")) {
				if (osp_json_is(c, OSP_JSON_STRING) && strcmp(c->u.str, list[i]->name) == 0) {
					osp_buf_puts(&inc, inc.len ? "," : "[");
					osp_buf_puts(&inc, users[u]->name);
				}
			}
		}
		osp_buf_puts(&inc, inc.len ? "]" : "[]");
		row[0] = list[i]->name;
		row[1] = osp_json_is(v, OSP_JSON_NUMBER) ? dp_cat_int(&t, v->i) : "";
		row[2] = dp_cat_int(&t, al ? al->len : 0);
		row[3] = dp_cat_int(&t, mp ? mp->len : 0);
		row[4] = dp_cat_int(&t, st ? st->len : 0);
		row[5] = dp_cat_int(&t, meta ? meta->len : 0);
		row[6] = dp_cat_str(&t, inc.data ? inc.data : "[]");
		osp_buf_free(&inc);
	}
	dp_cat_reply(&t);
}

void
rest_tmpl_simulate_routes(void)
{
	dp_rest_route(DP_HTTP_POST, "/_index_template/_simulate_index/{name}", rest_simulate_index, 0);
	dp_rest_route(DP_HTTP_POST, "/_index_template/_simulate", rest_simulate_template, 0);
	dp_rest_route(DP_HTTP_POST, "/_index_template/_simulate/{name}", rest_simulate_template, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/templates", rest_cat_templates, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/templates/{name}", rest_cat_templates, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/component_templates", rest_cat_ctemplates, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/component_templates/{name}", rest_cat_ctemplates, 0);
}
