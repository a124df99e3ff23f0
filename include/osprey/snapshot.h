/*
 * osprey/snapshot.h - what snapshots need from a shard: a consistent,
 * self-contained copy of its committed files, and a way to install such a
 * copy as the committed state of a (closed) shard of another index.
 *
 * st_shard_snapshot_stage runs on the shard's worker: it flushes (so the
 * commit point covers every acknowledged write and the WAL is not needed),
 * then hard-links every file the commit point names, plus the commit point
 * itself, into a staging directory. Links are cheap (no data copied on the
 * worker) and keep the bytes alive after merges delete the originals, so a
 * helper thread can copy them to the repository at leisure and then remove
 * the staging directory.
 *
 * st_snapshot_commit_rebind rewrites a commit point's bytes for the index
 * uuid of the index being restored into (a commit point names its index,
 * and a shard refuses to open another index's commit).
 */
#ifndef OSPREY_SNAPSHOT_H
#define OSPREY_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "osprey/buf.h"
#include "osprey/err.h"
#include "osprey/storage.h"

/* What a stage produced: the commit point's file name ("segments_N") and
 * totals. */
typedef struct st_snapshot_stage {
	char commit_file[32];
	uint32_t n_files;          /* including the commit point */
	uint64_t bytes;
	int64_t max_seq_no;
	uint64_t docs;
} st_snapshot_stage_t;

/* Worker only. staging must not exist yet; it is created. 0 or -errno
 * (err filled). */
int
st_shard_snapshot_stage(st_shard_t *sh, const char *staging, st_snapshot_stage_t *out,
			osp_err_t *err);

/* Decode commit point bytes, set index_uuid, encode into out. 0 or
 * -EUCLEAN when the bytes are not a valid commit point. */
int
st_snapshot_commit_rebind(const void *p, size_t len, const char *index_uuid, osp_buf_t *out);

/* CRC32C (Castagnoli), as the storage layer checksums its files. */
uint32_t
st_snapshot_crc32c(uint32_t crc, const void *p, size_t n);

#endif
