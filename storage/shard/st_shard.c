/*
 * st_shard.c - a shard's life: open (load and verify the commit point and
 * its segments, delete orphan files, replay the WAL), the per-iteration tick
 * (group commit, refresh/sync/flush timers, tombstone expiry, merge slices),
 * mapping changes, stats and close.
 *
 * Opening never serves wrong data: a commit point that fails its checksum,
 * a listed file that is missing or has the wrong size, or a segment whose
 * components fail validation makes the open fail with
 * corrupt_index_exception. A shard that lost its WAL (write or fsync error)
 * is failed: it refuses writes until it is reopened, and reopening replays
 * exactly what reached the disk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "st_shard_int.h"

void
st_shard_settings_default(st_shard_settings_t *s)
{
	memset(s, 0, sizeof(*s));
	s->refresh_interval_ms = 1000;
	s->durability = ST_DURABILITY_REQUEST;
	s->sync_interval_ms = 5000;
	s->flush_threshold_bytes = 512ull << 20;
	s->gc_deletes_ms = 60000;
	s->segments_per_tier = 10;
	s->max_merge_at_once = 10;
	s->max_merged_segment_bytes = 5ull << 30;
	s->floor_segment_bytes = 2ull << 20;
	s->merge_slice_docs = 4096;
	s->refresh_slice_us = 1000;
	s->postings_cache_bytes = 256ull << 20;
	s->merge_enabled = true;
}

int
st_shard_fail(st_shard_t *sh, int rc)
{
	if (!sh->failed) {
		sh->failed = rc;
		fprintf(stderr, "osprey: [%s][%u] shard failed: %s\n", sh->index_name,
			sh->shard_id, strerror(-rc));
	}
	return rc;
}

void
st_shard_buffer_reset(st_shard_t *sh)
{
	sh->nb = 0;
	sh->nb_live = 0;
	osp_arena_reset(&sh->barena);
	for (uint32_t i = 0; i < sh->nbmaps; i++)
		st_mapping_unref(sh->bmaps[i]);
	sh->nbmaps = 0;
}

int
st_shard_set_mapping_obj(st_shard_t *sh, st_mapping_t *m)
{
	if (sh->mapping && sh->nb > 0) {
		/* buffered docs' fields point into the old mapping */
		st_mapping_t **nb = realloc(sh->bmaps, sizeof(*nb) * (sh->nbmaps + 1));

		if (!nb)
			return -ENOMEM;
		sh->bmaps = nb;
		sh->bmaps[sh->nbmaps++] = sh->mapping;
	} else {
		st_mapping_unref(sh->mapping);
	}
	st_mapping_ref(m);
	sh->mapping = m;
	return 0;
}

/* Parse json (may be NULL) into *out, arena-backed; -EINVAL with err as
 * what the settings/mapping parser of ES says. */
static int
json_from(osp_arena_t *a, const char *json, size_t len, const char *what,
	  osp_json_t **out, osp_err_t *err)
{
	osp_json_error_t je;

	*out = NULL;
	if (json == NULL || len == 0)
		return 0;
	if (osp_json_parse(a, json, len, NULL, out, &je) < 0)
		return osp_err_set(err, 400, "mapper_parsing_exception",
				   "Failed to parse %s: %s", what, je.msg);
	return 0;
}

/* The shard's analysis registry from the index's "analysis" settings. */
static int
analysis_from_json(st_shard_t *sh, const char *json, size_t len, osp_err_t *err)
{
	osp_arena_t a;
	osp_json_t *v;
	int rc;

	osp_arena_init(&a, 4096, 0);
	rc = json_from(&a, json, len, "analysis settings", &v, err);
	if (rc == 0 && v)
		rc = st_analysis_create(v, &sh->analysis, err);
	osp_arena_free(&a);
	return rc;
}

static int
mapping_from_json(const st_shard_t *sh, const char *json, size_t len,
		  st_mapping_t **out, osp_err_t *err)
{
	osp_arena_t a;
	osp_json_t *v;
	int rc;

	osp_arena_init(&a, 16 * 1024, 0);
	rc = json_from(&a, json, len, "mapping", &v, err);
	if (rc == 0)
		rc = st_mapping_parse(v, sh->analysis, out, err);
	osp_arena_free(&a);
	return rc;
}

