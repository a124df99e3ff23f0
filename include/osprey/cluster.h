/*
 * osprey/cluster.h - the cluster state as the control process publishes it
 * and the dataplane reads it: nodes, index metadata, routing table, primary
 * terms, in-sync allocation ids, and health computed from the routing table.
 *
 * Control is the only writer. It serializes the state with
 * osp_cluster_write (the JSON of Elasticsearch's GET _cluster/state, with
 * every field the dataplane needs, so one document serves the REST API,
 * persistence and publication) and sends it over the channel
 * (osprey/chan.h). The dataplane parses each published version with
 * osp_cluster_parse into its own osp_cluster_t, swaps it in on its
 * network cores, and frees the old one when no request uses it: a state is
 * immutable once published. Everything an osp_cluster_t points to is owned
 * by it (malloc) and freed by osp_cluster_free.
 *
 * Health (osp_health_*) is a pure function of a state, so _cluster/health
 * keeps answering from the dataplane's copy while control restarts.
 */
#ifndef OSPREY_CLUSTER_H
#define OSPREY_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "osprey/buf.h"
#include "osprey/err.h"
#include "osprey/json.h"

#define OSP_UUID_LEN 22          /* Elasticsearch's base64url random UUIDs */
#define OSP_INDEX_NAME_MAX 255   /* bytes */
/* Index version written as settings.index.version.created. */
#define OSP_INDEX_VERSION_CREATED "8500003"

typedef enum osp_shard_state {
	OSP_SHARD_UNASSIGNED = 0,
	OSP_SHARD_INITIALIZING,
	OSP_SHARD_STARTED,
	OSP_SHARD_RELOCATING,
} osp_shard_state_t;

/* "UNASSIGNED", "INITIALIZING", "STARTED", "RELOCATING". */
const char *
osp_shard_state_name(osp_shard_state_t s);

/* Why a copy is unassigned (ES UnassignedInfo.Reason, same spelling). */
typedef enum osp_unassigned_reason {
	OSP_UNASSIGNED_NONE = 0,
	OSP_UNASSIGNED_INDEX_CREATED,
	OSP_UNASSIGNED_CLUSTER_RECOVERED,
	OSP_UNASSIGNED_INDEX_REOPENED,
	OSP_UNASSIGNED_REPLICA_ADDED,
	OSP_UNASSIGNED_NODE_LEFT,
	OSP_UNASSIGNED_ALLOCATION_FAILED,
} osp_unassigned_reason_t;

const char *
osp_unassigned_reason_name(osp_unassigned_reason_t r);

/* One copy of one shard in the routing table. */
typedef struct osp_shard_copy {
	uint32_t shard;
	bool primary;
	uint8_t state;                     /* osp_shard_state_t */
	char node[OSP_UUID_LEN + 1];       /* "" when unassigned */
	char relocating_node[OSP_UUID_LEN + 1];
	char allocation_id[OSP_UUID_LEN + 1];
	/* recovery_source.type while not started: EMPTY_STORE for a new
	 * primary, EXISTING_STORE for a known one, PEER for replicas */
	bool empty_store;
	uint8_t unassigned_reason;         /* osp_unassigned_reason_t */
	int64_t unassigned_at_ms;
	uint32_t failed_attempts;
} osp_shard_copy_t;

typedef enum osp_index_state {
	OSP_INDEX_OPEN = 0,
	OSP_INDEX_CLOSE,
} osp_index_state_t;

/* In-sync allocation ids of one shard. */
typedef struct osp_in_sync {
	uint32_t n;
	char (*ids)[OSP_UUID_LEN + 1];
} osp_in_sync_t;

