/*
 * st_fields.h - st_search_fields_t over a mapping and an analysis context
 * (for storage/shard). The struct borrows both for one search.
 */
#ifndef ST_FIELDS_H
#define ST_FIELDS_H

#include "osprey/analysis.h"
#include "osprey/mapping.h"
#include "st_search.h"

/* Filled by st_search_fields_mapping; pass &fm->ops to st_search_shard. */
typedef struct st_search_fields_mapping {
	st_search_fields_t ops;
	const st_mapping_t *m;
	st_analysis_ctx_t *actx;
} st_search_fields_mapping_t;

void
st_search_fields_mapping(st_search_fields_mapping_t *fm, const st_mapping_t *m,
			 st_analysis_ctx_t *actx);

#endif
