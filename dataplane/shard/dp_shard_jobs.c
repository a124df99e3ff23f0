/*
 * dp_shard_jobs.c - the worker side of shard jobs (dp_shard_jobs.h).
 *
 * Every function here runs on the worker that owns job->ref and completes
 * the job exactly once: at once, or (durable writes) through dp_worker_park.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/dp_worker.h"
#include "dp_shard_jobs.h"

/* Remove a directory tree (shard files of a deleted index). */
static int
jobs_rmtree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char child[PATH_MAX];
	int rc = 0;

	if (d == NULL)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, e->d_name) >= sizeof(child)) {
			rc = -ENAMETOOLONG;
			continue;
		}
		struct stat st;

		if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
			rc = jobs_rmtree(child) ? -EIO : rc;
		else if (unlink(child) != 0)
			rc = -errno;
	}
	closedir(d);
	if (rmdir(path) != 0 && errno != ENOENT)
		rc = -errno;
	return rc;
}

void
dp_job_open_run(dp_job_t *job, unsigned w)
{
	dp_job_open_t *j = (dp_job_open_t *)job;
	st_shard_t *sh = NULL;

	osp_err_clear(&j->err);
	j->cfg.io = dp_worker_io(w);
	if (j->cfg.io == NULL) {
		job->rc = osp_err_set(&j->err, 500, "io_exception", "worker %u has no storage io", w);
		goto done;
	}
	job->rc = st_shard_open(&j->cfg, &sh, &j->err);
	if (job->rc == 0) {
		job->rc = dp_worker_shard_add(w, sh);
		if (job->rc != 0) {
			st_shard_close(sh, false);
			sh = NULL;
		}
	}
	j->ref->sh = sh;
done:
	dp_core_complete(job);
}

void
dp_job_close_run(dp_job_t *job, unsigned w)
{
	dp_job_close_t *j = (dp_job_close_t *)job;
	st_shard_t *sh = j->ref->sh;

	if (sh) {
		dp_worker_shard_forget(w, sh);
		job->rc = st_shard_close(sh, !j->remove);
		j->ref->sh = NULL;
	}
	if (j->remove)
		jobs_rmtree(j->path);
	dp_core_complete(job);
}

void
dp_job_mapping_run(dp_job_t *job, unsigned w)
{
	dp_job_mapping_t *j = (dp_job_mapping_t *)job;

	(void)w;
	osp_err_clear(&j->err);
	if (j->ref->sh)
		job->rc = st_shard_set_mapping(j->ref->sh, j->mapping, j->len, &j->err);
	dp_core_complete(job);
}

void
dp_job_write_run(dp_job_t *job, unsigned w)
{
	dp_job_write_t *j = (dp_job_write_t *)job;
	st_shard_t *sh = j->ref->sh;

	osp_err_clear(&j->err);
	if (sh == NULL) {
		job->rc = osp_err_set(&j->err, 503, "no_shard_available_action_exception",
				      "No shard available for [%u]", j->ref->shard);
		dp_core_complete(job);
		return;
	}
	job->rc = st_shard_write(sh, &j->req, &j->arena, &j->res, &j->err);
	if (job->rc != 0) {
		dp_core_complete(job);
		return;
	}
	/* ?refresh: the reply waits for the sliced refresh to publish */
	int64_t visible = j->refresh ? st_shard_refresh_request(sh) : -1;

	if ((j->res.flags & ST_WRITE_DURABLE) && visible < 0) {
		dp_core_complete(job);
		return;
	}
	dp_worker_park_visible(w, job, sh, (j->res.flags & ST_WRITE_DURABLE) ? -1 : j->res.seq_no,
			       visible);
}

void
dp_job_bulk_run(dp_job_t *job, unsigned w)
{
	dp_job_bulk_t *j = (dp_job_bulk_t *)job;
	st_shard_t *sh = j->ref->sh;
	int64_t max_seq = -1;

	job->rc = 0;
	for (; j->next < j->n; j->next++) {
		dp_bulk_item_t *it = j->items[j->next];

		osp_err_clear(&it->err);
		if (sh == NULL) {
			it->rc = osp_err_set(&it->err, 503, "no_shard_available_action_exception",
					     "No shard available for [%u]", j->ref->shard);
			it->done = true;
			continue;
		}
		it->rc = st_shard_write(sh, &it->req, &j->arena, &it->res, &it->err);
		if (it->rc == ST_MAPPING_UPDATE) {
			job->rc = ST_MAPPING_UPDATE;  /* next stays on this item */
			dp_core_complete(job);
			return;
		}
		it->done = true;
		if (it->rc == 0 && !(it->res.flags & ST_WRITE_DURABLE) && it->res.seq_no > max_seq)
			max_seq = it->res.seq_no;
	}
	int64_t visible = sh && j->refresh ? st_shard_refresh_request(sh) : -1;

	if (sh == NULL || (max_seq < 0 && visible < 0)) {
		dp_core_complete(job);
		return;
	}
	dp_worker_park_visible(w, job, sh, max_seq, visible);
}

