/*
 * rest_byquery.c - _delete_by_query, _update_by_query and _reindex.
 *
 * As Elasticsearch's reindex module does it: scroll through the searchable
 * view in batches (scroll_size, default 1000; an internal scroll context
 * pins the view, so refreshes meanwhile neither skip nor repeat documents),
 * then for every hit write a
 * delete (or a re-index of its own _source, which picks up mapping changes)
 * guarded by if_seq_no/if_primary_term, so a document changed since the
 * search counts as a version conflict instead of being clobbered. Batches
 * page through the same view with from/size (the view does not change until
 * a refresh, and none happens before the end). conflicts=abort (default)
 * stops at the first conflict and reports it in "failures"; proceed counts
 * and goes on. refresh=true refreshes the touched indices at the end.
 * An update script (dp_uscript.h) is checked before the first batch and run
 * on each hit's _source: it may change it, or turn the hit into a noop or
 * a delete. _reindex is the same loop writing each hit into dest (local
 * source indices only). wait_for_completion=false runs any of them as a
 * task (dp_tasks.h) on a detached request: the client gets the task id.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp_fanout.h"
#include "dp_script.h"
#include "dp_sctx.h"
#include "dp_search.h"
#include "dp_tasks.h"
#include "dp_uscript.h"
#include "dp_write.h"

#define BYQ_MAX_INDICES 4096

typedef enum byq_mode { BYQ_DELETE = 0, BYQ_UPDATE, BYQ_REINDEX } byq_mode_t;

typedef struct byq_ctx {
	dp_rest_req_t *r;
	byq_mode_t mode;
	bool update;                 /* mode != BYQ_DELETE: writes sources */
	const char *dest;            /* reindex target */
	bool dest_create;            /* op_type=create */
	bool cancelled;
	double rps;
	bool abort_on_conflict;
	bool refresh;
	int64_t max_docs;            /* -1 = all */
	int32_t batch;
	dp_index_t **list;           /* re-resolved before each batch (byq_relist) */
	int n_list;
	/* What list held when the request started: a dp_index_t does not
	 * outlive the cluster state that deletes its index, and a by-query
	 * spans many states. */
	char (*names)[OSP_INDEX_NAME_MAX + 1];
	char (*uuids)[OSP_UUID_LEN + 1];
	st_search_req_t req;
	dp_uscript_t script;
	bool has_script;
	char scroll_id[DP_SCTX_ID_MAX];  /* internal scroll; "" before the first batch */
	uint64_t start_ns;
	/* progress */
	uint64_t total, done_ops, deleted, updated, created, conflicts, noops, batches;
	uint32_t pending;
	bool stop;
	osp_err_t failure;           /* first failure (conflict when aborting) */
	bool has_failure;
	const char *failure_index;
	const char *failure_id;
} byq_ctx_t;

static void byq_next_batch(byq_ctx_t *q);

/* Drop the internal scroll (end of the run, or a failure). */
static void
byq_scroll_clear(byq_ctx_t *q)
{
	if (q->scroll_id[0])
		dp_sctx_clear(q->scroll_id, false);
	q->scroll_id[0] = '\0';
}

/* The counters of the response and of a task's status (BulkByScrollTask). */
static void
byq_write_counts(osp_jw_t *w, const byq_ctx_t *q, bool status)
{
	osp_jw_kv_int(w, "total", (int64_t)q->total);
	if (q->update || status)
		osp_jw_kv_int(w, "updated", (int64_t)q->updated);
	if (q->mode == BYQ_REINDEX || status)
		osp_jw_kv_int(w, "created", (int64_t)q->created);
	osp_jw_kv_int(w, "deleted", (int64_t)q->deleted);
	osp_jw_kv_int(w, "batches", (int64_t)q->batches);
	osp_jw_kv_int(w, "version_conflicts", (int64_t)q->conflicts);
	osp_jw_kv_int(w, "noops", (int64_t)q->noops);
	osp_jw_key(w, "retries");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "bulk", 0);
	osp_jw_kv_int(w, "search", 0);
	osp_jw_obj_end(w);
	osp_jw_kv_int(w, "throttled_millis", 0);
	osp_jw_key(w, "requests_per_second");
	osp_jw_double(w, q->rps);
	if (q->cancelled)
		osp_jw_kv_str(w, "canceled", "by user request");
	osp_jw_kv_int(w, "throttled_until_millis", 0);
}

static void
byq_task_status(void *user, osp_jw_t *w)
{
	byq_write_counts(w, user, true);
}

