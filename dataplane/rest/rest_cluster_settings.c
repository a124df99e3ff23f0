/*
 * rest_cluster_settings.c - GET/PUT _cluster/settings (dp_csettings.h).
 *
 * A PUT is validated whole against the table of dynamic settings Osprey
 * accepts (unknown keys: "persistent setting [x], not recognized"; bad
 * values: Elasticsearch's parse errors), merged into the current maps
 * (null resets a key, "prefix.*": null resets a family), and stored through
 * control as the "cluster_settings" customs, persistent first. The reply
 * comes after control applied both, so a GET on any core sees the change.
 * Settings marked honoured take effect (action.auto_create_index in
 * dp_write_autocreate, search.max_open_scroll_context in rest_sctx.c); the
 * others are validated, stored and shown.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osprey/cluster.h"
#include "osprey/settings.h"
#include "../server/dp_ctl.h"
#include "dp_cset.h"
#include "dp_csettings.h"
#include "dp_rest.h"

#define CSET_TYPE "cluster_settings"
/* The stored map of one scope (transient ones only from this node start). */
static void
cset_load(osp_arena_t *a, const char *scope, dp_cset_map_t *m)
{
	const osp_custom_t *c = dp_ctl_custom(CSET_TYPE, scope);
	osp_json_t *doc = NULL;
	osp_json_error_t jerr;

	m->n = 0;
	if (c == NULL || osp_json_parse(a, c->body, c->body_len, NULL, &doc, &jerr) != 0)
		return;
	if (strcmp(scope, "transient") == 0) {
		const osp_json_t *st = osp_json_get(doc, "node_start_ms");

		if (!osp_json_is(st, OSP_JSON_NUMBER) || st->i != dp_node_info.start_ms)
			return;
	}
	OSP_JSON_FOREACH(kv, osp_json_get(doc, "settings"))
		if (kv->type == OSP_JSON_STRING)
			dp_cset_set(m, kv->key, kv->u.str);
}

const char *
dp_csettings_get(osp_arena_t *a, const char *key)
{
	dp_cset_map_t *m = osp_arena_alloc(a, sizeof(*m));
	int at;

	if (m == NULL)
		return NULL;
	cset_load(a, "transient", m);
	at = dp_cset_find(m, key);
	if (at >= 0)
		return m->v[at];
	cset_load(a, "persistent", m);
	at = dp_cset_find(m, key);
	return at >= 0 ? m->v[at] : NULL;
}

int
dp_csettings_autocreate_check(osp_arena_t *a, const char *index, osp_err_t *err)
{
	return dp_cset_autocreate(dp_csettings_get(a, "action.auto_create_index"), index, err);
}

int64_t
dp_csettings_int(const char *key, int64_t def)
{
	osp_arena_t a;
	const char *v;
	char *end;
	long long x;

	osp_arena_init(&a, 4096, 0);
	v = dp_csettings_get(&a, key);
	x = v ? strtoll(v, &end, 10) : def;
	if (v && (end == v || *end))
		x = def; /* validated when stored; never reached */
	osp_arena_free(&a);
	return x;
}

bool
dp_csettings_autocreate_refused(const char *index, dp_ctl_cb_t cb, void *user)
{
	osp_arena_t a;
	osp_err_t err;
	int rc;

	osp_arena_init(&a, 4096, 0);
	rc = dp_csettings_autocreate_check(&a, index, &err);
	osp_arena_free(&a);
	if (rc == 0)
		return false;
	cb(user, &err, NULL, 0);
	return true;
}

