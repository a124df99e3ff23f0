/*
 * dp_routing.c - Elasticsearch's document routing (see dp_routing.h).
 */

#include "dp_routing.h"

static inline uint32_t
rotl32(uint32_t x, int r)
{
	return (x << r) | (x >> (32 - r));
}

uint32_t
dp_murmur3_32(const void *data, size_t len, uint32_t seed)
{
	const uint8_t *p = data;
	const uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
	uint32_t h = seed, k;
	size_t i, blocks = len / 4;

	for (i = 0; i < blocks; i++) {
		k = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		    (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
		k *= c1;
		k = rotl32(k, 15);
		k *= c2;
		h ^= k;
		h = rotl32(h, 13);
		h = h * 5 + 0xe6546b64;
	}
	k = 0;
	switch (len & 3) {
	case 3:
		k ^= (uint32_t)p[4 * i + 2] << 16;
		/* fallthrough */
	case 2:
		k ^= (uint32_t)p[4 * i + 1] << 8;
		/* fallthrough */
	case 1:
		k ^= (uint32_t)p[4 * i];
		k *= c1;
		k = rotl32(k, 15);
		k *= c2;
		h ^= k;
	}
	h ^= (uint32_t)len;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* Decode one UTF-8 sequence at s (n bytes left); returns its length and the
 * code point, or 1 and U+FFFD for an invalid byte. */
static size_t
routing_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0];
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
	} else {
		goto bad;
	}
	if (len > n)
		goto bad;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		goto bad;
	*cp = c;
	return len;
bad:
	*cp = 0xfffd;
	return 1;
}

/* Streaming murmur3_x86_32 over 16-bit units: two units make one block. */
typedef struct routing_mm3 {
	uint32_t h;
	uint32_t pending;       /* a unit waiting for its pair */
	int has_pending;
	uint32_t bytes;
} routing_mm3_t;

static inline void
routing_mm3_block(routing_mm3_t *m, uint32_t k)
{
	k *= 0xcc9e2d51;
	k = rotl32(k, 15);
	k *= 0x1b873593;
	m->h ^= k;
	m->h = rotl32(m->h, 13);
	m->h = m->h * 5 + 0xe6546b64;
}

static inline void
routing_mm3_unit(routing_mm3_t *m, uint16_t u)
{
	m->bytes += 2;
	if (m->has_pending) {
		routing_mm3_block(m, m->pending | (uint32_t)u << 16);
		m->has_pending = 0;
	} else {
		m->pending = u;
		m->has_pending = 1;
	}
}

int32_t
dp_routing_hash(const char *utf8, size_t len)
{
	routing_mm3_t m = { 0, 0, 0, 0 };
	const unsigned char *s = (const unsigned char *)utf8;

	for (size_t i = 0; i < len;) {
		uint32_t cp;

		i += routing_utf8_next(s + i, len - i, &cp);
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000;

			routing_mm3_unit(&m, (uint16_t)(0xd800 + (v >> 10)));
			routing_mm3_unit(&m, (uint16_t)(0xdc00 + (v & 0x3ff)));
		} else {
			routing_mm3_unit(&m, (uint16_t)cp);
		}
	}
	uint32_t h = m.h;

	if (m.has_pending) {  /* a 2-byte tail */
		uint32_t k = m.pending;

		k *= 0xcc9e2d51;
		k = rotl32(k, 15);
		k *= 0x1b873593;
		h ^= k;
	}
	h ^= m.bytes;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return (int32_t)h;
}

uint32_t
dp_routing_shard(const char *routing, size_t len, uint32_t routing_num_shards,
		 uint32_t number_of_shards)
{
	if (number_of_shards <= 1 || routing_num_shards == 0)
		return 0;
	int64_t h = dp_routing_hash(routing, len);
	int64_t m = h % (int64_t)routing_num_shards;

	if (m < 0)
		m += routing_num_shards;  /* Math.floorMod */
	return (uint32_t)(m / (routing_num_shards / number_of_shards));
}
