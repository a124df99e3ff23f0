/*
 * tokenize.c - the tokenizer cursor and the character tokenizers: letter
 * (simple analyzer), lowercase, whitespace and keyword.
 *
 * Letter and whitespace behave as Lucene's CharTokenizer: runs of
 * Character.isLetter / non-Character.isWhitespace code points, split when a
 * run reaches max_token_length UTF-16 units (default 255). keyword emits the
 * whole input as one token (nothing for empty input). The standard
 * tokenizer lives in tokenize_std.c, ngram/edge_ngram/pattern in
 * tokenize_gram.c. Pure functions of the cursor.
 */
#include <stdbool.h>
#include <stdint.h>

#include <utf8proc.h>

#include "analysis_int.h"

bool
st_is_java_whitespace(int32_t cp)
{
	if (cp < 0x80)
		return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
	if (cp == 0x00A0 || cp == 0x2007 || cp == 0x202F)
		return false;   /* non-breaking spaces are not whitespace in Java */
	utf8proc_category_t cat = utf8proc_category(cp);

	return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
	       cat == UTF8PROC_CATEGORY_ZP;
}

bool
st_is_java_letter(int32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
	utf8proc_category_t cat = utf8proc_category(cp);

	return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}

void
st_tokcur_init(st_tokcur_t *c, const st_tokdef_t *def, const char *s, size_t len)
{
	c->s = (const uint8_t *)s;
	c->len = len;
	c->pos = 0;
	c->def = def;
	c->split_end = 0;
	c->split_type = 0;
	c->run_start = c->run_end = c->g_start = 0;
	c->g_n = 0;
}

/* CharTokenizer: a run of code points for which keep() holds. */
static int
char_next(st_tokcur_t *c, st_rawtok_t *t, bool letters)
{
	uint32_t max = c->def->max_token_length ? c->def->max_token_length : 255;
	size_t i = c->pos;
	int32_t cp;

	/* skip separators */
	while (i < c->len) {
		size_t n = st_utf8_decode(c->s, c->len, i, &cp);
		bool in = letters ? st_is_java_letter(cp) : !st_is_java_whitespace(cp);

		if (in)
			break;
		i += n;
	}
	if (i >= c->len) {
		c->pos = i;
		return 0;
	}
	size_t start = i;
	uint32_t units = 0;

	while (i < c->len) {
		size_t n = st_utf8_decode(c->s, c->len, i, &cp);
		bool in = letters ? st_is_java_letter(cp) : !st_is_java_whitespace(cp);
		uint32_t u = cp >= 0x10000 ? 2 : 1;

		if (!in || units + u > max)
			break;
		units += u;
		i += n;
	}
	c->pos = i;
	t->start = start;
	t->end = i;
	t->type = ST_TOK_WORD;
	return 1;
}

int
st_tokcur_next(st_tokcur_t *c, st_rawtok_t *t)
{
	switch (c->def->kind) {
	case ST_TK_STANDARD:
		return st_std_next(c, t);
	case ST_TK_LETTER:
	case ST_TK_LOWERCASE:
		return char_next(c, t, true);
	case ST_TK_WHITESPACE:
		return char_next(c, t, false);
	case ST_TK_NGRAM:
	case ST_TK_EDGE_NGRAM:
		return st_gram_next(c, t);
	case ST_TK_PATTERN:
		return st_pattern_next(c, t);
	case ST_TK_KEYWORD:
	default:
		/* Lucene's KeywordTokenizer emits one token, even when empty. */
		if (c->split_end)
			return 0;
		c->split_end = 1;
		c->pos = c->len;
		t->start = 0;
		t->end = c->len;
		t->type = ST_TOK_WORD;
		return 1;
	}
}
