/*
 * test_json.c - behaviour of osprey/json.h: the RFC 8259 parser (accepted
 * and rejected corpora, numbers, strings, UTF-8, limits, error positions and
 * wording), the tree helpers, the writer (compact and ES ?pretty text, Java
 * double formatting) and parse -> write -> parse round trips, including
 * random trees from a fixed seed.
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

static osp_arena_t arena;

static int
setup(void **state)
{
	(void)state;
	osp_arena_init(&arena, 4096, 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	osp_arena_free(&arena);
	return 0;
}

static osp_json_t *
parse_ok(const char *text)
{
	osp_json_t *v = NULL;
	osp_json_error_t err;
	int rc = osp_json_parse(&arena, text, strlen(text), NULL, &v, &err);

	if (rc != 0)
		print_error("unexpected failure on <%s>: %s\n", text, err.msg);
	assert_int_equal(rc, 0);
	assert_non_null(v);
	return v;
}

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
		     1, 9);
	assert_int_equal(last_err.offset, 7);
	expect_error("{\"a\"}",
		     "Unexpected character ('}' (code 125)): was expecting a colon to separate field name and value",
		     1, 6);
	expect_error("{\"a\":1 \"b\":2}",
		     "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries",
		     1, 9);
	expect_error("[1 2]",
		     "Unexpected character ('2' (code 50)): was expecting comma to separate Array entries",
		     1, 5);
	expect_error("{\n  \"query\": {\n",
		     "Unexpected end-of-input: expected close marker for Object (start marker at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 2, column: 12])",
		     3, 1);
	expect_error("[1,\r\n2,\r3",
		     "Unexpected end-of-input: expected close marker for Array (start marker at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1])",
		     3, 2);
	expect_error("[1,]", "Unexpected character (']' (code 93)): expected a value", 1, 5);
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
		     1, 4);
	expect_error("[1.x]",
		     "Unexpected character ('x' (code 120)) in numeric value: Decimal point not followed by a digit",
		     1, 5);
	expect_error("\"a\nb\"",
		     "Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in string value",
		     1, 4);
	expect_error("\"\\q\"", "Unrecognized character escape 'q' (code 113)", 1, 4);
	expect_error("\"abc", "Unexpected end-of-input: was expecting closing quote for a string value", 1, 5);
	expect_error("\"\\ud800\"", "Unmatched first part of surrogate pair (0xD800)", 1, 3);
	expect_error("\"\\udc00\"", "Unmatched second part of surrogate pair (0xDC00)", 1, 3);
	expect_error("\"\xc0\x80\"", "Invalid UTF-8 start byte 0xc0", 1, 3);
	expect_error("\"\xe0\x80\x80\"", "Invalid UTF-8 middle byte 0x80", 1, 4);
	expect_error("{} x", "Unexpected character ('x' (code 120)): expected end-of-input", 1, 5);
	expect_error("1x",
		     "Unexpected character ('x' (code 120)): Expected space separating root-level values",
		     1, 3);
	expect_error("[#]",
		     "Unexpected character ('#' (code 35)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
		     1, 3);
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
			    " at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 6]");
	assert_int_equal(n, strlen(buf));
	osp_json_error_format(buf, sizeof(buf), &last_err, "(byte[])\"{\"a\"}\"");
	assert_string_equal(buf, "Unexpected character ('}' (code 125)): was expecting a colon to separate field name and value\n"
			    " at [Source: (byte[])\"{\"a\"}\"; line: 1, column: 6]");
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
test_tree_lookup(void **state)
{
	(void)state;
	osp_json_t *v = parse_ok("{\"a\":{\"b\":{\"c\":[10,20,30]}},\"d\":1,\"d\":2,\"e.f\":3}");

	assert_int_equal(osp_json_path(v, "a.b.c")->type, OSP_JSON_ARRAY);
	assert_int_equal(osp_json_at(osp_json_path(v, "a.b.c"), 2)->i, 30);
	assert_null(osp_json_at(osp_json_path(v, "a.b.c"), 3));
	assert_null(osp_json_path(v, "a.x.c"));
	assert_null(osp_json_path(v, "a.b.c.d"));
	assert_int_equal(osp_json_get(v, "d")->i, 1);
	assert_int_equal(osp_json_getn(v, "dx", 1)->i, 1);
	assert_null(osp_json_get(v, "e"));
	assert_int_equal(osp_json_get(v, "e.f")->i, 3);
	assert_null(osp_json_get(osp_json_get(v, "d"), "x"));
	assert_null(osp_json_at(v, 0));
	assert_true(osp_json_key_eq(osp_json_get(v, "d"), "d"));
	assert_false(osp_json_key_eq(osp_json_get(v, "d"), "dd"));
	assert_false(osp_json_key_eq(osp_json_get(v, "d"), ""));
	assert_false(osp_json_key_eq(v, "d"));
	osp_json_t *nul = parse_ok("{\"a\\u0000b\":1}")->u.child;

	assert_int_equal(nul->key_len, 3);
	assert_false(osp_json_key_eq(nul, "a"));
	assert_false(osp_json_key_eq(nul, "a\0b"));   /* a C string cannot name it */
	assert_non_null(osp_json_getn(parse_ok("{\"a\\u0000b\":1}"), "a\0b", 3));
	assert_int_equal(v->len, 4);
	int n = 0;

	OSP_JSON_FOREACH(m, v)
		n++;
	assert_int_equal(n, 4);
	assert_true(osp_json_is(v, OSP_JSON_OBJECT));
	assert_false(osp_json_is(NULL, OSP_JSON_OBJECT));
}

