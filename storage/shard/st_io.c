/*
 * st_io.c - the backend-independent part of the I/O layer (osprey/io.h).
 *
 * Owns the request pool, the ready list of finished requests whose
 * callbacks st_io_poll runs, fault injection, and completion of short
 * transfers: a backend reports each kernel result through st_io_event() and
 * this file decides whether the request is done, failed, or needs another
 * attempt for the remaining bytes (a short write breaks an io_uring link, so
 * the linked fdatasync comes back -ECANCELED and is reissued with the rest).
 * Everything here runs on the worker that owns the io.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "st_io_int.h"

static st_io_req_t *
req_get(st_io_t *io)
{
	st_io_req_t *r = io->free_list;

	if (r)
		io->free_list = r->next;
	else if (!(r = malloc(sizeof(*r))))
		return NULL;
	memset(r, 0, sizeof(*r));
	r->limit = SIZE_MAX;
	return r;
}

static void
req_ready(st_io_t *io, st_io_req_t *r, int res)
{
	r->res = res;
	r->next = NULL;
	if (io->ready_tail)
		io->ready_tail->next = r;
	else
		io->ready_head = r;
	io->ready_tail = r;
}

/* Queue the next attempt of r (sync_only: just the fdatasync of a write
 * whose link was cut), or finish it when nothing can be sent. */
static void
req_attempt(st_io_t *io, st_io_req_t *r, int sync_only)
{
	r->att_main = 0;
	r->att_sync = 0;
	r->att_op = sync_only ? ST_IO_OP_FSYNC : r->op;
	if (r->att_op == ST_IO_OP_FSYNC) {
		r->att_len = 0;
		r->sync = 0;
	} else {
		size_t want = r->len - r->done;

		if (r->op == ST_IO_OP_WRITE && r->limit != SIZE_MAX) {
			size_t room = r->limit > r->done ? r->limit - r->done : 0;

			if (room == 0) {
				req_ready(io, r, -r->limit_errno);
				return;
			}
			if (want > room)
				want = room;
		}
		r->att_len = want;
		r->sync = r->op == ST_IO_OP_WRITE && r->want_sync && !r->fail_sync &&
			  r->done + want == r->len;
	}
	r->att_pending = 1 + r->sync;
	int rc = io->ops->queue(io, r);

	if (rc < 0)
		req_ready(io, r, rc);
}

static void
attempt_done(st_io_t *io, st_io_req_t *r)
{
	int m = r->att_main;

	if (m < 0 && m != -EINTR && m != -EAGAIN) {
		req_ready(io, r, m);
		return;
	}
	if (m == -EINTR || m == -EAGAIN) {
		req_attempt(io, r, 0);
		return;
	}
	switch (r->op) {
	case ST_IO_OP_FSYNC:
		io->stats.fsyncs++;
		req_ready(io, r, 0);
		return;
	case ST_IO_OP_READ:
		io->stats.bytes_read += (uint64_t)m;
		r->done += (size_t)m;
		if (m == 0 || r->done == r->len)
			req_ready(io, r, (int)r->done);
		else
			req_attempt(io, r, 0);
		return;
	default:
		break;
	}
	io->stats.bytes_written += (uint64_t)m;
	r->done += (size_t)m;
	if (r->done < r->len) {
		if (r->done >= r->limit)
			req_ready(io, r, -r->limit_errno);
		else
			req_attempt(io, r, 0);   /* short write: send the rest */
		return;
	}
	if (r->sync) {
		io->stats.fsyncs++;
		if (r->att_sync == -ECANCELED) {
			/* write completed but the link was cut: sync alone */
			req_attempt(io, r, 1);
			return;
		}
		if (r->att_sync < 0) {
			req_ready(io, r, r->att_sync);
			return;
		}
	}
	if (r->fail_sync) {
		io->stats.faults_injected++;
		req_ready(io, r, -EIO);
		return;
	}
	req_ready(io, r, (int)r->len);
}

void
st_io_event(st_io_t *io, st_io_req_t *r, int kind, int res)
{
	if (kind == ST_IO_EV_SYNC)
		r->att_sync = res;
	else
		r->att_main = res;
	if (--r->att_pending > 0)
		return;
	if (r->att_op == ST_IO_OP_FSYNC && r->op == ST_IO_OP_WRITE) {
		/* the standalone sync reissued after a cut link (see above) */
		if (res < 0)
			req_ready(io, r, res);
		else if (r->fail_sync)
			req_ready(io, r, -EIO);
		else
			req_ready(io, r, (int)r->len);
		return;
	}
	attempt_done(io, r);
}

