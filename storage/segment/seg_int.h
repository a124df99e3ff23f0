/*
 * seg_int.h - what only the storage/segment sources may see: component framing,
 * bounded readers, packed integers, the segment writer shared by the builder
 * and merge, and the decoded segment core shared by reader views.
 *
 * Every component file has the same frame (all integers little-endian):
 *
 *   OFFSET  SIZE  DESCRIPTION
 *   0       4     magic "OSPS"
 *   4       4     component tag: ext padded with NULs ("tim\0")
 *   8       4     format version (2: adds .pnt)
 *   12      4     reserved (0)
 *   16      16    segment id (same in every component of a segment)
 *   32      ...   body (described in the component's own file)
 *   L-16    8     L: total file length, footer included
 *   L-8     4     footer magic "SPSO"
 *   L-4     4     CRC32C of bytes [0, L-4)
 *
 * Components reference fields by number (order of first appearance in the
 * builder, recorded in .si).
 */
#ifndef ST_SEG_INT_H
#define ST_SEG_INT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <roaring/roaring.h>

#include "osprey/arena.h"
#include "osprey/buf.h"
#include "osprey/err.h"
#include "st_segment.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "segment codec assumes a little-endian host"
#endif

#define ST_SEG_VERSION 2u
#define ST_SEG_HDR_LEN 32u
#define ST_SEG_FTR_LEN 16u
#define ST_SEG_TERMS_PER_BLOCK 32u
#define ST_SEG_PACK_BLOCK 128u

enum {
	ST_SEG_C_SI = 0,
	ST_SEG_C_TIM,
	ST_SEG_C_DOC,
	ST_SEG_C_POS,
	ST_SEG_C_NRM,
	ST_SEG_C_DVD,
	ST_SEG_C_SRC,
	ST_SEG_C_MET,
	ST_SEG_C_PNT,
	ST_SEG_C_N,
	ST_SEG_C_LIV = ST_SEG_C_N,     /* not part of the immutable set */
};

extern const char *const st_seg_comp_ext[ST_SEG_C_N + 1];

/* CRoaring 0.2.66's roaring_bitmap_free does not accept NULL. */
static inline void
st_seg_bm_free(const roaring_bitmap_t *b)
{
	if (b)
		roaring_bitmap_free((roaring_bitmap_t *)(uintptr_t)b);
}

/* Deserialize a portable bitmap of exactly len bytes, or NULL. The cookie
 * is checked first because CRoaring 0.2.66 prints to stderr on bad input. */
static inline roaring_bitmap_t *
st_seg_bm_parse(const uint8_t *p, size_t len)
{
	uint32_t cookie;

	if (p == NULL || len < 8)
		return NULL;
	memcpy(&cookie, p, 4);
	if (cookie != 12346u && (cookie & 0xffffu) != 12347u)
		return NULL;
	if (roaring_bitmap_portable_deserialize_size((const char *)p, len) != len)
		return NULL;
	return roaring_bitmap_portable_deserialize_safe((const char *)p, len);
}

/* ---- framing (seg_codec.c) ---- */

uint32_t
st_seg_crc32c(uint32_t crc, const void *p, size_t n);

void
st_seg_frame_begin(osp_buf_t *b, int comp, const uint8_t segid[16]);
void
st_seg_frame_end(osp_buf_t *b);

/* Check the frame of a component; body and body_len give the part between header
 * and footer. segid NULL accepts any id; found_id (when not NULL) receives it. */
int
st_seg_frame_check(const osp_buf_t *b, int comp, const uint8_t *segid,
		   uint8_t *found_id, const uint8_t **body, size_t *body_len,
		   osp_err_t *err, const char *name);

int
st_seg_corrupt(osp_err_t *err, const char *name, const char *what);

/* Walk a body of k per-field sections (u32 field number < nfields, u64
 * length L > 0, L bytes) followed by u32 k, calling fn on each; its
 * non-zero result stops the walk. -EBADMSG when the framing is wrong. */
