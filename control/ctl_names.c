/*
 * ctl_names.c - index name rules and index expressions (ctl_names.h).
 *
 * The checks run in Elasticsearch's order (validateIndexOrAliasName, then
 * lowercase), so the first failing rule is the one ES reports. The list of
 * forbidden characters is printed as ES prints Strings.INVALID_FILENAME_CHARS
 * (a Java HashSet, hence the odd order). Lowercase is decided per code point
 * with utf8proc, as String.toLowerCase(Locale.ROOT) does for non-ASCII names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "ctl_names.h"

#define INVALID_CHARS_LIST "[ , \", *, \\, <, |, ,, >, /, ?]"

static int
invalid_name(osp_err_t *err, const char *name, const char *why)
{
	int rc = osp_err_set(err, 400, "invalid_index_name_exception",
			     "Invalid index name [%s], %s", name, why);

	snprintf(err->index, sizeof(err->index), "%s", name);
	snprintf(err->index_uuid, sizeof(err->index_uuid), "_na_");
	return rc;
}

static bool
name_is_lowercase(const char *name)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)name;
	utf8proc_ssize_t left = (utf8proc_ssize_t)strlen(name);

	while (left > 0) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);

		if (n <= 0)
			return true;   /* not UTF-8: nothing to lowercase */
		if (utf8proc_tolower(cp) != cp)
			return false;
		p += n;
		left -= n;
	}
	return true;
}

int
ctl_index_name_validate(const char *name, osp_err_t *err)
{
	size_t len = strlen(name);

	if (strpbrk(name, "\\/*?\"<>| ,") != NULL)
		return invalid_name(err, name,
			"must not contain the following characters " INVALID_CHARS_LIST);
	if (len == 0)
		return invalid_name(err, name, "must not be empty");
	if (strchr(name, '#'))
		return invalid_name(err, name, "must not contain '#'");
	if (strchr(name, ':'))
		return invalid_name(err, name, "must not contain ':'");
	if (name[0] == '_' || name[0] == '-' || name[0] == '+')
		return invalid_name(err, name, "must not start with '_', '-', or '+'");
	if (len > OSP_INDEX_NAME_MAX) {
		char why[64];

		snprintf(why, sizeof(why), "index name is too long, (%zu > %d)", len,
			 OSP_INDEX_NAME_MAX);
		return invalid_name(err, name, why);
	}
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return invalid_name(err, name, "must not be '.' or '..'");
	if (!name_is_lowercase(name))
		return invalid_name(err, name, "must be lowercase");
	return 0;
}

bool
ctl_wildcard_match(const char *p, const char *s)
{
	const char *star = NULL, *mark = NULL;

	while (*s) {
		if (*p == '*') {
			star = p++;
			mark = s;
		} else if (*p == *s) {
			p++;
			s++;
		} else if (star) {
			p = star + 1;
			s = ++mark;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* Does a wildcard match one of idx's aliases? */
static bool
alias_match(const osp_index_t *idx, const char *pattern)
{
	osp_arena_t a;
	osp_json_t *v = NULL;
	osp_json_error_t jerr;
	bool hit = false;

	if (idx->aliases == NULL || idx->aliases_len <= 2)
		return false;
	osp_arena_init(&a, 4096, 0);
	if (osp_json_parse(&a, idx->aliases, idx->aliases_len, NULL, &v, &jerr) == 0) {
		OSP_JSON_FOREACH(m, v) {
			if (ctl_wildcard_match(pattern, m->key))
				hit = true;
		}
	}
	osp_arena_free(&a);
	return hit;
}

static bool
expands(const osp_index_t *idx, const ctl_expr_opts_t *o)
{
	return idx->state == OSP_INDEX_CLOSE ? o->expand_closed : o->expand_open;
}

int
ctl_index_expr_resolve(const osp_cluster_t *cs, const char *expr,
		       const ctl_expr_opts_t *opts, osp_index_t ***out,
		       uint32_t *n, osp_err_t *err)
{
	bool *pick = calloc(cs->n_indices + 1, sizeof(bool));
	char *copy = strdup(expr ? expr : "");
	char *save = NULL, *tok;
	bool wildcard_seen = false, any_expr = false;
	uint32_t count = 0;
	int rc = -ENOMEM;

	*out = NULL;
	*n = 0;
	if (pick == NULL || copy == NULL)
		goto cleanup;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		any_expr = true;
		if (strcmp(tok, "_all") == 0 || strcmp(tok, "*") == 0) {
			wildcard_seen = true;
			for (uint32_t i = 0; i < cs->n_indices; i++)
				pick[i] |= expands(cs->indices[i], opts);
			continue;
		}
		if (tok[0] == '-' && wildcard_seen) {
			for (uint32_t i = 0; i < cs->n_indices; i++) {
				if (ctl_wildcard_match(tok + 1, cs->indices[i]->name))
					pick[i] = false;
			}
			continue;
		}
		if (strchr(tok, '*')) {
			wildcard_seen = true;
			for (uint32_t i = 0; i < cs->n_indices; i++) {
				if (expands(cs->indices[i], opts) &&
				    (ctl_wildcard_match(tok, cs->indices[i]->name) ||
				     (!opts->forbid_aliases &&
				      alias_match(cs->indices[i], tok))))
					pick[i] = true;
			}
			continue;
		}
		osp_index_t *idx = osp_cluster_index(cs, tok);

		if (idx == NULL) {
			bool alias = false;

			for (uint32_t i = 0; i < cs->n_indices; i++) {
				if (osp_index_has_alias(cs->indices[i], tok)) {
					alias = true;
					pick[i] |= expands(cs->indices[i], opts) ||
						   cs->indices[i]->state == OSP_INDEX_OPEN;
				}
			}
			if (alias && opts->forbid_aliases) {
				rc = osp_err_illegal_argument(err,
					"The provided expression [%s] matches an alias, specify the corresponding concrete indices instead.",
					tok);
				goto cleanup;
			}
			if (alias || opts->ignore_unavailable)
				continue;
			rc = osp_err_index_not_found(err, tok);
			goto cleanup;
		}
		for (uint32_t i = 0; i < cs->n_indices; i++) {
			if (cs->indices[i] == idx)
				pick[i] = true;
		}
	}
	if (!any_expr) {   /* an empty expression means all, as ES */
		for (uint32_t i = 0; i < cs->n_indices; i++)
			pick[i] |= expands(cs->indices[i], opts);
	}
	for (uint32_t i = 0; i < cs->n_indices; i++)
		count += pick[i];
	if (count == 0 && !opts->allow_no_indices) {
		rc = osp_err_index_not_found(err, expr && *expr ? expr : "_all");
		goto cleanup;
	}
	*out = calloc(count ? count : 1, sizeof(osp_index_t *));
	if (*out == NULL)
		goto cleanup;
	for (uint32_t i = 0; i < cs->n_indices; i++) {
		if (pick[i])
			(*out)[(*n)++] = cs->indices[i];
	}
	rc = 0;
cleanup:
	free(pick);
	free(copy);
	return rc;
}
