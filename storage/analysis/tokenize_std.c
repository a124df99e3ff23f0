/*
 * tokenize_std.c - the standard tokenizer: Unicode UAX#29 word boundaries as
 * Lucene's StandardTokenizer applies them.
 *
 * Word_Break classes are derived from utf8proc's general category plus the
 * short explicit lists UAX#29 gives (MidLetter, MidNum, MidNumLet, quotes,
 * Katakana, Hebrew). The rules WB4-WB13b join characters into segments; a
 * segment becomes a token only if it holds a letter, digit, ideograph,
 * kana, Southeast Asian letter or emoji, as in Lucene's grammar: each
 * ideograph and hiragana is its own token, Southeast Asian runs are one
 * token, punctuation-only segments are dropped. Tokens longer than
 * max_token_length UTF-16 units are split at that length. Pure functions of
 * the cursor: any thread.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <utf8proc.h>

#include "analysis_int.h"

enum wb {
	WB_OTHER = 0, WB_CR, WB_LF, WB_NEWLINE, WB_EXTEND, WB_ZWJ, WB_RI,
	WB_FORMAT, WB_KATAKANA, WB_HEBREW, WB_ALETTER, WB_SQUOTE, WB_DQUOTE,
	WB_MIDNUMLET, WB_MIDLETTER, WB_MIDNUM, WB_NUMERIC, WB_EXTENDNUMLET,
	WB_WSEGSPACE,
	/* Lucene's extra token classes (not in WB, all break on both sides) */
	WB_IDEO, WB_HIRAGANA, WB_SEA, WB_EMOJI,
};

size_t
st_utf8_decode(const uint8_t *s, size_t len, size_t i, int32_t *cp)
{
	utf8proc_int32_t c;
	utf8proc_ssize_t n = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &c);

	if (n <= 0) {
		*cp = 0xFFFD;
		return 1;
	}
	*cp = c;
	return (size_t)n;
}

static bool
is_ideographic(int32_t c)
{
	return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
	       (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3FFFF) ||
	       c == 0x3005 || c == 0x3006 || c == 0x3007 ||
	       (c >= 0x3021 && c <= 0x3029) || (c >= 0x3038 && c <= 0x303B);
}

static bool
is_katakana(int32_t c)
{
	return (c >= 0x30A0 && c <= 0x30FA) || (c >= 0x30FC && c <= 0x30FF) ||
	       (c >= 0x31F0 && c <= 0x31FF) || (c >= 0x32D0 && c <= 0x32FE) ||
	       (c >= 0x3300 && c <= 0x3357) || (c >= 0xFF66 && c <= 0xFF9D) ||
	       (c >= 0x3031 && c <= 0x3035) || c == 0x309B || c == 0x309C ||
	       c == 0x1B000;
}

static bool
is_sea(int32_t c)
{
	/* Line_Break=SA scripts: Thai, Lao, Myanmar, Khmer, Tai Le, New Tai
	 * Lue, Tai Tham, Tai Viet. */
	return (c >= 0x0E00 && c <= 0x0EFF) || (c >= 0x1000 && c <= 0x109F) ||
	       (c >= 0x1780 && c <= 0x17FF) || (c >= 0x1950 && c <= 0x19DF) ||
	       (c >= 0x1A20 && c <= 0x1AAF) || (c >= 0xAA60 && c <= 0xAADF) ||
	       (c >= 0xA9E0 && c <= 0xA9FF) || (c >= 0xAA60 && c <= 0xAA7F);
}

static bool
is_hebrew_letter(int32_t c)
{
	return (c >= 0x05D0 && c <= 0x05EA) || (c >= 0x05EF && c <= 0x05F2) ||
	       c == 0xFB1D || (c >= 0xFB1F && c <= 0xFB28) ||
	       (c >= 0xFB2A && c <= 0xFB4F);
}

/* UAX#29 Word_Break class of a code point (plus Lucene's ideographic,
 * kana, Southeast Asian and emoji classes), from utf8proc properties and
 * the explicit lists the standard gives. */
