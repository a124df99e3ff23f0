/*
 * test_analysis.c - analyzers against the token lists Elasticsearch
 * produces: built-ins, UAX#29 word rules, positions, offsets (UTF-8 and
 * UTF-16), multi-value gaps, custom analyzers and their errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "osprey/analysis.h"
#include "osprey/json.h"

static st_analysis_ctx_t *ctx;

static int
setup(void **state)
{
	(void)state;
	return st_analysis_ctx_create(&ctx);
}

static int
teardown(void **state)
{
	(void)state;
	st_analysis_ctx_free(ctx);
	return 0;
}

/* Joins terms with '|' into a buffer. */
typedef struct join {
	char buf[4096];
	size_t n;
	char types[1024];
	size_t tn;
} join_t;

static int
join_cb(void *arg, const st_token_t *t)
{
	join_t *j = arg;

	j->n += (size_t)snprintf(j->buf + j->n, sizeof(j->buf) - j->n, "%s%.*s",
				 j->n ? "|" : "", (int)t->len, t->term);
	j->tn += (size_t)snprintf(j->types + j->tn, sizeof(j->types) - j->tn, "%s%s",
				  j->tn ? "|" : "", st_token_type_name(t->type));
	return 0;
}

static const char *
run(const st_analyzer_t *an, const char *text, join_t *j)
{
	memset(j, 0, sizeof(*j));
	assert_int_equal(st_analyze(ctx, an, text, strlen(text), 0, NULL, join_cb, j), 0);
	return j->buf;
}

static const st_analyzer_t *
builtin(const char *name)
{
	const st_analyzer_t *an = st_analyzer_builtin(name, strlen(name));

	assert_non_null(an);
	return an;
}

static const char *fox = "The 2 QUICK Brown-Foxes jumped over the lazy dog's bone.";

static void
test_builtins_fox(void **state)
{
	join_t j;

	(void)state;
	assert_string_equal(run(builtin("standard"), fox, &j),
			    "the|2|quick|brown|foxes|jumped|over|the|lazy|dog's|bone");
	assert_string_equal(j.types, "<ALPHANUM>|<NUM>|<ALPHANUM>|<ALPHANUM>|<ALPHANUM>|"
			    "<ALPHANUM>|<ALPHANUM>|<ALPHANUM>|<ALPHANUM>|<ALPHANUM>|<ALPHANUM>");
	assert_string_equal(run(builtin("english"), fox, &j),
			    "2|quick|brown|fox|jump|over|lazi|dog|bone");
	assert_string_equal(run(builtin("simple"), fox, &j),
			    "the|quick|brown|foxes|jumped|over|the|lazy|dog|s|bone");
	assert_string_equal(run(builtin("stop"), fox, &j),
			    "quick|brown|foxes|jumped|over|lazy|dog|s|bone");
	assert_string_equal(run(builtin("whitespace"), fox, &j),
			    "The|2|QUICK|Brown-Foxes|jumped|over|the|lazy|dog's|bone.");
	assert_string_equal(j.types, "word|word|word|word|word|word|word|word|word|word");
	assert_string_equal(run(builtin("keyword"), fox, &j), fox);
	assert_null(st_analyzer_builtin("nope", 4));
}

