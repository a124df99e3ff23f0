/*
 * ctl_coord_local.c - the `local` coordination backend: the whole key/value
 * store in memory, persisted on every change as one checksummed file.
 *
 * A change is written to coord.dat.tmp and fsynced; the current coord.dat
 * is hard-linked to coord.dat.prev (so there is always a current file), the
 * tmp file is renamed over coord.dat and the directory fsynced. A crash at
 * any point leaves coord.dat whole (old or new) and coord.dat.prev the copy
 * before it. On open, a coord.dat that is short, torn or fails a checksum is
 * skipped and coord.dat.prev is used; if neither is good the store refuses
 * to open rather than start empty. Keys attached to a lease are ephemeral:
 * kept in memory only, as leases do not survive the process. The store is
 * owned by the control loop thread.
 *
 * File (integers little-endian):
 *
 *   OFFSET SIZE DESCRIPTION
 *   0      8    magic "OSPCOORD"
 *   8      4    format version (1)
 *   12     4    number of entries E
 *   16     8    store revision
 *   24     8    payload length N
 *   32     4    CRC32C of the payload
 *   36     4    CRC32C of bytes 0..35
 *   40     N    payload: E entries
 *
 * Entry:
 *
 *   OFFSET SIZE DESCRIPTION
 *   0      8    mod_revision
 *   8      8    create_revision
 *   16     4    key length K (1..4096)
 *   20     4    value length V
 *   24     K    key bytes
 *   24+K   V    value bytes
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl_coord.h"
#include "ctl_crc32c.h"
#include "ctl_log.h"
#include "ctl_uuid.h"

#define LOCAL_MAGIC "OSPCOORD"
#define LOCAL_VERSION 1
#define LOCAL_HDR 40
#define LOCAL_KEY_MAX 4096
#define LOCAL_FILE_MAX (1u << 30)

/* One key. key/val are owned by the entry. */
typedef struct local_entry {
	char *key;
	char *val;
	size_t len;
	int64_t mod_rev, create_rev;
	int64_t lease;           /* 0 = persistent */
} local_entry_t;

typedef struct local_watch {
	int64_t id;
	char *prefix;
	ctl_coord_watch_cb cb;
	void *arg;
} local_watch_t;

typedef struct local_lease {
	int64_t id, ttl_ms, expires_ms;
} local_lease_t;

/* The local store; see the file comment. */
typedef struct local_store {
	ctl_coord_t base;
	char dir[PATH_MAX];
	char cur[PATH_MAX], prev[PATH_MAX], tmp[PATH_MAX], prev_tmp[PATH_MAX];
	local_entry_t *e;
	size_t n, cap;
	local_watch_t *w;
	size_t n_w;
	local_lease_t *l;
	size_t n_l;
	int64_t rev;
	int64_t next_id;
	int64_t now_ms;
	int loaded_from;
	bool cur_exists;
} local_store_t;

static uint32_t
rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t
rd64(const unsigned char *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void
entry_free(local_entry_t *e)
{
	free(e->key);
	free(e->val);
}

/* Index of key, or -(insertion point + 1). */
static ssize_t
local_find(const local_store_t *s, const char *key)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->e[mid].key, key);

		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(ssize_t)lo - 1;
}

static int
local_insert_at(local_store_t *s, size_t at, const local_entry_t *e)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		local_entry_t *p = realloc(s->e, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		s->e = p;
		s->cap = cap;
	}
	memmove(s->e + at + 1, s->e + at, (s->n - at) * sizeof(*s->e));
	s->e[at] = *e;
	s->n++;
	return 0;
}

static void
local_remove_at(local_store_t *s, size_t at)
{
	memmove(s->e + at, s->e + at + 1, (s->n - at - 1) * sizeof(*s->e));
	s->n--;
}