int
st_seg_sections(const uint8_t *body, size_t len, uint32_t nfields,
		int (*fn)(void *arg, uint32_t fid, const uint8_t *p, uint64_t l), void *arg);

/* A bounded little-endian reader; err sticks once set. */
typedef struct st_seg_rd {
	const uint8_t *p, *end;
	int err;
} st_seg_rd_t;

static inline void
st_seg_rd_init(st_seg_rd_t *r, const void *p, size_t n)
{
	r->p = p;
	r->end = (const uint8_t *)p + n;
	r->err = 0;
}

static inline size_t
st_seg_rd_left(const st_seg_rd_t *r)
{
	return (size_t)(r->end - r->p);
}

static inline const uint8_t *
st_seg_rd_bytes(st_seg_rd_t *r, size_t n)
{
	if (r->err || st_seg_rd_left(r) < n) {
		r->err = -EBADMSG;
		return NULL;
	}
	const uint8_t *p = r->p;

	r->p += n;
	return p;
}

static inline uint8_t
st_seg_rd_u8(st_seg_rd_t *r)
{
	const uint8_t *p = st_seg_rd_bytes(r, 1);

	return p ? p[0] : 0;
}

static inline uint32_t
st_seg_rd_u32(st_seg_rd_t *r)
{
	const uint8_t *p = st_seg_rd_bytes(r, 4);
	uint32_t v = 0;

	if (p)
		memcpy(&v, p, 4);
	return v;
}

static inline uint64_t
st_seg_rd_u64(st_seg_rd_t *r)
{
	const uint8_t *p = st_seg_rd_bytes(r, 8);
	uint64_t v = 0;

	if (p)
		memcpy(&v, p, 8);
	return v;
}

static inline uint64_t
st_seg_rd_varint(st_seg_rd_t *r)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (r->err || r->p >= r->end) {
			r->err = -EBADMSG;
			return 0;
		}
		uint8_t c = *r->p++;

		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
	}
	r->err = -EBADMSG;
	return 0;
}

/* A varint that must fit 32 bits and be <= max. */
static inline uint32_t
st_seg_rd_v32(st_seg_rd_t *r, uint64_t max)
{
	uint64_t v = st_seg_rd_varint(r);

	if (v > max || v > UINT32_MAX) {
		r->err = -EBADMSG;
		return 0;
	}
	return (uint32_t)v;
}

static inline uint64_t
st_seg_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t
st_seg_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static inline unsigned
st_seg_bits(uint64_t v)
{
	return v ? 64u - (unsigned)__builtin_clzll(v) : 0u;
}

/* ---- packed integers (seg_pack.c) ---- */

/* u32 values in blocks of 128: per block u8 bpv + ceil(k*bpv/8) bytes. */
void
st_seg_blk_write(osp_buf_t *b, const uint32_t *v, size_t n);
int
st_seg_blk_read(st_seg_rd_t *r, uint32_t *out, size_t n);

/* An int64 column: zigzag varint min, varint gcd, u8 bpv, packed
 * (v - min) / gcd. */
void
st_seg_col_write(osp_buf_t *b, const int64_t *v, size_t n);
int
st_seg_col_read(st_seg_rd_t *r, int64_t *out, size_t n);

/* ---- field infos (seg_info.c) ---- */

/* One field of a segment as recorded in .si. */
typedef struct st_seg_finfo {
	char *name;                   /* NUL-terminated, owned by the holder */
	uint8_t index, norms, dv;
	uint64_t doc_count, sum_ttf, sum_df;
	uint32_t num_terms;
} st_seg_finfo_t;

int
st_seg_info_write(osp_buf_t *b, const uint8_t segid[16], uint32_t max_doc,
		  const st_seg_finfo_t *fi, uint32_t nfields);

