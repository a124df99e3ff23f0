/*
 * st_vmap.c - the version map of st_vmap.h: an open-addressing hash table
 * (FNV-1a 64 of the _id, linear probing, load <= 1/2, backward-shift delete
 * so no tombstone slots accumulate). Keys are malloc'd copies owned by the
 * table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "st_vmap.h"

static uint64_t
hash_id(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

void
st_vmap_init(st_vmap_t *m)
{
	memset(m, 0, sizeof(*m));
}

void
st_vmap_free(st_vmap_t *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].id);
	free(m->slots);
	st_vmap_init(m);
}

static size_t
find_slot(const st_vmap_t *m, const char *id, size_t len, uint64_t h)
{
	size_t mask = m->cap - 1, i = h & mask;

	while (m->slots[i].id) {
		const st_vmap_ent_t *e = &m->slots[i];

		if (e->hash == h && e->id_len == len && memcmp(e->id, id, len) == 0)
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

st_vmap_ent_t *
st_vmap_get(const st_vmap_t *m, const char *id, size_t len)
{
	if (m->n == 0)
		return NULL;
	size_t i = find_slot(m, id, len, hash_id(id, len));

	return m->slots[i].id ? &m->slots[i] : NULL;
}

static int
grow(st_vmap_t *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	st_vmap_ent_t *ns = calloc(ncap, sizeof(*ns)), *old = m->slots;
	size_t ocap = m->cap;

	if (!ns)
		return -ENOMEM;
	m->slots = ns;
	m->cap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		if (!old[i].id)
			continue;
		size_t j = old[i].hash & (ncap - 1);

		while (ns[j].id)
			j = (j + 1) & (ncap - 1);
		ns[j] = old[i];
	}
	free(old);
	return 0;
}

int
st_vmap_put(st_vmap_t *m, const char *id, size_t len, const st_vmap_ent_t *val,
	    st_vmap_ent_t **out)
{
	if ((m->n + 1) * 2 > m->cap) {
		int rc = grow(m);

		if (rc < 0)
			return rc;
	}
	uint64_t h = hash_id(id, len);
	size_t i = find_slot(m, id, len, h);
	st_vmap_ent_t *e = &m->slots[i];

	if (!e->id) {
		char *key = malloc(len + 1);

		if (!key)
			return -ENOMEM;
		memcpy(key, id, len);
		key[len] = '\0';
		*e = *val;
		e->id = key;
		e->id_len = (uint32_t)len;
		e->hash = h;
		m->n++;
		m->bytes += len + sizeof(*e);
	} else {
		char *key = e->id;

		*e = *val;
		e->id = key;
		e->id_len = (uint32_t)len;
		e->hash = h;
	}
	if (out)
		*out = e;
	return 0;
}

/* Remove slot i and shift the following cluster back over it. */
static void
remove_at(st_vmap_t *m, size_t i)
{
	size_t mask = m->cap - 1, j = i;

	m->bytes -= m->slots[i].id_len + sizeof(st_vmap_ent_t);
	free(m->slots[i].id);
	m->slots[i].id = NULL;
	m->n--;
	for (;;) {
		j = (j + 1) & mask;
		if (!m->slots[j].id)
			return;
		size_t home = m->slots[j].hash & mask;

		/* can slot j move to the hole at i? (home not in (i, j]) */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			m->slots[i] = m->slots[j];
			m->slots[j].id = NULL;
			i = j;
		}
	}
}

void
st_vmap_each(st_vmap_t *m, void (*fn)(void *arg, st_vmap_ent_t *e), void *arg)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].id)
			fn(arg, &m->slots[i]);
}

void
st_vmap_prune(st_vmap_t *m, bool (*keep)(void *arg, const st_vmap_ent_t *e),
	      void *arg)
{
	size_t i = 0;

	while (i < m->cap) {
		if (m->slots[i].id && !keep(arg, &m->slots[i])) {
			remove_at(m, i);
			continue;   /* slot i may hold a shifted entry now */
		}
		i++;
	}
}
