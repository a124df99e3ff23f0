/*
 * osprey/analysis.h - text analysis: analyzers, token streams, registries.
 *
 * An analyzer is an immutable description (tokenizer + token filters) that
 * any core may read. Running one needs a per-thread st_analysis_ctx_t, which
 * owns the scratch buffers and the libstemmer instances (not thread-safe):
 * each worker core and each control thread creates its own. Tokens stream
 * into a caller callback; the term bytes are valid only during the callback
 * (st_analyze_to_arena copies them). No per-token malloc.
 *
 * Built-in analyzers behave as Elasticsearch's: standard, simple, whitespace,
 * keyword, stop, english. An index's "analysis" settings add custom
 * analyzers, tokenizers and filters; st_analysis_t is that per-index registry
 * (built-ins are always visible through it). Tokenizers: standard (UAX#29),
 * letter, lowercase, whitespace, keyword, ngram, edge_ngram, pattern (POSIX
 * regex with Java's shorthand classes). Filters: lowercase, uppercase,
 * stop, stemmer / snowball / porter_stem, keyword_marker, asciifolding,
 * trim, length, unique, ngram, edge_ngram. Char filters: html_strip and
 * mapping (offsets still point into the original text).
 *
 * Offsets are UTF-8 byte offsets by default; ST_ANALYZE_UTF16 reports UTF-16
 * code units instead, as Elasticsearch's _analyze API does.
 */
#ifndef OSPREY_ANALYSIS_H
#define OSPREY_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "osprey/arena.h"
#include "osprey/err.h"
#include "osprey/json.h"

/* Token types, named as Lucene names them (st_token_type_name). */
typedef enum st_token_type {
	ST_TOK_ALPHANUM = 0,     /* "<ALPHANUM>" */
	ST_TOK_NUM,              /* "<NUM>" */
	ST_TOK_SOUTHEAST_ASIAN,  /* "<SOUTHEAST_ASIAN>" */
	ST_TOK_IDEOGRAPHIC,      /* "<IDEOGRAPHIC>" */
	ST_TOK_HIRAGANA,         /* "<HIRAGANA>" */
	ST_TOK_KATAKANA,         /* "<KATAKANA>" */
	ST_TOK_HANGUL,           /* "<HANGUL>" */
	ST_TOK_EMOJI,            /* "<EMOJI>" */
	ST_TOK_WORD,             /* "word" (whitespace, letter, keyword tokenizers) */
} st_token_type_t;

const char *
st_token_type_name(st_token_type_t t);

/* One token. term/len point into the context's scratch space (callback) or an
 * arena (st_analyze_to_arena); never NUL-terminated in the callback case. */
typedef struct st_token {
	const char *term;
	uint32_t len;
	int32_t position;        /* absolute position (0-based, gaps included) */
	uint32_t start_offset;   /* into the original text (+ pos->offset base) */
	uint32_t end_offset;
	uint8_t type;            /* st_token_type_t */
} st_token_t;

/* Called once per token; a non-zero return stops analysis and is returned
 * by st_analyze. */
typedef int (*st_token_cb)(void *arg, const st_token_t *tok);

/* Immutable analyzer. Built-ins are static; custom ones belong to the
 * st_analysis_t (or st_analyzer_free for ad-hoc ones). */
typedef struct st_analyzer st_analyzer_t;
/* Per-index analyzer registry built from index settings; immutable after
 * creation, shared read-only by all cores; freed by its creator. */
typedef struct st_analysis st_analysis_t;
/* Per-thread run state (scratch buffers, stemmer instances). One thread. */
typedef struct st_analysis_ctx st_analysis_ctx_t;

/* Where a multi-valued field is: the last position handed out (-1 before
 * the first token), the offset base for the next value, and the number of
 * tokens that count for norms (position increment > 0). */
typedef struct st_analyze_pos {
	int32_t position;
	uint32_t offset;
	uint32_t length;
} st_analyze_pos_t;

