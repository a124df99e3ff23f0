/*
 * json_dup.c - repeated member names in one object, for the parser's strict
 * duplicate detection (Elasticsearch's default).
 *
 * Objects up to JSON_DUP_LINEAR members are searched linearly: cheaper than
 * hashing for the small objects requests are made of. Past that, a set of the
 * object's member nodes in open addressing (load <= 1/2) is built in the
 * parse arena and kept up to date lazily: members appended since the last
 * lookup are inserted first, so the parser never touches it between names.
 * The hash is seeded per parse so a client cannot precompute colliding names.
 * The set belongs to the parser's frame for that object and dies with the
 * arena.
 */
#include <errno.h>
#include <string.h>

#include "json_int.h"

#define JSON_DUP_LINEAR 8u

void
osp_json_dupset_init(json_dupset_t *d)
{
	d->slots = NULL;
	d->last = NULL;
	d->cap = 0;
}

static uint64_t
key_hash(const char *k, size_t n, uint64_t seed)
{
	uint64_t h = seed ^ (n * 0x9E3779B97F4A7C15ULL), w;

	while (n >= 8) {
		memcpy(&w, k, 8);
		h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
		h ^= h >> 31;
		k += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, k, n);
	h = (h ^ w) * 0x94D049BB133111EBULL;
	return h ^ (h >> 29);
}

static void
slot_insert(json_dupset_t *d, osp_json_t *m, uint64_t seed)
{
	uint32_t mask = d->cap - 1, i = (uint32_t)key_hash(m->key, m->key_len, seed) & mask;

	while (d->slots[i])
		i = (i + 1) & mask;
	d->slots[i] = m;
}

int
osp_json_dupset_find(json_dupset_t *d, osp_arena_t *a, const osp_json_t *obj,
		 const char *k, size_t klen, uint64_t seed, bool *found)
{
	osp_json_t *m;

	*found = false;
	if (obj->len <= JSON_DUP_LINEAR) {
		for (m = obj->u.child; m; m = m->next) {
			if (m->key_len == klen && memcmp(m->key, k, klen) == 0) {
				*found = true;
				break;
			}
		}
		return 0;
	}
	if (d->slots == NULL || (uint64_t)obj->len * 2 > d->cap) {
		uint32_t cap = 64;

		if (obj->len > (1u << 28))
			return -ENOMEM;
		while (cap < obj->len * 4u)
			cap *= 2;
		d->slots = osp_arena_calloc(a, cap * sizeof(*d->slots));
		if (d->slots == NULL)
			return -ENOMEM;
		d->cap = cap;
		m = obj->u.child;
	} else {
		m = d->last->next;
	}
	for (; m; m = m->next) {
		slot_insert(d, m, seed);
		d->last = m;
	}
	uint32_t mask = d->cap - 1, i = (uint32_t)key_hash(k, klen, seed) & mask;

	for (; d->slots[i]; i = (i + 1) & mask) {
		if (d->slots[i]->key_len == klen && memcmp(d->slots[i]->key, k, klen) == 0) {
			*found = true;
			break;
		}
	}
	return 0;
}
