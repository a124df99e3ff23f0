/*
 * st_shard_read.c - the shard's read side: get by _id (realtime from the
 * version map and indexing buffer, or only what refresh published), the
 * refcounted reader sets searches hold, _count, and segment lookups by _id
 * for the write path.
 *
 * A reader set is immutable once published: it holds a reference on each
 * segment view; a refresh or merge publishes a new set and drops the shard's
 * reference on the old one, which is freed when its last search releases
 * it. Segments are memory-resident, so a set stays valid even after its
 * files were deleted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "st_shard_int.h"

int
st_shard_seg_lookup(st_shard_t *sh, const char *id, size_t len,
		    st_sseg_t **seg, uint32_t *doc, st_doc_meta_t *meta)
{
	for (uint32_t i = sh->nsegs; i-- > 0;) {
		st_reader_t *r = sh->segs[i]->r;
		uint32_t d;

		if (r->ops->lookup_id(r, id, (uint32_t)len, &d) != 0)
			continue;
		if (!st_reader_is_live(r, d))
			continue;
		int rc = r->ops->doc_meta(r, d, meta);

		if (rc < 0)
			return rc;
		*seg = sh->segs[i];
		*doc = d;
		return 0;
	}
	return -ENOENT;
}

/* Fill out from a segment doc. */
static int
get_from_reader(st_reader_t *r, uint32_t d, osp_arena_t *a, st_get_res_t *out)
{
	st_doc_meta_t m;
	int rc = r->ops->doc_meta(r, d, &m);

	if (rc < 0)
		return rc;
	rc = r->ops->source(r, d, a, &out->source, &out->source_len);
	if (rc < 0)
		return rc;
	out->found = true;
	out->seq_no = m.seq_no;
	out->primary_term = m.primary_term;
	out->version = m.version;
	if (m.routing) {
		out->routing = osp_arena_strndup(a, m.routing, m.routing_len);
		if (!out->routing)
			return -ENOMEM;
		out->routing_len = m.routing_len;
	}
	return 0;
}

int
st_shard_get(st_shard_t *sh, const char *id, size_t id_len, bool realtime,
	     osp_arena_t *a, st_get_res_t *out)
{
	int rc = 0;

	memset(out, 0, sizeof(*out));
	sh->st.get_total++;
	if (realtime) {
		const st_vmap_ent_t *e = st_vmap_get(&sh->vmap, id, id_len);

		if (e && e->deleted)
			goto done;
		if (e) {
			const st_bdoc_t *b = st_shard_bdoc(sh, e->buf_doc);

			out->found = true;
			out->seq_no = b->seq_no;
			out->primary_term = b->term;
			out->version = b->version;
			out->source = osp_arena_strndup(a, b->source, b->source_len);
			out->source_len = b->source_len;
			if (b->routing) {
				out->routing = osp_arena_strndup(a, b->routing, b->routing_len);
				out->routing_len = b->routing_len;
			}
			if (!out->source || (b->routing && !out->routing))
				rc = -ENOMEM;
			goto done;
		}
		st_sseg_t *s;
		uint32_t d;
		st_doc_meta_t m;

		rc = st_shard_seg_lookup(sh, id, id_len, &s, &d, &m);
		if (rc == -ENOENT) {
			rc = 0;
			goto done;
		}
		if (rc == 0)
			rc = get_from_reader(s->r, d, a, out);
		goto done;
	}
	/* what search sees: the published set only */
	st_reader_set_t *set = sh->readers;

	for (uint32_t i = set->n; i-- > 0;) {
		st_reader_t *r = set->r[i];
		uint32_t d;

		if (r->ops->lookup_id(r, id, (uint32_t)id_len, &d) == 0 &&
		    st_reader_is_live(r, d)) {
			rc = get_from_reader(r, d, a, out);
			break;
		}
	}
done:
	if (rc == 0) {
		if (out->found)
			sh->st.get_exists_total++;
		else
			sh->st.get_missing_total++;
	}
	return rc;
}

st_reader_set_t *
st_shard_acquire_readers(st_shard_t *sh)
{
	sh->readers->refs++;
	return sh->readers;
}

void
st_shard_release_readers(st_reader_set_t *set)
{
	if (!set || --set->refs > 0)
		return;
	for (uint32_t i = 0; i < set->n; i++)
		st_reader_unref(set->r[i]);
	free(set->r);
	free(set);
}

uint64_t
st_shard_count(st_shard_t *sh)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < sh->readers->n; i++)
		n += sh->readers->r[i]->num_docs;
	return n;
}

int
st_shard_publish(st_shard_t *sh)
{
	st_reader_set_t *set = calloc(1, sizeof(*set));

	if (!set)
		return -ENOMEM;
	set->r = calloc(sh->nsegs ? sh->nsegs : 1, sizeof(*set->r));
	if (!set->r) {
		free(set);
		return -ENOMEM;
	}
	set->refs = 1;
	set->n = sh->nsegs;
	set->version = ++sh->readers_version;
	for (uint32_t i = 0; i < sh->nsegs; i++) {
		set->r[i] = sh->segs[i]->r;
		st_reader_ref(set->r[i]);
	}
	st_shard_release_readers(sh->readers);
	sh->readers = set;
	return 0;
}

int
st_shard_fetch(st_shard_t *sh, st_reader_set_t *ctx, const st_hit_t *hit,
	       osp_arena_t *a, st_get_res_t *out)
{
	st_reader_set_t *set = ctx ? ctx : sh->readers;
	st_reader_t *r = NULL;

	memset(out, 0, sizeof(*out));
	if (hit->seg_ord < set->n && set->r[hit->seg_ord]->gen == hit->seg_gen)
		r = set->r[hit->seg_ord];
	for (uint32_t i = 0; !r && i < set->n; i++)
		if (set->r[i]->gen == hit->seg_gen)
			r = set->r[i];
	if (r && hit->doc < r->max_doc)
		return get_from_reader(r, hit->doc, a, out);
	/* merged away since the query phase: find the doc by its _id */
	if (!hit->id)
		return 0;
	return st_shard_get(sh, hit->id, hit->id_len, false, a, out);
}

void
st_shard_note_search(st_shard_t *sh, bool fetch)
{
	if (fetch)
		sh->st.search_fetch_total++;
	else
		sh->st.search_query_total++;
}
