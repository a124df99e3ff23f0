/*
 * rest_field_caps.c - GET/POST [/{index}]/_field_caps: the capabilities of
 * fields across indices, from the published mappings.
 *
 * Each index's mapping is walked (properties, object and nested parents,
 * multi-fields) into (field, type, searchable, aggregatable) entries, plus
 * Elasticsearch's metadata fields. Entries matching the "fields" patterns
 * (wildcards) are grouped per field and type: a type seen in only some
 * indices, or a field with several types, lists its "indices"; mixed
 * searchability lists "non_searchable_indices" (and aggregatability
 * "non_aggregatable_indices"); include_unmapped adds an "unmapped" type for
 * the indices without the field. All on the network core, in the request
 * arena.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../shard/dp_shards.h"
#include "dp_rest.h"

#define FC_MAX_INDICES 4096
#define FC_MAX_PATTERNS 256

/* One field of one index. */
typedef struct fc_entry {
	const char *field;
	const char *type;
	uint32_t index;              /* position in the resolved list */
	bool searchable, aggregatable, metadata;
} fc_entry_t;

typedef struct fc_ctx {
	osp_arena_t *a;
	fc_entry_t *e;
	uint32_t n, cap;
	const char **pat;
	uint32_t n_pat;
} fc_ctx_t;

static const struct {
	const char *name;
	bool searchable, aggregatable;
} fc_meta[] = {
	{ "_id", true, false }, { "_index", true, true }, { "_source", false, false },
	{ "_seq_no", true, true }, { "_version", false, true }, { "_ignored", true, true },
	{ "_routing", true, false }, { "_field_names", true, false }, { "_doc_count", false, false },
	{ "_tier", true, true }, { "_feature", false, false }, { "_nested_path", true, false },
	{ "_data_stream_timestamp", false, false },
};

static bool
fc_wanted(const fc_ctx_t *c, const char *field)
{
	for (uint32_t i = 0; i < c->n_pat; i++)
		if (fnmatch(c->pat[i], field, 0) == 0)
			return true;
	return false;
}

static void
fc_add(fc_ctx_t *c, const char *field, const char *type, uint32_t index, bool s, bool ag, bool meta)
{
	if (!fc_wanted(c, field))
		return;
	if (c->n == c->cap) {
		uint32_t cap = c->cap ? 2 * c->cap : 64;
		fc_entry_t *e = osp_arena_alloc(c->a, cap * sizeof(*e));

		if (e == NULL)
			return;
		if (c->n)
			memcpy(e, c->e, c->n * sizeof(*e));
		c->e = e;
		c->cap = cap;
	}
	c->e[c->n++] = (fc_entry_t){ field, type, index, s, ag, meta };
}

/* Searchable / aggregatable of a leaf as Elasticsearch's mappers say. */
static void
fc_leaf(fc_ctx_t *c, const char *path, const osp_json_t *def, uint32_t index)
{
	const osp_json_t *t = osp_json_get(def, "type");
	const osp_json_t *ix = osp_json_get(def, "index");
	const osp_json_t *dv = osp_json_get(def, "doc_values");
	const osp_json_t *fd = osp_json_get(def, "fielddata");
	const char *type = osp_json_is(t, OSP_JSON_STRING) ? t->u.str : "object";
	bool text = strcmp(type, "text") == 0 || strcmp(type, "match_only_text") == 0;
	bool s = !(osp_json_is(ix, OSP_JSON_BOOL) && !ix->boolean);
	bool ag = text ? (osp_json_is(fd, OSP_JSON_BOOL) && fd->boolean)
		       : !(osp_json_is(dv, OSP_JSON_BOOL) && !dv->boolean);

	if (strcmp(type, "object") == 0 || strcmp(type, "nested") == 0)
		s = ag = false;
	fc_add(c, path, type, index, s, ag, false);
}

