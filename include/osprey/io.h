/*
 * osprey/io.h - the storage I/O layer a worker core owns (one per worker).
 *
 * Every byte a shard writes or reads goes through an st_io_t: WAL appends and
 * their fdatasync, segment and commit-point files, and reads at open. Two
 * backends sit behind one ops table (nginx's ngx_os_io_t):
 *   ST_IO_URING  one io_uring per worker; requests are queued as SQEs and
 *                submitted in one batch per loop iteration (st_io_submit);
 *                a write with ST_IO_F_SYNC is linked to an fdatasync
 *                (IOSQE_IO_LINK) so group commit costs one submission;
 *   ST_IO_PLAIN  pread/pwrite/fdatasync executed at submit time, completions
 *                delivered by the next st_io_poll, like the ring's.
 * Fault points (fail or short-write the Nth write, fail the Nth fsync, ENOSPC
 * past a byte budget) live in this layer, above both backends, because
 * libfiu cannot see io_uring.
 *
 * Async use: st_io_write/read/fsync queue a request with a completion
 * callback and cookie; st_io_submit sends the batch; st_io_poll (called by
 * the worker every iteration) runs callbacks of finished requests. The
 * blocking helpers (st_io_pwrite_all, ...) submit and wait on the same io,
 * so they may be called between iterations (open, flush, tests).
 *
 * An st_io_t and every request on it belong to one thread.
 */
#ifndef OSPREY_IO_H
#define OSPREY_IO_H

#include <stddef.h>
#include <stdint.h>

typedef struct st_io st_io_t;

typedef enum st_io_backend {
	ST_IO_URING = 0,
	ST_IO_PLAIN = 1,
} st_io_backend_t;

/* Flags for st_io_write. */
#define ST_IO_F_SYNC 0x1u   /* fdatasync after the write; done only when durable */

/* Completion of one request: res is the byte count (all of it: the layer
 * resubmits short transfers) or a negative errno. Called from st_io_poll
 * or a blocking helper, never from the submitting call itself. */
typedef void (*st_io_cb_t)(void *cookie, int res);

/* Injected faults, counted from the moment they are set (1-based; 0 = off).
 * Counters cover every write/fsync on the io, blocking or async. */
typedef struct st_io_faults {
	uint64_t fail_write_nth;    /* the Nth write fails with write_errno */
	int write_errno;            /* default EIO */
	uint64_t short_write_nth;   /* the Nth write stores only its first half,
				     * then fails with EIO (a torn write) */
	uint64_t fail_fsync_nth;    /* the Nth fsync/fdatasync fails with EIO */
	uint64_t enospc_after;      /* >0: writes past this many bytes get ENOSPC */
	uint64_t fail_write_every;  /* >0: every write from fail_write_nth on fails */
} st_io_faults_t;

/* Counters for stats and tests. */
typedef struct st_io_stats {
	uint64_t writes, reads, fsyncs, submits;
	uint64_t bytes_written, bytes_read;
	uint64_t faults_injected;
} st_io_stats_t;

/* Create an io with room for `depth` requests in flight (ring size). Falls
 * back to nothing: ST_IO_URING fails with the kernel's errno when io_uring is
 * unavailable, and the caller decides (st_io_create_best tries both). */
int
st_io_create(st_io_t **out, st_io_backend_t backend, unsigned depth);

/* io_uring when the kernel allows it, else the plain backend. */
int
st_io_create_best(st_io_t **out, unsigned depth);

/* Waits for requests in flight, then frees. */
void
st_io_destroy(st_io_t *io);

st_io_backend_t
st_io_backend(const st_io_t *io);

/* Replace the fault plan (NULL clears it) and reset its counters. */
void
st_io_set_faults(st_io_t *io, const st_io_faults_t *f);

void
st_io_get_stats(const st_io_t *io, st_io_stats_t *out);

/* Queue an async write of len bytes at off (buf must stay valid until the
 * callback). flags: ST_IO_F_SYNC. 0 or -ENOMEM (request pool empty). */
int
st_io_write(st_io_t *io, int fd, const void *buf, size_t len, uint64_t off,
	    unsigned flags, st_io_cb_t cb, void *cookie);

int
st_io_read(st_io_t *io, int fd, void *buf, size_t len, uint64_t off,
	   st_io_cb_t cb, void *cookie);

/* Queue an fdatasync. */
int
st_io_fsync(st_io_t *io, int fd, st_io_cb_t cb, void *cookie);

/* Send queued requests to the kernel (one io_uring_submit). */
int
st_io_submit(st_io_t *io);

/* Run callbacks of completed requests without blocking (wait_min = 0), or
 * after at least wait_min completions. Returns completions handled or a
 * negative errno. */
int
st_io_poll(st_io_t *io, unsigned wait_min);

/* Requests queued or in flight. */
unsigned
st_io_inflight(const st_io_t *io);

/* Blocking helpers (submit + wait for this request only; other requests'
 * callbacks may run meanwhile). */
int
st_io_pwrite_all(st_io_t *io, int fd, const void *buf, size_t len, uint64_t off);

int
st_io_pread_all(st_io_t *io, int fd, void *buf, size_t len, uint64_t off);

int
st_io_fdatasync(st_io_t *io, int fd);

/* fsync a directory (after create/rename/unlink in it). */
int
st_io_fsync_dir(st_io_t *io, const char *dir);

/* Atomically replace dir/name with data: write dir/name.tmp, fdatasync,
 * rename over name, fsync dir. On error the old file is untouched. */
int
st_io_replace_file(st_io_t *io, const char *dir, const char *name,
		   const void *data, size_t len);

/* Create (or truncate) dir/name with data and fdatasync it; no dir fsync
 * (callers batch one st_io_fsync_dir for many files). */
int
st_io_write_file(st_io_t *io, const char *dir, const char *name,
		 const void *data, size_t len);

/* Read a whole file into malloc'd memory (*data freed by the caller). */
int
st_io_read_file(st_io_t *io, const char *path, void **data, size_t *len);

#endif
