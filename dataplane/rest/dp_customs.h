/*
 * dp_customs.h - REST helpers for APIs whose objects are cluster-state
 * customs (osp_custom_t): ingest pipelines, stored scripts, snapshot
 * repositories. Selecting by a comma list of names and wildcards, storing a
 * validated body through control, and answering {"acknowledged":true} once
 * control has published the state that holds the change.
 */
#ifndef DP_CUSTOMS_H
#define DP_CUSTOMS_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/cluster.h"
#include "dp_rest.h"

/* Elasticsearch's Regex.simpleMatch: '*' matches any run of characters. */
bool
dp_customs_glob(const char *pattern, const char *name);

/* Customs of type named by expr (comma list of names and wildcards; NULL,
 * "", "*" and "_all" select every one), in name order, into an arena array.
 * *missing is the first plain name that matched nothing (or NULL). 0 or
 * -ENOMEM. */
int
dp_customs_select(osp_arena_t *a, const char *type, const char *expr,
		  const osp_custom_t ***out, uint32_t *n, const char **missing);

/* Store body (serialized compactly) as (type, name); reply to r with
 * {"acknowledged":true} or control's error. */
void
dp_customs_put(dp_rest_req_t *r, const char *type, const char *name, const osp_json_t *body,
	       bool create);

/* Delete the given customs; reply to r with {"acknowledged":true}. */
void
dp_customs_delete(dp_rest_req_t *r, const char *type, const osp_custom_t *const *list, uint32_t n);

/* Reply {"name": body, ...} for list with status. */
void
dp_customs_reply_map(dp_rest_req_t *r, const osp_custom_t *const *list, uint32_t n, uint16_t status);

/* Parse a custom's body into a (NULL when it is not valid JSON). */
osp_json_t *
dp_customs_body(osp_arena_t *a, const osp_custom_t *c);

#endif
