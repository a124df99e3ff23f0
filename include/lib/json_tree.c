/*
 * json_tree.c - reading and building osp_json_t trees (osprey/json.h).
 *
 * Lookups walk the sibling list (objects keep document order and may hold
 * duplicate names; the first one wins, as documented in json.h). Builders
 * allocate from the caller's arena and copy every byte they are given, so a
 * built tree has the same lifetime rules as a parsed one: it lives exactly as
 * long as its arena. Clone and equal recurse once per nesting level; parsed
 * trees are bounded by the parser's depth limit. Equality ignores member
 * order, sorting names when the orders differ so hostile objects stay
 * O(n log n); members that share a name pair up in document order.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_int.h"

osp_json_t *
osp_json_getn(const osp_json_t *obj, const char *key, size_t klen)
{
	if (obj == NULL || obj->type != OSP_JSON_OBJECT)
		return NULL;
	for (osp_json_t *m = obj->u.child; m; m = m->next)
		if (m->key_len == klen && memcmp(m->key, key, klen) == 0)
			return m;
	return NULL;
}

osp_json_t *
osp_json_get(const osp_json_t *obj, const char *key)
{
	return osp_json_getn(obj, key, strlen(key));
}

osp_json_t *
osp_json_at(const osp_json_t *arr, uint32_t idx)
{
	if (arr == NULL || arr->type != OSP_JSON_ARRAY || idx >= arr->len)
		return NULL;
	osp_json_t *c = arr->u.child;

	while (idx-- && c)
		c = c->next;
	return c;
}

osp_json_t *
osp_json_path(const osp_json_t *v, const char *dotted)
{
	const char *p = dotted;
	osp_json_t *cur = (osp_json_t *)v;

	while (cur) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		cur = osp_json_getn(cur, p, n);
		if (dot == NULL)
			return cur;
		p = dot + 1;
	}
	return NULL;
}

bool
osp_json_key_eq(const osp_json_t *member, const char *key)
{
	if (member == NULL || member->key == NULL)
		return false;
	const char *m = member->key;

	/* Names may hold NUL bytes (\u0000): never read key past its end. */
	for (uint32_t i = 0; i < member->key_len; i++)
		if (key[i] == '\0' || key[i] != m[i])
			return false;
	return key[member->key_len] == '\0';
}

static osp_json_t *
node_new(osp_arena_t *a, osp_json_type_t t)
{
	osp_json_t *v = osp_arena_calloc(a, sizeof(*v));

	if (v)
		v->type = (uint8_t)t;
	return v;
}

osp_json_t *
osp_json_new_null(osp_arena_t *a)
{
	return node_new(a, OSP_JSON_NULL);
}

osp_json_t *
osp_json_new_bool(osp_arena_t *a, bool b)
{
	osp_json_t *v = node_new(a, OSP_JSON_BOOL);

	if (v)
		v->boolean = b;
	return v;
}

osp_json_t *
osp_json_new_int(osp_arena_t *a, int64_t i)
{
	osp_json_t *v = node_new(a, OSP_JSON_NUMBER);

	if (v) {
		v->is_int = 1;
		v->i = i;
		v->d = (double)i;
	}
	return v;
}

/* A double node has no literal (num == NULL); the writer prints d as Java
 * would. */
osp_json_t *
osp_json_new_double(osp_arena_t *a, double d)
{
	osp_json_t *v = node_new(a, OSP_JSON_NUMBER);

	if (v)
		v->d = d;
	return v;
}

osp_json_t *
osp_json_new_string(osp_arena_t *a, const char *s, size_t n)
{
	if (n > UINT32_MAX)
		return NULL;
	osp_json_t *v = node_new(a, OSP_JSON_STRING);

	if (v == NULL)
		return NULL;
	char *c = osp_arena_strndup(a, s, n);

	if (c == NULL)
		return NULL;
	v->u.str = c;
	v->len = (uint32_t)n;
	return v;
}

osp_json_t *
osp_json_new_array(osp_arena_t *a)
{
	return node_new(a, OSP_JSON_ARRAY);
}

osp_json_t *
osp_json_new_object(osp_arena_t *a)
{
	return node_new(a, OSP_JSON_OBJECT);
}

/* child is linked into parent (it must not already be in another tree: its
 * next pointer is overwritten). A NULL child, as a failed builder returns,
 * gives -ENOMEM so calls can be chained. */
int
osp_json_append(osp_arena_t *a, osp_json_t *parent, const char *key,
		size_t klen, osp_json_t *child)
{
	if (child == NULL)
		return -ENOMEM;     /* a failed osp_json_new_* / clone passed through */
	if (parent == NULL ||
	    (parent->type != OSP_JSON_ARRAY && parent->type != OSP_JSON_OBJECT))
		return -EINVAL;
	if (parent->type == OSP_JSON_OBJECT) {
		if (key == NULL || klen > UINT32_MAX)
			return -EINVAL;
		char *k = osp_arena_strndup(a, key, klen);

		if (k == NULL)
			return -ENOMEM;
		child->key = k;
		child->key_len = (uint32_t)klen;
	} else {
		child->key = NULL;
		child->key_len = 0;
	}
	child->next = NULL;
	if (parent->last)
		parent->last->next = child;
	else
		parent->u.child = child;
	parent->last = child;
	parent->len++;
	return 0;
}