/* Parse .si body; names point into the buffer copy in arena a. */
int
st_seg_info_read(const uint8_t *body, size_t len, osp_arena_t *a,
		 uint32_t *max_doc, st_seg_finfo_t **fi, uint32_t *nfields);

/* ---- the segment writer (seg_writer.c), used by builder and merge ---- */

typedef struct st_seg_writer st_seg_writer_t;

/* Postings of one term handed to the writer: docs ascending, freqs[i]
 * (NULL = all 1), positions flat in doc order (NULL without positions). */
typedef struct st_seg_wterm {
	const char *term;
	uint32_t len;
	uint32_t n;
	const uint32_t *docs;
	const uint32_t *freqs;
	const uint32_t *pos;
} st_seg_wterm_t;

int
st_seg_writer_create(const st_seg_builder_opts_t *o, st_seg_writer_t **out);
void
st_seg_writer_free(st_seg_writer_t *w);
/* Fields must be added before anything else, numbered 0, 1, ... */
int
st_seg_writer_add_field(st_seg_writer_t *w, const st_seg_field_spec_t *spec);
/* Terms of field fid in strictly ascending byte order; one field at a time. */
int
st_seg_writer_term(st_seg_writer_t *w, uint32_t fid, const st_seg_wterm_t *t);
int
st_seg_writer_field_end(st_seg_writer_t *w, uint32_t fid);
/* Norms of a field: max_doc bytes. */
int
st_seg_writer_norms(st_seg_writer_t *w, uint32_t fid, const uint8_t *norms,
		    uint32_t max_doc);
/* Numeric doc values: counts per doc, values flat (already sorted per doc). */
int
st_seg_writer_dv_numeric(st_seg_writer_t *w, uint32_t fid, const uint32_t *counts,
			 const int64_t *vals, uint32_t max_doc, uint64_t nvals);
/* Sorted set: sorted unique terms, per doc counts and ords. */
int
st_seg_writer_dv_sorted_set(st_seg_writer_t *w, uint32_t fid, uint32_t num_terms,
			    const uint32_t *term_off, const char *term_bytes,
			    const uint32_t *counts, const uint32_t *ords,
			    uint32_t max_doc, uint64_t nords);
/* Next doc's identity and source, in doc order. */
int
st_seg_writer_doc(st_seg_writer_t *w, const st_doc_meta_t *meta,
		  const char *src, size_t src_len);
int
st_seg_writer_finish(st_seg_writer_t *w, st_seg_files_t *out);
/* Size the big buffers up front (merge knows the inputs' sizes), so no
 * slice pays for doubling a multi-megabyte buffer. */
int
st_seg_writer_reserve(st_seg_writer_t *w, size_t src, size_t doc, size_t pos);
/* Bytes the writer's buffers hold. */
size_t
st_seg_writer_mem(const st_seg_writer_t *w);

/* ---- component writers (one file each) ---- */

/* Term dictionary writer state (seg_terms.c). */
typedef struct st_seg_tim_w {
	osp_buf_t body;               /* blocks of every field */
	osp_buf_t index;              /* sparse index of every field */
	osp_buf_t blk;                /* the block being filled */
	osp_buf_t prev;               /* previous term */
	osp_buf_t fields;             /* per-field directory */
	uint32_t nblk_terms;          /* terms in blk */
	uint32_t nterms, nblocks;     /* of the current field */
	uint64_t field_body_off, field_index_off;
	uint64_t last_doc_off, last_pos_off;
	bool open;
} st_seg_tim_w_t;

void
st_seg_tim_w_init(st_seg_tim_w_t *t);
void
st_seg_tim_w_free(st_seg_tim_w_t *t);
int
st_seg_tim_w_term(st_seg_tim_w_t *t, uint8_t index, const char *term, uint32_t len,
		  uint32_t doc_freq, uint64_t ttf, uint64_t doc_off, uint64_t pos_off);
