/*
 * rest_search.c - _search and _count: query-then-fetch across shards.
 *
 * The network core parses the request once (query DSL, sort, aggregations)
 * into an AST in the request's arena, which every shard's worker reads.
 * Query phase: one job per shard returns its top from+size hits, totals and
 * aggregation partials, and keeps its reader set. The network core merges
 * (st_search_merge), then the fetch phase asks only the shards that own
 * winners for their _source; every shard gets a fetch job so it releases its
 * reader set. _count runs the query phase as counts only.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../shard/dp_shard_jobs.h"
#include "../http/dp_rest_error.h"
#include "dp_search_int.h"

void
dp_search_jw(search_ctx_t *s, osp_jw_t *w, osp_buf_t *out)
{
	if (s->emit == NULL) {
		dp_rest_jw(s->r, w, out);
		return;
	}
	osp_buf_init(out);
	osp_jw_init(w, out, 0);
}

void
dp_search_send(search_ctx_t *s, uint16_t status, osp_buf_t *body)
{
	if (s->emit == NULL) {
		dp_rest_reply(s->r, status, body);
		return;
	}
	s->emit(s->emit_user, status, body);
}

void
dp_search_send_err(search_ctx_t *s, const osp_err_t *err)
{
	osp_buf_t out;

	if (s->emit == NULL) {
		dp_rest_reply_err(s->r, err);
		return;
	}
	osp_buf_init(&out);
	dp_rest_error_json(&out, err, false);
	s->emit(s->emit_user, err->status ? err->status : 500, &out);
}

static void
search_free_arenas(search_ctx_t *s)
{
	for (uint32_t i = 0; i < s->n; i++) {
		osp_arena_free(&s->q[i].arena);
		if (s->f)
			osp_arena_free(&s->f[i].arena);
	}
}

/* A hit's "sort": the values the user asked for (a scroll's hidden _doc
 * tiebreak left out), a _shard_doc key as (slot << 32) | doc as ES does. */
static void
search_write_sort(search_ctx_t *s, osp_jw_t *w, const st_hit_t *h)
{
	uint32_t n = h->n_sort < s->n_show_sort ? h->n_sort : s->n_show_sort;
	st_value_t v[64];

	if (n > 64)
		n = 64;
	memcpy(v, h->sort, n * sizeof(*v));
	if (s->shard_doc >= 0 && (uint32_t)s->shard_doc < n) {
		v[s->shard_doc].type = ST_VAL_LONG;
		v[s->shard_doc].i = (int64_t)((uint64_t)h->shard << 32 | (uint32_t)h->sort[s->shard_doc].i);
		v[s->shard_doc].d = (double)v[s->shard_doc].i;
	}
	osp_jw_key(w, "sort");
	osp_jw_arr_begin(w);
	st_sort_values_write(w, v, n);
	osp_jw_arr_end(w);
}

/* End of a search that used a context: a first scroll page that failed
 * takes its context with it. */
void
dp_search_ctx_end(search_ctx_t *s, bool ok)
{
	if (s->sc == NULL)
		return;
	if (!ok && s->sc_first)
		dp_sctx_close(s->sc);
	dp_sctx_done(s->sc);
	s->sc = NULL;
}

/* Scroll: each shard's cursor becomes the sort key of its last hit shown. */
static void
search_advance(search_ctx_t *s)
{
	dp_sctx_t *sc = s->sc;

	if (sc == NULL || sc->pit)
		return;
	for (uint32_t i = 0; i < s->merged.n_hits; i++) {
		const st_hit_t *h = &s->merged.hits[i];
		dp_sctx_shard_t *c = &sc->shards[h->shard];
		st_value_t *v;

		if (h->shard >= sc->n || h->n_sort == 0)
			continue;
		if (c->n_after < h->n_sort) {
			c->after = osp_arena_calloc(&sc->arena, h->n_sort * sizeof(*c->after));
			if (c->after == NULL)
				continue;
		}
		v = c->after;
		c->n_after = h->n_sort;
		for (uint32_t k = 0; k < h->n_sort; k++) {
			v[k] = h->sort[k];
			if (v[k].type == ST_VAL_STRING)
				v[k].s = osp_arena_strndup(&sc->arena, v[k].s, v[k].len);
		}
	}
}

