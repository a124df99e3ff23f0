/*
 * st_commit.c - encoding and atomic replacement of the commit point
 * (st_commit.h). All integers little-endian.
 *
 *   OFFSET SIZE DESCRIPTION
 *   0      8    magic "OSPCMT01"
 *   8      8    generation N (also in the file name segments_N)
 *   16     8    max_seq_no contained in the segments (i64)
 *   24     8    WAL generation to replay from
 *   32     8    primary term
 *   40     8    next segment number
 *   48     4    segment count S
 *   52     1    index uuid length U
 *   53     U    index uuid
 *   ..          S segment entries:
 *                 1   name length, then the name
 *                 8   delete generation
 *                 4   max_doc
 *                 1   file count F, then F x (1 name length, name, 8 size)
 *   end-4  4    CRC32C of every byte before it
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "st_commit.h"
#include "st_crc32c.h"

#define CMT_MAGIC "OSPCMT01"

void
st_commit_free(st_commit_t *c)
{
	free(c->segs);
	c->segs = NULL;
	c->nsegs = 0;
}

static void
put_str(osp_buf_t *b, const char *s)
{
	size_t n = strlen(s);

	osp_buf_put_u8(b, (uint8_t)n);
	osp_buf_append(b, s, n);
}

int
st_commit_encode(const st_commit_t *c, osp_buf_t *b)
{
	size_t start = b->len;

	osp_buf_append(b, CMT_MAGIC, 8);
	osp_buf_put_u64le(b, c->gen);
	osp_buf_put_u64le(b, (uint64_t)c->max_seq_no);
	osp_buf_put_u64le(b, c->wal_gen);
	osp_buf_put_u64le(b, (uint64_t)c->primary_term);
	osp_buf_put_u64le(b, c->next_seg);
	osp_buf_put_u32le(b, c->nsegs);
	put_str(b, c->index_uuid);
	for (uint32_t i = 0; i < c->nsegs; i++) {
		const st_commit_seg_t *s = &c->segs[i];

		put_str(b, s->name);
		osp_buf_put_u64le(b, s->delgen);
		osp_buf_put_u32le(b, s->max_doc);
		osp_buf_put_u8(b, (uint8_t)s->nfiles);
		for (uint32_t f = 0; f < s->nfiles; f++) {
			put_str(b, s->file[f]);
			osp_buf_put_u64le(b, s->size[f]);
		}
	}
	if (osp_buf_failed(b))
		return -ENOMEM;
	osp_buf_put_u32le(b, st_crc32c(0, b->data + start, b->len - start));
	return osp_buf_failed(b) ? -ENOMEM : 0;
}

/* Bounds-checked reader over the commit bytes. */
typedef struct rd {
	const unsigned char *p;
	size_t len, pos;
	int bad;
} rd_t;

static uint64_t
rd_int(rd_t *r, int n)
{
	uint64_t v = 0;

	if (r->pos + (size_t)n > r->len) {
		r->bad = 1;
		return 0;
	}
	for (int i = 0; i < n; i++)
		v |= (uint64_t)r->p[r->pos + (size_t)i] << (8 * i);
	r->pos += (size_t)n;
	return v;
}

static void
rd_str(rd_t *r, char *out, size_t cap)
{
	size_t n = (size_t)rd_int(r, 1);

	if (r->bad || n >= cap || r->pos + n > r->len) {
		r->bad = 1;
		return;
	}
	memcpy(out, r->p + r->pos, n);
	out[n] = '\0';
	r->pos += n;
}

int
st_commit_decode(const void *p, size_t len, st_commit_t *c)
{
	rd_t r = { p, len, 0, 0 };

	memset(c, 0, sizeof(*c));
	if (len < 57 || memcmp(p, CMT_MAGIC, 8) != 0)
		return -EUCLEAN;
	uint32_t crc = (uint32_t)r.p[len - 4] | (uint32_t)r.p[len - 3] << 8 |
		       (uint32_t)r.p[len - 2] << 16 | (uint32_t)r.p[len - 1] << 24;

	if (crc != st_crc32c(0, p, len - 4))
		return -EUCLEAN;
	r.len = len - 4;
	r.pos = 8;
	c->gen = rd_int(&r, 8);
	c->max_seq_no = (int64_t)rd_int(&r, 8);
	c->wal_gen = rd_int(&r, 8);
	c->primary_term = (int64_t)rd_int(&r, 8);
	c->next_seg = rd_int(&r, 8);
	c->nsegs = (uint32_t)rd_int(&r, 4);
	rd_str(&r, c->index_uuid, sizeof(c->index_uuid));
	if (r.bad || c->nsegs > 1000000)
		return -EUCLEAN;
	c->segs = calloc(c->nsegs ? c->nsegs : 1, sizeof(*c->segs));
	if (!c->segs)
		return -ENOMEM;
	for (uint32_t i = 0; i < c->nsegs && !r.bad; i++) {
		st_commit_seg_t *s = &c->segs[i];

		rd_str(&r, s->name, sizeof(s->name));
		s->delgen = rd_int(&r, 8);
		s->max_doc = (uint32_t)rd_int(&r, 4);
		s->nfiles = (uint32_t)rd_int(&r, 1);
		if (s->nfiles > ST_COMMIT_MAX_FILES) {
			r.bad = 1;
			break;
		}
		for (uint32_t f = 0; f < s->nfiles && !r.bad; f++) {
			rd_str(&r, s->file[f], sizeof(s->file[f]));
			s->size[f] = rd_int(&r, 8);
		}
	}
	if (r.bad || r.pos != r.len) {
		st_commit_free(c);
		return -EUCLEAN;
	}
	return 0;
}

/* Newest N among segments_N files in dir (0 = none). */
static uint64_t
newest_gen(const char *dir, int *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	uint64_t best = 0;

	*err = 0;
	if (!d) {
		*err = -errno;
		return 0;
	}
	while ((de = readdir(d))) {
		unsigned long long g;
		int end = 0;

		if (sscanf(de->d_name, "segments_%llu%n", &g, &end) == 1 &&
		    de->d_name[end] == '\0' && g > best)
			best = g;
	}
	closedir(d);
	return best;
}

int
st_commit_load(st_io_t *io, const char *dir, st_commit_t *out)
{
	char path[4096];
	void *data = NULL;
	size_t len;
	int err, rc;
	uint64_t g = newest_gen(dir, &err);

	if (err)
		return err;
	if (g == 0)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/segments_%llu", dir, (unsigned long long)g);
	rc = st_io_read_file(io, path, &data, &len);
	if (rc < 0)
		return rc;
	rc = st_commit_decode(data, len, out);
	free(data);
	if (rc == 0 && out->gen != g) {
		st_commit_free(out);
		rc = -EUCLEAN;
	}
	return rc;
}

int
st_commit_write(st_io_t *io, const char *dir, const st_commit_t *c)
{
	osp_buf_t b = OSP_BUF_INIT;
	char name[64], path[4096];
	int rc = st_commit_encode(c, &b);

	if (rc < 0)
		goto cleanup;
	snprintf(name, sizeof(name), "segments_%llu", (unsigned long long)c->gen);
	rc = st_io_replace_file(io, dir, name, b.data, b.len);
	if (rc < 0)
		goto cleanup;
	/* older commit points are no longer needed once this one is durable */
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		unsigned long long g;
		int end = 0;

		if (sscanf(de->d_name, "segments_%llu%n", &g, &end) == 1 &&
		    de->d_name[end] == '\0' && g < c->gen) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
	}
	if (d)
		closedir(d);
cleanup:
	osp_buf_free(&b);
	return rc;
}
