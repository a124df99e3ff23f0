/*
 * rest_byquery.c - _delete_by_query and _update_by_query (without scripts).
 *
 * As Elasticsearch's reindex module does it: search the current searchable
 * view in batches (scroll_size, default 1000), then for every hit write a
 * delete (or a re-index of its own _source, which picks up mapping changes)
 * guarded by if_seq_no/if_primary_term, so a document changed since the
 * search counts as a version conflict instead of being clobbered. Batches
 * page through the same view with from/size (the view does not change until
 * a refresh, and none happens before the end). conflicts=abort (default)
 * stops at the first conflict and reports it in "failures"; proceed counts
 * and goes on. refresh=true refreshes the touched indices at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp_fanout.h"
#include "dp_search.h"
#include "dp_write.h"

#define BYQ_MAX_INDICES 4096

typedef struct byq_ctx {
	dp_rest_req_t *r;
	bool update;
	bool abort_on_conflict;
	bool refresh;
	int64_t max_docs;            /* -1 = all */
	int32_t batch;
	dp_index_t **list;
	int n_list;
	st_search_req_t req;
	uint64_t start_ns;
	/* progress */
	int32_t from;
	uint64_t total, done_ops, deleted, updated, conflicts, noops, batches;
	uint32_t pending;
	bool stop;
	osp_err_t failure;           /* first failure (conflict when aborting) */
	bool has_failure;
	const char *failure_index;
	const char *failure_id;
} byq_ctx_t;

static void byq_next_batch(byq_ctx_t *q);

static void
byq_reply(byq_ctx_t *q)
{
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(q->r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_int(&w, "took", (int64_t)((dp_now_ns() - q->start_ns) / 1000000));
	osp_jw_kv_bool(&w, "timed_out", false);
	osp_jw_kv_int(&w, "total", (int64_t)q->total);
	if (q->update)
		osp_jw_kv_int(&w, "updated", (int64_t)q->updated);
	osp_jw_kv_int(&w, "deleted", (int64_t)q->deleted);
	osp_jw_kv_int(&w, "batches", (int64_t)q->batches);
	osp_jw_kv_int(&w, "version_conflicts", (int64_t)q->conflicts);
	osp_jw_kv_int(&w, "noops", (int64_t)q->noops);
	osp_jw_key(&w, "retries");
	osp_jw_obj_begin(&w);
	osp_jw_kv_int(&w, "bulk", 0);
	osp_jw_kv_int(&w, "search", 0);
	osp_jw_obj_end(&w);
	osp_jw_kv_int(&w, "throttled_millis", 0);
	osp_jw_key(&w, "requests_per_second");
	osp_jw_double(&w, -1.0);
	osp_jw_kv_int(&w, "throttled_until_millis", 0);
	osp_jw_key(&w, "failures");
	osp_jw_arr_begin(&w);
	if (q->has_failure) {
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "index", q->failure_index ? q->failure_index : "");
		osp_jw_kv_str(&w, "id", q->failure_id ? q->failure_id : "");
		osp_jw_key(&w, "cause");
		dp_rest_write_cause(&w, &q->failure);
		osp_jw_kv_int(&w, "status", q->failure.status);
		osp_jw_obj_end(&w);
	}
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(q->r, q->has_failure && q->abort_on_conflict ? q->failure.status : 200, &out);
}

static void
byq_refresh_done(dp_fanout_t *f)
{
	byq_reply(f->user);
}

static void
byq_finish(byq_ctx_t *q)
{
	if (q->refresh && q->n_list > 0) {
		/* Refresh every searched index, then reply. */
		char *expr = osp_arena_calloc(q->r->http->arena, (size_t)q->n_list * (OSP_INDEX_NAME_MAX + 1) + 1);

		if (expr) {
			for (int i = 0; i < q->n_list; i++) {
				if (i)
					strcat(expr, ",");
				strcat(expr, q->list[i]->name);
			}
			/* Replies through byq_refresh_done, or itself on an error. */
			dp_fanout_start(q->r, expr, DP_ADMIN_REFRESH, byq_refresh_done, q);
			return;
		}
	}
	byq_reply(q);
}