int
st_shard_set_mapping(st_shard_t *sh, const char *json, size_t len, osp_err_t *err)
{
	st_mapping_t *m = NULL;
	int rc = mapping_from_json(sh, json, len, &m, err);

	if (rc < 0)
		return rc;
	rc = st_shard_set_mapping_obj(sh, m);
	st_mapping_unref(m);
	return rc;
}

static int
corrupt_as(st_shard_t *sh, osp_err_t *err, const char *type, const char *what, int rc)
{
	osp_err_set(err, 500, type, "[%s][%u] %s (%s)",
		    sh->index_name, sh->shard_id, what, strerror(rc < 0 ? -rc : rc));
	snprintf(err->index, sizeof(err->index), "%s", sh->index_name);
	snprintf(err->index_uuid, sizeof(err->index_uuid), "%s", sh->index_uuid);
	err->shard = (int32_t)sh->shard_id;
	return rc == -EUCLEAN || rc == -EBADMSG ? rc : (rc < 0 ? rc : -EUCLEAN);
}

/* A corrupt commit point or segment: ES's CorruptIndexException. */
static int
corrupt(st_shard_t *sh, osp_err_t *err, const char *what, int rc)
{
	return corrupt_as(sh, err, "corrupt_index_exception", what, rc);
}

/* Read a file of a committed segment, checking the committed size. */
static int
read_committed(st_shard_t *sh, const char *name, uint64_t size, osp_buf_t *out)
{
	char path[4096];
	void *data;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", sh->path, name);
	int rc = st_io_read_file(sh->io, path, &data, &len);

	if (rc < 0)
		return rc;
	if (len != size) {
		free(data);
		return -EUCLEAN;
	}
	out->data = data;
	out->len = len;
	out->cap = len + 1;
	out->failed = 0;
	return 0;
}

static int
load_segment(st_shard_t *sh, const st_commit_seg_t *cs, osp_err_t *err)
{
	st_seg_files_t fs;
	osp_buf_t liv = OSP_BUF_INIT;
	st_sseg_t *s = calloc(1, sizeof(*s));
	char what[256];
	int rc = 0;

	memset(&fs, 0, sizeof(fs));
	if (!s)
		return -ENOMEM;
	snprintf(s->name, sizeof(s->name), "%s", cs->name);
	for (uint32_t k = 0; k < cs->nfiles; k++) {
		const char *dot = strrchr(cs->file[k], '.');
		bool is_liv = dot && strcmp(dot, ".liv") == 0;
		osp_buf_t *dst = is_liv ? &liv : &fs.f[fs.n].buf;

		if (!is_liv && fs.n >= 10) {
			rc = -EUCLEAN;
			break;
		}
		rc = read_committed(sh, cs->file[k], cs->size[k], dst);
		if (rc < 0) {
			snprintf(what, sizeof(what), "segment [%s] file [%s] is missing or "
				 "truncated", cs->name, cs->file[k]);
			rc = corrupt(sh, err, what, rc == -ENOENT ? -EUCLEAN : rc);
			goto cleanup;
		}
		s->bytes += cs->size[k];
		if (is_liv) {
			snprintf(s->liv, sizeof(s->liv), "%s", cs->file[k]);
			s->liv_size = cs->size[k];
		} else {
			snprintf(fs.f[fs.n].name, sizeof(fs.f[0].name), "%s", cs->file[k]);
			snprintf(s->comp[s->ncomp], sizeof(s->comp[0]), "%s", cs->file[k]);
			s->comp_size[s->ncomp++] = cs->size[k];
			fs.n++;
		}
	}
	if (rc < 0)
		goto cleanup;
	st_seg_open_opts_t oo = { .gen = 0, .liv = cs->delgen ? &liv : NULL };
	unsigned long long g = 0;

	sscanf(cs->name, "_%llu", &g);
	oo.gen = g;
	rc = st_segment_open(&fs, &oo, &s->r, err);
	if (rc < 0) {
		snprintf(what, sizeof(what), "segment [%s] failed validation: %.100s",
			 cs->name, err->reason);
		rc = corrupt(sh, err, what, rc);
		goto cleanup;
	}
	if (s->r->max_doc != cs->max_doc ||
	    (cs->delgen && st_segment_delgen(s->r) != cs->delgen)) {
		snprintf(what, sizeof(what), "segment [%s] does not match the commit point",
			 cs->name);
		rc = corrupt(sh, err, what, -EUCLEAN);
		goto cleanup;
	}
	s->delgen = cs->delgen;
	s->synced = s->liv_synced = true;
	st_sseg_t **ns = realloc(sh->segs, sizeof(*ns) * (sh->nsegs + 1));

	if (!ns) {
		rc = -ENOMEM;
		goto cleanup;
	}
	sh->segs = ns;
	sh->segs[sh->nsegs++] = s;
	s = NULL;
cleanup:
	st_seg_files_free(&fs);
	osp_buf_free(&liv);
	st_shard_seg_free(s);
	return rc;
}

