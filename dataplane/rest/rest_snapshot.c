/*
 * rest_snapshot.c - snapshot repositories: PUT/GET/DELETE _snapshot/{repo},
 * _verify, _cleanup, _cat/repositories and _cat/snapshots, plus the helpers
 * the other snapshot files share (dp_snapshot.h). Only "fs" repositories
 * exist; their location must lie under a path.repo root, as Elasticsearch
 * requires. Creating a repository verifies it (unless ?verify=false) on the
 * background I/O thread before control stores it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "../server/dp_ctl.h"
#include "../shard/dp_shards.h"
#include "dp_cat.h"
#include "dp_customs.h"
#include "dp_snapshot.h"

dp_snap_cfg_t dp_snap_cfg;
dp_snap_running_t dp_snap_running[DP_SNAP_MAX_RUNNING];

void
dp_snapshot_init(const osp_settings_t *s)
{
	const char *pr = osp_settings_str(s, "path.repo");

	snprintf(dp_snap_cfg.path_repo, sizeof(dp_snap_cfg.path_repo), "%s", pr ? pr : "");
	snprintf(dp_snap_cfg.path_data, sizeof(dp_snap_cfg.path_data), "%s", osp_settings_str(s, "path.data"));
	rest_snapshot_routes();
	rest_snapshot_create_routes();
	rest_snapshot_get_routes();
	rest_snapshot_restore_routes();
}

static const char *
repo_location(osp_arena_t *a, const osp_custom_t *c)
{
	osp_json_t *b = dp_customs_body(a, c);
	const osp_json_t *loc = osp_json_path(b, "settings.location");

	return osp_json_is(loc, OSP_JSON_STRING) ? loc->u.str : NULL;
}

int
dp_snap_repo_root(const char *repo, char *root, size_t cap, osp_err_t *err)
{
	const osp_custom_t *c = dp_ctl_custom(DP_REPO_CUSTOM, repo);
	osp_arena_t a;
	int rc;

	if (c == NULL)
		return osp_err_set(err, 404, "repository_missing_exception", "[%s] missing", repo);
	osp_arena_init(&a, 1024, 0);
	rc = snap_repo_resolve(repo, repo_location(&a, c), dp_snap_cfg.path_repo, root, cap, err);
	osp_arena_free(&a);
	return rc;
}

void
dp_snap_uuid(char out[32])
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[22];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		for (size_t i = 0; i < sizeof(raw); i++)
			raw[i] = (unsigned char)rand();
	for (int i = 0; i < 22; i++)
		out[i] = b64[raw[i] & 63];
	out[22] = '\0';
}

void
dp_snap_time(char *out, size_t cap, int64_t ms)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

int
dp_snap_check_name(const char *repo, const char *name, osp_err_t *err)
{
	const char *why = NULL;

	if (*name == '\0')
		why = "cannot be empty";
	else if (strpbrk(name, " ,\"*\\<|>/?#"))
		why = "must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?]";
	else if (name[0] == '_')
		why = "must not start with '_'";
	else
		for (const char *p = name; *p && !why; p++)
			if (*p >= 'A' && *p <= 'Z')
				why = "must be lowercase";
	if (why == NULL)
		return 0;
	return osp_err_set(err, 400, "invalid_snapshot_name_exception", "[%s:%s] Invalid snapshot name [%s], %s",
			   repo, name, name, why);
}

static int64_t
jint(const osp_json_t *o, const char *path)
{
	const osp_json_t *v = osp_json_path(o, path);

	return osp_json_is(v, OSP_JSON_NUMBER) ? (v->is_int ? v->i : (int64_t)v->d) : 0;
}

void
dp_snap_write_info(osp_jw_t *w, const osp_json_t *e, const char *repo, bool verbose)
{
	char t[64];
	int64_t start = jint(e, "start_time_in_millis"), end = jint(e, "end_time_in_millis");

	osp_jw_obj_begin(w);
	osp_jw_key(w, "snapshot");
	osp_jw_value(w, osp_json_get(e, "name"));
	osp_jw_key(w, "uuid");
	osp_jw_value(w, osp_json_get(e, "uuid"));
	osp_jw_kv_str(w, "repository", repo);
	if (verbose) {
		osp_jw_kv_int(w, "version_id", 8150099);
		osp_jw_kv_str(w, "version", DP_ES_VERSION);
	}
	osp_jw_key(w, "indices");
	osp_jw_value(w, osp_json_get(e, "indices"));
	if (verbose) {
		osp_jw_key(w, "data_streams");
		osp_jw_arr_begin(w);
		osp_jw_arr_end(w);
		osp_jw_key(w, "include_global_state");
		osp_jw_value(w, osp_json_get(e, "include_global_state"));
	}
	osp_jw_key(w, "state");
	osp_jw_value(w, osp_json_get(e, "state"));
	if (verbose) {
		dp_snap_time(t, sizeof(t), start);
		osp_jw_kv_str(w, "start_time", t);
		osp_jw_kv_int(w, "start_time_in_millis", start);
		if (end) {
			dp_snap_time(t, sizeof(t), end);
			osp_jw_kv_str(w, "end_time", t);
			osp_jw_kv_int(w, "end_time_in_millis", end);
			osp_jw_kv_int(w, "duration_in_millis", end - start);
		}
		osp_jw_key(w, "failures");
		osp_jw_value(w, osp_json_get(e, "failures"));
		osp_jw_key(w, "shards");
		osp_jw_value(w, osp_json_get(e, "shards"));
		osp_jw_key(w, "feature_states");
		osp_jw_arr_begin(w);
		osp_jw_arr_end(w);
	}
	osp_jw_obj_end(w);
}

int
dp_snap_submit(dp_bgio_task_t *t, osp_err_t *err)
{
	int rc = dp_bgio_submit(t);

	if (rc != 0)
		osp_err_set(err, 500, "exception", "cannot start the I/O thread: %s", strerror(-rc));
	return rc;
}

const char *
dp_snap_expr(osp_arena_t *a, const osp_json_t *v)
{
	osp_buf_t b;
	const char *s;

	if (osp_json_is(v, OSP_JSON_STRING))
		return osp_arena_strndup(a, v->u.str, v->len);
	if (!osp_json_is(v, OSP_JSON_ARRAY))
		return NULL;
	osp_buf_init(&b);
	OSP_JSON_FOREACH(e, v) {
		if (b.len)
			osp_buf_putc(&b, ',');
		if (osp_json_is(e, OSP_JSON_STRING))
			osp_buf_append(&b, e->u.str, e->len);
	}
	s = osp_arena_strndup(a, b.data ? b.data : "", b.len);
	osp_buf_free(&b);
	return s;
}

void
dp_snap_reply_accepted(dp_rest_req_t *r)
{
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_bool(&w, "accepted", true);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* ---- repositories ---- */

