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
	uint32_t seg_doc;            /* frozen buffer: doc id in the segment
				      * being built, ST_NO_SEG_DOC when dead
				      * at the freeze */
} st_bdoc_t;

#define ST_NO_SEG_DOC UINT32_MAX
/* Version map buf_doc of a doc in the frozen buffer (sliced refresh). */
#define ST_BUF_FROZEN 0x80000000u

/* Completion counter of a batch of file writes on the io; fds stay open
 * until st_shard_files_finish. */
typedef struct st_wbatch {
	unsigned pending;
	int err;
	int fds[16];
	uint32_t opened;
} st_wbatch_t;

typedef enum st_rf_stage {
	ST_RF_IDLE = 0,
	ST_RF_FEED,                  /* frozen docs -> segment builder */
	ST_RF_ENCODE,                /* builder finish steps */
	ST_RF_WRITE,                 /* component writes in flight */
	ST_RF_PUBLISH,               /* open, apply deletes, publish */
} st_rf_stage_t;


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

/* A sliced refresh (st_shard_rslice.c). At the freeze the indexing buffer
 * moves here whole (docs, arena, the mappings they point into) and writes
 * start a new one; the frozen docs stay readable for realtime get and
 * conflict checks until the new segment is published. What the segment will
 * hold is fixed at the freeze (docs live then, deletes queued then), so the
 * published view is the shard as of the freeze: later deletes of frozen
 * docs wait in post_del for the next refresh. */
typedef struct st_srefresh {
	uint8_t stage;               /* st_rf_stage_t */
	bool wanted;                 /* a requested refresh is still to start */
	int64_t retry_ms;            /* after a failure: not before this */
	int64_t seq_no;              /* buf_max_seq_no at the freeze */
	st_bdoc_t *docs;
	uint32_t n, next, nlive;
	osp_arena_t arena;
	st_mapping_t **maps;
	uint32_t nmaps;
	uint32_t *del_frozen;        /* per segment: queued deletes at the freeze */
	uint32_t nsegs_frozen;
	uint32_t *post_del;          /* segment doc ids retired after the freeze */
	uint32_t n_post_del, cap_post_del;
	st_seg_builder_t *b;
	uint32_t *fids;
	uint32_t nf;
	st_sseg_t *s;
	st_seg_files_t fs;
	st_wbatch_t wb;
} st_srefresh_t;

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
	st_srefresh_t rf;

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

/* st_shard_refresh.c: open the files of fs and submit their writes on the
 * io (b counts them); st_shard_files_finish once b->pending is 0: closes
 * them, and records them on s (may be NULL) or unlinks them on error. */
int
st_shard_files_submit(st_shard_t *sh, st_seg_files_t *fs, st_wbatch_t *b);
int
st_shard_files_finish(st_shard_t *sh, st_sseg_t *s, st_seg_files_t *fs, st_wbatch_t *b);

/* st_shard_rslice.c: the sliced refresh. step runs the refresh under way
 * (or starts one when wanted and due) for at most budget_us (< 0: to the
 * end, waiting for the io); free drops its state (close). */
int
st_shard_rslice_step(st_shard_t *sh, int64_t budget_us);
void
st_shard_rslice_free(st_shard_t *sh);
/* The buffered doc a version map entry's buf_doc names (active or frozen). */
st_bdoc_t *
st_shard_bdoc(st_shard_t *sh, uint32_t buf_doc);
/* A frozen doc stops being live after the freeze. */
int
st_shard_rslice_retire(st_shard_t *sh, st_bdoc_t *d);

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
