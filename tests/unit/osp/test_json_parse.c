/*
 * test_json_parse.c - behaviour of osp_json_parse / osp_json_parse_prefix
 * (osprey/json.h): accepted and rejected corpora covering every RFC 8259
 * rule, strings, escapes and UTF-8, numbers (int64 edges, correctly rounded
 * doubles), Jackson-worded errors and their positions, strict duplicate
 * detection, BOM, depth and size limits, NDJSON prefixes, arena exhaustion.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "osprey/json.h"


#include "json_test_util.h"


static osp_json_error_t last_err;

static void
parse_bad_n(const char *text, size_t len)
{
	osp_json_t *v = (osp_json_t *)1;
	int rc = osp_json_parse(&arena, text, len, NULL, &v, &last_err);

	if (rc != -EINVAL)
		print_error("accepted bad input <%.*s>\n", (int)len, text);
	assert_int_equal(rc, -EINVAL);
	assert_null(v);
	assert_true(last_err.msg[0] != '\0');
}

static void
parse_bad(const char *text)
{
	parse_bad_n(text, strlen(text));
}

static void
test_valid_corpus(void **state)
{
	static const char *ok[] = {
		"null", "true", "false", "0", "-0", "1", "-1", "0.5", "-0.5",
		"1e5", "1E5", "1e+5", "1e-5", "1.5E-10", "123456789012345678901234567890",
		"\"\"", "\"abc\"", "\" \\\" \\\\ \\/ \\b \\f \\n \\r \\t \"",
		"\"\\u0041\\u00e9\\u20AC\"", "\"\\ud83d\\ude00\"", "\"caf\xc3\xa9\"",
		"\"\xe2\x82\xac\"", "\"\xf0\x9f\x98\x80\"", "\"\xf4\x8f\xbf\xbf\"",
		"\"\xed\x9f\xbf\"", "\"\xee\x80\x80\"",
		"[]", "{}", "[ ]", "{ }", " \t\r\n [1, 2 ,3] \n", "[[[[]]]]",
		"{\"a\":{\"b\":[1,{\"c\":null}]}}", "{\"\":0}", "{\"a\":1,\"a\":2}",
		"[\"\x7f\"]", "1.0", "0e0", "-0.0e-0", "[0,1,-1,0.0]", "\xef\xbb\xbf{}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		parse_ok(ok[i]);
	}
}

static void
test_invalid_corpus(void **state)
{
	static const char *bad[] = {
		"", " ", "[", "]", "{", "}", "[1,]", "{\"a\":1,}", "[,1]", "{,}",
		"[1 2]", "{\"a\" 1}", "{\"a\":}", "{a:1}", "{'a':1}", "['a']",
		"/* c */ 1", "// c\n1", "[1] // c", "NaN", "Infinity", "-Infinity",
		"+1", "01", "-01", "00", "1.", ".5", "1.e5", "1e", "1e+", "-",
		"0x10", "tru", "truex", "nul", "nulll", "True", "NULL",
		"\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\ud800\"",
		"\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\ud800x\"", "\"a\nb\"",
		"\"\t\"", "\"\x01\"", "\"\xc0\x80\"", "\"\xc1\xbf\"", "\"\x80\"",
		"\"\xe0\x80\x80\"", "\"\xe0\x9f\xbf\"", "\"\xed\xa0\x80\"",
		"\"\xed\xbf\xbf\"", "\"\xf0\x80\x80\x80\"", "\"\xf0\x8f\xbf\xbf\"",
		"\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"", "\"\xff\"",
		"\"\xc3\"", "\"\xe2\x82\"", "\"\xe2\x28\xa1\"", "1 2", "{} {}",
		"[1]]", "{\"a\":1}}", "\xef\xbb\xbf", "\xef\xbb{}", " \xef\xbb\xbf{}",
		"[\"a\",]", "[1,,2]",
		"{\"a\":1 \"b\":2}", "{\"a\"::1}", "{\"a\",1}", "[-]", "[1e]",
		"\"\\\"", "[\"\\", "{\"a", "{\"a\\", "[1.5e", "\x01",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_bad(bad[i]);
	/* NUL bytes inside strings and as stray input */
	parse_bad_n("\"a\0b\"", 5);
	parse_bad_n("[1]\0", 4);
	parse_bad_n("\0", 1);
}

