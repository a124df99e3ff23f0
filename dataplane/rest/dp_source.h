/*
 * dp_source.h - _source filtering for get, mget and search (rest_source.c).
 * A spec lives in the request's arena.
 */
#ifndef DP_SOURCE_H
#define DP_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/arena.h"
#include "osprey/err.h"
#include "osprey/json.h"

/* What of _source to return. */
typedef struct dp_source_spec {
	bool fetch;                 /* false: no _source at all */
	const char **includes;
	uint32_t n_includes;
	const char **excludes;
	uint32_t n_excludes;
} dp_source_spec_t;

/* From ?_source=, ?_source_includes=, ?_source_excludes= (any may be NULL). */
int dp_source_spec_from_params(osp_arena_t *a, const char *source, const char *includes,
			       const char *excludes, dp_source_spec_t *spec);
/* From a body's "_source" value (NULL = fetch everything). */
int dp_source_spec_from_json(osp_arena_t *a, const osp_json_t *v, dp_source_spec_t *spec,
			     osp_err_t *err);
/* Write src filtered by spec as one JSON value. */
void dp_source_write(osp_jw_t *w, const dp_source_spec_t *spec, osp_arena_t *a,
		     const char *src, size_t len);

#endif
