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
#include "dp_source.h"
#include "dp_rest.h"
#include "dp_search.h"

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
} search_ctx_t;

static void
search_free_arenas(search_ctx_t *s)
{
	for (uint32_t i = 0; i < s->n; i++) {
		osp_arena_free(&s->q[i].arena);
		if (s->f)
			osp_arena_free(&s->f[i].arena);
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
		if (h->n_sort) {
			osp_jw_key(w, "sort");
			osp_jw_arr_begin(w);
			st_sort_values_write(w, h->sort, h->n_sort);
			osp_jw_arr_end(w);
		}
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
		s->done(s->user, &res);
		search_free_arenas(s);
		return;
	}

	dp_rest_jw(s->r, &w, &out);
	osp_jw_obj_begin(&w);
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
	dp_rest_reply(s->r, 200, &out);
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
		if (s->done) {
			dp_search_result_t res = { NULL, err.status == 400 ? &err : &top, s->slot_index, NULL,
						   s->failed, NULL };

			s->done(s->user, &res);
			return;
		}
		dp_rest_reply_err(s->r, err.status == 400 ? &err : &top);
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
		if (s->done) {
			dp_search_result_t res = { NULL, &err, s->slot_index, NULL, s->failed, NULL };

			s->done(s->user, &res);
			return;
		}
		dp_rest_reply_err(s->r, &err);
		return;
	}
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
		dp_rest_reply_err(s->r, &e);
		return;
	}
	for (uint32_t i = 0; i < s->n; i++)
		if (s->q[i].job.rc == 0)
			total += s->q[i].count;
	dp_rest_jw(s->r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_int(&w, "count", (int64_t)total);
	dp_rest_write_shards(&w, s->n, s->n - s->failed - s->skipped, s->failed, true);
	osp_jw_obj_end(&w);
	search_free_arenas(s);
	dp_rest_reply(s->r, 200, &out);
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
	if (--s->pending == 0)
		search_phase1_end(s);
}

