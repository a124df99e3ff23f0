/*
 * rest_tmpl_resolve.c - which templates a new index gets and the body they
 * make (dp_tmpl.h). The merge happens here, in the dataplane, before
 * CREATE_INDEX goes to control: templates are customs the dataplane already
 * holds and validates, so control keeps validating one plain create body
 * and needs no knowledge of templates (see docs/DECISIONS.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp_tmpl.h"

static int64_t
json_int(const osp_json_t *v, int64_t dflt)
{
	return osp_json_is(v, OSP_JSON_NUMBER) ? (v->is_int ? v->i : (int64_t)v->d) : dflt;
}

const osp_custom_t *
dp_tmpl_find_v2(const char *index, const char *skip, osp_arena_t *a, osp_json_t **body)
{
	const osp_custom_t **all, *best = NULL;
	osp_json_t *best_body = NULL;
	int64_t best_prio = INT64_MIN;
	uint32_t n = dp_tmpl_list(DP_TMPL_INDEX, NULL, a, &all);

	for (uint32_t i = 0; i < n; i++) {
		osp_json_t *b;
		int64_t prio;

		if (skip && strcmp(all[i]->name, skip) == 0)
			continue;
		b = dp_tmpl_parse(all[i], a);
		if (b == NULL || !dp_tmpl_patterns_match(osp_json_get(b, "index_patterns"), index))
			continue;
		prio = json_int(osp_json_get(b, "priority"), 0);
		if (best == NULL || prio > best_prio) {
			best = all[i];
			best_body = b;
			best_prio = prio;
		}
	}
	if (body)
		*body = best_body;
	return best;
}

/* Apply one {settings, mappings, aliases} template part onto out. */
static int
apply_part(const osp_json_t *t, osp_arena_t *a, dp_tmpl_resolved_t *out, osp_err_t *err)
{
	const osp_json_t *st = osp_json_get(t, "settings"), *mp = osp_json_get(t, "mappings");
	const osp_json_t *al = osp_json_get(t, "aliases");

	if (st) {
		osp_json_t *flat = dp_tmpl_flat_settings(a, st, err);

		if (flat == NULL)
			return -EINVAL;
		out->settings = dp_tmpl_merge(a, out->settings, flat);
	}
	if (osp_json_is(mp, OSP_JSON_OBJECT)) {
		/* a legacy "_doc" wrapper is unwrapped */
		const osp_json_t *doc = osp_json_get(mp, "_doc");

		if (osp_json_is(doc, OSP_JSON_OBJECT) && mp->len == 1)
			mp = doc;
		out->mappings = dp_tmpl_merge(a, out->mappings, mp);
	}
	if (osp_json_is(al, OSP_JSON_OBJECT))
		out->aliases = dp_tmpl_merge(a, out->aliases, al);
	if (!out->settings || !out->mappings || !out->aliases)
		return osp_err_set(err, 500, "exception", "out of memory");
	return 0;
}

static int
resolved_init(osp_arena_t *a, dp_tmpl_resolved_t *out, osp_err_t *err)
{
	memset(out, 0, sizeof(*out));
	out->settings = osp_json_new_object(a);
	out->mappings = osp_json_new_object(a);
	out->aliases = osp_json_new_object(a);
	if (!out->settings || !out->mappings || !out->aliases)
		return osp_err_set(err, 500, "exception", "out of memory");
	return 0;
}

int
dp_tmpl_compose(const osp_json_t *v2, osp_arena_t *a, dp_tmpl_resolved_t *out, osp_err_t *err)
{
	int rc = resolved_init(a, out, err);

	if (rc != 0)
		return rc;
	OSP_JSON_FOREACH(c, osp_json_get(v2, "composed_of")) {
		const osp_custom_t *ct;
		osp_json_t *cb;

		if (!osp_json_is(c, OSP_JSON_STRING))
			continue;
		ct = dp_tmpl_get(DP_TMPL_COMPONENT, c->u.str);
		cb = ct ? dp_tmpl_parse(ct, a) : NULL;
		if (cb == NULL)
			continue;   /* missing (ignore_missing_component_templates) */
		rc = apply_part(osp_json_get(cb, "template"), a, out, err);
		if (rc != 0)
			return rc;
	}
	rc = apply_part(osp_json_get(v2, "template"), a, out, err);
	if (rc != 0)
		return rc;
	out->v2 = (osp_json_t *)v2;
	out->data_stream = osp_json_get(v2, "data_stream") != NULL;
	return 0;
}

