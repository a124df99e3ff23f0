/*
 * ctl_state.c - cluster state transitions (ctl_state.h), following
 * Elasticsearch's MetadataCreateIndexService, MetadataDeleteIndexService,
 * MetadataMappingService, MetadataUpdateSettingsService and
 * MetadataIndexStateService: same validation order, same errors, same
 * version counters (version on any index metadata change, mapping_version on
 * a mapping change, settings_version on a settings change).
 *
 * The state passed in is the caller's private copy; per-request trees live
 * in a local arena freed before returning.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_alias.h"
#include "ctl_alloc.h"
#include "ctl_isettings.h"
#include "ctl_mapping.h"
#include "ctl_state.h"
#include "ctl_uuid.h"

#define STATE_ARENA 16384

/* Parse idx->settings into a flat tree in a. */
static osp_json_t *
index_flat(osp_arena_t *a, const osp_index_t *idx)
{
	osp_json_t *root = NULL;
	osp_json_error_t jerr;

	if (osp_json_parse(a, idx->settings, idx->settings_len, NULL, &root, &jerr) != 0)
		return NULL;
	return root;
}

static int
store_text(char **dst, size_t *dst_len, const osp_buf_t *b)
{
	char *p = malloc(b->len + 1);

	if (p == NULL)
		return -ENOMEM;
	memcpy(p, b->data ? b->data : "", b->len);
	p[b->len] = '\0';
	free(*dst);
	*dst = p;
	*dst_len = b->len;
	return 0;
}

static int
already_exists(osp_err_t *err, const osp_index_t *idx)
{
	int rc = osp_err_set(err, 400, "resource_already_exists_exception",
			     "index [%s/%s] already exists", idx->name, idx->uuid);

	snprintf(err->index, sizeof(err->index), "%s", idx->name);
	snprintf(err->index_uuid, sizeof(err->index_uuid), "%s", idx->uuid);
	return rc;
}