void
st_seg_tim_w_field_end(st_seg_tim_w_t *t, uint32_t fid);
void
st_seg_tim_w_finish(st_seg_tim_w_t *t, osp_buf_t *out, const uint8_t segid[16]);

/* Postings (.doc) and positions (.pos) of one term; return the offset. */
uint64_t
st_seg_doc_w_term(osp_buf_t *b, roaring_bitmap_t *scratch, uint8_t index,
		  const st_seg_wterm_t *t);
uint64_t
st_seg_pos_w_term(osp_buf_t *b, const st_seg_wterm_t *t, uint32_t *scratch);

/* Stored fields writer (seg_stored.c). */
typedef struct st_seg_src_w {
	osp_buf_t body;               /* compressed blocks */
	osp_buf_t index;              /* per block: first doc, offset, sizes */
	osp_buf_t lens;               /* varint lengths of the pending block */
	osp_buf_t data;               /* bytes of the pending block */
	osp_buf_t comp;               /* compression scratch */
	uint32_t ndocs, block_docs, nblocks, first_doc, max_raw;
	uint32_t block_bytes;
	int level;
	void *cctx;                   /* ZSTD_CCtx */
} st_seg_src_w_t;

void
st_seg_src_w_init(st_seg_src_w_t *s, uint32_t block_bytes, int level);
void
st_seg_src_w_free(st_seg_src_w_t *s);
int
st_seg_src_w_add(st_seg_src_w_t *s, const char *src, size_t len);
int
st_seg_src_w_finish(st_seg_src_w_t *s, osp_buf_t *out, const uint8_t segid[16]);

/* Doc meta writer (seg_meta.c): buffered columns, written at finish. */
typedef struct st_seg_met_w {
	osp_buf_t ids, routings;      /* concatenated bytes */
	osp_buf_t idl, rtl;           /* int64 lengths (routing: len + 1, 0 = none) */
	osp_buf_t seq, term, ver;     /* int64 arrays */
	uint32_t ndocs;
} st_seg_met_w_t;

void
st_seg_met_w_init(st_seg_met_w_t *m);
void
st_seg_met_w_free(st_seg_met_w_t *m);
void
st_seg_met_w_add(st_seg_met_w_t *m, const st_doc_meta_t *d);
int
st_seg_met_w_finish(st_seg_met_w_t *m, osp_buf_t *out, const uint8_t segid[16]);

/* Norms and doc values append per-field sections. */
void
st_seg_nrm_w_field(osp_buf_t *b, uint32_t fid, const uint8_t *norms, uint32_t max_doc);
void
st_seg_nrm_w_finish(osp_buf_t *b, uint32_t nsections);
void
st_seg_dvd_w_numeric(osp_buf_t *b, uint32_t fid, const uint32_t *counts,
		     const int64_t *vals, uint32_t max_doc, uint64_t nvals);
void
st_seg_dvd_w_sorted_set(osp_buf_t *b, uint32_t fid, uint32_t num_terms,
			const uint32_t *term_off, const char *term_bytes,
			const uint32_t *counts, const uint32_t *ords,
			uint32_t max_doc, uint64_t nords);
void
st_seg_dvd_w_finish(osp_buf_t *b, uint32_t nsections);
/* Points (seg_points.c): one section per numeric doc values field, from
 * the same counts and values (double: IEEE bits). */
void
st_seg_pnt_w_field(osp_buf_t *b, uint32_t fid, bool is_double, const uint32_t *counts,
		   const int64_t *vals, uint32_t max_doc, uint64_t nvals);
void
st_seg_pnt_w_finish(osp_buf_t *b, uint32_t nsections);

/* ---- the decoded segment (seg_reader.c and component readers) ---- */

