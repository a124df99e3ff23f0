/*
 * st_commit.h - the shard's commit point (segments_N), encoded and decoded.
 *
 * A commit point names the segments a restart must load (with the delete
 * generation of each and the files and sizes that make it up), the highest
 * seq_no they contain (the WAL is replayed above it), the oldest WAL
 * generation still needed, and the primary term. It is written whole to
 * segments_N with st_io_replace_file (tmp + fsync + rename + dir fsync), so
 * a reader sees the old commit or the new one, never a mix. Format in
 * st_commit.c. Plain values; the shard owns them.
 */
#ifndef ST_COMMIT_H
#define ST_COMMIT_H

#include <stdint.h>

#include "osprey/buf.h"
#include "osprey/io.h"

#define ST_COMMIT_MAX_FILES 12

/* One segment as committed. */
typedef struct st_commit_seg {
	char name[40];
	uint64_t delgen;          /* 0 = no deletes */
	uint32_t max_doc;
	uint32_t nfiles;          /* components, then the .liv when delgen > 0 */
	char file[ST_COMMIT_MAX_FILES][64];
	uint64_t size[ST_COMMIT_MAX_FILES];
} st_commit_seg_t;

/* A decoded commit point; segs is malloc'd (st_commit_free). */
typedef struct st_commit {
	uint64_t gen;             /* N of segments_N */
	int64_t max_seq_no;
	uint64_t wal_gen;         /* replay from this WAL generation */
	int64_t primary_term;
	uint64_t next_seg;        /* counter for new segment names */
	char index_uuid[40];
	uint32_t nsegs;
	st_commit_seg_t *segs;
} st_commit_t;

void
st_commit_free(st_commit_t *c);

int
st_commit_encode(const st_commit_t *c, osp_buf_t *out);

/* -EUCLEAN when the bytes are not a valid commit point. */
int
st_commit_decode(const void *p, size_t len, st_commit_t *out);

/* Load the newest segments_N in dir. -ENOENT when there is none; -EUCLEAN
 * when the newest is corrupt (no silent fallback to an older one). */
int
st_commit_load(st_io_t *io, const char *dir, st_commit_t *out);

/* Write segments_<c->gen> atomically and delete older segments_* files. */
int
st_commit_write(st_io_t *io, const char *dir, const st_commit_t *c);

#endif
