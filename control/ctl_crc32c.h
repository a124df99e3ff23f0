/*
 * ctl_crc32c.h - CRC32C (Castagnoli), the checksum of control's files.
 */
#ifndef CTL_CRC32C_H
#define CTL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC32C of n bytes, continuing from crc (0 to start). */
uint32_t
ctl_crc32c(uint32_t crc, const void *p, size_t n);

#endif
