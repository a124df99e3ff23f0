/*
 * ctl_server.c - control's event loop (ctl_server.h).
 *
 * One thread, one epoll set: the listening Unix socket, the dataplane
 * connections and a signalfd. A state-changing request is applied to a
 * clone of the committed state (ctl_state.c), rerouted (ctl_alloc.c),
 * given the next version and a new state_uuid, written to the coordination
 * store with compare-and-swap on the revision we last wrote (a lost race
 * means another master wrote: we stop rather than fork history), and only
 * then swapped in, logged and published to every connected dataplane. The
 * reply waits until the requesting connection acknowledges that version, or
 * until the request's timeout (acknowledged: false), as ES's ack timeout.
 * Requests are processed in arrival order and batched as Elasticsearch's
 * MasterService batches tasks: every request read in one loop iteration is
 * applied to the same pending state (each on its own clone, so a failing
 * request leaves no trace), and the batch is committed once - one fsync and
 * one publication for a burst of dynamic mapping updates. Everything here is
 * owned by the loop thread.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "osprey/chan.h"

#include "ctl_alias.h"
#include "ctl_alloc.h"
#include "ctl_log.h"
#include "ctl_server.h"
#include "ctl_state.h"
#include "ctl_uuid.h"

#define SRV_MAX_CONNS 64

/* One dataplane connection. */
typedef struct srv_conn {
	osp_chan_conn_t c;
	uint64_t gen;            /* distinguishes reuse of the slot */
	bool hello;
	int64_t acked;           /* highest state version acknowledged */
} srv_conn_t;

/* A reply held back until its state version is acknowledged. */
typedef struct srv_wait {
	int slot;
	uint64_t gen;
	uint64_t req_id;
	int64_t version;         /* 0 = in the batch not yet committed */
	int64_t deadline_ms;
	uint16_t type;           /* request type: decides the reply's shape */
	int64_t mapping_version;
	char *index;             /* the request's index expression */
} srv_wait_t;

struct ctl_server {
	ctl_server_opts_t o;
	ctl_coord_t *coord;
	int64_t coord_rev;
	osp_cluster_t *cs;
	osp_buf_t state_json;    /* flat-settings JSON of cs */
	int lfd, epfd, sigfd;
	srv_conn_t conns[SRV_MAX_CONNS];
	uint64_t next_gen;
	srv_wait_t *waits;
	size_t n_waits;
	osp_cluster_t *batch;    /* next state being built, or NULL */
	osp_buf_t batch_what;    /* "; "-joined descriptions for the log */
	bool stop;
};

static int64_t
now_realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
now_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
srv_conn_drop(ctl_server_t *s, int slot)
{
	srv_conn_t *c = &s->conns[slot];

	if (c->c.fd < 0)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->c.fd, NULL);
	osp_chan_conn_close(&c->c);
	c->hello = false;
	ctl_log("dataplane connection %d closed", slot);
}

static void
srv_send(ctl_server_t *s, int slot, uint16_t type, uint32_t flags, uint64_t id,
	 const char *p, size_t n)
{
	srv_conn_t *c = &s->conns[slot];

	if (osp_chan_conn_send(&c->c, type, flags, id, p, n) != 0) {
		srv_conn_drop(s, slot);
		return;
	}
	struct epoll_event ev = { .events = EPOLLIN | (osp_chan_conn_pending(&c->c) ? EPOLLOUT : 0),
				  .data.u32 = (uint32_t)slot };

	epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->c.fd, &ev);
}

static void
srv_reply_err(ctl_server_t *s, int slot, uint64_t id, const osp_err_t *err)
{
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;

	osp_jw_init(&w, &b, 0);
	osp_chan_err_write(&w, err);
	srv_send(s, slot, OSP_CHAN_REPLY, OSP_CHAN_F_JSON | OSP_CHAN_F_ERROR, id, b.data, b.len);
	osp_buf_free(&b);
}

static void
srv_publish(ctl_server_t *s, int slot)
{
	srv_send(s, slot, OSP_CHAN_PUBLISH, OSP_CHAN_F_JSON, (uint64_t)s->cs->version,
		 s->state_json.data, s->state_json.len);
}

