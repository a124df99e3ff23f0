/*
 * ctl_alias.c - index aliases (ctl_alias.h), following Elasticsearch's
 * AliasValidator and MetadataIndexAliasesService.
 *
 * An index keeps its aliases as the JSON object GET /<index>/_alias shows
 * ({"name":{definition}}); "routing" is expanded into index_routing and
 * search_routing on the way in, as ES stores it. A change bumps the index's
 * aliases_version and version. At most one index per alias may be its write
 * index. Trees are built in a local arena and serialized back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_alias.h"
#include "ctl_names.h"

#define INVALID_CHARS_LIST "[ , \", *, \\, <, |, ,, >, /, ?]"

int
ctl_alias_name_validate(const char *alias, osp_err_t *err)
{
	const char *why = NULL;
	int rc;

	if (alias == NULL || alias[0] == '\0')
		return osp_err_illegal_argument(err, "alias name is required");
	if (strpbrk(alias, "\\/*?\"<>| ,") != NULL)
		why = "must not contain the following characters " INVALID_CHARS_LIST;
	else if (strchr(alias, '#'))
		why = "must not contain '#'";
	else if (strchr(alias, ':'))
		why = "must not contain ':'";
	else if (alias[0] == '_' || alias[0] == '-' || alias[0] == '+')
		why = "must not start with '_', '-', or '+'";
	else if (strlen(alias) > OSP_INDEX_NAME_MAX)
		why = "index name is too long";
	else if (strcmp(alias, ".") == 0 || strcmp(alias, "..") == 0)
		why = "must not be '.' or '..'";
	if (why == NULL)
		return 0;
	rc = osp_err_set(err, 400, "invalid_alias_name_exception",
			 "Invalid alias name [%s]: %s", alias, why);
	return rc;
}

bool
ctl_alias_exists(const osp_cluster_t *cs, const char *alias)
{
	for (uint32_t i = 0; i < cs->n_indices; i++) {
		if (osp_index_has_alias(cs->indices[i], alias))
			return true;
	}
	return false;
}

/* Parse idx->aliases into a; an empty object when it has none. */
static osp_json_t *
alias_tree(osp_arena_t *a, const osp_index_t *idx)
{
	osp_json_t *v = NULL;
	osp_json_error_t jerr;

	if (idx->aliases == NULL || idx->aliases_len == 0 ||
	    osp_json_parse(a, idx->aliases, idx->aliases_len, NULL, &v, &jerr) != 0)
		return osp_json_new_object(a);
	return v;
}

static int
alias_store(osp_index_t *idx, const osp_json_t *tree)
{
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;

	osp_jw_init(&w, &b, 0);
	osp_jw_value(&w, tree);
	if (osp_buf_failed(&b))
		return -ENOMEM;
	free(idx->aliases);
	idx->aliases = b.data;
	idx->aliases_len = b.len;
	idx->aliases_version++;
	idx->version++;
	return 0;
}

/* Routing values may be strings or numbers; ES keeps strings. */
static osp_json_t *
routing_value(osp_arena_t *a, const osp_json_t *v)
{
	if (osp_json_is(v, OSP_JSON_STRING))
		return osp_json_new_string(a, v->u.str, v->len);
	if (osp_json_is(v, OSP_JSON_NUMBER))
		return osp_json_new_string(a, v->num, v->num_len);
	return NULL;
}

/* Canonical definition of an alias from an add action / create body. */
static int
alias_def(osp_arena_t *a, const char *alias, const osp_json_t *def, osp_json_t **out,
	  osp_err_t *err)
{
	osp_json_t *d = osp_json_new_object(a);

	if (d == NULL)
		return -ENOMEM;
	if (def && def->type != OSP_JSON_OBJECT && def->type != OSP_JSON_NULL)
		return osp_err_illegal_argument(err, "alias [%s] definition must be an object", alias);
	OSP_JSON_FOREACH(m, def) {
		osp_json_t *v = NULL;

		/* the fields of an "add" action that are not the definition */
		if (osp_json_key_eq(m, "index") || osp_json_key_eq(m, "indices") ||
		    osp_json_key_eq(m, "alias") || osp_json_key_eq(m, "aliases") ||
		    osp_json_key_eq(m, "must_exist"))
			continue;
		if (osp_json_key_eq(m, "filter")) {
			if (m->type != OSP_JSON_OBJECT)
				return osp_err_illegal_argument(err, "failed to parse filter for alias [%s]", alias);
			v = osp_json_clone(a, m);
		} else if (osp_json_key_eq(m, "routing")) {
			osp_json_t *r = routing_value(a, m);

			if (r == NULL)
				return osp_err_illegal_argument(err, "[routing] must be a string");
			if (osp_json_get(def, "index_routing") == NULL &&
			    osp_json_append(a, d, "index_routing", 13, r) != 0)
				return -ENOMEM;
			if (osp_json_get(def, "search_routing") == NULL &&
			    osp_json_append(a, d, "search_routing", 14, osp_json_clone(a, r)) != 0)
				return -ENOMEM;
			continue;
		} else if (osp_json_key_eq(m, "index_routing") || osp_json_key_eq(m, "search_routing")) {
			v = routing_value(a, m);
			if (v == NULL)
				return osp_err_illegal_argument(err, "[%.*s] must be a string",
								(int)m->key_len, m->key);
			if (m->key[0] == 'i' && v->len && memchr(v->u.str, ',', v->len))
				return osp_err_illegal_argument(err,
					"alias [%s] has several index routing values associated with it", alias);
		} else if (osp_json_key_eq(m, "is_write_index") || osp_json_key_eq(m, "is_hidden")) {
			if (m->type != OSP_JSON_BOOL)
				return osp_err_illegal_argument(err, "[%.*s] must be a boolean",
								(int)m->key_len, m->key);
			v = osp_json_clone(a, m);
		} else {
			return osp_err_illegal_argument(err, "Unsupported field [%.*s]",
							(int)m->key_len, m->key);
		}
		if (v == NULL || osp_json_append(a, d, m->key, m->key_len, v) != 0)
			return -ENOMEM;
	}
	*out = d;
	return 0;
}