static void
test_strings(void **state)
{
	(void)state;
	osp_json_t *v = parse_ok("\"a\\u0000b\\n\\ud83d\\ude00\\u00e9\\/\"");

	assert_int_equal(v->type, OSP_JSON_STRING);
	assert_int_equal(v->len, 4 + 4 + 2 + 1);
	assert_memory_equal(v->u.str, "a\0b\n\xf0\x9f\x98\x80\xc3\xa9/", 11);
	assert_int_equal(v->u.str[v->len], '\0');

	v = parse_ok("{\"k\\u00e9y\":\"plain\"}");
	assert_int_equal(v->len, 1);
	assert_string_equal(v->u.child->key, "k\xc3\xa9y");
	assert_int_equal(v->u.child->key_len, 4);
	assert_string_equal(v->u.child->u.str, "plain");

	/* long string crosses the SIMD blocks with an escape near the end */
	char big[300];

	big[0] = '"';
	memset(big + 1, 'x', 280);
	memcpy(big + 281, "\\n\xc3\xa9\"", 5);
	v = NULL;
	osp_json_error_t err;
	assert_int_equal(osp_json_parse(&arena, big, 286, NULL, &v, &err), 0);
	assert_int_equal(v->len, 280 + 1 + 2);
}

static void
test_input_buffer_independent(void **state)
{
	(void)state;
	char *text = strdup("{\"name\":\"value\",\"n\":12.5,\"esc\":\"a\\tb\"}");
	osp_json_t *v = parse_ok(text);

	memset(text, 'X', strlen(text));
	free(text);
	assert_string_equal(osp_json_get(v, "name")->u.str, "value");
	assert_string_equal(osp_json_get(v, "n")->num, "12.5");
	assert_string_equal(osp_json_get(v, "esc")->u.str, "a\tb");
	assert_string_equal(osp_json_get(v, "esc")->key, "esc");
}

static void
test_numbers(void **state)
{
	static const struct {
		const char *lit;
		int is_int;
		int64_t i;
		double d;
	} t[] = {
		{ "0", 1, 0, 0.0 },
		{ "-0", 1, 0, -0.0 },
		{ "42", 1, 42, 42.0 },
		{ "-42", 1, -42, -42.0 },
		{ "9223372036854775807", 1, INT64_MAX, 9223372036854775807.0 },
		{ "-9223372036854775808", 1, INT64_MIN, -9223372036854775808.0 },
		{ "9223372036854775808", 0, 0, 9223372036854775808.0 },
		{ "-9223372036854775809", 0, 0, -9223372036854775809.0 },
		{ "18446744073709551616", 0, 0, 18446744073709551616.0 },
		{ "1.0", 0, 0, 1.0 },
		{ "1e2", 0, 0, 100.0 },
		{ "0.1", 0, 0, 0.1 },
		{ "-0.0", 0, 0, -0.0 },
		{ "3.141592653589793", 0, 0, 3.141592653589793 },
		{ "2.2250738585072014e-308", 0, 0, 2.2250738585072014e-308 },
		{ "4.9e-324", 0, 0, 4.9e-324 },
		{ "1.7976931348623157e308", 0, 0, 1.7976931348623157e308 },
		{ "1e400", 0, 0, HUGE_VAL },
		{ "-1e400", 0, 0, -HUGE_VAL },
		{ "1e-400", 0, 0, 0.0 },
		{ "0.30000000000000004", 0, 0, 0.30000000000000004 },
		{ "123456789012345678901234567890e-10", 0, 0, 12345678901234567890.1234567890 },
		{ "9007199254740993", 1, 9007199254740993LL, 9007199254740992.0 },
		{ "9007199254740993.0", 0, 0, 9007199254740992.0 },
		/* halfway case that naive digit accumulation gets wrong */
		{ "1.00000000000000011102230246251565404236316680908203125", 0, 0, 1.0 },
		{ "1.00000000000000011102230246251565404236316680908203126", 0, 0, 1.0000000000000002 },
		{ "0.000000000000000000000000000000000000001", 0, 0, 1e-39 },
		{ "1e22", 0, 0, 1e22 },
		{ "1e23", 0, 0, 1e23 },
		{ "7e-10", 0, 0, 7e-10 },
	};

	(void)state;
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		osp_json_t *v = parse_ok(t[k].lit);

		assert_int_equal(v->type, OSP_JSON_NUMBER);
		if (v->is_int != t[k].is_int)
			print_error("%s: is_int %d\n", t[k].lit, v->is_int);
		assert_int_equal(v->is_int, t[k].is_int);
		if (t[k].is_int)
			assert_true(v->i == t[k].i);
		if (memcmp(&v->d, &t[k].d, sizeof(double)) != 0)
			print_error("%s: got %.17g want %.17g\n", t[k].lit, v->d, t[k].d);
		assert_memory_equal(&v->d, &t[k].d, sizeof(double));
		assert_int_equal(v->num_len, strlen(t[k].lit));
		assert_string_equal(v->num, t[k].lit);
	}
}