/* Persist next as the new committed state, then publish it. Takes next. */
static int
srv_commit(ctl_server_t *s, osp_cluster_t *next, const char *what)
{
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;
	int64_t rev = 0;
	int rc;

	if (ctl_alloc_reroute(next, now_realtime_ms()) < 0) {
		rc = -ENOMEM;
		goto cleanup;
	}
	next->version = s->cs ? s->cs->version + 1 : next->version + 1;
	rc = ctl_uuid_random(next->state_uuid);
	if (rc != 0)
		goto cleanup;
	osp_jw_init(&w, &b, 0);
	rc = osp_cluster_write(next, &w, OSP_CLUSTER_FLAT_SETTINGS | OSP_CLUSTER_INTERNAL);
	if (rc != 0)
		goto cleanup;
	rc = ctl_coord_put(s->coord, s->o.state_key, b.data, b.len,
			   s->coord_rev ? s->coord_rev : CTL_COORD_ABSENT, 0, &rev);
	if (rc != 0) {
		ctl_log("cannot persist cluster state version %lld: %s",
			(long long)next->version, strerror(-rc));
		if (rc == -ECANCELED)
			s->stop = true;   /* someone else owns the state now */
		goto cleanup;
	}
	s->coord_rev = rev;
	osp_cluster_free(s->cs);
	s->cs = next;
	next = NULL;
	osp_buf_free(&s->state_json);
	s->state_json = b;
	osp_buf_init(&b);
	ctl_log("cluster state version %lld [%s]: %s", (long long)s->cs->version,
		s->cs->state_uuid, what);
	for (int i = 0; i < SRV_MAX_CONNS; i++) {
		if (s->conns[i].c.fd >= 0 && s->conns[i].hello)
			srv_publish(s, i);
	}
cleanup:
	osp_cluster_free(next);
	osp_buf_free(&b);
	return rc;
}

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
	default:
		break;
	}
	osp_jw_kv_int(&jw, "state_version", w->version);
	osp_jw_obj_end(&jw);
}

/* Queue a success reply; srv_flush_waits sends it once acknowledged. */
static void
srv_reply_acked(ctl_server_t *s, int slot, const osp_chan_frame_t *f, int64_t version,
		int64_t timeout_ms, const char *index, int64_t mapping_version)
{
	srv_wait_t *w = realloc(s->waits, (s->n_waits + 1) * sizeof(*w));
	char *ix = strdup(index);

	if (w == NULL || ix == NULL) {
		osp_err_t err;

		if (w)
			s->waits = w;
		free(ix);
		osp_err_set(&err, 500, "exception", "out of memory");
		srv_reply_err(s, slot, f->id, &err);
		return;
	}
	s->waits = w;
	w[s->n_waits++] = (srv_wait_t){ .slot = slot, .gen = s->conns[slot].gen,
		.req_id = f->id, .version = version, .type = f->type,
		.deadline_ms = now_mono_ms() + timeout_ms, .index = ix,
		.mapping_version = mapping_version };
}

/* Send replies whose version is acknowledged or whose time is up. */
static void
srv_flush_waits(ctl_server_t *s)
{
	int64_t now = now_mono_ms();

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
			srv_send(s, w->slot, OSP_CHAN_REPLY, OSP_CHAN_F_JSON, w->req_id,
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
static void
srv_request(ctl_server_t *s, int slot, const osp_chan_frame_t *f)
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
	int64_t mv = 0, timeout = s->o.ack_timeout_ms, now = now_realtime_ms();
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
		srv_send(s, slot, OSP_CHAN_REPLY, OSP_CHAN_F_JSON, f->id, b.data, b.len);
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
			closed.len ? closed.data : index, mv);
	goto cleanup;
fail:
	srv_reply_err(s, slot, f->id, &err);
cleanup:
	osp_buf_free(&closed);
	osp_cluster_free(next);
	osp_arena_free(&a);
}

/* Commit the batch built in this loop iteration and give its waiters their
 * version; if it cannot be persisted they all get an error. */
static void
srv_batch_commit(ctl_server_t *s)
{
	osp_err_t err;
	int rc;

	if (s->batch == NULL)
		return;
	rc = srv_commit(s, s->batch, s->batch_what.data ? s->batch_what.data : "");
	s->batch = NULL;
	osp_buf_clear(&s->batch_what);
	if (rc != 0)
		osp_err_set(&err, 503, "cluster_block_exception",
			    "failed to persist the cluster state: %s", strerror(-rc));
	for (size_t i = 0; i < s->n_waits;) {
		srv_wait_t *w = &s->waits[i];

		if (w->version != 0) {
			i++;
		} else if (rc == 0) {
			w->version = s->cs->version;
			i++;
		} else {
			if (s->conns[w->slot].c.fd >= 0 && s->conns[w->slot].gen == w->gen)
				srv_reply_err(s, w->slot, w->req_id, &err);
			free(w->index);
			s->waits[i] = s->waits[--s->n_waits];
		}
	}
}

