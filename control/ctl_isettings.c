/*
 * ctl_isettings.c - index settings (ctl_isettings.h).
 *
 * Settings are kept as Elasticsearch keeps them: a flat map of dotted keys
 * with string values (arrays of strings for lists), sorted. The registry
 * below lists every index setting Osprey accepts with its type, bounds and
 * update scope; whole families (analysis, routing.allocation, similarity,
 * ...) are accepted by prefix. Error texts are Elasticsearch's. All trees
 * live in the caller's arena.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "osprey/settings.h"

#include "ctl_isettings.h"

enum { T_INT, T_BOOL, T_TIME, T_BYTES, T_STR, T_DURABILITY };
enum { S_DYNAMIC = 0x1, S_FINAL = 0x2, S_PRIVATE = 0x4, S_PREFIX = 0x8 };

/* One registered index setting (key without the "index." prefix). */
typedef struct isetting {
	const char *key;
	uint8_t type;
	uint8_t scope;
	int64_t min, max;
} isetting_t;

static const isetting_t registry[] = {
	{ "number_of_shards", T_INT, S_FINAL, 1, 1024 },
	{ "number_of_replicas", T_INT, S_DYNAMIC, 0, INT32_MAX },
	{ "number_of_routing_shards", T_INT, S_FINAL, 1, 1024 * 1024 },
	{ "routing_partition_size", T_INT, S_FINAL, 1, INT32_MAX },
	{ "auto_expand_replicas", T_STR, S_DYNAMIC, 0, 0 },
	{ "refresh_interval", T_TIME, S_DYNAMIC, 0, 0 },
	{ "max_result_window", T_INT, S_DYNAMIC, 1, INT32_MAX },
	{ "max_inner_result_window", T_INT, S_DYNAMIC, 1, INT32_MAX },
	{ "max_rescore_window", T_INT, S_DYNAMIC, 1, INT32_MAX },
	{ "max_docvalue_fields_search", T_INT, S_DYNAMIC, 0, INT32_MAX },
	{ "max_script_fields", T_INT, S_DYNAMIC, 0, INT32_MAX },
	{ "max_ngram_diff", T_INT, S_DYNAMIC, 0, INT32_MAX },
	{ "max_shingle_diff", T_INT, S_DYNAMIC, 0, INT32_MAX },
	{ "max_terms_count", T_INT, S_DYNAMIC, 1, INT32_MAX },
	{ "max_regex_length", T_INT, S_DYNAMIC, 1, INT32_MAX },
	{ "max_slices_per_scroll", T_INT, S_DYNAMIC, 1, INT32_MAX },
	{ "highlight.max_analyzed_offset", T_INT, S_DYNAMIC, 1, INT32_MAX },
	{ "hidden", T_BOOL, S_DYNAMIC, 0, 0 },
	{ "codec", T_STR, 0, 0, 0 },
	{ "store.type", T_STR, 0, 0, 0 },
	{ "priority", T_INT, S_DYNAMIC, 0, INT32_MAX },
	{ "gc_deletes", T_TIME, S_DYNAMIC, 0, 0 },
	{ "default_pipeline", T_STR, S_DYNAMIC, 0, 0 },
	{ "final_pipeline", T_STR, S_DYNAMIC, 0, 0 },
	{ "shard.check_on_startup", T_STR, 0, 0, 0 },
	{ "load_fixed_bitset_filters_eagerly", T_BOOL, 0, 0, 0 },
	{ "requests.cache.enable", T_BOOL, S_DYNAMIC, 0, 0 },
	{ "search.idle.after", T_TIME, S_DYNAMIC, 0, 0 },
	{ "query.default_field", T_STR, S_DYNAMIC, 0, 0 },
	{ "write.wait_for_active_shards", T_STR, S_DYNAMIC, 0, 0 },
	{ "translog.durability", T_DURABILITY, S_DYNAMIC, 0, 0 },
	{ "translog.sync_interval", T_TIME, S_DYNAMIC, 0, 0 },
	{ "translog.flush_threshold_size", T_BYTES, S_DYNAMIC, 0, 0 },
	{ "soft_deletes.enabled", T_BOOL, S_FINAL, 0, 0 },
	{ "unassigned.node_left.delayed_timeout", T_TIME, S_DYNAMIC, 0, 0 },
	{ "mapping.total_fields.limit", T_INT, S_DYNAMIC, 0, INT64_MAX },
	{ "mapping.depth.limit", T_INT, S_DYNAMIC, 1, INT64_MAX },
	{ "mapping.nested_fields.limit", T_INT, S_DYNAMIC, 0, INT64_MAX },
	{ "mapping.nested_objects.limit", T_INT, S_DYNAMIC, 0, INT64_MAX },
	{ "mapping.field_name_length.limit", T_INT, S_DYNAMIC, 1, INT64_MAX },
	{ "mapping.ignore_malformed", T_BOOL, S_DYNAMIC, 0, 0 },
	{ "mapping.coerce", T_BOOL, S_DYNAMIC, 0, 0 },
	{ "blocks.read_only", T_BOOL, S_DYNAMIC, 0, 0 },
	{ "blocks.read_only_allow_delete", T_BOOL, S_DYNAMIC, 0, 0 },
	{ "blocks.read", T_BOOL, S_DYNAMIC, 0, 0 },
	{ "blocks.write", T_BOOL, S_DYNAMIC, 0, 0 },
	{ "blocks.metadata", T_BOOL, S_DYNAMIC, 0, 0 },
	{ "creation_date", T_INT, 0, 0, INT64_MAX },
	{ "uuid", T_STR, S_PRIVATE | S_FINAL, 0, 0 },
	{ "provided_name", T_STR, S_PRIVATE | S_FINAL, 0, 0 },
	{ "version.created", T_STR, S_PRIVATE | S_FINAL, 0, 0 },
	{ "verified_before_close", T_BOOL, S_PRIVATE | S_FINAL, 0, 0 },
	{ "analysis.", T_STR, S_PREFIX, 0, 0 },
	{ "similarity.", T_STR, S_PREFIX, 0, 0 },
	{ "routing.allocation.", T_STR, S_PREFIX | S_DYNAMIC, 0, 0 },
	{ "routing.rebalance.", T_STR, S_PREFIX | S_DYNAMIC, 0, 0 },
	{ "merge.", T_STR, S_PREFIX | S_DYNAMIC, 0, 0 },
	{ "search.slowlog.", T_STR, S_PREFIX | S_DYNAMIC, 0, 0 },
	{ "indexing.slowlog.", T_STR, S_PREFIX | S_DYNAMIC, 0, 0 },
	{ "lifecycle.", T_STR, S_PREFIX | S_DYNAMIC, 0, 0 },
	{ "sort.", T_STR, S_PREFIX, 0, 0 },
	{ "translog.retention.", T_STR, S_PREFIX | S_DYNAMIC, 0, 0 },
};

