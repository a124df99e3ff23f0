/*
 * filters.c - token filters: lowercase, uppercase, stop, english
 * possessive, stemming (libstemmer), asciifolding, trim, length.
 *
 * A filter rewrites ctx->term in place (or through ctx->tmp and a swap) and
 * says whether the token survives. Case mapping is per code point, as
 * Java's Character.toLowerCase (utf8proc's simple mappings). Stemmers are
 * created lazily per context (libstemmer instances are not thread-safe) and
 * reused for every token. Stop sets are sorted arrays searched by binary
 * search.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>
#include <utf8proc.h>

#include "analysis_int.h"

/* Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET, sorted. */
const char *const st_english_stop_words[] = {
	"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if",
	"in", "into", "is", "it", "no", "not", "of", "on", "or", "such",
	"that", "the", "their", "then", "there", "these", "they", "this",
	"to", "was", "will", "with",
};
const uint32_t st_english_stop_words_n =
	sizeof(st_english_stop_words) / sizeof(st_english_stop_words[0]);

const st_filtdef_t st_filt_lowercase = { .name = "lowercase", .kind = ST_TF_LOWERCASE };
const st_filtdef_t st_filt_uppercase = { .name = "uppercase", .kind = ST_TF_UPPERCASE };
const st_filtdef_t st_filt_stop_english = {
	.name = "stop", .kind = ST_TF_STOP, .words = st_english_stop_words,
	.n_words = sizeof(st_english_stop_words) / sizeof(st_english_stop_words[0]),
};
const st_filtdef_t st_filt_possessive = { .name = "english_possessive", .kind = ST_TF_POSSESSIVE };
const st_filtdef_t st_filt_porter = { .name = "porter_stem", .kind = ST_TF_STEM, .algo = "porter" };
const st_filtdef_t st_filt_asciifolding = { .name = "asciifolding", .kind = ST_TF_ASCIIFOLDING };
const st_filtdef_t st_filt_trim = { .name = "trim", .kind = ST_TF_TRIM };

int
st_ctx_reserve(st_analysis_ctx_t *ctx, size_t n)
{
	if (n <= ctx->term_cap && n <= ctx->tmp_cap)
		return 0;
	size_t cap = 256;

	while (cap < n)
		cap *= 2;
	if (cap > ctx->term_cap) {
		char *p = realloc(ctx->term, cap);

		if (p == NULL)
			return -ENOMEM;
		ctx->term = p;
		ctx->term_cap = cap;
	}
	if (cap > ctx->tmp_cap) {
		char *p = realloc(ctx->tmp, cap);

		if (p == NULL)
			return -ENOMEM;
		ctx->tmp = p;
		ctx->tmp_cap = cap;
	}
	return 0;
}

static void
swap_tmp(st_analysis_ctx_t *ctx)
{
	char *t = ctx->term;
	size_t c = ctx->term_cap;

	ctx->term = ctx->tmp;
	ctx->term_cap = ctx->tmp_cap;
	ctx->tmp = t;
	ctx->tmp_cap = c;
}

/* Map every code point through fn into tmp, then swap. Case mapping can
 * grow a code point from 2 to 3 bytes, so reserve 2x. */
static int
map_case(st_analysis_ctx_t *ctx, uint32_t *len, bool lower)
{
	const uint8_t *s = (const uint8_t *)ctx->term;
	uint32_t n = *len, i = 0, o = 0;
	bool ascii = true;

	for (i = 0; i < n; i++) {
		if (s[i] >= 0x80) {
			ascii = false;
			break;
		}
	}
	if (ascii) {
		for (i = 0; i < n; i++) {
			char c = ctx->term[i];

			if (lower && c >= 'A' && c <= 'Z')
				ctx->term[i] = (char)(c + 32);
			else if (!lower && c >= 'a' && c <= 'z')
				ctx->term[i] = (char)(c - 32);
		}
		return 0;
	}
	if (st_ctx_reserve(ctx, (size_t)n * 2 + 8) < 0)
		return -ENOMEM;
	s = (const uint8_t *)ctx->term;
	for (i = 0; i < n;) {
		int32_t cp;

		i += (uint32_t)st_utf8_decode(s, n, i, &cp);
		cp = lower ? utf8proc_tolower(cp) : utf8proc_toupper(cp);
		o += (uint32_t)utf8proc_encode_char(cp, (uint8_t *)ctx->tmp + o);
	}
	swap_tmp(ctx);
	*len = o;
	return 0;
}

