/*
 * json_write.c - the streaming JSON writer of osprey/json.h.
 *
 * The writer appends to a caller-owned osp_buf_t and keeps one bit per open
 * container (64 levels) saying whether a value was already written there,
 * which places commas without the caller's help. Pretty mode reproduces
 * Elasticsearch's ?pretty (Jackson's DefaultPrettyPrinter with a two-space
 * LF indenter for objects and arrays): "{\n  \"a\" : 1\n}", empty containers
 * as "{ }" and "[ ]". osp_jw_value walks a tree iteratively with its own
 * stack, so trees deeper than 64 levels are written too, and prints numbers
 * as Elasticsearch re-serializes parsed ones (Java doubles). Failures surface
 * only through the buffer's failed flag (nesting deeper than 64 through the
 * begin/end calls also sets it).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_int.h"

#define JW_MAX_DEPTH 64u

static const char spaces[] = "                                                                ";

static void
indent(osp_buf_t *b, size_t level)
{
	size_t n = level * 2;

	json_out_putc(b, '\n');
	while (n) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		json_out_append(b, spaces, k);
		n -= k;
	}
}

void
osp_jw_init(osp_jw_t *w, osp_buf_t *out, int pretty)
{
	w->out = out;
	w->depth = 0;
	w->need_comma = 0;
	w->pretty = pretty;
	w->after_key = 0;
}

/* Comma and indentation before a value or a member name. */
static void
before_value(osp_jw_t *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->depth == 0)
		return;
	if (w->depth > JW_MAX_DEPTH) {
		w->out->failed = 1;
		return;
	}
	uint64_t bit = 1ULL << (w->depth - 1);

	if (w->need_comma & bit)
		json_out_putc(w->out, ',');
	w->need_comma |= bit;
	if (w->pretty)
		indent(w->out, w->depth);
}

static void
begin(osp_jw_t *w, char c)
{
	before_value(w);
	json_out_putc(w->out, c);
	w->depth++;
	if (w->depth > JW_MAX_DEPTH)
		w->out->failed = 1;
	else
		w->need_comma &= ~(1ULL << (w->depth - 1));
}

static void
end(osp_jw_t *w, char c)
{
	if (w->depth == 0) {
		w->out->failed = 1;     /* unbalanced */
		return;
	}
	bool had = w->depth <= JW_MAX_DEPTH && (w->need_comma & (1ULL << (w->depth - 1)));

	w->depth--;
	w->after_key = 0;
	if (w->pretty) {
		if (had)
			indent(w->out, w->depth);
		else
			json_out_putc(w->out, ' ');
	}
	json_out_putc(w->out, c);
}

void
osp_jw_obj_begin(osp_jw_t *w)
{
	begin(w, '{');
}

void
osp_jw_obj_end(osp_jw_t *w)
{
	end(w, '}');
}

void
osp_jw_arr_begin(osp_jw_t *w)
{
	begin(w, '[');
}

void
osp_jw_arr_end(osp_jw_t *w)
{
	end(w, ']');
}

static void
quoted(osp_buf_t *b, const char *s, size_t n)
{
	json_out_putc(b, '"');
	osp_json_escape(b, s, n);
	json_out_putc(b, '"');
}

void
osp_jw_keyn(osp_jw_t *w, const char *key, size_t n)
{
	before_value(w);
	quoted(w->out, key, n);
	if (w->pretty)
		json_out_append(w->out, " : ", 3);
	else
		json_out_putc(w->out, ':');
	w->after_key = 1;
}

void
osp_jw_key(osp_jw_t *w, const char *key)
{
	osp_jw_keyn(w, key, strlen(key));
}

void
osp_jw_strn(osp_jw_t *w, const char *s, size_t n)
{
	before_value(w);
	quoted(w->out, s, n);
}

void
osp_jw_str(osp_jw_t *w, const char *s)
{
	osp_jw_strn(w, s, strlen(s));
}

static size_t
fmt_u64(char *buf, uint64_t v)
{
	char tmp[24];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t k = 0; k < n; k++)
		buf[k] = tmp[n - 1 - k];
	return n;
}

static void
put_int(osp_buf_t *b, int64_t v)
{
	char buf[24];
	size_t n = 0;
	uint64_t u = (uint64_t)v;

	if (v < 0) {
		buf[n++] = '-';
		u = 0 - u;
	}
	n += fmt_u64(buf + n, u);
	json_out_append(b, buf, n);
}

void
osp_jw_int(osp_jw_t *w, int64_t v)
{
	before_value(w);
	put_int(w->out, v);
}

void
osp_jw_uint(osp_jw_t *w, uint64_t v)
{
	char buf[24];

	before_value(w);
	json_out_append(w->out, buf, fmt_u64(buf, v));
}

static void
put_double(osp_buf_t *b, double v)
{
	char buf[40];

	if (!isfinite(v)) {
		json_out_append(b, "null", 4);
		return;
	}
	json_out_append(b, buf, osp_json_num_format(buf, v));
}

void
osp_jw_double(osp_jw_t *w, double v)
{
	before_value(w);
	put_double(w->out, v);
}

void
osp_jw_bool(osp_jw_t *w, bool v)
{
	before_value(w);
	if (v)
		json_out_append(w->out, "true", 4);
	else
		json_out_append(w->out, "false", 5);
}

void
osp_jw_null(osp_jw_t *w)
{
	before_value(w);
	json_out_append(w->out, "null", 4);
}

/* Compact: the bytes verbatim (Elasticsearch returns a stored _source as
 * indexed). Pretty: Elasticsearch re-formats it (it cannot write raw bytes
 * through a pretty printer), so parse and write it as a value; input that
 * does not parse is written verbatim. */
