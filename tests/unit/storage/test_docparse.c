/*
 * test_docparse.c - document parsing: values per field type, coercion,
 * null_value, ignore_above, arrays and positions, objects and dotted names,
 * multi-fields, dynamic mapping updates (and re-parse after merge), strict
 * and false dynamic, and Elasticsearch's error wording with [line:col].
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "osprey/mapping.h"

static osp_arena_t arena;
static st_analysis_ctx_t *actx;

static int
setup(void **state)
{
	(void)state;
	osp_arena_init(&arena, 16384, 0);
	return st_analysis_ctx_create(&actx);
}

static int
teardown(void **state)
{
	(void)state;
	st_analysis_ctx_free(actx);
	osp_arena_free(&arena);
	return 0;
}

static osp_json_t *
js(const char *s)
{
	osp_json_t *v = NULL;
	osp_json_error_t je;

	if (osp_json_parse(&arena, s, strlen(s), NULL, &v, &je) != 0)
		fail_msg("bad test JSON: %s", je.msg);
	return v;
}

static st_mapping_t *
mapping(const char *body)
{
	st_mapping_t *m = NULL;
	osp_err_t err;

	if (st_mapping_parse(js(body), NULL, &m, &err) != 0)
		fail_msg("mapping: %s", err.reason);
	return m;
}

static void
doc_ok(const st_mapping_t *m, const char *src, st_doc_t *d)
{
	osp_err_t err;

	osp_err_clear(&err);
	if (st_doc_parse(m, actx, "1", src, strlen(src), &arena, d, &err) != 0)
		fail_msg("doc parse: %s: %s (%s)", err.type, err.reason, err.caused_by_reason);
}

static void
doc_err(const st_mapping_t *m, const char *src, const char *type, const char *reason,
	const char *cause_type, const char *cause_reason)
{
	osp_err_t err;
	st_doc_t d;

	osp_err_clear(&err);
	assert_int_equal(st_doc_parse(m, actx, "X", src, strlen(src), &arena, &d, &err), -EINVAL);
	assert_int_equal(err.status, 400);
	assert_string_equal(err.type, type);
	if (strcmp(err.reason, reason) != 0)
		fail_msg("reason: got [%s]\n want [%s]", err.reason, reason);
	if (cause_type) {
		assert_string_equal(err.caused_by_type, cause_type);
		if (cause_reason)
			assert_string_equal(err.caused_by_reason, cause_reason);
	}
}

static const st_doc_field_t *
field(const st_doc_t *d, const char *path)
{
	for (uint32_t i = 0; i < d->n_fields; i++)
		if (strcmp(d->fields[i].field->path, path) == 0)
			return &d->fields[i];
	return NULL;
}

static const char *
terms(const st_doc_field_t *f, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; f && i < f->n_tokens; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s@%d", n ? "|" : "", f->tokens[i].term,
				      f->tokens[i].position);
	for (uint32_t i = 0; f && i < f->n_terms; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? "|" : "", f->terms[i].s);
	return buf;
}

static void
test_types(void **state)
{
	st_mapping_t *m = mapping("{\"properties\":{"
		"\"title\":{\"type\":\"text\",\"fields\":{\"raw\":{\"type\":\"keyword\"}}},"
		"\"tag\":{\"type\":\"keyword\",\"ignore_above\":5},"
		"\"age\":{\"type\":\"long\"},\"n\":{\"type\":\"integer\"},\"b\":{\"type\":\"byte\"},"
		"\"price\":{\"type\":\"double\"},\"f\":{\"type\":\"float\"},\"h\":{\"type\":\"half_float\"},"
		"\"sf\":{\"type\":\"scaled_float\",\"scaling_factor\":100},"
		"\"ok\":{\"type\":\"boolean\"},\"when\":{\"type\":\"date\"},"
		"\"day\":{\"type\":\"date\",\"format\":\"yyyy-MM-dd\"}}}");
	st_doc_t d;
	char buf[512];

	(void)state;
	doc_ok(m, "{\"title\":\"Quick Brown\",\"tag\":[\"abc\",\"toolong\",\"de\"],\"age\":\"42\",\"n\":7.9,"
		  "\"b\":-3,\"price\":\"1.5\",\"f\":0.1,\"h\":0.1,\"sf\":1.239,\"ok\":\"true\","
		  "\"when\":\"2024-01-02T03:04:05Z\",\"day\":\"2024-01-02\",\"unused\":null}", &d);
	assert_null(d.mapping_update);
	assert_string_equal(terms(field(&d, "title"), buf, sizeof(buf)), "quick@0|brown@1");
	assert_int_equal(field(&d, "title")->length, 2);
	assert_string_equal(terms(field(&d, "title.raw"), buf, sizeof(buf)), "Quick Brown");
	assert_string_equal(terms(field(&d, "tag"), buf, sizeof(buf)), "abc|de");
	assert_int_equal(d.ignored_count, 1);
	assert_int_equal(d.n_ignored, 1);
	assert_string_equal(d.ignored[0], "tag");
	assert_int_equal(field(&d, "age")->longs[0], 42);
	assert_int_equal(field(&d, "n")->longs[0], 7);
	assert_int_equal(field(&d, "b")->longs[0], -3);
	assert_true(field(&d, "price")->doubles[0] == 1.5);
	assert_true(field(&d, "f")->doubles[0] == (double)0.1f);
	assert_true(field(&d, "h")->doubles[0] == 0.0999755859375);
	assert_int_equal(field(&d, "sf")->longs[0], 124);
	assert_int_equal(field(&d, "ok")->longs[0], 1);
	assert_int_equal(field(&d, "when")->longs[0], 1704164645000LL);
	assert_int_equal(field(&d, "day")->longs[0], 1704153600000LL);
	assert_non_null(d.source);
	/* first-seen order */
	assert_string_equal(d.fields[0].field->path, "title");
	assert_string_equal(d.fields[1].field->path, "title.raw");
	st_mapping_unref(m);
}