/* One index: metadata and its routing table. Owned by its osp_cluster_t. */
typedef struct osp_index {
	char name[OSP_INDEX_NAME_MAX + 1];
	char uuid[OSP_UUID_LEN + 1];
	int64_t creation_date;             /* epoch ms */
	uint32_t number_of_shards;
	uint32_t number_of_replicas;
	uint32_t routing_num_shards;
	uint32_t routing_partition_size;   /* 1 = no partitioning */
	uint8_t state;                     /* osp_index_state_t */
	int64_t version, mapping_version, settings_version, aliases_version;
	/* Flat settings, {"index.number_of_shards":"1",...}: every key dotted
	 * and prefixed "index.", values strings or arrays of strings, keys
	 * sorted, as Elasticsearch's Settings keeps them. Derived fields above
	 * are parsed from here; osp_index_write_settings nests them. */
	char *settings;
	size_t settings_len;
	/* The mapping as GET _mapping shows it under "mappings" ({} if none). */
	char *mappings;
	size_t mappings_len;
	/* Aliases as GET /<index>/_alias shows them under "aliases":
	 * {"name":{"filter":..,"index_routing":..,"search_routing":..,
	 * "is_write_index":..,"is_hidden":..}} ({} if none). */
	char *aliases;
	size_t aliases_len;
	int64_t *primary_terms;            /* [number_of_shards] */
	osp_in_sync_t *in_sync;            /* [number_of_shards] */
	/* [number_of_shards * (1 + number_of_replicas)]: shard-major, the
	 * primary first in each shard's group. */
	osp_shard_copy_t *copies;
} osp_index_t;

/* Node roles (bit per role). */
#define OSP_ROLE_MASTER 0x1u
#define OSP_ROLE_DATA   0x2u
#define OSP_ROLE_INGEST 0x4u

/* One node of the cluster. */
typedef struct osp_node {
	char id[OSP_UUID_LEN + 1];
	char ephemeral_id[OSP_UUID_LEN + 1];
	char name[256];
	char transport_address[64];        /* "127.0.0.1:9300" */
	char http_address[64];
	uint32_t roles;
} osp_node_t;

/* A deleted index, kept so a node that comes back cannot revive it. */
typedef struct osp_tombstone {
	char name[OSP_INDEX_NAME_MAX + 1];
	char uuid[OSP_UUID_LEN + 1];
	int64_t delete_date_ms;
} osp_tombstone_t;

/* One piece of cluster-level metadata other than an index ("custom", as
 * Elasticsearch calls its Metadata.Custom): index templates (composable,
 * component, legacy), ingest pipelines, stored scripts, snapshot
 * repositories, cluster settings, data streams. Control stores, persists
 * and publishes them without interpreting the body; the dataplane validates
 * a body before it sends it and renders it for the GET APIs. Owned by its
 * osp_cluster_t (name and body malloc'd). */
typedef struct osp_custom {
	char type[32];      /* "index_template", "component_template", "template",
			       "ingest_pipeline", "stored_script", "repository",
			       "cluster_settings", "data_stream", ... */
	char *name;         /* NUL-terminated */
	char *body;         /* JSON text as the API's GET shows the object (NUL-terminated) */
	size_t body_len;
	int64_t version;    /* cluster-state version that last wrote it */
} osp_custom_t;

/* The whole state. Immutable once published; see the file comment. */
typedef struct osp_cluster {
	char cluster_name[256];
	char cluster_uuid[OSP_UUID_LEN + 1];
	char state_uuid[OSP_UUID_LEN + 1];
	char master_node[OSP_UUID_LEN + 1];
	int64_t version;
	osp_node_t *nodes;
	uint32_t n_nodes;
	osp_index_t **indices;             /* sorted by name */
	uint32_t n_indices, cap_indices;
	osp_tombstone_t *tombstones;       /* oldest first, at most 500 */
	uint32_t n_tombstones;
	osp_custom_t *customs;             /* sorted by (type, name) */
	uint32_t n_customs;
} osp_cluster_t;

#define OSP_TOMBSTONES_MAX 500

/* An empty state (version 0). NULL on -ENOMEM. */
osp_cluster_t *
osp_cluster_new(void);
void
osp_cluster_free(osp_cluster_t *cs);
/* Deep copy; NULL on -ENOMEM. */
osp_cluster_t *
osp_cluster_clone(const osp_cluster_t *cs);

