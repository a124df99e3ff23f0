/*
 * seg_postings.c - the postings component (.doc): per term, its doc ids as a
 * CRoaring portable bitmap and its term frequencies bit-packed in blocks of
 * 128. Terms reach their postings through the term dictionary (.tim), which
 * records each term's absolute file offset here.
 *
 * Per term, at its offset (after the common header):
 *   OFFSET  SIZE  DESCRIPTION
 *   0       var   varint B: bitmap length in bytes
 *   .       B     roaring_bitmap_portable_serialize of the doc ids
 *                 (run-optimized); cardinality = doc_freq from .tim
 *   .       var   FREQS and up: doc_freq values freq - 1 as a block stream
 *                 (seg_pack.c); omitted for docs-only fields
 *
 * Decoding happens the first time a term is asked for and the result is
 * cached for the segment's lifetime (the roaring bitmap from malloc, the
 * arrays in the core's arena). Per-128-doc block maxima (max freq, min norm)
 * are computed while decoding from the freqs and the field's norms, so they
 * cost no disk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seg_int.h"

/* Write the postings of one term; returns its offset in b. */
uint64_t
st_seg_doc_w_term(osp_buf_t *b, roaring_bitmap_t *scratch, uint8_t index,
		  const st_seg_wterm_t *t)
{
	uint64_t off = b->len;

	roaring_bitmap_clear(scratch);
	roaring_bitmap_add_many(scratch, t->n, t->docs);
	roaring_bitmap_run_optimize(scratch);
	size_t sz = roaring_bitmap_portable_size_in_bytes(scratch);

	osp_buf_put_varint(b, sz);
	if (osp_buf_reserve(b, sz) == 0) {
		roaring_bitmap_portable_serialize(scratch, b->data + b->len);
		b->len += sz;
	}
	if (index >= ST_SEG_INDEX_FREQS) {
		uint32_t tmp[ST_SEG_PACK_BLOCK];

		for (uint32_t i = 0; i < t->n; i += ST_SEG_PACK_BLOCK) {
			uint32_t k = t->n - i < ST_SEG_PACK_BLOCK ? t->n - i : ST_SEG_PACK_BLOCK;

			for (uint32_t j = 0; j < k; j++)
				tmp[j] = t->freqs ? t->freqs[i + j] - 1 : 0;
			st_seg_blk_write(b, tmp, k);
		}
	}
	return off;
}

/* Fill blocks[] and the term-wide maxima from docs, freqs and norms. The
 * walk also proves the bitmap sane (ascending, < max_doc, doc_freq docs),
 * which a file with a forged checksum could otherwise violate. */
static int
postings_block_max(st_postings_t *p, const uint8_t *norms, st_block_max_t *blocks,
		   uint32_t max_doc)
{
	roaring_uint32_iterator_t it;
	uint32_t buf[ST_BLOCK_DOCS];
	uint32_t i = 0, b = 0, prev = 0;

	p->max_freq = 0;
	p->min_norm = 0xff;
	roaring_init_iterator(p->docs, &it);
	for (;;) {
		uint32_t k = roaring_read_uint32_iterator(&it, buf, ST_BLOCK_DOCS);
		uint32_t mf = 0;
		uint8_t mn = 0xff;

		if (k == 0)
			break;
		if (i + k > p->doc_freq)
			return -EBADMSG;
		for (uint32_t j = 0; j < k; j++) {
			uint32_t f = p->freqs ? p->freqs[i + j] : 1;

			if (buf[j] >= max_doc || (i + j && buf[j] <= prev))
				return -EBADMSG;
			prev = buf[j];

			if (f > mf)
				mf = f;
			if (norms && norms[buf[j]] < mn)
				mn = norms[buf[j]];
		}
		if (!norms)
			mn = 0;
		blocks[b].last_doc = buf[k - 1];
		blocks[b].max_freq = mf;
		blocks[b].min_norm = mn;
		if (mf > p->max_freq)
			p->max_freq = mf;
		if (mn < p->min_norm)
			p->min_norm = mn;
		i += k;
		b++;
	}
	return i == p->doc_freq ? 0 : -EBADMSG;
}

