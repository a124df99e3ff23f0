/*
 * rest_snapshot_create.c - PUT|POST _snapshot/{repo}/{snapshot}: take a
 * snapshot of indices into an fs repository.
 *
 * Phases, each on the core that may do its work:
 *   1. network core: validate, resolve the repository and indices, copy the
 *      index metadata (settings, mappings, aliases) into the snapshot's
 *      own arena; answer {"accepted":true} now unless wait_for_completion;
 *   2. I/O thread: check the name is free in the repository index, create
 *      the staging directory <path.data>/snapshots/<uuid>;
 *   3. each primary's worker: flush, hard-link the commit's files into
 *      <staging>/<index uuid>-<shard> (osprey/snapshot.h);
 *   4. I/O thread: copy staged files into the content-addressed blob store
 *      (files already there are reused: incremental), write
 *      snap-<uuid>.json and a new repository index generation, remove the
 *      staging directory;
 *   5. network core: answer (wait_for_completion) and forget the snapshot.
 * The snapshot context is malloc'd (it may outlive the request).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "osprey/snapshot.h"
#include "../shard/dp_shard_jobs.h"
#include "dp_snapshot.h"

typedef struct snap_create snap_create_t;

/* One primary shard being staged by its worker. */
typedef struct snap_shard {
	dp_job_t job;
	dp_shard_ref_t *ref;
	snap_create_t *sc;
	char staging[4500];
	st_snapshot_stage_t res;
	osp_err_t err;
	bool failed;
} snap_shard_t;

typedef struct snap_index {
	const char *name, *uuid;
	const char *settings, *mappings, *aliases;
	uint32_t n_shards;
	snap_shard_t *shards;
} snap_index_t;

