/*
 * seg_pcache.c - the bounded cache of decoded postings.
 *
 * A postings list decoded for a query (doc bitmap, freqs, positions, block
 * maxima) is one malloc'd st_seg_pent_t, reachable from its term block's
 * slot and kept on a per-thread LRU list (every core is touched by its one
 * worker thread, so each worker has its own list and budget). A hit moves
 * the entry to the front. Eviction never happens under a reader's feet:
 * st_segment_cache_trim, called by the owner between jobs (the shard tick),
 * frees least recently used entries until the thread's total is within its
 * budget and clears their slots, so the next use decodes again.
 */
#include <stdlib.h>

#include "seg_int.h"

/* Per-thread LRU: most recently used first. */
static __thread struct {
	st_seg_pent_t *head, *tail;
	size_t bytes;
	size_t budget;
	bool budget_set;
} lru;

#define ST_PCACHE_DEFAULT_BUDGET (256u << 20)

static void
unlink_ent(st_seg_pent_t *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		lru.head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		lru.tail = e->prev;
	e->prev = e->next = NULL;
}

static void
push_front(st_seg_pent_t *e)
{
	e->prev = NULL;
	e->next = lru.head;
	if (lru.head)
		lru.head->prev = e;
	lru.head = e;
	if (lru.tail == NULL)
		lru.tail = e;
}

void
st_seg_pcache_add(st_seg_pent_t *e)
{
	push_front(e);
	lru.bytes += e->bytes;
	e->core->pcache_bytes += e->bytes;
}

void
st_seg_pcache_touch(st_seg_pent_t *e)
{
	if (lru.head == e)
		return;
	unlink_ent(e);
	push_front(e);
}

void
st_seg_pcache_drop(st_seg_pent_t *e)
{
	unlink_ent(e);
	lru.bytes -= e->bytes;
	e->core->pcache_bytes -= e->bytes;
	*e->slot = NULL;
	st_seg_bm_free(e->p.docs);
	free(e);
}

void
st_segment_cache_set_budget(size_t bytes)
{
	lru.budget = bytes;
	lru.budget_set = true;
}

size_t
st_segment_cache_bytes(void)
{
	return lru.bytes;
}

size_t
st_segment_cache_trim(void)
{
	size_t budget = lru.budget_set ? lru.budget : ST_PCACHE_DEFAULT_BUDGET;
	size_t freed = 0;

	while (lru.bytes > budget && lru.tail) {
		freed += lru.tail->bytes;
		st_seg_pcache_drop(lru.tail);
	}
	return freed;
}