static void
test_tree_build(void **state)
{
	(void)state;
	osp_json_t *o = osp_json_new_object(&arena), *arr = osp_json_new_array(&arena);

	assert_int_equal(osp_json_append(&arena, o, "s", 1, osp_json_new_string(&arena, "x\"y", 3)), 0);
	assert_int_equal(osp_json_append(&arena, o, "i", 1, osp_json_new_int(&arena, -5)), 0);
	assert_int_equal(osp_json_append(&arena, o, "d", 1, osp_json_new_double(&arena, 2.5)), 0);
	assert_int_equal(osp_json_append(&arena, arr, NULL, 0, osp_json_new_null(&arena)), 0);
	assert_int_equal(osp_json_append(&arena, arr, NULL, 0, osp_json_new_bool(&arena, true)), 0);
	assert_int_equal(osp_json_append(&arena, o, "arr", 3, arr), 0);
	assert_int_equal(osp_json_append(&arena, o, NULL, 0, osp_json_new_null(&arena)), -EINVAL);
	assert_int_equal(osp_json_append(&arena, o, "x", 1, NULL), -ENOMEM);
	assert_int_equal(osp_json_append(&arena, arr->u.child, NULL, 0, osp_json_new_null(&arena)), -EINVAL);

	osp_buf_t out = OSP_BUF_INIT;
	osp_jw_t w;

	osp_jw_init(&w, &out, 0);
	osp_jw_value(&w, o);
	assert_string_equal(out.data, "{\"s\":\"x\\\"y\",\"i\":-5,\"d\":2.5,\"arr\":[null,true]}");

	/* append to a parsed tree */
	osp_json_t *p = parse_ok("{\"a\":[1]}");

	assert_int_equal(osp_json_append(&arena, osp_json_get(p, "a"), NULL, 0, osp_json_new_int(&arena, 2)), 0);
	assert_int_equal(osp_json_append(&arena, p, "b", 1, osp_json_new_int(&arena, 3)), 0);
	osp_buf_clear(&out);
	osp_jw_value(&w, p);
	assert_string_equal(out.data, "{\"a\":[1,2],\"b\":3}");

	/* clone into another arena survives the first one */
	osp_arena_t other;

	osp_arena_init(&other, 0, 0);
	osp_json_t *c = osp_json_clone(&other, o);

	assert_true(osp_json_equal(c, o));
	osp_arena_reset(&arena);
	osp_buf_clear(&out);
	osp_jw_value(&w, c);
	assert_string_equal(out.data, "{\"s\":\"x\\\"y\",\"i\":-5,\"d\":2.5,\"arr\":[null,true]}");
	osp_arena_free(&other);
	osp_buf_free(&out);
}

