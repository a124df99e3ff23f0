/*
 * snap_repo.c - the on-disk layout of an fs snapshot repository and the
 * file operations on it (snap_repo.h). Background I/O thread only.
 *
 * Layout under the repository root:
 *
 *   PATH                          CONTENT
 *   index.latest                  8 bytes: generation N of the live index
 *                                 file, little-endian (replaced by rename)
 *   index-N                       JSON {"snapshots":[{name, uuid, state,
 *                                 indices, start/end times, shards{total,
 *                                 failed,successful}, include_global_state,
 *                                 stats{files,bytes,incremental_files,
 *                                 incremental_bytes}}]}: the snapshot list
 *   snap-<uuid>.json              JSON {"name","uuid","indices":{name:
 *                                 {"settings":{flat},"mappings":{..},
 *                                 "aliases":{..},"number_of_shards":N,
 *                                 "shards":[{"commit":"segments_G",
 *                                 "files":[{"name","blob","size"}]}]}}}
 *   blobs/<xx>/<id>               one shard file's bytes; id is
 *                                 <crc32c:8 hex>-<fnv1a64:16 hex>-<size>,
 *                                 xx its first two hex digits
 *   tests-<pid>                   scratch file of _verify (removed)
 *
 * Blobs are content-addressed, so a file unchanged since an earlier
 * snapshot (segment files are immutable) is stored once: snapshots are
 * incremental, and deleting a snapshot removes only blobs no remaining
 * snapshot names (snap_repo_gc). Every blob is verified against its id
 * (size and both checksums) before a restore trusts it. Metadata files are
 * written to a temporary name, fsynced and renamed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "osprey/snapshot.h"
#include "snap_repo.h"

#define COPY_CHUNK (1u << 20)

static int
io_err(osp_err_t *err, const char *what, const char *path, int e)
{
	osp_err_set(err, 500, "repository_exception", "%s [%s]: %s", what, path, strerror(e));
	return -e;
}

int
snap_repo_resolve(const char *repo, const char *location, const char *path_repo, char *out,
		  size_t cap, osp_err_t *err)
{
	char roots[4096];
	char *save = NULL;

	if (location == NULL || *location == '\0')
		return osp_err_set(err, 500, "repository_exception", "[%s] missing location", repo);
	if (path_repo == NULL || *path_repo == '\0')
		return osp_err_set(err, 500, "repository_exception",
				   "[%s] location [%s] doesn't match any of the locations specified by path.repo because this setting is empty",
				   repo, location);
	snprintf(roots, sizeof(roots), "%s", path_repo);
	char *first = strtok_r(roots, ",", &save);

	if (location[0] == '/')
		snprintf(out, cap, "%s", location);
	else
		snprintf(out, cap, "%s/%s", first, location);
	/* no ".." components: a location must not climb out of its root */
	if (strstr(out, "/../") || (strlen(out) >= 3 && strcmp(out + strlen(out) - 3, "/..") == 0))
		goto outside;
	for (char *r = first; r; r = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(r);

		while (n > 1 && r[n - 1] == '/')
			n--;
		if (strncmp(out, r, n) == 0 && (out[n] == '/' || out[n] == '\0'))
			return 0;
	}
outside:
	return osp_err_set(err, 500, "repository_exception",
			   "[%s] location [%s] doesn't match any of the locations specified by path.repo",
			   repo, location);
}

static int
mkdirs(const char *path)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Write data to path atomically (tmp, fsync, rename). */
static int
write_atomic(const char *path, const void *data, size_t len, osp_err_t *err)
{
	char tmp[4200];
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return io_err(err, "cannot write", tmp, errno);
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, (const char *)data + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			rc = io_err(err, "cannot write", tmp, errno);
			goto cleanup;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		rc = io_err(err, "cannot sync", tmp, errno);
		goto cleanup;
	}
	if (rename(tmp, path) != 0)
		rc = io_err(err, "cannot rename", tmp, errno);
cleanup:
	close(fd);
	if (rc != 0)
		unlink(tmp);
	return rc;
}

