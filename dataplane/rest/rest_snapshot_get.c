/*
 * rest_snapshot_get.c - reading and deleting snapshots: GET
 * _snapshot/{repo}/{snapshot} (names, wildcards, _all, _current), GET
 * .../_status, DELETE _snapshot/{repo}/{snapshot} (then unreferenced blobs
 * are removed), PUT .../_clone/{target} (a new name for the same blobs) and
 * _cat/snapshots. The repository index and metadata are read on the
 * background I/O thread into the task's arena; the network core renders.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../server/dp_ctl.h"
#include "dp_cat.h"
#include "dp_customs.h"
#include "dp_snapshot.h"

enum { SG_GET, SG_STATUS, SG_DELETE, SG_CLONE, SG_CAT };

typedef struct snap_get {
	dp_bgio_task_t task;
	dp_rest_req_t *r;
	int kind;
	char repo[256];
	char root[4096];
	const char *expr;            /* snapshot names/wildcards */
	const char *target;          /* clone */
	osp_arena_t arena;
	osp_json_t *index;
	osp_json_t **sel;            /* selected entries */
	osp_json_t **metas;          /* SG_STATUS: their metadata */
	uint32_t n_sel;
	const char *missing;
	int rc;
	osp_err_t err;
	/* SG_CAT over every repository: the table grows one repository at a
	 * time (one background read each) in the request's arena */
	dp_cat_t cat;
	bool cat_started;
	const char **repos;
	uint32_t n_repos, next_repo;
} snap_get_t;

static bool
name_matches(const char *expr, const char *name, osp_arena_t *a)
{
	char *copy = osp_arena_strndup(a, expr, strlen(expr)), *save = NULL;

	if (strcmp(expr, "_all") == 0 || strcmp(expr, "*") == 0)
		return true;
	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
		if (dp_customs_glob(t, name))
			return true;
	return false;
}

/* First plain name in expr no entry has. */
static const char *
first_missing(snap_get_t *g)
{
	char *copy = osp_arena_strndup(&g->arena, g->expr, strlen(g->expr)), *save = NULL;

	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
		bool hit = false;

		if (strchr(t, '*') || strcmp(t, "_all") == 0 || strcmp(t, "_current") == 0)
			continue;
		for (uint32_t i = 0; i < g->n_sel && !hit; i++)
			hit = strcmp(osp_json_get(g->sel[i], "name")->u.str, t) == 0;
		if (!hit)
			return t;
	}
	return NULL;
}

/* Remove the selected entries from the index list. */
static void
unlink_selected(snap_get_t *g)
{
	osp_json_t *list = osp_json_get(g->index, "snapshots"), *prev = NULL;

	for (osp_json_t *e = list->u.child, *next; e; e = next) {
		bool sel = false;

		next = e->next;
		for (uint32_t i = 0; i < g->n_sel; i++)
			sel = sel || g->sel[i] == e;
		if (!sel) {
			prev = e;
			continue;
		}
		if (prev)
			prev->next = next;
		else
			list->u.child = next;
		if (list->last == e)
			list->last = prev;
		list->len--;
	}
}

