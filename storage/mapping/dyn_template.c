/*
 * dyn_template.c - dynamic templates: validating "dynamic_templates",
 * merging them by name, picking the template for a new field and
 * instantiating its mapping ({name} / {dynamic_type} substituted).
 *
 * Templates are checked in order and the first whose conditions all hold
 * wins, as in Elasticsearch: match_mapping_type against the value's JSON
 * type (string, long, double, boolean, date, object, "*"), match/unmatch
 * against the field name and path_match/path_unmatch against the full
 * dotted path, with "*" wildcards. The compiled array lives in the
 * mapping's arena and points into its JSON copy; read-only once built.
 */
#include <errno.h>
#include <string.h>

#include "mapping_int.h"

#define MPE "mapper_parsing_exception"

static const char *const mapping_types[] = {
	"object", "string", "long", "double", "boolean", "date", "binary",
};

static bool
valid_mtype(const char *s)
{
	if (strcmp(s, "*") == 0)
		return true;
	for (size_t i = 0; i < sizeof(mapping_types) / sizeof(mapping_types[0]); i++)
		if (strcmp(mapping_types[i], s) == 0)
			return true;
	return false;
}

static int
check_strings(const osp_json_t *v, const char *tname, const char *param, bool mtype, osp_err_t *err)
{
	const osp_json_t *x = v->type == OSP_JSON_ARRAY ? v->u.child : v;

	for (; x; x = v->type == OSP_JSON_ARRAY ? x->next : NULL) {
		if (x->type != OSP_JSON_STRING)
			return osp_err_set(err, 400, MPE, "[%s] of dynamic template [%s] must be a string or a list of strings",
					   param, tname);
		if (mtype && !valid_mtype(x->u.str))
			return osp_err_set(err, 400, MPE, "No field type matched on [%s], possible values are "
					   "[object, string, long, double, boolean, date, binary]", x->u.str);
	}
	return 0;
}

int
st_dyn_templates_compile(st_mapping_t *m, const osp_json_t *arr, osp_err_t *err)
{
	st_dyn_template_t *ts;
	uint32_t n = 0;
	int rc;

	if (arr->type != OSP_JSON_ARRAY)
		return osp_err_set(err, 400, MPE, "Dynamic template syntax error. An array of named objects is expected.");
	ts = osp_arena_calloc(&m->arena, sizeof(*ts) * (arr->len ? arr->len : 1));
	if (ts == NULL)
		return -ENOMEM;
	ST_JSON_EACH_M(e, arr) {
		if (e->type != OSP_JSON_OBJECT || e->len != 1 || e->u.child->type != OSP_JSON_OBJECT)
			return osp_err_set(err, 400, MPE, "Dynamic template syntax error. An array of named objects is expected.");
		const osp_json_t *def = e->u.child;
		st_dyn_template_t *t = &ts[n];

		t->name = def->key;
		ST_JSON_EACH_M(p, def) {
			const char *k = p->key;

			if (strcmp(k, "mapping") == 0) {
				if (p->type != OSP_JSON_OBJECT)
					return osp_err_set(err, 400, MPE, "template [%s] must have either mapping or runtime set",
							   t->name);
				t->mapping = p;
			} else if (strcmp(k, "match_mapping_type") == 0) {
				if ((rc = check_strings(p, t->name, k, true, err)) < 0)
					return rc;
				t->match_mapping_type = p;
			} else if (strcmp(k, "match") == 0 || strcmp(k, "unmatch") == 0 ||
				   strcmp(k, "path_match") == 0 || strcmp(k, "path_unmatch") == 0) {
				if ((rc = check_strings(p, t->name, k, false, err)) < 0)
					return rc;
				if (k[0] == 'm')
					t->match = p;
				else if (k[0] == 'u')
					t->unmatch = p;
				else if (k[5] == 'm')
					t->path_match = p;
				else
					t->path_unmatch = p;
			} else if (strcmp(k, "match_pattern") == 0) {
				if (p->type != OSP_JSON_STRING ||
				    (strcmp(p->u.str, "simple") != 0 && strcmp(p->u.str, "regex") != 0))
					return osp_err_set(err, 400, MPE, "Illegal dynamic template parameter: [match_pattern]");
				if (strcmp(p->u.str, "regex") == 0)
					return osp_err_set(err, 400, MPE, "[match_pattern] [regex] of dynamic template [%s] "
							   "is not supported", t->name);
			} else if (strcmp(k, "runtime") == 0) {
				return osp_err_set(err, 400, MPE, "runtime fields in dynamic template [%s] are not supported",
						   t->name);
			} else {
				return osp_err_set(err, 400, MPE, "Illegal dynamic template parameter: [%s]", k);
			}
		}
		if (t->mapping == NULL)
			return osp_err_set(err, 400, MPE, "template [%s] must have either mapping or runtime set", t->name);
		n++;
	}
	m->templates = ts;
	m->n_templates = n;
	return 0;
}

/* Name of template element e ({"name": {...}}). */
static const osp_json_t *
tpl_def(const osp_json_t *e)
{
	return e->type == OSP_JSON_OBJECT && e->len == 1 ? e->u.child : NULL;
}

