/*
 * st_vmap.h - the shard's version map: _id -> latest op not yet in a
 * searchable segment (Lucene/ES LiveVersionMap).
 *
 * Every write since the last refresh has an entry: its seq_no, term,
 * version, whether it deleted the doc (tombstone), and where the doc lives
 * in the indexing buffer. Conflict checks and realtime get consult it before
 * the segments. After a refresh the live entries are pruned (the segments
 * now answer); tombstones stay for gc_deletes so a delete's version carries
 * over to a re-index and external versions stay monotonic. Owned by one
 * shard; one worker thread. Keys are copied.
 */
#ifndef ST_VMAP_H
#define ST_VMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ST_VMAP_NO_DOC UINT32_MAX

/* One entry; pointers into the map are valid until the next put/remove. */
typedef struct st_vmap_ent {
	char *id;
	uint32_t id_len;
	uint32_t buf_doc;        /* indexing-buffer slot (high bit: the buffer a
				  * sliced refresh froze), or ST_VMAP_NO_DOC */
	uint64_t hash;
	int64_t seq_no;
	int64_t term;
	int64_t version;
	int64_t time_ms;         /* when written (tombstone expiry) */
	bool deleted;
} st_vmap_ent_t;

/* Open-addressing table with linear probing and backward-shift deletion. */
typedef struct st_vmap {
	st_vmap_ent_t *slots;    /* id == NULL: empty */
	size_t cap;              /* power of two */
	size_t n;
	size_t bytes;            /* memory held by keys (for stats) */
} st_vmap_t;

void
st_vmap_init(st_vmap_t *m);

void
st_vmap_free(st_vmap_t *m);

st_vmap_ent_t *
st_vmap_get(const st_vmap_t *m, const char *id, size_t len);

/* Insert or overwrite the entry for id; *out points at it. 0 or -ENOMEM. */
int
st_vmap_put(st_vmap_t *m, const char *id, size_t len, const st_vmap_ent_t *val,
	    st_vmap_ent_t **out);

/* Call fn on every entry (it may change anything but the key). */
void
st_vmap_each(st_vmap_t *m, void (*fn)(void *arg, st_vmap_ent_t *e), void *arg);

/* Drop entries for which keep() returns false. */
void
st_vmap_prune(st_vmap_t *m, bool (*keep)(void *arg, const st_vmap_ent_t *e),
	      void *arg);

#endif
