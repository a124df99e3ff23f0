/*
 * docparse.c - turning a document's _source into indexable values per
 * field (st_doc_parse), with Elasticsearch's coercion, null_value,
 * ignore_above, multi-fields and dynamic mapping.
 *
 * One pass over the parsed JSON tree. Values accumulate per field in arena
 * arrays reached through a field-id -> slot table, so nothing is
 * malloc'ed per value. Fields the mapping does not know are created
 * provisionally (in the caller's arena) so later values of the same
 * document are checked against them, and are reported as a mapping update
 * fragment; the caller merges it and parses again, as Elasticsearch's
 * primary retries after the master acknowledges a dynamic update. Any
 * value that does not fit rejects the whole document.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docparse_int.h"

/* ---- dynamic mapping ---- */

/* A provisional field under parent, allocated in the document's arena
 * (id UINT32_MAX: its values are checked but not stored). */
static st_fieldx_t *
prov_field(dp_t *c, const st_field_t *parent, const char *name, size_t len, st_field_type_t t)
{
	st_fieldx_t *f = osp_arena_calloc(c->a, sizeof(*f));
	size_t pl = parent->path_len ? parent->path_len + 1 + len : len;
	char *path = osp_arena_alloc(c->a, pl + 1);

	if (f == NULL || path == NULL)
		return NULL;
	if (parent->path_len) {
		memcpy(path, parent->path, parent->path_len);
		path[parent->path_len] = '.';
		memcpy(path + parent->path_len + 1, name, len);
	} else {
		memcpy(path, name, len);
	}
	path[pl] = '\0';
	f->pub.path = path;
	f->pub.path_len = (uint32_t)pl;
	f->pub.name = path + (pl - len);
	f->pub.id = UINT32_MAX;
	f->pub.type = (uint8_t)t;
	f->pub.parent = parent;
	f->pub.index = true;
	f->pub.doc_values = t != ST_FIELD_TEXT;
	f->pub.norms = t == ST_FIELD_TEXT;
	f->pub.coerce = true;
	f->pub.enabled = true;
	f->pub.position_increment_gap = 100;
	f->pub.ignore_above = INT32_MAX;
	f->pub.set_mask = t == ST_FIELD_OBJECT ? 0 : ST_FP_TYPE;
	if (t == ST_FIELD_TEXT) {
		f->pub.analyzer = st_analysis_get(st_mapping_analysis(c->m), "default", 7);
		f->pub.search_analyzer = f->pub.analyzer;
	}
	if (t == ST_FIELD_DATE)
		f->pub.date_format = st_date_format_default();
	return f;
}

/* Attach child to parent: provisional parents own their children array,
 * fields of the immutable mapping get an overlay entry. */
static int
attach(dp_t *c, const st_field_t *parent, st_fieldx_t *child)
{
	if (parent->id == UINT32_MAX && parent->path_len) {
		st_fieldx_t *p = (st_fieldx_t *)parent;

		if (st_dp_grow(c->a, (void **)&p->pub.children, p->pub.n_children, &p->children_cap,
			 sizeof(st_field_t *)) < 0)
			return -ENOMEM;
		p->pub.children[p->pub.n_children++] = &child->pub;
		return 0;
	}
	overlay_t *o = osp_arena_alloc(c->a, sizeof(*o));

	if (o == NULL)
		return -ENOMEM;
	o->parent = parent;
	o->child = child;
	o->next = c->overlay;
	c->overlay = o;
	return 0;
}

static const st_field_t *
lookup(dp_t *c, const st_field_t *obj, const char *name, size_t len)
{
	const st_field_t *f = st_field_child(obj, name, len);

	if (f || !c->dynamic)
		return f;
	for (overlay_t *o = c->overlay; o; o = o->next)
		if (o->parent == obj && strlen(o->child->pub.name) == len &&
		    memcmp(o->child->pub.name, name, len) == 0)
			return &o->child->pub;
	return NULL;
}

static uint8_t
dynamic_of(const st_field_t *obj)
{
	for (const st_field_t *o = obj; o; o = o->parent)
		if (o->id != UINT32_MAX || o->path_len == 0 || o->dynamic != ST_DYNAMIC_INHERIT)
			return o->dynamic != ST_DYNAMIC_INHERIT ? o->dynamic :
			       (o->effective_dynamic ? o->effective_dynamic : ST_DYNAMIC_TRUE);
	return ST_DYNAMIC_TRUE;
}

