/*
 * st_shard_int.h - the shard's internals, shared by st_shard*.c only.
 *
 * A shard is: the WAL (st_wal.h), the version map (st_vmap.h), the indexing
 * buffer (docs parsed at write time, kept compact in an arena until the
 * next refresh turns the live ones into a segment), the list of segments
 * (each with its current reader view and deletes waiting for the next
 * refresh), the published reader set, the last commit point, and at most
 * one merge in progress. Everything belongs to the worker core that opened
 * the shard; nothing here is locked.
 */
#ifndef ST_SHARD_INT_H
#define ST_SHARD_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <roaring/roaring.h>

#include "osprey/mapping.h"
#include "osprey/storage.h"
#include "segment/st_segment.h"
#include "st_commit.h"
#include "st_reader.h"
#include "st_vmap.h"
#include "st_wal.h"

/* One document of the indexing buffer. Strings and fields live in the
 * shard's buffer arena, reset after each refresh. */
typedef struct st_bdoc {
	const char *id;
	uint32_t id_len;
	const char *routing;
	uint32_t routing_len;
	const char *source;
	uint32_t source_len;
	int64_t seq_no, term, version;
	st_doc_field_t *fields;      /* parsed values, copied out of the request */
	uint32_t n_fields;
	bool live;                   /* false once overwritten or deleted */
} st_bdoc_t;

/* One segment of the shard. The shard holds one reference on r (the
 * current view, deletes applied up to the last refresh). */
typedef struct st_sseg {
	char name[40];
	st_reader_t *r;
	uint64_t delgen;
	uint64_t bytes;              /* components + live docs on disk */
	uint32_t ncomp;
	char comp[ST_COMMIT_MAX_FILES][64];
	uint64_t comp_size[ST_COMMIT_MAX_FILES];
	char liv[64];                /* current .liv file, "" when none */
	uint64_t liv_size;
	bool synced;                 /* components fsynced (committable) */
	bool liv_synced;
	bool merging;                /* input of the merge in progress */
	uint32_t *del;               /* docs to delete at the next refresh */
	uint32_t n_del, cap_del;
} st_sseg_t;

/* The merge in progress: inputs, and deletes that hit them meanwhile. */
typedef struct st_smerge {
	st_seg_merge_t *m;
	st_sseg_t **in;
	uint32_t n_in;
	char name[40];
	bool force;
} st_smerge_t;

/* A shard; see osprey/storage.h. Owned by its worker; freed by close. */
struct st_shard {
	char *path;
	char *index_name;
	char *index_uuid;
	uint32_t shard_id;
	int64_t term;
	st_shard_settings_t set;
	st_io_t *io;

	st_mapping_t *mapping;
	st_analysis_t *analysis;     /* index analysis settings; NULL = built-ins.
				      * Mappings point into it: freed last. */
	st_analysis_ctx_t *actx;
	st_wal_t *wal;
	st_vmap_t vmap;

	/* indexing buffer */
	osp_arena_t barena;
	st_bdoc_t *bdocs;
	uint32_t nb, capb, nb_live;
	st_mapping_t **bmaps;        /* mappings the buffered fields point into */
	uint32_t nbmaps;

	/* segments, oldest first */
	st_sseg_t **segs;
	uint32_t nsegs;
	st_reader_set_t *readers;    /* published view (one ref held here) */
	uint64_t readers_version;
	uint64_t next_seg;

	st_smerge_t merge;
	bool merge_active;

	int64_t max_seq_no;          /* highest assigned */
	int64_t visible_seq_no;      /* highest searchable */
	int64_t buf_max_seq_no;      /* highest op applied (buffer or deletes) */
	bool dirty;                  /* ops since the last refresh */
	st_commit_t commit;          /* the last commit point */
	bool replaying;

	int64_t now_ms;
	int64_t last_refresh_ms, last_sync_ms, last_gc_ms, last_flush_fail_ms;
	int failed;

	st_shard_stats_t st;
};

/* st_shard_write.c: apply one op from the WAL during open. */
int
st_shard_replay_op(void *ctx, const st_wal_op_t *op);

/* st_shard_write.c: free the buffer's contents (after refresh / at close). */
void
st_shard_buffer_reset(st_shard_t *sh);

/* st_shard_read.c: the live doc with this _id in the segments (newest
 * first); -ENOENT when none. */
int
st_shard_seg_lookup(st_shard_t *sh, const char *id, size_t len,
		    st_sseg_t **seg, uint32_t *doc, st_doc_meta_t *meta);

/* st_shard_refresh.c */
int
st_shard_publish(st_shard_t *sh);
int
st_shard_seg_add_delete(st_sseg_t *s, uint32_t doc);
void
st_shard_seg_free(st_sseg_t *s);
int
st_shard_write_seg_files(st_shard_t *sh, st_sseg_t *s, st_seg_files_t *fs);
int
st_shard_gc_files(st_shard_t *sh);
int
st_shard_write_liv(st_shard_t *sh, st_sseg_t *s, st_reader_t *r);

/* st_shard_merge.c */
int
st_shard_merge_tick(st_shard_t *sh);
void
st_shard_merge_abort(st_shard_t *sh);

/* st_shard.c: switch to mapping m (takes a reference; the old mapping
 * stays referenced while buffered docs point into it). */
int
st_shard_set_mapping_obj(st_shard_t *sh, st_mapping_t *m);

/* Fail the shard (tragic event); returns rc. */
int
st_shard_fail(st_shard_t *sh, int rc);

#endif
