/*
 * seg_docvalues.c - the doc values component (.dvd): columnar per-doc values
 * for sorting and aggregations, as st_reader.h lays them out: sorted-numeric
 * (int64 or double bits, several per doc, ascending) and sorted-set keyword
 * ordinals (ords follow the terms' byte order). Integers are packed columns
 * (min, gcd, bits per value; seg_pack.c). A field is decoded into arrays in
 * the core's arena the first time it is asked for.
 *
 * Body (after the common header): k sections, then u32 k. A section:
 *   OFFSET  SIZE  DESCRIPTION
 *   0       4     field number
 *   4       8     L: payload length
 *   12      1     type: 1 numeric (long or double), 3 sorted set
 *   13      L-1   payload:
 *     numeric:    column of max_doc counts, varint nvals, column of the
 *                 values (double: IEEE bits as int64)
 *     sorted set: varint num_terms, column of term lengths, term bytes,
 *                 column of max_doc counts, varint nords, column of ords
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seg_int.h"

static void
counts_col(osp_buf_t *b, const uint32_t *counts, uint32_t max_doc)
{
	int64_t *w = malloc((size_t)(max_doc ? max_doc : 1) * 8);

	if (w == NULL) {
		b->failed = 1;
		return;
	}
	for (uint32_t i = 0; i < max_doc; i++)
		w[i] = counts[i];
	st_seg_col_write(b, w, max_doc);
	free(w);
}

static size_t
section_begin(osp_buf_t *b, uint32_t fid, uint8_t type)
{
	size_t at;

	osp_buf_put_u32le(b, fid);
	at = b->len;
	osp_buf_put_u64le(b, 0);
	osp_buf_put_u8(b, type);
	return at;
}

static void
section_end(osp_buf_t *b, size_t at)
{
	uint64_t l = b->len - at - 8;

	if (!osp_buf_failed(b))
		memcpy(b->data + at, &l, 8);
}

void
st_seg_dvd_w_numeric(osp_buf_t *b, uint32_t fid, const uint32_t *counts,
		     const int64_t *vals, uint32_t max_doc, uint64_t nvals)
{
	size_t at = section_begin(b, fid, ST_SEG_DV_LONG);

	counts_col(b, counts, max_doc);
	osp_buf_put_varint(b, nvals);
	st_seg_col_write(b, vals, nvals);
	section_end(b, at);
}

void
st_seg_dvd_w_sorted_set(osp_buf_t *b, uint32_t fid, uint32_t num_terms,
			const uint32_t *term_off, const char *term_bytes,
			const uint32_t *counts, const uint32_t *ords,
			uint32_t max_doc, uint64_t nords)
{
	size_t at = section_begin(b, fid, ST_SEG_DV_SORTED_SET);
	int64_t *w = malloc((size_t)(num_terms > nords ? num_terms : nords) * 8 + 8);

	if (w == NULL) {
		b->failed = 1;
		return;
	}
	osp_buf_put_varint(b, num_terms);
	for (uint32_t i = 0; i < num_terms; i++)
		w[i] = term_off[i + 1] - term_off[i];
	st_seg_col_write(b, w, num_terms);
	osp_buf_append(b, term_bytes, term_off[num_terms]);
	counts_col(b, counts, max_doc);
	osp_buf_put_varint(b, nords);
	for (uint64_t i = 0; i < nords; i++)
		w[i] = ords[i];
	st_seg_col_write(b, w, nords);
	free(w);
	section_end(b, at);
}

void
st_seg_dvd_w_finish(osp_buf_t *b, uint32_t nsections)
{
	osp_buf_put_u32le(b, nsections);
}

static int
dvd_section(void *arg, uint32_t fid, const uint8_t *p, uint64_t l)
{
	st_seg_rfield_t *f = &((st_seg_core_t *)arg)->fields[fid];

	if (f->dv_sec || f->fi.dv == ST_SEG_DV_NONE ||
	    p[0] != (f->fi.dv == ST_SEG_DV_SORTED_SET ? ST_SEG_DV_SORTED_SET : ST_SEG_DV_LONG))
		return -EBADMSG;
	f->dv_sec = p;
	f->dv_len = l;
	return 0;
}

/* Record each section; contents are checked when decoded. */
int
st_seg_dvd_r_open(st_seg_core_t *c, const uint8_t *body, size_t len)
{
	int rc = st_seg_sections(body, len, c->nfields, dvd_section, c);

	if (rc)
		return rc;
	for (uint32_t i = 0; i < c->nfields; i++)
		if (c->fields[i].fi.dv != ST_SEG_DV_NONE && c->fields[i].dv_sec == NULL)
			return -EBADMSG;
	return 0;
}

/* Decode max_doc counts into start[max_doc + 1]; *total = start[max_doc]. */
static int
read_counts(st_seg_rd_t *r, uint32_t max_doc, uint32_t *start, uint64_t *total)
{
	int64_t *tmp = malloc((size_t)(max_doc ? max_doc : 1) * 8);
	uint64_t acc = 0;
	int rc = -ENOMEM;

	if (tmp == NULL)
		return rc;
	rc = -EBADMSG;
	if (st_seg_col_read(r, tmp, max_doc) != 0)
		goto cleanup;
	for (uint32_t i = 0; i < max_doc; i++) {
		start[i] = (uint32_t)acc;
		if (tmp[i] < 0 || tmp[i] > UINT32_MAX)
			goto cleanup;
		acc += (uint64_t)tmp[i];
		if (acc > UINT32_MAX)
			goto cleanup;
	}
	start[max_doc] = (uint32_t)acc;
	*total = acc;
	rc = 0;
cleanup:
	free(tmp);
	return rc;
}