static int
mkdir_p(const char *path)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void
shard_free(st_shard_t *sh)
{
	if (sh->merge_active)
		st_shard_merge_abort(sh);
	st_shard_rslice_free(sh);
	st_wal_close(sh->wal);
	st_shard_buffer_reset(sh);
	osp_arena_free(&sh->barena);
	free(sh->bmaps);
	free(sh->bdocs);
	st_vmap_free(&sh->vmap);
	for (uint32_t i = 0; i < sh->nsegs; i++)
		st_shard_seg_free(sh->segs[i]);
	free(sh->segs);
	st_shard_release_readers(sh->readers);
	st_commit_free(&sh->commit);
	st_mapping_unref(sh->mapping);
	if (sh->actx)
		st_analysis_ctx_free(sh->actx);
	st_analysis_free(sh->analysis);
	free(sh->path);
	free(sh->index_name);
	free(sh->index_uuid);
	free(sh);
}

int
st_shard_open(const st_shard_config_t *cfg, st_shard_t **out, osp_err_t *err)
{
	st_shard_t *sh = calloc(1, sizeof(*sh));
	int rc;

	osp_err_clear(err);
	if (!sh)
		return -ENOMEM;
	osp_arena_init(&sh->barena, 1 << 20, 0);
	st_vmap_init(&sh->vmap);
	sh->path = strdup(cfg->path);
	sh->index_name = strdup(cfg->index_name ? cfg->index_name : "");
	sh->index_uuid = strdup(cfg->index_uuid ? cfg->index_uuid : "");
	sh->shard_id = cfg->shard_id;
	sh->term = cfg->primary_term > 0 ? cfg->primary_term : 1;
	sh->set = cfg->settings;
	sh->io = cfg->io;
	sh->max_seq_no = sh->buf_max_seq_no = sh->visible_seq_no = ST_NO_OPS_PERFORMED;
	if (!sh->path || !sh->index_name || !sh->index_uuid) {
		rc = -ENOMEM;
		goto cleanup;
	}
	if (!sh->io) {
		rc = osp_err_illegal_argument(err, "shard opened without an io");
		goto cleanup;
	}
	rc = mkdir_p(sh->path);
	if (rc < 0) {
		osp_err_set(err, 500, "io_exception", "cannot create [%s]: %s", sh->path,
			    strerror(-rc));
		goto cleanup;
	}
	rc = analysis_from_json(sh, cfg->analysis_json, cfg->analysis_len, err);
	if (rc < 0)
		goto cleanup;
	rc = mapping_from_json(sh, cfg->mapping_json, cfg->mapping_len, &sh->mapping, err);
	if (rc < 0)
		goto cleanup;
	rc = st_analysis_ctx_create(&sh->actx);
	if (rc < 0)
		goto cleanup;

	rc = st_commit_load(sh->io, sh->path, &sh->commit);
	if (rc == -ENOENT) {
		memset(&sh->commit, 0, sizeof(sh->commit));
		sh->commit.max_seq_no = ST_NO_OPS_PERFORMED;
		rc = 0;
	} else if (rc < 0) {
		rc = corrupt(sh, err, "commit point is corrupt", rc);
		goto cleanup;
	} else if (sh->commit.index_uuid[0] && sh->index_uuid[0] &&
		   strcmp(sh->commit.index_uuid, sh->index_uuid) != 0) {
		rc = corrupt(sh, err, "commit point belongs to another index", -EUCLEAN);
		goto cleanup;
	}
	for (uint32_t i = 0; i < sh->commit.nsegs; i++) {
		rc = load_segment(sh, &sh->commit.segs[i], err);
		if (rc < 0)
			goto cleanup;
	}
	sh->next_seg = sh->commit.next_seg;
	sh->max_seq_no = sh->buf_max_seq_no = sh->visible_seq_no = sh->commit.max_seq_no;
	/* files of refreshes and merges after the last commit are orphans */
	st_shard_gc_files(sh);
	rc = st_shard_publish(sh);
	if (rc < 0)
		goto cleanup;

	sh->replaying = true;
	rc = st_wal_open(sh->io, sh->path, sh->commit.wal_gen, sh->commit.max_seq_no,
			 sh->term, st_shard_replay_op, sh, &sh->wal);
	sh->replaying = false;
	if (rc == -EUCLEAN) {
		rc = corrupt_as(sh, err, "translog_corrupted_exception",
				"translog is corrupt", rc);
		goto cleanup;
	}
	if (rc < 0) {
		if (!err->status)
			osp_err_set(err, 500, "translog_exception", "[%s][%u] translog replay "
				    "failed: %s", sh->index_name, sh->shard_id, strerror(-rc));
		goto cleanup;
	}
	if (st_wal_durable_seq_no(sh->wal) > sh->max_seq_no)
		sh->max_seq_no = st_wal_durable_seq_no(sh->wal);
	/* replayed ops become searchable at once, as after ES's recovery */
	rc = st_shard_refresh(sh);
	if (rc < 0) {
		osp_err_set(err, 500, "engine_exception", "[%s][%u] refresh after replay "
			    "failed: %s", sh->index_name, sh->shard_id, strerror(-rc));
		goto cleanup;
	}
	*out = sh;
	sh = NULL;
cleanup:
	if (sh)
		shard_free(sh);
	return rc;
}

