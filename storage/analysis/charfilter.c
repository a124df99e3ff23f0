/*
 * charfilter.c - char filters: html_strip and mapping, run before the
 * tokenizer, with a map back to the original text's byte offsets.
 *
 * html_strip follows Lucene's HTMLStripCharFilter on what users meet: tags
 * and comments go, block-level elements (p, div, br, li, h1..) become a
 * newline, script/style bodies go, the common named entities and numeric
 * character references decode, escaped_tags stay verbatim. mapping replaces
 * the longest matching key at each position (Lucene's MappingCharFilter);
 * rules are "key => value" with \n \t \r \\ and \uXXXX escapes. Each filter
 * writes into one of the context's two scratch texts together with, for
 * every output byte, the input byte it came from (composed through the
 * chain), so token offsets still point into what the user sent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analysis_int.h"

static const st_cfdef_t cf_html_strip = { .name = "html_strip", .kind = ST_CF_HTML_STRIP };

const st_cfdef_t *
st_charfilter_builtin(const char *name, size_t len)
{
	return len == 10 && memcmp(name, "html_strip", 10) == 0 ? &cf_html_strip : NULL;
}

/* ---- building ---- */

/* Append code point cp as UTF-8. */
static size_t
put_utf8(char *o, int32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Unescape s[0..n) into the arena; *len gets the byte length. */
static char *
unescape(osp_arena_t *a, const char *s, size_t n, uint32_t *len)
{
	char *o = osp_arena_alloc(a, n * 2 + 1);
	size_t k = 0;

	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 >= n) {
			o[k++] = s[i];
			continue;
		}
		char c = s[++i];

		if (c == 'u' && i + 4 < n) {
			char hex[5] = { s[i + 1], s[i + 2], s[i + 3], s[i + 4], 0 };

			k += put_utf8(o + k, (int32_t)strtol(hex, NULL, 16));
			i += 4;
		} else {
			o[k++] = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' :
				 c == 'f' ? '\f' : c == 'b' ? '\b' : c;
		}
	}
	o[k] = '\0';
	*len = (uint32_t)k;
	return o;
}

static const char *
trim(const char *s, const char *e, const char **end)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*end = e;
	return s;
}

/* "mappings": ["a => b", ...]. */
static int
parse_mappings(osp_arena_t *a, const osp_json_t *v, st_cfdef_t *c, osp_err_t *err)
{
	uint32_t cap = v && v->type == OSP_JSON_ARRAY ? v->len : 0;
	const char **from = osp_arena_calloc(a, sizeof(*from) * (cap + 1));
	const char **to = osp_arena_calloc(a, sizeof(*to) * (cap + 1));
	uint32_t *fl = osp_arena_calloc(a, sizeof(*fl) * (cap + 1));
	uint32_t *tl = osp_arena_calloc(a, sizeof(*tl) * (cap + 1));

	if (!from || !to || !fl || !tl)
		return -ENOMEM;
	if (v == NULL)
		return osp_err_illegal_argument(err, "mapping requires either `mappings` or `mappings_path` to be configured");
	if (v->type != OSP_JSON_ARRAY)
		return osp_err_illegal_argument(err, "[mappings] must be an array of strings");
	ST_JSON_EACH(x, v) {
		const char *arrow = x->type == OSP_JSON_STRING ? strstr(x->u.str, "=>") : NULL;
		const char *ke, *ve;
		const char *ks, *vs;

		if (arrow == NULL)
			return osp_err_illegal_argument(err, "Invalid Mapping Rule : [%s]",
							x->type == OSP_JSON_STRING ? x->u.str : "?");
		ks = trim(x->u.str, arrow, &ke);
		vs = trim(arrow + 2, x->u.str + x->len, &ve);
		if (ke == ks)
			return osp_err_illegal_argument(err, "Invalid Mapping Rule : [%s]", x->u.str);
		from[c->n] = unescape(a, ks, (size_t)(ke - ks), &fl[c->n]);
		to[c->n] = unescape(a, vs, (size_t)(ve - vs), &tl[c->n]);
		if (!from[c->n] || !to[c->n])
			return -ENOMEM;
		c->n++;
	}
	c->from = from;
	c->to = to;
	c->from_len = fl;
	c->to_len = tl;
	return 0;
}

