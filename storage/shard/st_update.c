/*
 * st_update.c - the partial-update merge of st_update.h. The source tree is
 * never modified (parsed trees are shared read-only): merged objects are
 * rebuilt in the arena and untouched values are deep-copied into them,
 * since appending a node to a new parent rewrites its sibling link.
 */
#include <errno.h>
#include <string.h>

#include "st_update.h"

static const osp_json_t *
member(const osp_json_t *obj, const char *key, uint32_t klen)
{
	OSP_JSON_FOREACH(m, obj)
		if (m->key_len == klen && memcmp(m->key, key, klen) == 0)
			return m;
	return NULL;
}

/* First occurrence of key among obj's members before `stop`. */
static bool
seen_before(const osp_json_t *obj, const osp_json_t *stop)
{
	OSP_JSON_FOREACH(m, obj) {
		if (m == stop)
			return false;
		if (m->key_len == stop->key_len && memcmp(m->key, stop->key, m->key_len) == 0)
			return true;
	}
	return false;
}

int
st_update_merge(osp_arena_t *a, const osp_json_t *src, const osp_json_t *doc,
		osp_json_t **out, bool *changed)
{
	osp_json_t *res = osp_json_new_object(a);

	if (!res)
		return -ENOMEM;
	/* existing keys, in source order, updated where doc has them */
	OSP_JSON_FOREACH(m, src) {
		const osp_json_t *nv = member(doc, m->key, m->key_len);
		osp_json_t *v;

		if (nv && osp_json_is(m, OSP_JSON_OBJECT) && osp_json_is(nv, OSP_JSON_OBJECT)) {
			int rc = st_update_merge(a, m, nv, &v, changed);

			if (rc < 0)
				return rc;
		} else if (nv) {
			if (!osp_json_equal(m, nv))
				*changed = true;
			v = osp_json_clone(a, nv);
		} else {
			v = osp_json_clone(a, m);
		}
		if (!v || osp_json_append(a, res, m->key, m->key_len, v) < 0)
			return -ENOMEM;
	}
	/* new keys, in doc order (the first of duplicates wins, as lookups do) */
	OSP_JSON_FOREACH(n, doc) {
		if (member(src, n->key, n->key_len) || seen_before(doc, n))
			continue;
		osp_json_t *v = osp_json_clone(a, n);

		*changed = true;
		if (!v || osp_json_append(a, res, n->key, n->key_len, v) < 0)
			return -ENOMEM;
	}
	*out = res;
	return 0;
}
