/*
 * ctl_crc32c.c - CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the
 * checksum iSCSI, ext4 and etcd's WAL use. Slicing-by-8 tables built once
 * on first use; state files are small, so no SSE4.2 path is needed. The
 * tables are written once before any reader can see them (pthread_once).
 */
#include <pthread.h>

#include "ctl_crc32c.h"

static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void
crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++) {
		for (int t = 1; t < 8; t++)
			crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^
					  crc_table[0][crc_table[t - 1][i] & 0xff];
	}
}

uint32_t
ctl_crc32c(uint32_t crc, const void *p, size_t n)
{
	const unsigned char *s = p;

	pthread_once(&crc_once, crc_init);
	crc = ~crc;
	while (n >= 8) {
		uint32_t lo = crc ^ ((uint32_t)s[0] | (uint32_t)s[1] << 8 |
				     (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24);
		crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
		      crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
		      crc_table[3][s[4]] ^ crc_table[2][s[5]] ^
		      crc_table[1][s[6]] ^ crc_table[0][s[7]];
		s += 8;
		n -= 8;
	}
	while (n--)
		crc = crc_table[0][(crc ^ *s++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