/* Every double printed with %.17g parses back bit-exact (fast path and
 * strtod fallback agree with the C library). */
static void
test_numbers_random(void **state)
{
	uint64_t x = 88172645463325252ULL;

	(void)state;
	for (int k = 0; k < 20000; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		double d;
		uint64_t bits = x;

		memcpy(&d, &bits, sizeof(d));
		if (!isfinite(d))
			continue;
		char lit[64];
		int prec = 1 + (int)(x % 17);

		snprintf(lit, sizeof(lit), "%.*g", prec, d);
		double want = strtod(lit, NULL);
		osp_json_t *v = parse_ok(lit);

		if (memcmp(&v->d, &want, sizeof(d)) != 0)
			print_error("%s: got %.17g want %.17g\n", lit, v->d, want);
		assert_memory_equal(&v->d, &want, sizeof(d));
		if ((k & 1023) == 0)
			osp_arena_reset(&arena);
	}
}

static void
expect_error(const char *text, const char *msg, uint32_t line, uint32_t col)
{
	parse_bad(text);
	if (strcmp(last_err.msg, msg) != 0 || last_err.line != line || last_err.column != col)
		print_error("<%s>: got '%s' at %u:%u\n", text, last_err.msg,
			    last_err.line, last_err.column);
	assert_string_equal(last_err.msg, msg);
	assert_int_equal(last_err.line, line);
	assert_int_equal(last_err.column, col);
}