/* Parse one file image into s->e. 0 or -EINVAL with *why set. */
static int
local_parse(local_store_t *s, const unsigned char *d, size_t size, const char **why)
{
	uint32_t count;
	uint64_t plen;
	size_t off = LOCAL_HDR;

	if (size < LOCAL_HDR) {
		*why = "shorter than its header";
		return -EINVAL;
	}
	if (memcmp(d, LOCAL_MAGIC, 8) != 0) {
		*why = "bad magic";
		return -EINVAL;
	}
	if (rd32(d + 36) != ctl_crc32c(0, d, 36)) {
		*why = "header checksum mismatch";
		return -EINVAL;
	}
	if (rd32(d + 8) != LOCAL_VERSION) {
		*why = "unknown format version";
		return -EINVAL;
	}
	count = rd32(d + 12);
	plen = rd64(d + 24);
	if (plen != size - LOCAL_HDR) {
		*why = "length does not match the file (torn write)";
		return -EINVAL;
	}
	if (rd32(d + 32) != ctl_crc32c(0, d + LOCAL_HDR, (size_t)plen)) {
		*why = "payload checksum mismatch";
		return -EINVAL;
	}
	s->rev = (int64_t)rd64(d + 16);
	for (uint32_t i = 0; i < count; i++) {
		local_entry_t e = { 0 };
		uint32_t klen, vlen;
		ssize_t pos;

		if (size - off < 24)
			goto bad;
		klen = rd32(d + off + 16);
		vlen = rd32(d + off + 20);
		if (klen == 0 || klen > LOCAL_KEY_MAX || size - off - 24 < (uint64_t)klen + vlen)
			goto bad;
		e.mod_rev = (int64_t)rd64(d + off);
		e.create_rev = (int64_t)rd64(d + off + 8);
		e.key = strndup((const char *)d + off + 24, klen);
		e.val = malloc(vlen + 1);
		if (e.key == NULL || e.val == NULL) {
			entry_free(&e);
			return -ENOMEM;
		}
		memcpy(e.val, d + off + 24 + klen, vlen);
		e.val[vlen] = '\0';
		e.len = vlen;
		off += 24 + (size_t)klen + vlen;
		pos = local_find(s, e.key);
		if (pos >= 0 || strlen(e.key) != klen || local_insert_at(s, (size_t)(-pos - 1), &e)) {
			entry_free(&e);
			goto bad;
		}
	}
	if (off != size)
		goto bad;
	return 0;
bad:
	*why = "malformed entries";
	return -EINVAL;
}

static void
local_clear(local_store_t *s)
{
	for (size_t i = 0; i < s->n; i++)
		entry_free(&s->e[i]);
	s->n = 0;
	s->rev = 0;
}

/* Load one file. 0, -ENOENT (missing), -EINVAL (bad), -errno. */
static int
local_load_file(local_store_t *s, const char *path)
{
	struct stat st;
	unsigned char *d = NULL;
	const char *why = NULL;
	int fd, rc;
	size_t got = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || st.st_size > LOCAL_FILE_MAX) {
		rc = -EINVAL;
		why = "unreadable or too large";
		goto cleanup;
	}
	d = malloc((size_t)st.st_size + 1);
	if (d == NULL) {
		rc = -ENOMEM;
		goto cleanup;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, d + got, (size_t)st.st_size - got);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			rc = -EIO;
			why = "read failed";
			goto cleanup;
		}
		got += (size_t)n;
	}
	rc = local_parse(s, d, got, &why);
	if (rc != 0)
		local_clear(s);
cleanup:
	if (why)
		ctl_log("coord: %s is not usable: %s", path, why);
	free(d);
	close(fd);
	return rc;
}