void
osp_jw_raw(osp_jw_t *w, const char *json, size_t n)
{
	if (w->pretty) {
		osp_arena_t a;
		osp_json_t *v;
		osp_json_error_t err;

		/* a stored _source may hold comments (accepted at index time,
		 * dropped by Elasticsearch's re-formatting) */
		osp_json_limits_t lim = { .max_depth = 0, .max_bytes = SIZE_MAX,
					  .allow_comments = true };

		osp_arena_init(&a, 0, 0);
		int rc = osp_json_parse(&a, json, n, &lim, &v, &err);

		if (rc == 0)
			osp_jw_value(w, v);
		else if (rc == -ENOMEM)
			w->out->failed = 1;
		osp_arena_free(&a);
		if (rc != -EINVAL)
			return;
	}
	before_value(w);
	json_out_append(w->out, json, n);
}

void
osp_jw_kv_str(osp_jw_t *w, const char *key, const char *s)
{
	osp_jw_key(w, key);
	osp_jw_str(w, s);
}

void
osp_jw_kv_int(osp_jw_t *w, const char *key, int64_t v)
{
	osp_jw_key(w, key);
	osp_jw_int(w, v);
}

void
osp_jw_kv_bool(osp_jw_t *w, const char *key, bool v)
{
	osp_jw_key(w, key);
	osp_jw_bool(w, v);
}

/* A number as Elasticsearch re-serializes a parsed one (Jackson's
 * copyCurrentStructure): integers as integers ("-0" is 0), integer literals
 * beyond int64 verbatim (BigInteger), everything else as Double.toString of
 * the value ("1.50" -> 1.5, "1e5" -> 100000.0); a literal whose value
 * overflows a double stays verbatim. Built doubles have no literal. */
static void
put_number(osp_buf_t *b, const osp_json_t *v)
{
	if (v->is_int) {
		put_int(b, v->i);
		return;
	}
	if (v->num == NULL) {
		put_double(b, v->d);
		return;
	}
	char buf[48];
	size_t n;

	if (v->num_len < sizeof(buf) - 2 &&
	    (n = osp_json_num_java_literal(v->num, v->num_len, buf)) != 0) {
		json_out_append(b, buf, n);
		return;
	}
	if (!isfinite(v->d) || (!memchr(v->num, '.', v->num_len) &&
				!memchr(v->num, 'e', v->num_len) &&
				!memchr(v->num, 'E', v->num_len))) {
		json_out_append(b, v->num, v->num_len);
		return;
	}
	put_double(b, v->d);
}

int
osp_jw_finish(osp_jw_t *w)
{
	if (w->depth != 0 || w->after_key)
		return -EINVAL;
	if (w->pretty)
		json_out_putc(w->out, '\n');
	return osp_buf_failed(w->out) ? -ENOMEM : 0;
}

/* Write a scalar, or open a container; true when a container with children
 * was opened (the caller pushes it). */
static bool
emit(osp_buf_t *b, const osp_json_t *v, int pretty)
{
	switch (v->type) {
	case OSP_JSON_NULL:
		json_out_append(b, "null", 4);
		return false;
	case OSP_JSON_BOOL:
		if (v->boolean)
			json_out_append(b, "true", 4);
		else
			json_out_append(b, "false", 5);
		return false;
	case OSP_JSON_NUMBER:
		put_number(b, v);
		return false;
	case OSP_JSON_STRING:
		quoted(b, v->u.str, v->len);
		return false;
	case OSP_JSON_ARRAY:
	case OSP_JSON_OBJECT: {
		bool obj = v->type == OSP_JSON_OBJECT;

		json_out_putc(b, obj ? '{' : '[');
		if (v->u.child)
			return true;
		if (pretty)
			json_out_putc(b, ' ');
		json_out_putc(b, obj ? '}' : ']');
		return false;
	}
	}
	json_out_append(b, "null", 4);
	return false;
}

/* One open container of osp_jw_value's walk: the next child to write. */
typedef struct jw_frame {
	const osp_json_t *node;
	const osp_json_t *next;
} jw_frame_t;

void
osp_jw_value(osp_jw_t *w, const osp_json_t *v)
{
	jw_frame_t small[JW_MAX_DEPTH], *st = small;
	size_t cap = JW_MAX_DEPTH, n = 0;
	osp_buf_t *b = w->out;
	size_t base = w->depth;

	if (v == NULL) {
		osp_jw_null(w);
		return;
	}
	before_value(w);
	if (!emit(b, v, w->pretty))
		return;
	st[n++] = (jw_frame_t){ v, v->u.child };
	while (n && !b->failed) {
		jw_frame_t *f = &st[n - 1];
		const osp_json_t *c = f->next;

		if (c == NULL) {
			n--;
			if (w->pretty)
				indent(b, base + n);
			json_out_putc(b, f->node->type == OSP_JSON_OBJECT ? '}' : ']');
			continue;
		}
		if (c != f->node->u.child)
			json_out_putc(b, ',');
		f->next = c->next;
		if (w->pretty)
			indent(b, base + n);
		if (f->node->type == OSP_JSON_OBJECT) {
			quoted(b, c->key ? c->key : "", c->key_len);
			if (w->pretty)
				json_out_append(b, " : ", 3);
			else
				json_out_putc(b, ':');
		}
		if (!emit(b, c, w->pretty))
			continue;
		if (n == cap) {
			jw_frame_t *ns = malloc(cap * 2 * sizeof(*ns));

			if (ns == NULL) {
				b->failed = 1;
				break;
			}
			memcpy(ns, st, n * sizeof(*ns));
			if (st != small)
				free(st);
			st = ns;
			cap *= 2;
		}
		st[n++] = (jw_frame_t){ c, c->u.child };
	}
	if (st != small)
		free(st);
}
