/*
 * ingest_doc.c - field access on the document a pipeline edits: dotted
 * paths over _source, the metadata and _ingest, with Elasticsearch's error
 * wording (IngestDocument). Edits splice the arena JSON tree in place: a
 * replaced member gets a fresh node in the same list position, so sibling
 * order (and thus the indexed _source) stays as the client sent it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../script/dp_mustache.h"
#include "ingest_int.h"

static const char *const meta_names[] = {
	"_index", "_id", "_routing", "_version", "_version_type", "_if_seq_no", "_if_primary_term",
	NULL,
};

/* Pick the root object of path and the part of path inside it. */
static osp_json_t *
doc_root(const dp_ingest_doc_t *d, const char *path, const char **rest)
{
	*rest = path;
	if (strncmp(path, "_ingest.", 8) == 0) {
		*rest = path + 8;
		return d->ingest;
	}
	if (strncmp(path, "_source.", 8) == 0) {
		*rest = path + 8;
		return d->src;
	}
	for (int i = 0; meta_names[i]; i++)
		if (strcmp(path, meta_names[i]) == 0)
			return d->meta;
	return d->src;
}

const char *
ingest_java_type(const osp_json_t *v)
{
	if (v == NULL)
		return "null";
	switch (v->type) {
	case OSP_JSON_STRING: return "java.lang.String";
	case OSP_JSON_BOOL: return "java.lang.Boolean";
	case OSP_JSON_NUMBER:
		if (!v->is_int)
			return "java.lang.Double";
		return v->i >= INT32_MIN && v->i <= INT32_MAX ? "java.lang.Integer" : "java.lang.Long";
	case OSP_JSON_ARRAY: return "java.util.ArrayList";
	case OSP_JSON_OBJECT: return "java.util.LinkedHashMap";
	default: return "null";
	}
}

int
ingest_need_string(const char *field, const osp_json_t *v, osp_err_t *err)
{
	if (osp_json_is(v, OSP_JSON_STRING))
		return 0;
	return osp_err_set(err, 400, "illegal_argument_exception",
			   "field [%s] of type [%s] cannot be cast to [java.lang.String]", field,
			   ingest_java_type(v));
}

/* List index from a path component, or -1. */
static long
comp_index(const char *k, size_t n)
{
	long idx = 0;

	if (n == 0 || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (k[i] < '0' || k[i] > '9')
			return -1;
		idx = idx * 10 + (k[i] - '0');
	}
	return idx;
}

/* Child named by one component; *why says why not (0 missing, 1 wrong
 * parent type, 2 out of bounds). */
static osp_json_t *
comp_child(const osp_json_t *v, const char *k, size_t n, int *why)
{
	*why = 0;
	if (osp_json_is(v, OSP_JSON_OBJECT))
		return osp_json_getn(v, k, n);
	if (osp_json_is(v, OSP_JSON_ARRAY)) {
		long idx = comp_index(k, n);

		if (idx < 0 || (uint32_t)idx >= v->len) {
			*why = 2;
			return NULL;
		}
		return osp_json_at(v, (uint32_t)idx);
	}
	*why = 1;
	return NULL;
}

/* Walk path; on failure fill err (when non-NULL) with ES's wording. */
static osp_json_t *
doc_walk(const dp_ingest_doc_t *d, const char *path, osp_err_t *err)
{
	const char *rest;
	osp_json_t *v = doc_root(d, path, &rest);
	const char *k = rest;

	while (v) {
		const char *dot = strchr(k, '.');
		size_t n = dot ? (size_t)(dot - k) : strlen(k);
		osp_json_t *parent = v;
		int why;

		v = comp_child(parent, k, n, &why);
		if (v == NULL && err) {
			if (why == 1)
				osp_err_set(err, 400, "illegal_argument_exception",
					    "cannot resolve [%.*s] from object of type [%s] as part of path [%s]",
					    (int)n, k, ingest_java_type(parent), path);
			else if (why == 2)
				osp_err_set(err, 400, "illegal_argument_exception",
					    "[%.*s] is out of bounds for array with length [%u] as part of path [%s]",
					    (int)n, k, parent->len, path);
			else
				osp_err_set(err, 400, "illegal_argument_exception",
					    "field [%.*s] not present as part of path [%s]", (int)n, k, path);
		}
		if (dot == NULL)
			break;
		k = dot + 1;
	}
	return v;
}

