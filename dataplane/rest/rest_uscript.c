/*
 * rest_uscript.c - the Painless subset of update scripts (dp_uscript.h).
 *
 * A direct interpreter over the source text: a recursive-descent parser
 * that evaluates as it parses, on the document's JSON DOM (parsed into the
 * caller's arena, changed in place, written back out). Compiling is a run
 * over an empty document in "check" mode, where only syntax errors count,
 * so a bad script fails the request before any document is written.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_uscript.h"

/* One run of a script (stack). */
typedef struct us_exec {
	osp_arena_t *a;
	const char *p, *end;
	osp_json_t *source;          /* ctx._source */
	const osp_json_t *params;
	dp_uscript_op_t op;
	bool check;                  /* compile: no runtime errors */
	osp_err_t *err;
	bool failed;
} us_exec_t;

static osp_json_t *us_expr(us_exec_t *x);

static bool
us_fail(us_exec_t *x, bool runtime, const char *fmt, const char *what)
{
	char reason[256];

	if (x->failed || (runtime && x->check))
		return false;
	snprintf(reason, sizeof(reason), fmt, what);
	osp_err_set(x->err, 400, "script_exception", runtime ? "runtime error" : "compile error");
	snprintf(x->err->caused_by_type, sizeof(x->err->caused_by_type), "%s",
		 runtime ? "null_pointer_exception" : "illegal_argument_exception");
	snprintf(x->err->caused_by_reason, sizeof(x->err->caused_by_reason), "%s", reason);
	x->failed = true;
	return false;
}

static void
us_ws(us_exec_t *x)
{
	while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' || *x->p == '\r'))
		x->p++;
}

static bool
us_eat(us_exec_t *x, const char *tok)
{
	size_t n = strlen(tok);

	us_ws(x);
	if ((size_t)(x->end - x->p) >= n && memcmp(x->p, tok, n) == 0) {
		x->p += n;
		return true;
	}
	return false;
}

/* An identifier or quoted key; NULL if none. */
static char *
us_name(us_exec_t *x, char quote)
{
	const char *s = x->p;

	if (quote) {
		while (x->p < x->end && *x->p != quote)
			x->p++;
		if (x->p >= x->end)
			return NULL;
		return osp_arena_strndup(x->a, s, (size_t)(x->p++ - s));
	}
	while (x->p < x->end && (isalnum((unsigned char)*x->p) || *x->p == '_'))
		x->p++;
	return x->p > s ? osp_arena_strndup(x->a, s, (size_t)(x->p - s)) : NULL;
}

/* After "ctx._source" / "params": the path segments, resolved in root.
 * *parent and *key name the last segment (for assignments). */
static osp_json_t *
us_path(us_exec_t *x, osp_json_t *root, osp_json_t **parent, const char **key)
{
	osp_json_t *cur = root;

	*parent = NULL;
	*key = NULL;
	for (;;) {
		char *k;

		if (us_eat(x, ".")) {
			if (us_eat(x, "remove("))
				return (x->p -= 8, cur);   /* method call: the caller's */
			k = us_name(x, 0);
		} else if (us_eat(x, "['")) {
			k = us_name(x, '\'');
			if (!us_eat(x, "]"))
				k = NULL;
		} else if (us_eat(x, "[\"")) {
			k = us_name(x, '"');
			if (!us_eat(x, "]"))
				k = NULL;
		} else {
			return cur;
		}
		if (k == NULL) {
			us_fail(x, false, "unexpected token in a field path near [%.20s]", x->p);
			return NULL;
		}
		*parent = cur;
		*key = k;
		cur = osp_json_is(cur, OSP_JSON_OBJECT) ? osp_json_get(cur, k) : NULL;
	}
}

static double
us_num(const osp_json_t *v)
{
	return v->is_int ? (double)v->i : v->d;
}

