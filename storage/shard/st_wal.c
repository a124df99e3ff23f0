/*
 * st_wal.c - the shard's write-ahead log (st_wal.h).
 *
 * A generation file starts with a header, then records back to back:
 *
 *   Header (32 bytes)
 *   OFFSET SIZE DESCRIPTION
 *   0      8    magic "OSPWAL01"
 *   8      8    generation (u64 LE), equal to the number in the file name
 *   16     8    primary term when the generation was started (i64 LE)
 *   24     4    header size (32)
 *   28     4    CRC32C of bytes 0..27
 *
 *   Record (44 + id + routing + source bytes, all integers LE)
 *   OFFSET SIZE DESCRIPTION
 *   0      4    L: bytes after offset 8 (36 + id + routing + source)
 *   4      4    CRC32C of bytes 0..3 then 8..8+L-1
 *   8      8    seq_no
 *   16     8    primary_term
 *   24     8    version
 *   32     1    op: 1 index, 2 delete
 *   33     1    flags (0)
 *   34     2    id length
 *   36     4    routing length
 *   40     4    source length
 *   44     ..   id, routing, source bytes
 *
 * Group commit: appends encode into `pend`; st_wal_kick moves it to `fly`
 * and issues one write at the end of the file linked to an fdatasync. When it
 * completes, durable_seq_no becomes the batch's last seq_no and the next
 * batch (appended meanwhile) goes out. A failed write or sync fails the WAL:
 * what follows on disk is unknown, so no later op may be acknowledged; the
 * next open cuts whatever torn bytes remain. Torn tails can only be at the end
 * of the newest generation, because a generation is synced before the next
 * one is created.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "osprey/buf.h"
#include "st_crc32c.h"
#include "st_wal.h"

#define WAL_MAGIC "OSPWAL01"
#define WAL_HDR 32
#define REC_FIXED 44
#define REC_MAX (1u << 30)

/* The log. Owned by the shard; fields touched by the owning worker only. */
struct st_wal {
	st_io_t *io;
	char *dir;
	int fd;                      /* current generation */
	uint64_t gen;
	uint64_t min_gen;            /* oldest generation kept */
	uint64_t file_len;           /* bytes written or in flight */
	osp_buf_t pend, fly;
	int64_t pend_last, fly_last; /* last seq_no in each batch */
	bool in_flight;
	int64_t durable;
	int64_t appended;            /* last seq_no appended */
	int failed;
	int64_t term;                /* stamped in new generation headers */
	int64_t max_seen;            /* highest seq_no replayed */
	uint64_t bytes_old;          /* sizes of older kept generations */
	uint64_t ops;
};

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t
get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint16_t
get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

long
st_wal_decode(const void *buf, size_t avail, st_wal_op_t *op)
{
	const unsigned char *p = buf;

	if (avail < 8)
		return 0;
	uint32_t l = get32(p);

	if (l < REC_FIXED - 8 || l > REC_MAX)
		return -EUCLEAN;
	if (avail < 8 + (size_t)l)
		return 0;
	uint32_t crc = st_crc32c(st_crc32c(0, p, 4), p + 8, l);

	if (crc != get32(p + 4))
		return -EUCLEAN;
	uint32_t idl = get16(p + 34), rl = get32(p + 36), sl = get32(p + 40);

	if ((uint64_t)REC_FIXED - 8 + idl + rl + sl != l || p[32] < 1 || p[32] > 2)
		return -EUCLEAN;
	op->seq_no = (int64_t)get64(p + 8);
	op->primary_term = (int64_t)get64(p + 16);
	op->version = (int64_t)get64(p + 24);
	op->type = p[32];
	op->id = (const char *)p + REC_FIXED;
	op->id_len = idl;
	op->routing = rl ? op->id + idl : NULL;
	op->routing_len = rl;
	op->source = op->id + idl + rl;
	op->source_len = sl;
	return (long)(8 + l);
}