/* Index by exact name, or NULL. */
osp_index_t *
osp_cluster_index(const osp_cluster_t *cs, const char *name);
/* Insert a new index (the state takes ownership), keeping the order.
 * -EEXIST if the name is taken, -ENOMEM. */
int
osp_cluster_add_index(osp_cluster_t *cs, osp_index_t *idx);
/* Remove and return the index (caller frees), NULL if absent. */
osp_index_t *
osp_cluster_remove_index(osp_cluster_t *cs, const char *name);

/* The custom (type, name), or NULL. */
const osp_custom_t *
osp_cluster_custom(const osp_cluster_t *cs, const char *type, const char *name);
/* The contiguous run of customs of one type (sorted by name): *first and
 * *n (0 and possibly NULL when there are none). */
void
osp_cluster_customs(const osp_cluster_t *cs, const char *type, const osp_custom_t **first,
		    uint32_t *n);
/* Insert or replace (type, name) with a copy of body (JSON text, body_len
 * bytes) written at version. 0, -EINVAL (type empty or longer than 31
 * bytes, name empty) or -ENOMEM. */
int
osp_cluster_put_custom(osp_cluster_t *cs, const char *type, const char *name,
		       const char *body, size_t body_len, int64_t version);
/* Remove (type, name). 0, or -ENOENT when absent. */
int
osp_cluster_remove_custom(osp_cluster_t *cs, const char *type, const char *name);

osp_index_t *
osp_index_clone(const osp_index_t *idx);
void
osp_index_free(osp_index_t *idx);
/* Copies of shard s (1 + number_of_replicas of them, primary first). */
static inline osp_shard_copy_t *
osp_index_shard(const osp_index_t *idx, uint32_t s)
{
	return idx->copies + (size_t)s * (1 + idx->number_of_replicas);
}
/* Value of a flat setting ("index.refresh_interval") as a string in the
 * given arena, or NULL when unset or not a string. */
const char *
osp_index_setting(const osp_index_t *idx, osp_arena_t *a, const char *key);
/* Write settings as GET _settings shows them ({"index":{...}} nested), or
 * flat ({"index.x":"v"}) when flat is set. */
int
osp_index_write_settings(const osp_index_t *idx, osp_jw_t *w, bool flat);

/* osp_cluster_write flags. */
#define OSP_CLUSTER_FLAT_SETTINGS 0x1u   /* ?flat_settings=true */
/* Full alias definitions ("aliases":{name:{..}}) instead of ES's list of
 * names, and every custom under metadata.osprey_customs as
 * [{"type":..,"name":..,"version":V,"body":{..}}] (sorted) instead of ES's
 * per-kind views ("templates", "index_template", "component_template"):
 * what control persists and publishes. */
#define OSP_CLUSTER_INTERNAL      0x2u

/* Write the state as GET _cluster/state renders it. Control persists and
 * publishes it with OSP_CLUSTER_FLAT_SETTINGS | OSP_CLUSTER_INTERNAL. */
int
osp_cluster_write(const osp_cluster_t *cs, osp_jw_t *w, unsigned flags);

/* Metrics of GET /_cluster/state/{metric}/{index} (bit per metric). */
#define OSP_CLUSTER_M_VERSION       0x01u   /* version, state_uuid */
#define OSP_CLUSTER_M_MASTER_NODE   0x02u
#define OSP_CLUSTER_M_BLOCKS        0x04u
#define OSP_CLUSTER_M_NODES         0x08u
#define OSP_CLUSTER_M_METADATA      0x10u
#define OSP_CLUSTER_M_ROUTING_TABLE 0x20u
#define OSP_CLUSTER_M_ROUTING_NODES 0x40u
#define OSP_CLUSTER_M_ALL           0x7fu

/* Parse a comma-separated metric list ("_all", "metadata,nodes"). 0, or
 * -EINVAL with err = illegal_argument_exception "Unknown metric [x]". */
int
osp_cluster_metrics_parse(const char *list, unsigned *out, osp_err_t *err);

/* osp_cluster_write restricted to some metrics and, for metadata,
 * routing_table and blocks, to some indices (indices NULL = all). */
