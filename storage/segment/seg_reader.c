/*
 * seg_reader.c - opening a segment and the st_reader_t views over it.
 *
 * st_segment_open checks every component's frame (length, CRC32C, segment
 * id) and structure before anything is served, then keeps the buffers in a
 * refcounted core: .nrm and dv term bytes are used in place; the term index,
 * doc meta and stored-field index are decoded at open; term blocks and doc
 * values are decoded on first use into the core's arena and kept; postings
 * are decoded on first use into the per-thread LRU cache (seg_pcache.c),
 * stable until the owner's next st_segment_cache_trim. A view is an
 * st_reader_t plus a live-docs bitmap; deletes make a new view over the same
 * core (copy-on-write), so a search holding the old view is unaffected.
 *
 * Lazily decoded data is written through a const reader: the core is a
 * cache that only its one worker core touches, so this is safe.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seg_int.h"

static const st_reader_ops_t seg_ops;

static st_seg_core_t *
core_of(const st_reader_t *r)
{
	return ((const st_seg_reader_t *)(const void *)r)->core;
}

static void
core_unref(st_seg_core_t *c)
{
	if (c == NULL || --c->refs > 0)
		return;
	for (uint32_t i = 0; i < c->nfields; i++) {
		st_seg_rfield_t *f = &c->fields[i];

		for (uint32_t b = 0; f->tblocks && b < f->nblocks; b++)
			for (uint32_t t = 0; f->tblocks[b] && t < f->tblocks[b]->n; t++)
				if (f->tblocks[b]->post[t])
					st_seg_pcache_drop((st_seg_pent_t *)(void *)f->tblocks[b]->post[t]);
	}
	st_seg_src_r_free(&c->src);
	st_seg_met_r_free(&c->met);
	for (int i = 0; i < ST_SEG_C_N; i++)
		osp_buf_free(&c->files[i]);
	osp_arena_free(&c->arena);
	free(c);
}

static void
view_destroy(st_reader_t *r)
{
	st_seg_reader_t *v = (st_seg_reader_t *)(void *)r;

	st_seg_bm_free(v->live);
	core_unref(v->core);
	free(v);
}

/* A new view over c (takes a core reference) with live (taken; NULL = all). */
static int
view_new(st_seg_core_t *c, roaring_bitmap_t *live, uint64_t delgen, uint64_t gen,
	 st_reader_t **out)
{
	st_seg_reader_t *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return -ENOMEM;
	v->base.ops = &seg_ops;
	v->base.max_doc = c->max_doc;
	v->base.num_docs = live ? (uint32_t)roaring_bitmap_get_cardinality(live) : c->max_doc;
	v->base.live = live;
	v->base.gen = gen;
	v->base.refs = 1;
	v->base.destroy = view_destroy;
	v->core = c;
	v->live = live;
	v->delgen = delgen;
	c->refs++;
	*out = &v->base;
	return 0;
}

static int
cmp_field_name(const void *a, const void *b, void *arg)
{
	const st_seg_core_t *c = arg;

	return strcmp(c->fields[*(const uint32_t *)a].fi.name,
		      c->fields[*(const uint32_t *)b].fi.name);
}

st_seg_rfield_t *
st_seg_core_field(const st_seg_core_t *c, const char *name)
{
	uint32_t lo = 0, hi = c->nfields;

	if (name == NULL)
		return NULL;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(c->fields[c->by_name[mid]].fi.name, name);

		if (cmp == 0)
			return &c->fields[c->by_name[mid]];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Which component a file name is ("<seg>.<ext>"); -1 when none. */
static int
comp_of(const char *name, char *seg, size_t segsz)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL || (size_t)(dot - name) >= segsz)
		return -1;
	for (int i = 0; i < ST_SEG_C_N; i++)
		if (strcmp(dot + 1, st_seg_comp_ext[i]) == 0) {
			memcpy(seg, name, (size_t)(dot - name));
			seg[dot - name] = '\0';
			return i;
		}
	return -1;
}