static void
test_equal(void **state)
{
	(void)state;
	assert_true(osp_json_equal(parse_ok("{\"a\":1,\"b\":[1,2]}"), parse_ok("{\"b\":[1,2],\"a\":1.0}")));
	assert_false(osp_json_equal(parse_ok("[1,2]"), parse_ok("[2,1]")));
	assert_false(osp_json_equal(parse_ok("{\"a\":1}"), parse_ok("{\"a\":1,\"b\":1}")));
	assert_false(osp_json_equal(parse_ok("{\"a\":1,\"c\":1}"), parse_ok("{\"a\":1,\"b\":1}")));
	assert_true(osp_json_equal(parse_ok("{\"a\":1,\"a\":2}"), parse_ok("{\"a\":2,\"a\":1}")));
	assert_false(osp_json_equal(parse_ok("{\"a\":1,\"a\":1}"), parse_ok("{\"a\":2,\"a\":1}")));
	assert_true(osp_json_equal(parse_ok("1e2"), parse_ok("100")));
	assert_false(osp_json_equal(parse_ok("\"1\""), parse_ok("1")));
	assert_false(osp_json_equal(parse_ok("9007199254740993"), parse_ok("9007199254740992")));
	assert_false(osp_json_equal(parse_ok("9007199254740993"), parse_ok("9007199254740992.0")));
	assert_true(osp_json_equal(parse_ok("\"a\\u0000\""), parse_ok("\"a\\u0000\"")));
	assert_false(osp_json_equal(parse_ok("\"a\\u0000\""), parse_ok("\"a\"")));
	assert_false(osp_json_equal(parse_ok("true"), parse_ok("false")));
	assert_true(osp_json_equal(parse_ok("null"), parse_ok("null")));

	/* large objects take the sorted path */
	osp_buf_t x = OSP_BUF_INIT, y = OSP_BUF_INIT;

	osp_buf_putc(&x, '{');
	osp_buf_putc(&y, '{');
	for (int i = 0; i < 100; i++) {
		osp_buf_printf(&x, "%s\"k%d\":%d", i ? "," : "", i, i);
		osp_buf_printf(&y, "%s\"k%d\":%d", i ? "," : "", 99 - i, 99 - i);
	}
	osp_buf_putc(&x, '}');
	osp_buf_putc(&y, '}');
	assert_true(osp_json_equal(parse_ok(x.data), parse_ok(y.data)));
	y.data[y.len - 2] = '1';   /* "k0":1 */
	assert_false(osp_json_equal(parse_ok(x.data), parse_ok(y.data)));
	osp_buf_free(&x);
	osp_buf_free(&y);
}

static void
test_writer_compact(void **state)
{
	osp_buf_t out = OSP_BUF_INIT;
	osp_jw_t w;

	(void)state;
	osp_jw_init(&w, &out, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "name", "a/b\"c\\d\n\r\t\b\f\x01\x1f\x7f\xc3\xa9");
	osp_jw_kv_int(&w, "n", INT64_MIN);
	osp_jw_key(&w, "u");
	osp_jw_uint(&w, UINT64_MAX);
	osp_jw_kv_bool(&w, "t", true);
	osp_jw_key(&w, "arr");
	osp_jw_arr_begin(&w);
	osp_jw_null(&w);
	osp_jw_double(&w, 1.5);
	osp_jw_double(&w, NAN);
	osp_jw_double(&w, -INFINITY);
	osp_jw_raw(&w, "{\"x\":1}", 7);
	osp_jw_obj_begin(&w);
	osp_jw_obj_end(&w);
	osp_jw_arr_begin(&w);
	osp_jw_arr_end(&w);
	osp_jw_arr_end(&w);
	osp_jw_keyn(&w, "k\"", 2);
	osp_jw_strn(&w, "ab", 1);
	osp_jw_obj_end(&w);
	assert_false(osp_buf_failed(&out));
	assert_string_equal(out.data,
		"{\"name\":\"a/b\\\"c\\\\d\\n\\r\\t\\b\\f\\u0001\\u001F\x7f\xc3\xa9\","
		"\"n\":-9223372036854775808,\"u\":18446744073709551615,\"t\":true,"
		"\"arr\":[null,1.5,null,null,{\"x\":1},{},[]],\"k\\\"\":\"a\"}");
	assert_int_equal(w.depth, 0);
	osp_buf_free(&out);
}