/* Decoded term block: NTERMS terms with their postings addresses. */
typedef struct st_seg_tblock {
	uint32_t n;
	const uint32_t *off;          /* n + 1 offsets into bytes */
	const char *bytes;
	const uint32_t *doc_freq;
	const uint64_t *ttf;
	const uint64_t *doc_off, *pos_off;
	const st_postings_t **post;   /* n decoded postings, NULL until asked */
} st_seg_tblock_t;

/* Per-field reader state; lazily decoded parts live in the core's arena. */
typedef struct st_seg_rfield {
	st_seg_finfo_t fi;
	/* term dictionary */
	uint32_t nblocks;
	const uint8_t *blocks;        /* start of this field's blocks in .tim */
	size_t blocks_len;
	uint32_t *blk_first_off;      /* nblocks + 1 offsets into first_bytes */
	char *first_bytes;            /* first terms of each block (copied) */
	uint64_t *blk_off;            /* nblocks + 1 offsets into blocks */
	st_seg_tblock_t **tblocks;    /* decoded blocks (and their postings), lazily */
	/* norms (points into .nrm) */
	const uint8_t *norms;
	/* doc values */
	const uint8_t *dv_sec;        /* section in .dvd, NULL when none */
	size_t dv_len;
	bool dv_ready;
	st_dv_numeric_t dvn;
	st_dv_sorted_set_t dvs;
	int dv_err;
	/* points (section in .pnt, NULL when none) */
	const uint8_t *pt_sec;
	size_t pt_len;
	bool pt_ready;
	int pt_err;
	st_points_t pts;
} st_seg_rfield_t;

/* Stored-fields reader state. */
typedef struct st_seg_src_r {
	const uint8_t *body;
	size_t body_len;
	uint32_t nblocks, max_raw, max_doc;
	const uint8_t *index;         /* nblocks * 20 bytes */
	uint32_t cached;              /* block in cache, UINT32_MAX = none */
	char *cache;                  /* max_raw bytes (malloc) */
	uint32_t cache_docs;
	uint32_t *cache_off;          /* cache_docs + 1 offsets (malloc) */
	void *dctx;                   /* ZSTD_DCtx */
} st_seg_src_r_t;

int
st_seg_src_r_open(st_seg_src_r_t *s, const uint8_t *body, size_t len, uint32_t max_doc);
void
st_seg_src_r_free(st_seg_src_r_t *s);
int
st_seg_src_r_get(st_seg_src_r_t *s, uint32_t doc, const char **p, size_t *len);

/* Doc meta reader state (decoded at open). */
typedef struct st_seg_met_r {
	uint32_t ndocs;
	const uint8_t *ids;           /* into the .met buffer */
	uint32_t *id_off;             /* ndocs + 1 */
	const uint8_t *routings;
	uint32_t *rt_off;             /* ndocs + 1 */
	uint8_t *rt_has;              /* per doc: routing present */
	int64_t *seq, *term, *ver;
	uint32_t *hash;               /* open addressing of doc + 1, 0 = empty */
	uint32_t hash_mask;
} st_seg_met_r_t;

int
st_seg_met_r_open(st_seg_met_r_t *m, const uint8_t *body, size_t len, uint32_t max_doc);
void
st_seg_met_r_free(st_seg_met_r_t *m);
int
st_seg_met_r_get(const st_seg_met_r_t *m, uint32_t doc, st_doc_meta_t *out);
int
st_seg_met_r_lookup(const st_seg_met_r_t *m, const char *id, uint32_t len,
		    const roaring_bitmap_t *live, uint32_t *doc);

/* The immutable decoded segment shared by every view (reader) of it; freed
 * when the last view is destroyed. One worker core touches it. */
typedef struct st_seg_core {
	uint32_t refs;
	char name[40];
	uint8_t segid[16];
	uint32_t max_doc;
	osp_buf_t files[ST_SEG_C_N];
	osp_arena_t arena;            /* decoded structures */
	uint32_t nfields;
	st_seg_rfield_t *fields;
	uint32_t *by_name;            /* field numbers sorted by name */
	st_seg_src_r_t src;
	st_seg_met_r_t met;
	size_t pcache_bytes;          /* its entries in the postings cache */
} st_seg_core_t;

