/*
 * osprey/buf.h - growable byte buffer.
 *
 * Used to build replies, WAL records and files. A buffer owns its bytes
 * (malloc/realloc); the owner calls osp_buf_free. Appends never fail silently:
 * on allocation failure the buffer is marked failed and later appends are
 * no-ops, so a writer checks osp_buf_failed() once at the end.
 */
#ifndef OSPREY_BUF_H
#define OSPREY_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* A growable buffer; single owner, single thread. */
typedef struct osp_buf {
	char *data;     /* NUL-terminated when len < cap */
	size_t len;
	size_t cap;
	int failed;     /* set once an allocation failed */
} osp_buf_t;

#define OSP_BUF_INIT { NULL, 0, 0, 0 }

void osp_buf_init(osp_buf_t *b);
void osp_buf_free(osp_buf_t *b);
/* Keep the allocation, drop the contents. */
void osp_buf_clear(osp_buf_t *b);
/* Make room for n more bytes; 0 or -ENOMEM. */
int osp_buf_reserve(osp_buf_t *b, size_t n);
void osp_buf_append(osp_buf_t *b, const void *p, size_t n);
void osp_buf_puts(osp_buf_t *b, const char *s);
void osp_buf_putc(osp_buf_t *b, char c);
void osp_buf_printf(osp_buf_t *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void osp_buf_vprintf(osp_buf_t *b, const char *fmt, va_list ap);
/* Little-endian fixed-width and LEB128 varint appends for binary formats. */
void osp_buf_put_u8(osp_buf_t *b, uint8_t v);
void osp_buf_put_u32le(osp_buf_t *b, uint32_t v);
void osp_buf_put_u64le(osp_buf_t *b, uint64_t v);
void osp_buf_put_varint(osp_buf_t *b, uint64_t v);
static inline int osp_buf_failed(const osp_buf_t *b) { return b->failed; }

#endif
