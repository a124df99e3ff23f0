/*
 * seg_codec.c - codec primitives shared by every component: the component
 * frame (header, footer, CRC32C; byte table in seg_int.h), corruption
 * errors, and the sortable byte encoding of numeric terms.
 *
 * CRC32C (Castagnoli, as Lucene's and ext4's) uses the SSE4.2 crc32
 * instruction when the CPU has it and a table otherwise; both give the same
 * value, so files move between machines.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "seg_int.h"

const char *const st_seg_comp_ext[ST_SEG_C_N + 1] = {
	"si", "tim", "doc", "pos", "nrm", "dvd", "src", "met", "pnt", "liv",
};

#define FOOTER_MAGIC 0x4f535053u     /* "SPSO" */
static const uint8_t hdr_magic[4] = { 'O', 'S', 'P', 'S' };

static uint32_t crc_table[256];
static int crc_init_done;
static int crc_hw;

static void
crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_table[i] = c;
	}
#if defined(__x86_64__)
	__builtin_cpu_init();
	crc_hw = __builtin_cpu_supports("sse4.2");
#endif
	crc_init_done = 1;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t
crc_hw_update(uint32_t crc, const uint8_t *p, size_t n)
{
	uint64_t c = crc;

	while (n >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
		p += 8;
		n -= 8;
	}
	uint32_t c32 = (uint32_t)c;

	while (n--)
		c32 = __builtin_ia32_crc32qi(c32, *p++);
	return c32;
}
#endif

/* CRC32C of p[0..n) continuing from crc (0 to start). */
uint32_t
st_seg_crc32c(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *s = p;

	if (!crc_init_done)
		crc_init();
	crc = ~crc;
#if defined(__x86_64__)
	if (crc_hw)
		return ~crc_hw_update(crc, s, n);
#endif
	while (n--)
		crc = crc_table[(crc ^ *s++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

void
st_seg_frame_begin(osp_buf_t *b, int comp, const uint8_t segid[16])
{
	uint8_t tag[4] = { 0 };

	memcpy(tag, st_seg_comp_ext[comp], strlen(st_seg_comp_ext[comp]));
	osp_buf_append(b, hdr_magic, 4);
	osp_buf_append(b, tag, 4);
	osp_buf_put_u32le(b, ST_SEG_VERSION);
	osp_buf_put_u32le(b, 0);
	osp_buf_append(b, segid, 16);
}

void
st_seg_frame_end(osp_buf_t *b)
{
	osp_buf_put_u64le(b, (uint64_t)b->len + ST_SEG_FTR_LEN);
	osp_buf_put_u32le(b, FOOTER_MAGIC);
	if (osp_buf_failed(b))
		return;
	osp_buf_put_u32le(b, st_seg_crc32c(0, b->data, b->len));
}

/* Fill err with a corrupt_index_exception naming the component; -EBADMSG. */
int
st_seg_corrupt(osp_err_t *err, const char *name, const char *what)
{
	if (err)
		osp_err_set(err, 500, "corrupt_index_exception",
			    "segment component [%s] is corrupt: %s",
			    name ? name : "?", what);
	return -EBADMSG;
}

int
st_seg_frame_check(const osp_buf_t *b, int comp, const uint8_t *segid,
		   uint8_t *found_id, const uint8_t **body, size_t *body_len,
		   osp_err_t *err, const char *name)
{
	const uint8_t *p = (const uint8_t *)b->data;
	uint8_t tag[4] = { 0 };
	uint64_t len;
	uint32_t v, crc;
	char what[96];

	if (b->len < ST_SEG_HDR_LEN + ST_SEG_FTR_LEN)
		return st_seg_corrupt(err, name, "truncated (shorter than header and footer)");
	memcpy(&len, p + b->len - 16, 8);
	if (len != b->len) {
		snprintf(what, sizeof(what), "length %zu, footer says %llu (truncated?)",
			 b->len, (unsigned long long)len);
		return st_seg_corrupt(err, name, what);
	}
	memcpy(&v, p + b->len - 8, 4);
	if (v != FOOTER_MAGIC)
		return st_seg_corrupt(err, name, "bad footer magic");
	memcpy(&crc, p + b->len - 4, 4);
	if (crc != st_seg_crc32c(0, p, b->len - 4))
		return st_seg_corrupt(err, name, "checksum mismatch (CRC32C)");
	if (memcmp(p, hdr_magic, 4) != 0)
		return st_seg_corrupt(err, name, "bad header magic");
	memcpy(tag, st_seg_comp_ext[comp], strlen(st_seg_comp_ext[comp]));
	if (memcmp(p + 4, tag, 4) != 0)
		return st_seg_corrupt(err, name, "wrong component type");
	memcpy(&v, p + 8, 4);
	if (v != ST_SEG_VERSION) {
		snprintf(what, sizeof(what), "unsupported format version %u", v);
		return st_seg_corrupt(err, name, what);
	}
	if (segid && memcmp(p + 16, segid, 16) != 0)
		return st_seg_corrupt(err, name, "belongs to another segment (segment id mismatch)");
	if (found_id)
		memcpy(found_id, p + 16, 16);
	*body = p + ST_SEG_HDR_LEN;
	*body_len = b->len - ST_SEG_HDR_LEN - ST_SEG_FTR_LEN;
	return 0;
}

/* ---- sortable numeric terms (Lucene NumericUtils) ---- */

void
st_seg_encode_long(int64_t v, uint8_t out[8])
{
	uint64_t u = (uint64_t)v ^ 0x8000000000000000ull;

	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)u;
		u >>= 8;
	}
}

int64_t
st_seg_decode_long(const uint8_t in[8])
{
	uint64_t u = 0;

	for (int i = 0; i < 8; i++)
		u = (u << 8) | in[i];
	return (int64_t)(u ^ 0x8000000000000000ull);
}

/* doubleToSortableLong: flip the non-sign bits of negatives. */
void
st_seg_encode_double(double v, uint8_t out[8])
{
	int64_t bits;

	memcpy(&bits, &v, 8);
	bits ^= (bits >> 63) & 0x7fffffffffffffffll;
	st_seg_encode_long(bits, out);
}

double
st_seg_decode_double(const uint8_t in[8])
{
	int64_t bits = st_seg_decode_long(in);
	double v;

	bits ^= (bits >> 63) & 0x7fffffffffffffffll;
	memcpy(&v, &bits, 8);
	return v;
}

int
st_seg_sections(const uint8_t *body, size_t len, uint32_t nfields,
		int (*fn)(void *arg, uint32_t fid, const uint8_t *p, uint64_t l), void *arg)
{
	st_seg_rd_t r;
	uint32_t k;
	int rc;

	if (len < 4)
		return -EBADMSG;
	memcpy(&k, body + len - 4, 4);
	if (k > nfields)
		return -EBADMSG;
	st_seg_rd_init(&r, body, len - 4);
	for (uint32_t i = 0; i < k; i++) {
		uint32_t fid = st_seg_rd_u32(&r);
		uint64_t l = st_seg_rd_u64(&r);

		if (r.err || l == 0 || l > st_seg_rd_left(&r) || fid >= nfields)
			return -EBADMSG;
		if ((rc = fn(arg, fid, st_seg_rd_bytes(&r, l), l)))
			return rc;
	}
	return st_seg_rd_left(&r) == 0 ? 0 : -EBADMSG;
}
