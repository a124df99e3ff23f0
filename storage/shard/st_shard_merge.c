/*
 * st_shard_merge.c - the shard's merges: a tiered merge policy (Lucene's
 * TieredMergePolicy, simplified) choosing what to merge, and its execution
 * in bounded slices from st_shard_tick so a worker never stalls its queries
 * for a whole merge; force merge runs the same machinery to completion.
 *
 * Policy: segment sizes are floored at floor_segment_bytes; the allowed
 * segment count is segments_per_tier per tier, tiers growing by
 * max_merge_at_once. Above it, the candidate window (up to
 * max_merge_at_once segments adjacent in size order, total under
 * max_merged_segment_bytes) with the lowest score wins, score =
 * skew (largest / total) * total^0.05 * live_ratio^2: balanced merges of
 * small segments with many deletes first.
 *
 * Execution: st_seg_merge_create snapshots the inputs' current views;
 * st_seg_merge_step moves merge_slice_docs units per tick. Deletes that hit
 * an input while it merges land on the input as usual; at the end they are
 * carried over to the merged segment through the merge's doc map (docs live
 * in the snapshot but no longer live now). The merged segment takes the
 * place of its first input in the segment list (keeping order by age) and
 * a new reader set is published; files go at the next commit.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st_shard_int.h"

static uint64_t
seg_size(const st_shard_t *sh, const st_sseg_t *s)
{
	uint64_t b = s->bytes;

	return b < sh->set.floor_segment_bytes ? sh->set.floor_segment_bytes : b;
}

static double
live_ratio(const st_sseg_t *s)
{
	return s->r->max_doc ? (double)s->r->num_docs / s->r->max_doc : 1.0;
}

/* Order for the size sort: largest first. */
static const st_shard_t *sort_sh;

static int
by_size_desc(const void *a, const void *b)
{
	uint64_t x = seg_size(sort_sh, *(st_sseg_t *const *)a);
	uint64_t y = seg_size(sort_sh, *(st_sseg_t *const *)b);

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Pick a merge by the tiered policy; 0 with *n = 0 when none is due. */
static int
pick_tiered(st_shard_t *sh, st_sseg_t ***out, uint32_t *n)
{
	st_sseg_t **c = malloc(sizeof(*c) * (sh->nsegs ? sh->nsegs : 1));
	uint32_t nc = 0;
	uint64_t total = 0, min_size = UINT64_MAX;

	*n = 0;
	if (!c)
		return -ENOMEM;
	for (uint32_t i = 0; i < sh->nsegs; i++) {
		st_sseg_t *s = sh->segs[i];

		/* too big to merge further unless mostly deleted */
		if (s->merging || (s->bytes > sh->set.max_merged_segment_bytes / 2 &&
				   live_ratio(s) > 0.5))
			continue;
		c[nc++] = s;
		total += seg_size(sh, s);
		if (seg_size(sh, s) < min_size)
			min_size = seg_size(sh, s);
	}
	if (nc < 2) {
		free(c);
		return 0;
	}
	sort_sh = sh;
	qsort(c, nc, sizeof(*c), by_size_desc);
	uint32_t per_tier = sh->set.segments_per_tier ? sh->set.segments_per_tier : 10;
	uint32_t at_once = sh->set.max_merge_at_once ? sh->set.max_merge_at_once : 10;
	double level = (double)min_size, left = (double)total, allowed = 0;

	for (;;) {
		double cnt = left / level;

		if (cnt < per_tier) {
			allowed += ceil(cnt);
			break;
		}
		allowed += per_tier;
		left -= per_tier * level;
		level *= at_once;
	}
	if ((double)nc <= allowed) {
		free(c);
		return 0;
	}
	double best = INFINITY;
	uint32_t best_at = 0, best_n = 0;

	for (uint32_t start = 0; start + 1 < nc; start++) {
		uint64_t sum = 0, big = 0;
		double live = 0, all = 0;
		uint32_t k = 0;

		for (uint32_t i = start; i < nc && k < at_once; i++) {
			uint64_t sz = seg_size(sh, c[i]);

			if (sum + sz > sh->set.max_merged_segment_bytes)
				continue;
			sum += sz;
			big = sz > big ? sz : big;
			live += c[i]->r->num_docs;
			all += c[i]->r->max_doc;
			k++;
		}
		if (k < 2)
			continue;
		double ratio = all > 0 ? live / all : 1.0;
		double score = ((double)big / (double)sum) * pow((double)sum, 0.05) *
			       ratio * ratio;

		if (score < best) {
			best = score;
			best_at = start;
			best_n = k;
		}
	}
	if (best_n < 2) {
		free(c);
		return 0;
	}
	/* re-collect the winning window (it skipped too-big members) */
	uint64_t sum = 0;
	uint32_t k = 0;

	for (uint32_t i = best_at; i < nc && k < best_n; i++) {
		uint64_t sz = seg_size(sh, c[i]);

		if (sum + sz > sh->set.max_merged_segment_bytes)
			continue;
		sum += sz;
		c[k++] = c[i];
	}
	*out = c;
	*n = k;
	return 0;
}

static int
seg_index(const st_shard_t *sh, const st_sseg_t *s)
{
	for (uint32_t i = 0; i < sh->nsegs; i++)
		if (sh->segs[i] == s)
			return (int)i;
	return -1;
}

static int
by_age(const void *a, const void *b)
{
	int x = seg_index(sort_sh, *(st_sseg_t *const *)a);
	int y = seg_index(sort_sh, *(st_sseg_t *const *)b);

	return x - y;
}

/* Start merging in[0..n) (takes ownership of the array). */
static int
merge_start(st_shard_t *sh, st_sseg_t **in, uint32_t n, bool force)
{
	st_reader_t **rs = malloc(sizeof(*rs) * n);
	st_smerge_t *m = &sh->merge;
	int rc;

	if (!rs) {
		free(in);
		return -ENOMEM;
	}
	sort_sh = sh;
	qsort(in, n, sizeof(*in), by_age);   /* keep docs in age order */
	for (uint32_t i = 0; i < n; i++)
		rs[i] = in[i]->r;
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "_%llu", (unsigned long long)sh->next_seg);
	st_seg_builder_opts_t o = { .name = m->name };

	rc = st_seg_merge_create(rs, n, &o, &m->m);
	free(rs);
	if (rc < 0) {
		free(in);
		return rc;
	}
	sh->next_seg++;
	m->in = in;
	m->n_in = n;
	m->force = force;
	for (uint32_t i = 0; i < n; i++)
		in[i]->merging = true;
	sh->merge_active = true;
	sh->st.merge_total++;
	return 0;
}