static int
read_file(const char *path, osp_buf_t *out)
{
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return (int)n;
		}
		osp_buf_append(out, chunk, (size_t)n);
	}
	close(fd);
	return out->failed ? -ENOMEM : 0;
}

/* Read and parse a JSON file into a; 0 or -errno (-EUCLEAN: not JSON). */
static int
read_json(const char *path, osp_arena_t *a, osp_json_t **out)
{
	osp_json_error_t jerr;
	osp_buf_t b;
	int rc;

	osp_buf_init(&b);
	rc = read_file(path, &b);
	if (rc == 0 && osp_json_parse(a, b.data ? b.data : "", b.len, NULL, out, &jerr) != 0)
		rc = -EUCLEAN;
	osp_buf_free(&b);
	return rc;
}

int
snap_repo_verify(const char *root, const char *repo, osp_err_t *err)
{
	char path[4200], blobs[4200];
	osp_buf_t b;
	int rc;

	if ((rc = mkdirs(root)) != 0)
		return osp_err_set(err, 500, "repository_verification_exception",
				   "[%s] cannot create the repository directory [%s]: %s", repo, root, strerror(-rc));
	snprintf(blobs, sizeof(blobs), "%s/blobs", root);
	if ((rc = mkdirs(blobs)) != 0)
		return osp_err_set(err, 500, "repository_verification_exception",
				   "[%s] cannot create [%s]: %s", repo, blobs, strerror(-rc));
	snprintf(path, sizeof(path), "%s/tests-%d", root, (int)getpid());
	if (write_atomic(path, "verify", 6, err) != 0)
		return osp_err_set(err, 500, "repository_verification_exception",
				   "[%s] store location [%s] is not accessible on the node", repo, root);
	osp_buf_init(&b);
	rc = read_file(path, &b);
	if (rc == 0 && (b.len != 6 || memcmp(b.data, "verify", 6) != 0))
		rc = -EIO;
	osp_buf_free(&b);
	unlink(path);
	if (rc != 0)
		return osp_err_set(err, 500, "repository_verification_exception",
				   "[%s] store location [%s] is not accessible on the node", repo, root);
	return 0;
}

