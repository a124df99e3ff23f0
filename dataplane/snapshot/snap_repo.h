/*
 * snap_repo.h - a shared-filesystem ("fs") snapshot repository: its layout
 * (see snap_repo.c), content-addressed blobs, and the JSON metadata files.
 * Every function here does blocking file I/O and runs on the background I/O
 * thread (dp_bgio.h), except snap_repo_resolve which is pure.
 */
#ifndef SNAP_REPO_H
#define SNAP_REPO_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/arena.h"
#include "osprey/buf.h"
#include "osprey/err.h"
#include "osprey/json.h"

#define SNAP_BLOB_ID_MAX 64

/* Resolve a repository location against path.repo (comma-separated roots):
 * a relative location is taken under the first root; the result must lie
 * under one of the roots. Pure (no symlink resolution). 0, or -EINVAL with
 * ES's repository_exception. */
int
snap_repo_resolve(const char *repo, const char *location, const char *path_repo, char *out,
		  size_t cap, osp_err_t *err);

/* Create the repository directories and prove they are writable (write,
 * read back and remove a test file). */
int
snap_repo_verify(const char *root, const char *repo, osp_err_t *err);

/* Copy the file at src into the blob store unless a blob with the same
 * content id already exists (incremental snapshots). id gets the blob id
 * (crc32c-fnv1a64-size); *reused tells whether nothing was written. */
int
snap_repo_put_blob(const char *root, const char *src, char id[SNAP_BLOB_ID_MAX], bool *reused,
		   uint64_t *size, osp_err_t *err);

/* Copy blob id to dst, verifying its size and checksums; a mismatch or a
 * missing blob fails with a corruption error and leaves no dst behind. */
int
snap_repo_get_blob(const char *root, const char *id, const char *dst, osp_err_t *err);

/* Read a whole blob into out after verifying it. */
int
snap_repo_read_blob(const char *root, const char *id, osp_buf_t *out, osp_err_t *err);

/* The repository index (list of snapshots): parsed into a; an empty
 * {"snapshots":[]} when the repository has none. *gen is its generation. */
int
snap_repo_read_index(const char *root, osp_arena_t *a, osp_json_t **out, uint64_t *gen,
		     osp_err_t *err);

/* Write the repository index as generation gen + 1 (atomically: file,
 * fsync, rename of index.latest), removing the previous generation. */
int
snap_repo_write_index(const char *root, uint64_t gen, const osp_json_t *index, osp_err_t *err);

/* Per-snapshot metadata file snap-<uuid>.json. */
int
snap_repo_write_meta(const char *root, const char *uuid, const osp_buf_t *json, osp_err_t *err);
int
snap_repo_read_meta(const char *root, const char *uuid, osp_arena_t *a, osp_json_t **out,
		    osp_err_t *err);
int
snap_repo_delete_meta(const char *root, const char *uuid);

/* Remove blobs no snapshot of the index references (and stray temporary
 * files); counts what went. */
int
snap_repo_gc(const char *root, const osp_json_t *index, osp_arena_t *a, uint64_t *blobs,
	     uint64_t *bytes, osp_err_t *err);

/* rm -rf of a staging directory (two levels at most). */
void
snap_repo_rmtree(const char *dir);

#endif