/* Decode term ord of field f into a cached st_postings_t. */
int
st_seg_doc_r_decode(st_seg_core_t *c, st_seg_rfield_t *f, uint32_t ord,
		    const st_postings_t **out)
{
	const osp_buf_t *doc = &c->files[ST_SEG_C_DOC];
	const st_seg_tblock_t *tb;
	st_postings_t *p;
	st_seg_pent_t *ent = NULL;
	roaring_bitmap_t *bm = NULL;
	st_seg_rd_t r;
	uint32_t n, bi, nblocks;
	uint64_t ttf;
	int rc;

	if (ord >= f->fi.num_terms)
		return -EINVAL;
	rc = st_seg_tim_r_block(c, f, ord / ST_SEG_TERMS_PER_BLOCK, &tb);
	if (rc)
		return rc;
	bi = ord % ST_SEG_TERMS_PER_BLOCK;
	if (tb->post[bi]) {
		st_seg_pcache_touch((st_seg_pent_t *)(void *)tb->post[bi]);
		*out = tb->post[bi];
		return 0;
	}
	n = tb->doc_freq[bi];
	ttf = tb->ttf[bi];
	if (tb->doc_off[bi] < ST_SEG_HDR_LEN)
		return -EBADMSG;
	st_seg_rd_init(&r, doc->data + tb->doc_off[bi],
		       doc->len - ST_SEG_FTR_LEN - tb->doc_off[bi]);
	size_t blen = st_seg_rd_varint(&r);
	const uint8_t *bp = st_seg_rd_bytes(&r, blen);

	bm = st_seg_bm_parse(bp, blen);
	if (bm == NULL)
		return -EBADMSG;
	rc = -EBADMSG;
	if (roaring_bitmap_get_cardinality(bm) != n ||
	    roaring_bitmap_maximum(bm) >= c->max_doc)
		goto cleanup;
	rc = -ENOMEM;
	nblocks = (n + ST_BLOCK_DOCS - 1) / ST_BLOCK_DOCS;
	/* one block: entry, block maxima, freqs, position starts, positions */
	bool has_freqs = f->fi.index >= ST_SEG_INDEX_FREQS;
	bool has_pos = f->fi.index >= ST_SEG_INDEX_POSITIONS;
	size_t o_blocks = (sizeof(st_seg_pent_t) + 15) & ~(size_t)15;
	size_t o_freqs = o_blocks + (((size_t)nblocks * sizeof(st_block_max_t) + 15) & ~(size_t)15);
	size_t o_ps = o_freqs + (has_freqs ? (size_t)n * 4 : 0);
	size_t o_pos = o_ps + (has_pos ? ((size_t)n + 1) * 4 : 0);
	size_t total = o_pos + (has_pos ? (ttf ? ttf : 1) * 4 : 0);

	if (has_pos && ttf > UINT32_MAX)
		goto cleanup;
	ent = calloc(1, total);
	if (ent == NULL)
		goto cleanup;
	p = &ent->p;
	st_block_max_t *blocks = (st_block_max_t *)(void *)((char *)ent + o_blocks);
	p->docs = bm;
	p->doc_freq = n;
	p->total_term_freq = ttf;
	if (has_freqs) {
		uint32_t *freqs = (uint32_t *)(void *)((char *)ent + o_freqs);
		uint64_t sum = 0;

		rc = -EBADMSG;
		if (st_seg_blk_read(&r, freqs, n) != 0)
			goto cleanup;
		for (uint32_t i = 0; i < n; i++) {
			if (freqs[i] == UINT32_MAX)
				goto cleanup;
			freqs[i]++;
			sum += freqs[i];
		}
		if (sum != ttf)
			goto cleanup;
		p->freqs = freqs;
	} else if (ttf != n) {
		rc = -EBADMSG;
		goto cleanup;
	}
	if (has_pos) {
		uint32_t *ps = (uint32_t *)(void *)((char *)ent + o_ps);
		uint32_t *pos = (uint32_t *)(void *)((char *)ent + o_pos);

		rc = st_seg_pos_r_decode(&c->files[ST_SEG_C_POS], tb->pos_off[bi], n,
					 p->freqs, ttf, ps, pos);
		if (rc)
			goto cleanup;
		p->pos_start = ps;
		p->positions = pos;
	}
	p->blocks = blocks;
	rc = postings_block_max(p, f->norms, blocks, c->max_doc);
	if (rc)
		goto cleanup;
	ent->slot = &tb->post[bi];
	ent->core = c;
	ent->bytes = total + blen;
	tb->post[bi] = p;
	st_seg_pcache_add(ent);
	*out = p;
	return 0;
cleanup:
	free(ent);
	st_seg_bm_free(bm);
	return rc;
}

void
st_seg_pbuf_free(st_seg_pbuf_t *pb)
{
	free(pb->docs);
	free(pb->freqs);
	free(pb->pos);
	memset(pb, 0, sizeof(*pb));
}

