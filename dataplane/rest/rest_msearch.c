/*
 * rest_msearch.c - _msearch: many searches in one NDJSON request.
 *
 * The body is pairs of lines, a header ({"index":..,"routing":..}, may be
 * {}) and a search body, parsed up front: a malformed line fails the whole
 * request as Elasticsearch does, a bad search body fails only its item.
 * Items run through the _search path (dp_search_prepare / dp_search_exec)
 * with their answers diverted to msearch_item_done, at most
 * max_concurrent_searches at a time; each answer is kept (request arena)
 * and gets a "status" member, and "responses" lists them in request order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../http/dp_rest_pretty.h"
#include "dp_search_int.h"

#define MSEARCH_DEFAULT_CONCURRENCY 8

typedef struct msearch msearch_t;

/* One item: its parsed header and body, then its answer. */
typedef struct msearch_item {
	msearch_t *m;
	osp_json_t *body;
	const char *index;
	const char *routing;
	const char *preference;
	bool ignore_unavailable, allow_no_indices;
	uint16_t status;
	osp_buf_t out;
	bool done;
} msearch_item_t;

struct msearch {
	dp_rest_req_t *r;
	msearch_item_t *items;
	uint32_t n, next, running, finished;
	uint32_t max_concurrent;
	bool total_as_int;
	bool starting;               /* inside msearch_start_more */
	uint64_t start_ns;
};

static void msearch_start_more(msearch_t *m);

static void
msearch_reply(msearch_t *m)
{
	osp_buf_t out;
	osp_jw_t w;

	osp_buf_init(&out);
	osp_jw_init(&w, &out, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_int(&w, "took", (int64_t)((dp_now_ns() - m->start_ns) / 1000000));
	osp_jw_key(&w, "responses");
	osp_jw_arr_begin(&w);
	for (uint32_t i = 0; i < m->n; i++) {
		msearch_item_t *it = &m->items[i];
		size_t len = it->out.len;

		/* {...} + ,"status":N}; an error body carries its status already */
		while (len && it->out.data[len - 1] != '}')
			len--;
		if (it->status != 200 && len) {
			osp_jw_raw(&w, it->out.data, len);
			osp_buf_free(&it->out);
			continue;
		}
		if (len == 0) {
			osp_jw_obj_begin(&w);
			osp_jw_kv_int(&w, "status", it->status);
			osp_jw_obj_end(&w);
			osp_buf_free(&it->out);
			continue;
		}
		char tail[32];
		int tl = snprintf(tail, sizeof(tail), "%s\"status\":%u}", len > 2 ? "," : "", it->status);

		osp_buf_t item;

		osp_buf_init(&item);
		osp_buf_append(&item, it->out.data, len - 1);
		osp_buf_append(&item, tail, (size_t)tl);
		osp_jw_raw(&w, item.data, item.len);
		osp_buf_free(&item);
		osp_buf_free(&it->out);
	}
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	if (m->r->http->pretty && m->r->http->filter_path == NULL)
		dp_rest_pretty_inplace(&out);
	dp_rest_reply(m->r, 200, &out);
}

static void
msearch_item_done(void *user, uint16_t status, osp_buf_t *body)
{
	msearch_item_t *it = user;
	msearch_t *m = it->m;

	it->status = status;
	it->out = *body;
	osp_buf_init(body);
	it->done = true;
	m->running--;
	m->finished++;
	if (m->starting)
		return;
	if (m->finished == m->n)
		msearch_reply(m);
	else
		msearch_start_more(m);
}

static void
msearch_start(msearch_t *m, msearch_item_t *it)
{
	static dp_index_t *list[SEARCH_MAX_INDICES];
	search_ctx_t *s = dp_search_new(m->r);
	int n = 0;

	m->running++;
	if (s == NULL) {
		osp_buf_t none;

		osp_buf_init(&none);
		msearch_item_done(it, 500, &none);
		return;
	}
	s->emit = msearch_item_done;
	s->emit_user = it;
	s->no_uri = true;
	s->index_expr = it->index;
	s->ignore_unavailable = it->ignore_unavailable;
	s->allow_no_indices = it->allow_no_indices;
	s->total_as_int = m->total_as_int;
	s->routing = it->routing;
	if (it->preference && strncmp(it->preference, "_shards:", 8) == 0)
		s->pref_shards = it->preference + 8;
	if (!dp_search_prepare(s, it->body, list, &n))
		return;
	if (s->sc)
		dp_search_exec_ctx(s);
	else
		dp_search_exec(s, list, n);
}

static void
msearch_start_more(msearch_t *m)
{
	m->starting = true;
	while (m->next < m->n && m->running < m->max_concurrent)
		msearch_start(m, &m->items[m->next++]);
	m->starting = false;
	if (m->finished == m->n)
		msearch_reply(m);
}

/* A header's index value: a string or an array of strings, joined. */
static const char *
msearch_index(osp_arena_t *a, const osp_json_t *v)
{
	size_t len = 0;
	char *out;

	if (osp_json_is(v, OSP_JSON_STRING))
		return v->u.str;
	if (!osp_json_is(v, OSP_JSON_ARRAY))
		return NULL;
	OSP_JSON_FOREACH(e, v)
		len += (osp_json_is(e, OSP_JSON_STRING) ? e->len : 0) + 1;
	out = osp_arena_calloc(a, len + 1);
	if (out == NULL)
		return NULL;
	OSP_JSON_FOREACH(e, v) {
		if (!osp_json_is(e, OSP_JSON_STRING))
			continue;
		if (*out)
			strcat(out, ",");
		strcat(out, e->u.str);
	}
	return out;
}

/* Fill it from a header line; false with err on an unknown key. */
static bool
msearch_header(osp_arena_t *a, const osp_json_t *h, msearch_item_t *it, osp_err_t *err)
{
	OSP_JSON_FOREACH(k, h) {
		const char *sv = osp_json_is(k, OSP_JSON_STRING) ? k->u.str : NULL;
		bool bv = osp_json_is(k, OSP_JSON_BOOL) ? k->boolean : (sv && strcmp(sv, "true") == 0);

		if (osp_json_key_eq(k, "index") || osp_json_key_eq(k, "indices")) {
			it->index = msearch_index(a, k);
		} else if (osp_json_key_eq(k, "routing")) {
			it->routing = sv;
		} else if (osp_json_key_eq(k, "preference")) {
			it->preference = sv;
		} else if (osp_json_key_eq(k, "ignore_unavailable")) {
			it->ignore_unavailable = bv;
		} else if (osp_json_key_eq(k, "allow_no_indices")) {
			it->allow_no_indices = bv;
		} else if (osp_json_key_eq(k, "search_type") || osp_json_key_eq(k, "request_cache") ||
			   osp_json_key_eq(k, "expand_wildcards") || osp_json_key_eq(k, "ccs_minimize_roundtrips") ||
			   osp_json_key_eq(k, "allow_partial_search_results") || osp_json_key_eq(k, "type")) {
			continue;
		} else {
			osp_err_set(err, 400, "illegal_argument_exception",
				    "key [%s] is not supported in the metadata section", k->key);
			return false;
		}
	}
	return true;
}

/* Split the NDJSON body into items. */
static int
msearch_parse(msearch_t *m, const char *def_index, osp_err_t *err)
{
	dp_rest_req_t *r = m->r;
	osp_arena_t *a = r->http->arena;
	const char *p = r->http->body, *end = p + r->http->body_len;
	uint32_t cap = 16, line = 0;
	osp_json_t *header = NULL;

	m->items = osp_arena_calloc(a, cap * sizeof(*m->items));
	if (m->items == NULL)
		return -ENOMEM;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		osp_json_t *v = NULL;
		osp_json_error_t jerr;
		const char *q = p;

		while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q == le && header == NULL && line % 2 == 0 && nl == NULL)
			break;   /* trailing blank */
		if (q < le && osp_json_parse(a, p, (size_t)(le - p), NULL, &v, &jerr) != 0) {
			osp_err_set(err, 400, "x_content_parse_exception", "[%u:%u] %s", 1, jerr.column, jerr.msg);
			return -EINVAL;
		}
		if (line % 2 == 0) {
			header = v ? v : osp_json_new_object(a);
			if (!osp_json_is(header, OSP_JSON_OBJECT)) {
				osp_err_set(err, 400, "illegal_argument_exception",
					    "Malformed action/metadata line [%u], expected START_OBJECT", line + 1);
				return -EINVAL;
			}
		} else {
			msearch_item_t *it;

			if (m->n == cap) {
				msearch_item_t *grown = osp_arena_calloc(a, 2 * cap * sizeof(*grown));

				if (grown == NULL)
					return -ENOMEM;
				memcpy(grown, m->items, cap * sizeof(*grown));
				m->items = grown;
				cap *= 2;
			}
			it = &m->items[m->n++];
			it->m = m;
			it->index = def_index;
			it->allow_no_indices = true;
			it->body = v;
			osp_buf_init(&it->out);
			if (!msearch_header(a, header, it, err))
				return -EINVAL;
			header = NULL;
		}
		line++;
		p = nl ? nl + 1 : end;
	}
	if (header != NULL) {
		osp_err_set(err, 400, "illegal_argument_exception",
			    "The msearch request must be terminated by a newline [\\n]");
		return -EINVAL;
	}
	if (m->n == 0) {
		osp_err_set(err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: no requests added;");
		return -EINVAL;
	}
	return 0;
}

