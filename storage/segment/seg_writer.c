/*
 * seg_writer.c - the segment writer: turns a stream of docs (meta, _source)
 * and then, field by field, sorted terms with their postings, norms and doc
 * values into the component buffers of one segment. The builder (refresh)
 * and merge both drive it, so a merged segment is encoded exactly like a
 * fresh one. It owns every buffer until finish hands them to the caller.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "seg_int.h"

#define MAX_TERM_LEN 32766u          /* Lucene's IndexWriter.MAX_TERM_LENGTH */

/* Owned by its creator (builder or merge); one core. */
struct st_seg_writer {
	char name[40];
	uint8_t segid[16];
	st_seg_finfo_t *fi;
	uint32_t nfields, cap;
	uint32_t max_doc;
	uint32_t cur_field;           /* field whose terms are being written */
	st_seg_tim_w_t tim;
	osp_buf_t doc, pos, nrm, dvd, pnt;
	uint32_t nnrm, ndvd, npnt;
	st_seg_src_w_t src;
	st_seg_met_w_t met;
	roaring_bitmap_t *scratch, *field_docs;
	uint32_t pos_scratch[ST_SEG_PACK_BLOCK];
	int failed;
};

int
st_seg_writer_create(const st_seg_builder_opts_t *o, st_seg_writer_t **out)
{
	static const uint8_t zero[16];
	st_seg_writer_t *w;

	if (o == NULL || o->name == NULL || strlen(o->name) == 0 ||
	    strlen(o->name) >= sizeof(w->name) || strchr(o->name, '/'))
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	snprintf(w->name, sizeof(w->name), "%s", o->name);
	memcpy(w->segid, o->seg_id, 16);
	if (memcmp(w->segid, zero, 16) == 0 &&
	    getrandom(w->segid, 16, 0) != 16) {
		free(w);
		return -EIO;
	}
	w->cur_field = UINT32_MAX;
	st_seg_tim_w_init(&w->tim);
	st_seg_src_w_init(&w->src, o->source_block_bytes, o->zstd_level);
	st_seg_met_w_init(&w->met);
	st_seg_frame_begin(&w->doc, ST_SEG_C_DOC, w->segid);
	st_seg_frame_begin(&w->pos, ST_SEG_C_POS, w->segid);
	st_seg_frame_begin(&w->nrm, ST_SEG_C_NRM, w->segid);
	st_seg_frame_begin(&w->dvd, ST_SEG_C_DVD, w->segid);
	st_seg_frame_begin(&w->pnt, ST_SEG_C_PNT, w->segid);
	w->scratch = roaring_bitmap_create();
	w->field_docs = roaring_bitmap_create();
	if (w->scratch == NULL || w->field_docs == NULL) {
		st_seg_writer_free(w);
		return -ENOMEM;
	}
	*out = w;
	return 0;
}

void
st_seg_writer_free(st_seg_writer_t *w)
{
	if (w == NULL)
		return;
	for (uint32_t i = 0; i < w->nfields; i++)
		free(w->fi[i].name);
	free(w->fi);
	st_seg_tim_w_free(&w->tim);
	osp_buf_free(&w->doc);
	osp_buf_free(&w->pos);
	osp_buf_free(&w->nrm);
	osp_buf_free(&w->dvd);
	osp_buf_free(&w->pnt);
	st_seg_src_w_free(&w->src);
	st_seg_met_w_free(&w->met);
	st_seg_bm_free(w->scratch);
	st_seg_bm_free(w->field_docs);
	free(w);
}

int
st_seg_writer_add_field(st_seg_writer_t *w, const st_seg_field_spec_t *spec)
{
	if (w->nfields == w->cap) {
		uint32_t cap = w->cap ? w->cap * 2 : 16;
		st_seg_finfo_t *fi = realloc(w->fi, cap * sizeof(*fi));

		if (fi == NULL)
			return -ENOMEM;
		w->fi = fi;
		w->cap = cap;
	}
	st_seg_finfo_t *f = &w->fi[w->nfields];

	memset(f, 0, sizeof(*f));
	f->name = strdup(spec->name);
	if (f->name == NULL)
		return -ENOMEM;
	f->index = (uint8_t)spec->index;
	f->norms = spec->norms;
	f->dv = (uint8_t)spec->dv;
	w->nfields++;
	return 0;
}

int
st_seg_writer_doc(st_seg_writer_t *w, const st_doc_meta_t *meta,
		  const char *src, size_t src_len)
{
	int rc;

	if (w->max_doc == UINT32_MAX - 1)
		return -E2BIG;
	rc = st_seg_src_w_add(&w->src, src, src_len);
	if (rc)
		return rc;
	st_seg_met_w_add(&w->met, meta);
	w->max_doc++;
	return 0;
}

