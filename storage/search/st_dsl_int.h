/*
 * st_dsl_int.h - helpers shared by the query DSL parser files
 * (st_dsl.c, st_dsl_req.c, st_dsl_agg.c, st_qstring.c) only.
 *
 * Every allocation goes to the request arena; errors are written as
 * Elasticsearch words them.
 */
#ifndef ST_DSL_INT_H
#define ST_DSL_INT_H

#include <errno.h>
#include <string.h>

#include "osprey/query.h"

/* parsing_exception with a formatted reason, status 400. */
int
st_dsl_perr(osp_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* x_content_parse_exception, status 400. */
int
st_dsl_xerr(osp_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A copy of the member's key, NUL-terminated, in a. */
const char *
st_dsl_key(osp_arena_t *a, const osp_json_t *m);
/* Scalar JSON -> st_value_t (strings copied). -EINVAL for arrays/objects. */
int
st_dsl_value(osp_arena_t *a, const osp_json_t *v, st_value_t *out);
/* Text of a scalar (numbers as written, booleans true/false). */
const char *
st_dsl_text(osp_arena_t *a, const osp_json_t *v, uint32_t *len);
/* Number from a number or numeric string; -EINVAL otherwise. */
int
st_dsl_float(const osp_json_t *v, float *out);
int
st_dsl_int(const osp_json_t *v, int64_t *out);
int
st_dsl_bool(const osp_json_t *v, bool *out);
/* Jackson token name of a value ("START_OBJECT", "VALUE_STRING", ...). */
const char *
st_dsl_token(const osp_json_t *v);

st_query_t *
st_dsl_new(osp_arena_t *a, st_query_kind_t kind);

#endif