static void
test_standard_rules(void **state)
{
	static const struct {
		const char *in, *out, *types;
	} cases[] = {
		{ "3.14 1,000 v1.2 192.168.0.1", "3.14|1,000|v1.2|192.168.0.1",
		  "<NUM>|<NUM>|<ALPHANUM>|<NUM>" },
		{ "john.doe@example.com", "john.doe|example.com", NULL },
		{ "https://www.elastic.co/guide/index.html", "https|www.elastic.co|guide|index.html", NULL },
		{ "don't WON'T 'quoted'", "don't|won't|quoted", NULL },
		{ "wi-fi hello,world a,b 1,b", "wi|fi|hello|world|a|b|1|b", NULL },
		{ "U.S.A. e.g.", "u.s.a|e.g", NULL },
		{ "foo_bar __init__ ___", "foo_bar|__init__", NULL },
		{ "A1B2 1st 2x4", "a1b2|1st|2x4", "<ALPHANUM>|<ALPHANUM>|<ALPHANUM>" },
		{ "\xc3\x87" "a va? \xc3\x9c" "ber \xc3\xa9lan", "\xc3\xa7" "a|va|\xc3\xbc" "ber|\xc3\xa9lan", NULL },
		{ "\xe4\xb8\xad\xe6\x96\x87\xe5\x88\x86\xe8\xaf\x8d",
		  "\xe4\xb8\xad|\xe6\x96\x87|\xe5\x88\x86|\xe8\xaf\x8d",
		  "<IDEOGRAPHIC>|<IDEOGRAPHIC>|<IDEOGRAPHIC>|<IDEOGRAPHIC>" },
		{ "\xe3\x81\x82\xe3\x81\x84 \xe3\x82\xab\xe3\x82\xbf\xe3\x82\xab\xe3\x83\x8a",
		  "\xe3\x81\x82|\xe3\x81\x84|\xe3\x82\xab\xe3\x82\xbf\xe3\x82\xab\xe3\x83\x8a",
		  "<HIRAGANA>|<HIRAGANA>|<KATAKANA>" },
		{ "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4", "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4", "<HANGUL>" },
		{ "eat \xf0\x9f\x8d\x95 now", "eat|\xf0\x9f\x8d\x95|now", "<ALPHANUM>|<EMOJI>|<ALPHANUM>" },
		{ "foo:bar 10:30", "foo:bar|10|30", NULL },
		{ "O\xe2\x80\x99Neil", "o\xe2\x80\x99neil", NULL },
		{ "  ...  !!! ", "", NULL },
		{ "", "", NULL },
		{ "caf\x65\xcc\x81 ok", "caf\x65\xcc\x81|ok", NULL },
	};
	join_t j;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run(builtin("standard"), cases[i].in, &j);
		if (strcmp(j.buf, cases[i].out) != 0)
			fail_msg("standard(\"%s\") = \"%s\", want \"%s\"", cases[i].in, j.buf, cases[i].out);
		if (cases[i].types && strcmp(j.types, cases[i].types) != 0)
			fail_msg("types(\"%s\") = \"%s\", want \"%s\"", cases[i].in, j.types, cases[i].types);
	}
}

static void
test_english(void **state)
{
	join_t j;

	(void)state;
	assert_string_equal(run(builtin("english"), "The runners' RUNNING generalizations, Mary's cats", &j),
			    "runner|run|gener|mari|cat");
	assert_string_equal(run(builtin("english"), "it is not to be", &j), "");
}

typedef struct toks {
	st_token_t t[64];
	char terms[64][64];
	int n;
} toks_t;

static int
toks_cb(void *arg, const st_token_t *t)
{
	toks_t *k = arg;

	assert_true(k->n < 64);
	k->t[k->n] = *t;
	snprintf(k->terms[k->n], 64, "%.*s", (int)t->len, t->term);
	k->n++;
	return 0;
}