static void
search_write_hits(search_ctx_t *s, osp_jw_t *w)
{
	st_search_merged_t *m = &s->merged;
	bool scored = !isnan(m->max_score);

	osp_jw_key(w, "hits");
	osp_jw_obj_begin(w);
	if (m->total_tracked) {
		osp_jw_key(w, "total");
		if (s->total_as_int) {
			osp_jw_int(w, (int64_t)m->total);
		} else {
			osp_jw_obj_begin(w);
			osp_jw_kv_int(w, "value", (int64_t)m->total);
			osp_jw_kv_str(w, "relation", m->total_gte ? "gte" : "eq");
			osp_jw_obj_end(w);
		}
	}
	osp_jw_key(w, "max_score");
	if (scored)
		st_float_write(w, m->max_score);
	else
		osp_jw_null(w);
	osp_jw_key(w, "hits");
	osp_jw_arr_begin(w);
	for (uint32_t i = 0; i < m->n_hits; i++) {
		const st_hit_t *h = &m->hits[i];
		dp_job_fetch_t *f = &s->f[h->shard];
		const st_get_res_t *doc = NULL;

		for (uint32_t k = 0; k < f->n; k++)
			if (f->hits[k] == h)
				doc = &f->docs[k];
		osp_jw_obj_begin(w);
		osp_jw_kv_str(w, "_index", s->slot_index[h->shard]->name);
		osp_jw_key(w, "_id");
		osp_jw_strn(w, h->id, h->id_len);
		osp_jw_key(w, "_score");
		if (isnan(h->score))
			osp_jw_null(w);
		else
			st_float_write(w, h->score);
		if (doc && doc->found && doc->routing) {
			osp_jw_key(w, "_routing");
			osp_jw_strn(w, doc->routing, doc->routing_len);
		}
		if (s->source.fetch && doc && doc->found && doc->source) {
			osp_jw_key(w, "_source");
			dp_source_write(w, &s->source, s->r->http->arena, doc->source, doc->source_len);
		}
		if (h->n_sort && s->n_show_sort)
			search_write_sort(s, w, h);
		if (h->expl) {
			osp_jw_key(w, "_explanation");
			st_expl_write(w, h->expl);
		}
		osp_jw_obj_end(w);
	}
	osp_jw_arr_end(w);
	osp_jw_obj_end(w);
}

static void
search_reply(search_ctx_t *s)
{
	osp_buf_t out;
	osp_jw_t w;

	if (s->done) {
		dp_search_result_t res = { &s->merged, NULL, s->slot_index, s->f, s->failed, NULL };

		res.first_err = s->failed ? &s->first_err : NULL;
		/* done() may answer the request, which frees s with its arena:
		 * the job arenas (hits, documents) are moved out first and freed
		 * after it returns. */
		uint32_t n = s->n;
		osp_arena_t *keep = calloc(2 * (size_t)n + 1, sizeof(*keep));

		if (keep == NULL) {
			s->done(s->user, &res);
			return;   /* leaks the job arenas rather than touching s */
		}
		for (uint32_t i = 0; i < n; i++) {
			keep[2 * i] = s->q[i].arena;
			if (s->f)
				keep[2 * i + 1] = s->f[i].arena;
		}
		s->done(s->user, &res);
		for (uint32_t i = 0; i < 2 * n; i++)
			osp_arena_free(&keep[i]);
		free(keep);
		return;
	}

	dp_search_jw(s, &w, &out);
	osp_jw_obj_begin(&w);
	if (s->sc)
		osp_jw_kv_str(&w, s->sc->pit ? "pit_id" : "_scroll_id", s->sc->id);
	osp_jw_kv_int(&w, "took", (int64_t)((dp_now_ns() - s->start_ns) / 1000000));
	osp_jw_kv_bool(&w, "timed_out", false);
	dp_rest_write_shards(&w, s->n, s->n - s->failed - s->skipped, s->failed, true);
	search_write_hits(s, &w);
	if (s->merged.n_aggs) {
		osp_jw_key(&w, "aggregations");
		osp_jw_obj_begin(&w);
		st_aggs_write(&w, s->merged.aggs, s->merged.n_aggs);
		osp_jw_obj_end(&w);
	}
	osp_jw_obj_end(&w);
	search_free_arenas(s);
	dp_search_ctx_end(s, true);
	dp_search_send(s, 200, &out);
}

