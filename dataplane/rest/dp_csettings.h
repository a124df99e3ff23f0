/*
 * dp_csettings.h - dynamic cluster settings (rest_cluster_settings.c):
 * GET/PUT _cluster/settings and the lookups other endpoints make.
 *
 * Persistent and transient settings live in the cluster state as customs
 * of type "cluster_settings" named "persistent" and "transient", each a
 * body {"settings":{flat key: string value}}. Transient ones carry the
 * dataplane's start time and are ignored after a node restart, as
 * Elasticsearch drops transient settings when the cluster restarts.
 */
#ifndef DP_CSETTINGS_H
#define DP_CSETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/err.h"
#include "../server/dp_ctl.h"

/* The effective value of a dynamic cluster setting (transient, then
 * persistent), in the request's arena a; NULL when unset. */
const char *dp_csettings_get(osp_arena_t *a, const char *key);

/* An integer cluster setting's effective value, or def when unset. */
int64_t dp_csettings_int(const char *key, int64_t def);

/* action.auto_create_index allows creating index? 0, or -EPERM with err
 * set to Elasticsearch's index_not_found_exception. */
int dp_csettings_autocreate_check(osp_arena_t *a, const char *index, osp_err_t *err);

/* Auto-creation of index refused by action.auto_create_index? Then cb has
 * been called with the error and the caller stops. */
bool dp_csettings_autocreate_refused(const char *index, dp_ctl_cb_t cb, void *user);

void rest_cluster_settings_routes(void);

#endif