static void
test_positions_offsets(void **state)
{
	toks_t k = { 0 };
	const st_analyzer_t *en = builtin("english");

	(void)state;
	assert_int_equal(st_analyze(ctx, en, fox, strlen(fox), 0, NULL, toks_cb, &k), 0);
	assert_int_equal(k.n, 9);
	assert_string_equal(k.terms[0], "2");
	assert_int_equal(k.t[0].position, 1);
	assert_int_equal(k.t[0].start_offset, 4);
	assert_int_equal(k.t[0].end_offset, 5);
	assert_string_equal(k.terms[3], "fox");
	assert_int_equal(k.t[3].position, 4);
	assert_int_equal(k.t[3].start_offset, 18);
	assert_int_equal(k.t[3].end_offset, 23);
	assert_string_equal(k.terms[6], "lazi");
	assert_int_equal(k.t[6].position, 8);
	assert_string_equal(k.terms[7], "dog");
	assert_int_equal(k.t[7].start_offset, 45);
	assert_int_equal(k.t[7].end_offset, 50);  /* the possessive stays in the offsets */

	/* UTF-8 vs UTF-16 offsets */
	const char *s = "h\xc3\xa9llo \xf0\x9f\x8d\x95 w\xc3\xb6rld";

	memset(&k, 0, sizeof(k));
	st_analyze(ctx, builtin("standard"), s, strlen(s), 0, NULL, toks_cb, &k);
	assert_int_equal(k.n, 3);
	assert_int_equal(k.t[1].start_offset, 7);
	assert_int_equal(k.t[1].end_offset, 11);
	assert_int_equal(k.t[2].start_offset, 12);
	assert_int_equal(k.t[2].end_offset, 18);
	memset(&k, 0, sizeof(k));
	st_analyze(ctx, builtin("standard"), s, strlen(s), ST_ANALYZE_UTF16, NULL, toks_cb, &k);
	assert_int_equal(k.t[0].start_offset, 0);
	assert_int_equal(k.t[0].end_offset, 5);
	assert_int_equal(k.t[1].start_offset, 6);
	assert_int_equal(k.t[1].end_offset, 8);
	assert_int_equal(k.t[2].start_offset, 9);
	assert_int_equal(k.t[2].end_offset, 14);
}

static void
test_multi_value(void **state)
{
	toks_t k = { 0 };
	st_analyze_pos_t pos = ST_ANALYZE_POS_INIT;
	const st_analyzer_t *std = builtin("standard");
	const st_analyzer_t *stop = builtin("stop");

	(void)state;
	st_analyze(ctx, std, "John Abraham", 12, 0, &pos, toks_cb, &k);
	st_analyze_pos_next_value(&pos, 100);
	st_analyze(ctx, std, "Lincoln Smith", 13, 0, &pos, toks_cb, &k);
	assert_int_equal(k.n, 4);
	assert_int_equal(k.t[1].position, 1);
	assert_int_equal(k.t[2].position, 102);
	assert_int_equal(k.t[2].start_offset, 13);
	assert_int_equal(k.t[3].end_offset, 26);
	assert_int_equal(pos.length, 4);

	/* trailing stop words still advance the next value's position */
	memset(&k, 0, sizeof(k));
	pos = (st_analyze_pos_t)ST_ANALYZE_POS_INIT;
	st_analyze(ctx, stop, "fox the", 7, 0, &pos, toks_cb, &k);
	assert_int_equal(pos.position, 1);
	st_analyze_pos_next_value(&pos, 100);
	st_analyze(ctx, stop, "dog", 3, 0, &pos, toks_cb, &k);
	assert_int_equal(k.n, 2);
	assert_int_equal(k.t[1].position, 102);
	assert_int_equal(pos.length, 2);
}

static void
test_max_token_length(void **state)
{
	char in[701];
	toks_t k = { 0 };

	(void)state;
	memset(in, 'a', 600);
	in[600] = '\0';
	st_analyze(ctx, builtin("standard"), in, 600, 0, NULL, toks_cb, &k);
	assert_int_equal(k.n, 3);
	assert_int_equal(k.t[0].end_offset, 255);
	assert_int_equal(k.t[1].start_offset, 255);
	assert_int_equal(k.t[1].end_offset, 510);
	assert_int_equal(k.t[2].end_offset, 600);
	assert_int_equal(k.t[2].position, 2);
	memset(&k, 0, sizeof(k));
	st_analyze(ctx, builtin("whitespace"), in, 600, 0, NULL, toks_cb, &k);
	assert_int_equal(k.n, 3);
	memset(&k, 0, sizeof(k));
	st_analyze(ctx, builtin("keyword"), in, 600, 0, NULL, toks_cb, &k);
	assert_int_equal(k.n, 1);
}

static void
test_to_arena(void **state)
{
	osp_arena_t a;
	st_token_t *t = NULL;
	uint32_t n = 0, cap = 0;
	st_analyze_pos_t pos = ST_ANALYZE_POS_INIT;

	(void)state;
	osp_arena_init(&a, 1024, 0);
	for (int i = 0; i < 20; i++) {
		if (i)
			st_analyze_pos_next_value(&pos, 100);
		assert_int_equal(st_analyze_to_arena(ctx, builtin("standard"), "Hello World", 11, 0,
						     &pos, &a, &t, &n, &cap), 0);
	}
	assert_int_equal(n, 40);
	assert_string_equal(t[0].term, "hello");
	assert_string_equal(t[39].term, "world");
	assert_int_equal(t[39].position, 19 * 102 + 1);
	osp_arena_free(&a);
}

