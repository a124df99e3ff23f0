/*
 * dp_pipeline.h - ingest pipelines on the write path: which pipelines apply
 * to a document (?pipeline= or the bulk item's "pipeline", else the index's
 * index.default_pipeline; then index.final_pipeline) and running them on
 * the network core before the document is routed (Elasticsearch runs them
 * on the coordinating ingest node the same way). Stored pipelines are
 * cluster-state customs of type "ingest_pipeline" (body = the definition).
 */
#ifndef DP_PIPELINE_H
#define DP_PIPELINE_H

#include "osprey/storage.h"
#include "../ingest/dp_ingest.h"
#include "../shard/dp_shards.h"

#define DP_PIPELINE_CUSTOM "ingest_pipeline"

/* The stored pipeline id parsed into a, or NULL. */
const osp_json_t *
dp_pipeline_stored(osp_arena_t *a, const char *id);

/* Run the pipelines for one index/create of req into idx. pipeline is the
 * request's choice (NULL = index default, "_none" = no default pipeline).
 * Returns 0 (go on; req->source/id/routing may now point into a, and
 * *new_index is set when the pipeline changed _index), 1 when a drop
 * processor dropped the document, or -EINVAL/-ENOMEM with err. */
int
dp_pipeline_apply(osp_arena_t *a, const dp_index_t *idx, const char *pipeline, st_write_req_t *req,
		  const char **new_index, osp_err_t *err);

/* A dropped document's write result: noop, version -3, no shards. */
void
dp_pipeline_dropped(st_write_res_t *res);

#endif
