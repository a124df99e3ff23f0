/*
 * chan_cluster_json.c - the cluster state as JSON, in the shape of
 * Elasticsearch's GET _cluster/state, and back (osprey/cluster.h).
 *
 * The same document is what users see, what control persists through its
 * coordination store and what it publishes to the dataplane; nothing is
 * kept that the document does not carry. Parsing is strict about what it
 * needs (sizes, names, ids) and ignores what it does not know, so a newer
 * control can publish fields an older dataplane skips.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "osprey/cluster.h"

/* ---- writing ---- */

/* The indices a filtered write covers (all when sel is NULL). */
typedef struct write_sel {
	const osp_index_t *const *indices;
	uint32_t n;
} write_sel_t;

static bool
selected(const write_sel_t *sel, const osp_index_t *idx)
{
	if (sel == NULL || sel->indices == NULL)
		return true;
	for (uint32_t i = 0; i < sel->n; i++) {
		if (sel->indices[i] == idx || strcmp(sel->indices[i]->name, idx->name) == 0)
			return true;
	}
	return false;
}

static void
write_iso_ms(osp_jw_t *w, int64_t ms)
{
	char buf[40];
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);

	snprintf(buf + n, sizeof(buf) - n, ".%03dZ", (int)(ms % 1000));
	osp_jw_str(w, buf);
}

static void
write_str_or_null(osp_jw_t *w, const char *key, const char *v)
{
	osp_jw_key(w, key);
	if (v[0])
		osp_jw_str(w, v);
	else
		osp_jw_null(w);
}

static void
write_copy(const osp_index_t *idx, const osp_shard_copy_t *c, osp_jw_t *w)
{
	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "state", osp_shard_state_name(c->state));
	osp_jw_kv_bool(w, "primary", c->primary);
	write_str_or_null(w, "node", c->node);
	write_str_or_null(w, "relocating_node", c->relocating_node);
	osp_jw_kv_int(w, "shard", c->shard);
	osp_jw_kv_str(w, "index", idx->name);
	if (c->state != OSP_SHARD_STARTED && c->state != OSP_SHARD_RELOCATING) {
		osp_jw_key(w, "recovery_source");
		osp_jw_obj_begin(w);
		osp_jw_kv_str(w, "type", !c->primary ? "PEER" :
			      c->empty_store ? "EMPTY_STORE" : "EXISTING_STORE");
		osp_jw_obj_end(w);
	}
	if (c->allocation_id[0]) {
		osp_jw_key(w, "allocation_id");
		osp_jw_obj_begin(w);
		osp_jw_kv_str(w, "id", c->allocation_id);
		osp_jw_obj_end(w);
	}
	if (c->unassigned_reason != OSP_UNASSIGNED_NONE) {
		osp_jw_key(w, "unassigned_info");
		osp_jw_obj_begin(w);
		osp_jw_kv_str(w, "reason", osp_unassigned_reason_name(c->unassigned_reason));
		osp_jw_key(w, "at");
		write_iso_ms(w, c->unassigned_at_ms);
		osp_jw_kv_int(w, "at_millis", c->unassigned_at_ms);
		if (c->failed_attempts)
			osp_jw_kv_int(w, "failed_attempts", c->failed_attempts);
		osp_jw_kv_bool(w, "delayed", false);
		osp_jw_kv_str(w, "allocation_status",
			      c->state == OSP_SHARD_UNASSIGNED ? "no_attempt" : "awaiting_info");
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
}

static void
write_roles(osp_jw_t *w, uint32_t roles)
{
	osp_jw_key(w, "roles");
	osp_jw_arr_begin(w);
	if (roles & OSP_ROLE_DATA)
		osp_jw_str(w, "data");
	if (roles & OSP_ROLE_INGEST)
		osp_jw_str(w, "ingest");
	if (roles & OSP_ROLE_MASTER)
		osp_jw_str(w, "master");
	osp_jw_arr_end(w);
}

/* ES's cluster state lists alias names only. */
static void
write_alias_names(const osp_index_t *idx, osp_jw_t *w)
{
	osp_arena_t a;
	osp_json_t *v = NULL;
	osp_json_error_t jerr;

	osp_jw_arr_begin(w);
	osp_arena_init(&a, 4096, 0);
	if (idx->aliases && osp_json_parse(&a, idx->aliases, idx->aliases_len, NULL, &v, &jerr) == 0) {
		OSP_JSON_FOREACH(m, v)
			osp_jw_strn(w, m->key, m->key_len);
	}
	osp_arena_free(&a);
	osp_jw_arr_end(w);
}

