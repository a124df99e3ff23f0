/*
 * tokenize_gram.c - the ngram, edge_ngram and pattern tokenizers, and
 * tokenizer descriptions built from "analysis.tokenizer" settings.
 *
 * ngram / edge_ngram behave as Lucene's NGramTokenizer (4.4+): the input is
 * split into runs of token_chars (the whole input when none are given) and
 * every run yields its grams, at each start (ngram) or only at the run's
 * start (edge_ngram), shortest first; each gram is a token of its own
 * position. pattern is Lucene's PatternTokenizer over POSIX extended regular
 * expressions: Java's \w \W \s \S \d \D are rewritten to POSIX classes
 * (ASCII, as Java's defaults); group -1 splits on matches, group >= 0 emits
 * that group of every match. Compiled patterns hang on a list their owner
 * (registry or ad-hoc analyzer) frees; the descriptions are immutable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "analysis_int.h"

/* Built-in tokenizers by name. */
static const st_tokdef_t builtin_toks[] = {
	{ .name = "standard", .kind = ST_TK_STANDARD, .max_token_length = 255 },
	{ .name = "letter", .kind = ST_TK_LETTER, .max_token_length = 255 },
	{ .name = "whitespace", .kind = ST_TK_WHITESPACE, .max_token_length = 255 },
	{ .name = "keyword", .kind = ST_TK_KEYWORD },
	{ .name = "lowercase", .kind = ST_TK_LOWERCASE, .max_token_length = 255 },
	{ .name = "ngram", .kind = ST_TK_NGRAM, .min_gram = 1, .max_gram = 2 },
	{ .name = "edge_ngram", .kind = ST_TK_EDGE_NGRAM, .min_gram = 1, .max_gram = 2 },
};

const st_tokdef_t *
st_tokdef_builtin(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(builtin_toks) / sizeof(builtin_toks[0]); i++)
		if (strlen(builtin_toks[i].name) == len && memcmp(builtin_toks[i].name, name, len) == 0)
			return &builtin_toks[i];
	return NULL;
}

/* ---- (edge_)ngram ---- */

static bool
token_char(uint32_t classes, int32_t cp)
{
	if (classes == 0)
		return true;
	if ((classes & ST_TC_LETTER) && st_is_java_letter(cp))
		return true;
	if ((classes & ST_TC_WHITESPACE) && st_is_java_whitespace(cp))
		return true;
	utf8proc_category_t cat = utf8proc_category(cp);

	if ((classes & ST_TC_DIGIT) && cat == UTF8PROC_CATEGORY_ND)
		return true;
	if ((classes & ST_TC_PUNCTUATION) && cat >= UTF8PROC_CATEGORY_PC &&
	    cat <= UTF8PROC_CATEGORY_PO)
		return true;
	return (classes & ST_TC_SYMBOL) && cat >= UTF8PROC_CATEGORY_SM &&
	       cat <= UTF8PROC_CATEGORY_SO;
}

/* Byte offset after n code points from byte i (stops at end). */
static size_t
cp_skip(const st_tokcur_t *c, size_t i, size_t end, uint32_t n)
{
	int32_t cp;

	while (n-- > 0 && i < end)
		i += st_utf8_decode(c->s, c->len, i, &cp);
	return i;
}

/* Next run of token chars at or after c->pos; false at the end. */
static bool
next_run(st_tokcur_t *c)
{
	size_t i = c->pos;
	int32_t cp;

	while (i < c->len) {
		size_t n = st_utf8_decode(c->s, c->len, i, &cp);

		if (token_char(c->def->token_chars, cp))
			break;
		i += n;
	}
	if (i >= c->len)
		return false;
	c->run_start = c->g_start = i;
	while (i < c->len) {
		size_t n = st_utf8_decode(c->s, c->len, i, &cp);

		if (!token_char(c->def->token_chars, cp))
			break;
		i += n;
	}
	c->run_end = c->pos = i;
	c->g_n = c->def->min_gram;
	return true;
}

int
st_gram_next(st_tokcur_t *c, st_rawtok_t *t)
{
	for (;;) {
		if (c->run_end == 0 && !next_run(c))
			return 0;
		if (c->g_start < c->run_end && c->g_n <= c->def->max_gram) {
			size_t end = cp_skip(c, c->g_start, c->run_end, c->g_n);
			uint32_t got = c->g_n;

			/* the gram exists when n code points fit before the run's end */
			if (end < c->run_end || cp_skip(c, c->g_start, c->run_end, got - 1) < c->run_end) {
				t->start = c->g_start;
				t->end = end;
				t->type = ST_TOK_WORD;
				c->g_n++;
				return 1;
			}
		}
		/* this start is done: next start (ngram) or next run */
		if (c->def->kind == ST_TK_NGRAM && c->g_start < c->run_end) {
			c->g_start = cp_skip(c, c->g_start, c->run_end, 1);
			c->g_n = c->def->min_gram;
			if (c->g_start < c->run_end)
				continue;
		}
		c->run_end = 0;
	}
}

