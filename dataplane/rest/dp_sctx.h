/*
 * dp_sctx.h - search contexts: scroll and point in time (rest_sctx.c).
 *
 * A context pins one reader set (st_reader_set_t) per shard it covers, so
 * every page of a scroll, and every search over a point in time, sees the
 * same documents whatever refreshes and merges happen meanwhile. Pins are
 * taken and dropped on the shard's worker (reader sets are worker-owned);
 * the network core only keeps the pointers. A context lives on the network
 * core in a registry keyed by a number that its opaque id encodes; it
 * expires keep_alive after its last use (dp_sctx_poll frees expired ones),
 * and a context in use by a page (busy) is freed when that page ends.
 * Scroll contexts are bounded by search.max_open_scroll_context (ES's 500).
 * A scroll context also owns the parsed request (its arena) and, per shard,
 * the sort key of the last hit it handed out: the next page asks each shard
 * for the hits after its own cursor.
 */
#ifndef DP_SCTX_H
#define DP_SCTX_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/arena.h"
#include "osprey/cluster.h"
#include "osprey/err.h"
#include "osprey/query.h"
#include "osprey/settings.h"
#include "../shard/dp_shard_jobs.h"
#include "dp_source.h"

#define DP_SCTX_ID_MAX 64

/* One shard of a context. index/uuid name it again on every use: the
 * index may be deleted (or re-created) while the context lives. */
typedef struct dp_sctx_shard {
	char index[OSP_INDEX_NAME_MAX + 1];
	char uuid[OSP_UUID_LEN + 1];
	uint32_t shard;
	unsigned worker;
	st_reader_set_t *view;       /* pinned on worker; NULL = not pinned */
	st_value_t *after;           /* scroll cursor (context arena) */
	uint32_t n_after;
} dp_sctx_shard_t;

/* One scroll or point-in-time context (network core). */
typedef struct dp_sctx {
	uint64_t num;
	bool pit;
	char id[DP_SCTX_ID_MAX];
	int64_t keep_alive_ms;
	uint64_t expires_ns;
	uint32_t busy;               /* pages in flight */
	bool closed;                 /* cleared or expired: free when idle */
	osp_arena_t arena;           /* request, source spec, cursors */
	st_search_req_t req;         /* scroll: what every page runs */
	dp_source_spec_t source;
	uint32_t n_user_sort;        /* sort values shown in hits */
	dp_sctx_shard_t *shards;     /* [n] in the context arena */
	uint32_t n;
} dp_sctx_t;

/* Read search.max_open_scroll_context, search.default_keep_alive and
 * search.max_keep_alive. */
void dp_sctx_init(const osp_settings_t *s);
/* Release every context (shutdown). */
void dp_sctx_fini(void);

/* Parse a keep-alive ("1m") and check it against search.max_keep_alive;
 * NULL = search.default_keep_alive. 0 or -EINVAL with ES's error. */
int dp_sctx_keep_alive(const char *v, const char *what, int64_t *ms, osp_err_t *err);

/* A new context (busy: end the creating use with dp_sctx_done) with room
 * for n shards (0: the caller sets shards/n later from the arena). Scroll contexts past the limit fail
 * with too_many_scroll_contexts_exception (429). */
dp_sctx_t *dp_sctx_new(bool pit, uint32_t n, int64_t keep_alive_ms, osp_err_t *err);

/* The live context with this id, or NULL with err set: a malformed id is
 * illegal_argument_exception (400), an unknown or expired one
 * search_context_missing_exception (404). Finding it marks it busy and
 * extends its life by keep_alive_ms (0 = its own keep-alive). */
dp_sctx_t *dp_sctx_use(const char *id, bool pit, int64_t keep_alive_ms, osp_err_t *err);
/* End a use (dp_sctx_use or dp_sctx_new): frees a closed context. */
void dp_sctx_done(dp_sctx_t *c);

/* Take c out of the registry (a failed first page); freed at its last
 * dp_sctx_done. */
void dp_sctx_close(dp_sctx_t *c);

/* Clear by id: true when a live context was freed. */
bool dp_sctx_clear(const char *id, bool pit);
/* Clear every scroll context; returns how many. */
uint32_t dp_sctx_clear_all_scrolls(void);
/* Number of open contexts (scroll or pit). */
uint32_t dp_sctx_open(bool pit);

/* Opaque ids: base64 of a 4-byte magic and a number (16 characters);
 * decode is false for anything else. Also used by async search ids. */
void dp_sctx_id_encode(const char magic[4], uint64_t num, char out[DP_SCTX_ID_MAX]);
bool dp_sctx_id_decode(const char *id, const char magic[4], uint64_t *num);

/* Free expired contexts; call from the network core's slow loop. */
unsigned dp_sctx_poll(void);

#endif
