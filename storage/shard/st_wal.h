/*
 * st_wal.h - the write-ahead log (translog) of one shard.
 *
 * Generation files translog-<gen>.tlog hold checksummed operation records
 * (format in st_wal.c). Appends go to an in-memory batch; st_wal_kick sends
 * the batch as one write linked to an fdatasync (group commit) when none is
 * in flight, and st_wal_durable_seq_no tells how far the disk has it. Open
 * scans every generation from the commit point's, cuts a torn tail of the
 * newest at its last good record (truncate + fsync, so it never comes back),
 * and starts a fresh generation for new appends. Owned by the shard; one
 * worker thread.
 */
#ifndef ST_WAL_H
#define ST_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "osprey/io.h"

enum { ST_WAL_OP_INDEX = 1, ST_WAL_OP_DELETE = 2 };

/* One operation as logged. Pointers borrow the caller's (append) or the
 * replay buffer's (replay callback) bytes. */
typedef struct st_wal_op {
	uint8_t type;
	int64_t seq_no;
	int64_t primary_term;
	int64_t version;
	const char *id;
	uint32_t id_len;
	const char *routing;        /* NULL when routing_len == 0 */
	uint32_t routing_len;
	const char *source;         /* index ops */
	uint32_t source_len;
} st_wal_op_t;

typedef struct st_wal st_wal_t;

/* Called for each replayed op in log order; a negative return stops replay. */
typedef int (*st_wal_replay_fn)(void *ctx, const st_wal_op_t *op);

/* Open the log in dir: replay generations >= min_gen, calling fn for ops
 * with seq_no > above_seq_no, cut a torn tail, and start generation
 * max(existing)+1 stamped with primary_term. -EUCLEAN on corruption that is
 * not a torn tail (a bad header, a bad record in a sealed generation). */
int
st_wal_open(st_io_t *io, const char *dir, uint64_t min_gen, int64_t above_seq_no,
	    int64_t primary_term, st_wal_replay_fn fn, void *ctx, st_wal_t **out);

/* Wait for the write in flight, then close (no sync of the pending batch:
 * call st_wal_sync first to keep it). */
void
st_wal_close(st_wal_t *w);

/* Encode op into the pending batch. -ENOMEM, or the WAL's failure. */
int
st_wal_append(st_wal_t *w, const st_wal_op_t *op);

/* Start writing the pending batch (write + linked fdatasync) unless a write
 * is in flight. Never blocks; completions arrive through st_io_poll. */
int
st_wal_kick(st_wal_t *w);

/* Block until every appended op is durable (or the WAL fails). */
int
st_wal_sync(st_wal_t *w);

int64_t
st_wal_durable_seq_no(const st_wal_t *w);

/* 0, or the errno that failed the WAL (it then refuses appends). */
int
st_wal_failed(const st_wal_t *w);

/* Sync, then start a new generation; returns it in *gen. */
int
st_wal_roll(st_wal_t *w, uint64_t *gen);

/* Delete generations below gen (after a commit point no longer needs them). */
int
st_wal_trim(st_wal_t *w, uint64_t below_gen);

uint64_t
st_wal_current_gen(const st_wal_t *w);

/* Bytes and ops in generations not yet trimmed (appended included). */
uint64_t
st_wal_size_bytes(const st_wal_t *w);

uint64_t
st_wal_ops(const st_wal_t *w);

/* Exposed for the fuzz target and tests: decode one record at p (avail
 * bytes). Returns its total size, 0 when more bytes are needed (torn), or
 * -EUCLEAN when the checksum or lengths are wrong. */
long
st_wal_decode(const void *p, size_t avail, st_wal_op_t *op);

#endif