static enum wb
wb_class(int32_t c)
{
	if (c < 0x80) {
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			return WB_ALETTER;
		if (c >= '0' && c <= '9')
			return WB_NUMERIC;
		switch (c) {
		case '\r': return WB_CR;
		case '\n': return WB_LF;
		case 0x0B: case 0x0C: return WB_NEWLINE;
		case ' ': return WB_WSEGSPACE;
		case '\'': return WB_SQUOTE;
		case '"': return WB_DQUOTE;
		case '.': return WB_MIDNUMLET;
		case ':': return WB_MIDLETTER;
		case ',': case ';': return WB_MIDNUM;
		case '_': return WB_EXTENDNUMLET;
		default: return WB_OTHER;
		}
	}
	switch (c) {
	case 0x85: case 0x2028: case 0x2029: return WB_NEWLINE;
	case 0x200D: return WB_ZWJ;
	case 0x00B7: case 0x0387: case 0x055F: case 0x05F4: case 0x2027:
	case 0xFE13: case 0xFE55: case 0xFF1A:
		return WB_MIDLETTER;
	case 0x037E: case 0x0589: case 0x060C: case 0x060D: case 0x066C:
	case 0x07F8: case 0x2044: case 0xFE10: case 0xFE14: case 0xFE50:
	case 0xFE54: case 0xFF0C: case 0xFF1B:
		return WB_MIDNUM;
	case 0x2018: case 0x2019: case 0x2024: case 0xFE52: case 0xFF07:
	case 0xFF0E:
		return WB_MIDNUMLET;
	case 0x202F:
		return WB_EXTENDNUMLET;
	default:
		break;
	}
	if (c >= 0x1F1E6 && c <= 0x1F1FF)
		return WB_RI;
	if (is_katakana(c))
		return WB_KATAKANA;
	if (c >= 0x3041 && c <= 0x309F)
		return WB_HIRAGANA;
	if (is_ideographic(c))
		return WB_IDEO;
	if (is_hebrew_letter(c))
		return WB_HEBREW;

	const utf8proc_property_t *p = utf8proc_get_property(c);

	switch (p->category) {
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_MC:
		return WB_EXTEND;
	case UTF8PROC_CATEGORY_CF:
		return (c == 0x200B || c == 0x200C) ? WB_EXTEND : WB_FORMAT;
	case UTF8PROC_CATEGORY_ND:
		return is_sea(c) ? WB_SEA : WB_NUMERIC;
	case UTF8PROC_CATEGORY_PC:
		return WB_EXTENDNUMLET;
	case UTF8PROC_CATEGORY_ZS:
		return WB_WSEGSPACE;
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_NL:
		return is_sea(c) ? WB_SEA : WB_ALETTER;
	default:
		break;
	}
	if (p->boundclass == UTF8PROC_BOUNDCLASS_EXTEND ||
	    p->boundclass == UTF8PROC_BOUNDCLASS_SPACINGMARK ||
	    p->boundclass == UTF8PROC_BOUNDCLASS_E_MODIFIER)
		return WB_EXTEND;
	if (p->boundclass == UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC ||
	    p->boundclass == UTF8PROC_BOUNDCLASS_E_BASE ||
	    p->boundclass == UTF8PROC_BOUNDCLASS_E_BASE_GAZ ||
	    p->boundclass == UTF8PROC_BOUNDCLASS_GLUE_AFTER_ZWJ)
		return WB_EMOJI;
	return WB_OTHER;
}

static bool
is_ignorable(enum wb k)
{
	return k == WB_EXTEND || k == WB_FORMAT || k == WB_ZWJ;
}

static bool
is_ahletter(enum wb k)
{
	return k == WB_ALETTER || k == WB_HEBREW;
}

/* A decoded character: class, byte span, whether it is Hangul. */
typedef struct ch {
	enum wb k;
	size_t at, next;
	bool hangul;
} ch_t;

/* Word_Break classes of ASCII, filled from wb_class on first use. */
static uint8_t ascii_wb[128];
static pthread_once_t ascii_once = PTHREAD_ONCE_INIT;

static void
ascii_init(void)
{
	for (int32_t c = 0; c < 128; c++)
		ascii_wb[c] = (uint8_t)wb_class(c);
}

static void
peek(const st_tokcur_t *c, size_t at, ch_t *out)
{
	int32_t cp;

	out->at = at;
	if (at >= c->len) {
		out->k = WB_OTHER;
		out->next = at;
		out->hangul = false;
		return;
	}
	if (c->s[at] < 0x80) {          /* fast path: one byte, table class */
		out->k = (enum wb)ascii_wb[c->s[at]];
		out->next = at + 1;
		out->hangul = false;
		return;
	}
	out->next = at + st_utf8_decode(c->s, c->len, at, &cp);
	out->k = wb_class(cp);
	out->hangul = (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0x1100 && cp <= 0x11FF) ||
		      (cp >= 0x3130 && cp <= 0x318F) || (cp >= 0xA960 && cp <= 0xA97F) ||
		      (cp >= 0xD7B0 && cp <= 0xD7FF);
}