static int
open_core(st_seg_core_t *c, osp_err_t *err)
{
	const uint8_t *body[ST_SEG_C_N];
	size_t len[ST_SEG_C_N];
	char name[64];
	int rc;

	for (int i = 0; i < ST_SEG_C_N; i++) {
		snprintf(name, sizeof(name), "%s.%s", c->name, st_seg_comp_ext[i]);
		rc = st_seg_frame_check(&c->files[i], i, i ? c->segid : NULL,
					i ? NULL : c->segid, &body[i], &len[i], err, name);
		if (rc)
			return rc;
	}
	st_seg_finfo_t *fi = NULL;

	rc = st_seg_info_read(body[ST_SEG_C_SI], len[ST_SEG_C_SI], &c->arena, &c->max_doc,
			      &fi, &c->nfields);
	if (rc == 0 && c->max_doc == 0)
		rc = -EBADMSG;
	if (rc) {
		snprintf(name, sizeof(name), "%s.si", c->name);
		return rc == -EBADMSG ? st_seg_corrupt(err, name, "bad field infos") : rc;
	}
	/* Widen the field infos into reader fields. */
	{
		st_seg_rfield_t *f = osp_arena_calloc(&c->arena,
			(size_t)(c->nfields ? c->nfields : 1) * sizeof(*f));

		c->by_name = osp_arena_alloc(&c->arena, (size_t)(c->nfields + 1) * 4);
		if (f == NULL || c->by_name == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i < c->nfields; i++) {
			f[i].fi = fi[i];
			c->by_name[i] = i;
		}
		c->fields = f;
		qsort_r(c->by_name, c->nfields, 4, cmp_field_name, c);
		for (uint32_t i = 1; i < c->nfields; i++)
			if (strcmp(f[c->by_name[i - 1]].fi.name, f[c->by_name[i]].fi.name) == 0)
				return st_seg_corrupt(err, "si", "duplicate field name");
	}
#define STEP(comp, call, what)                                                   \
	do {                                                                     \
		rc = (call);                                                     \
		if (rc) {                                                        \
			snprintf(name, sizeof(name), "%s.%s", c->name,           \
				 st_seg_comp_ext[comp]);                         \
			return rc == -EBADMSG ? st_seg_corrupt(err, name, what) : rc; \
		}                                                                \
	} while (0)
	STEP(ST_SEG_C_NRM, st_seg_nrm_r_open(c, body[ST_SEG_C_NRM], len[ST_SEG_C_NRM]),
	     "bad norms layout");
	STEP(ST_SEG_C_TIM, st_seg_tim_r_open(c, body[ST_SEG_C_TIM], len[ST_SEG_C_TIM]),
	     "bad term dictionary index");
	STEP(ST_SEG_C_DVD, st_seg_dvd_r_open(c, body[ST_SEG_C_DVD], len[ST_SEG_C_DVD]),
	     "bad doc values layout");
	STEP(ST_SEG_C_PNT, st_seg_pnt_r_open(c, body[ST_SEG_C_PNT], len[ST_SEG_C_PNT]),
	     "bad points layout");
	STEP(ST_SEG_C_SRC, st_seg_src_r_open(&c->src, body[ST_SEG_C_SRC], len[ST_SEG_C_SRC],
					     c->max_doc), "bad stored fields index");
	STEP(ST_SEG_C_MET, st_seg_met_r_open(&c->met, body[ST_SEG_C_MET], len[ST_SEG_C_MET],
					     c->max_doc), "bad doc meta");
#undef STEP
	return 0;
}