int
st_shard_close(st_shard_t *sh, bool flush)
{
	int rc = 0;

	if (!sh)
		return 0;
	if (!sh->failed) {
		if (sh->merge_active)
			st_shard_merge_abort(sh);
		rc = flush ? st_shard_flush(sh) : st_wal_sync(sh->wal);
	}
	shard_free(sh);
	return rc;
}

int64_t
st_shard_durable_seq_no(const st_shard_t *sh)
{
	return st_wal_durable_seq_no(sh->wal);
}

int64_t
st_shard_max_seq_no(const st_shard_t *sh)
{
	return sh->max_seq_no;
}

int
st_shard_failed(const st_shard_t *sh)
{
	return sh->failed;
}

int
st_shard_sync(st_shard_t *sh)
{
	if (sh->failed)
		return sh->failed;
	int rc = st_wal_sync(sh->wal);

	if (rc < 0)
		st_shard_fail(sh, rc);
	return rc;
}

static bool
keep_recent(void *arg, const st_vmap_ent_t *e)
{
	st_shard_t *sh = arg;

	/* a tombstone can go once its deletes are applied (visible) and it
	 * is older than index.gc_deletes */
	return !e->deleted || e->seq_no > sh->visible_seq_no ||
	       sh->now_ms - e->time_ms < sh->set.gc_deletes_ms;
}

