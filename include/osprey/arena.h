/*
 * osprey/arena.h - per-request bump allocator.
 *
 * An arena hands out memory from a chain of blocks and frees it all at once
 * (nginx pools). Every request, parsed JSON document and reply is built in an
 * arena that is reset when the reply has been sent. An arena belongs to one
 * thread (one lcore); it is never shared. Blocks come from malloc (jemalloc in
 * the shipped binaries).
 */
#ifndef OSPREY_ARENA_H
#define OSPREY_ARENA_H

#include <stddef.h>

/* One block of an arena; private to arena.c but sized here so an arena can
 * live on the stack or inside another struct. */
struct osp_arena_block;

/* An arena. Owned by whoever called osp_arena_init; touched by one thread. */
typedef struct osp_arena {
	struct osp_arena_block *head;   /* current block (newest) */
	size_t block_size;              /* default size of a new block */
	size_t used;                    /* bytes handed out since init/reset */
	size_t limit;                   /* 0 = unlimited; else alloc fails past it */
} osp_arena_t;

/* Prepare an empty arena; no memory is taken until the first allocation. */
void
osp_arena_init(osp_arena_t *a, size_t block_size, size_t limit);

/* Allocate n bytes aligned to 16; NULL when out of memory or past the limit. */
void *
osp_arena_alloc(osp_arena_t *a, size_t n);

/* Allocate n zeroed bytes. */
void *
osp_arena_calloc(osp_arena_t *a, size_t n);

/* Copy n bytes (plus a NUL) into the arena. */
char *
osp_arena_strndup(osp_arena_t *a, const char *s, size_t n);

/* Free every block but the first one and rewind; memory from before is invalid. */
void
osp_arena_reset(osp_arena_t *a);

/* Free everything. The arena may be initialised again. */
void
osp_arena_free(osp_arena_t *a);

#endif