#define ST_ANALYZE_POS_INIT { -1, 0, 0 }

/* Flags for st_analyze. */
#define ST_ANALYZE_UTF16 0x1u    /* report offsets in UTF-16 code units */

/* Built-in analyzer by name ("standard", "simple", "whitespace", "keyword",
 * "stop", "english"); NULL if there is none. */
const st_analyzer_t *
st_analyzer_builtin(const char *name, size_t len);

/* The name the analyzer was registered under. */
const char *
st_analyzer_name(const st_analyzer_t *an);

/* Position gap between the values of a multi-valued field analyzed with
 * an: a custom analyzer's "position_increment_gap", else 100 (the gap
 * Elasticsearch gives every analyzer, so phrases do not match across
 * values). */
int32_t
st_analyzer_position_increment_gap(const st_analyzer_t *an);

/* Build a registry from an index's "analysis" settings object
 * ({"analyzer":{..},"tokenizer":{..},"filter":{..}}); analysis may be NULL.
 * Unknown types/names fail with illegal_argument_exception worded as
 * Elasticsearch words it. Returns 0, -EINVAL (err filled) or -ENOMEM. */
int
st_analysis_create(const osp_json_t *analysis, st_analysis_t **out, osp_err_t *err);

void
st_analysis_free(st_analysis_t *reg);

/* Analyzer by name: custom ones first, then built-ins. reg may be NULL
 * (built-ins only). "default" resolves to a custom "default" or standard. */
const st_analyzer_t *
st_analysis_get(const st_analysis_t *reg, const char *name, size_t len);

/* Normalizer (keyword fields' "normalizer") by name: custom ones from the
 * "analysis.normalizer" settings, then the built-in "lowercase". A
 * normalizer is an analyzer with the keyword tokenizer: it yields exactly
 * one token. NULL if unknown. */
const st_analyzer_t *
st_analysis_get_normalizer(const st_analysis_t *reg, const char *name, size_t len);

/* Build an ad-hoc analyzer for the _analyze API from a body holding
 * "tokenizer" and optional "filter" (names or inline definitions); names
 * resolve through reg (may be NULL). Free with st_analyzer_free. */
int
st_analyzer_build(const st_analysis_t *reg, const osp_json_t *body,
		  st_analyzer_t **out, osp_err_t *err);

/* Free an analyzer from st_analyzer_build; built-ins and registry-owned
 * analyzers are ignored. */
void
st_analyzer_free(st_analyzer_t *an);

/* Per-thread context. 0 or -ENOMEM. */
int
st_analysis_ctx_create(st_analysis_ctx_t **out);

void
st_analysis_ctx_free(st_analysis_ctx_t *ctx);

/* Analyze one value. pos may be NULL (single value from position 0, offset
 * 0); otherwise positions continue from pos->position, offsets are shifted
 * by pos->offset, and on return pos holds the last position, the offset
 * after this value and the updated norms length. Returns 0, -ENOMEM, or the
 * callback's non-zero value. */
int
st_analyze(st_analysis_ctx_t *ctx, const st_analyzer_t *an, const char *text,
	   size_t len, unsigned flags, st_analyze_pos_t *pos, st_token_cb cb,
	   void *arg);

/* Step pos over the boundary between two values of a multi-valued field:
 * position += gap (text fields default 100), offset += 1 (Lucene's offset
 * gap). */
void
st_analyze_pos_next_value(st_analyze_pos_t *pos, int32_t position_increment_gap);

/* st_analyze into an arena array; terms are copied and NUL-terminated.
 * *toks is appended to if *n > 0 and cap tracks its capacity (both zero at
 * first call). */
int
st_analyze_to_arena(st_analysis_ctx_t *ctx, const st_analyzer_t *an,
		    const char *text, size_t len, unsigned flags,
		    st_analyze_pos_t *pos, osp_arena_t *a, st_token_t **toks,
		    uint32_t *n, uint32_t *cap);

#endif
