/*
 * rest_scroll.c - the scroll and point-in-time endpoints: next scroll page,
 * clear scroll, open and close a point in time.
 *
 * The first scroll page is a _search with ?scroll= (rest_search.c creates
 * the context and pins the views in its query phase); later pages run
 * through dp_search_scroll over the context (dp_sctx.h). Opening a point in
 * time pins the current view of every shard of the target indices with one
 * view job per shard, and answers once all came back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_rest.h"
#include "dp_sctx.h"
#include "dp_search.h"

#define SCROLL_MAX_INDICES 4096
#define SCROLL_MAX_IDS 1024

static void
scroll_fail(dp_rest_req_t *r, uint16_t status, const char *type, const char *reason)
{
	osp_err_t err;

	osp_err_set(&err, status, type, "%s", reason);
	dp_rest_reply_err(r, &err);
}

/* POST/GET /_search/scroll: {"scroll_id":..,"scroll":..}, or parameters. */
static void
rest_scroll(dp_rest_req_t *r)
{
	const char *id = dp_rest_param(r, "scroll_id");
	const char *keep = dp_rest_qs(r, "scroll");
	osp_json_t *body;
	int64_t ka = 0;
	osp_err_t err;
	dp_sctx_t *sc;

	if (!dp_rest_body_json(r, &body))
		return;
	if (dp_rest_qs(r, "scroll_id"))
		id = dp_rest_qs(r, "scroll_id");
	if (body && !osp_json_is(body, OSP_JSON_OBJECT)) {
		scroll_fail(r, 400, "parsing_exception", "Expected [START_OBJECT] but found [START_ARRAY]");
		return;
	}
	OSP_JSON_FOREACH(m, body) {
		if (osp_json_key_eq(m, "scroll_id") && osp_json_is(m, OSP_JSON_STRING)) {
			id = m->u.str;
		} else if (osp_json_key_eq(m, "scroll") && osp_json_is(m, OSP_JSON_STRING)) {
			keep = m->u.str;
		} else {
			char reason[512];

			snprintf(reason, sizeof(reason),
				 "Unknown parameter [%s] in request body or parameter is of the wrong type[%s] ",
				 m->key, osp_json_is(m, OSP_JSON_OBJECT) ? "START_OBJECT" :
				 osp_json_is(m, OSP_JSON_ARRAY) ? "START_ARRAY" : "VALUE_STRING");
			scroll_fail(r, 400, "illegal_argument_exception", reason);
			return;
		}
	}
	if (id == NULL || *id == '\0') {
		scroll_fail(r, 400, "action_request_validation_exception",
			    "Validation Failed: 1: scrollId is missing;");
		return;
	}
	if (keep && dp_sctx_keep_alive(keep, "scroll", &ka, &err) != 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	sc = dp_sctx_use(id, false, ka, &err);
	if (sc == NULL) {
		dp_rest_reply_err(r, &err);
		return;
	}
	dp_search_scroll(r, sc);
}

static void
scroll_cleared(dp_rest_req_t *r, uint32_t freed)
{
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_bool(&w, "succeeded", true);
	osp_jw_kv_int(&w, "num_freed", freed);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, freed ? 200 : 404, &out);
}

/* Clear one id or a comma list of them ("_all" = every scroll). */
static uint32_t
scroll_clear_list(osp_arena_t *a, const char *ids, bool *bad)
{
	char *copy = osp_arena_strndup(a, ids, strlen(ids));
	uint32_t freed = 0;

	if (copy == NULL)
		return 0;
	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (strcmp(t, "_all") == 0)
			freed += dp_sctx_clear_all_scrolls();
		else if (dp_sctx_clear(t, false))
			freed++;
		else if (strlen(t) != 16)
			*bad = true;
	}
	return freed;
}

/* DELETE /_search/scroll[/{scroll_id}]: {"scroll_id": id | [ids]}. */
static void
rest_clear_scroll(dp_rest_req_t *r)
{
	osp_arena_t *a = r->http->arena;
	const char *path_ids = dp_rest_param(r, "scroll_id");
	osp_json_t *body;
	uint32_t freed = 0, given = 0;
	bool bad = false;

	if (!dp_rest_body_json(r, &body))
		return;
	if (path_ids) {
		freed += scroll_clear_list(a, path_ids, &bad);
		given++;
	}
	if (body && !osp_json_is(body, OSP_JSON_OBJECT)) {
		scroll_fail(r, 400, "parsing_exception", "Expected [START_OBJECT] but found [START_ARRAY]");
		return;
	}
	OSP_JSON_FOREACH(m, body) {
		if (!osp_json_key_eq(m, "scroll_id")) {
			char reason[512];

			snprintf(reason, sizeof(reason), "Unknown parameter [%s] in request body or parameter is of the wrong type[%s] ",
				 m->key, osp_json_is(m, OSP_JSON_OBJECT) ? "START_OBJECT" : "VALUE_STRING");
			scroll_fail(r, 400, "illegal_argument_exception", reason);
			return;
		}
		if (osp_json_is(m, OSP_JSON_STRING)) {
			freed += scroll_clear_list(a, m->u.str, &bad);
			given++;
			continue;
		}
		OSP_JSON_FOREACH(e, m) {
			if (!osp_json_is(e, OSP_JSON_STRING)) {
				scroll_fail(r, 400, "illegal_argument_exception",
					    "scroll_id array element should only contain scroll_id");
				return;
			}
			freed += scroll_clear_list(a, e->u.str, &bad);
			given++;
		}
	}
	if (given == 0) {
		scroll_fail(r, 400, "action_request_validation_exception",
			    "Validation Failed: 1: no scroll ids specified;");
		return;
	}
	if (bad && freed == 0) {
		scroll_fail(r, 400, "illegal_argument_exception", "Cannot parse scroll id");
		return;
	}
	scroll_cleared(r, freed);
}