int
st_shard_tick(st_shard_t *sh, int64_t now_ms)
{
	int rc;

	sh->now_ms = now_ms;
	if (sh->failed)
		return sh->failed;
	if (sh->last_refresh_ms == 0)
		sh->last_refresh_ms = sh->last_sync_ms = sh->last_gc_ms = now_ms;
	rc = st_io_poll(sh->io, 0);
	if (rc < 0)
		return st_shard_fail(sh, rc);
	if (sh->set.durability == ST_DURABILITY_REQUEST ||
	    now_ms - sh->last_sync_ms >= sh->set.sync_interval_ms) {
		st_wal_kick(sh->wal);
		sh->last_sync_ms = now_ms;
	}
	if (st_wal_failed(sh->wal))
		return st_shard_fail(sh, st_wal_failed(sh->wal));
	if (sh->dirty && ((sh->set.refresh_interval_ms >= 0 &&
	    now_ms - sh->last_refresh_ms >= sh->set.refresh_interval_ms) ||
	    sh->barena.used > (256u << 20)))
		st_shard_refresh_request(sh);
	/* the refresh under way (or wanted) advances one bounded slice */
	rc = st_shard_rslice_step(sh, sh->set.refresh_slice_us > 0 ? sh->set.refresh_slice_us : -1);
	if (rc < 0 && sh->failed)
		return rc;
	/* a failed flush (disk full) is retried once a second, not every tick;
	 * the refresh it needs goes in slices first */
	if (st_wal_size_bytes(sh->wal) > sh->set.flush_threshold_bytes &&
	    (sh->last_flush_fail_ms == 0 || now_ms - sh->last_flush_fail_ms >= 1000)) {
		if (sh->dirty || st_shard_busy(sh)) {
			st_shard_refresh_request(sh);
		} else {
			rc = st_shard_flush(sh);
			sh->last_flush_fail_ms = rc < 0 ? now_ms : 0;
		}
	}
	/* between jobs: no query holds decoded postings */
	st_segment_cache_set_budget((size_t)sh->set.postings_cache_bytes);
	st_segment_cache_trim();
	if (now_ms - sh->last_gc_ms >= 1000) {
		st_vmap_prune(&sh->vmap, keep_recent, sh);
		sh->last_gc_ms = now_ms;
	}
	/* merges wait while a refresh is under way (the segment list stays) */
	if (sh->set.merge_enabled && sh->rf.stage == ST_RF_IDLE)
		st_shard_merge_tick(sh);
	return sh->failed;
}

void
st_shard_get_stats(const st_shard_t *sh, st_shard_stats_t *out)
{
	*out = sh->st;
	out->docs_count = 0;
	out->docs_deleted = 0;
	out->store_size_bytes = 0;
	for (uint32_t i = 0; i < sh->readers->n; i++) {
		const st_reader_t *r = sh->readers->r[i];

		out->docs_count += r->num_docs;
		out->docs_deleted += r->max_doc - r->num_docs;
	}
	for (uint32_t i = 0; i < sh->nsegs; i++)
		out->store_size_bytes += sh->segs[i]->bytes + sh->segs[i]->liv_size;
	out->segments_count = sh->readers->n;
	out->translog_size_bytes = st_wal_size_bytes(sh->wal);
	out->translog_ops = st_wal_ops(sh->wal);
	out->max_seq_no = sh->max_seq_no;
	out->local_checkpoint = sh->max_seq_no;
	out->durable_seq_no = st_wal_durable_seq_no(sh->wal);
	out->primary_term = sh->term;
	out->merge_current = sh->merge_active ? 1 : 0;
}

uint32_t
st_shard_segments(const st_shard_t *sh, st_segment_info_t *out, uint32_t max)
{
	for (uint32_t i = 0; i < sh->nsegs && i < max; i++) {
		const st_sseg_t *g = sh->segs[i];
		st_segment_info_t *o = &out[i];

		memset(o, 0, sizeof(*o));
		snprintf(o->name, sizeof(o->name), "%s", g->name);
		o->generation = g->r ? g->r->gen : 0;
		o->docs_count = g->r ? g->r->num_docs : 0;
		o->docs_deleted = g->r ? g->r->max_doc - g->r->num_docs : 0;
		o->size_bytes = g->bytes + g->liv_size;
		for (uint32_t k = 0; k < sh->commit.nsegs; k++)
			o->committed = o->committed || strcmp(sh->commit.segs[k].name, g->name) == 0;
		for (uint32_t k = 0; g->r && k < sh->readers->n; k++)
			o->searchable = o->searchable || sh->readers->r[k] == g->r;
	}
	return sh->nsegs;
}