/* Grow pb to hold ndocs postings and npos positions. */
int
st_seg_pbuf_reserve(st_seg_pbuf_t *pb, size_t ndocs, size_t npos)
{
	if (ndocs > pb->cap_docs) {
		size_t cap = pb->cap_docs ? pb->cap_docs : 256;

		while (cap < ndocs)
			cap *= 2;
		uint32_t *d = realloc(pb->docs, cap * 4);

		if (d == NULL)
			return -ENOMEM;
		pb->docs = d;
		uint32_t *f = realloc(pb->freqs, cap * 4);

		if (f == NULL)
			return -ENOMEM;
		pb->freqs = f;
		pb->cap_docs = cap;
	}
	if (npos > pb->cap_pos) {
		size_t cap = pb->cap_pos ? pb->cap_pos : 256;

		while (cap < npos)
			cap *= 2;
		uint32_t *p = realloc(pb->pos, cap * 4);

		if (p == NULL)
			return -ENOMEM;
		pb->pos = p;
		pb->cap_pos = cap;
	}
	return 0;
}

int
st_seg_doc_r_read(st_seg_core_t *c, st_seg_rfield_t *f, uint32_t ord, st_seg_pbuf_t *pb)
{
	const osp_buf_t *doc = &c->files[ST_SEG_C_DOC];
	const st_seg_tblock_t *tb;
	roaring_bitmap_t *bm = NULL;
	st_seg_rd_t r;
	uint32_t n, bi;
	int rc;

	if (ord >= f->fi.num_terms)
		return -EINVAL;
	rc = st_seg_tim_r_block(c, f, ord / ST_SEG_TERMS_PER_BLOCK, &tb);
	if (rc)
		return rc;
	bi = ord % ST_SEG_TERMS_PER_BLOCK;
	n = tb->doc_freq[bi];
	pb->n = n;
	pb->ttf = tb->ttf[bi];
	if (pb->ttf > UINT32_MAX)
		return -EBADMSG;
	rc = st_seg_pbuf_reserve(pb, n, f->fi.index >= ST_SEG_INDEX_POSITIONS ? pb->ttf : 0);
	if (rc)
		return rc;
	if (tb->post[bi]) {
		/* Already decoded for searches: copy. */
		const st_postings_t *p = tb->post[bi];

		roaring_bitmap_to_uint32_array(p->docs, pb->docs);
		for (uint32_t i = 0; i < n; i++)
			pb->freqs[i] = p->freqs ? p->freqs[i] : 1;
		if (p->positions)
			memcpy(pb->pos, p->positions, pb->ttf * 4);
		return 0;
	}
	if (tb->doc_off[bi] < ST_SEG_HDR_LEN)
		return -EBADMSG;
	st_seg_rd_init(&r, doc->data + tb->doc_off[bi],
		       doc->len - ST_SEG_FTR_LEN - tb->doc_off[bi]);
	size_t blen = st_seg_rd_varint(&r);
	const uint8_t *bp = st_seg_rd_bytes(&r, blen);

	bm = st_seg_bm_parse(bp, blen);
	if (bm == NULL)
		return -EBADMSG;
	rc = -EBADMSG;
	if (roaring_bitmap_get_cardinality(bm) != n)
		goto cleanup;
	roaring_bitmap_to_uint32_array(bm, pb->docs);
	for (uint32_t i = 0; i < n; i++)
		if (pb->docs[i] >= c->max_doc || (i && pb->docs[i] <= pb->docs[i - 1]))
			goto cleanup;
	if (f->fi.index >= ST_SEG_INDEX_FREQS) {
		uint64_t sum = 0;

		if (st_seg_blk_read(&r, pb->freqs, n) != 0)
			goto cleanup;
		for (uint32_t i = 0; i < n; i++) {
			if (pb->freqs[i] == UINT32_MAX)
				goto cleanup;
			sum += ++pb->freqs[i];
		}
		if (sum != pb->ttf)
			goto cleanup;
	} else {
		if (pb->ttf != n)
			goto cleanup;
		for (uint32_t i = 0; i < n; i++)
			pb->freqs[i] = 1;
	}
	if (f->fi.index >= ST_SEG_INDEX_POSITIONS) {
		uint32_t *ps = malloc(((size_t)n + 1) * 4);

		rc = -ENOMEM;
		if (ps == NULL)
			goto cleanup;
		rc = st_seg_pos_r_decode(&c->files[ST_SEG_C_POS], tb->pos_off[bi], n, pb->freqs,
					 pb->ttf, ps, pb->pos);
		free(ps);
		if (rc)
			goto cleanup;
	}
	rc = 0;
cleanup:
	st_seg_bm_free(bm);
	return rc;
}
