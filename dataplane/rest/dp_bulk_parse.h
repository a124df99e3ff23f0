/*
 * dp_bulk_parse.h - splitting a _bulk NDJSON body into actions.
 *
 * Pure: no shards, no replies, so it is unit-tested and fuzzed on its own.
 * Action lines are parsed (JSON, one of index/create/update/delete with
 * Elasticsearch's metadata keys); document lines are kept raw (pointers into
 * the body) for the worker that parses them. Errors are Elasticsearch's
 * whole-request 400s ("Malformed action/metadata line [N], ...", "The bulk
 * request must be terminated by a newline [\\n]", ...). Everything lives in
 * the caller's arena.
 */
#ifndef DP_BULK_PARSE_H
#define DP_BULK_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "osprey/arena.h"
#include "osprey/err.h"
#include "../shard/dp_shard_jobs.h"

/* One action of a bulk request. */
typedef struct dp_bulk_op {
	dp_bulk_item_t item;         /* op, _id, routing, versions, source */
	const char *index;           /* as requested */
	dp_index_t *idx;             /* resolved target (filled later) */
	uint32_t shard;
	bool require_alias;
	const char *pipeline;        /* the item's "pipeline" (NULL = none given) */
	bool auto_id;                /* _id generated: reported as "index" */
	bool failed;                 /* failed before reaching a shard */
	osp_err_t err;
} dp_bulk_op_t;

/* Parse body into *ops (arena array of *n). 0, or -EINVAL with err set. */
int dp_bulk_parse(osp_arena_t *a, const char *body, size_t len, const char *default_index,
		  bool default_require_alias, dp_bulk_op_t **ops, uint32_t *n, osp_err_t *err);

#endif