static osp_json_t *
parse(osp_arena_t *a, const char *s)
{
	osp_json_t *v = NULL;
	osp_json_error_t je;

	assert_int_equal(osp_json_parse(a, s, strlen(s), NULL, &v, &je), 0);
	return v;
}

static void
test_custom(void **state)
{
	osp_arena_t a;
	st_analysis_t *reg = NULL;
	osp_err_t err;
	join_t j;

	(void)state;
	osp_arena_init(&a, 4096, 0);
	osp_err_clear(&err);
	assert_int_equal(st_analysis_create(parse(&a,
		"{\"analyzer\":{"
		" \"folded\":{\"type\":\"custom\",\"tokenizer\":\"standard\",\"filter\":[\"lowercase\",\"asciifolding\"]},"
		" \"my_stop\":{\"type\":\"custom\",\"tokenizer\":\"whitespace\",\"filter\":[\"lowercase\",\"my_words\"]},"
		" \"stemmed\":{\"tokenizer\":\"my_tok\",\"filter\":[\"lowercase\",\"stop\",\"eng\"]},"
		" \"std_stop\":{\"type\":\"standard\",\"stopwords\":\"_english_\"},"
		" \"short\":{\"type\":\"standard\",\"max_token_length\":5},"
		" \"en_ex\":{\"type\":\"english\",\"stem_exclusion\":[\"running\"]},"
		" \"km\":{\"tokenizer\":\"whitespace\",\"filter\":[\"protect\",\"porter_stem\"]},"
		" \"snow\":{\"tokenizer\":\"standard\",\"filter\":[\"lowercase\",\"snowball\"]},"
		" \"ps\":{\"tokenizer\":\"standard\",\"filter\":[\"lowercase\",\"porter_stem\"],\"position_increment_gap\":7,"
		" \"char_filter\":[]}},"
		"\"tokenizer\":{\"my_tok\":{\"type\":\"standard\",\"max_token_length\":255}},"
		"\"filter\":{\"my_words\":{\"type\":\"stop\",\"stopwords\":[\"Foo\",\"bar\"],\"ignore_case\":true},"
		" \"eng\":{\"type\":\"stemmer\",\"language\":\"english\"},"
		" \"protect\":{\"type\":\"keyword_marker\",\"keywords\":[\"Jumping\"],\"ignore_case\":true}}}"), &reg, &err), 0);
	assert_string_equal(run(st_analysis_get(reg, "en_ex", 5), "Running jumping", &j), "running|jump");
	assert_string_equal(run(st_analysis_get(reg, "km", 2), "JUMPING jumping flying", &j), "JUMPING|jumping|fly");
	assert_string_equal(run(st_analysis_get(reg, "folded", 6), "Cr\xc3\xa8me Br\xc3\xbbl\xc3\xa9" "e \xc3\x86on Stra\xc3\x9f" "e", &j),
			    "creme|brulee|aeon|strasse");
	assert_string_equal(run(st_analysis_get(reg, "my_stop", 7), "FOO Bar baz", &j), "baz");
	assert_string_equal(run(st_analysis_get(reg, "stemmed", 7), fox, &j),
			    "2|quick|brown|fox|jump|over|lazi|dog'|bone");
	assert_string_equal(run(st_analysis_get(reg, "std_stop", 8), "the quick fox", &j), "quick|fox");
	assert_string_equal(run(st_analysis_get(reg, "short", 5), "abcdefgh", &j), "abcde|fgh");
	assert_string_equal(run(st_analysis_get(reg, "snow", 4), "generously", &j), "generous");
	assert_string_equal(run(st_analysis_get(reg, "ps", 2), "generously", &j), "gener");
	assert_int_equal(st_analyzer_position_increment_gap(st_analysis_get(reg, "ps", 2)), 7);
	assert_string_equal(st_analyzer_name(st_analysis_get(reg, "default", 7)), "standard");
	assert_int_equal(st_analyzer_position_increment_gap(st_analysis_get(reg, "default", 7)), 100);
	assert_string_equal(st_analyzer_name(st_analysis_get(reg, "english", 7)), "english");
	assert_null(st_analysis_get(reg, "nope", 4));
	st_analysis_free(reg);
	osp_arena_free(&a);
}