/* URI parameters that override or complete the body (ES RestSearchAction). */
static bool
search_uri_params(dp_rest_req_t *r, search_ctx_t *s, bool have_body_query)
{
	osp_arena_t *a = r->http->arena;
	osp_err_t err;
	const char *v;
	bool ok = true;

	if ((v = dp_rest_qs(r, "q")) != NULL) {
		const char *df = dp_rest_qs(r, "df");
		const char *op = dp_rest_qs(r, "default_operator");
		const char *fields[1] = { df };
		float boosts[1] = { 1.0f };
		st_query_t *q;

		if (have_body_query) {
			osp_err_set(&err, 400, "illegal_argument_exception",
				    "request [%s] contains both a body query and the q parameter", r->http->path);
		} else if (st_query_string_parse(a, v, strlen(v), df ? fields : NULL, df ? boosts : NULL,
						 df ? 1 : 0, op && strcasecmp(op, "AND") == 0 ? ST_OP_AND : ST_OP_OR,
						 &q, &err) == 0) {
			s->req.query = q;
			goto next;
		}
		dp_rest_reply_err(r, &err);
		return false;
	}
next:
	s->req.from = (int32_t)dp_rest_qs_int(r, "from", s->req.from, &ok);
	if (!ok)
		return false;
	s->req.size = (int32_t)dp_rest_qs_int(r, "size", s->req.size, &ok);
	if (!ok)
		return false;
	if ((v = dp_rest_qs(r, "track_total_hits")) != NULL) {
		if (strcmp(v, "true") == 0 || *v == '\0')
			s->req.track_total_hits = ST_TRACK_TOTAL_ALL;
		else if (strcmp(v, "false") == 0)
			s->req.track_total_hits = ST_TRACK_TOTAL_NONE;
		else
			s->req.track_total_hits = dp_rest_qs_int(r, "track_total_hits", ST_TRACK_TOTAL_DEFAULT, &ok);
		if (!ok)
			return false;
	}
	if ((v = dp_rest_qs(r, "sort")) != NULL && *v) {
		uint32_t n = 1;

		for (const char *p = v; *p; p++)
			n += *p == ',';
		st_sort_t *sorts = osp_arena_calloc(a, n * sizeof(*sorts));
		char *copy = osp_arena_strndup(a, v, strlen(v));

		if (sorts == NULL || copy == NULL)
			return false;
		n = 0;
		for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			char *colon = strrchr(t, ':');
			st_sort_t *so = &sorts[n++];

			if (colon) {
				*colon = '\0';
				so->desc = strcmp(colon + 1, "desc") == 0;
			}
			if (strcmp(t, "_score") == 0) {
				so->kind = ST_SORT_SCORE;
				so->desc = colon ? so->desc : true;
			} else if (strcmp(t, "_doc") == 0) {
				so->kind = ST_SORT_DOC;
			} else {
				so->kind = ST_SORT_FIELD;
				so->field = t;
			}
		}
		s->req.sort = sorts;
		s->req.n_sort = n;
	}
	s->req.explain = dp_rest_qs_bool(r, "explain", s->req.explain, &ok);
	if (!ok)
		return false;
	s->req.track_scores = dp_rest_qs_bool(r, "track_scores", s->req.track_scores, &ok);
	if (!ok)
		return false;
	s->total_as_int = dp_rest_qs_bool(r, "rest_total_hits_as_int", false, &ok);
	if (!ok)
		return false;
	if (dp_rest_qs(r, "_source") || dp_rest_qs(r, "_source_includes") || dp_rest_qs(r, "_source_excludes"))
		dp_source_spec_from_params(a, dp_rest_qs(r, "_source"), dp_rest_qs(r, "_source_includes"),
					   dp_rest_qs(r, "_source_excludes"), &s->source);
	if (s->req.from < 0) {
		osp_err_set(&err, 400, "illegal_argument_exception", "[from] parameter cannot be negative but was [%d]", s->req.from);
		dp_rest_reply_err(r, &err);
		return false;
	}
	if (s->req.size < 0) {
		osp_err_set(&err, 400, "illegal_argument_exception", "[size] parameter cannot be negative, found [%d]", s->req.size);
		dp_rest_reply_err(r, &err);
		return false;
	}
	if ((int64_t)s->req.from + s->req.size > s->req.max_result_window) {
		osp_err_set(&err, 400, "illegal_argument_exception",
			    "Result window is too large, from + size must be less than or equal to: [%d] but was [%lld]. "
			    "See the scroll api for a more efficient way to request large data sets. "
			    "This limit can be set by changing the [index.max_result_window] index level setting.",
			    s->req.max_result_window, (long long)s->req.from + s->req.size);
		dp_rest_reply_err(r, &err);
		return false;
	}
	return true;
}

/* Is shard sh of idx searched? (routing values and _shards preference) */
static bool
search_wants(const search_ctx_t *s, const dp_index_t *idx, uint32_t sh)
{
	char buf[1024];
	bool hit;

	if (s->pref_shards) {
		hit = false;
		snprintf(buf, sizeof(buf), "%s", s->pref_shards);
		for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && !hit; t = strtok_r(NULL, ",", &save))
			hit = (uint32_t)atoi(t) == sh;
		if (!hit)
			return false;
	}
	if (s->routing) {
		hit = false;
		snprintf(buf, sizeof(buf), "%s", s->routing);
		for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && !hit; t = strtok_r(NULL, ",", &save))
			hit = dp_shards_route(idx, t, strlen(t)) == sh;
		if (!hit)
			return false;
	}
	return true;
}

/* Query phase over the shards of list; the rest follows from the jobs. */
static void
search_exec(search_ctx_t *s, dp_index_t **list, int n)
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
			if (s->q[k].ref == NULL) {
				s->q[k].job.rc = -ENODEV;
				s->q[k].err = err;
				if (s->failed++ == 0)
					s->first_err = err;
			}
			k++;
		}
	}
	/* Query phase: one job per available shard. */
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
	s->req = *req;
	s->source.fetch = fetch_source;
	s->start_ns = dp_now_ns();
	s->done = done;
	s->user = user;
	search_exec(s, list, n);
	return 0;
}