static void
fc_walk(fc_ctx_t *c, const osp_json_t *props, const char *prefix, uint32_t index)
{
	OSP_JSON_FOREACH(f, props) {
		size_t len = (prefix ? strlen(prefix) + 1 : 0) + f->key_len + 1;
		char *path = osp_arena_alloc(c->a, len);
		const osp_json_t *sub;

		if (path == NULL)
			return;
		snprintf(path, len, "%s%s%s", prefix ? prefix : "", prefix ? "." : "", f->key);
		fc_leaf(c, path, f, index);
		if ((sub = osp_json_get(f, "properties")) != NULL)
			fc_walk(c, sub, path, index);
		if ((sub = osp_json_get(f, "fields")) != NULL)
			fc_walk(c, sub, path, index);
	}
}

static int
fc_cmp(const void *x, const void *y)
{
	const fc_entry_t *a = x, *b = y;
	int r = strcmp(a->field, b->field);

	if (r == 0)
		r = strcmp(a->type, b->type);
	return r ? r : (a->index > b->index) - (a->index < b->index);
}

static void
fc_index_list(osp_jw_t *w, const char *key, const fc_entry_t *e, uint32_t n, dp_index_t **list,
	      int which)
{
	osp_jw_key(w, key);
	osp_jw_arr_begin(w);
	for (uint32_t i = 0; i < n; i++)
		if (which == 0 || (which == 1 && !e[i].searchable) || (which == 2 && !e[i].aggregatable))
			osp_jw_str(w, list[e[i].index]->name);
	osp_jw_arr_end(w);
}

/* One type of one field: entries e[0..n) (same field and type). */
static void
fc_write_type(osp_jw_t *w, const fc_entry_t *e, uint32_t n, dp_index_t **list,
	      bool several_types)
{
	uint32_t ns = 0, na = 0;

	for (uint32_t i = 0; i < n; i++) {
		ns += e[i].searchable;
		na += e[i].aggregatable;
	}
	osp_jw_key(w, e[0].type);
	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "type", e[0].type);
	osp_jw_kv_bool(w, "metadata_field", e[0].metadata);
	osp_jw_kv_bool(w, "searchable", ns == n);
	osp_jw_kv_bool(w, "aggregatable", na == n);
	if (several_types)
		fc_index_list(w, "indices", e, n, list, 0);
	if (ns && ns < n)
		fc_index_list(w, "non_searchable_indices", e, n, list, 1);
	if (na && na < n)
		fc_index_list(w, "non_aggregatable_indices", e, n, list, 2);
	osp_jw_obj_end(w);
}

/* Split "a,b" and JSON arrays into patterns. */
static void
fc_patterns(fc_ctx_t *c, const char *csv, const osp_json_t *arr)
{
	if (c->pat == NULL)
		c->pat = osp_arena_calloc(c->a, FC_MAX_PATTERNS * sizeof(*c->pat));
	if (c->pat == NULL)
		return;
	if (csv) {
		char *copy = osp_arena_strndup(c->a, csv, strlen(csv));

		for (char *save = NULL, *t = copy ? strtok_r(copy, ",", &save) : NULL; t && c->n_pat < FC_MAX_PATTERNS;
		     t = strtok_r(NULL, ",", &save))
			c->pat[c->n_pat++] = t;
	}
	if (osp_json_is(arr, OSP_JSON_STRING))
		fc_patterns(c, arr->u.str, NULL);
	OSP_JSON_FOREACH(e, osp_json_is(arr, OSP_JSON_ARRAY) ? arr : NULL)
		if (osp_json_is(e, OSP_JSON_STRING) && c->n_pat < FC_MAX_PATTERNS)
			c->pat[c->n_pat++] = e->u.str;
}

