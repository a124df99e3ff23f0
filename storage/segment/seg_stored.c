/*
 * seg_stored.c - the stored fields component (.src): every doc's _source,
 * in doc order, packed into blocks (a block closes once it holds 16 KiB by
 * default) compressed with zstd one by one (Lucene's stored fields, with
 * zstd for LZ4/DEFLATE). A doc larger than a block gets a block of its own.
 *
 * Body (after the common header):
 *   OFFSET  SIZE  DESCRIPTION
 *   0       ...   blocks: zstd frames; each decompresses to the varint
 *                 lengths of the block's docs followed by their bytes
 *   I       20*n  index, per block: u32 first doc, u64 frame offset (from
 *                 the body start), u32 frame size, u32 decompressed size
 *   I+20n   4     n (blocks)
 *   .       4     largest decompressed block
 *   .       8     I
 *
 * Reading a doc decompresses its block into a buffer owned by the reader
 * (one block cached: fetch phases read docs in order) and the caller copies
 * the doc out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "seg_int.h"

#define IDX_ENTRY 20u
#define MAX_RAW_BLOCK (1u << 30)

void
st_seg_src_w_init(st_seg_src_w_t *s, uint32_t block_bytes, int level)
{
	memset(s, 0, sizeof(*s));
	s->block_bytes = block_bytes ? block_bytes : 16384;
	s->level = level ? level : 3;
}

void
st_seg_src_w_free(st_seg_src_w_t *s)
{
	osp_buf_free(&s->body);
	osp_buf_free(&s->index);
	osp_buf_free(&s->lens);
	osp_buf_free(&s->data);
	osp_buf_free(&s->comp);
	ZSTD_freeCCtx(s->cctx);
	s->cctx = NULL;
}

static int
src_flush(st_seg_src_w_t *s)
{
	size_t bound, n;

	if (s->block_docs == 0)
		return 0;
	if (s->cctx == NULL && (s->cctx = ZSTD_createCCtx()) == NULL)
		return -ENOMEM;
	osp_buf_clear(&s->comp);
	osp_buf_append(&s->comp, s->lens.data, s->lens.len);
	osp_buf_append(&s->comp, s->data.data, s->data.len);
	if (osp_buf_failed(&s->comp) || s->comp.len > MAX_RAW_BLOCK)
		return -ENOMEM;
	bound = ZSTD_compressBound(s->comp.len);
	if (osp_buf_reserve(&s->body, bound) != 0)
		return -ENOMEM;
	n = ZSTD_compressCCtx(s->cctx, s->body.data + s->body.len, bound,
			      s->comp.data, s->comp.len, s->level);
	if (ZSTD_isError(n))
		return -EIO;
	osp_buf_put_u32le(&s->index, s->first_doc);
	osp_buf_put_u64le(&s->index, s->body.len);
	osp_buf_put_u32le(&s->index, (uint32_t)n);
	osp_buf_put_u32le(&s->index, (uint32_t)s->comp.len);
	s->body.len += n;
	if (s->comp.len > s->max_raw)
		s->max_raw = (uint32_t)s->comp.len;
	s->nblocks++;
	s->first_doc = s->ndocs;
	s->block_docs = 0;
	osp_buf_clear(&s->lens);
	osp_buf_clear(&s->data);
	return osp_buf_failed(&s->index) ? -ENOMEM : 0;
}

/* Append the next doc's source. */
int
st_seg_src_w_add(st_seg_src_w_t *s, const char *src, size_t len)
{
	if (len > MAX_RAW_BLOCK / 2)
		return -E2BIG;
	if (s->block_docs && s->data.len + len > 2 * (size_t)s->block_bytes) {
		int rc = src_flush(s);

		if (rc)
			return rc;
	}
	osp_buf_put_varint(&s->lens, len);
	osp_buf_append(&s->data, src, len);
	s->ndocs++;
	s->block_docs++;
	if (osp_buf_failed(&s->lens) || osp_buf_failed(&s->data))
		return -ENOMEM;
	if (s->data.len >= s->block_bytes)
		return src_flush(s);
	return 0;
}

int
st_seg_src_w_finish(st_seg_src_w_t *s, osp_buf_t *out, const uint8_t segid[16])
{
	int rc = src_flush(s);

	if (rc)
		return rc;
	st_seg_frame_begin(out, ST_SEG_C_SRC, segid);
	osp_buf_append(out, s->body.data, s->body.len);
	osp_buf_append(out, s->index.data, s->index.len);
	osp_buf_put_u32le(out, s->nblocks);
	osp_buf_put_u32le(out, s->max_raw);
	osp_buf_put_u64le(out, s->body.len);
	st_seg_frame_end(out);
	return osp_buf_failed(out) ? -ENOMEM : 0;
}

/* ---- reading ---- */

