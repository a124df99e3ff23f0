/*
 * mapping_parse.c - applying a mappings body to a field tree: parsing field
 * definitions, validating parameters, and merging into existing fields.
 *
 * One code path serves create-index (an empty tree), put-mapping and
 * dynamic updates (a copy of the current tree): every definition is parsed
 * into a fresh field, then either attached or merged into the field of the
 * same path following Elasticsearch's rules (non-updatable parameters must
 * be equal, updatable ones take the new value, multi-fields and properties
 * are unioned, objects keep their dynamic setting unless given). All memory
 * comes from the mapping's arena. Errors use Elasticsearch's wording.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping_int.h"

#define MPE "mapper_parsing_exception"

static const struct {
	const char *name;
	st_field_type_t type;
} type_names[] = {
	{ "object", ST_FIELD_OBJECT }, { "text", ST_FIELD_TEXT },
	{ "keyword", ST_FIELD_KEYWORD }, { "long", ST_FIELD_LONG },
	{ "integer", ST_FIELD_INTEGER }, { "short", ST_FIELD_SHORT },
	{ "byte", ST_FIELD_BYTE }, { "double", ST_FIELD_DOUBLE },
	{ "float", ST_FIELD_FLOAT }, { "half_float", ST_FIELD_HALF_FLOAT },
	{ "scaled_float", ST_FIELD_SCALED_FLOAT }, { "boolean", ST_FIELD_BOOLEAN },
	{ "date", ST_FIELD_DATE },
};

const char *
st_field_type_name(st_field_type_t t)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == t)
			return type_names[i].name;
	return "object";
}

bool
st_field_type_is_numeric(st_field_type_t t)
{
	return t >= ST_FIELD_LONG && t <= ST_FIELD_SCALED_FLOAT;
}

bool
st_field_type_is_long_valued(st_field_type_t t)
{
	return (t >= ST_FIELD_LONG && t <= ST_FIELD_BYTE) || t == ST_FIELD_SCALED_FLOAT ||
	       t == ST_FIELD_BOOLEAN || t == ST_FIELD_DATE;
}

static int
type_lookup(const char *s, st_field_type_t *out)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcmp(type_names[i].name, s) == 0) {
			*out = type_names[i].type;
			return 0;
		}
	return -1;
}

/* ---- value helpers ---- */

static int
get_bool(const osp_json_t *v, bool *out, osp_err_t *err)
{
	if (v->type == OSP_JSON_BOOL) {
		*out = v->boolean;
		return 0;
	}
	if (v->type == OSP_JSON_STRING && (strcmp(v->u.str, "true") == 0 || strcmp(v->u.str, "false") == 0)) {
		*out = v->u.str[0] == 't';
		return 0;
	}
	if (v->type == OSP_JSON_STRING)
		return osp_err_set(err, 400, MPE, "Failed to parse value [%s] as only [true] or [false] are allowed.",
				   v->u.str);
	if (v->type == OSP_JSON_NUMBER)
		return osp_err_set(err, 400, MPE, "Failed to parse value [%.*s] as only [true] or [false] are allowed.",
				   (int)v->num_len, v->num);
	return osp_err_set(err, 400, MPE, "Failed to parse value as only [true] or [false] are allowed.");
}

static int
get_int(const osp_json_t *v, const char *param, int64_t *out, osp_err_t *err)
{
	if (v->type == OSP_JSON_NUMBER && v->is_int) {
		*out = v->i;
		return 0;
	}
	if (v->type == OSP_JSON_STRING) {
		char *end;
		long long x = strtoll(v->u.str, &end, 10);

		if (*end == '\0' && end != v->u.str) {
			*out = x;
			return 0;
		}
		return osp_err_set(err, 400, MPE, "For input string: \"%s\"", v->u.str);
	}
	return osp_err_set(err, 400, MPE, "[%s] must be an integer", param);
}

