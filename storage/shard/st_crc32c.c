/*
 * st_crc32c.c - CRC32C of st_crc32c.h: SSE4.2 crc32 when available (checked
 * once), else slicing-by-8 over tables built on first use. The tables are
 * written once before any reader and never again.
 */
#include <stdbool.h>
#include <string.h>

#include "st_crc32c.h"

#define POLY 0x82f63b78u

static uint32_t tab[8][256];
static int tab_ready;
#if defined(__x86_64__)
static int hw = -1;
#endif

static void
tab_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
		tab[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			tab[t][i] = (tab[t - 1][i] >> 8) ^ tab[0][tab[t - 1][i] & 0xff];
	tab_ready = 1;
}

static uint32_t
crc_sw(uint32_t c, const unsigned char *p, size_t n)
{
	if (!tab_ready)
		tab_init();
	while (n >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		v ^= c;
		c = tab[7][v & 0xff] ^ tab[6][(v >> 8) & 0xff] ^
		    tab[5][(v >> 16) & 0xff] ^ tab[4][(v >> 24) & 0xff] ^
		    tab[3][(v >> 32) & 0xff] ^ tab[2][(v >> 40) & 0xff] ^
		    tab[1][(v >> 48) & 0xff] ^ tab[0][v >> 56];
		p += 8;
		n -= 8;
	}
	while (n--)
		c = (c >> 8) ^ tab[0][(c ^ *p++) & 0xff];
	return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t
crc_hw(uint32_t c, const unsigned char *p, size_t n)
{
	uint64_t c64 = c;

	while (n >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c64 = __builtin_ia32_crc32di(c64, v);
		p += 8;
		n -= 8;
	}
	c = (uint32_t)c64;
	while (n--)
		c = __builtin_ia32_crc32qi(c, *p++);
	return c;
}
#endif

uint32_t
st_crc32c(uint32_t crc, const void *data, size_t len)
{
	uint32_t c = ~crc;

#if defined(__x86_64__)
	if (hw < 0) {
		__builtin_cpu_init();
		hw = __builtin_cpu_supports("sse4.2") ? 1 : 0;
	}
	if (hw)
		return ~crc_hw(c, data, len);
#endif
	return ~crc_sw(c, data, len);
}