int
st_segment_open(st_seg_files_t *files, const st_seg_open_opts_t *opts,
		st_reader_t **out, osp_err_t *err)
{
	st_seg_core_t *c;
	roaring_bitmap_t *live = NULL, *del = NULL;
	uint64_t delgen = 0;
	int idx[ST_SEG_C_N];
	char seg[40];
	int rc;

	if (files == NULL || out == NULL)
		return -EINVAL;
	for (int i = 0; i < ST_SEG_C_N; i++)
		idx[i] = -1;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	osp_arena_init(&c->arena, 64 * 1024, 0);
	c->refs = 1;
	for (uint32_t i = 0; i < files->n && i < 10; i++) {
		int k = comp_of(files->f[i].name, seg, sizeof(seg));

		if (k < 0)
			continue;
		if (idx[k] >= 0 || (c->name[0] && strcmp(seg, c->name) != 0)) {
			if (err)
				osp_err_set(err, 500, "corrupt_index_exception",
					    "segment files mix names or repeat [%s]",
					    files->f[i].name);
			rc = -EINVAL;
			goto fail;
		}
		snprintf(c->name, sizeof(c->name), "%s", seg);
		idx[k] = (int)i;
	}
	for (int i = 0; i < ST_SEG_C_N; i++) {
		if (idx[i] < 0) {
			if (err)
				osp_err_set(err, 500, "corrupt_index_exception",
					    "segment [%s] misses its .%s component",
					    c->name, st_seg_comp_ext[i]);
			rc = -EINVAL;
			goto fail;
		}
		/* Borrow for validation; ownership moves only on success. */
		c->files[i] = files->f[idx[i]].buf;
	}
	rc = open_core(c, err);
	if (rc == 0 && opts && opts->liv) {
		rc = st_seg_liv_read(opts->liv, c->segid, c->max_doc, &delgen, &del, err);
		if (rc == 0) {
			live = roaring_bitmap_create();
			if (live == NULL) {
				rc = -ENOMEM;
			} else {
				roaring_bitmap_add_range(live, 0, c->max_doc);
				roaring_bitmap_andnot_inplace(live, del);
				roaring_bitmap_run_optimize(live);
			}
			st_seg_bm_free(del);
		}
	}
	if (rc)
		goto fail;
	rc = view_new(c, live, delgen, opts ? opts->gen : 0, out);
	if (rc)
		goto fail;
	c->refs--;                    /* the view holds the only reference */
	for (int i = 0; i < ST_SEG_C_N; i++)
		osp_buf_init(&files->f[idx[i]].buf);
	return 0;
fail:
	st_seg_bm_free(live);
	for (int i = 0; i < ST_SEG_C_N; i++)
		osp_buf_init(&c->files[i]);   /* still the caller's */
	c->refs = 1;
	core_unref(c);
	return rc;
}

bool
st_segment_is_segment(const st_reader_t *r)
{
	return r && r->ops == &seg_ops;
}

/* ---- deletes ---- */

