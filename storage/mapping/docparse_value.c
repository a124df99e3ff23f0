/*
 * docparse_value.c - converting one JSON value into indexable values for a
 * field, as Elasticsearch's field mappers do: number coercion and range
 * checks, booleans, dates, keyword ignore_above and normalizers, text
 * analysis with position gaps, null_value, and the error messages with
 * their [line:col] prefix and caused_by.
 *
 * Values accumulate per field in arena arrays; a field's slot is found
 * through the field-id table, so nothing is malloc'ed per value.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docparse_int.h"

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

int
st_dp_fail_at(dp_t *c, const osp_json_t *v, const char *type, const char *fmt, ...)
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
int
st_dp_fail_field(dp_t *c, const st_field_t *f, const osp_json_t *v, const char *cause_type,
	   const char *cause_fmt, ...)
{
	osp_buf_t b = OSP_BUF_INIT;
	va_list ap;

	preview(&b, v);
	int rc = st_dp_fail_at(c, v, DPE, "failed to parse field [%s] of type [%s] in document with id '%s'. "
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
int
st_dp_grow(osp_arena_t *a, void **arr, uint32_t n, uint32_t *cap, size_t elem)
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
	if (st_dp_grow(c->a, (void **)&df->longs, df->n_values, &df->cap, sizeof(int64_t)) < 0)
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
	if (st_dp_grow(c->a, (void **)&df->doubles, df->n_values, &df->cap, sizeof(double)) < 0)
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

/* Count an ignored value of f and remember f's path once (_ignored). */
static int
note_ignored(dp_t *c, const st_field_t *f)
{
	st_doc_t *d = c->out;

	d->ignored_count++;
	for (uint32_t i = 0; i < d->n_ignored; i++)
		if (d->ignored[i] == f->path)
			return 0;
	if (st_dp_grow(c->a, (void **)&d->ignored, d->n_ignored, &d->ignored_cap, sizeof(*d->ignored)) < 0)
		return -ENOMEM;
	d->ignored[d->n_ignored++] = f->path;
	return 0;
}

/* Lucene's limit on one indexed term. */
#define MAX_TERM_BYTES 32766

/* Lucene's "immense term" rejection, as Elasticsearch reports it. */
static int
immense(dp_t *c, const st_field_t *f, const char *t, size_t n)
{
	char prefix[200];
	size_t o = 0;

	o += (size_t)snprintf(prefix, sizeof(prefix), "[");
	for (size_t i = 0; i < 30 && i < n; i++)
		o += (size_t)snprintf(prefix + o, sizeof(prefix) - o, "%s%d", i ? ", " : "", (int)(int8_t)t[i]);
	snprintf(prefix + o, sizeof(prefix) - o, "]");
	int rc = osp_err_set(c->err, 400, "illegal_argument_exception",
			     "Document contains at least one immense term in field=\"%s\" (whose UTF8 encoding is "
			     "longer than the max length %d), all of which were skipped.  Please correct the analyzer "
			     "to not produce such terms.  The prefix of the first immense term is: '%s...', original "
			     "message: bytes can be at most %d in length; got %zu", f->path, MAX_TERM_BYTES, prefix,
			     MAX_TERM_BYTES, n);

	snprintf(c->err->caused_by_type, sizeof(c->err->caused_by_type), "max_bytes_length_exceeded_exception");
	snprintf(c->err->caused_by_reason, sizeof(c->err->caused_by_reason),
		 "bytes can be at most %d in length; got %zu", MAX_TERM_BYTES, n);
	return rc;
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

/* Add one keyword value: over ignore_above it is only counted as
 * ignored; a normalizer rewrites it; the term is copied into the arena. */
static int
add_keyword(dp_t *c, const st_field_t *f, const char *s, size_t n)
{
	slot_t *sl;
	st_doc_field_t *df;

	if (f->ignore_above != INT32_MAX && utf16_len(s, n) > (uint32_t)f->ignore_above)
		return note_ignored(c, f);
	if (f->id == UINT32_MAX || (!f->index && !f->doc_values))
		return 0;
	if ((df = slot_for(c, f, &sl)) == NULL)
		return -ENOMEM;
	if (st_dp_grow(c->a, (void **)&df->terms, df->n_terms, &df->cap, sizeof(st_term_t)) < 0)
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
	if (t->len > MAX_TERM_BYTES && f->index)
		return immense(c, f, t->s, t->len);
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
	uint32_t first = df->n_tokens;

	rc = st_analyze_to_arena(c->actx, f->analyzer, s, n, 0, &sl->pos, c->a,
				 &df->tokens, &df->n_tokens, &df->cap);
	df->length = sl->pos.length;
	for (uint32_t i = first; rc >= 0 && i < df->n_tokens; i++)
		if (df->tokens[i].len > MAX_TERM_BYTES)
			return immense(c, f, df->tokens[i].term, df->tokens[i].len);
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

/* Convert a JSON value to f's numeric type with Elasticsearch's coercion
 * and range rules and store it; returns 1 for "" (treated as null). */
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
			return st_dp_fail_field(c, f, v, "illegal_argument_exception",
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
			return st_dp_fail_field(c, f, v, "illegal_argument_exception", "Value [%.*s] has a decimal part",
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
		return st_dp_fail_field(c, f, v, "illegal_argument_exception", "Value [%.*s] is out of range for %s",
				  (int)n, s, an);
	}
	return add_long(c, f, l) < 0 ? -ENOMEM : 0;
range:
	scalar_text(v, &s, &n);
	if (f->ignore_malformed)
		goto ignored;
	return st_dp_fail_field(c, f, v, "illegal_argument_exception", "Value [%.*s] is out of range for %s",
			  (int)n, s, t == ST_FIELD_LONG ? "a long" : t == ST_FIELD_INTEGER ? "an integer" :
			  t == ST_FIELD_SHORT ? "a short" : "a byte");
nfe:
	if (f->ignore_malformed)
		goto ignored;
	return st_dp_fail_field(c, f, v, "number_format_exception", "For input string: \"%.*s\"", (int)n, s);
ignored:
	return note_ignored(c, f);
}


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
int
st_dp_index_value(dp_t *c, const st_field_t *f, const osp_json_t *v)
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
				rc = note_ignored(c, f);
				break;
			}
			return st_dp_fail_field(c, f, v, "illegal_argument_exception",
					  "Failed to parse value [%.*s] as only [true] or [false] are allowed.", (int)n, s);
		}
		break;
	case ST_FIELD_DATE: {
		int64_t ms;

		scalar_text(v, &s, &n);
		if (v->type == OSP_JSON_BOOL || st_date_parse(f->date_format, s, n, 0, &ms) < 0) {
			if (f->ignore_malformed) {
				rc = note_ignored(c, f);
				break;
			}
			return st_dp_fail_field(c, f, v, "illegal_argument_exception",
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
		rc = st_dp_index_value(c, f->children[i], v);
	if (rc >= 0 && !f->is_multi_field && ((const st_fieldx_t *)f)->extra)
		rc = st_dp_copy_to(c, f, v);
	return rc < 0 ? rc : 0;
}