int
st_io_create(st_io_t **out, st_io_backend_t backend, unsigned depth)
{
	st_io_t *io = calloc(1, sizeof(*io));
	int rc;

	if (!io)
		return -ENOMEM;
	io->kind = backend;
	io->ops = backend == ST_IO_URING ? &st_io_uring_ops : &st_io_plain_ops;
	if (depth < 8)
		depth = 8;
	rc = io->ops->init(io, depth);
	if (rc < 0) {
		free(io);
		return rc;
	}
	*out = io;
	return 0;
}

int
st_io_create_best(st_io_t **out, unsigned depth)
{
	if (st_io_create(out, ST_IO_URING, depth) == 0)
		return 0;
	return st_io_create(out, ST_IO_PLAIN, depth);
}

void
st_io_destroy(st_io_t *io)
{
	if (!io)
		return;
	while (io->inflight > 0)
		if (st_io_poll(io, 1) < 0)
			break;
	io->ops->fini(io);
	while (io->free_list) {
		st_io_req_t *r = io->free_list;

		io->free_list = r->next;
		free(r);
	}
	free(io);
}

st_io_backend_t
st_io_backend(const st_io_t *io)
{
	return io->kind;
}

void
st_io_set_faults(st_io_t *io, const st_io_faults_t *f)
{
	if (f)
		io->faults = *f;
	else
		memset(&io->faults, 0, sizeof(io->faults));
	if (!io->faults.write_errno)
		io->faults.write_errno = EIO;
	io->fault_writes = 0;
	io->fault_fsyncs = 0;
	io->fault_bytes = 0;
}

void
st_io_get_stats(const st_io_t *io, st_io_stats_t *out)
{
	*out = io->stats;
}

/* Count a sync against the fault plan; true when this one must fail. */
static int
fault_fsync(st_io_t *io)
{
	io->fault_fsyncs++;
	return io->faults.fail_fsync_nth && io->fault_fsyncs == io->faults.fail_fsync_nth;
}

int
st_io_write(st_io_t *io, int fd, const void *buf, size_t len, uint64_t off,
	    unsigned flags, st_io_cb_t cb, void *cookie)
{
	st_io_req_t *r = req_get(io);
	const st_io_faults_t *f = &io->faults;

	if (!r)
		return -ENOMEM;
	r->op = ST_IO_OP_WRITE;
	r->fd = fd;
	r->buf = (char *)buf;
	r->len = len;
	r->off = off;
	r->want_sync = (flags & ST_IO_F_SYNC) != 0;
	r->cb = cb;
	r->cookie = cookie;
	io->inflight++;
	io->stats.writes++;

	io->fault_writes++;
	if (f->fail_write_nth && (io->fault_writes == f->fail_write_nth ||
	    (f->fail_write_every && io->fault_writes > f->fail_write_nth))) {
		io->stats.faults_injected++;
		req_ready(io, r, -(f->write_errno ? f->write_errno : EIO));
		return 0;
	}
	if (f->short_write_nth && io->fault_writes == f->short_write_nth) {
		io->stats.faults_injected++;
		r->limit = len / 2;
		r->limit_errno = EIO;
	}
	if (f->enospc_after) {
		uint64_t room = f->enospc_after > io->fault_bytes ?
				f->enospc_after - io->fault_bytes : 0;

		if (room < len) {
			io->stats.faults_injected++;
			if (room < r->limit)
				r->limit = room;
			r->limit_errno = ENOSPC;
		}
		io->fault_bytes += len < room ? len : room;
	}
	if (r->want_sync && fault_fsync(io))
		r->fail_sync = 1;
	if (r->limit == 0) {
		req_ready(io, r, -r->limit_errno);
		return 0;
	}
	req_attempt(io, r, 0);
	return 0;
}

int
st_io_read(st_io_t *io, int fd, void *buf, size_t len, uint64_t off,
	   st_io_cb_t cb, void *cookie)
{
	st_io_req_t *r = req_get(io);

	if (!r)
		return -ENOMEM;
	r->op = ST_IO_OP_READ;
	r->fd = fd;
	r->buf = buf;
	r->len = len;
	r->off = off;
	r->cb = cb;
	r->cookie = cookie;
	io->inflight++;
	io->stats.reads++;
	if (len == 0) {
		req_ready(io, r, 0);
		return 0;
	}
	req_attempt(io, r, 0);
	return 0;
}

int
st_io_fsync(st_io_t *io, int fd, st_io_cb_t cb, void *cookie)
{
	st_io_req_t *r = req_get(io);

	if (!r)
		return -ENOMEM;
	r->op = ST_IO_OP_FSYNC;
	r->fd = fd;
	r->cb = cb;
	r->cookie = cookie;
	io->inflight++;
	if (fault_fsync(io)) {
		io->stats.faults_injected++;
		req_ready(io, r, -EIO);
		return 0;
	}
	req_attempt(io, r, 0);
	return 0;
}

