/*
 * st_update.h - Elasticsearch's partial-document merge for _update.
 *
 * The "doc" of an update is merged into the current _source the way ES's
 * XContentHelper.update does: for each key of doc, when both the old and the
 * new value are objects they are merged recursively, otherwise the new value
 * replaces the old one (arrays are replaced, not concatenated); keys not in
 * the source are appended in doc order. `changed` reports whether the
 * result differs from the source (detect_noop). Pure; trees live in the
 * caller's arena.
 */
#ifndef ST_UPDATE_H
#define ST_UPDATE_H

#include <stdbool.h>

#include "osprey/arena.h"
#include "osprey/json.h"

int
st_update_merge(osp_arena_t *a, const osp_json_t *src, const osp_json_t *doc,
		osp_json_t **out, bool *changed);

#endif