static void
encode(osp_buf_t *b, const st_wal_op_t *op)
{
	uint32_t l = REC_FIXED - 8 + op->id_len + op->routing_len + op->source_len;
	size_t start = b->len;

	osp_buf_put_u32le(b, l);
	osp_buf_put_u32le(b, 0);
	osp_buf_put_u64le(b, (uint64_t)op->seq_no);
	osp_buf_put_u64le(b, (uint64_t)op->primary_term);
	osp_buf_put_u64le(b, (uint64_t)op->version);
	osp_buf_put_u8(b, op->type);
	osp_buf_put_u8(b, 0);
	osp_buf_put_u8(b, (uint8_t)(op->id_len & 0xff));
	osp_buf_put_u8(b, (uint8_t)(op->id_len >> 8));
	osp_buf_put_u32le(b, op->routing_len);
	osp_buf_put_u32le(b, op->source_len);
	osp_buf_append(b, op->id, op->id_len);
	if (op->routing_len)
		osp_buf_append(b, op->routing, op->routing_len);
	if (op->source_len)
		osp_buf_append(b, op->source, op->source_len);
	if (osp_buf_failed(b))
		return;
	unsigned char *p = (unsigned char *)b->data + start;
	uint32_t crc = st_crc32c(st_crc32c(0, p, 4), p + 8, l);

	memcpy(p + 4, &crc, 4);   /* little-endian hosts only (x86_64, arm64) */
}

static void
gen_name(char *out, size_t n, uint64_t gen)
{
	snprintf(out, n, "translog-%llu.tlog", (unsigned long long)gen);
}

/* Generations present in dir, sorted ascending (malloc'd array). */
static int
list_gens(const char *dir, uint64_t **out, size_t *n)
{
	DIR *d = opendir(dir);
	uint64_t *v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		unsigned long long g;
		char tail[8];

		if (sscanf(de->d_name, "translog-%llu.tl%2s", &g, tail) != 2 ||
		    strcmp(tail, "og") != 0)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			uint64_t *nv = realloc(v, cap * sizeof(*v));

			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = g;
	}
	closedir(d);
	for (size_t i = 1; i < cnt; i++)
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	*out = v;
	*n = cnt;
	return 0;
}

/* Replay one generation file. last: the newest generation, whose torn tail
 * is cut; older ones must be whole. */
static int
replay_gen(st_wal_t *w, uint64_t gen, bool last, int64_t above,
	   st_wal_replay_fn fn, void *ctx)
{
	char name[64], path[4096];
	unsigned char *buf = NULL;
	size_t cap = 1 << 20, have = 0, pos = 0;
	uint64_t foff = 0, good = WAL_HDR;
	struct stat stb;
	int fd, rc = 0;

	gen_name(name, sizeof(name), gen);
	snprintf(path, sizeof(path), "%s/%s", w->dir, name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &stb) < 0) {
		rc = -errno;
		goto cleanup;
	}
	buf = malloc(cap);
	if (!buf) {
		rc = -ENOMEM;
		goto cleanup;
	}
	if ((uint64_t)stb.st_size < WAL_HDR) {
		/* created but its header never made it: only possible last */
		rc = last ? 0 : -EUCLEAN;
		good = 0;
		goto cut;
	}
	rc = st_io_pread_all(w->io, fd, buf, WAL_HDR, 0);
	if (rc < 0)
		goto cleanup;
	if (memcmp(buf, WAL_MAGIC, 8) != 0 || get64(buf + 8) != gen ||
	    get32(buf + 28) != st_crc32c(0, buf, 28)) {
		rc = last ? 0 : -EUCLEAN;
		good = 0;
		goto cut;
	}
	foff = WAL_HDR;
	for (;;) {
		st_wal_op_t op;
		long n = st_wal_decode(buf + pos, have - pos, &op);

		if (n > 0) {
			pos += (size_t)n;
			good += (uint64_t)n;
			w->ops++;
			if (op.seq_no > w->max_seen)
				w->max_seen = op.seq_no;
			if (op.seq_no > above && fn) {
				rc = fn(ctx, &op);
				if (rc < 0)
					goto cleanup;
			}
			continue;
		}
		if (n < 0)
			break;                  /* corrupt record */
		/* need more bytes */
		if (foff >= (uint64_t)stb.st_size)
			break;                  /* torn: file ends mid-record */
		memmove(buf, buf + pos, have - pos);
		have -= pos;
		pos = 0;
		if (have >= 8 && 8 + (size_t)get32(buf) > cap) {
			size_t ncap = 8 + (size_t)get32(buf);
			unsigned char *nb = realloc(buf, ncap);

			if (!nb) {
				rc = -ENOMEM;
				goto cleanup;
			}
			buf = nb;
			cap = ncap;
		}
		size_t want = cap - have;

		if (want > (uint64_t)stb.st_size - foff)
			want = (size_t)((uint64_t)stb.st_size - foff);
		rc = st_io_pread_all(w->io, fd, buf + have, want, foff);
		if (rc < 0)
			goto cleanup;
		have += want;
		foff += want;
	}
	if (good == (uint64_t)stb.st_size) {
		/* what we replayed may sit in the page cache only (a kill -9
		 * keeps it, a power cut would not): make it durable now */
		rc = last ? st_io_fdatasync(w->io, fd) : 0;
		if (rc < 0)
			goto cleanup;
		goto done;
	}
	if (!last) {
		rc = -EUCLEAN;
		goto cleanup;
	}
