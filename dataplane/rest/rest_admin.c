/*
 * rest_admin.c - shard maintenance APIs: _refresh, _flush, _forcemerge and
 * _stats, each a fan-out of one admin job per shard (dp_fanout.h).
 */
#include <stdio.h>
#include <string.h>

#include "dp_fanout.h"
#include "dp_write.h"

#define FANOUT_MAX_INDICES 4096
#define FANOUT_MAX_SEGMENTS 1024   /* per shard, for _cat/segments */

static void
fanout_job_done(dp_job_t *job)
{
	dp_fanout_slot_t *s = (dp_fanout_slot_t *)job;
	dp_fanout_t *f = s->fan;

	if (job->rc != 0)
		f->failed++;
	if (--f->pending == 0)
		f->done(f);
}

dp_fanout_t *
dp_fanout_start(dp_rest_req_t *r, const char *expr, dp_admin_op_t op,
		void (*done)(dp_fanout_t *f), void *user)
{
	static dp_index_t *list[FANOUT_MAX_INDICES];
	osp_arena_t *a = r->http->arena;
	osp_err_t err;
	bool ok = true;
	bool iu = dp_rest_qs_bool(r, "ignore_unavailable", false, &ok);

	if (!ok)
		return NULL;
	bool an = dp_rest_qs_bool(r, "allow_no_indices", true, &ok);

	if (!ok)
		return NULL;
	int n = dp_shards_resolve(expr, iu, an, list, FANOUT_MAX_INDICES, &err);

	if (n < 0) {
		dp_rest_reply_err(r, &err);
		return NULL;
	}
	dp_fanout_t *f = osp_arena_calloc(a, sizeof(*f));
	uint32_t total = 0;

	if (f == NULL)
		return NULL;
	for (int i = 0; i < n; i++)
		total += list[i]->n_shards;
	f->r = r;
	f->done = done;
	f->user = user;
	f->slots = osp_arena_calloc(a, (total ? total : 1) * sizeof(*f->slots));
	if (f->slots == NULL)
		return NULL;
	for (int i = 0; i < n; i++) {
		for (uint32_t s = 0; s < list[i]->n_shards; s++) {
			dp_fanout_slot_t *slot = &f->slots[f->n_slots++];
			dp_shard_ref_t *ref;

			slot->fan = f;
			slot->idx = list[i];
			slot->shard = s;
			/* An opening shard is fine: its open job runs first on the
			 * same ring. A failed one is skipped (not successful). */
			ref = dp_shards_ref(list[i], s, &err);
			if (ref == NULL)
				continue;
			if (op == DP_ADMIN_SEGMENTS) {
				slot->job.max_segs = FANOUT_MAX_SEGMENTS;
				slot->job.segs = osp_arena_alloc(a, FANOUT_MAX_SEGMENTS * sizeof(*slot->job.segs));
				if (slot->job.segs == NULL)
					return NULL;
			}
			slot->ran = true;
			slot->job.ref = ref;
			slot->job.op = op;
			slot->job.slot = f->n_slots - 1;
			f->pending++;
		}
	}
	if (f->pending == 0) {
		done(f);
		return f;
	}
	/* Submit after counting so a fast completion cannot finish early. */
	f->pending++;
	for (uint32_t i = 0; i < f->n_slots; i++) {
		dp_fanout_slot_t *slot = &f->slots[i];

		if (!slot->ran)
			continue;
		dp_job_prepare(&slot->job.job, slot->job.ref, dp_job_admin_run, fanout_job_done);
		dp_core_submit(&slot->job.job);
	}
	if (--f->pending == 0)
		done(f);
	return f;
}

/* _shards header of a broadcast: total copies, successful local ones. */
static void
admin_broadcast_done(dp_fanout_t *f)
{
	uint32_t total = 0, ok = 0;
	osp_buf_t out;
	osp_jw_t w;

	for (uint32_t i = 0; i < f->n_slots; i++) {
		total += dp_write_shards_total(f->slots[i].idx);
		ok += f->slots[i].ran && f->slots[i].job.job.rc == 0;
	}
	dp_rest_jw(f->r, &w, &out);
	osp_jw_obj_begin(&w);
	dp_rest_write_shards(&w, total, ok, f->failed, false);
	osp_jw_obj_end(&w);
	dp_rest_reply(f->r, 200, &out);
}