struct snap_create {
	dp_bgio_task_t task;
	dp_rest_req_t *r;            /* NULL once answered */
	osp_arena_t arena;
	char repo[256], name[256], uuid[32];
	char root[4096], staging[4400];
	bool include_global_state, partial;
	int64_t start_ms, end_ms;
	snap_index_t *ix;
	uint32_t n_ix;
	uint32_t pending;
	int phase;                   /* 2 check, 4 upload */
	int rc;
	osp_err_t err;
	int slot;                    /* dp_snap_running index */
	uint64_t files, bytes, new_files, new_bytes;
	osp_json_t *entry;           /* the repository index entry written */
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sc_free(snap_create_t *sc)
{
	if (sc->slot >= 0)
		dp_snap_running[sc->slot].used = false;
	osp_arena_free(&sc->arena);
	free(sc);
}

static void
sc_fail(snap_create_t *sc, const osp_err_t *err)
{
	if (sc->r)
		dp_rest_reply_err(sc->r, err);
	sc_free(sc);
}

static osp_json_t *
jstr(osp_arena_t *a, const char *s)
{
	return osp_json_new_string(a, s, strlen(s));
}

/* Shard totals of the snapshot. */
static void
sc_counts(const snap_create_t *sc, uint32_t *total, uint32_t *failed)
{
	*total = *failed = 0;
	for (uint32_t i = 0; i < sc->n_ix; i++)
		for (uint32_t s = 0; s < sc->ix[i].n_shards; s++) {
			(*total)++;
			*failed += sc->ix[i].shards[s].failed;
		}
}

/* The repository index entry for this snapshot. */
static osp_json_t *
sc_entry(snap_create_t *sc)
{
	osp_arena_t *a = &sc->arena;
	osp_json_t *e = osp_json_new_object(a), *ind = osp_json_new_array(a), *sh = osp_json_new_object(a);
	osp_json_t *fails = osp_json_new_array(a), *st = osp_json_new_object(a);
	uint32_t total, failed;

	sc_counts(sc, &total, &failed);
	for (uint32_t i = 0; i < sc->n_ix; i++)
		osp_json_append(a, ind, NULL, 0, jstr(a, sc->ix[i].name));
	for (uint32_t i = 0; i < sc->n_ix; i++)
		for (uint32_t s = 0; s < sc->ix[i].n_shards; s++) {
			const snap_shard_t *x = &sc->ix[i].shards[s];
			osp_json_t *f;

			if (!x->failed)
				continue;
			f = osp_json_new_object(a);
			osp_json_append(a, f, "index", 5, jstr(a, sc->ix[i].name));
			osp_json_append(a, f, "index_uuid", 10, jstr(a, sc->ix[i].uuid));
			osp_json_append(a, f, "shard_id", 8, osp_json_new_int(a, s));
			osp_json_append(a, f, "reason", 6, jstr(a, x->err.reason));
			osp_json_append(a, f, "node_id", 7, jstr(a, dp_shards_node_id()));
			osp_json_append(a, f, "status", 6, jstr(a, "INTERNAL_SERVER_ERROR"));
			osp_json_append(a, fails, NULL, 0, f);
		}
	osp_json_append(a, sh, "total", 5, osp_json_new_int(a, total));
	osp_json_append(a, sh, "failed", 6, osp_json_new_int(a, failed));
	osp_json_append(a, sh, "successful", 10, osp_json_new_int(a, total - failed));
	osp_json_append(a, st, "files", 5, osp_json_new_int(a, (int64_t)sc->files));
	osp_json_append(a, st, "bytes", 5, osp_json_new_int(a, (int64_t)sc->bytes));
	osp_json_append(a, st, "incremental_files", 17, osp_json_new_int(a, (int64_t)sc->new_files));
	osp_json_append(a, st, "incremental_bytes", 17, osp_json_new_int(a, (int64_t)sc->new_bytes));
	osp_json_append(a, e, "name", 4, jstr(a, sc->name));
	osp_json_append(a, e, "uuid", 4, jstr(a, sc->uuid));
	osp_json_append(a, e, "state", 5, jstr(a, failed == 0 ? "SUCCESS" : sc->partial ? "PARTIAL" : "FAILED"));
	osp_json_append(a, e, "indices", 7, ind);
	osp_json_append(a, e, "include_global_state", 20, osp_json_new_bool(a, sc->include_global_state));
	osp_json_append(a, e, "start_time_in_millis", 20, osp_json_new_int(a, sc->start_ms));
	osp_json_append(a, e, "end_time_in_millis", 18, osp_json_new_int(a, sc->end_ms));
	osp_json_append(a, e, "failures", 8, fails);
	osp_json_append(a, e, "shards", 6, sh);
	osp_json_append(a, e, "stats", 5, st);
	return e;
}

/* I/O thread, phase 4: one staged shard into the blob store; writes its
 * manifest {"commit","files":[..]} to w. */
static int
upload_shard(snap_create_t *sc, snap_shard_t *x, osp_jw_t *w)
{
	DIR *d = opendir(x->staging);
	struct dirent *de;
	char src[8300], id[SNAP_BLOB_ID_MAX];
	int rc = 0;

	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "commit", x->res.commit_file);
	osp_jw_kv_int(w, "docs", (int64_t)x->res.docs);
	osp_jw_kv_int(w, "max_seq_no", x->res.max_seq_no);
	osp_jw_key(w, "files");
	osp_jw_arr_begin(w);
	while (d && (de = readdir(d)) != NULL) {
		bool reused;
		uint64_t size;

		if (de->d_name[0] == '.')
			continue;
		snprintf(src, sizeof(src), "%s/%s", x->staging, de->d_name);
		if ((rc = snap_repo_put_blob(sc->root, src, id, &reused, &size, &sc->err)) != 0)
			break;
		sc->files++;
		sc->bytes += size;
		if (!reused) {
			sc->new_files++;
			sc->new_bytes += size;
		}
		osp_jw_obj_begin(w);
		osp_jw_kv_str(w, "name", de->d_name);
		osp_jw_kv_str(w, "blob", id);
		osp_jw_kv_int(w, "size", (int64_t)size);
		osp_jw_obj_end(w);
	}
	if (d)
		closedir(d);
	osp_jw_arr_end(w);
	osp_jw_obj_end(w);
	return rc;
}