int
ctl_state_create_index(osp_cluster_t *cs, const char *name, const osp_json_t *body,
		       int64_t now_ms, osp_err_t *err)
{
	osp_arena_t a;
	osp_json_t *flat = NULL, *settings = NULL, *mappings = NULL, *aliases = NULL;
	osp_index_t *idx = NULL, *old;
	osp_buf_t b = OSP_BUF_INIT;
	int64_t shards, replicas, rshards, created;
	char num[32];
	int rc;

	osp_arena_init(&a, STATE_ARENA, 0);
	rc = ctl_index_name_validate(name, err);
	if (rc != 0)
		goto cleanup;
	if ((old = osp_cluster_index(cs, name)) != NULL) {
		rc = already_exists(err, old);
		goto cleanup;
	}
	if (ctl_alias_exists(cs, name)) {
		rc = osp_err_set(err, 400, "invalid_index_name_exception",
				 "Invalid index name [%s], already exists as alias", name);
		snprintf(err->index, sizeof(err->index), "%s", name);
		snprintf(err->index_uuid, sizeof(err->index_uuid), "_na_");
		goto cleanup;
	}
	if (body && body->type != OSP_JSON_NULL) {
		if (body->type != OSP_JSON_OBJECT) {
			rc = osp_err_set(err, 400, "parse_exception", "request body is required");
			goto cleanup;
		}
		OSP_JSON_FOREACH(m, body) {
			if (osp_json_key_eq(m, "settings"))
				settings = m;
			else if (osp_json_key_eq(m, "mappings"))
				mappings = m;
			else if (osp_json_key_eq(m, "aliases"))
				aliases = m;
			else {
				rc = osp_err_set(err, 400, "parse_exception",
						 "unknown key [%.*s] for create index",
						 (int)m->key_len, m->key);
				goto cleanup;
			}
		}
	}
	rc = ctl_isettings_flatten(&a, settings, &flat, err);
	if (rc == 0)
		rc = ctl_isettings_validate(flat, false, err);
	if (rc != 0)
		goto cleanup;
	rc = -EINVAL;
	if (ctl_isettings_int(flat, "index.number_of_shards", 1, &shards) ||
	    ctl_isettings_int(flat, "index.number_of_replicas", 1, &replicas) ||
	    ctl_isettings_int(flat, "index.creation_date", now_ms, &created))
		goto cleanup;
	if (ctl_isettings_int(flat, "index.number_of_routing_shards",
			      ctl_routing_num_shards((uint32_t)shards), &rshards))
		goto cleanup;
	if (rshards % shards != 0 || rshards < shards) {
		rc = osp_err_illegal_argument(err,
			"the number of source shards [%lld] must be a factor of [%lld]",
			(long long)shards, (long long)rshards);
		goto cleanup;
	}
	rc = -ENOMEM;
	idx = calloc(1, sizeof(*idx));
	if (idx == NULL)
		goto cleanup;
	snprintf(idx->name, sizeof(idx->name), "%s", name);
	if (ctl_uuid_random(idx->uuid) != 0)
		goto cleanup;
	idx->creation_date = created;
	idx->number_of_shards = (uint32_t)shards;
	idx->number_of_replicas = (uint32_t)replicas;
	idx->routing_num_shards = (uint32_t)rshards;
	idx->routing_partition_size = 1;
	idx->state = OSP_INDEX_OPEN;
	idx->version = idx->mapping_version = idx->settings_version = idx->aliases_version = 1;
	snprintf(num, sizeof(num), "%lld", (long long)shards);
	if (ctl_isettings_set(&a, flat, "index.number_of_shards", num))
		goto cleanup;
	snprintf(num, sizeof(num), "%lld", (long long)replicas);
	if (ctl_isettings_set(&a, flat, "index.number_of_replicas", num))
		goto cleanup;
	snprintf(num, sizeof(num), "%lld", (long long)created);
	if (ctl_isettings_set(&a, flat, "index.creation_date", num) ||
	    ctl_isettings_set(&a, flat, "index.uuid", idx->uuid) ||
	    ctl_isettings_set(&a, flat, "index.provided_name", name) ||
	    ctl_isettings_set(&a, flat, "index.version.created", OSP_INDEX_VERSION_CREATED))
		goto cleanup;
	if (osp_json_get(flat, "index.routing.allocation.include._tier_preference") == NULL &&
	    ctl_isettings_set(&a, flat, "index.routing.allocation.include._tier_preference",
			      "data_content"))
		goto cleanup;
	rc = ctl_isettings_serialize(flat, &b);
	if (rc == 0)
		rc = store_text(&idx->settings, &idx->settings_len, &b);
	if (rc != 0)
		goto cleanup;
	rc = ctl_mapping_create(mappings, ctl_isettings_analysis(&a, flat), &b, err);
	if (rc == 0)
		rc = store_text(&idx->mappings, &idx->mappings_len, &b);
	if (rc == 0)
		rc = ctl_alloc_index_init(idx, now_ms);
	if (rc == 0) {
		rc = ctl_alias_put_all(cs, idx, aliases, err);
		idx->aliases_version = 1;   /* creation is the first version */
		idx->version = 1;
	}
	if (rc == 0)
		rc = osp_cluster_add_index(cs, idx);
	if (rc == 0)
		idx = NULL;
cleanup:
	osp_index_free(idx);
	osp_buf_free(&b);
	osp_arena_free(&a);
	return rc;
}

int
ctl_state_delete_indices(osp_cluster_t *cs, const char *expr, const ctl_expr_opts_t *o,
			 int64_t now_ms, osp_err_t *err)
{
	osp_index_t **sel = NULL;
	uint32_t n = 0;
	int rc = ctl_index_expr_resolve(cs, expr, o, &sel, &n, err);

	if (rc != 0)
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		osp_index_t *idx = osp_cluster_remove_index(cs, sel[i]->name);

		/* Tombstone, oldest dropped past the limit (IndexGraveyard). */
		if (cs->n_tombstones == OSP_TOMBSTONES_MAX) {
			memmove(cs->tombstones, cs->tombstones + 1,
				(cs->n_tombstones - 1) * sizeof(*cs->tombstones));
			cs->n_tombstones--;
		}
		osp_tombstone_t *t = realloc(cs->tombstones,
					     (cs->n_tombstones + 1) * sizeof(*t));

		if (t != NULL) {
			cs->tombstones = t;
			t += cs->n_tombstones++;
			memset(t, 0, sizeof(*t));
			snprintf(t->name, sizeof(t->name), "%s", idx->name);
			memcpy(t->uuid, idx->uuid, sizeof(t->uuid));
			t->delete_date_ms = now_ms;
		}
		osp_index_free(idx);
	}
	free(sel);
	return 0;
}

