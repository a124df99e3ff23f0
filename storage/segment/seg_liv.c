/*
 * seg_liv.c - the live docs component ("<seg>_<delgen>.liv"): the docs of
 * one segment deleted as of delete generation delgen. A segment's other
 * components never change; each new set of deletes is written as a new
 * generation and the commit point names the one in force (Lucene's .liv).
 * The file stores the deleted set, which is small in the common case; the
 * reader view holds its complement (the live set st_reader.h wants).
 *
 * Body (after the common header; the header's segment id is the
 * segment's, so deletes cannot be applied to the wrong segment):
 *   OFFSET  SIZE  DESCRIPTION
 *   0       8     delgen (>= 1)
 *   8       4     max_doc of the segment
 *   12      4     B
 *   16      B     roaring_bitmap_portable_serialize of the deleted docs
 */
#include <errno.h>
#include <string.h>

#include "seg_int.h"

int
st_seg_liv_write(osp_buf_t *b, const uint8_t segid[16], uint64_t delgen,
		 uint32_t max_doc, const roaring_bitmap_t *deleted)
{
	size_t sz = roaring_bitmap_portable_size_in_bytes(deleted);

	st_seg_frame_begin(b, ST_SEG_C_LIV, segid);
	osp_buf_put_u64le(b, delgen);
	osp_buf_put_u32le(b, max_doc);
	osp_buf_put_u32le(b, (uint32_t)sz);
	if (osp_buf_reserve(b, sz) == 0) {
		roaring_bitmap_portable_serialize(deleted, b->data + b->len);
		b->len += sz;
	}
	st_seg_frame_end(b);
	return osp_buf_failed(b) ? -ENOMEM : 0;
}

/* Every member ascending and < max_doc, and as many as the cardinality
 * says (a forged checksum must not smuggle in an inconsistent bitmap). */
static bool
bm_sane(const roaring_bitmap_t *bm, uint32_t max_doc)
{
	roaring_uint32_iterator_t it;
	uint32_t buf[256], prev = 0;
	uint64_t n = 0;

	roaring_init_iterator(bm, &it);
	for (;;) {
		uint32_t k = roaring_read_uint32_iterator(&it, buf, 256);

		if (k == 0)
			break;
		for (uint32_t j = 0; j < k; j++) {
			if (buf[j] >= max_doc || (n + j && buf[j] <= prev))
				return false;
			prev = buf[j];
		}
		n += k;
		if (n > max_doc)
			return false;
	}
	return n == roaring_bitmap_get_cardinality(bm);
}

/* Parse and validate a .liv for the segment (segid, max_doc). */
int
st_seg_liv_read(const osp_buf_t *b, const uint8_t segid[16], uint32_t max_doc,
		uint64_t *delgen, roaring_bitmap_t **deleted, osp_err_t *err)
{
	const uint8_t *body;
	size_t len;
	st_seg_rd_t r;
	roaring_bitmap_t *bm;
	int rc;

	rc = st_seg_frame_check(b, ST_SEG_C_LIV, segid, NULL, &body, &len, err, "liv");
	if (rc)
		return rc;
	st_seg_rd_init(&r, body, len);
	*delgen = st_seg_rd_u64(&r);
	uint32_t md = st_seg_rd_u32(&r);
	uint32_t sz = st_seg_rd_u32(&r);
	const uint8_t *p = st_seg_rd_bytes(&r, sz);

	if (p == NULL || st_seg_rd_left(&r) != 0 || *delgen == 0)
		return st_seg_corrupt(err, "liv", "bad live-docs layout");
	if (md != max_doc)
		return st_seg_corrupt(err, "liv", "max_doc differs from the segment's");
	bm = st_seg_bm_parse(p, sz);
	if (bm == NULL)
		return st_seg_corrupt(err, "liv", "bad deleted-docs bitmap");
	if (!bm_sane(bm, max_doc)) {
		st_seg_bm_free(bm);
		return st_seg_corrupt(err, "liv", "deleted doc beyond max_doc");
	}
	*deleted = bm;
	return 0;
}
