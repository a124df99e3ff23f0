/*
 * rest_indices_block.c - index blocks and resolution APIs:
 * PUT/DELETE /{index}/_block/{block} (index.blocks.* set through control's
 * settings update), POST /_cache/clear (no caches to clear: the shard
 * count is reported as ES does), GET /_resolve/index/{name} and
 * GET /_resolve/cluster/{name} from the local state.
 */
#include <stdio.h>
#include <string.h>

#include "dp_customs.h"
#include "osprey/chan.h"
#include "../server/dp_ctl.h"
#include "../shard/dp_shards.h"
#include "dp_dstream.h"
#include "dp_indices_ext.h"
#include "dp_rest.h"
#include "dp_tmpl.h"

#define BLOCK_MAX_INDICES 4096

/* An add/remove block in flight: the index names for the reply. */
typedef struct block_req {
	dp_rest_req_t *r;
	bool add;
	uint32_t n;
	const char **names;
} block_req_t;

static void
block_done(void *user, const osp_err_t *err, const char *payload, size_t len)
{
	block_req_t *b = user;
	osp_buf_t out;
	osp_jw_t w;

	(void)payload;
	(void)len;
	if (err) {
		dp_rest_reply_err(b->r, err);
		return;
	}
	dp_rest_jw(b->r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_bool(&w, "acknowledged", true);
	if (b->add)
		osp_jw_kv_bool(&w, "shards_acknowledged", true);
	osp_jw_key(&w, "indices");
	osp_jw_arr_begin(&w);
	for (uint32_t i = 0; i < b->n; i++) {
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "name", b->names[i]);
		osp_jw_kv_bool(&w, b->add ? "blocked" : "unblocked", true);
		osp_jw_obj_end(&w);
	}
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(b->r, 200, &out);
}

