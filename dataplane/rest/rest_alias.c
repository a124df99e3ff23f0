/*
 * rest_alias.c - index aliases: POST /_aliases, PUT/DELETE
 * /{index}/_alias/{name}, GET/HEAD /_alias..., as Elasticsearch.
 *
 * Changes go to control (UPDATE_ALIASES with the _aliases actions, which it
 * validates and applies atomically); reads come from the local state.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "osprey/chan.h"
#include "../server/dp_ctl.h"
#include "../shard/dp_shards.h"
#include "dp_rest.h"

#define ALIAS_MAX_INDICES 4096

static void
alias_ctl_done(void *user, const osp_err_t *err, const char *payload, size_t len)
{
	dp_rest_req_t *r = user;

	(void)payload;
	(void)len;
	if (err)
		dp_rest_reply_err(r, err);
	else
		dp_rest_reply_ack(r, true);
}

static void
alias_send(dp_rest_req_t *r, osp_buf_t *actions_body)
{
	osp_buf_t msg;
	osp_jw_t w;

	osp_buf_init(&msg);
	osp_jw_init(&w, &msg, 0);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "body");
	osp_jw_raw(&w, actions_body->data, actions_body->len);
	osp_jw_obj_end(&w);
	dp_ctl_request(OSP_CHAN_UPDATE_ALIASES, msg.data, msg.len, alias_ctl_done, r);
	osp_buf_free(&msg);
}

/* POST /_aliases */
static void
rest_aliases_update(dp_rest_req_t *r)
{
	osp_json_t *body;
	osp_buf_t b;
	osp_jw_t w;

	if (!dp_rest_body_json(r, &body))
		return;
	if (body == NULL) {
		osp_err_t err;

		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: no actions specified;");
		dp_rest_reply_err(r, &err);
		return;
	}
	osp_buf_init(&b);
	osp_jw_init(&w, &b, 0);
	osp_jw_value(&w, body);
	alias_send(r, &b);
	osp_buf_free(&b);
}

/* PUT|POST /{index}/_alias/{name}, DELETE /{index}/_alias/{name} */
static void
alias_one(dp_rest_req_t *r, bool add)
{
	osp_json_t *body = NULL;
	osp_buf_t b;
	osp_jw_t w;

	if (add && !dp_rest_body_json(r, &body))
		return;
	osp_buf_init(&b);
	osp_jw_init(&w, &b, 0);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "actions");
	osp_jw_arr_begin(&w);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, add ? "add" : "remove");
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "index", dp_rest_param(r, "index"));
	osp_jw_kv_str(&w, "alias", dp_rest_param(r, "name"));
	if (osp_json_is(body, OSP_JSON_OBJECT)) {
		OSP_JSON_FOREACH(m, body) {
			osp_jw_keyn(&w, m->key, m->key_len);
			osp_jw_value(&w, m);
		}
	}
	if (!add)
		osp_jw_kv_bool(&w, "must_exist", true);
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	alias_send(r, &b);
	osp_buf_free(&b);
}

static void
rest_alias_put(dp_rest_req_t *r)
{
	alias_one(r, true);
}

static void
rest_alias_delete(dp_rest_req_t *r)
{
	alias_one(r, false);
}

/* Does alias name match one of the comma-separated patterns? */
static bool
alias_wanted(const char *patterns, const char *name, size_t len)
{
	char buf[1024], n[512];

	if (patterns == NULL || strcmp(patterns, "_all") == 0 || strcmp(patterns, "*") == 0)
		return true;
	snprintf(n, sizeof(n), "%.*s", (int)len, name);
	snprintf(buf, sizeof(buf), "%s", patterns);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (fnmatch(t, n, 0) == 0)
			return true;
	return false;
}