static void
sg_run(dp_bgio_task_t *t)
{
	snap_get_t *g = (snap_get_t *)t;
	osp_json_t *list;
	uint64_t gen, blobs, bytes;

	g->rc = snap_repo_read_index(g->root, &g->arena, &g->index, &gen, &g->err);
	if (g->rc != 0)
		return;
	list = osp_json_get(g->index, "snapshots");
	g->sel = osp_arena_calloc(&g->arena, (list->len + 1) * sizeof(*g->sel));
	g->metas = osp_arena_calloc(&g->arena, (list->len + 1) * sizeof(*g->metas));
	if (g->sel == NULL || g->metas == NULL) {
		g->rc = -ENOMEM;
		return;
	}
	OSP_JSON_FOREACH(e, list) {
		const osp_json_t *n = osp_json_get(e, "name");

		if (osp_json_is(n, OSP_JSON_STRING) && name_matches(g->expr, n->u.str, &g->arena))
			g->sel[g->n_sel++] = e;
	}
	g->missing = g->kind == SG_CAT ? NULL : first_missing(g);
	if (g->missing)
		return;
	if (g->kind == SG_STATUS) {
		for (uint32_t i = 0; i < g->n_sel && g->rc == 0; i++)
			g->rc = snap_repo_read_meta(g->root, osp_json_get(g->sel[i], "uuid")->u.str, &g->arena,
						    &g->metas[i], &g->err);
	} else if (g->kind == SG_DELETE) {
		unlink_selected(g);
		g->rc = snap_repo_write_index(g->root, gen, g->index, &g->err);
		for (uint32_t i = 0; i < g->n_sel && g->rc == 0; i++)
			snap_repo_delete_meta(g->root, osp_json_get(g->sel[i], "uuid")->u.str);
		if (g->rc == 0)
			g->rc = snap_repo_gc(g->root, g->index, &g->arena, &blobs, &bytes, &g->err);
	} else if (g->kind == SG_CLONE && g->n_sel == 1) {
		osp_json_t *meta, *copy;
		char uuid[32];
		osp_buf_t b;
		osp_jw_t w;

		OSP_JSON_FOREACH(e, list) {
			const osp_json_t *n = osp_json_get(e, "name");

			if (strcmp(n->u.str, g->target) == 0) {
				g->rc = osp_err_set(&g->err, 400, "invalid_snapshot_name_exception",
						    "[%s:%s] Invalid snapshot name [%s], snapshot with the same name already exists",
						    g->repo, g->target, g->target);
				return;
			}
		}
		if ((g->rc = snap_repo_read_meta(g->root, osp_json_get(g->sel[0], "uuid")->u.str, &g->arena,
						 &meta, &g->err)) != 0)
			return;
		dp_snap_uuid(uuid);
		osp_buf_init(&b);
		osp_jw_init(&w, &b, 0);
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "name", g->target);
		osp_jw_kv_str(&w, "uuid", uuid);
		osp_jw_key(&w, "indices");
		osp_jw_value(&w, osp_json_get(meta, "indices"));
		osp_jw_obj_end(&w);
		g->rc = snap_repo_write_meta(g->root, uuid, &b, &g->err);
		osp_buf_free(&b);
		copy = osp_json_clone(&g->arena, g->sel[0]);
		if (g->rc != 0 || copy == NULL)
			return;
		osp_json_get(copy, "name")->u.str = osp_arena_strndup(&g->arena, g->target, strlen(g->target));
		osp_json_get(copy, "name")->len = (uint32_t)strlen(g->target);
		osp_json_get(copy, "uuid")->u.str = osp_arena_strndup(&g->arena, uuid, strlen(uuid));
		osp_json_get(copy, "uuid")->len = (uint32_t)strlen(uuid);
		if (osp_json_append(&g->arena, list, NULL, 0, copy) != 0)
			g->rc = -ENOMEM;
		else
			g->rc = snap_repo_write_index(g->root, gen, g->index, &g->err);
	}
}

static int64_t
jint(const osp_json_t *o, const char *path)
{
	const osp_json_t *v = osp_json_path(o, path);

	return osp_json_is(v, OSP_JSON_NUMBER) ? (v->is_int ? v->i : (int64_t)v->d) : 0;
}

/* One snapshot's _status object. */
static void
write_status(osp_jw_t *w, const snap_get_t *g, const osp_json_t *e, const osp_json_t *meta)
{
	int64_t total = jint(e, "shards.total"), failed = jint(e, "shards.failed");

	osp_jw_obj_begin(w);
	osp_jw_key(w, "snapshot");
	osp_jw_value(w, osp_json_get(e, "name"));
	osp_jw_kv_str(w, "repository", g->repo);
	osp_jw_key(w, "uuid");
	osp_jw_value(w, osp_json_get(e, "uuid"));
	osp_jw_key(w, "state");
	osp_jw_value(w, osp_json_get(e, "state"));
	osp_jw_key(w, "include_global_state");
	osp_jw_value(w, osp_json_get(e, "include_global_state"));
	osp_jw_key(w, "shards_stats");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "initializing", 0);
	osp_jw_kv_int(w, "started", 0);
	osp_jw_kv_int(w, "finalizing", 0);
	osp_jw_kv_int(w, "done", total - failed);
	osp_jw_kv_int(w, "failed", failed);
	osp_jw_kv_int(w, "total", total);
	osp_jw_obj_end(w);
	osp_jw_key(w, "stats");
	osp_jw_obj_begin(w);
	osp_jw_key(w, "incremental");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "file_count", jint(e, "stats.incremental_files"));
	osp_jw_kv_int(w, "size_in_bytes", jint(e, "stats.incremental_bytes"));
	osp_jw_obj_end(w);
	osp_jw_key(w, "total");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "file_count", jint(e, "stats.files"));
	osp_jw_kv_int(w, "size_in_bytes", jint(e, "stats.bytes"));
	osp_jw_obj_end(w);
	osp_jw_kv_int(w, "start_time_in_millis", jint(e, "start_time_in_millis"));
	osp_jw_kv_int(w, "time_in_millis", jint(e, "end_time_in_millis") - jint(e, "start_time_in_millis"));
	osp_jw_obj_end(w);
	osp_jw_key(w, "indices");
	osp_jw_obj_begin(w);
	OSP_JSON_FOREACH(ix, osp_json_get(meta, "indices")) {
		osp_jw_keyn(w, ix->key, ix->key_len);
		osp_jw_obj_begin(w);
		osp_jw_key(w, "shards");
		osp_jw_obj_begin(w);
		uint32_t s = 0;

		OSP_JSON_FOREACH(sh, osp_json_get(ix, "shards")) {
			char k[16];
			int64_t files = 0, bytes = 0;

			OSP_JSON_FOREACH(f, osp_json_get(sh, "files")) {
				files++;
				bytes += jint(f, "size");
			}
			snprintf(k, sizeof(k), "%u", s++);
			osp_jw_key(w, k);
			osp_jw_obj_begin(w);
			osp_jw_kv_str(w, "stage", sh->type == OSP_JSON_NULL ? "FAILURE" : "DONE");
			osp_jw_key(w, "stats");
			osp_jw_obj_begin(w);
			osp_jw_key(w, "total");
			osp_jw_obj_begin(w);
			osp_jw_kv_int(w, "file_count", files);
			osp_jw_kv_int(w, "size_in_bytes", bytes);
			osp_jw_obj_end(w);
			osp_jw_obj_end(w);
			osp_jw_obj_end(w);
		}
		osp_jw_obj_end(w);
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
	osp_jw_obj_end(w);
}