static int
decode_numeric(st_seg_core_t *c, st_seg_rfield_t *f, st_seg_rd_t *r)
{
	uint32_t *start = osp_arena_alloc(&c->arena, ((size_t)c->max_doc + 1) * 4);
	uint64_t total, nvals;
	int64_t *vals;

	if (start == NULL)
		return -ENOMEM;
	if (read_counts(r, c->max_doc, start, &total) != 0)
		return -EBADMSG;
	nvals = st_seg_rd_varint(r);
	/* No bound from the bytes left: a constant column packs to 0 bits. */
	if (r->err || nvals != total)
		return -EBADMSG;
	vals = osp_arena_alloc(&c->arena, (size_t)(nvals ? nvals : 1) * 8);
	if (vals == NULL)
		return -ENOMEM;
	if (st_seg_col_read(r, vals, nvals) != 0)
		return -EBADMSG;
	if (f->fi.dv == ST_SEG_DV_LONG)
		for (uint32_t d = 0; d < c->max_doc; d++)
			for (uint32_t i = start[d] + 1; i < start[d + 1]; i++)
				if (vals[i - 1] > vals[i])
					return -EBADMSG;
	f->dvn.is_double = f->fi.dv == ST_SEG_DV_DOUBLE;
	f->dvn.start = start;
	f->dvn.ival = vals;
	f->dvn.dval = (const double *)(const void *)vals;
	return 0;
}

static int
decode_sorted_set(st_seg_core_t *c, st_seg_rfield_t *f, st_seg_rd_t *r)
{
	uint32_t nt = st_seg_rd_v32(r, st_seg_rd_left(r));
	uint32_t *toff = osp_arena_alloc(&c->arena, ((size_t)nt + 1) * 4);
	uint32_t *start = osp_arena_alloc(&c->arena, ((size_t)c->max_doc + 1) * 4);
	int64_t *tmp = NULL;
	uint64_t acc = 0, total, nords;
	uint32_t *ords;
	int rc = -ENOMEM;

	if (r->err)
		return -EBADMSG;
	tmp = malloc(((size_t)nt + 1) * 8);
	if (toff == NULL || start == NULL || tmp == NULL)
		goto cleanup;
	rc = -EBADMSG;
	if (st_seg_col_read(r, tmp, nt) != 0)
		goto cleanup;
	for (uint32_t i = 0; i < nt; i++) {
		toff[i] = (uint32_t)acc;
		if (tmp[i] < 0 || tmp[i] > 65536)
			goto cleanup;
		acc += (uint64_t)tmp[i];
		if (acc > UINT32_MAX)
			goto cleanup;
	}
	toff[nt] = (uint32_t)acc;
	const uint8_t *tb = st_seg_rd_bytes(r, acc);

	if (tb == NULL)
		goto cleanup;
	for (uint32_t i = 1; i < nt; i++) {
		uint32_t al = toff[i] - toff[i - 1], bl = toff[i + 1] - toff[i];
		uint32_t m = al < bl ? al : bl;
		int cmp = m ? memcmp(tb + toff[i - 1], tb + toff[i], m) : 0;

		if (cmp > 0 || (cmp == 0 && al >= bl))
			goto cleanup;
	}
	if (read_counts(r, c->max_doc, start, &total) != 0)
		goto cleanup;
	nords = st_seg_rd_varint(r);
	if (r->err || nords != total)
		goto cleanup;
	rc = -ENOMEM;
	ords = osp_arena_alloc(&c->arena, (size_t)(nords ? nords : 1) * 4);
	free(tmp);
	tmp = malloc((size_t)(nords ? nords : 1) * 8);
	if (ords == NULL || tmp == NULL)
		goto cleanup;
	rc = -EBADMSG;
	if (st_seg_col_read(r, tmp, nords) != 0)
		goto cleanup;
	for (uint64_t i = 0; i < nords; i++) {
		if (tmp[i] < 0 || tmp[i] >= nt)
			goto cleanup;
		ords[i] = (uint32_t)tmp[i];
	}
	for (uint32_t d = 0; d < c->max_doc; d++)
		for (uint32_t i = start[d] + 1; i < start[d + 1]; i++)
			if (ords[i - 1] >= ords[i])
				goto cleanup;
	f->dvs.num_terms = nt;
	f->dvs.start = start;
	f->dvs.ords = ords;
	f->dvs.term_off = toff;
	f->dvs.term_bytes = (const char *)tb;
	rc = 0;
cleanup:
	free(tmp);
	return rc;
}

/* Decode f's doc values once; later calls return the first outcome. */
int
st_seg_dvd_r_decode(st_seg_core_t *c, st_seg_rfield_t *f)
{
	st_seg_rd_t r;
	int rc;

	if (f->dv_ready)
		return f->dv_err;
	if (f->dv_sec == NULL)
		return -ENOENT;
	st_seg_rd_init(&r, f->dv_sec + 1, f->dv_len - 1);
	if (f->fi.dv == ST_SEG_DV_SORTED_SET)
		rc = decode_sorted_set(c, f, &r);
	else
		rc = decode_numeric(c, f, &r);
	if (rc == 0 && st_seg_rd_left(&r) != 0)
		rc = -EBADMSG;
	if (rc == -ENOMEM)
		return rc;
	f->dv_ready = true;
	f->dv_err = rc;
	return rc;
}
