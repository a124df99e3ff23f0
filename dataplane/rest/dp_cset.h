/*
 * dp_cset.h - dynamic cluster settings as data (rest_cset.c): the table of
 * settings Osprey accepts and the pure operations behind GET/PUT
 * _cluster/settings. Maps hold pointers the caller keeps alive (the
 * request's arena); nothing here allocates except dp_cset_flatten.
 */
#ifndef DP_CSET_H
#define DP_CSET_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/arena.h"
#include "osprey/err.h"
#include "osprey/json.h"

#define DP_CSET_MAX 256

/* A flat settings map, kept sorted by key. */
typedef struct dp_cset_map {
	const char *k[DP_CSET_MAX];
	const char *v[DP_CSET_MAX];
	uint32_t n;
} dp_cset_map_t;

/* Index of key in m, or -1. */
int dp_cset_find(const dp_cset_map_t *m, const char *key);
/* Set (v != NULL) or remove key, keeping the order. 0 or -ENOSPC. */
int dp_cset_set(dp_cset_map_t *m, const char *key, const char *v);
/* Flatten a request object ("cluster": {"routing": ..}) into upd (values
 * as settings strings) and the keys set to null into reset[DP_CSET_MAX]. */
int dp_cset_flatten(osp_arena_t *a, const osp_json_t *obj, const char *prefix, dp_cset_map_t *upd,
		    const char **reset, uint32_t *n_reset);
/* Check key = v for scope ("persistent"/"transient"): -EINVAL with err
 * worded as Elasticsearch words it for unknown keys and bad values. */
int dp_cset_validate(const char *scope, const char *key, const char *v, osp_err_t *err);
/* Is key a setting Osprey accepts? */
bool dp_cset_known(const char *key);
/* Every accepted setting with its default. */
void dp_cset_defaults(dp_cset_map_t *m);
/* Write m as an object: nested ({"a":{"b":..}}) or flat ({"a.b":..}). */
void dp_cset_write(osp_jw_t *w, const dp_cset_map_t *m, bool flat);
/* Does action.auto_create_index = v (NULL: unset) allow creating index?
 * 0, or -EPERM with err = index_not_found_exception in ES's wording. */
int dp_cset_autocreate(const char *v, const char *index, osp_err_t *err);

#endif
