/*
 * dp_snapshot.h - what the snapshot REST files (rest_snapshot*.c) share:
 * node settings (path.repo, path.data), repository lookup, the snapshot
 * info writer, and the snapshots in progress on this node.
 *
 * Repositories are cluster-state customs of type "repository" with the body
 * GET _snapshot shows ({"type":"fs","settings":{"location":..}}). Repository
 * contents are read and written only on the background I/O thread
 * (dataplane/snapshot/dp_bgio.h); shards are staged by their workers. The
 * network core only parses, dispatches and answers. Network core only.
 */
#ifndef DP_SNAPSHOT_H
#define DP_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/settings.h"
#include "../snapshot/dp_bgio.h"
#include "../snapshot/snap_repo.h"
#include "dp_rest.h"

#define DP_REPO_CUSTOM "repository"

typedef struct dp_snap_cfg {
	char path_repo[4096];
	char path_data[4096];
} dp_snap_cfg_t;

extern dp_snap_cfg_t dp_snap_cfg;

void dp_snapshot_init(const osp_settings_t *s);

/* The repository's root directory; 404 repository_missing_exception when
 * there is no such repository. */
int dp_snap_repo_root(const char *repo, char *root, size_t cap, osp_err_t *err);

/* One snapshot as GET _snapshot shows it, from its repository index entry. */
void dp_snap_write_info(osp_jw_t *w, const osp_json_t *entry, const char *repo, bool verbose);

/* Snapshots running on this node (GET _snapshot/<repo>/_current). */
typedef struct dp_snap_running {
	char repo[256];
	char name[256];
	char uuid[32];
	int64_t start_ms;
	const char *const *indices;
	uint32_t n_indices;
	uint32_t shards;
	bool used;
} dp_snap_running_t;

#define DP_SNAP_MAX_RUNNING 8
extern dp_snap_running_t dp_snap_running[DP_SNAP_MAX_RUNNING];

/* A snapshot name as Elasticsearch validates it; 0 or -EINVAL with
 * invalid_snapshot_name_exception. */
int dp_snap_check_name(const char *repo, const char *name, osp_err_t *err);

/* Submit a background task; -errno with err filled when the thread
 * cannot start. */
int dp_snap_submit(dp_bgio_task_t *t, osp_err_t *err);

/* An "indices" value (string or list of strings) as a comma list in a, or
 * NULL when absent. */
const char *dp_snap_expr(osp_arena_t *a, const osp_json_t *v);

/* {"accepted":true}: the answer of wait_for_completion=false. */
void dp_snap_reply_accepted(dp_rest_req_t *r);

/* A fresh 22-character base64url uuid. */
void dp_snap_uuid(char out[32]);

/* Time as ES prints it in snapshot infos: 2024-01-02T03:04:05.678Z. */
void dp_snap_time(char *out, size_t cap, int64_t ms);

void rest_snapshot_routes(void);
void rest_snapshot_create_routes(void);
void rest_snapshot_get_routes(void);
void rest_snapshot_restore_routes(void);

#endif