static void
search_fetch_done(dp_job_t *job)
{
	search_ctx_t *s = ((dp_job_fetch_t *)job)->user;

	if (--s->pending == 0)
		search_reply(s);
}

/* Every shard answered its query phase: merge, then fetch. */
static void
search_merge(search_ctx_t *s)
{
	osp_arena_t *a = s->r->http->arena;
	st_shard_result_t **parts = osp_arena_calloc(a, (s->n ? s->n : 1) * sizeof(*parts));
	uint32_t np = 0;
	osp_err_t err;

	if (s->failed == s->n && s->n > 0) {
		/* Every shard failed: Elasticsearch's all-shards-failed error. */
		err = s->first_err;
		osp_err_t top;

		osp_err_set(&top, err.status >= 500 || err.status == 0 ? 503 : err.status,
			    "search_phase_execution_exception", "all shards failed");
		snprintf(top.caused_by_type, sizeof(top.caused_by_type), "%s", err.type);
		snprintf(top.caused_by_reason, sizeof(top.caused_by_reason), "%s", err.reason);
		search_free_arenas(s);
		dp_search_ctx_end(s, false);
		if (s->done) {
			dp_search_result_t res = { NULL, err.status == 400 ? &err : &top, s->slot_index, NULL,
						   s->failed, NULL };

			s->done(s->user, &res);
			return;
		}
		dp_search_send_err(s, err.status == 400 ? &err : &top);
		return;
	}
	for (uint32_t i = 0; i < s->n; i++) {
		if (s->q[i].job.rc != 0)
			continue;
		s->q[i].res.shard = i;
		for (uint32_t k = 0; k < s->q[i].res.n_hits; k++)
			s->q[i].res.hits[k].shard = i;
		parts[np++] = &s->q[i].res;
	}
	if (st_search_merge(&s->req, parts, np, a, &s->merged, &err) != 0) {
		search_free_arenas(s);
		dp_search_ctx_end(s, false);
		if (s->done) {
			dp_search_result_t res = { NULL, &err, s->slot_index, NULL, s->failed, NULL };

			s->done(s->user, &res);
			return;
		}
		dp_search_send_err(s, &err);
		return;
	}
	search_advance(s);
	s->f = osp_arena_calloc(a, (s->n ? s->n : 1) * sizeof(*s->f));
	if (s->f == NULL)
		return;
	for (uint32_t i = 0; i < s->n; i++) {
		s->f[i].hits = osp_arena_calloc(a, (s->merged.n_hits + 1) * sizeof(*s->f[i].hits));
		if (s->f[i].hits == NULL)
			return;
	}
	if (s->source.fetch)
		for (uint32_t i = 0; i < s->merged.n_hits; i++) {
			dp_job_fetch_t *f = &s->f[s->merged.hits[i].shard];

			f->hits[f->n++] = &s->merged.hits[i];
		}
	s->pending = 1;
	for (uint32_t i = 0; i < s->n; i++) {
		dp_job_fetch_t *f = &s->f[i];

		if (s->q[i].job.rc != 0 || s->q[i].ref == NULL)
			continue;
		f->docs = osp_arena_calloc(a, (f->n + 1) * sizeof(*f->docs));
		f->ref = s->q[i].ref;
		f->ctx = s->q[i].ctx;
		f->user = s;
		osp_arena_init(&f->arena, 16384, 0);
		dp_job_prepare(&f->job, f->ref, dp_job_fetch_run, search_fetch_done);
		s->pending++;
		dp_core_submit(&f->job);
	}
	if (--s->pending == 0)
		search_reply(s);
}