static void
rest_refresh(dp_rest_req_t *r)
{
	dp_fanout_start(r, dp_rest_param(r, "index"), DP_ADMIN_REFRESH, admin_broadcast_done, NULL);
}

static void
rest_flush(dp_rest_req_t *r)
{
	dp_fanout_start(r, dp_rest_param(r, "index"), DP_ADMIN_FLUSH, admin_broadcast_done, NULL);
}

static void
rest_forcemerge(dp_rest_req_t *r)
{
	bool ok = true;
	int64_t max = dp_rest_qs_int(r, "max_num_segments", 0, &ok);

	if (!ok)
		return;
	bool expunge = dp_rest_qs_bool(r, "only_expunge_deletes", false, &ok);

	if (!ok)
		return;
	if (max > 0 && expunge) {
		osp_err_t err;

		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: cannot set only_expunge_deletes and max_num_segments at the same time, those two parameters are mutually exclusive;");
		dp_rest_reply_err(r, &err);
		return;
	}
	dp_fanout_t *f = dp_fanout_start(r, dp_rest_param(r, "index"), DP_ADMIN_FORCEMERGE,
					 admin_broadcast_done, NULL);

	(void)f;
}

void
dp_fanout_stats_add(st_shard_stats_t *sum, const st_shard_stats_t *s)
{
	sum->docs_count += s->docs_count;
	sum->docs_deleted += s->docs_deleted;
	sum->store_size_bytes += s->store_size_bytes;
	sum->translog_size_bytes += s->translog_size_bytes;
	sum->translog_ops += s->translog_ops;
	sum->segments_count += s->segments_count;
	sum->index_total += s->index_total;
	sum->index_failed += s->index_failed;
	sum->delete_total += s->delete_total;
	sum->noop_update_total += s->noop_update_total;
	sum->get_total += s->get_total;
	sum->get_exists_total += s->get_exists_total;
	sum->get_missing_total += s->get_missing_total;
	sum->search_query_total += s->search_query_total;
	sum->search_fetch_total += s->search_fetch_total;
	sum->refresh_total += s->refresh_total;
	sum->flush_total += s->flush_total;
	sum->merge_total += s->merge_total;
	sum->merge_docs_total += s->merge_docs_total;
	sum->merge_current += s->merge_current;
}

static void
admin_stats_write(osp_jw_t *w, const st_shard_stats_t *s)
{
	osp_jw_obj_begin(w);
	osp_jw_key(w, "docs");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "count", (int64_t)s->docs_count);
	osp_jw_kv_int(w, "deleted", (int64_t)s->docs_deleted);
	osp_jw_obj_end(w);
	osp_jw_key(w, "store");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "size_in_bytes", (int64_t)s->store_size_bytes);
	osp_jw_kv_int(w, "total_data_set_size_in_bytes", (int64_t)s->store_size_bytes);
	osp_jw_kv_int(w, "reserved_in_bytes", 0);
	osp_jw_obj_end(w);
	osp_jw_key(w, "indexing");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "index_total", (int64_t)s->index_total);
	osp_jw_kv_int(w, "index_failed", (int64_t)s->index_failed);
	osp_jw_kv_int(w, "delete_total", (int64_t)s->delete_total);
	osp_jw_kv_int(w, "noop_update_total", (int64_t)s->noop_update_total);
	osp_jw_obj_end(w);
	osp_jw_key(w, "get");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "total", (int64_t)s->get_total);
	osp_jw_kv_int(w, "exists_total", (int64_t)s->get_exists_total);
	osp_jw_kv_int(w, "missing_total", (int64_t)s->get_missing_total);
	osp_jw_obj_end(w);
	osp_jw_key(w, "search");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "query_total", (int64_t)s->search_query_total);
	osp_jw_kv_int(w, "fetch_total", (int64_t)s->search_fetch_total);
	osp_jw_obj_end(w);
	osp_jw_key(w, "merges");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "current", (int64_t)s->merge_current);
	osp_jw_kv_int(w, "total", (int64_t)s->merge_total);
	osp_jw_kv_int(w, "total_docs", (int64_t)s->merge_docs_total);
	osp_jw_obj_end(w);
	osp_jw_key(w, "refresh");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "total", (int64_t)s->refresh_total);
	osp_jw_kv_int(w, "external_total", (int64_t)s->refresh_total);
	osp_jw_kv_int(w, "total_time_in_millis", 0);
	osp_jw_kv_int(w, "listeners", 0);
	osp_jw_obj_end(w);
	osp_jw_key(w, "flush");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "total", (int64_t)s->flush_total);
	osp_jw_kv_int(w, "periodic", 0);
	osp_jw_kv_int(w, "total_time_in_millis", 0);
	osp_jw_obj_end(w);
	osp_jw_key(w, "segments");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "count", s->segments_count);
	osp_jw_obj_end(w);
	osp_jw_key(w, "translog");
	osp_jw_obj_begin(w);
	osp_jw_kv_int(w, "operations", (int64_t)s->translog_ops);
	osp_jw_kv_int(w, "size_in_bytes", (int64_t)s->translog_size_bytes);
	osp_jw_kv_int(w, "uncommitted_operations", (int64_t)s->translog_ops);
	osp_jw_kv_int(w, "uncommitted_size_in_bytes", (int64_t)s->translog_size_bytes);
	osp_jw_obj_end(w);
	osp_jw_obj_end(w);
}

