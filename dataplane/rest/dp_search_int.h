/*
 * dp_search_int.h - what the _search files share (rest_search.c runs the
 * query and fetch phases and replies; rest_search_parse.c turns a request
 * into a search_ctx_t, including scroll and point-in-time requests).
 * Network core only; a search_ctx_t lives in its request's arena.
 */
#ifndef DP_SEARCH_INT_H
#define DP_SEARCH_INT_H

#include "../shard/dp_shard_jobs.h"
#include "dp_rest.h"
#include "dp_sctx.h"
#include "dp_search.h"
#include "dp_source.h"

#define SEARCH_MAX_INDICES 4096

/* One search in flight; lives in the request's arena. */
typedef struct search_ctx {
	dp_rest_req_t *r;
	st_search_req_t req;
	dp_source_spec_t source;
	dp_job_query_t *q;           /* one per shard slot */
	dp_index_t **slot_index;     /* index of each slot */
	uint32_t n, pending, failed, skipped;
	st_search_merged_t merged;
	dp_job_fetch_t *f;           /* one per slot */
	uint64_t start_ns;
	bool count_only;
	bool total_as_int;
	osp_err_t first_err;
	/* ?routing= and ?preference=_shards:N restrict the shards searched. */
	const char *routing;
	const char *pref_shards;
	/* Internal searches (by-query APIs): called instead of replying. */
	dp_search_done_t done;
	void *user;
	/* Scroll and point in time (rest_scroll.c owns the endpoints). */
	osp_arena_t *pa;             /* where the request is parsed */
	dp_sctx_t *sc;               /* the context used, or NULL */
	bool sc_first;               /* scroll's first page: pin the views */
	int32_t shard_doc;           /* sort key shown as _shard_doc, or -1 */
	uint32_t n_show_sort;        /* sort values shown in a hit */
	st_search_req_t *shard_req;  /* per slot (cursors), or NULL */
	dp_sctx_t **sc_track;        /* while parsing: where a context taken is noted */
	/* _msearch items, async search: the response (never pretty) goes to
	 * emit instead of the client; with no_uri, index_expr replaces the
	 * {index} path parameter and URI parameters are not read. */
	void (*emit)(void *user, uint16_t status, osp_buf_t *body);
	void *emit_user;
	const char *index_expr;
	bool no_uri;                 /* _msearch items: no URI parameters */
	bool ignore_unavailable, allow_no_indices;
} search_ctx_t;

/* A search context in r's arena with a plain search's defaults. */
search_ctx_t *dp_search_new(dp_rest_req_t *r);
/* Query phase over the shards of list (plain searches, a scroll's first
 * page), or over a context's pinned views; the rest follows from the jobs. */
void dp_search_exec(search_ctx_t *s, dp_index_t **list, int n);
void dp_search_exec_ctx(search_ctx_t *s);
/* Parse body (and, without no_uri, URI parameters) into s and resolve the
 * indices into list. On a bad request it answers (reply or emit), ends any
 * scroll / point-in-time context s held, and returns false: the caller must
 * not touch s then (a reply frees the request's arena). */
bool dp_search_prepare(search_ctx_t *s, osp_json_t *body, dp_index_t **list, int *n_list);
/* Answer the search: to the client, or to s->emit. body is moved. */
void dp_search_send(search_ctx_t *s, uint16_t status, osp_buf_t *body);
void dp_search_send_err(search_ctx_t *s, const osp_err_t *err);
/* A writer for the answer (pretty only for the client when asked). */
void dp_search_jw(search_ctx_t *s, osp_jw_t *w, osp_buf_t *out);

/* End the use of s->sc (ok false: a failed first scroll page drops it). */
void dp_search_ctx_end(search_ctx_t *s, bool ok);

#endif
