/*
 * ingest_cond.c - the `if` option of processors in the only form Osprey
 * can evaluate without Painless: `true`, `false`, `ctx.a.b` (true when the
 * field is boolean true) and `ctx.a.b ==|!= <literal>` where the literal is
 * a quoted string, a number, true, false or null; `?.` is read as `.`.
 * Anything else is refused when the pipeline is stored, with a reason that
 * says what is supported, never silently treated as true.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_int.h"

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static int
cond_refuse(const char *src, osp_err_t *err)
{
	return osp_err_set(err, 400, "illegal_argument_exception",
			   "unsupported [if] condition [%.200s]: Painless is not available; only true, false, "
			   "ctx.<field> and ctx.<field> ==|!= <string|number|boolean|null> are supported", src);
}

/* Literal at p into *out; returns the end or NULL. */
static const char *
cond_literal(osp_arena_t *a, const char *p, const osp_json_t **out)
{
	if (*p == '\'' || *p == '"') {
		const char *e = strchr(p + 1, *p);

		if (e == NULL || memchr(p + 1, '\\', (size_t)(e - p - 1)))
			return NULL;
		*out = osp_json_new_string(a, p + 1, (size_t)(e - p - 1));
		return e + 1;
	}
	if (strncmp(p, "null", 4) == 0) {
		*out = osp_json_new_null(a);
		return p + 4;
	}
	if (strncmp(p, "true", 4) == 0 || strncmp(p, "false", 5) == 0) {
		*out = osp_json_new_bool(a, *p == 't');
		return p + (*p == 't' ? 4 : 5);
	}
	char *e;
	double d = strtod(p, &e);

	if (e == p)
		return NULL;
	if (memchr(p, '.', (size_t)(e - p)) == NULL && memchr(p, 'e', (size_t)(e - p)) == NULL)
		*out = osp_json_new_int(a, (int64_t)d);
	else
		*out = osp_json_new_double(a, d);
	return e;
}

int
ingest_cond_compile(osp_arena_t *a, const char *src, ingest_cond_t *c, osp_err_t *err)
{
	const char *p = skip_ws(src);
	osp_buf_t path;

	memset(c, 0, sizeof(*c));
	c->src = src;
	if (strcmp(p, "true") == 0 || strcmp(p, "false") == 0) {
		c->value = *p == 't';
		return 0;
	}
	if (strncmp(p, "ctx", 3) != 0)
		return cond_refuse(src, err);
	p += 3;
	osp_buf_init(&path);
	while (*p == '.' || (p[0] == '?' && p[1] == '.')) {
		p += *p == '?' ? 2 : 1;
		const char *s = p;

		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		       *p == '_' || *p == '@')
			p++;
		if (p == s)
			break;
		if (path.len)
			osp_buf_putc(&path, '.');
		osp_buf_append(&path, s, (size_t)(p - s));
	}
	if (path.len == 0) {
		osp_buf_free(&path);
		return cond_refuse(src, err);
	}
	c->path = osp_arena_strndup(a, path.data, path.len);
	osp_buf_free(&path);
	if (c->path == NULL)
		return -ENOMEM;
	c->kind = 1;
	p = skip_ws(p);
	if (*p == '\0') {
		c->literal = osp_json_new_bool(a, true);
		return c->literal ? 0 : -ENOMEM;
	}
	if ((p[0] != '=' && p[0] != '!') || p[1] != '=')
		return cond_refuse(src, err);
	c->negate = p[0] == '!';
	p = skip_ws(p + 2);
	p = cond_literal(a, p, &c->literal);
	if (p == NULL || *skip_ws(p) != '\0')
		return cond_refuse(src, err);
	return c->literal ? 0 : -ENOMEM;
}

bool
ingest_cond_eval(const ingest_cond_t *c, const dp_ingest_doc_t *d)
{
	if (c->src == NULL)
		return true;
	if (c->kind == 0)
		return c->value;
	const osp_json_t *v = ingest_doc_get(d, c->path);
	bool eq;

	if (c->literal->type == OSP_JSON_NULL)
		eq = v == NULL || v->type == OSP_JSON_NULL;
	else
		eq = v != NULL && osp_json_equal(v, c->literal);
	return c->negate ? !eq : eq;
}