/* Hash a file: crc32c, FNV-1a 64 and size. */
static int
hash_file(const char *path, uint32_t *crc, uint64_t *fnv, uint64_t *size)
{
	unsigned char *buf = malloc(COPY_CHUNK);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	int rc = 0;

	*crc = 0;
	*fnv = 0xcbf29ce484222325ull;
	*size = 0;
	if (buf == NULL || fd < 0) {
		rc = buf == NULL ? -ENOMEM : -errno;
		goto cleanup;
	}
	while ((n = read(fd, buf, COPY_CHUNK)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto cleanup;
		}
		*crc = st_snapshot_crc32c(*crc, buf, (size_t)n);
		for (ssize_t i = 0; i < n; i++)
			*fnv = (*fnv ^ buf[i]) * 0x100000001b3ull;
		*size += (uint64_t)n;
	}
cleanup:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

static void
blob_path(const char *root, const char *id, char *out, size_t cap)
{
	snprintf(out, cap, "%s/blobs/%.2s/%s", root, id, id);
}

/* Copy src to dst via dst.tmp + fsync + rename. */
static int
copy_file(const char *src, const char *dst, osp_err_t *err)
{
	osp_buf_t b;
	int rc;

	osp_buf_init(&b);
	rc = read_file(src, &b);
	if (rc != 0) {
		osp_buf_free(&b);
		return io_err(err, "cannot read", src, -rc);
	}
	rc = write_atomic(dst, b.data ? b.data : "", b.len, err);
	osp_buf_free(&b);
	return rc;
}

int
snap_repo_put_blob(const char *root, const char *src, char id[SNAP_BLOB_ID_MAX], bool *reused,
		   uint64_t *size, osp_err_t *err)
{
	char path[4200], dir[4200];
	struct stat st;
	uint32_t crc;
	uint64_t fnv;
	int rc;

	if ((rc = hash_file(src, &crc, &fnv, size)) != 0)
		return io_err(err, "cannot read", src, -rc);
	snprintf(id, SNAP_BLOB_ID_MAX, "%08x-%016" PRIx64 "-%" PRIu64, crc, fnv, *size);
	blob_path(root, id, path, sizeof(path));
	if (stat(path, &st) == 0 && (uint64_t)st.st_size == *size) {
		*reused = true;
		return 0;
	}
	*reused = false;
	snprintf(dir, sizeof(dir), "%s/blobs/%.2s", root, id);
	if ((rc = mkdirs(dir)) != 0)
		return io_err(err, "cannot create", dir, -rc);
	return copy_file(src, path, err);
}

/* Check bytes against a blob id. */
static bool
blob_ok(const char *id, const osp_buf_t *b)
{
	char want[SNAP_BLOB_ID_MAX];
	uint64_t fnv = 0xcbf29ce484222325ull;
	uint32_t crc = st_snapshot_crc32c(0, b->data ? b->data : "", b->len);

	for (size_t i = 0; i < b->len; i++)
		fnv = (fnv ^ (unsigned char)b->data[i]) * 0x100000001b3ull;
	snprintf(want, sizeof(want), "%08x-%016" PRIx64 "-%zu", crc, fnv, b->len);
	return strcmp(want, id) == 0;
}

int
snap_repo_read_blob(const char *root, const char *id, osp_buf_t *out, osp_err_t *err)
{
	char path[4200];
	int rc;

	blob_path(root, id, path, sizeof(path));
	rc = read_file(path, out);
	if (rc != 0)
		return osp_err_set(err, 500, "snapshot_restore_exception",
				   "file [%s] is missing from the repository: %s", id, strerror(-rc));
	if (!blob_ok(id, out))
		return osp_err_set(err, 500, "snapshot_restore_exception",
				   "file [%s] in the repository is corrupt (checksum or length mismatch)", id);
	return 0;
}

int
snap_repo_get_blob(const char *root, const char *id, const char *dst, osp_err_t *err)
{
	osp_buf_t b;
	int rc;

	osp_buf_init(&b);
	rc = snap_repo_read_blob(root, id, &b, err);
	if (rc == 0)
		rc = write_atomic(dst, b.data ? b.data : "", b.len, err);
	osp_buf_free(&b);
	return rc;
}

int
snap_repo_read_index(const char *root, osp_arena_t *a, osp_json_t **out, uint64_t *gen,
		     osp_err_t *err)
{
	char path[4200];
	osp_buf_t b;
	osp_json_error_t jerr;
	int rc;

	*gen = 0;
	osp_buf_init(&b);
	snprintf(path, sizeof(path), "%s/index.latest", root);
	rc = read_file(path, &b);
	if (rc == -ENOENT) {
		osp_buf_free(&b);
		return osp_json_parse(a, "{\"snapshots\":[]}", 16, NULL, out, &jerr);
	}
	if (rc != 0 || b.len != 8) {
		osp_buf_free(&b);
		return osp_err_set(err, 500, "repository_exception", "cannot read [%s]: %s", path,
				   rc ? strerror(-rc) : "bad length");
	}
	memcpy(gen, b.data, 8);
	osp_buf_free(&b);
	snprintf(path, sizeof(path), "%s/index-%" PRIu64, root, *gen);
	if ((rc = read_json(path, a, out)) != 0)
		return osp_err_set(err, 500, "repository_exception", "cannot read the repository index [%s]: %s",
				   path, strerror(-rc));
	return 0;
}

int
snap_repo_write_index(const char *root, uint64_t gen, const osp_json_t *index, osp_err_t *err)
{
	char path[4200];
	uint64_t next = gen + 1;
	osp_buf_t b;
	osp_jw_t w;
	int rc;

	osp_buf_init(&b);
	osp_jw_init(&w, &b, 0);
	osp_jw_value(&w, index);
	snprintf(path, sizeof(path), "%s/index-%" PRIu64, root, next);
	rc = write_atomic(path, b.data ? b.data : "", b.len, err);
	osp_buf_free(&b);
	if (rc != 0)
		return rc;
	snprintf(path, sizeof(path), "%s/index.latest", root);
	if ((rc = write_atomic(path, &next, 8, err)) != 0)
		return rc;
	if (gen > 0) {
		snprintf(path, sizeof(path), "%s/index-%" PRIu64, root, gen);
		unlink(path);
	}
	return 0;
}

int
snap_repo_write_meta(const char *root, const char *uuid, const osp_buf_t *json, osp_err_t *err)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/snap-%s.json", root, uuid);
	return write_atomic(path, json->data ? json->data : "", json->len, err);
}

