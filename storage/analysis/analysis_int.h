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
#include <regex.h>

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
	ST_TK_NGRAM,              /* grams of runs of token_chars */
	ST_TK_EDGE_NGRAM,         /* grams anchored at a run's start */
	ST_TK_PATTERN,            /* regex split (group -1) or matches' group */
} st_tok_kind_t;

/* token_chars classes of the (edge_)ngram tokenizers; none = every char. */
#define ST_TC_LETTER 0x1u
#define ST_TC_DIGIT 0x2u
#define ST_TC_WHITESPACE 0x4u
#define ST_TC_PUNCTUATION 0x8u
#define ST_TC_SYMBOL 0x10u

/* A compiled pattern; owned by a list the registry (or an ad-hoc analyzer)
 * frees with st_regex_list_free. */
typedef struct st_regex {
	regex_t re;
	struct st_regex *next;
} st_regex_t;

/* A tokenizer description (built-in or from "analysis.tokenizer"). */
typedef struct st_tokdef {
	const char *name;
	uint8_t kind;             /* st_tok_kind_t */
	uint32_t max_token_length;
	uint32_t min_gram, max_gram;  /* (edge_)ngram */
	uint32_t token_chars;     /* ST_TC_* (0 = all) */
	const st_regex_t *re;     /* pattern */
	int32_t group;            /* pattern: -1 = split */
} st_tokdef_t;

typedef enum st_cf_kind {
	ST_CF_HTML_STRIP = 0,
	ST_CF_MAPPING,
} st_cf_kind_t;

/* A char filter description: html_strip (escaped tags kept) or mapping
 * (from[i] -> to[i], longest match wins). */
typedef struct st_cfdef {
	const char *name;
	uint8_t kind;             /* st_cf_kind_t */
	const char *const *from;
	const char *const *to;
	const uint32_t *from_len, *to_len;
	uint32_t n;               /* mapping rules / escaped tags (in from) */
} st_cfdef_t;

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
	ST_TF_UNIQUE,             /* drops a term seen before in the value */
} st_filt_kind_t;

/* A token filter description. Stop words are a sorted array of
 * NUL-terminated strings (binary search). */
typedef struct st_filtdef {
	const char *name;
	uint8_t kind;             /* st_filt_kind_t */
	bool ignore_case;         /* stop */
	bool same_position;       /* unique: only_on_same_position */
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
	const st_cfdef_t *const *char_filters;
	uint32_t n_char_filters;
	osp_arena_t *own;
	st_regex_t *regexes;      /* ad-hoc analyzers: patterns they compiled */
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
	/* char filter output (two, used in turn) and its map to input bytes */
	char *cf_text[2];
	uint32_t *cf_map[2];
	size_t cf_cap[2];
	/* unique filter: terms seen in this value (offsets into uniq_bytes) */
	uint64_t *uniq_slots;     /* hash << 32 | (index + 1), 0 = empty */
	uint32_t *uniq_off;       /* per stored term: start in uniq_bytes */
	char *uniq_bytes;
	size_t uniq_cap, uniq_n, uniq_bytes_len, uniq_bytes_cap;
	int32_t uniq_pos;         /* position of the terms held (same_position) */
	int32_t cur_position;     /* position the current token will get */
};

/* Run an analyzer's char filters over text: out and out_len the filtered
 * text (ctx scratch) and *map, per output byte plus one, the input byte it
 * came from. 0 or -ENOMEM. */
int
st_charfilter_run(st_analysis_ctx_t *ctx, const st_analyzer_t *an, const char *text,
		  size_t len, const char **out, size_t *out_len, const uint32_t **map);

/* Build a char filter from {"type":"html_strip"|"mapping",...}. */
int
st_charfilter_build(osp_arena_t *a, const char *name, const osp_json_t *def,
		    const st_cfdef_t **out, osp_err_t *err);

/* Built-in char filter by name ("html_strip"), or NULL. */
const st_cfdef_t *
st_charfilter_builtin(const char *name, size_t len);

/* Build a tokenizer description from {"type":..., ...}; patterns compile
 * onto *regexes. */
int
st_tokdef_build(osp_arena_t *a, st_regex_t **regexes, const char *name,
		const osp_json_t *def, const st_tokdef_t **out, osp_err_t *err);

/* Built-in tokenizer by name, or NULL. */
const st_tokdef_t *
st_tokdef_builtin(const char *name, size_t len);

void
st_regex_list_free(st_regex_t *list);

/* Unsigned setting: JSON integer or numeric string; dflt when absent. */
int
st_def_uint(const osp_json_t *def, const char *key, uint32_t dflt, uint32_t *out,
	    osp_err_t *err);

/* A boolean setting: JSON true/false or "true"/"false". */
bool
st_def_bool(const osp_json_t *def, const char *key, bool dflt);

/* The unique filter's verdict on ctx->term[0..len): 1 keep, 0 drop. */
int
st_unique_check(st_analysis_ctx_t *ctx, const st_filtdef_t *f, uint32_t len);

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
	/* (edge_)ngram: current run [run_start, run_end), gram start, length */
	size_t run_start, run_end, g_start;
	uint32_t g_n;
} st_tokcur_t;

void
st_tokcur_init(st_tokcur_t *c, const st_tokdef_t *def, const char *s, size_t len);

/* Next token: 1 and *t filled, or 0 at the end. */
int
st_tokcur_next(st_tokcur_t *c, st_rawtok_t *t);

/* (edge_)ngram and pattern tokenizer steps (tokenize_gram.c). */
int
st_gram_next(st_tokcur_t *c, st_rawtok_t *t);
int
st_pattern_next(st_tokcur_t *c, st_rawtok_t *t);

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
