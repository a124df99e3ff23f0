/*
 * st_crc32c.h - CRC32C (Castagnoli), the checksum of WAL records and commit
 * points. Hardware crc32 instructions when the CPU has SSE4.2, else a
 * slicing-by-8 table. Pure function; any thread.
 */
#ifndef ST_CRC32C_H
#define ST_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC: pass 0 to start. st_crc32c(0, "123456789", 9) == 0xE3069283. */
uint32_t
st_crc32c(uint32_t crc, const void *data, size_t len);

#endif
