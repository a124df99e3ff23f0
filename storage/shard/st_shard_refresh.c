/*
 * st_shard_refresh.c - refresh, flush and file lifetime of a shard.
 *
 * Refresh turns the live docs of the indexing buffer into a new segment
 * (segment builder -> component buffers -> files written through the
 * worker's io, one batch of writes, no fsync yet), applies the deletes that
 * ops queued against older segments (new live-docs generations, each a
 * .liv file), prunes the version map and publishes a new reader set.
 * Flush makes that durable as a commit point: fsync every file written since
 * the last commit and the directory, roll the WAL, write segments_N
 * atomically, then trim the WAL generations and delete files no commit or
 * open segment names. Segments are memory-resident, so deleting a file never
 * disturbs a search that still holds an old reader set.
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

/* Completion counter of a batch of file writes. */
typedef struct wbatch {
	unsigned pending;
	int err;
} wbatch_t;

static void
wbatch_cb(void *cookie, int res)
{
	wbatch_t *b = cookie;

	b->pending--;
	if (res < 0 && !b->err)
		b->err = res;
}

int
st_shard_write_seg_files(st_shard_t *sh, st_sseg_t *s, st_seg_files_t *fs)
{
	int fds[16];
	wbatch_t b = { 0, 0 };
	char path[4096];
	uint32_t opened = 0;
	int rc = 0;

	for (uint32_t i = 0; i < fs->n && i < 16; i++) {
		snprintf(path, sizeof(path), "%s/%s", sh->path, fs->f[i].name);
		fds[i] = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fds[i] < 0) {
			rc = -errno;
			goto cleanup;
		}
		opened++;
		if (fs->f[i].buf.len == 0)
			continue;
		rc = st_io_write(sh->io, fds[i], fs->f[i].buf.data, fs->f[i].buf.len, 0, 0,
				 wbatch_cb, &b);
		if (rc < 0)
			goto cleanup;
		b.pending++;
	}
cleanup:
	if (b.pending)
		st_io_submit(sh->io);
	while (b.pending > 0) {
		int prc = st_io_poll(sh->io, 1);

		if (prc < 0) {
			rc = prc;
			break;
		}
	}
	if (rc == 0)
		rc = b.err;
	for (uint32_t i = 0; i < opened; i++)
		close(fds[i]);
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
		for (uint32_t i = 0; i < opened; i++) {
			snprintf(path, sizeof(path), "%s/%s", sh->path, fs->f[i].name);
			unlink(path);
		}
	}
	return rc;
}

/* Builder field handles by mapping field id; UINT32_MAX = not registered,
 * UINT32_MAX - 1 = not indexed at all. */
#define FID_NONE UINT32_MAX
#define FID_SKIP (UINT32_MAX - 1)

static int
field_fid(st_seg_builder_t *b, uint32_t *fids, const st_field_t *f, uint32_t *out)
{
	if (fids[f->id] != FID_NONE) {
		*out = fids[f->id];
		return 0;
	}
	st_seg_field_spec_t sp = { .name = f->path };

	switch ((st_field_type_t)f->type) {
	case ST_FIELD_TEXT:
		sp.index = f->index ? ST_SEG_INDEX_POSITIONS : ST_SEG_INDEX_NONE;
		sp.norms = f->index && f->norms;
		break;
	case ST_FIELD_KEYWORD:
		sp.index = f->index ? ST_SEG_INDEX_DOCS : ST_SEG_INDEX_NONE;
		sp.dv = f->doc_values ? ST_SEG_DV_SORTED_SET : ST_SEG_DV_NONE;
		break;
	case ST_FIELD_DOUBLE:
	case ST_FIELD_FLOAT:
	case ST_FIELD_HALF_FLOAT:
		sp.index = f->index ? ST_SEG_INDEX_DOCS : ST_SEG_INDEX_NONE;
		sp.dv = f->doc_values ? ST_SEG_DV_DOUBLE : ST_SEG_DV_NONE;
		break;
	case ST_FIELD_OBJECT:
		break;
	default:   /* long-valued: integers, dates, booleans, scaled_float */
		sp.index = f->index ? ST_SEG_INDEX_DOCS : ST_SEG_INDEX_NONE;
		sp.dv = f->doc_values ? ST_SEG_DV_LONG : ST_SEG_DV_NONE;
		break;
	}
	if (sp.index == ST_SEG_INDEX_NONE && sp.dv == ST_SEG_DV_NONE) {
		fids[f->id] = FID_SKIP;
		*out = FID_SKIP;
		return 0;
	}
	int rc = st_seg_builder_field(b, &sp, out);

	if (rc < 0)
		return rc;
	fids[f->id] = *out;
	return 0;
}

