/*
 * seg_points.c - the points component (.pnt): per numeric field, every
 * (value, doc) pair of its doc values sorted by value (then doc), so a range
 * is two binary searches giving one contiguous slice of docs, and a count on
 * a single-valued field is the slice's length. Values are sortable int64
 * keys: longs (and dates, booleans) as they are, doubles through
 * st_points_key_double (st_reader.h: IEEE bits with the magnitude bits of
 * negatives flipped), so one integer order serves both.
 *
 * Body (after the common header): k sections, then u32 k. A section:
 *   OFFSET  SIZE  DESCRIPTION
 *   0       4     field number (a field with numeric doc values)
 *   4       8     L: payload length
 *   12      L     payload: varint n (pairs), then ceil(n / 512) leaves of up
 *                 to 512 pairs: zigzag varint first key, column of key
 *                 deltas (0 first; sorted, so mostly 0 or tiny), column of
 *                 docs (min + bits per value; seg_pack.c)
 *
 * A field is decoded whole into the core's arena the first time a range
 * asks (12 bytes per value), like doc values; decode checks the order, the
 * doc bounds, and derives doc_count and single-valuedness itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seg_int.h"

#define LEAF 512u
#define SIGN (1ull << 63)

/* Stable LSD radix sort of (key, doc) by key; input is in doc order, so
 * equal keys keep ascending docs. Passes whose byte is constant are skipped. */
static int
sort_pairs(uint64_t *k, uint32_t *d, size_t n)
{
	size_t (*cnt)[256] = calloc(8, sizeof(*cnt));
	uint64_t *k2 = malloc((n ? n : 1) * 8);
	uint32_t *d2 = malloc((n ? n : 1) * 4);
	int rc = -ENOMEM;

	if (cnt == NULL || k2 == NULL || d2 == NULL)
		goto cleanup;
	for (size_t i = 0; i < n; i++)
		for (unsigned b = 0; b < 8; b++)
			cnt[b][(k[i] >> (8 * b)) & 0xff]++;
	for (unsigned b = 0; b < 8; b++) {
		size_t sum = 0;

		if (n == 0 || cnt[b][(k[0] >> (8 * b)) & 0xff] == n)
			continue;
		for (unsigned v = 0; v < 256; v++) {
			size_t c = cnt[b][v];

			cnt[b][v] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t at = cnt[b][(k[i] >> (8 * b)) & 0xff]++;

			k2[at] = k[i];
			d2[at] = d[i];
		}
		memcpy(k, k2, n * 8);
		memcpy(d, d2, n * 4);
	}
	rc = 0;
cleanup:
	free(cnt);
	free(k2);
	free(d2);
	return rc;
}

void
st_seg_pnt_w_field(osp_buf_t *b, uint32_t fid, bool is_double, const uint32_t *counts,
		   const int64_t *vals, uint32_t max_doc, uint64_t nvals)
{
	uint64_t *k = malloc((size_t)(nvals ? nvals : 1) * 8);
	uint32_t *d = malloc((size_t)(nvals ? nvals : 1) * 4);
	int64_t *col = malloc(LEAF * 8);
	size_t at, i = 0;

	if (k == NULL || d == NULL || col == NULL)
		goto fail;
	for (uint32_t doc = 0; doc < max_doc; doc++)
		for (uint32_t j = 0; j < counts[doc] && i < nvals; j++, i++) {
			int64_t key = vals[i];

			if (is_double) {
				double x;

				memcpy(&x, &vals[i], 8);
				key = st_points_key_double(x);
			}
			/* flip the sign bit: unsigned order = signed order */
			k[i] = (uint64_t)key ^ SIGN;
			d[i] = doc;
		}
	if (i != nvals || sort_pairs(k, d, nvals))
		goto fail;
	osp_buf_put_u32le(b, fid);
	at = b->len;
	osp_buf_put_u64le(b, 0);
	osp_buf_put_varint(b, nvals);
	for (uint64_t s = 0; s < nvals; s += LEAF) {
		size_t m = nvals - s < LEAF ? (size_t)(nvals - s) : LEAF;

		osp_buf_put_varint(b, st_seg_zigzag((int64_t)(k[s] ^ SIGN)));
		col[0] = 0;
		for (size_t j = 1; j < m; j++)
			col[j] = (int64_t)(k[s + j] - k[s + j - 1]);
		st_seg_col_write(b, col, m);
		for (size_t j = 0; j < m; j++)
			col[j] = d[s + j];
		st_seg_col_write(b, col, m);
	}
	if (!osp_buf_failed(b)) {
		uint64_t l = b->len - at - 8;

		memcpy(b->data + at, &l, 8);
	}
	goto cleanup;
fail:
	b->failed = 1;
cleanup:
	free(k);
	free(d);
	free(col);
}

