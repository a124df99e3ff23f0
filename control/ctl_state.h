/*
 * ctl_state.h - cluster state transitions. Each function changes a private
 * copy of the state (the caller cloned it) and either succeeds completely
 * or fails with an Elasticsearch error, leaving the copy to be thrown away;
 * the caller then bumps the version, persists and publishes it
 * (ctl_server.c). Pure functions of (state, request, clock): no I/O.
 */
#ifndef CTL_STATE_H
#define CTL_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/cluster.h"
#include "osprey/err.h"
#include "osprey/json.h"

#include "ctl_names.h"

/* PUT /name with body {settings, mappings, aliases} (body may be NULL). */
int
ctl_state_create_index(osp_cluster_t *cs, const char *name, const osp_json_t *body,
		       int64_t now_ms, osp_err_t *err);

/* DELETE /expr. */
int
ctl_state_delete_indices(osp_cluster_t *cs, const char *expr, const ctl_expr_opts_t *o,
			 int64_t now_ms, osp_err_t *err);

/* PUT /expr/_mapping (body = the mapping: {"properties":..}). *changed is
 * false when the merge changed nothing (no new state needed). */
int
ctl_state_put_mapping(osp_cluster_t *cs, const char *expr, const osp_json_t *body,
		      bool *changed, osp_err_t *err);

/* Dynamic mapping update from a primary: merge into index name (uuid must
 * match when given); *mapping_version receives the resulting version. */
int
ctl_state_dynamic_mapping(osp_cluster_t *cs, const char *name, const char *uuid,
			  const osp_json_t *mappings, bool *changed,
			  int64_t *mapping_version, osp_err_t *err);

/* PUT /expr/_settings with body {"index":{..}} / {"settings":{..}} / flat. */
int
ctl_state_update_settings(osp_cluster_t *cs, const char *expr, const osp_json_t *body,
			  int64_t now_ms, osp_err_t *err);

/* POST /expr/_open or _close. */
int
ctl_state_set_open(osp_cluster_t *cs, const char *expr, bool open, int64_t now_ms,
		   osp_err_t *err);

/* Set this node as the only node and master (single-node bootstrap). */
int
ctl_state_set_local_node(osp_cluster_t *cs, const osp_node_t *self);

#endif
