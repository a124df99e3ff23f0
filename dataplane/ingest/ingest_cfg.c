/*
 * ingest_cfg.c - compiling processor definitions: the options every
 * processor has (tag, description, if, ignore_failure, on_failure), typed
 * readers for the rest, and Elasticsearch's complaints (ConfigurationUtils):
 * missing or mistyped properties and leftover parameters.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_int.h"

int
ingest_cfg_fail(ingest_cfg_t *c, const char *key, const char *fmt, ...)
{
	va_list ap;
	char msg[400];

	(void)key;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return osp_err_set(c->err, 400, "parse_exception", "%s", msg);
}

const osp_json_t *
ingest_cfg_get(ingest_cfg_t *c, const char *key)
{
	uint32_t i = 0;

	OSP_JSON_FOREACH(m, c->obj) {
		if (osp_json_key_eq(m, key)) {
			if (i < 64)
				c->used |= 1ull << i;
			return m;
		}
		i++;
	}
	return NULL;
}

/* Numbers and booleans are taken as text, as ConfigurationUtils.readStringProperty does. */
const char *
ingest_scalar_text(osp_arena_t *a, const osp_json_t *v)
{
	if (v->type == OSP_JSON_STRING)
		return v->u.str;
	if (v->type == OSP_JSON_BOOL)
		return v->boolean ? "true" : "false";
	if (v->type == OSP_JSON_NUMBER) {
		osp_buf_t b;
		osp_jw_t w;
		const char *s;

		osp_buf_init(&b);
		osp_jw_init(&w, &b, 0);
		osp_jw_value(&w, v);
		s = osp_arena_strndup(a, b.data ? b.data : "", b.len);
		osp_buf_free(&b);
		return s;
	}
	return NULL;
}

int
ingest_cfg_str(ingest_cfg_t *c, const char *key, bool required, const char **out)
{
	const osp_json_t *v = ingest_cfg_get(c, key);

	*out = NULL;
	if (v == NULL || v->type == OSP_JSON_NULL) {
		if (required)
			return ingest_cfg_fail(c, key, "[%s] required property is missing", key);
		return 0;
	}
	*out = ingest_scalar_text(c->a, v);
	if (*out == NULL)
		return ingest_cfg_fail(c, key, "[%s] property isn't a string, but of type [%s]", key,
				       ingest_java_type(v));
	return 0;
}

int
ingest_cfg_bool(ingest_cfg_t *c, const char *key, bool def, bool *out)
{
	const osp_json_t *v = ingest_cfg_get(c, key);

	*out = def;
	if (v == NULL || v->type == OSP_JSON_NULL)
		return 0;
	if (v->type == OSP_JSON_BOOL) {
		*out = v->boolean;
		return 0;
	}
	if (v->type == OSP_JSON_STRING && (strcmp(v->u.str, "true") == 0 || strcmp(v->u.str, "false") == 0)) {
		*out = v->u.str[0] == 't';
		return 0;
	}
	return ingest_cfg_fail(c, key, "[%s] property isn't a boolean, but of type [%s]", key,
			       ingest_java_type(v));
}

int
ingest_cfg_strs(ingest_cfg_t *c, const char *key, bool required, const char ***out, uint32_t *n)
{
	const osp_json_t *v = ingest_cfg_get(c, key);
	uint32_t i = 0;

	*out = NULL;
	*n = 0;
	if (v == NULL || v->type == OSP_JSON_NULL) {
		if (required)
			return ingest_cfg_fail(c, key, "[%s] required property is missing", key);
		return 0;
	}
	if (v->type != OSP_JSON_ARRAY) {
		const char *s = ingest_scalar_text(c->a, v);

		if (s == NULL)
			return ingest_cfg_fail(c, key, "[%s] property isn't a list, but of type [%s]", key,
					       ingest_java_type(v));
		*out = osp_arena_alloc(c->a, sizeof(**out));
		if (*out == NULL)
			return -ENOMEM;
		(*out)[0] = s;
		*n = 1;
		return 0;
	}
	*out = osp_arena_alloc(c->a, (v->len + 1) * sizeof(**out));
	if (*out == NULL)
		return -ENOMEM;
	OSP_JSON_FOREACH(e, v) {
		const char *s = ingest_scalar_text(c->a, e);

		if (s == NULL)
			return ingest_cfg_fail(c, key, "[%s] property isn't a string, but of type [%s]", key,
					       ingest_java_type(e));
		(*out)[i++] = s;
	}
	*n = i;
	return 0;
}

/* Compiled regexes, shared by every pipeline compiled on this thread and
 * kept until dp_ingest_fini: regcomp allocates outside the arena, and
 * pipelines are compiled per request, so a small cache (round-robin
 * eviction) bounds both the leak and the compile cost. One pipeline never
 * holds more than INGEST_RE_CACHE patterns that matter at once. */
#define INGEST_RE_CACHE 128

static __thread struct {
	char *pattern;
	regex_t re;
} re_cache[INGEST_RE_CACHE];
static __thread unsigned re_next;

