/* pf_worker.c - the load-generator event loop (see pf_worker.h).
 *
 * Each connection keeps a ring of its outstanding requests (request index and
 * the time latency counts from); HTTP/1.1 answers in order, so a completed
 * response always belongs to the ring's head. Requests are written from the
 * ring's write cursor; a short write leaves EPOLLOUT armed until it drains.
 * A connection that breaks counts its outstanding requests as errors and is
 * re-opened. */
#include "pf_worker.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pf_resp.h"

#define RING 64
#define RBUF 65536

typedef struct slot {
    uint64_t t;      /* intended (open) or actual (closed) send time, ns */
    uint32_t req;
} slot_t;

typedef struct conn {
    int fd;
    int connecting;
    uint64_t retry_at;
    pf_resp_t resp;
    slot_t ring[RING];
    unsigned head, count; /* outstanding requests */
    unsigned wr;          /* ring entries already fully written, from head */
    size_t wr_off;        /* bytes of the entry at head+wr already written */
    int want_out;
} conn_t;

/* Backlog of intended send times not yet on a connection (open loop). */
typedef struct backlog {
    uint64_t *v;
    size_t cap, head, n;
} backlog_t;

typedef struct loop {
    pf_worker_t *w;
    int ep;
    conn_t *c;
    backlog_t bl;
    pf_sched_t sched;
    uint64_t next_req;
    uint64_t win_start, win_end;
    char *rbuf;
} loop_t;

uint64_t
pf_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int
bl_push(backlog_t *b, uint64_t t)
{
    if (b->n == b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 1024;
        uint64_t *nv = malloc(ncap * sizeof(*nv));
        if (!nv)
            return -ENOMEM;
        for (size_t i = 0; i < b->n; i++)
            nv[i] = b->v[(b->head + i) % b->cap];
        free(b->v);
        b->v = nv;
        b->cap = ncap;
        b->head = 0;
    }
    b->v[(b->head + b->n) % b->cap] = t;
    b->n++;
    return 0;
}

static uint64_t
bl_pop(backlog_t *b)
{
    uint64_t t = b->v[b->head];
    b->head = (b->head + 1) % b->cap;
    b->n--;
    return t;
}

static int
in_window(const loop_t *L, uint64_t t)
{
    return t >= L->win_start && t < L->win_end;
}

static void
record(loop_t *L, uint64_t t, uint64_t now)
{
    if (in_window(L, t))
        pf_hist_record(L->w->hist, now > t ? now - t : 0);
}

