/*
 * seg_pack.c - bit-packed integers shared by postings, positions, doc values
 * and doc meta. Two layouts (all little-endian, bits filled LSB first):
 *
 * Block stream of n u32 values (freqs - 1, position deltas):
 *   OFFSET  SIZE                 DESCRIPTION
 *   0       1                    bpv: bits per value of this block (0..32)
 *   1       ceil(k * bpv / 8)    k = min(128, values left) packed values
 *   ...                          next block
 *
 * Column of n int64 values (doc values, seq_no, versions):
 *   OFFSET  SIZE                 DESCRIPTION
 *   0       varint               zigzag(min)
 *   .       varint               gcd of (v - min), 0 when all equal
 *   .       1                    bpv (0..64)
 *   .       ceil(n * bpv / 8)    (v - min) / gcd packed
 *
 * A block of all-equal small values costs one byte (bpv 0 = all zero).
 */
#include <errno.h>
#include <string.h>

#include "seg_int.h"

/* Append n values of bpv bits each. */
static void
pack_bits(osp_buf_t *b, const uint64_t *v, size_t n, unsigned bpv)
{
	size_t nbytes = (n * bpv + 7) / 8;
	unsigned __int128 acc = 0;
	unsigned have = 0;
	uint8_t out[64];
	size_t o = 0, done = 0;

	if (bpv == 0 || osp_buf_reserve(b, nbytes) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		acc |= (unsigned __int128)v[i] << have;
		have += bpv;
		while (have >= 8) {
			out[o++] = (uint8_t)acc;
			acc >>= 8;
			have -= 8;
			if (o == sizeof(out)) {
				osp_buf_append(b, out, o);
				done += o;
				o = 0;
			}
		}
	}
	if (have)
		out[o++] = (uint8_t)acc;
	osp_buf_append(b, out, o);
	done += o;
	(void)done;
}

/* Read n values of bpv bits; calls emit through out64 or out32. */
static int
unpack_bits(st_seg_rd_t *r, size_t n, unsigned bpv, uint64_t *out64, uint32_t *out32)
{
	size_t nbytes = (n * bpv + 7) / 8;
	const uint8_t *p = st_seg_rd_bytes(r, nbytes);
	uint64_t mask = bpv == 64 ? ~0ull : ((1ull << bpv) - 1);
	unsigned __int128 acc = 0;
	unsigned have = 0;
	size_t bi = 0;

	if (p == NULL)
		return -EBADMSG;
	if (bpv == 0) {
		if (out64)
			memset(out64, 0, n * 8);
		else
			memset(out32, 0, n * 4);
		return 0;
	}
	size_t i = 0;

	if (bpv <= 56) {
		/* Fast path: one unaligned 64-bit load per value while 8 bytes
		 * remain; the tail goes through the byte loop below. */
		uint64_t bit = 0;

		for (; i < n && (bit >> 3) + 8 <= nbytes; i++, bit += bpv) {
			uint64_t w;

			memcpy(&w, p + (bit >> 3), 8);
			uint64_t x = (w >> (bit & 7)) & mask;

			if (out64)
				out64[i] = x;
			else
				out32[i] = (uint32_t)x;
		}
		bi = (size_t)(bit >> 3);
		if (bit & 7) {
			acc = p[bi++] >> (bit & 7);
			have = 8 - (unsigned)(bit & 7);
		}
	}
	for (; i < n; i++) {
		while (have < bpv) {
			acc |= (unsigned __int128)p[bi++] << have;
			have += 8;
		}
		uint64_t x = (uint64_t)acc & mask;

		acc >>= bpv;
		have -= bpv;
		if (out64)
			out64[i] = x;
		else
			out32[i] = (uint32_t)x;
	}
	return 0;
}

void
st_seg_blk_write(osp_buf_t *b, const uint32_t *v, size_t n)
{
	uint64_t tmp[ST_SEG_PACK_BLOCK];

	for (size_t i = 0; i < n; i += ST_SEG_PACK_BLOCK) {
		size_t k = n - i < ST_SEG_PACK_BLOCK ? n - i : ST_SEG_PACK_BLOCK;
		uint32_t or = 0;

		for (size_t j = 0; j < k; j++) {
			tmp[j] = v[i + j];
			or |= v[i + j];
		}
		unsigned bpv = st_seg_bits(or);

		osp_buf_put_u8(b, (uint8_t)bpv);
		pack_bits(b, tmp, k, bpv);
	}
}

int
st_seg_blk_read(st_seg_rd_t *r, uint32_t *out, size_t n)
{
	for (size_t i = 0; i < n; i += ST_SEG_PACK_BLOCK) {
		size_t k = n - i < ST_SEG_PACK_BLOCK ? n - i : ST_SEG_PACK_BLOCK;
		unsigned bpv = st_seg_rd_u8(r);

		if (r->err || bpv > 32)
			return -EBADMSG;
		if (unpack_bits(r, k, bpv, NULL, out + i) != 0)
			return -EBADMSG;
	}
	return r->err;
}

static uint64_t
gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

void
st_seg_col_write(osp_buf_t *b, const int64_t *v, size_t n)
{
	int64_t min = n ? v[0] : 0, max = min;
	uint64_t g = 0;
	uint64_t tmp[256];

	for (size_t i = 1; i < n; i++) {
		if (v[i] < min)
			min = v[i];
		if (v[i] > max)
			max = v[i];
	}
	for (size_t i = 0; i < n && g != 1; i++)
		g = gcd64(g, (uint64_t)v[i] - (uint64_t)min);
	osp_buf_put_varint(b, st_seg_zigzag(min));
	osp_buf_put_varint(b, g);
	unsigned bpv = g ? st_seg_bits(((uint64_t)max - (uint64_t)min) / g) : 0;

	osp_buf_put_u8(b, (uint8_t)bpv);
	/* Pack in chunks whose bit length is a multiple of 8 (256 values). */
	for (size_t i = 0; i < n; i += 256) {
		size_t k = n - i < 256 ? n - i : 256;

		for (size_t j = 0; j < k; j++)
			tmp[j] = ((uint64_t)v[i + j] - (uint64_t)min) / (g ? g : 1);
		pack_bits(b, tmp, k, bpv);
	}
}

int
st_seg_col_read(st_seg_rd_t *r, int64_t *out, size_t n)
{
	int64_t min = st_seg_unzigzag(st_seg_rd_varint(r));
	uint64_t g = st_seg_rd_varint(r);
	unsigned bpv = st_seg_rd_u8(r);
	uint64_t tmp[256];

	if (r->err || bpv > 64 || (g == 0 && bpv != 0))
		return -EBADMSG;
	for (size_t i = 0; i < n; i += 256) {
		size_t k = n - i < 256 ? n - i : 256;

		if (unpack_bits(r, k, bpv, tmp, NULL) != 0)
			return -EBADMSG;
		for (size_t j = 0; j < k; j++)
			out[i + j] = (int64_t)((uint64_t)min + tmp[j] * g);
	}
	return r->err;
}