static void
count_reply(search_ctx_t *s)
{
	uint64_t total = 0;
	osp_buf_t out;
	osp_jw_t w;

	if (s->failed == s->n && s->n > 0) {
		osp_err_t e = s->first_err;

		search_free_arenas(s);
		dp_search_send_err(s, &e);
		return;
	}
	for (uint32_t i = 0; i < s->n; i++)
		if (s->q[i].job.rc == 0)
			total += s->q[i].count;
	dp_search_jw(s, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_int(&w, "count", (int64_t)total);
	dp_rest_write_shards(&w, s->n, s->n - s->failed - s->skipped, s->failed, true);
	osp_jw_obj_end(&w);
	search_free_arenas(s);
	dp_search_send(s, 200, &out);
}

/* All query-phase jobs are back. */
static void
search_phase1_end(search_ctx_t *s)
{
	if (s->count_only)
		count_reply(s);
	else
		search_merge(s);
}

static void
search_query_done(dp_job_t *job)
{
	dp_job_query_t *q = (dp_job_query_t *)job;
	search_ctx_t *s = q->user;

	if (job->rc != 0) {
		if (s->failed++ == 0)
			s->first_err = q->err;
	}
	if (q->pinned && s->sc)
		s->sc->shards[q->slot].view = q->pinned;
	q->pinned = NULL;
	if (--s->pending == 0)
		search_phase1_end(s);
}

/* Is shard sh of idx searched? (routing values and _shards preference) */
bool
dp_search_shard_wanted(const dp_index_t *idx, uint32_t sh, const char *routing, const char *pref)
{
	char buf[1024];
	bool hit;

	if (pref) {
		hit = false;
		snprintf(buf, sizeof(buf), "%s", pref);
		buf[strcspn(buf, "|")] = '\0';  /* "0,1|_local": the rest is a node preference */
		for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && !hit; t = strtok_r(NULL, ",", &save))
			hit = (uint32_t)atoi(t) == sh;
		if (!hit)
			return false;
	}
	if (routing && *routing) {
		hit = false;
		snprintf(buf, sizeof(buf), "%s", routing);
		for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && !hit; t = strtok_r(NULL, ",", &save))
			hit = dp_shards_route(idx, t, strlen(t)) == sh;
		if (!hit)
			return false;
	}
	return true;
}

static bool
search_wants(const search_ctx_t *s, const dp_index_t *idx, uint32_t sh)
{
	return dp_search_shard_wanted(idx, sh, s->routing, s->pref_shards);
}

/* Query phase over the shards of list; the rest follows from the jobs. */
static void search_submit(search_ctx_t *s);

void
dp_search_exec(search_ctx_t *s, dp_index_t **list, int n)
{
	osp_arena_t *a = s->r->http->arena;
	bool count_only = s->count_only;
	osp_err_t err;

	for (int i = 0; i < n; i++)
		for (uint32_t sh = 0; sh < list[i]->n_shards; sh++)
			s->n += search_wants(s, list[i], sh);
	s->req.num_shards = s->n;
	s->q = osp_arena_calloc(a, (s->n ? s->n : 1) * sizeof(*s->q));
	s->slot_index = osp_arena_calloc(a, (s->n ? s->n : 1) * sizeof(*s->slot_index));
	if (s->q == NULL || s->slot_index == NULL)
		return;
	if (s->sc_first) {
		s->sc->shards = osp_arena_calloc(&s->sc->arena, (s->n ? s->n : 1) * sizeof(*s->sc->shards));
		if (s->sc->shards == NULL)
			return;
		s->sc->n = s->n;
	}
	uint32_t k = 0;

	for (int i = 0; i < n; i++) {
		for (uint32_t sh = 0; sh < list[i]->n_shards; sh++) {
			if (!search_wants(s, list[i], sh))
				continue;
			s->slot_index[k] = list[i];
			s->q[k].req = &s->req;
			s->q[k].count_query = count_only ? s->req.query : NULL;
			s->q[k].slot = k;
			s->q[k].user = s;
			s->q[k].ref = dp_shards_ref(list[i], sh, &err);
			if (s->sc_first) {
				dp_sctx_shard_t *c = &s->sc->shards[k];

				snprintf(c->index, sizeof(c->index), "%s", list[i]->name);
				snprintf(c->uuid, sizeof(c->uuid), "%s", list[i]->uuid);
				c->shard = sh;
				c->worker = s->q[k].ref ? s->q[k].ref->worker : 0;
				s->q[k].pin = true;
			}
			if (s->q[k].ref == NULL) {
				s->q[k].job.rc = -ENODEV;
				s->q[k].err = err;
				if (s->failed++ == 0)
					s->first_err = err;
			}
			k++;
		}
	}
	search_submit(s);
}

