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
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping_int.h"

#define DPE "document_parsing_exception"

/* A new field under an existing (immutable) object. */
typedef struct overlay {
	const st_field_t *parent;
	st_fieldx_t *child;
	struct overlay *next;
} overlay_t;

/* Per-field accumulation state. */
typedef struct slot {
	st_analyze_pos_t pos;
	uint32_t values;
} slot_t;

/* Parse state for one document; lives on the stack of st_doc_parse. */
typedef struct dp {
	const st_mapping_t *m;
	st_analysis_ctx_t *actx;
	osp_arena_t *a;
	const char *id;
	const char *src;
	size_t len;
	const osp_json_t *root;
	osp_err_t *err;
	st_doc_t *out;
	uint32_t *slot_of;        /* field id -> slot + 1 */
	slot_t *slots;
	uint32_t fields_cap;
	overlay_t *overlay;
	bool dynamic;             /* provisional fields were created */
	bool in_copy_to;
} dp_t;

/* ---- errors ---- */

static void
preview(osp_buf_t *b, const osp_json_t *v)
{
	switch (v->type) {
	case OSP_JSON_STRING: osp_buf_append(b, v->u.str, v->len); break;
	case OSP_JSON_NUMBER: osp_buf_append(b, v->num, v->num_len); break;
	case OSP_JSON_BOOL: osp_buf_puts(b, v->boolean ? "true" : "false"); break;
	case OSP_JSON_NULL: osp_buf_puts(b, "null"); break;
	case OSP_JSON_ARRAY:
	case OSP_JSON_OBJECT: {    /* Java's Map/List toString */
		bool obj = v->type == OSP_JSON_OBJECT;

		osp_buf_putc(b, obj ? '{' : '[');
		for (const osp_json_t *c = v->u.child; c; c = c->next) {
			if (c != v->u.child)
				osp_buf_puts(b, ", ");
			if (obj) {
				osp_buf_append(b, c->key, c->key_len);
				osp_buf_putc(b, '=');
			}
			preview(b, c);
		}
		osp_buf_putc(b, obj ? '}' : ']');
		break;
	}
	}
}

