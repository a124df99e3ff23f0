/*
 * st_shard_refresh.c - flush and file lifetime of a shard, and writing a
 * segment's files through the worker's io (the sliced refresh itself lives
 * in st_shard_rslice.c).
 *
 * Component files are written as one batch of io writes (no fsync yet):
 * st_shard_files_submit starts them, st_shard_files_finish records them on
 * the segment once the batch completed (a refresh polls for that on later
 * ticks; merges and .liv files wait at once). Flush makes refreshed data
 * durable as a commit point: fsync every file written since the last commit
 * and the directory, roll the WAL, write segments_N atomically, then trim
 * the WAL generations and delete files no commit or open segment names.
 * Segments are memory-resident, so deleting a file never disturbs a search
 * that still holds an old reader set.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "st_shard_int.h"

int
st_shard_seg_add_delete(st_sseg_t *s, uint32_t doc)
{
	if (s->n_del == s->cap_del) {
		uint32_t ncap = s->cap_del ? s->cap_del * 2 : 64;
		uint32_t *nd = realloc(s->del, sizeof(*nd) * ncap);

		if (!nd)
			return -ENOMEM;
		s->del = nd;
		s->cap_del = ncap;
	}
	s->del[s->n_del++] = doc;
	return 0;
}

void
st_shard_seg_free(st_sseg_t *s)
{
	if (!s)
		return;
	st_reader_unref(s->r);
	free(s->del);
	free(s);
}

static void
wbatch_cb(void *cookie, int res)
{
	st_wbatch_t *b = cookie;

	b->pending--;
	if (res < 0 && !b->err)
		b->err = res;
}

/* Wait for the batch's writes (or fsyncs) on the io. */
static int
wbatch_wait(st_shard_t *sh, st_wbatch_t *b)
{
	int rc = 0;

	if (b->pending)
		st_io_submit(sh->io);
	while (b->pending > 0) {
		int prc = st_io_poll(sh->io, 1);

		if (prc < 0) {
			rc = prc;
			break;
		}
	}
	return rc ? rc : b->err;
}

int
st_shard_files_submit(st_shard_t *sh, st_seg_files_t *fs, st_wbatch_t *b)
{
	char path[4096];
	int rc = 0;

	memset(b, 0, sizeof(*b));
	for (uint32_t i = 0; i < fs->n && i < 16; i++) {
		snprintf(path, sizeof(path), "%s/%s", sh->path, fs->f[i].name);
		b->fds[i] = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (b->fds[i] < 0) {
			rc = -errno;
			break;
		}
		b->opened++;
		if (fs->f[i].buf.len == 0)
			continue;
		rc = st_io_write(sh->io, b->fds[i], fs->f[i].buf.data, fs->f[i].buf.len, 0, 0,
				 wbatch_cb, b);
		if (rc < 0)
			break;
		b->pending++;
	}
	if (b->pending)
		st_io_submit(sh->io);
	if (rc < 0 && !b->err)
		b->err = rc;
	return rc;
}

int
st_shard_files_finish(st_shard_t *sh, st_sseg_t *s, st_seg_files_t *fs, st_wbatch_t *b)
{
	char path[4096];
	int rc = b->err;

	for (uint32_t i = 0; i < b->opened; i++)
		close(b->fds[i]);
	if (rc == 0 && s) {
		uint32_t k = 0;

		for (uint32_t i = 0; i < fs->n; i++) {
			const char *dot = strrchr(fs->f[i].name, '.');

			if (dot && strcmp(dot, ".liv") == 0)
				continue;
			if (k < ST_COMMIT_MAX_FILES - 1) {
				snprintf(s->comp[k], sizeof(s->comp[k]), "%s", fs->f[i].name);
				s->comp_size[k] = fs->f[i].buf.len;
				s->bytes += fs->f[i].buf.len;
				k++;
			}
		}
		s->ncomp = k;
	}
	if (rc < 0) {
		for (uint32_t i = 0; i < b->opened; i++) {
			snprintf(path, sizeof(path), "%s/%s", sh->path, fs->f[i].name);
			unlink(path);
		}
	}
	b->opened = 0;
	return rc;
}

int
st_shard_write_seg_files(st_shard_t *sh, st_sseg_t *s, st_seg_files_t *fs)
{
	st_wbatch_t b;

	st_shard_files_submit(sh, fs, &b);
	int rc = wbatch_wait(sh, &b);

	if (rc < 0 && !b.err)
		b.err = rc;
	return st_shard_files_finish(sh, s, fs, &b);
}

/* Write r's live docs as its .liv file and record it on s. */
int
st_shard_write_liv(st_shard_t *sh, st_sseg_t *s, st_reader_t *r)
{
	st_seg_files_t fs;
	int rc;

	memset(&fs, 0, sizeof(fs));
	rc = st_segment_write_liv(r, &fs.f[0]);
	if (rc < 0)
		goto cleanup;
	fs.n = 1;
	rc = st_shard_write_seg_files(sh, NULL, &fs);
	if (rc < 0)
		goto cleanup;
	snprintf(s->liv, sizeof(s->liv), "%s", fs.f[0].name);
	s->liv_size = fs.f[0].buf.len;
	s->liv_synced = false;
cleanup:
	st_seg_files_free(&fs);
	return rc;
}

int64_t
st_shard_visible_seq_no(const st_shard_t *sh)
{
	return sh->visible_seq_no;
}

/* fdatasync every file written since the last commit, all at once: one
 * batch of fsyncs on the io (io_uring runs them in parallel). */