static void
rest_field_caps(dp_rest_req_t *r)
{
	static dp_index_t *list[FC_MAX_INDICES];
	fc_ctx_t c = { .a = r->http->arena };
	osp_json_t *body;
	osp_err_t err;
	osp_buf_t out;
	osp_jw_t w;
	bool ok = true;

	if (!dp_rest_body_json(r, &body))
		return;
	bool unmapped = dp_rest_qs_bool(r, "include_unmapped", false, &ok);

	if (!ok)
		return;
	bool iu = dp_rest_qs_bool(r, "ignore_unavailable", false, &ok);

	if (!ok)
		return;
	bool an = dp_rest_qs_bool(r, "allow_no_indices", true, &ok);

	if (!ok)
		return;
	fc_patterns(&c, dp_rest_qs(r, "fields"), osp_json_get(body, "fields"));
	if (c.n_pat == 0) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: specified fields can't be null or empty;");
		dp_rest_reply_err(r, &err);
		return;
	}
	int n = dp_shards_resolve(dp_rest_param(r, "index"), iu, an, list, FC_MAX_INDICES, &err);

	if (n < 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	for (int i = 0; i < n; i++) {
		const osp_index_t *meta = list[i]->meta;
		osp_json_t *m = NULL;
		osp_json_error_t jerr;

		for (size_t k = 0; k < sizeof(fc_meta) / sizeof(fc_meta[0]); k++)
			fc_add(&c, fc_meta[k].name, fc_meta[k].name, (uint32_t)i, fc_meta[k].searchable,
			       fc_meta[k].aggregatable, true);
		if (meta && meta->mappings &&
		    osp_json_parse(c.a, meta->mappings, meta->mappings_len, NULL, &m, &jerr) == 0)
			fc_walk(&c, osp_json_get(m, "properties"), NULL, (uint32_t)i);
	}
	qsort(c.e, c.n, sizeof(*c.e), fc_cmp);
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "indices");
	osp_jw_arr_begin(&w);
	for (int i = 0; i < n; i++)
		osp_jw_str(&w, list[i]->name);
	osp_jw_arr_end(&w);
	osp_jw_key(&w, "fields");
	osp_jw_obj_begin(&w);
	for (uint32_t i = 0; i < c.n;) {
		uint32_t end = i, types = 0, mapped = 0;

		while (end < c.n && strcmp(c.e[end].field, c.e[i].field) == 0) {
			if (end == i || strcmp(c.e[end].type, c.e[end - 1].type) != 0)
				types++;
			mapped++;
			end++;
		}
		bool add_unmapped = unmapped && !c.e[i].metadata && mapped < (uint32_t)n;

		osp_jw_key(&w, c.e[i].field);
		osp_jw_obj_begin(&w);
		for (uint32_t k = i; k < end;) {
			uint32_t t = k;

			while (t < end && strcmp(c.e[t].type, c.e[k].type) == 0)
				t++;
			fc_write_type(&w, &c.e[k], t - k, list, types > 1 || add_unmapped);
			k = t;
		}
		if (add_unmapped) {
			osp_jw_key(&w, "unmapped");
			osp_jw_obj_begin(&w);
			osp_jw_kv_str(&w, "type", "unmapped");
			osp_jw_kv_bool(&w, "metadata_field", false);
			osp_jw_kv_bool(&w, "searchable", false);
			osp_jw_kv_bool(&w, "aggregatable", false);
			osp_jw_key(&w, "indices");
			osp_jw_arr_begin(&w);
			for (int x = 0; x < n; x++) {
				bool has = false;

				for (uint32_t k = i; k < end && !has; k++)
					has = c.e[k].index == (uint32_t)x;
				if (!has)
					osp_jw_str(&w, list[x]->name);
			}
			osp_jw_arr_end(&w);
			osp_jw_obj_end(&w);
		}
		osp_jw_obj_end(&w);
		i = end;
	}
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

void
rest_field_caps_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_field_caps", rest_field_caps, 0);
	dp_rest_route(DP_HTTP_POST, "/_field_caps", rest_field_caps, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_field_caps", rest_field_caps, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_field_caps", rest_field_caps, 0);
}