static void
block_change(dp_rest_req_t *r, bool add)
{
	static dp_index_t *list[BLOCK_MAX_INDICES];
	static const char *const blocks[] = { "metadata", "read", "read_only", "write" };
	const char *block = dp_rest_param(r, "block");
	block_req_t *b;
	osp_buf_t msg = OSP_BUF_INIT, names = OSP_BUF_INIT;
	osp_jw_t w;
	osp_err_t err;
	char key[64];
	size_t k;
	int n;

	for (k = 0; k < sizeof(blocks) / sizeof(blocks[0]); k++) {
		if (strcmp(block, blocks[k]) == 0)
			break;
	}
	if (k == sizeof(blocks) / sizeof(blocks[0])) {
		osp_err_illegal_argument(&err, "No block found with name [%s]", block);
		dp_rest_reply_err(r, &err);
		return;
	}
	n = dp_shards_resolve(dp_rest_param(r, "index"), false, true, list, BLOCK_MAX_INDICES, &err);
	if (n < 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	b = osp_arena_calloc(r->http->arena, sizeof(*b));
	if (b == NULL || (b->names = osp_arena_alloc(r->http->arena, (n + 1) * sizeof(char *))) == NULL)
		return;
	b->r = r;
	b->add = add;
	for (int i = 0; i < n; i++) {
		b->names[b->n++] = list[i]->name;
		osp_buf_puts(&names, i ? "," : "");
		osp_buf_puts(&names, list[i]->name);
	}
	if (n == 0) {
		block_done(b, NULL, NULL, 0);
		osp_buf_free(&names);
		return;
	}
	snprintf(key, sizeof(key), "index.blocks.%s", block);
	osp_jw_init(&w, &msg, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "index", names.data);
	osp_jw_key(&w, "body");
	osp_jw_obj_begin(&w);
	osp_jw_kv_bool(&w, key, add);
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	osp_buf_free(&names);
	dp_ctl_request(OSP_CHAN_UPDATE_SETTINGS, msg.data, msg.len, block_done, b);
	osp_buf_free(&msg);
}

static void
rest_block_add(dp_rest_req_t *r)
{
	block_change(r, true);
}

static void
rest_block_remove(dp_rest_req_t *r)
{
	block_change(r, false);
}

/* Copies of the resolved indices: total and started (the _shards header of
 * broadcast APIs that touch every copy). */
static int
shards_header(dp_rest_req_t *r, osp_jw_t *w)
{
	static dp_index_t *list[BLOCK_MAX_INDICES];
	osp_err_t err;
	uint32_t total = 0, ok = 0;
	int n = dp_shards_resolve(dp_rest_param(r, "index"), true, true, list, BLOCK_MAX_INDICES,
				  &err);

	for (int i = 0; i < n; i++) {
		const osp_index_t *m = list[i]->meta;
		uint32_t copies = m->number_of_shards * (1 + m->number_of_replicas);

		total += copies;
		for (uint32_t c = 0; c < copies; c++)
			ok += m->copies[c].state == OSP_SHARD_STARTED;
	}
	dp_rest_write_shards(w, total, ok, 0, false);
	return n;
}

/* POST /_cache/clear, /{index}/_cache/clear */
static void
rest_cache_clear(dp_rest_req_t *r)
{
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	shards_header(r, &w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* ---- _resolve ---- */

typedef struct resolve_opts {
	bool open, closed, hidden;
} resolve_opts_t;

static void
resolve_opts(dp_rest_req_t *r, resolve_opts_t *o)
{
	const char *ew = dp_rest_qs(r, "expand_wildcards");

	o->open = ew == NULL || strstr(ew, "open") || strstr(ew, "all");
	o->closed = ew && (strstr(ew, "closed") || strstr(ew, "all"));
	o->hidden = ew && (strstr(ew, "hidden") || strstr(ew, "all"));
}

/* Does one expression part name this (index, alias or stream)? */
static bool
resolve_hit(const char *expr, const char *name, bool hidden, bool is_open,
	    const resolve_opts_t *o)
{
	char one[OSP_INDEX_NAME_MAX + 1];

	for (const char *p = expr; *p;) {
		size_t l = strcspn(p, ",");

		snprintf(one, sizeof(one), "%.*s", (int)l, p);
		p += l + (p[l] == ',');
		if (!dp_tmpl_is_wildcard(one)) {
			if (strcmp(one, name) == 0)
				return true;
			continue;
		}
		if (hidden && !o->hidden && !(one[0] == '.' && name[0] == '.'))
			continue;
		if (is_open ? !o->open : !o->closed)
			continue;
		if (strcmp(one, "_all") == 0 || dp_customs_glob(one, name))
			return true;
	}
	return false;
}

/* Alias names of an index, sorted, without data stream names. */
static uint32_t
index_aliases(const osp_index_t *m, osp_arena_t *a, const char ***out)
{
	osp_json_t *v = NULL;
	osp_json_error_t jerr;
	const char **names;
	uint32_t n = 0;

	*out = NULL;
	if (m->aliases == NULL || osp_json_parse(a, m->aliases, m->aliases_len, NULL, &v, &jerr) != 0)
		return 0;
	names = osp_arena_alloc(a, (v->len + 1) * sizeof(*names));
	if (names == NULL)
		return 0;
	OSP_JSON_FOREACH(al, v) {
		const char *nm = osp_arena_strndup(a, al->key, al->key_len);

		if (nm == NULL || dp_dstream_get(nm) != NULL)
			continue;
		uint32_t j = n++;

		while (j > 0 && strcmp(names[j - 1], nm) > 0) {
			names[j] = names[j - 1];
			j--;
		}
		names[j] = nm;
	}
	*out = names;
	return n;
}

static bool
index_hidden(const osp_index_t *m)
{
	return m->settings && strstr(m->settings, "\"index.hidden\":\"true\"") != NULL;
}

/* Fill the three lists of _resolve/index; returns how many things matched. */
static uint32_t
resolve_write(dp_rest_req_t *r, const char *expr, osp_jw_t *w)
{
	const osp_cluster_t *cs = dp_shards_state();
	osp_arena_t *a = r->http->arena;
	resolve_opts_t o;
	const osp_custom_t *ds;
	uint32_t nds, hits = 0;

	resolve_opts(r, &o);
	dp_ctl_customs(DP_DSTREAM_TYPE, &ds, &nds);
	osp_jw_key(w, "indices");
	osp_jw_arr_begin(w);
	for (uint32_t i = 0; cs && i < cs->n_indices; i++) {
		const osp_index_t *m = cs->indices[i];
		const char **al;
		uint32_t na;
		const osp_custom_t *own;

		if (!resolve_hit(expr, m->name, index_hidden(m), m->state != OSP_INDEX_CLOSE, &o))
			continue;
		hits++;
		na = index_aliases(m, a, &al);
		own = dp_dstream_of_index(m->name, a);
		osp_jw_obj_begin(w);
		osp_jw_kv_str(w, "name", m->name);
		if (na) {
			osp_jw_key(w, "aliases");
			osp_jw_arr_begin(w);
			for (uint32_t j = 0; j < na; j++)
				osp_jw_str(w, al[j]);
			osp_jw_arr_end(w);
		}
		osp_jw_key(w, "attributes");
		osp_jw_arr_begin(w);
		if (index_hidden(m))
			osp_jw_str(w, "hidden");
		osp_jw_str(w, m->state == OSP_INDEX_CLOSE ? "closed" : "open");
		osp_jw_arr_end(w);
		if (own)
			osp_jw_kv_str(w, "data_stream", own->name);
		osp_jw_obj_end(w);
	}
	osp_jw_arr_end(w);
	/* aliases: every alias name once, with its indices */
	osp_jw_key(w, "aliases");
	osp_jw_arr_begin(w);
	{
		const char **seen = osp_arena_alloc(a, 4096 * sizeof(*seen));
		uint32_t nseen = 0;

		for (uint32_t i = 0; seen && cs && i < cs->n_indices; i++) {
			const char **al;
			uint32_t na = index_aliases(cs->indices[i], a, &al);

			for (uint32_t j = 0; j < na; j++) {
				bool dup = false;

				for (uint32_t s = 0; s < nseen; s++)
					dup |= strcmp(seen[s], al[j]) == 0;
				if (dup || nseen == 4096 || !resolve_hit(expr, al[j], false, true, &o))
					continue;
				seen[nseen++] = al[j];
				hits++;
				osp_jw_obj_begin(w);
				osp_jw_kv_str(w, "name", al[j]);
				osp_jw_key(w, "indices");
				osp_jw_arr_begin(w);
				for (uint32_t k = 0; k < cs->n_indices; k++) {
					if (osp_index_has_alias(cs->indices[k], al[j]))
						osp_jw_str(w, cs->indices[k]->name);
				}
				osp_jw_arr_end(w);
				osp_jw_obj_end(w);
			}
		}
	}
	osp_jw_arr_end(w);
	osp_jw_key(w, "data_streams");
	osp_jw_arr_begin(w);
	for (uint32_t i = 0; i < nds; i++) {
		osp_json_t *b = dp_tmpl_parse(&ds[i], a);
		const osp_json_t *hid = osp_json_get(b, "hidden");

		if (!resolve_hit(expr, ds[i].name, osp_json_is(hid, OSP_JSON_BOOL) && hid->boolean,
				 true, &o))
			continue;
		hits++;
		osp_jw_obj_begin(w);
		osp_jw_kv_str(w, "name", ds[i].name);
		osp_jw_key(w, "backing_indices");
		osp_jw_value(w, osp_json_get(b, "indices"));
		osp_jw_kv_str(w, "timestamp_field", "@timestamp");
		osp_jw_obj_end(w);
	}
	osp_jw_arr_end(w);
	return hits;
}

/* GET /_resolve/index/{name} */
static void
rest_resolve_index(dp_rest_req_t *r)
{
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	resolve_write(r, dp_rest_param(r, "name"), &w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* GET /_resolve/cluster/{name}: the local cluster only. */
static void
rest_resolve_cluster(dp_rest_req_t *r)
{
	const char *name = dp_rest_param(r, "name");
	osp_buf_t scratch = OSP_BUF_INIT, out;
	osp_jw_t sw, w;
	uint32_t hits;

	/* ES: resolve_cluster does not filter aliases by their indices' state, and
	 * a closed index still counts as matching */
	osp_jw_init(&sw, &scratch, 0);
	osp_jw_obj_begin(&sw);
	hits = resolve_write(r, name ? name : "*", &sw);
	osp_buf_free(&scratch);
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "(local)");
	osp_jw_obj_begin(&w);
	osp_jw_kv_bool(&w, "connected", true);
	osp_jw_kv_bool(&w, "skip_unavailable", false);
	osp_jw_kv_bool(&w, "matching_indices", hits > 0);
	osp_jw_key(&w, "version");
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "number", DP_ES_VERSION);
	osp_jw_kv_str(&w, "build_flavor", "default");
	osp_jw_kv_str(&w, "minimum_wire_compatibility_version", "7.17.0");
	osp_jw_kv_str(&w, "minimum_index_compatibility_version", "7.0.0");
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

void
rest_indices_block_routes(void)
{
	dp_rest_route(DP_HTTP_PUT, "/{index}/_block/{block}", rest_block_add, 0);
	dp_rest_route(DP_HTTP_DELETE, "/{index}/_block/{block}", rest_block_remove, 0);
	dp_rest_route(DP_HTTP_POST, "/_cache/clear", rest_cache_clear, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_cache/clear", rest_cache_clear, 0);
	dp_rest_route(DP_HTTP_GET, "/_resolve/index/{name}", rest_resolve_index, 0);
	dp_rest_route(DP_HTTP_GET, "/_resolve/cluster", rest_resolve_cluster, 0);
	dp_rest_route(DP_HTTP_GET, "/_resolve/cluster/{name}", rest_resolve_cluster, 0);
}