/* GET|HEAD /_alias[/{name}], /{index}/_alias[/{name}] */
static void
alias_get(dp_rest_req_t *r, bool head)
{
	static dp_index_t *list[ALIAS_MAX_INDICES];
	const char *names = dp_rest_param(r, "name");
	const char *expr = dp_rest_param(r, "index");
	osp_arena_t *a = r->http->arena;
	osp_err_t err;
	osp_buf_t out;
	osp_jw_t w;
	uint32_t found = 0;
	int n;

	n = dp_shards_resolve(expr, expr == NULL, true, list, ALIAS_MAX_INDICES, &err);
	if (n < 0) {
		if (head) {
			osp_buf_init(&out);
			dp_server_respond(r, 404, DP_MEDIA_JSON, &out);
		} else {
			dp_rest_reply_err(r, &err);
		}
		return;
	}
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	for (int i = 0; i < n; i++) {
		const osp_index_t *meta = list[i]->meta;
		osp_json_t *al = NULL;
		osp_json_error_t jerr;
		bool any = false;

		if (meta->aliases_len)
			osp_json_parse(a, meta->aliases, meta->aliases_len, NULL, &al, &jerr);
		OSP_JSON_FOREACH(m, al)
			any = any || alias_wanted(names, m->key, m->key_len);
		if (!any && names)
			continue;
		osp_jw_key(&w, meta->name);
		osp_jw_obj_begin(&w);
		osp_jw_key(&w, "aliases");
		osp_jw_obj_begin(&w);
		OSP_JSON_FOREACH(m, al) {
			if (!alias_wanted(names, m->key, m->key_len))
				continue;
			found++;
			osp_jw_keyn(&w, m->key, m->key_len);
			osp_jw_value(&w, m);
		}
		osp_jw_obj_end(&w);
		osp_jw_obj_end(&w);
	}
	osp_jw_obj_end(&w);
	if (head) {
		osp_buf_free(&out);
		osp_buf_init(&out);
		dp_server_respond(r, names && found == 0 ? 404 : 200, DP_MEDIA_JSON, &out);
		return;
	}
	if (names && found == 0 && !strchr(names, '*')) {
		osp_buf_free(&out);
		dp_rest_jw(r, &w, &out);
		osp_jw_obj_begin(&w);
		char msg[600];

		snprintf(msg, sizeof(msg), "alias [%s] missing", names);
		osp_jw_kv_str(&w, "error", msg);
		osp_jw_kv_int(&w, "status", 404);
		osp_jw_obj_end(&w);
		dp_rest_reply(r, 404, &out);
		return;
	}
	dp_rest_reply(r, 200, &out);
}

static void
rest_alias_get(dp_rest_req_t *r)
{
	alias_get(r, false);
}

static void
rest_alias_exists(dp_rest_req_t *r)
{
	alias_get(r, true);
}

void
rest_alias_routes(void)
{
	dp_rest_route(DP_HTTP_POST, "/_aliases", rest_aliases_update, 0);
	dp_rest_route(DP_HTTP_PUT, "/{index}/_alias/{name}", rest_alias_put, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_alias/{name}", rest_alias_put, 0);
	dp_rest_route(DP_HTTP_PUT, "/{index}/_aliases/{name}", rest_alias_put, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_aliases/{name}", rest_alias_put, 0);
	dp_rest_route(DP_HTTP_DELETE, "/{index}/_alias/{name}", rest_alias_delete, 0);
	dp_rest_route(DP_HTTP_DELETE, "/{index}/_aliases/{name}", rest_alias_delete, 0);
	dp_rest_route(DP_HTTP_GET, "/_alias", rest_alias_get, 0);
	dp_rest_route(DP_HTTP_GET, "/_alias/{name}", rest_alias_get, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_alias", rest_alias_get, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_alias/{name}", rest_alias_get, 0);
	dp_rest_route(DP_HTTP_HEAD, "/_alias/{name}", rest_alias_exists, 0);
	dp_rest_route(DP_HTTP_HEAD, "/{index}/_alias/{name}", rest_alias_exists, 0);
}