void
st_shard_merge_abort(st_shard_t *sh)
{
	st_smerge_t *m = &sh->merge;

	if (!sh->merge_active)
		return;
	for (uint32_t i = 0; i < m->n_in; i++)
		m->in[i]->merging = false;
	st_seg_merge_free(m->m);
	free(m->in);
	memset(m, 0, sizeof(*m));
	sh->merge_active = false;
}

/* Docs deleted in input i since the merge took its snapshot, mapped into
 * the merged segment: those dead in the input's current view or queued for
 * deletion on it, that the merge's doc map still has (live in the
 * snapshot). */
static int
carry_deletes(st_shard_t *sh, uint32_t i, uint32_t **docs, uint32_t *n, uint32_t *cap)
{
	st_smerge_t *m = &sh->merge;
	st_sseg_t *s = m->in[i];
	const st_reader_t *cur = s->r;
	roaring_bitmap_t *dead;
	roaring_uint32_iterator_t it;
	int rc = 0;

	dead = cur->live ? roaring_bitmap_flip(cur->live, 0, cur->max_doc) :
	       roaring_bitmap_create();
	if (!dead)
		return -ENOMEM;
	if (s->n_del)
		roaring_bitmap_add_many(dead, s->n_del, s->del);
	for (roaring_init_iterator(dead, &it); it.has_value;
	     roaring_advance_uint32_iterator(&it)) {
		uint32_t nd = st_seg_merge_map_doc(m->m, i, it.current_value);

		if (nd == ST_NO_MORE_DOCS)
			continue;   /* already gone in the snapshot */
		if (*n == *cap) {
			uint32_t ncap = *cap ? *cap * 2 : 64;
			uint32_t *nv = realloc(*docs, sizeof(*nv) * ncap);

			if (!nv) {
				rc = -ENOMEM;
				break;
			}
			*docs = nv;
			*cap = ncap;
		}
		(*docs)[(*n)++] = nd;
	}
	roaring_bitmap_free(dead);
	return rc;
}