osp_json_t *
ingest_doc_get(const dp_ingest_doc_t *d, const char *path)
{
	return doc_walk(d, path, NULL);
}

int
ingest_doc_need(const dp_ingest_doc_t *d, const char *path, osp_json_t **out, osp_err_t *err)
{
	*out = doc_walk(d, path, err);
	return *out ? 0 : -EINVAL;
}

/* Replace child old (found after prev, NULL = first) of parent by nv. */
static void
splice(osp_json_t *parent, osp_json_t *prev, osp_json_t *old, osp_json_t *nv)
{
	nv->key = old->key;
	nv->key_len = old->key_len;
	nv->next = old->next;
	if (prev)
		prev->next = nv;
	else
		parent->u.child = nv;
	if (parent->last == old)
		parent->last = nv;
}

/* Put nv under parent at component k (object member or list index). */
static int
put_child(dp_ingest_doc_t *d, osp_json_t *parent, const char *k, size_t n, osp_json_t *nv,
	  const char *path, osp_err_t *err)
{
	osp_json_t *prev = NULL;

	if (osp_json_is(parent, OSP_JSON_OBJECT)) {
		OSP_JSON_FOREACH(m, parent) {
			if (m->key_len == n && memcmp(m->key, k, n) == 0) {
				splice(parent, prev, m, nv);
				return 0;
			}
			prev = m;
		}
		return osp_json_append(d->a, parent, k, n, nv);
	}
	if (osp_json_is(parent, OSP_JSON_ARRAY)) {
		long idx = comp_index(k, n);

		if (idx < 0 || (uint32_t)idx >= parent->len)
			return osp_err_set(err, 400, "illegal_argument_exception",
					   "[%.*s] is out of bounds for array with length [%u] as part of path [%s]",
					   (int)n, k, parent->len, path);
		osp_json_t *m = parent->u.child;

		for (long i = 0; i < idx; i++) {
			prev = m;
			m = m->next;
		}
		splice(parent, prev, m, nv);
		return 0;
	}
	return osp_err_set(err, 400, "illegal_argument_exception",
			   "cannot set [%.*s] with parent object of type [%s] as part of path [%s]",
			   (int)n, k, ingest_java_type(parent), path);
}

int
ingest_doc_set(dp_ingest_doc_t *d, const char *path, const osp_json_t *v, osp_err_t *err)
{
	const char *k;
	osp_json_t *parent = doc_root(d, path, &k);
	osp_json_t *nv = osp_json_clone(d->a, v);
	const char *dot;

	if (nv == NULL)
		return -ENOMEM;
	if (*k == '\0')
		return osp_err_set(err, 400, "illegal_argument_exception", "path cannot be null nor empty");
	while ((dot = strchr(k, '.')) != NULL) {
		size_t n = (size_t)(dot - k);
		int why;
		osp_json_t *child = comp_child(parent, k, n, &why);

		if (child == NULL) {
			if (why == 1)
				return osp_err_set(err, 400, "illegal_argument_exception",
						   "cannot set [%.*s] with parent object of type [%s] as part of path [%s]",
						   (int)n, k, ingest_java_type(parent), path);
			if (why == 2)
				return osp_err_set(err, 400, "illegal_argument_exception",
						   "[%.*s] is out of bounds for array with length [%u] as part of path [%s]",
						   (int)n, k, parent->len, path);
			child = osp_json_new_object(d->a);
			if (child == NULL || osp_json_append(d->a, parent, k, n, child) != 0)
				return -ENOMEM;
			child = parent->last;
		}
		parent = child;
		k = dot + 1;
	}
	int rc = put_child(d, parent, k, strlen(k), nv, path, err);

	return rc == 0 ? 0 : (rc == -ENOMEM ? rc : -EINVAL);
}