/* I/O thread: phase 2 (check) or 4 (upload). */
static void
sc_run(dp_bgio_task_t *t)
{
	snap_create_t *sc = (snap_create_t *)t;
	osp_arena_t a;
	osp_json_t *index;
	uint64_t gen;

	osp_arena_init(&a, 4096, 0);
	sc->rc = snap_repo_read_index(sc->root, &a, &index, &gen, &sc->err);
	if (sc->rc != 0)
		goto cleanup;
	if (sc->phase == 2) {
		OSP_JSON_FOREACH(s, osp_json_get(index, "snapshots")) {
			const osp_json_t *n = osp_json_get(s, "name");

			if (osp_json_is(n, OSP_JSON_STRING) && strcmp(n->u.str, sc->name) == 0) {
				sc->rc = osp_err_set(&sc->err, 400, "invalid_snapshot_name_exception",
						     "[%s:%s] Invalid snapshot name [%s], snapshot with the same name already exists",
						     sc->repo, sc->name, sc->name);
				goto cleanup;
			}
		}
		snprintf(sc->staging, sizeof(sc->staging), "%s/snapshots", dp_snap_cfg.path_data);
		mkdir(sc->staging, 0755);
		snprintf(sc->staging, sizeof(sc->staging), "%s/snapshots/%s", dp_snap_cfg.path_data, sc->uuid);
		if (mkdir(sc->staging, 0755) != 0)
			sc->rc = osp_err_set(&sc->err, 500, "snapshot_exception", "cannot create [%s]: %s",
					     sc->staging, strerror(errno));
		goto cleanup;
	}
	/* phase 4: blobs, metadata, then the repository index */
	osp_buf_t meta;
	osp_jw_t w;

	osp_buf_init(&meta);
	osp_jw_init(&w, &meta, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "name", sc->name);
	osp_jw_kv_str(&w, "uuid", sc->uuid);
	osp_jw_key(&w, "indices");
	osp_jw_obj_begin(&w);
	for (uint32_t i = 0; i < sc->n_ix && sc->rc == 0; i++) {
		snap_index_t *ix = &sc->ix[i];

		osp_jw_key(&w, ix->name);
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "uuid", ix->uuid);
		osp_jw_key(&w, "settings");
		osp_jw_raw(&w, ix->settings, strlen(ix->settings));
		osp_jw_key(&w, "mappings");
		osp_jw_raw(&w, ix->mappings, strlen(ix->mappings));
		osp_jw_key(&w, "aliases");
		osp_jw_raw(&w, ix->aliases, strlen(ix->aliases));
		osp_jw_kv_int(&w, "number_of_shards", ix->n_shards);
		osp_jw_key(&w, "shards");
		osp_jw_arr_begin(&w);
		for (uint32_t s = 0; s < ix->n_shards && sc->rc == 0; s++) {
			if (ix->shards[s].failed) {
				osp_jw_null(&w);
				continue;
			}
			sc->rc = upload_shard(sc, &ix->shards[s], &w);
		}
		osp_jw_arr_end(&w);
		osp_jw_obj_end(&w);
	}
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	sc->end_ms = now_ms();
	if (sc->rc == 0)
		sc->rc = snap_repo_write_meta(sc->root, sc->uuid, &meta, &sc->err);
	osp_buf_free(&meta);
	if (sc->rc == 0) {
		osp_json_t *list = osp_json_get(index, "snapshots");

		sc->entry = sc_entry(sc);
		if (list == NULL || osp_json_append(&a, list, NULL, 0, osp_json_clone(&a, sc->entry)) != 0)
			sc->rc = -ENOMEM;
		else
			sc->rc = snap_repo_write_index(sc->root, gen, index, &sc->err);
	}
	snap_repo_rmtree(sc->staging);
cleanup:
	osp_arena_free(&a);
}

static void sc_done(dp_bgio_task_t *t);

static void
sc_submit(snap_create_t *sc, int phase)
{
	sc->phase = phase;
	sc->task.run = sc_run;
	sc->task.done = sc_done;
	if (dp_snap_submit(&sc->task, &sc->err) != 0)
		sc_fail(sc, &sc->err);
}

/* Worker: stage one shard. */
static void
stage_run(dp_job_t *job, unsigned w)
{
	snap_shard_t *x = (snap_shard_t *)job;
	st_shard_t *sh = x->ref->sh;

	(void)w;
	if (sh == NULL) {
		osp_err_set(&x->err, 500, "snapshot_exception", "shard is not open");
		job->rc = -ENODEV;
	} else {
		job->rc = st_shard_snapshot_stage(sh, x->staging, &x->res, &x->err);
	}
	dp_core_complete(job);
}

static void
sc_shard_settled(snap_create_t *sc)
{
	if (--sc->pending > 0)
		return;
	sc_submit(sc, 4);
}

