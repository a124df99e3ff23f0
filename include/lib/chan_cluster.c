/*
 * chan_cluster.c - the in-memory cluster state of osprey/cluster.h: create,
 * copy, free (customs included; their lookups are in chan_cluster_custom.c),
 * index lookup and index settings access.
 *
 * Indices are kept sorted by name in an array of pointers so lookups are a
 * binary search and a copy-on-write state change can share nothing with the
 * published state (osp_cluster_clone copies deeply). Flat index settings stay
 * JSON text; they are parsed into a caller arena when read, which is rare
 * (the hot fields are parsed into osp_index_t when the state is built).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "osprey/cluster.h"

const char *
osp_shard_state_name(osp_shard_state_t s)
{
	switch (s) {
	case OSP_SHARD_INITIALIZING: return "INITIALIZING";
	case OSP_SHARD_STARTED: return "STARTED";
	case OSP_SHARD_RELOCATING: return "RELOCATING";
	default: return "UNASSIGNED";
	}
}

const char *
osp_unassigned_reason_name(osp_unassigned_reason_t r)
{
	switch (r) {
	case OSP_UNASSIGNED_INDEX_CREATED: return "INDEX_CREATED";
	case OSP_UNASSIGNED_CLUSTER_RECOVERED: return "CLUSTER_RECOVERED";
	case OSP_UNASSIGNED_INDEX_REOPENED: return "INDEX_REOPENED";
	case OSP_UNASSIGNED_REPLICA_ADDED: return "REPLICA_ADDED";
	case OSP_UNASSIGNED_NODE_LEFT: return "NODE_LEFT";
	case OSP_UNASSIGNED_ALLOCATION_FAILED: return "ALLOCATION_FAILED";
	default: return "";
	}
}

osp_cluster_t *
osp_cluster_new(void)
{
	return calloc(1, sizeof(osp_cluster_t));
}

void
osp_index_free(osp_index_t *idx)
{
	if (idx == NULL)
		return;
	free(idx->settings);
	free(idx->mappings);
	free(idx->aliases);
	free(idx->primary_terms);
	if (idx->in_sync) {
		for (uint32_t s = 0; s < idx->number_of_shards; s++)
			free(idx->in_sync[s].ids);
	}
	free(idx->in_sync);
	free(idx->copies);
	free(idx);
}

void
osp_cluster_free(osp_cluster_t *cs)
{
	if (cs == NULL)
		return;
	for (uint32_t i = 0; i < cs->n_indices; i++)
		osp_index_free(cs->indices[i]);
	free(cs->indices);
	free(cs->nodes);
	free(cs->tombstones);
	for (uint32_t i = 0; i < cs->n_customs; i++) {
		free(cs->customs[i].name);
		free(cs->customs[i].body);
	}
	free(cs->customs);
	free(cs);
}

static void *
dup_mem(const void *p, size_t n)
{
	void *q;

	if (n == 0)
		n = 1;
	q = malloc(n);
	if (q && p)
		memcpy(q, p, n);
	return q;
}

osp_index_t *
osp_index_clone(const osp_index_t *idx)
{
	osp_index_t *c = calloc(1, sizeof(*c));
	size_t ncopies = (size_t)idx->number_of_shards * (1 + idx->number_of_replicas);

	if (c == NULL)
		return NULL;
	*c = *idx;
	c->settings = c->mappings = c->aliases = NULL;
	c->primary_terms = NULL;
	c->in_sync = NULL;
	c->copies = NULL;
	c->settings = dup_mem(idx->settings, idx->settings_len + 1);
	c->mappings = dup_mem(idx->mappings, idx->mappings_len + 1);
	c->aliases = idx->aliases ? dup_mem(idx->aliases, idx->aliases_len + 1) : NULL;
	c->primary_terms = dup_mem(idx->primary_terms,
				   idx->number_of_shards * sizeof(int64_t));
	c->in_sync = calloc(idx->number_of_shards ? idx->number_of_shards : 1,
			    sizeof(osp_in_sync_t));
	c->copies = dup_mem(idx->copies, ncopies * sizeof(osp_shard_copy_t));
	if (!c->settings || !c->mappings || !c->primary_terms || !c->in_sync || !c->copies ||
	    (idx->aliases && !c->aliases))
		goto fail;
	for (uint32_t s = 0; s < idx->number_of_shards; s++) {
		c->in_sync[s].n = idx->in_sync[s].n;
		c->in_sync[s].ids = dup_mem(idx->in_sync[s].ids,
					    idx->in_sync[s].n * sizeof(*idx->in_sync[s].ids));
		if (c->in_sync[s].ids == NULL)
			goto fail;
	}
	return c;
fail:
	osp_index_free(c);
	return NULL;
}

osp_cluster_t *
osp_cluster_clone(const osp_cluster_t *cs)
{
	osp_cluster_t *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	*c = *cs;
	c->nodes = NULL;
	c->indices = NULL;
	c->tombstones = NULL;
	c->customs = NULL;
	c->n_indices = c->cap_indices = 0;
	c->n_customs = 0;
	c->nodes = dup_mem(cs->nodes, cs->n_nodes * sizeof(osp_node_t));
	c->tombstones = dup_mem(cs->tombstones, cs->n_tombstones * sizeof(osp_tombstone_t));
	c->indices = calloc(cs->n_indices ? cs->n_indices : 1, sizeof(osp_index_t *));
	if (!c->nodes || !c->tombstones || !c->indices)
		goto fail;
	c->cap_indices = cs->n_indices ? cs->n_indices : 1;
	for (uint32_t i = 0; i < cs->n_indices; i++) {
		c->indices[i] = osp_index_clone(cs->indices[i]);
		if (c->indices[i] == NULL)
			goto fail;
		c->n_indices++;
	}
	c->customs = calloc(cs->n_customs ? cs->n_customs : 1, sizeof(osp_custom_t));
	if (c->customs == NULL)
		goto fail;
	for (uint32_t i = 0; i < cs->n_customs; i++) {
		osp_custom_t *d = &c->customs[c->n_customs];

		*d = cs->customs[i];
		d->name = strdup(cs->customs[i].name);
		d->body = dup_mem(cs->customs[i].body, cs->customs[i].body_len + 1);
		if (d->name == NULL || d->body == NULL) {
			free(d->name);
			free(d->body);
			goto fail;
		}
		c->n_customs++;
	}
	return c;
fail:
	osp_cluster_free(c);
	return NULL;
}

/* Position of name in the sorted array, or where it would go. */
static uint32_t
cluster_find(const osp_cluster_t *cs, const char *name, bool *found)
{
	uint32_t lo = 0, hi = cs->n_indices;

	*found = false;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = strcmp(cs->indices[mid]->name, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

osp_index_t *
osp_cluster_index(const osp_cluster_t *cs, const char *name)
{
	bool found;
	uint32_t i = cluster_find(cs, name, &found);

	return found ? cs->indices[i] : NULL;
}

int
osp_cluster_add_index(osp_cluster_t *cs, osp_index_t *idx)
{
	bool found;
	uint32_t i = cluster_find(cs, idx->name, &found);

	if (found)
		return -EEXIST;
	if (cs->n_indices == cs->cap_indices) {
		uint32_t cap = cs->cap_indices ? cs->cap_indices * 2 : 8;
		osp_index_t **p = realloc(cs->indices, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		cs->indices = p;
		cs->cap_indices = cap;
	}
	memmove(cs->indices + i + 1, cs->indices + i,
		(cs->n_indices - i) * sizeof(*cs->indices));
	cs->indices[i] = idx;
	cs->n_indices++;
	return 0;
}

osp_index_t *
osp_cluster_remove_index(osp_cluster_t *cs, const char *name)
{
	bool found;
	uint32_t i = cluster_find(cs, name, &found);
	osp_index_t *idx;

	if (!found)
		return NULL;
	idx = cs->indices[i];
	memmove(cs->indices + i, cs->indices + i + 1,
		(cs->n_indices - i - 1) * sizeof(*cs->indices));
	cs->n_indices--;
	return idx;
}

const char *
osp_index_setting(const osp_index_t *idx, osp_arena_t *a, const char *key)
{
	osp_json_t *root = NULL, *v;
	osp_json_error_t jerr;

	if (idx->settings == NULL ||
	    osp_json_parse(a, idx->settings, idx->settings_len, NULL, &root, &jerr) != 0)
		return NULL;
	v = osp_json_get(root, key);
	return osp_json_is(v, OSP_JSON_STRING) ? v->u.str : NULL;
}

bool
osp_index_has_alias(const osp_index_t *idx, const char *name)
{
	size_t n = strlen(name);
	const char *p = idx->aliases;

	/* Top-level keys only: scan with depth tracking over the JSON text. */
	if (p == NULL || idx->aliases_len <= 2)
		return false;
	int depth = 0;

	for (size_t i = 0; i < idx->aliases_len; i++) {
		char ch = p[i];

		if (ch == '"') {
			size_t j = i + 1;

			while (j < idx->aliases_len && p[j] != '"')
				j += p[j] == '\\' ? 2 : 1;
			if (depth == 1 && j - i - 1 == n && memcmp(p + i + 1, name, n) == 0 &&
			    j + 1 < idx->aliases_len && p[j + 1] == ':')
				return true;
			i = j;
		} else if (ch == '{' || ch == '[') {
			depth++;
		} else if (ch == '}' || ch == ']') {
			depth--;
		}
	}
	return false;
}

/* Object member of parent named (key, n), created when missing. */
static osp_json_t *
nest_child(osp_arena_t *a, osp_json_t *parent, const char *key, size_t n)
{
	osp_json_t *c = osp_json_getn(parent, key, n);

	if (osp_json_is(c, OSP_JSON_OBJECT))
		return c;
	if (c != NULL)
		return NULL;   /* "a": "x" and "a.b": "y" cannot both nest */
	c = osp_json_new_object(a);
	if (c == NULL || osp_json_append(a, parent, key, n, c) != 0)
		return NULL;
	return c;
}

int
osp_index_write_settings(const osp_index_t *idx, osp_jw_t *w, bool flat)
{
	osp_arena_t a;
	osp_json_t *root = NULL, *nested;
	osp_json_error_t jerr;
	int rc = -EINVAL;

	osp_arena_init(&a, 8192, 0);
	if (osp_json_parse(&a, idx->settings ? idx->settings : "{}",
			   idx->settings ? idx->settings_len : 2, NULL, &root, &jerr) != 0)
		goto cleanup;
	if (flat) {
		osp_jw_value(w, root);
		rc = 0;
		goto cleanup;
	}
	rc = -ENOMEM;
	nested = osp_json_new_object(&a);
	if (nested == NULL)
		goto cleanup;
	OSP_JSON_FOREACH(m, root) {
		osp_json_t *at = nested;
		const char *k = m->key, *dot;

		while (at && (dot = memchr(k, '.', m->key_len - (size_t)(k - m->key))) != NULL) {
			at = nest_child(&a, at, k, (size_t)(dot - k));
			k = dot + 1;
		}
		if (at == NULL)
			continue;
		if (osp_json_append(&a, at, k, m->key_len - (size_t)(k - m->key),
				    osp_json_clone(&a, m)) != 0)
			goto cleanup;
	}
	osp_jw_value(w, nested);
	rc = 0;
cleanup:
	osp_arena_free(&a);
	return rc;
}
