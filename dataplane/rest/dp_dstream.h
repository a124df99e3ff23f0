/*
 * dp_dstream.h - data streams (basic): a named stream of hidden backing
 * indices ".ds-<name>-<yyyy.MM.dd>-<generation>" created from a composable
 * template with "data_stream", kept as a "data_stream" custom
 * ({"name","timestamp_field","indices":[names],"generation","template",..})
 * plus an alias of the stream's name on every backing index, the newest
 * being the write index, so reads and writes by the stream's name resolve
 * through the ordinary alias path. Network core only.
 */
#ifndef DP_DSTREAM_H
#define DP_DSTREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/cluster.h"
#include "../server/dp_ctl.h"
#include "dp_rest.h"
#include "dp_tmpl.h"

#define DP_DSTREAM_TYPE "data_stream"

/* The data stream named name, or NULL. */
const osp_custom_t *dp_dstream_get(const char *name);
/* The data stream a backing index belongs to, or NULL. */
const osp_custom_t *dp_dstream_of_index(const char *index, osp_arena_t *a);
/* Create data stream name from its matching template (PUT _data_stream or
 * the first write); cb runs once (errors worded as Elasticsearch). */
void dp_dstream_create(const char *name, dp_ctl_cb_t cb, void *user);
/* Backing index name for generation gen created at now_ms. */
void dp_dstream_backing_name(char *out, size_t n, const char *name, int64_t gen,
			     int64_t now_ms);
/* The CREATE_INDEX body of a backing index of stream name from the
 * template resolution res (hidden, @timestamp a date, the stream's name as
 * write alias when with_alias). */
void dp_dstream_write_backing_body(osp_jw_t *w, const dp_tmpl_resolved_t *res, const char *name,
				   osp_arena_t *a, bool with_alias);
/* Auto-create for a document write: a data stream when the matching
 * composable template asks for one, else an index with the templates
 * applied. */
void dp_tmpl_autocreate(const char *index, dp_ctl_cb_t cb, void *user);

void rest_dstream_routes(void);

#endif