/* Pick the dynamic type for a value (first non-null element of arrays). */
static int
dynamic_type(dp_t *c, const osp_json_t *v, st_field_type_t *t, const st_date_format_t **df,
	     const char **spec)
{
	const st_mapping_t *m = c->m;

	while (v && v->type == OSP_JSON_ARRAY) {
		const osp_json_t *e = v->u.child;

		while (e && e->type == OSP_JSON_NULL)
			e = e->next;
		v = e;
	}
	if (v == NULL || v->type == OSP_JSON_NULL)
		return 0;
	*df = NULL;
	*spec = NULL;
	switch (v->type) {
	case OSP_JSON_BOOL: *t = ST_FIELD_BOOLEAN; return 1;
	case OSP_JSON_NUMBER: *t = v->is_int ? ST_FIELD_LONG : ST_FIELD_FLOAT; return 1;
	case OSP_JSON_OBJECT: *t = ST_FIELD_OBJECT; return 1;
	default: break;
	}
	*t = ST_FIELD_TEXT;
	if (m->date_detection != 0) {
		uint32_t n = m->dynamic_date_formats ? m->n_ddf : 2;

		for (uint32_t i = 0; i < n; i++) {
			const char *sp = NULL;
			const st_date_format_t *f = m->dynamic_date_formats ? m->ddf[i] :
						    st_mapping_ddf_default(i, &sp);
			int64_t ms;

			if (m->dynamic_date_formats)
				sp = m->ddf_specs[i];
			if (f && st_date_parse(f, v->u.str, v->len, 0, &ms) == 0) {
				*t = ST_FIELD_DATE;
				*df = f;
				*spec = sp;
				return 1;
			}
		}
	}
	if (m->numeric_detection == 1 && v->len) {
		char *end;

		(void)strtoll(v->u.str, &end, 10);
		if (*end == '\0') {
			*t = ST_FIELD_LONG;
			return 1;
		}
		(void)strtod(v->u.str, &end);
		if (*end == '\0') {
			*t = ST_FIELD_FLOAT;
			return 1;
		}
	}
	return 1;
}

/* A new field through the first matching dynamic template; *out stays
 * NULL when none matches. */
static int
from_template(dp_t *c, const st_field_t *obj, const char *name, size_t len,
	      const osp_json_t *v, st_field_type_t t, const st_field_t **out)
{
	static const char *const mtypes[] = {
		[ST_FIELD_OBJECT] = "object", [ST_FIELD_TEXT] = "string", [ST_FIELD_LONG] = "long",
		[ST_FIELD_FLOAT] = "double", [ST_FIELD_BOOLEAN] = "boolean", [ST_FIELD_DATE] = "date",
	};
	static const char *const dtypes[] = {
		[ST_FIELD_OBJECT] = "object", [ST_FIELD_TEXT] = "text", [ST_FIELD_LONG] = "long",
		[ST_FIELD_FLOAT] = "float", [ST_FIELD_BOOLEAN] = "boolean", [ST_FIELD_DATE] = "date",
	};
	size_t plen = obj->path_len ? obj->path_len + 1 + len : len;
	char *path = osp_arena_alloc(c->a, plen + 1);
	int rc;

	(void)v;
	if (path == NULL)
		return -ENOMEM;
	snprintf(path, plen + 1, "%s%s%.*s", obj->path, obj->path_len ? "." : "", (int)len, name);
	const st_dyn_template_t *tpl = st_dyn_template_find(c->m, path, plen, name, len, mtypes[t]);

	if (tpl == NULL)
		return 0;
	osp_json_t *def = st_dyn_template_mapping(c->a, tpl->mapping, name, len, dtypes[t]);

	if (def == NULL)
		return -ENOMEM;
	const osp_json_t *ty = osp_json_get(def, "type");
	const char *tn = ty && ty->type == OSP_JSON_STRING ? ty->u.str : dtypes[t];
	st_field_type_t ft = ST_FIELD_OBJECT;
	bool known = false;

	for (int k = ST_FIELD_OBJECT; k <= ST_FIELD_DATE; k++)
		if (strcmp(st_field_type_name((st_field_type_t)k), tn) == 0) {
			ft = (st_field_type_t)k;
			known = true;
		}
	if (!known)
		return osp_err_set(c->err, 400, "mapper_parsing_exception",
				   "No handler for type [%s] declared on field [%.*s]", tn, (int)len, name);
	st_fieldx_t *f;

	if (ft == ST_FIELD_OBJECT) {
		const osp_json_t *en = osp_json_get(def, "enabled");

		if ((f = prov_field(c, obj, name, len, ST_FIELD_OBJECT)) == NULL)
			return -ENOMEM;
		if (en && en->type == OSP_JSON_BOOL && !en->boolean) {
			f->pub.enabled = false;
			f->pub.set_mask |= ST_FP_ENABLED;
		}
	} else if ((rc = st_field_parse_leaf(c->a, st_mapping_analysis(c->m), obj, name, len, ft,
					     def, false, &f, c->err)) < 0) {
		return rc;
	}
	if ((rc = attach(c, obj, f)) < 0)
		return rc;
	c->dynamic = true;
	*out = &f->pub;
	return 0;
}