static void
test_arrays_positions_objects(void **state)
{
	st_mapping_t *m = mapping("{\"properties\":{"
		"\"names\":{\"type\":\"text\"},"
		"\"user\":{\"properties\":{\"name\":{\"type\":\"keyword\"},\"age\":{\"type\":\"long\"}}},"
		"\"off\":{\"type\":\"object\",\"enabled\":false},"
		"\"nums\":{\"type\":\"long\"}}}");
	st_doc_t d;
	char buf[512];

	(void)state;
	doc_ok(m, "{\"names\":[\"John Abraham\",\"Lincoln Smith\"],"
		  "\"user\":[{\"name\":\"a\",\"age\":1},{\"name\":\"b\",\"age\":2}],"
		  "\"user.name\":\"c\",\"off\":{\"anything\":[1,{\"x\":\"y\"}]},"
		  "\"nums\":[1,[2,[3]],null]}", &d);
	assert_null(d.mapping_update);
	assert_string_equal(terms(field(&d, "names"), buf, sizeof(buf)),
			    "john@0|abraham@1|lincoln@102|smith@103");
	assert_int_equal(field(&d, "names")->length, 4);
	assert_int_equal(field(&d, "names")->tokens[2].start_offset, 13);
	assert_string_equal(terms(field(&d, "user.name"), buf, sizeof(buf)), "a|b|c");
	assert_int_equal(field(&d, "user.age")->n_values, 2);
	assert_int_equal(field(&d, "user.age")->longs[1], 2);
	assert_int_equal(field(&d, "nums")->n_values, 3);
	assert_int_equal(field(&d, "nums")->longs[2], 3);
	assert_null(field(&d, "off"));
	st_mapping_unref(m);
}

static void
test_null_value(void **state)
{
	st_mapping_t *m = mapping("{\"properties\":{"
		"\"k\":{\"type\":\"keyword\",\"null_value\":\"NULL\"},\"l\":{\"type\":\"long\",\"null_value\":-1},"
		"\"b\":{\"type\":\"boolean\",\"null_value\":false},\"x\":{\"type\":\"long\"}}}");
	st_doc_t d;
	char buf[128];

	(void)state;
	doc_ok(m, "{\"k\":null,\"l\":[null,5],\"b\":null,\"x\":null}", &d);
	assert_string_equal(terms(field(&d, "k"), buf, sizeof(buf)), "NULL");
	assert_int_equal(field(&d, "l")->n_values, 2);
	assert_int_equal(field(&d, "l")->longs[0], -1);
	assert_int_equal(field(&d, "b")->longs[0], 0);
	assert_null(field(&d, "x"));
	st_mapping_unref(m);
}