/* Registry entry for a flat key ("index.x"), or NULL. */
static const isetting_t *
registry_find(const char *key)
{
	if (strncmp(key, "index.", 6) != 0)
		return NULL;
	key += 6;
	for (size_t i = 0; i < sizeof(registry) / sizeof(registry[0]); i++) {
		const isetting_t *r = &registry[i];

		if (r->scope & S_PREFIX) {
			if (strncmp(key, r->key, strlen(r->key)) == 0)
				return r;
		} else if (strcmp(key, r->key) == 0) {
			return r;
		}
	}
	return NULL;
}

static osp_json_t *
scalar_string(osp_arena_t *a, const osp_json_t *v)
{
	switch (v->type) {
	case OSP_JSON_STRING:
		return osp_json_new_string(a, v->u.str, v->len);
	case OSP_JSON_NUMBER:
		return osp_json_new_string(a, v->num, v->num_len);
	case OSP_JSON_BOOL:
		return osp_json_new_string(a, v->boolean ? "true" : "false", v->boolean ? 4 : 5);
	case OSP_JSON_NULL:
		return osp_json_new_null(a);
	default:
		return NULL;
	}
}

/* Append (key, value) to out, flattening objects below prefix. */
static int
flatten_into(osp_arena_t *a, osp_json_t *out, osp_buf_t *key, const osp_json_t *v,
	     osp_err_t *err)
{
	size_t mark = key->len;
	int rc = 0;

	if (v->type == OSP_JSON_OBJECT) {
		OSP_JSON_FOREACH(m, v) {
			if (key->len)
				osp_buf_putc(key, '.');
			osp_buf_append(key, m->key, m->key_len);
			rc = flatten_into(a, out, key, m, err);
			key->len = mark;
			key->data[mark] = '\0';
			if (rc != 0)
				return rc;
		}
		return 0;
	}
	osp_json_t *val;

	if (v->type == OSP_JSON_ARRAY) {
		val = osp_json_new_array(a);
		if (val == NULL)
			return -ENOMEM;
		OSP_JSON_FOREACH(e, v) {
			osp_json_t *s = e->type == OSP_JSON_NULL || e->type >= OSP_JSON_ARRAY ?
					NULL : scalar_string(a, e);

			if (s == NULL)
				return osp_err_illegal_argument(err,
					"failed to parse setting [%s]: only arrays of values are allowed",
					key->data);
			if (osp_json_append(a, val, NULL, 0, s) != 0)
				return -ENOMEM;
		}
	} else {
		val = scalar_string(a, v);
		if (val == NULL)
			return -ENOMEM;
	}
	if (osp_buf_failed(key))
		return -ENOMEM;
	/* Every index setting lives under "index."; ES adds the prefix too. */
	const char *k = key->data;
	char *full = osp_arena_alloc(a, key->len + 7);

	if (full == NULL)
		return -ENOMEM;
	snprintf(full, key->len + 7, "%s%s", strncmp(k, "index.", 6) == 0 ? "" : "index.", k);
	osp_json_t *dup = osp_json_get(out, full);

	if (dup != NULL) {
		osp_json_t *next = dup->next;

		*dup = *val;
		dup->key = full;
		dup->key_len = (uint32_t)strlen(full);
		dup->next = next;
		return 0;
	}
	return osp_json_append(a, out, full, strlen(full), val);
}

