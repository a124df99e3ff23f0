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
 * dp_write_autocreate); the others are validated, stored and shown.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osprey/cluster.h"
#include "osprey/settings.h"
#include "../server/dp_ctl.h"
#include "dp_csettings.h"
#include "dp_rest.h"

#define CSET_TYPE "cluster_settings"
#define CSET_MAX 256

typedef enum cset_kind { CSET_BOOL, CSET_INT, CSET_BYTES, CSET_TIME, CSET_ENUM, CSET_STR } cset_kind_t;

/* One dynamic cluster setting Osprey accepts. */
typedef struct cset_def {
	const char *key;
	cset_kind_t kind;
	const char *def;
	const char *choices;        /* ENUM: "a|b" */
	int64_t min;                /* INT */
} cset_def_t;

static const cset_def_t cset_defs[] = {
	{ "action.auto_create_index", CSET_STR, "true", NULL, 0 },
	{ "action.destructive_requires_name", CSET_BOOL, "true", NULL, 0 },
	{ "cluster.blocks.read_only", CSET_BOOL, "false", NULL, 0 },
	{ "cluster.blocks.read_only_allow_delete", CSET_BOOL, "false", NULL, 0 },
	{ "cluster.indices.close.enable", CSET_BOOL, "true", NULL, 0 },
	{ "cluster.info.update.interval", CSET_TIME, "30s", NULL, 0 },
	{ "cluster.max_shards_per_node", CSET_INT, "1000", NULL, 1 },
	{ "cluster.routing.allocation.disk.threshold_enabled", CSET_BOOL, "true", NULL, 0 },
	{ "cluster.routing.allocation.disk.watermark.flood_stage", CSET_STR, "95%", NULL, 0 },
	{ "cluster.routing.allocation.disk.watermark.high", CSET_STR, "90%", NULL, 0 },
	{ "cluster.routing.allocation.disk.watermark.low", CSET_STR, "85%", NULL, 0 },
	{ "cluster.routing.allocation.enable", CSET_ENUM, "all", "all|primaries|new_primaries|none", 0 },
	{ "cluster.routing.rebalance.enable", CSET_ENUM, "all", "all|primaries|replicas|none", 0 },
	{ "indices.recovery.max_bytes_per_sec", CSET_BYTES, "40mb", NULL, 0 },
	{ "search.allow_expensive_queries", CSET_BOOL, "true", NULL, 0 },
	{ "search.default_search_timeout", CSET_TIME, "-1", NULL, 0 },
	{ "search.max_open_scroll_context", CSET_INT, "500", NULL, 0 },
};

#define CSET_NDEFS (sizeof(cset_defs) / sizeof(cset_defs[0]))

/* A flat settings map in the request's arena, kept sorted by key. */
typedef struct cset_map {
	const char *k[CSET_MAX];
	const char *v[CSET_MAX];
	uint32_t n;
} cset_map_t;

static const cset_def_t *
cset_def(const char *key)
{
	for (size_t i = 0; i < CSET_NDEFS; i++)
		if (strcmp(cset_defs[i].key, key) == 0)
			return &cset_defs[i];
	return NULL;
}

static int
cset_find(const cset_map_t *m, const char *key)
{
	for (uint32_t i = 0; i < m->n; i++)
		if (strcmp(m->k[i], key) == 0)
			return (int)i;
	return -1;
}

/* Set (v != NULL) or remove a key, keeping the order. */
static int
cset_set(cset_map_t *m, const char *key, const char *v)
{
	int at = cset_find(m, key);

	if (at >= 0) {
		if (v) {
			m->v[at] = v;
			return 0;
		}
		memmove(&m->k[at], &m->k[at + 1], (m->n - (uint32_t)at - 1) * sizeof(m->k[0]));
		memmove(&m->v[at], &m->v[at + 1], (m->n - (uint32_t)at - 1) * sizeof(m->v[0]));
		m->n--;
		return 0;
	}
	if (v == NULL)
		return 0;
	if (m->n == CSET_MAX)
		return -ENOSPC;
	uint32_t i = m->n;

	while (i > 0 && strcmp(m->k[i - 1], key) > 0) {
		m->k[i] = m->k[i - 1];
		m->v[i] = m->v[i - 1];
		i--;
	}
	m->k[i] = key;
	m->v[i] = v;
	m->n++;
	return 0;
}