static void
conn_close(loop_t *L, conn_t *c, uint64_t now)
{
    if (c->connecting)
        L->w->connect_errors++;
    if (c->fd >= 0) {
        epoll_ctl(L->ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    for (unsigned i = 0; i < c->count; i++) {
        if (in_window(L, c->ring[(c->head + i) % RING].t)) {
            L->w->errors++;
            atomic_fetch_add_explicit(&L->w->prog_errors, 1, memory_order_relaxed);
        }
    }
    c->head = c->count = c->wr = 0;
    c->wr_off = 0;
    c->want_out = 0;
    c->connecting = 0;
    c->retry_at = now + 50000000ULL;
}

static int
conn_open(loop_t *L, conn_t *c)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    int rc = connect(fd, (const struct sockaddr *)&L->w->cfg->addr, sizeof(L->w->cfg->addr));
    if (rc < 0 && errno != EINPROGRESS) {
        rc = -errno;
        close(fd);
        return rc;
    }
    c->fd = fd;
    c->connecting = 1;
    c->want_out = 1;
    pf_resp_reset(&c->resp);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(L->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
        rc = -errno;
        close(fd);
        c->fd = -1;
        return rc;
    }
    return 0;
}

static void
set_out(loop_t *L, conn_t *c, int want)
{
    if (c->want_out == want || c->fd < 0)
        return;
    c->want_out = want;
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(L->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Write what is pending on c. Returns -1 if the connection broke. */
static int
conn_flush(loop_t *L, conn_t *c)
{
    const pf_reqs_t *reqs = L->w->cfg->reqs;
    while (c->wr < c->count) {
        const pf_req_t *r = &reqs->v[c->ring[(c->head + c->wr) % RING].req];
        ssize_t n = send(c->fd, r->data + c->wr_off, r->len - c->wr_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                set_out(L, c, 1);
                return 0;
            }
            if (errno == EINTR)
                continue;
            return -1;
        }
        c->wr_off += (size_t)n;
        if (c->wr_off == r->len) {
            c->wr++;
            c->wr_off = 0;
        }
    }
    set_out(L, c, 0);
    return 0;
}

static int
conn_send(loop_t *L, conn_t *c, uint64_t t)
{
    const pf_reqs_t *reqs = L->w->cfg->reqs;
    slot_t *s = &c->ring[(c->head + c->count) % RING];
    s->t = t;
    s->req = (uint32_t)(L->next_req++ % reqs->n);
    c->count++;
    L->w->sent++;
    if (c->connecting)
        return 0;
    return conn_flush(L, c);
}

static int
conn_read(loop_t *L, conn_t *c)
{
    for (;;) {
        ssize_t n = recv(c->fd, L->rbuf, RBUF, 0);
        if (n == 0)
            return -1;
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            if (errno == EINTR)
                continue;
            return -1;
        }
        L->w->bytes_in += (uint64_t)n;
        size_t off = 0;
        while (off < (size_t)n) {
            int done;
            long used = pf_resp_feed(&c->resp, L->rbuf + off, (size_t)n - off, &done);
            if (used < 0 || (done && c->count == 0))
                return -1;
            off += (size_t)used;
            if (!done)
                continue;
            uint64_t now = pf_now_ns();
            slot_t *s = &c->ring[c->head];
            if (in_window(L, s->t)) {
                record(L, s->t, now);
                L->w->done++;
                L->w->last_done_ns = now;
                if (c->resp.status / 100 != 2)
                    L->w->non2xx++;
            }
            atomic_fetch_add_explicit(&L->w->prog_done, 1, memory_order_relaxed);
            c->head = (c->head + 1) % RING;
            c->count--;
            if (c->wr > 0)
                c->wr--;
            int close_after = c->resp.close;
            pf_resp_reset(&c->resp);
            if (close_after)
                return -1;
        }
        if ((size_t)n < RBUF)
            return 0;
    }
}

static int
pending(const loop_t *L)
{
    if (L->bl.n)
        return 1;
    for (int i = 0; i < L->w->nconns; i++)
        if (L->c[i].count)
            return 1;
    return 0;
}

static void
dispatch(loop_t *L, uint64_t now, int accepting)
{
    const pf_cfg_t *cfg = L->w->cfg;
    int n = L->w->nconns;
    if (!cfg->closed) {
        while (accepting && cfg->t0 + pf_sched_peek(&L->sched) <= now) {
            uint64_t t = cfg->t0 + pf_sched_next(&L->sched);
            if (t >= L->win_end)
                break;
            if (bl_push(&L->bl, t) < 0)
                break;
        }
        if (L->bl.n > L->w->max_backlog)
            L->w->max_backlog = L->bl.n;
    }
    for (int k = 0; k < n; k++) {
        conn_t *c = &L->c[k];
        if (c->fd < 0) {
            if (now >= c->retry_at && conn_open(L, c) < 0) {
                c->retry_at = now + 50000000ULL;
                L->w->connect_errors++;
            }
            continue;
        }
        while ((int)c->count < cfg->pipeline) {
            uint64_t t;
            if (cfg->closed) {
                if (!accepting)
                    break;
                t = now;
            } else {
                if (!L->bl.n)
                    break;
                t = bl_pop(&L->bl);
            }
            if (conn_send(L, c, t) < 0) {
                conn_close(L, c, now);
                L->w->reconnects++;
                break;
            }
        }
    }
}

static void
expire(loop_t *L, uint64_t now)
{
    /* Whatever is still queued or outstanding counts at its age now. */
    while (L->bl.n) {
        uint64_t t = bl_pop(&L->bl);
        record(L, t, now);
        L->w->timeouts++;
    }
    for (int k = 0; k < L->w->nconns; k++) {
        conn_t *c = &L->c[k];
        for (unsigned i = 0; i < c->count; i++) {
            uint64_t t = c->ring[(c->head + i) % RING].t;
            if (in_window(L, t)) {
                record(L, t, now);
                L->w->timeouts++;
            }
        }
        c->count = 0;
    }
}

void *
pf_worker_run(void *arg)
{
    pf_worker_t *w = arg;
    const pf_cfg_t *cfg = w->cfg;
    loop_t L = {.w = w, .ep = -1};
    struct epoll_event evs[64];
    w->rc = 0;
    L.rbuf = malloc(RBUF);
    L.c = calloc((size_t)w->nconns, sizeof(conn_t));
    L.ep = epoll_create1(EPOLL_CLOEXEC);
    if (!L.rbuf || !L.c || L.ep < 0) {
        w->rc = -ENOMEM;
        goto cleanup;
    }
    pf_sched_init(&L.sched, cfg->arrival, w->rate, cfg->seed * 7919 + (uint64_t)w->id);
    L.next_req = (uint64_t)w->id * (cfg->reqs->n / (size_t)cfg->threads);
    L.win_start = cfg->t0 + (uint64_t)(cfg->warmup_s * 1e9);
    L.win_end = L.win_start + (uint64_t)(cfg->duration_s * 1e9);
    w->win_start_ns = L.win_start;
    uint64_t hard_end = L.win_end + (uint64_t)(cfg->drain_s * 1e9);
    for (int k = 0; k < w->nconns; k++) {
        L.c[k].fd = -1;
        if (conn_open(&L, &L.c[k]) < 0)
            L.c[k].retry_at = pf_now_ns() + 50000000ULL;
    }
    for (;;) {
        uint64_t now = pf_now_ns();
        int accepting = now < L.win_end;
        if (!accepting && (!pending(&L) || now >= hard_end))
            break;
        dispatch(&L, now, accepting);
        /* Sleep until the next arrival or at most 5 ms. */
        uint64_t wake = now + 5000000ULL;
        if (!cfg->closed && accepting) {
            uint64_t nx = cfg->t0 + pf_sched_peek(&L.sched);
            if (nx < wake)
                wake = nx;
        }
        struct timespec ts = {0, 0};
        if (wake > now) {
            ts.tv_sec = (time_t)((wake - now) / 1000000000ULL);
            ts.tv_nsec = (long)((wake - now) % 1000000000ULL);
        }
        int n = epoll_pwait2(L.ep, evs, 64, &ts, NULL);
        if (n < 0 && errno == ENOSYS) {
            int ms = (int)((wake - now) / 1000000ULL);
            n = epoll_wait(L.ep, evs, 64, ms);
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            w->rc = -errno;
            break;
        }
        now = pf_now_ns();
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            if (c->fd < 0)
                continue;
            if (c->connecting && (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
                int err = 0;
                socklen_t el = sizeof(err);
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
                if (err) {
                    conn_close(&L, c, now);
                    continue;
                }
                c->connecting = 0;
            }
            if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                if (conn_read(&L, c) < 0) {
                    conn_close(&L, c, now);
                    w->reconnects++;
                    continue;
                }
            }
            if (!c->connecting && c->fd >= 0 && conn_flush(&L, c) < 0) {
                conn_close(&L, c, now);
                w->reconnects++;
            }
        }
    }
    expire(&L, pf_now_ns());
cleanup:
    for (int k = 0; L.c && k < w->nconns; k++)
        if (L.c[k].fd >= 0)
            close(L.c[k].fd);
    if (L.ep >= 0)
        close(L.ep);
    free(L.c);
    free(L.rbuf);
    free(L.bl.v);
    return NULL;
}