/* Query phase over the shards of a context (later scroll pages, searches
 * with a point in time): each slot searches its pinned view; a shard whose
 * index went away or whose view is gone fails alone. */
void
dp_search_exec_ctx(search_ctx_t *s)
{
	osp_arena_t *a = s->r->http->arena;
	dp_sctx_t *sc = s->sc;
	osp_err_t err;

	s->n = sc->n;
	s->req.num_shards = s->n;
	s->q = osp_arena_calloc(a, (s->n ? s->n : 1) * sizeof(*s->q));
	s->slot_index = osp_arena_calloc(a, (s->n ? s->n : 1) * sizeof(*s->slot_index));
	if (s->q == NULL || s->slot_index == NULL)
		return;
	for (uint32_t k = 0; k < s->n; k++) {
		dp_sctx_shard_t *c = &sc->shards[k];
		dp_index_t *idx = dp_shards_index(c->index);

		s->q[k].req = s->shard_req ? &s->shard_req[k] : &s->req;
		s->q[k].slot = k;
		s->q[k].user = s;
		s->q[k].view = c->view;
		s->slot_index[k] = idx;
		if (idx == NULL || strcmp(idx->uuid, c->uuid) != 0 || c->view == NULL) {
			osp_err_set(&err, 404, "search_context_missing_exception",
				    "No search context found for id [%llu]", (unsigned long long)sc->num);
		} else if ((s->q[k].ref = dp_shards_ref(idx, c->shard, &err)) != NULL) {
			continue;
		}
		s->q[k].ref = NULL;
		s->q[k].job.rc = -ENODEV;
		s->q[k].err = err;
		if (s->failed++ == 0)
			s->first_err = err;
	}
	search_submit(s);
}

/* Send the query jobs of every slot that has a shard. */
static void
search_submit(search_ctx_t *s)
{
	s->pending = 1;
	for (uint32_t i = 0; i < s->n; i++) {
		if (s->q[i].ref == NULL)
			continue;
		osp_arena_init(&s->q[i].arena, 16384, 0);
		dp_job_prepare(&s->q[i].job, s->q[i].ref, dp_job_query_run, search_query_done);
		s->pending++;
		dp_core_submit(&s->q[i].job);
	}
	/* Drop the guard; finish here if every job already came back. */
	if (--s->pending == 0)
		search_phase1_end(s);
}


int
dp_search_start(dp_rest_req_t *r, dp_index_t **list, int n, const st_search_req_t *req,
		bool fetch_source, dp_search_done_t done, void *user)
{
	search_ctx_t *s = osp_arena_calloc(r->http->arena, sizeof(*s));

	if (s == NULL)
		return -ENOMEM;
	s->r = r;
	s->pa = r->http->arena;
	s->req = *req;
	s->source.fetch = fetch_source;
	s->start_ns = dp_now_ns();
	s->shard_doc = -1;
	s->n_show_sort = UINT32_MAX;
	s->done = done;
	s->user = user;
	dp_search_exec(s, list, n);
	return 0;
}

/* A search context in the request's arena, with a plain search's defaults. */
search_ctx_t *
dp_search_new(dp_rest_req_t *r)
{
	search_ctx_t *s = osp_arena_calloc(r->http->arena, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->r = r;
	s->pa = r->http->arena;
	s->start_ns = dp_now_ns();
	s->source.fetch = true;
	s->shard_doc = -1;
	s->n_show_sort = UINT32_MAX;
	st_search_req_init(&s->req);
	return s;
}

