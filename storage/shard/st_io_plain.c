/*
 * st_io_plain.c - the plain pread/pwrite/fdatasync backend of osprey/io.h.
 *
 * Attempts are queued on a list and executed, in order, by st_io_submit;
 * results go back through st_io_event so completions reach callbacks from
 * st_io_poll exactly as with io_uring. Used where io_uring is unavailable
 * and by tests, together with the fault plan that st_io.c applies.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "st_io_int.h"

/* Attempts waiting for submit; owned by the io. */
typedef struct plain_state {
	st_io_req_t *head, *tail;
} plain_state_t;

static int
plain_init(st_io_t *io, unsigned depth)
{
	(void)depth;
	io->be = calloc(1, sizeof(plain_state_t));
	return io->be ? 0 : -ENOMEM;
}

static void
plain_fini(st_io_t *io)
{
	free(io->be);
	io->be = NULL;
}

static int
plain_queue(st_io_t *io, st_io_req_t *r)
{
	plain_state_t *ps = io->be;

	r->next = NULL;
	if (ps->tail)
		ps->tail->next = r;
	else
		ps->head = r;
	ps->tail = r;
	return 0;
}

static int
sys_res(ssize_t n)
{
	return n < 0 ? -errno : (int)n;
}

static int
plain_submit(st_io_t *io)
{
	plain_state_t *ps = io->be;

	while (ps->head) {
		st_io_req_t *r = ps->head;

		ps->head = r->next;
		if (!ps->head)
			ps->tail = NULL;
		switch (r->att_op) {
		case ST_IO_OP_READ:
			st_io_event(io, r, ST_IO_EV_MAIN, sys_res(pread(r->fd,
				r->buf + r->done, r->att_len, (off_t)(r->off + r->done))));
			break;
		case ST_IO_OP_WRITE: {
			int res = sys_res(pwrite(r->fd, r->buf + r->done,
				r->att_len, (off_t)(r->off + r->done)));
			int sync = r->sync;

			if (sync) {
				/* a short or failed write cancels the linked sync */
				int sres = (res < 0 || (size_t)res < r->att_len) ?
					   -ECANCELED : sys_res(fdatasync(r->fd));

				st_io_event(io, r, ST_IO_EV_MAIN, res);
				st_io_event(io, r, ST_IO_EV_SYNC, sres);
			} else {
				st_io_event(io, r, ST_IO_EV_MAIN, res);
			}
			break;
		}
		default:
			st_io_event(io, r, ST_IO_EV_MAIN, sys_res(fdatasync(r->fd)));
			break;
		}
	}
	return 0;
}

static int
plain_reap(st_io_t *io, unsigned wait_min)
{
	(void)io;
	(void)wait_min;
	return 0;
}

const st_io_backend_ops_t st_io_plain_ops = {
	.init = plain_init,
	.fini = plain_fini,
	.queue = plain_queue,
	.submit = plain_submit,
	.reap = plain_reap,
};
