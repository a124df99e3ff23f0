/*
 * ctl_request.c - control's request handlers: decode a request frame, apply
 * it through ctl_state.c / ctl_alias.c to the batch of the current loop
 * iteration (each request on its own clone, so a failure leaves no trace),
 * and reply: errors at once, successes once the dataplane has acknowledged
 * the state version that holds them (or their ack timeout passed), shaped
 * as Elasticsearch's responses. Runs on the control loop thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osprey/chan.h"

#include "ctl_alias.h"
#include "ctl_custom.h"
#include "ctl_server_int.h"
#include "ctl_state.h"

/* The success body of a request, as Elasticsearch answers it. */
static void
srv_reply_body(const srv_wait_t *w, bool acked, osp_buf_t *b)
{
	osp_jw_t jw;

	osp_jw_init(&jw, b, 0);
	osp_jw_obj_begin(&jw);
	osp_jw_kv_bool(&jw, "acknowledged", acked);
	switch (w->type) {
	case OSP_CHAN_CREATE_INDEX:
		osp_jw_kv_bool(&jw, "shards_acknowledged", acked);
		osp_jw_kv_str(&jw, "index", w->index);
		break;
	case OSP_CHAN_OPEN_INDEX:
		osp_jw_kv_bool(&jw, "shards_acknowledged", acked);
		break;
	case OSP_CHAN_CLOSE_INDEX:
		osp_jw_kv_bool(&jw, "shards_acknowledged", acked);
		osp_jw_key(&jw, "indices");
		osp_jw_obj_begin(&jw);
		/* w->index holds the closed names, comma-separated */
		for (const char *p = w->index; *p;) {
			size_t n = strcspn(p, ",");

			osp_jw_keyn(&jw, p, n);
			osp_jw_obj_begin(&jw);
			osp_jw_kv_bool(&jw, "closed", true);
			osp_jw_obj_end(&jw);
			p += n + (p[n] == ',');
		}
		osp_jw_obj_end(&jw);
		break;
	case OSP_CHAN_DYNAMIC_MAPPING:
		osp_jw_kv_int(&jw, "mapping_version", w->mapping_version);
		break;
	case OSP_CHAN_DELETE_CUSTOM:
		osp_jw_kv_int(&jw, "deleted", w->count);
		break;
	default:
		break;
	}
	osp_jw_kv_int(&jw, "state_version", w->version);
	osp_jw_obj_end(&jw);
}

/* Queue a success reply; srv_flush_waits sends it once acknowledged. */
static void
srv_reply_acked(ctl_server_t *s, int slot, const osp_chan_frame_t *f, int64_t version,
		int64_t timeout_ms, const char *index, int64_t mapping_version, int64_t count)
{
	srv_wait_t *w = realloc(s->waits, (s->n_waits + 1) * sizeof(*w));
	char *ix = strdup(index);

	if (w == NULL || ix == NULL) {
		osp_err_t err;

		if (w)
			s->waits = w;
		free(ix);
		osp_err_set(&err, 500, "exception", "out of memory");
		ctl_srv_reply_err(s, slot, f->id, &err);
		return;
	}
	s->waits = w;
	w[s->n_waits++] = (srv_wait_t){ .slot = slot, .gen = s->conns[slot].gen,
		.req_id = f->id, .version = version, .type = f->type,
		.deadline_ms = ctl_srv_now_mono_ms() + timeout_ms, .index = ix,
		.mapping_version = mapping_version, .count = count };
}

/* Send replies whose version is acknowledged or whose time is up. */
void
ctl_request_flush_waits(ctl_server_t *s)
{
	int64_t now = ctl_srv_now_mono_ms();

	for (size_t i = 0; i < s->n_waits;) {
		srv_wait_t *w = &s->waits[i];
		srv_conn_t *c = &s->conns[w->slot];
		bool alive = c->c.fd >= 0 && c->gen == w->gen;
		bool acked = alive && c->acked >= w->version;

		if (w->version == 0 || (alive && !acked && now < w->deadline_ms)) {
			i++;
			continue;
		}
		if (alive) {
			osp_buf_t b = OSP_BUF_INIT;

			srv_reply_body(w, acked, &b);
			ctl_srv_send(s, w->slot, OSP_CHAN_REPLY, OSP_CHAN_F_JSON, w->req_id,
				 b.data, b.len);
			osp_buf_free(&b);
		}
		free(w->index);
		s->waits[i] = s->waits[--s->n_waits];
	}
}

