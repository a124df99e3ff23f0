/*
 * osprey/storage.h - the shard API a dataplane worker calls.
 *
 * A shard is one Elasticsearch shard copy on disk: a write-ahead log
 * (translog) of checksummed operations, immutable segments, and a commit
 * point (segments_N) naming the live segments and the seq_no they cover.
 * One worker core owns a shard outright: every call below is made from that
 * core, so there are no locks. All file I/O goes through the worker's
 * st_io_t (osprey/io.h).
 *
 * Write flow (ES's primary path): st_shard_write assigns _seq_no under the
 * shard's _primary_term, appends the op to the WAL buffer and applies it to
 * the in-memory buffer and version map; it is visible to realtime get at
 * once, to search after the next refresh. The worker calls st_shard_tick
 * every loop iteration: it group-commits everything appended since the last
 * call with one write+fdatasync (durability `request`; while one batch is
 * in flight the next one accumulates), runs the refresh, sync and flush
 * timers and a merge slice. An op may be acknowledged once
 * st_shard_durable_seq_no() >= its seq_no, or at once when its result has
 * ST_WRITE_DURABLE set (noops; every op under durability `async`, which
 * syncs every sync_interval instead). If the WAL cannot be made
 * durable the shard fails (ES's "tragic event"): unacked ops are reported
 * failed through st_shard_failed(), new writes are refused, and reopening
 * replays exactly what reached the disk.
 *
 * Dynamic mappings: when a document would add fields, st_shard_write applies
 * nothing and returns ST_MAPPING_UPDATE with the mapping update JSON in the
 * result; the dataplane asks the master (control) to accept it, calls
 * st_shard_set_mapping with the new mapping, and retries the op.
 */
#ifndef OSPREY_STORAGE_H
#define OSPREY_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "osprey/arena.h"
#include "osprey/err.h"
#include "osprey/io.h"
#include "osprey/query.h"

typedef struct st_shard st_shard_t;
struct st_reader;            /* storage/st_reader.h */

/* Returned by st_shard_write when the op needs a mapping update first. */
#define ST_MAPPING_UPDATE (-11100)

#define ST_UNASSIGNED_SEQ_NO (-2)
#define ST_NO_OPS_PERFORMED (-1)
#define ST_MATCH_ANY_VERSION (-3)     /* version not given */

typedef enum st_durability {
	ST_DURABILITY_REQUEST = 0,    /* fsync (group-committed) before ack */
	ST_DURABILITY_ASYNC = 1,      /* fsync every sync_interval */
} st_durability_t;

/* Index settings a shard uses; st_shard_settings_default fills ES's defaults. */
typedef struct st_shard_settings {
	int64_t refresh_interval_ms;      /* 1000; -1 = no periodic refresh */
	st_durability_t durability;       /* request */
	int64_t sync_interval_ms;         /* 5000 (async durability) */
	uint64_t flush_threshold_bytes;   /* 512 MB of WAL triggers a flush */
	int64_t gc_deletes_ms;            /* 60000: tombstone lifetime */
	/* Tiered merge policy (Lucene's TieredMergePolicy defaults). */
	uint32_t segments_per_tier;       /* 10 */
	uint32_t max_merge_at_once;       /* 10 */
	uint64_t max_merged_segment_bytes;/* 5 GB */
	uint64_t floor_segment_bytes;     /* 2 MB */
	uint32_t merge_slice_docs;        /* docs merged per tick slice (4096) */
	int64_t refresh_slice_us;         /* 1000: longest a tick spends on a
					   * refresh; 0 = whole refresh in one tick */
	uint64_t postings_cache_bytes;    /* 256 MB: decoded postings the worker
					   * keeps (LRU, trimmed every tick) */
	bool merge_enabled;               /* true */
} st_shard_settings_t;

void
st_shard_settings_default(st_shard_settings_t *s);