static int
term_cmp(const char *a, uint32_t al, const char *b, uint32_t bl)
{
	uint32_t m = al < bl ? al : bl;
	int c = m ? memcmp(a, b, m) : 0;

	return c ? c : (al < bl ? -1 : al > bl);
}

/* Append one term's postings to .doc/.pos and its entry to .tim. */
int
st_seg_writer_term(st_seg_writer_t *w, uint32_t fid, const st_seg_wterm_t *t)
{
	st_seg_finfo_t *f;
	uint64_t ttf = 0, doff, poff = 0;

	if (fid >= w->nfields || w->fi[fid].index == ST_SEG_INDEX_NONE ||
	    t->n == 0 || t->len > MAX_TERM_LEN)
		return -EINVAL;
	f = &w->fi[fid];
	if (w->cur_field != fid) {
		if (w->cur_field != UINT32_MAX)
			return -EINVAL;
		w->cur_field = fid;
		roaring_bitmap_clear(w->field_docs);
	} else if (term_cmp(w->tim.prev.data, (uint32_t)w->tim.prev.len, t->term, t->len) >= 0) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < t->n; i++) {
		if (t->docs[i] >= w->max_doc || (i && t->docs[i] <= t->docs[i - 1]))
			return -EINVAL;
		uint32_t fr = f->index >= ST_SEG_INDEX_FREQS && t->freqs ? t->freqs[i] : 1;

		if (fr == 0)
			return -EINVAL;
		ttf += fr;
	}
	if (f->index >= ST_SEG_INDEX_POSITIONS && t->pos == NULL)
		return -EINVAL;
	doff = st_seg_doc_w_term(&w->doc, w->scratch, f->index, t);
	if (f->index >= ST_SEG_INDEX_POSITIONS)
		poff = st_seg_pos_w_term(&w->pos, t, w->pos_scratch);
	roaring_bitmap_or_inplace(w->field_docs, w->scratch);
	f->num_terms++;
	f->sum_df += t->n;
	f->sum_ttf += ttf;
	if (osp_buf_failed(&w->doc) || osp_buf_failed(&w->pos))
		return -ENOMEM;
	return st_seg_tim_w_term(&w->tim, f->index, t->term, t->len, t->n, ttf, doff, poff);
}

int
st_seg_writer_field_end(st_seg_writer_t *w, uint32_t fid)
{
	if (w->cur_field != fid)
		return 0;             /* no terms: nothing to close */
	w->fi[fid].doc_count = roaring_bitmap_get_cardinality(w->field_docs);
	st_seg_tim_w_field_end(&w->tim, fid);
	w->cur_field = UINT32_MAX;
	return osp_buf_failed(&w->tim.fields) ? -ENOMEM : 0;
}

int
st_seg_writer_norms(st_seg_writer_t *w, uint32_t fid, const uint8_t *norms,
		    uint32_t max_doc)
{
	if (fid >= w->nfields || !w->fi[fid].norms || max_doc != w->max_doc)
		return -EINVAL;
	st_seg_nrm_w_field(&w->nrm, fid, norms, max_doc);
	w->nnrm++;
	return osp_buf_failed(&w->nrm) ? -ENOMEM : 0;
}

int
st_seg_writer_dv_numeric(st_seg_writer_t *w, uint32_t fid, const uint32_t *counts,
			 const int64_t *vals, uint32_t max_doc, uint64_t nvals)
{
	if (fid >= w->nfields || max_doc != w->max_doc ||
	    (w->fi[fid].dv != ST_SEG_DV_LONG && w->fi[fid].dv != ST_SEG_DV_DOUBLE))
		return -EINVAL;
	st_seg_dvd_w_numeric(&w->dvd, fid, counts, vals, max_doc, nvals);
	w->ndvd++;
	st_seg_pnt_w_field(&w->pnt, fid, w->fi[fid].dv == ST_SEG_DV_DOUBLE, counts, vals,
			   max_doc, nvals);
	w->npnt++;
	return osp_buf_failed(&w->dvd) || osp_buf_failed(&w->pnt) ? -ENOMEM : 0;
}

