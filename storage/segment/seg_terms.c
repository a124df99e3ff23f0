/*
 * seg_terms.c - the term dictionary component (.tim): per field, its terms
 * in byte order in blocks of 32 with prefix compression, plus a sparse index
 * of each block's first term for binary search (Lucene's block tree without
 * the tree: one level is enough when the index lives in memory).
 *
 * Body (after the common header):
 *   OFFSET  SIZE  DESCRIPTION
 *   0       ...   term blocks of every field, fields in directory order; a block:
 *                   varint n (terms in the block; 32 except a field's last)
 *                   n entries: varint shared prefix with the previous term
 *                   (0 for the first), varint suffix length, suffix bytes,
 *                   varint doc_freq, [varint ttf - doc_freq: FREQS and up],
 *                   varint .doc offset (first: absolute; then delta),
 *                   [varint .pos offset (same coding): POSITIONS]
 *   I       ...   sparse index, per field per block: varint first-term
 *                 length, first-term bytes, varint block length in bytes
 *   D       28*k  directory, per indexed field: u32 field number, u32
 *                 num_terms, u32 nblocks, u64 blocks offset, u64 index offset
 *                 (offsets relative to the body)
 *   D+28k   4     k
 *   .       8     D
 *
 * Readers keep the sparse index decoded and decode a block the first time it
 * is touched into the core's arena; the decoded block owns full term bytes,
 * so iterators can hand out term pointers that live as long as the segment,
 * and the slots of its terms' decoded postings (memory only for what
 * queries touched: nothing per term at open).
 */
#include <errno.h>
#include <string.h>

#include "seg_int.h"

#define DIR_ENTRY 28u

void
st_seg_tim_w_init(st_seg_tim_w_t *t)
{
	memset(t, 0, sizeof(*t));
}

void
st_seg_tim_w_free(st_seg_tim_w_t *t)
{
	osp_buf_free(&t->body);
	osp_buf_free(&t->index);
	osp_buf_free(&t->blk);
	osp_buf_free(&t->prev);
	osp_buf_free(&t->fields);
}