static void
test_writer_pretty(void **state)
{
	osp_buf_t out = OSP_BUF_INIT;
	osp_jw_t w;

	(void)state;
	osp_jw_init(&w, &out, 1);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "name", "node-1");
	osp_jw_key(&w, "version");
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "number", "8.11.0");
	osp_jw_obj_end(&w);
	osp_jw_key(&w, "hits");
	osp_jw_arr_begin(&w);
	osp_jw_arr_end(&w);
	osp_jw_key(&w, "empty");
	osp_jw_obj_begin(&w);
	osp_jw_obj_end(&w);
	osp_jw_key(&w, "list");
	osp_jw_arr_begin(&w);
	osp_jw_int(&w, 1);
	osp_jw_arr_begin(&w);
	osp_jw_int(&w, 2);
	osp_jw_arr_end(&w);
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	const char *want =
		"{\n"
		"  \"name\" : \"node-1\",\n"
		"  \"version\" : {\n"
		"    \"number\" : \"8.11.0\"\n"
		"  },\n"
		"  \"hits\" : [ ],\n"
		"  \"empty\" : { },\n"
		"  \"list\" : [\n"
		"    1,\n"
		"    [\n"
		"      2\n"
		"    ]\n"
		"  ]\n"
		"}";

	assert_string_equal(out.data, want);
	assert_int_equal(osp_jw_finish(&w), 0);
	assert_int_equal(out.data[out.len - 1], '\n');
	out.data[--out.len] = '\0';

	/* osp_jw_value produces the same text from a tree */
	osp_json_t *v = parse_ok(want);

	osp_buf_clear(&out);
	osp_jw_value(&w, v);
	assert_string_equal(out.data, want);

	/* and nests inside writer calls at the right indentation */
	osp_buf_clear(&out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "a");
	osp_jw_value(&w, parse_ok("{\"b\":[1,{}],\"c\":[]}"));
	osp_jw_key(&w, "d");
	osp_jw_value(&w, parse_ok("{}"));
	osp_jw_obj_end(&w);
	assert_string_equal(out.data,
		"{\n  \"a\" : {\n    \"b\" : [\n      1,\n      { }\n    ],\n    \"c\" : [ ]\n  },\n  \"d\" : { }\n}");
	osp_buf_free(&out);
}

static void
test_writer_depth(void **state)
{
	osp_buf_t out = OSP_BUF_INIT;
	osp_jw_t w;

	(void)state;
	osp_jw_init(&w, &out, 0);
	for (int i = 0; i < 64; i++)
		osp_jw_arr_begin(&w);
	osp_jw_int(&w, 1);
	osp_jw_int(&w, 2);
	for (int i = 0; i < 64; i++)
		osp_jw_arr_end(&w);
	assert_false(osp_buf_failed(&out));
	assert_int_equal(out.len, 128 + 3);
	osp_buf_clear(&out);
	for (int i = 0; i < 65; i++)
		osp_jw_arr_begin(&w);
	assert_true(osp_buf_failed(&out));
	osp_buf_clear(&out);
	osp_jw_init(&w, &out, 0);
	osp_jw_arr_end(&w);
	assert_true(osp_buf_failed(&out));
	osp_buf_clear(&out);
	osp_jw_init(&w, &out, 0);
	osp_jw_arr_begin(&w);
	assert_int_equal(osp_jw_finish(&w), -EINVAL);
	osp_jw_arr_end(&w);
	assert_int_equal(osp_jw_finish(&w), 0);
	assert_string_equal(out.data, "[]");
	osp_buf_free(&out);
}

static osp_buf_t dbl_out;

static const char *
fmt_double(double d)
{
	osp_jw_t w;

	osp_buf_clear(&dbl_out);
	osp_jw_init(&w, &dbl_out, 0);
	osp_jw_double(&w, d);
	return dbl_out.data;
}

