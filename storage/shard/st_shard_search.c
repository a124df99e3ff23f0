/*
 * st_shard_search.c - the shard's search entry points: the query phase and
 * _count run by the search module (storage/search) over the reader set
 * published at this instant, with field services bound to the shard's
 * current mapping and the worker's analysis context. The reader set can be
 * handed back to the caller as the search context of the fetch phase.
 * Counting is the caller's (st_shard_note_search), once per phase served.
 * st_shard_search_view searches a view the caller pinned earlier (scroll and
 * point-in-time contexts) instead of the current one.
 */
#include <errno.h>

#include "st_fields.h"
#include "st_search.h"
#include "st_shard_int.h"

int
st_shard_search_view(st_shard_t *sh, st_reader_set_t *view, const st_search_req_t *req,
		     osp_arena_t *a, st_shard_result_t *out, st_reader_set_t **ctx,
		     osp_err_t *err)
{
	st_search_fields_mapping_t fm;
	st_reader_set_t *set = view ? view : sh->readers;
	int rc;

	set->refs++;
	st_search_fields_mapping(&fm, sh->mapping, sh->actx);
	rc = st_search_shard(set->r, set->n, req, &fm.ops, a, out, err);
	if (rc == 0 && ctx)
		*ctx = set;
	else
		st_shard_release_readers(set);
	return rc;
}

int
st_shard_search(st_shard_t *sh, const st_search_req_t *req, osp_arena_t *a,
		st_shard_result_t *out, st_reader_set_t **ctx, osp_err_t *err)
{
	return st_shard_search_view(sh, NULL, req, a, out, ctx, err);
}

int
st_shard_count_query(st_shard_t *sh, const st_query_t *q, int64_t now_ms,
		     osp_arena_t *a, uint64_t *count, osp_err_t *err)
{
	st_search_fields_mapping_t fm;
	st_reader_set_t *set = st_shard_acquire_readers(sh);
	int rc;

	st_search_fields_mapping(&fm, sh->mapping, sh->actx);
	rc = st_search_count(set->r, set->n, q, &fm.ops, now_ms, a, count, err);
	st_shard_release_readers(set);
	return rc;
}