static void
idx_entry(const st_seg_src_r_t *s, uint32_t b, uint32_t *first, uint64_t *off,
	  uint32_t *clen, uint32_t *rlen)
{
	const uint8_t *e = s->index + (size_t)b * IDX_ENTRY;

	memcpy(first, e, 4);
	memcpy(off, e + 4, 8);
	memcpy(clen, e + 12, 4);
	memcpy(rlen, e + 16, 4);
}

/* Check the block index covers docs [0, max_doc) and the frames tile it. */
int
st_seg_src_r_open(st_seg_src_r_t *s, const uint8_t *body, size_t len, uint32_t max_doc)
{
	uint64_t ioff, expect = 0;
	uint32_t prev_first = 0;

	memset(s, 0, sizeof(*s));
	s->cached = UINT32_MAX;
	if (len < 16)
		return -EBADMSG;
	memcpy(&s->nblocks, body + len - 16, 4);
	memcpy(&s->max_raw, body + len - 12, 4);
	memcpy(&ioff, body + len - 8, 8);
	if (ioff > len - 16 || (len - 16 - ioff) != (uint64_t)s->nblocks * IDX_ENTRY ||
	    s->max_raw > MAX_RAW_BLOCK || s->nblocks > max_doc || (max_doc && !s->nblocks))
		return -EBADMSG;
	s->body = body;
	s->body_len = ioff;
	s->max_doc = max_doc;
	s->index = body + ioff;
	for (uint32_t b = 0; b < s->nblocks; b++) {
		uint32_t first, clen, rlen;
		uint64_t off;

		idx_entry(s, b, &first, &off, &clen, &rlen);
		if (off != expect || clen == 0 || off + clen > ioff || rlen > s->max_raw ||
		    (b == 0 ? first != 0 : first <= prev_first) || first >= max_doc)
			return -EBADMSG;
		expect = off + clen;
		prev_first = first;
	}
	if (expect != ioff)
		return -EBADMSG;
	return 0;
}

void
st_seg_src_r_free(st_seg_src_r_t *s)
{
	free(s->cache);
	free(s->cache_off);
	ZSTD_freeDCtx(s->dctx);
	s->cache = NULL;
	s->cache_off = NULL;
	s->dctx = NULL;
}

/* Load block b into the cache and index its docs. */
static int
src_load(st_seg_src_r_t *s, uint32_t b, uint32_t max_doc)
{
	uint32_t first, clen, rlen, next, ndocs;
	uint64_t off, acc = 0;
	st_seg_rd_t r;
	size_t n;

	idx_entry(s, b, &first, &off, &clen, &rlen);
	if (b + 1 < s->nblocks) {
		uint64_t o2;
		uint32_t c2, r2;

		idx_entry(s, b + 1, &next, &o2, &c2, &r2);
	} else {
		next = max_doc;
	}
	ndocs = next - first;
	if (s->cache == NULL && (s->cache = malloc(s->max_raw ? s->max_raw : 1)) == NULL)
		return -ENOMEM;
	if (s->dctx == NULL && (s->dctx = ZSTD_createDCtx()) == NULL)
		return -ENOMEM;
	free(s->cache_off);
	s->cache_off = malloc(((size_t)ndocs + 1) * 4);
	s->cached = UINT32_MAX;
	if (s->cache_off == NULL)
		return -ENOMEM;
	n = ZSTD_decompressDCtx(s->dctx, s->cache, s->max_raw, s->body + off, clen);
	if (ZSTD_isError(n) || n != rlen)
		return -EBADMSG;
	st_seg_rd_init(&r, s->cache, n);
	for (uint32_t i = 0; i < ndocs; i++) {
		s->cache_off[i] = (uint32_t)acc;
		acc += st_seg_rd_varint(&r);
		if (r.err || acc > n)
			return -EBADMSG;
	}
	size_t hdr = n - st_seg_rd_left(&r);

	if (hdr + acc != n)
		return -EBADMSG;
	for (uint32_t i = 0; i < ndocs; i++)
		s->cache_off[i] += (uint32_t)hdr;
	s->cache_off[ndocs] = (uint32_t)n;
	s->cache_docs = ndocs;
	s->cached = b;
	return 0;
}

/* Point *p at doc's bytes in the cached block (valid until the next get). */
int
st_seg_src_r_get(st_seg_src_r_t *s, uint32_t doc, const char **p, size_t *len)
{
	uint32_t lo = 0, hi = s->nblocks, first, clen, rlen;
	uint64_t off;
	int rc;

	if (doc >= s->max_doc)
		return -EINVAL;
	/* Last block with first <= doc. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		idx_entry(s, mid, &first, &off, &clen, &rlen);
		if (first <= doc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -EINVAL;
	idx_entry(s, lo - 1, &first, &off, &clen, &rlen);
	if (s->cached != lo - 1) {
		rc = src_load(s, lo - 1, s->max_doc);
		if (rc)
			return rc;
	}
	if (doc - first >= s->cache_docs)
		return -EINVAL;
	*p = s->cache + s->cache_off[doc - first];
	*len = s->cache_off[doc - first + 1] - s->cache_off[doc - first];
	return 0;
}