int
ingest_doc_remove(dp_ingest_doc_t *d, const char *path, osp_err_t *err)
{
	const char *dot = strrchr(path, '.');
	osp_json_t *parent;
	const char *k;

	if (dot == NULL) {
		parent = doc_root(d, path, &k);
	} else if ((size_t)(dot - path) == 7 && (strncmp(path, "_ingest", 7) == 0 ||
						 strncmp(path, "_source", 7) == 0)) {
		parent = path[1] == 'i' ? d->ingest : d->src;
		k = dot + 1;
	} else {
		char *pp = osp_arena_strndup(d->a, path, (size_t)(dot - path));

		if (pp == NULL)
			return -ENOMEM;
		parent = doc_walk(d, pp, NULL);
		k = dot + 1;
		if (parent == NULL) {
			const char *miss = strrchr(pp, '.');

			osp_err_set(err, 400, "illegal_argument_exception",
				    "field [%s] not present as part of path [%s]", miss ? miss + 1 : pp, path);
			return -ENOENT;
		}
	}
	size_t n = strlen(k);
	osp_json_t *prev = NULL;
	int why;

	if (comp_child(parent, k, n, &why) == NULL) {
		osp_err_set(err, 400, "illegal_argument_exception",
			    "field [%s] not present as part of path [%s]", k, path);
		return -ENOENT;
	}
	long idx = osp_json_is(parent, OSP_JSON_ARRAY) ? comp_index(k, n) : -1;
	long i = 0;

	OSP_JSON_FOREACH(m, parent) {
		if (idx >= 0 ? i == idx : (m->key_len == n && memcmp(m->key, k, n) == 0)) {
			if (prev)
				prev->next = m->next;
			else
				parent->u.child = m->next;
			if (parent->last == m)
				parent->last = prev;
			parent->len--;
			return 0;
		}
		prev = m;
		i++;
	}
	return -ENOENT;
}

static bool
list_has(const osp_json_t *list, const osp_json_t *v)
{
	OSP_JSON_FOREACH(e, list) {
		if (osp_json_equal(e, v))
			return true;
	}
	return false;
}

int
ingest_doc_append(dp_ingest_doc_t *d, const char *path, const osp_json_t *v, bool allow_dup,
		  osp_err_t *err)
{
	osp_json_t *cur = ingest_doc_get(d, path);
	osp_json_t *list;
	int rc;

	if (cur == NULL) {
		if (osp_json_is(v, OSP_JSON_ARRAY))
			return ingest_doc_set(d, path, v, err);
		list = osp_json_new_array(d->a);
		if (list == NULL || osp_json_append(d->a, list, NULL, 0, osp_json_clone(d->a, v)) != 0)
			return -ENOMEM;
		return ingest_doc_set(d, path, list, err);
	}
	if (!osp_json_is(cur, OSP_JSON_ARRAY)) {
		list = osp_json_new_array(d->a);
		if (list == NULL || osp_json_append(d->a, list, NULL, 0, osp_json_clone(d->a, cur)) != 0)
			return -ENOMEM;
		if ((rc = ingest_doc_set(d, path, list, err)) != 0)
			return rc;
		cur = ingest_doc_get(d, path);
	}
	if (osp_json_is(v, OSP_JSON_ARRAY)) {
		OSP_JSON_FOREACH(e, v) {
			if (!allow_dup && list_has(cur, e))
				continue;
			if (osp_json_append(d->a, cur, NULL, 0, osp_json_clone(d->a, e)) != 0)
				return -ENOMEM;
		}
		return 0;
	}
	if (!allow_dup && list_has(cur, v))
		return 0;
	return osp_json_append(d->a, cur, NULL, 0, osp_json_clone(d->a, v));
}

/* Shallow copies of obj's members appended to ctx (the nodes are shared
 * read-only for the duration of one render). */