osp_json_t *
osp_json_clone(osp_arena_t *a, const osp_json_t *v)
{
	if (v == NULL)
		return NULL;
	osp_json_t *c = osp_arena_alloc(a, sizeof(*c));

	if (c == NULL)
		return NULL;
	*c = *v;
	c->next = NULL;
	c->key = NULL;
	c->key_len = 0;
	switch (v->type) {
	case OSP_JSON_STRING: {
		char *s = osp_arena_strndup(a, v->u.str, v->len);

		if (s == NULL)
			return NULL;
		c->u.str = s;
		break;
	}
	case OSP_JSON_NUMBER:
		if (v->num) {
			char *n = osp_arena_strndup(a, v->num, v->num_len);

			if (n == NULL)
				return NULL;
			c->num = n;
		}
		break;
	case OSP_JSON_ARRAY:
	case OSP_JSON_OBJECT:
		c->u.child = NULL;
		c->last = NULL;
		c->len = 0;
		for (const osp_json_t *m = v->u.child; m; m = m->next) {
			osp_json_t *cm = osp_json_clone(a, m);

			if (cm == NULL || osp_json_append(a, c, m->key, m->key_len, cm) != 0)
				return NULL;
		}
		break;
	default:
		break;
	}
	return c;
}

static bool
num_equal(const osp_json_t *x, const osp_json_t *y)
{
	if (x->is_int && y->is_int)
		return x->i == y->i;
	if (isnan(x->d) && isnan(y->d))
		return true;
	if (x->d != y->d)
		return false;
	/* Equal doubles: integers beyond 2^53 may still differ. */
	if (x->is_int && !y->is_int && fabs(y->d) >= 9007199254740992.0)
		return false;
	if (y->is_int && !x->is_int && fabs(x->d) >= 9007199254740992.0)
		return false;
	return true;
}

/* A member and its position, so sorting by name keeps document order among
 * members that share a name. */
typedef struct member_ref {
	const osp_json_t *m;
	uint32_t idx;
} member_ref_t;

static int
name_cmp(const osp_json_t *a, const osp_json_t *b)
{
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = memcmp(a->key, b->key, n);

	if (c)
		return c;
	return a->key_len < b->key_len ? -1 : a->key_len > b->key_len;
}

static int
member_cmp(const void *pa, const void *pb)
{
	const member_ref_t *a = pa, *b = pb;
	int c = name_cmp(a->m, b->m);

	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Members of obj sorted by (name, position); malloc'd, the caller frees. */
static member_ref_t *
sorted_members(const osp_json_t *obj)
{
	member_ref_t *v = malloc((obj->len ? obj->len : 1) * sizeof(*v));
	uint32_t n = 0;

	if (v == NULL)
		return NULL;
	for (const osp_json_t *m = obj->u.child; m && n < obj->len; m = m->next, n++)
		v[n] = (member_ref_t){ m, n };
	qsort(v, n, sizeof(*v), member_cmp);
	return v;
}

/* Objects are equal when they hold the same names with equal values, in any
 * order; members sharing a name are paired in document order. O(n log n). */
static bool
obj_equal(const osp_json_t *x, const osp_json_t *y)
{
	/* Fast path: same order. */
	const osp_json_t *a = x->u.child, *b = y->u.child;

	while (a && b && a->key_len == b->key_len &&
	       memcmp(a->key, b->key, a->key_len) == 0) {
		if (!osp_json_equal(a, b))
			return false;
		a = a->next;
		b = b->next;
	}
	if (a == NULL && b == NULL)
		return true;
	member_ref_t *sx = sorted_members(x), *sy = sorted_members(y);
	bool eq = sx && sy;

	for (uint32_t i = 0; eq && i < x->len; i++)
		eq = name_cmp(sx[i].m, sy[i].m) == 0 && osp_json_equal(sx[i].m, sy[i].m);
	free(sx);
	free(sy);
	return eq;
}

bool
osp_json_equal(const osp_json_t *x, const osp_json_t *y)
{
	if (x == y)
		return true;
	if (x == NULL || y == NULL || x->type != y->type)
		return false;
	switch (x->type) {
	case OSP_JSON_NULL:
		return true;
	case OSP_JSON_BOOL:
		return !x->boolean == !y->boolean;
	case OSP_JSON_NUMBER:
		return num_equal(x, y);
	case OSP_JSON_STRING:
		return x->len == y->len && memcmp(x->u.str, y->u.str, x->len) == 0;
	case OSP_JSON_ARRAY: {
		if (x->len != y->len)
			return false;
		const osp_json_t *a = x->u.child, *b = y->u.child;

		for (; a && b; a = a->next, b = b->next)
			if (!osp_json_equal(a, b))
				return false;
		return a == NULL && b == NULL;
	}
	case OSP_JSON_OBJECT:
		if (x->len != y->len)
			return false;
		return obj_equal(x, y);
	}
	return false;
}