/* Identity and inputs of st_shard_open. Strings are copied. */
typedef struct st_shard_config {
	const char *path;                 /* shard directory (created if absent) */
	const char *index_name;
	const char *index_uuid;
	uint32_t shard_id;
	int64_t primary_term;             /* >= 1; fences older writers */
	const char *mapping_json;         /* {"properties":...} or NULL (empty) */
	size_t mapping_len;
	/* The index's "analysis" settings object ({"analyzer":{..},
	 * "filter":{..},...}) or NULL: custom analyzers and normalizers the
	 * mapping names. Fixed for the shard's life (ES changes analysis only
	 * on a closed index, which reopens its shards). */
	const char *analysis_json;
	size_t analysis_len;
	st_shard_settings_t settings;
	st_io_t *io;                      /* the worker's io; not owned */
} st_shard_config_t;

/* Open (creating when empty) a shard: load the last commit point, verify and
 * open its segments, replay the WAL above the commit's seq_no and cut a torn
 * tail. A corrupt commit point or segment fails the open (err filled,
 * "corrupt_index_exception"), never serves wrong data. */
int
st_shard_open(const st_shard_config_t *cfg, st_shard_t **out, osp_err_t *err);

/* Close. flush = true (a normal close, as ES's flush on close): refresh,
 * commit and trim the WAL so the next open replays nothing; flush = false:
 * only sync the WAL (the next open replays it). A failed shard is closed
 * without touching its files. Frees sh. */
int
st_shard_close(st_shard_t *sh, bool flush);

/* ---- writes ---- */

typedef enum st_op {
	ST_OP_INDEX = 0,          /* op_type=index: create or overwrite */
	ST_OP_CREATE = 1,         /* op_type=create: conflict if it exists */
	ST_OP_UPDATE = 2,         /* partial update; source = update body */
	ST_OP_DELETE = 3,
} st_op_t;

typedef enum st_version_type {
	ST_VERSION_INTERNAL = 0,
	ST_VERSION_EXTERNAL = 1,
	ST_VERSION_EXTERNAL_GTE = 2,
} st_version_type_t;

/* One write request, as the dataplane parsed it from the URL / bulk action.
 * For ST_OP_UPDATE, source is the whole update body:
 * {"doc":{...},"upsert":{...},"doc_as_upsert":b,"detect_noop":b}. */
typedef struct st_write_req {
	st_op_t op;
	const char *id;
	size_t id_len;
	const char *routing;              /* NULL = none */
	size_t routing_len;
	const char *source;
	size_t source_len;
	int64_t version;                  /* ST_MATCH_ANY_VERSION when absent */
	st_version_type_t version_type;
	int64_t if_seq_no;                /* ST_UNASSIGNED_SEQ_NO when absent */
	int64_t if_primary_term;          /* 0 when absent */
} st_write_req_t;

typedef enum st_result {
	ST_RESULT_CREATED = 0,
	ST_RESULT_UPDATED,
	ST_RESULT_DELETED,
	ST_RESULT_NOT_FOUND,
	ST_RESULT_NOOP,
} st_result_t;

#define ST_WRITE_DURABLE 0x1u     /* nothing to wait for (noop) */

/* What a write did. Strings point into the caller's arena. */
typedef struct st_write_res {
	st_result_t result;
	int64_t seq_no;
	int64_t primary_term;
	int64_t version;
	unsigned flags;                   /* ST_WRITE_DURABLE */
	/* ST_OP_UPDATE: the _source after the update (for "get" in the reply). */
	const char *source;
	size_t source_len;
	/* ST_MAPPING_UPDATE: {"properties":{...}} to merge into the mapping. */
	const char *mapping_update;
	size_t mapping_update_len;
} st_write_res_t;

/* Apply one write. Returns 0 (res filled; ack once durable),
 * ST_MAPPING_UPDATE (nothing applied; res->mapping_update set),
 * or a negative errno with err set to ES's error:
 * version_conflict_engine_exception (409), document_missing_exception (404),
 * mapper_parsing_exception (400), illegal_argument_exception (400), or an
 * I/O failure (500) after which the shard is failed. */
int
st_shard_write(st_shard_t *sh, const st_write_req_t *req, osp_arena_t *a,
	       st_write_res_t *res, osp_err_t *err);

/* Highest seq_no such that it and every op below are durable in the WAL. */
int64_t
st_shard_durable_seq_no(const st_shard_t *sh);

/* Highest seq_no assigned. */
int64_t
st_shard_max_seq_no(const st_shard_t *sh);

/* 0 while healthy; the negative errno that failed the shard otherwise. Ops
 * with seq_no > st_shard_durable_seq_no() at failure are never acked. */