int
ctl_isettings_flatten(osp_arena_t *a, const osp_json_t *settings, osp_json_t **out,
		      osp_err_t *err)
{
	osp_buf_t key = OSP_BUF_INIT;
	osp_json_t *o = osp_json_new_object(a);
	int rc;

	if (o == NULL)
		return -ENOMEM;
	if (settings == NULL || settings->type == OSP_JSON_NULL) {
		*out = o;
		return 0;
	}
	if (settings->type != OSP_JSON_OBJECT)
		return osp_err_illegal_argument(err, "settings must be an object");
	osp_buf_puts(&key, "");
	rc = flatten_into(a, o, &key, settings, err);
	osp_buf_free(&key);
	if (rc == 0)
		*out = o;
	return rc;
}

static int
check_value(const char *key, const isetting_t *r, const osp_json_t *v, osp_err_t *err)
{
	const char *s;
	int64_t x;
	char *end;

	if (v->type == OSP_JSON_NULL || r->type == T_STR)
		return 0;
	if (v->type != OSP_JSON_STRING)
		return osp_err_illegal_argument(err, "Failed to parse value for setting [%s]", key);
	s = v->u.str;
	switch (r->type) {
	case T_INT:
		errno = 0;
		x = strtoll(s, &end, 10);
		if (*s == '\0' || *end || errno)
			return osp_err_illegal_argument(err,
				"Failed to parse value [%s] for setting [%s]", s, key);
		if (x < r->min)
			return osp_err_illegal_argument(err,
				"Failed to parse value [%s] for setting [%s] must be >= %lld",
				s, key, (long long)r->min);
		if (x > r->max)
			return osp_err_illegal_argument(err,
				"Failed to parse value [%s] for setting [%s] must be <= %lld",
				s, key, (long long)r->max);
		return 0;
	case T_BOOL:
		if (strcmp(s, "true") && strcmp(s, "false"))
			return osp_err_illegal_argument(err,
				"Failed to parse value [%s] as only [true] or [false] are allowed.", s);
		return 0;
	case T_TIME:
		if (osp_parse_time_ms(s, &x) != 0)
			return osp_err_illegal_argument(err,
				"failed to parse setting [%s] with value [%s] as a time value: unit is missing or unrecognized",
				key, s);
		return 0;
	case T_BYTES:
		if (osp_parse_bytes(s, &x) != 0)
			return osp_err_illegal_argument(err,
				"failed to parse setting [%s] with value [%s] as a size in bytes: unit is missing or unrecognized",
				key, s);
		return 0;
	case T_DURABILITY:
		if (strcasecmp(s, "request") && strcasecmp(s, "async")) {
			char up[128];
			size_t i;

			for (i = 0; s[i] && i < sizeof(up) - 1; i++)
				up[i] = (char)toupper((unsigned char)s[i]);
			up[i] = '\0';
			return osp_err_illegal_argument(err,
				"No enum constant org.elasticsearch.index.translog.Translog.Durability.%s", up);
		}
		return 0;
	default:
		return 0;
	}
}