static int
write_index_meta(const osp_index_t *idx, osp_jw_t *w, unsigned flags)
{
	char k[16];
	int rc;

	osp_jw_key(w, idx->name);
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "version", idx->version);
	osp_jw_kv_int(w, "mapping_version", idx->mapping_version);
	osp_jw_kv_int(w, "settings_version", idx->settings_version);
	osp_jw_kv_int(w, "aliases_version", idx->aliases_version);
	osp_jw_kv_int(w, "routing_num_shards", idx->routing_num_shards);
	osp_jw_kv_str(w, "state", idx->state == OSP_INDEX_CLOSE ? "close" : "open");
	osp_jw_key(w, "settings");
	rc = osp_index_write_settings(idx, w, (flags & OSP_CLUSTER_FLAT_SETTINGS) != 0);
	if (rc != 0)
		return rc;
	osp_jw_key(w, "mappings");
	osp_jw_obj_begin(w);
	if (idx->mappings_len > 2) {
		osp_jw_key(w, "_doc");
		osp_jw_raw(w, idx->mappings, idx->mappings_len);
	}
	osp_jw_obj_end(w);
	osp_jw_key(w, "aliases");
	if (flags & OSP_CLUSTER_INTERNAL) {
		if (idx->aliases && idx->aliases_len)
			osp_jw_raw(w, idx->aliases, idx->aliases_len);
		else
			osp_jw_raw(w, "{}", 2);
	} else {
		write_alias_names(idx, w);
	}
	osp_jw_key(w, "primary_terms");
	osp_jw_obj_begin(w);
	for (uint32_t s = 0; s < idx->number_of_shards; s++) {
		snprintf(k, sizeof(k), "%u", s);
		osp_jw_kv_int(w, k, idx->primary_terms[s]);
	}
	osp_jw_obj_end(w);
	osp_jw_key(w, "in_sync_allocations");
	osp_jw_obj_begin(w);
	for (uint32_t s = 0; s < idx->number_of_shards; s++) {
		snprintf(k, sizeof(k), "%u", s);
		osp_jw_key(w, k);
		osp_jw_arr_begin(w);
		for (uint32_t j = 0; j < idx->in_sync[s].n; j++)
			osp_jw_str(w, idx->in_sync[s].ids[j]);
		osp_jw_arr_end(w);
	}
	osp_jw_obj_end(w);
	osp_jw_key(w, "rollover_info");
	osp_jw_obj_begin(w);
	osp_jw_obj_end(w);
	osp_jw_kv_bool(w, "system", false);
	osp_jw_key(w, "timestamp_range");
	osp_jw_obj_begin(w);
	osp_jw_key(w, "shards");
	osp_jw_arr_begin(w);
	osp_jw_arr_end(w);
	osp_jw_obj_end(w);
	osp_jw_obj_end(w);
	return 0;
}