/* The merge is done: write, open, swap it in. */
static int
merge_finish(st_shard_t *sh)
{
	st_smerge_t *m = &sh->merge;
	st_seg_files_t fs;
	st_sseg_t *s = NULL;
	uint32_t *dels = NULL, ndel = 0, capdel = 0;
	osp_err_t err;
	int rc;

	memset(&fs, 0, sizeof(fs));
	rc = st_seg_merge_finish(m->m, &fs);
	if (rc == -ENODATA) {
		rc = 0;           /* nothing live: the inputs just go */
		goto swap;
	}
	if (rc < 0)
		goto cleanup;
	s = calloc(1, sizeof(*s));
	if (!s) {
		rc = -ENOMEM;
		goto cleanup;
	}
	snprintf(s->name, sizeof(s->name), "%s", m->name);
	rc = st_shard_write_seg_files(sh, s, &fs);
	if (rc < 0)
		goto cleanup;
	unsigned long long g = 0;

	sscanf(s->name, "_%llu", &g);
	st_seg_open_opts_t oo = { .gen = g };

	rc = st_segment_open(&fs, &oo, &s->r, &err);
	if (rc < 0)
		goto cleanup;
	for (uint32_t i = 0; i < m->n_in; i++) {
		rc = carry_deletes(sh, i, &dels, &ndel, &capdel);
		if (rc < 0)
			goto cleanup;
	}
	if (ndel) {
		st_reader_t *nr = NULL;

		rc = st_segment_delete(s->r, dels, ndel, &nr);
		if (rc < 0)
			goto cleanup;
		rc = st_shard_write_liv(sh, s, nr);
		if (rc < 0) {
			st_reader_unref(nr);
			goto cleanup;
		}
		st_reader_unref(s->r);
		s->r = nr;
		s->delgen = st_segment_delgen(nr);
	}
swap:;
	/* replace the inputs: the merged segment takes the first one's place */
	uint32_t w = 0;
	bool placed = false;

	for (uint32_t i = 0; i < sh->nsegs; i++) {
		st_sseg_t *x = sh->segs[i];
		bool input = false;

		for (uint32_t k = 0; k < m->n_in; k++)
			input |= m->in[k] == x;
		if (!input) {
			sh->segs[w++] = x;
			continue;
		}
		if (!placed && s)
			sh->segs[w++] = s;
		placed = true;
		sh->st.merge_docs_total += x->r->num_docs;
		st_shard_seg_free(x);
	}
	sh->nsegs = w;
	s = NULL;
	free(m->in);
	m->in = NULL;
	m->n_in = 0;
	st_seg_merge_free(m->m);
	m->m = NULL;
	sh->merge_active = false;
	rc = st_shard_publish(sh);
cleanup:
	free(dels);
	st_seg_files_free(&fs);
	st_shard_seg_free(s);
	if (rc < 0 && sh->merge_active)
		st_shard_merge_abort(sh);
	return rc;
}

int
st_shard_merge_tick(st_shard_t *sh)
{
	int rc;

	if (sh->failed)
		return 0;
	if (!sh->merge_active) {
		st_sseg_t **in = NULL;
		uint32_t n = 0;

		rc = pick_tiered(sh, &in, &n);
		if (rc < 0 || n < 2) {
			free(in);
			return rc;
		}
		rc = merge_start(sh, in, n, false);
		if (rc < 0)
			return rc;
	}
	rc = st_seg_merge_step(sh->merge.m, sh->set.merge_slice_docs ?
			       sh->set.merge_slice_docs : 4096);
	if (rc == OSP_AGAIN)
		return 0;
	if (rc < 0) {
		st_shard_merge_abort(sh);
		return rc;
	}
	return merge_finish(sh);
}

static int
run_to_end(st_shard_t *sh)
{
	for (;;) {
		int rc = st_seg_merge_step(sh->merge.m, UINT64_MAX);

		if (rc == OSP_AGAIN)
			continue;
		if (rc < 0) {
			st_shard_merge_abort(sh);
			return rc;
		}
		return merge_finish(sh);
	}
}

int
st_shard_force_merge(st_shard_t *sh, uint32_t max_num_segments,
		     bool only_expunge_deletes)
{
	int rc;

	if (sh->failed)
		return sh->failed;
	rc = st_shard_refresh(sh);
	if (rc < 0)
		return rc;
	if (sh->merge_active) {
		rc = run_to_end(sh);
		if (rc < 0)
			return rc;
	}
	if (max_num_segments == 0)
		max_num_segments = 1;
	if (only_expunge_deletes) {
		/* every segment with deletes is rewritten (together) */
		st_sseg_t **in = malloc(sizeof(*in) * (sh->nsegs ? sh->nsegs : 1));
		uint32_t n = 0;

		if (!in)
			return -ENOMEM;
		for (uint32_t i = 0; i < sh->nsegs; i++)
			if (sh->segs[i]->r->num_docs < sh->segs[i]->r->max_doc)
				in[n++] = sh->segs[i];
		if (n == 0) {
			free(in);
			return st_shard_flush(sh);
		}
		rc = merge_start(sh, in, n, true);
		if (rc == 0)
			rc = run_to_end(sh);
		return rc < 0 ? rc : st_shard_flush(sh);
	}
	/* merge the newest segments together until max_num_segments remain
	 * (a segment already alone and without deletes is left as it is) */
	while (sh->nsegs > max_num_segments ||
	       (max_num_segments == 1 && sh->nsegs == 1 &&
		sh->segs[0]->r->num_docs < sh->segs[0]->r->max_doc)) {
		uint32_t take = sh->nsegs - max_num_segments + 1;

		if (take > sh->nsegs)
			take = sh->nsegs;
		st_sseg_t **in = malloc(sizeof(*in) * take);

		if (!in)
			return -ENOMEM;
		for (uint32_t i = 0; i < take; i++)
			in[i] = sh->segs[sh->nsegs - take + i];
		rc = merge_start(sh, in, take, true);
		if (rc == 0)
			rc = run_to_end(sh);
		if (rc < 0)
			return rc;
		if (take == 1)
			break;
	}
	return st_shard_flush(sh);
}
