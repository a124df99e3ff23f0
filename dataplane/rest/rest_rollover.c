/*
 * rest_rollover.c - POST /{target}/_rollover[/{new_index}] for aliases with
 * a write index and for data streams, with Elasticsearch's conditions
 * (max_age, max_docs, max_primary_shard_size, max_size) evaluated on the
 * current write index (docs and sizes from a stats fan-out).
 *
 * The steps run through control one after the other: create the new index
 * (templates applied; for a data stream the stream's custom is updated in
 * the same state, generation + 1), then one atomic alias update moves the
 * write alias (an alias without is_write_index moves entirely, as ES does).
 * Between the two a reader sees the new index without traffic; a crash
 * there leaves an empty index and the old write index in place.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "osprey/chan.h"
#include "osprey/settings.h"
#include "../server/dp_ctl.h"
#include "../shard/dp_shards.h"
#include "dp_dstream.h"
#include "dp_fanout.h"
#include "dp_indices_ext.h"
#include "dp_rest.h"
#include "dp_tmpl.h"

/* One rollover in flight (request arena). */
typedef struct rollover {
	dp_rest_req_t *r;
	const osp_json_t *body;
	const char *target, *old_index, *new_index;
	const osp_custom_t *ds;      /* data stream, or NULL for an alias */
	bool write_flag;             /* the alias has is_write_index: true */
	bool dry_run, rolled;
	osp_buf_t conds;             /* "conditions" members, JSON */
} rollover_t;

static int64_t
ro_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
ro_reply(rollover_t *ro)
{
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(ro->r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_bool(&w, "acknowledged", ro->rolled && !ro->dry_run);
	osp_jw_kv_bool(&w, "shards_acknowledged", ro->rolled && !ro->dry_run);
	osp_jw_kv_str(&w, "old_index", ro->old_index);
	osp_jw_kv_str(&w, "new_index", ro->new_index);
	osp_jw_kv_bool(&w, "rolled_over", ro->rolled && !ro->dry_run);
	osp_jw_kv_bool(&w, "dry_run", ro->dry_run);
	osp_jw_kv_bool(&w, "lazy", false);
	osp_jw_key(&w, "conditions");
	osp_jw_obj_begin(&w);
	if (ro->conds.len)
		osp_jw_raw(&w, ro->conds.data, ro->conds.len);
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	osp_buf_free(&ro->conds);
	dp_rest_reply(ro->r, 200, &out);
}

static void
ro_fail(rollover_t *ro, const osp_err_t *err)
{
	osp_buf_free(&ro->conds);
	dp_rest_reply_err(ro->r, err);
}

static void
ro_aliases_done(void *user, const osp_err_t *err, const char *payload, size_t len)
{
	rollover_t *ro = user;

	(void)payload;
	(void)len;
	if (err)
		ro_fail(ro, err);
	else
		ro_reply(ro);
}

/* Move the write alias (alias name = the data stream's name for a stream). */
static void
ro_created(void *user, const osp_err_t *err, const char *payload, size_t len)
{
	rollover_t *ro = user;
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;

	(void)payload;
	(void)len;
	if (err) {
		ro_fail(ro, err);
		return;
	}
	osp_jw_init(&w, &b, 0);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "body");
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "actions");
	osp_jw_arr_begin(&w);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "add");
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "index", ro->new_index);
	osp_jw_kv_str(&w, "alias", ro->target);
	if (ro->write_flag)
		osp_jw_kv_bool(&w, "is_write_index", true);
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, ro->write_flag ? "add" : "remove");
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "index", ro->old_index);
	osp_jw_kv_str(&w, "alias", ro->target);
	if (ro->write_flag)
		osp_jw_kv_bool(&w, "is_write_index", false);
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	dp_ctl_request(OSP_CHAN_UPDATE_ALIASES, b.data, b.len, ro_aliases_done, ro);
	osp_buf_free(&b);
}

/* The stream's custom with the new backing index appended. */
static void
ro_write_ds(osp_jw_t *w, rollover_t *ro, osp_arena_t *a)
{
	osp_json_t *b = dp_tmpl_parse(ro->ds, a);

	osp_jw_obj_begin(w);
	OSP_JSON_FOREACH(m, b) {
		osp_jw_keyn(w, m->key, m->key_len);
		if (osp_json_key_eq(m, "generation")) {
			osp_jw_int(w, (m->is_int ? m->i : 0) + 1);
		} else if (osp_json_key_eq(m, "indices")) {
			osp_jw_arr_begin(w);
			OSP_JSON_FOREACH(e, m)
				osp_jw_value(w, e);
			osp_jw_str(w, ro->new_index);
			osp_jw_arr_end(w);
		} else {
			osp_jw_value(w, m);
		}
	}
	osp_jw_obj_end(w);
}