static int
add_doc_fields(st_seg_builder_t *b, uint32_t *fids, const st_bdoc_t *d)
{
	for (uint32_t i = 0; i < d->n_fields; i++) {
		const st_doc_field_t *df = &d->fields[i];
		const st_field_t *f = df->field;
		uint32_t fid;
		int rc = field_fid(b, fids, f, &fid);

		if (rc < 0)
			return rc;
		if (fid == FID_SKIP)
			continue;
		switch ((st_field_type_t)f->type) {
		case ST_FIELD_TEXT:
			for (uint32_t k = 0; k < df->n_tokens && rc == 0; k++)
				rc = st_seg_builder_add_term(b, fid, df->tokens[k].term,
							     df->tokens[k].len,
							     (uint32_t)df->tokens[k].position);
			if (rc == 0 && f->norms && df->n_tokens)
				rc = st_seg_builder_set_length(b, fid, df->length);
			break;
		case ST_FIELD_KEYWORD:
			for (uint32_t k = 0; k < df->n_terms && rc == 0; k++)
				rc = st_seg_builder_add_keyword(b, fid, df->terms[k].s,
								df->terms[k].len);
			break;
		case ST_FIELD_BOOLEAN:
			for (uint32_t k = 0; k < df->n_values && rc == 0 && df->longs; k++)
				rc = st_seg_builder_add_bool(b, fid, df->longs[k] != 0);
			break;
		case ST_FIELD_OBJECT:
			break;
		default:
			for (uint32_t k = 0; k < df->n_values && rc == 0; k++) {
				if (df->doubles)
					rc = st_seg_builder_add_double(b, fid, df->doubles[k]);
				else if (df->longs)
					rc = st_seg_builder_add_long(b, fid, df->longs[k]);
			}
			break;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
append_seg(st_shard_t *sh, st_sseg_t *s)
{
	st_sseg_t **ns = realloc(sh->segs, sizeof(*ns) * (sh->nsegs + 1));

	if (!ns)
		return -ENOMEM;
	sh->segs = ns;
	sh->segs[sh->nsegs++] = s;
	return 0;
}

/* Build, write and open a segment from the live buffered docs. */
static int
flush_buffer(st_shard_t *sh)
{
	st_seg_builder_t *b = NULL;
	st_seg_files_t fs;
	st_sseg_t *s = NULL;
	uint32_t nf = st_mapping_field_count(sh->mapping);
	uint32_t *fids = NULL;
	osp_err_t err;
	int rc;

	memset(&fs, 0, sizeof(fs));
	s = calloc(1, sizeof(*s));
	fids = malloc(sizeof(*fids) * (nf ? nf : 1));
	if (!s || !fids) {
		rc = -ENOMEM;
		goto cleanup;
	}
	for (uint32_t i = 0; i < nf; i++)
		fids[i] = FID_NONE;
	st_seg_builder_opts_t o = { .name = s->name };

	snprintf(s->name, sizeof(s->name), "_%llu", (unsigned long long)sh->next_seg);
	rc = st_seg_builder_create(&o, &b);
	if (rc < 0)
		goto cleanup;
	for (uint32_t i = 0; i < sh->nb; i++) {
		const st_bdoc_t *d = &sh->bdocs[i];

		if (!d->live)
			continue;
		st_seg_doc_meta_in_t m = {
			.id = d->id, .id_len = d->id_len,
			.routing = d->routing, .routing_len = d->routing_len,
			.seq_no = d->seq_no, .primary_term = d->term, .version = d->version,
		};

		rc = st_seg_builder_doc_begin(b, &m, d->source, d->source_len);
		if (rc == 0)
			rc = add_doc_fields(b, fids, d);
		if (rc == 0)
			rc = st_seg_builder_doc_end(b);
		if (rc < 0)
			goto cleanup;
	}
	rc = st_seg_builder_finish(b, &fs);
	if (rc < 0)
		goto cleanup;
	rc = st_shard_write_seg_files(sh, s, &fs);
	if (rc < 0)
		goto cleanup;
	st_seg_open_opts_t oo = { .gen = sh->next_seg };

	rc = st_segment_open(&fs, &oo, &s->r, &err);
	if (rc < 0)
		goto cleanup;
	sh->next_seg++;
	rc = append_seg(sh, s);
	if (rc < 0)
		goto cleanup;
	s = NULL;
cleanup:
	st_seg_builder_free(b);
	st_seg_files_free(&fs);
	st_shard_seg_free(s);
	free(fids);
	return rc;
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

/* Deletes queued against a segment become its next live-docs generation. */
static int
apply_deletes(st_shard_t *sh, st_sseg_t *s)
{
	st_reader_t *nr = NULL;
	int rc = st_segment_delete(s->r, s->del, s->n_del, &nr);

	if (rc < 0)
		return rc;
	rc = st_shard_write_liv(sh, s, nr);
	if (rc < 0) {
		st_reader_unref(nr);
		return rc;
	}
	st_reader_unref(s->r);
	s->r = nr;
	s->delgen = st_segment_delgen(nr);
	s->n_del = 0;
	return 0;
}

static bool
keep_tombstones(void *arg, const st_vmap_ent_t *e)
{
	(void)arg;
	return e->deleted;
}

int
st_shard_refresh(st_shard_t *sh)
{
	int rc;

	if (sh->failed)
		return sh->failed;
	if (!sh->dirty)
		return 0;
	if (sh->nb_live > 0) {
		rc = flush_buffer(sh);
		if (rc < 0)
			return rc;   /* buffer intact: a later refresh retries */
	}
	/* The buffer is in the newest segment now, which lookups try first,
	 * so its version map entries can go even if a delete below fails. */
	st_vmap_prune(&sh->vmap, keep_tombstones, NULL);
	st_shard_buffer_reset(sh);
	for (uint32_t i = 0; i < sh->nsegs; i++) {
		if (sh->segs[i]->n_del == 0)
			continue;
		rc = apply_deletes(sh, sh->segs[i]);
		if (rc < 0)
			return rc;   /* deletes stay queued; still dirty */
	}
	rc = st_shard_publish(sh);
	if (rc < 0)
		return rc;
	sh->visible_seq_no = sh->buf_max_seq_no;
	sh->dirty = false;
	sh->last_refresh_ms = sh->now_ms;
	sh->st.refresh_total++;
	return 0;
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
	wbatch_t b = { 0, 0 };
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
	if (b.pending)
		st_io_submit(sh->io);
	while (b.pending > 0) {
		int prc = st_io_poll(sh->io, 1);

		if (prc < 0) {
			rc = rc ? rc : prc;
			break;
		}
	}
	if (rc == 0)
		rc = b.err;
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