static void
test_error_messages(void **state)
{
	(void)state;
	expect_error("{\"a\":1,}",
		     "Unexpected character ('}' (code 125)): was expecting double-quote to start field name",
		     1, 8);
	assert_int_equal(last_err.offset, 7);
	expect_error("{\"a\"}",
		     "Unexpected character ('}' (code 125)): was expecting a colon to separate field name and value",
		     1, 5);
	expect_error("{\"a\":1 \"b\":2}",
		     "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries",
		     1, 8);
	expect_error("[1 2]",
		     "Unexpected character ('2' (code 50)): was expecting comma to separate Array entries",
		     1, 4);
	expect_error("{\n  \"query\": {\n",
		     "Unexpected end-of-input: expected close marker for Object (start marker at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 2, column: 12])",
		     3, 1);
	expect_error("[1,\r\n2,\r3",
		     "Unexpected end-of-input: expected close marker for Array (start marker at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1])",
		     3, 2);
	expect_error("[1,]", "Unexpected character (']' (code 93)): expected a value", 1, 4);
	expect_error("", "No content to map due to end-of-input", 1, 1);
	expect_error("  \n", "No content to map due to end-of-input", 2, 1);
	expect_error("{\"a\":tru}",
		     "Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
		     1, 10);
	assert_int_equal(last_err.offset, 5);
	expect_error("[NaN]",
		     "Non-standard token 'NaN': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow",
		     1, 5);
	assert_int_equal(last_err.offset, 1);
	expect_error("[-Infinity]",
		     "Non-standard token '-Infinity': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow",
		     1, 11);
	assert_int_equal(last_err.offset, 1);
	expect_error("[01]", "Invalid numeric value: Leading zeroes not allowed", 1, 3);
	assert_int_equal(last_err.offset, 2);
	expect_error("[-x]",
		     "Unexpected character ('x' (code 120)) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value",
		     1, 3);
	expect_error("[1.x]",
		     "Unexpected character ('x' (code 120)) in numeric value: Decimal point not followed by a digit",
		     1, 4);
	expect_error("\"a\nb\"",
		     "Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in string value",
		     1, 4);
	expect_error("\"\\q\"", "Unrecognized character escape 'q' (code 113)", 1, 3);
	expect_error("\"abc", "Unexpected end-of-input: was expecting closing quote for a string value", 1, 5);
	expect_error("\"\\ud800\"", "Unmatched first part of surrogate pair (0xD800)", 1, 3);
	expect_error("\"\\udc00\"", "Unmatched second part of surrogate pair (0xDC00)", 1, 3);
	expect_error("\"\xc0\x80\"", "Invalid UTF-8 start byte 0xc0", 1, 3);
	expect_error("\"\xe0\x80\x80\"", "Invalid UTF-8 middle byte 0x80", 1, 4);
	expect_error("{} x", "Unexpected character ('x' (code 120)): expected end-of-input", 1, 4);
	expect_error("1x",
		     "Unexpected character ('x' (code 120)): Expected space separating root-level values",
		     1, 2);
	expect_error("[#]",
		     "Unexpected character ('#' (code 35)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
		     1, 2);
	/* end of input where a value or name is due */
	expect_error("[1,", "Unexpected end-of-input within/between Array entries", 1, 4);
	expect_error("{\"a\":1, ", "Unexpected end-of-input within/between Object entries", 1, 9);
	expect_error("{\"a\"", "Unexpected end-of-input within/between Object entries", 1, 5);
	expect_error("{\"a\": ", "Unexpected end-of-input within/between Object entries", 1, 7);
	expect_error("{\"ab", "Unexpected end-of-input: was expecting closing '\"' for name", 1, 5);
	/* close markers that close nothing: Jackson's mismatched end marker */
	expect_error("{\"open\":\"close\"]",
		     "Unexpected close marker ']': expected '}' (for Object starting at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1])",
		     1, 16);
	assert_int_equal(last_err.offset, 15);
	expect_error("[1,\n [2}]",
		     "Unexpected close marker '}': expected ']' (for Array starting at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 2, column: 2])",
		     2, 4);
	expect_error("{]",
		     "Unexpected close marker ']': expected '}' (for Object starting at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1])",
		     1, 2);
	expect_error("[}",
		     "Unexpected close marker '}': expected ']' (for Array starting at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1])",
		     1, 2);
	expect_error("}",
		     "Unexpected close marker '}': expected ']' (for root starting at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 0])",
		     1, 1);
	expect_error("[1]]",
		     "Unexpected close marker ']': expected '}' (for root starting at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 0])",
		     1, 4);
	/* multi-line, as in jackson-core's location tests */
	expect_error("{\n  \"one\": 1,\n  \"two\": 2\n  \"three\": 3\n}",
		     "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries",
		     4, 3);
	assert_int_equal(last_err.offset, 27);
	expect_error("{\n\"key1\":\"value1\",,\n\"key2\":\"value2\"\n}",
		     "Unexpected character (',' (code 44)): was expecting double-quote to start field name",
		     2, 17);
	assert_int_equal(last_err.offset, 18);
	/* messages quoting input stay valid UTF-8 */
	expect_error("[tr\xff\xc3]", "Unrecognized token 'tr?" "?': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 1, 7);
	osp_buf_t big = OSP_BUF_INIT;

	osp_buf_puts(&big, "{\"");
	for (int i = 0; i < 60; i++)
		osp_buf_puts(&big, "\xe6\x97\xa5");
	osp_buf_puts(&big, "\":1,\"");
	for (int i = 0; i < 60; i++)
		osp_buf_puts(&big, "\xe6\x97\xa5");
	osp_buf_puts(&big, "\":2}");
	osp_json_limits_t strict = { .reject_duplicates = true };
	osp_json_t *v;

	assert_int_equal(osp_json_parse(&arena, big.data, big.len, &strict, &v, &last_err), -EINVAL);
	assert_int_equal(strncmp(last_err.msg, "Duplicate field '\xe6\x97\xa5", 20), 0);
	assert_int_equal(strlen(last_err.msg), 17 + 33 * 3 + 1);   /* cut at a character */
	osp_buf_free(&big);
	expect_error("[\xc3\xa9]", "Unrecognized token '\xc3\xa9': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 1, 5);
}

static void
test_duplicates(void **state)
{
	osp_json_limits_t strict = { .reject_duplicates = true };
	osp_json_t *v;
	osp_json_error_t err;
	const char *dup = "{\"a\":1,\"b\":{\"a\":2},\"a\":3}";

	(void)state;
	/* default: kept, first wins */
	v = parse_ok(dup);
	assert_int_equal(v->len, 3);
	assert_int_equal(osp_json_get(v, "a")->i, 1);
	/* strict: Jackson's message, positioned after the name */
	assert_int_equal(osp_json_parse(&arena, dup, strlen(dup), &strict, &v, &err), -EINVAL);
	assert_string_equal(err.msg, "Duplicate field 'a'");
	assert_int_equal(err.offset, 21);
	assert_int_equal(err.column, 23);
	/* same name in different objects is fine; escapes are compared unescaped */
	const char *ok = "{\"a\":{\"a\":{\"a\":1}},\"b\":[{\"a\":1},{\"a\":2}]}";

	assert_int_equal(osp_json_parse(&arena, ok, strlen(ok), &strict, &v, &err), 0);
	const char *esc = "{\"ab\":1,\"\\u0061b\":2}";

	assert_int_equal(osp_json_parse(&arena, esc, strlen(esc), &strict, &v, &err), -EINVAL);
	assert_string_equal(err.msg, "Duplicate field 'ab'");
	/* large objects go through the hash set */
	osp_buf_t b = OSP_BUF_INIT;

	osp_buf_putc(&b, '{');
	for (int i = 0; i < 5000; i++)
		osp_buf_printf(&b, "%s\"field_%d\":%d", i ? "," : "", i, i);
	osp_buf_putc(&b, '}');
	assert_int_equal(osp_json_parse(&arena, b.data, b.len, &strict, &v, &err), 0);
	assert_int_equal(v->len, 5000);
	b.len--;
	osp_buf_puts(&b, ",\"field_4321\":0}");
	assert_int_equal(osp_json_parse(&arena, b.data, b.len, &strict, &v, &err), -EINVAL);
	assert_string_equal(err.msg, "Duplicate field 'field_4321'");
	b.len -= 4;
	osp_buf_puts(&b, "x\":0}");    /* field_4321x: new name */
	assert_int_equal(osp_json_parse(&arena, b.data, b.len, &strict, &v, &err), 0);
	osp_buf_free(&b);
}

static void
test_comments(void **state)
{
	osp_json_limits_t lim = OSP_JSON_LIMITS_ES;
	osp_json_t *v;
	osp_json_error_t err;
	static const char *ok[] = {
		"/* c */ {\"a\" /**/ : // x\n 1 /* * / */, \"b\": [1 /*,*/ , 2]} // end",
		"// only a line\r[1]", "[1]/**/", "/***/1 ", "{\"a\":\"/* not a comment */\"}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int rc = osp_json_parse(&arena, ok[i], strlen(ok[i]), &lim, &v, &err);

		if (rc != 0)
			print_error("<%s>: %s\n", ok[i], err.msg);
		assert_int_equal(rc, 0);
	}
	assert_int_equal(osp_json_parse(&arena, ok[0], strlen(ok[0]), &lim, &v, &err), 0);
	assert_int_equal(osp_json_get(v, "a")->i, 1);
	assert_int_equal(osp_json_get(v, "b")->len, 2);
	v = parse_ok(ok[4]);
	assert_string_equal(osp_json_get(v, "a")->u.str, "/* not a comment */");

	/* strict by default, with Jackson's hint */
	expect_error("[1 /* c */]",
		     "Unexpected character ('/' (code 47)): maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)",
		     1, 4);
	expect_error("/",
		     "Unexpected character ('/' (code 47)): maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)",
		     1, 1);
	/* enabled but malformed */
	assert_int_equal(osp_json_parse(&arena, "[1 /x]", 6, &lim, &v, &err), -EINVAL);
	assert_string_equal(err.msg, "Unexpected character ('x' (code 120)): was expecting either '*' or '/' for a comment");
	assert_int_equal(err.column, 5);
	assert_int_equal(osp_json_parse(&arena, "[1 /* never", 11, &lim, &v, &err), -EINVAL);
	assert_string_equal(err.msg, "Unexpected end-of-input in a comment");
	assert_int_equal(osp_json_parse(&arena, "[1 /*/", 6, &lim, &v, &err), -EINVAL);
	assert_string_equal(err.msg, "Unexpected end-of-input in a comment");
	assert_int_equal(osp_json_parse(&arena, "[1 /", 4, &lim, &v, &err), -EINVAL);
	assert_string_equal(err.msg, "Unexpected end-of-input in a comment");
	assert_int_equal(osp_json_parse(&arena, "[1 /**", 6, &lim, &v, &err), -EINVAL);
	assert_string_equal(err.msg, "Unexpected end-of-input in a comment");
	assert_int_equal(osp_json_parse(&arena, "[1 // line", 10, &lim, &v, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "expected close marker for Array"));
}

static void
test_bom(void **state)
{
	osp_json_t *v;
	osp_json_error_t err;
	size_t used;

	(void)state;
	v = parse_ok("\xef\xbb\xbf {\"a\":1}");
	assert_int_equal(osp_json_get(v, "a")->i, 1);
	assert_int_equal(osp_json_parse_prefix(&arena, "\xef\xbb\xbf[1] [2]", 11, NULL, &v, &used, &err), 0);
	assert_int_equal(used, 6);
}

static void
test_error_format(void **state)
{
	char buf[512];

	(void)state;
	parse_bad("{\"a\"}");
	size_t n = osp_json_error_format(buf, sizeof(buf), &last_err, NULL);

	assert_string_equal(buf, "Unexpected character ('}' (code 125)): was expecting a colon to separate field name and value\n"
			    " at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 5]");
	assert_int_equal(n, strlen(buf));
	osp_json_error_format(buf, sizeof(buf), &last_err, "(byte[])\"{\"a\"}\"");
	assert_string_equal(buf, "Unexpected character ('}' (code 125)): was expecting a colon to separate field name and value\n"
			    " at [Source: (byte[])\"{\"a\"}\"; line: 1, column: 5]");
	assert_true(osp_json_error_format(buf, 10, &last_err, NULL) > 10);
	assert_string_equal(buf, "Unexpecte");
}

static void
test_depth_limit(void **state)
{
	char buf[2048];
	osp_json_t *v;
	osp_json_error_t err;

	(void)state;
	memset(buf, '[', 512);
	memset(buf + 512, ']', 512);
	assert_int_equal(osp_json_parse(&arena, buf, 1024, NULL, &v, &err), 0);
	memset(buf, '[', 513);
	memset(buf + 513, ']', 513);
	assert_int_equal(osp_json_parse(&arena, buf, 1026, NULL, &v, &err), -EINVAL);
	assert_string_equal(err.msg, "Document nesting depth (513) exceeds the maximum allowed (512, from `StreamReadConstraints.getMaxNestingDepth()`)");
	assert_int_equal(err.offset, 512);

	osp_json_limits_t lim = { .max_depth = 3, .max_bytes = 0 };

	assert_int_equal(osp_json_parse(&arena, "[{\"a\":[]}]", 10, &lim, &v, &err), 0);
	assert_int_equal(osp_json_parse(&arena, "[{\"a\":[[]]}]", 12, &lim, &v, &err), -EINVAL);

	/* deep nesting within a larger limit goes through the arena stack */
	osp_json_limits_t deep = { .max_depth = 100000, .max_bytes = 0 };
	size_t n = 50000;
	char *big = malloc(2 * n);

	memset(big, '[', n);
	memset(big + n, ']', n);
	assert_int_equal(osp_json_parse(&arena, big, 2 * n, &deep, &v, &err), 0);
	osp_buf_t out = OSP_BUF_INIT;
	osp_jw_t w;

	osp_jw_init(&w, &out, 0);
	osp_jw_value(&w, v);
	assert_false(osp_buf_failed(&out));
	assert_int_equal(out.len, 2 * n);
	assert_memory_equal(out.data, big, 2 * n);
	osp_buf_free(&out);
	free(big);
}

static void
test_size_limit(void **state)
{
	osp_json_limits_t lim = { .max_depth = 0, .max_bytes = 8 };
	osp_json_t *v;
	osp_json_error_t err;
	size_t used;

	(void)state;
	assert_int_equal(osp_json_parse(&arena, "[1,2,3]", 7, &lim, &v, &err), 0);
	assert_int_equal(osp_json_parse(&arena, "[1,2,3,4]", 9, &lim, &v, &err), -EINVAL);
	assert_string_equal(err.msg, "Document length (9) exceeds the maximum allowed (8, from `StreamReadConstraints.getMaxDocumentLength()`)");
	/* prefix: a value within the limit is fine even if more follows */
	assert_int_equal(osp_json_parse_prefix(&arena, "[1,2]\n[1,2,3,4,5]\n", 18, &lim,
					       &v, &used, &err), 0);
	assert_int_equal(used, 5);
	assert_int_equal(osp_json_parse_prefix(&arena, "[1,2,3,4,5]\n", 12, &lim,
					       &v, &used, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "Document length"));
	assert_int_equal(osp_json_parse_prefix(&arena, "12345678901", 11, &lim,
					       &v, &used, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "Document length"));
}

static void
test_prefix(void **state)
{
	const char *nd = "{\"index\":{\"_id\":\"1\"}}\n{\"f\":1}\n  7 \"s\"[1]";
	size_t len = strlen(nd), off = 0, used;
	osp_json_t *v;
	osp_json_error_t err;
	int count = 0;

	(void)state;
	while (off < len) {
		assert_int_equal(osp_json_parse_prefix(&arena, nd + off, len - off, NULL,
						       &v, &used, &err), 0);
		off += used;
		count++;
		while (off < len && (nd[off] == '\n' || nd[off] == ' '))
			off++;
	}
	assert_int_equal(count, 5);
	assert_int_equal(osp_json_parse_prefix(&arena, "{\"a\":1}xyz", 10, NULL, &v, &used, &err), 0);
	assert_int_equal(used, 7);
	assert_int_equal(osp_json_parse_prefix(&arena, "12x", 3, NULL, &v, &used, &err), -EINVAL);
	assert_int_equal(osp_json_parse_prefix(&arena, "{\"a\":", 5, NULL, &v, &used, &err), -EINVAL);
	assert_int_equal(used, 0);
}


static void
test_enomem(void **state)
{
	osp_arena_t small;
	osp_json_t *v;
	osp_json_error_t err;
	const char *doc = "{\"a\":[1,2,3,\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"],\"b\":{\"c\":true}}";

	(void)state;
	for (size_t lim = 16; lim < 2048; lim += 16) {
		osp_arena_init(&small, 256, lim);
		int rc = osp_json_parse(&small, doc, strlen(doc), NULL, &v, &err);

		assert_true(rc == 0 || rc == -ENOMEM);
		if (rc == 0)
			assert_string_equal(osp_json_path(v, "a")->u.child->next->next->next->u.str,
					    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		else
			assert_null(v);
		osp_arena_free(&small);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid_corpus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_corpus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_buffer_independent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numbers_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_comments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enomem, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