/* A decoded postings list in the per-thread LRU cache (seg_pcache.c): one
 * malloc block holding the st_postings_t (first, so the pointer readers get
 * is the entry) and its arrays; slot is the term block's pointer to it. */
typedef struct st_seg_pent {
	st_postings_t p;
	struct st_seg_pent *prev, *next;
	const st_postings_t **slot;
	st_seg_core_t *core;
	size_t bytes;
} st_seg_pent_t;

/* Put a new entry at the front / move a hit there / evict one (clears its
 * slot, frees it). */
void
st_seg_pcache_add(st_seg_pent_t *e);
void
st_seg_pcache_touch(st_seg_pent_t *e);
void
st_seg_pcache_drop(st_seg_pent_t *e);

/* Reader-side component parsers. */
int
st_seg_tim_r_open(st_seg_core_t *c, const uint8_t *body, size_t len);
int
st_seg_tim_r_block(st_seg_core_t *c, st_seg_rfield_t *f, uint32_t blk,
		   const st_seg_tblock_t **out);
/* Find term: 0 and *ord, or -ENOENT; *ord = insertion point either way. */
int
st_seg_tim_r_find(st_seg_core_t *c, st_seg_rfield_t *f, const char *term,
		  uint32_t len, uint32_t *ord);
int
st_seg_doc_r_decode(st_seg_core_t *c, st_seg_rfield_t *f, uint32_t ord,
		    const st_postings_t **out);
/* One term's postings decoded into caller-owned, reusable arrays (merge). */
typedef struct st_seg_pbuf {
	uint32_t n;
	uint64_t ttf;
	uint32_t *docs, *freqs, *pos;
	size_t cap_docs, cap_pos;
} st_seg_pbuf_t;

/* Decode term ord of f into pb without caching it in the core. */
int
st_seg_doc_r_read(st_seg_core_t *c, st_seg_rfield_t *f, uint32_t ord, st_seg_pbuf_t *pb);
void
st_seg_pbuf_free(st_seg_pbuf_t *pb);
int
st_seg_pbuf_reserve(st_seg_pbuf_t *pb, size_t ndocs, size_t npos);

int
st_seg_pos_r_decode(const osp_buf_t *pos, uint64_t off, uint32_t n,
		    const uint32_t *freqs, uint64_t ttf, uint32_t *pos_start,
		    uint32_t *positions);
int
st_seg_nrm_r_open(st_seg_core_t *c, const uint8_t *body, size_t len);
int
st_seg_dvd_r_open(st_seg_core_t *c, const uint8_t *body, size_t len);
int
st_seg_dvd_r_decode(st_seg_core_t *c, st_seg_rfield_t *f);
int
st_seg_pnt_r_open(st_seg_core_t *c, const uint8_t *body, size_t len);
int
st_seg_pnt_r_decode(st_seg_core_t *c, st_seg_rfield_t *f);

/* Live docs (seg_liv.c): deleted set of a generation. */
int
st_seg_liv_write(osp_buf_t *b, const uint8_t segid[16], uint64_t delgen,
		 uint32_t max_doc, const roaring_bitmap_t *deleted);
int
st_seg_liv_read(const osp_buf_t *b, const uint8_t segid[16], uint32_t max_doc,
		uint64_t *delgen, roaring_bitmap_t **deleted, osp_err_t *err);

/* The reader view. */
typedef struct st_seg_reader {
	st_reader_t base;
	st_seg_core_t *core;
	roaring_bitmap_t *live;       /* owned; NULL = all live */
	uint64_t delgen;
} st_seg_reader_t;

st_seg_rfield_t *
st_seg_core_field(const st_seg_core_t *c, const char *name);

#endif
