/*
 * dp_search.h - running a search from inside the dataplane (by-query APIs,
 * explain) with the same query-then-fetch path as _search, delivering the
 * merged hits and their fetched documents to a callback instead of a reply.
 */
#ifndef DP_SEARCH_H
#define DP_SEARCH_H

#include "osprey/query.h"
#include "../shard/dp_shard_jobs.h"
#include "dp_rest.h"

/* What an internal search produced. merged is NULL on failure (err set).
 * The document of hit h is in fetch[h->shard] (match by hit pointer); the
 * index of hit h is slot_index[h->shard]. Valid only during the callback. */
typedef struct dp_search_result {
	const st_search_merged_t *merged;
	const osp_err_t *err;
	dp_index_t *const *slot_index;
	const dp_job_fetch_t *fetch;
	uint32_t failed_shards;
	const osp_err_t *first_err;
} dp_search_result_t;

typedef void (*dp_search_done_t)(void *user, const dp_search_result_t *res);

/* Search the shards of list with req (copied; its query must live in the
 * request's arena) and call done once. */
int dp_search_start(dp_rest_req_t *r, dp_index_t **list, int n, const st_search_req_t *req,
		    bool fetch_source, dp_search_done_t done, void *user);

struct dp_sctx;

/* Does a search with ?routing= (comma list, NULL = any) and
 * ?preference=_shards:<pref> (the part after "_shards:", NULL = any) go to
 * shard sh of idx? */
bool dp_search_shard_wanted(const dp_index_t *idx, uint32_t sh, const char *routing,
			    const char *pref);

/* The next page of a scroll (rest_scroll.c found sc with dp_sctx_use; the
 * page ends the use). */
void dp_search_scroll(dp_rest_req_t *r, struct dp_sctx *sc);

/* Page through a search as an internal scroll (by-query APIs): with id ""
 * the first page pins the shards' views in a new scroll context and writes
 * its id (DP_SCTX_ID_MAX bytes) to id; later calls with that id return the
 * next page over the same views. req must sort on _doc last and live as long
 * as the scroll. The caller clears the context (dp_sctx_clear) when done.
 * 0, or -errno with err (too many scroll contexts, context gone). */
int dp_search_scroll_internal(dp_rest_req_t *r, dp_index_t **list, int n, const st_search_req_t *req,
			      bool fetch_source, char *id, dp_search_done_t done, void *user,
			      osp_err_t *err);

/* A _search on r (body, path and URI parameters as usual) whose answer,
 * success or error, goes to emit instead of the client (async search). */
void dp_search_run_emit(dp_rest_req_t *r, void (*emit)(void *user, uint16_t status, osp_buf_t *body),
			void *user);

/* The fetched document of a hit, or NULL. */
static inline const st_get_res_t *
dp_search_doc(const dp_search_result_t *res, const st_hit_t *h)
{
	const dp_job_fetch_t *f = &res->fetch[h->shard];

	for (uint32_t k = 0; k < f->n; k++)
		if (f->hits[k] == h)
			return &f->docs[k];
	return NULL;
}

#endif
