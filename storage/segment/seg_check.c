/*
 * seg_check.c - deep verification of an opened segment (Lucene's
 * CheckIndex, ES's index.shard.check_on_startup=checksum+structure): decode
 * every term's postings and positions without caching them, recompute the
 * per-field statistics and compare them with .si, decode every doc values
 * field, its points (counts compared with the doc values) and every
 * stored-fields block. Opening already checked checksums and layout; this
 * catches what only a full decode can (a file whose checksum was forged, or
 * a writer bug). It costs a full read of the
 * segment, so callers use it at recovery, before snapshots, or in tests.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "seg_int.h"

static int
check_field(st_seg_core_t *c, st_seg_rfield_t *f, st_seg_pbuf_t *pb, roaring_bitmap_t *docs,
	    const char **what)
{
	uint64_t sum_df = 0, sum_ttf = 0;
	int rc;

	roaring_bitmap_clear(docs);
	for (uint32_t ord = 0; ord < f->fi.num_terms; ord++) {
		rc = st_seg_doc_r_read(c, f, ord, pb);
		if (rc) {
			*what = "postings do not decode";
			return rc;
		}
		sum_df += pb->n;
		sum_ttf += pb->ttf;
		roaring_bitmap_add_many(docs, pb->n, pb->docs);
	}
	if (sum_df != f->fi.sum_df || sum_ttf != f->fi.sum_ttf ||
	    roaring_bitmap_get_cardinality(docs) != f->fi.doc_count) {
		*what = "field statistics disagree with the postings";
		return -EBADMSG;
	}
	if (f->fi.dv != ST_SEG_DV_NONE) {
		rc = st_seg_dvd_r_decode(c, f);
		if (rc) {
			*what = "doc values do not decode";
			return rc;
		}
	}
	if (f->fi.dv == ST_SEG_DV_LONG || f->fi.dv == ST_SEG_DV_DOUBLE) {
		uint32_t with = 0;

		rc = st_seg_pnt_r_decode(c, f);
		if (rc) {
			*what = "points do not decode";
			return rc;
		}
		for (uint32_t d = 0; d < c->max_doc; d++)
			with += f->dvn.start[d] < f->dvn.start[d + 1];
		if (f->pts.n != f->dvn.start[c->max_doc] || f->pts.doc_count != with) {
			*what = "points disagree with the doc values";
			return -EBADMSG;
		}
	}
	return 0;
}

int
st_segment_check(const st_reader_t *r, osp_err_t *err)
{
	st_seg_core_t *c;
	st_seg_pbuf_t pb;
	roaring_bitmap_t *docs;
	const char *what = NULL;
	char name[96];
	int rc = 0;

	if (!st_segment_is_segment(r))
		return -EINVAL;
	c = ((const st_seg_reader_t *)(const void *)r)->core;
	memset(&pb, 0, sizeof(pb));
	docs = roaring_bitmap_create();
	if (docs == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < c->nfields && rc == 0; i++) {
		rc = check_field(c, &c->fields[i], &pb, docs, &what);
		if (rc)
			snprintf(name, sizeof(name), "%s field [%s]", c->name, c->fields[i].fi.name);
	}
	/* Every stored-fields block, in order (each doc once). */
	for (uint32_t d = 0; d < c->max_doc && rc == 0; d++) {
		const char *p;
		size_t len;

		rc = st_seg_src_r_get(&c->src, d, &p, &len);
		if (rc) {
			what = "stored fields do not decode";
			snprintf(name, sizeof(name), "%s.src", c->name);
		}
	}
	st_seg_pbuf_free(&pb);
	st_seg_bm_free(docs);
	if (rc == -EBADMSG || rc == -EINVAL)
		return st_seg_corrupt(err, name, what);
	return rc;
}