static void
test_errors(void **state)
{
	st_mapping_t *m = mapping("{\"properties\":{\"age\":{\"type\":\"long\"},\"i\":{\"type\":\"integer\"},"
		"\"strict_n\":{\"type\":\"long\",\"coerce\":false},\"ok\":{\"type\":\"boolean\"},"
		"\"when\":{\"type\":\"date\"},\"user\":{\"properties\":{\"name\":{\"type\":\"keyword\"}}},"
		"\"k\":{\"type\":\"keyword\"},\"f\":{\"type\":\"float\"},"
		"\"lenient\":{\"type\":\"long\",\"ignore_malformed\":true}}}");
	st_doc_t d;

	(void)state;
	doc_err(m, "{\"age\":\"abc\"}", "document_parsing_exception",
		"[1:8] failed to parse field [age] of type [long] in document with id 'X'. Preview of field's value: 'abc'",
		"number_format_exception", "For input string: \"abc\"");
	doc_err(m, "{\n  \"name\": 1,\n  \"age\": true\n}", "document_parsing_exception",
		"[3:10] failed to parse field [age] of type [long] in document with id 'X'. Preview of field's value: 'true'",
		"number_format_exception", "For input string: \"true\"");
	doc_err(m, "{\"i\":3000000000}", "document_parsing_exception",
		"[1:6] failed to parse field [i] of type [integer] in document with id 'X'. Preview of field's value: '3000000000'",
		"illegal_argument_exception", "Value [3000000000] is out of range for an integer");
	doc_err(m, "{\"age\":9223372036854775808}", "document_parsing_exception",
		"[1:8] failed to parse field [age] of type [long] in document with id 'X'. Preview of field's value: '9223372036854775808'",
		"illegal_argument_exception", "Value [9223372036854775808] is out of range for a long");
	doc_err(m, "{\"strict_n\":1.5}", "document_parsing_exception",
		"[1:13] failed to parse field [strict_n] of type [long] in document with id 'X'. Preview of field's value: '1.5'",
		"illegal_argument_exception", "Value [1.5] has a decimal part");
	doc_err(m, "{\"ok\":\"yes\"}", "document_parsing_exception",
		"[1:7] failed to parse field [ok] of type [boolean] in document with id 'X'. Preview of field's value: 'yes'",
		"illegal_argument_exception", "Failed to parse value [yes] as only [true] or [false] are allowed.");
	doc_err(m, "{\"when\":\"yesterday\"}", "document_parsing_exception",
		"[1:9] failed to parse field [when] of type [date] in document with id 'X'. Preview of field's value: 'yesterday'",
		"illegal_argument_exception",
		"failed to parse date field [yesterday] with format [strict_date_optional_time||epoch_millis]");
	doc_err(m, "{\"user\":\"bob\"}", "document_parsing_exception",
		"[1:9] object mapping for [user] tried to parse field [user] as object, but found a concrete value",
		NULL, NULL);
	doc_err(m, "{\"k\":{\"a\":1,\"b\":\"x\"}}", "document_parsing_exception",
		"[1:6] failed to parse field [k] of type [keyword] in document with id 'X'. Preview of field's value: '{a=1, b=x}'",
		"illegal_state_exception", "Can't get text on a START_OBJECT at 1:6");
	doc_err(m, "{\"f\":1e39}", "document_parsing_exception",
		"[1:6] failed to parse field [f] of type [float] in document with id 'X'. Preview of field's value: '1e39'",
		"illegal_argument_exception", "[float] supports only finite values, but got [Infinity]");
	doc_err(m, "{\"_id\":\"x\"}", "document_parsing_exception",
		"[1:8] Field [_id] is a metadata field and cannot be added inside a document. Use the index API request parameters.",
		NULL, NULL);
	/* syntax errors: the position is the JSON parser's (Jackson's) */
	osp_err_t je;

	assert_int_equal(st_doc_parse(m, actx, "X", "{\"k\":\"x\",}", 10, &arena, &d, &je), -EINVAL);
	assert_string_equal(je.type, "document_parsing_exception");
	assert_int_equal(je.line, 1);
	assert_true(je.col >= 10 && je.col <= 11);
	assert_non_null(strstr(je.reason, "] failed to parse"));
	assert_string_equal(je.caused_by_type, "json_parse_exception");
	doc_err(m, "  ", "document_parsing_exception", "failed to parse, document is empty", NULL, NULL);
	/* Lucene's term length limit */
	static char big[40100];
	osp_err_t e2;

	memcpy(big, "{\"k\":\"", 6);
	memset(big + 6, 'a', 40000);
	memcpy(big + 40006, "\"}", 3);
	assert_int_equal(st_doc_parse(m, actx, "X", big, strlen(big), &arena, &d, &e2), -EINVAL);
	assert_string_equal(e2.type, "illegal_argument_exception");
	assert_non_null(strstr(e2.reason, "Document contains at least one immense term in field=\"k\""));
	assert_string_equal(e2.caused_by_reason, "bytes can be at most 32766 in length; got 40000");

	/* a bad value anywhere rejects the document; ignore_malformed skips it */
	doc_ok(m, "{\"lenient\":[\"abc\",\"x\",2],\"age\":1}", &d);
	assert_int_equal(field(&d, "lenient")->n_values, 1);
	assert_int_equal(d.ignored_count, 2);
	assert_int_equal(d.n_ignored, 1);
	assert_string_equal(d.ignored[0], "lenient");
	st_mapping_unref(m);
}