/* Lucene's LevenshteinDistance.getDistance: 1 - edits / longer length. */
static float
levenshtein_score(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	size_t *p, *d;
	float score;

	if (n == 0 || m == 0)
		return n == m ? 1.0f : 0.0f;
	p = malloc((n + 1) * sizeof(*p));
	d = malloc((n + 1) * sizeof(*d));
	if (p == NULL || d == NULL) {
		free(p);
		free(d);
		return 0.0f;
	}
	for (size_t i = 0; i <= n; i++)
		p[i] = i;
	for (size_t j = 1; j <= m; j++) {
		d[0] = j;
		for (size_t i = 1; i <= n; i++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = d[i - 1] + 1 < p[i] + 1 ? d[i - 1] + 1 : p[i] + 1;

			d[i] = best < p[i - 1] + cost ? best : p[i - 1] + cost;
		}
		size_t *t = p;

		p = d;
		d = t;
	}
	score = 1.0f - (float)p[n] / (float)(n > m ? n : m);
	free(p);
	free(d);
	return score;
}

/* "unknown setting [k]" with ES's suggestions: registered keys scoring
 * above 0.7, best first. */
static int
unknown_setting(const char *key, osp_err_t *err)
{
	struct { float score; const char *key; } hit[8];
	char full[128], list[512] = "";
	size_t nhit = 0;

	for (size_t i = 0; i < sizeof(registry) / sizeof(registry[0]); i++) {
		if (registry[i].scope & (S_PREFIX | S_PRIVATE))
			continue;
		snprintf(full, sizeof(full), "index.%s", registry[i].key);
		float sc = levenshtein_score(key, full);

		if (sc <= 0.7f || nhit == sizeof(hit) / sizeof(hit[0]))
			continue;
		size_t at = nhit++;

		while (at > 0 && hit[at - 1].score < sc) {
			hit[at] = hit[at - 1];
			at--;
		}
		hit[at].score = sc;
		hit[at].key = registry[i].key;
	}
	if (nhit == 0)
		return osp_err_illegal_argument(err,
			"unknown setting [%s] please check that any required plugins are installed, or check the breaking changes documentation for removed settings",
			key);
	for (size_t i = 0; i < nhit; i++) {
		size_t len = strlen(list);

		snprintf(list + len, sizeof(list) - len, "%sindex.%s", i ? ", " : "", hit[i].key);
	}
	if (nhit == 1)
		return osp_err_illegal_argument(err, "unknown setting [%s] did you mean [%s]?", key, list);
	return osp_err_illegal_argument(err, "unknown setting [%s] did you mean any of [%s]?", key, list);
}

