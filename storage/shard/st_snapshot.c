/*
 * st_snapshot.c - the shard side of snapshots (osprey/snapshot.h): stage a
 * flushed commit point's files by hard links, and rebind commit point bytes
 * to another index uuid for restore. The staging directory holds the
 * commit's files under their own names plus segments_N; nothing else.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "osprey/snapshot.h"
#include "st_commit.h"
#include "st_crc32c.h"
#include "st_shard_int.h"

uint32_t
st_snapshot_crc32c(uint32_t crc, const void *p, size_t n)
{
	return st_crc32c(crc, p, n);
}

static int
stage_link(const st_shard_t *sh, const char *staging, const char *name, uint64_t *bytes)
{
	char from[4096], to[4096];
	struct stat st;

	snprintf(from, sizeof(from), "%s/%s", sh->path, name);
	snprintf(to, sizeof(to), "%s/%s", staging, name);
	if (link(from, to) != 0)
		return -errno;
	if (stat(to, &st) == 0)
		*bytes += (uint64_t)st.st_size;
	return 0;
}

int
st_shard_snapshot_stage(st_shard_t *sh, const char *staging, st_snapshot_stage_t *out,
			osp_err_t *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = st_shard_flush(sh);
	if (rc < 0) {
		osp_err_set(err, 500, "snapshot_exception", "[%s][%u] flush before snapshot failed: %s",
			    sh->index_name, sh->shard_id, strerror(-rc));
		return rc;
	}
	if (mkdir(staging, 0755) != 0) {
		rc = -errno;
		osp_err_set(err, 500, "snapshot_exception", "cannot create [%s]: %s", staging, strerror(-rc));
		return rc;
	}
	if (sh->commit.gen == 0) {
		/* never committed: an empty shard has nothing to copy */
		return 0;
	}
	snprintf(out->commit_file, sizeof(out->commit_file), "segments_%" PRIu64, sh->commit.gen);
	out->max_seq_no = sh->commit.max_seq_no;
	for (uint32_t i = 0; i < sh->commit.nsegs; i++) {
		const st_commit_seg_t *s = &sh->commit.segs[i];

		out->docs += s->max_doc;
		for (uint32_t k = 0; k < s->nfiles; k++) {
			if ((rc = stage_link(sh, staging, s->file[k], &out->bytes)) != 0)
				goto fail;
			out->n_files++;
		}
	}
	if ((rc = stage_link(sh, staging, out->commit_file, &out->bytes)) != 0)
		goto fail;
	out->n_files++;
	return 0;
fail:
	osp_err_set(err, 500, "snapshot_exception", "[%s][%u] cannot stage the commit's files: %s",
		    sh->index_name, sh->shard_id, strerror(-rc));
	return rc;
}

int
st_snapshot_commit_rebind(const void *p, size_t len, const char *index_uuid, osp_buf_t *out)
{
	st_commit_t c;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = st_commit_decode(p, len, &c);
	if (rc < 0)
		return rc;
	snprintf(c.index_uuid, sizeof(c.index_uuid), "%s", index_uuid);
	rc = st_commit_encode(&c, out);
	st_commit_free(&c);
	return rc;
}