/* A value as its settings string: strings as they are, numbers as written,
 * booleans as "true"/"false", arrays joined by commas. */
static const char *
cset_value_str(osp_arena_t *a, const osp_json_t *v)
{
	switch (v->type) {
	case OSP_JSON_STRING:
		return v->u.str;
	case OSP_JSON_BOOL:
		return v->boolean ? "true" : "false";
	case OSP_JSON_NUMBER:
		if (v->num)
			return osp_arena_strndup(a, v->num, v->num_len);
		return NULL;
	case OSP_JSON_ARRAY: {
		osp_buf_t b;
		const char *s;

		osp_buf_init(&b);
		OSP_JSON_FOREACH(e, v) {
			const char *x = cset_value_str(a, e);

			if (x == NULL)
				continue;
			if (b.len)
				osp_buf_putc(&b, ',');
			osp_buf_puts(&b, x);
		}
		s = osp_arena_strndup(a, b.data ? b.data : "", b.len);
		osp_buf_free(&b);
		return s;
	}
	default:
		return NULL;
	}
}

/* Flatten obj ("cluster": {"routing": ..}) into updates; NULL value = reset. */
static int
cset_flatten(osp_arena_t *a, const osp_json_t *obj, const char *prefix, cset_map_t *upd,
	     const char **reset, uint32_t *n_reset)
{
	OSP_JSON_FOREACH(m, obj) {
		size_t pl = prefix ? strlen(prefix) + 1 : 0;
		char *key = osp_arena_alloc(a, pl + m->key_len + 1);

		if (key == NULL)
			return -ENOMEM;
		if (prefix) {
			memcpy(key, prefix, pl - 1);
			key[pl - 1] = '.';
		}
		memcpy(key + pl, m->key, m->key_len);
		key[pl + m->key_len] = '\0';
		if (m->type == OSP_JSON_OBJECT) {
			int rc = cset_flatten(a, m, key, upd, reset, n_reset);

			if (rc)
				return rc;
		} else if (m->type == OSP_JSON_NULL) {
			if (*n_reset == CSET_MAX)
				return -ENOSPC;
			reset[(*n_reset)++] = key;
		} else {
			const char *v = cset_value_str(a, m);

			if (v == NULL || cset_set(upd, key, v) != 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static bool
cset_bool_ok(const char *v)
{
	return strcmp(v, "true") == 0 || strcmp(v, "false") == 0;
}

/* Validate one key = value of scope; err gets Elasticsearch's wording. */
static int
cset_validate(const char *scope, const char *key, const char *v, osp_err_t *err)
{
	const cset_def_t *d = cset_def(key);
	int64_t x;
	char *end;

	if (d == NULL) {
		osp_err_set(err, 400, "illegal_argument_exception", "%s setting [%s], not recognized",
			    scope, key);
		return -EINVAL;
	}
	switch (d->kind) {
	case CSET_BOOL:
		if (!cset_bool_ok(v)) {
			osp_err_set(err, 400, "illegal_argument_exception",
				    "Failed to parse value [%s] as only [true] or [false] are allowed.", v);
			return -EINVAL;
		}
		break;
	case CSET_INT:
		errno = 0;
		x = strtoll(v, &end, 10);
		if (errno || end == v || *end) {
			osp_err_set(err, 400, "illegal_argument_exception",
				    "Failed to parse value [%s] for setting [%s]", v, key);
			return -EINVAL;
		}
		if (x < d->min) {
			osp_err_set(err, 400, "illegal_argument_exception",
				    "Failed to parse value [%s] for setting [%s] must be >= %lld", v, key,
				    (long long)d->min);
			return -EINVAL;
		}
		break;
	case CSET_BYTES:
		if (osp_parse_bytes(v, &x) != 0) {
			osp_err_set(err, 400, "illegal_argument_exception",
				    "failed to parse setting [%s] with value [%s] as a size in bytes: unit is missing or unrecognized",
				    key, v);
			return -EINVAL;
		}
		break;
	case CSET_TIME:
		if (strcmp(v, "-1") != 0 && osp_parse_time_ms(v, &x) != 0) {
			osp_err_set(err, 400, "illegal_argument_exception",
				    "failed to parse setting [%s] with value [%s] as a time value: unit is missing or unrecognized",
				    key, v);
			return -EINVAL;
		}
		break;
	case CSET_ENUM: {
		char buf[128];
		bool found = false;

		snprintf(buf, sizeof(buf), "%s", d->choices);
		for (char *save = NULL, *c = strtok_r(buf, "|", &save); c; c = strtok_r(NULL, "|", &save))
			found = found || strcasecmp(c, v) == 0;
		if (!found) {
			osp_err_set(err, 400, "illegal_argument_exception",
				    "illegal value can't update [%s] from [%s] to [%s]", key, d->def, v);
			return -EINVAL;
		}
		break;
	}
	case CSET_STR:
		break;
	}
	return 0;
}

/* The stored map of one scope (transient ones only from this node start). */
static void
cset_load(osp_arena_t *a, const char *scope, cset_map_t *m)
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
			cset_set(m, kv->key, kv->u.str);
}

const char *
dp_csettings_get(osp_arena_t *a, const char *key)
{
	cset_map_t *m = osp_arena_alloc(a, sizeof(*m));
	int at;

	if (m == NULL)
		return NULL;
	cset_load(a, "transient", m);
	at = cset_find(m, key);
	if (at >= 0)
		return m->v[at];
	cset_load(a, "persistent", m);
	at = cset_find(m, key);
	return at >= 0 ? m->v[at] : NULL;
}

int
dp_csettings_autocreate_check(osp_arena_t *a, const char *index, osp_err_t *err)
{
	const char *v = dp_csettings_get(a, "action.auto_create_index");
	char buf[1024];

	if (v == NULL || strcmp(v, "true") == 0)
		return 0;
	if (strcmp(v, "false") == 0) {
		osp_err_set(err, 404, "index_not_found_exception",
			    "no such index [%s] and [action.auto_create_index] is [false]", index);
		snprintf(err->index, sizeof(err->index), "%s", index);
		return -EPERM;
	}
	/* Comma-separated patterns, +allow / -forbid, the first match decides. */
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *save = NULL, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		bool deny = *p == '-';
		const char *pat = *p == '-' || *p == '+' ? p + 1 : p;

		if (fnmatch(pat, index, 0) != 0)
			continue;
		if (!deny)
			return 0;
		osp_err_set(err, 404, "index_not_found_exception",
			    "no such index [%s] and [action.auto_create_index] contains [%s] which forbids automatic creation of the index",
			    index, p);
		snprintf(err->index, sizeof(err->index), "%s", index);
		return -EPERM;
	}
	osp_err_set(err, 404, "index_not_found_exception",
		    "no such index [%s] and [action.auto_create_index] ([%s]) doesn't match", index, v);
	snprintf(err->index, sizeof(err->index), "%s", index);
	return -EPERM;
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

/* Write keys [from, to) sharing the first off bytes as nested objects. */
static void
cset_write_level(osp_jw_t *w, const cset_map_t *m, uint32_t from, uint32_t to, size_t off)
{
	uint32_t i = from;

	while (i < to) {
		const char *rest = m->k[i] + off;
		const char *dot = strchr(rest, '.');

		if (dot == NULL) {
			osp_jw_kv_str(w, rest, m->v[i]);
			i++;
			continue;
		}
		size_t cl = (size_t)(dot - rest);
		uint32_t j = i + 1;

		while (j < to && strncmp(m->k[j] + off, rest, cl + 1) == 0)
			j++;
		char comp[256];

		snprintf(comp, sizeof(comp), "%.*s", (int)cl, rest);
		osp_jw_key(w, comp);
		osp_jw_obj_begin(w);
		cset_write_level(w, m, i, j, off + cl + 1);
		osp_jw_obj_end(w);
		i = j;
	}
}

static void
cset_write(osp_jw_t *w, const cset_map_t *m, bool flat)
{
	osp_jw_obj_begin(w);
	if (flat) {
		for (uint32_t i = 0; i < m->n; i++)
			osp_jw_kv_str(w, m->k[i], m->v[i]);
	} else {
		cset_write_level(w, m, 0, m->n, 0);
	}
	osp_jw_obj_end(w);
}

static void
rest_cluster_settings_get(dp_rest_req_t *r)
{
	osp_arena_t *a = r->http->arena;
	bool ok = true, flat = dp_rest_qs_bool(r, "flat_settings", false, &ok);
	bool defaults = ok ? dp_rest_qs_bool(r, "include_defaults", false, &ok) : false;
	cset_map_t *m = osp_arena_alloc(a, sizeof(*m));
	osp_buf_t out;
	osp_jw_t w;

	if (!ok || m == NULL)
		return;
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "persistent");
	cset_load(a, "persistent", m);
	cset_write(&w, m, flat);
	osp_jw_key(&w, "transient");
	cset_load(a, "transient", m);
	cset_write(&w, m, flat);
	if (defaults) {
		m->n = 0;
		cset_set(m, "cluster.name", dp_node_info.cluster_name);
		cset_set(m, "node.name", dp_node_info.name);
		for (size_t i = 0; i < CSET_NDEFS; i++)
			cset_set(m, cset_defs[i].key, cset_defs[i].def);
		osp_jw_key(&w, "defaults");
		cset_write(&w, m, flat);
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* A PUT in flight: the maps to store and what the reply shows. */
typedef struct cset_put {
	dp_rest_req_t *r;
	bool flat;
	cset_map_t cur[2];          /* persistent, transient after the update */
	cset_map_t shown[2];        /* the keys this request set */
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
		cset_write(&w, &p->cur[s], true);
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
		cset_write(&w, &p->shown[s], p->flat);
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(p->r, 200, &out);
}

/* Apply one scope's request object to p->cur[s]; 400 reply on a bad key. */
static bool
cset_put_scope(cset_put_t *p, int s, const osp_json_t *obj)
{
	osp_arena_t *a = p->r->http->arena;
	const char *reset[CSET_MAX];
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
	if (cset_flatten(a, obj, NULL, &p->shown[s], reset, &n_reset) != 0) {
		osp_err_set(&err, 400, "illegal_argument_exception", "too many settings in one request");
		dp_rest_reply_err(p->r, &err);
		return false;
	}
	for (uint32_t i = 0; i < p->shown[s].n; i++) {
		if (cset_validate(cset_scopes[s], p->shown[s].k[i], p->shown[s].v[i], &err) != 0) {
			dp_rest_reply_err(p->r, &err);
			return false;
		}
	}
	for (uint32_t i = 0; i < n_reset; i++) {
		bool wild = strchr(reset[i], '*') != NULL;

		if (!wild && cset_def(reset[i]) == NULL) {
			osp_err_set(&err, 400, "illegal_argument_exception",
				    "%s setting [%s], not recognized", cset_scopes[s], reset[i]);
			dp_rest_reply_err(p->r, &err);
			return false;
		}
		for (uint32_t k = 0; k < p->cur[s].n;) {
			if (fnmatch(reset[i], p->cur[s].k[k], 0) == 0)
				cset_set(&p->cur[s], p->cur[s].k[k], NULL);
			else
				k++;
		}
	}
	for (uint32_t i = 0; i < p->shown[s].n; i++)
		cset_set(&p->cur[s], p->shown[s].k[i], p->shown[s].v[i]);
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