void
dp_job_get_run(dp_job_t *job, unsigned w)
{
	dp_job_get_t *j = (dp_job_get_t *)job;
	st_shard_t *sh = j->ref->sh;

	(void)w;
	if (sh == NULL) {
		job->rc = -ENODEV;
	} else {
		if (j->refresh)
			st_shard_refresh(sh);
		job->rc = st_shard_get(sh, j->id, j->id_len, j->realtime, &j->arena, &j->res);
	}
	dp_core_complete(job);
}

void
dp_job_admin_run(dp_job_t *job, unsigned w)
{
	dp_job_admin_t *j = (dp_job_admin_t *)job;
	st_shard_t *sh = j->ref->sh;

	if (sh == NULL) {
		job->rc = -ENODEV;
		dp_core_complete(job);
		return;
	}
	switch (j->op) {
	case DP_ADMIN_REFRESH:
		/* completes once the sliced refresh published */
		job->rc = 0;
		dp_worker_park_visible(w, job, sh, -1, st_shard_refresh_request(sh));
		return;
	case DP_ADMIN_FLUSH:
		job->rc = st_shard_flush(sh);
		break;
	case DP_ADMIN_FORCEMERGE:
		job->rc = st_shard_force_merge(sh, j->max_num_segments, j->only_expunge_deletes);
		break;
	case DP_ADMIN_STATS:
		st_shard_get_stats(sh, &j->stats);
		job->rc = 0;
		break;
	case DP_ADMIN_SEGMENTS:
		st_shard_get_stats(sh, &j->stats);
		j->n_segs = st_shard_segments(sh, j->segs, j->max_segs);
		job->rc = 0;
		break;
	}
	dp_core_complete(job);
}

void
dp_job_query_run(dp_job_t *job, unsigned w)
{
	dp_job_query_t *j = (dp_job_query_t *)job;
	st_shard_t *sh = j->ref->sh;

	(void)w;
	osp_err_clear(&j->err);
	if (sh == NULL) {
		job->rc = osp_err_set(&j->err, 503, "no_shard_available_action_exception",
				      "No shard available for [%u]", j->ref->shard);
	} else if (j->count_query) {
		job->rc = st_shard_count_query(sh, j->count_query, j->req ? j->req->now_ms : 0,
					       &j->arena, &j->count, &j->err);
	} else {
		job->rc = st_shard_search_view(sh, j->view, j->req, &j->arena, &j->res, &j->ctx, &j->err);
		if (job->rc == 0) {
			st_shard_note_search(sh, false);
			if (j->pin) {
				j->ctx->refs++;
				j->pinned = j->ctx;
			}
		}
	}
	dp_core_complete(job);
}

void
dp_job_fetch_run(dp_job_t *job, unsigned w)
{
	dp_job_fetch_t *j = (dp_job_fetch_t *)job;
	st_shard_t *sh = j->ref->sh;

	(void)w;
	job->rc = 0;
	for (uint32_t i = 0; i < j->n && sh; i++) {
		int rc = st_shard_fetch(sh, j->ctx, j->hits[i], &j->arena, &j->docs[i]);

		if (rc != 0)
			j->docs[i].found = false;
	}
	if (sh && j->n)
		st_shard_note_search(sh, true);
	if (j->ctx)
		st_shard_release_readers(j->ctx);
	j->ctx = NULL;
	dp_core_complete(job);
}

void
dp_job_view_run(dp_job_t *job, unsigned w)
{
	dp_job_view_t *j = (dp_job_view_t *)job;

	(void)w;
	job->rc = 0;
	if (j->ref == NULL) {
		st_shard_release_readers(j->view);
		j->view = NULL;
	} else if (j->ref->sh) {
		j->view = st_shard_acquire_readers(j->ref->sh);
	} else {
		job->rc = -ENODEV;
	}
	dp_core_complete(job);
}

void
dp_job_terms_run(dp_job_t *job, unsigned w)
{
	dp_job_terms_t *j = (dp_job_terms_t *)job;

	(void)w;
	job->rc = j->ref->sh ? st_shard_terms_enum(j->ref->sh, j->field, j->prefix, j->prefix_len,
						   j->case_insensitive, j->after, j->size, &j->arena,
						   &j->terms, &j->n)
			     : -ENODEV;
	dp_core_complete(job);
}

void
dp_job_tv_run(dp_job_t *job, unsigned w)
{
	dp_job_tv_t *j = (dp_job_tv_t *)job;

	(void)w;
	osp_err_clear(&j->err);
	if (j->ref->sh == NULL)
		job->rc = osp_err_set(&j->err, 503, "no_shard_available_action_exception",
				      "No shard available for [%u]", j->ref->shard);
	else
		job->rc = st_shard_termvectors(j->ref->sh, j->id, j->id_len, j->doc, j->doc_len, j->fields,
					       j->n_fields, &j->arena, &j->res, &j->err);
	dp_core_complete(job);
}