static int
sync_new_files(st_shard_t *sh)
{
	st_wbatch_t b = { 0 };
	int *fds = NULL;
	uint32_t nfd = 0, cap = 0;
	char path[4096];
	int rc = 0;

	for (uint32_t i = 0; i < sh->nsegs && rc == 0; i++) {
		st_sseg_t *s = sh->segs[i];

		for (uint32_t k = 0; k <= s->ncomp && rc == 0; k++) {
			const char *name = k < s->ncomp ? s->comp[k] : s->liv;

			if (k < s->ncomp ? s->synced : (!s->liv[0] || s->liv_synced))
				continue;
			if (nfd == cap) {
				uint32_t ncap = cap ? cap * 2 : 32;
				int *nf = realloc(fds, sizeof(*nf) * ncap);

				if (!nf) {
					rc = -ENOMEM;
					break;
				}
				fds = nf;
				cap = ncap;
			}
			snprintf(path, sizeof(path), "%s/%s", sh->path, name);
			fds[nfd] = open(path, O_RDONLY | O_CLOEXEC);
			if (fds[nfd] < 0) {
				rc = -errno;
				break;
			}
			rc = st_io_fsync(sh->io, fds[nfd++], wbatch_cb, &b);
			if (rc == 0)
				b.pending++;
		}
	}
	int wrc = wbatch_wait(sh, &b);

	if (rc == 0)
		rc = wrc;
	for (uint32_t i = 0; i < nfd; i++)
		close(fds[i]);
	free(fds);
	if (rc == 0)
		for (uint32_t i = 0; i < sh->nsegs; i++)
			sh->segs[i]->synced = sh->segs[i]->liv_synced = true;
	return rc;
}

int
st_shard_flush(st_shard_t *sh)
{
	st_commit_t c;
	uint64_t wal_gen;
	int rc;

	memset(&c, 0, sizeof(c));
	if (sh->failed)
		return sh->failed;
	rc = st_shard_refresh(sh);
	if (rc < 0)
		goto cleanup;
	rc = sync_new_files(sh);
	if (rc < 0)
		goto cleanup;
	rc = st_io_fsync_dir(sh->io, sh->path);
	if (rc < 0)
		goto cleanup;
	rc = st_wal_roll(sh->wal, &wal_gen);
	if (rc < 0)
		goto cleanup;
	c.gen = sh->commit.gen + 1;
	c.max_seq_no = sh->buf_max_seq_no;
	c.wal_gen = wal_gen;
	c.primary_term = sh->term;
	c.next_seg = sh->next_seg;
	snprintf(c.index_uuid, sizeof(c.index_uuid), "%s", sh->index_uuid);
	c.nsegs = sh->nsegs;
	c.segs = calloc(sh->nsegs ? sh->nsegs : 1, sizeof(*c.segs));
	if (!c.segs) {
		rc = -ENOMEM;
		goto cleanup;
	}
	for (uint32_t i = 0; i < sh->nsegs; i++) {
		const st_sseg_t *s = sh->segs[i];
		st_commit_seg_t *cs = &c.segs[i];

		snprintf(cs->name, sizeof(cs->name), "%s", s->name);
		cs->delgen = s->delgen;
		cs->max_doc = s->r->max_doc;
		for (uint32_t k = 0; k < s->ncomp; k++) {
			snprintf(cs->file[k], sizeof(cs->file[k]), "%s", s->comp[k]);
			cs->size[k] = s->comp_size[k];
		}
		cs->nfiles = s->ncomp;
		if (s->liv[0]) {
			snprintf(cs->file[cs->nfiles], sizeof(cs->file[0]), "%s", s->liv);
			cs->size[cs->nfiles++] = s->liv_size;
		}
	}
	rc = st_commit_write(sh->io, sh->path, &c);
	if (rc < 0)
		goto cleanup;
	st_commit_free(&sh->commit);
	sh->commit = c;
	memset(&c, 0, sizeof(c));
	st_wal_trim(sh->wal, wal_gen);
	st_shard_gc_files(sh);
	sh->st.flush_total++;
cleanup:
	/* nothing is lost on failure: the old commit and the WAL still cover
	 * every op, so the flush can simply be retried */
	st_commit_free(&c);
	return rc;
}

static bool
named_in(const char *name, const st_shard_t *sh)
{
	for (uint32_t i = 0; i < sh->commit.nsegs; i++)
		for (uint32_t k = 0; k < sh->commit.segs[i].nfiles; k++)
			if (strcmp(sh->commit.segs[i].file[k], name) == 0)
				return true;
	for (uint32_t i = 0; i < sh->nsegs; i++) {
		const st_sseg_t *s = sh->segs[i];

		if (strcmp(s->liv, name) == 0)
			return true;
		for (uint32_t k = 0; k < s->ncomp; k++)
			if (strcmp(s->comp[k], name) == 0)
				return true;
	}
	return false;
}

int
st_shard_gc_files(st_shard_t *sh)
{
	DIR *d = opendir(sh->path);
	struct dirent *de;
	char path[4096];

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		size_t len = strlen(n);
		bool tmp = len > 4 && strcmp(n + len - 4, ".tmp") == 0;

		if (n[0] != '_' && !tmp)
			continue;
		if (!tmp && named_in(n, sh))
			continue;
		snprintf(path, sizeof(path), "%s/%s", sh->path, n);
		unlink(path);
	}
	closedir(d);
	return 0;
}