static void
test_dynamic(void **state)
{
	st_mapping_t *m = mapping("{\"properties\":{\"user\":{\"properties\":{\"name\":{\"type\":\"keyword\"}}}}}");
	st_mapping_t *m2 = NULL;
	st_doc_t d;
	osp_err_t err;
	char buf[512];
	const char *src = "{\"title\":\"Hello World\",\"count\":3,\"ratio\":0.5,\"ok\":true,"
			  "\"when\":\"2024-01-02T03:04:05Z\",\"slash\":\"2024/01/02\",\"num\":\"42\","
			  "\"user\":{\"name\":\"bob\",\"age\":7},\"geo\":{\"city\":\"Paris\"},"
			  "\"a.b\":1,\"nothing\":null,\"empty\":[]}";

	(void)state;
	doc_ok(m, src, &d);
	assert_non_null(d.mapping_update);
	assert_int_equal(d.n_fields, 0);

	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;

	osp_jw_init(&w, &b, 0);
	osp_jw_value(&w, d.mapping_update);
	assert_string_equal(b.data,
		"{\"properties\":{"
		"\"title\":{\"type\":\"text\",\"fields\":{\"keyword\":{\"type\":\"keyword\",\"ignore_above\":256}}},"
		"\"count\":{\"type\":\"long\"},\"ratio\":{\"type\":\"float\"},\"ok\":{\"type\":\"boolean\"},"
		"\"when\":{\"type\":\"date\"},"
		"\"slash\":{\"type\":\"date\",\"format\":\"yyyy/MM/dd HH:mm:ss Z||yyyy/MM/dd Z\"},"
		"\"num\":{\"type\":\"text\",\"fields\":{\"keyword\":{\"type\":\"keyword\",\"ignore_above\":256}}},"
		"\"user\":{\"properties\":{\"age\":{\"type\":\"long\"}}},"
		"\"geo\":{\"properties\":{\"city\":{\"type\":\"text\",\"fields\":{\"keyword\":{\"type\":\"keyword\",\"ignore_above\":256}}}}},"
		"\"a\":{\"properties\":{\"b\":{\"type\":\"long\"}}}}}");
	osp_buf_free(&b);

	/* the caller merges the update and parses again: values now flow */
	assert_int_equal(st_mapping_merge(m, d.mapping_update, &m2, &err), 0);
	doc_ok(m2, src, &d);
	assert_null(d.mapping_update);
	assert_string_equal(terms(field(&d, "title"), buf, sizeof(buf)), "hello@0|world@1");
	assert_string_equal(terms(field(&d, "title.keyword"), buf, sizeof(buf)), "Hello World");
	assert_int_equal(field(&d, "count")->longs[0], 3);
	assert_true(field(&d, "ratio")->doubles[0] == 0.5);
	assert_int_equal(field(&d, "slash")->longs[0], 1704153600000LL);
	assert_int_equal(field(&d, "user.age")->longs[0], 7);
	assert_int_equal(field(&d, "a.b")->longs[0], 1);
	assert_null(st_mapping_field(m2, "nothing", 7));
	assert_null(st_mapping_field(m2, "empty", 5));

	/* a value that does not fit the type picked for its first value */
	doc_err(m, "{\"fresh\":[1,\"abc\"]}", "document_parsing_exception",
		"[1:13] failed to parse field [fresh] of type [long] in document with id 'X'. Preview of field's value: 'abc'",
		"number_format_exception", "For input string: \"abc\"");
	st_mapping_unref(m2);
	st_mapping_unref(m);
}