int
ctl_isettings_validate(const osp_json_t *flat, bool allow_private, osp_err_t *err)
{
	OSP_JSON_FOREACH(m, flat) {
		const isetting_t *r = registry_find(m->key);
		int rc;

		if (r == NULL)
			return unknown_setting(m->key, err);
		if ((r->scope & S_PRIVATE) && !allow_private)
			return osp_err_illegal_argument(err,
				"private index setting [%s] can not be set explicitly", m->key);
		rc = check_value(m->key, r, m, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
ctl_isettings_check_update(const osp_index_t *idx, const osp_json_t *update,
			   osp_err_t *err)
{
	osp_buf_t statics = OSP_BUF_INIT;
	int rc = 0;

	OSP_JSON_FOREACH(m, update) {
		const isetting_t *r = registry_find(m->key);

		if (r == NULL)
			continue;   /* validate reports it */
		if (r->scope & S_FINAL) {
			rc = osp_err_illegal_argument(err, "final index setting [%s], not updateable",
						      m->key);
			goto cleanup;
		}
		if (!(r->scope & S_DYNAMIC) && idx->state == OSP_INDEX_OPEN) {
			osp_buf_puts(&statics, statics.len ? ", " : "");
			osp_buf_puts(&statics, m->key);
		}
	}
	if (statics.len)
		rc = osp_err_illegal_argument(err,
			"Can't update non dynamic settings [[%s]] for open indices [[%s/%s]]",
			statics.data, idx->name, idx->uuid);
cleanup:
	osp_buf_free(&statics);
	return rc;
}

int
ctl_isettings_set(osp_arena_t *a, osp_json_t *flat, const char *key, const char *value)
{
	osp_json_t *v = osp_json_new_string(a, value, strlen(value));
	osp_json_t *cur = osp_json_get(flat, key);

	if (v == NULL)
		return -ENOMEM;
	if (cur) {
		const char *k = cur->key;
		uint32_t kl = cur->key_len;
		osp_json_t *next = cur->next;

		*cur = *v;
		cur->key = k;
		cur->key_len = kl;
		cur->next = next;
		return 0;
	}
	return osp_json_append(a, flat, key, strlen(key), v);
}

int
ctl_isettings_merge(osp_arena_t *a, osp_json_t *base, const osp_json_t *update)
{
	osp_json_t *out = osp_json_new_object(a);

	if (out == NULL)
		return -ENOMEM;
	OSP_JSON_FOREACH(m, base) {
		const osp_json_t *u = osp_json_getn(update, m->key, m->key_len);

		if (u != NULL)
			continue;
		if (osp_json_append(a, out, m->key, m->key_len, osp_json_clone(a, m)) != 0)
			return -ENOMEM;
	}
	OSP_JSON_FOREACH(u, update) {
		if (u->type == OSP_JSON_NULL)
			continue;
		if (osp_json_append(a, out, u->key, u->key_len, osp_json_clone(a, u)) != 0)
			return -ENOMEM;
	}
	*base = *out;
	return 0;
}

static int
member_cmp(const void *x, const void *y)
{
	const osp_json_t *a = *(const osp_json_t *const *)x;
	const osp_json_t *b = *(const osp_json_t *const *)y;

	return strcmp(a->key, b->key);
}

int
ctl_isettings_serialize(const osp_json_t *flat, osp_buf_t *out)
{
	const osp_json_t **v = calloc(flat->len + 1, sizeof(*v));
	uint32_t n = 0;
	osp_jw_t w;

	if (v == NULL)
		return -ENOMEM;
	OSP_JSON_FOREACH(m, flat) {
		if (m->type != OSP_JSON_NULL)
			v[n++] = m;
	}
	qsort(v, n, sizeof(*v), member_cmp);
	osp_buf_clear(out);
	osp_jw_init(&w, out, 0);
	osp_jw_obj_begin(&w);
	for (uint32_t i = 0; i < n; i++) {
		osp_jw_keyn(&w, v[i]->key, v[i]->key_len);
		osp_jw_value(&w, v[i]);
	}
	osp_jw_obj_end(&w);
	free(v);
	return osp_buf_failed(out) ? -ENOMEM : 0;
}

int
ctl_isettings_int(const osp_json_t *flat, const char *key, int64_t dflt, int64_t *out)
{
	const osp_json_t *v = osp_json_get(flat, key);
	char *end;

	if (v == NULL || v->type == OSP_JSON_NULL) {
		*out = dflt;
		return 0;
	}
	if (v->type != OSP_JSON_STRING || v->len == 0)
		return -EINVAL;
	errno = 0;
	*out = strtoll(v->u.str, &end, 10);
	return *end || errno ? -EINVAL : 0;
}

uint32_t
ctl_routing_num_shards(uint32_t n)
{
	/* MetadataCreateIndexService.calculateNumRoutingShards (7.0+):
	 * n << (log2(1024) - ceil(log2(n))), at least n. */
	uint32_t log2n = n <= 1 ? 0 : 32u - (uint32_t)__builtin_clz(n - 1);

	return log2n >= 10 ? n : n << (10 - log2n);
}

osp_json_t *
ctl_isettings_analysis(osp_arena_t *a, const osp_json_t *flat)
{
	osp_json_t *root = NULL;

	OSP_JSON_FOREACH(m, flat) {
		if (strncmp(m->key, "index.analysis.", 15) != 0 || m->type == OSP_JSON_NULL)
			continue;
		if (root == NULL && (root = osp_json_new_object(a)) == NULL)
			return NULL;
		osp_json_t *at = root;
		const char *k = m->key + 15, *dot;

		while (at && (dot = strchr(k, '.')) != NULL) {
			osp_json_t *c = osp_json_getn(at, k, (size_t)(dot - k));

			if (c == NULL) {
				c = osp_json_new_object(a);
				if (c == NULL || osp_json_append(a, at, k, (size_t)(dot - k), c) != 0)
					return NULL;
			}
			at = c->type == OSP_JSON_OBJECT ? c : NULL;
			k = dot + 1;
		}
		if (at && osp_json_append(a, at, k, strlen(k), osp_json_clone(a, m)) != 0)
			return NULL;
	}
	return root;
}