int
st_seg_writer_dv_sorted_set(st_seg_writer_t *w, uint32_t fid, uint32_t num_terms,
			    const uint32_t *term_off, const char *term_bytes,
			    const uint32_t *counts, const uint32_t *ords,
			    uint32_t max_doc, uint64_t nords)
{
	if (fid >= w->nfields || max_doc != w->max_doc ||
	    w->fi[fid].dv != ST_SEG_DV_SORTED_SET)
		return -EINVAL;
	st_seg_dvd_w_sorted_set(&w->dvd, fid, num_terms, term_off, term_bytes, counts,
				ords, max_doc, nords);
	w->ndvd++;
	return osp_buf_failed(&w->dvd) ? -ENOMEM : 0;
}

static int
files_add(st_seg_files_t *out, const char *seg, int comp, osp_buf_t *b)
{
	st_seg_file_t *f = &out->f[out->n++];

	snprintf(f->name, sizeof(f->name), "%s.%s", seg, st_seg_comp_ext[comp]);
	f->buf = *b;
	osp_buf_init(b);
	return 0;
}

/* Close every component; on success *out owns the buffers. */
int
st_seg_writer_finish(st_seg_writer_t *w, st_seg_files_t *out)
{
	osp_buf_t si = OSP_BUF_INIT, tim = OSP_BUF_INIT, src = OSP_BUF_INIT,
		  met = OSP_BUF_INIT;
	int rc;

	memset(out, 0, sizeof(*out));
	if (w->max_doc == 0)
		return -ENODATA;
	if (w->cur_field != UINT32_MAX)
		st_seg_writer_field_end(w, w->cur_field);
	rc = st_seg_info_write(&si, w->segid, w->max_doc, w->fi, w->nfields);
	if (rc)
		goto cleanup;
	st_seg_tim_w_finish(&w->tim, &tim, w->segid);
	st_seg_frame_end(&w->doc);
	st_seg_frame_end(&w->pos);
	st_seg_nrm_w_finish(&w->nrm, w->nnrm);
	st_seg_frame_end(&w->nrm);
	st_seg_dvd_w_finish(&w->dvd, w->ndvd);
	st_seg_frame_end(&w->dvd);
	st_seg_pnt_w_finish(&w->pnt, w->npnt);
	st_seg_frame_end(&w->pnt);
	rc = st_seg_src_w_finish(&w->src, &src, w->segid);
	if (rc)
		goto cleanup;
	rc = st_seg_met_w_finish(&w->met, &met, w->segid);
	if (rc)
		goto cleanup;
	rc = -ENOMEM;
	if (osp_buf_failed(&tim) || osp_buf_failed(&w->doc) || osp_buf_failed(&w->pos) ||
	    osp_buf_failed(&w->nrm) || osp_buf_failed(&w->dvd) || osp_buf_failed(&w->pnt))
		goto cleanup;
	files_add(out, w->name, ST_SEG_C_SI, &si);
	files_add(out, w->name, ST_SEG_C_TIM, &tim);
	files_add(out, w->name, ST_SEG_C_DOC, &w->doc);
	files_add(out, w->name, ST_SEG_C_POS, &w->pos);
	files_add(out, w->name, ST_SEG_C_NRM, &w->nrm);
	files_add(out, w->name, ST_SEG_C_DVD, &w->dvd);
	files_add(out, w->name, ST_SEG_C_SRC, &src);
	files_add(out, w->name, ST_SEG_C_MET, &met);
	files_add(out, w->name, ST_SEG_C_PNT, &w->pnt);
	return 0;
cleanup:
	osp_buf_free(&si);
	osp_buf_free(&tim);
	osp_buf_free(&src);
	osp_buf_free(&met);
	return rc;
}

int
st_seg_writer_reserve(st_seg_writer_t *w, size_t src, size_t doc, size_t pos)
{
	if (osp_buf_reserve(&w->src.body, src) || osp_buf_reserve(&w->doc, doc) ||
	    osp_buf_reserve(&w->pos, pos))
		return -ENOMEM;
	return 0;
}

size_t
st_seg_writer_mem(const st_seg_writer_t *w)
{
	return w->tim.body.cap + w->tim.index.cap + w->doc.cap + w->pos.cap + w->nrm.cap +
	       w->dvd.cap + w->pnt.cap + w->src.body.cap + w->src.index.cap + w->src.data.cap +
	       w->src.lens.cap + w->src.comp.cap + w->met.ids.cap + w->met.routings.cap +
	       w->met.idl.cap + w->met.rtl.cap + w->met.seq.cap + w->met.term.cap +
	       w->met.ver.cap + w->cap * sizeof(st_seg_finfo_t);
}

void
st_seg_files_free(st_seg_files_t *fs)
{
	for (uint32_t i = 0; i < fs->n; i++)
		osp_buf_free(&fs->f[i].buf);
	fs->n = 0;
}
