/*
 * dp_cat.h - Elasticsearch's _cat table rendering (rest_cat_table.c).
 *
 * A table is a list of columns (name, aliases, description, right-aligned
 * or not, shown by default or not) and rows of string cells in the request's
 * arena. Rendering honours `v` (header), `h` (columns by name or alias,
 * wildcards), `s` (sort by columns, :desc), `help` (the column list),
 * `format=json|text` and writes the reply.
 */
#ifndef DP_CAT_H
#define DP_CAT_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/cluster.h"
#include "dp_rest.h"

/* One column. */
typedef struct dp_cat_col {
	const char *name;
	const char *aliases;        /* comma-separated, may be NULL */
	const char *desc;
	bool right;                 /* numbers: right-aligned, sorted numerically */
	bool hidden;                /* not shown unless asked with h= */
} dp_cat_col_t;

/* A table being filled. */
typedef struct dp_cat {
	dp_rest_req_t *r;
	const dp_cat_col_t *cols;
	uint32_t n_cols;
	const char ***rows;         /* rows[i][c] */
	uint32_t n_rows, cap_rows;
	uint64_t hide_mask;         /* default columns left out (bit = column) */
} dp_cat_t;

void dp_cat_init(dp_cat_t *t, dp_rest_req_t *r, const dp_cat_col_t *cols, uint32_t n_cols);
/* Start a row; returns its cells (all "" initially), NULL on -ENOMEM. */
const char **dp_cat_row(dp_cat_t *t);
/* Cell helpers (strings copied into the request's arena). */
const char *dp_cat_str(dp_cat_t *t, const char *s);
const char *dp_cat_int(dp_cat_t *t, int64_t v);
/* Byte sizes as ES prints them ("4.5kb"), or raw with ?bytes=b. */
const char *dp_cat_bytes(dp_cat_t *t, int64_t v);
/* Durations as ES prints them ("1.2s", "350ms"), or in ?time= units. */
const char *dp_cat_time(dp_cat_t *t, int64_t ms);
/* This node in the published state (rest_cat_node.c), or NULL before the
 * first state. */
const osp_node_t *dp_cat_local_node(void);
/* The dataplane's thread pools (rest_cat_node.c): jobs waiting on the
 * to-worker rings (queued) and being run (active, at most one per worker). */
void dp_cat_pool_counts(uint64_t *active, uint64_t *queued);
/* Disk of path.data: total and available bytes; false when unknown. */
bool dp_cat_disk(uint64_t *total, uint64_t *avail);
/* Render and reply (or answer ?help). */
void dp_cat_reply(dp_cat_t *t);

#endif