static void
byq_op_finish(dp_write_op_t *op)
{
	byq_ctx_t *q = op->user;

	if (op->failed) {
		if (strcmp(op->err.type, "version_conflict_engine_exception") == 0) {
			q->conflicts++;
			if (q->abort_on_conflict)
				q->stop = true;
		} else {
			q->stop = true;
		}
		if (!q->has_failure && (q->abort_on_conflict ||
		    strcmp(op->err.type, "version_conflict_engine_exception") != 0)) {
			q->has_failure = true;
			q->failure = op->err;
			q->failure_index = op->index;
			q->failure_id = op->job.req.id;
		}
	} else if (op->job.res.result == ST_RESULT_DELETED) {
		q->deleted++;
	} else if (op->job.res.result == ST_RESULT_NOOP) {
		q->noops++;
	} else if (op->job.res.result != ST_RESULT_NOT_FOUND) {
		q->updated++;
	}
	osp_arena_free(&op->job.arena);
	if (--q->pending == 0) {
		if (q->stop)
			byq_finish(q);
		else
			byq_next_batch(q);
	}
}

static void
byq_batch_done(void *user, const dp_search_result_t *res)
{
	byq_ctx_t *q = user;
	osp_arena_t *a = q->r->http->arena;

	if (res->merged == NULL) {
		dp_rest_reply_err(q->r, res->err);
		return;
	}
	const st_search_merged_t *m = res->merged;

	if (q->batches == 0)
		q->total = q->max_docs >= 0 && (int64_t)m->total > q->max_docs ? (uint64_t)q->max_docs : m->total;
	if (m->n_hits == 0) {
		byq_finish(q);
		return;
	}
	q->batches++;
	q->pending = 1;
	for (uint32_t i = 0; i < m->n_hits && !q->stop; i++) {
		const st_hit_t *h = &m->hits[i];
		const st_get_res_t *doc = dp_search_doc(res, h);
		dp_write_op_t *op;

		if (q->max_docs >= 0 && (int64_t)q->done_ops >= q->max_docs)
			break;
		if (doc == NULL || !doc->found)
			continue; /* deleted since the search: nothing to do */
		op = osp_arena_calloc(a, sizeof(*op));
		if (op == NULL)
			break;
		op->r = q->r;
		op->index = res->slot_index[h->shard]->name;
		op->created_index = true;  /* never auto-create */
		op->finish = byq_op_finish;
		op->user = q;
		op->job.req.op = q->update ? ST_OP_INDEX : ST_OP_DELETE;
		op->job.req.id = osp_arena_strndup(a, h->id, h->id_len);
		op->job.req.id_len = h->id_len;
		op->job.req.version = ST_MATCH_ANY_VERSION;
		op->job.req.if_seq_no = doc->seq_no;
		op->job.req.if_primary_term = doc->primary_term;
		if (doc->routing) {
			op->job.req.routing = osp_arena_strndup(a, doc->routing, doc->routing_len);
			op->job.req.routing_len = doc->routing_len;
		}
		if (q->update) {
			op->job.req.source = osp_arena_strndup(a, doc->source, doc->source_len);
			op->job.req.source_len = doc->source_len;
		}
		q->done_ops++;
		q->pending++;
		dp_write_submit(op);
	}
	q->from += q->batch;
	if ((int64_t)m->n_hits < q->batch || (q->max_docs >= 0 && (int64_t)q->done_ops >= q->max_docs))
		q->stop = true;
	if (--q->pending == 0) {
		if (q->stop)
			byq_finish(q);
		else
			byq_next_batch(q);
	}
}

static void
byq_next_batch(byq_ctx_t *q)
{
	st_search_req_t req = q->req;

	/* Deletes shrink the view only after a refresh, which does not happen
	 * until the end, so from/size pages stay stable. */
	req.from = q->from;
	req.size = q->batch;
	if (dp_search_start(q->r, q->list, q->n_list, &req, true, byq_batch_done, q) != 0) {
		osp_err_t err;

		osp_err_set(&err, 500, "out_of_memory_error", "cannot start the search");
		dp_rest_reply_err(q->r, &err);
	}
}