typedef struct legacy_ref {
	int64_t order;
	const char *name;
	osp_json_t *body;
} legacy_ref_t;

static int
legacy_cmp(const void *x, const void *y)
{
	const legacy_ref_t *a = x, *b = y;

	if (a->order != b->order)
		return a->order < b->order ? -1 : 1;
	return strcmp(a->name, b->name);
}

int
dp_tmpl_resolve(const char *index, osp_arena_t *a, dp_tmpl_resolved_t *out, osp_err_t *err)
{
	const osp_custom_t *v2, **all;
	osp_json_t *v2_body = NULL;
	legacy_ref_t *refs;
	uint32_t n, k = 0;
	int rc;

	v2 = dp_tmpl_find_v2(index, NULL, a, &v2_body);
	if (v2 != NULL) {
		rc = dp_tmpl_compose(v2_body, a, out, err);
		out->v2_name = v2->name;
		return rc;
	}
	rc = resolved_init(a, out, err);
	if (rc != 0)
		return rc;
	n = dp_tmpl_list(DP_TMPL_LEGACY, NULL, a, &all);
	refs = osp_arena_alloc(a, (n + 1) * sizeof(*refs));
	if (refs == NULL)
		return osp_err_set(err, 500, "exception", "out of memory");
	for (uint32_t i = 0; i < n; i++) {
		osp_json_t *b = dp_tmpl_parse(all[i], a);

		if (b && dp_tmpl_patterns_match(osp_json_get(b, "index_patterns"), index))
			refs[k++] = (legacy_ref_t){ json_int(osp_json_get(b, "order"), 0),
						    all[i]->name, b };
	}
	qsort(refs, k, sizeof(*refs), legacy_cmp);
	for (uint32_t i = 0; i < k; i++) {
		rc = apply_part(refs[i].body, a, out, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
dp_tmpl_write_resolved(osp_jw_t *w, const dp_tmpl_resolved_t *res)
{
	osp_jw_key(w, "settings");
	dp_tmpl_write_settings(w, res->settings, false);
	osp_jw_key(w, "mappings");
	osp_jw_value(w, res->mappings);
	osp_jw_key(w, "aliases");
	osp_jw_value(w, res->aliases);
}

int
dp_tmpl_create_body(const char *index, const osp_json_t *body, osp_arena_t *a, osp_jw_t *w,
		    bool *data_stream, osp_err_t *err)
{
	dp_tmpl_resolved_t res;
	int rc = dp_tmpl_resolve(index, a, &res, err);

	if (rc != 0)
		return rc;
	if (data_stream)
		*data_stream = res.data_stream;
	if (body != NULL && !osp_json_is(body, OSP_JSON_OBJECT) && body->type != OSP_JSON_NULL) {
		osp_jw_value(w, body);   /* control answers the parse error */
		return 0;
	}
	if (body != NULL && body->type != OSP_JSON_NULL) {
		rc = apply_part(body, a, &res, err);
		if (rc != 0)
			return rc;
	}
	osp_jw_obj_begin(w);
	osp_jw_key(w, "settings");
	osp_jw_value(w, res.settings);
	osp_jw_key(w, "mappings");
	osp_jw_value(w, res.mappings);
	osp_jw_key(w, "aliases");
	osp_jw_value(w, res.aliases);
	/* anything else the request had (control rejects unknown keys) */
	OSP_JSON_FOREACH(m, body) {
		if (osp_json_key_eq(m, "settings") || osp_json_key_eq(m, "mappings") ||
		    osp_json_key_eq(m, "aliases"))
			continue;
		osp_jw_keyn(w, m->key, m->key_len);
		osp_jw_value(w, m);
	}
	osp_jw_obj_end(w);
	return 0;
}
