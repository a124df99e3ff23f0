/*
 * rest_tmpl_lib.c - index template lookup and resolution (dp_tmpl.h).
 *
 * Templates are cluster-state customs; a handful of built-in templates
 * (Elasticsearch's stack templates "logs", "metrics", "synthetics" and their
 * components) are compiled in and shadowed by a stored template of the same
 * name, as Elasticsearch's template registry reinstalls its own. Resolution
 * follows MetadataIndexTemplateService: the composable template with the
 * highest priority wins and brings its component templates in composed_of
 * order, then its own template; only when none matches do legacy templates
 * apply, merged by ascending order. Mappings merge deeply, settings are flat
 * and later ones override, aliases are a union.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osprey/cluster.h"
#include "../server/dp_ctl.h"
#include "dp_rest.h"
#include "dp_customs.h"
#include "dp_tmpl.h"

#define TMPL_BUILTIN_VERSION (-2)   /* osp_custom_t.version of built-ins */

static osp_custom_t tmpl_builtins[] = {
	{ "component_template", (char *)"logs@mappings",
	  (char *)"{\"template\":{\"mappings\":{\"properties\":{\"@timestamp\":{\"type\":\"date\"},"
	  "\"data_stream\":{\"properties\":{\"type\":{\"type\":\"constant_keyword\"},"
	  "\"dataset\":{\"type\":\"constant_keyword\"},\"namespace\":{\"type\":\"constant_keyword\"}}}}}},"
	  "\"version\":1,\"_meta\":{\"description\":\"default mappings for the logs index template "
	  "installed by x-pack\",\"managed\":true}}", 0, TMPL_BUILTIN_VERSION },
	{ "component_template", (char *)"logs@settings",
	  (char *)"{\"template\":{\"settings\":{\"index.codec\":\"best_compression\"}},\"version\":1,"
	  "\"_meta\":{\"description\":\"default settings for the logs index template installed by "
	  "x-pack\",\"managed\":true}}", 0, TMPL_BUILTIN_VERSION },
	{ "component_template", (char *)"metrics@mappings",
	  (char *)"{\"template\":{\"mappings\":{\"properties\":{\"@timestamp\":{\"type\":\"date\"}}}},"
	  "\"version\":1,\"_meta\":{\"description\":\"default mappings for the metrics index template "
	  "installed by x-pack\",\"managed\":true}}", 0, TMPL_BUILTIN_VERSION },
	{ "component_template", (char *)"metrics@settings",
	  (char *)"{\"template\":{\"settings\":{}},\"version\":1,\"_meta\":{\"description\":"
	  "\"default settings for the metrics index template installed by x-pack\",\"managed\":true}}",
	  0, TMPL_BUILTIN_VERSION },
	{ "component_template", (char *)"synthetics@mappings",
	  (char *)"{\"template\":{\"mappings\":{\"properties\":{\"@timestamp\":{\"type\":\"date\"}}}},"
	  "\"version\":1,\"_meta\":{\"description\":\"default mappings for the synthetics index "
	  "template installed by x-pack\",\"managed\":true}}", 0, TMPL_BUILTIN_VERSION },
	{ "component_template", (char *)"synthetics@settings",
	  (char *)"{\"template\":{\"settings\":{}},\"version\":1,\"_meta\":{\"description\":"
	  "\"default settings for the synthetics index template installed by x-pack\","
	  "\"managed\":true}}", 0, TMPL_BUILTIN_VERSION },
	{ "index_template", (char *)"logs",
	  (char *)"{\"index_patterns\":[\"logs-*-*\"],\"composed_of\":[\"logs@mappings\","
	  "\"logs@settings\"],\"priority\":100,\"version\":1,\"_meta\":{\"description\":"
	  "\"default logs template installed by x-pack\",\"managed\":true},\"data_stream\":"
	  "{\"hidden\":false,\"allow_custom_routing\":false},\"allow_auto_create\":true}",
	  0, TMPL_BUILTIN_VERSION },
	{ "index_template", (char *)"metrics",
	  (char *)"{\"index_patterns\":[\"metrics-*-*\"],\"composed_of\":[\"metrics@mappings\","
	  "\"metrics@settings\"],\"priority\":100,\"version\":1,\"_meta\":{\"description\":"
	  "\"default metrics template installed by x-pack\",\"managed\":true},\"data_stream\":"
	  "{\"hidden\":false,\"allow_custom_routing\":false},\"allow_auto_create\":true}",
	  0, TMPL_BUILTIN_VERSION },
	{ "index_template", (char *)"synthetics",
	  (char *)"{\"index_patterns\":[\"synthetics-*-*\"],\"composed_of\":[\"synthetics@mappings\","
	  "\"synthetics@settings\"],\"priority\":100,\"version\":1,\"_meta\":{\"description\":"
	  "\"default synthetics template installed by x-pack\",\"managed\":true},\"data_stream\":"
	  "{\"hidden\":false,\"allow_custom_routing\":false},\"allow_auto_create\":true}",
	  0, TMPL_BUILTIN_VERSION },
};
#define TMPL_N_BUILTINS (sizeof(tmpl_builtins) / sizeof(tmpl_builtins[0]))