/* Create the field a new value introduces (dynamic: true): a dynamic
 * template when one matches, else Elasticsearch's defaults; *out stays
 * NULL for null and empty arrays, which create nothing. */
static int
create_dynamic(dp_t *c, const st_field_t *obj, const char *name, size_t len,
	       const osp_json_t *v, const st_field_t **out)
{
	st_field_type_t t;
	const st_date_format_t *df;
	const char *spec;
	int rc = dynamic_type(c, v, &t, &df, &spec);

	*out = NULL;
	if (rc <= 0)
		return rc;
	if (c->m->n_templates) {
		rc = from_template(c, obj, name, len, v, t, out);
		if (rc != 0 || *out)
			return rc < 0 ? rc : 0;
	}
	st_fieldx_t *f = prov_field(c, obj, name, len, t);

	if (f == NULL)
		return -ENOMEM;
	if (t == ST_FIELD_TEXT) {
		st_fieldx_t *kw = prov_field(c, &f->pub, "keyword", 7, ST_FIELD_KEYWORD);
		st_field_t **ch = osp_arena_alloc(c->a, sizeof(*ch));

		if (kw == NULL || ch == NULL)
			return -ENOMEM;
		kw->pub.is_multi_field = true;
		kw->pub.ignore_above = 256;
		kw->pub.set_mask |= ST_FP_IGNORE_ABOVE;
		ch[0] = &kw->pub;
		f->pub.children = ch;
		f->pub.n_children = 1;
		f->children_cap = 1;
	} else if (t == ST_FIELD_DATE && df && spec && strcmp(spec, "strict_date_optional_time") != 0) {
		f->pub.date_format = df;
		f->format_spec = spec;
		f->pub.set_mask |= ST_FP_FORMAT;
	}
	if ((rc = attach(c, obj, f)) < 0)
		return rc;
	c->dynamic = true;
	*out = &f->pub;
	return 0;
}

/* ---- traversal ---- */

static int parse_object(dp_t *c, const st_field_t *obj, const osp_json_t *o);

static int
parse_value(dp_t *c, const st_field_t *f, const osp_json_t *v)
{
	int rc;

	if (v->type == OSP_JSON_ARRAY) {
		for (const osp_json_t *e = v->u.child; e; e = e->next)
			if ((rc = parse_value(c, f, e)) < 0)
				return rc;
		return 0;
	}
	if (f->type == ST_FIELD_OBJECT) {
		if (v->type == OSP_JSON_NULL)
			return 0;
		if (v->type != OSP_JSON_OBJECT)
			return st_dp_fail_at(c, v, DPE, "object mapping for [%s] tried to parse field [%s] as object, "
				       "but found a concrete value", f->path, f->name);
		if (!f->enabled)
			return 0;
		return parse_object(c, f, v);
	}
	if (v->type == OSP_JSON_OBJECT) {
		rc = st_dp_fail_field(c, f, v, "illegal_state_exception", "Can't get text on a START_OBJECT");
		snprintf(c->err->caused_by_reason, sizeof(c->err->caused_by_reason),
			 "Can't get text on a START_OBJECT at %d:%d", c->err->line, c->err->col);
		return rc;
	}
	return st_dp_index_value(c, f, v);
}

static bool
is_metadata_field(const char *k, size_t n)
{
	static const char *const names[] = {
		"_id", "_index", "_routing", "_source", "_seq_no", "_primary_term", "_version",
		"_ignored", "_field_names", "_doc_count", "_tier", "_data_stream_timestamp",
		"_nested_path", "_feature", "_ignored_source",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && memcmp(names[i], k, n) == 0)
			return true;
	return false;
}