int
ctl_alias_put(const osp_cluster_t *cs, osp_index_t *idx, const char *alias,
	      const osp_json_t *def, osp_err_t *err)
{
	osp_arena_t a;
	osp_json_t *tree, *d = NULL, *old;
	int rc;

	rc = ctl_alias_name_validate(alias, err);
	if (rc != 0)
		return rc;
	if (osp_cluster_index(cs, alias) != NULL || strcmp(alias, idx->name) == 0)
		return osp_err_set(err, 400, "invalid_alias_name_exception",
				   "Invalid alias name [%s]: an index or data stream exists with the same name as the alias",
				   alias);
	osp_arena_init(&a, 4096, 0);
	rc = alias_def(&a, alias, def, &d, err);
	if (rc != 0)
		goto cleanup;
	rc = -ENOMEM;
	tree = alias_tree(&a, idx);
	if (tree == NULL)
		goto cleanup;
	old = osp_json_get(tree, alias);
	if (old != NULL) {
		if (osp_json_equal(old, d)) {
			rc = 0;   /* nothing changes: versions stay */
			goto cleanup;
		}
		osp_json_t *next = old->next;
		const char *k = old->key;
		uint32_t kl = old->key_len;

		*old = *d;
		old->next = next;
		old->key = k;
		old->key_len = kl;
	} else if (osp_json_append(&a, tree, alias, strlen(alias), d) != 0) {
		goto cleanup;
	}
	rc = alias_store(idx, tree);
cleanup:
	osp_arena_free(&a);
	return rc;
}

int
ctl_alias_remove(osp_index_t *idx, const char *alias)
{
	osp_arena_t a;
	osp_json_t *tree, *out;
	bool found = false;
	int rc = -ENOMEM;

	osp_arena_init(&a, 4096, 0);
	tree = alias_tree(&a, idx);
	out = osp_json_new_object(&a);
	if (tree == NULL || out == NULL)
		goto cleanup;
	OSP_JSON_FOREACH(m, tree) {
		if (osp_json_key_eq(m, alias)) {
			found = true;
			continue;
		}
		if (osp_json_append(&a, out, m->key, m->key_len, osp_json_clone(&a, m)) != 0)
			goto cleanup;
	}
	rc = found ? alias_store(idx, out) : -ENOENT;
cleanup:
	osp_arena_free(&a);
	return rc;
}