int
snap_repo_read_meta(const char *root, const char *uuid, osp_arena_t *a, osp_json_t **out,
		    osp_err_t *err)
{
	char path[4200];
	int rc;

	snprintf(path, sizeof(path), "%s/snap-%s.json", root, uuid);
	if ((rc = read_json(path, a, out)) != 0)
		return osp_err_set(err, 500, "snapshot_exception", "cannot read snapshot metadata [%s]: %s",
				   path, strerror(-rc));
	return 0;
}

int
snap_repo_delete_meta(const char *root, const char *uuid)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/snap-%s.json", root, uuid);
	return unlink(path) == 0 ? 0 : -errno;
}

/* Does any snapshot meta reference blob id? refs is a sorted array. */
static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int
snap_repo_gc(const char *root, const osp_json_t *index, osp_arena_t *a, uint64_t *blobs,
	     uint64_t *bytes, osp_err_t *err)
{
	const char **refs = NULL;
	size_t n = 0, cap = 0;
	char dir[4200], path[8500];
	DIR *top;
	struct dirent *de;

	*blobs = *bytes = 0;
	OSP_JSON_FOREACH(s, osp_json_get(index, "snapshots")) {
		const osp_json_t *uuid = osp_json_get(s, "uuid");
		osp_json_t *meta;

		if (!osp_json_is(uuid, OSP_JSON_STRING) || snap_repo_read_meta(root, uuid->u.str, a, &meta, err) != 0)
			return osp_err_set(err, 500, "repository_exception",
					   "cannot clean up: a snapshot's metadata is unreadable");
		OSP_JSON_FOREACH(ix, osp_json_get(meta, "indices")) {
			OSP_JSON_FOREACH(sh, osp_json_get(ix, "shards")) {
				OSP_JSON_FOREACH(f, osp_json_get(sh, "files")) {
					const osp_json_t *b = osp_json_get(f, "blob");

					if (!osp_json_is(b, OSP_JSON_STRING))
						continue;
					if (n == cap) {
						cap = cap ? cap * 2 : 256;
						const char **nr = osp_arena_alloc(a, cap * sizeof(*nr));

						if (nr == NULL)
							return -ENOMEM;
						if (n)
							memcpy(nr, refs, n * sizeof(*nr));
						refs = nr;
					}
					refs[n++] = b->u.str;
				}
			}
		}
	}
	if (n)
		qsort(refs, n, sizeof(*refs), cmp_str);
	snprintf(dir, sizeof(dir), "%s/blobs", root);
	top = opendir(dir);
	if (top == NULL)
		return 0;
	while ((de = readdir(top)) != NULL) {
		DIR *sub;
		struct dirent *fe;
		char subdir[4500];

		if (de->d_name[0] == '.')
			continue;
		snprintf(subdir, sizeof(subdir), "%s/%s", dir, de->d_name);
		if ((sub = opendir(subdir)) == NULL)
			continue;
		while ((fe = readdir(sub)) != NULL) {
			const char *key = fe->d_name;
			struct stat st;

			if (fe->d_name[0] == '.')
				continue;
			if (n && bsearch(&key, refs, n, sizeof(*refs), cmp_str))
				continue;
			snprintf(path, sizeof(path), "%s/%s", subdir, fe->d_name);
			if (stat(path, &st) == 0 && unlink(path) == 0) {
				(*blobs)++;
				*bytes += (uint64_t)st.st_size;
			}
		}
		closedir(sub);
		rmdir(subdir);
	}
	closedir(top);
	return 0;
}

void
snap_repo_rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4200];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) != 0 && (errno == EISDIR || errno == EPERM))
			snap_repo_rmtree(path);
	}
	closedir(d);
	rmdir(dir);
}
