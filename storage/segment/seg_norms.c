/*
 * seg_norms.c - the norms component (.nrm): one byte per doc for each field
 * indexed with norms, Lucene's SmallFloat.intToByte4 of the field length
 * (BM25Similarity.computeNorm with discountOverlaps; 0 when the doc has no
 * tokens in the field). Bytes are used in place from the segment's buffer.
 *
 * Body (after the common header):
 *   OFFSET  SIZE     DESCRIPTION
 *   0       ...      k sections: u32 field number, max_doc norm bytes
 *   end-4   4        k
 */
#include <errno.h>
#include <string.h>

#include "seg_int.h"

/* Lucene SmallFloat: ints < 24 are stored exactly; above, 4 significant
 * bits with an exponent (longToInt4), offset by the 24 free values. */
#define NUM_FREE_VALUES 24u

static uint32_t
long_to_int4(uint64_t i)
{
	unsigned nbits = st_seg_bits(i);

	if (nbits < 4)
		return (uint32_t)i;
	unsigned shift = nbits - 4;
	uint32_t enc = (uint32_t)(i >> shift) & 0x07u;

	return enc | ((shift + 1) << 3);
}

static uint64_t
int4_to_long(uint32_t i)
{
	uint64_t bits = i & 0x07u;
	int shift = (int)(i >> 3) - 1;

	return shift == -1 ? bits : (bits | 0x08u) << shift;
}

uint8_t
st_seg_int_to_byte4(uint32_t i)
{
	if (i > INT32_MAX)
		i = INT32_MAX;
	if (i < NUM_FREE_VALUES)
		return (uint8_t)i;
	return (uint8_t)(NUM_FREE_VALUES + long_to_int4(i - NUM_FREE_VALUES));
}

uint32_t
st_seg_byte4_to_int(uint8_t b)
{
	if (b < NUM_FREE_VALUES)
		return b;
	return (uint32_t)(NUM_FREE_VALUES + int4_to_long(b - NUM_FREE_VALUES));
}

void
st_seg_nrm_w_field(osp_buf_t *b, uint32_t fid, const uint8_t *norms, uint32_t max_doc)
{
	osp_buf_put_u32le(b, fid);
	osp_buf_append(b, norms, max_doc);
}

void
st_seg_nrm_w_finish(osp_buf_t *b, uint32_t nsections)
{
	osp_buf_put_u32le(b, nsections);
}

/* Point each normed field at its bytes; every such field needs a section. */
int
st_seg_nrm_r_open(st_seg_core_t *c, const uint8_t *body, size_t len)
{
	uint32_t k;
	size_t at = 0, sec = 4 + (size_t)c->max_doc;

	if (len < 4)
		return -EBADMSG;
	memcpy(&k, body + len - 4, 4);
	if (k > c->nfields || (len - 4) / sec != k || (len - 4) % sec != 0)
		return -EBADMSG;
	for (uint32_t i = 0; i < k; i++, at += sec) {
		uint32_t fid;

		memcpy(&fid, body + at, 4);
		if (fid >= c->nfields || !c->fields[fid].fi.norms || c->fields[fid].norms)
			return -EBADMSG;
		c->fields[fid].norms = body + at + 4;
	}
	for (uint32_t i = 0; i < c->nfields; i++)
		if (c->fields[i].fi.norms && c->fields[i].norms == NULL)
			return -EBADMSG;
	return 0;
}