static void
test_doubles(void **state)
{
	/* Expected strings are Java's Double.toString (JDK 19+, shortest). */
	static const struct {
		double d;
		const char *s;
	} t[] = {
		{ 0.0, "0.0" }, { -0.0, "-0.0" }, { 1.0, "1.0" }, { -3.0, "-3.0" },
		{ 1.5, "1.5" }, { 0.1, "0.1" }, { 0.2 + 0.1, "0.30000000000000004" },
		{ 100.0, "100.0" }, { 1234567.0, "1234567.0" }, { 9999999.0, "9999999.0" },
		{ 1e7, "1.0E7" }, { 12345678.0, "1.2345678E7" }, { 1e10, "1.0E10" },
		{ 0.001, "0.001" }, { 0.0001, "1.0E-4" }, { 1e-5, "1.0E-5" },
		{ 1.234e-5, "1.234E-5" }, { 0.00123, "0.00123" }, { 123.456, "123.456" },
		{ 1.7976931348623157e308, "1.7976931348623157E308" },
		{ 2.2250738585072014e-308, "2.2250738585072014E-308" },
		{ 4.9e-324, "4.9E-324" }, { 1e-323, "9.9E-324" }, { 1e23, "1.0E23" },
		{ 9007199254740993.0, "9.007199254740992E15" }, { 0.2876821, "0.2876821" },
		{ 1.0 / 3.0, "0.3333333333333333" }, { 2.0 / 3.0, "0.6666666666666666" },
		{ 1e21, "1.0E21" }, { 123456789012.0, "1.23456789012E11" },
		{ 5e-324, "4.9E-324" }, { 3.4028234663852886e38, "3.4028234663852886E38" },
		{ -1.25e-7, "-1.25E-7" }, { 6.02214076e23, "6.02214076E23" },
		/* a power of two whose nearest 16-digit decimal misses it */
		{ 6.386688990511104e293, "6.386688990511104E293" },
		{ 9.5367431640625e-7, "9.5367431640625E-7" }, { 1048576.0, "1048576.0" },
	};

	(void)state;
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		const char *got = fmt_double(t[k].d);

		if (strcmp(got, t[k].s) != 0)
			print_error("%.17g: got %s want %s\n", t[k].d, got, t[k].s);
		assert_string_equal(got, t[k].s);
	}
	assert_string_equal(fmt_double(NAN), "null");
	assert_string_equal(fmt_double(INFINITY), "null");

	/* Random doubles: output parses back to the same bits and is no
	 * longer than %.17g's digits. */
	uint64_t x = 0x9E3779B97F4A7C15ULL;

	for (int k = 0; k < 20000; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		double d;

		memcpy(&d, &x, sizeof(d));
		if (!isfinite(d))
			continue;
		const char *s = fmt_double(d);
		double back = strtod(s, NULL);

		if (memcmp(&back, &d, sizeof(d)) != 0)
			print_error("%.17g printed as %s\n", d, s);
		assert_memory_equal(&back, &d, sizeof(d));
	}
	osp_buf_free(&dbl_out);
}


/* Reference for Java's digit choice, by brute force over every length p
 * from 1 to 17: the nearest p-digit decimal (glibc rounds exactly) if it
 * round-trips, else a neighbour of it that does; the first length with a
 * hit wins, except that length 1 competes with length 2 (as Java
 * specifies), where the nearest 2-digit decimal is never farther. */
static void
ref_digits(double v, char *out)
{
	uint64_t best = 0;

	for (int p = 1; p <= 17 && best == 0; p++) {
		char tmp[64];
		uint64_t m = 0;
		int x;

		snprintf(tmp, sizeof(tmp), "%.*e", p - 1, v);
		char *q = tmp;

		for (; *q != 'e'; q++)
			if (*q != '.')
				m = m * 10 + (uint64_t)(*q - '0');
		x = atoi(q + 1) - (p - 1);
		static const int order[3] = { 0, -1, 1 };

		for (int k = 0; k < 3 && best == 0; k++) {
			uint64_t c = m + (uint64_t)(int64_t)order[k];
			char lit[64];

			snprintf(lit, sizeof(lit), "%llue%d", (unsigned long long)c, x);
			if (c != 0 && strtod(lit, NULL) == v)
				best = c;
		}
		if (best != 0 && p == 1) {
			snprintf(tmp, sizeof(tmp), "%.1e", v);
			if (strtod(tmp, NULL) == v)
				best = (uint64_t)(tmp[0] - '0') * 10 + (uint64_t)(tmp[2] - '0');
		}
	}
	int n = snprintf(out, 24, "%llu", (unsigned long long)best);

	while (n > 1 && out[n - 1] == '0')
		out[--n] = '\0';
}

/* The significant digits of a printed number, without zeros at either end. */
static void
printed_digits(const char *s, char *out)
{
	int n = 0;

	for (; *s && *s != 'E'; s++)
		if (*s >= '0' && *s <= '9' && (n > 0 || *s != '0'))
			out[n++] = *s;
	while (n > 1 && out[n - 1] == '0')
		n--;
	out[n] = '\0';
}

static void
check_shortest(double d)
{
	char want[32], got[32];

	ref_digits(d, want);
	printed_digits(fmt_double(d), got);
	if (strcmp(want, got) != 0)
		print_error("%.17g: printed %s, reference digits %s\n", d, fmt_double(d), want);
	assert_string_equal(got, want);
}

