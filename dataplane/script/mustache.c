/*
 * mustache.c - Elasticsearch's flavour of Mustache (dp_mustache.h).
 *
 * No compile step: the renderer walks the template text directly. A section
 * tag finds its matching close tag by counting nested sections of the same
 * name (as Mustache.java matches them), and the section body is rendered
 * once per element with the element pushed on a small context stack. Names
 * resolve from the top of the stack down by their first dotted component;
 * the remaining components must resolve inside the frame that matched.
 * Standalone-line whitespace is kept as written (JSON bodies do not care).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dp_mustache.h"

#define MU_MAX_STACK 64

typedef struct mu {
	const char *tpl;              /* whole template, for error reasons */
	size_t tpl_len;
	const osp_json_t *stack[MU_MAX_STACK];
	int depth;
	int nesting;                  /* sections being rendered, pushed or not */
	dp_mustache_escape_t esc;
	osp_err_t *err;
	osp_buf_t *out;
} mu_t;

/* One parsed tag: kind ('\0' variable, '{' triple, '&', '#', '^', '/',
 * '!', '>', '='), its trimmed name, and where the text after it starts. */
typedef struct mu_tag {
	char kind;
	const char *name;
	size_t name_len;
	const char *start;            /* the "{{" */
	const char *after;
} mu_tag_t;

static int
mu_fail(mu_t *m, const char *what, size_t off)
{
	unsigned line = 1;

	for (size_t i = 0; i < off && i < m->tpl_len; i++)
		line += m->tpl[i] == '\n';
	osp_err_set(m->err, 400, "general_script_exception",
		    "Failed to compile inline script [%.*s] using lang [mustache]",
		    (int)(m->tpl_len > 200 ? 200 : m->tpl_len), m->tpl);
	snprintf(m->err->caused_by_type, sizeof(m->err->caused_by_type), "mustache_exception");
	snprintf(m->err->caused_by_reason, sizeof(m->err->caused_by_reason), "%s @[query-template:%u]",
		 what, line);
	return -EINVAL;
}