static void
expect_err(const char *settings, const char *reason)
{
	osp_arena_t a;
	st_analysis_t *reg = NULL;
	osp_err_t err;

	osp_arena_init(&a, 4096, 0);
	osp_err_clear(&err);
	assert_int_equal(st_analysis_create(parse(&a, settings), &reg, &err), -EINVAL);
	assert_null(reg);
	assert_int_equal(err.status, 400);
	assert_string_equal(err.type, "illegal_argument_exception");
	assert_string_equal(err.reason, reason);
	osp_arena_free(&a);
}

static void
test_custom_errors(void **state)
{
	(void)state;
	expect_err("{\"analyzer\":{\"a\":{\"tokenizer\":\"nope\"}}}",
		   "Custom Analyzer [a] failed to find tokenizer under name [nope]");
	expect_err("{\"analyzer\":{\"a\":{\"tokenizer\":\"standard\",\"filter\":[\"lowercase\",\"nope\"]}}}",
		   "Custom Analyzer [a] failed to find filter under name [nope]");
	expect_err("{\"analyzer\":{\"a\":{\"type\":\"fancy\"}}}",
		   "Unknown analyzer type [fancy] for [a]");
	expect_err("{\"analyzer\":{\"a\":{\"filter\":[\"lowercase\"]}}}",
		   "analyzer [a] must specify either an analyzer type, or a tokenizer");
	expect_err("{\"filter\":{\"f\":{\"type\":\"wat\"}}}", "Unknown filter type [wat] for [f]");
	expect_err("{\"analyzer\":{\"a\":{\"tokenizer\":\"standard\",\"char_filter\":[\"nope\"]}}}",
		   "Custom Analyzer [a] failed to find char_filter under name [nope]");
	expect_err("{\"char_filter\":{\"c\":{\"type\":\"mapping\",\"mappings\":[\"a -> b\"]}}}",
		   "Invalid Mapping Rule : [a -> b]");
	expect_err("{\"char_filter\":{\"c\":{\"type\":\"wat\"}}}", "Unknown char_filter type [wat] for [c]");
	expect_err("{\"tokenizer\":{\"t\":{\"type\":\"ngram\",\"min_gram\":1,\"max_gram\":3}}}",
		   "The difference between max_gram and min_gram in NGram Tokenizer must be less than or equal to: "
		   "[1] but was [2]. This limit can be set by changing the [index.max_ngram_diff] index level setting.");
	expect_err("{\"tokenizer\":{\"t\":{\"type\":\"edge_ngram\",\"token_chars\":[\"emoji\"]}}}",
		   "Unknown token type: 'emoji', must be one of [symbol, custom, whitespace, letter, punctuation, digit]");
	expect_err("{\"normalizer\":{\"n\":{\"type\":\"custom\",\"filter\":[\"unique\"]}}}",
		   "Custom normalizer [n] may not use filter [unique]");
	expect_err("{\"tokenizer\":{\"t\":{\"type\":\"wat\"}}}", "Unknown tokenizer type [wat] for [t]");
	expect_err("{\"filter\":{\"f\":{\"type\":\"stemmer\",\"language\":\"klingon\"}}}",
		   "Unknown stemmer language [klingon] for [f]");
}