int
ctl_alias_put_all(const osp_cluster_t *cs, osp_index_t *idx, const osp_json_t *aliases,
		  osp_err_t *err)
{
	if (aliases == NULL || aliases->type == OSP_JSON_NULL)
		return 0;
	if (aliases->type != OSP_JSON_OBJECT)
		return osp_err_illegal_argument(err, "aliases must be an object");
	OSP_JSON_FOREACH(m, aliases) {
		char name[OSP_INDEX_NAME_MAX + 2];
		int rc;

		snprintf(name, sizeof(name), "%.*s", (int)m->key_len, m->key);
		rc = ctl_alias_put(cs, idx, name, m, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Names from "x" or "xs" (string or array) of an action, into a list. */
static int
action_names(const osp_json_t *act, const char *one, const char *many,
	     const osp_json_t **list, bool *single)
{
	const osp_json_t *s = osp_json_get(act, one), *m = osp_json_get(act, many);

	if (s && m)
		return -EINVAL;
	*single = s != NULL;
	*list = s ? s : m;
	return *list ? 0 : -ENOENT;
}

/* Each string of list (one string or an array), or stop with its rc. */
#define FOREACH_NAME(v, list, single)                                           \
	for (const osp_json_t *v = (single) ? (list) : (list)->u.child; v;          \
	     v = (single) ? NULL : v->next)

/* Apply one action object ({"add":{..}} etc.). */
static int
alias_action(osp_cluster_t *cs, const osp_json_t *action, osp_err_t *err)
{
	const osp_json_t *op = action->u.child, *idxs = NULL, *als = NULL;
	bool one_idx = false, one_alias = false;
	ctl_expr_opts_t o = { .expand_open = true, .allow_no_indices = false };
	int rc;

	if (!osp_json_is(action, OSP_JSON_OBJECT) || action->len != 1 ||
	    !osp_json_is(op, OSP_JSON_OBJECT))
		return osp_err_illegal_argument(err, "an alias action must be one of [add, remove, remove_index]");
	if (action_names(op, "index", "indices", &idxs, &one_idx) != 0)
		return osp_err_set(err, 400, "action_request_validation_exception",
				   "Validation Failed: 1: One of [index] or [indices] is required;");
	bool is_add = osp_json_key_eq(op, "add"), is_remove = osp_json_key_eq(op, "remove");
	bool is_remove_index = osp_json_key_eq(op, "remove_index");

	if (!is_add && !is_remove && !is_remove_index)
		return osp_err_illegal_argument(err, "Unknown action [%.*s]", (int)op->key_len, op->key);
	if (!is_remove_index && action_names(op, "alias", "aliases", &als, &one_alias) != 0)
		return osp_err_set(err, 400, "action_request_validation_exception",
				   "Validation Failed: 1: One of [alias] or [aliases] is required;");
	FOREACH_NAME(iv, idxs, one_idx) {
		osp_index_t **sel = NULL;
		uint32_t n = 0;

		if (!osp_json_is(iv, OSP_JSON_STRING))
			return osp_err_illegal_argument(err, "[index] must be a string");
		rc = ctl_index_expr_resolve(cs, iv->u.str, &o, &sel, &n, err);
		for (uint32_t i = 0; rc == 0 && i < n; i++) {
			if (is_remove_index) {
				osp_index_t *gone = osp_cluster_remove_index(cs, sel[i]->name);

				osp_index_free(gone);
				continue;
			}
			FOREACH_NAME(av, als, one_alias) {
				if (!osp_json_is(av, OSP_JSON_STRING)) {
					rc = osp_err_illegal_argument(err, "[alias] must be a string");
					break;
				}
				if (is_add) {
					rc = ctl_alias_put(cs, sel[i], av->u.str, op, err);
				} else {
					rc = ctl_alias_remove(sel[i], av->u.str);
					if (rc == -ENOENT) {
						const osp_json_t *me = osp_json_get(op, "must_exist");

						if (me && me->type == OSP_JSON_BOOL && !me->boolean) {
							rc = 0;
							continue;
						}
						rc = osp_err_set(err, 404, "aliases_not_found_exception",
								 "aliases [%s] missing", av->u.str);
						snprintf(err->resource_type, sizeof(err->resource_type), "aliases");
						snprintf(err->resource_id, sizeof(err->resource_id), "%s", av->u.str);
					}
				}
				if (rc != 0)
					break;
			}
		}
		free(sel);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
ctl_state_update_aliases(osp_cluster_t *cs, const osp_json_t *body, osp_err_t *err)
{
	const osp_json_t *acts = osp_json_get(body, "actions");
	int rc;

	if (!osp_json_is(acts, OSP_JSON_ARRAY) || acts->len == 0)
		return osp_err_set(err, 400, "action_request_validation_exception",
				   "Validation Failed: 1: Must specify at least one alias action;");
	OSP_JSON_FOREACH(act, acts) {
		rc = alias_action(cs, act, err);
		if (rc != 0)
			return rc;
	}
	/* One write index per alias. */
	for (uint32_t i = 0; i < cs->n_indices; i++) {
		osp_arena_t a;

		osp_arena_init(&a, 4096, 0);
		osp_json_t *tree = alias_tree(&a, cs->indices[i]);

		OSP_JSON_FOREACH(m, tree) {
			const osp_json_t *wi = osp_json_get(m, "is_write_index");
			char name[OSP_INDEX_NAME_MAX + 2];
			int writers = 0;

			if (!wi || !wi->boolean)
				continue;
			snprintf(name, sizeof(name), "%.*s", (int)m->key_len, m->key);
			for (uint32_t k = 0; k < cs->n_indices; k++) {
				osp_arena_t b;

				osp_arena_init(&b, 4096, 0);
				const osp_json_t *d = osp_json_get(alias_tree(&b, cs->indices[k]), name);
				const osp_json_t *w2 = osp_json_get(d, "is_write_index");

				writers += w2 && w2->boolean;
				osp_arena_free(&b);
			}
			if (writers > 1) {
				osp_arena_free(&a);
				return osp_err_set(err, 500, "illegal_state_exception",
						   "alias [%s] has more than one write index", name);
			}
		}
		osp_arena_free(&a);
	}
	return 0;
}