static void
sg_cat(snap_get_t *g)
{
	static const dp_cat_col_t cols[] = {
		{ "id", "id,snapshot", "unique snapshot", false, false },
		{ "repository", "re,repo", "repository name", false, false },
		{ "status", "s,status", "snapshot name", false, false },
		{ "start_epoch", "ste,startEpoch", "start time in seconds since 1970-01-01 00:00:00", true, false },
		{ "start_time", "sti,startTime", "start time in HH:MM:SS", false, false },
		{ "end_epoch", "ete,endEpoch", "end time in seconds since 1970-01-01 00:00:00", true, false },
		{ "end_time", "eti,endTime", "end time in HH:MM:SS", false, false },
		{ "duration", "dur,duration", "duration", true, false },
		{ "indices", "i,indices", "number of indices", true, false },
		{ "successful_shards", "ss,successful_shards", "number of successful shards", true, false },
		{ "failed_shards", "fs,failed_shards", "number of failed shards", true, false },
		{ "total_shards", "ts,total_shards", "number of total shards", true, false },
		{ "reason", "r,reason", "reason for failures", false, true },
	};
	dp_cat_t *t = &g->cat;

	if (!g->cat_started)
		dp_cat_init(t, g->r, cols, sizeof(cols) / sizeof(cols[0]));
	g->cat_started = true;
	for (uint32_t i = 0; i < g->n_sel; i++) {
		const osp_json_t *e = g->sel[i];
		const char **row = dp_cat_row(t);
		int64_t st = jint(e, "start_time_in_millis"), en = jint(e, "end_time_in_millis");
		char buf[64];

		if (row == NULL)
			break;
		row[0] = dp_cat_str(t, osp_json_get(e, "name")->u.str);
		row[1] = dp_cat_str(t, g->repo);
		row[2] = dp_cat_str(t, osp_json_is(osp_json_get(e, "state"), OSP_JSON_STRING)
					    ? osp_json_get(e, "state")->u.str : "");
		row[3] = dp_cat_int(t, st / 1000);
		snprintf(buf, sizeof(buf), "%02d:%02d:%02d", (int)(st / 3600000 % 24), (int)(st / 60000 % 60),
			 (int)(st / 1000 % 60));
		row[4] = dp_cat_str(t, buf);
		row[5] = dp_cat_int(t, en / 1000);
		snprintf(buf, sizeof(buf), "%02d:%02d:%02d", (int)(en / 3600000 % 24), (int)(en / 60000 % 60),
			 (int)(en / 1000 % 60));
		row[6] = dp_cat_str(t, buf);
		snprintf(buf, sizeof(buf), "%lldms", (long long)(en - st));
		row[7] = dp_cat_str(t, buf);
		row[8] = dp_cat_int(t, osp_json_get(e, "indices") ? osp_json_get(e, "indices")->len : 0);
		row[9] = dp_cat_int(t, jint(e, "shards.successful"));
		row[10] = dp_cat_int(t, jint(e, "shards.failed"));
		row[11] = dp_cat_int(t, jint(e, "shards.total"));
		row[12] = dp_cat_str(t, "");
	}
}

