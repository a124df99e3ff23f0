/*
 * st_io_int.h - internals shared by st_io.c and its backends (st_io_uring.c,
 * st_io_plain.c). Nothing outside st_io*.c includes this.
 *
 * The common layer (st_io.c) owns requests, fault injection and the
 * short-transfer/retry logic; a backend only turns one attempt of a request
 * into kernel work and reports each piece's result with st_io_event().
 * An attempt is: a read, a write, an fsync, or a write linked to an fsync.
 */
#ifndef ST_IO_INT_H
#define ST_IO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "osprey/io.h"

enum { ST_IO_OP_READ = 1, ST_IO_OP_WRITE = 2, ST_IO_OP_FSYNC = 3 };
enum { ST_IO_EV_MAIN = 0, ST_IO_EV_SYNC = 1 };

/* One request; taken from io's free list, returned after its callback. */
typedef struct st_io_req {
	struct st_io_req *next;      /* free / ready list link */
	uint8_t op;                  /* what the caller asked */
	uint8_t att_op;              /* what the current attempt does */
	uint8_t sync;                /* write: linked fdatasync this attempt */
	uint8_t want_sync;           /* write: caller asked ST_IO_F_SYNC */
	uint8_t fail_sync;           /* injected: skip fsync, fail with EIO */
	int fd;
	char *buf;
	size_t len;                  /* bytes asked for */
	size_t limit;                /* bytes this request may transfer (faults) */
	int limit_errno;             /* error once limit is reached */
	size_t done;                 /* bytes transferred so far */
	uint64_t off;
	size_t att_len;              /* bytes asked in the current attempt */
	int att_pending;             /* events outstanding in the attempt */
	int att_main;                /* result of the main part of the attempt */
	int att_sync;                /* result of the linked fsync */
	int res;                     /* final result when ready */
	st_io_cb_t cb;
	void *cookie;
} st_io_req_t;

/* What a backend implements. */
typedef struct st_io_backend_ops {
	int (*init)(st_io_t *io, unsigned depth);
	void (*fini)(st_io_t *io);
	/* Queue one attempt of req (att_len bytes at off + done; a linked
	 * fdatasync when req->sync). 0 or -errno. */
	int (*queue)(st_io_t *io, st_io_req_t *req);
	int (*submit)(st_io_t *io);
	/* Deliver finished events with st_io_event(); wait for at least
	 * wait_min of them. Returns events delivered or -errno. */
	int (*reap)(st_io_t *io, unsigned wait_min);
} st_io_backend_ops_t;

/* An I/O context. Owned by one worker; freed by st_io_destroy. */
struct st_io {
	const st_io_backend_ops_t *ops;
	st_io_backend_t kind;
	void *be;                    /* backend state */
	st_io_req_t *free_list;
	st_io_req_t *ready_head, *ready_tail;  /* finished, callback pending */
	unsigned inflight;           /* requests not yet called back */
	st_io_faults_t faults;
	uint64_t fault_writes, fault_fsyncs, fault_bytes;
	st_io_stats_t stats;
};

extern const st_io_backend_ops_t st_io_uring_ops;
extern const st_io_backend_ops_t st_io_plain_ops;

/* Report one piece of an attempt: kind ST_IO_EV_MAIN (read/write/fsync) or
 * ST_IO_EV_SYNC (the fsync linked to a write), with the kernel's result. */
void
st_io_event(st_io_t *io, st_io_req_t *req, int kind, int res);

#endif