static int
parse_dynamic(const osp_json_t *v, uint8_t *out, osp_err_t *err)
{
	if (v->type == OSP_JSON_BOOL) {
		*out = v->boolean ? ST_DYNAMIC_TRUE : ST_DYNAMIC_FALSE;
		return 0;
	}
	if (v->type == OSP_JSON_STRING) {
		if (strcmp(v->u.str, "true") == 0)
			*out = ST_DYNAMIC_TRUE;
		else if (strcmp(v->u.str, "false") == 0)
			*out = ST_DYNAMIC_FALSE;
		else if (strcmp(v->u.str, "strict") == 0)
			*out = ST_DYNAMIC_STRICT;
		else if (strcmp(v->u.str, "runtime") == 0)
			*out = ST_DYNAMIC_RUNTIME;
		else
			return osp_err_set(err, 400, MPE, "Could not convert [dynamic] to boolean");
		return 0;
	}
	return osp_err_set(err, 400, MPE, "Could not convert [dynamic] to boolean");
}

/* ---- tree building ---- */

st_field_t *
st_field_child(const st_field_t *parent, const char *name, size_t len)
{
	if (((const st_fieldx_t *)parent)->sorted) {
		uint32_t lo = 0, hi = parent->n_children;

		while (lo < hi) {
			uint32_t mid = (lo + hi) / 2;
			st_field_t *c = parent->children[mid];
			int r = strncmp(c->name, name, len);

			if (r == 0 && c->name[len] != '\0')
				r = 1;
			if (r == 0)
				return c;
			if (r < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		return NULL;
	}
	for (uint32_t i = 0; i < parent->n_children; i++) {
		st_field_t *c = parent->children[i];

		if (strlen(c->name) == len && memcmp(c->name, name, len) == 0)
			return c;
	}
	return NULL;
}

int
st_field_add_child(osp_arena_t *a, st_fieldx_t *parent, st_fieldx_t *child)
{
	if (parent->pub.n_children == parent->children_cap) {
		uint32_t cap = parent->children_cap ? parent->children_cap * 2 : 4;
		st_field_t **nc = osp_arena_alloc(a, sizeof(*nc) * cap);

		if (nc == NULL)
			return -ENOMEM;
		if (parent->pub.n_children)
			memcpy(nc, parent->pub.children, sizeof(*nc) * parent->pub.n_children);
		parent->pub.children = nc;
		parent->children_cap = cap;
	}
	parent->pub.children[parent->pub.n_children++] = &child->pub;
	parent->sorted = false;
	child->pub.parent = &parent->pub;
	return 0;
}

/* A field with Elasticsearch's defaults for type, allocated in a; not yet
 * attached (id UINT32_MAX until st_mapping_finish numbers it). */
static st_fieldx_t *
new_field(osp_arena_t *a, const st_field_t *parent, const char *name, size_t len,
	  st_field_type_t type)
{
	st_fieldx_t *f = osp_arena_calloc(a, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->pub.name = osp_arena_strndup(a, name, len);
	size_t pl = parent && parent->path_len ? parent->path_len + 1 + len : len;
	char *path = osp_arena_alloc(a, pl + 1);

	if (f->pub.name == NULL || path == NULL)
		return NULL;
	if (parent && parent->path_len) {
		memcpy(path, parent->path, parent->path_len);
		path[parent->path_len] = '.';
		memcpy(path + parent->path_len + 1, name, len);
	} else {
		memcpy(path, name, len);
	}
	path[pl] = '\0';
	f->pub.path = path;
	f->pub.path_len = (uint32_t)pl;
	f->pub.id = UINT32_MAX;
	f->pub.type = (uint8_t)type;
	f->pub.parent = parent;
	f->pub.index = true;
	f->pub.doc_values = type != ST_FIELD_TEXT;
	f->pub.norms = type == ST_FIELD_TEXT;
	f->pub.coerce = true;
	f->pub.enabled = true;
	f->pub.position_increment_gap = 100;
	f->pub.ignore_above = INT32_MAX;
	f->pub.date_format = type == ST_FIELD_DATE ? st_date_format_default() : NULL;
	return f;
}

/* Parameters Elasticsearch accepts that Osprey keeps but does not act on. */
static bool
is_passthrough(st_field_type_t t, const char *k)
{
	static const char *const common[] = { "copy_to", NULL };
	static const char *const text[] = { "index_options", "term_vector", "similarity", "fielddata",
		"eager_global_ordinals", "search_quote_analyzer", "index_phrases", NULL };
	static const char *const kw[] = { "eager_global_ordinals", "index_options", "similarity",
		"split_queries_on_whitespace", "time_series_dimension", NULL };
	static const char *const num[] = { "time_series_dimension", "time_series_metric", NULL };
	static const char *const date[] = { "locale", NULL };
	const char *const *lists[2] = { common, NULL };

	switch (t) {
	case ST_FIELD_TEXT: lists[1] = text; break;
	case ST_FIELD_KEYWORD: lists[1] = kw; break;
	case ST_FIELD_DATE: lists[1] = date; break;
	case ST_FIELD_BOOLEAN: case ST_FIELD_OBJECT: break;
	default: lists[1] = num; break;
	}
	for (int l = 0; l < 2; l++)
		for (const char *const *p = lists[l]; p && *p; p++)
			if (strcmp(*p, k) == 0)
				return true;
	return false;
}

static int apply_properties(st_mapping_t *m, st_fieldx_t *obj, const osp_json_t *props,
			    bool merging, osp_err_t *err);

/* Parse null_value for f's type into the typed slots (keyword string,
 * long, double, boolean); dates are resolved once the format is known. */
static int
set_null_value(osp_arena_t *a, st_fieldx_t *f, const osp_json_t *v, osp_err_t *err)
{
	st_field_t *p = &f->pub;

	if (v->type == OSP_JSON_NULL)
		return 0;
	p->has_null_value = true;
	f->null_value_json = osp_json_clone(a, v);
	switch (p->type) {
	case ST_FIELD_KEYWORD:
		if (v->type == OSP_JSON_STRING)
			p->null_value_str = osp_arena_strndup(a, v->u.str, v->len);
		else if (v->type == OSP_JSON_NUMBER)
			p->null_value_str = osp_arena_strndup(a, v->num, v->num_len);
		else if (v->type == OSP_JSON_BOOL)
			p->null_value_str = v->boolean ? "true" : "false";
		else
			return osp_err_set(err, 400, MPE, "Failed to parse mapping: [null_value] must be a string");
		return p->null_value_str ? 0 : -ENOMEM;
	case ST_FIELD_BOOLEAN: {
		bool b;
		int rc = get_bool(v, &b, err);

		p->null_value_long = b;
		return rc;
	}
	case ST_FIELD_DATE:
		if (v->type != OSP_JSON_STRING && v->type != OSP_JSON_NUMBER)
			return osp_err_set(err, 400, MPE, "Error parsing [null_value] on field [%s]", p->name);
		return 0;   /* resolved once the format is known */
	default: {
		const char *s = v->type == OSP_JSON_STRING ? v->u.str : v->num;
		char *end;
		double d;

		if (v->type != OSP_JSON_STRING && v->type != OSP_JSON_NUMBER)
			return osp_err_set(err, 400, MPE, "Error parsing [null_value] on field [%s]", p->name);
		d = strtod(s, &end);
		if (end == s || (v->type == OSP_JSON_STRING && *end != '\0'))
			return osp_err_set(err, 400, MPE, "For input string: \"%s\"", s);
		p->null_value_double = d;
		p->null_value_long = (int64_t)d;
		if (v->type == OSP_JSON_NUMBER && v->is_int)
			p->null_value_long = v->i;
		return 0;
	}
	}
}

int
st_field_parse_leaf(osp_arena_t *a, const st_analysis_t *an_reg, const st_field_t *parent,
		    const char *name, size_t nlen, st_field_type_t type, const osp_json_t *def,
		    bool multi, st_fieldx_t **out, osp_err_t *err)
{
	st_fieldx_t *f = new_field(a, parent, name, nlen, type);
	st_field_t *p;
	const char *tn = st_field_type_name(type);
	const osp_json_t *fields = NULL;
	int rc;

	if (f == NULL)
		return -ENOMEM;
	p = &f->pub;
	p->is_multi_field = multi;
	p->set_mask |= ST_FP_TYPE;
	ST_JSON_EACH_M(v, def) {
		const char *k = v->key;
		bool b;
		int64_t i;

		if (strcmp(k, "type") == 0)
			continue;
		if (strcmp(k, "index") == 0 || strcmp(k, "doc_values") == 0 || strcmp(k, "store") == 0 ||
		    (strcmp(k, "norms") == 0 && (type == ST_FIELD_TEXT || type == ST_FIELD_KEYWORD)) ||
		    (strcmp(k, "coerce") == 0 && st_field_type_is_numeric(type)) ||
		    (strcmp(k, "ignore_malformed") == 0 && (st_field_type_is_numeric(type) || type == ST_FIELD_DATE))) {
			if (type == ST_FIELD_TEXT && strcmp(k, "doc_values") == 0)
				goto unknown;
			if ((rc = get_bool(v, &b, err)) < 0)
				return rc;
			switch (k[0]) {
			case 'i': if (k[1] == 'n') { p->index = b; p->set_mask |= ST_FP_INDEX; }
				  else { p->ignore_malformed = b; p->set_mask |= ST_FP_IGNORE_MALFORMED; }
				  break;
			case 'd': p->doc_values = b; p->set_mask |= ST_FP_DOC_VALUES; break;
			case 's': p->store = b; p->set_mask |= ST_FP_STORE; break;
			case 'n': p->norms = b; p->set_mask |= ST_FP_NORMS; break;
			case 'c': p->coerce = b; p->set_mask |= ST_FP_COERCE; break;
			}
		} else if (type == ST_FIELD_TEXT && (strcmp(k, "analyzer") == 0 || strcmp(k, "search_analyzer") == 0)) {
			if (v->type != OSP_JSON_STRING)
				return osp_err_set(err, 400, MPE, "Failed to parse mapping: [%s] must be a string", k);
			const st_analyzer_t *an = st_analysis_get(an_reg, v->u.str, v->len);

			if (an == NULL)
				return osp_err_set(err, 400, MPE, "analyzer [%s] has not been configured in mappings",
						   v->u.str);
			const char *nm = osp_arena_strndup(a, v->u.str, v->len);

			if (nm == NULL)
				return -ENOMEM;
			if (k[0] == 'a') {
				p->analyzer_name = nm;
				p->analyzer = an;
				p->set_mask |= ST_FP_ANALYZER;
			} else {
				p->search_analyzer_name = nm;
				p->search_analyzer = an;
				p->set_mask |= ST_FP_SEARCH_ANALYZER;
			}
		} else if (type == ST_FIELD_TEXT && strcmp(k, "position_increment_gap") == 0) {
			if ((rc = get_int(v, k, &i, err)) < 0)
				return rc;
			if (i < 0 || i > INT32_MAX)
				return osp_err_set(err, 400, MPE, "[positions_increment_gap] must be positive, got [%lld]",
						   (long long)i);
			p->position_increment_gap = (int32_t)i;
			p->set_mask |= ST_FP_PIG;
		} else if (type == ST_FIELD_KEYWORD && strcmp(k, "ignore_above") == 0) {
			if ((rc = get_int(v, k, &i, err)) < 0)
				return rc;
			if (i < 0 || i > INT32_MAX)
				return osp_err_set(err, 400, MPE, "[ignore_above] must be positive, got [%lld]", (long long)i);
			p->ignore_above = (int32_t)i;
			p->set_mask |= ST_FP_IGNORE_ABOVE;
		} else if (type == ST_FIELD_KEYWORD && strcmp(k, "normalizer") == 0) {
			if (v->type == OSP_JSON_NULL)
				continue;
			const st_analyzer_t *nz = v->type == OSP_JSON_STRING ?
				st_analysis_get_normalizer(an_reg, v->u.str, v->len) : NULL;

			if (nz == NULL)
				return osp_err_set(err, 400, MPE, "normalizer [%s] not found for field [%s]",
						   v->type == OSP_JSON_STRING ? v->u.str : "?", p->name);
			if ((p->normalizer_name = osp_arena_strndup(a, v->u.str, v->len)) == NULL)
				return -ENOMEM;
			p->normalizer = nz;
			p->set_mask |= ST_FP_NORMALIZER;
		} else if (type != ST_FIELD_TEXT && strcmp(k, "null_value") == 0) {
			if ((rc = set_null_value(a, f, v, err)) < 0)
				return rc;
			if (p->has_null_value)
				p->set_mask |= ST_FP_NULL_VALUE;
		} else if (type == ST_FIELD_DATE && strcmp(k, "format") == 0) {
			st_date_format_t *df;

			if (v->type != OSP_JSON_STRING)
				return osp_err_set(err, 400, MPE, "Failed to parse mapping: [format] must be a string");
			if ((rc = st_date_format_compile(a, v->u.str, v->len, &df, err)) < 0) {
				if (rc == -EINVAL)
					snprintf(err->type, sizeof(err->type), MPE);
				return rc;
			}
			p->date_format = df;
			f->format_spec = st_date_format_spec(df);
			p->set_mask |= ST_FP_FORMAT;
		} else if (type == ST_FIELD_SCALED_FLOAT && strcmp(k, "scaling_factor") == 0) {
			if (v->type != OSP_JSON_NUMBER && v->type != OSP_JSON_STRING)
				return osp_err_set(err, 400, MPE, "[scaling_factor] must be a number");
			double d = v->type == OSP_JSON_NUMBER ? v->d : strtod(v->u.str, NULL);

			if (!(d > 0) || !isfinite(d))
				return osp_err_set(err, 400, MPE, "[scaling_factor] must be a positive number, got [%g]", d);
			p->scaling_factor = d;
			p->set_mask |= ST_FP_SCALING;
		} else if (strcmp(k, "meta") == 0) {
			if (v->type != OSP_JSON_OBJECT)
				return osp_err_set(err, 400, MPE, "[meta] must be an object, got [%s] for field [%s]",
						   "value", p->name);
			p->meta = osp_json_clone(a, v);
			p->set_mask |= ST_FP_META;
		} else if (strcmp(k, "fields") == 0) {
			if (multi)
				goto unknown;
			if (v->type != OSP_JSON_OBJECT)
				return osp_err_set(err, 400, MPE,
						   "Expected map for property [fields] on field [%s] but got a class java.lang.String",
						   p->name);
			fields = v;
		} else if (is_passthrough(type, k)) {
			if (f->extra == NULL && (f->extra = osp_json_new_object(a)) == NULL)
				return -ENOMEM;
			if (osp_json_append(a, f->extra, k, v->key_len, osp_json_clone(a, v)) < 0)
				return -ENOMEM;
		} else {
unknown:
			return osp_err_set(err, 400, MPE, "unknown parameter [%s] on mapper [%s] of type [%s]",
					   k, p->name, tn);
		}
	}
	if (type == ST_FIELD_SCALED_FLOAT && !(p->set_mask & ST_FP_SCALING))
		return osp_err_set(err, 400, MPE, "Field [scaling_factor] is required");
	if (type == ST_FIELD_TEXT) {
		if (p->analyzer == NULL)
			p->analyzer = st_analysis_get(an_reg, "default", 7);
		/* search: search_analyzer, then the index's default_search, then analyzer */
		if (p->search_analyzer == NULL)
			p->search_analyzer = st_analysis_get(an_reg, "default_search", 14);
		if (p->search_analyzer == NULL)
			p->search_analyzer = p->analyzer;
		if (!(p->set_mask & ST_FP_PIG))
			p->position_increment_gap = st_analyzer_position_increment_gap(p->analyzer);
	}
	if (type == ST_FIELD_DATE && f->null_value_json) {
		const osp_json_t *nv = f->null_value_json;
		const char *s = nv->type == OSP_JSON_STRING ? nv->u.str : nv->num;
		size_t sl = nv->type == OSP_JSON_STRING ? nv->len : nv->num_len;

		if (st_date_parse(p->date_format, s, sl, 0, &p->null_value_long) < 0)
			return osp_err_set(err, 400, MPE, "Error parsing [null_value] on field [%s]: failed to parse date field [%.*s] with format [%s]",
					   p->name, (int)sl, s, st_date_format_spec(p->date_format));
	}
	ST_JSON_EACH_M(mf, fields) {
		const osp_json_t *t = osp_json_get(mf, "type");
		st_field_type_t mt;
		st_fieldx_t *child;

		if (mf->type != OSP_JSON_OBJECT)
			return osp_err_set(err, 400, MPE,
					   "Expected map for property [fields] on field [%s] but got a class java.lang.String",
					   mf->key);
		if (t == NULL || t->type != OSP_JSON_STRING)
			return osp_err_set(err, 400, MPE, "No type specified for field [%s]", mf->key);
		if (type_lookup(t->u.str, &mt) < 0)
			return osp_err_set(err, 400, MPE, "No handler for type [%s] declared on field [%s]",
					   t->u.str, mf->key);
		if (mt == ST_FIELD_OBJECT)
			return osp_err_set(err, 400, MPE, "Type [object] cannot be used in multi field");
		if ((rc = st_field_parse_leaf(a, an_reg, p, mf->key, mf->key_len, mt, mf, true,
					      &child, err)) < 0)
			return rc;
		st_field_t *dup = st_field_child(p, mf->key, mf->key_len);

		if (dup) {          /* repeated key: the later definition wins */
			*(st_fieldx_t *)dup = *child;
			continue;
		}
		if ((rc = st_field_add_child(a, f, child)) < 0)
			return rc;
	}
	*out = f;
	return 0;
}

/* Apply one field definition (name under obj). */
static int
apply_field(st_mapping_t *m, st_fieldx_t *obj, const char *name, size_t nlen,
	    const osp_json_t *def, bool merging, osp_err_t *err)
{
	const osp_json_t *t = osp_json_get(def, "type");
	st_field_type_t type = ST_FIELD_OBJECT;
	st_fieldx_t *cur = (st_fieldx_t *)st_field_child(&obj->pub, name, nlen);
	int rc;

	if (def->type != OSP_JSON_OBJECT)
		return osp_err_set(err, 400, MPE,
				   "Expected map for property [fields] on field [%.*s] but got a class java.lang.String",
				   (int)nlen, name);
	if (t) {
		if (t->type != OSP_JSON_STRING)
			return osp_err_set(err, 400, MPE, "No type specified for field [%.*s]", (int)nlen, name);
		if (type_lookup(t->u.str, &type) < 0)
			return osp_err_set(err, 400, MPE, "No handler for type [%s] declared on field [%.*s]",
					   t->u.str, (int)nlen, name);
	}
	if (type != ST_FIELD_OBJECT) {
		st_fieldx_t *nf;

		if ((rc = st_field_parse_leaf(&m->arena, m->analysis, &obj->pub, name, nlen, type,
					      def, false, &nf, err)) < 0)
			return rc;
		if (cur == NULL)
			return st_field_add_child(&m->arena, obj, nf);
		if (cur->pub.type == ST_FIELD_OBJECT)
			return osp_err_illegal_argument(err, "can't merge a non object mapping [%s] with an object mapping",
							cur->pub.path);
		return st_field_merge_leaf(m, cur, nf, err);
	}
	if (cur && cur->pub.type != ST_FIELD_OBJECT)
		return osp_err_illegal_argument(err, "mapper [%s] cannot be changed from type [%s] to [object]",
						cur->pub.path, st_field_type_name(cur->pub.type));
	if (cur == NULL) {
		cur = new_field(&m->arena, &obj->pub, name, nlen, ST_FIELD_OBJECT);
		if (cur == NULL || st_field_add_child(&m->arena, obj, cur) < 0)
			return -ENOMEM;
	}
	const osp_json_t *props = NULL;

	ST_JSON_EACH_M(v, def) {
		const char *k = v->key;

		if (strcmp(k, "type") == 0) {
			cur->pub.set_mask |= ST_FP_TYPE;
		} else if (strcmp(k, "properties") == 0) {
			props = v;
		} else if (strcmp(k, "dynamic") == 0) {
			if ((rc = parse_dynamic(v, &cur->pub.dynamic, err)) < 0)
				return rc;
			cur->pub.set_mask |= ST_FP_DYNAMIC;
		} else if (strcmp(k, "enabled") == 0) {
			bool b;

			if ((rc = get_bool(v, &b, err)) < 0)
				return rc;
			if (merging && (cur->pub.set_mask & ST_FP_ENABLED || !b) && cur->pub.enabled != b &&
			    cur->pub.id != UINT32_MAX)
				return osp_err_set(err, 400, MPE,
						   "the [enabled] parameter can't be updated for the object mapping [%s]",
						   cur->pub.path);
			cur->pub.enabled = b;
			cur->pub.set_mask |= ST_FP_ENABLED;
		} else if (strcmp(k, "subobjects") == 0) {
			bool b;

			if ((rc = get_bool(v, &b, err)) < 0)
				return rc;
			if (!b)
				return osp_err_set(err, 400, MPE, "[subobjects] false is not supported on [%s]",
						   cur->pub.path);
		} else {
			return osp_err_set(err, 400, MPE, "Mapping definition for [%s] has unsupported parameters:  [%s : %s]",
					   cur->pub.name, k, v->type == OSP_JSON_STRING ? v->u.str : "...");
		}
	}
	(void)merging;
	return apply_properties(m, cur, props, merging, err);
}

/* Apply a "properties" object to obj: dotted names become object
 * chains, each definition is parsed and attached or merged. */
static int
apply_properties(st_mapping_t *m, st_fieldx_t *obj, const osp_json_t *props, bool merging,
		 osp_err_t *err)
{
	int rc;

	if (props == NULL)
		return 0;
	if (props->type != OSP_JSON_OBJECT)
		return osp_err_set(err, 400, MPE,
				   "Expected map for property [properties] on field [%s] but got a class java.lang.String",
				   obj->pub.path_len ? obj->pub.name : "_doc");
	ST_JSON_EACH_M(v, props) {
		const char *k = v->key;
		size_t kl = v->key_len;
		st_fieldx_t *o = obj;

		if (kl == 0 || k[0] == '.' || k[kl - 1] == '.')
			return osp_err_set(err, 400, MPE, kl ? "field name cannot contain only dots: [%s]" :
					   "field name cannot be an empty string%s", kl ? k : "");
		/* dotted names declare objects: "a.b": {...} is a: {properties: {b: ...}} */
		const char *dot;

		while ((dot = memchr(k, '.', kl)) != NULL) {
			size_t cl = (size_t)(dot - k);
			st_fieldx_t *c = (st_fieldx_t *)st_field_child(&o->pub, k, cl);

			if (cl == 0)
				return osp_err_set(err, 400, MPE, "field name cannot contain only dots: [%s]", v->key);
			if (c == NULL) {
				c = new_field(&m->arena, &o->pub, k, cl, ST_FIELD_OBJECT);
				if (c == NULL || st_field_add_child(&m->arena, o, c) < 0)
					return -ENOMEM;
			} else if (c->pub.type != ST_FIELD_OBJECT) {
				return osp_err_illegal_argument(err, "can't merge a non object mapping [%s] with an object mapping",
								c->pub.path);
			}
			o = c;
			k = dot + 1;
			kl -= cl + 1;
		}
		if ((rc = apply_field(m, o, k, kl, v, merging, err)) < 0)
			return rc;
	}
	return 0;
}

static int
root_unsupported(osp_err_t *err, const osp_json_t *v)
{
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;

	if (v->type == OSP_JSON_STRING) {
		osp_buf_puts(&b, v->u.str);
	} else {
		osp_jw_init(&w, &b, 0);
		osp_jw_value(&w, v);
	}
	int rc = osp_err_set(err, 400, MPE, "Root mapping definition has unsupported parameters:  [%s : %s]",
			     v->key, b.data ? b.data : "");

	osp_buf_free(&b);
	return rc;
}

/* _source / _routing bodies. */
static int
apply_meta_field(st_mapping_t *m, const osp_json_t *v, bool merging, osp_err_t *err)
{
	bool source = strcmp(v->key, "_source") == 0;
	int rc;

	if (v->type != OSP_JSON_OBJECT)
		return osp_err_set(err, 400, MPE, "[%s] config must be an object", v->key);
	ST_JSON_EACH_M(p, v) {
		bool b;

		if (source && strcmp(p->key, "enabled") == 0) {
			if ((rc = get_bool(p, &b, err)) < 0)
				return rc;
			if (merging && m->source_enabled != b)
				return osp_err_illegal_argument(err, "Mapper for [_source] conflicts with existing mapper:\n\t"
								"Cannot update parameter [enabled] from [%s] to [%s]",
								st_bstr(m->source_enabled), st_bstr(b));
			m->source_enabled = b;
			m->source_set = true;
		} else if (source && (strcmp(p->key, "includes") == 0 || strcmp(p->key, "excludes") == 0)) {
			/* a new object: the other list kept, this one replaced */
			osp_json_t *o = osp_json_new_object(&m->arena);
			bool ok = p->type == OSP_JSON_ARRAY || p->type == OSP_JSON_STRING;

			ST_JSON_EACH_M(x, p->type == OSP_JSON_ARRAY ? p : NULL)
				ok = ok && x->type == OSP_JSON_STRING;
			if (!ok)
				return osp_err_set(err, 400, MPE, "[_source] %s must be an array of strings", p->key);
			if (o == NULL)
				return -ENOMEM;
			ST_JSON_EACH_M(x, m->source_extra)
				if (strcmp(x->key, p->key) != 0 &&
				    osp_json_append(&m->arena, o, x->key, x->key_len, osp_json_clone(&m->arena, x)) < 0)
					return -ENOMEM;
			if (osp_json_append(&m->arena, o, p->key, p->key_len, osp_json_clone(&m->arena, p)) < 0)
				return -ENOMEM;
			m->source_extra = o;
		} else if (!source && strcmp(p->key, "required") == 0) {
			if ((rc = get_bool(p, &b, err)) < 0)
				return rc;
			if (merging && m->routing_required != b)
				return osp_err_illegal_argument(err, "Mapper for [_routing] conflicts with existing mapper:\n\t"
								"Cannot update parameter [required] from [%s] to [%s]",
								st_bstr(m->routing_required), st_bstr(b));
			m->routing_required = b;
		} else {
			return osp_err_set(err, 400, MPE, "unknown parameter [%s] on metadata field [%s]", p->key, v->key);
		}
	}
	return 0;
}

int
st_mapping_apply(st_mapping_t *m, const osp_json_t *body, bool merging, osp_err_t *err)
{
	const osp_json_t *props = NULL;
	int rc;

	if (body == NULL || body->type == OSP_JSON_NULL)
		return 0;
	if (body->type != OSP_JSON_OBJECT)
		return osp_err_set(err, 400, MPE, "Failed to parse mapping: mapping must be an object");
	/* a single "_doc" key wraps the mapping (typed form) */
	if (body->len == 1 && osp_json_key_eq(body->u.child, "_doc") &&
	    body->u.child->type == OSP_JSON_OBJECT)
		body = body->u.child;
	ST_JSON_EACH_M(v, body) {
		const char *k = v->key;

		if (strcmp(k, "properties") == 0) {
			props = v;
		} else if (strcmp(k, "dynamic") == 0) {
			if ((rc = parse_dynamic(v, &m->root->pub.dynamic, err)) < 0)
				return rc;
			m->root->pub.set_mask |= ST_FP_DYNAMIC;
		} else if (strcmp(k, "_source") == 0 || strcmp(k, "_routing") == 0) {
			if ((rc = apply_meta_field(m, v, merging, err)) < 0)
				return rc;
		} else if (strcmp(k, "date_detection") == 0 || strcmp(k, "numeric_detection") == 0) {
			bool b;

			if ((rc = get_bool(v, &b, err)) < 0)
				return rc;
			if (k[0] == 'd')
				m->date_detection = b;
			else
				m->numeric_detection = b;
		} else if (strcmp(k, "dynamic_date_formats") == 0) {
			const osp_json_t *arr = v;
			uint32_t n = v->type == OSP_JSON_ARRAY ? v->len : 1;
			const st_date_format_t **fs = osp_arena_calloc(&m->arena, sizeof(*fs) * (n + 1));
			const char **specs = osp_arena_calloc(&m->arena, sizeof(*specs) * (n + 1));
			uint32_t i = 0;

			if (fs == NULL || specs == NULL)
				return -ENOMEM;
			if (v->type == OSP_JSON_STRING)
				arr = NULL;
			for (const osp_json_t *x = arr ? arr->u.child : v; x; x = arr ? x->next : NULL) {
				st_date_format_t *df;

				if (x->type != OSP_JSON_STRING)
					return osp_err_set(err, 400, MPE, "Invalid format: [%s]: expected string value", k);
				if ((rc = st_date_format_compile(&m->arena, x->u.str, x->len, &df, err)) < 0) {
					if (rc == -EINVAL)
						snprintf(err->type, sizeof(err->type), MPE);
					return rc;
				}
				fs[i] = df;
				specs[i++] = st_date_format_spec(df);
			}
			m->ddf = fs;
			m->ddf_specs = specs;
			m->n_ddf = i;
			m->dynamic_date_formats = osp_json_clone(&m->arena, v);
		} else if (strcmp(k, "_meta") == 0) {
			if (v->type != OSP_JSON_OBJECT)
				return osp_err_set(err, 400, MPE, "[_meta] must be an object");
			m->meta = osp_json_clone(&m->arena, v);
		} else if (strcmp(k, "dynamic_templates") == 0) {
			const osp_json_t *tv = osp_json_clone(&m->arena, v);

			if (tv == NULL)
				return -ENOMEM;
			if (merging && m->dynamic_templates &&
			    (rc = st_dyn_templates_merge(m, m->dynamic_templates, v, &tv, err)) < 0)
				return rc;
			if ((rc = st_dyn_templates_compile(m, tv, err)) < 0)
				return rc;
			m->dynamic_templates = tv;
		} else {
			return root_unsupported(err, v);
		}
	}
	return apply_properties(m, m->root, props, merging, err);
}

