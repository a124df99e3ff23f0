/*
 * ctl_custom.h - cluster-state customs (osp_custom_t) changed by the
 * PUT_CUSTOM and DELETE_CUSTOM requests (osprey/chan.h). Like ctl_state.h:
 * each function changes the caller's private copy of the state and either
 * succeeds completely or fails with an Elasticsearch error. Bodies are not
 * interpreted: a new kind of custom needs no change here.
 */
#ifndef CTL_CUSTOM_H
#define CTL_CUSTOM_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/cluster.h"
#include "osprey/err.h"
#include "osprey/json.h"

/* Version a put stamps on its customs until the commit knows the state's
 * version (ctl_custom_stamp). */
#define CTL_CUSTOM_VERSION_PENDING (-1)

/* PUT_CUSTOM: one entry ({"type","name","body","create"}) or
 * {"items":[..]} applied all or nothing. */
int
ctl_custom_put(osp_cluster_t *cs, const osp_json_t *req, osp_err_t *err);

/* An array of {"type","name","body","create"} applied all or nothing (also
 * the optional "customs" of CREATE_INDEX, so a data stream and its first
 * backing index appear in one state). */
int
ctl_custom_put_items(osp_cluster_t *cs, const osp_json_t *items, osp_err_t *err);

/* DELETE_CUSTOM {"type","names":[..]}: *deleted counts the names that
 * existed (absent ones are skipped). */
int
ctl_custom_delete(osp_cluster_t *cs, const osp_json_t *req, uint32_t *deleted,
		  osp_err_t *err);

/* Give customs written by this commit the state's version. */
void
ctl_custom_stamp(osp_cluster_t *cs);

#endif
