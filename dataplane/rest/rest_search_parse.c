/*
 * rest_search_parse.c - _search and _count requests into a search_ctx_t:
 * the body (query DSL, sort, aggregations, _source), the URI parameters
 * that override it (ES RestSearchAction), and the scroll / point-in-time
 * rules: a scroll's first page creates its context and parses into the
 * context's arena (later pages reuse that request), a "pit" body names an
 * open point in time whose pinned views the search runs on, with the
 * implicit _shard_doc tiebreak Elasticsearch adds. Execution is
 * rest_search.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dp_search_int.h"

/* URI parameters that override or complete the body (ES RestSearchAction). */
static bool
search_uri_params(dp_rest_req_t *r, search_ctx_t *s, bool have_body_query)
{
	osp_arena_t *a = s->pa;
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

static bool
search_fail(search_ctx_t *s, uint16_t status, const char *type, const char *reason)
{
	osp_err_t err;

	osp_err_set(&err, status, type, "%s", reason);
	dp_search_send_err(s, &err);
	return false;
}

/* The body of a search with a point in time: "pit" taken out (the search
 * module does not know it) and the implicit _shard_doc tiebreak added to a
 * sort that lacks it, as Elasticsearch does. */
static osp_json_t *
search_pit_body(osp_arena_t *a, const osp_json_t *body)
{
	osp_json_t *out = osp_json_new_object(a);

	if (out == NULL)
		return NULL;
	OSP_JSON_FOREACH(m, body) {
		osp_json_t *v;

		if (osp_json_key_eq(m, "pit"))
			continue;
		v = osp_json_clone(a, m);
		if (v == NULL)
			return NULL;
		if (osp_json_key_eq(m, "sort")) {
			bool has = false;

			if (!osp_json_is(v, OSP_JSON_ARRAY)) {
				osp_json_t *arr = osp_json_new_array(a);

				if (arr == NULL || osp_json_append(a, arr, NULL, 0, v) != 0)
					return NULL;
				v = arr;
			}
			OSP_JSON_FOREACH(e, v)
				has |= (osp_json_is(e, OSP_JSON_STRING) && strcmp(e->u.str, "_shard_doc") == 0) ||
				       (osp_json_is(e, OSP_JSON_OBJECT) && osp_json_get(e, "_shard_doc"));
			if (!has && osp_json_append(a, v, NULL, 0, osp_json_new_string(a, "_shard_doc", 10)) != 0)
				return NULL;
		}
		if (osp_json_append(a, out, m->key, m->key_len, v) != 0)
			return NULL;
	}
	return out;
}

/* Open the point in time a body names; the body loses its "pit". */
static bool
search_pit_open(search_ctx_t *s, osp_json_t **body)
{
	const osp_json_t *pit = osp_json_get(*body, "pit");
	const osp_json_t *id = osp_json_get(pit, "id");
	const osp_json_t *ka = osp_json_get(pit, "keep_alive");
	int64_t ka_ms = 0;
	osp_err_t err;

	if (s->sc)
		return search_fail(s, 400, "action_request_validation_exception",
				   "Validation Failed: 1: using [point in time] is not allowed in a scroll context;");
	if (s->no_uri ? s->index_expr != NULL : dp_rest_param(s->r, "index") != NULL)
		return search_fail(s, 400, "action_request_validation_exception",
				   "Validation Failed: 1: [indices] cannot be used with point in time. "
				   "Do not specify any index with point in time.;");
	if (!osp_json_is(id, OSP_JSON_STRING))
		return search_fail(s, 400, "parsing_exception", "[pit] failed to parse field [id]");
	if (ka && (!osp_json_is(ka, OSP_JSON_STRING) ||
		   dp_sctx_keep_alive(ka->u.str, "keep_alive", &ka_ms, &err) != 0)) {
		if (!osp_json_is(ka, OSP_JSON_STRING))
			osp_err_set(&err, 400, "parsing_exception", "[pit] failed to parse field [keep_alive]");
		dp_search_send_err(s, &err);
		return false;
	}
	*body = search_pit_body(s->pa, *body);
	if (*body == NULL)
		return search_fail(s, 500, "out_of_memory_error", "no memory for the request");
	s->sc = dp_sctx_use(id->u.str, true, ka_ms, &err);
	if (s->sc_track)
		*s->sc_track = s->sc;
	if (s->sc == NULL) {
		dp_search_send_err(s, &err);
		return false;
	}
	return true;
}

/* After parsing with a point in time: _shard_doc is the doc tiebreak shown
 * as (slot << 32) | doc; a search_after on it becomes, per shard, a bound on
 * that shard's docs (all after, none after, or after doc). */
static bool
search_pit_sort(search_ctx_t *s)
{
	st_search_req_t *req = &s->req;
	uint32_t n = s->sc->n;

	for (uint32_t i = 0; i < req->n_sort; i++) {
		if (req->sort[i].kind == ST_SORT_FIELD && strcmp(req->sort[i].field, "_shard_doc") == 0) {
			req->sort[i].kind = ST_SORT_DOC;
			s->shard_doc = (int32_t)i;
		}
	}
	if (s->shard_doc < 0 || req->n_search_after <= (uint32_t)s->shard_doc)
		return true;
	const st_value_t *sa = &req->search_after[s->shard_doc];
	int64_t v = sa->type == ST_VAL_LONG ? sa->i : (int64_t)sa->d;
	uint32_t vshard = (uint32_t)((uint64_t)v >> 32);
	bool desc = req->sort[s->shard_doc].desc;

	s->shard_req = osp_arena_calloc(s->pa, (n ? n : 1) * sizeof(*s->shard_req));
	if (s->shard_req == NULL)
		return search_fail(s, 500, "out_of_memory_error", "no memory for the request");
	for (uint32_t k = 0; k < n; k++) {
		st_value_t *after = osp_arena_alloc(s->pa, req->n_search_after * sizeof(*after));

		if (after == NULL)
			return search_fail(s, 500, "out_of_memory_error", "no memory for the request");
		memcpy(after, req->search_after, req->n_search_after * sizeof(*after));
		after[s->shard_doc].type = ST_VAL_LONG;
		if (k == vshard)
			after[s->shard_doc].i = (int64_t)(uint32_t)v;
		else /* the whole shard ranks before (nothing after) or after the value */
			after[s->shard_doc].i = (k < vshard) != desc ? INT64_MAX : -1;
		after[s->shard_doc].d = (double)after[s->shard_doc].i;
		s->shard_req[k] = *req;
		s->shard_req[k].search_after = after;
	}
	return true;
}

/* Scroll's first page: ES's validation, then an exact total and a hidden
 * _doc tiebreak so every shard can resume after its own last hit. */
static bool
search_scroll_first(search_ctx_t *s)
{
	st_search_req_t *req = &s->req;
	dp_sctx_t *sc = s->sc;
	char reason[512];

	if (req->from > 0)
		return search_fail(s, 400, "action_request_validation_exception",
				   "Validation Failed: 1: using [from] is not allowed in a scroll context;");
	if (req->size == 0)
		return search_fail(s, 400, "action_request_validation_exception",
				   "Validation Failed: 1: [size] cannot be [0] in a scroll context;");
	if (req->track_total_hits == ST_TRACK_TOTAL_NONE)
		return search_fail(s, 400, "action_request_validation_exception",
				   "Validation Failed: 1: disabling [track_total_hits] is not allowed in a scroll context;");
	if (req->n_search_after)
		return search_fail(s, 400, "search_context_exception",
				   "`search_after` cannot be used in a scroll context.");
	if (req->size > req->max_result_window) {
		snprintf(reason, sizeof(reason),
			 "Batch size is too large, size must be less than or equal to: [%d] but was [%d]. "
			 "Scroll batch sizes cost as much memory as result windows so they are controlled by the "
			 "[index.max_result_window] index level setting.", req->max_result_window, req->size);
		return search_fail(s, 400, "illegal_argument_exception", reason);
	}
	s->n_show_sort = req->n_sort;
	if (req->n_sort == 0 || req->sort[req->n_sort - 1].kind != ST_SORT_DOC) {
		st_sort_t *sort = osp_arena_calloc(s->pa, (req->n_sort + 2) * sizeof(*sort));

		if (sort == NULL)
			return search_fail(s, 500, "out_of_memory_error", "no memory for the request");
		if (req->n_sort)
			memcpy(sort, req->sort, req->n_sort * sizeof(*sort));
		else
			sort[req->n_sort++].kind = ST_SORT_SCORE, sort[0].desc = true;
		sort[req->n_sort++].kind = ST_SORT_DOC;
		req->sort = sort;
	}
	req->track_total_hits = ST_TRACK_TOTAL_ALL;
	sc->req = *req;
	sc->source = s->source;
	sc->n_user_sort = s->n_show_sort;
	return true;
}

/* Parse body and URI parameters into s and resolve the indices. Replies
 * and returns false on a bad request. */
static bool
search_prepare(search_ctx_t *s, osp_json_t *body, dp_index_t **list, int *n_list)
{
	dp_rest_req_t *r = s->r;
	osp_arena_t *a = s->pa;
	osp_err_t err;
	bool ok = true;
	struct timespec ts;

	if (body && !osp_json_is(body, OSP_JSON_OBJECT)) {
		osp_err_set(&err, 400, "parsing_exception", "Expected [START_OBJECT] but found [%s]",
			    osp_json_is(body, OSP_JSON_ARRAY) ? "START_ARRAY" : "VALUE_STRING");
		dp_search_send_err(s, &err);
		return false;
	}
	if (body && s->count_only) {
		const osp_json_t *q = osp_json_get(body, "query");

		OSP_JSON_FOREACH(m, body) {
			if (!osp_json_key_eq(m, "query")) {
				osp_err_set(&err, 400, "parsing_exception",
					    "request does not support [%s]", m->key);
				dp_search_send_err(s, &err);
				return false;
			}
		}
		if (q && st_query_parse(a, q, &s->req.query, &err) != 0) {
			dp_search_send_err(s, &err);
			return false;
		}
	} else if (body) {
		if (osp_json_get(body, "pit") && !search_pit_open(s, &body))
			return false;
		if (st_search_req_parse(a, body, &s->req, &err) != 0 ||
		    dp_source_spec_from_json(a, osp_json_get(body, "_source"), &s->source, &err) != 0) {
			dp_search_send_err(s, &err);
			return false;
		}
	}
	if (!s->no_uri && !search_uri_params(r, s, body && osp_json_get(body, "query")))
		return false;
	if (s->req.query == NULL) {
		st_query_t *all = osp_arena_calloc(a, sizeof(*all));

		if (all == NULL)
			return false;
		all->kind = ST_Q_MATCH_ALL;
		all->boost = 1.0f;
		s->req.query = all;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	s->req.now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (s->sc && s->sc->pit)
		return search_pit_sort(s);
	if (s->sc_first && !search_scroll_first(s))
		return false;
	if (s->no_uri) {
		*n_list = dp_shards_resolve(s->index_expr, s->ignore_unavailable, s->allow_no_indices,
					    list, SEARCH_MAX_INDICES, &err);
		if (*n_list < 0) {
			dp_search_send_err(s, &err);
			return false;
		}
		return true;
	}
	bool iu = dp_rest_qs_bool(r, "ignore_unavailable", false, &ok);

	if (!ok)
		return false;
	bool an = dp_rest_qs_bool(r, "allow_no_indices", true, &ok);

	if (!ok)
		return false;
	*n_list = dp_shards_resolve(dp_rest_param(r, "index"), iu, an, list, SEARCH_MAX_INDICES, &err);
	if (*n_list < 0) {
		dp_search_send_err(s, &err);
		return false;
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
	return true;
}

bool
dp_search_prepare(search_ctx_t *s, osp_json_t *body, dp_index_t **list, int *n_list)
{
	dp_sctx_t *held = s->sc;
	bool first = s->sc_first;

	/* s lives in the request's arena, gone once an error is answered:
	 * the context it holds is tracked outside it. */
	s->sc_track = &held;
	if (search_prepare(s, body, list, n_list)) {
		s->sc_track = NULL;
		return true;
	}
	if (held && first)
		dp_sctx_close(held);
	dp_sctx_done(held);
	return false;
}

static void
search_run_emit(dp_rest_req_t *r, bool count_only, void (*emit)(void *, uint16_t, osp_buf_t *),
		void *emit_user)
{
	static dp_index_t *list[SEARCH_MAX_INDICES];
	search_ctx_t *s = dp_search_new(r);
	const char *scroll = count_only ? NULL : dp_rest_qs(r, "scroll");
	osp_json_t *body = NULL;
	osp_err_t err;
	int n = 0;

	if (s == NULL || !dp_rest_body_json(r, &body))
		return;
	s->count_only = count_only;
	s->emit = emit;
	s->emit_user = emit_user;
	if (scroll) {
		int64_t ka;

		if (dp_sctx_keep_alive(scroll, "scroll", &ka, &err) != 0 ||
		    (s->sc = dp_sctx_new(false, 0, ka, &err)) == NULL) {
			dp_rest_reply_err(r, &err);
			return;
		}
		s->sc_first = true;
		s->pa = &s->sc->arena;
	}
	if (!dp_search_prepare(s, body, list, &n))
		return;   /* answered; s is gone */
	if (s->sc && !s->sc_first)
		dp_search_exec_ctx(s);
	else
		dp_search_exec(s, list, n);
}

/* A later page of the scroll sc (in use: busy) on r; done NULL = reply. */
static void
search_scroll_page(dp_rest_req_t *r, dp_sctx_t *sc, dp_search_done_t done, void *user)
{
	search_ctx_t *s = dp_search_new(r);
	bool ok = true;

	if (s == NULL) {
		dp_sctx_done(sc);
		return;
	}
	s->sc = sc;
	s->req = sc->req;
	s->req.n_aggs = 0;
	s->req.aggs = NULL;
	s->source = sc->source;
	s->n_show_sort = sc->n_user_sort;
	s->done = done;
	s->user = user;
	if (done == NULL)
		s->total_as_int = dp_rest_qs_bool(r, "rest_total_hits_as_int", false, &ok);
	if (!ok) {
		dp_sctx_done(sc);   /* answered: s is gone with the request */
		return;
	}
	s->shard_req = osp_arena_calloc(r->http->arena, (sc->n ? sc->n : 1) * sizeof(*s->shard_req));
	if (s->shard_req == NULL) {
		dp_search_ctx_end(s, true);
		search_fail(s, 500, "out_of_memory_error", "no memory for the request");
		return;
	}
	for (uint32_t k = 0; k < sc->n; k++) {
		s->shard_req[k] = s->req;
		s->shard_req[k].search_after = sc->shards[k].after;
		s->shard_req[k].n_search_after = sc->shards[k].after ? sc->shards[k].n_after : 0;
	}
	dp_search_exec_ctx(s);
}

static void
search_run(dp_rest_req_t *r, bool count_only)
{
	search_run_emit(r, count_only, NULL, NULL);
}

void
dp_search_run_emit(dp_rest_req_t *r, void (*emit)(void *user, uint16_t status, osp_buf_t *body),
		   void *user)
{
	search_run_emit(r, false, emit, user);
}

void
dp_search_scroll(dp_rest_req_t *r, dp_sctx_t *sc)
{
	search_scroll_page(r, sc, NULL, NULL);
}

int
dp_search_scroll_internal(dp_rest_req_t *r, dp_index_t **list, int n, const st_search_req_t *req,
			  bool fetch_source, char *id, dp_search_done_t done, void *user, osp_err_t *err)
{
	search_ctx_t *s;
	dp_sctx_t *sc;

	if (*id) {
		sc = dp_sctx_use(id, false, 0, err);
		if (sc == NULL)
			return -ENOENT;
		search_scroll_page(r, sc, done, user);
		return 0;
	}
	s = dp_search_new(r);
	if (s == NULL)
		return osp_err_set(err, 500, "out_of_memory_error", "no memory for the request");
	s->sc = dp_sctx_new(false, 0, 5 * 60 * 1000, err);
	if (s->sc == NULL)
		return -EBUSY;
	s->sc_first = true;
	s->req = *req;
	s->source.fetch = fetch_source;
	s->done = done;
	s->user = user;
	s->req.track_total_hits = ST_TRACK_TOTAL_ALL;
	s->sc->req = s->req;
	s->sc->source = s->source;
	snprintf(id, DP_SCTX_ID_MAX, "%s", s->sc->id);
	dp_search_exec(s, list, n);
	return 0;
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
