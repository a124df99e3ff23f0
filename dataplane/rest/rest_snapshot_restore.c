/*
 * rest_snapshot_restore.c - POST _snapshot/{repo}/{snapshot}/_restore.
 *
 * Restoring never trusts the repository blindly and never writes into an
 * open index:
 *   1. I/O thread: read the snapshot's metadata and read back every blob of
 *      the indices to restore, checking size and checksums; one bad blob
 *      fails the restore before anything in the cluster changes;
 *   2. network core, per index in turn: delete a closed index of the target
 *      name (an open one is an error, as in Elasticsearch), create the
 *      index through control with the snapshot's settings and mappings,
 *      close it, and wait until its shards are closed on their workers (a
 *      no-op job on every worker behind the close jobs);
 *   3. I/O thread: replace each shard directory's files with the blobs and
 *      a commit point rebound to the new index uuid (osprey/snapshot.h);
 *   4. network core: open the index, whose shards now start from the
 *      restored commit point; answer after the last index.
 * rename_pattern / rename_replacement are Java-style regex replacements
 * (POSIX extended regexes here, as the ingest gsub processor).
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "osprey/chan.h"
#include "osprey/snapshot.h"
#include "../ingest/dp_ingest.h"
#include "../core/dp_core.h"
#include "../server/dp_ctl.h"
#include "../shard/dp_shards.h"
#include "dp_customs.h"
#include "dp_snapshot.h"

typedef struct rs_index {
	const char *from;            /* name in the snapshot */
	const char *to;              /* target name */
	const osp_json_t *meta;      /* snapshot's entry for it */
	char uuid[OSP_UUID_LEN + 1]; /* the created index */
} rs_index_t;

typedef struct snap_restore snap_restore_t;

struct snap_restore {
	dp_bgio_task_t task;
	dp_rest_req_t *r;            /* NULL once answered */
	osp_arena_t arena;
	char repo[256], name[256], root[4096];
	const char *indices;         /* expression, NULL = all */
	const char *rename_pattern, *rename_replacement;
	bool ignore_unavailable;
	bool include_aliases;        /* restore the indices' aliases (default) */
	osp_json_t *meta;
	rs_index_t *ix;
	uint32_t n_ix, cur;
	int phase;                   /* 1 verify, 3 install */
	int waits;                   /* barrier jobs out */
	void (*then)(struct snap_restore *s);  /* after the control reply */
	int rc;
	osp_err_t err;
	uint32_t shards;
};

static void rs_next(snap_restore_t *s);

static void
rs_finish(snap_restore_t *s, const osp_err_t *err)
{
	if (s->r) {
		if (err) {
			dp_rest_reply_err(s->r, err);
		} else {
			osp_buf_t out;
			osp_jw_t w;

			dp_rest_jw(s->r, &w, &out);
			osp_jw_obj_begin(&w);
			osp_jw_key(&w, "snapshot");
			osp_jw_obj_begin(&w);
			osp_jw_kv_str(&w, "snapshot", s->name);
			osp_jw_key(&w, "indices");
			osp_jw_arr_begin(&w);
			for (uint32_t i = 0; i < s->n_ix; i++)
				osp_jw_str(&w, s->ix[i].to);
			osp_jw_arr_end(&w);
			osp_jw_key(&w, "shards");
			osp_jw_obj_begin(&w);
			osp_jw_kv_int(&w, "total", s->shards);
			osp_jw_kv_int(&w, "failed", 0);
			osp_jw_kv_int(&w, "successful", s->shards);
			osp_jw_obj_end(&w);
			osp_jw_obj_end(&w);
			osp_jw_obj_end(&w);
			dp_rest_reply(s->r, 200, &out);
		}
	}
	osp_arena_free(&s->arena);
	free(s);
}

static bool
rs_selected(snap_restore_t *s, const char *name)
{
	char *copy, *save = NULL;

	if (s->indices == NULL || strcmp(s->indices, "_all") == 0 || strcmp(s->indices, "*") == 0)
		return true;
	copy = osp_arena_strndup(&s->arena, s->indices, strlen(s->indices));
	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
		if (dp_customs_glob(t, name))
			return true;
	return false;
}

