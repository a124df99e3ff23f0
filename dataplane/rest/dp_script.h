/*
 * dp_script.h - scripts as the REST layer sees them: stored scripts are
 * cluster-state customs of type "stored_script" ({"lang","source",
 * "options"}); search templates render mustache sources (dp_mustache.h).
 */
#ifndef DP_SCRIPT_H
#define DP_SCRIPT_H

#include <stdbool.h>

#include "dp_rest.h"

#define DP_SCRIPT_CUSTOM "stored_script"

/* Validate a script object ({"lang","source","options"}) and build what is
 * stored; stored requires lang. 0, or -EINVAL with Elasticsearch's error. */
int
dp_script_parse(osp_arena_t *a, const osp_json_t *script, bool stored, osp_json_t **out,
		osp_err_t *err);

/* The stored script id parsed into a, or NULL. */
osp_json_t *
dp_script_stored(osp_arena_t *a, const char *id);

/* The error for anything that would run Painless. */
int
dp_script_painless_err(osp_err_t *err);

void rest_script_routes(void);
void rest_template_routes(void);

#endif
