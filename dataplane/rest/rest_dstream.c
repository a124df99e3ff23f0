/*
 * rest_dstream.c - data streams: PUT/GET/DELETE /_data_stream/{name},
 * /_data_stream/_stats, and the creation used by document writes
 * (dp_dstream.h). Creation resolves the composable template, builds the
 * first backing index's body (template settings plus index.hidden, the
 * template's mappings with @timestamp as a date, the stream's alias as write
 * alias) and sends one CREATE_INDEX that carries the "data_stream" custom,
 * so the stream and its index appear in the same state.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../shard/dp_shards.h"
#include "dp_customs.h"
#include "dp_dstream.h"
#include "dp_fanout.h"
#include "dp_tmpl.h"

const osp_custom_t *
dp_dstream_get(const char *name)
{
	return dp_ctl_custom(DP_DSTREAM_TYPE, name);
}

const osp_custom_t *
dp_dstream_of_index(const char *index, osp_arena_t *a)
{
	const osp_custom_t *ds;
	uint32_t n;

	if (strncmp(index, ".ds-", 4) != 0)
		return NULL;
	dp_ctl_customs(DP_DSTREAM_TYPE, &ds, &n);
	for (uint32_t i = 0; i < n; i++) {
		osp_json_t *b = dp_tmpl_parse(&ds[i], a);

		OSP_JSON_FOREACH(e, osp_json_get(b, "indices")) {
			if (osp_json_is(e, OSP_JSON_STRING) && strcmp(e->u.str, index) == 0)
				return &ds[i];
		}
	}
	return NULL;
}

void
dp_dstream_backing_name(char *out, size_t n, const char *name, int64_t gen, int64_t now_ms)
{
	time_t secs = (time_t)(now_ms / 1000);
	struct tm tm;
	char day[16];

	gmtime_r(&secs, &tm);
	strftime(day, sizeof(day), "%Y.%m.%d", &tm);
	snprintf(out, n, ".ds-%s-%s-%06lld", name, day, (long long)gen);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The body of a new backing index of stream name from template res, with
 * the stream alias as its write alias. */
void
dp_dstream_write_backing_body(osp_jw_t *w, const dp_tmpl_resolved_t *res, const char *name,
			      osp_arena_t *a, bool with_alias)
{
	static const char ts_mapping[] = "{\"properties\":{\"@timestamp\":{\"type\":\"date\"}}}";
	osp_json_t *base = NULL, *mappings;
	osp_json_error_t jerr;

	osp_json_parse(a, ts_mapping, sizeof(ts_mapping) - 1, NULL, &base, &jerr);
	mappings = dp_tmpl_merge(a, base, res->mappings);
	osp_jw_obj_begin(w);
	osp_jw_key(w, "settings");
	osp_jw_obj_begin(w);
	OSP_JSON_FOREACH(m, res->settings) {
		if (osp_json_key_eq(m, "index.hidden"))
			continue;
		osp_jw_keyn(w, m->key, m->key_len);
		osp_jw_value(w, m);
	}
	osp_jw_kv_str(w, "index.hidden", "true");
	osp_jw_obj_end(w);
	osp_jw_key(w, "mappings");
	if (mappings)
		osp_jw_value(w, mappings);
	else
		osp_jw_raw(w, ts_mapping, sizeof(ts_mapping) - 1);
	osp_jw_key(w, "aliases");
	osp_jw_obj_begin(w);
	if (with_alias) {
		osp_jw_key(w, name);
		osp_jw_obj_begin(w);
		osp_jw_kv_bool(w, "is_write_index", true);
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
	osp_jw_obj_end(w);
}

void
dp_dstream_create(const char *name, dp_ctl_cb_t cb, void *user)
{
	osp_arena_t a;
	osp_json_t *v2 = NULL;
	const osp_custom_t *t;
	dp_tmpl_resolved_t res;
	osp_err_t err;
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;
	char backing[OSP_INDEX_NAME_MAX + 1];
	const osp_json_t *dsv;

	osp_arena_init(&a, 8192, 0);
	if (dp_dstream_get(name) != NULL || dp_shards_index(name) != NULL) {
		osp_err_set(&err, 400, "resource_already_exists_exception",
			    "data_stream [%s] already exists", name);
		goto fail;
	}
	t = dp_tmpl_find_v2(name, NULL, &a, &v2);
	if (t == NULL) {
		osp_err_illegal_argument(&err, "no matching index template found for data stream [%s]",
					 name);
		goto fail;
	}
	dsv = osp_json_get(v2, "data_stream");
	if (dsv == NULL) {
		osp_err_illegal_argument(&err, "matching index template [%s] for data stream [%s] has "
					 "no data stream template", t->name, name);
		goto fail;
	}
	if (dp_tmpl_compose(v2, &a, &res, &err) != 0)
		goto fail;
	dp_dstream_backing_name(backing, sizeof(backing), name, 1, now_ms());
	osp_jw_init(&w, &b, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "index", backing);
	osp_jw_key(&w, "body");
	dp_dstream_write_backing_body(&w, &res, name, &a, true);
	osp_jw_key(&w, "customs");
	osp_jw_arr_begin(&w);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "type", DP_DSTREAM_TYPE);
	osp_jw_kv_str(&w, "name", name);
	osp_jw_kv_bool(&w, "create", true);
	osp_jw_key(&w, "body");
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "name", name);
	osp_jw_key(&w, "timestamp_field");
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "name", "@timestamp");
	osp_jw_obj_end(&w);
	osp_jw_key(&w, "indices");
	osp_jw_arr_begin(&w);
	osp_jw_str(&w, backing);
	osp_jw_arr_end(&w);
	osp_jw_kv_int(&w, "generation", 1);
	osp_jw_kv_str(&w, "template", t->name);
	osp_jw_kv_bool(&w, "hidden", osp_json_is(osp_json_get(dsv, "hidden"), OSP_JSON_BOOL) &&
		       osp_json_get(dsv, "hidden")->boolean);
	osp_jw_kv_bool(&w, "allow_custom_routing",
		       osp_json_is(osp_json_get(dsv, "allow_custom_routing"), OSP_JSON_BOOL) &&
		       osp_json_get(dsv, "allow_custom_routing")->boolean);
	if (osp_json_get(v2, "_meta")) {
		osp_jw_key(&w, "_meta");
		osp_jw_value(&w, osp_json_get(v2, "_meta"));
	}
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	osp_arena_free(&a);
	if (osp_buf_failed(&b)) {
		osp_buf_free(&b);
		osp_err_set(&err, 500, "exception", "out of memory");
		cb(user, &err, NULL, 0);
		return;
	}
	dp_ctl_request(OSP_CHAN_CREATE_INDEX, b.data, b.len, cb, user);
	osp_buf_free(&b);
	return;