static int
parse_member(dp_t *c, const st_field_t *obj, const char *name, size_t len, const osp_json_t *v)
{
	const st_field_t *f = lookup(c, obj, name, len);
	int rc;

	if (f == NULL) {
		uint8_t dyn = dynamic_of(obj);

		if (dyn == ST_DYNAMIC_STRICT)
			return st_dp_fail_at(c, v, "strict_dynamic_mapping_exception",
				       "mapping set to strict, dynamic introduction of [%.*s] within [%s] is not allowed",
				       (int)len, name, obj->path_len ? obj->path : "_doc");
		if (dyn != ST_DYNAMIC_TRUE)
			return 0;
		if ((rc = create_dynamic(c, obj, name, len, v, &f)) < 0)
			return rc;
		if (f == NULL)
			return 0;      /* null / empty array: no mapping yet */
	}
	return parse_value(c, f, v);
}

/* One member "k": v of object obj; dotted keys ("a.b": v) walk or create
 * the objects on the way, as Elasticsearch expands them. */
static int
parse_keyed(dp_t *c, const st_field_t *obj, const char *k, size_t kl, const osp_json_t *v)
{
	const st_field_t *cur = obj;
	const char *key = k, *dot;
	size_t key_len = kl;

	if (kl == 0)
		return st_dp_fail_at(c, v, DPE, "field name cannot be an empty string");
	if (obj->path_len == 0 && k[0] == '_' && is_metadata_field(k, kl))
		return st_dp_fail_at(c, v, DPE, "Field [%.*s] is a metadata field and cannot be added inside a document. "
			       "Use the index API request parameters.", (int)kl, k);
	while ((dot = memchr(k, '.', kl)) != NULL) {
		size_t cl = (size_t)(dot - k);
		const st_field_t *next;

		if (cl == 0 || cl + 1 == kl)
			return st_dp_fail_at(c, v, DPE, "field name cannot contain only whitespace or dots: [%.*s]",
				       (int)key_len, key);
		next = lookup(c, cur, k, cl);
		if (next == NULL) {
			uint8_t dyn = dynamic_of(cur);

			if (dyn == ST_DYNAMIC_STRICT)
				return st_dp_fail_at(c, v, "strict_dynamic_mapping_exception",
					       "mapping set to strict, dynamic introduction of [%.*s] within [%s] is not allowed",
					       (int)cl, k, cur->path_len ? cur->path : "_doc");
			if (dyn != ST_DYNAMIC_TRUE)
				return 0;
			st_fieldx_t *nf = prov_field(c, cur, k, cl, ST_FIELD_OBJECT);

			if (nf == NULL || attach(c, cur, nf) < 0)
				return -ENOMEM;
			c->dynamic = true;
			next = &nf->pub;
		} else if (next->type != ST_FIELD_OBJECT) {
			return st_dp_fail_at(c, v, DPE, "Could not dynamically add mapping for field [%.*s]. Existing "
				       "mapping for [%s] must be of type object but found [%s].",
				       (int)key_len, key, next->path, st_field_type_name(next->type));
		} else if (!next->enabled) {
			return 0;
		}
		cur = next;
		k = dot + 1;
		kl -= cl + 1;
	}
	return parse_member(c, cur, k, kl, v);
}

static int
parse_object(dp_t *c, const st_field_t *obj, const osp_json_t *o)
{
	int rc;

	for (const osp_json_t *v = o->u.child; v; v = v->next)
		if ((rc = parse_keyed(c, obj, v->key, v->key_len, v)) < 0)
			return rc;
	return 0;
}

/* copy_to: the value also goes to each target field (by full path,
 * created dynamically if needed); targets' own copy_to is not followed. */
int
st_dp_copy_to(dp_t *c, const st_field_t *f, const osp_json_t *v)
{
	const osp_json_t *ct = ((const st_fieldx_t *)f)->extra ?
			       osp_json_get(((const st_fieldx_t *)f)->extra, "copy_to") : NULL;
	int rc = 0;

	if (ct == NULL || c->in_copy_to)
		return 0;
	c->in_copy_to = true;
	for (const osp_json_t *t = ct->type == OSP_JSON_ARRAY ? ct->u.child : ct; t && rc >= 0;
	     t = ct->type == OSP_JSON_ARRAY ? t->next : NULL)
		if (t->type == OSP_JSON_STRING)
			rc = parse_keyed(c, st_mapping_root(c->m), t->u.str, t->len, v);
	c->in_copy_to = false;
	return rc;
}

/* ---- the update fragment ---- */