int
ingest_cfg_regex(ingest_cfg_t *c, const char *key, const char *pattern, regex_t **out)
{
	char msg[200];
	unsigned slot;
	int rc;

	for (unsigned i = 0; i < INGEST_RE_CACHE; i++)
		if (re_cache[i].pattern && strcmp(re_cache[i].pattern, pattern) == 0) {
			*out = &re_cache[i].re;
			return 0;
		}
	slot = re_next++ % INGEST_RE_CACHE;
	if (re_cache[slot].pattern) {
		regfree(&re_cache[slot].re);
		free(re_cache[slot].pattern);
		re_cache[slot].pattern = NULL;
	}
	/* POSIX extended syntax (glibc): what Java regexes and ERE share. */
	rc = regcomp(&re_cache[slot].re, pattern, REG_EXTENDED);
	if (rc != 0) {
		regerror(rc, &re_cache[slot].re, msg, sizeof(msg));
		return ingest_cfg_fail(c, key, "[%s] Invalid regex pattern [%s]: %s", key, pattern, msg);
	}
	re_cache[slot].pattern = strdup(pattern);
	if (re_cache[slot].pattern == NULL) {
		regfree(&re_cache[slot].re);
		return -ENOMEM;
	}
	*out = &re_cache[slot].re;
	return 0;
}

void
dp_ingest_fini(void)
{
	for (unsigned i = 0; i < INGEST_RE_CACHE; i++)
		if (re_cache[i].pattern) {
			regfree(&re_cache[i].re);
			free(re_cache[i].pattern);
			re_cache[i].pattern = NULL;
		}
}

/* The `if` option: a string or a script object {"source": "..."}. */
static int
cfg_cond(ingest_cfg_t *c, dp_ingest_proc_t *p)
{
	const osp_json_t *v = ingest_cfg_get(c, "if");
	const char *src = NULL;

	if (v == NULL)
		return 0;
	if (v->type == OSP_JSON_STRING)
		src = v->u.str;
	else if (v->type == OSP_JSON_OBJECT) {
		const osp_json_t *s = osp_json_get(v, "source");
		const osp_json_t *lang = osp_json_get(v, "lang");

		if (osp_json_is(lang, OSP_JSON_STRING) && strcmp(lang->u.str, "painless") != 0)
			return osp_err_set(c->err, 400, "illegal_argument_exception",
					   "script_lang not supported [%s]", lang->u.str);
		if (osp_json_is(s, OSP_JSON_STRING))
			src = s->u.str;
	}
	if (src == NULL)
		return ingest_cfg_fail(c, "if", "[if] property isn't a string, but of type [%s]",
				       ingest_java_type(v));
	return ingest_cond_compile(c->a, src, &p->cond, c->err);
}

int
ingest_proc_compile(osp_arena_t *a, const osp_json_t *def, dp_ingest_proc_t **out, osp_err_t *err)
{
	ingest_cfg_t c;
	dp_ingest_proc_t *p;
	const osp_json_t *of;
	uint32_t i = 0;
	int rc;

	if (!osp_json_is(def, OSP_JSON_OBJECT) || def->len != 1 ||
	    !osp_json_is(def->u.child, OSP_JSON_OBJECT)) {
		if (osp_json_is(def, OSP_JSON_OBJECT) && def->len == 1 && def->u.child->type != OSP_JSON_OBJECT)
			return osp_err_set(err, 400, "parse_exception",
					   "property isn't a map, but of type [%s]", ingest_java_type(def->u.child));
		return osp_err_set(err, 400, "parse_exception",
				   "processor definition must be an object with exactly one processor type");
	}
	memset(&c, 0, sizeof(c));
	c.obj = def->u.child;
	c.type = osp_arena_strndup(a, def->u.child->key, def->u.child->key_len);
	c.a = a;
	c.err = err;
	p = osp_arena_calloc(a, sizeof(*p));
	if (p == NULL || c.type == NULL)
		return -ENOMEM;
	p->kind = ingest_kind_find(c.type);
	if (p->kind == NULL)
		return osp_err_set(err, 400, "parse_exception", "No processor type exists with name [%s]", c.type);
	if ((rc = ingest_cfg_str(&c, "tag", false, &p->tag)) != 0 ||
	    (rc = ingest_cfg_str(&c, "description", false, &p->description)) != 0 ||
	    (rc = ingest_cfg_bool(&c, "ignore_failure", false, &p->ignore_failure)) != 0 ||
	    (rc = cfg_cond(&c, p)) != 0)
		return rc;
	c.tag = p->tag;
	if ((of = ingest_cfg_get(&c, "on_failure")) != NULL) {
		if (!osp_json_is(of, OSP_JSON_ARRAY) || of->len == 0)
			return osp_err_set(err, 400, "parse_exception",
					   "[on_failure] processors list cannot be empty");
		if ((rc = ingest_procs_compile(a, of, "on_failure", &p->on_failure, &p->n_on_failure, err)) != 0)
			return rc;
	}
	if ((rc = p->kind->compile(&c, p)) != 0)
		return rc;
	OSP_JSON_FOREACH(m, c.obj) {
		if (i >= 64 || !(c.used & (1ull << i)))
			return osp_err_set(err, 400, "parse_exception",
					   "processor [%s] doesn't support one or more provided configuration parameters [%.*s]",
					   c.type, (int)m->key_len, m->key);
		i++;
	}
	*out = p;
	return 0;
}

int
ingest_procs_compile(osp_arena_t *a, const osp_json_t *list, const char *what,
		     dp_ingest_proc_t ***out, uint32_t *n, osp_err_t *err)
{
	uint32_t i = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (list == NULL)
		return 0;
	if (!osp_json_is(list, OSP_JSON_ARRAY))
		return osp_err_set(err, 400, "parse_exception", "[%s] property isn't a list, but of type [%s]",
				   what, ingest_java_type(list));
	*out = osp_arena_calloc(a, (list->len + 1) * sizeof(**out));
	if (*out == NULL)
		return -ENOMEM;
	OSP_JSON_FOREACH(e, list) {
		if ((rc = ingest_proc_compile(a, e, &(*out)[i], err)) != 0)
			return rc;
		i++;
	}
	*n = i;
	return 0;
}
