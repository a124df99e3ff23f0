/*
 * rest_source.c - _source filtering as Elasticsearch applies it to get,
 * mget and search hits: `_source=false`, `_source=a,b*`, `_source_includes`,
 * `_source_excludes`, or a body "_source": false | "pat" | [..] |
 * {"includes":[..],"excludes":[..]}. Patterns match dotted field paths with
 * '*' wildcards; an include of an object keeps all of it; excludes win.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "dp_source.h"

#define SRC_MAX_PATTERNS 64

static int
src_split(osp_arena_t *a, const char *csv, const char **out, int max)
{
	int n = 0;
	char *copy = osp_arena_strndup(a, csv, strlen(csv));

	if (copy == NULL)
		return 0;
	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save))
		if (*t)
			out[n++] = t;
	return n;
}

static int
src_from_json(const osp_json_t *v, const char **out, int max)
{
	int n = 0;

	if (osp_json_is(v, OSP_JSON_STRING)) {
		out[n++] = v->u.str;
	} else if (osp_json_is(v, OSP_JSON_ARRAY)) {
		OSP_JSON_FOREACH(e, v)
			if (osp_json_is(e, OSP_JSON_STRING) && n < max)
				out[n++] = e->u.str;
	}
	return n;
}

int
dp_source_spec_from_params(osp_arena_t *a, const char *source, const char *includes,
			   const char *excludes, dp_source_spec_t *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->fetch = true;
	if (source) {
		if (strcmp(source, "false") == 0) {
			spec->fetch = false;
		} else if (strcmp(source, "true") != 0 && *source) {
			spec->includes = osp_arena_alloc(a, SRC_MAX_PATTERNS * sizeof(char *));
			if (spec->includes)
				spec->n_includes = (uint32_t)src_split(a, source, spec->includes, SRC_MAX_PATTERNS);
		}
	}
	if (includes) {
		spec->includes = osp_arena_alloc(a, SRC_MAX_PATTERNS * sizeof(char *));
		if (spec->includes)
			spec->n_includes = (uint32_t)src_split(a, includes, spec->includes, SRC_MAX_PATTERNS);
		spec->fetch = true;
	}
	if (excludes) {
		spec->excludes = osp_arena_alloc(a, SRC_MAX_PATTERNS * sizeof(char *));
		if (spec->excludes)
			spec->n_excludes = (uint32_t)src_split(a, excludes, spec->excludes, SRC_MAX_PATTERNS);
		spec->fetch = true;
	}
	return 0;
}

int
dp_source_spec_from_json(osp_arena_t *a, const osp_json_t *v, dp_source_spec_t *spec, osp_err_t *err)
{
	memset(spec, 0, sizeof(*spec));
	spec->fetch = true;
	if (v == NULL)
		return 0;
	if (osp_json_is(v, OSP_JSON_BOOL)) {
		spec->fetch = v->boolean;
		return 0;
	}
	spec->includes = osp_arena_alloc(a, SRC_MAX_PATTERNS * sizeof(char *));
	spec->excludes = osp_arena_alloc(a, SRC_MAX_PATTERNS * sizeof(char *));
	if (spec->includes == NULL || spec->excludes == NULL)
		return -1;
	if (osp_json_is(v, OSP_JSON_STRING) || osp_json_is(v, OSP_JSON_ARRAY)) {
		spec->n_includes = (uint32_t)src_from_json(v, spec->includes, SRC_MAX_PATTERNS);
		return 0;
	}
	if (osp_json_is(v, OSP_JSON_OBJECT)) {
		const osp_json_t *inc = osp_json_get(v, "includes");
		const osp_json_t *exc = osp_json_get(v, "excludes");

		if (inc == NULL)
			inc = osp_json_get(v, "include");
		if (exc == NULL)
			exc = osp_json_get(v, "exclude");
		spec->n_includes = (uint32_t)src_from_json(inc, spec->includes, SRC_MAX_PATTERNS);
		spec->n_excludes = (uint32_t)src_from_json(exc, spec->excludes, SRC_MAX_PATTERNS);
		return 0;
	}
	return osp_err_set(err, 400, "parsing_exception",
			   "Expected one of [BOOLEAN, VALUE_STRING, START_ARRAY, START_OBJECT] but found [%s]",
			   osp_json_is(v, OSP_JSON_NUMBER) ? "VALUE_NUMBER" : "VALUE_NULL");
}

static bool
src_match_any(const char *const *pats, uint32_t n, const char *path)
{
	for (uint32_t i = 0; i < n; i++)
		if (fnmatch(pats[i], path, 0) == 0)
			return true;
	return false;
}

/* Could some include pattern match a field below path? */
static bool
src_prefix_of_include(const dp_source_spec_t *spec, const char *path)
{
	char pat[512];

	for (uint32_t i = 0; i < spec->n_includes; i++) {
		/* "path.*"-style probe: does the pattern, cut at the same depth,
		 * match path? Approximated by matching path against the pattern's
		 * leading components, and by a '*' anywhere matching everything. */
		const char *p = spec->includes[i];
		size_t dots = 0;

		for (const char *q = path; *q; q++)
			dots += *q == '.';
		size_t k = 0, seen = 0;

		for (; p[k] && k < sizeof(pat) - 1; k++) {
			if (p[k] == '.' && seen++ == dots)
				break;
			pat[k] = p[k];
		}
		pat[k] = '\0';
		if (fnmatch(pat, path, 0) == 0 || strchr(pat, '*'))
			return true;
	}
	return false;
}

static void
src_write_obj(const dp_source_spec_t *spec, osp_jw_t *w, const osp_json_t *obj,
	      char *path, size_t plen, bool included)
{
	osp_jw_obj_begin(w);
	OSP_JSON_FOREACH(m, obj) {
		size_t n = plen;

		if (n + m->key_len + 2 >= 1024)
			continue;
		if (n)
			path[n++] = '.';
		memcpy(path + n, m->key, m->key_len);
		n += m->key_len;
		path[n] = '\0';
		if (spec->n_excludes && src_match_any(spec->excludes, spec->n_excludes, path)) {
			path[plen] = '\0';
			continue;
		}
		bool inc = included || spec->n_includes == 0 ||
			   src_match_any(spec->includes, spec->n_includes, path);

		if (osp_json_is(m, OSP_JSON_OBJECT)) {
			if (inc || src_prefix_of_include(spec, path)) {
				osp_jw_keyn(w, m->key, m->key_len);
				src_write_obj(spec, w, m, path, n, inc);
			}
		} else if (inc) {
			osp_jw_keyn(w, m->key, m->key_len);
			osp_jw_value(w, m);
		}
		path[plen] = '\0';
	}
	osp_jw_obj_end(w);
}

void
dp_source_write(osp_jw_t *w, const dp_source_spec_t *spec, osp_arena_t *a,
		const char *src, size_t len)
{
	osp_json_t *root;
	osp_json_error_t jerr;
	char path[1024];

	if (spec == NULL || (spec->n_includes == 0 && spec->n_excludes == 0)) {
		osp_jw_raw(w, src, len);
		return;
	}
	if (osp_json_parse(a, src, len, NULL, &root, &jerr) != 0 || !osp_json_is(root, OSP_JSON_OBJECT)) {
		osp_jw_raw(w, src, len);
		return;
	}
	path[0] = '\0';
	src_write_obj(spec, w, root, path, 0, false);
}
