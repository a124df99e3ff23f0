/*
 * chan_cluster_json.c - the cluster state written as JSON, in the shape of
 * Elasticsearch's GET _cluster/state (osprey/cluster.h); chan_cluster_parse.c
 * reads it back.
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

/* {name: body, ...} for the customs of one type. */
static void
write_custom_map(const osp_cluster_t *cs, osp_jw_t *w, const char *type)
{
	const osp_custom_t *c;
	uint32_t n;

	osp_cluster_customs(cs, type, &c, &n);
	osp_jw_obj_begin(w);
	for (uint32_t i = 0; i < n; i++) {
		osp_jw_key(w, c[i].name);
		osp_jw_raw(w, c[i].body, c[i].body_len);
	}
	osp_jw_obj_end(w);
}

/* ES's metadata customs that wrap their map in an object of the same name
 * ("index_template":{"index_template":{..}}), shown only when non-empty. */
static void
write_custom_views(const osp_cluster_t *cs, osp_jw_t *w)
{
	static const char *const wrapped[] = { "index_template", "component_template" };
	const osp_custom_t *c;
	uint32_t n;

	for (size_t k = 0; k < sizeof(wrapped) / sizeof(wrapped[0]); k++) {
		osp_cluster_customs(cs, wrapped[k], &c, &n);
		if (n == 0)
			continue;
		osp_jw_key(w, wrapped[k]);
		osp_jw_obj_begin(w);
		osp_jw_key(w, wrapped[k]);
		write_custom_map(cs, w, wrapped[k]);
		osp_jw_obj_end(w);
	}
	osp_cluster_customs(cs, "data_stream", &c, &n);
	if (n) {
		osp_jw_key(w, "data_stream");
		osp_jw_obj_begin(w);
		osp_jw_key(w, "data_stream");
		write_custom_map(cs, w, "data_stream");
		osp_jw_key(w, "data_stream_aliases");
		osp_jw_obj_begin(w);
		osp_jw_obj_end(w);
		osp_jw_obj_end(w);
	}
}

/* Every custom, for control's persistence and publication. */
static void
write_customs_internal(const osp_cluster_t *cs, osp_jw_t *w)
{
	osp_jw_key(w, "osprey_customs");
	osp_jw_arr_begin(w);
	for (uint32_t i = 0; i < cs->n_customs; i++) {
		osp_jw_obj_begin(w);
		osp_jw_kv_str(w, "type", cs->customs[i].type);
		osp_jw_kv_str(w, "name", cs->customs[i].name);
		osp_jw_kv_int(w, "version", cs->customs[i].version);
		osp_jw_key(w, "body");
		osp_jw_raw(w, cs->customs[i].body, cs->customs[i].body_len);
		osp_jw_obj_end(w);
	}
	osp_jw_arr_end(w);
}

/* ES's cluster_coordination: one node is the whole voting configuration;
 * exclusions are the "voting_config_exclusions" custom (a JSON list). */
static void
write_coordination(const osp_cluster_t *cs, osp_jw_t *w)
{
	const osp_custom_t *ex = osp_cluster_custom(cs, "voting_config_exclusions", "exclusions");

	osp_jw_key(w, "cluster_coordination");
	osp_jw_obj_begin(w);
	osp_jw_key(w, "last_committed_config");
	osp_jw_arr_begin(w);
	if (cs->master_node[0])
		osp_jw_str(w, cs->master_node);
	osp_jw_arr_end(w);
	osp_jw_key(w, "last_accepted_config");
	osp_jw_arr_begin(w);
	if (cs->master_node[0])
		osp_jw_str(w, cs->master_node);
	osp_jw_arr_end(w);
	osp_jw_key(w, "voting_config_exclusions");
	if (ex)
		osp_jw_raw(w, ex->body, ex->body_len);
	else {
		osp_jw_arr_begin(w);
		osp_jw_arr_end(w);
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
	if (!(flags & OSP_CLUSTER_INTERNAL))
		write_coordination(cs, w);
	osp_jw_key(w, "templates");
	if (flags & OSP_CLUSTER_INTERNAL) {
		osp_jw_obj_begin(w);
		osp_jw_obj_end(w);
		write_customs_internal(cs, w);
	} else {
		write_custom_map(cs, w, "template");
		write_custom_views(cs, w);
	}
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
