/*
 * st_shard_rslice.c - refresh in slices: turning the indexing buffer into a
 * searchable segment without stalling the worker that owns the shard.
 *
 * A refresh freezes the buffer (its docs, arena and mappings move into
 * sh->rf and writes start a new buffer; version map entries of frozen docs
 * get ST_BUF_FROZEN), then st_shard_tick advances it a slice at a time, each
 * bounded by refresh_slice_us: feed the frozen docs to the segment builder
 * (clock checked every 8 docs), encode with st_seg_builder_finish_step
 * (clock checked every 512 units), submit the component writes on the io and
 * return, poll their completion on later ticks, then open the segment and
 * publish: append it, apply the deletes that were queued at the freeze, drop
 * the version map entries of frozen docs, swap the reader set. Until then
 * searches keep the previous reader set, and realtime get, conflict checks
 * and updates read frozen docs through the version map.
 *
 * What the segment holds is fixed at the freeze: docs live then (each gets
 * its segment doc id up front), deletes queued then; a frozen doc retired
 * afterwards is queued against the new segment (post_del) for the next
 * refresh, so a publish never shows half of an update. Merges pause while a
 * refresh is under way (the segment list stays put). A failed slice (no
 * memory, write error) drops the partial segment and retries the whole
 * build a second later; the frozen docs stay readable and the WAL still
 * holds every op above the last commit, so crash safety is unchanged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "st_shard_int.h"

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
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

/* The first n deletes queued against a segment become its next live-docs
 * generation; later ones stay queued. */
static int
apply_deletes(st_shard_t *sh, st_sseg_t *s, uint32_t n)
{
	st_reader_t *nr = NULL;
	int rc = st_segment_delete(s->r, s->del, n, &nr);

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
	memmove(s->del, s->del + n, sizeof(*s->del) * (s->n_del - n));
	s->n_del -= n;
	return 0;
}


/* ---- the frozen buffer ---- */

st_bdoc_t *
st_shard_bdoc(st_shard_t *sh, uint32_t buf_doc)
{
	if (buf_doc & ST_BUF_FROZEN)
		return &sh->rf.docs[buf_doc & ~ST_BUF_FROZEN];
	return &sh->bdocs[buf_doc];
}

int
st_shard_rslice_retire(st_shard_t *sh, st_bdoc_t *d)
{
	st_srefresh_t *rf = &sh->rf;

	if (!d->live)
		return 0;
	if (d->seg_doc != ST_NO_SEG_DOC && rf->n_post_del == rf->cap_post_del) {
		uint32_t ncap = rf->cap_post_del ? rf->cap_post_del * 2 : 64;
		uint32_t *nd = realloc(rf->post_del, sizeof(*nd) * ncap);

		if (!nd)
			return -ENOMEM;
		rf->post_del = nd;
		rf->cap_post_del = ncap;
	}
	d->live = false;
	if (d->seg_doc != ST_NO_SEG_DOC)
		rf->post_del[rf->n_post_del++] = d->seg_doc;
	return 0;
}

static void
mark_frozen(void *arg, st_vmap_ent_t *e)
{
	(void)arg;
	if (e->buf_doc != ST_VMAP_NO_DOC)
		e->buf_doc |= ST_BUF_FROZEN;
}

/* Entries of frozen docs go at publish (the segment answers now); those of
 * the new buffer and tombstones stay. */
static bool
keep_after_publish(void *arg, const st_vmap_ent_t *e)
{
	(void)arg;
	return e->deleted || (e->buf_doc != ST_VMAP_NO_DOC && !(e->buf_doc & ST_BUF_FROZEN));
}

/* Move the indexing buffer into rf and start an empty one. */
static int
freeze(st_shard_t *sh)
{
	st_srefresh_t *rf = &sh->rf;
	uint32_t *dfz = malloc(sizeof(*dfz) * (sh->nsegs ? sh->nsegs : 1));
	st_mapping_t **maps = malloc(sizeof(*maps) * (sh->nbmaps + 1));

	if (!dfz || !maps) {
		free(dfz);
		free(maps);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < sh->nsegs; i++)
		dfz[i] = sh->segs[i]->n_del;
	rf->del_frozen = dfz;
	rf->nsegs_frozen = sh->nsegs;
	if (sh->nbmaps)
		memcpy(maps, sh->bmaps, sizeof(*maps) * sh->nbmaps);
	maps[sh->nbmaps] = sh->mapping;
	st_mapping_ref(sh->mapping);
	rf->maps = maps;
	rf->nmaps = sh->nbmaps + 1;
	free(sh->bmaps);
	sh->bmaps = NULL;
	sh->nbmaps = 0;
	rf->docs = sh->bdocs;
	rf->n = sh->nb;
	rf->next = rf->nlive = 0;
	for (uint32_t i = 0; i < rf->n; i++)
		rf->docs[i].seg_doc = rf->docs[i].live ? rf->nlive++ : ST_NO_SEG_DOC;
	rf->arena = sh->barena;
	osp_arena_init(&sh->barena, 1 << 20, 0);
	sh->bdocs = NULL;
	sh->nb = sh->capb = sh->nb_live = 0;
	st_vmap_each(&sh->vmap, mark_frozen, NULL);
	rf->seq_no = sh->buf_max_seq_no;
	rf->nf = st_mapping_field_count(sh->mapping);
	rf->n_post_del = 0;
	rf->wanted = false;
	sh->dirty = false;
	rf->stage = rf->nlive ? ST_RF_FEED : ST_RF_PUBLISH;
	return 0;
}

