/*
 * st_io_uring.c - the io_uring backend of osprey/io.h (one ring per worker).
 *
 * Each attempt becomes one SQE, or two for a write that must be durable: a
 * write with IOSQE_IO_LINK followed by an fdatasync, so group commit is a
 * single submission and the sync starts only after the write succeeded. The
 * user_data of an SQE is the request pointer with the low bit telling the
 * write from its linked sync. SQEs are batched until st_io_submit (the
 * worker submits once per loop iteration); a full SQ is submitted early.
 */
#include <errno.h>
#include <stdlib.h>

#include <liburing.h>

#include "st_io_int.h"

static int
uring_init(st_io_t *io, unsigned depth)
{
	struct io_uring *ring = calloc(1, sizeof(*ring));
	int rc;

	if (!ring)
		return -ENOMEM;
	rc = io_uring_queue_init(depth, ring, 0);
	if (rc < 0) {
		free(ring);
		return rc;
	}
	io->be = ring;
	return 0;
}

static void
uring_fini(st_io_t *io)
{
	struct io_uring *ring = io->be;

	if (ring) {
		io_uring_queue_exit(ring);
		free(ring);
	}
	io->be = NULL;
}

/* Room for n SQEs, submitting what is queued when the SQ is full (the
 * kernel consumes submitted SQEs at once; completions beyond the CQ size are
 * kept by the kernel, IORING_FEAT_NODROP). */
static int
sq_room(struct io_uring *ring, unsigned n)
{
	while (io_uring_sq_space_left(ring) < n) {
		int rc = io_uring_submit(ring);

		if (rc < 0 && rc != -EINTR)
			return rc;
	}
	return 0;
}

static int
uring_queue(st_io_t *io, st_io_req_t *r)
{
	struct io_uring *ring = io->be;
	struct io_uring_sqe *sqe;
	int rc = sq_room(ring, 1u + r->sync);

	if (rc < 0)
		return rc;
	sqe = io_uring_get_sqe(ring);
	switch (r->att_op) {
	case ST_IO_OP_READ:
		io_uring_prep_read(sqe, r->fd, r->buf + r->done, (unsigned)r->att_len,
				   r->off + r->done);
		break;
	case ST_IO_OP_WRITE:
		io_uring_prep_write(sqe, r->fd, r->buf + r->done, (unsigned)r->att_len,
				    r->off + r->done);
		break;
	default:
		io_uring_prep_fsync(sqe, r->fd, IORING_FSYNC_DATASYNC);
		break;
	}
	io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)r | ST_IO_EV_MAIN);
	if (r->sync) {
		sqe->flags |= IOSQE_IO_LINK;
		sqe = io_uring_get_sqe(ring);
		io_uring_prep_fsync(sqe, r->fd, IORING_FSYNC_DATASYNC);
		io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)r | ST_IO_EV_SYNC);
	}
	return 0;
}

static int
uring_submit(st_io_t *io)
{
	struct io_uring *ring = io->be;
	int rc;

	if (io_uring_sq_ready(ring) == 0)
		return 0;
	do
		rc = io_uring_submit(ring);
	while (rc == -EINTR);
	return rc < 0 && rc != -EAGAIN && rc != -EBUSY ? rc : 0;
}

static int
uring_reap(st_io_t *io, unsigned wait_min)
{
	struct io_uring *ring = io->be;
	struct io_uring_cqe *cqe;
	int n = 0, rc;

	if (wait_min) {
		do
			rc = io_uring_wait_cqe(ring, &cqe);
		while (rc == -EINTR);
		if (rc < 0)
			return rc;
	}
	while (io_uring_peek_cqe(ring, &cqe) == 0) {
		uint64_t ud = io_uring_cqe_get_data64(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(ring, cqe);
		st_io_event(io, (st_io_req_t *)(uintptr_t)(ud & ~(uint64_t)1),
			    (int)(ud & 1), res);
		n++;
	}
	return n;
}

const st_io_backend_ops_t st_io_uring_ops = {
	.init = uring_init,
	.fini = uring_fini,
	.queue = uring_queue,
	.submit = uring_submit,
	.reap = uring_reap,
};