static void
byq_task_cancel(void *user)
{
	byq_ctx_t *q = user;

	q->cancelled = true;
	q->stop = true;
}

static void
byq_task_rethrottle(void *user, double rps)
{
	((byq_ctx_t *)user)->rps = rps;
}

static const dp_task_ops_t byq_task_ops = { byq_task_status, byq_task_cancel, byq_task_rethrottle };

static void
byq_reply(byq_ctx_t *q)
{
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(q->r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_int(&w, "took", (int64_t)((dp_now_ns() - q->start_ns) / 1000000));
	osp_jw_kv_bool(&w, "timed_out", false);
	byq_write_counts(&w, q, false);
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
	byq_scroll_clear(q);
	if (q->refresh && q->n_list > 0) {
		/* Refresh every searched index, then reply. */
		char *expr = osp_arena_calloc(q->r->http->arena, (size_t)q->n_list * (OSP_INDEX_NAME_MAX + 1) + 1);

		if (expr && q->mode == BYQ_REINDEX) {
			dp_fanout_start(q->r, q->dest, DP_ADMIN_REFRESH, byq_refresh_done, q);
			return;
		}
		if (expr) {
			for (int i = 0; i < q->n_list; i++) {
				if (i)
					strcat(expr, ",");
				strcat(expr, q->names[i]);
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
	} else if (op->job.res.result == ST_RESULT_CREATED && q->mode == BYQ_REINDEX) {
		q->created++;
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
		byq_scroll_clear(q);
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
		if (q->has_script) {
			dp_uscript_op_t sop;
			const char *src;
			size_t src_len;

			if (dp_uscript_run(a, &q->script, doc->source, doc->source_len, &sop, &src, &src_len,
					   &q->failure) != 0) {
				q->has_failure = true;
				q->abort_on_conflict = true;   /* a script failure fails the request */
				q->failure_index = res->slot_index[h->shard]->name;
				q->failure_id = osp_arena_strndup(a, h->id, h->id_len);
				q->stop = true;
				break;
			}
			if (sop == DP_USCRIPT_NOOP) {
				q->noops++;
				q->done_ops++;
				continue;
			}
			op->job.req.op = sop == DP_USCRIPT_DELETE ? ST_OP_DELETE : ST_OP_INDEX;
			op->job.req.source = src;
			op->job.req.source_len = src_len;
		}
		op->job.req.id = osp_arena_strndup(a, h->id, h->id_len);
		op->job.req.id_len = h->id_len;
		op->job.req.version = ST_MATCH_ANY_VERSION;
		op->job.req.if_seq_no = doc->seq_no;
		op->job.req.if_primary_term = doc->primary_term;
		if (doc->routing) {
			op->job.req.routing = osp_arena_strndup(a, doc->routing, doc->routing_len);
			op->job.req.routing_len = doc->routing_len;
		}
		if (q->mode == BYQ_REINDEX) {
			op->index = q->dest;
			op->created_index = false;   /* dest may be auto-created */
			if (op->job.req.op == ST_OP_INDEX && q->dest_create)
				op->job.req.op = ST_OP_CREATE;
			op->job.req.if_seq_no = ST_UNASSIGNED_SEQ_NO;
			op->job.req.if_primary_term = 0;
		}
		if (q->update && !q->has_script) {
			op->job.req.source = osp_arena_strndup(a, doc->source, doc->source_len);
			op->job.req.source_len = doc->source_len;
		}
		q->done_ops++;
		q->pending++;
		dp_write_submit(op);
	}
	if ((int64_t)m->n_hits < q->batch || (q->max_docs >= 0 && (int64_t)q->done_ops >= q->max_docs))
		q->stop = true;
	if (--q->pending == 0) {
		if (q->stop)
			byq_finish(q);
		else
			byq_next_batch(q);
	}
}

/* Point list at the current state's indices again; an index deleted (or
 * deleted and recreated) since the request started ends it. */
static int
byq_relist(byq_ctx_t *q, osp_err_t *err)
{
	for (int i = 0; i < q->n_list; i++) {
		dp_index_t *ix = dp_shards_index(q->names[i]);

		if (ix == NULL || strcmp(ix->uuid, q->uuids[i]) != 0)
			return osp_err_set(err, 404, "index_not_found_exception", "no such index [%s]",
					   q->names[i]);
		q->list[i] = ix;
	}
	return 0;
}

static void
byq_next_batch(byq_ctx_t *q)
{
	osp_err_t err;

	if (byq_relist(q, &err) != 0) {
		byq_scroll_clear(q);
		dp_rest_reply_err(q->r, &err);
		return;
	}
	if (dp_search_scroll_internal(q->r, q->list, q->n_list, &q->req, true, q->scroll_id,
				      byq_batch_done, q, &err) != 0) {
		q->scroll_id[0] = '\0';
		dp_rest_reply_err(q->r, &err);
	}
}

/* Control created the reindex destination (or someone else did). */
static void
byq_dest_created(void *user, const osp_err_t *err, const char *payload, size_t len)
{
	byq_ctx_t *q = user;

	(void)payload;
	(void)len;
	if (err && strcmp(err->type, "resource_already_exists_exception") != 0) {
		dp_rest_reply_err(q->r, err);
		return;
	}
	byq_next_batch(q);
}

/* First batch; a reindex creates a missing destination once first (as
 * _bulk does), not from every concurrent write. */
static void
byq_start(byq_ctx_t *q)
{
	osp_err_t err;

	if (q->mode == BYQ_REINDEX && dp_shards_write_index(q->dest, false, &err) == NULL &&
	    !dp_shards_is_alias(q->dest)) {
		dp_write_autocreate(q->dest, byq_dest_created, q);
		return;
	}
	byq_next_batch(q);
}

static bool
byq_fail(dp_rest_req_t *r, osp_err_t *err)
{
	dp_rest_reply_err(r, err);
	return false;
}

/* The "script" of an update: stored ({"id"}) or inline, checked now. */
static bool
byq_script(dp_rest_req_t *r, byq_ctx_t *q, osp_arena_t *a, const osp_json_t *m)
{
	const osp_json_t *id = osp_json_get(m, "id");
	osp_err_t err;

	if (osp_json_is(id, OSP_JSON_STRING)) {
		osp_json_t *stored = dp_script_stored(a, id->u.str);

		if (stored == NULL) {
			osp_err_set(&err, 404, "resource_not_found_exception",
				    "unable to find script [%s] in cluster state", id->u.str);
			return byq_fail(r, &err);
		}
		if (osp_json_get(m, "params") && !osp_json_get(stored, "params"))
			osp_json_append(a, stored, "params", 6, osp_json_clone(a, osp_json_get(m, "params")));
		m = stored;
	}
	if (dp_uscript_compile(a, m, &q->script, &err) != 0)
		return byq_fail(r, &err);
	q->has_script = true;
	return true;
}

/* _reindex's "source" and "dest" objects. */
static bool
byq_reindex_body(dp_rest_req_t *r, byq_ctx_t *q, osp_arena_t *a, const osp_json_t *m,
		 const char **src_expr)
{
	osp_err_t err;

	if (osp_json_key_eq(m, "source")) {
		OSP_JSON_FOREACH(f, m) {
			if (osp_json_key_eq(f, "index") && osp_json_is(f, OSP_JSON_STRING)) {
				*src_expr = f->u.str;
			} else if (osp_json_key_eq(f, "index") && osp_json_is(f, OSP_JSON_ARRAY)) {
				size_t len = 1;
				char *e;

				OSP_JSON_FOREACH(x, f)
					len += (osp_json_is(x, OSP_JSON_STRING) ? x->len : 0) + 1;
				e = osp_arena_calloc(a, len);
				if (e == NULL)
					return false;
				OSP_JSON_FOREACH(x, f) {
					if (!osp_json_is(x, OSP_JSON_STRING))
						continue;
					if (*e)
						strcat(e, ",");
					strcat(e, x->u.str);
				}
				*src_expr = e;
			} else if (osp_json_key_eq(f, "query")) {
				if (st_query_parse(a, f, &q->req.query, &err) != 0)
					return byq_fail(r, &err);
			} else if (osp_json_key_eq(f, "size") && f->is_int && f->i > 0) {
				q->batch = (int32_t)(f->i > 10000 ? 10000 : f->i);
			} else if (osp_json_key_eq(f, "remote")) {
				osp_err_set(&err, 400, "illegal_argument_exception",
					    "reindex from remote is not supported by this node");
				return byq_fail(r, &err);
			} else if (!osp_json_key_eq(f, "_source")) {
				osp_err_set(&err, 400, "parsing_exception", "[source] unknown field [%s]", f->key);
				return byq_fail(r, &err);
			}
		}
		return true;
	}
	OSP_JSON_FOREACH(f, m) {
		if (osp_json_key_eq(f, "index") && osp_json_is(f, OSP_JSON_STRING)) {
			q->dest = f->u.str;
		} else if (osp_json_key_eq(f, "op_type") && osp_json_is(f, OSP_JSON_STRING)) {
			q->dest_create = strcmp(f->u.str, "create") == 0;
		} else if (!osp_json_key_eq(f, "version_type") && !osp_json_key_eq(f, "routing")) {
			osp_err_set(&err, 400, "parsing_exception", "[dest] unknown field [%s]", f->key);
			return byq_fail(r, &err);
		}
	}
	return true;
}

/* Body and URI parameters into q (arena a); replies on r and returns false
 * on a bad request. */
static bool
byq_parse(dp_rest_req_t *r, byq_ctx_t *q, osp_arena_t *a)
{
	osp_json_t *body;
	osp_err_t err;
	bool ok = true;
	const char *v, *expr = dp_rest_param(r, "index");
	struct timespec ts;

	if (!dp_rest_body_json(r, &body))
		return false;
	/* dest, script source and params are kept: into a (a task's arena
	 * outlives the client's request) */
	if (body && a != r->http->arena && (body = osp_json_clone(a, body)) == NULL) {
		osp_err_set(&err, 500, "out_of_memory_error", "no memory for the request");
		return byq_fail(r, &err);
	}
	q->batch = (int32_t)dp_rest_qs_int(r, "scroll_size", 1000, &ok);
	if (!ok)
		return false;
	if (osp_json_is(body, OSP_JSON_OBJECT)) {
		OSP_JSON_FOREACH(m, body) {
			if (osp_json_key_eq(m, "query") && q->mode != BYQ_REINDEX) {
				if (st_query_parse(a, m, &q->req.query, &err) != 0)
					return byq_fail(r, &err);
			} else if ((osp_json_key_eq(m, "max_docs") || osp_json_key_eq(m, "size")) && m->is_int) {
				q->max_docs = m->i;
			} else if (osp_json_key_eq(m, "conflicts") && osp_json_is(m, OSP_JSON_STRING)) {
				q->abort_on_conflict = strcmp(m->u.str, "proceed") != 0;
			} else if (osp_json_key_eq(m, "script") && q->update) {
				if (!byq_script(r, q, a, m))
					return false;
			} else if (q->mode == BYQ_REINDEX && (osp_json_key_eq(m, "source") || osp_json_key_eq(m, "dest")) &&
				   osp_json_is(m, OSP_JSON_OBJECT)) {
				if (!byq_reindex_body(r, q, a, m, &expr))
					return false;
			} else {
				osp_err_set(&err, 400, "parsing_exception", "request does not support [%s]", m->key);
				return byq_fail(r, &err);
			}
		}
	}
	if (q->mode == BYQ_REINDEX) {
		if (expr == NULL || q->dest == NULL) {
			osp_err_set(&err, 400, "action_request_validation_exception", "Validation Failed: %s%s",
				    expr ? "" : "1: use _all if you really want to copy from all existing indexes;",
				    q->dest ? "" : (expr ? "1: index must be specified;" : "2: index must be specified;"));
			return byq_fail(r, &err);
		}
	} else if ((v = dp_rest_qs(r, "q")) != NULL &&
		   st_query_string_parse(a, v, strlen(v), NULL, NULL, 0, ST_OP_OR, &q->req.query, &err) != 0) {
		return byq_fail(r, &err);
	}
	if ((v = dp_rest_qs(r, "conflicts")) != NULL)
		q->abort_on_conflict = strcmp(v, "proceed") != 0;
	q->max_docs = dp_rest_qs_int(r, "max_docs", q->max_docs, &ok);
	if (!ok)
		return false;
	q->refresh = dp_rest_qs_bool(r, "refresh", false, &ok);
	if (!ok)
		return false;
	if ((v = dp_rest_qs(r, "requests_per_second")) != NULL)
		q->rps = strtod(v, NULL) > 0 ? strtod(v, NULL) : -1.0;
	if (q->batch <= 0)
		q->batch = 1000;
	if (q->req.query == NULL) {
		st_query_t *all = osp_arena_calloc(a, sizeof(*all));

		if (all == NULL)
			return false;
		all->kind = ST_Q_MATCH_ALL;
		all->boost = 1.0f;
		q->req.query = all;
	}
	/* Sorted by _doc: no scoring, stable pages. */
	st_sort_t *doc_sort = osp_arena_calloc(a, sizeof(*doc_sort));

	if (doc_sort == NULL)
		return false;
	doc_sort->kind = ST_SORT_DOC;
	q->req.sort = doc_sort;
	q->req.n_sort = 1;
	q->req.track_total_hits = ST_TRACK_TOTAL_ALL;
	q->req.max_result_window = INT32_MAX;
	q->req.size = q->batch;
	clock_gettime(CLOCK_REALTIME, &ts);
	q->req.now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	q->list = osp_arena_calloc(a, BYQ_MAX_INDICES * sizeof(*q->list));
	if (q->list == NULL)
		return false;
	q->n_list = dp_shards_resolve(expr, false, true, q->list, BYQ_MAX_INDICES, &err);
	if (q->n_list < 0)
		return byq_fail(r, &err);
	q->names = osp_arena_calloc(a, ((size_t)q->n_list + 1) * sizeof(*q->names));
	q->uuids = osp_arena_calloc(a, ((size_t)q->n_list + 1) * sizeof(*q->uuids));
	if (q->names == NULL || q->uuids == NULL) {
		osp_err_set(&err, 500, "out_of_memory_error", "no memory for the request");
		return byq_fail(r, &err);
	}
	for (int i = 0; i < q->n_list; i++) {
		snprintf(q->names[i], sizeof(q->names[i]), "%s", q->list[i]->name);
		snprintf(q->uuids[i], sizeof(q->uuids[i]), "%s", q->list[i]->uuid);
	}
	for (int i = 0; q->dest && i < q->n_list; i++) {
		if (strcmp(q->list[i]->name, q->dest) == 0) {
			osp_err_set(&err, 400, "action_request_validation_exception",
				    "Validation Failed: 1: reindex cannot write into an index its reading from [%s];",
				    q->dest);
			return byq_fail(r, &err);
		}
	}
	return true;
}

static void
byq_run(dp_rest_req_t *r, byq_mode_t mode)
{
	static const char *const actions[] = {
		"indices:data/write/delete/byquery", "indices:data/write/update/byquery",
		"indices:data/write/reindex",
	};
	const char *index = dp_rest_param(r, "index");
	bool ok = true, wait = dp_rest_qs_bool(r, "wait_for_completion", true, &ok);
	dp_task_t *t = NULL;
	osp_arena_t *a = r->http->arena;
	byq_ctx_t *q;

	if (!ok)
		return;
	if (!wait) {
		char desc[512];

		if (mode == BYQ_REINDEX)
			snprintf(desc, sizeof(desc), "reindex");
		else
			snprintf(desc, sizeof(desc), "%s-by-query [%s]", mode == BYQ_UPDATE ? "update" : "delete",
				 index ? index : "");
		t = dp_task_new(actions[mode], desc);
		if (t == NULL) {
			osp_err_t err;

			osp_err_set(&err, 500, "out_of_memory_error", "no memory for a task");
			dp_rest_reply_err(r, &err);
			return;
		}
		a = &t->arena;
	}
	q = osp_arena_calloc(a, sizeof(*q));
	if (q == NULL)
		return;
	q->r = t ? &t->req : r;
	q->mode = mode;
	q->update = mode != BYQ_DELETE;
	q->start_ns = dp_now_ns();
	q->abort_on_conflict = true;
	q->max_docs = -1;
	q->rps = -1.0;
	st_search_req_init(&q->req);
	if (!byq_parse(r, q, a)) {
		if (t) {
			t->completed = true;   /* never started: swept unseen */
			t->status = 0;
		}
		return;
	}
	if (t) {
		if (mode == BYQ_REINDEX)
			snprintf(t->description, sizeof(t->description), "reindex from [%s] to [%s]",
				 q->n_list ? q->list[0]->name : "", q->dest);
		dp_task_bind(t, &byq_task_ops, q);
		dp_task_reply_started(r, t);
	}
	byq_start(q);
}

static void
rest_delete_by_query(dp_rest_req_t *r)
{
	byq_run(r, BYQ_DELETE);
}

static void
rest_update_by_query(dp_rest_req_t *r)
{
	byq_run(r, BYQ_UPDATE);
}

static void
rest_reindex(dp_rest_req_t *r)
{
	byq_run(r, BYQ_REINDEX);
}

void
rest_byquery_routes(void)
{
	dp_rest_route(DP_HTTP_POST, "/{index}/_delete_by_query", rest_delete_by_query, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_update_by_query", rest_update_by_query, 0);
	dp_rest_route(DP_HTTP_POST, "/_reindex", rest_reindex, 0);
}