static osp_health_status_t
admin_health(const dp_index_t *idx)
{
	osp_health_counts_t c;

	osp_health_index(idx->meta, &c);
	return (osp_health_status_t)c.status;
}

static void
admin_stats_done(dp_fanout_t *f)
{
	st_shard_stats_t all;
	osp_buf_t out;
	osp_jw_t w;
	uint32_t total = 0, ok = 0;

	memset(&all, 0, sizeof(all));
	for (uint32_t i = 0; i < f->n_slots; i++) {
		total += dp_write_shards_total(f->slots[i].idx);
		if (f->slots[i].ran && f->slots[i].job.job.rc == 0) {
			ok++;
			dp_fanout_stats_add(&all, &f->slots[i].job.stats);
		}
	}
	dp_rest_jw(f->r, &w, &out);
	osp_jw_obj_begin(&w);
	dp_rest_write_shards(&w, total, ok, f->failed, false);
	osp_jw_key(&w, "_all");
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "primaries");
	admin_stats_write(&w, &all);
	osp_jw_key(&w, "total");
	admin_stats_write(&w, &all);
	osp_jw_obj_end(&w);
	osp_jw_key(&w, "indices");
	osp_jw_obj_begin(&w);
	for (uint32_t i = 0; i < f->n_slots;) {
		dp_index_t *idx = f->slots[i].idx;
		st_shard_stats_t sum;

		memset(&sum, 0, sizeof(sum));
		for (; i < f->n_slots && f->slots[i].idx == idx; i++)
			if (f->slots[i].ran && f->slots[i].job.job.rc == 0)
				dp_fanout_stats_add(&sum, &f->slots[i].job.stats);
		osp_jw_key(&w, idx->name);
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "uuid", idx->uuid);
		osp_jw_kv_str(&w, "health", osp_health_status_name(admin_health(idx)));
		osp_jw_kv_str(&w, "status", idx->closed ? "close" : "open");
		osp_jw_key(&w, "primaries");
		admin_stats_write(&w, &sum);
		osp_jw_key(&w, "total");
		admin_stats_write(&w, &sum);
		osp_jw_obj_end(&w);
	}
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(f->r, 200, &out);
}

static void
rest_stats(dp_rest_req_t *r)
{
	dp_fanout_start(r, dp_rest_param(r, "index"), DP_ADMIN_STATS, admin_stats_done, NULL);
}

void
rest_admin_routes(void)
{
	dp_rest_route(DP_HTTP_POST, "/_refresh", rest_refresh, 0);
	dp_rest_route(DP_HTTP_GET, "/_refresh", rest_refresh, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_refresh", rest_refresh, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_refresh", rest_refresh, 0);
	dp_rest_route(DP_HTTP_POST, "/_flush", rest_flush, 0);
	dp_rest_route(DP_HTTP_GET, "/_flush", rest_flush, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_flush", rest_flush, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_flush", rest_flush, 0);
	dp_rest_route(DP_HTTP_POST, "/_forcemerge", rest_forcemerge, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_forcemerge", rest_forcemerge, 0);
	dp_rest_route(DP_HTTP_GET, "/_stats", rest_stats, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_stats", rest_stats, 0);
}