/* Drop the partial segment of the build under way (not the frozen docs). */
static void
build_drop(st_shard_t *sh)
{
	st_srefresh_t *rf = &sh->rf;

	if (rf->wb.pending) {
		st_io_submit(sh->io);
		while (rf->wb.pending > 0 && st_io_poll(sh->io, 1) >= 0)
			;
	}
	if (rf->wb.opened) {
		if (!rf->wb.err)
			rf->wb.err = -ECANCELED;
		st_shard_files_finish(sh, NULL, &rf->fs, &rf->wb);
	}
	st_seg_builder_free(rf->b);
	rf->b = NULL;
	st_seg_files_free(&rf->fs);
	memset(&rf->fs, 0, sizeof(rf->fs));
	st_shard_seg_free(rf->s);
	rf->s = NULL;
	free(rf->fids);
	rf->fids = NULL;
	rf->next = 0;
}

/* Free what the freeze took (after publish or at close). */
static void
frozen_free(st_shard_t *sh)
{
	st_srefresh_t *rf = &sh->rf;

	osp_arena_free(&rf->arena);
	free(rf->docs);
	rf->docs = NULL;
	rf->n = rf->nlive = rf->next = 0;
	for (uint32_t i = 0; i < rf->nmaps; i++)
		st_mapping_unref(rf->maps[i]);
	free(rf->maps);
	rf->maps = NULL;
	rf->nmaps = 0;
	free(rf->del_frozen);
	rf->del_frozen = NULL;
	rf->nsegs_frozen = 0;
	free(rf->post_del);
	rf->post_del = NULL;
	rf->n_post_del = rf->cap_post_del = 0;
	rf->stage = ST_RF_IDLE;
}

void
st_shard_rslice_free(st_shard_t *sh)
{
	build_drop(sh);
	frozen_free(sh);
}

/* ---- the stages ---- */

static int
feed(st_shard_t *sh, int64_t deadline)
{
	st_srefresh_t *rf = &sh->rf;
	int rc;

	if (rf->b == NULL) {
		rf->s = calloc(1, sizeof(*rf->s));
		rf->fids = malloc(sizeof(*rf->fids) * (rf->nf ? rf->nf : 1));
		if (!rf->s || !rf->fids)
			return -ENOMEM;
		for (uint32_t i = 0; i < rf->nf; i++)
			rf->fids[i] = FID_NONE;
		snprintf(rf->s->name, sizeof(rf->s->name), "_%llu", (unsigned long long)sh->next_seg);
		st_seg_builder_opts_t o = { .name = rf->s->name };

		rc = st_seg_builder_create(&o, &rf->b);
		if (rc < 0)
			return rc;
		rf->next = 0;
	}
	while (rf->next < rf->n) {
		const st_bdoc_t *d = &rf->docs[rf->next++];

		if (d->seg_doc == ST_NO_SEG_DOC)
			continue;
		st_seg_doc_meta_in_t m = {
			.id = d->id, .id_len = d->id_len,
			.routing = d->routing, .routing_len = d->routing_len,
			.seq_no = d->seq_no, .primary_term = d->term, .version = d->version,
		};

		rc = st_seg_builder_doc_begin(rf->b, &m, d->source, d->source_len);
		if (rc == 0)
			rc = add_doc_fields(rf->b, rf->fids, d);
		if (rc == 0)
			rc = st_seg_builder_doc_end(rf->b);
		if (rc < 0)
			return rc;
		if ((rf->next & 7) == 0 && mono_us() >= deadline)
			return OSP_AGAIN;
	}
	rf->stage = ST_RF_ENCODE;
	return 0;
}

static int
encode(st_shard_t *sh, int64_t deadline)
{
	st_srefresh_t *rf = &sh->rf;
	int rc;

	do {
		rc = st_seg_builder_finish_step(rf->b, deadline == INT64_MAX ? UINT64_MAX : 512);
		if (rc == OSP_AGAIN && mono_us() >= deadline)
			return OSP_AGAIN;
	} while (rc == OSP_AGAIN);
	if (rc < 0)
		return rc;
	rc = st_seg_builder_finish(rf->b, &rf->fs);
	if (rc < 0)
		return rc;
	st_seg_builder_free(rf->b);
	rf->b = NULL;
	rf->stage = ST_RF_WRITE;
	return st_shard_files_submit(sh, &rf->fs, &rf->wb);
}