typedef struct repo_task {
	dp_bgio_task_t task;
	dp_rest_req_t *r;
	char repo[256];
	char root[4096];
	osp_json_t *body;            /* what PUT stores */
	osp_err_t err;
	int rc;
	uint64_t blobs, bytes;
	int kind;                    /* 0 put, 1 verify, 2 cleanup */
} repo_task_t;

static void
repo_task_run(dp_bgio_task_t *t)
{
	repo_task_t *rt = (repo_task_t *)t;
	osp_arena_t a;
	osp_json_t *index;
	uint64_t gen;

	rt->rc = snap_repo_verify(rt->root, rt->repo, &rt->err);
	if (rt->rc != 0 || rt->kind != 2)
		return;
	osp_arena_init(&a, 4096, 0);
	rt->rc = snap_repo_read_index(rt->root, &a, &index, &gen, &rt->err);
	if (rt->rc == 0)
		rt->rc = snap_repo_gc(rt->root, index, &a, &rt->blobs, &rt->bytes, &rt->err);
	osp_arena_free(&a);
}

static void
repo_task_done(dp_bgio_task_t *t)
{
	repo_task_t *rt = (repo_task_t *)t;
	dp_rest_req_t *r = rt->r;
	osp_buf_t out;
	osp_jw_t w;

	if (rt->rc != 0) {
		if (rt->err.status == 0)
			osp_err_set(&rt->err, 500, "repository_exception", "[%s] %s", rt->repo, strerror(-rt->rc));
		dp_rest_reply_err(r, &rt->err);
		return;
	}
	if (rt->kind == 0) {
		dp_customs_put(r, DP_REPO_CUSTOM, rt->repo, rt->body, false);
		return;
	}
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	if (rt->kind == 1) {
		osp_jw_key(&w, "nodes");
		osp_jw_obj_begin(&w);
		osp_jw_key(&w, dp_shards_node_id());
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "name", dp_node_info.name);
		osp_jw_obj_end(&w);
		osp_jw_obj_end(&w);
	} else {
		osp_jw_key(&w, "results");
		osp_jw_obj_begin(&w);
		osp_jw_kv_int(&w, "deleted_bytes", (int64_t)rt->bytes);
		osp_jw_kv_int(&w, "deleted_blobs", (int64_t)rt->blobs);
		osp_jw_obj_end(&w);
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

static repo_task_t *
repo_task_new(dp_rest_req_t *r, const char *repo, int kind)
{
	repo_task_t *rt = osp_arena_calloc(r->http->arena, sizeof(*rt));

	if (rt == NULL) {
		osp_err_t err;

		osp_err_set(&err, 500, "out_of_memory_error", "no memory for the request");
		dp_rest_reply_err(r, &err);
		return NULL;
	}
	rt->r = r;
	rt->kind = kind;
	snprintf(rt->repo, sizeof(rt->repo), "%s", repo);
	rt->task.run = repo_task_run;
	rt->task.done = repo_task_done;
	return rt;
}

static void
repo_task_submit(repo_task_t *rt)
{
	if (dp_snap_submit(&rt->task, &rt->err) != 0)
		dp_rest_reply_err(rt->r, &rt->err);
}

/* PUT|POST /_snapshot/{repository} */
static void
rest_repo_put(dp_rest_req_t *r)
{
	const char *repo = dp_rest_param(r, "repository");
	const osp_json_t *type, *loc;
	bool ok = true, verify = dp_rest_qs_bool(r, "verify", true, &ok);
	osp_json_t *body;
	repo_task_t *rt;
	osp_err_t err;

	if (!ok || !dp_rest_body_json(r, &body))
		return;
	osp_err_clear(&err);
	type = osp_json_get(body, "type");
	if (!osp_json_is(type, OSP_JSON_STRING)) {
		osp_err_set(&err, 400, "action_request_validation_exception", "Validation Failed: 1: type is missing;");
		goto fail;
	}
	if (strcmp(type->u.str, "fs") != 0) {
		osp_err_set(&err, 500, "repository_exception", "[%s] repository type [%s] does not exist", repo,
			    type->u.str);
		goto fail;
	}
	if ((rt = repo_task_new(r, repo, 0)) == NULL)
		return;
	loc = osp_json_path(body, "settings.location");
	if (snap_repo_resolve(repo, osp_json_is(loc, OSP_JSON_STRING) ? loc->u.str : NULL,
			      dp_snap_cfg.path_repo, rt->root, sizeof(rt->root), &err) != 0)
		goto fail;
	rt->body = body;
	if (!verify) {
		dp_customs_put(r, DP_REPO_CUSTOM, repo, body, false);
		return;
	}
	repo_task_submit(rt);
	return;
fail:
	dp_rest_reply_err(r, &err);
}

/* GET /_snapshot[/{repository}] */
static void
rest_repo_get(dp_rest_req_t *r)
{
	const char *expr = dp_rest_param(r, "repository"), *missing;
	const osp_custom_t **list;
	uint32_t n;
	osp_err_t err;

	if (expr && strcmp(expr, "_all") == 0)
		expr = NULL;
	if (dp_customs_select(r->http->arena, DP_REPO_CUSTOM, expr, &list, &n, &missing) != 0)
		return;
	if (missing) {
		osp_err_set(&err, 404, "repository_missing_exception", "[%s] missing", missing);
		dp_rest_reply_err(r, &err);
		return;
	}
	dp_customs_reply_map(r, list, n, 200);
}

/* DELETE /_snapshot/{repository} */
static void
rest_repo_delete(dp_rest_req_t *r)
{
	const char *expr = dp_rest_param(r, "repository"), *missing;
	const osp_custom_t **list;
	uint32_t n;
	osp_err_t err;

	if (dp_customs_select(r->http->arena, DP_REPO_CUSTOM, expr, &list, &n, &missing) != 0)
		return;
	if (missing || n == 0) {
		osp_err_set(&err, 404, "repository_missing_exception", "[%s] missing", missing ? missing : expr);
		dp_rest_reply_err(r, &err);
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		for (int k = 0; k < DP_SNAP_MAX_RUNNING; k++)
			if (dp_snap_running[k].used && strcmp(dp_snap_running[k].repo, list[i]->name) == 0) {
				osp_err_set(&err, 400, "illegal_state_exception",
					    "trying to modify or unregister repository [%s] that is currently used",
					    list[i]->name);
				dp_rest_reply_err(r, &err);
				return;
			}
	dp_customs_delete(r, DP_REPO_CUSTOM, list, n);
}

/* POST /_snapshot/{repository}/_verify and /_cleanup */
static void
repo_check(dp_rest_req_t *r, int kind)
{
	const char *repo = dp_rest_param(r, "repository");
	repo_task_t *rt = repo_task_new(r, repo, kind);

	if (rt == NULL)
		return;
	if (dp_snap_repo_root(repo, rt->root, sizeof(rt->root), &rt->err) != 0) {
		dp_rest_reply_err(r, &rt->err);
		return;
	}
	repo_task_submit(rt);
}

static void
rest_repo_verify(dp_rest_req_t *r)
{
	repo_check(r, 1);
}

static void
rest_repo_cleanup(dp_rest_req_t *r)
{
	repo_check(r, 2);
}

/* GET /_cat/repositories */
static void
rest_cat_repositories(dp_rest_req_t *r)
{
	static const dp_cat_col_t cols[] = {
		{ "id", "id,repoId", "unique repository id", false, false },
		{ "type", "t,type", "repository type", false, false },
	};
	const osp_custom_t *first;
	uint32_t n;
	dp_cat_t t;

	dp_cat_init(&t, r, cols, 2);
	dp_ctl_customs(DP_REPO_CUSTOM, &first, &n);
	for (uint32_t i = 0; i < n; i++) {
		const char **row = dp_cat_row(&t);

		if (row == NULL)
			break;
		row[0] = dp_cat_str(&t, first[i].name);
		row[1] = dp_cat_str(&t, "fs");
	}
	dp_cat_reply(&t);
}

void
rest_snapshot_routes(void)
{
	dp_rest_route(DP_HTTP_PUT, "/_snapshot/{repository}", rest_repo_put, 0);
	dp_rest_route(DP_HTTP_POST, "/_snapshot/{repository}", rest_repo_put, 0);
	dp_rest_route(DP_HTTP_GET, "/_snapshot", rest_repo_get, 0);
	dp_rest_route(DP_HTTP_GET, "/_snapshot/{repository}", rest_repo_get, 0);
	dp_rest_route(DP_HTTP_DELETE, "/_snapshot/{repository}", rest_repo_delete, 0);
	dp_rest_route(DP_HTTP_POST, "/_snapshot/{repository}/_verify", rest_repo_verify, 0);
	dp_rest_route(DP_HTTP_POST, "/_snapshot/{repository}/_cleanup", rest_repo_cleanup, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/repositories", rest_cat_repositories, 0);
}