static void
rest_msearch(dp_rest_req_t *r)
{
	msearch_t *m = osp_arena_calloc(r->http->arena, sizeof(*m));
	osp_err_t err;
	bool ok = true;

	if (m == NULL)
		return;
	m->r = r;
	m->start_ns = dp_now_ns();
	int64_t mc = dp_rest_qs_int(r, "max_concurrent_searches", MSEARCH_DEFAULT_CONCURRENCY, &ok);

	if (!ok)
		return;
	if (mc < 1) {
		osp_err_set(&err, 400, "illegal_argument_exception",
			    "maxConcurrentSearchRequests must be positive");
		dp_rest_reply_err(r, &err);
		return;
	}
	m->max_concurrent = mc > 1024 ? 1024 : (uint32_t)mc;
	m->total_as_int = dp_rest_qs_bool(r, "rest_total_hits_as_int", false, &ok);
	if (!ok)
		return;
	if (!r->http->has_body || r->http->body_len == 0) {
		osp_err_set(&err, 400, "parse_exception", "request body or source parameter is required");
		dp_rest_reply_err(r, &err);
		return;
	}
	if (msearch_parse(m, dp_rest_param(r, "index"), &err) != 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	msearch_start_more(m);
}

void
rest_msearch_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_msearch", rest_msearch, 0);
	dp_rest_route(DP_HTTP_POST, "/_msearch", rest_msearch, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_msearch", rest_msearch, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_msearch", rest_msearch, 0);
}