/* {"properties": {...}} object for the field at path (creating the chain). */
static osp_json_t *
props_for(dp_t *c, osp_json_t *root, const st_field_t *obj)
{
	if (obj == NULL || obj->path_len == 0)
		return osp_json_get(root, "properties");
	osp_json_t *pp = props_for(c, root, obj->parent);

	if (pp == NULL)
		return NULL;
	osp_json_t *o = osp_json_get(pp, obj->name);

	if (o == NULL) {
		o = osp_json_new_object(c->a);
		if (o == NULL || osp_json_append(c->a, pp, obj->name, strlen(obj->name), o) < 0)
			return NULL;
	}
	osp_json_t *p = osp_json_get(o, "properties");

	if (p == NULL) {
		p = osp_json_new_object(c->a);
		if (p == NULL || osp_json_append(c->a, o, "properties", 10, p) < 0)
			return NULL;
	}
	return p;
}

/* Turn the provisional fields into the mapping update fragment
 * ({"properties":{...}} nested by parent path) in the document's arena. */
static int
build_update(dp_t *c)
{
	osp_json_t *root = osp_json_new_object(c->a), *props = osp_json_new_object(c->a);
	osp_buf_t b = OSP_BUF_INIT;
	int rc = -ENOMEM;

	if (root == NULL || props == NULL || osp_json_append(c->a, root, "properties", 10, props) < 0)
		return -ENOMEM;
	/* overlay is newest first; walk it oldest first for document order */
	uint32_t n = 0;

	for (overlay_t *o = c->overlay; o; o = o->next)
		n++;
	overlay_t **ord = osp_arena_alloc(c->a, sizeof(*ord) * (n ? n : 1));

	if (ord == NULL)
		return -ENOMEM;
	for (overlay_t *o = c->overlay; o; o = o->next)
		ord[--n] = o;
	for (overlay_t *o = c->overlay; o; o = o->next)
		n++;
	for (uint32_t i = 0; i < n; i++) {
		osp_json_t *pp = props_for(c, root, ord[i]->parent), *def;
		osp_json_error_t je;
		osp_jw_t w;

		if (pp == NULL)
			goto cleanup;
		osp_buf_clear(&b);
		osp_jw_init(&w, &b, 0);
		st_field_write(ord[i]->child, &w);
		if (osp_buf_failed(&b) || osp_json_parse(c->a, b.data, b.len, NULL, &def, &je) < 0)
			goto cleanup;
		if (osp_json_append(c->a, pp, ord[i]->child->pub.name, strlen(ord[i]->child->pub.name), def) < 0)
			goto cleanup;
	}
	c->out->mapping_update = root;
	rc = 0;
cleanup:
	osp_buf_free(&b);
	return rc;
}

int
st_doc_parse(const st_mapping_t *m, st_analysis_ctx_t *ctx, const char *id,
	     const char *src, size_t len, osp_arena_t *a, st_doc_t *out,
	     osp_err_t *err)
{
	dp_t c = {
		.m = m, .actx = ctx, .a = a, .id = id, .src = src, .len = len,
		.err = err, .out = out,
	};
	osp_json_t *root = NULL;
	osp_json_error_t je;
	int rc;

	memset(out, 0, sizeof(*out));
	size_t ws = 0;

	while (ws < len && strchr(" \t\r\n", src[ws]))
		ws++;
	if (ws == len)
		return osp_err_set(err, 400, DPE, "failed to parse, document is empty");
	rc = osp_json_parse(a, src, len, NULL, &root, &je);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		rc = osp_err_set(err, 400, DPE, "[%u:%u] failed to parse", je.line, je.column);
		err->line = (int32_t)je.line;
		err->col = (int32_t)je.column;
		snprintf(err->caused_by_type, sizeof(err->caused_by_type), "json_parse_exception");
		snprintf(err->caused_by_reason, sizeof(err->caused_by_reason), "%s", je.msg);
		return rc;
	}
	if (root->type != OSP_JSON_OBJECT)
		return osp_err_set(err, 400, DPE, "[1:1] failed to parse: root of the document must be an object");
	c.root = root;
	out->source = root;
	c.slot_of = osp_arena_calloc(a, sizeof(*c.slot_of) * (st_mapping_field_count(m) + 1));
	if (c.slot_of == NULL)
		return -ENOMEM;
	if ((rc = parse_object(&c, st_mapping_root(m), root)) < 0)
		return rc;
	if (c.dynamic && c.overlay) {
		out->n_fields = 0;
		out->fields = NULL;
		return build_update(&c);
	}
	return 0;
}

