/*
 * dp_rest_filter.h - Elasticsearch's filter_path response filtering.
 *
 * filter_path is a comma-separated list of dotted paths; a segment may hold
 * '*' wildcards ("indices.*.total", "_shards.*ful"), "**" matches any
 * number of levels ("**._id"), and a leading '-' makes an exclusion. A
 * member is written when no exclusion matches it and an inclusion matches
 * it or one of its ancestors (everything when there are only exclusions).
 * Arrays are transparent: their elements are filtered with the array's
 * paths. An object or array is written only when something inside it
 * survives, unless a path selects it whole; when nothing survives the body
 * is "{}". Elasticsearch applies this with Jackson's filtering generator;
 * here it runs over the serialized body in one pass, copying selected
 * subtrees verbatim. Error bodies are never filtered (as in ES).
 * A compiled filter lives in an arena (usually the request's); any core.
 */
#ifndef DP_REST_FILTER_H
#define DP_REST_FILTER_H

#include <stddef.h>

#include "osprey/arena.h"
#include "osprey/buf.h"

typedef struct dp_rest_filter dp_rest_filter_t;

/* Compile expr into the arena. *out is NULL when expr selects nothing
 * special (empty). -ENOMEM, or -EINVAL for an expression too deep. */
int
dp_rest_filter_compile(osp_arena_t *a, const char *expr, size_t n,
		       dp_rest_filter_t **out);

/* Append json[0..n) filtered by f to out. -EINVAL on malformed JSON. */
int
dp_rest_filter_apply(const dp_rest_filter_t *f, const char *json, size_t n,
		     osp_buf_t *out);

#endif
