/*
 * dp_shards.h - the network core's directory of indices and shard copies.
 *
 * Control publishes cluster states; dp_shards_apply turns each one into
 * actions on the workers: open the shard copies assigned to this node
 * (path.data/indices/<uuid>/<shard>), push mapping changes, close shards of
 * closed indices and close + delete shards of deleted indices. The directory
 * outlives states: a dp_index_t is keyed by index uuid and keeps its shards'
 * handles across versions.
 *
 * Each shard lives on worker hash(uuid, shard) % workers. Jobs for a shard
 * reference its dp_shard_ref_t; the worker reads ref->sh (which only the
 * worker writes, in the open job) and the network core never dereferences
 * it. Jobs to one worker run in submission order, so a write submitted right
 * after an open runs on the opened shard. A ref is freed by the network core
 * only after its close job came back.
 * Everything here is network-core state.
 */
#ifndef DP_SHARDS_H
#define DP_SHARDS_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/cluster.h"
#include "osprey/err.h"
#include "osprey/settings.h"
#include "osprey/storage.h"
#include "../core/dp_core.h"

typedef enum dp_shard_state {
	DP_SHARD_OPENING = 0,
	DP_SHARD_OPEN,
	DP_SHARD_FAILED,
	DP_SHARD_CLOSING,
} dp_shard_state_t;

/* One local shard copy. state/err are network-core fields; sh is the
 * worker's. */
typedef struct dp_shard_ref {
	uint32_t shard;
	unsigned worker;
	uint8_t state;              /* dp_shard_state_t, network core */
	osp_err_t err;              /* why it failed to open */
	st_shard_t *sh;             /* worker only */
	struct dp_index *index;
} dp_shard_ref_t;

/* One index known to this dataplane. meta points into the current state
 * (valid until the next apply). */
typedef struct dp_index {
	char name[OSP_INDEX_NAME_MAX + 1];
	char uuid[OSP_UUID_LEN + 1];
	const osp_index_t *meta;
	uint32_t n_shards;
	dp_shard_ref_t **shards;    /* [n_shards]; NULL when not local */
	int64_t mapping_version;
	bool closed;
	bool seen;                  /* mark during apply */
} dp_index_t;

/* Prepare from node settings (path.data, node id comes with states). */
int dp_shards_init(const osp_settings_t *s);
void dp_shards_fini(void);

/* The index's "analysis" settings as one JSON object into out (left empty
 * when the index has none): what shards build their analyzer registry from.
 * 0 or -ENOMEM. */
int dp_shards_analysis_json(const osp_index_t *meta, osp_buf_t *out);

/* Apply a published state (the directory takes ownership of cs). */
int dp_shards_apply(osp_cluster_t *cs);

/* The current state (NULL before the first publish). */
const osp_cluster_t *dp_shards_state(void);
/* This node's id in the cluster ("" before the first publish). */
const char *dp_shards_node_id(void);

/* Index by name, or NULL. */
dp_index_t *dp_shards_index(const char *name);
/* Indices in name order (for _all, wildcards, _cat). */
uint32_t dp_shards_count(void);
dp_index_t *dp_shards_at(uint32_t i);

/* Shard of a routing value (routing or _id). */
uint32_t dp_shards_route(const dp_index_t *idx, const char *routing, size_t len);

/* The local copy of shard s, or NULL; fills err with ES's error when the
 * shard cannot serve (unassigned, failed, closed index). */
dp_shard_ref_t *dp_shards_ref(dp_index_t *idx, uint32_t s, osp_err_t *err);

/* Expand an index expression (comma list, wildcards, _all, -exclusions) to
 * indices. Returns the count, or a negative errno with err set to
 * index_not_found_exception for a missing concrete name (unless
 * ignore_unavailable); allow_no_indices=false fails an empty wildcard set. */
int dp_shards_resolve(const char *expr, bool ignore_unavailable, bool allow_no_indices,
		      dp_index_t **out, uint32_t max, osp_err_t *err);

/* The index a write to name goes to: the index itself, or the write index
 * of an alias (is_write_index, or the alias's only index). NULL with err set
 * (index_not_found_exception, or illegal_argument_exception for an alias
 * without a write index). require_alias: name must be an alias. */
dp_index_t *dp_shards_write_index(const char *name, bool require_alias, osp_err_t *err);
/* True when some index has this alias. */
bool dp_shards_is_alias(const char *name);

#endif
