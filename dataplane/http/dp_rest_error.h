/*
 * dp_rest_error.h - Elasticsearch's error bodies.
 *
 * Two shapes exist. Exceptions render as
 *   {"error":{"root_cause":[{"type","reason",<metadata>}],"type","reason",
 *    <metadata>,"caused_by":{...}},"status":N}
 * with the metadata Elasticsearch puts beside them (resource.type,
 * resource.id, index_uuid, shard, index, line, col) and "stack_trace" only
 * when the request said error_trace=true. The REST layer's own refusals
 * (no handler found, wrong method, unsupported Content-Type) are a bare
 * {"error":"<message>","status":N}. Pure functions; any core.
 */
#ifndef DP_REST_ERROR_H
#define DP_REST_ERROR_H

#include <stdbool.h>

#include "osprey/buf.h"
#include "osprey/err.h"

/* Append the body for e (compact JSON). */
void
dp_rest_error_json(osp_buf_t *out, const osp_err_t *e, bool error_trace);

/* Append {"error":"<msg>","status":N}. */
void
dp_rest_error_simple_json(osp_buf_t *out, uint16_t status, const char *msg);

#endif