int
st_charfilter_build(osp_arena_t *a, const char *name, const osp_json_t *def,
		    const st_cfdef_t **out, osp_err_t *err)
{
	const osp_json_t *t = osp_json_get(def, "type");
	st_cfdef_t *c = osp_arena_calloc(a, sizeof(*c));
	int rc;

	if (c == NULL)
		return -ENOMEM;
	if (!osp_json_is(t, OSP_JSON_STRING))
		return osp_err_illegal_argument(err, "char_filter [%s] must have a type associated with it", name);
	c->name = name;
	if (strcmp(t->u.str, "mapping") == 0) {
		c->kind = ST_CF_MAPPING;
		if ((rc = parse_mappings(a, osp_json_get(def, "mappings"), c, err)) < 0)
			return rc;
	} else if (strcmp(t->u.str, "html_strip") == 0) {
		const osp_json_t *esc = osp_json_get(def, "escaped_tags");
		uint32_t cap = esc && esc->type == OSP_JSON_ARRAY ? esc->len : 0;
		const char **tags = osp_arena_calloc(a, sizeof(*tags) * (cap + 1));
		uint32_t *lens = osp_arena_calloc(a, sizeof(*lens) * (cap + 1));

		if (!tags || !lens)
			return -ENOMEM;
		c->kind = ST_CF_HTML_STRIP;
		ST_JSON_EACH(x, esc && esc->type == OSP_JSON_ARRAY ? esc : NULL) {
			if (x->type != OSP_JSON_STRING)
				return osp_err_illegal_argument(err, "[escaped_tags] must be an array of strings");
			tags[c->n] = x->u.str;
			lens[c->n++] = x->len;
		}
		c->from = tags;
		c->from_len = lens;
	} else {
		return osp_err_illegal_argument(err, "Unknown char_filter type [%s] for [%s]", t->u.str, name);
	}
	*out = c;
	return 0;
}

/* ---- running ---- */

/* Output of one filter pass: text + map in the context's slot. */
typedef struct cfout {
	st_analysis_ctx_t *ctx;
	int slot;
	const uint32_t *in_map;  /* map of the input (NULL = identity) */
	size_t n;
} cfout_t;

static int
out_reserve(cfout_t *o, size_t more)
{
	st_analysis_ctx_t *ctx = o->ctx;
	size_t need = o->n + more + 1;

	if (need <= ctx->cf_cap[o->slot])
		return 0;
	size_t cap = need * 2 + 64;
	char *t = realloc(ctx->cf_text[o->slot], cap);

	if (t)
		ctx->cf_text[o->slot] = t;
	uint32_t *m = realloc(ctx->cf_map[o->slot], cap * sizeof(*m));

	if (m)
		ctx->cf_map[o->slot] = m;
	if (!t || !m)
		return -ENOMEM;
	ctx->cf_cap[o->slot] = cap;
	return 0;
}

/* Emit bytes s[0..n) that stand for input byte at. */
static int
out_put(cfout_t *o, const char *s, size_t n, size_t at)
{
	if (out_reserve(o, n) < 0)
		return -ENOMEM;
	uint32_t src = o->in_map ? o->in_map[at] : (uint32_t)at;

	memcpy(o->ctx->cf_text[o->slot] + o->n, s, n);
	for (size_t i = 0; i < n; i++)
		o->ctx->cf_map[o->slot][o->n + i] = src;
	o->n += n;
	return 0;
}

static int
run_mapping(const st_cfdef_t *c, const char *s, size_t len, cfout_t *o)
{
	for (size_t i = 0; i < len;) {
		uint32_t best = UINT32_MAX, best_len = 0;

		for (uint32_t r = 0; r < c->n; r++)
			if (c->from_len[r] > best_len && c->from_len[r] <= len - i &&
			    memcmp(s + i, c->from[r], c->from_len[r]) == 0) {
				best = r;
				best_len = c->from_len[r];
			}
		int rc = best == UINT32_MAX ? out_put(o, s + i, 1, i) :
			 out_put(o, c->to[best], c->to_len[best], i);

		if (rc < 0)
			return rc;
		i += best == UINT32_MAX ? 1 : best_len;
	}
	return 0;
}

static const char *const block_tags[] = {
	"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
	"fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
	"h5", "h6", "header", "hgroup", "hr", "li", "main", "nav", "ol", "p", "pre",
	"section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
};

static bool
in_list(const char *const *l, const uint32_t *lens, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if ((lens ? lens[i] : strlen(l[i])) == len && strncasecmp(l[i], s, len) == 0)
			return true;
	return false;
}