/* ---- pattern ---- */

int
st_pattern_next(st_tokcur_t *c, st_rawtok_t *t)
{
	const regex_t *re = &c->def->re->re;
	int32_t g = c->def->group;
	regmatch_t m[10];

	while (c->pos <= c->len && !(g >= 0 && c->pos == c->len)) {
		size_t from = c->pos;

		m[0].rm_so = (regoff_t)from;
		m[0].rm_eo = (regoff_t)c->len;
		if (regexec(re, (const char *)c->s, 10, m, REG_STARTEND) != 0) {
			c->pos = c->len + 1;
			if (g >= 0 || from >= c->len)
				return 0;
			t->start = from;               /* the tail after the last match */
			t->end = c->len;
			t->type = ST_TOK_WORD;
			return 1;
		}
		size_t ms = (size_t)m[0].rm_so, me = (size_t)m[0].rm_eo;

		/* an empty match still moves on by one code point */
		c->pos = me > ms ? me : ms > from ? ms : cp_skip(c, me, c->len, 1) + (me >= c->len);
		if (g < 0) {
			if (ms > from) {
				t->start = from;
				t->end = ms;
				t->type = ST_TOK_WORD;
				return 1;
			}
		} else if (m[g].rm_so >= 0 && m[g].rm_eo > m[g].rm_so) {
			t->start = (size_t)m[g].rm_so;
			t->end = (size_t)m[g].rm_eo;
			t->type = ST_TOK_WORD;
			return 1;
		}
	}
	return 0;
}

/* Java regex -> POSIX ERE for the common shorthand classes. */
static int
regex_translate(const char *src, char *dst, size_t cap)
{
	static const struct {
		char c;
		const char *out, *in_bracket;
	} sh[] = {
		{ 'w', "[[:alnum:]_]", "[:alnum:]_" }, { 'W', "[^[:alnum:]_]", NULL },
		{ 's', "[[:space:]]", "[:space:]" }, { 'S', "[^[:space:]]", NULL },
		{ 'd', "[0-9]", "0-9" }, { 'D', "[^0-9]", NULL },
	};
	size_t o = 0;
	bool bracket = false;

	for (const char *p = src; *p; p++) {
		const char *rep = NULL;
		char lit[3] = { 0 };

		if (*p == '\\' && p[1]) {
			for (size_t i = 0; i < sizeof(sh) / sizeof(sh[0]); i++)
				if (sh[i].c == p[1])
					rep = bracket ? sh[i].in_bracket : sh[i].out;
			if (rep == NULL && bracket && strchr("wWsSdD", p[1]))
				return -EINVAL;
			if (rep == NULL) {
				lit[0] = p[1] == 't' ? '\t' : p[1] == 'n' ? '\n' : 0;
				if (lit[0] == 0 && bracket) {
					lit[0] = p[1];          /* POSIX brackets have no escapes */
				} else if (lit[0] == 0) {
					lit[0] = '\\';
					lit[1] = p[1];
				}
				rep = lit;
			}
			p++;
		} else {
			if (*p == '[' && !bracket)
				bracket = true;
			else if (*p == ']' && bracket && p[-1] != '[' && !(p[-1] == '^' && p[-2] == '['))
				bracket = false;
			lit[0] = *p;
			rep = lit;
		}
		size_t n = strlen(rep);

		if (o + n + 1 > cap)
			return -E2BIG;
		memcpy(dst + o, rep, n);
		o += n;
	}
	dst[o] = '\0';
	return 0;
}

void
st_regex_list_free(st_regex_t *list)
{
	while (list) {
		st_regex_t *next = list->next;

		regfree(&list->re);
		free(list);
		list = next;
	}
}

static int
regex_compile(st_regex_t **list, const char *java, const st_regex_t **out, osp_err_t *err)
{
	char posix[1024];
	st_regex_t *r;

	if (regex_translate(java, posix, sizeof(posix)) < 0)
		return osp_err_illegal_argument(err, "Unsupported pattern [%s]", java);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	if (regcomp(&r->re, posix, REG_EXTENDED) != 0) {
		free(r);
		return osp_err_illegal_argument(err, "Invalid pattern [%s]", java);
	}
	r->next = *list;
	*list = r;
	*out = r;
	return 0;
}