static const osp_custom_t *
tmpl_builtin(const char *type, const char *name)
{
	for (size_t i = 0; i < TMPL_N_BUILTINS; i++) {
		if (strcmp(tmpl_builtins[i].type, type) == 0 && strcmp(tmpl_builtins[i].name, name) == 0) {
			if (tmpl_builtins[i].body_len == 0)
				tmpl_builtins[i].body_len = strlen(tmpl_builtins[i].body);
			return &tmpl_builtins[i];
		}
	}
	return NULL;
}

const osp_custom_t *
dp_tmpl_get(const char *type, const char *name)
{
	const osp_custom_t *c = dp_ctl_custom(type, name);

	return c ? c : tmpl_builtin(type, name);
}

bool
dp_tmpl_is_builtin(const osp_custom_t *t)
{
	return t && t->version == TMPL_BUILTIN_VERSION;
}

/* Is there a string both patterns match? budget bounds the search. */
static bool
glob_meet(const char *a, const char *b, int *budget)
{
	if (--*budget < 0)
		return true;   /* give up: report an overlap, the safe answer */
	if (*a == '\0' && *b == '\0')
		return true;
	if (*a == '*')
		return glob_meet(a + 1, b, budget) || (*b && glob_meet(a, b + 1, budget));
	if (*b == '*')
		return glob_meet(a, b + 1, budget) || (*a && glob_meet(a + 1, b, budget));
	if (*a == '\0' || *b == '\0' || *a != *b)
		return false;
	return glob_meet(a + 1, b + 1, budget);
}

bool
dp_tmpl_glob_overlap(const char *a, const char *b)
{
	int budget = 100000;

	return glob_meet(a, b, &budget);
}

bool
dp_tmpl_patterns_match(const osp_json_t *patterns, const char *index)
{
	OSP_JSON_FOREACH(p, patterns) {
		if (osp_json_is(p, OSP_JSON_STRING) && dp_customs_glob(p->u.str, index))
			return true;
	}
	return false;
}

static bool
expr_matches(const char *expr, const char *name)
{
	char one[512];

	if (expr == NULL || strcmp(expr, "*") == 0 || strcmp(expr, "_all") == 0)
		return true;
	for (const char *p = expr; *p;) {
		size_t n = strcspn(p, ",");

		if (n < sizeof(one)) {
			memcpy(one, p, n);
			one[n] = '\0';
			if (dp_customs_glob(one, name))
				return true;
		}
		p += n + (p[n] == ',');
	}
	return false;
}

static int
custom_name_cmp(const void *x, const void *y)
{
	return strcmp((*(const osp_custom_t *const *)x)->name, (*(const osp_custom_t *const *)y)->name);
}

uint32_t
dp_tmpl_list(const char *type, const char *expr, osp_arena_t *a, const osp_custom_t ***out)
{
	const osp_custom_t *first;
	uint32_t n, k = 0;
	const osp_custom_t **v;

	dp_ctl_customs(type, &first, &n);
	v = osp_arena_alloc(a, (n + TMPL_N_BUILTINS + 1) * sizeof(*v));
	*out = v;
	if (v == NULL)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		if (expr_matches(expr, first[i].name))
			v[k++] = &first[i];
	}
	for (size_t i = 0; i < TMPL_N_BUILTINS; i++) {
		const osp_custom_t *b = tmpl_builtin(tmpl_builtins[i].type, tmpl_builtins[i].name);

		if (strcmp(b->type, type) == 0 && dp_ctl_custom(type, b->name) == NULL &&
		    expr_matches(expr, b->name))
			v[k++] = b;
	}
	qsort(v, k, sizeof(*v), custom_name_cmp);
	return k;
}

osp_json_t *
dp_tmpl_parse(const osp_custom_t *t, osp_arena_t *a)
{
	osp_json_t *v = NULL;
	osp_json_error_t jerr;

	if (t == NULL || osp_json_parse(a, t->body, t->body_len, NULL, &v, &jerr) != 0)
		return NULL;
	return v;
}

/* ---- settings ---- */