static void
ro_create(rollover_t *ro)
{
	osp_arena_t *a = ro->r->http->arena;
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;
	osp_err_t err;

	osp_jw_init(&w, &b, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "index", ro->new_index);
	osp_jw_key(&w, "body");
	if (ro->ds) {
		dp_tmpl_resolved_t res;
		osp_json_t *v2 = NULL;

		if (dp_tmpl_find_v2(ro->target, NULL, a, &v2) == NULL ||
		    dp_tmpl_compose(v2, a, &res, &err) != 0) {
			osp_buf_free(&b);
			osp_err_illegal_argument(&err, "no matching index template found for data "
						 "stream [%s]", ro->target);
			ro_fail(ro, &err);
			return;
		}
		dp_dstream_write_backing_body(&w, &res, ro->target, a, false);
		osp_jw_key(&w, "customs");
		osp_jw_arr_begin(&w);
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "type", DP_DSTREAM_TYPE);
		osp_jw_kv_str(&w, "name", ro->target);
		osp_jw_key(&w, "body");
		ro_write_ds(&w, ro, a);
		osp_jw_obj_end(&w);
		osp_jw_arr_end(&w);
	} else {
		const osp_json_t *body = ro->body;
		osp_json_t *nb = osp_json_new_object(a);

		/* the request's settings/mappings/aliases; conditions stay here */
		OSP_JSON_FOREACH(m, body) {
			if (!osp_json_key_eq(m, "conditions"))
				osp_json_append(a, nb, m->key, m->key_len, osp_json_clone(a, m));
		}
		if (dp_tmpl_create_body(ro->new_index, nb, a, &w, NULL, &err) != 0) {
			osp_buf_free(&b);
			ro_fail(ro, &err);
			return;
		}
	}
	osp_jw_obj_end(&w);
	dp_ctl_request(OSP_CHAN_CREATE_INDEX, b.data, b.len, ro_created, ro);
	osp_buf_free(&b);
}

/* Evaluate the conditions against the write index; docs/size from stats
 * (NULL when no stats were needed). */
static void
ro_conditions(rollover_t *ro, const dp_fanout_t *f)
{
	const osp_json_t *conds = osp_json_get(ro->body, "conditions");
	const dp_index_t *src = dp_shards_index(ro->old_index);
	uint64_t docs = 0, size = 0, max_shard = 0;
	osp_jw_t w;
	bool any = false;

	for (uint32_t s = 0; f && s < f->n_slots; s++) {
		const st_shard_stats_t *st = &f->slots[s].job.stats;

		if (!f->slots[s].ran)
			continue;
		docs += st->docs_count;
		size += st->store_size_bytes;
		if (st->store_size_bytes > max_shard)
			max_shard = st->store_size_bytes;
	}
	osp_jw_init(&w, &ro->conds, 0);
	OSP_JSON_FOREACH(c, conds) {
		char key[128], val[64];
		int64_t lim = 0;
		bool met = false;

		if (osp_json_is(c, OSP_JSON_STRING))
			snprintf(val, sizeof(val), "%s", c->u.str);
		else if (osp_json_is(c, OSP_JSON_NUMBER))
			snprintf(val, sizeof(val), "%lld", (long long)c->i);
		else
			continue;
		if (osp_json_key_eq(c, "max_age") && osp_parse_time_ms(val, &lim) == 0)
			met = src && ro_now_ms() - src->meta->creation_date >= lim;
		else if ((osp_json_key_eq(c, "max_docs") || osp_json_key_eq(c, "max_primary_shard_docs")))
			met = (int64_t)docs >= (osp_json_is(c, OSP_JSON_NUMBER) ? c->i : 0);
		else if (osp_json_key_eq(c, "max_size") && osp_parse_bytes(val, &lim) == 0)
			met = (int64_t)size >= lim;
		else if (osp_json_key_eq(c, "max_primary_shard_size") && osp_parse_bytes(val, &lim) == 0)
			met = (int64_t)max_shard >= lim;
		else
			continue;
		snprintf(key, sizeof(key), "[%.*s: %s]", (int)c->key_len, c->key, val);
		osp_jw_kv_bool(&w, key, met);
		any |= met;
	}
	ro->rolled = conds == NULL || conds->len == 0 || any;
	if (!ro->rolled || ro->dry_run) {
		ro_reply(ro);
		return;
	}
	ro_create(ro);
}