static bool
json_bool(const osp_json_t *v, bool dflt)
{
	if (osp_json_is(v, OSP_JSON_BOOL))
		return v->boolean;
	if (osp_json_is(v, OSP_JSON_STRING))
		return strcmp(v->u.str, "false") != 0;
	return dflt;
}

/* Read expand_wildcards ("open,closed", "all", "none") into o. */
static void
expr_opts(const osp_json_t *req, ctl_expr_opts_t *o)
{
	const osp_json_t *ew = osp_json_get(req, "expand_wildcards");

	o->ignore_unavailable = json_bool(osp_json_get(req, "ignore_unavailable"), false);
	o->allow_no_indices = json_bool(osp_json_get(req, "allow_no_indices"), true);
	if (osp_json_is(ew, OSP_JSON_STRING)) {
		o->expand_open = strstr(ew->u.str, "open") || strstr(ew->u.str, "all");
		o->expand_closed = strstr(ew->u.str, "closed") || strstr(ew->u.str, "all");
	}
}

/* The closed indices an expression names in st, comma-separated, for the
 * "indices" object of a close reply. */
static void
srv_closed_names(const osp_cluster_t *st, const char *expr, osp_buf_t *out)
{
	ctl_expr_opts_t o = { .expand_closed = true, .allow_no_indices = true,
			      .ignore_unavailable = true };
	osp_index_t **sel = NULL;
	uint32_t n = 0;
	osp_err_t err;

	if (ctl_index_expr_resolve(st, expr, &o, &sel, &n, &err) != 0)
		return;
	for (uint32_t i = 0; i < n; i++) {
		if (sel[i]->state != OSP_INDEX_CLOSE)
			continue;
		osp_buf_puts(out, out->len ? "," : "");
		osp_buf_puts(out, sel[i]->name);
	}
	free(sel);
}

