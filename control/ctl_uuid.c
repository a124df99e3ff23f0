/*
 * ctl_uuid.c - random ids (index, cluster, state, allocation and node ids)
 * and the node.id file.
 *
 * node.id (in path.data) is the 22-character id followed by a newline,
 * written to node.id.tmp, fsynced, renamed into place and the directory
 * fsynced, so a crash leaves either no file or a whole one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "ctl_uuid.h"

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
ctl_uuid_random(char out[OSP_UUID_LEN + 1])
{
	unsigned char r[16];
	size_t got = 0, o = 0;

	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	r[6] = (r[6] & 0x0f) | 0x40;   /* version 4 */
	r[8] = (r[8] & 0x3f) | 0x80;   /* IETF variant */
	for (size_t i = 0; i < 15; i += 3) {
		uint32_t v = (uint32_t)r[i] << 16 | (uint32_t)r[i + 1] << 8 | r[i + 2];

		out[o++] = b64url[(v >> 18) & 63];
		out[o++] = b64url[(v >> 12) & 63];
		out[o++] = b64url[(v >> 6) & 63];
		out[o++] = b64url[v & 63];
	}
	out[o++] = b64url[r[15] >> 2];
	out[o++] = b64url[(r[15] & 3) << 4];
	out[o] = '\0';
	return 0;
}

int
ctl_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

static bool
uuid_valid(const char *s, size_t n)
{
	if (n != OSP_UUID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (strchr(b64url, s[i]) == NULL || s[i] == '\0')
			return false;
	}
	return true;
}

int
ctl_node_id_load(const char *dir, char out[OSP_UUID_LEN + 1])
{
	char path[PATH_MAX], tmp[PATH_MAX], buf[64];
	int fd = -1, rc;
	ssize_t n;

	if (snprintf(path, sizeof(path), "%s/node.id", dir) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/node.id.tmp", dir) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		rc = n < 0 ? -errno : 0;
		if (rc == 0) {
			while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
				n--;
			rc = uuid_valid(buf, (size_t)n) ? 0 : -EINVAL;
			if (rc == 0) {
				memcpy(out, buf, OSP_UUID_LEN);
				out[OSP_UUID_LEN] = '\0';
			}
		}
		goto cleanup;
	}
	if (errno != ENOENT)
		return -errno;
	rc = ctl_uuid_random(out);
	if (rc != 0)
		return rc;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%s\n", out);
	if (write(fd, buf, (size_t)n) != n || fsync(fd) != 0) {
		rc = -EIO;
		goto cleanup;
	}
	if (rename(tmp, path) != 0) {
		rc = -errno;
		goto cleanup;
	}
	rc = ctl_fsync_dir(dir);
cleanup:
	if (fd >= 0)
		close(fd);
	return rc;
}