/* Skip Extend/Format/ZWJ after a character (WB4). */
static size_t
skip_ignorable(const st_tokcur_t *c, size_t at)
{
	ch_t x;

	if (at >= c->len || c->s[at] < 0x80)   /* ASCII is never Extend/Format */
		return at;
	for (;;) {
		peek(c, at, &x);
		if (at >= c->len || !is_ignorable(x.k))
			return at;
		at = x.next;
	}
}

/* Next non-ignorable character at or after at. */
static void
peek_word(const st_tokcur_t *c, size_t at, ch_t *out)
{
	peek(c, skip_ignorable(c, at), out);
}

/* Flags that decide the token type. */
enum { F_LETTER = 1, F_NUM = 2, F_KATA = 4, F_HANGUL = 8, F_NONHANGUL = 16 };

static void
note(unsigned *fl, const ch_t *x)
{
	if (is_ahletter(x->k)) {
		*fl |= F_LETTER;
		*fl |= x->hangul ? F_HANGUL : F_NONHANGUL;
	} else if (x->k == WB_NUMERIC) {
		*fl |= F_NUM | F_NONHANGUL;
	} else if (x->k == WB_KATAKANA) {
		*fl |= F_KATA;
	}
}

/* Scan a word segment (rules WB5-WB13b) starting at first; returns its end
 * and fills the type flags. */
static size_t
scan_word(const st_tokcur_t *c, const ch_t *first, unsigned *fl)
{
	enum wb prev = first->k;
	size_t end = skip_ignorable(c, first->next);
	ch_t n, nn;

	note(fl, first);
	for (;;) {
		peek(c, end, &n);
		if (end >= c->len)
			break;
		bool join = false, join2 = false;

		if (is_ahletter(prev) && is_ahletter(n.k))
			join = true;                                    /* WB5 */
		else if (is_ahletter(prev) && (n.k == WB_MIDLETTER || n.k == WB_MIDNUMLET ||
					       n.k == WB_SQUOTE)) {
			peek_word(c, n.next, &nn);
			if (nn.at < c->len && is_ahletter(nn.k))
				join2 = true;                           /* WB6/7 */
			else if (prev == WB_HEBREW && n.k == WB_SQUOTE)
				join = true;                            /* WB7a */
		} else if (prev == WB_HEBREW && n.k == WB_DQUOTE) {
			peek_word(c, n.next, &nn);
			if (nn.at < c->len && nn.k == WB_HEBREW)
				join2 = true;                           /* WB7b/c */
		} else if ((prev == WB_NUMERIC || is_ahletter(prev)) && n.k == WB_NUMERIC)
			join = true;                                    /* WB8/9 */
		else if (prev == WB_NUMERIC && is_ahletter(n.k))
			join = true;                                    /* WB10 */
		else if (prev == WB_NUMERIC && (n.k == WB_MIDNUM || n.k == WB_MIDNUMLET ||
						n.k == WB_SQUOTE)) {
			peek_word(c, n.next, &nn);
			if (nn.at < c->len && nn.k == WB_NUMERIC)
				join2 = true;                           /* WB11/12 */
		} else if (prev == WB_KATAKANA && n.k == WB_KATAKANA)
			join = true;                                    /* WB13 */
		else if ((is_ahletter(prev) || prev == WB_NUMERIC || prev == WB_KATAKANA ||
			  prev == WB_EXTENDNUMLET) && n.k == WB_EXTENDNUMLET)
			join = true;                                    /* WB13a */
		else if (prev == WB_EXTENDNUMLET && (is_ahletter(n.k) || n.k == WB_NUMERIC ||
						     n.k == WB_KATAKANA))
			join = true;                                    /* WB13b */

		if (join2) {
			note(fl, &nn);
			prev = nn.k;
			end = skip_ignorable(c, nn.next);
		} else if (join) {
			note(fl, &n);
			prev = n.k;
			end = skip_ignorable(c, n.next);
			if (n.k == WB_SQUOTE)   /* WB7a: nothing joins after it */
				break;
		} else {
			break;
		}
	}
	return end;
}