/* Handle one request frame; replies (now or after the ack). */
void
ctl_request_handle(ctl_server_t *s, int slot, const osp_chan_frame_t *f)
{
	osp_arena_t a;
	osp_json_t *req = NULL;
	osp_json_error_t jerr;
	osp_err_t err;
	osp_cluster_t *next = NULL;
	const char *index = NULL;
	const osp_json_t *body, *iv, *tv;
	char what[512];
	osp_buf_t closed = OSP_BUF_INIT;
	bool changed = true;
	uint32_t deleted = 0;
	int64_t mv = 0, timeout = s->o.ack_timeout_ms, now = ctl_srv_now_realtime_ms();
	int rc;

	osp_err_clear(&err);
	osp_arena_init(&a, 16384, 0);
	if (osp_json_parse(&a, f->payload, f->len, NULL, &req, &jerr) != 0 ||
	    !osp_json_is(req, OSP_JSON_OBJECT)) {
		osp_err_set(&err, 400, "illegal_argument_exception", "malformed %s request: %s",
			    osp_chan_type_name(f->type), jerr.msg);
		goto fail;
	}
	iv = osp_json_get(req, "index");
	index = osp_json_is(iv, OSP_JSON_STRING) ? iv->u.str : "";
	body = osp_json_get(req, "body");
	tv = osp_json_get(req, "timeout_ms");
	if (osp_json_is(tv, OSP_JSON_NUMBER) && tv->is_int && tv->i >= 0)
		timeout = tv->i;
	if (f->type == OSP_CHAN_GET_STATE) {
		osp_buf_t b = OSP_BUF_INIT;
		osp_jw_t w;

		osp_jw_init(&w, &b, 0);
		osp_cluster_write(s->cs, &w, 0);
		ctl_srv_send(s, slot, OSP_CHAN_REPLY, OSP_CHAN_F_JSON, f->id, b.data, b.len);
		osp_buf_free(&b);
		goto cleanup;
	}
	next = osp_cluster_clone(s->batch ? s->batch : s->cs);
	if (next == NULL) {
		osp_err_set(&err, 500, "exception", "out of memory");
		goto fail;
	}
	switch (f->type) {
	case OSP_CHAN_CREATE_INDEX:
		rc = ctl_state_create_index(next, index, body, now, &err);
		if (rc == 0 && osp_json_get(req, "customs") != NULL)
			rc = ctl_custom_put_items(next, osp_json_get(req, "customs"), &err);
		if (rc == 0) {
			osp_index_t *idx = osp_cluster_index(next, index);

			snprintf(what, sizeof(what), "created index [%s/%s], shards [%u]/[%u]",
				 index, idx->uuid, idx->number_of_shards, idx->number_of_replicas);
		}
		break;
	case OSP_CHAN_DELETE_INDEX: {
		ctl_expr_opts_t o = { .expand_open = true, .expand_closed = true,
				      .allow_no_indices = true, .forbid_aliases = true };

		expr_opts(req, &o);
		rc = ctl_state_delete_indices(next, index, &o, now, &err);
		changed = rc == 0 && next->n_indices != s->cs->n_indices;
		snprintf(what, sizeof(what), "deleted indices [%s]", index);
		break;
	}
	case OSP_CHAN_PUT_MAPPING:
		rc = ctl_state_put_mapping(next, index, body, &changed, &err);
		snprintf(what, sizeof(what), "updated mapping of [%s]", index);
		break;
	case OSP_CHAN_DYNAMIC_MAPPING: {
		const osp_json_t *u = osp_json_get(req, "index_uuid");

		rc = ctl_state_dynamic_mapping(next, index,
					       osp_json_is(u, OSP_JSON_STRING) ? u->u.str : NULL,
					       osp_json_get(req, "mappings"), &changed, &mv, &err);
		snprintf(what, sizeof(what), "dynamic mapping update of [%s], mapping version [%lld]",
			 index, (long long)mv);
		break;
	}
	case OSP_CHAN_UPDATE_ALIASES:
		rc = ctl_state_update_aliases(next, body, &err);
		snprintf(what, sizeof(what), "updated aliases");
		break;
	case OSP_CHAN_UPDATE_SETTINGS:
		rc = ctl_state_update_settings(next, index[0] ? index : "_all", body, now, &err);
		snprintf(what, sizeof(what), "updated settings of [%s]", index[0] ? index : "_all");
		break;
	case OSP_CHAN_OPEN_INDEX:
	case OSP_CHAN_CLOSE_INDEX: {
		bool open = f->type == OSP_CHAN_OPEN_INDEX;

		rc = ctl_state_set_open(next, index, open, now, &err);
		snprintf(what, sizeof(what), "%s indices [%s]", open ? "opened" : "closed", index);
		if (rc == 0 && !open)
			srv_closed_names(next, index, &closed);
		break;
	}
	case OSP_CHAN_PUT_CUSTOM: {
		const osp_json_t *ty = osp_json_get(req, "type"), *nm = osp_json_get(req, "name");

		rc = ctl_custom_put(next, req, &err);
		if (osp_json_is(ty, OSP_JSON_STRING) && osp_json_is(nm, OSP_JSON_STRING))
			snprintf(what, sizeof(what), "put %.31s [%.200s]", ty->u.str, nm->u.str);
		else
			snprintf(what, sizeof(what), "put custom metadata");
		break;
	}
	case OSP_CHAN_DELETE_CUSTOM:
		rc = ctl_custom_delete(next, req, &deleted, &err);
		changed = rc == 0 && deleted > 0;
		snprintf(what, sizeof(what), "deleted %u custom metadata entr%s", deleted,
			 deleted == 1 ? "y" : "ies");
		break;
	default:
		osp_err_set(&err, 400, "illegal_argument_exception",
			    "unsupported control request type [%u]", f->type);
		goto fail;
	}
	if (rc != 0)
		goto fail;
	if (changed) {
		osp_cluster_free(s->batch);
		s->batch = next;
		next = NULL;
		osp_buf_puts(&s->batch_what, s->batch_what.len ? "; " : "");
		osp_buf_puts(&s->batch_what, what);
	}
	srv_reply_acked(s, slot, f, s->batch ? 0 : s->cs->version, timeout,
			closed.len ? closed.data : index, mv, deleted);
	goto cleanup;
fail:
	ctl_srv_reply_err(s, slot, f->id, &err);
cleanup:
	osp_buf_free(&closed);
	osp_cluster_free(next);
	osp_arena_free(&a);
}