/* Next tag at or after p; 0 found, 1 none, -EINVAL malformed. */
static int
mu_next_tag(mu_t *m, const char *p, const char *end, mu_tag_t *t)
{
	const char *o = memmem(p, (size_t)(end - p), "{{", 2);
	const char *q, *close;
	size_t close_len = 2;

	if (o == NULL)
		return 1;
	t->start = o;
	q = o + 2;
	t->kind = '\0';
	if (q < end && strchr("{&#^/!>=", *q) != NULL)
		t->kind = *q++;
	if (t->kind == '{')
		close_len = 3;
	close = memmem(q, (size_t)(end - q), t->kind == '{' ? "}}}" : "}}", close_len);
	if (close == NULL)
		return mu_fail(m, t->kind == '!' ? "Improperly closed comment" : "Improperly closed variable",
			       (size_t)(o - m->tpl));
	t->after = close + close_len;
	while (q < close && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
		q++;
	while (close > q && (close[-1] == ' ' || close[-1] == '\t' || close[-1] == '\n' || close[-1] == '\r'))
		close--;
	t->name = q;
	t->name_len = (size_t)(close - q);
	return 0;
}

/* Child of v named by one path component (object key or list index). */
static const osp_json_t *
mu_child(const osp_json_t *v, const char *k, size_t n)
{
	if (osp_json_is(v, OSP_JSON_OBJECT))
		return osp_json_getn(v, k, n);
	if (osp_json_is(v, OSP_JSON_ARRAY) && n > 0 && n < 10) {
		uint32_t idx = 0;

		for (size_t i = 0; i < n; i++) {
			if (k[i] < '0' || k[i] > '9')
				return NULL;
			idx = idx * 10 + (uint32_t)(k[i] - '0');
		}
		return osp_json_at(v, idx);
	}
	return NULL;
}

/* Resolve a (dotted) name against the context stack; NULL when missing. */
static const osp_json_t *
mu_lookup(const mu_t *m, const char *name, size_t n)
{
	const osp_json_t *v = NULL;
	const char *dot;
	size_t first;

	if (m->depth == 0)
		return NULL;
	if (n == 1 && name[0] == '.')
		return m->stack[m->depth - 1];
	dot = memchr(name, '.', n);
	first = dot ? (size_t)(dot - name) : n;
	for (int i = m->depth - 1; i >= 0 && v == NULL; i--)
		v = mu_child(m->stack[i], name, first);
	while (v && dot) {
		const char *k = dot + 1;

		dot = memchr(k, '.', (size_t)(name + n - k));
		v = mu_child(v, k, dot ? (size_t)(dot - k) : (size_t)(name + n - k));
	}
	return v;
}

/* Text of a scalar as Java's toString gives it; containers as JSON. */
static void
mu_text(osp_buf_t *b, const osp_json_t *v)
{
	osp_jw_t w;

	switch (v->type) {
	case OSP_JSON_NULL:
		return;
	case OSP_JSON_STRING:
		osp_buf_append(b, v->u.str, v->len);
		return;
	case OSP_JSON_BOOL:
		osp_buf_puts(b, v->boolean ? "true" : "false");
		return;
	default:
		osp_jw_init(&w, b, 0);
		osp_jw_value(&w, v);
		return;
	}
}

static void
mu_emit(mu_t *m, const osp_json_t *v, bool escape)
{
	osp_buf_t tmp;

	if (v == NULL)
		return;
	if (!escape || m->esc == DP_MUSTACHE_ESCAPE_NONE) {
		mu_text(m->out, v);
		return;
	}
	osp_buf_init(&tmp);
	mu_text(&tmp, v);
	osp_json_escape(m->out, tmp.data ? tmp.data : "", tmp.len);
	osp_buf_free(&tmp);
}

static bool
mu_truthy(const osp_json_t *v)
{
	if (v == NULL || v->type == OSP_JSON_NULL)
		return false;
	if (v->type == OSP_JSON_BOOL)
		return v->boolean;
	if (v->type == OSP_JSON_ARRAY || v->type == OSP_JSON_STRING)
		return v->len > 0;
	return true;
}

/* Find the close tag of section name that starts at p: *inner_end is the
 * "{{" of the close tag, *after the text after it. */
static int
mu_find_close(mu_t *m, const char *p, const char *end, const mu_tag_t *open,
	      const char **inner_end, const char **after)
{
	int depth = 1;
	mu_tag_t t;
	int rc;

	while ((rc = mu_next_tag(m, p, end, &t)) == 0) {
		bool same = t.name_len == open->name_len && memcmp(t.name, open->name, t.name_len) == 0;

		if ((t.kind == '#' || t.kind == '^') && same)
			depth++;
		else if (t.kind == '/' && same && --depth == 0) {
			*inner_end = t.start;
			*after = t.after;
			return 0;
		}
		p = t.after;
	}
	if (rc < 0)
		return rc;
	char what[160];

	snprintf(what, sizeof(what), "Failed to close '%.*s' tag", (int)(open->name_len > 100 ? 100 : open->name_len),
		 open->name);
	return mu_fail(m, what, (size_t)(open->start - m->tpl));
}

static int mu_render(mu_t *m, const char *p, const char *end);

static int
mu_push(mu_t *m, const osp_json_t *v, const char *p, const char *end)
{
	int rc;

	if (m->depth == MU_MAX_STACK)
		return mu_fail(m, "sections nested too deeply", (size_t)(p - m->tpl));
	m->stack[m->depth++] = v;
	rc = mu_render(m, p, end);
	m->depth--;
	return rc;
}

/* {{#join}}name{{/join}} and {{#join delimiter='x'}}name{{/join delimiter='x'}}. */
static void
mu_join(mu_t *m, const mu_tag_t *open, const char *p, const char *end)
{
	const char *delim = ",";
	size_t dlen = 1;
	const char *q = memchr(open->name, '\'', open->name_len);
	const osp_json_t *v;
	bool first = true;

	if (q != NULL) {
		const char *qe = memchr(q + 1, '\'', (size_t)(open->name + open->name_len - q - 1));

		if (qe != NULL) {
			delim = q + 1;
			dlen = (size_t)(qe - q - 1);
		}
	}
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	v = mu_lookup(m, p, (size_t)(end - p));
	if (!osp_json_is(v, OSP_JSON_ARRAY)) {
		mu_emit(m, v, true);
		return;
	}
	OSP_JSON_FOREACH(e, v) {
		if (!first)
			osp_buf_append(m->out, delim, dlen);
		first = false;
		mu_emit(m, e, true);
	}
}

static void
mu_to_json(mu_t *m, const char *p, const char *end)
{
	const osp_json_t *v;
	osp_jw_t w;

	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	v = mu_lookup(m, p, (size_t)(end - p));
	if (v == NULL)
		return;
	osp_jw_init(&w, m->out, 0);
	osp_jw_value(&w, v);
}

static int
mu_url(mu_t *m, const char *p, const char *end)
{
	osp_buf_t *saved = m->out, tmp;
	int rc;

	osp_buf_init(&tmp);
	m->out = &tmp;
	rc = mu_render(m, p, end);
	m->out = saved;
	for (size_t i = 0; rc == 0 && i < tmp.len; i++) {
		unsigned char c = (unsigned char)tmp.data[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '*')
			osp_buf_putc(m->out, (char)c);
		else if (c == ' ')
			osp_buf_putc(m->out, '+');
		else
			osp_buf_printf(m->out, "%%%02X", c);
	}
	osp_buf_free(&tmp);
	return rc;
}

static bool
mu_name_is(const mu_tag_t *t, const char *fn)
{
	size_t n = strlen(fn);

	return t->name_len >= n && memcmp(t->name, fn, n) == 0 &&
	       (t->name_len == n || t->name[n] == ' ');
}

static int mu_section_body(mu_t *m, const mu_tag_t *t, const char *inner, const char *inner_end);

/* Sections nest at most MU_MAX_STACK deep, inverted ones included, so a
 * hostile template cannot exhaust the stack. */
static int
mu_section(mu_t *m, const mu_tag_t *t, const char *inner, const char *inner_end)
{
	int rc;

	if (m->nesting == MU_MAX_STACK)
		return mu_fail(m, "sections nested too deeply", (size_t)(t->start - m->tpl));
	m->nesting++;
	rc = mu_section_body(m, t, inner, inner_end);
	m->nesting--;
	return rc;
}

static int
mu_section_body(mu_t *m, const mu_tag_t *t, const char *inner, const char *inner_end)
{
	const osp_json_t *v;
	int rc = 0;

	if (t->kind == '#' && mu_name_is(t, "toJson")) {
		mu_to_json(m, inner, inner_end);
		return 0;
	}
	if (t->kind == '#' && mu_name_is(t, "join")) {
		mu_join(m, t, inner, inner_end);
		return 0;
	}
	if (t->kind == '#' && mu_name_is(t, "url"))
		return mu_url(m, inner, inner_end);
	v = mu_lookup(m, t->name, t->name_len);
	if (t->kind == '^')
		return mu_truthy(v) ? 0 : mu_render(m, inner, inner_end);
	if (!mu_truthy(v))
		return 0;
	if (v->type != OSP_JSON_ARRAY)
		return mu_push(m, v, inner, inner_end);
	OSP_JSON_FOREACH(e, v) {
		if ((rc = mu_push(m, e, inner, inner_end)) != 0)
			break;
	}
	return rc;
}

static int
mu_render(mu_t *m, const char *p, const char *end)
{
	mu_tag_t t;
	int rc;

	while ((rc = mu_next_tag(m, p, end, &t)) == 0) {
		const char *inner_end = NULL, *after = NULL;

		osp_buf_append(m->out, p, (size_t)(t.start - p));
		switch (t.kind) {
		case '!':
			break;
		case '>':
			return mu_fail(m, "partials are not supported", (size_t)(t.start - m->tpl));
		case '=':
			return mu_fail(m, "changing delimiters is not supported", (size_t)(t.start - m->tpl));
		case '/': {
			char what[160];

			snprintf(what, sizeof(what), "Closing unopened '%.*s'",
				 (int)(t.name_len > 100 ? 100 : t.name_len), t.name);
			return mu_fail(m, what, (size_t)(t.start - m->tpl));
		}
		case '#':
		case '^':
			if ((rc = mu_find_close(m, t.after, end, &t, &inner_end, &after)) != 0)
				return rc;
			if ((rc = mu_section(m, &t, t.after, inner_end)) != 0)
				return rc;
			t.after = after;
			break;
		case '{':
		case '&':
			mu_emit(m, mu_lookup(m, t.name, t.name_len), false);
			break;
		default:
			mu_emit(m, mu_lookup(m, t.name, t.name_len), true);
			break;
		}
		p = t.after;
	}
	if (rc < 0)
		return rc;
	osp_buf_append(m->out, p, (size_t)(end - p));
	return 0;
}

int
dp_mustache_render(const char *tpl, size_t n, const osp_json_t *ctx,
		   dp_mustache_escape_t esc, osp_buf_t *out, osp_err_t *err)
{
	mu_t m;

	memset(&m, 0, sizeof(m));
	m.tpl = tpl;
	m.tpl_len = n;
	m.esc = esc;
	m.err = err;
	m.out = out;
	if (ctx != NULL)
		m.stack[m.depth++] = ctx;
	int rc = mu_render(&m, tpl, tpl + n);

	if (rc == 0 && out->failed)
		return osp_err_set(err, 500, "out_of_memory_error", "no memory to render the template");
	return rc;
}

bool
dp_mustache_has_tags(const char *s, size_t n)
{
	return memmem(s, n, "{{", 2) != NULL;
}
