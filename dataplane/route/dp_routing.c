/*
 * dp_routing.c - Elasticsearch's document routing (see dp_routing.h).
 */
#include <stdlib.h>
#include <string.h>

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

int32_t
dp_routing_hash(const char *utf8, size_t len)
{
	uint8_t small[256] = { 0 };
	uint8_t *buf = small;
	size_t cap = sizeof(small), o = 0;
	const unsigned char *s = (const unsigned char *)utf8;

	/* At most two UTF-16 units (4 bytes) per UTF-8 byte... per code point,
	 * and a code point takes at least one byte: 4 bytes per input byte. */
	if (len * 4 > cap) {
		buf = malloc(len * 4);
		if (buf == NULL)
			return 0;
		cap = len * 4;
	}
	for (size_t i = 0; i < len;) {
		uint32_t cp;

		i += routing_utf8_next(s + i, len - i, &cp);
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000;
			uint16_t hi = (uint16_t)(0xd800 + (v >> 10)), lo = (uint16_t)(0xdc00 + (v & 0x3ff));

			buf[o++] = (uint8_t)hi;
			buf[o++] = (uint8_t)(hi >> 8);
			buf[o++] = (uint8_t)lo;
			buf[o++] = (uint8_t)(lo >> 8);
		} else {
			buf[o++] = (uint8_t)cp;
			buf[o++] = (uint8_t)(cp >> 8);
		}
	}
	uint32_t h = dp_murmur3_32(buf, o, 0);

	if (buf != small)
		free(buf);
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