/* A dataplane (re)connected. If it has applied a newer version than ours
 * (our newest file was lost and we fell back to the previous copy), move
 * our version past it so it never sees one version number twice. */
static void
srv_hello(ctl_server_t *s, int slot, const osp_chan_frame_t *f)
{
	osp_buf_t b = OSP_BUF_INIT;
	osp_arena_t a;
	osp_json_t *req = NULL;
	osp_json_error_t jerr;
	osp_jw_t w;
	int64_t applied = 0;

	osp_arena_init(&a, 1024, 0);
	if (osp_json_parse(&a, f->payload, f->len, NULL, &req, &jerr) == 0) {
		const osp_json_t *v = osp_json_get(req, "applied_version");

		if (osp_json_is(v, OSP_JSON_NUMBER) && v->is_int)
			applied = v->i;
	}
	osp_arena_free(&a);
	osp_jw_init(&w, &b, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_int(&w, "proto", OSP_CHAN_VERSION);
	osp_jw_kv_str(&w, "node_id", s->o.self.id);
	osp_jw_kv_str(&w, "cluster_name", s->cs->cluster_name);
	osp_jw_kv_str(&w, "cluster_uuid", s->cs->cluster_uuid);
	osp_jw_obj_end(&w);
	s->conns[slot].hello = true;
	srv_send(s, slot, OSP_CHAN_HELLO, OSP_CHAN_F_JSON, f->id, b.data, b.len);
	osp_buf_free(&b);
	if (s->conns[slot].c.fd < 0)
		return;
	if (applied > s->cs->version && s->batch == NULL) {
		osp_cluster_t *next = osp_cluster_clone(s->cs);
		char what[128];

		snprintf(what, sizeof(what), "version moved past the dataplane's applied version %lld",
			 (long long)applied);
		if (next != NULL) {
			s->cs->version = applied;
			if (srv_commit(s, next, what) == 0)
				return;   /* published to every connection */
		}
	}
	srv_publish(s, slot);
}

static void
srv_frame(ctl_server_t *s, int slot, const osp_chan_frame_t *f)
{
	srv_conn_t *c = &s->conns[slot];

	switch (f->type) {
	case OSP_CHAN_HELLO:
		srv_hello(s, slot, f);
		break;
	case OSP_CHAN_ACK:
		if ((int64_t)f->id > c->acked)
			c->acked = (int64_t)f->id;
		break;
	default:
		srv_request(s, slot, f);
		break;
	}
}

static void
srv_accept(ctl_server_t *s)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int slot = -1;

		if (fd < 0)
			return;
		for (int i = 0; i < SRV_MAX_CONNS && slot < 0; i++) {
			if (s->conns[i].c.fd < 0)
				slot = i;
		}
		if (slot < 0) {
			close(fd);
			continue;
		}
		srv_conn_t *c = &s->conns[slot];

		osp_chan_conn_init(&c->c, fd);
		c->gen = ++s->next_gen;
		c->hello = false;
		c->acked = 0;
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)slot };

		epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
		ctl_log("dataplane connection %d opened", slot);
	}
}

static void
srv_conn_event(ctl_server_t *s, int slot, uint32_t events)
{
	srv_conn_t *c = &s->conns[slot];
	osp_chan_frame_t f;
	int rc;

	if (events & EPOLLOUT) {
		if (osp_chan_conn_flush(&c->c) != 0) {
			srv_conn_drop(s, slot);
			return;
		}
		struct epoll_event ev = { .events = EPOLLIN |
			(osp_chan_conn_pending(&c->c) ? EPOLLOUT : 0), .data.u32 = (uint32_t)slot };

		epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->c.fd, &ev);
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	rc = osp_chan_conn_read(&c->c);
	while (c->c.fd >= 0 && (rc == 0 || rc == -EPIPE)) {
		int drc = osp_chan_conn_next(&c->c, &f);

		if (drc == OSP_AGAIN)
			break;
		if (drc < 0) {
			ctl_log("dataplane connection %d: bad frame (%s)", slot, strerror(-drc));
			rc = drc;
			break;
		}
		srv_frame(s, slot, &f);
	}
	if (rc != 0 && c->c.fd >= 0)
		srv_conn_drop(s, slot);
}