static void
sg_done(dp_bgio_task_t *t)
{
	snap_get_t *g = (snap_get_t *)t;
	dp_rest_req_t *r = g->r;
	/* g lives in the request's arena, which the reply releases: free the
	 * task's own arena through this copy of its handle. */
	osp_arena_t held = g->arena;
	osp_buf_t out;
	osp_jw_t w;

	if (g->rc == 0 && g->missing)
		g->rc = osp_err_set(&g->err, 404, "snapshot_missing_exception", "[%s:%s] is missing", g->repo,
				    g->missing);
	if (g->rc == 0 && g->kind == SG_CLONE && g->n_sel == 0)
		g->rc = osp_err_set(&g->err, 404, "snapshot_missing_exception", "[%s:%s] is missing", g->repo,
				    g->expr);
	if (g->rc != 0 && g->kind == SG_CAT && g->n_repos > 0) {
		g->rc = 0;          /* an unreadable repository lists nothing */
		g->n_sel = 0;
	}
	if (g->rc != 0) {
		if (g->err.status == 0)
			osp_err_set(&g->err, 500, "repository_exception", "[%s] %s", g->repo, strerror(-g->rc));
		held = g->arena;
		dp_rest_reply_err(r, &g->err);
		goto cleanup;
	}
	if (g->kind == SG_CAT) {
		sg_cat(g);
		while (g->next_repo < g->n_repos) {
			/* the next repository into a fresh arena */
			const char *repo = g->repos[g->next_repo++];

			snprintf(g->repo, sizeof(g->repo), "%s", repo);
			if (dp_snap_repo_root(repo, g->root, sizeof(g->root), &g->err) != 0)
				continue;
			osp_arena_free(&g->arena);
			osp_arena_init(&g->arena, 16384, 0);
			g->n_sel = 0;
			if (dp_snap_submit(&g->task, &g->err) == 0)
				return;
		}
		held = g->arena;
		dp_cat_reply(&g->cat);
		goto cleanup;
	}
	if (g->kind == SG_DELETE || g->kind == SG_CLONE) {
		held = g->arena;
		dp_rest_reply_ack(r, true);
		goto cleanup;
	}
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "snapshots");
	osp_jw_arr_begin(&w);
	for (uint32_t i = 0; i < g->n_sel; i++) {
		if (g->kind == SG_STATUS)
			write_status(&w, g, g->sel[i], g->metas[i]);
		else
			dp_snap_write_info(&w, g->sel[i], g->repo, true);
	}
	osp_jw_arr_end(&w);
	if (g->kind == SG_GET) {
		osp_jw_kv_int(&w, "total", g->n_sel);
		osp_jw_kv_int(&w, "remaining", 0);
	}
	osp_jw_obj_end(&w);
	held = g->arena;
	dp_rest_reply(r, 200, &out);
cleanup:
	osp_arena_free(&held);
}

