/*
 * st_dsl_util.c - small helpers of the query DSL parser: Elasticsearch
 * error constructors, JSON scalar conversion (numbers as written, numeric
 * strings accepted where Elasticsearch accepts them), Jackson token names
 * for messages, and AST node allocation in the request arena.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "st_dsl_int.h"

int
st_dsl_perr(osp_err_t *err, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = osp_err_vset(err, 400, "parsing_exception", fmt, ap);
	va_end(ap);
	return rc;
}

int
st_dsl_xerr(osp_err_t *err, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = osp_err_vset(err, 400, "x_content_parse_exception", fmt, ap);
	va_end(ap);
	return rc;
}

const char *
st_dsl_key(osp_arena_t *a, const osp_json_t *m)
{
	return osp_arena_strndup(a, m->key, m->key_len);
}

const char *
st_dsl_token(const osp_json_t *v)
{
	switch (v ? v->type : OSP_JSON_NULL) {
	case OSP_JSON_BOOL: return "VALUE_BOOLEAN";
	case OSP_JSON_NUMBER: return "VALUE_NUMBER";
	case OSP_JSON_STRING: return "VALUE_STRING";
	case OSP_JSON_ARRAY: return "START_ARRAY";
	case OSP_JSON_OBJECT: return "START_OBJECT";
	default: return "VALUE_NULL";
	}
}

int
st_dsl_value(osp_arena_t *a, const osp_json_t *v, st_value_t *out)
{
	memset(out, 0, sizeof(*out));
	switch (v->type) {
	case OSP_JSON_STRING:
		out->type = ST_VAL_STRING;
		out->s = osp_arena_strndup(a, v->u.str, v->len);
		out->len = v->len;
		return out->s ? 0 : -ENOMEM;
	case OSP_JSON_NUMBER:
		if (v->is_int) {
			out->type = ST_VAL_LONG;
			out->i = v->i;
			out->d = (double)v->i;
		} else {
			out->type = ST_VAL_DOUBLE;
			out->d = v->d;
		}
		out->s = osp_arena_strndup(a, v->num, v->num_len);
		out->len = v->num_len;
		return out->s ? 0 : -ENOMEM;
	case OSP_JSON_BOOL:
		out->type = ST_VAL_BOOL;
		out->b = v->boolean;
		out->s = v->boolean ? "true" : "false";
		out->len = (uint32_t)strlen(out->s);
		return 0;
	case OSP_JSON_NULL:
		out->type = ST_VAL_NULL;
		return 0;
	default:
		return -EINVAL;
	}
}

const char *
st_dsl_text(osp_arena_t *a, const osp_json_t *v, uint32_t *len)
{
	st_value_t val;

	if (st_dsl_value(a, v, &val) || val.type == ST_VAL_NULL)
		return NULL;
	*len = val.len;
	return val.s;
}

int
st_dsl_float(const osp_json_t *v, float *out)
{
	char *end;

	if (osp_json_is(v, OSP_JSON_NUMBER)) {
		*out = (float)v->d;
		return 0;
	}
	if (osp_json_is(v, OSP_JSON_STRING) && v->len) {
		double d = strtod(v->u.str, &end);
		if (*end == '\0') {
			*out = (float)d;
			return 0;
		}
	}
	return -EINVAL;
}

int
st_dsl_int(const osp_json_t *v, int64_t *out)
{
	char *end;

	if (osp_json_is(v, OSP_JSON_NUMBER)) {
		*out = v->is_int ? v->i : (int64_t)v->d;
		return 0;
	}
	if (osp_json_is(v, OSP_JSON_STRING) && v->len) {
		long long x = strtoll(v->u.str, &end, 10);
		if (*end == '\0') {
			*out = x;
			return 0;
		}
	}
	return -EINVAL;
}

int
st_dsl_bool(const osp_json_t *v, bool *out)
{
	if (osp_json_is(v, OSP_JSON_BOOL)) {
		*out = v->boolean;
		return 0;
	}
	if (osp_json_is(v, OSP_JSON_STRING)) {
		if (strcmp(v->u.str, "true") == 0) { *out = true; return 0; }
		if (strcmp(v->u.str, "false") == 0) { *out = false; return 0; }
	}
	return -EINVAL;
}

st_query_t *
st_dsl_new(osp_arena_t *a, st_query_kind_t kind)
{
	st_query_t *q = osp_arena_calloc(a, sizeof(*q));

	if (q) {
		q->kind = (uint8_t)kind;
		q->boost = 1.0f;
	}
	return q;
}
