/*
 * ctl_server.c - control's event loop (ctl_server.h).
 *
 * One thread, one epoll set: the listening Unix socket, the dataplane
 * connections and a signalfd; request handlers live in ctl_request.c. A
 * state-changing request is applied to a clone of the committed state
 * (ctl_state.c), rerouted (ctl_alloc.c),
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

#include "ctl_alloc.h"
#include "ctl_custom.h"
#include "ctl_log.h"
#include "ctl_server_int.h"
#include "ctl_state.h"
#include "ctl_uuid.h"

int64_t
ctl_srv_now_realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
ctl_srv_now_mono_ms(void)
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

void
ctl_srv_send(ctl_server_t *s, int slot, uint16_t type, uint32_t flags, uint64_t id,
	 const char *p, size_t n)
{
	srv_conn_t *c = &s->conns[slot];

	if (osp_chan_conn_send(&c->c, type, flags, id, p, n) != 0 ||
	    osp_chan_conn_pending(&c->c) > SRV_MAX_TX_QUEUE) {
		srv_conn_drop(s, slot);
		return;
	}
	struct epoll_event ev = { .events = EPOLLIN | (osp_chan_conn_pending(&c->c) ? EPOLLOUT : 0),
				  .data.u32 = (uint32_t)slot };

	epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->c.fd, &ev);
}

void
ctl_srv_reply_err(ctl_server_t *s, int slot, uint64_t id, const osp_err_t *err)
{
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;

	osp_jw_init(&w, &b, 0);
	osp_chan_err_write(&w, err);
	ctl_srv_send(s, slot, OSP_CHAN_REPLY, OSP_CHAN_F_JSON | OSP_CHAN_F_ERROR, id, b.data, b.len);
	osp_buf_free(&b);
}

static void
srv_publish(ctl_server_t *s, int slot)
{
	ctl_srv_send(s, slot, OSP_CHAN_PUBLISH, OSP_CHAN_F_JSON, (uint64_t)s->cs->version,
		 s->state_json.data, s->state_json.len);
}

/* Persist next as the new committed state, then publish it. Takes next. */
int
ctl_srv_commit(ctl_server_t *s, osp_cluster_t *next, const char *what)
{
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;
	int64_t rev = 0;
	int rc;

	if (ctl_alloc_reroute(next, ctl_srv_now_realtime_ms()) < 0) {
		rc = -ENOMEM;
		goto cleanup;
	}
	next->version = s->cs ? s->cs->version + 1 : next->version + 1;
	ctl_custom_stamp(next);
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
		if (rc == -ECANCELED) {
			s->stop = true;   /* someone else owns the state now */
			s->fatal = rc;
		}
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

/* Commit the batch built in this loop iteration and give its waiters their
 * version; if it cannot be persisted they all get an error. */
static void
srv_batch_commit(ctl_server_t *s)
{
	osp_err_t err;
	int rc;

	if (s->batch == NULL)
		return;
	rc = ctl_srv_commit(s, s->batch, s->batch_what.data ? s->batch_what.data : "");
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
				ctl_srv_reply_err(s, w->slot, w->req_id, &err);
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
	ctl_srv_send(s, slot, OSP_CHAN_HELLO, OSP_CHAN_F_JSON, f->id, b.data, b.len);
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
			if (ctl_srv_commit(s, next, what) == 0)
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
		ctl_request_handle(s, slot, f);
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
	rc = ctl_member_join(&s->member, coord, o->cluster_name, &o->self, CTL_LEASE_TTL_MS,
			     ctl_srv_now_mono_ms());
	if (rc != 0)
		goto cleanup;
	next = osp_cluster_clone(s->cs);
	rc = next ? ctl_state_set_local_node(next, &o->self) : -ENOMEM;
	if (rc != 0)
		goto cleanup;
	snprintf(next->cluster_name, sizeof(next->cluster_name), "%s", o->cluster_name);
	rc = ctl_srv_commit(s, next, "node joined and elected master (single node)");
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
		s->coord->ops->poll(s->coord, ctl_srv_now_mono_ms());
		ctl_request_flush_waits(s);
		if (ctl_member_tick(&s->member, ctl_srv_now_mono_ms()) == -ENOENT)
			return -ENOENT;   /* no longer master: the launcher restarts us */
	}
	return s->fatal;
}

void
ctl_server_close(ctl_server_t *s)
{
	if (s == NULL)
		return;
	ctl_member_leave(&s->member);
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