int
st_segment_delete(const st_reader_t *r, const uint32_t *docs, size_t n,
		  st_reader_t **out)
{
	const st_seg_reader_t *v = (const st_seg_reader_t *)(const void *)r;
	roaring_bitmap_t *live;
	bool changed = false;
	int rc;

	if (!st_segment_is_segment(r))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (docs[i] >= r->max_doc)
			return -EINVAL;
	if (v->live) {
		live = roaring_bitmap_copy(v->live);
	} else {
		live = roaring_bitmap_create();
		if (live)
			roaring_bitmap_add_range(live, 0, r->max_doc);
	}
	if (live == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (roaring_bitmap_contains(live, docs[i])) {
			roaring_bitmap_remove(live, docs[i]);
			changed = true;
		}
	roaring_bitmap_run_optimize(live);
	if (!changed && v->live == NULL) {
		st_seg_bm_free(live);
		live = NULL;
	}
	rc = view_new(v->core, live, v->delgen + (changed ? 1 : 0), r->gen, out);
	if (rc)
		st_seg_bm_free(live);
	return rc;
}

int
st_segment_apply_liv(const st_reader_t *r, const osp_buf_t *liv,
		     st_reader_t **out, osp_err_t *err)
{
	st_seg_core_t *c;
	roaring_bitmap_t *del = NULL, *live;
	uint64_t delgen;
	int rc;

	if (!st_segment_is_segment(r) || liv == NULL)
		return -EINVAL;
	c = core_of(r);
	rc = st_seg_liv_read(liv, c->segid, c->max_doc, &delgen, &del, err);
	if (rc)
		return rc;
	live = roaring_bitmap_create();
	if (live == NULL) {
		st_seg_bm_free(del);
		return -ENOMEM;
	}
	roaring_bitmap_add_range(live, 0, c->max_doc);
	roaring_bitmap_andnot_inplace(live, del);
	roaring_bitmap_run_optimize(live);
	st_seg_bm_free(del);
	rc = view_new(c, live, delgen, r->gen, out);
	if (rc)
		st_seg_bm_free(live);
	return rc;
}

uint64_t
st_segment_delgen(const st_reader_t *r)
{
	return st_segment_is_segment(r) ? ((const st_seg_reader_t *)(const void *)r)->delgen : 0;
}

int
st_segment_write_liv(const st_reader_t *r, st_seg_file_t *out)
{
	const st_seg_reader_t *v = (const st_seg_reader_t *)(const void *)r;
	roaring_bitmap_t *del;
	int rc;

	if (!st_segment_is_segment(r) || v->delgen == 0)
		return -EINVAL;
	del = roaring_bitmap_create();
	if (del == NULL)
		return -ENOMEM;
	roaring_bitmap_add_range(del, 0, r->max_doc);
	if (v->live)
		roaring_bitmap_andnot_inplace(del, v->live);
	else
		roaring_bitmap_clear(del);
	roaring_bitmap_run_optimize(del);
	osp_buf_init(&out->buf);
	snprintf(out->name, sizeof(out->name), "%s_%llu.liv", v->core->name,
		 (unsigned long long)v->delgen);
	rc = st_seg_liv_write(&out->buf, v->core->segid, v->delgen, r->max_doc, del);
	st_seg_bm_free(del);
	if (rc)
		osp_buf_free(&out->buf);
	return rc;
}

int
st_segment_stats(const st_reader_t *r, st_seg_stats_t *out)
{
	const st_seg_reader_t *v = (const st_seg_reader_t *)(const void *)r;
	const st_seg_core_t *c;

	if (!st_segment_is_segment(r))
		return -EINVAL;
	c = v->core;
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", c->name);
	out->max_doc = r->max_doc;
	out->num_docs = r->num_docs;
	out->deleted = r->max_doc - r->num_docs;
	out->delgen = v->delgen;
	for (int i = 0; i < ST_SEG_C_N; i++) {
		snprintf(out->comp[i].ext, sizeof(out->comp[i].ext), "%s", st_seg_comp_ext[i]);
		out->comp[i].bytes = c->files[i].len;
		out->total_bytes += c->files[i].len;
	}
	out->ncomp = ST_SEG_C_N;
	out->decoded_bytes = c->arena.used + c->pcache_bytes;
	return 0;
}

/* ---- st_reader_ops_t ---- */

static int
op_field_stats(const st_reader_t *r, const char *field, st_field_stats_t *out)
{
	const st_seg_rfield_t *f = st_seg_core_field(core_of(r), field);

	if (f == NULL || f->fi.index == ST_SEG_INDEX_NONE)
		return -ENOENT;
	out->doc_count = f->fi.doc_count;
	out->sum_total_term_freq = f->fi.sum_ttf;
	out->sum_doc_freq = f->fi.sum_df;
	out->has_freqs = f->fi.index >= ST_SEG_INDEX_FREQS;
	out->has_positions = f->fi.index >= ST_SEG_INDEX_POSITIONS;
	out->has_norms = f->fi.norms;
	return 0;
}

static int
op_postings(const st_reader_t *r, const char *field, const char *term,
	    uint32_t term_len, const st_postings_t **out)
{
	st_seg_core_t *c = core_of(r);
	st_seg_rfield_t *f = st_seg_core_field(c, field);
	uint32_t ord;
	int rc;

	if (f == NULL || f->fi.num_terms == 0)
		return -ENOENT;
	rc = st_seg_tim_r_find(c, f, term, term_len, &ord);
	if (rc)
		return rc;
	return st_seg_doc_r_decode(c, f, ord, out);
}

/* Load the iterator's current term (it->pos) or mark it done. */
static int
iter_load(st_seg_core_t *c, st_seg_rfield_t *f, st_term_iter_t *it)
{
	const st_seg_tblock_t *tb;
	int rc;

	if (it->pos >= f->fi.num_terms) {
		it->done = true;
		it->term = NULL;
		it->term_len = 0;
		it->doc_freq = 0;
		return 0;
	}
	rc = st_seg_tim_r_block(c, f, it->pos / ST_SEG_TERMS_PER_BLOCK, &tb);
	if (rc)
		return rc;
	uint32_t i = it->pos % ST_SEG_TERMS_PER_BLOCK;

	it->term = tb->bytes + tb->off[i];
	it->term_len = tb->off[i + 1] - tb->off[i];
	it->doc_freq = tb->doc_freq[i];
	it->done = false;
	return 0;
}

static int
op_terms_seek(const st_reader_t *r, const char *field, const char *from,
	      uint32_t from_len, st_term_iter_t *it)
{
	st_seg_core_t *c = core_of(r);
	st_seg_rfield_t *f = st_seg_core_field(c, field);
	uint32_t ord = 0;
	int rc;

	memset(it, 0, sizeof(*it));
	it->r = r;
	it->done = true;
	if (f == NULL || f->fi.num_terms == 0)
		return 0;
	it->field_idx = (uint32_t)(f - c->fields);
	if (from) {
		rc = st_seg_tim_r_find(c, f, from, from_len, &ord);
		if (rc && rc != -ENOENT)
			return rc;
	}
	it->pos = ord;
	return iter_load(c, f, it);
}

static int
op_terms_next(st_term_iter_t *it)
{
	st_seg_core_t *c = core_of(it->r);

	if (it->done || it->field_idx >= c->nfields)
		return 0;
	it->pos++;
	return iter_load(c, &c->fields[it->field_idx], it);
}

static int
op_terms_postings(const st_term_iter_t *it, const st_postings_t **out)
{
	st_seg_core_t *c = core_of(it->r);

	if (it->done || it->field_idx >= c->nfields)
		return -ENOENT;
	return st_seg_doc_r_decode(c, &c->fields[it->field_idx], it->pos, out);
}

static const uint8_t *
op_norms(const st_reader_t *r, const char *field)
{
	const st_seg_rfield_t *f = st_seg_core_field(core_of(r), field);

	return f ? f->norms : NULL;
}

static int
op_dv_numeric(const st_reader_t *r, const char *field, st_dv_numeric_t *out)
{
	st_seg_core_t *c = core_of(r);
	st_seg_rfield_t *f = st_seg_core_field(c, field);
	int rc;

	if (f == NULL || (f->fi.dv != ST_SEG_DV_LONG && f->fi.dv != ST_SEG_DV_DOUBLE))
		return -ENOENT;
	rc = st_seg_dvd_r_decode(c, f);
	if (rc)
		return rc;
	*out = f->dvn;
	return 0;
}

static int
op_points(const st_reader_t *r, const char *field, st_points_t *out)
{
	st_seg_core_t *c = core_of(r);
	st_seg_rfield_t *f = st_seg_core_field(c, field);
	int rc;

	if (f == NULL || f->pt_sec == NULL)
		return -ENOENT;
	rc = st_seg_pnt_r_decode(c, f);
	if (rc)
		return rc;
	*out = f->pts;
	return 0;
}

static int
op_dv_sorted_set(const st_reader_t *r, const char *field, st_dv_sorted_set_t *out)
{
	st_seg_core_t *c = core_of(r);
	st_seg_rfield_t *f = st_seg_core_field(c, field);
	int rc;

	if (f == NULL || f->fi.dv != ST_SEG_DV_SORTED_SET)
		return -ENOENT;
	rc = st_seg_dvd_r_decode(c, f);
	if (rc)
		return rc;
	*out = f->dvs;
	return 0;
}

static int
op_source(const st_reader_t *r, uint32_t doc, osp_arena_t *a, const char **src,
	  size_t *len)
{
	st_seg_core_t *c = core_of(r);
	const char *p;
	size_t n;
	char *copy;
	int rc;

	if (doc >= c->max_doc)
		return -EINVAL;
	rc = st_seg_src_r_get(&c->src, doc, &p, &n);
	if (rc)
		return rc;
	copy = osp_arena_alloc(a, n + 1);
	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, p, n);
	copy[n] = '\0';
	*src = copy;
	*len = n;
	return 0;
}