fail:
	osp_buf_free(&b);
	osp_arena_free(&a);
	cb(user, &err, NULL, 0);
}

void
dp_tmpl_autocreate(const char *index, dp_ctl_cb_t cb, void *user)
{
	osp_arena_t a;
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;
	osp_err_t err;
	bool ds = false;

	osp_arena_init(&a, 8192, 0);
	osp_jw_init(&w, &b, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "index", index);
	osp_jw_key(&w, "body");
	if (dp_tmpl_create_body(index, NULL, &a, &w, &ds, &err) != 0) {
		osp_arena_free(&a);
		osp_buf_free(&b);
		cb(user, &err, NULL, 0);
		return;
	}
	osp_jw_kv_bool(&w, "auto_create", true);
	osp_jw_obj_end(&w);
	osp_arena_free(&a);
	if (ds) {
		osp_buf_free(&b);
		dp_dstream_create(index, cb, user);
		return;
	}
	dp_ctl_request(OSP_CHAN_CREATE_INDEX, b.data, b.len, cb, user);
	osp_buf_free(&b);
}

/* ---- REST ---- */

/* PUT /_data_stream/{name} */
static void
rest_ds_create(dp_rest_req_t *r)
{
	const char *name = dp_rest_param(r, "name");
	osp_err_t err;

	if (strchr(name, '*') || strchr(name, ',') || name[0] == '_' || name[0] == '-' ||
	    name[0] == '+') {
		osp_err_set(&err, 400, "invalid_index_name_exception",
			    "Invalid index name [%s], must not contain '*', ',' or start with '_', "
			    "'-' or '+'", name);
		dp_rest_reply_err(r, &err);
		return;
	}
	dp_dstream_create(name, dp_tmpl_ctl_ack, r);
}

/* Streams matching a comma-separated expression (wildcards); replies 404
 * itself for a missing exact name and returns -1. */