int
st_dyn_templates_merge(st_mapping_t *m, const osp_json_t *cur, const osp_json_t *upd,
		       const osp_json_t **out, osp_err_t *err)
{
	osp_json_t *arr = osp_json_new_array(&m->arena);

	if (arr == NULL)
		return -ENOMEM;
	if (upd->type != OSP_JSON_ARRAY)
		return osp_err_set(err, 400, MPE, "Dynamic template syntax error. An array of named objects is expected.");
	/* existing ones in order, replaced by same-named updates; then new ones */
	ST_JSON_EACH_M(e, cur) {
		const osp_json_t *d = tpl_def(e), *rep = e;

		ST_JSON_EACH_M(u, upd) {
			const osp_json_t *ud = tpl_def(u);

			if (d && ud && d->key_len == ud->key_len && memcmp(d->key, ud->key, d->key_len) == 0)
				rep = u;
		}
		if (osp_json_append(&m->arena, arr, NULL, 0, osp_json_clone(&m->arena, rep)) < 0)
			return -ENOMEM;
	}
	ST_JSON_EACH_M(u, upd) {
		const osp_json_t *ud = tpl_def(u);
		bool seen = false;

		ST_JSON_EACH_M(e, cur) {
			const osp_json_t *d = tpl_def(e);

			if (d && ud && d->key_len == ud->key_len && memcmp(d->key, ud->key, d->key_len) == 0)
				seen = true;
		}
		if (!seen && osp_json_append(&m->arena, arr, NULL, 0, osp_json_clone(&m->arena, u)) < 0)
			return -ENOMEM;
	}
	*out = arr;
	return 0;
}

static bool
match_any(const osp_json_t *v, const char *s, size_t n)
{
	const osp_json_t *x = v->type == OSP_JSON_ARRAY ? v->u.child : v;

	for (; x; x = v->type == OSP_JSON_ARRAY ? x->next : NULL)
		if (x->type == OSP_JSON_STRING && st_glob(x->u.str, x->len, s, n))
			return true;
	return false;
}

const st_dyn_template_t *
st_dyn_template_find(const st_mapping_t *m, const char *path, size_t plen,
		     const char *name, size_t nlen, const char *mtype)
{
	for (uint32_t i = 0; i < m->n_templates; i++) {
		const st_dyn_template_t *t = &m->templates[i];

		if (t->match_mapping_type && !match_any(t->match_mapping_type, mtype, strlen(mtype)) &&
		    !match_any(t->match_mapping_type, "*", 1))
			continue;
		if (t->match && !match_any(t->match, name, nlen))
			continue;
		if (t->unmatch && match_any(t->unmatch, name, nlen))
			continue;
		if (t->path_match && !match_any(t->path_match, path, plen))
			continue;
		if (t->path_unmatch && match_any(t->path_unmatch, path, plen))
			continue;
		return t;
	}
	return NULL;
}

/* Copy s into buf replacing {name} and {dynamic_type}. */
static char *
subst(osp_arena_t *a, const char *s, size_t n, const char *name, size_t nlen, const char *dtype,
      size_t *outlen)
{
	size_t dl = strlen(dtype), cap = n + 1;

	for (size_t i = 0; i < n; i++)
		if (s[i] == '{')
			cap += nlen + dl;
	char *o = osp_arena_alloc(a, cap);
	size_t k = 0;

	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < n;) {
		if (n - i >= 6 && memcmp(s + i, "{name}", 6) == 0) {
			memcpy(o + k, name, nlen);
			k += nlen;
			i += 6;
		} else if (n - i >= 14 && memcmp(s + i, "{dynamic_type}", 14) == 0) {
			memcpy(o + k, dtype, dl);
			k += dl;
			i += 14;
		} else {
			o[k++] = s[i++];
		}
	}
	o[k] = '\0';
	*outlen = k;
	return o;
}

osp_json_t *
st_dyn_template_mapping(osp_arena_t *a, const osp_json_t *v, const char *name, size_t nlen,
			const char *dtype)
{
	size_t len;

	switch (v->type) {
	case OSP_JSON_STRING: {
		char *s = subst(a, v->u.str, v->len, name, nlen, dtype, &len);

		return s ? osp_json_new_string(a, s, len) : NULL;
	}
	case OSP_JSON_ARRAY:
	case OSP_JSON_OBJECT: {
		osp_json_t *o = v->type == OSP_JSON_ARRAY ? osp_json_new_array(a) : osp_json_new_object(a);

		if (o == NULL)
			return NULL;
		for (const osp_json_t *c = v->u.child; c; c = c->next) {
			osp_json_t *cc = st_dyn_template_mapping(a, c, name, nlen, dtype);
			char *k = NULL;

			if (cc == NULL)
				return NULL;
			if (v->type == OSP_JSON_OBJECT &&
			    (k = subst(a, c->key, c->key_len, name, nlen, dtype, &len)) == NULL)
				return NULL;
			if (osp_json_append(a, o, k, k ? len : 0, cc) < 0)
				return NULL;
		}
		return o;
	}
	default:
		return osp_json_clone(a, v);
	}
}