static osp_json_t *
us_arith(us_exec_t *x, char op, const osp_json_t *l, const osp_json_t *r)
{
	if (op == '+' && (osp_json_is(l, OSP_JSON_STRING) || osp_json_is(r, OSP_JSON_STRING))) {
		osp_buf_t b;
		osp_json_t *out;

		osp_buf_init(&b);
		for (int i = 0; i < 2; i++) {
			const osp_json_t *v = i ? r : l;

			if (osp_json_is(v, OSP_JSON_STRING))
				osp_buf_append(&b, v->u.str, v->len);
			else if (osp_json_is(v, OSP_JSON_NUMBER) && v->is_int)
				osp_buf_printf(&b, "%lld", (long long)v->i);
			else if (osp_json_is(v, OSP_JSON_NUMBER))
				osp_buf_printf(&b, "%.17g", v->d);
			else
				osp_buf_puts(&b, osp_json_is(v, OSP_JSON_BOOL) ? (v->boolean ? "true" : "false") : "null");
		}
		out = osp_json_new_string(x->a, b.data ? b.data : "", b.len);
		osp_buf_free(&b);
		return out;
	}
	if (!osp_json_is(l, OSP_JSON_NUMBER) || !osp_json_is(r, OSP_JSON_NUMBER)) {
		us_fail(x, true, "cannot apply [%s] to a missing or non-numeric value", op == '+' ? "+" :
			op == '-' ? "-" : op == '*' ? "*" : "/");
		return x->check ? osp_json_new_int(x->a, 0) : NULL;
	}
	if (l->is_int && r->is_int && op != '/') {
		int64_t v = op == '+' ? l->i + r->i : op == '-' ? l->i - r->i : l->i * r->i;

		return osp_json_new_int(x->a, v);
	}
	if (l->is_int && r->is_int && r->i != 0)
		return osp_json_new_int(x->a, l->i / r->i);
	double a = us_num(l), b = us_num(r);

	return osp_json_new_double(x->a, op == '+' ? a + b : op == '-' ? a - b : op == '*' ? a * b : a / b);
}

static osp_json_t *
us_term(us_exec_t *x)
{
	osp_json_t *parent, *v;
	const char *key;

	us_ws(x);
	if (us_eat(x, "(")) {
		v = us_expr(x);
		if (v && !us_eat(x, ")"))
			return us_fail(x, false, "expected [)] near [%.20s]", x->p), NULL;
		return v;
	}
	if (us_eat(x, "-")) {
		v = us_term(x);
		return v ? us_arith(x, '-', osp_json_new_int(x->a, 0), v) : NULL;
	}
	if (x->p < x->end && (*x->p == '\'' || *x->p == '"')) {
		char q = *x->p++;
		char *s = us_name(x, q);

		return s ? osp_json_new_string(x->a, s, strlen(s)) :
			   (us_fail(x, false, "unterminated string near [%.20s]", x->p), NULL);
	}
	if (x->p < x->end && isdigit((unsigned char)*x->p)) {
		char *e;
		double d = strtod(x->p, &e);
		bool integral = true;

		for (const char *c = x->p; c < e; c++)
			integral &= isdigit((unsigned char)*c) != 0;
		x->p = e;
		if (x->p < x->end && (*x->p == 'L' || *x->p == 'l' || *x->p == 'd' || *x->p == 'f'))
			x->p++;
		return integral ? osp_json_new_int(x->a, (int64_t)d) : osp_json_new_double(x->a, d);
	}
	if (us_eat(x, "true"))
		return osp_json_new_bool(x->a, true);
	if (us_eat(x, "false"))
		return osp_json_new_bool(x->a, false);
	if (us_eat(x, "null"))
		return osp_json_new_null(x->a);
	if (us_eat(x, "params")) {
		v = us_path(x, (osp_json_t *)x->params, &parent, &key);
		return v ? v : x->failed ? NULL : osp_json_new_null(x->a);
	}
	if (us_eat(x, "ctx._source")) {
		v = us_path(x, x->source, &parent, &key);
		return v ? v : x->failed ? NULL : osp_json_new_null(x->a);
	}
	us_fail(x, false, "unsupported expression near [%.20s]", x->p);
	return NULL;
}