int
st_shard_failed(const st_shard_t *sh);

/* Block until everything appended is durable (tests, close, flush). */
int
st_shard_sync(st_shard_t *sh);

/* Replace the mapping (after the master accepted an update). */
int
st_shard_set_mapping(st_shard_t *sh, const char *json, size_t len, osp_err_t *err);

/* ---- the loop ---- */

/* Called every worker iteration with a monotonic clock in ms: polls the io,
 * group-commits appended ops, runs refresh/sync/flush timers and a bounded
 * merge slice. Never blocks. Returns 0 or the shard's failure. */
int
st_shard_tick(st_shard_t *sh, int64_t now_ms);

/* ---- reads ---- */

/* A document as returned by get. Strings point into the caller's arena. */
typedef struct st_get_res {
	bool found;
	int64_t seq_no;
	int64_t primary_term;
	int64_t version;
	const char *source;
	size_t source_len;
	const char *routing;
	size_t routing_len;
} st_get_res_t;

/* Get by _id. realtime: see unrefreshed writes (ES default); otherwise only
 * what the last refresh made searchable. 0 (doc->found tells) or -errno. */
int
st_shard_get(st_shard_t *sh, const char *id, size_t id_len, bool realtime,
	     osp_arena_t *a, st_get_res_t *doc);

/* The searchable view at this instant: a refcounted array of readers
 * (oldest segment first). Searches hold it for their duration; a refresh or
 * merge publishes a new set without disturbing holders. */
typedef struct st_reader_set {
	uint32_t refs;
	uint32_t n;
	uint64_t version;                 /* bumps on every publish */
	struct st_reader **r;
} st_reader_set_t;

st_reader_set_t *
st_shard_acquire_readers(st_shard_t *sh);

void
st_shard_release_readers(st_reader_set_t *set);

/* Live docs in the searchable view (ES _count with match_all). */
uint64_t
st_shard_count(st_shard_t *sh);

/* Query phase over the current reader set (osprey/query.h): top from+size
 * hits, totals and aggregation partials into out (arena a). *ctx (when not
 * NULL) receives the reader set the hits refer to; pass it to
 * st_shard_fetch and release it with st_shard_release_readers. */
int
st_shard_search(st_shard_t *sh, const st_search_req_t *req, osp_arena_t *a,
		st_shard_result_t *out, st_reader_set_t **ctx, osp_err_t *err);

/* st_shard_search over view, a set pinned earlier with
 * st_shard_acquire_readers (scroll / point in time: the same documents on
 * every page; segments a refresh or merge replaced stay alive while pinned).
 * view NULL = the current set. *ctx gets its own reference. */
int
st_shard_search_view(st_shard_t *sh, st_reader_set_t *view, const st_search_req_t *req,
		     osp_arena_t *a, st_shard_result_t *out, st_reader_set_t **ctx,
		     osp_err_t *err);

/* _terms_enum: up to size distinct terms of field starting with prefix
 * (case_insensitive: any case), strictly after `after` (NULL = from the
 * start), in byte order, over the current view (arena a). */
int
st_shard_terms_enum(st_shard_t *sh, const char *field, const char *prefix, size_t prefix_len,
		    bool case_insensitive, const char *after, uint32_t size, osp_arena_t *a,
		    const char ***terms, uint32_t *n);

/* Term vectors of one document, re-analyzed from its _source (no vectors
 * are stored). */
typedef struct st_tv_token {
	int32_t position;
	uint32_t start_offset, end_offset;
} st_tv_token_t;

typedef struct st_tv_term {
	const char *term;
	uint32_t len;
	uint32_t freq;
	uint64_t doc_freq, ttf;           /* over the searchable view */
	st_tv_token_t *tokens;            /* [freq] */
} st_tv_term_t;

typedef struct st_tv_field {
	const char *field;
	uint64_t doc_count, sum_doc_freq, sum_ttf;
	st_tv_term_t *terms;              /* sorted by term bytes */
	uint32_t n_terms;
} st_tv_field_t;

typedef struct st_tv {
	bool found;
	int64_t version, seq_no, primary_term;
	st_tv_field_t *fields;            /* text fields with terms */
	uint32_t n_fields;
} st_tv_t;