void
st_seg_pnt_w_finish(osp_buf_t *b, uint32_t nsections)
{
	osp_buf_put_u32le(b, nsections);
}

static int
pnt_section(void *arg, uint32_t fid, const uint8_t *p, uint64_t l)
{
	st_seg_rfield_t *f = &((st_seg_core_t *)arg)->fields[fid];

	if (f->pt_sec || (f->fi.dv != ST_SEG_DV_LONG && f->fi.dv != ST_SEG_DV_DOUBLE))
		return -EBADMSG;
	f->pt_sec = p;
	f->pt_len = l;
	return 0;
}

/* Record each section; contents are checked when decoded. Every field with
 * numeric doc values has exactly one section. */
int
st_seg_pnt_r_open(st_seg_core_t *c, const uint8_t *body, size_t len)
{
	int rc = st_seg_sections(body, len, c->nfields, pnt_section, c);

	if (rc)
		return rc;
	for (uint32_t i = 0; i < c->nfields; i++) {
		const st_seg_rfield_t *f = &c->fields[i];

		if ((f->fi.dv == ST_SEG_DV_LONG || f->fi.dv == ST_SEG_DV_DOUBLE) &&
		    f->pt_sec == NULL)
			return -EBADMSG;
	}
	return 0;
}

static int
decode(st_seg_core_t *c, st_seg_rfield_t *f)
{
	st_seg_rd_t r;
	uint64_t n;
	int64_t *keys, *col = NULL;
	uint32_t *docs;
	uint8_t *seen = NULL;
	uint32_t doc_count = 0;
	int rc = -EBADMSG;

	st_seg_rd_init(&r, f->pt_sec, f->pt_len);
	n = st_seg_rd_varint(&r);
	/* a leaf of equal keys and one doc packs to 0 bits: bound n by leaves */
	if (r.err || n > (uint64_t)UINT32_MAX || n / LEAF > st_seg_rd_left(&r))
		return -EBADMSG;
	keys = osp_arena_alloc(&c->arena, (size_t)(n ? n : 1) * 8);
	docs = osp_arena_alloc(&c->arena, (size_t)(n ? n : 1) * 4);
	col = malloc(LEAF * 8);
	seen = calloc((size_t)c->max_doc / 8 + 1, 1);
	if (keys == NULL || docs == NULL || col == NULL || seen == NULL) {
		rc = -ENOMEM;
		goto cleanup;
	}
	f->pts.single = true;
	for (uint64_t s = 0; s < n; s += LEAF) {
		size_t m = n - s < LEAF ? (size_t)(n - s) : LEAF;
		/* deltas add in the unsigned order (sign bit flipped) */
		uint64_t u = (uint64_t)st_seg_unzigzag(st_seg_rd_varint(&r)) ^ SIGN;

		if (s && (int64_t)(u ^ SIGN) < keys[s - 1])
			goto cleanup;
		if (st_seg_col_read(&r, col, m))
			goto cleanup;
		for (size_t j = 0; j < m; j++) {
			uint64_t dl = j ? (uint64_t)col[j] : 0;

			if (u + dl < u)
				goto cleanup;
			u += dl;
			keys[s + j] = (int64_t)(u ^ SIGN);
		}
		if (st_seg_col_read(&r, col, m))
			goto cleanup;
		for (size_t j = 0; j < m; j++) {
			uint32_t dd = (uint32_t)col[j];

			if (col[j] < 0 || col[j] >= c->max_doc)
				goto cleanup;
			if (s + j && keys[s + j] == keys[s + j - 1] && dd < docs[s + j - 1])
				goto cleanup;
			docs[s + j] = dd;
			if (seen[dd >> 3] & (1u << (dd & 7))) {
				f->pts.single = false;
			} else {
				seen[dd >> 3] |= (uint8_t)(1u << (dd & 7));
				doc_count++;
			}
		}
	}
	if (r.err || st_seg_rd_left(&r) != 0)
		goto cleanup;
	f->pts.n = (uint32_t)n;
	f->pts.keys = keys;
	f->pts.docs = docs;
	f->pts.doc_count = doc_count;
	f->pts.is_double = f->fi.dv == ST_SEG_DV_DOUBLE;
	rc = 0;
cleanup:
	free(col);
	free(seen);
	return rc;
}

/* Decode f's points once; later calls return the first outcome. */
int
st_seg_pnt_r_decode(st_seg_core_t *c, st_seg_rfield_t *f)
{
	int rc;

	if (f->pt_ready)
		return f->pt_err;
	if (f->pt_sec == NULL)
		return -ENOENT;
	rc = decode(c, f);
	if (rc == -ENOMEM)
		return rc;
	f->pt_ready = true;
	f->pt_err = rc;
	return rc;
}