/* Decode the entity at s[i] ('&'); its code point and length, or 0. */
static size_t
entity(const char *s, size_t len, size_t i, int32_t *cp)
{
	static const struct {
		const char *name;
		int32_t cp;
	} named[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
		{ "nbsp", 0xA0 }, { "copy", 0xA9 }, { "reg", 0xAE }, { "eacute", 0xE9 },
		{ "egrave", 0xE8 }, { "agrave", 0xE0 }, { "uuml", 0xFC }, { "ouml", 0xF6 },
		{ "auml", 0xE4 }, { "szlig", 0xDF }, { "ccedil", 0xE7 }, { "hellip", 0x2026 },
		{ "mdash", 0x2014 }, { "ndash", 0x2013 },
	};
	size_t j = i + 1;

	while (j < len && j - i < 12 && s[j] != ';' && s[j] != '&' && s[j] != '<' && s[j] != ' ')
		j++;
	if (j >= len || s[j] != ';' || j == i + 1)
		return 0;
	if (s[i + 1] == '#') {
		char num[12];
		bool hex = s[i + 2] == 'x' || s[i + 2] == 'X';
		size_t from = i + 2 + hex, n = j - from;
		char *end;

		if (n == 0 || n >= sizeof(num))
			return 0;
		memcpy(num, s + from, n);
		num[n] = '\0';
		long v = strtol(num, &end, hex ? 16 : 10);

		if (*end || v <= 0 || v > 0x10FFFF)
			return 0;
		*cp = (int32_t)v;
		return j + 1 - i;
	}
	for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++)
		if (strlen(named[k].name) == j - i - 1 && memcmp(named[k].name, s + i + 1, j - i - 1) == 0) {
			*cp = named[k].cp;
			return j + 1 - i;
		}
	return 0;
}

/* Find needle (case-insensitive) in s[from..len); its index or len. */
static size_t
find_ci(const char *s, size_t len, size_t from, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = from; i + n <= len; i++)
		if (strncasecmp(s + i, needle, n) == 0)
			return i;
	return len;
}

static int
run_html(const st_cfdef_t *c, const char *s, size_t len, cfout_t *o)
{
	int rc = 0;

	for (size_t i = 0; i < len && rc == 0;) {
		int32_t cp;
		size_t n;

		if (s[i] == '&' && (n = entity(s, len, i, &cp)) > 0) {
			char u[4];

			rc = out_put(o, u, put_utf8(u, cp), i);
			i += n;
			continue;
		}
		bool tag = s[i] == '<' && i + 1 < len &&
			   (s[i + 1] == '/' || s[i + 1] == '!' || s[i + 1] == '?' ||
			    ((s[i + 1] | 0x20) >= 'a' && (s[i + 1] | 0x20) <= 'z'));
		size_t close = tag ? find_ci(s, len, i, ">") : len;

		if (!tag || close == len) {
			rc = out_put(o, s + i, 1, i);
			i++;
			continue;
		}
		if (strncmp(s + i, "<!--", 4) == 0) {
			size_t e = find_ci(s, len, i + 4, "-->");

			i = e == len ? len : e + 3;
			continue;
		}
		size_t ns = i + 1 + (s[i + 1] == '/'), ne = ns;

		while (ne < close && s[ne] != ' ' && s[ne] != '/' && s[ne] != '>' && s[ne] != '\t' &&
		       s[ne] != '\n')
			ne++;
		if (in_list(c->from, c->from_len, c->n, s + ns, ne - ns)) {
			rc = out_put(o, s + i, close + 1 - i, i);
			i = close + 1;
			continue;
		}
		size_t next = close + 1;

		if (s[i + 1] != '/' && (in_list((const char *const[]){ "script", "style" }, NULL, 2,
						s + ns, ne - ns))) {
			size_t e = find_ci(s, len, close, s[ns] == 's' && (s[ns + 1] | 0x20) == 'c' ?
					   "</script" : "</style");

			next = e == len ? len : find_ci(s, len, e, ">") + 1;
			if (next > len)
				next = len;
			rc = out_put(o, "\n", 1, i);
		} else if (in_list(block_tags, NULL, sizeof(block_tags) / sizeof(block_tags[0]),
				   s + ns, ne - ns)) {
			rc = out_put(o, "\n", 1, i);
		}
		i = next;
	}
	return rc;
}

int
st_charfilter_run(st_analysis_ctx_t *ctx, const st_analyzer_t *an, const char *text,
		  size_t len, const char **out, size_t *out_len, const uint32_t **map)
{
	const char *s = text;
	const uint32_t *m = NULL;
	size_t n = len;

	for (uint32_t k = 0; k < an->n_char_filters; k++) {
		const st_cfdef_t *c = an->char_filters[k];
		cfout_t o = { ctx, (int)(k & 1), m, 0 };
		int rc = c->kind == ST_CF_MAPPING ? run_mapping(c, s, n, &o) : run_html(c, s, n, &o);

		if (rc == 0)
			rc = out_reserve(&o, 0);
		if (rc < 0)
			return rc;
		/* the end of the output stands for the end of the input */
		ctx->cf_map[o.slot][o.n] = m ? m[n] : (uint32_t)n;
		ctx->cf_text[o.slot][o.n] = '\0';
		s = ctx->cf_text[o.slot];
		m = ctx->cf_map[o.slot];
		n = o.n;
	}
	*out = s;
	*out_len = n;
	*map = m;
	return 0;
}
