/*
 * buf.c - the growable byte buffer of osprey/buf.h.
 *
 * Capacity doubles; data is kept NUL-terminated so text replies can be logged
 * directly. Once an allocation fails the buffer stays failed until cleared.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osprey/buf.h"

void
osp_buf_init(osp_buf_t *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = 0;
}

void
osp_buf_free(osp_buf_t *b)
{
	free(b->data);
	osp_buf_init(b);
}

void
osp_buf_clear(osp_buf_t *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data)
		b->data[0] = '\0';
}

int
osp_buf_reserve(osp_buf_t *b, size_t n)
{
	if (b->failed)
		return -ENOMEM;
	if (n >= SIZE_MAX / 2 - b->len) {
		b->failed = 1;      /* len + n + 1 would overflow */
		return -ENOMEM;
	}
	if (b->len + n + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;

	while (cap < b->len + n + 1) {
		if (cap > SIZE_MAX / 2) {
			b->failed = 1;
			return -ENOMEM;
		}
		cap *= 2;
	}
	char *p = realloc(b->data, cap);

	if (p == NULL) {
		b->failed = 1;
		return -ENOMEM;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void
osp_buf_append(osp_buf_t *b, const void *p, size_t n)
{
	if (osp_buf_reserve(b, n) != 0)
		return;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
osp_buf_puts(osp_buf_t *b, const char *s)
{
	osp_buf_append(b, s, strlen(s));
}

void
osp_buf_putc(osp_buf_t *b, char c)
{
	if (osp_buf_reserve(b, 1) != 0)
		return;
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void
osp_buf_vprintf(osp_buf_t *b, const char *fmt, va_list ap)
{
	va_list ap2;
	char small[256];

	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		osp_buf_append(b, small, (size_t)n);
		return;
	}
	if (osp_buf_reserve(b, (size_t)n) != 0)
		return;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
osp_buf_printf(osp_buf_t *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	osp_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
osp_buf_put_u8(osp_buf_t *b, uint8_t v)
{
	osp_buf_append(b, &v, 1);
}

void
osp_buf_put_u32le(osp_buf_t *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	osp_buf_append(b, x, 4);
}

void
osp_buf_put_u64le(osp_buf_t *b, uint64_t v)
{
	osp_buf_put_u32le(b, (uint32_t)v);
	osp_buf_put_u32le(b, (uint32_t)(v >> 32));
}

void
osp_buf_put_varint(osp_buf_t *b, uint64_t v)
{
	uint8_t x[10];
	size_t n = 0;

	while (v >= 0x80) {
		x[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	x[n++] = (uint8_t)v;
	osp_buf_append(b, x, n);
}