static void
test_dynamic_settings(void **state)
{
	st_mapping_t *m = mapping("{\"dynamic\":\"strict\",\"properties\":{\"name\":{\"type\":\"keyword\"},"
		"\"loose\":{\"dynamic\":true,\"properties\":{}},\"quiet\":{\"dynamic\":false,\"properties\":{}}}}");
	st_doc_t d;

	(void)state;
	doc_err(m, "{\"name\":\"x\", \"foo\":1}", "strict_dynamic_mapping_exception",
		"[1:20] mapping set to strict, dynamic introduction of [foo] within [_doc] is not allowed", NULL, NULL);
	doc_ok(m, "{\"quiet\":{\"anything\":\"goes\"}}", &d);
	assert_null(d.mapping_update);
	doc_ok(m, "{\"loose\":{\"n\":1}}", &d);
	assert_non_null(d.mapping_update);
	st_mapping_unref(m);

	m = mapping("{\"dynamic\":false,\"date_detection\":false,\"properties\":{\"o\":{\"dynamic\":\"strict\",\"properties\":{}}}}");
	doc_ok(m, "{\"new\":\"2024-01-01\"}", &d);
	assert_null(d.mapping_update);
	assert_int_equal(d.n_fields, 0);
	doc_err(m, "{\"o\":{\"x\":1}}", "strict_dynamic_mapping_exception",
		"[1:11] mapping set to strict, dynamic introduction of [x] within [o] is not allowed", NULL, NULL);
	st_mapping_unref(m);

	m = mapping("{\"date_detection\":false,\"numeric_detection\":true}");
	doc_ok(m, "{\"d\":\"2024-01-01\",\"n\":\"42\",\"x\":\"4.5\"}", &d);
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;

	osp_jw_init(&w, &b, 0);
	osp_jw_value(&w, d.mapping_update);
	assert_string_equal(b.data,
		"{\"properties\":{\"d\":{\"type\":\"text\",\"fields\":{\"keyword\":{\"type\":\"keyword\",\"ignore_above\":256}}},"
		"\"n\":{\"type\":\"long\"},\"x\":{\"type\":\"float\"}}}");
	osp_buf_free(&b);
	st_mapping_unref(m);
}