int
st_io_submit(st_io_t *io)
{
	io->stats.submits++;
	return io->ops->submit(io);
}

/* Run callbacks of ready requests; returns how many. */
static int
deliver(st_io_t *io)
{
	int n = 0;

	while (io->ready_head) {
		st_io_req_t *r = io->ready_head;

		io->ready_head = r->next;
		if (!io->ready_head)
			io->ready_tail = NULL;
		st_io_cb_t cb = r->cb;
		void *cookie = r->cookie;
		int res = r->res;

		r->next = io->free_list;
		io->free_list = r;
		io->inflight--;
		n++;
		if (cb)
			cb(cookie, res);
	}
	return n;
}

int
st_io_poll(st_io_t *io, unsigned wait_min)
{
	int total = deliver(io);

	for (;;) {
		if ((unsigned)total >= wait_min && wait_min > 0)
			return total;
		if (io->inflight == 0)
			return total;
		int rc = io->ops->submit(io);

		if (rc < 0)
			return rc;
		rc = io->ops->reap(io, wait_min > 0 && !io->ready_head ? 1 : 0);
		if (rc < 0)
			return rc;
		total += deliver(io);
		if (wait_min == 0)
			return total;
	}
}

unsigned
st_io_inflight(const st_io_t *io)
{
	return io->inflight;
}

/* Completion record of a blocking helper. */
typedef struct io_wait {
	int done;
	int res;
} io_wait_t;

static void
wait_cb(void *cookie, int res)
{
	io_wait_t *w = cookie;

	w->done = 1;
	w->res = res;
}

static int
wait_for(st_io_t *io, io_wait_t *w)
{
	int rc = io->ops->submit(io);

	if (rc < 0 && !w->done)
		return rc;
	while (!w->done) {
		rc = st_io_poll(io, 1);
		if (rc < 0)
			return rc;
	}
	return w->res;
}

int
st_io_pwrite_all(st_io_t *io, int fd, const void *buf, size_t len, uint64_t off)
{
	io_wait_t w = { 0, 0 };
	int rc = st_io_write(io, fd, buf, len, off, 0, wait_cb, &w);

	if (rc < 0)
		return rc;
	rc = wait_for(io, &w);
	return rc < 0 ? rc : 0;
}

int
st_io_pread_all(st_io_t *io, int fd, void *buf, size_t len, uint64_t off)
{
	io_wait_t w = { 0, 0 };
	int rc = st_io_read(io, fd, buf, len, off, wait_cb, &w);

	if (rc < 0)
		return rc;
	rc = wait_for(io, &w);
	if (rc < 0)
		return rc;
	return (size_t)rc == len ? 0 : -EIO;
}

int
st_io_fdatasync(st_io_t *io, int fd)
{
	io_wait_t w = { 0, 0 };
	int rc = st_io_fsync(io, fd, wait_cb, &w);

	if (rc < 0)
		return rc;
	return wait_for(io, &w);
}

int
st_io_fsync_dir(st_io_t *io, const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	int rc = st_io_fdatasync(io, fd);

	close(fd);
	return rc;
}

int
st_io_write_file(st_io_t *io, const char *dir, const char *name,
		 const void *data, size_t len)
{
	char path[4096];
	int fd, rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	rc = st_io_pwrite_all(io, fd, data, len, 0);
	if (rc == 0)
		rc = st_io_fdatasync(io, fd);
	close(fd);
	if (rc < 0)
		unlink(path);
	return rc;
}

int
st_io_replace_file(st_io_t *io, const char *dir, const char *name,
		   const void *data, size_t len)
{
	char tmp[512], path[4096];
	int rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", name) >= sizeof(tmp))
		return -ENAMETOOLONG;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	rc = st_io_write_file(io, dir, tmp, data, len);
	if (rc < 0)
		return rc;
	char tpath[4096];

	snprintf(tpath, sizeof(tpath), "%s/%s", dir, tmp);
	if (rename(tpath, path) < 0) {
		rc = -errno;
		unlink(tpath);
		return rc;
	}
	return st_io_fsync_dir(io, dir);
}

int
st_io_read_file(st_io_t *io, const char *path, void **data, size_t *len)
{
	struct stat stb;
	void *p = NULL;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &stb) < 0) {
		rc = -errno;
		goto cleanup;
	}
	p = malloc((size_t)stb.st_size + 1);
	if (!p) {
		rc = -ENOMEM;
		goto cleanup;
	}
	rc = st_io_pread_all(io, fd, p, (size_t)stb.st_size, 0);
	if (rc < 0)
		goto cleanup;
	((char *)p)[stb.st_size] = '\0';
	*data = p;
	*len = (size_t)stb.st_size;
	p = NULL;
cleanup:
	free(p);
	close(fd);
	return rc;
}
