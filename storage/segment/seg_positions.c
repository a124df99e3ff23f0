/*
 * seg_positions.c - the positions component (.pos): for each term of a
 * field indexed with positions, the positions of every occurrence, doc by
 * doc, in one block stream (seg_pack.c). Within a doc the first position is
 * absolute and the others are deltas from the previous one; the number per
 * doc is the freq recorded in .doc.
 *
 * Per term, at the offset recorded in .tim (after the common header):
 *   OFFSET  SIZE  DESCRIPTION
 *   0       var   total_term_freq values as a block stream
 */
#include <errno.h>

#include "seg_int.h"

/* Write the positions of one term (t->pos flat, per doc ascending); returns
 * the offset. scratch holds at least ST_SEG_PACK_BLOCK values. */
uint64_t
st_seg_pos_w_term(osp_buf_t *b, const st_seg_wterm_t *t, uint32_t *scratch)
{
	uint64_t off = b->len, k = 0;
	uint32_t fill = 0;

	for (uint32_t i = 0; i < t->n; i++) {
		uint32_t f = t->freqs ? t->freqs[i] : 1, prev = 0;

		for (uint32_t j = 0; j < f; j++, k++) {
			scratch[fill++] = t->pos[k] - prev;
			prev = t->pos[k];
			if (fill == ST_SEG_PACK_BLOCK) {
				st_seg_blk_write(b, scratch, fill);
				fill = 0;
			}
		}
	}
	if (fill)
		st_seg_blk_write(b, scratch, fill);
	return off;
}

/* Decode n docs' positions at off into pos_start[n + 1] / positions[ttf]. */
int
st_seg_pos_r_decode(const osp_buf_t *pos, uint64_t off, uint32_t n,
		    const uint32_t *freqs, uint64_t ttf, uint32_t *pos_start,
		    uint32_t *positions)
{
	st_seg_rd_t r;
	uint64_t k = 0;

	if (off < ST_SEG_HDR_LEN || off > pos->len - ST_SEG_FTR_LEN)
		return -EBADMSG;
	st_seg_rd_init(&r, pos->data + off, pos->len - ST_SEG_FTR_LEN - off);
	if (st_seg_blk_read(&r, positions, ttf) != 0)
		return -EBADMSG;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t f = freqs ? freqs[i] : 1;
		uint64_t acc = 0;

		pos_start[i] = (uint32_t)k;
		for (uint32_t j = 0; j < f; j++, k++) {
			acc += positions[k];
			if (acc > INT32_MAX)
				return -EBADMSG;
			positions[k] = (uint32_t)acc;
		}
	}
	pos_start[n] = (uint32_t)k;
	return k == ttf ? 0 : -EBADMSG;
}