static int
fail_at(dp_t *c, const osp_json_t *v, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
fail_at(dp_t *c, const osp_json_t *v, const char *type, const char *fmt, ...)
{
	char msg[400];
	int32_t line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	st_json_locate(c->root, v, c->src, c->len, &line, &col);
	int rc = osp_err_set(c->err, 400, type, "[%d:%d] %s", line, col, msg);

	c->err->line = line;
	c->err->col = col;
	return rc;
}

/* "failed to parse field [f] of type [t] in document with id 'x'" with a
 * caused_by. */
static int
fail_field(dp_t *c, const st_field_t *f, const osp_json_t *v, const char *cause_type,
	   const char *cause_fmt, ...) __attribute__((format(printf, 5, 6)));

static int
fail_field(dp_t *c, const st_field_t *f, const osp_json_t *v, const char *cause_type,
	   const char *cause_fmt, ...)
{
	osp_buf_t b = OSP_BUF_INIT;
	va_list ap;

	preview(&b, v);
	int rc = fail_at(c, v, DPE, "failed to parse field [%s] of type [%s] in document with id '%s'. "
			 "Preview of field's value: '%s'", f->path, st_field_type_name(f->type),
			 c->id ? c->id : "", b.data ? b.data : "");

	osp_buf_free(&b);
	snprintf(c->err->caused_by_type, sizeof(c->err->caused_by_type), "%s", cause_type);
	va_start(ap, cause_fmt);
	vsnprintf(c->err->caused_by_reason, sizeof(c->err->caused_by_reason), cause_fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- value storage ---- */

static st_doc_field_t *
slot_for(dp_t *c, const st_field_t *f, slot_t **sl)
{
	if (f->id == UINT32_MAX)       /* provisional: checked, not stored */
		return NULL;
	uint32_t s = c->slot_of[f->id];

	if (s == 0) {
		if (c->out->n_fields == c->fields_cap) {
			uint32_t cap = c->fields_cap ? c->fields_cap * 2 : 16;
			st_doc_field_t *nf = osp_arena_calloc(c->a, sizeof(*nf) * cap);
			slot_t *ns = osp_arena_calloc(c->a, sizeof(*ns) * cap);

			if (nf == NULL || ns == NULL)
				return NULL;
			if (c->out->n_fields) {
				memcpy(nf, c->out->fields, sizeof(*nf) * c->out->n_fields);
				memcpy(ns, c->slots, sizeof(*ns) * c->out->n_fields);
			}
			c->out->fields = nf;
			c->slots = ns;
			c->fields_cap = cap;
		}
		s = ++c->out->n_fields;
		c->slot_of[f->id] = s;
		c->out->fields[s - 1].field = f;
		c->slots[s - 1].pos = (st_analyze_pos_t)ST_ANALYZE_POS_INIT;
	}
	*sl = &c->slots[s - 1];
	return &c->out->fields[s - 1];
}

/* Grow a value array of elem bytes to hold one more. */
static int
grow(osp_arena_t *a, void **arr, uint32_t n, uint32_t *cap, size_t elem)
{
	if (n < *cap)
		return 0;
	uint32_t ncap = *cap ? *cap * 2 : 4;
	void *p = osp_arena_alloc(a, elem * ncap);

	if (p == NULL)
		return -ENOMEM;
	if (n)
		memcpy(p, *arr, elem * n);
	*arr = p;
	*cap = ncap;
	return 0;
}

static int
add_long(dp_t *c, const st_field_t *f, int64_t v)
{
	slot_t *s;
	st_doc_field_t *df;

	if (f->id == UINT32_MAX || (!f->index && !f->doc_values))
		return 0;
	if ((df = slot_for(c, f, &s)) == NULL)
		return -ENOMEM;
	if (grow(c->a, (void **)&df->longs, df->n_values, &df->cap, sizeof(int64_t)) < 0)
		return -ENOMEM;
	df->longs[df->n_values++] = v;
	return 0;
}

static int
add_double(dp_t *c, const st_field_t *f, double v)
{
	slot_t *s;
	st_doc_field_t *df;

	if (f->id == UINT32_MAX || (!f->index && !f->doc_values))
		return 0;
	if ((df = slot_for(c, f, &s)) == NULL)
		return -ENOMEM;
	if (grow(c->a, (void **)&df->doubles, df->n_values, &df->cap, sizeof(double)) < 0)
		return -ENOMEM;
	df->doubles[df->n_values++] = v;
	return 0;
}

static uint32_t
utf16_len(const char *s, size_t n)
{
	uint32_t u = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t b = (uint8_t)s[i];

		if ((b & 0xC0) != 0x80)
			u += b >= 0xF0 ? 2 : 1;
	}
	return u;
}

/* Collects a normalizer's single token into the arena. */
typedef struct norm {
	osp_arena_t *a;
	st_term_t *t;
} norm_t;

static int
norm_cb(void *arg, const st_token_t *tok)
{
	norm_t *n = arg;
	char *s = osp_arena_strndup(n->a, tok->term, tok->len);

	if (s == NULL)
		return -ENOMEM;
	n->t->s = s;
	n->t->len = tok->len;
	return 0;
}

static int
add_keyword(dp_t *c, const st_field_t *f, const char *s, size_t n)
{
	slot_t *sl;
	st_doc_field_t *df;

	if (f->ignore_above != INT32_MAX && utf16_len(s, n) > (uint32_t)f->ignore_above) {
		c->out->ignored_count++;
		return 0;
	}
	if (f->id == UINT32_MAX || (!f->index && !f->doc_values))
		return 0;
	if ((df = slot_for(c, f, &sl)) == NULL)
		return -ENOMEM;
	if (grow(c->a, (void **)&df->terms, df->n_terms, &df->cap, sizeof(st_term_t)) < 0)
		return -ENOMEM;
	st_term_t *t = &df->terms[df->n_terms];

	if (f->normalizer) {
		/* keyword tokenizer: exactly one token */
		t->s = NULL;
		int rc = st_analyze(c->actx, f->normalizer, s, n, 0, NULL, norm_cb, &(norm_t){ c->a, t });

		if (rc < 0)
			return rc;
		if (t->s == NULL)
			return 0;
	} else {
		if ((t->s = osp_arena_strndup(c->a, s, n)) == NULL)
			return -ENOMEM;
		t->len = (uint32_t)n;
	}
	df->n_terms++;
	return 0;
}

static int
add_text(dp_t *c, const st_field_t *f, const char *s, size_t n)
{
	slot_t *sl;
	st_doc_field_t *df;
	int rc;

	if (f->id == UINT32_MAX || !f->index)
		return 0;
	if ((df = slot_for(c, f, &sl)) == NULL)
		return -ENOMEM;
	if (sl->values++)
		st_analyze_pos_next_value(&sl->pos, f->position_increment_gap);
	rc = st_analyze_to_arena(c->actx, f->analyzer, s, n, 0, &sl->pos, c->a,
				 &df->tokens, &df->n_tokens, &df->cap);
	df->length = sl->pos.length;
	return rc < 0 ? rc : 0;
}

/* ---- scalars ---- */

/* Text of a scalar as Elasticsearch's parser.text() gives it. */
static bool
scalar_text(const osp_json_t *v, const char **s, size_t *n)
{
	switch (v->type) {
	case OSP_JSON_STRING: *s = v->u.str; *n = v->len; return true;
	case OSP_JSON_NUMBER: *s = v->num; *n = v->num_len; return true;
	case OSP_JSON_BOOL: *s = v->boolean ? "true" : "false"; *n = strlen(*s); return true;
	default: return false;
	}
}

static double
to_half(double d)
{
	/* round to the nearest half-precision value (11-bit significand) */
	if (d == 0 || !isfinite(d))
		return d;
	int e;
	double mnt = frexp(d, &e);

	if (e < -13)     /* subnormal halves: fixed 2^-24 steps */
		return nearbyint(d * 16777216.0) / 16777216.0;
	return ldexp(nearbyint(ldexp(mnt, 11)), e - 11);
}

static int
parse_number(dp_t *c, const st_field_t *f, const osp_json_t *v)
{
	const char *s;
	size_t n;
	int64_t l = 0;
	double d;
	bool integral = false;
	st_field_type_t t = f->type;

	if (v->type == OSP_JSON_NUMBER) {
		d = v->d;
		if (v->is_int) {
			l = v->i;
			integral = true;
		}
	} else if (v->type == OSP_JSON_STRING) {
		char *end;

		s = v->u.str;
		n = v->len;
		if (n == 0)
			return 1;    /* empty string counts as null */
		bool ok = true;

		for (size_t i = 0; i < n; i++)
			if (!strchr("0123456789+-.eE", s[i]))
				ok = false;
		if (!ok)
			goto nfe;
		d = strtod(s, &end);
		if (end != s + n)
			goto nfe;
		if (!strpbrk(s, ".eE")) {
			errno = 0;
			l = strtoll(s, &end, 10);
			if (errno == ERANGE)
				goto range;
			integral = true;
		}
	} else {
		if (!scalar_text(v, &s, &n))
			return -EINVAL;
		goto nfe;
	}
	if (t == ST_FIELD_DOUBLE || t == ST_FIELD_FLOAT || t == ST_FIELD_HALF_FLOAT ||
	    t == ST_FIELD_SCALED_FLOAT) {
		double x = integral ? (double)l : d;
		const char *tn = st_field_type_name(t);

		if (t == ST_FIELD_FLOAT)
			x = (double)(float)x;
		else if (t == ST_FIELD_HALF_FLOAT)
			x = fabs(x) >= 65520.0 ? x * INFINITY : to_half(x);
		if (!isfinite(x)) {
			scalar_text(v, &s, &n);
			if (f->ignore_malformed)
				goto ignored;
			return fail_field(c, f, v, "illegal_argument_exception",
					  "[%s] supports only finite values, but got [%s]", tn,
					  x > 0 ? "Infinity" : x < 0 ? "-Infinity" : "NaN");
		}
		if (t == ST_FIELD_SCALED_FLOAT)
			return add_long(c, f, (int64_t)floor(x * f->scaling_factor + 0.5)) < 0 ? -ENOMEM : 0;
		return add_double(c, f, x) < 0 ? -ENOMEM : 0;
	}
	if (!integral) {
		if (!isfinite(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0)
			goto range;
		if (d != trunc(d) && !f->coerce) {
			scalar_text(v, &s, &n);
			if (f->ignore_malformed)
				goto ignored;
			return fail_field(c, f, v, "illegal_argument_exception", "Value [%.*s] has a decimal part",
					  (int)n, s);
		}
		l = (int64_t)trunc(d);
	}
	int64_t lo = INT64_MIN, hi = INT64_MAX;
	const char *an = "a long";

	if (t == ST_FIELD_INTEGER) {
		lo = INT32_MIN; hi = INT32_MAX; an = "an integer";
	} else if (t == ST_FIELD_SHORT) {
		lo = INT16_MIN; hi = INT16_MAX; an = "a short";
	} else if (t == ST_FIELD_BYTE) {
		lo = INT8_MIN; hi = INT8_MAX; an = "a byte";
	}
	if (l < lo || l > hi) {
		scalar_text(v, &s, &n);
		if (f->ignore_malformed)
			goto ignored;
		return fail_field(c, f, v, "illegal_argument_exception", "Value [%.*s] is out of range for %s",
				  (int)n, s, an);
	}
	return add_long(c, f, l) < 0 ? -ENOMEM : 0;
range:
	scalar_text(v, &s, &n);
	if (f->ignore_malformed)
		goto ignored;
	return fail_field(c, f, v, "illegal_argument_exception", "Value [%.*s] is out of range for %s",
			  (int)n, s, t == ST_FIELD_LONG ? "a long" : t == ST_FIELD_INTEGER ? "an integer" :
			  t == ST_FIELD_SHORT ? "a short" : "a byte");
nfe:
	if (f->ignore_malformed)
		goto ignored;
	return fail_field(c, f, v, "number_format_exception", "For input string: \"%.*s\"", (int)n, s);
ignored:
	c->out->ignored_count++;
	return 0;
}

static int index_value(dp_t *c, const st_field_t *f, const osp_json_t *v);
static int copy_to(dp_t *c, const st_field_t *f, const osp_json_t *v);

static int
index_null(dp_t *c, const st_field_t *f)
{
	if (!f->has_null_value)
		return 0;
	switch (f->type) {
	case ST_FIELD_KEYWORD:
		return add_keyword(c, f, f->null_value_str, strlen(f->null_value_str));
	case ST_FIELD_DOUBLE: case ST_FIELD_FLOAT: case ST_FIELD_HALF_FLOAT:
		return add_double(c, f, f->null_value_double);
	case ST_FIELD_SCALED_FLOAT:
		return add_long(c, f, (int64_t)floor(f->null_value_double * f->scaling_factor + 0.5));
	default:
		return add_long(c, f, f->null_value_long);
	}
}

/* Index one scalar (or null) into f and its multi-fields. */
static int
index_value(dp_t *c, const st_field_t *f, const osp_json_t *v)
{
	const char *s;
	size_t n;
	int rc = 0;

	if (v->type == OSP_JSON_NULL) {
		rc = index_null(c, f);
		goto multi;
	}
	switch (f->type) {
	case ST_FIELD_TEXT:
		scalar_text(v, &s, &n);
		rc = add_text(c, f, s, n);
		break;
	case ST_FIELD_KEYWORD:
		scalar_text(v, &s, &n);
		rc = add_keyword(c, f, s, n);
		break;
	case ST_FIELD_BOOLEAN:
		if (v->type == OSP_JSON_BOOL) {
			rc = add_long(c, f, v->boolean);
		} else if (v->type == OSP_JSON_STRING && v->len == 0) {
			rc = index_null(c, f);
		} else if (v->type == OSP_JSON_STRING && (strcmp(v->u.str, "true") == 0 ||
							  strcmp(v->u.str, "false") == 0)) {
			rc = add_long(c, f, v->u.str[0] == 't');
		} else {
			scalar_text(v, &s, &n);
			if (f->ignore_malformed) {
				c->out->ignored_count++;
				break;
			}
			return fail_field(c, f, v, "illegal_argument_exception",
					  "Failed to parse value [%.*s] as only [true] or [false] are allowed.", (int)n, s);
		}
		break;
	case ST_FIELD_DATE: {
		int64_t ms;

		scalar_text(v, &s, &n);
		if (v->type == OSP_JSON_BOOL || st_date_parse(f->date_format, s, n, 0, &ms) < 0) {
			if (f->ignore_malformed) {
				c->out->ignored_count++;
				break;
			}
			return fail_field(c, f, v, "illegal_argument_exception",
					  "failed to parse date field [%.*s] with format [%s]", (int)n, s,
					  st_date_format_spec(f->date_format));
		}
		rc = add_long(c, f, ms);
		break;
	}
	default:
		rc = parse_number(c, f, v);
		if (rc == 1)
			rc = index_null(c, f);
		break;
	}
	if (rc < 0)
		return rc;
multi:
	for (uint32_t i = 0; i < f->n_children && rc >= 0; i++)
		rc = index_value(c, f->children[i], v);
	if (rc >= 0 && !f->is_multi_field && ((const st_fieldx_t *)f)->extra)
		rc = copy_to(c, f, v);
	return rc < 0 ? rc : 0;
}

/* ---- dynamic mapping ---- */

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

		if (grow(c->a, (void **)&p->pub.children, p->pub.n_children, &p->children_cap,
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
			return fail_at(c, v, DPE, "object mapping for [%s] tried to parse field [%s] as object, "
				       "but found a concrete value", f->path, f->name);
		if (!f->enabled)
			return 0;
		return parse_object(c, f, v);
	}
	if (v->type == OSP_JSON_OBJECT) {
		rc = fail_field(c, f, v, "illegal_state_exception", "Can't get text on a START_OBJECT");
		snprintf(c->err->caused_by_reason, sizeof(c->err->caused_by_reason),
			 "Can't get text on a START_OBJECT at %d:%d", c->err->line, c->err->col);
		return rc;
	}
	return index_value(c, f, v);
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
			return fail_at(c, v, "strict_dynamic_mapping_exception",
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
		return fail_at(c, v, DPE, "field name cannot be an empty string");
	if (obj->path_len == 0 && k[0] == '_' && is_metadata_field(k, kl))
		return fail_at(c, v, DPE, "Field [%.*s] is a metadata field and cannot be added inside a document. "
			       "Use the index API request parameters.", (int)kl, k);
	while ((dot = memchr(k, '.', kl)) != NULL) {
		size_t cl = (size_t)(dot - k);
		const st_field_t *next;

		if (cl == 0 || cl + 1 == kl)
			return fail_at(c, v, DPE, "field name cannot contain only whitespace or dots: [%.*s]",
				       (int)key_len, key);
		next = lookup(c, cur, k, cl);
		if (next == NULL) {
			uint8_t dyn = dynamic_of(cur);

			if (dyn == ST_DYNAMIC_STRICT)
				return fail_at(c, v, "strict_dynamic_mapping_exception",
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
			return fail_at(c, v, DPE, "Could not dynamically add mapping for field [%.*s]. Existing "
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
static int
copy_to(dp_t *c, const st_field_t *f, const osp_json_t *v)
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