static void
test_ngrams(void **state)
{
	osp_arena_t a;
	st_analysis_t *reg = NULL;
	osp_err_t err;
	toks_t k = { 0 };
	st_analyze_pos_t pos = ST_ANALYZE_POS_INIT;
	join_t j;

	(void)state;
	osp_arena_init(&a, 4096, 0);
	assert_int_equal(st_analysis_create(parse(&a,
		"{\"filter\":{\"ac\":{\"type\":\"edge_ngram\",\"min_gram\":2,\"max_gram\":4},"
		"\"ng\":{\"type\":\"ngram\"}},"
		"\"analyzer\":{\"auto\":{\"tokenizer\":\"standard\",\"filter\":[\"lowercase\",\"ac\"]},"
		"\"tri\":{\"tokenizer\":\"whitespace\",\"filter\":[\"ng\",\"uppercase\"]}}}"), &reg, &err), 0);
	assert_string_equal(run(st_analysis_get(reg, "auto", 4), "Quick a Fox", &j), "qu|qui|quic|fo|fox");
	assert_string_equal(run(st_analysis_get(reg, "tri", 3), "ab\xc3\xa9", &j), "A|AB|B|B\xc3\x89|\xc3\x89");
	assert_int_equal(st_analyze(ctx, st_analysis_get(reg, "auto", 4), "Quick Fox", 9, 0, &pos, toks_cb, &k), 0);
	assert_int_equal(k.n, 5);
	assert_int_equal(k.t[0].position, 0);
	assert_int_equal(k.t[2].position, 0);
	assert_int_equal(k.t[2].start_offset, 0);
	assert_int_equal(k.t[2].end_offset, 5);
	assert_int_equal(k.t[3].position, 1);
	assert_int_equal(pos.length, 2);        /* stacked grams do not count for norms */
	st_analysis_free(reg);
	expect_err("{\"filter\":{\"g\":{\"type\":\"ngram\",\"min_gram\":1,\"max_gram\":3}}}",
		   "The difference between max_gram and min_gram in NGram Tokenizer must be less than or equal to: "
		   "[1] but was [2]. This limit can be set by changing the [index.max_ngram_diff] index level setting.");
	osp_arena_free(&a);
}

static void
test_normalizers(void **state)
{
	osp_arena_t a;
	st_analysis_t *reg = NULL;
	osp_err_t err;
	join_t j;

	(void)state;
	osp_arena_init(&a, 4096, 0);
	assert_string_equal(run(st_analysis_get_normalizer(NULL, "lowercase", 9), "Hello World", &j), "hello world");
	assert_null(st_analysis_get_normalizer(NULL, "nope", 4));
	assert_int_equal(st_analysis_create(parse(&a, "{\"normalizer\":{\"n\":{\"type\":\"custom\","
						  "\"filter\":[\"uppercase\",\"asciifolding\"]}}}"), &reg, &err), 0);
	assert_string_equal(run(st_analysis_get_normalizer(reg, "n", 1), "cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e", &j),
			    "CREME BRULEE");
	st_analysis_free(reg);
	expect_err("{\"normalizer\":{\"n\":{\"filter\":[\"stop\"]}}}", "Custom normalizer [n] may not use filter [stop]");
	expect_err("{\"normalizer\":{\"n\":{\"filter\":[\"nope\"]}}}",
		   "Custom normalizer [n] failed to find filter under name [nope]");
	osp_arena_free(&a);
}

static void
test_adhoc(void **state)
{
	osp_arena_t a;
	st_analyzer_t *an = NULL;
	osp_err_t err;
	join_t j;

	(void)state;
	osp_arena_init(&a, 4096, 0);
	assert_int_equal(st_analyzer_build(NULL, parse(&a,
		"{\"tokenizer\":\"whitespace\",\"filter\":[\"uppercase\",{\"type\":\"stop\",\"stopwords\":[\"B\"]}]}"),
		&an, &err), 0);
	assert_string_equal(run(an, "a b c", &j), "A|C");
	st_analyzer_free(an);
	assert_int_equal(st_analyzer_build(NULL, parse(&a, "{\"filter\":[\"lowercase\"]}"), &an, &err), 0);
	assert_string_equal(run(an, "Hello World", &j), "hello world");
	st_analyzer_free(an);
	assert_int_equal(st_analyzer_build(NULL, parse(&a, "{\"tokenizer\":\"nope\"}"), &an, &err), -EINVAL);
	assert_string_equal(err.reason, "failed to find global tokenizer under [nope]");
	osp_arena_free(&a);
}

