/*
 * arena.c - the per-request bump allocator of osprey/arena.h.
 *
 * Blocks are chained newest first. A request larger than a quarter of the
 * block size gets a block of its own so large bodies do not waste the rest of
 * a block. reset keeps one block of the default size (the common case is
 * one block per request) and frees the others. Under AddressSanitizer the
 * bytes not handed out (block tails, alignment padding, everything after a
 * reset) are poisoned, so overruns inside a block are caught as well.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "osprey/arena.h"

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

struct osp_arena_block {
	struct osp_arena_block *next;   /* older block */
	size_t size;                    /* usable bytes in data[] */
	size_t off;                     /* next free byte */
	_Alignas(16) unsigned char data[];
};

#define ARENA_ALIGN 16

void
osp_arena_init(osp_arena_t *a, size_t block_size, size_t limit)
{
	a->head = NULL;
	a->block_size = block_size ? block_size : 16384;
	a->used = 0;
	a->limit = limit;
}

static struct osp_arena_block *
arena_block_new(size_t size)
{
	if (size > SIZE_MAX - sizeof(struct osp_arena_block))
		return NULL;
	struct osp_arena_block *b = malloc(sizeof(*b) + size);

	if (b == NULL)
		return NULL;
	b->next = NULL;
	b->size = size;
	b->off = 0;
	POISON(b->data, size);
	return b;
}

void *
osp_arena_alloc(osp_arena_t *a, size_t n)
{
	struct osp_arena_block *b = a->head;
	size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

	if (need < n)
		return NULL;
	if (a->limit && (a->used > a->limit || need > a->limit - a->used))
		return NULL;
	if (b == NULL || b->size - b->off < need) {
		size_t size = a->block_size;

		if (need > size / 4) {
			/* Own block, linked behind head so head keeps its free space. */
			struct osp_arena_block *big = arena_block_new(need);

			if (big == NULL)
				return NULL;
			big->off = need;
			UNPOISON(big->data, n);
			if (b) {
				big->next = b->next;
				b->next = big;
			} else {
				a->head = big;
			}
			a->used += need;
			return big->data;
		}
		b = arena_block_new(size);
		if (b == NULL)
			return NULL;
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->off;
	UNPOISON(p, n);
	b->off += need;
	a->used += need;
	return p;
}

void *
osp_arena_calloc(osp_arena_t *a, size_t n)
{
	void *p = osp_arena_alloc(a, n);

	if (p)
		memset(p, 0, n);
	return p;
}

char *
osp_arena_strndup(osp_arena_t *a, const char *s, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *p = osp_arena_alloc(a, n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
osp_arena_reset(osp_arena_t *a)
{
	struct osp_arena_block *b = a->head, *keep = NULL;

	while (b) {
		struct osp_arena_block *next = b->next;

		if (keep == NULL && b->size == a->block_size) {
			keep = b;
		} else {
			UNPOISON(b->data, b->size);
			free(b);
		}
		b = next;
	}
	if (keep) {
		keep->next = NULL;
		keep->off = 0;
		POISON(keep->data, keep->size);
	}
	a->head = keep;
	a->used = 0;
}

void
osp_arena_free(osp_arena_t *a)
{
	struct osp_arena_block *b = a->head;

	while (b) {
		struct osp_arena_block *next = b->next;

		UNPOISON(b->data, b->size);
		free(b);
		b = next;
	}
	a->head = NULL;
	a->used = 0;
}