static void
test_doubles_shortest(void **state)
{
	(void)state;
	/* every power of two: where rounding intervals are lopsided */
	for (int e = -1074; e <= 1023; e++)
		check_shortest(ldexp(1.0, e));
	uint64_t x = 0x853C49E6748FEA9BULL;

	for (int k = 0; k < 5000; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		double d;
		uint64_t bits = x & ~(1ULL << 63);

		memcpy(&d, &bits, sizeof(d));
		if (!isfinite(d) || d == 0)
			continue;
		check_shortest(d);
		/* short decimals and their neighbours */
		double s = (double)(x % 100000) / 1000.0;

		if (s > 0) {
			check_shortest(s);
			check_shortest(nextafter(s, 0));
			check_shortest(nextafter(s, 1e9));
		}
	}
	osp_buf_free(&dbl_out);
}

static const char *
write_parsed(const char *lit)
{
	osp_json_t *v = parse_ok(lit);
	osp_jw_t w;

	osp_buf_clear(&dbl_out);
	osp_jw_init(&w, &dbl_out, 0);
	osp_jw_value(&w, v);
	return dbl_out.data;
}

/* Parsed numbers are re-serialized as Elasticsearch (Jackson) does. */
static void
test_number_reserialize(void **state)
{
	static const char *t[][2] = {
		{ "1.50", "1.5" }, { "2.00", "2.0" }, { "1e5", "100000.0" },
		{ "1E-5", "1.0E-5" }, { "-0", "0" }, { "-0.0", "-0.0" }, { "0.000", "0.0" },
		{ "0.0010", "0.001" }, { "0.0001", "1.0E-4" }, { "12345678.5", "1.23456785E7" },
		{ "12345678901234567890", "12345678901234567890" }, { "1e400", "1e400" },
		{ "-1E400", "-1E400" }, { "123.456000", "123.456" },
		{ "0.1000000000000000055511151231257827", "0.1" }, { "9999999.0", "9999999.0" },
		{ "10000000.0", "1.0E7" }, { "3.14159265358979323846", "3.141592653589793" },
		{ "-5", "-5" }, { "100.0", "100.0" }, { "1e-400", "0.0" }, { "0.5e1", "5.0" },
		{ "9223372036854775807", "9223372036854775807" },
		{ "-9223372036854775809", "-9223372036854775809" },
		{ "123456789012345.6", "1.234567890123456E14" }, { "1234567.123456789", "1234567.123456789" },
		{ "1234567.1234567891", "1234567.1234567892" },
	};

	(void)state;
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		const char *got = write_parsed(t[k][0]);

		if (strcmp(got, t[k][1]) != 0)
			print_error("%s: got %s want %s\n", t[k][0], got, t[k][1]);
		assert_string_equal(got, t[k][1]);
	}
	/* the literal fast path agrees with the general formatter */
	uint64_t x = 0xDEADBEEFCAFEF00DULL;

	for (int k = 0; k < 20000; k++) {
		char lit[64], want[64];

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int digits = (int)(x % 12);
		double d = (double)(x >> 20) / (double)(1ULL << (x % 50));

		if (x & 1)
			d = -d;
		snprintf(lit, sizeof(lit), "%.*f", digits + 1, d);
		strcpy(want, fmt_double(strtod(lit, NULL)));
		const char *got = write_parsed(lit);

		if (strcmp(got, want) != 0)
			print_error("%s: got %s want %s\n", lit, got, want);
		assert_string_equal(got, want);
		if ((k & 1023) == 0)
			osp_arena_reset(&arena);
	}
	osp_buf_free(&dbl_out);
}

static void
test_raw(void **state)
{
	osp_buf_t out = OSP_BUF_INIT;
	osp_jw_t w;
	const char *src = "{ \"title\" : \"caf\\u00e9\\/x\", \"n\":[1.50, 2]}";

	(void)state;
	osp_jw_init(&w, &out, 0);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "_source");
	osp_jw_raw(&w, src, strlen(src));
	osp_jw_obj_end(&w);
	assert_string_equal(out.data, "{\"_source\":{ \"title\" : \"caf\\u00e9\\/x\", \"n\":[1.50, 2]}}");
	osp_buf_clear(&out);
	osp_jw_init(&w, &out, 1);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "_source");
	osp_jw_raw(&w, src, strlen(src));
	osp_jw_key(&w, "bad");
	osp_jw_raw(&w, "{oops", 5);
	osp_jw_obj_end(&w);
	assert_string_equal(out.data,
		"{\n  \"_source\" : {\n    \"title\" : \"caf\xc3\xa9/x\",\n    \"n\" : [\n      1.5,\n      2\n    ]\n  },\n"
		"  \"bad\" : {oops\n}");
	osp_buf_free(&out);
}

