/*
 * rest_cset.c - the dynamic cluster settings Osprey accepts and the pure
 * operations on settings maps (dp_cset.h): flatten a request object,
 * validate with Elasticsearch's wording, merge, render nested or flat, and
 * match action.auto_create_index. No I/O and no REST state, so it is unit
 * tested on its own; rest_cluster_settings.c stores and serves the maps.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "osprey/settings.h"
#include "dp_cset.h"

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
	{ "action.destructive_requires_name", CSET_BOOL, "false", NULL, 0 },  /* Osprey deletes wildcards */
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

static const cset_def_t *
cset_def(const char *key)
{
	for (size_t i = 0; i < CSET_NDEFS; i++)
		if (strcmp(cset_defs[i].key, key) == 0)
			return &cset_defs[i];
	return NULL;
}

int
dp_cset_find(const dp_cset_map_t *m, const char *key)
{
	for (uint32_t i = 0; i < m->n; i++)
		if (strcmp(m->k[i], key) == 0)
			return (int)i;
	return -1;
}

int
dp_cset_set(dp_cset_map_t *m, const char *key, const char *v)
{
	int at = dp_cset_find(m, key);

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
	if (m->n == DP_CSET_MAX)
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

int
dp_cset_flatten(osp_arena_t *a, const osp_json_t *obj, const char *prefix, dp_cset_map_t *upd,
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
			int rc = dp_cset_flatten(a, m, key, upd, reset, n_reset);

			if (rc)
				return rc;
		} else if (m->type == OSP_JSON_NULL) {
			if (*n_reset == DP_CSET_MAX)
				return -ENOSPC;
			reset[(*n_reset)++] = key;
		} else {
			const char *v = cset_value_str(a, m);

			if (v == NULL || dp_cset_set(upd, key, v) != 0)
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

int
dp_cset_validate(const char *scope, const char *key, const char *v, osp_err_t *err)
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


bool
dp_cset_known(const char *key)
{
	return cset_def(key) != NULL;
}

void
dp_cset_defaults(dp_cset_map_t *m)
{
	for (size_t i = 0; i < CSET_NDEFS; i++)
		dp_cset_set(m, cset_defs[i].key, cset_defs[i].def);
}

/* Write keys [from, to) sharing the first off bytes as nested objects. */
static void
cset_write_level(osp_jw_t *w, const dp_cset_map_t *m, uint32_t from, uint32_t to, size_t off)
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

void
dp_cset_write(osp_jw_t *w, const dp_cset_map_t *m, bool flat)
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

int
dp_cset_autocreate(const char *v, const char *index, osp_err_t *err)
{
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