static void
test_normalizer_copy_to(void **state)
{
	st_analysis_t *reg = NULL;
	st_mapping_t *m = NULL;
	osp_err_t err;
	st_doc_t d;
	char buf[256];

	(void)state;
	assert_int_equal(st_analysis_create(js("{\"normalizer\":{\"fold\":{\"type\":\"custom\","
					       "\"filter\":[\"lowercase\",\"asciifolding\"]}}}"), &reg, &err), 0);
	assert_int_equal(st_mapping_parse(js("{\"properties\":{"
		"\"k\":{\"type\":\"keyword\",\"normalizer\":\"fold\",\"ignore_above\":6},"
		"\"l\":{\"type\":\"keyword\",\"normalizer\":\"lowercase\"},"
		"\"first\":{\"type\":\"text\",\"copy_to\":\"full\"},"
		"\"last\":{\"type\":\"keyword\",\"copy_to\":[\"full\",\"raw\"]},"
		"\"full\":{\"type\":\"text\"},\"raw\":{\"type\":\"keyword\"}}}"), reg, &m, &err), 0);
	assert_string_equal(st_mapping_field(m, "k", 1)->normalizer_name, "fold");
	doc_ok(m, "{\"k\":[\"\xc3\x89T\xc3\xa9\",\"TOOLONGX\"],\"l\":\"MiXeD\",\"first\":\"John\",\"last\":\"Smith\"}", &d);
	assert_null(d.mapping_update);
	assert_string_equal(terms(field(&d, "k"), buf, sizeof(buf)), "ete");
	assert_string_equal(terms(field(&d, "l"), buf, sizeof(buf)), "mixed");
	assert_string_equal(terms(field(&d, "full"), buf, sizeof(buf)), "john@0|smith@101");
	assert_string_equal(terms(field(&d, "raw"), buf, sizeof(buf)), "Smith");
	assert_string_equal(terms(field(&d, "last"), buf, sizeof(buf)), "Smith");

	/* copy_to a field that does not exist yet: a dynamic update */
	st_mapping_t *m2 = NULL;

	assert_int_equal(st_mapping_parse(js("{\"properties\":{\"a\":{\"type\":\"keyword\",\"copy_to\":\"all\"}}}"),
					  reg, &m2, &err), 0);
	doc_ok(m2, "{\"a\":\"x\"}", &d);
	assert_non_null(d.mapping_update);
	assert_non_null(osp_json_path(d.mapping_update, "properties.all"));
	st_mapping_unref(m2);
	st_mapping_unref(m);
	st_analysis_free(reg);
}

static void
test_dynamic_templates(void **state)
{
	st_mapping_t *m = mapping("{\"dynamic_templates\":["
		"{\"strings_as_kw\":{\"match_mapping_type\":\"string\",\"unmatch\":\"*_text\",\"mapping\":{\"type\":\"keyword\"}}},"
		"{\"longs_as_int\":{\"match_mapping_type\":\"long\",\"path_match\":\"stats.*\",\"mapping\":{\"type\":\"integer\"}}},"
		"{\"named\":{\"match\":\"*_text\",\"mapping\":{\"type\":\"text\",\"analyzer\":\"english\","
		"\"fields\":{\"raw\":{\"type\":\"keyword\"}}}}},"
		"{\"dyn\":{\"match\":\"dt_*\",\"mapping\":{\"type\":\"{dynamic_type}\",\"index\":false,"
		"\"meta\":{\"from\":\"{name}\"}}}}]}");
	st_mapping_t *m2 = NULL;
	st_doc_t d;
	osp_err_t err;
	char buf[256];
	const char *src = "{\"title\":\"Hello\",\"body_text\":\"Running dogs\",\"stats\":{\"views\":5},"
			  "\"count\":7,\"dt_x\":3.5}";

	(void)state;
	doc_ok(m, src, &d);
	assert_non_null(d.mapping_update);
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;

	osp_jw_init(&w, &b, 0);
	osp_jw_value(&w, d.mapping_update);
	assert_string_equal(b.data, "{\"properties\":{\"title\":{\"type\":\"keyword\"},"
		"\"body_text\":{\"type\":\"text\",\"analyzer\":\"english\",\"fields\":{\"raw\":{\"type\":\"keyword\"}}},"
		"\"stats\":{\"properties\":{\"views\":{\"type\":\"integer\"}}},"
		"\"count\":{\"type\":\"long\"},"
		"\"dt_x\":{\"type\":\"float\",\"index\":false,\"meta\":{\"from\":\"dt_x\"}}}}");
	osp_buf_free(&b);
	assert_int_equal(st_mapping_merge(m, d.mapping_update, &m2, &err), 0);
	doc_ok(m2, src, &d);
	assert_null(d.mapping_update);
	assert_string_equal(terms(field(&d, "body_text"), buf, sizeof(buf)), "run@0|dog@1");
	assert_string_equal(terms(field(&d, "title"), buf, sizeof(buf)), "Hello");
	assert_int_equal(field(&d, "stats.views")->longs[0], 5);
	st_mapping_unref(m2);
	st_mapping_unref(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_arrays_positions_objects),
		cmocka_unit_test(test_null_value),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_dynamic),
		cmocka_unit_test(test_dynamic_settings),
		cmocka_unit_test(test_normalizer_copy_to),
		cmocka_unit_test(test_dynamic_templates),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
