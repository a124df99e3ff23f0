/*
 * test_shard_util.h - helpers for the shard tests: a scratch directory per
 * test, one io per test binary (io_uring when the kernel allows), opening a
 * shard with a small fixed mapping, and one-line write/get wrappers whose
 * results live in a per-test arena.
 */
#ifndef TEST_SHARD_UTIL_H
#define TEST_SHARD_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "osprey/storage.h"

#define TSH_MAPPING "{\"properties\":{\"title\":{\"type\":\"text\"}," \
	"\"n\":{\"type\":\"long\"},\"tag\":{\"type\":\"keyword\"}," \
	"\"obj\":{\"properties\":{\"x\":{\"type\":\"long\"},\"y\":{\"type\":\"long\"}," \
	"\"z\":{\"type\":\"boolean\"}}}}}"

static char tsh_dir[256];
static st_io_t *tsh_io_;
static osp_arena_t tsh_arena;
static int tsh_backend = -1;   /* -1: best available */
static const char *tsh_base = "/tmp";  /* where scratch dirs go */

static inline st_io_t *
tsh_io(void)
{
	return tsh_io_;
}

static inline int
tsh_setup(void **state)
{
	(void)state;
	snprintf(tsh_dir, sizeof(tsh_dir), "%s/osp-test-shard-XXXXXX", tsh_base);
	if (!mkdtemp(tsh_dir))
		return -1;
	osp_arena_init(&tsh_arena, 64 * 1024, 0);
	if (tsh_backend < 0)
		return st_io_create_best(&tsh_io_, 64);
	return st_io_create(&tsh_io_, (st_io_backend_t)tsh_backend, 64);
}

static inline int
tsh_teardown(void **state)
{
	char cmd[300];

	(void)state;
	st_io_destroy(tsh_io_);
	tsh_io_ = NULL;
	osp_arena_free(&tsh_arena);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tsh_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Open the shard in tsh_dir; mapping NULL = TSH_MAPPING, set NULL = defaults
 * with periodic refresh off (tests refresh explicitly). */
static inline int
tsh_open_rc(const char *mapping, const st_shard_settings_t *set, st_shard_t **out,
	    osp_err_t *err)
{
	st_shard_config_t c;

	memset(&c, 0, sizeof(c));
	c.path = tsh_dir;
	c.index_name = "test";
	c.index_uuid = "uuid-test";
	c.shard_id = 0;
	c.primary_term = 1;
	c.mapping_json = mapping ? mapping : TSH_MAPPING;
	c.mapping_len = strlen(c.mapping_json);
	if (set) {
		c.settings = *set;
	} else {
		st_shard_settings_default(&c.settings);
		c.settings.refresh_interval_ms = -1;
	}
	c.io = tsh_io_;
	return st_shard_open(&c, out, err);
}

static inline st_shard_t *
tsh_open(const char *mapping, const st_shard_settings_t *set)
{
	st_shard_t *sh = NULL;
	osp_err_t e;
	int rc = tsh_open_rc(mapping, set, &sh, &e);

	if (rc < 0) {
		fprintf(stderr, "open failed: %d %s: %s\n", rc, e.type, e.reason);
		abort();
	}
	return sh;
}

static inline void
tsh_close(st_shard_t *sh, bool flush)
{
	if (st_shard_close(sh, flush) < 0 && flush) {
		fprintf(stderr, "close failed\n");
		abort();
	}
}

static inline st_write_req_t
tsh_req(st_op_t op, const char *id, const char *src)
{
	st_write_req_t q;

	memset(&q, 0, sizeof(q));
	q.op = op;
	q.id = id;
	q.id_len = strlen(id);
	q.source = src;
	q.source_len = src ? strlen(src) : 0;
	q.version = ST_MATCH_ANY_VERSION;
	q.if_seq_no = ST_UNASSIGNED_SEQ_NO;
	return q;
}

static inline int
tsh_write(st_shard_t *sh, const st_write_req_t *q, st_write_res_t *r, osp_err_t *e)
{
	return st_shard_write(sh, q, &tsh_arena, r, e);
}

static inline int
tsh_index(st_shard_t *sh, const char *id, const char *src, st_write_res_t *r,
	  osp_err_t *e)
{
	st_write_req_t q = tsh_req(ST_OP_INDEX, id, src);

	return tsh_write(sh, &q, r, e);
}

static inline int
tsh_get(st_shard_t *sh, const char *id, bool realtime, st_get_res_t *g)
{
	return st_shard_get(sh, id, strlen(id), realtime, &tsh_arena, g);
}

#endif