/* I/O thread, phase 1: find the snapshot, read its metadata, verify blobs. */
static int
rs_verify(snap_restore_t *s)
{
	osp_json_t *index;
	const char *uuid = NULL;
	uint64_t gen;
	int rc;

	if ((rc = snap_repo_read_index(s->root, &s->arena, &index, &gen, &s->err)) != 0)
		return rc;
	OSP_JSON_FOREACH(e, osp_json_get(index, "snapshots")) {
		const osp_json_t *n = osp_json_get(e, "name");

		if (osp_json_is(n, OSP_JSON_STRING) && strcmp(n->u.str, s->name) == 0)
			uuid = osp_json_get(e, "uuid")->u.str;
	}
	if (uuid == NULL)
		return osp_err_set(&s->err, 404, "snapshot_restore_exception", "[%s:%s] snapshot does not exist",
				   s->repo, s->name);
	if ((rc = snap_repo_read_meta(s->root, uuid, &s->arena, &s->meta, &s->err)) != 0)
		return rc;
	OSP_JSON_FOREACH(ix, osp_json_get(s->meta, "indices")) {
		char *name = osp_arena_strndup(&s->arena, ix->key, ix->key_len);

		if (name == NULL || !rs_selected(s, name))
			continue;
		OSP_JSON_FOREACH(sh, osp_json_get(ix, "shards")) {
			if (sh->type == OSP_JSON_NULL)
				return osp_err_set(&s->err, 500, "snapshot_restore_exception",
						   "[%s:%s] index [%s] has a shard that failed to snapshot",
						   s->repo, s->name, name);
			OSP_JSON_FOREACH(f, osp_json_get(sh, "files")) {
				osp_buf_t b;

				osp_buf_init(&b);
				rc = snap_repo_read_blob(s->root, osp_json_get(f, "blob")->u.str, &b, &s->err);
				osp_buf_free(&b);
				if (rc != 0)
					return rc;
			}
		}
	}
	return 0;
}

/* Remove every file of a shard directory (not the directory). */
static void
clear_dir(const char *dir)
{
	char tmp[4200];

	snprintf(tmp, sizeof(tmp), "%s", dir);
	snap_repo_rmtree(tmp);
}