static void
stage_done(dp_job_t *job)
{
	snap_shard_t *x = (snap_shard_t *)job;

	if (job->rc != 0) {
		x->failed = true;
		if (x->err.status == 0)
			osp_err_set(&x->err, 500, "snapshot_exception", "%s", strerror(-job->rc));
	}
	sc_shard_settled(x->sc);
}

/* Phase 3: one stage job per primary shard. */
static void
sc_stage(snap_create_t *sc)
{
	sc->pending = 1;
	for (uint32_t i = 0; i < sc->n_ix; i++) {
		snap_index_t *ix = &sc->ix[i];
		dp_index_t *idx = dp_shards_index(ix->name);

		for (uint32_t s = 0; s < ix->n_shards; s++) {
			snap_shard_t *x = &ix->shards[s];

			x->sc = sc;
			snprintf(x->staging, sizeof(x->staging), "%s/%s-%u", sc->staging, ix->uuid, s);
			x->ref = idx && strcmp(idx->uuid, ix->uuid) == 0 ? dp_shards_ref(idx, s, &x->err) : NULL;
			if (x->ref == NULL) {
				x->failed = true;
				if (x->err.status == 0)
					osp_err_set(&x->err, 500, "snapshot_exception", "index [%s] is gone", ix->name);
				continue;
			}
			sc->pending++;
			dp_job_prepare(&x->job, x->ref, stage_run, stage_done);
			dp_core_submit(&x->job);
		}
	}
	sc_shard_settled(sc);
}

static void
sc_done(dp_bgio_task_t *t)
{
	snap_create_t *sc = (snap_create_t *)t;

	if (sc->rc != 0) {
		if (sc->err.status == 0)
			osp_err_set(&sc->err, 500, "snapshot_exception", "[%s:%s] %s", sc->repo, sc->name,
				    strerror(-sc->rc));
		sc_fail(sc, &sc->err);
		return;
	}
	if (sc->phase == 2) {
		if (sc->r && !dp_rest_qs_bool(sc->r, "wait_for_completion", false, &(bool){ true })) {
			dp_snap_reply_accepted(sc->r);
			sc->r = NULL;
		}
		sc_stage(sc);
		return;
	}
	if (sc->r) {
		osp_buf_t out;
		osp_jw_t w;

		dp_rest_jw(sc->r, &w, &out);
		osp_jw_obj_begin(&w);
		osp_jw_key(&w, "snapshot");
		dp_snap_write_info(&w, sc->entry, sc->repo, true);
		osp_jw_obj_end(&w);
		dp_rest_reply(sc->r, 200, &out);
		sc->r = NULL;
	}
	sc_free(sc);
}

/* Copy one index's metadata into the snapshot's arena. */
static int
sc_add_index(snap_create_t *sc, const dp_index_t *idx)
{
	snap_index_t *ix = &sc->ix[sc->n_ix];
	const osp_index_t *m = idx->meta;
	osp_arena_t *a = &sc->arena;

	ix->name = osp_arena_strndup(a, idx->name, strlen(idx->name));
	ix->uuid = osp_arena_strndup(a, idx->uuid, strlen(idx->uuid));
	ix->settings = m->settings ? osp_arena_strndup(a, m->settings, m->settings_len) : "{}";
	ix->mappings = m->mappings ? osp_arena_strndup(a, m->mappings, m->mappings_len) : "{}";
	ix->aliases = m->aliases ? osp_arena_strndup(a, m->aliases, m->aliases_len) : "{}";
	ix->n_shards = m->number_of_shards;
	ix->shards = osp_arena_calloc(a, (ix->n_shards + 1) * sizeof(*ix->shards));
	if (!ix->name || !ix->uuid || !ix->settings || !ix->mappings || !ix->aliases || !ix->shards)
		return -ENOMEM;
	sc->n_ix++;
	return 0;
}