static uint8_t
type_of(unsigned fl)
{
	if (fl & F_LETTER)
		return (fl & F_HANGUL) && !(fl & F_NONHANGUL) ? ST_TOK_HANGUL : ST_TOK_ALPHANUM;
	if (fl & F_NUM)
		return ST_TOK_NUM;
	if (fl & F_KATA)
		return ST_TOK_KATAKANA;
	return ST_TOK_ALPHANUM;
}

/* Find the next segment that makes a token; 1 with [start,end) and type, 0
 * at the end of input. */
static int
next_segment(st_tokcur_t *c, size_t *start, size_t *end, uint8_t *type)
{
	ch_t x, n;

	while (c->pos < c->len) {
		peek(c, c->pos, &x);
		switch (x.k) {
		case WB_ALETTER: case WB_HEBREW: case WB_NUMERIC: case WB_KATAKANA:
		case WB_EXTENDNUMLET: {
			unsigned fl = 0;
			size_t e = scan_word(c, &x, &fl);

			c->pos = e;
			if (fl == 0)    /* only connector punctuation */
				continue;
			*start = x.at;
			*end = e;
			*type = type_of(fl);
			return 1;
		}
		case WB_IDEO:
		case WB_HIRAGANA:
			*start = x.at;
			*end = c->pos = skip_ignorable(c, x.next);
			*type = x.k == WB_IDEO ? ST_TOK_IDEOGRAPHIC : ST_TOK_HIRAGANA;
			return 1;
		case WB_SEA: {
			size_t e = skip_ignorable(c, x.next);

			for (;;) {
				peek(c, e, &n);
				if (e >= c->len || n.k != WB_SEA)
					break;
				e = skip_ignorable(c, n.next);
			}
			*start = x.at;
			*end = c->pos = e;
			*type = ST_TOK_SOUTHEAST_ASIAN;
			return 1;
		}
		case WB_EMOJI: {
			size_t e = x.next;

			for (;;) {      /* modifiers, ZWJ sequences (WB3c, WB4) */
				peek(c, e, &n);
				if (e >= c->len)
					break;
				if (n.k == WB_EXTEND || n.k == WB_FORMAT) {
					e = n.next;
				} else if (n.k == WB_ZWJ) {
					ch_t z;

					peek(c, n.next, &z);
					e = n.next;
					if (n.next < c->len && z.k == WB_EMOJI)
						e = z.next;
				} else {
					break;
				}
			}
			*start = x.at;
			*end = c->pos = e;
			*type = ST_TOK_EMOJI;
			return 1;
		}
		case WB_RI: {
			size_t e = skip_ignorable(c, x.next);

			peek(c, e, &n);
			if (e < c->len && n.k == WB_RI)
				e = skip_ignorable(c, n.next);   /* WB15/16 */
			*start = x.at;
			*end = c->pos = e;
			*type = ST_TOK_EMOJI;
			return 1;
		}
		default:
			c->pos = skip_ignorable(c, x.next);
			break;
		}
	}
	return 0;
}

/* Cut [start,end) after at most max UTF-16 units, never inside a code point. */
static size_t
cut(const st_tokcur_t *c, size_t start, size_t end, uint32_t max)
{
	uint32_t units = 0;
	size_t i = start;

	if (end - start <= max)          /* bytes >= UTF-16 units: no cut */
		return end;
	while (i < end) {
		int32_t cp;
		size_t n = st_utf8_decode(c->s, c->len, i, &cp);
		uint32_t u = cp >= 0x10000 ? 2 : 1;

		if (units + u > max)
			break;
		units += u;
		i += n;
	}
	return i > start ? i : start + st_utf8_decode(c->s, c->len, start, &(int32_t){0});
}

int
st_std_next(st_tokcur_t *c, st_rawtok_t *t)
{
	pthread_once(&ascii_once, ascii_init);
	uint32_t max = c->def->max_token_length ? c->def->max_token_length : 255;
	size_t start, end;
	uint8_t type;

	if (c->split_end > c->pos) {
		start = c->pos;
		end = c->split_end;
		type = c->split_type;
	} else if (!next_segment(c, &start, &end, &type)) {
		return 0;
	}
	size_t e = cut(c, start, end, max);

	if (e < end) {
		c->split_end = end;
		c->split_type = type;
	} else {
		c->split_end = 0;
	}
	c->pos = e < end ? e : c->pos;
	if (e >= end && c->pos < end)
		c->pos = end;
	t->start = start;
	t->end = e;
	t->type = type;
	return 1;
}
