/*
 * chan_cluster_parse.c - reading the cluster state JSON that
 * chan_cluster_json.c writes (osprey/cluster.h) into a new osp_cluster_t.
 *
 * Strict about what the dataplane relies on (sizes, names, ids, one primary
 * and number_of_replicas replicas per shard, routing_num_shards a multiple
 * of number_of_shards), lenient about what it does not know, so a newer
 * control can publish fields an older dataplane skips. Everything parsed is
 * copied out of the parse arena; the result is owned by the caller.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osprey/cluster.h"

static int
copy_str(char *dst, size_t cap, const osp_json_t *v, bool required)
{
	if (!osp_json_is(v, OSP_JSON_STRING)) {
		dst[0] = '\0';
		return (required || (v && v->type != OSP_JSON_NULL)) ? -EINVAL : 0;
	}
	if (v->len >= cap)
		return -EINVAL;
	memcpy(dst, v->u.str, v->len + 1);
	return 0;
}

static int64_t
get_int(const osp_json_t *v, int64_t dflt)
{
	if (osp_json_is(v, OSP_JSON_NUMBER) && v->is_int)
		return v->i;
	if (osp_json_is(v, OSP_JSON_STRING)) {
		char *end;
		long long x = strtoll(v->u.str, &end, 10);

		if (end != v->u.str && *end == '\0')
			return x;
	}
	return dflt;
}

static int
parse_shard_state(const osp_json_t *v, uint8_t *out)
{
	static const osp_shard_state_t all[] = { OSP_SHARD_UNASSIGNED,
		OSP_SHARD_INITIALIZING, OSP_SHARD_STARTED, OSP_SHARD_RELOCATING };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (osp_json_is(v, OSP_JSON_STRING) &&
		    strcmp(v->u.str, osp_shard_state_name(all[i])) == 0) {
			*out = (uint8_t)all[i];
			return 0;
		}
	}
	return -EINVAL;
}

static int
parse_copy(const osp_json_t *j, osp_shard_copy_t *c)
{
	const osp_json_t *ui = osp_json_get(j, "unassigned_info");
	const osp_json_t *rs = osp_json_path(j, "recovery_source.type");

	memset(c, 0, sizeof(*c));
	if (parse_shard_state(osp_json_get(j, "state"), &c->state) != 0)
		return -EINVAL;
	c->primary = osp_json_is(osp_json_get(j, "primary"), OSP_JSON_BOOL) &&
		     osp_json_get(j, "primary")->boolean;
	c->shard = (uint32_t)get_int(osp_json_get(j, "shard"), 0);
	if (copy_str(c->node, sizeof(c->node), osp_json_get(j, "node"), false) ||
	    copy_str(c->relocating_node, sizeof(c->relocating_node),
		     osp_json_get(j, "relocating_node"), false) ||
	    copy_str(c->allocation_id, sizeof(c->allocation_id),
		     osp_json_path(j, "allocation_id.id"), false))
		return -EINVAL;
	c->empty_store = osp_json_is(rs, OSP_JSON_STRING) && strcmp(rs->u.str, "EMPTY_STORE") == 0;
	if (ui) {
		const osp_json_t *r = osp_json_get(ui, "reason");

		for (int k = OSP_UNASSIGNED_INDEX_CREATED; k <= OSP_UNASSIGNED_ALLOCATION_FAILED; k++) {
			if (osp_json_is(r, OSP_JSON_STRING) &&
			    strcmp(r->u.str, osp_unassigned_reason_name(k)) == 0)
				c->unassigned_reason = (uint8_t)k;
		}
		c->unassigned_at_ms = get_int(osp_json_get(ui, "at_millis"), 0);
		c->failed_attempts = (uint32_t)get_int(osp_json_get(ui, "failed_attempts"), 0);
	}
	return 0;
}

static int
parse_index(const osp_json_t *meta, const osp_json_t *routing, osp_index_t **out)
{
	osp_index_t *idx = calloc(1, sizeof(*idx));
	const osp_json_t *st = osp_json_get(meta, "settings");
	const osp_json_t *mp = osp_json_path(meta, "mappings._doc");
	const osp_json_t *state = osp_json_get(meta, "state");
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;
	int rc = -EINVAL;

	if (idx == NULL)
		return -ENOMEM;
	if (meta->key_len > OSP_INDEX_NAME_MAX || !osp_json_is(st, OSP_JSON_OBJECT))
		goto cleanup;
	memcpy(idx->name, meta->key, meta->key_len);
	idx->name[meta->key_len] = '\0';
	if (copy_str(idx->uuid, sizeof(idx->uuid), osp_json_get(st, "index.uuid"), true))
		goto cleanup;
	idx->creation_date = get_int(osp_json_get(st, "index.creation_date"), 0);
	int64_t ns = get_int(osp_json_get(st, "index.number_of_shards"), -1);
	int64_t nr = get_int(osp_json_get(st, "index.number_of_replicas"), -1);

	if (ns < 1 || ns > 1024 * 1024 || nr < 0 || nr > 1024)
		goto cleanup;
	idx->number_of_shards = (uint32_t)ns;
	idx->number_of_replicas = (uint32_t)nr;
	idx->routing_num_shards = (uint32_t)get_int(osp_json_get(meta, "routing_num_shards"), ns);
	idx->routing_partition_size =
		(uint32_t)get_int(osp_json_get(st, "index.routing_partition_size"), 1);
	if (idx->routing_num_shards == 0 || idx->routing_num_shards % idx->number_of_shards)
		goto cleanup;
	idx->state = osp_json_is(state, OSP_JSON_STRING) && strcmp(state->u.str, "close") == 0 ?
		     OSP_INDEX_CLOSE : OSP_INDEX_OPEN;
	idx->version = get_int(osp_json_get(meta, "version"), 1);
	idx->mapping_version = get_int(osp_json_get(meta, "mapping_version"), 1);
	idx->settings_version = get_int(osp_json_get(meta, "settings_version"), 1);
	idx->aliases_version = get_int(osp_json_get(meta, "aliases_version"), 1);

	rc = -ENOMEM;
	osp_jw_init(&w, &b, 0);
	osp_jw_value(&w, st);
	if (osp_buf_failed(&b))
		goto cleanup;
	idx->settings = b.data;
	idx->settings_len = b.len;
	osp_buf_init(&b);
	osp_jw_init(&w, &b, 0);
	if (mp)
		osp_jw_value(&w, mp);
	else
		osp_buf_puts(&b, "{}");
	if (osp_buf_failed(&b))
		goto cleanup;
	idx->mappings = b.data;
	idx->mappings_len = b.len;
	osp_buf_init(&b);
	osp_jw_init(&w, &b, 0);
	if (osp_json_is(osp_json_get(meta, "aliases"), OSP_JSON_OBJECT))
		osp_jw_value(&w, osp_json_get(meta, "aliases"));
	else
		osp_buf_puts(&b, "{}");   /* ES's list of names carries no definitions */
	if (osp_buf_failed(&b))
		goto cleanup;
	idx->aliases = b.data;
	idx->aliases_len = b.len;
	osp_buf_init(&b);

	size_t ncopies = (size_t)idx->number_of_shards * (1 + idx->number_of_replicas);

	idx->primary_terms = calloc(idx->number_of_shards, sizeof(int64_t));
	idx->in_sync = calloc(idx->number_of_shards, sizeof(osp_in_sync_t));
	idx->copies = calloc(ncopies, sizeof(osp_shard_copy_t));
	if (!idx->primary_terms || !idx->in_sync || !idx->copies)
		goto cleanup;
	rc = -EINVAL;
	for (uint32_t s = 0; s < idx->number_of_shards; s++) {
		char k[16];
		const osp_json_t *ids, *grp;
		uint32_t nrep = 0;
		bool have_primary = false;

		snprintf(k, sizeof(k), "%u", s);
		idx->primary_terms[s] = get_int(osp_json_get(osp_json_get(meta, "primary_terms"), k), 1);
		ids = osp_json_get(osp_json_get(meta, "in_sync_allocations"), k);
		if (osp_json_is(ids, OSP_JSON_ARRAY) && ids->len) {
			idx->in_sync[s].ids = calloc(ids->len, sizeof(*idx->in_sync[s].ids));
			if (idx->in_sync[s].ids == NULL) {
				rc = -ENOMEM;
				goto cleanup;
			}
			OSP_JSON_FOREACH(id, ids) {
				if (copy_str(idx->in_sync[s].ids[idx->in_sync[s].n],
					     OSP_UUID_LEN + 1, id, true))
					goto cleanup;
				idx->in_sync[s].n++;
			}
		}
		grp = osp_json_get(osp_json_get(routing, "shards"), k);
		if (!osp_json_is(grp, OSP_JSON_ARRAY) || grp->len != 1 + idx->number_of_replicas)
			goto cleanup;
		OSP_JSON_FOREACH(cj, grp) {
			osp_shard_copy_t c;

			if (parse_copy(cj, &c) != 0 || c.shard != s)
				goto cleanup;
			if (c.primary) {
				if (have_primary)
					goto cleanup;
				have_primary = true;
				osp_index_shard(idx, s)[0] = c;
			} else {
				if (nrep == idx->number_of_replicas)
					goto cleanup;
				osp_index_shard(idx, s)[1 + nrep++] = c;
			}
		}
		if (!have_primary)
			goto cleanup;
	}
	*out = idx;
	idx = NULL;
	rc = 0;