static void
search_run(dp_rest_req_t *r, bool count_only)
{
	static dp_index_t *list[SEARCH_MAX_INDICES];
	osp_arena_t *a = r->http->arena;
	search_ctx_t *s = osp_arena_calloc(a, sizeof(*s));
	osp_json_t *body = NULL;
	osp_err_t err;
	bool ok = true;
	struct timespec ts;

	if (s == NULL)
		return;
	s->r = r;
	s->count_only = count_only;
	s->start_ns = dp_now_ns();
	s->source.fetch = true;
	if (!dp_rest_body_json(r, &body))
		return;
	st_search_req_init(&s->req);
	if (body && !osp_json_is(body, OSP_JSON_OBJECT)) {
		osp_err_set(&err, 400, "parsing_exception", "Expected [START_OBJECT] but found [%s]",
			    osp_json_is(body, OSP_JSON_ARRAY) ? "START_ARRAY" : "VALUE_STRING");
		dp_rest_reply_err(r, &err);
		return;
	}
	if (body && count_only) {
		const osp_json_t *q = osp_json_get(body, "query");

		OSP_JSON_FOREACH(m, body) {
			if (!osp_json_key_eq(m, "query")) {
				osp_err_set(&err, 400, "parsing_exception",
					    "request does not support [%s]", m->key);
				dp_rest_reply_err(r, &err);
				return;
			}
		}
		if (q && st_query_parse(a, q, &s->req.query, &err) != 0) {
			dp_rest_reply_err(r, &err);
			return;
		}
	} else if (body) {
		if (st_search_req_parse(a, body, &s->req, &err) != 0) {
			dp_rest_reply_err(r, &err);
			return;
		}
		if (dp_source_spec_from_json(a, osp_json_get(body, "_source"), &s->source, &err) != 0) {
			dp_rest_reply_err(r, &err);
			return;
		}
	}
	if (!search_uri_params(r, s, body && osp_json_get(body, "query")))
		return;
	if (s->req.query == NULL) {
		st_query_t *all = osp_arena_calloc(a, sizeof(*all));

		if (all == NULL)
			return;
		all->kind = ST_Q_MATCH_ALL;
		all->boost = 1.0f;
		s->req.query = all;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	s->req.now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	bool iu = dp_rest_qs_bool(r, "ignore_unavailable", false, &ok);

	if (!ok)
		return;
	bool an = dp_rest_qs_bool(r, "allow_no_indices", true, &ok);

	if (!ok)
		return;
	int n = dp_shards_resolve(dp_rest_param(r, "index"), iu, an, list, SEARCH_MAX_INDICES, &err);

	if (n < 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	const char *pref = dp_rest_qs(r, "preference");

	s->routing = dp_rest_qs(r, "routing");
	if (s->routing && *s->routing == '\0')
		s->routing = NULL;
	if (pref && strncmp(pref, "_shards:", 8) == 0) {
		char *p = osp_arena_strndup(a, pref + 8, strlen(pref + 8));
		char *bar = p ? strchr(p, '|') : NULL;

		if (bar)
			*bar = '\0';  /* "_shards:0,1|_local": the rest is a node preference */
		s->pref_shards = p;
	}
	search_exec(s, list, n);
}

static void
rest_search(dp_rest_req_t *r)
{
	search_run(r, false);
}

static void
rest_count(dp_rest_req_t *r)
{
	search_run(r, true);
}

void
rest_search_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_search", rest_search, 0);
	dp_rest_route(DP_HTTP_POST, "/_search", rest_search, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_search", rest_search, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_search", rest_search, 0);
	dp_rest_route(DP_HTTP_GET, "/_count", rest_count, 0);
	dp_rest_route(DP_HTTP_POST, "/_count", rest_count, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_count", rest_count, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_count", rest_count, 0);
}