static int
cmp_word(const char *term, uint32_t len, const char *w)
{
	size_t wl = strlen(w);
	int c = memcmp(term, w, len < wl ? len : wl);

	if (c != 0)
		return c;
	return len < wl ? -1 : len > wl ? 1 : 0;
}

static bool
stop_has(const st_filtdef_t *f, const char *term, uint32_t len)
{
	uint32_t lo = 0, hi = f->n_words;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		int c = cmp_word(term, len, f->words[mid]);

		if (c == 0)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

static int
stop_apply(st_analysis_ctx_t *ctx, const st_filtdef_t *f, uint32_t len)
{
	if (!f->ignore_case)
		return stop_has(f, ctx->term, len) ? 0 : 1;
	/* ignore_case: the set holds lowercased words; compare a lowered copy
	 * built in tmp, the term itself is unchanged */
	if (st_ctx_reserve(ctx, (size_t)len * 2 + 8) < 0)
		return -ENOMEM;
	const uint8_t *s = (const uint8_t *)ctx->term;
	uint32_t o = 0;

	for (uint32_t i = 0; i < len;) {
		int32_t cp;

		i += (uint32_t)st_utf8_decode(s, len, i, &cp);
		o += (uint32_t)utf8proc_encode_char(utf8proc_tolower(cp), (uint8_t *)ctx->tmp + o);
	}
	return stop_has(f, ctx->tmp, o) ? 0 : 1;
}

/* EnglishPossessiveFilter: drop a trailing 's / 'S (also U+2019 and U+FF07). */
static void
possessive_apply(st_analysis_ctx_t *ctx, uint32_t *len)
{
	const char *t = ctx->term;
	uint32_t n = *len;

	if (n < 2 || (t[n - 1] != 's' && t[n - 1] != 'S'))
		return;
	if (t[n - 2] == '\'') {
		*len = n - 2;
	} else if (n >= 4 && (uint8_t)t[n - 4] == 0xE2 && (uint8_t)t[n - 3] == 0x80 &&
		   (uint8_t)t[n - 2] == 0x99) {
		*len = n - 4;                          /* U+2019 */
	} else if (n >= 4 && (uint8_t)t[n - 4] == 0xEF && (uint8_t)t[n - 3] == 0xBC &&
		   (uint8_t)t[n - 2] == 0x87) {
		*len = n - 4;                          /* U+FF07 */
	}
}

static struct sb_stemmer *
ctx_stemmer(st_analysis_ctx_t *ctx, const char *algo)
{
	for (uint32_t i = 0; i < ctx->n_stem; i++)
		if (ctx->stem[i].algo == algo || strcmp(ctx->stem[i].algo, algo) == 0)
			return ctx->stem[i].sb;
	struct sb_stemmer *sb = sb_stemmer_new(algo, NULL);

	if (sb == NULL)
		return NULL;
	if (ctx->n_stem == ST_STEMMERS_MAX) {
		sb_stemmer_delete(ctx->stem[0].sb);
		memmove(&ctx->stem[0], &ctx->stem[1], sizeof(ctx->stem[0]) * (ST_STEMMERS_MAX - 1));
		ctx->n_stem--;
	}
	ctx->stem[ctx->n_stem].algo = algo;
	ctx->stem[ctx->n_stem].sb = sb;
	ctx->n_stem++;
	return sb;
}

static uint32_t
stem_hash(const char *algo, const char *s, uint32_t n)
{
	uint32_t h = 2166136261u ^ (uint32_t)(uintptr_t)algo;

	for (uint32_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h & (ST_STEM_CACHE_SIZE - 1);
}

/* Stem ctx->term with the filter's libstemmer algorithm, through the
 * context's cache; the stemmer instance belongs to ctx (one thread). */
static int
stem_apply(st_analysis_ctx_t *ctx, const st_filtdef_t *f, uint32_t *len)
{
	st_stem_slot_t *slot = NULL;

	if (*len < ST_STEM_CACHE_TERM) {
		if (ctx->stem_cache == NULL)
			ctx->stem_cache = calloc(ST_STEM_CACHE_SIZE, sizeof(*ctx->stem_cache));
		if (ctx->stem_cache) {
			slot = &ctx->stem_cache[stem_hash(f->algo, ctx->term, *len)];
			if (slot->algo == f->algo && slot->in_len == *len &&
			    memcmp(slot->in, ctx->term, *len) == 0) {
				memcpy(ctx->term, slot->out, slot->out_len);
				*len = slot->out_len;
				return 0;
			}
		}
	}
	struct sb_stemmer *sb = ctx_stemmer(ctx, f->algo);

	if (sb == NULL)
		return -ENOMEM;
	const sb_symbol *out = sb_stemmer_stem(sb, (const sb_symbol *)ctx->term, (int)*len);

	if (out == NULL)
		return -ENOMEM;
	int n = sb_stemmer_length(sb);

	if (slot && n < ST_STEM_CACHE_TERM) {
		slot->algo = f->algo;
		slot->in_len = (uint8_t)*len;
		memcpy(slot->in, ctx->term, *len);
		slot->out_len = (uint8_t)n;
		memcpy(slot->out, out, (size_t)n);
	}
	if (st_ctx_reserve(ctx, (size_t)n + 1) < 0)
		return -ENOMEM;
	memcpy(ctx->term, out, (size_t)n);
	*len = (uint32_t)n;
	return 0;
}

/* Letters ASCIIFoldingFilter folds that canonical decomposition does not. */
static const char *
fold_extra(int32_t cp)
{
	switch (cp) {
	case 0x00C6: return "AE";
	case 0x00E6: return "ae";
	case 0x0152: return "OE";
	case 0x0153: return "oe";
	case 0x00D8: return "O";
	case 0x00F8: return "o";
	case 0x00DF: return "ss";
	case 0x0110: return "D";
	case 0x0111: return "d";
	case 0x00D0: return "D";
	case 0x00F0: return "d";
	case 0x0141: return "L";
	case 0x0142: return "l";
	case 0x00DE: return "TH";
	case 0x00FE: return "th";
	case 0x0131: return "i";
	case 0x2018: case 0x2019: case 0x201A: case 0x2032: return "'";
	case 0x201C: case 0x201D: case 0x201E: case 0x2033: return "\"";
	case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: return "-";
	default: return NULL;
	}
}

/* ASCIIFoldingFilter: fold non-ASCII letters to ASCII (compatibility
 * decomposition without marks, plus the letters that do not decompose);
 * characters with no ASCII form are kept. */
static int
fold_apply(st_analysis_ctx_t *ctx, uint32_t *len)
{
	const uint8_t *s = (const uint8_t *)ctx->term;
	uint32_t n = *len, i, o = 0;

	for (i = 0; i < n && s[i] < 0x80; i++)
		;
	if (i == n)
		return 0;
	/* each code point folds to at most 4 ASCII bytes or stays as is */
	if (st_ctx_reserve(ctx, (size_t)n * 4 + 8) < 0)
		return -ENOMEM;
	s = (const uint8_t *)ctx->term;
	for (i = 0; i < n;) {
		int32_t cp, dec[8];
		size_t cl = st_utf8_decode(s, n, i, &cp);
		const char *x = cp >= 0x80 ? fold_extra(cp) : NULL;

		if (cp < 0x80) {
			ctx->tmp[o++] = (char)cp;
		} else if (x) {
			size_t xl = strlen(x);

			memcpy(ctx->tmp + o, x, xl);
			o += (uint32_t)xl;
		} else {
			int last = 0;
			utf8proc_ssize_t k = utf8proc_decompose_char(cp, dec, 8,
				UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_STRIPMARK, &last);
			bool ok = k > 0 && k <= 4;

			for (utf8proc_ssize_t j = 0; ok && j < k; j++)
				ok = dec[j] < 0x80;
			if (ok) {
				for (utf8proc_ssize_t j = 0; j < k; j++)
					ctx->tmp[o++] = (char)dec[j];
			} else {
				memcpy(ctx->tmp + o, s + i, cl);
				o += (uint32_t)cl;
			}
		}
		i += (uint32_t)cl;
	}
	swap_tmp(ctx);
	*len = o;
	return 0;
}

static uint32_t
count_cps(const char *s, uint32_t n)
{
	uint32_t c = 0;

	for (uint32_t i = 0; i < n; i++)
		c += ((uint8_t)s[i] & 0xC0) != 0x80;
	return c;
}

static uint32_t
unique_hash(const char *s, uint32_t n)
{
	uint32_t h = 2166136261u;

	for (uint32_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

/* Grow the seen-terms table (open addressing, load <= 1/2). */
static int
unique_grow(st_analysis_ctx_t *ctx)
{
	size_t cap = ctx->uniq_cap ? ctx->uniq_cap * 2 : 64;
	uint64_t *slots = calloc(cap, sizeof(*slots));
	uint32_t *off = realloc(ctx->uniq_off, sizeof(*off) * (cap / 2 + 1));

	if (off)
		ctx->uniq_off = off;
	if (!slots || !off) {
		free(slots);
		return -ENOMEM;
	}
	for (size_t i = 0; i < ctx->uniq_cap; i++) {
		uint64_t v = ctx->uniq_slots[i];
		size_t k = (size_t)(v >> 32) & (cap - 1);

		if (v == 0)
			continue;
		while (slots[k])
			k = (k + 1) & (cap - 1);
		slots[k] = v;
	}
	free(ctx->uniq_slots);
	ctx->uniq_slots = slots;
	ctx->uniq_cap = cap;
	return 0;
}

/* Lucene's UniqueTokenFilter (RemoveDuplicatesTokenFilter with
 * only_on_same_position): the table is emptied by st_analyze for each
 * value, and here whenever the position moves on (same_position). */
int
st_unique_check(st_analysis_ctx_t *ctx, const st_filtdef_t *f, uint32_t len)
{
	uint32_t h = unique_hash(ctx->term, len);

	if (f->same_position && ctx->uniq_pos != ctx->cur_position) {
		if (ctx->uniq_cap)
			memset(ctx->uniq_slots, 0, ctx->uniq_cap * sizeof(*ctx->uniq_slots));
		ctx->uniq_n = ctx->uniq_bytes_len = 0;
		ctx->uniq_pos = ctx->cur_position;
	}
	if ((ctx->uniq_n + 1) * 2 > ctx->uniq_cap && unique_grow(ctx) < 0)
		return -ENOMEM;
	size_t k = h & (ctx->uniq_cap - 1);

	for (uint64_t v; (v = ctx->uniq_slots[k]) != 0; k = (k + 1) & (ctx->uniq_cap - 1)) {
		uint32_t idx = (uint32_t)v - 1;
		uint32_t from = ctx->uniq_off[idx];
		uint32_t to = idx + 1 < ctx->uniq_n ? ctx->uniq_off[idx + 1] : (uint32_t)ctx->uniq_bytes_len;

		if ((uint32_t)(v >> 32) == h && to - from == len &&
		    memcmp(ctx->uniq_bytes + from, ctx->term, len) == 0)
			return 0;
	}
	if (ctx->uniq_bytes_len + len > ctx->uniq_bytes_cap) {
		size_t cap = (ctx->uniq_bytes_len + len) * 2 + 256;
		char *b = realloc(ctx->uniq_bytes, cap);

		if (b == NULL)
			return -ENOMEM;
		ctx->uniq_bytes = b;
		ctx->uniq_bytes_cap = cap;
	}
	memcpy(ctx->uniq_bytes + ctx->uniq_bytes_len, ctx->term, len);
	ctx->uniq_off[ctx->uniq_n] = (uint32_t)ctx->uniq_bytes_len;
	ctx->uniq_bytes_len += len;
	ctx->uniq_slots[k] = ((uint64_t)h << 32) | (uint64_t)(ctx->uniq_n + 1);
	ctx->uniq_n++;
	return 1;
}

int
st_filter_apply(st_analysis_ctx_t *ctx, const st_filtdef_t *f, uint32_t *len)
{
	int rc;

	switch (f->kind) {
	case ST_TF_LOWERCASE:
	case ST_TF_UPPERCASE:
		rc = map_case(ctx, len, f->kind == ST_TF_LOWERCASE);
		return rc < 0 ? rc : 1;
	case ST_TF_STOP:
		return stop_apply(ctx, f, *len);
	case ST_TF_POSSESSIVE:
		possessive_apply(ctx, len);
		return 1;
	case ST_TF_KEYWORD_MARKER:
		rc = stop_apply(ctx, f, *len);   /* 0 = in the set */
		if (rc < 0)
			return rc;
		if (rc == 0)
			ctx->keyword = true;
		return 1;
	case ST_TF_STEM:
		if (ctx->keyword)
			return 1;
		rc = stem_apply(ctx, f, len);
		return rc < 0 ? rc : 1;
	case ST_TF_ASCIIFOLDING:
		rc = fold_apply(ctx, len);
		return rc < 0 ? rc : 1;
	case ST_TF_TRIM: {
		uint32_t a = 0, b = *len;

		while (a < b && ((uint8_t)ctx->term[a] <= ' '))
			a++;
		while (b > a && ((uint8_t)ctx->term[b - 1] <= ' '))
			b--;
		memmove(ctx->term, ctx->term + a, b - a);
		*len = b - a;
		return 1;
	}
	case ST_TF_LENGTH: {
		uint32_t c = count_cps(ctx->term, *len);

		return c >= f->min && c <= f->max;
	}
	case ST_TF_UNIQUE:
		return st_unique_check(ctx, f, *len);
	default:
		return 1;
	}
}