cleanup:
	osp_buf_free(&b);
	osp_index_free(idx);
	return rc;
}

static int
parse_node(const osp_json_t *j, osp_node_t *n)
{
	memset(n, 0, sizeof(*n));
	if (j->key_len > OSP_UUID_LEN)
		return -EINVAL;
	memcpy(n->id, j->key, j->key_len);
	if (copy_str(n->name, sizeof(n->name), osp_json_get(j, "name"), true) ||
	    copy_str(n->ephemeral_id, sizeof(n->ephemeral_id), osp_json_get(j, "ephemeral_id"), false) ||
	    copy_str(n->transport_address, sizeof(n->transport_address),
		     osp_json_get(j, "transport_address"), false) ||
	    copy_str(n->http_address, sizeof(n->http_address),
		     osp_json_get(j, "http_address"), false))
		return -EINVAL;
	OSP_JSON_FOREACH(r, osp_json_get(j, "roles")) {
		if (!osp_json_is(r, OSP_JSON_STRING))
			continue;
		if (strcmp(r->u.str, "master") == 0)
			n->roles |= OSP_ROLE_MASTER;
		else if (strcmp(r->u.str, "data") == 0)
			n->roles |= OSP_ROLE_DATA;
		else if (strcmp(r->u.str, "ingest") == 0)
			n->roles |= OSP_ROLE_INGEST;
	}
	return 0;
}