/* PUT|POST /_snapshot/{repository}/{snapshot} */
static void
rest_snapshot_create(dp_rest_req_t *r)
{
	const char *repo = dp_rest_param(r, "repository"), *name = dp_rest_param(r, "snapshot");
	const osp_json_t *v;
	osp_json_t *body;
	osp_err_t err;
	snap_create_t *sc;
	bool ok = true, ignore_unavailable = false;
	const char *expr = "_all";
	dp_index_t **list = NULL;
	int n;

	dp_rest_qs_bool(r, "wait_for_completion", false, &ok);
	if (!ok || !dp_rest_body_json(r, &body))
		return;
	osp_err_clear(&err);
	if ((sc = calloc(1, sizeof(*sc))) == NULL) {
		osp_err_set(&err, 500, "out_of_memory_error", "no memory for the request");
		dp_rest_reply_err(r, &err);
		return;
	}
	osp_arena_init(&sc->arena, 16384, 0);
	sc->slot = -1;
	sc->r = r;
	sc->include_global_state = true;
	snprintf(sc->repo, sizeof(sc->repo), "%s", repo);
	snprintf(sc->name, sizeof(sc->name), "%s", name);
	dp_snap_uuid(sc->uuid);
	sc->start_ms = now_ms();
	if (dp_snap_check_name(repo, name, &err) != 0 ||
	    dp_snap_repo_root(repo, sc->root, sizeof(sc->root), &err) != 0)
		goto fail;
	if ((v = osp_json_get(body, "indices")) != NULL && (expr = dp_snap_expr(r->http->arena, v)) == NULL)
		expr = "_all";
	v = osp_json_get(body, "ignore_unavailable");
	ignore_unavailable = osp_json_is(v, OSP_JSON_BOOL) && v->boolean;
	v = osp_json_get(body, "include_global_state");
	if (osp_json_is(v, OSP_JSON_BOOL))
		sc->include_global_state = v->boolean;
	v = osp_json_get(body, "partial");
	sc->partial = osp_json_is(v, OSP_JSON_BOOL) && v->boolean;
	for (int k = 0; k < DP_SNAP_MAX_RUNNING; k++)
		if (dp_snap_running[k].used && strcmp(dp_snap_running[k].repo, repo) == 0 &&
		    strcmp(dp_snap_running[k].name, name) == 0) {
			osp_err_set(&err, 400, "invalid_snapshot_name_exception",
				    "[%s:%s] Invalid snapshot name [%s], snapshot with the same name is already in-progress",
				    repo, name, name);
			goto fail;
		}
	for (int k = 0; k < DP_SNAP_MAX_RUNNING && sc->slot < 0; k++)
		if (!dp_snap_running[k].used)
			sc->slot = k;
	if (sc->slot < 0) {
		osp_err_set(&err, 503, "concurrent_snapshot_execution_exception",
			    "[%s:%s] too many snapshots are running on this node", repo, name);
		goto fail;
	}
	uint32_t max = dp_shards_count() + 1;

	list = osp_arena_alloc(&sc->arena, max * sizeof(*list));
	sc->ix = osp_arena_calloc(&sc->arena, max * sizeof(*sc->ix));
	if (list == NULL || sc->ix == NULL)
		goto oom;
	n = dp_shards_resolve(expr, ignore_unavailable, true, list, max, &err);
	if (n < 0)
		goto fail;
	for (int i = 0; i < n; i++) {
		/* wildcards pass over closed indices (their shards are not open
		 * to stage); a closed index named outright fails its shards */
		if (list[i]->closed && (strcmp(expr, "_all") == 0 || strchr(expr, '*') != NULL))
			continue;
		if (list[i]->meta && sc_add_index(sc, list[i]) != 0)
			goto oom;
	}
	dp_snap_running_t *run = &dp_snap_running[sc->slot];

	memset(run, 0, sizeof(*run));
	run->used = true;
	snprintf(run->repo, sizeof(run->repo), "%s", repo);
	snprintf(run->name, sizeof(run->name), "%s", name);
	snprintf(run->uuid, sizeof(run->uuid), "%s", sc->uuid);
	run->start_ms = sc->start_ms;
	sc_submit(sc, 2);
	return;
oom:
	osp_err_set(&err, 500, "out_of_memory_error", "no memory for the request");
fail:
	sc_fail(sc, &err);
}

void
rest_snapshot_create_routes(void)
{
	dp_rest_route(DP_HTTP_PUT, "/_snapshot/{repository}/{snapshot}", rest_snapshot_create, 0);
	dp_rest_route(DP_HTTP_POST, "/_snapshot/{repository}/{snapshot}", rest_snapshot_create, 0);
}