static int
srv_listen(ctl_server_t *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(s->o.socket_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, s->o.socket_path);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return -errno;
	unlink(sa.sun_path);   /* a previous control process's socket */
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(sa.sun_path, 0600) != 0 || listen(s->lfd, 16) != 0)
		return -errno;
	return 0;
}

int
ctl_server_open(const ctl_server_opts_t *o, ctl_coord_t *coord, ctl_server_t **out)
{
	ctl_server_t *s = calloc(1, sizeof(*s));
	osp_buf_t val = OSP_BUF_INIT;
	osp_cluster_t *next = NULL;
	sigset_t mask;
	int rc;

	if (s == NULL)
		return -ENOMEM;
	s->o = *o;
	s->coord = coord;
	s->lfd = s->epfd = s->sigfd = -1;
	for (int i = 0; i < SRV_MAX_CONNS; i++)
		s->conns[i].c.fd = -1;
	rc = ctl_coord_get(coord, s->o.state_key, &val, &s->coord_rev);
	if (rc == 0) {
		rc = osp_cluster_parse(val.data, val.len, &s->cs);
		if (rc != 0) {
			ctl_log("stored cluster state is unreadable (%s)", strerror(-rc));
			goto cleanup;
		}
		ctl_log("recovered cluster state version %lld with %u indices",
			(long long)s->cs->version, s->cs->n_indices);
	} else if (rc == -ENOENT) {
		s->coord_rev = 0;
		s->cs = osp_cluster_new();
		if (s->cs == NULL || ctl_uuid_random(s->cs->cluster_uuid) != 0) {
			rc = -ENOMEM;
			goto cleanup;
		}
		snprintf(s->cs->cluster_name, sizeof(s->cs->cluster_name), "%s", o->cluster_name);
	} else {
		goto cleanup;
	}
	next = osp_cluster_clone(s->cs);
	rc = next ? ctl_state_set_local_node(next, &o->self) : -ENOMEM;
	if (rc != 0)
		goto cleanup;
	snprintf(next->cluster_name, sizeof(next->cluster_name), "%s", o->cluster_name);
	rc = srv_commit(s, next, "node joined and elected master (single node)");
	next = NULL;
	if (rc != 0)
		goto cleanup;
	rc = srv_listen(s);
	if (rc != 0) {
		ctl_log("cannot listen on %s: %s", o->socket_path, strerror(-rc));
		goto cleanup;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	s->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->sigfd < 0 || s->epfd < 0) {
		rc = -errno;
		goto cleanup;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = UINT32_MAX };

	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ev);
	ev.data.u32 = UINT32_MAX - 1;
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sigfd, &ev);
	ctl_log("listening on %s, node [%s] id [%s], cluster [%s] uuid [%s]",
		o->socket_path, o->self.name, o->self.id, s->cs->cluster_name,
		s->cs->cluster_uuid);
	*out = s;
	s = NULL;
cleanup:
	osp_cluster_free(next);
	osp_buf_free(&val);
	ctl_server_close(s);
	return rc;
}

int
ctl_server_run(ctl_server_t *s)
{
	struct epoll_event evs[32];

	while (!s->stop) {
		int n = epoll_wait(s->epfd, evs, 32, s->n_waits ? 50 : 1000);

		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n; i++) {
			uint32_t id = evs[i].data.u32;

			if (id == UINT32_MAX) {
				srv_accept(s);
			} else if (id == UINT32_MAX - 1) {
				struct signalfd_siginfo si;

				if (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
					ctl_log("stopping on signal %u", si.ssi_signo);
					s->stop = true;
				}
			} else if (id < SRV_MAX_CONNS && s->conns[id].c.fd >= 0) {
				srv_conn_event(s, (int)id, evs[i].events);
			}
		}
		srv_batch_commit(s);
		s->coord->ops->poll(s->coord, now_mono_ms());
		srv_flush_waits(s);
	}
	return 0;
}

void
ctl_server_close(ctl_server_t *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < SRV_MAX_CONNS; i++) {
		if (s->conns[i].c.fd >= 0)
			osp_chan_conn_close(&s->conns[i].c);
	}
	for (size_t i = 0; i < s->n_waits; i++)
		free(s->waits[i].index);
	free(s->waits);
	if (s->lfd >= 0) {
		close(s->lfd);
		unlink(s->o.socket_path);
	}
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->sigfd >= 0)
		close(s->sigfd);
	osp_cluster_free(s->cs);
	osp_cluster_free(s->batch);
	osp_buf_free(&s->batch_what);
	osp_buf_free(&s->state_json);
	free(s);
}