static void
put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* Serialize the persistent entries into b (whole file image). */
static int
local_image(const local_store_t *s, osp_buf_t *b)
{
	uint32_t count = 0;
	unsigned char hdr[LOCAL_HDR] = { 0 };

	osp_buf_append(b, hdr, LOCAL_HDR);
	for (size_t i = 0; i < s->n; i++) {
		const local_entry_t *e = &s->e[i];
		size_t klen = strlen(e->key);

		if (e->lease)
			continue;
		osp_buf_put_u64le(b, (uint64_t)e->mod_rev);
		osp_buf_put_u64le(b, (uint64_t)e->create_rev);
		osp_buf_put_u32le(b, (uint32_t)klen);
		osp_buf_put_u32le(b, (uint32_t)e->len);
		osp_buf_append(b, e->key, klen);
		osp_buf_append(b, e->val, e->len);
		count++;
	}
	if (osp_buf_failed(b))
		return -ENOMEM;
	unsigned char *h = (unsigned char *)b->data;
	uint64_t plen = b->len - LOCAL_HDR;

	memcpy(h, LOCAL_MAGIC, 8);
	put_u32(h + 8, LOCAL_VERSION);
	put_u32(h + 12, count);
	put_u32(h + 16, (uint32_t)s->rev);
	put_u32(h + 20, (uint32_t)((uint64_t)s->rev >> 32));
	put_u32(h + 24, (uint32_t)plen);
	put_u32(h + 28, (uint32_t)(plen >> 32));
	put_u32(h + 32, ctl_crc32c(0, h + LOCAL_HDR, (size_t)plen));
	put_u32(h + 36, ctl_crc32c(0, h, 36));
	return 0;
}

