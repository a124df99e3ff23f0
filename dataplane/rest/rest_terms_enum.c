/*
 * rest_terms_enum.c - GET/POST /{index}/_terms_enum: the terms of a field
 * that start with a prefix, for auto-complete.
 *
 * One job per local shard asks its worker for up to size matching terms
 * (st_shard_terms_enum); the network core merges them in byte order, drops
 * duplicates and keeps size. "complete" is true when every shard answered
 * (Elasticsearch reports false only on a timeout or a shard failure).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../shard/dp_shard_jobs.h"
#include "dp_rest.h"

#define TE_MAX_INDICES 4096
#define TE_DEFAULT_SIZE 10

typedef struct te_ctx {
	dp_rest_req_t *r;
	dp_job_terms_t *jobs;
	uint32_t n, pending, failed;
	uint32_t size;
} te_ctx_t;

static int
te_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static void
te_reply(te_ctx_t *t)
{
	osp_arena_t *a = t->r->http->arena;
	uint32_t total = 0, n = 0;
	const char **all;
	osp_buf_t out;
	osp_jw_t w;

	for (uint32_t i = 0; i < t->n; i++)
		total += t->jobs[i].job.rc == 0 ? t->jobs[i].n : 0;
	all = osp_arena_alloc(a, (total + 1) * sizeof(*all));
	for (uint32_t i = 0; all && i < t->n; i++)
		for (uint32_t k = 0; t->jobs[i].job.rc == 0 && k < t->jobs[i].n; k++)
			all[n++] = t->jobs[i].terms[k];
	if (all)
		qsort(all, n, sizeof(*all), te_cmp);
	dp_rest_jw(t->r, &w, &out);
	osp_jw_obj_begin(&w);
	dp_rest_write_shards(&w, t->n, t->n - t->failed, t->failed, false);
	osp_jw_key(&w, "terms");
	osp_jw_arr_begin(&w);
	for (uint32_t i = 0, shown = 0; i < n && shown < t->size; i++) {
		if (i && strcmp(all[i], all[i - 1]) == 0)
			continue;
		osp_jw_str(&w, all[i]);
		shown++;
	}
	osp_jw_arr_end(&w);
	osp_jw_kv_bool(&w, "complete", t->failed == 0);
	osp_jw_obj_end(&w);
	for (uint32_t i = 0; i < t->n; i++)
		osp_arena_free(&t->jobs[i].arena);
	dp_rest_reply(t->r, 200, &out);
}

static void
te_done(dp_job_t *job)
{
	te_ctx_t *t = ((dp_job_terms_t *)job)->user;

	if (job->rc != 0)
		t->failed++;
	if (--t->pending == 0)
		te_reply(t);
}

static bool
te_str(dp_rest_req_t *r, const osp_json_t *m, const char **out)
{
	osp_err_t err;

	if (osp_json_is(m, OSP_JSON_STRING)) {
		*out = m->u.str;
		return true;
	}
	osp_err_set(&err, 400, "x_content_parse_exception", "[terms_enum] %s doesn't support values of type: %s",
		    m->key, osp_json_is(m, OSP_JSON_NUMBER) ? "VALUE_NUMBER" : "START_OBJECT");
	dp_rest_reply_err(r, &err);
	return false;
}

static void
rest_terms_enum(dp_rest_req_t *r)
{
	static dp_index_t *list[TE_MAX_INDICES];
	osp_arena_t *a = r->http->arena;
	te_ctx_t *t = osp_arena_calloc(a, sizeof(*t));
	const char *field = NULL, *prefix = "", *after = NULL;
	bool ci = false;
	osp_json_t *body;
	osp_err_t err;
	int n;

	if (t == NULL || !dp_rest_body_json(r, &body))
		return;
	t->r = r;
	t->size = TE_DEFAULT_SIZE;
	OSP_JSON_FOREACH(m, body) {
		if (osp_json_key_eq(m, "field")) {
			if (!te_str(r, m, &field))
				return;
		} else if (osp_json_key_eq(m, "string")) {
			if (!te_str(r, m, &prefix))
				return;
		} else if (osp_json_key_eq(m, "search_after")) {
			if (!te_str(r, m, &after))
				return;
		} else if (osp_json_key_eq(m, "size") && m->is_int && m->i >= 0) {
			t->size = (uint32_t)(m->i > 10000 ? 10000 : m->i);
		} else if (osp_json_key_eq(m, "case_insensitive") && osp_json_is(m, OSP_JSON_BOOL)) {
			ci = m->boolean;
		} else if (!osp_json_key_eq(m, "timeout") && !osp_json_key_eq(m, "index_filter")) {
			osp_err_set(&err, 400, "x_content_parse_exception", "[terms_enum] unknown field [%s]", m->key);
			dp_rest_reply_err(r, &err);
			return;
		}
	}
	if (field == NULL) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: field cannot be null;");
		dp_rest_reply_err(r, &err);
		return;
	}
	n = dp_shards_resolve(dp_rest_param(r, "index"), false, true, list, TE_MAX_INDICES, &err);
	if (n < 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	for (int i = 0; i < n; i++)
		t->n += list[i]->n_shards;
	t->jobs = osp_arena_calloc(a, (t->n ? t->n : 1) * sizeof(*t->jobs));
	if (t->jobs == NULL)
		return;
	t->pending = 1;
	for (int i = 0, k = 0; i < n; i++) {
		for (uint32_t s = 0; s < list[i]->n_shards; s++, k++) {
			dp_job_terms_t *j = &t->jobs[k];

			j->ref = dp_shards_ref(list[i], s, &err);
			if (j->ref == NULL) {
				j->job.rc = -ENODEV;
				t->failed++;
				continue;
			}
			j->field = field;
			j->prefix = prefix;
			j->prefix_len = strlen(prefix);
			j->after = after;
			j->case_insensitive = ci;
			j->size = t->size;
			j->user = t;
			osp_arena_init(&j->arena, 4096, 0);
			dp_job_prepare(&j->job, j->ref, dp_job_terms_run, te_done);
			t->pending++;
			dp_core_submit(&j->job);
		}
	}
	if (--t->pending == 0)
		te_reply(t);
}

void
rest_terms_enum_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/{index}/_terms_enum", rest_terms_enum, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_terms_enum", rest_terms_enum, 0);
}