cut:
	/* Cut the torn tail for good: a later record appended past garbage
	 * must never make the garbage look like history. */
	if (ftruncate(fd, (off_t)good) < 0) {
		rc = -errno;
		goto cleanup;
	}
	rc = st_io_fdatasync(w->io, fd);
	if (rc < 0)
		goto cleanup;
done:
	w->bytes_old += good;
cleanup:
	free(buf);
	close(fd);
	return rc;
}

/* Create generation gen with its header, durable before any record. */
static int
start_gen(st_wal_t *w, uint64_t gen, int64_t term)
{
	char name[64], path[4096];
	unsigned char hdr[WAL_HDR];
	uint32_t crc;
	int fd, rc;

	gen_name(name, sizeof(name), gen);
	snprintf(path, sizeof(path), "%s/%s", w->dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	memcpy(hdr, WAL_MAGIC, 8);
	for (int i = 0; i < 8; i++) {
		hdr[8 + i] = (unsigned char)(gen >> (8 * i));
		hdr[16 + i] = (unsigned char)((uint64_t)term >> (8 * i));
	}
	hdr[24] = WAL_HDR;
	hdr[25] = hdr[26] = hdr[27] = 0;
	crc = st_crc32c(0, hdr, 28);
	for (int i = 0; i < 4; i++)
		hdr[28 + i] = (unsigned char)(crc >> (8 * i));
	rc = st_io_pwrite_all(w->io, fd, hdr, WAL_HDR, 0);
	if (rc == 0)
		rc = st_io_fdatasync(w->io, fd);
	if (rc == 0)
		rc = st_io_fsync_dir(w->io, w->dir);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	if (w->fd >= 0) {
		w->bytes_old += w->file_len;
		close(w->fd);
	}
	w->fd = fd;
	w->gen = gen;
	w->file_len = WAL_HDR;
	return 0;
}

int
st_wal_open(st_io_t *io, const char *dir, uint64_t min_gen, int64_t above_seq_no,
	    int64_t primary_term, st_wal_replay_fn fn, void *ctx, st_wal_t **out)
{
	st_wal_t *w = calloc(1, sizeof(*w));
	uint64_t *gens = NULL;
	size_t n = 0;
	int rc;

	if (!w)
		return -ENOMEM;
	w->io = io;
	w->fd = -1;
	w->durable = above_seq_no;
	w->appended = above_seq_no;
	w->pend_last = w->fly_last = -1;
	w->term = primary_term;
	w->max_seen = above_seq_no;
	osp_buf_init(&w->pend);
	osp_buf_init(&w->fly);
	w->dir = strdup(dir);
	if (!w->dir) {
		rc = -ENOMEM;
		goto cleanup;
	}
	rc = list_gens(dir, &gens, &n);
	if (rc < 0)
		goto cleanup;
	uint64_t next = min_gen ? min_gen : 1;
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		if (gens[i] < min_gen) {
			/* a crash between a commit and its trim left these */
			char name[64], path[4096];

			gen_name(name, sizeof(name), gens[i]);
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			unlink(path);
			continue;
		}
		/* generations of one log are contiguous */
		if (!first && gens[i] != next) {
			rc = -EUCLEAN;
			goto cleanup;
		}
		first = false;
		rc = replay_gen(w, gens[i], i + 1 == n, above_seq_no, fn, ctx);
		if (rc < 0)
			goto cleanup;
		next = gens[i] + 1;
	}
	w->min_gen = min_gen ? min_gen : 1;
	if (first)
		w->min_gen = next;
	rc = start_gen(w, next, primary_term);
	if (rc < 0)
		goto cleanup;
	w->durable = w->appended = w->max_seen;
	*out = w;
	w = NULL;
cleanup:
	free(gens);
	if (w)
		st_wal_close(w);
	return rc;
}