/* Merge update into one index's mapping. */
static int
index_merge_mapping(osp_index_t *idx, const osp_json_t *update, bool *changed,
		    osp_err_t *err)
{
	osp_arena_t a;
	osp_buf_t b = OSP_BUF_INIT;
	int rc;

	osp_arena_init(&a, STATE_ARENA, 0);
	osp_json_t *flat = index_flat(&a, idx);

	*changed = false;
	rc = ctl_mapping_merge(idx->mappings, idx->mappings_len,
			       flat ? ctl_isettings_analysis(&a, flat) : NULL, update, &b,
			       changed, err);
	if (rc == 0 && *changed) {
		rc = store_text(&idx->mappings, &idx->mappings_len, &b);
		idx->mapping_version++;
		idx->version++;
	}
	if (rc != 0 && err->index[0] == '\0' && err->status) {
		snprintf(err->index, sizeof(err->index), "%s", idx->name);
		memcpy(err->index_uuid, idx->uuid, sizeof(idx->uuid));
	}
	osp_buf_free(&b);
	osp_arena_free(&a);
	return rc;
}

int
ctl_state_put_mapping(osp_cluster_t *cs, const char *expr, const osp_json_t *body,
		      bool *changed, osp_err_t *err)
{
	ctl_expr_opts_t o = { .expand_open = true, .allow_no_indices = false };
	osp_index_t **sel = NULL;
	uint32_t n = 0;
	int rc;

	*changed = false;
	if (!osp_json_is(body, OSP_JSON_OBJECT))
		return osp_err_set(err, 400, "action_request_validation_exception",
				   "Validation Failed: 1: mapping source is missing;");
	rc = ctl_index_expr_resolve(cs, expr, &o, &sel, &n, err);
	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		bool c = false;

		rc = index_merge_mapping(sel[i], body, &c, err);
		*changed |= c;
	}
	free(sel);
	return rc;
}

int
ctl_state_dynamic_mapping(osp_cluster_t *cs, const char *name, const char *uuid,
			  const osp_json_t *mappings, bool *changed,
			  int64_t *mapping_version, osp_err_t *err)
{
	osp_index_t *idx = osp_cluster_index(cs, name);
	int rc;

	*changed = false;
	if (idx == NULL || (uuid && uuid[0] && strcmp(uuid, idx->uuid) != 0))
		return osp_err_index_not_found(err, name);
	rc = index_merge_mapping(idx, mappings, changed, err);
	*mapping_version = idx->mapping_version;
	return rc;
}

/* Apply one settings update to one index. */
static int
index_update_settings(osp_index_t *idx, const osp_json_t *update, int64_t now_ms,
		      osp_err_t *err)
{
	osp_arena_t a;
	osp_buf_t b = OSP_BUF_INIT;
	osp_json_t *flat;
	int64_t replicas;
	int rc = -ENOMEM;

	osp_arena_init(&a, STATE_ARENA, 0);
	flat = index_flat(&a, idx);
	if (flat == NULL)
		goto cleanup;
	rc = ctl_isettings_check_update(idx, update, err);
	if (rc != 0)
		goto cleanup;
	rc = ctl_isettings_merge(&a, flat, update);
	if (rc != 0)
		goto cleanup;
	/* Resetting number_of_replicas (null) brings back the default, 1. */
	if (osp_json_get(flat, "index.number_of_replicas") == NULL &&
	    (rc = ctl_isettings_set(&a, flat, "index.number_of_replicas", "1")) != 0)
		goto cleanup;
	rc = -EINVAL;
	if (ctl_isettings_int(flat, "index.number_of_replicas", 1, &replicas))
		goto cleanup;
	rc = ctl_isettings_serialize(flat, &b);
	if (rc != 0)
		goto cleanup;
	if (b.len == idx->settings_len && memcmp(b.data, idx->settings, b.len) == 0)
		goto cleanup;   /* nothing changed: ES keeps the versions */
	rc = store_text(&idx->settings, &idx->settings_len, &b);
	if (rc != 0)
		goto cleanup;
	if ((uint32_t)replicas != idx->number_of_replicas)
		rc = ctl_alloc_set_replicas(idx, (uint32_t)replicas, now_ms);
	idx->settings_version++;
	idx->version++;
cleanup:
	osp_buf_free(&b);
	osp_arena_free(&a);
	return rc;
}