/* An open-point-in-time request in flight (request arena). */
typedef struct pit_open {
	dp_rest_req_t *r;
	dp_sctx_t *sc;
	dp_job_view_t *jobs;
	uint32_t pending, failed;
} pit_open_t;

static void
pit_open_reply(pit_open_t *p)
{
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(p->r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "id", p->sc->id);
	dp_rest_write_shards(&w, p->sc->n, p->sc->n - p->failed, p->failed, true);
	osp_jw_obj_end(&w);
	dp_sctx_done(p->sc);
	dp_rest_reply(p->r, 200, &out);
}

static void
pit_pin_done(dp_job_t *job)
{
	dp_job_view_t *j = (dp_job_view_t *)job;
	pit_open_t *p = j->user;

	if (job->rc == 0)
		p->sc->shards[j->slot].view = j->view;
	else
		p->failed++;
	if (--p->pending == 0)
		pit_open_reply(p);
}

/* POST /{index}/_pit?keep_alive= */
static void
rest_open_pit(dp_rest_req_t *r)
{
	static dp_index_t *list[SCROLL_MAX_INDICES];
	osp_arena_t *a = r->http->arena;
	const char *keep = dp_rest_qs(r, "keep_alive");
	pit_open_t *p = osp_arena_calloc(a, sizeof(*p));
	uint32_t n = 0, k = 0;
	int64_t ka;
	osp_err_t err;
	bool ok = true;

	if (p == NULL)
		return;
	if (keep == NULL) {
		scroll_fail(r, 400, "action_request_validation_exception",
			    "Validation Failed: 1: [keep_alive] is not specified;");
		return;
	}
	if (dp_sctx_keep_alive(keep, "keep_alive", &ka, &err) != 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	bool iu = dp_rest_qs_bool(r, "ignore_unavailable", false, &ok);

	if (!ok)
		return;
	int ni = dp_shards_resolve(dp_rest_param(r, "index"), iu, true, list, SCROLL_MAX_INDICES, &err);

	if (ni < 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	for (int i = 0; i < ni; i++)
		n += list[i]->n_shards;
	p->r = r;
	p->sc = dp_sctx_new(true, n, ka, &err);
	if (p->sc == NULL) {
		dp_rest_reply_err(r, &err);
		return;
	}
	p->jobs = osp_arena_calloc(a, (n ? n : 1) * sizeof(*p->jobs));
	if (p->jobs == NULL) {
		dp_sctx_close(p->sc);
		dp_sctx_done(p->sc);
		scroll_fail(r, 500, "out_of_memory_error", "no memory for the request");
		return;
	}
	p->pending = 1;
	for (int i = 0; i < ni; i++) {
		for (uint32_t sh = 0; sh < list[i]->n_shards; sh++, k++) {
			dp_sctx_shard_t *c = &p->sc->shards[k];
			dp_job_view_t *j = &p->jobs[k];

			snprintf(c->index, sizeof(c->index), "%s", list[i]->name);
			snprintf(c->uuid, sizeof(c->uuid), "%s", list[i]->uuid);
			c->shard = sh;
			j->ref = dp_shards_ref(list[i], sh, &err);
			if (j->ref == NULL) {
				p->failed++;
				continue;
			}
			c->worker = j->ref->worker;
			j->user = p;
			j->slot = k;
			dp_job_prepare(&j->job, j->ref, dp_job_view_run, pit_pin_done);
			p->pending++;
			dp_core_submit(&j->job);
		}
	}
	if (--p->pending == 0)
		pit_open_reply(p);
}

/* DELETE /_pit {"id": ...} */
static void
rest_close_pit(dp_rest_req_t *r)
{
	osp_json_t *body;
	const osp_json_t *id;
	osp_buf_t out;
	osp_jw_t w;
	bool freed;

	if (!dp_rest_body_json(r, &body))
		return;
	id = osp_json_get(body, "id");
	if (!osp_json_is(id, OSP_JSON_STRING)) {
		scroll_fail(r, 400, "action_request_validation_exception",
			    "Validation Failed: 1: point in time id is not specified;");
		return;
	}
	freed = dp_sctx_clear(id->u.str, true);
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_bool(&w, "succeeded", true);
	osp_jw_kv_int(&w, "num_freed", freed ? 1 : 0);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, freed ? 200 : 404, &out);
}

void
rest_scroll_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_search/scroll", rest_scroll, 0);
	dp_rest_route(DP_HTTP_POST, "/_search/scroll", rest_scroll, 0);
	dp_rest_route(DP_HTTP_GET, "/_search/scroll/{scroll_id}", rest_scroll, 0);
	dp_rest_route(DP_HTTP_POST, "/_search/scroll/{scroll_id}", rest_scroll, 0);
	dp_rest_route(DP_HTTP_DELETE, "/_search/scroll", rest_clear_scroll, 0);
	dp_rest_route(DP_HTTP_DELETE, "/_search/scroll/{scroll_id}", rest_clear_scroll, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_pit", rest_open_pit, 0);
	dp_rest_route(DP_HTTP_DELETE, "/_pit", rest_close_pit, 0);
}