static void
round_trip(const char *text, int pretty)
{
	osp_json_t *a = parse_ok(text), *b;
	osp_buf_t out = OSP_BUF_INIT;
	osp_jw_t w;
	osp_json_error_t err;

	osp_jw_init(&w, &out, pretty);
	osp_jw_value(&w, a);
	assert_false(osp_buf_failed(&out));
	assert_int_equal(osp_json_parse(&arena, out.data, out.len, NULL, &b, &err), 0);
	assert_true(osp_json_equal(a, b));
	osp_buf_free(&out);
}

static void
test_round_trip(void **state)
{
	(void)state;
	static const char *docs[] = {
		"{\"title\":\"Caf\\u00e9 \\\"quoted\\\" \\ud83d\\ude00\",\"tags\":[\"a\",\"b\"],"
		"\"n\":{\"x\":-1.5e-3,\"y\":12345678901234567890,\"z\":[true,false,null]},"
		"\"ctl\":\"\\u0001\\u001f\\t\",\"empty\":{},\"ea\":[]}",
		"[[],[[]],{},{\"\":\"\"}]", "\"\\u0000\"", "-0", "1e400",
	};

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		round_trip(docs[i], 0);
		round_trip(docs[i], 1);
	}
}

/* Random trees built with the builders, written compact or pretty, parsed
 * back and compared. */
static uint64_t rng = 42;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static osp_json_t *
random_tree(int depth)
{
	unsigned kind = (unsigned)(next_rand() % (depth > 5 ? 5 : 7));
	char s[32];
	size_t n;

	switch (kind) {
	case 0: return osp_json_new_null(&arena);
	case 1: return osp_json_new_bool(&arena, next_rand() & 1);
	case 2: return osp_json_new_int(&arena, (int64_t)next_rand());
	case 3: {
		double d;
		uint64_t bits = next_rand();

		memcpy(&d, &bits, sizeof(d));
		if (!isfinite(d))
			d = 0.5;
		return osp_json_new_double(&arena, d);
	}
	case 4:
		n = next_rand() % sizeof(s);
		for (size_t i = 0; i < n; i++) {
			/* ASCII incl. controls, quotes and backslashes */
			s[i] = (char)(next_rand() % 128);
		}
		return osp_json_new_string(&arena, s, n);
	default: {
		bool obj = kind == 6;
		osp_json_t *c = obj ? osp_json_new_object(&arena) : osp_json_new_array(&arena);
		unsigned m = (unsigned)(next_rand() % 6);

		for (unsigned i = 0; i < m; i++) {
			snprintf(s, sizeof(s), "k%u\"\\%u", (unsigned)(next_rand() % 8), i);
			assert_int_equal(osp_json_append(&arena, c, s, strlen(s), random_tree(depth + 1)), 0);
		}
		return c;
	}
	}
}

static void
test_random_round_trip(void **state)
{
	(void)state;
	for (int k = 0; k < 2000; k++) {
		osp_json_t *t = random_tree(0), *b;
		osp_buf_t out = OSP_BUF_INIT;
		osp_jw_t w;
		osp_json_error_t err;

		osp_jw_init(&w, &out, k & 1);
		osp_jw_value(&w, t);
		assert_false(osp_buf_failed(&out));
		int rc = osp_json_parse(&arena, out.data, out.len, NULL, &b, &err);

		if (rc != 0)
			print_error("%s\n%s at %zu\n", out.data, err.msg, err.offset);
		assert_int_equal(rc, 0);
		assert_true(osp_json_equal(t, b));
		assert_true(osp_json_equal(osp_json_clone(&arena, b), t));
		osp_buf_free(&out);
		if ((k & 63) == 0)
			osp_arena_reset(&arena);
	}
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
		cmocka_unit_test_setup_teardown(test_bom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tree_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tree_build, setup, teardown),
		cmocka_unit_test_setup_teardown(test_equal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_compact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_pretty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_depth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_doubles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_doubles_shortest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_number_reserialize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enomem, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