static int
flat_add(osp_arena_t *a, osp_json_t *out, const char *prefix, const osp_json_t *v, osp_err_t *err)
{
	char key[512];

	OSP_JSON_FOREACH(m, v) {
		int n = snprintf(key, sizeof(key), "%s%s%.*s", prefix, prefix[0] ? "." : "",
				 (int)m->key_len, m->key);

		if (n < 0 || (size_t)n >= sizeof(key))
			return osp_err_illegal_argument(err, "setting key [%.*s] is too long",
							(int)m->key_len, m->key);
		if (osp_json_is(m, OSP_JSON_OBJECT)) {
			int rc = flat_add(a, out, key, m, err);

			if (rc != 0)
				return rc;
			continue;
		}
		const char *k = key;
		char full[520];

		if (strncmp(key, "index.", 6) != 0) {
			snprintf(full, sizeof(full), "index.%s", key);
			k = full;
		}
		osp_json_t *val;

		switch (m->type) {
		case OSP_JSON_STRING:
			val = osp_json_new_string(a, m->u.str, m->len);
			break;
		case OSP_JSON_NUMBER:
			val = m->num ? osp_json_new_string(a, m->num, m->num_len) :
			      osp_json_new_int(a, m->i);
			break;
		case OSP_JSON_BOOL:
			val = osp_json_new_string(a, m->boolean ? "true" : "false", m->boolean ? 4 : 5);
			break;
		case OSP_JSON_ARRAY:
			val = osp_json_new_array(a);
			OSP_JSON_FOREACH(e, m) {
				osp_json_t *s = osp_json_is(e, OSP_JSON_STRING) ?
						osp_json_new_string(a, e->u.str, e->len) :
						osp_json_is(e, OSP_JSON_NUMBER) && e->num ?
						osp_json_new_string(a, e->num, e->num_len) :
						osp_json_is(e, OSP_JSON_BOOL) ?
						osp_json_new_string(a, e->boolean ? "true" : "false",
								    e->boolean ? 4 : 5) : NULL;

				if (s == NULL || osp_json_append(a, val, NULL, 0, s) != 0)
					return osp_err_illegal_argument(err,
						"illegal value for setting [%s]", k);
			}
			break;
		default:
			val = osp_json_new_null(a);
			break;
		}
		/* a later duplicate replaces an earlier one */
		osp_json_t *old = osp_json_get(out, k);

		if (old && val) {
			osp_json_t keep = *old;

			*old = *val;
			old->next = keep.next;
			old->key = keep.key;
			old->key_len = keep.key_len;
		} else if (osp_json_append(a, out, k, strlen(k), val) != 0) {
			return osp_err_set(err, 500, "exception", "out of memory");
		}
	}
	return 0;
}

osp_json_t *
dp_tmpl_flat_settings(osp_arena_t *a, const osp_json_t *settings, osp_err_t *err)
{
	osp_json_t *out = osp_json_new_object(a);

	if (out == NULL)
		return NULL;
	if (settings == NULL || settings->type == OSP_JSON_NULL)
		return out;
	if (!osp_json_is(settings, OSP_JSON_OBJECT)) {
		osp_err_illegal_argument(err, "settings must be an object");
		return NULL;
	}
	return flat_add(a, out, "", settings, err) == 0 ? out : NULL;
}

void
dp_tmpl_write_settings(osp_jw_t *w, const osp_json_t *flat_settings, bool flat)
{
	osp_index_t tmp;
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t bw;

	if (flat || flat_settings == NULL) {
		if (flat_settings)
			osp_jw_value(w, flat_settings);
		else
			osp_jw_raw(w, "{}", 2);
		return;
	}
	memset(&tmp, 0, sizeof(tmp));
	osp_jw_init(&bw, &b, 0);
	osp_jw_value(&bw, flat_settings);
	tmp.settings = b.data;
	tmp.settings_len = b.len;
	if (osp_buf_failed(&b) || osp_index_write_settings(&tmp, w, false) != 0)
		osp_jw_raw(w, "{}", 2);
	osp_buf_free(&b);
}

osp_json_t *
dp_tmpl_merge(osp_arena_t *a, const osp_json_t *base, const osp_json_t *over)
{
	osp_json_t *out;

	if (over == NULL)
		return base ? osp_json_clone(a, base) : NULL;
	if (!osp_json_is(base, OSP_JSON_OBJECT) || !osp_json_is(over, OSP_JSON_OBJECT))
		return osp_json_clone(a, over);
	out = osp_json_new_object(a);
	if (out == NULL)
		return NULL;
	OSP_JSON_FOREACH(m, base) {
		const osp_json_t *o = osp_json_getn(over, m->key, m->key_len);
		osp_json_t *v = dp_tmpl_merge(a, m, o);

		if (v == NULL || osp_json_append(a, out, m->key, m->key_len, v) != 0)
			return NULL;
	}
	OSP_JSON_FOREACH(m, over) {
		if (osp_json_getn(base, m->key, m->key_len) != NULL)
			continue;
		if (osp_json_append(a, out, m->key, m->key_len, osp_json_clone(a, m)) != 0)
			return NULL;
	}
	return out;
}

void
dp_tmpl_ctl_ack(void *user, const osp_err_t *err, const char *payload, size_t len)
{
	dp_rest_req_t *r = user;

	(void)payload;
	(void)len;
	if (err)
		dp_rest_reply_err(r, err);
	else
		dp_rest_reply_ack(r, true);
}

void
dp_tmpl_put(dp_rest_req_t *r, const char *type, const char *name, osp_buf_t *b, bool create)
{
	osp_err_t err;

	if (osp_buf_failed(b)) {
		osp_buf_free(b);
		osp_err_set(&err, 500, "exception", "out of memory");
		dp_rest_reply_err(r, &err);
		return;
	}
	dp_ctl_put_custom(type, name, b->data, b->len, create, dp_tmpl_ctl_ack, r);
	osp_buf_free(b);
}

bool
dp_tmpl_is_wildcard(const char *expr)
{
	return strchr(expr, '*') != NULL || strcmp(expr, "_all") == 0;
}
