/*
 * seg_info.c - the segment info component (.si): doc count and the field
 * infos every other component refers to by field number, with the per-field
 * statistics BM25 needs (Lucene's .fnm plus .si).
 *
 * Body (after the common 32-byte header, see seg_int.h):
 *   OFFSET  SIZE     DESCRIPTION
 *   0       4        max_doc
 *   4       4        nfields
 *   8       ...      nfields entries:
 *                      varint name length, name bytes (UTF-8, no NUL)
 *                      u8 index options (st_seg_index_t)
 *                      u8 norms (0/1)
 *                      u8 doc values type (st_seg_dv_t)
 *                      varint doc_count, varint sum_total_term_freq,
 *                      varint sum_doc_freq, varint num_terms
 */
#include <errno.h>
#include <string.h>

#include "seg_int.h"

#define MAX_FIELDS 65536u

int
st_seg_info_write(osp_buf_t *b, const uint8_t segid[16], uint32_t max_doc,
		  const st_seg_finfo_t *fi, uint32_t nfields)
{
	st_seg_frame_begin(b, ST_SEG_C_SI, segid);
	osp_buf_put_u32le(b, max_doc);
	osp_buf_put_u32le(b, nfields);
	for (uint32_t i = 0; i < nfields; i++) {
		size_t nl = strlen(fi[i].name);

		osp_buf_put_varint(b, nl);
		osp_buf_append(b, fi[i].name, nl);
		osp_buf_put_u8(b, fi[i].index);
		osp_buf_put_u8(b, fi[i].norms);
		osp_buf_put_u8(b, fi[i].dv);
		osp_buf_put_varint(b, fi[i].doc_count);
		osp_buf_put_varint(b, fi[i].sum_ttf);
		osp_buf_put_varint(b, fi[i].sum_df);
		osp_buf_put_varint(b, fi[i].num_terms);
	}
	st_seg_frame_end(b);
	return osp_buf_failed(b) ? -ENOMEM : 0;
}

/* Parse the .si body into field infos allocated in a (names copied). */
int
st_seg_info_read(const uint8_t *body, size_t len, osp_arena_t *a,
		 uint32_t *max_doc, st_seg_finfo_t **fi_out, uint32_t *nfields)
{
	st_seg_rd_t r;
	st_seg_finfo_t *fi;
	uint32_t n;

	st_seg_rd_init(&r, body, len);
	*max_doc = st_seg_rd_u32(&r);
	n = st_seg_rd_u32(&r);
	if (r.err || n > MAX_FIELDS || n > st_seg_rd_left(&r) / 8 + 1)
		return -EBADMSG;
	fi = osp_arena_calloc(a, (size_t)(n ? n : 1) * sizeof(*fi));
	if (fi == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t nl = st_seg_rd_v32(&r, 4096);
		const uint8_t *name = st_seg_rd_bytes(&r, nl);

		if (name == NULL || nl == 0 || memchr(name, 0, nl))
			return -EBADMSG;
		fi[i].name = osp_arena_strndup(a, (const char *)name, nl);
		if (fi[i].name == NULL)
			return -ENOMEM;
		fi[i].index = st_seg_rd_u8(&r);
		fi[i].norms = st_seg_rd_u8(&r);
		fi[i].dv = st_seg_rd_u8(&r);
		fi[i].doc_count = st_seg_rd_varint(&r);
		fi[i].sum_ttf = st_seg_rd_varint(&r);
		fi[i].sum_df = st_seg_rd_varint(&r);
		fi[i].num_terms = st_seg_rd_v32(&r, UINT32_MAX);
		if (r.err || fi[i].index > ST_SEG_INDEX_POSITIONS || fi[i].norms > 1 ||
		    fi[i].dv > ST_SEG_DV_SORTED_SET || fi[i].doc_count > *max_doc ||
		    (fi[i].norms && fi[i].index < ST_SEG_INDEX_FREQS) ||
		    (fi[i].index == ST_SEG_INDEX_NONE && fi[i].num_terms))
			return -EBADMSG;
	}
	if (r.err || st_seg_rd_left(&r) != 0)
		return -EBADMSG;
	*fi_out = fi;
	*nfields = n;
	return 0;
}
