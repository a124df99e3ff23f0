/*
 * seg_meta.c - the doc meta component (.met): who each doc is (_id,
 * _routing, _seq_no, _primary_term, _version) and the _id -> doc lookup the
 * shard's version checks use. Columns are packed (seg_pack.c); the reader
 * decodes them at open and builds an open-addressing hash of _ids (two slots
 * per doc), so lookups cost one hash and usually one compare.
 *
 * Body (after the common header):
 *   OFFSET  SIZE  DESCRIPTION
 *   0       4     n (docs)
 *   4       ...   column of n _seq_no
 *   .       ...   column of n _primary_term
 *   .       ...   column of n _version
 *   .       ...   column of n _id lengths, then the _id bytes
 *   .       ...   column of n routing lengths + 1 (0 = no routing), then
 *                 the routing bytes
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seg_int.h"

#define MAX_ID_LEN 512u

void
st_seg_met_w_init(st_seg_met_w_t *m)
{
	memset(m, 0, sizeof(*m));
}

void
st_seg_met_w_free(st_seg_met_w_t *m)
{
	osp_buf_free(&m->ids);
	osp_buf_free(&m->routings);
	osp_buf_free(&m->idl);
	osp_buf_free(&m->rtl);
	osp_buf_free(&m->seq);
	osp_buf_free(&m->term);
	osp_buf_free(&m->ver);
}

static void
put_i64(osp_buf_t *b, int64_t v)
{
	osp_buf_append(b, &v, 8);
}

void
st_seg_met_w_add(st_seg_met_w_t *m, const st_doc_meta_t *d)
{
	put_i64(&m->seq, d->seq_no);
	put_i64(&m->term, d->primary_term);
	put_i64(&m->ver, d->version);
	put_i64(&m->idl, d->id_len);
	osp_buf_append(&m->ids, d->id, d->id_len);
	put_i64(&m->rtl, d->routing ? (int64_t)d->routing_len + 1 : 0);
	if (d->routing)
		osp_buf_append(&m->routings, d->routing, d->routing_len);
	m->ndocs++;
}

int
st_seg_met_w_finish(st_seg_met_w_t *m, osp_buf_t *out, const uint8_t segid[16])
{
	const osp_buf_t *bufs[] = { &m->seq, &m->term, &m->ver, &m->idl, &m->rtl,
				    &m->ids, &m->routings };

	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
		if (osp_buf_failed(bufs[i]))
			return -ENOMEM;
	st_seg_frame_begin(out, ST_SEG_C_MET, segid);
	osp_buf_put_u32le(out, m->ndocs);
	st_seg_col_write(out, (const int64_t *)(void *)m->seq.data, m->ndocs);
	st_seg_col_write(out, (const int64_t *)(void *)m->term.data, m->ndocs);
	st_seg_col_write(out, (const int64_t *)(void *)m->ver.data, m->ndocs);
	st_seg_col_write(out, (const int64_t *)(void *)m->idl.data, m->ndocs);
	osp_buf_append(out, m->ids.data, m->ids.len);
	st_seg_col_write(out, (const int64_t *)(void *)m->rtl.data, m->ndocs);
	osp_buf_append(out, m->routings.data, m->routings.len);
	st_seg_frame_end(out);
	return osp_buf_failed(out) ? -ENOMEM : 0;
}

/* 64-bit mix of the _id bytes (FNV-1a, then a murmur3 finalizer). */
static uint64_t
id_hash(const char *p, uint32_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint32_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

/* Decode lengths column into off[n + 1]; *total = sum of real lengths. */
static int
read_lens(st_seg_rd_t *r, int64_t *tmp, uint32_t n, uint32_t *off, uint8_t *has,
	  uint64_t *total)
{
	uint64_t acc = 0;

	if (st_seg_col_read(r, tmp, n) != 0)
		return -EBADMSG;
	for (uint32_t i = 0; i < n; i++) {
		int64_t l = tmp[i];

		if (has) {
			has[i] = l > 0;
			l = l > 0 ? l - 1 : 0;
		}
		if (l < 0 || l > MAX_ID_LEN * 4)
			return -EBADMSG;
		off[i] = (uint32_t)acc;
		acc += (uint64_t)l;
		if (acc > UINT32_MAX)
			return -EBADMSG;
	}
	off[n] = (uint32_t)acc;
	*total = acc;
	return 0;
}

int
st_seg_met_r_open(st_seg_met_r_t *m, const uint8_t *body, size_t len, uint32_t max_doc)
{
	st_seg_rd_t r;
	int64_t *tmp = NULL;
	uint64_t total;
	size_t n;
	int rc = -EBADMSG;

	memset(m, 0, sizeof(*m));
	st_seg_rd_init(&r, body, len);
	m->ndocs = st_seg_rd_u32(&r);
	if (r.err || m->ndocs != max_doc)
		return -EBADMSG;
	n = (size_t)max_doc + 1;
	rc = -ENOMEM;
	tmp = malloc(n * 8);
	m->seq = malloc(n * 8);
	m->term = malloc(n * 8);
	m->ver = malloc(n * 8);
	m->id_off = malloc(n * 4);
	m->rt_off = malloc(n * 4);
	m->rt_has = malloc(n);
	size_t slots = 1;

	while (slots < 2 * n)
		slots <<= 1;
	m->hash = slots <= (size_t)UINT32_MAX + 1 ? calloc(slots, 4) : NULL;
	m->hash_mask = (uint32_t)(slots - 1);
	if (!tmp || !m->seq || !m->term || !m->ver || !m->id_off || !m->rt_off ||
	    !m->rt_has || !m->hash)
		goto cleanup;
	rc = -EBADMSG;
	if (st_seg_col_read(&r, m->seq, max_doc) || st_seg_col_read(&r, m->term, max_doc) ||
	    st_seg_col_read(&r, m->ver, max_doc))
		goto cleanup;
	if (read_lens(&r, tmp, max_doc, m->id_off, NULL, &total) != 0 ||
	    (m->ids = st_seg_rd_bytes(&r, total)) == NULL)
		goto cleanup;
	if (read_lens(&r, tmp, max_doc, m->rt_off, m->rt_has, &total) != 0 ||
	    (m->routings = st_seg_rd_bytes(&r, total)) == NULL)
		goto cleanup;
	if (st_seg_rd_left(&r) != 0)
		goto cleanup;
	for (uint32_t d = 0; d < max_doc; d++) {
		uint32_t l = m->id_off[d + 1] - m->id_off[d];
		uint64_t h = id_hash((const char *)m->ids + m->id_off[d], l) & m->hash_mask;

		while (m->hash[h])
			h = (h + 1) & m->hash_mask;
		m->hash[h] = d + 1;
	}
	rc = 0;
cleanup:
	free(tmp);
	if (rc)
		st_seg_met_r_free(m);
	return rc;
}

void
st_seg_met_r_free(st_seg_met_r_t *m)
{
	free(m->seq);
	free(m->term);
	free(m->ver);
	free(m->id_off);
	free(m->rt_off);
	free(m->rt_has);
	free(m->hash);
	memset(m, 0, sizeof(*m));
}

int
st_seg_met_r_get(const st_seg_met_r_t *m, uint32_t doc, st_doc_meta_t *out)
{
	if (doc >= m->ndocs)
		return -EINVAL;
	out->id = (const char *)m->ids + m->id_off[doc];
	out->id_len = m->id_off[doc + 1] - m->id_off[doc];
	out->seq_no = m->seq[doc];
	out->primary_term = m->term[doc];
	out->version = m->ver[doc];
	if (m->rt_has[doc]) {
		out->routing = (const char *)m->routings + m->rt_off[doc];
		out->routing_len = m->rt_off[doc + 1] - m->rt_off[doc];
	} else {
		out->routing = NULL;
		out->routing_len = 0;
	}
	return 0;
}

/* The doc with this _id: among duplicates (an update before the refresh
 * leaves the older copy deleted in the same segment) the highest live one,
 * else the highest one. */
int
st_seg_met_r_lookup(const st_seg_met_r_t *m, const char *id, uint32_t len,
		    const roaring_bitmap_t *live, uint32_t *doc)
{
	uint64_t h = id_hash(id, len) & m->hash_mask;
	uint32_t best = UINT32_MAX;
	bool best_live = false;

	for (; m->hash[h]; h = (h + 1) & m->hash_mask) {
		uint32_t d = m->hash[h] - 1;
		uint32_t l = m->id_off[d + 1] - m->id_off[d];

		if (l != len || memcmp(m->ids + m->id_off[d], id, len) != 0)
			continue;
		bool lv = live == NULL || roaring_bitmap_contains(live, d);

		if (best == UINT32_MAX || (lv && !best_live) || (lv == best_live && d > best)) {
			best = d;
			best_live = lv;
		}
	}
	if (best == UINT32_MAX)
		return -ENOENT;
	*doc = best;
	return 0;
}
