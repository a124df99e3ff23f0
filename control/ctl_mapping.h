/*
 * ctl_mapping.h - mappings as the master manages them: parse and validate a
 * create-index mapping, merge put-mapping bodies and dynamic updates, and
 * keep the result as the JSON GET _mapping shows (stored in osp_index_t).
 */
#ifndef CTL_MAPPING_H
#define CTL_MAPPING_H

#include <stdbool.h>
#include <stddef.h>

#include "osprey/buf.h"
#include "osprey/err.h"
#include "osprey/json.h"

/* Validate the "mappings" of a create-index body (NULL = none) against the
 * index's analysis settings (NULL = built-ins) and write its canonical JSON
 * to out. Errors as Elasticsearch reports them for create-index. */
int
ctl_mapping_create(const osp_json_t *mappings, const osp_json_t *analysis,
		   osp_buf_t *out, osp_err_t *err);

/* Merge update into the stored mapping cur (canonical JSON); the result
 * goes to out and *changed says whether it differs from cur. Conflicts are
 * illegal_argument_exception as ES words them. */
int
ctl_mapping_merge(const char *cur, size_t cur_len, const osp_json_t *analysis,
		  const osp_json_t *update, osp_buf_t *out, bool *changed,
		  osp_err_t *err);

#endif