/* metadata.osprey_customs (OSP_CLUSTER_INTERNAL). */
static int
parse_customs(osp_cluster_t *cs, const osp_json_t *arr)
{
	osp_buf_t b = OSP_BUF_INIT;
	int rc = 0;

	OSP_JSON_FOREACH(c, arr) {
		const osp_json_t *t = osp_json_get(c, "type"), *n = osp_json_get(c, "name");
		const osp_json_t *body = osp_json_get(c, "body");
		osp_jw_t w;

		if (!osp_json_is(t, OSP_JSON_STRING) || !osp_json_is(n, OSP_JSON_STRING) ||
		    body == NULL || osp_cluster_custom(cs, t->u.str, n->u.str) != NULL) {
			rc = -EINVAL;
			break;
		}
		osp_buf_clear(&b);
		osp_jw_init(&w, &b, 0);
		osp_jw_value(&w, body);
		if (osp_buf_failed(&b)) {
			rc = -ENOMEM;
			break;
		}
		rc = osp_cluster_put_custom(cs, t->u.str, n->u.str, b.data, b.len,
					    get_int(osp_json_get(c, "version"), 0));
		if (rc != 0)
			break;
	}
	osp_buf_free(&b);
	return rc;
}

int
osp_cluster_parse(const char *json, size_t len, osp_cluster_t **out)
{
	osp_arena_t a;
	osp_json_t *root = NULL;
	osp_json_error_t jerr;
	osp_cluster_t *cs = osp_cluster_new();
	const osp_json_t *nodes, *indices, *rt, *tombs;
	int rc = -EINVAL;

	osp_arena_init(&a, 65536, 0);
	if (cs == NULL) {
		rc = -ENOMEM;
		goto cleanup;
	}
	rc = osp_json_parse(&a, json, len, NULL, &root, &jerr);
	if (rc != 0)
		goto cleanup;
	rc = -EINVAL;
	if (copy_str(cs->cluster_name, sizeof(cs->cluster_name), osp_json_get(root, "cluster_name"), true) ||
	    copy_str(cs->cluster_uuid, sizeof(cs->cluster_uuid), osp_json_get(root, "cluster_uuid"), true) ||
	    copy_str(cs->state_uuid, sizeof(cs->state_uuid), osp_json_get(root, "state_uuid"), false) ||
	    copy_str(cs->master_node, sizeof(cs->master_node), osp_json_get(root, "master_node"), false))
		goto cleanup;
	cs->version = get_int(osp_json_get(root, "version"), -1);
	if (cs->version < 0)
		goto cleanup;
	nodes = osp_json_get(root, "nodes");
	if (nodes && nodes->len) {
		cs->nodes = calloc(nodes->len, sizeof(osp_node_t));
		if (cs->nodes == NULL) {
			rc = -ENOMEM;
			goto cleanup;
		}
		OSP_JSON_FOREACH(n, nodes) {
			if (parse_node(n, &cs->nodes[cs->n_nodes]) != 0)
				goto cleanup;
			cs->n_nodes++;
		}
	}
	indices = osp_json_path(root, "metadata.indices");
	rt = osp_json_path(root, "routing_table.indices");
	OSP_JSON_FOREACH(m, indices) {
		osp_index_t *idx = NULL;

		rc = parse_index(m, osp_json_getn(rt, m->key, m->key_len), &idx);
		if (rc != 0)
			goto cleanup;
		rc = osp_cluster_add_index(cs, idx);
		if (rc != 0) {
			osp_index_free(idx);
			rc = rc == -EEXIST ? -EINVAL : rc;
			goto cleanup;
		}
	}
	rc = -EINVAL;
	tombs = osp_json_path(root, "metadata.index-graveyard.tombstones");
	if (tombs && tombs->len) {
		cs->tombstones = calloc(tombs->len, sizeof(osp_tombstone_t));
		if (cs->tombstones == NULL) {
			rc = -ENOMEM;
			goto cleanup;
		}
		OSP_JSON_FOREACH(t, tombs) {
			osp_tombstone_t *ts = &cs->tombstones[cs->n_tombstones];

			if (copy_str(ts->name, sizeof(ts->name), osp_json_path(t, "index.index_name"), true) ||
			    copy_str(ts->uuid, sizeof(ts->uuid), osp_json_path(t, "index.index_uuid"), true))
				goto cleanup;
			ts->delete_date_ms = get_int(osp_json_get(t, "delete_date_in_millis"), 0);
			cs->n_tombstones++;
		}
	}
	rc = parse_customs(cs, osp_json_path(root, "metadata.osprey_customs"));
	if (rc != 0)
		goto cleanup;
	*out = cs;
	cs = NULL;
	rc = 0;
cleanup:
	osp_cluster_free(cs);
	osp_arena_free(&a);
	return rc;
}