/* Tokenizers, char filters and the unique filter against the token lists
 * Elasticsearch's reference shows for them. */
static void
test_es_components(void **state)
{
	osp_arena_t a;
	st_analysis_t *reg = NULL;
	osp_err_t err;
	toks_t k = { 0 };
	join_t j;

	(void)state;
	osp_arena_init(&a, 8192, 0);
	expect_err("{\"analyzer\":{\"pat\":{\"tokenizer\":\"pattern_default\"}}}",
		   "Custom Analyzer [pat] failed to find tokenizer under name [pattern_default]");
	osp_err_clear(&err);
	assert_int_equal(st_analysis_create(parse(&a,
		"{\"tokenizer\":{"
		" \"ng3\":{\"type\":\"ngram\",\"min_gram\":3,\"max_gram\":3,\"token_chars\":[\"letter\",\"digit\"]},"
		" \"edge\":{\"type\":\"edge_ngram\",\"min_gram\":\"2\",\"max_gram\":10,\"token_chars\":[\"letter\",\"digit\"]},"
		" \"pat\":{\"type\":\"pattern\"},"
		" \"comma\":{\"type\":\"pattern\",\"pattern\":\",\"},"
		" \"quoted\":{\"type\":\"pattern\",\"pattern\":\"\\\"([^\\\"]+)\\\"\",\"group\":1}},"
		"\"char_filter\":{\"emo\":{\"type\":\"mapping\",\"mappings\":[\":) => _happy_\",\":( => _sad_\"]},"
		" \"digits\":{\"type\":\"mapping\",\"mappings\":[\"\\u0660 => 0\",\"\\u0661 => 1\",\"\\u0662 => 2\","
		"  \"\\u0665 => 5\"]},"
		" \"keep_b\":{\"type\":\"html_strip\",\"escaped_tags\":[\"b\"]}},"
		"\"filter\":{\"same\":{\"type\":\"unique\",\"only_on_same_position\":\"true\"},"
		" \"grams\":{\"type\":\"edge_ngram\",\"min_gram\":1,\"max_gram\":1}},"
		"\"analyzer\":{"
		" \"ng3\":{\"tokenizer\":\"ng3\"}, \"ng\":{\"tokenizer\":\"ngram\"},"
		" \"edge\":{\"tokenizer\":\"edge\"}, \"edge1\":{\"tokenizer\":\"edge_ngram\"},"
		" \"pat\":{\"tokenizer\":\"pat\"},"
		" \"comma\":{\"tokenizer\":\"comma\"}, \"quoted\":{\"tokenizer\":\"quoted\"},"
		" \"emo\":{\"tokenizer\":\"standard\",\"char_filter\":[\"emo\"]},"
		" \"digits\":{\"tokenizer\":\"keyword\",\"char_filter\":\"digits\"},"
		" \"html\":{\"tokenizer\":\"keyword\",\"char_filter\":[\"html_strip\"]},"
		" \"html_std\":{\"tokenizer\":\"standard\",\"char_filter\":[\"html_strip\",\"emo\"]},"
		" \"keep_b\":{\"tokenizer\":\"keyword\",\"char_filter\":[\"keep_b\"]},"
		" \"uniq\":{\"tokenizer\":\"whitespace\",\"filter\":[\"unique\"]},"
		" \"uniq_pos\":{\"tokenizer\":\"whitespace\",\"filter\":[\"grams\",\"same\"]}}}"), &reg, &err), 0);
	assert_string_equal(run(st_analysis_get(reg, "ng", 2), "Quick Fox", &j),
			    "Q|Qu|u|ui|i|ic|c|ck|k|k | | F|F|Fo|o|ox|x");
	assert_string_equal(run(st_analysis_get(reg, "ng3", 3), "2 Quick Foxes.", &j), "Qui|uic|ick|Fox|oxe|xes");
	assert_string_equal(run(st_analysis_get(reg, "edge1", 5), "Quick Fox", &j), "Q|Qu");
	assert_string_equal(run(st_analysis_get(reg, "edge", 4), "2 Quick Foxes.", &j),
			    "Qu|Qui|Quic|Quick|Fo|Fox|Foxe|Foxes");
	assert_string_equal(run(st_analysis_get(reg, "pat", 3), "The foo_bar_size's default is 5.", &j),
			    "The|foo_bar_size|s|default|is|5");
	assert_string_equal(run(st_analysis_get(reg, "comma", 5), "comma,separated,,values", &j),
			    "comma|separated|values");
	assert_string_equal(run(st_analysis_get(reg, "quoted", 6), "\"value\", \"with space\" x", &j),
			    "value|with space");
	assert_string_equal(run(st_analysis_get(reg, "emo", 3), "I'm delighted about it :(", &j),
			    "I'm|delighted|about|it|_sad_");
	assert_string_equal(run(st_analysis_get(reg, "digits", 6), "My license plate is \xd9\xa2\xd9\xa5\xd9\xa0\xd9\xa1\xd9\xa5", &j),
			    "My license plate is 25015");
	assert_string_equal(run(st_analysis_get(reg, "html", 4), "<p>I&apos;m so <b>happy</b>!</p>", &j),
			    "\nI'm so happy!\n");
	assert_string_equal(run(st_analysis_get(reg, "html", 4), "a<!-- c -->b<script>x<y</script>&#233;&#x41;&bogus; 1 < 2", &j),
			    "ab\n\xc3\xa9" "A&bogus; 1 < 2");
	assert_string_equal(run(st_analysis_get(reg, "keep_b", 6), "<p>I&apos;m so <b>happy</b>!</p>", &j),
			    "\nI'm so <b>happy</b>!\n");
	assert_string_equal(run(st_analysis_get(reg, "uniq", 4), "the quick fox jumps the lazy fox", &j),
			    "the|quick|fox|jumps|lazy");
	assert_string_equal(run(st_analysis_get(reg, "uniq_pos", 8), "aa ab aa", &j), "a|a|a");
	/* offsets point into the text before the char filters */
	const char *html = "<p>I&apos;m so <b>happy</b>!</p> :)";

	assert_int_equal(st_analyze(ctx, st_analysis_get(reg, "html_std", 8), html, strlen(html), 0, NULL,
				    toks_cb, &k), 0);
	assert_int_equal(k.n, 4);
	assert_int_equal(k.t[0].start_offset, 3);
	assert_int_equal(k.t[0].end_offset, 11);
	assert_int_equal(k.t[1].start_offset, 12);
	assert_int_equal(k.t[1].end_offset, 14);
	assert_int_equal(k.t[2].start_offset, 18);
	assert_int_equal(k.t[3].start_offset, 33);
	assert_int_equal(k.t[3].end_offset, 35);
	assert_int_equal(k.t[3].position, 3);
	/* normalizers take char filters too */
	st_analysis_free(reg);
	assert_int_equal(st_analysis_create(parse(&a,
		"{\"char_filter\":{\"dash\":{\"type\":\"mapping\",\"mappings\":[\"- => \"]}},"
		"\"normalizer\":{\"n\":{\"type\":\"custom\",\"char_filter\":[\"dash\"],"
		"\"filter\":[\"lowercase\",\"asciifolding\"]}}}"), &reg, &err), 0);
	assert_string_equal(run(st_analysis_get_normalizer(reg, "n", 1), "AB-C\xc3\xa9-1", &j), "abce1");
	st_analysis_free(reg);
	osp_arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtins_fox),
		cmocka_unit_test(test_standard_rules),
		cmocka_unit_test(test_english),
		cmocka_unit_test(test_positions_offsets),
		cmocka_unit_test(test_multi_value),
		cmocka_unit_test(test_max_token_length),
		cmocka_unit_test(test_to_arena),
		cmocka_unit_test(test_custom),
		cmocka_unit_test(test_custom_errors),
		cmocka_unit_test(test_ngrams),
		cmocka_unit_test(test_normalizers),
		cmocka_unit_test(test_adhoc),
		cmocka_unit_test(test_es_components),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