/* I/O thread, phase 3: lay the current index's shards down. */
static int
rs_install(snap_restore_t *s)
{
	rs_index_t *x = &s->ix[s->cur];
	uint32_t n = 0;
	int rc;

	OSP_JSON_FOREACH(sh, osp_json_get(x->meta, "shards")) {
		char dir[4200], dst[8500];
		const osp_json_t *commit = osp_json_get(sh, "commit");

		snprintf(dir, sizeof(dir), "%s/indices/%s/%u", dp_snap_cfg.path_data, x->uuid, n++);
		clear_dir(dir);
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return osp_err_set(&s->err, 500, "snapshot_restore_exception", "cannot create [%s]: %s", dir,
					   strerror(errno));
		OSP_JSON_FOREACH(f, osp_json_get(sh, "files")) {
			const char *fname = osp_json_get(f, "name")->u.str, *blob = osp_json_get(f, "blob")->u.str;

			snprintf(dst, sizeof(dst), "%s/%s", dir, fname);
			if (osp_json_is(commit, OSP_JSON_STRING) && strcmp(fname, commit->u.str) == 0) {
				osp_buf_t raw, out;
				FILE *fp;

				osp_buf_init(&raw);
				osp_buf_init(&out);
				rc = snap_repo_read_blob(s->root, blob, &raw, &s->err);
				if (rc == 0 && st_snapshot_commit_rebind(raw.data, raw.len, x->uuid, &out) != 0)
					rc = osp_err_set(&s->err, 500, "snapshot_restore_exception",
							 "commit point [%s] in the repository is corrupt", blob);
				if (rc == 0 && ((fp = fopen(dst, "wb")) == NULL ||
						fwrite(out.data, 1, out.len, fp) != out.len || fflush(fp) != 0 ||
						fsync(fileno(fp)) != 0 || fclose(fp) != 0))
					rc = osp_err_set(&s->err, 500, "snapshot_restore_exception",
							 "cannot write [%s]", dst);
				osp_buf_free(&raw);
				osp_buf_free(&out);
			} else {
				rc = snap_repo_get_blob(s->root, blob, dst, &s->err);
			}
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

static void
rs_run(dp_bgio_task_t *t)
{
	snap_restore_t *s = (snap_restore_t *)t;

	if (s->phase == 1)
		s->rc = rs_verify(s);
	else
		s->rc = rs_install(s);
}

static void rs_done(dp_bgio_task_t *t);

static void
rs_submit(snap_restore_t *s, int phase)
{
	s->phase = phase;
	s->task.run = rs_run;
	s->task.done = rs_done;
	if (dp_snap_submit(&s->task, &s->err) != 0)
		rs_finish(s, &s->err);
}

/* Every control request of a restore answers here: an error ends the
 * restore, success runs the step saved in s->then. */
static void
rs_ctl_done(void *user, const osp_err_t *err, const char *payload, size_t len)
{
	snap_restore_t *s = user;

	(void)payload;
	(void)len;
	if (err) {
		rs_finish(s, err);
		return;
	}
	s->then(s);
}

/* Control request {"index": name}, then step then. */
static void
rs_ctl(snap_restore_t *s, uint16_t type, const char *index, void (*then)(snap_restore_t *s))
{
	osp_buf_t b;
	osp_jw_t w;

	osp_buf_init(&b);
	osp_jw_init(&w, &b, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "index", index);
	osp_jw_obj_end(&w);
	s->then = then;
	dp_ctl_request(type, b.data, b.len, rs_ctl_done, s);
	osp_buf_free(&b);
}

static void
rs_opened(snap_restore_t *s)
{
	s->cur++;
	rs_next(s);
}

/* A no-op job on every worker: workers run jobs in submission order, so
 * when all have come back, the close jobs submitted before them are done
 * and the shard directories are no longer in use. */
typedef struct rs_barrier {
	dp_job_t job;
	snap_restore_t *s;
} rs_barrier_t;

static void
rs_barrier_run(dp_job_t *job, unsigned w)
{
	(void)w;
	dp_core_complete(job);
}

static void
rs_barrier_done(dp_job_t *job)
{
	snap_restore_t *s = ((rs_barrier_t *)job)->s;

	if (--s->waits == 0)
		rs_submit(s, 3);
}

static void
rs_closed(snap_restore_t *s)
{
	unsigned n = dp_core.n_workers ? dp_core.n_workers : 1;
	rs_barrier_t *b = osp_arena_calloc(&s->arena, n * sizeof(*b));

	if (b == NULL) {
		osp_err_set(&s->err, 500, "out_of_memory_error", "no memory for the restore");
		rs_finish(s, &s->err);
		return;
	}
	s->waits = (int)n;
	for (unsigned i = 0; i < n; i++) {
		b[i].s = s;
		b[i].job.fn = rs_barrier_run;
		b[i].job.done = rs_barrier_done;
		b[i].job.worker = i;
		dp_core_submit(&b[i].job);
	}
}

static void
rs_created(snap_restore_t *s)
{
	dp_index_t *idx;

	idx = dp_shards_index(s->ix[s->cur].to);
	if (idx == NULL) {
		osp_err_set(&s->err, 500, "snapshot_restore_exception", "index [%s] vanished during restore",
			    s->ix[s->cur].to);
		rs_finish(s, &s->err);
		return;
	}
	snprintf(s->ix[s->cur].uuid, sizeof(s->ix[s->cur].uuid), "%s", idx->uuid);
	rs_ctl(s, OSP_CHAN_CLOSE_INDEX, s->ix[s->cur].to, rs_closed);
}

/* Settings Elasticsearch does not copy into a restored index. */
static bool
private_setting(const char *k, size_t n)
{
	static const char *const drop[] = {
		"index.uuid", "index.creation_date", "index.provided_name", "index.version.created",
		"index.version.upgraded", "index.resize.", "index.routing.allocation.initial_recovery.",
		"index.history.uuid", NULL,
	};

	for (int i = 0; drop[i]; i++) {
		size_t d = strlen(drop[i]);

		if (n >= d && memcmp(k, drop[i], d) == 0 && (drop[i][d - 1] == '.' || n == d))
			return true;
	}
	return false;
}

static void
rs_create(snap_restore_t *s)
{
	rs_index_t *x = &s->ix[s->cur];
	osp_buf_t b;
	osp_jw_t w;

	osp_buf_init(&b);
	osp_jw_init(&w, &b, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "index", x->to);
	osp_jw_key(&w, "body");
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "settings");
	osp_jw_obj_begin(&w);
	OSP_JSON_FOREACH(m, osp_json_get(x->meta, "settings")) {
		if (private_setting(m->key, m->key_len))
			continue;
		osp_jw_keyn(&w, m->key, m->key_len);
		osp_jw_value(&w, m);
	}
	osp_jw_obj_end(&w);
	osp_jw_key(&w, "mappings");
	osp_jw_value(&w, osp_json_get(x->meta, "mappings"));
	if (s->include_aliases && osp_json_is(osp_json_get(x->meta, "aliases"), OSP_JSON_OBJECT)) {
		osp_jw_key(&w, "aliases");
		osp_jw_value(&w, osp_json_get(x->meta, "aliases"));
	}
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	s->then = rs_created;
	dp_ctl_request(OSP_CHAN_CREATE_INDEX, b.data, b.len, rs_ctl_done, s);
	osp_buf_free(&b);
}

/* Elasticsearch's refusal to restore over an open index. */
static int
rs_open_exists(snap_restore_t *s, const char *index)
{
	return osp_err_set(&s->err, 500, "snapshot_restore_exception",
			   "[%s:%s] cannot restore index [%s] because an open index with same name already exists in the cluster. "
			   "Either close or delete the existing index or restore the index under a different name by providing a rename pattern and replacement name",
			   s->repo, s->name, index);
}

/* Step 2 for index s->cur, or the answer after the last one. */
static void
rs_next(snap_restore_t *s)
{
	rs_index_t *x;
	dp_index_t *cur;

	if (s->cur == s->n_ix) {
		rs_finish(s, NULL);
		return;
	}
	x = &s->ix[s->cur];
	cur = dp_shards_index(x->to);
	if (cur == NULL) {
		rs_create(s);
		return;
	}
	if (!cur->closed) {
		rs_open_exists(s, x->to);
		rs_finish(s, &s->err);
		return;
	}
	rs_ctl(s, OSP_CHAN_DELETE_INDEX, x->to, rs_create);
}

/* After phase 1: pick indices and names, refuse open targets up front. */
static int
rs_plan(snap_restore_t *s)
{
	const osp_json_t *all = osp_json_get(s->meta, "indices");
	regex_t re;
	bool have_re = false;
	int rc = 0;

	s->ix = osp_arena_calloc(&s->arena, ((all ? all->len : 0) + 1) * sizeof(*s->ix));
	if (s->ix == NULL)
		return -ENOMEM;
	if (s->rename_pattern) {
		if (regcomp(&re, s->rename_pattern, REG_EXTENDED) != 0)
			return osp_err_set(&s->err, 400, "illegal_argument_exception", "invalid rename_pattern [%s]",
					   s->rename_pattern);
		have_re = true;
	}
	OSP_JSON_FOREACH(ix, all) {
		char *name = osp_arena_strndup(&s->arena, ix->key, ix->key_len);
		rs_index_t *x = &s->ix[s->n_ix];

		if (name == NULL || !rs_selected(s, name))
			continue;
		x->from = name;
		x->to = name;
		x->meta = ix;
		if (have_re) {
			osp_buf_t b;

			osp_buf_init(&b);
			dp_ingest_regex_replace(&re, name, strlen(name),
						s->rename_replacement ? s->rename_replacement : "", &b);
			x->to = osp_arena_strndup(&s->arena, b.data ? b.data : "", b.len);
			osp_buf_free(&b);
		}
		s->shards += (uint32_t)osp_json_get(ix, "shards")->len;
		s->n_ix++;
		dp_index_t *cur = dp_shards_index(x->to);

		if (cur && !cur->closed) {
			rc = rs_open_exists(s, x->to);
			break;
		}
	}
	if (have_re)
		regfree(&re);
	if (rc == 0 && s->n_ix == 0 && s->indices && !s->ignore_unavailable && !strchr(s->indices, '*'))
		rc = osp_err_set(&s->err, 404, "index_not_found_exception", "no such index [%s]", s->indices);
	return rc;
}

static void
rs_done(dp_bgio_task_t *t)
{
	snap_restore_t *s = (snap_restore_t *)t;

	if (s->rc != 0) {
		if (s->err.status == 0)
			osp_err_set(&s->err, 500, "snapshot_restore_exception", "[%s:%s] %s", s->repo, s->name,
				    strerror(-s->rc));
		rs_finish(s, &s->err);
		return;
	}
	if (s->phase == 1) {
		if ((s->rc = rs_plan(s)) != 0) {
			rs_done(t);
			return;
		}
		if (s->r && !dp_rest_qs_bool(s->r, "wait_for_completion", false, &(bool){ true })) {
			dp_snap_reply_accepted(s->r);
			s->r = NULL;
		}
		rs_next(s);
		return;
	}
	/* phase 3 done: open the index */
	rs_ctl(s, OSP_CHAN_OPEN_INDEX, s->ix[s->cur].to, rs_opened);
}

/* POST /_snapshot/{repository}/{snapshot}/_restore */
static void
rest_snapshot_restore(dp_rest_req_t *r)
{
	snap_restore_t *s;
	osp_json_t *body;
	const osp_json_t *v;
	osp_err_t err;
	bool ok = true;

	dp_rest_qs_bool(r, "wait_for_completion", false, &ok);
	if (!ok || !dp_rest_body_json(r, &body))
		return;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		osp_err_set(&err, 500, "out_of_memory_error", "no memory for the request");
		dp_rest_reply_err(r, &err);
		return;
	}
	osp_arena_init(&s->arena, 16384, 0);
	s->r = r;
	snprintf(s->repo, sizeof(s->repo), "%s", dp_rest_param(r, "repository"));
	snprintf(s->name, sizeof(s->name), "%s", dp_rest_param(r, "snapshot"));
	if (dp_snap_repo_root(s->repo, s->root, sizeof(s->root), &err) != 0) {
		rs_finish(s, &err);
		return;
	}
	s->indices = dp_snap_expr(&s->arena, osp_json_get(body, "indices"));
	v = osp_json_get(body, "rename_pattern");
	if (osp_json_is(v, OSP_JSON_STRING))
		s->rename_pattern = osp_arena_strndup(&s->arena, v->u.str, v->len);
	v = osp_json_get(body, "rename_replacement");
	if (osp_json_is(v, OSP_JSON_STRING))
		s->rename_replacement = osp_arena_strndup(&s->arena, v->u.str, v->len);
	v = osp_json_get(body, "ignore_unavailable");
	s->ignore_unavailable = osp_json_is(v, OSP_JSON_BOOL) && v->boolean;
	v = osp_json_get(body, "include_aliases");
	s->include_aliases = !osp_json_is(v, OSP_JSON_BOOL) || v->boolean;
	rs_submit(s, 1);
}

void
rest_snapshot_restore_routes(void)
{
	dp_rest_route(DP_HTTP_POST, "/_snapshot/{repository}/{snapshot}/_restore", rest_snapshot_restore, 0);
}