int
ctl_state_update_settings(osp_cluster_t *cs, const char *expr, const osp_json_t *body,
			  int64_t now_ms, osp_err_t *err)
{
	ctl_expr_opts_t o = { .expand_open = true, .expand_closed = true };
	osp_arena_t a;
	osp_json_t *flat = NULL;
	const osp_json_t *src = body;
	osp_index_t **sel = NULL;
	uint32_t n = 0;
	int rc;

	osp_arena_init(&a, STATE_ARENA, 0);
	if (osp_json_is(osp_json_get(body, "settings"), OSP_JSON_OBJECT))
		src = osp_json_get(body, "settings");
	if (!osp_json_is(src, OSP_JSON_OBJECT) || src->len == 0) {
		rc = osp_err_set(err, 400, "action_request_validation_exception",
				 "Validation Failed: 1: no settings to update;");
		goto cleanup;
	}
	rc = ctl_isettings_flatten(&a, src, &flat, err);
	if (rc == 0)
		rc = ctl_isettings_validate(flat, false, err);
	if (rc == 0)
		rc = ctl_index_expr_resolve(cs, expr, &o, &sel, &n, err);
	for (uint32_t i = 0; rc == 0 && i < n; i++)
		rc = index_update_settings(sel[i], flat, now_ms, err);
cleanup:
	free(sel);
	osp_arena_free(&a);
	return rc;
}

/* index.verified_before_close: set when an index closes, removed when it
 * opens (MetadataIndexStateService). */
static int
index_mark_verified(osp_index_t *idx, bool closing)
{
	osp_arena_t a;
	osp_buf_t b = OSP_BUF_INIT;
	osp_json_t *flat, *upd;
	int rc = -ENOMEM;

	osp_arena_init(&a, STATE_ARENA, 0);
	flat = index_flat(&a, idx);
	upd = osp_json_new_object(&a);
	if (flat == NULL || upd == NULL)
		goto cleanup;
	if (osp_json_append(&a, upd, "index.verified_before_close", 27,
			    closing ? osp_json_new_string(&a, "true", 4) : osp_json_new_null(&a)) ||
	    ctl_isettings_merge(&a, flat, upd) || ctl_isettings_serialize(flat, &b))
		goto cleanup;
	rc = store_text(&idx->settings, &idx->settings_len, &b);
	idx->settings_version++;
cleanup:
	osp_buf_free(&b);
	osp_arena_free(&a);
	return rc;
}

int
ctl_state_set_open(osp_cluster_t *cs, const char *expr, bool open, int64_t now_ms,
		   osp_err_t *err)
{
	ctl_expr_opts_t o = { .expand_open = !open, .expand_closed = open,
			      .allow_no_indices = true };
	osp_index_t **sel = NULL;
	uint32_t n = 0;
	int rc = ctl_index_expr_resolve(cs, expr, &o, &sel, &n, err);

	(void)now_ms;
	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		osp_index_t *idx = sel[i];
		uint8_t want = open ? OSP_INDEX_OPEN : OSP_INDEX_CLOSE;

		if (idx->state == want)
			continue;
		rc = index_mark_verified(idx, !open);
		if (rc != 0)
			break;
		idx->state = want;
		idx->version++;
		/* Reopening bumps primary terms: the shard is recovered anew. */
		if (open) {
			for (uint32_t s = 0; s < idx->number_of_shards; s++)
				idx->primary_terms[s]++;
		}
	}
	free(sel);
	return rc;
}

int
ctl_state_set_local_node(osp_cluster_t *cs, const osp_node_t *self)
{
	osp_node_t *n = malloc(sizeof(*n));

	if (n == NULL)
		return -ENOMEM;
	*n = *self;
	free(cs->nodes);
	cs->nodes = n;
	cs->n_nodes = 1;
	memcpy(cs->master_node, self->id, sizeof(cs->master_node));
	return 0;
}