/* Term vectors of document id (realtime get), or of the artificial
 * document doc[0..doc_len) when doc is not NULL; fields (n_fields 0 = all
 * text fields) selects. 0 (out->found tells), or -errno with err. */
int
st_shard_termvectors(st_shard_t *sh, const char *id, size_t id_len, const char *doc,
		     size_t doc_len, const char *const *fields, uint32_t n_fields,
		     osp_arena_t *a, st_tv_t *out, osp_err_t *err);

/* _count of a query over the current reader set. */
int
st_shard_count_query(st_shard_t *sh, const st_query_t *q, int64_t now_ms,
		     osp_arena_t *a, uint64_t *count, osp_err_t *err);

/* Fetch phase: _source and identity of a hit. With ctx (from
 * st_shard_search) the hit's segment is the one searched; without, the
 * current set is used, falling back to a non-realtime get by _id when the
 * segment was merged away. */
int
st_shard_fetch(st_shard_t *sh, st_reader_set_t *ctx, const st_hit_t *hit,
	       osp_arena_t *a, st_get_res_t *out);

/* ---- refresh, flush, merge ---- */

/* Make every op so far searchable (writes a new segment), in this call:
 * the worker stalls for the whole build (?refresh=true on a get, flush,
 * close, tests). */
int
st_shard_refresh(st_shard_t *sh);

/* Ask for a refresh without waiting: st_shard_tick builds the segment in
 * slices of at most refresh_slice_us, searches keep the previous reader set
 * and writes and realtime gets go on meanwhile. Returns the seq_no that
 * becomes visible (st_shard_visible_seq_no() >= it) once every op up to
 * this call is searchable. */
int64_t
st_shard_refresh_request(st_shard_t *sh);

/* True while a sliced refresh is under way: the caller keeps calling
 * st_shard_tick (instead of sleeping) until it is false. False as well
 * while a failed refresh waits a second for its retry: whoever waits for
 * visibility then should give up (the write itself is in the WAL). */
bool
st_shard_busy(const st_shard_t *sh);

/* Highest seq_no visible to search: refresh=wait_for waits until this is
 * >= the op's seq_no (st_shard_tick refreshes on the interval). */
int64_t
st_shard_visible_seq_no(const st_shard_t *sh);

/* Refresh, write a commit point atomically, trim the WAL. */
int
st_shard_flush(st_shard_t *sh);

/* _forcemerge: merge down to max_num_segments (0 = policy default: 1), or
 * only expunge deleted docs. Runs to completion (blocking). */
int
st_shard_force_merge(st_shard_t *sh, uint32_t max_num_segments,
		     bool only_expunge_deletes);

/* ---- stats ---- */

/* _stats / _cat counters. */
typedef struct st_shard_stats {
	uint64_t docs_count;          /* live docs in segments (searchable) */
	uint64_t docs_deleted;
	uint64_t store_size_bytes;
	uint64_t translog_size_bytes;
	uint64_t translog_ops;        /* ops in the WAL not yet committed */
	uint32_t segments_count;
	uint64_t index_total, index_failed, delete_total, noop_update_total;
	uint64_t get_total, get_exists_total, get_missing_total;
	uint64_t search_query_total, search_fetch_total;
	uint64_t refresh_total, flush_total, merge_total, merge_docs_total;
	uint64_t merge_current;
	int64_t max_seq_no, local_checkpoint, durable_seq_no, primary_term;
} st_shard_stats_t;

void
st_shard_get_stats(const st_shard_t *sh, st_shard_stats_t *out);

/* One segment of a shard (_cat/segments): what the searchable view and the
 * last commit point say about it. */
typedef struct st_segment_info {
	char name[40];
	uint64_t generation;
	uint32_t docs_count;          /* live */
	uint32_t docs_deleted;
	uint64_t size_bytes;          /* components + live-docs file */
	bool committed;               /* named by the last commit point */
	bool searchable;              /* in the published reader set */
} st_segment_info_t;

/* Fill up to max segments (oldest first); returns how many the shard has. */
uint32_t
st_shard_segments(const st_shard_t *sh, st_segment_info_t *out, uint32_t max);

/* Count a search/fetch phase served (the search module does the work). */
void
st_shard_note_search(st_shard_t *sh, bool fetch);

#endif