static void
write_routing_table(const osp_cluster_t *cs, osp_jw_t *w, const write_sel_t *sel)
{
	char k[16];

	osp_jw_key(w, "routing_table");
	osp_jw_obj_begin(w);
	osp_jw_key(w, "indices");
	osp_jw_obj_begin(w);
	for (uint32_t i = 0; i < cs->n_indices; i++) {
		const osp_index_t *idx = cs->indices[i];

		if (!selected(sel, idx))
			continue;
		osp_jw_key(w, idx->name);
		osp_jw_obj_begin(w);
		osp_jw_key(w, "shards");
		osp_jw_obj_begin(w);
		for (uint32_t s = 0; s < idx->number_of_shards; s++) {
			const osp_shard_copy_t *g = osp_index_shard(idx, s);

			snprintf(k, sizeof(k), "%u", s);
			osp_jw_key(w, k);
			osp_jw_arr_begin(w);
			for (uint32_t r = 0; r <= idx->number_of_replicas; r++)
				write_copy(idx, &g[r], w);
			osp_jw_arr_end(w);
		}
		osp_jw_obj_end(w);
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
	osp_jw_obj_end(w);
}

/* routing_nodes: the same copies grouped by node (unassigned apart). */
static void
write_routing_nodes(const osp_cluster_t *cs, osp_jw_t *w)
{
	osp_jw_key(w, "routing_nodes");
	osp_jw_obj_begin(w);
	osp_jw_key(w, "unassigned");
	osp_jw_arr_begin(w);
	for (uint32_t i = 0; i < cs->n_indices; i++) {
		const osp_index_t *idx = cs->indices[i];
		size_t n = (size_t)idx->number_of_shards * (1 + idx->number_of_replicas);

		for (size_t j = 0; j < n; j++) {
			if (idx->copies[j].node[0] == '\0')
				write_copy(idx, &idx->copies[j], w);
		}
	}
	osp_jw_arr_end(w);
	osp_jw_key(w, "nodes");
	osp_jw_obj_begin(w);
	for (uint32_t nd = 0; nd < cs->n_nodes; nd++) {
		osp_jw_key(w, cs->nodes[nd].id);
		osp_jw_arr_begin(w);
		for (uint32_t i = 0; i < cs->n_indices; i++) {
			const osp_index_t *idx = cs->indices[i];
			size_t n = (size_t)idx->number_of_shards * (1 + idx->number_of_replicas);

			for (size_t j = 0; j < n; j++) {
				if (strcmp(idx->copies[j].node, cs->nodes[nd].id) == 0)
					write_copy(idx, &idx->copies[j], w);
			}
		}
		osp_jw_arr_end(w);
	}
	osp_jw_obj_end(w);
	osp_jw_obj_end(w);
}

/* Index blocks as ES lists them: closed indices and index.blocks.* set to
 * true. Derived from metadata, so never parsed back. */
static const struct {
	const char *setting;     /* NULL = the index is closed */
	const char *id, *description;
	const char *levels[2];
} block_defs[] = {
	{ NULL, "4", "index closed", { "read", "write" } },
	{ "index.blocks.read_only", "5", "index read-only (api)", { "write", "metadata_write" } },
	{ "index.blocks.read", "7", "index read (api)", { "read", NULL } },
	{ "index.blocks.write", "8", "index write (api)", { "write", NULL } },
	{ "index.blocks.metadata", "9", "index metadata (api)", { "metadata_read", "metadata_write" } },
	{ "index.blocks.read_only_allow_delete", "12",
	  "disk usage exceeded flood-stage watermark, index has read-only-allow-delete block",
	  { "write", "metadata_write" } },
};

static void
write_blocks(const osp_cluster_t *cs, osp_jw_t *w, const write_sel_t *sel)
{
	bool any = false;

	osp_jw_key(w, "blocks");
	osp_jw_obj_begin(w);
	for (uint32_t i = 0; i < cs->n_indices; i++) {
		const osp_index_t *idx = cs->indices[i];
		bool open_idx = false;
		osp_arena_t a;

		osp_json_t *flat = NULL;
		osp_json_error_t jerr;

		if (!selected(sel, idx))
			continue;
		osp_arena_init(&a, 4096, 0);
		if (idx->settings && strstr(idx->settings, "\"index.blocks.") &&
		    osp_json_parse(&a, idx->settings, idx->settings_len, NULL, &flat, &jerr) != 0)
			flat = NULL;
		for (size_t b = 0; b < sizeof(block_defs) / sizeof(block_defs[0]); b++) {
			const osp_json_t *v = block_defs[b].setting ?
					      osp_json_get(flat, block_defs[b].setting) : NULL;

			if (block_defs[b].setting ?
			    !(osp_json_is(v, OSP_JSON_STRING) && strcmp(v->u.str, "true") == 0) :
			    idx->state != OSP_INDEX_CLOSE)
				continue;
			if (!any) {
				osp_jw_key(w, "indices");
				osp_jw_obj_begin(w);
				any = true;
			}
			if (!open_idx) {
				osp_jw_key(w, idx->name);
				osp_jw_obj_begin(w);
				open_idx = true;
			}
			osp_jw_key(w, block_defs[b].id);
			osp_jw_obj_begin(w);
			osp_jw_kv_str(w, "description", block_defs[b].description);
			osp_jw_kv_bool(w, "retryable", false);
			osp_jw_key(w, "levels");
			osp_jw_arr_begin(w);
			for (int l = 0; l < 2 && block_defs[b].levels[l]; l++)
				osp_jw_str(w, block_defs[b].levels[l]);
			osp_jw_arr_end(w);
			osp_jw_obj_end(w);
		}
		if (open_idx)
			osp_jw_obj_end(w);
		osp_arena_free(&a);
	}
	if (any)
		osp_jw_obj_end(w);
	osp_jw_obj_end(w);
}

static void write_nodes(const osp_cluster_t *cs, osp_jw_t *w);
static int write_metadata(const osp_cluster_t *cs, osp_jw_t *w, unsigned flags,
			  const write_sel_t *sel);

int
osp_cluster_write_filtered(const osp_cluster_t *cs, osp_jw_t *w, unsigned flags,
			   unsigned m, const osp_index_t *const *indices, uint32_t n_indices)
{
	write_sel_t sel = { indices, n_indices };

	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "cluster_name", cs->cluster_name);
	osp_jw_kv_str(w, "cluster_uuid", cs->cluster_uuid);
	if (m & OSP_CLUSTER_M_VERSION) {
		osp_jw_kv_int(w, "version", cs->version);
		osp_jw_kv_str(w, "state_uuid", cs->state_uuid);
	}
	if (m & OSP_CLUSTER_M_MASTER_NODE)
		osp_jw_kv_str(w, "master_node", cs->master_node);
	if (m & OSP_CLUSTER_M_BLOCKS)
		write_blocks(cs, w, &sel);
	if (m & OSP_CLUSTER_M_NODES)
		write_nodes(cs, w);
	if (m & OSP_CLUSTER_M_METADATA) {
		int rc = write_metadata(cs, w, flags, &sel);

		if (rc != 0)
			return rc;
	}
	if (m & OSP_CLUSTER_M_ROUTING_TABLE)
		write_routing_table(cs, w, &sel);
	if (m & OSP_CLUSTER_M_ROUTING_NODES)
		write_routing_nodes(cs, w);
	osp_jw_obj_end(w);
	return osp_buf_failed(w->out) ? -ENOMEM : 0;
}