/* "token_chars": ["letter", "digit", ...]. */
static int
parse_token_chars(const osp_json_t *v, uint32_t *out, osp_err_t *err)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} cls[] = {
		{ "letter", ST_TC_LETTER }, { "digit", ST_TC_DIGIT },
		{ "whitespace", ST_TC_WHITESPACE }, { "punctuation", ST_TC_PUNCTUATION },
		{ "symbol", ST_TC_SYMBOL },
	};

	*out = 0;
	ST_JSON_EACH(x, v) {
		uint32_t bit = 0;

		for (size_t i = 0; x->type == OSP_JSON_STRING && i < sizeof(cls) / sizeof(cls[0]); i++)
			if (strcmp(cls[i].name, x->u.str) == 0)
				bit = cls[i].bit;
		if (bit == 0)
			return osp_err_illegal_argument(err, "Unknown token type: '%s', must be one of "
							"[symbol, custom, whitespace, letter, punctuation, digit]",
							x->type == OSP_JSON_STRING ? x->u.str : "?");
		*out |= bit;
	}
	return 0;
}

int
st_tokdef_build(osp_arena_t *a, st_regex_t **regexes, const char *name,
		const osp_json_t *def, const st_tokdef_t **out, osp_err_t *err)
{
	const osp_json_t *t = osp_json_get(def, "type");
	st_tokdef_t *k = osp_arena_calloc(a, sizeof(*k));
	int rc;

	if (k == NULL)
		return -ENOMEM;
	if (!osp_json_is(t, OSP_JSON_STRING))
		return osp_err_illegal_argument(err, "tokenizer [%s] must have a type associated with it", name);
	const char *ty = t->u.str;

	if (strcmp(ty, "pattern") == 0) {
		const osp_json_t *p = osp_json_get(def, "pattern");
		uint32_t g;

		k->kind = ST_TK_PATTERN;
		if (p && p->type != OSP_JSON_STRING)
			return osp_err_illegal_argument(err, "[pattern] must be a string");
		if ((rc = regex_compile(regexes, p ? p->u.str : "\\W+", &k->re, err)) < 0)
			return rc;
		const osp_json_t *gv = osp_json_get(def, "group");
		bool neg = gv && ((gv->type == OSP_JSON_NUMBER && gv->is_int && gv->i == -1) ||
				  (gv->type == OSP_JSON_STRING && strcmp(gv->u.str, "-1") == 0));

		k->group = -1;
		if (gv && !neg) {
			if ((rc = st_def_uint(def, "group", 0, &g, err)) < 0)
				return rc;
			if (g > k->re->re.re_nsub || g > 9)
				return osp_err_illegal_argument(err, "invalid group [%u] for pattern", g);
			k->group = (int32_t)g;
		}
		k->name = name;
		*out = k;
		return 0;
	}
	const st_tokdef_t *base = st_tokdef_builtin(ty, t->len);

	if (base == NULL && (strcmp(ty, "nGram") == 0 || strcmp(ty, "edgeNGram") == 0))
		base = st_tokdef_builtin(ty[0] == 'n' ? "ngram" : "edge_ngram", ty[0] == 'n' ? 5 : 10);
	if (base == NULL)
		return osp_err_illegal_argument(err, "Unknown tokenizer type [%s] for [%s]", ty, name);
	*k = *base;
	k->name = name;
	if (k->kind == ST_TK_NGRAM || k->kind == ST_TK_EDGE_NGRAM) {
		if ((rc = st_def_uint(def, "min_gram", 1, &k->min_gram, err)) < 0 ||
		    (rc = st_def_uint(def, "max_gram", 2, &k->max_gram, err)) < 0 ||
		    (rc = parse_token_chars(osp_json_get(def, "token_chars"), &k->token_chars, err)) < 0)
			return rc;
		if (k->min_gram < 1 || k->min_gram > k->max_gram)
			return osp_err_illegal_argument(err, "minGram must not be greater than maxGram");
		if (k->kind == ST_TK_NGRAM && k->max_gram - k->min_gram > 1)
			return osp_err_illegal_argument(err, "The difference between max_gram and min_gram in NGram "
							"Tokenizer must be less than or equal to: [1] but was [%u]. This "
							"limit can be set by changing the [index.max_ngram_diff] index "
							"level setting.", k->max_gram - k->min_gram);
	} else if (k->kind != ST_TK_KEYWORD &&
		   (rc = st_def_uint(def, "max_token_length", 255, &k->max_token_length, err)) < 0) {
		return rc;
	}
	if (k->kind != ST_TK_KEYWORD && k->kind != ST_TK_NGRAM && k->kind != ST_TK_EDGE_NGRAM &&
	    k->max_token_length == 0)
		return osp_err_illegal_argument(err, "maxTokenLength must be greater than zero");
	*out = k;
	return 0;
}