static void
ro_stats_done(dp_fanout_t *f)
{
	ro_conditions(f->user, f);
}

/* "prefix-000007" -> "prefix-000008"; NULL when the name has no -N suffix. */
static const char *
ro_next_name(osp_arena_t *a, const char *old)
{
	const char *dash = strrchr(old, '-');
	char buf[OSP_INDEX_NAME_MAX + 16];
	long long n;
	char *end;

	if (dash == NULL || dash[1] == '\0')
		return NULL;
	n = strtoll(dash + 1, &end, 10);
	if (*end != '\0' || n < 0)
		return NULL;
	snprintf(buf, sizeof(buf), "%.*s-%06lld", (int)(dash - old), old, n + 1);
	return osp_arena_strndup(a, buf, strlen(buf));
}

/* True when meta's alias name has "is_write_index": true. */
static bool
ro_alias_is_writer(osp_arena_t *a, const osp_index_t *meta, const char *name)
{
	osp_json_t *root = NULL;
	osp_json_error_t jerr;
	const osp_json_t *wv;

	if (meta->aliases == NULL ||
	    osp_json_parse(a, meta->aliases, meta->aliases_len, NULL, &root, &jerr) != 0)
		return false;
	wv = osp_json_get(osp_json_get(root, name), "is_write_index");
	return osp_json_is(wv, OSP_JSON_BOOL) && wv->boolean;
}

static void
rest_rollover(dp_rest_req_t *r)
{
	osp_arena_t *a = r->http->arena;
	rollover_t *ro = osp_arena_calloc(a, sizeof(*ro));
	osp_json_t *body = NULL;
	osp_err_t err;
	bool ok = true;

	if (ro == NULL || !dp_rest_body_json(r, &body))
		return;
	ro->r = r;
	ro->body = body;
	ro->target = dp_rest_param(r, "alias");
	ro->dry_run = dp_rest_qs_bool(r, "dry_run", false, &ok);
	if (!ok)
		return;
	ro->ds = dp_dstream_get(ro->target);
	if (ro->ds) {
		osp_json_t *b = dp_tmpl_parse(ro->ds, a);
		const osp_json_t *ix = osp_json_get(b, "indices"), *g = osp_json_get(b, "generation");
		char name[OSP_INDEX_NAME_MAX + 1];

		ro->old_index = ix && ix->last && osp_json_is(ix->last, OSP_JSON_STRING) ?
				ix->last->u.str : "";
		dp_dstream_backing_name(name, sizeof(name), ro->target,
					(osp_json_is(g, OSP_JSON_NUMBER) ? g->i : 1) + 1, ro_now_ms());
		ro->new_index = osp_arena_strndup(a, name, strlen(name));
		ro->write_flag = true;
	} else {
		dp_index_t *wi;

		if (!dp_shards_is_alias(ro->target)) {
			osp_err_illegal_argument(&err, dp_shards_index(ro->target) ?
				"rollover target is a [concrete index] but one of [alias,data_stream] was "
				"expected" : "rollover target [%s] does not exist", ro->target);
			goto fail;
		}
		wi = dp_shards_write_index(ro->target, true, &err);
		if (wi == NULL) {
			osp_err_illegal_argument(&err, "rollover target [%s] does not point to a write "
						 "index", ro->target);
			goto fail;
		}
		ro->old_index = wi->name;
		ro->write_flag = ro_alias_is_writer(a, wi->meta, ro->target);
		ro->new_index = dp_rest_param(r, "new_index");
		if (ro->new_index == NULL)
			ro->new_index = ro_next_name(a, ro->old_index);
		if (ro->new_index == NULL) {
			osp_err_illegal_argument(&err, "index name [%s] does not match pattern "
						 "'^.*-\\d+$'", ro->old_index);
			goto fail;
		}
	}
	if (osp_json_get(body, "conditions") && osp_json_get(body, "conditions")->len &&
	    dp_shards_index(ro->old_index)) {
		dp_fanout_start(r, ro->old_index, DP_ADMIN_STATS, ro_stats_done, ro);
		return;
	}
	ro_conditions(ro, NULL);
	return;
fail:
	dp_rest_reply_err(r, &err);
}

void
rest_rollover_routes(void)
{
	dp_rest_route(DP_HTTP_POST, "/{alias}/_rollover", rest_rollover, 0);
	dp_rest_route(DP_HTTP_POST, "/{alias}/_rollover/{new_index}", rest_rollover, 0);
}
