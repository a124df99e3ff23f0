/*
 * rest_indices.c - index APIs: create (with index templates applied),
 * delete, get, exists, _mapping, _settings, _open, _close.
 *
 * Changes go to control (the master), which validates them with
 * Elasticsearch's rules and answers once this dataplane has applied the new
 * state; reads are served from the dataplane's copy of the state, so they
 * keep working while control restarts.
 */
#include <stdio.h>
#include <string.h>

#include "osprey/chan.h"
#include "osprey/cluster.h"
#include "../server/dp_ctl.h"
#include "../shard/dp_shards.h"
#include "dp_rest.h"
#include "dp_tmpl.h"

#define INDICES_MAX 4096

/* Reply to a request that control handled: its JSON minus private fields. */
static void
indices_ctl_done(void *user, const osp_err_t *err, const char *payload, size_t len)
{
	dp_rest_req_t *r = user;
	osp_json_t *root = NULL;
	osp_json_error_t jerr;
	osp_buf_t out;
	osp_jw_t w;

	if (err) {
		dp_rest_reply_err(r, err);
		return;
	}
	if (osp_json_parse(r->http->arena, payload, len, NULL, &root, &jerr) != 0 ||
	    !osp_json_is(root, OSP_JSON_OBJECT)) {
		osp_err_t e;

		osp_err_set(&e, 500, "illegal_state_exception", "malformed reply from control");
		dp_rest_reply_err(r, &e);
		return;
	}
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	OSP_JSON_FOREACH(m, root) {
		if (osp_json_key_eq(m, "state_version") || osp_json_key_eq(m, "mapping_version"))
			continue;
		osp_jw_keyn(&w, m->key, m->key_len);
		osp_jw_value(&w, m);
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* Send {"index":...,<extra>,"body":<request body>} to control. */
static void
indices_forward(dp_rest_req_t *r, uint16_t type, const char *index, bool with_body)
{
	osp_json_t *body = NULL;
	osp_buf_t msg;
	osp_jw_t w;

	if (with_body && !dp_rest_body_json(r, &body))
		return;
	osp_buf_init(&msg);
	osp_jw_init(&w, &msg, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "index", index ? index : "_all");
	if (with_body) {
		osp_jw_key(&w, "body");
		if (body)
			osp_jw_value(&w, body);
		else
			osp_jw_raw(&w, "{}", 2);
	}
	const char *iu = dp_rest_qs(r, "ignore_unavailable");
	const char *an = dp_rest_qs(r, "allow_no_indices");

	if (iu)
		osp_jw_kv_bool(&w, "ignore_unavailable", strcmp(iu, "false") != 0);
	if (an)
		osp_jw_kv_bool(&w, "allow_no_indices", strcmp(an, "false") != 0);
	osp_jw_obj_end(&w);
	if (osp_buf_failed(&msg)) {
		osp_err_t e;

		osp_buf_free(&msg);
		osp_err_set(&e, 500, "out_of_memory_error", "cannot build the request");
		dp_rest_reply_err(r, &e);
		return;
	}
	dp_ctl_request(type, msg.data, msg.len, indices_ctl_done, r);
	osp_buf_free(&msg);
}

/* PUT /{index}: the matching templates merged under the request body
 * (dp_tmpl_create_body), so control validates one plain create body. */
static void
rest_index_create(dp_rest_req_t *r)
{
	const char *index = dp_rest_param(r, "index");
	osp_json_t *body = NULL;
	const osp_custom_t *t;
	osp_buf_t msg = OSP_BUF_INIT;
	osp_jw_t w;
	osp_err_t err;
	bool ds = false;

	if (!dp_rest_body_json(r, &body))
		return;
	t = dp_tmpl_find_v2(index, NULL, r->http->arena, NULL);
	osp_jw_init(&w, &msg, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "index", index);
	osp_jw_key(&w, "body");
	if (dp_tmpl_create_body(index, body, r->http->arena, &w, &ds, &err) != 0)
		goto fail;
	if (ds) {
		osp_err_illegal_argument(&err, "cannot create index with name [%s], because it matches "
					 "with template [%s] that creates data streams only, use create "
					 "data stream api instead", index, t ? t->name : "");
		goto fail;
	}
	osp_jw_obj_end(&w);
	if (osp_buf_failed(&msg)) {
		osp_err_set(&err, 500, "out_of_memory_error", "cannot build the request");
		goto fail;
	}
	dp_ctl_request(OSP_CHAN_CREATE_INDEX, msg.data, msg.len, indices_ctl_done, r);
	osp_buf_free(&msg);
	return;
fail:
	osp_buf_free(&msg);
	dp_rest_reply_err(r, &err);
}

static void
rest_index_delete(dp_rest_req_t *r)
{
	indices_forward(r, OSP_CHAN_DELETE_INDEX, dp_rest_param(r, "index"), false);
}

static void
rest_index_open(dp_rest_req_t *r)
{
	indices_forward(r, OSP_CHAN_OPEN_INDEX, dp_rest_param(r, "index"), false);
}

static void
rest_index_close(dp_rest_req_t *r)
{
	indices_forward(r, OSP_CHAN_CLOSE_INDEX, dp_rest_param(r, "index"), false);
}

static void
rest_mapping_put(dp_rest_req_t *r)
{
	indices_forward(r, OSP_CHAN_PUT_MAPPING, dp_rest_param(r, "index"), true);
}

static void
rest_settings_put(dp_rest_req_t *r)
{
	indices_forward(r, OSP_CHAN_UPDATE_SETTINGS, dp_rest_param(r, "index"), true);
}

/* Resolve the {index} parameter for reads; replies with the error itself. */
static int
indices_resolve(dp_rest_req_t *r, dp_index_t **out, uint32_t max)
{
	osp_err_t err;
	bool ok = true;
	bool iu = dp_rest_qs_bool(r, "ignore_unavailable", false, &ok);

	if (!ok)
		return -1;
	bool an = dp_rest_qs_bool(r, "allow_no_indices", true, &ok);

	if (!ok)
		return -1;
	int n = dp_shards_resolve(dp_rest_param(r, "index"), iu, an, out, max, &err);

	if (n < 0)
		dp_rest_reply_err(r, &err);
	return n;
}

static void
indices_write_mappings(osp_jw_t *w, const osp_index_t *meta)
{
	osp_jw_key(w, "mappings");
	if (meta->mappings_len)
		osp_jw_raw(w, meta->mappings, meta->mappings_len);
	else
		osp_jw_raw(w, "{}", 2);
}

/* GET /{index}, /{index}/_mapping, /{index}/_settings share this. */
enum indices_part { PART_ALL, PART_MAPPING, PART_SETTINGS };

static void
indices_get(dp_rest_req_t *r, enum indices_part part)
{
	static dp_index_t *list[INDICES_MAX];
	bool ok = true, flat = dp_rest_qs_bool(r, "flat_settings", false, &ok);
	int n;
	osp_buf_t out;
	osp_jw_t w;

	if (!ok)
		return;
	n = indices_resolve(r, list, INDICES_MAX);
	if (n < 0)
		return;
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	for (int i = 0; i < n; i++) {
		const osp_index_t *meta = list[i]->meta;

		osp_jw_key(&w, meta->name);
		osp_jw_obj_begin(&w);
		if (part == PART_ALL) {
			osp_jw_key(&w, "aliases");
			if (meta->aliases_len)
				osp_jw_raw(&w, meta->aliases, meta->aliases_len);
			else
				osp_jw_raw(&w, "{}", 2);
		}
		if (part != PART_SETTINGS)
			indices_write_mappings(&w, meta);
		if (part != PART_MAPPING) {
			osp_jw_key(&w, "settings");
			osp_index_write_settings(meta, &w, flat);
		}
		osp_jw_obj_end(&w);
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

static void
rest_index_get(dp_rest_req_t *r)
{
	indices_get(r, PART_ALL);
}

static void
rest_mapping_get(dp_rest_req_t *r)
{
	indices_get(r, PART_MAPPING);
}

static void
rest_settings_get(dp_rest_req_t *r)
{
	indices_get(r, PART_SETTINGS);
}

/* HEAD /{index}: 200 when every named index exists, else 404; no body. */
static void
rest_index_exists(dp_rest_req_t *r)
{
	static dp_index_t *list[INDICES_MAX];
	osp_err_t err;
	osp_buf_t out;
	bool ok = true;
	bool iu = dp_rest_qs_bool(r, "ignore_unavailable", false, &ok);

	if (!ok)
		return;
	int n = dp_shards_resolve(dp_rest_param(r, "index"), iu, true, list, INDICES_MAX, &err);

	osp_buf_init(&out);
	dp_server_respond(r, n > 0 || (n == 0 && iu) ? 200 : 404, DP_MEDIA_JSON, &out);
}

void
rest_indices_routes(void)
{
	dp_rest_route(DP_HTTP_PUT, "/{index}", rest_index_create, 0);
	dp_rest_route(DP_HTTP_DELETE, "/{index}", rest_index_delete, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}", rest_index_get, 0);
	dp_rest_route(DP_HTTP_HEAD, "/{index}", rest_index_exists, 0);
	dp_rest_route(DP_HTTP_GET, "/_mapping", rest_mapping_get, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_mapping", rest_mapping_get, 0);
	dp_rest_route(DP_HTTP_PUT, "/{index}/_mapping", rest_mapping_put, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_mapping", rest_mapping_put, 0);
	dp_rest_route(DP_HTTP_GET, "/_settings", rest_settings_get, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_settings", rest_settings_get, 0);
	dp_rest_route(DP_HTTP_PUT, "/_settings", rest_settings_put, 0);
	dp_rest_route(DP_HTTP_PUT, "/{index}/_settings", rest_settings_put, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_open", rest_index_open, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_close", rest_index_close, 0);
}