static void
write_nodes(const osp_cluster_t *cs, osp_jw_t *w)
{
	osp_jw_key(w, "nodes");
	osp_jw_obj_begin(w);
	for (uint32_t i = 0; i < cs->n_nodes; i++) {
		const osp_node_t *n = &cs->nodes[i];

		osp_jw_key(w, n->id);
		osp_jw_obj_begin(w);
		osp_jw_kv_str(w, "name", n->name);
		osp_jw_kv_str(w, "ephemeral_id", n->ephemeral_id);
		osp_jw_kv_str(w, "transport_address", n->transport_address);
		if (n->http_address[0])
			osp_jw_kv_str(w, "http_address", n->http_address);
		osp_jw_kv_str(w, "external_id", n->name);
		osp_jw_key(w, "attributes");
		osp_jw_obj_begin(w);
		osp_jw_obj_end(w);
		write_roles(w, n->roles);
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
}

static int
write_metadata(const osp_cluster_t *cs, osp_jw_t *w, unsigned flags, const write_sel_t *sel)
{
	osp_jw_key(w, "metadata");
	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "cluster_uuid", cs->cluster_uuid);
	osp_jw_kv_bool(w, "cluster_uuid_committed", true);
	osp_jw_key(w, "templates");
	osp_jw_obj_begin(w);
	osp_jw_obj_end(w);
	osp_jw_key(w, "indices");
	osp_jw_obj_begin(w);
	for (uint32_t i = 0; i < cs->n_indices; i++) {
		int rc = selected(sel, cs->indices[i]) ? write_index_meta(cs->indices[i], w, flags) : 0;

		if (rc != 0)
			return rc;
	}
	osp_jw_obj_end(w);
	osp_jw_key(w, "index-graveyard");
	osp_jw_obj_begin(w);
	osp_jw_key(w, "tombstones");
	osp_jw_arr_begin(w);
	for (uint32_t i = 0; i < cs->n_tombstones; i++) {
		osp_jw_obj_begin(w);
		osp_jw_key(w, "index");
		osp_jw_obj_begin(w);
		osp_jw_kv_str(w, "index_name", cs->tombstones[i].name);
		osp_jw_kv_str(w, "index_uuid", cs->tombstones[i].uuid);
		osp_jw_obj_end(w);
		osp_jw_kv_int(w, "delete_date_in_millis", cs->tombstones[i].delete_date_ms);
		osp_jw_obj_end(w);
	}
	osp_jw_arr_end(w);
	osp_jw_obj_end(w);
	osp_jw_obj_end(w);
	return 0;
}

int
osp_cluster_write(const osp_cluster_t *cs, osp_jw_t *w, unsigned flags)
{
	return osp_cluster_write_filtered(cs, w, flags, OSP_CLUSTER_M_ALL, NULL, 0);
}

int
osp_cluster_metrics_parse(const char *list, unsigned *out, osp_err_t *err)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{ "_all", OSP_CLUSTER_M_ALL }, { "version", OSP_CLUSTER_M_VERSION },
		{ "master_node", OSP_CLUSTER_M_MASTER_NODE }, { "blocks", OSP_CLUSTER_M_BLOCKS },
		{ "nodes", OSP_CLUSTER_M_NODES }, { "metadata", OSP_CLUSTER_M_METADATA },
		{ "routing_table", OSP_CLUSTER_M_ROUTING_TABLE },
		{ "routing_nodes", OSP_CLUSTER_M_ROUTING_NODES },
	};
	const char *p = list;

	*out = 0;
	while (*p) {
		size_t n = strcspn(p, ","), i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strlen(names[i].name) == n && strncmp(p, names[i].name, n) == 0)
				break;
		}
		if (i == sizeof(names) / sizeof(names[0]))
			return osp_err_illegal_argument(err, "Unknown metric [%.*s]", (int)n, p);
		*out |= names[i].bit;
		p += n + (p[n] == ',');
	}
	return 0;
}

/* ---- parsing ---- */

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
	*out = cs;
	cs = NULL;
	rc = 0;
cleanup:
	osp_cluster_free(cs);
	osp_arena_free(&a);
	return rc;
}