static int
ds_select(dp_rest_req_t *r, const char *expr, const osp_custom_t ***out, uint32_t *n)
{
	const osp_custom_t *ds;
	uint32_t nds, k = 0;
	const osp_custom_t **v;
	char one[OSP_INDEX_NAME_MAX + 1];

	dp_ctl_customs(DP_DSTREAM_TYPE, &ds, &nds);
	v = osp_arena_alloc(r->http->arena, (nds + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	for (uint32_t i = 0; i < nds; i++) {
		bool hit = expr == NULL;

		for (const char *p = expr; p && *p && !hit;) {
			size_t l = strcspn(p, ",");

			snprintf(one, sizeof(one), "%.*s", (int)l, p);
			hit = strcmp(one, "_all") == 0 || dp_customs_glob(one, ds[i].name);
			p += l + (p[l] == ',');
		}
		if (hit)
			v[k++] = &ds[i];
	}
	for (const char *p = expr; p && *p;) {
		size_t l = strcspn(p, ",");
		bool found = false;

		snprintf(one, sizeof(one), "%.*s", (int)l, p);
		p += l + (p[l] == ',');
		if (dp_tmpl_is_wildcard(one))
			continue;
		for (uint32_t i = 0; i < k; i++)
			found |= strcmp(v[i]->name, one) == 0;
		if (!found) {
			osp_err_t err;

			osp_err_index_not_found(&err, one);
			dp_rest_reply_err(r, &err);
			return -1;
		}
	}
	*out = v;
	*n = k;
	return 0;
}

/* GET /_data_stream[/{name}] */
static void
rest_ds_get(dp_rest_req_t *r)
{
	const osp_custom_t **list;
	uint32_t n;
	osp_buf_t out;
	osp_jw_t w;

	if (ds_select(r, dp_rest_param(r, "name"), &list, &n) != 0)
		return;
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "data_streams");
	osp_jw_arr_begin(&w);
	for (uint32_t i = 0; i < n; i++) {
		osp_json_t *b = dp_tmpl_parse(list[i], r->http->arena);

		osp_jw_obj_begin(&w);
		OSP_JSON_FOREACH(m, b) {
			osp_jw_keyn(&w, m->key, m->key_len);
			if (!osp_json_key_eq(m, "indices")) {
				osp_jw_value(&w, m);
				continue;
			}
			osp_jw_arr_begin(&w);
			OSP_JSON_FOREACH(e, m) {
				const osp_index_t *ix = osp_json_is(e, OSP_JSON_STRING) ?
					osp_cluster_index(dp_shards_state(), e->u.str) : NULL;

				osp_jw_obj_begin(&w);
				osp_jw_kv_str(&w, "index_name", e->u.str);
				osp_jw_kv_str(&w, "index_uuid", ix ? ix->uuid : "_na_");
				osp_jw_kv_bool(&w, "prefer_ilm", true);
				osp_jw_kv_str(&w, "managed_by", "Unmanaged");
				osp_jw_obj_end(&w);
			}
			osp_jw_arr_end(&w);
		}
		osp_jw_kv_str(&w, "status", "GREEN");
		osp_jw_kv_str(&w, "next_generation_managed_by", "Unmanaged");
		osp_jw_kv_bool(&w, "prefer_ilm", true);
		osp_jw_kv_bool(&w, "system", false);
		osp_jw_kv_bool(&w, "replicated", false);
		osp_jw_kv_bool(&w, "rollover_on_write", false);
		osp_jw_obj_end(&w);
	}
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* A delete in two steps: the customs go first (the streams disappear),
 * then their backing indices. */
typedef struct ds_del {
	dp_rest_req_t *r;
	osp_buf_t indices;           /* comma-separated backing indices */
} ds_del_t;

static void
ds_del_indices_done(void *user, const osp_err_t *err, const char *payload, size_t len)
{
	ds_del_t *d = user;

	(void)payload;
	(void)len;
	osp_buf_free(&d->indices);
	if (err && err->status != 404)
		dp_rest_reply_err(d->r, err);
	else
		dp_rest_reply_ack(d->r, true);
}

static void
ds_del_custom_done(void *user, const osp_err_t *err, const char *payload, size_t len)
{
	ds_del_t *d = user;
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;

	(void)payload;
	(void)len;
	if (err || d->indices.len == 0) {
		ds_del_indices_done(d, err, NULL, 0);
		return;
	}
	osp_jw_init(&w, &b, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "index", d->indices.data);
	osp_jw_kv_bool(&w, "ignore_unavailable", true);
	osp_jw_obj_end(&w);
	dp_ctl_request(OSP_CHAN_DELETE_INDEX, b.data, b.len, ds_del_indices_done, d);
	osp_buf_free(&b);
}

/* DELETE /_data_stream/{name} */
static void
rest_ds_delete(dp_rest_req_t *r)
{
	const char *expr = dp_rest_param(r, "name");
	const osp_custom_t **list;
	const char **names;
	uint32_t n;
	ds_del_t *d;

	if (ds_select(r, expr, &list, &n) != 0)
		return;
	if (n == 0) {
		dp_rest_reply_ack(r, true);
		return;
	}
	d = osp_arena_calloc(r->http->arena, sizeof(*d));
	names = osp_arena_alloc(r->http->arena, n * sizeof(*names));
	if (d == NULL || names == NULL) {
		osp_err_t err;

		osp_err_set(&err, 500, "exception", "out of memory");
		dp_rest_reply_err(r, &err);
		return;
	}
	d->r = r;
	for (uint32_t i = 0; i < n; i++) {
		osp_json_t *b = dp_tmpl_parse(list[i], r->http->arena);

		names[i] = list[i]->name;
		OSP_JSON_FOREACH(e, osp_json_get(b, "indices")) {
			if (!osp_json_is(e, OSP_JSON_STRING) || !dp_shards_index(e->u.str))
				continue;
			osp_buf_puts(&d->indices, d->indices.len ? "," : "");
			osp_buf_puts(&d->indices, e->u.str);
		}
	}
	dp_ctl_delete_custom(DP_DSTREAM_TYPE, names, n, ds_del_custom_done, d);
}

/* GET /_data_stream[/{name}]/_stats: store sizes from a stats fan-out. */
static void
ds_stats_done(dp_fanout_t *f)
{
	dp_rest_req_t *r = f->r;
	const osp_custom_t **list = f->user;
	uint32_t n = 0, total_idx = 0, ok = 0;
	uint64_t total = 0;
	osp_buf_t out;
	osp_jw_t w;

	while (list[n])
		n++;
	for (uint32_t s = 0; s < f->n_slots; s++) {
		ok += f->slots[s].ran;
		total += f->slots[s].ran ? f->slots[s].job.stats.store_size_bytes : 0;
	}
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	dp_rest_write_shards(&w, f->n_slots, ok, f->failed, false);
	osp_jw_kv_int(&w, "data_stream_count", n);
	for (uint32_t i = 0; i < n; i++) {
		osp_json_t *b = dp_tmpl_parse(list[i], r->http->arena);

		total_idx += osp_json_get(b, "indices") ? osp_json_get(b, "indices")->len : 0;
	}
	osp_jw_kv_int(&w, "backing_indices", total_idx);
	osp_jw_kv_int(&w, "total_store_size_bytes", (int64_t)total);
	osp_jw_key(&w, "data_streams");
	osp_jw_arr_begin(&w);
	for (uint32_t i = 0; i < n; i++) {
		osp_json_t *b = dp_tmpl_parse(list[i], r->http->arena);
		const osp_json_t *ix = osp_json_get(b, "indices");
		uint64_t size = 0;

		for (uint32_t s = 0; s < f->n_slots; s++) {
			OSP_JSON_FOREACH(e, ix) {
				if (f->slots[s].ran && osp_json_is(e, OSP_JSON_STRING) &&
				    strcmp(f->slots[s].idx->name, e->u.str) == 0)
					size += f->slots[s].job.stats.store_size_bytes;
			}
		}
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "data_stream", list[i]->name);
		osp_jw_kv_int(&w, "backing_indices", ix ? ix->len : 0);
		osp_jw_kv_int(&w, "store_size_bytes", (int64_t)size);
		osp_jw_kv_int(&w, "maximum_timestamp", 0);
		osp_jw_obj_end(&w);
	}
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

static void
rest_ds_stats(dp_rest_req_t *r)
{
	const osp_custom_t **list, **term;
	uint32_t n;
	osp_buf_t expr = OSP_BUF_INIT;
	char *e;

	if (ds_select(r, dp_rest_param(r, "name"), &list, &n) != 0)
		return;
	term = osp_arena_alloc(r->http->arena, (n + 1) * sizeof(*term));
	if (term == NULL)
		return;
	memcpy(term, list, n * sizeof(*term));
	term[n] = NULL;
	for (uint32_t i = 0; i < n; i++) {
		osp_json_t *b = dp_tmpl_parse(list[i], r->http->arena);

		OSP_JSON_FOREACH(ix, osp_json_get(b, "indices")) {
			if (!osp_json_is(ix, OSP_JSON_STRING) || !dp_shards_index(ix->u.str))
				continue;
			osp_buf_puts(&expr, expr.len ? "," : "");
			osp_buf_puts(&expr, ix->u.str);
		}
	}
	/* no backing index: an empty fan-out over a name that matches nothing */
	e = osp_arena_strndup(r->http->arena, expr.len ? expr.data : "-osprey-none-*",
			      expr.len ? expr.len : 14);
	osp_buf_free(&expr);
	dp_fanout_start(r, e, DP_ADMIN_STATS, ds_stats_done, term);
}

void
rest_dstream_routes(void)
{
	dp_rest_route(DP_HTTP_PUT, "/_data_stream/{name}", rest_ds_create, 0);
	dp_rest_route(DP_HTTP_GET, "/_data_stream", rest_ds_get, 0);
	dp_rest_route(DP_HTTP_GET, "/_data_stream/{name}", rest_ds_get, 0);
	dp_rest_route(DP_HTTP_DELETE, "/_data_stream/{name}", rest_ds_delete, 0);
	dp_rest_route(DP_HTTP_GET, "/_data_stream/_stats", rest_ds_stats, 0);
	dp_rest_route(DP_HTTP_GET, "/_data_stream/{name}/_stats", rest_ds_stats, 0);
}