static void
rest_cluster_settings_get(dp_rest_req_t *r)
{
	osp_arena_t *a = r->http->arena;
	bool ok = true, flat = dp_rest_qs_bool(r, "flat_settings", false, &ok);
	bool defaults = ok ? dp_rest_qs_bool(r, "include_defaults", false, &ok) : false;
	dp_cset_map_t *m = osp_arena_alloc(a, sizeof(*m));
	osp_buf_t out;
	osp_jw_t w;

	if (!ok || m == NULL)
		return;
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "persistent");
	cset_load(a, "persistent", m);
	dp_cset_write(&w, m, flat);
	osp_jw_key(&w, "transient");
	cset_load(a, "transient", m);
	dp_cset_write(&w, m, flat);
	if (defaults) {
		m->n = 0;
		dp_cset_set(m, "cluster.name", dp_node_info.cluster_name);
		dp_cset_set(m, "node.name", dp_node_info.name);
		dp_cset_defaults(m);
		osp_jw_key(&w, "defaults");
		dp_cset_write(&w, m, flat);
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* A PUT in flight: the maps to store and what the reply shows. */
typedef struct cset_put {
	dp_rest_req_t *r;
	bool flat;
	dp_cset_map_t cur[2];          /* persistent, transient after the update */
	dp_cset_map_t shown[2];        /* the keys this request set */
	bool touched[2];
	int step;
} cset_put_t;

static const char *const cset_scopes[2] = { "persistent", "transient" };

static void cset_put_next(cset_put_t *p);

static void
cset_put_done(void *user, const osp_err_t *err, const char *payload, size_t len)
{
	cset_put_t *p = user;

	(void)payload;
	(void)len;
	if (err) {
		dp_rest_reply_err(p->r, err);
		return;
	}
	p->step++;
	cset_put_next(p);
}

static void
cset_put_next(cset_put_t *p)
{
	while (p->step < 2 && !p->touched[p->step])
		p->step++;
	if (p->step < 2) {
		int s = p->step;
		osp_buf_t b;
		osp_jw_t w;

		osp_buf_init(&b);
		osp_jw_init(&w, &b, 0);
		osp_jw_obj_begin(&w);
		if (s == 1)
			osp_jw_kv_int(&w, "node_start_ms", dp_node_info.start_ms);
		osp_jw_key(&w, "settings");
		dp_cset_write(&w, &p->cur[s], true);
		osp_jw_obj_end(&w);
		dp_ctl_put_custom(CSET_TYPE, cset_scopes[s], b.data, b.len, false, cset_put_done, p);
		osp_buf_free(&b);
		return;
	}
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(p->r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_bool(&w, "acknowledged", true);
	for (int s = 0; s < 2; s++) {
		osp_jw_key(&w, cset_scopes[s]);
		dp_cset_write(&w, &p->shown[s], p->flat);
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(p->r, 200, &out);
}

/* Apply one scope's request object to p->cur[s]; 400 reply on a bad key. */
static bool
cset_put_scope(cset_put_t *p, int s, const osp_json_t *obj)
{
	osp_arena_t *a = p->r->http->arena;
	const char *reset[DP_CSET_MAX];
	uint32_t n_reset = 0;
	osp_err_t err;

	if (obj == NULL || obj->type == OSP_JSON_NULL)
		return true;
	if (obj->type != OSP_JSON_OBJECT) {
		osp_err_set(&err, 400, "illegal_argument_exception",
			    "[%s] settings must be an object", cset_scopes[s]);
		dp_rest_reply_err(p->r, &err);
		return false;
	}
	if (dp_cset_flatten(a, obj, NULL, &p->shown[s], reset, &n_reset) != 0) {
		osp_err_set(&err, 400, "illegal_argument_exception", "too many settings in one request");
		dp_rest_reply_err(p->r, &err);
		return false;
	}
	for (uint32_t i = 0; i < p->shown[s].n; i++) {
		if (dp_cset_validate(cset_scopes[s], p->shown[s].k[i], p->shown[s].v[i], &err) != 0) {
			dp_rest_reply_err(p->r, &err);
			return false;
		}
	}
	for (uint32_t i = 0; i < n_reset; i++) {
		bool wild = strchr(reset[i], '*') != NULL;

		if (!wild && !dp_cset_known(reset[i])) {
			osp_err_set(&err, 400, "illegal_argument_exception",
				    "%s setting [%s], not recognized", cset_scopes[s], reset[i]);
			dp_rest_reply_err(p->r, &err);
			return false;
		}
		for (uint32_t k = 0; k < p->cur[s].n;) {
			if (fnmatch(reset[i], p->cur[s].k[k], 0) == 0)
				dp_cset_set(&p->cur[s], p->cur[s].k[k], NULL);
			else
				k++;
		}
	}
	for (uint32_t i = 0; i < p->shown[s].n; i++)
		dp_cset_set(&p->cur[s], p->shown[s].k[i], p->shown[s].v[i]);
	p->touched[s] = p->shown[s].n > 0 || n_reset > 0;
	return true;
}

static void
rest_cluster_settings_put(dp_rest_req_t *r)
{
	osp_arena_t *a = r->http->arena;
	cset_put_t *p = osp_arena_calloc(a, sizeof(*p));
	bool ok = true;
	osp_json_t *body;
	osp_err_t err;

	if (p == NULL)
		return;
	p->r = r;
	p->flat = dp_rest_qs_bool(r, "flat_settings", false, &ok);
	if (!ok || !dp_rest_body_json(r, &body))
		return;
	if (body != NULL && body->type != OSP_JSON_OBJECT) {
		osp_err_set(&err, 400, "parse_exception", "request body must be an object");
		dp_rest_reply_err(r, &err);
		return;
	}
	OSP_JSON_FOREACH(m, body) {
		if (strcmp(m->key, "persistent") != 0 && strcmp(m->key, "transient") != 0) {
			osp_err_set(&err, 400, "x_content_parse_exception",
				    "[cluster_update_settings_request] unknown field [%s]", m->key);
			dp_rest_reply_err(r, &err);
			return;
		}
	}
	cset_load(a, "persistent", &p->cur[0]);
	cset_load(a, "transient", &p->cur[1]);
	for (int s = 0; s < 2; s++)
		if (!cset_put_scope(p, s, body ? osp_json_get(body, cset_scopes[s]) : NULL))
			return;
	if (!p->touched[0] && !p->touched[1]) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: no settings to update;");
		dp_rest_reply_err(r, &err);
		return;
	}
	cset_put_next(p);
}

void
rest_cluster_settings_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_cluster/settings", rest_cluster_settings_get, 0);
	dp_rest_route(DP_HTTP_PUT, "/_cluster/settings", rest_cluster_settings_put, 0);
}