void
st_wal_close(st_wal_t *w)
{
	if (!w)
		return;
	while (w->in_flight && st_io_poll(w->io, 1) >= 0)
		;
	if (w->fd >= 0)
		close(w->fd);
	osp_buf_free(&w->pend);
	osp_buf_free(&w->fly);
	free(w->dir);
	free(w);
}

int
st_wal_append(st_wal_t *w, const st_wal_op_t *op)
{
	if (w->failed)
		return w->failed;
	if (op->id_len > 0xffff)
		return -EINVAL;
	size_t before = w->pend.len;

	encode(&w->pend, op);
	if (osp_buf_failed(&w->pend)) {
		/* drop the partial record; the batch before it stays intact */
		w->pend.failed = 0;
		w->pend.len = before;
		return -ENOMEM;
	}
	w->pend_last = op->seq_no;
	w->appended = op->seq_no;
	w->ops++;
	return 0;
}

static void
write_done(void *cookie, int res)
{
	st_wal_t *w = cookie;

	w->in_flight = false;
	if (res < 0) {
		if (!w->failed)
			w->failed = res;
		return;
	}
	if (w->fly_last > w->durable)
		w->durable = w->fly_last;
	osp_buf_clear(&w->fly);
	if (!w->failed)
		st_wal_kick(w);         /* the batch appended meanwhile */
}

int
st_wal_kick(st_wal_t *w)
{
	if (w->failed)
		return w->failed;
	if (w->in_flight || w->pend.len == 0)
		return 0;
	osp_buf_t t = w->fly;

	w->fly = w->pend;
	w->pend = t;
	osp_buf_clear(&w->pend);
	w->fly_last = w->pend_last;
	w->in_flight = true;
	uint64_t off = w->file_len;

	w->file_len += w->fly.len;
	int rc = st_io_write(w->io, w->fd, w->fly.data, w->fly.len, off,
			     ST_IO_F_SYNC, write_done, w);

	if (rc < 0) {
		w->in_flight = false;
		w->failed = rc;
		return rc;
	}
	return st_io_submit(w->io);
}

int
st_wal_sync(st_wal_t *w)
{
	for (;;) {
		if (w->failed)
			return w->failed;
		if (w->durable >= w->appended && !w->in_flight && w->pend.len == 0)
			return 0;
		int rc = st_wal_kick(w);

		if (rc < 0)
			return rc;
		if (w->in_flight) {
			rc = st_io_poll(w->io, 1);
			if (rc < 0)
				return rc;
		}
	}
}

int64_t
st_wal_durable_seq_no(const st_wal_t *w)
{
	return w->durable;
}

int
st_wal_failed(const st_wal_t *w)
{
	return w->failed;
}

int
st_wal_roll(st_wal_t *w, uint64_t *gen)
{
	int rc = st_wal_sync(w);

	if (rc < 0)
		return rc;
	rc = start_gen(w, w->gen + 1, w->term);
	if (rc < 0)
		return rc;
	*gen = w->gen;
	return 0;
}

int
st_wal_trim(st_wal_t *w, uint64_t below_gen)
{
	char name[64], path[4096];
	int rc = 0;

	for (uint64_t g = w->min_gen; g < below_gen && g < w->gen; g++) {
		gen_name(name, sizeof(name), g);
		snprintf(path, sizeof(path), "%s/%s", w->dir, name);
		if (unlink(path) < 0 && errno != ENOENT)
			rc = -errno;
	}
	if (below_gen > w->min_gen) {
		w->min_gen = below_gen < w->gen ? below_gen : w->gen;
		w->bytes_old = 0;       /* approximation: sealed gens are gone */
		w->ops = 0;
	}
	return rc;
}

uint64_t
st_wal_current_gen(const st_wal_t *w)
{
	return w->gen;
}

uint64_t
st_wal_size_bytes(const st_wal_t *w)
{
	return w->bytes_old + w->file_len + w->pend.len;
}

uint64_t
st_wal_ops(const st_wal_t *w)
{
	return w->ops;
}