/* Write the store to disk as the file comment describes. */
static int
local_persist(local_store_t *s)
{
	osp_buf_t b = OSP_BUF_INIT;
	int fd = -1, rc;
	size_t off = 0;

	rc = local_image(s, &b);
	if (rc != 0)
		goto cleanup;
	rc = -EIO;
	fd = open(s->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto cleanup;
	while (off < b.len) {
		ssize_t n = write(fd, b.data + off, b.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto cleanup;
		off += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto cleanup;
	close(fd);
	fd = -1;
	if (s->cur_exists && s->loaded_from != 2) {
		/* Keep the copy being replaced as the previous good one; a bad
		 * current file (we fell back to prev at open) is not kept. */
		unlink(s->prev_tmp);
		if (link(s->cur, s->prev_tmp) != 0 || rename(s->prev_tmp, s->prev) != 0)
			goto cleanup;
	}
	if (rename(s->tmp, s->cur) != 0)
		goto cleanup;
	if (ctl_fsync_dir(s->dir) != 0)
		goto cleanup;
	s->cur_exists = true;
	s->loaded_from = 1;
	rc = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	osp_buf_free(&b);
	return rc;
}

static void
local_notify(local_store_t *s, const local_entry_t *e, bool deleted)
{
	ctl_coord_event_t ev = {
		.key = e->key, .value = deleted ? NULL : e->val,
		.len = deleted ? 0 : e->len, .mod_revision = s->rev,
	};

	for (size_t i = 0; i < s->n_w; i++) {
		if (strncmp(e->key, s->w[i].prefix, strlen(s->w[i].prefix)) == 0)
			s->w[i].cb(s->w[i].arg, &ev);
	}
}

static local_lease_t *
local_lease(local_store_t *s, int64_t id)
{
	for (size_t i = 0; i < s->n_l; i++) {
		if (s->l[i].id == id)
			return &s->l[i];
	}
	return NULL;
}

static int
local_get(ctl_coord_t *c, const char *key, osp_buf_t *val, int64_t *rev)
{
	local_store_t *s = (local_store_t *)c;
	ssize_t i = local_find(s, key);

	if (i < 0)
		return -ENOENT;
	osp_buf_clear(val);
	osp_buf_append(val, s->e[i].val, s->e[i].len);
	if (osp_buf_failed(val))
		return -ENOMEM;
	*rev = s->e[i].mod_rev;
	return 0;
}

static int
local_put(ctl_coord_t *c, const char *key, const void *val, size_t len,
	  int64_t expect, int64_t lease, int64_t *new_rev)
{
	local_store_t *s = (local_store_t *)c;
	ssize_t i = local_find(s, key);
	local_entry_t old = { 0 }, *e;
	bool persist;
	int rc;

	if (key[0] == '\0' || strlen(key) > LOCAL_KEY_MAX || len > UINT32_MAX)
		return -EINVAL;
	if (lease && local_lease(s, lease) == NULL)
		return -ENOENT;
	if (expect == CTL_COORD_ABSENT ? i >= 0 :
	    expect > 0 && (i < 0 || s->e[i].mod_rev != expect))
		return -ECANCELED;
	char *v = malloc(len + 1);

	if (v == NULL)
		return -ENOMEM;
	if (len)
		memcpy(v, val, len);
	v[len] = '\0';
	if (i < 0) {
		local_entry_t ne = { .key = strdup(key), .val = v, .len = len,
				     .create_rev = s->rev + 1, .lease = lease };

		if (ne.key == NULL || local_insert_at(s, (size_t)(-i - 1), &ne) != 0) {
			entry_free(&ne);
			return -ENOMEM;
		}
		i = local_find(s, key);
	} else {
		old = s->e[i];
		s->e[i].val = v;
		s->e[i].len = len;
		s->e[i].lease = lease;
	}
	e = &s->e[i];
	persist = !lease || (old.key && !old.lease);
	s->rev++;
	e->mod_rev = s->rev;
	rc = persist ? local_persist(s) : 0;
	if (rc != 0) {
		s->rev--;
		if (old.key) {
			free(e->val);
			*e = old;
		} else {
			entry_free(e);
			local_remove_at(s, (size_t)i);
		}
		return rc;
	}
	free(old.val);
	if (new_rev)
		*new_rev = s->rev;
	local_notify(s, e, false);
	return 0;
}

static int
local_del(ctl_coord_t *c, const char *key, int64_t expect)
{
	local_store_t *s = (local_store_t *)c;
	ssize_t i = local_find(s, key);
	local_entry_t e;
	int rc = 0;

	if (i < 0)
		return expect > 0 ? -ECANCELED : -ENOENT;
	if (expect > 0 && s->e[i].mod_rev != expect)
		return -ECANCELED;
	e = s->e[i];
	local_remove_at(s, (size_t)i);
	s->rev++;
	if (!e.lease)
		rc = local_persist(s);
	if (rc != 0) {
		s->rev--;
		local_insert_at(s, (size_t)i, &e);
		return rc;
	}
	local_notify(s, &e, true);
	entry_free(&e);
	return 0;
}

static int
local_watch(ctl_coord_t *c, const char *prefix, ctl_coord_watch_cb cb, void *arg,
	    int64_t *id)
{
	local_store_t *s = (local_store_t *)c;
	local_watch_t *p = realloc(s->w, (s->n_w + 1) * sizeof(*p));

	if (p == NULL)
		return -ENOMEM;
	s->w = p;
	p[s->n_w].prefix = strdup(prefix);
	if (p[s->n_w].prefix == NULL)
		return -ENOMEM;
	p[s->n_w].id = ++s->next_id;
	p[s->n_w].cb = cb;
	p[s->n_w].arg = arg;
	*id = p[s->n_w].id;
	s->n_w++;
	return 0;
}

static int
local_unwatch(ctl_coord_t *c, int64_t id)
{
	local_store_t *s = (local_store_t *)c;

	for (size_t i = 0; i < s->n_w; i++) {
		if (s->w[i].id == id) {
			free(s->w[i].prefix);
			s->w[i] = s->w[--s->n_w];
			return 0;
		}
	}
	return -ENOENT;
}

static int
local_lease_grant(ctl_coord_t *c, int64_t ttl_ms, int64_t *id)
{
	local_store_t *s = (local_store_t *)c;
	local_lease_t *p;

	if (ttl_ms <= 0)
		return -EINVAL;
	p = realloc(s->l, (s->n_l + 1) * sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	s->l = p;
	p[s->n_l].id = ++s->next_id;
	p[s->n_l].ttl_ms = ttl_ms;
	p[s->n_l].expires_ms = s->now_ms + ttl_ms;
	*id = p[s->n_l].id;
	s->n_l++;
	return 0;
}

static int
local_lease_keepalive(ctl_coord_t *c, int64_t id)
{
	local_store_t *s = (local_store_t *)c;
	local_lease_t *l = local_lease(s, id);

	if (l == NULL)
		return -ENOENT;
	l->expires_ms = s->now_ms + l->ttl_ms;
	return 0;
}

static int
local_lease_revoke(ctl_coord_t *c, int64_t id)
{
	local_store_t *s = (local_store_t *)c;
	local_lease_t *l = local_lease(s, id);

	if (l == NULL)
		return -ENOENT;
	*l = s->l[--s->n_l];
	for (size_t i = s->n; i-- > 0;) {
		if (s->e[i].lease == id)
			local_del(c, s->e[i].key, CTL_COORD_ANY);
	}
	return 0;
}

static int
local_poll(ctl_coord_t *c, int64_t now_ms)
{
	local_store_t *s = (local_store_t *)c;

	s->now_ms = now_ms;
	for (size_t i = 0; i < s->n_l;) {
		if (s->l[i].expires_ms <= now_ms)
			local_lease_revoke(c, s->l[i].id);
		else
			i++;
	}
	return 0;
}

static int64_t
local_revision(ctl_coord_t *c)
{
	return ((local_store_t *)c)->rev;
}

static void
local_close(ctl_coord_t *c)
{
	local_store_t *s = (local_store_t *)c;

	local_clear(s);
	free(s->e);
	for (size_t i = 0; i < s->n_w; i++)
		free(s->w[i].prefix);
	free(s->w);
	free(s->l);
	free(s);
}

static const ctl_coord_ops_t local_ops = {
	.name = "local",
	.get = local_get,
	.put = local_put,
	.del = local_del,
	.watch = local_watch,
	.unwatch = local_unwatch,
	.lease_grant = local_lease_grant,
	.lease_keepalive = local_lease_keepalive,
	.lease_revoke = local_lease_revoke,
	.poll = local_poll,
	.revision = local_revision,
	.close = local_close,
};

int
ctl_coord_local_loaded_from(const ctl_coord_t *c)
{
	return ((const local_store_t *)c)->loaded_from;
}

int
ctl_coord_local_open(const char *dir, int64_t now_ms, ctl_coord_t **out)
{
	local_store_t *s = calloc(1, sizeof(*s));
	int rc, rc_prev;

	if (s == NULL)
		return -ENOMEM;
	s->base.ops = &local_ops;
	s->now_ms = now_ms;
	if (snprintf(s->dir, sizeof(s->dir), "%s", dir) >= (int)sizeof(s->dir) ||
	    snprintf(s->cur, sizeof(s->cur), "%s/coord.dat", dir) >= (int)sizeof(s->cur) ||
	    snprintf(s->prev, sizeof(s->prev), "%s/coord.dat.prev", dir) >= (int)sizeof(s->prev) ||
	    snprintf(s->prev_tmp, sizeof(s->prev_tmp), "%s/coord.dat.prev.tmp", dir) >= (int)sizeof(s->prev_tmp) ||
	    snprintf(s->tmp, sizeof(s->tmp), "%s/coord.dat.tmp", dir) >= (int)sizeof(s->tmp)) {
		rc = -ENAMETOOLONG;
		goto cleanup;
	}
	unlink(s->tmp);       /* an interrupted write never counts */
	rc = local_load_file(s, s->cur);
	s->cur_exists = rc != -ENOENT;
	if (rc == 0) {
		s->loaded_from = 1;
	} else if (rc == -ENOENT || rc == -EINVAL || rc == -EIO) {
		rc_prev = local_load_file(s, s->prev);
		if (rc_prev == 0) {
			s->loaded_from = 2;
			if (rc != -ENOENT)
				ctl_log("coord: using the previous good copy %s (revision %lld)",
					s->prev, (long long)s->rev);
			rc = 0;
		} else if (rc == -ENOENT && rc_prev == -ENOENT) {
			rc = 0;   /* a new store */
		} else {
			rc = -EIO;
		}
	}
cleanup:
	if (rc != 0) {
		local_close(&s->base);
		return rc;
	}
	*out = &s->base;
	return 0;
}
