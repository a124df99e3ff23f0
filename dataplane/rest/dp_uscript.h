/*
 * dp_uscript.h - the update scripts _update_by_query and _reindex run on a
 * document (rest_uscript.c): a small subset of Painless over ctx._source.
 *
 * Statements (separated by ';' or newlines): assignments to
 * ctx._source.<path> (=, +=, -=, *=, ++, -- before or after),
 * ctx._source.remove('f'), and ctx.op = 'index' | 'noop' | 'delete'.
 * Expressions: numbers, 'strings' / "strings", true, false, null,
 * params.<path>, ctx._source.<path>, parentheses and + - * / (string +
 * concatenates). Anything else is Elasticsearch's script_exception (400,
 * "compile error") naming the unsupported part, before any document is
 * touched: dp_uscript_compile checks a script once, dp_uscript_run applies
 * it to one document. Network core; everything in the caller's arena.
 */
#ifndef DP_USCRIPT_H
#define DP_USCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "osprey/arena.h"
#include "osprey/err.h"
#include "osprey/json.h"

typedef enum dp_uscript_op {
	DP_USCRIPT_INDEX = 0,
	DP_USCRIPT_NOOP,
	DP_USCRIPT_DELETE,
} dp_uscript_op_t;

/* A checked script: its source and params. */
typedef struct dp_uscript {
	const char *source;
	const osp_json_t *params;    /* object or NULL */
} dp_uscript_t;

/* From a request's "script" value: a string or {"source","lang","params"}
 * (a stored script {"id"} is the caller's to resolve first: the stored
 * object with the request's params). 0 or -EINVAL with err. */
int dp_uscript_compile(osp_arena_t *a, const osp_json_t *script, dp_uscript_t *out, osp_err_t *err);

/* Run s on the document src[0..len): *op says what to do; for
 * DP_USCRIPT_INDEX, *out (out_len bytes) is the new _source (arena a). */
int dp_uscript_run(osp_arena_t *a, const dp_uscript_t *s, const char *src, size_t len,
		   dp_uscript_op_t *op, const char **out, size_t *out_len, osp_err_t *err);

#endif