/* Writes done: record the files and open the segment. */
static int
written(st_shard_t *sh, bool wait)
{
	st_srefresh_t *rf = &sh->rf;
	osp_err_t err;
	int rc;

	if (rf->wb.pending && wait) {
		st_io_submit(sh->io);
		while (rf->wb.pending > 0) {
			rc = st_io_poll(sh->io, 1);
			if (rc < 0)
				return rc;
		}
	}
	if (rf->wb.pending && st_io_poll(sh->io, 0) < 0)
		return -EIO;
	if (rf->wb.pending)
		return OSP_AGAIN;
	rc = st_shard_files_finish(sh, rf->s, &rf->fs, &rf->wb);
	if (rc < 0)
		return rc;
	st_seg_open_opts_t oo = { .gen = sh->next_seg };

	rc = st_segment_open(&rf->fs, &oo, &rf->s->r, &err);
	if (rc < 0)
		return rc;
	st_seg_files_free(&rf->fs);
	memset(&rf->fs, 0, sizeof(rf->fs));
	rf->stage = ST_RF_PUBLISH;
	return 0;
}

static int
publish(st_shard_t *sh)
{
	st_srefresh_t *rf = &sh->rf;
	int rc = 0, drc = 0;

	if (rf->s) {
		rc = append_seg(sh, rf->s);
		if (rc < 0)
			return rc;
		/* retired after the freeze: gone at the next refresh */
		rf->s->del = rf->post_del;
		rf->s->n_del = rf->n_post_del;
		rf->s->cap_del = rf->cap_post_del;
		rf->post_del = NULL;
		rf->n_post_del = rf->cap_post_del = 0;
		rf->s = NULL;
		sh->next_seg++;
		free(rf->fids);
		rf->fids = NULL;
	}
	/* The frozen docs are in the newest segment now, which lookups try
	 * first, so their version map entries can go even if a delete below
	 * fails. */
	st_vmap_prune(&sh->vmap, keep_after_publish, NULL);
	for (uint32_t i = 0; i < rf->nsegs_frozen && i < sh->nsegs; i++) {
		if (rf->del_frozen[i] == 0)
			continue;
		rc = apply_deletes(sh, sh->segs[i], rf->del_frozen[i]);
		if (rc < 0 && !drc)
			drc = rc;     /* they stay queued: the next refresh retries */
		else if (rc == 0)
			rf->del_frozen[i] = 0;
	}
	rc = st_shard_publish(sh);
	if (rc < 0)
		return rc;
	sh->visible_seq_no = rf->seq_no;
	sh->last_refresh_ms = sh->now_ms;
	sh->st.refresh_total++;
	frozen_free(sh);
	for (uint32_t i = 0; i < sh->nsegs; i++)
		if (sh->segs[i]->n_del)
			sh->dirty = true;
	return drc;
}

int
st_shard_rslice_step(st_shard_t *sh, int64_t budget_us)
{
	st_srefresh_t *rf = &sh->rf;
	int64_t deadline = budget_us < 0 ? INT64_MAX : mono_us() + budget_us;
	int rc = 0;

	if (sh->failed)
		return sh->failed;
	if (budget_us >= 0 && rf->retry_ms && sh->now_ms < rf->retry_ms)
		return 0;
	while (rc == 0) {
		switch ((st_rf_stage_t)rf->stage) {
		case ST_RF_IDLE:
			if (!rf->wanted)
				return 0;
			if (!sh->dirty) {
				rf->wanted = false;
				return 0;
			}
			rc = freeze(sh);
			break;
		case ST_RF_FEED:
			rc = feed(sh, deadline);
			break;
		case ST_RF_ENCODE:
			rc = encode(sh, deadline);
			break;
		case ST_RF_WRITE:
			rc = written(sh, budget_us < 0);
			break;
		case ST_RF_PUBLISH:
			rc = publish(sh);
			if (rc == 0)
				rf->retry_ms = 0;
			break;
		}
		if (rc == 0 && rf->stage != ST_RF_IDLE && mono_us() >= deadline)
			return 0;
	}
	if (rc == OSP_AGAIN)
		return 0;
	if (rf->stage != ST_RF_IDLE && rf->stage != ST_RF_PUBLISH) {
		/* start the build over later; the frozen docs stay as they are */
		build_drop(sh);
		rf->stage = rf->nlive ? ST_RF_FEED : ST_RF_PUBLISH;
	}
	rf->retry_ms = sh->now_ms + 1000;
	return rc;
}

int64_t
st_shard_refresh_request(st_shard_t *sh)
{
	sh->rf.wanted = true;
	return sh->buf_max_seq_no;
}

bool
st_shard_busy(const st_shard_t *sh)
{
	const st_srefresh_t *rf = &sh->rf;

	/* a failed build waiting for its retry is not busy: waiters give up */
	if (sh->failed || (rf->retry_ms && sh->now_ms < rf->retry_ms))
		return false;
	return rf->stage != ST_RF_IDLE || (rf->wanted && sh->dirty);
}

int
st_shard_refresh(st_shard_t *sh)
{
	int rc = 0;

	if (sh->failed)
		return sh->failed;
	/* the refresh under way, then one more for what came after its freeze
	 * (new docs, deletes of frozen docs) */
	for (int pass = 0; pass < 3 && rc == 0 && (sh->dirty || sh->rf.stage != ST_RF_IDLE); pass++) {
		sh->rf.wanted = true;
		rc = st_shard_rslice_step(sh, -1);
	}
	return rc;
}