static int
op_doc_meta(const st_reader_t *r, uint32_t doc, st_doc_meta_t *out)
{
	return st_seg_met_r_get(&core_of(r)->met, doc, out);
}

static int
op_lookup_id(const st_reader_t *r, const char *id, uint32_t id_len, uint32_t *doc)
{
	return st_seg_met_r_lookup(&core_of(r)->met, id, id_len, r->live, doc);
}

static uint32_t
op_field_count(const st_reader_t *r)
{
	return core_of(r)->nfields;
}

static const char *
op_field_name(const st_reader_t *r, uint32_t i)
{
	const st_seg_core_t *c = core_of(r);

	return i < c->nfields ? c->fields[c->by_name[i]].fi.name : NULL;
}

static const st_reader_ops_t seg_ops = {
	.field_stats = op_field_stats,
	.postings = op_postings,
	.terms_seek = op_terms_seek,
	.terms_next = op_terms_next,
	.terms_postings = op_terms_postings,
	.norms = op_norms,
	.dv_numeric = op_dv_numeric,
	.dv_sorted_set = op_dv_sorted_set,
	.source = op_source,
	.doc_meta = op_doc_meta,
	.lookup_id = op_lookup_id,
	.field_count = op_field_count,
	.field_name = op_field_name,
	.points = op_points,
};