int
osp_cluster_write_filtered(const osp_cluster_t *cs, osp_jw_t *w, unsigned flags,
			   unsigned metrics, const osp_index_t *const *indices,
			   uint32_t n_indices);
/* True when idx has alias name. */
bool
osp_index_has_alias(const osp_index_t *idx, const char *name);

/* Parse what osp_cluster_write wrote with OSP_CLUSTER_FLAT_SETTINGS |
 * OSP_CLUSTER_INTERNAL.
 * 0, -EINVAL (malformed) or -ENOMEM. */
int
osp_cluster_parse(const char *json, size_t len, osp_cluster_t **out);

/* ---- health ---- */

typedef enum osp_health_status {
	OSP_HEALTH_GREEN = 0,
	OSP_HEALTH_YELLOW,
	OSP_HEALTH_RED,
} osp_health_status_t;

/* "green", "yellow", "red". */
const char *
osp_health_status_name(osp_health_status_t s);
/* Parse "green|yellow|red"; 0 or -EINVAL. */
int
osp_health_status_parse(const char *s, osp_health_status_t *out);

/* Counts for one shard, one index, or the cluster (fields as ES names
 * them; shard level uses primary_active instead of active_primary_shards). */
typedef struct osp_health_counts {
	uint8_t status;                    /* osp_health_status_t */
	uint32_t active_primary_shards;
	uint32_t active_shards;
	uint32_t relocating_shards;
	uint32_t initializing_shards;
	uint32_t unassigned_shards;
	uint32_t unassigned_primary_shards;
	uint32_t delayed_unassigned_shards;
	uint32_t total_shards;             /* copies in the routing table */
} osp_health_counts_t;

/* Health of one shard, all copies. */
void
osp_health_shard(const osp_index_t *idx, uint32_t shard, osp_health_counts_t *out);
/* Health of one index (worst shard; an index with no shards is green). */
void
osp_health_index(const osp_index_t *idx, osp_health_counts_t *out);

/* Cluster-wide health over a set of indices (NULL = all). */
typedef struct osp_health {
	osp_health_counts_t c;
	uint32_t number_of_nodes;
	uint32_t number_of_data_nodes;
	uint32_t number_of_pending_tasks;
	uint32_t number_of_in_flight_fetch;
	int64_t task_max_waiting_in_queue_millis;
	double active_shards_percent;
} osp_health_t;

void
osp_health_cluster(const osp_cluster_t *cs, const osp_index_t *const *indices,
		   uint32_t n, osp_health_t *out);

/* Wait conditions of GET _cluster/health. */
typedef struct osp_health_wait {
	bool has_status;
	uint8_t status;                    /* wait until at least this good */
	int64_t active_shards;             /* -1 none, -2 "all" */
	bool no_relocating;
	bool no_initializing;
	/* wait_for_nodes: op is one of "", ">=", "<=", ">", "<"; -1 = none */
	char nodes_op[3];
	int64_t nodes;
	int64_t timeout_ms;                /* default 30 s */
} osp_health_wait_t;

/* Parse one query parameter into w ("wait_for_status", "wait_for_nodes",
 * "wait_for_active_shards", "wait_for_no_relocating_shards",
 * "wait_for_no_initializing_shards", "timeout"). Returns 0, -ENOENT for a
 * parameter that is not a wait condition, -EINVAL with err filled (ES
 * wording) for a bad value. Call osp_health_wait_init first. */
void
osp_health_wait_init(osp_health_wait_t *w);
int
osp_health_wait_param(osp_health_wait_t *w, const char *key, const char *value,
		      osp_err_t *err);
/* True when h satisfies every condition of w. */
bool
osp_health_wait_met(const osp_health_t *h, const osp_health_wait_t *w);

/* Write the _cluster/health body. level: 0 cluster, 1 indices, 2 shards.
 * HTTP status: 200, or 408 when timed_out (ES's REQUEST_TIMEOUT). */
void
osp_health_write(const osp_cluster_t *cs, const osp_index_t *const *indices,
		 uint32_t n, const osp_health_t *h, bool timed_out, int level,
		 osp_jw_t *w);

#endif