static osp_json_t *
us_expr(us_exec_t *x)
{
	osp_json_t *l = us_term(x);

	while (l && !x->failed) {
		char op;

		us_ws(x);
		if (x->p >= x->end || !strchr("+-*/", *x->p) || (x->p + 1 < x->end && (x->p[1] == '=' ||
		    x->p[1] == *x->p)))
			break;
		op = *x->p++;
		osp_json_t *r = us_term(x);

		if (r == NULL)
			return NULL;
		l = us_arith(x, op, l, r);
	}
	return l;
}

/* Store v as parent[key] (replacing or adding). */
static void
us_store(us_exec_t *x, osp_json_t *parent, const char *key, osp_json_t *old, const osp_json_t *v)
{
	if (v == NULL)
		return;
	if (old) {
		osp_json_t *next = old->next;
		const char *k = old->key;
		uint32_t kl = old->key_len;

		*old = *v;
		old->next = next;
		old->key = k;
		old->key_len = kl;
		return;
	}
	if (!osp_json_is(parent, OSP_JSON_OBJECT)) {
		us_fail(x, true, "cannot set [%s] on a missing object", key);
		return;
	}
	osp_json_t *copy = osp_json_clone(x->a, v);

	if (copy)
		osp_json_append(x->a, parent, key, strlen(key), copy);
}

/* ctx._source.<path> followed by an assignment or a remove() call. */
static void
us_source_stmt(us_exec_t *x)
{
	osp_json_t *parent, *cur, *v;
	const char *key;

	cur = us_path(x, x->source, &parent, &key);
	if (x->failed)
		return;
	if (us_eat(x, ".remove(")) {
		us_ws(x);
		char q = x->p < x->end ? *x->p++ : 0;
		char *k = (q == '\'' || q == '"') ? us_name(x, q) : NULL;

		if (k == NULL || !us_eat(x, ")")) {
			us_fail(x, false, "bad remove() call near [%.20s]", x->p);
			return;
		}
		if (!osp_json_is(cur, OSP_JSON_OBJECT))
			return;
		for (osp_json_t **pp = &cur->u.child, *prev = NULL; *pp; prev = *pp, pp = &(*pp)->next) {
			if (osp_json_key_eq(*pp, k)) {
				if (cur->last == *pp)
					cur->last = prev;
				*pp = (*pp)->next;
				cur->len--;
				break;
			}
		}
		return;
	}
	if (key == NULL) {
		us_fail(x, false, "cannot assign to [%s]", "ctx._source");
		return;
	}
	if (us_eat(x, "++") || us_eat(x, "--")) {
		v = us_arith(x, x->p[-1], cur ? cur : osp_json_new_null(x->a), osp_json_new_int(x->a, 1));
	} else if (us_eat(x, "+=") || us_eat(x, "-=") || us_eat(x, "*=") || us_eat(x, "/=")) {
		char op = x->p[-2];
		osp_json_t *r = us_expr(x);

		v = r ? us_arith(x, op, cur ? cur : osp_json_new_null(x->a), r) : NULL;
	} else if (us_eat(x, "=")) {
		v = us_expr(x);
	} else {
		us_fail(x, false, "expected an assignment near [%.20s]", x->p);
		return;
	}
	if (!x->failed)
		us_store(x, parent, key, cur, v);
}

