/*
 * analysis_int.h - what only the storage/analysis sources may see: analyzer,
 * tokenizer and filter descriptions, the per-thread context and the
 * tokenizer cursor.
 *
 * Descriptions are plain immutable data (shared by every core); all mutable
 * state lives in st_analysis_ctx_t (one thread) or a stack tokenizer cursor.
 */
#ifndef ST_ANALYSIS_INT_H
#define ST_ANALYSIS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "osprey/analysis.h"

/* Iterate a JSON array/object's children. (OSP_JSON_FOREACH only works when
 * the loop variable is literally named "child": its parameter shadows the
 * union member.) */
#define ST_JSON_EACH(var, parent) \
	for (const osp_json_t *var = ((parent) && ((parent)->type == OSP_JSON_ARRAY || \
		(parent)->type == OSP_JSON_OBJECT)) ? (parent)->u.child : NULL; var; var = var->next)

typedef enum st_tok_kind {
	ST_TK_STANDARD = 0,
	ST_TK_LETTER,
	ST_TK_WHITESPACE,
	ST_TK_KEYWORD,
	ST_TK_LOWERCASE,          /* letter tokenizer that also lowercases */
} st_tok_kind_t;

/* A tokenizer description (built-in or from "analysis.tokenizer"). */
typedef struct st_tokdef {
	const char *name;
	uint8_t kind;             /* st_tok_kind_t */
	uint32_t max_token_length;
} st_tokdef_t;

typedef enum st_filt_kind {
	ST_TF_LOWERCASE = 0,
	ST_TF_UPPERCASE,
	ST_TF_STOP,
	ST_TF_POSSESSIVE,
	ST_TF_STEM,
	ST_TF_ASCIIFOLDING,
	ST_TF_TRIM,
	ST_TF_LENGTH,
	ST_TF_KEYWORD_MARKER,     /* marks tokens the stemmers must leave alone */
	ST_TF_NGRAM,              /* one token -> several (same position) */
	ST_TF_EDGE_NGRAM,
} st_filt_kind_t;

/* A token filter description. Stop words are a sorted array of
 * NUL-terminated strings (binary search). */
typedef struct st_filtdef {
	const char *name;
	uint8_t kind;             /* st_filt_kind_t */
	bool ignore_case;         /* stop */
	const char *algo;         /* stem: libstemmer algorithm ("porter") */
	const char *const *words; /* stop, keyword_marker */
	uint32_t n_words;
	uint32_t min, max;        /* length / (edge_)ngram sizes, in code points */
} st_filtdef_t;

/* An analyzer: tokenizer + filters. Built-ins are static const; custom ones
 * live in their registry's arena; ad-hoc ones own an arena (own != NULL). */
struct st_analyzer {
	const char *name;
	st_tokdef_t tok;
	const st_filtdef_t *const *filters;
	uint32_t n_filters;
	osp_arena_t *own;
	bool pig_set;             /* position_increment_gap given */
	int32_t pig;
};

/* One remembered stem (short terms only). */
#define ST_STEM_CACHE_TERM 24
#define ST_STEM_CACHE_SIZE 4096          /* power of two */
typedef struct st_stem_slot {
	const char *algo;                /* NULL = empty */
	uint8_t in_len, out_len;
	char in[ST_STEM_CACHE_TERM];
	char out[ST_STEM_CACHE_TERM];
} st_stem_slot_t;

/* Per-thread context: growable scratch terms, the stemmer instances and a
 * direct-mapped cache of recent stems (word frequencies are Zipfian, so
 * most tokens hit). */
#define ST_STEMMERS_MAX 8
struct st_analysis_ctx {
	st_stem_slot_t *stem_cache;      /* ST_STEM_CACHE_SIZE slots, lazily */
	char *term;               /* current token bytes */
	size_t term_cap;
	char *tmp;                /* second buffer filters write into */
	size_t tmp_cap;
	struct {
		const char *algo;
		struct sb_stemmer *sb;
	} stem[ST_STEMMERS_MAX];
	uint32_t n_stem;
	bool keyword;             /* current token marked by keyword_marker */
	char *gram;               /* (edge_)ngram source token */
	uint32_t *gram_off;       /* its code point offsets */
	size_t gram_cap;
};

/* A raw token from a tokenizer: byte range in the input and its type. */
typedef struct st_rawtok {
	size_t start, end;
	uint8_t type;
} st_rawtok_t;

/* Tokenizer cursor over one input value. */
typedef struct st_tokcur {
	const uint8_t *s;
	size_t len;
	size_t pos;
	const st_tokdef_t *def;
	/* pending split of an over-long token (standard tokenizer) */
	size_t split_end;
	uint8_t split_type;
} st_tokcur_t;

void
st_tokcur_init(st_tokcur_t *c, const st_tokdef_t *def, const char *s, size_t len);

/* Next token: 1 and *t filled, or 0 at the end. */
int
st_tokcur_next(st_tokcur_t *c, st_rawtok_t *t);

/* Standard tokenizer step (tokenize_std.c). */
int
st_std_next(st_tokcur_t *c, st_rawtok_t *t);

/* Decode one code point at s[i] (len bytes); invalid bytes decode as
 * U+FFFD of length 1. Returns the byte length. */
size_t
st_utf8_decode(const uint8_t *s, size_t len, size_t i, int32_t *cp);

/* Java's Character.isWhitespace / isLetter. */
bool st_is_java_whitespace(int32_t cp);
bool st_is_java_letter(int32_t cp);

/* Apply filter f to ctx->term[0..*len); returns 1 to keep, 0 to drop the
 * token, -ENOMEM. */
int
st_filter_apply(st_analysis_ctx_t *ctx, const st_filtdef_t *f, uint32_t *len);

/* Make ctx->term / ctx->tmp hold at least n bytes. */
int
st_ctx_reserve(st_analysis_ctx_t *ctx, size_t n);

/* English stop words (Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET). */
extern const char *const st_english_stop_words[];
extern const uint32_t st_english_stop_words_n;

/* Built-in filter descriptions shared by built-in analyzers and names. */
extern const st_filtdef_t st_filt_lowercase;
extern const st_filtdef_t st_filt_uppercase;
extern const st_filtdef_t st_filt_stop_english;
extern const st_filtdef_t st_filt_possessive;
extern const st_filtdef_t st_filt_porter;
extern const st_filtdef_t st_filt_asciifolding;
extern const st_filtdef_t st_filt_trim;

#endif