static void
tim_flush_block(st_seg_tim_w_t *t)
{
	uint8_t nb[10];
	size_t before = t->body.len, k = 0;
	uint64_t v = t->nblk_terms;

	if (t->nblk_terms == 0)
		return;
	while (v >= 0x80) {
		nb[k++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	nb[k++] = (uint8_t)v;
	osp_buf_append(&t->body, nb, k);
	osp_buf_append(&t->body, t->blk.data, t->blk.len);
	osp_buf_put_varint(&t->index, t->body.len - before);
	osp_buf_clear(&t->blk);
	t->nblk_terms = 0;
	t->nblocks++;
}

/* Append one term (strictly greater than the previous one of the field). */
int
st_seg_tim_w_term(st_seg_tim_w_t *t, uint8_t index, const char *term, uint32_t len,
		  uint32_t doc_freq, uint64_t ttf, uint64_t doc_off, uint64_t pos_off)
{
	uint32_t shared = 0;

	if (!t->open) {
		t->open = true;
		t->nterms = t->nblocks = 0;
		t->field_body_off = t->body.len;
		t->field_index_off = t->index.len;
		osp_buf_clear(&t->prev);
	}
	if (t->nblk_terms == 0) {
		/* Index entry: full first term; its block length follows at flush. */
		osp_buf_put_varint(&t->index, len);
		osp_buf_append(&t->index, term, len);
		t->last_doc_off = 0;
		t->last_pos_off = 0;
	} else {
		uint32_t m = len < t->prev.len ? len : (uint32_t)t->prev.len;

		while (shared < m && t->prev.data[shared] == term[shared])
			shared++;
	}
	osp_buf_put_varint(&t->blk, shared);
	osp_buf_put_varint(&t->blk, len - shared);
	osp_buf_append(&t->blk, term + shared, len - shared);
	osp_buf_put_varint(&t->blk, doc_freq);
	if (index >= ST_SEG_INDEX_FREQS)
		osp_buf_put_varint(&t->blk, ttf - doc_freq);
	osp_buf_put_varint(&t->blk, doc_off - t->last_doc_off);
	t->last_doc_off = doc_off;
	if (index >= ST_SEG_INDEX_POSITIONS) {
		osp_buf_put_varint(&t->blk, pos_off - t->last_pos_off);
		t->last_pos_off = pos_off;
	}
	osp_buf_clear(&t->prev);
	osp_buf_append(&t->prev, term, len);
	t->nterms++;
	if (++t->nblk_terms == ST_SEG_TERMS_PER_BLOCK)
		tim_flush_block(t);
	return osp_buf_failed(&t->blk) || osp_buf_failed(&t->index) ? -ENOMEM : 0;
}

void
st_seg_tim_w_field_end(st_seg_tim_w_t *t, uint32_t fid)
{
	if (!t->open)
		return;
	tim_flush_block(t);
	osp_buf_put_u32le(&t->fields, fid);
	osp_buf_put_u32le(&t->fields, t->nterms);
	osp_buf_put_u32le(&t->fields, t->nblocks);
	osp_buf_put_u64le(&t->fields, t->field_body_off);
	osp_buf_put_u64le(&t->fields, t->field_index_off);
	t->open = false;
}

void
st_seg_tim_w_finish(st_seg_tim_w_t *t, osp_buf_t *out, const uint8_t segid[16])
{
	uint64_t index_start = t->body.len;
	uint64_t dir = index_start + t->index.len;
	uint32_t k = (uint32_t)(t->fields.len / DIR_ENTRY);

	/* Index offsets were relative to the index buffer: rebase them. */
	for (uint32_t i = 0; i < k; i++) {
		uint64_t io;

		memcpy(&io, t->fields.data + i * DIR_ENTRY + 20, 8);
		io += index_start;
		memcpy(t->fields.data + i * DIR_ENTRY + 20, &io, 8);
	}
	st_seg_frame_begin(out, ST_SEG_C_TIM, segid);
	osp_buf_append(out, t->body.data, t->body.len);
	osp_buf_append(out, t->index.data, t->index.len);
	osp_buf_append(out, t->fields.data, t->fields.len);
	osp_buf_put_u32le(out, k);
	osp_buf_put_u64le(out, dir);
	st_seg_frame_end(out);
}

/* ---- reading ---- */

static int
term_cmp(const char *a, uint32_t al, const char *b, uint32_t bl)
{
	uint32_t m = al < bl ? al : bl;
	int c = m ? memcmp(a, b, m) : 0;

	if (c)
		return c;
	return al < bl ? -1 : al > bl;
}

/* Parse the directory and sparse index of every indexed field. */
int
st_seg_tim_r_open(st_seg_core_t *c, const uint8_t *body, size_t len)
{
	st_seg_rd_t r;
	uint64_t dir;
	uint32_t k;

	if (len < 12)
		return -EBADMSG;
	memcpy(&k, body + len - 12, 4);
	memcpy(&dir, body + len - 8, 8);
	if (dir > len - 12 || (len - 12 - dir) / DIR_ENTRY != k ||
	    (len - 12 - dir) % DIR_ENTRY != 0 || k > c->nfields)
		return -EBADMSG;
	uint64_t prev_end = 0;

	for (uint32_t i = 0; i < k; i++) {
		const uint8_t *e = body + dir + (size_t)i * DIR_ENTRY;
		uint32_t fid, nterms, nblocks;
		uint64_t boff, ioff;

		memcpy(&fid, e, 4);
		memcpy(&nterms, e + 4, 4);
		memcpy(&nblocks, e + 8, 4);
		memcpy(&boff, e + 12, 8);
		memcpy(&ioff, e + 20, 8);
		if (fid >= c->nfields)
			return -EBADMSG;
		st_seg_rfield_t *f = &c->fields[fid];

		if (f->fi.index == ST_SEG_INDEX_NONE || f->blocks != NULL ||
		    nterms != f->fi.num_terms || nterms == 0 ||
		    nblocks != (nterms + ST_SEG_TERMS_PER_BLOCK - 1) / ST_SEG_TERMS_PER_BLOCK ||
		    boff != prev_end || ioff > dir)
			return -EBADMSG;
		f->nblocks = nblocks;
		f->blk_first_off = osp_arena_alloc(&c->arena, (size_t)(nblocks + 1) * 4);
		f->blk_off = osp_arena_alloc(&c->arena, (size_t)(nblocks + 1) * 8);
		f->tblocks = osp_arena_calloc(&c->arena, (size_t)nblocks * sizeof(void *));
		if (!f->blk_first_off || !f->blk_off || !f->tblocks)
			return -ENOMEM;
		/* First pass: sizes; second: copy first terms contiguously. */
		size_t total = 0;
		uint64_t off = boff;

		st_seg_rd_init(&r, body + ioff, dir - ioff);
		for (uint32_t b = 0; b < nblocks; b++) {
			uint32_t tl = st_seg_rd_v32(&r, 65536);
			const uint8_t *tb = st_seg_rd_bytes(&r, tl);
			uint64_t bl = st_seg_rd_varint(&r);

			if (r.err || tb == NULL || bl == 0 || bl > ioff || off + bl > ioff)
				return -EBADMSG;
			f->blk_first_off[b] = (uint32_t)total;
			f->blk_off[b] = off - boff;
			total += tl;
			off += bl;
		}
		f->blk_first_off[nblocks] = (uint32_t)total;
		f->blk_off[nblocks] = off - boff;
		f->blocks = body + boff;
		f->blocks_len = off - boff;
		prev_end = off;
		f->first_bytes = osp_arena_alloc(&c->arena, total ? total : 1);
		if (f->first_bytes == NULL)
			return -ENOMEM;
		st_seg_rd_init(&r, body + ioff, dir - ioff);
		for (uint32_t b = 0; b < nblocks; b++) {
			uint32_t tl = st_seg_rd_v32(&r, 65536);
			const uint8_t *tb = st_seg_rd_bytes(&r, tl);

			(void)st_seg_rd_varint(&r);
			memcpy(f->first_bytes + f->blk_first_off[b], tb, tl);
			if (b && term_cmp(f->first_bytes + f->blk_first_off[b - 1],
					  f->blk_first_off[b] - f->blk_first_off[b - 1],
					  f->first_bytes + f->blk_first_off[b], tl) >= 0)
				return -EBADMSG;
		}
	}
	for (uint32_t i = 0; i < c->nfields; i++)
		if (c->fields[i].fi.index != ST_SEG_INDEX_NONE &&
		    c->fields[i].fi.num_terms && c->fields[i].blocks == NULL)
			return -EBADMSG;
	return 0;
}

/* Decode block blk of f (cached in the core for the segment's lifetime). */
int
st_seg_tim_r_block(st_seg_core_t *c, st_seg_rfield_t *f, uint32_t blk,
		   const st_seg_tblock_t **out)
{
	st_seg_tblock_t *tb;
	st_seg_rd_t r;
	uint32_t n, want;
	uint8_t index = f->fi.index;
	/* Postings start after the header and before the footer. */
	size_t doc_len = c->files[ST_SEG_C_DOC].len - ST_SEG_FTR_LEN;
	size_t pos_len = c->files[ST_SEG_C_POS].len - ST_SEG_FTR_LEN;

	if (blk >= f->nblocks)
		return -EINVAL;
	if (f->tblocks[blk]) {
		*out = f->tblocks[blk];
		return 0;
	}
	want = blk + 1 < f->nblocks ? ST_SEG_TERMS_PER_BLOCK
		: f->fi.num_terms - blk * ST_SEG_TERMS_PER_BLOCK;
	st_seg_rd_init(&r, f->blocks + f->blk_off[blk], f->blk_off[blk + 1] - f->blk_off[blk]);
	n = st_seg_rd_v32(&r, ST_SEG_TERMS_PER_BLOCK);
	if (r.err || n != want)
		return -EBADMSG;
	/* Upper bound of term bytes: sum of prefixes can't exceed n * 64 KiB. */
	size_t cap = 0;
	{
		st_seg_rd_t s = r;
		uint32_t prev = 0;

		for (uint32_t i = 0; i < n; i++) {
			uint32_t sh = st_seg_rd_v32(&s, prev);
			uint32_t sl = st_seg_rd_v32(&s, 65536);

			if (s.err || st_seg_rd_bytes(&s, sl) == NULL || sh + sl > 65536)
				return -EBADMSG;
			prev = sh + sl;
			cap += prev;
			(void)st_seg_rd_varint(&s);
			if (index >= ST_SEG_INDEX_FREQS)
				(void)st_seg_rd_varint(&s);
			(void)st_seg_rd_varint(&s);
			if (index >= ST_SEG_INDEX_POSITIONS)
				(void)st_seg_rd_varint(&s);
		}
		if (s.err || st_seg_rd_left(&s) != 0)
			return -EBADMSG;
	}
	tb = osp_arena_alloc(&c->arena, sizeof(*tb));
	uint32_t *off = osp_arena_alloc(&c->arena, (n + 1) * 4);
	char *bytes = osp_arena_alloc(&c->arena, cap ? cap : 1);
	uint32_t *df = osp_arena_alloc(&c->arena, n * 4);
	uint64_t *ttf = osp_arena_alloc(&c->arena, n * 8);
	uint64_t *doff = osp_arena_alloc(&c->arena, n * 8);
	uint64_t *poff = osp_arena_alloc(&c->arena, n * 8);
	const st_postings_t **post = osp_arena_calloc(&c->arena, n * sizeof(*post));

	if (!tb || !off || !bytes || !df || !ttf || !doff || !poff || !post)
		return -ENOMEM;
	uint32_t at = 0, prev_off = 0, prev_len = 0;
	uint64_t dacc = 0, pacc = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t sh = st_seg_rd_v32(&r, prev_len);
		uint32_t sl = st_seg_rd_v32(&r, 65536);
		const uint8_t *sb = st_seg_rd_bytes(&r, sl);

		if (sb == NULL)
			return -EBADMSG;
		off[i] = at;
		memmove(bytes + at, bytes + prev_off, sh);
		memcpy(bytes + at + sh, sb, sl);
		if (i && term_cmp(bytes + prev_off, prev_len, bytes + at, sh + sl) >= 0)
			return -EBADMSG;
		prev_off = at;
		prev_len = sh + sl;
		at += prev_len;
		df[i] = st_seg_rd_v32(&r, c->max_doc);
		ttf[i] = df[i];
		if (index >= ST_SEG_INDEX_FREQS)
			ttf[i] += st_seg_rd_varint(&r);
		uint64_t d = st_seg_rd_varint(&r);

		dacc = i ? dacc + d : d;
		doff[i] = dacc;
		if (index >= ST_SEG_INDEX_POSITIONS) {
			uint64_t p = st_seg_rd_varint(&r);

			pacc = i ? pacc + p : p;
		}
		poff[i] = pacc;
		if (r.err || df[i] == 0 || ttf[i] < df[i] || dacc >= doc_len ||
		    dacc < ST_SEG_HDR_LEN ||
		    (index >= ST_SEG_INDEX_POSITIONS && (pacc >= pos_len || pacc < ST_SEG_HDR_LEN)))
			return -EBADMSG;
	}
	off[n] = at;
	/* The first term must be the one the sparse index announced. */
	if (term_cmp(bytes, off[1], f->first_bytes + f->blk_first_off[blk],
		     f->blk_first_off[blk + 1] - f->blk_first_off[blk]) != 0)
		return -EBADMSG;
	tb->n = n;
	tb->off = off;
	tb->bytes = bytes;
	tb->doc_freq = df;
	tb->ttf = ttf;
	tb->doc_off = doff;
	tb->pos_off = poff;
	tb->post = post;
	f->tblocks[blk] = tb;
	*out = tb;
	return 0;
}

/* Binary search on the sparse index, then inside the block. */
int
st_seg_tim_r_find(st_seg_core_t *c, st_seg_rfield_t *f, const char *term,
		  uint32_t len, uint32_t *ord)
{
	const st_seg_tblock_t *tb;
	uint32_t lo = 0, hi = f->nblocks;
	int rc;

	*ord = 0;
	if (f->nblocks == 0)
		return -ENOENT;
	/* Last block whose first term <= term. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const char *ft = f->first_bytes + f->blk_first_off[mid];
		uint32_t fl = f->blk_first_off[mid + 1] - f->blk_first_off[mid];

		if (term_cmp(ft, fl, term, len) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -ENOENT;
	uint32_t blk = lo - 1;

	rc = st_seg_tim_r_block(c, f, blk, &tb);
	if (rc)
		return rc;
	lo = 0;
	hi = tb->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int cmp = term_cmp(tb->bytes + tb->off[mid], tb->off[mid + 1] - tb->off[mid],
				   term, len);

		if (cmp == 0) {
			*ord = blk * ST_SEG_TERMS_PER_BLOCK + mid;
			return 0;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*ord = blk * ST_SEG_TERMS_PER_BLOCK + lo;
	return -ENOENT;
}