static void
us_stmt(us_exec_t *x)
{
	us_ws(x);
	if (us_eat(x, "++") || us_eat(x, "--")) {
		char op = x->p[-1];
		osp_json_t *parent, *cur;
		const char *key;

		if (!us_eat(x, "ctx._source")) {
			us_fail(x, false, "unsupported statement near [%.20s]", x->p);
			return;
		}
		cur = us_path(x, x->source, &parent, &key);
		if (!x->failed && key)
			us_store(x, parent, key, cur, us_arith(x, op, cur ? cur : osp_json_new_null(x->a),
							     osp_json_new_int(x->a, 1)));
		return;
	}
	if (us_eat(x, "ctx._source")) {
		us_source_stmt(x);
		return;
	}
	if (us_eat(x, "ctx.op")) {
		osp_json_t *v;

		if (!us_eat(x, "=") || (v = us_expr(x)) == NULL || !osp_json_is(v, OSP_JSON_STRING)) {
			us_fail(x, false, "ctx.op takes a string near [%.20s]", x->p);
			return;
		}
		if (strcmp(v->u.str, "noop") == 0 || strcmp(v->u.str, "none") == 0)
			x->op = DP_USCRIPT_NOOP;
		else if (strcmp(v->u.str, "delete") == 0)
			x->op = DP_USCRIPT_DELETE;
		else if (strcmp(v->u.str, "index") == 0)
			x->op = DP_USCRIPT_INDEX;
		else
			us_fail(x, true, "Operation type [%s] not allowed, only [noop, index, delete] are allowed",
				v->u.str);
		return;
	}
	us_fail(x, false, "unsupported statement near [%.20s]", x->p);
}

static int
us_run(us_exec_t *x)
{
	while (!x->failed) {
		while (x->p < x->end && strchr(" \t\r\n;", *x->p))
			x->p++;
		if (x->p >= x->end)
			break;
		us_stmt(x);
		us_ws(x);
		if (!x->failed && x->p < x->end && *x->p != ';' && *x->p != '\n')
			us_fail(x, false, "unexpected [%.20s]", x->p);
	}
	return x->failed ? -EINVAL : 0;
}

int
dp_uscript_compile(osp_arena_t *a, const osp_json_t *script, dp_uscript_t *out, osp_err_t *err)
{
	const osp_json_t *src = script;
	us_exec_t x = { .a = a, .check = true, .err = err };

	if (osp_json_is(script, OSP_JSON_OBJECT)) {
		const osp_json_t *lang = osp_json_get(script, "lang");

		if (lang && (!osp_json_is(lang, OSP_JSON_STRING) || strcmp(lang->u.str, "painless") != 0))
			return osp_err_set(err, 400, "illegal_argument_exception",
					   "script_lang not supported [%s]",
					   osp_json_is(lang, OSP_JSON_STRING) ? lang->u.str : "?");
		src = osp_json_get(script, "source");
		out->params = osp_json_get(script, "params");
	}
	if (!osp_json_is(src, OSP_JSON_STRING))
		return osp_err_set(err, 400, "parsing_exception", "[script] failed to parse field [source]");
	out->source = src->u.str;
	x.params = out->params;
	x.source = osp_json_new_object(a);
	x.p = out->source;
	x.end = x.p + strlen(x.p);
	return us_run(&x);
}

int
dp_uscript_run(osp_arena_t *a, const dp_uscript_t *s, const char *src, size_t len,
	       dp_uscript_op_t *op, const char **out, size_t *out_len, osp_err_t *err)
{
	us_exec_t x = { .a = a, .params = s->params, .err = err };
	osp_json_error_t jerr;
	osp_buf_t b;
	osp_jw_t w;

	if (osp_json_parse(a, src, len, NULL, &x.source, &jerr) != 0)
		return osp_err_set(err, 400, "mapper_parsing_exception", "failed to parse _source: %s", jerr.msg);
	x.p = s->source;
	x.end = x.p + strlen(x.p);
	if (us_run(&x) != 0)
		return -EINVAL;
	*op = x.op;
	if (x.op != DP_USCRIPT_INDEX)
		return 0;
	osp_buf_init(&b);
	osp_jw_init(&w, &b, 0);
	osp_jw_value(&w, x.source);
	*out = osp_arena_strndup(a, b.data ? b.data : "{}", b.len ? b.len : 2);
	*out_len = b.len ? b.len : 2;
	osp_buf_free(&b);
	return *out ? 0 : -ENOMEM;
}