/* In-progress snapshots ("_current"): answered from memory. */
static void
reply_current(dp_rest_req_t *r, const char *repo, bool status)
{
	osp_buf_t out;
	osp_jw_t w;
	char t[64];

	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "snapshots");
	osp_jw_arr_begin(&w);
	for (int k = 0; k < DP_SNAP_MAX_RUNNING; k++) {
		const dp_snap_running_t *s = &dp_snap_running[k];

		if (!s->used || (repo && strcmp(s->repo, repo) != 0))
			continue;
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "snapshot", s->name);
		osp_jw_kv_str(&w, "uuid", s->uuid);
		osp_jw_kv_str(&w, "repository", s->repo);
		osp_jw_kv_str(&w, "state", status ? "STARTED" : "IN_PROGRESS");
		dp_snap_time(t, sizeof(t), s->start_ms);
		osp_jw_kv_str(&w, "start_time", t);
		osp_jw_kv_int(&w, "start_time_in_millis", s->start_ms);
		osp_jw_obj_end(&w);
	}
	osp_jw_arr_end(&w);
	if (!status) {
		osp_jw_kv_int(&w, "total", 0);
		osp_jw_kv_int(&w, "remaining", 0);
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

static snap_get_t *
sg_start(dp_rest_req_t *r, int kind, const char *repo, const char *expr)
{
	snap_get_t *g = osp_arena_calloc(r->http->arena, sizeof(*g));
	osp_err_t err;

	if (g == NULL) {
		osp_err_set(&err, 500, "out_of_memory_error", "no memory for the request");
		dp_rest_reply_err(r, &err);
		return NULL;
	}
	g->r = r;
	g->kind = kind;
	g->expr = expr;
	g->target = dp_rest_param(r, "target_snapshot");
	snprintf(g->repo, sizeof(g->repo), "%s", repo);
	osp_arena_init(&g->arena, 16384, 0);
	if (dp_snap_repo_root(repo, g->root, sizeof(g->root), &err) != 0) {
		osp_arena_free(&g->arena);
		dp_rest_reply_err(r, &err);
		return NULL;
	}
	g->task.run = sg_run;
	g->task.done = sg_done;
	if (dp_snap_submit(&g->task, &err) != 0) {
		osp_arena_free(&g->arena);
		dp_rest_reply_err(r, &err);
		return NULL;
	}
	return g;
}

/* GET /_snapshot/{repository}/{snapshot} */
static void
rest_snapshot_get(dp_rest_req_t *r)
{
	const char *repo = dp_rest_param(r, "repository"), *snap = dp_rest_param(r, "snapshot");

	if (strcmp(snap, "_current") == 0) {
		osp_err_t err;
		char root[4096];

		if (dp_snap_repo_root(repo, root, sizeof(root), &err) != 0) {
			dp_rest_reply_err(r, &err);
			return;
		}
		reply_current(r, repo, false);
		return;
	}
	sg_start(r, SG_GET, repo, snap);
}

/* GET /_snapshot/{repository}/{snapshot}/_status, /_snapshot[/{repository}]/_status */
static void
rest_snapshot_status(dp_rest_req_t *r)
{
	const char *repo = dp_rest_param(r, "repository"), *snap = dp_rest_param(r, "snapshot");

	if (snap == NULL || strcmp(snap, "_current") == 0) {
		reply_current(r, repo, true);
		return;
	}
	sg_start(r, SG_STATUS, repo, snap);
}

static void
rest_snapshot_delete(dp_rest_req_t *r)
{
	sg_start(r, SG_DELETE, dp_rest_param(r, "repository"), dp_rest_param(r, "snapshot"));
}

static void
rest_snapshot_clone(dp_rest_req_t *r)
{
	osp_err_t err;

	if (dp_snap_check_name(dp_rest_param(r, "repository"), dp_rest_param(r, "target_snapshot"), &err) != 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	sg_start(r, SG_CLONE, dp_rest_param(r, "repository"), dp_rest_param(r, "snapshot"));
}

/* GET /_cat/snapshots[/{repository}]: every repository when none is named. */
static void
rest_cat_snapshots(dp_rest_req_t *r)
{
	const char *repo = dp_rest_param(r, "repository");
	const osp_custom_t *first;
	snap_get_t *g;
	uint32_t n;

	if (repo != NULL) {
		sg_start(r, SG_CAT, repo, "_all");
		return;
	}
	dp_ctl_customs(DP_REPO_CUSTOM, &first, &n);
	if (n == 0) {
		static const dp_cat_col_t none[] = { { "id", "id,snapshot", "unique snapshot", false, false } };
		dp_cat_t t;

		dp_cat_init(&t, r, none, 1);
		dp_cat_reply(&t);
		return;
	}
	g = sg_start(r, SG_CAT, first[0].name, "_all");
	if (g == NULL || n == 1)
		return;
	g->repos = osp_arena_calloc(r->http->arena, n * sizeof(*g->repos));
	if (g->repos == NULL)
		return;         /* the first repository still answers */
	for (uint32_t i = 1; i < n; i++) {
		const char *name = osp_arena_strndup(r->http->arena, first[i].name, strlen(first[i].name));

		if (name != NULL)
			g->repos[g->n_repos++] = name;
	}
}

void
rest_snapshot_get_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_snapshot/{repository}/{snapshot}", rest_snapshot_get, 0);
	dp_rest_route(DP_HTTP_DELETE, "/_snapshot/{repository}/{snapshot}", rest_snapshot_delete, 0);
	dp_rest_route(DP_HTTP_GET, "/_snapshot/{repository}/{snapshot}/_status", rest_snapshot_status, 0);
	dp_rest_route(DP_HTTP_GET, "/_snapshot/{repository}/_status", rest_snapshot_status, 0);
	dp_rest_route(DP_HTTP_GET, "/_snapshot/_status", rest_snapshot_status, 0);
	dp_rest_route(DP_HTTP_PUT, "/_snapshot/{repository}/{snapshot}/_clone/{target_snapshot}",
		      rest_snapshot_clone, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/snapshots", rest_cat_snapshots, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/snapshots/{repository}", rest_cat_snapshots, 0);
}