static void
byq_run(dp_rest_req_t *r, bool update)
{
	osp_arena_t *a = r->http->arena;
	byq_ctx_t *q = osp_arena_calloc(a, sizeof(*q));
	osp_json_t *body;
	osp_err_t err;
	bool ok = true;
	const char *v;
	struct timespec ts;

	if (q == NULL || !dp_rest_body_json(r, &body))
		return;
	q->r = r;
	q->update = update;
	q->start_ns = dp_now_ns();
	q->abort_on_conflict = true;
	q->max_docs = -1;
	st_search_req_init(&q->req);
	if (osp_json_is(body, OSP_JSON_OBJECT)) {
		OSP_JSON_FOREACH(m, body) {
			if (osp_json_key_eq(m, "query")) {
				if (st_query_parse(a, m, &q->req.query, &err) != 0) {
					dp_rest_reply_err(r, &err);
					return;
				}
			} else if (osp_json_key_eq(m, "max_docs") && m->is_int) {
				q->max_docs = m->i;
			} else if (osp_json_key_eq(m, "conflicts") && osp_json_is(m, OSP_JSON_STRING)) {
				q->abort_on_conflict = strcmp(m->u.str, "proceed") != 0;
			} else if (osp_json_key_eq(m, "script")) {
				osp_err_set(&err, 400, "illegal_argument_exception",
					    "scripts are not supported by this node");
				dp_rest_reply_err(r, &err);
				return;
			} else {
				osp_err_set(&err, 400, "parsing_exception", "request does not support [%s]", m->key);
				dp_rest_reply_err(r, &err);
				return;
			}
		}
	}
	if ((v = dp_rest_qs(r, "q")) != NULL &&
	    st_query_string_parse(a, v, strlen(v), NULL, NULL, 0, ST_OP_OR, &q->req.query, &err) != 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	if ((v = dp_rest_qs(r, "conflicts")) != NULL)
		q->abort_on_conflict = strcmp(v, "proceed") != 0;
	q->max_docs = dp_rest_qs_int(r, "max_docs", q->max_docs, &ok);
	if (!ok)
		return;
	q->batch = (int32_t)dp_rest_qs_int(r, "scroll_size", 1000, &ok);
	if (!ok)
		return;
	q->refresh = dp_rest_qs_bool(r, "refresh", false, &ok);
	if (!ok)
		return;
	if (q->batch <= 0)
		q->batch = 1000;
	if (q->req.query == NULL) {
		st_query_t *all = osp_arena_calloc(a, sizeof(*all));

		if (all == NULL)
			return;
		all->kind = ST_Q_MATCH_ALL;
		all->boost = 1.0f;
		q->req.query = all;
	}
	/* Sorted by _doc: no scoring, stable pages. */
	st_sort_t *doc_sort = osp_arena_calloc(a, sizeof(*doc_sort));

	if (doc_sort == NULL)
		return;
	doc_sort->kind = ST_SORT_DOC;
	q->req.sort = doc_sort;
	q->req.n_sort = 1;
	q->req.track_total_hits = ST_TRACK_TOTAL_ALL;
	q->req.max_result_window = INT32_MAX;
	clock_gettime(CLOCK_REALTIME, &ts);
	q->req.now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	q->list = osp_arena_calloc(a, BYQ_MAX_INDICES * sizeof(*q->list));
	if (q->list == NULL)
		return;
	q->n_list = dp_shards_resolve(dp_rest_param(r, "index"), false, true, q->list, BYQ_MAX_INDICES, &err);
	if (q->n_list < 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	byq_next_batch(q);
}

static void
rest_delete_by_query(dp_rest_req_t *r)
{
	byq_run(r, false);
}

static void
rest_update_by_query(dp_rest_req_t *r)
{
	byq_run(r, true);
}

void
rest_byquery_routes(void)
{
	dp_rest_route(DP_HTTP_POST, "/{index}/_delete_by_query", rest_delete_by_query, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_update_by_query", rest_update_by_query, 0);
}