static int
ctx_add_members(osp_arena_t *a, osp_json_t *ctx, const osp_json_t *obj)
{
	OSP_JSON_FOREACH(m, obj) {
		osp_json_t *c = osp_arena_alloc(a, sizeof(*c));

		if (c == NULL)
			return -ENOMEM;
		*c = *m;
		if (osp_json_append(a, ctx, m->key, m->key_len, c) != 0)
			return -ENOMEM;
	}
	return 0;
}

int
ingest_doc_render(const dp_ingest_doc_t *d, const char *s, const char **out, osp_err_t *err)
{
	osp_json_t *ctx, *ing;
	osp_buf_t b;
	int rc;

	*out = s;
	if (s == NULL || !dp_mustache_has_tags(s, strlen(s)))
		return 0;
	ctx = osp_json_new_object(d->a);
	ing = osp_arena_alloc(d->a, sizeof(*ing));
	if (ctx == NULL || ing == NULL || ctx_add_members(d->a, ctx, d->src) != 0 ||
	    ctx_add_members(d->a, ctx, d->meta) != 0)
		return -ENOMEM;
	*ing = *d->ingest;
	if (osp_json_append(d->a, ctx, "_ingest", 7, ing) != 0)
		return -ENOMEM;
	osp_buf_init(&b);
	rc = dp_mustache_render(s, strlen(s), ctx, DP_MUSTACHE_ESCAPE_NONE, &b, err);
	if (rc == 0) {
		*out = osp_arena_strndup(d->a, b.data ? b.data : "", b.len);
		if (*out == NULL)
			rc = -ENOMEM;
	}
	osp_buf_free(&b);
	return rc;
}

int
dp_ingest_doc_init(dp_ingest_doc_t *d, osp_arena_t *a, const osp_json_t *source,
		   const char *index, const char *id, const char *routing,
		   int64_t timestamp_ms)
{
	char ts[96];
	time_t secs = (time_t)(timestamp_ms / 1000);
	struct tm tm;

	memset(d, 0, sizeof(*d));
	d->a = a;
	d->src = source ? osp_json_clone(a, source) : osp_json_new_object(a);
	d->meta = osp_json_new_object(a);
	d->ingest = osp_json_new_object(a);
	if (d->src == NULL || d->meta == NULL || d->ingest == NULL)
		return -ENOMEM;
	if (index && osp_json_append(a, d->meta, "_index", 6, osp_json_new_string(a, index, strlen(index))))
		return -ENOMEM;
	if (id && osp_json_append(a, d->meta, "_id", 3, osp_json_new_string(a, id, strlen(id))))
		return -ENOMEM;
	if (routing && osp_json_append(a, d->meta, "_routing", 8,
				       osp_json_new_string(a, routing, strlen(routing))))
		return -ENOMEM;
	gmtime_r(&secs, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(timestamp_ms % 1000));
	if (osp_json_append(a, d->ingest, "timestamp", 9, osp_json_new_string(a, ts, strlen(ts))))
		return -ENOMEM;
	return 0;
}

void
dp_ingest_doc_write(const dp_ingest_doc_t *d, osp_jw_t *w)
{
	const osp_json_t *v;

	osp_jw_obj_begin(w);
	if ((v = osp_json_get(d->meta, "_index")) != NULL) {
		osp_jw_key(w, "_index");
		osp_jw_value(w, v);
	}
	if ((v = osp_json_get(d->meta, "_version")) != NULL) {
		osp_jw_key(w, "_version");
		osp_jw_value(w, v);
	}
	if ((v = osp_json_get(d->meta, "_id")) != NULL) {
		osp_jw_key(w, "_id");
		osp_jw_value(w, v);
	}
	if ((v = osp_json_get(d->meta, "_routing")) != NULL) {
		osp_jw_key(w, "_routing");
		osp_jw_value(w, v);
	}
	osp_jw_key(w, "_source");
	osp_jw_value(w, d->src);
	osp_jw_key(w, "_ingest");
	osp_jw_value(w, d->ingest);
	osp_jw_obj_end(w);
}
