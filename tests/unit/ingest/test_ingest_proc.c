/*
 * test_ingest_proc.c - one test per ingest processor (dataplane/ingest):
 * what it does to a document and Elasticsearch's messages when it cannot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "ingest_test_util.h"

#define P(procs) "{\"processors\":[" procs "]}"

static void
test_set(void **state)
{
	(void)state;
	expect_doc(P("{\"set\":{\"field\":\"a.b\",\"value\":1}}"), "{\"x\":1}", "{\"x\":1,\"a\":{\"b\":1}}");
	expect_doc(P("{\"set\":{\"field\":\"x\",\"value\":\"{{y}}-{{_ingest.timestamp}}\"}}"),
		   "{\"x\":1,\"y\":\"v\"}", "{\"x\":\"v-2023-11-14T22:13:20.123Z\",\"y\":\"v\"}");
	expect_doc(P("{\"set\":{\"field\":\"x\",\"value\":2,\"override\":false}}"), "{\"x\":1}", "{\"x\":1}");
	expect_doc(P("{\"set\":{\"field\":\"y\",\"copy_from\":\"x\"}}"), "{\"x\":[1]}", "{\"x\":[1],\"y\":[1]}");
	expect_doc(P("{\"set\":{\"field\":\"y\",\"value\":\"{{nope}}\",\"ignore_empty_value\":true}}"), "{}", "{}");
	expect_doc(P("{\"set\":{\"field\":\"l.1\",\"value\":9}}"), "{\"l\":[1,2]}", "{\"l\":[1,9]}");
	expect_bad(P("{\"set\":{\"value\":1}}"), "parse_exception", "[field] required property is missing");
	expect_bad(P("{\"set\":{\"field\":\"a\"}}"), "parse_exception", "[value] required property is missing");
	expect_bad(P("{\"set\":{\"field\":\"a\",\"value\":1,\"bogus\":2}}"), "parse_exception",
		   "processor [set] doesn't support one or more provided configuration parameters [bogus]");
	expect_fail(P("{\"set\":{\"field\":\"x.y\",\"value\":1}}"), "{\"x\":\"s\"}", "illegal_argument_exception",
		    "cannot set [y] with parent object of type [java.lang.String] as part of path [x.y]");
}

static void
test_remove_rename_append(void **state)
{
	(void)state;
	expect_doc(P("{\"remove\":{\"field\":[\"a\",\"b.c\"]}}"), "{\"a\":1,\"b\":{\"c\":2,\"d\":3},\"e\":4}",
		   "{\"b\":{\"d\":3},\"e\":4}");
	expect_doc(P("{\"remove\":{\"field\":\"z\",\"ignore_missing\":true}}"), "{\"a\":1}", "{\"a\":1}");
	expect_fail(P("{\"remove\":{\"field\":\"z\"}}"), "{\"a\":1}", "illegal_argument_exception",
		    "field [z] not present as part of path [z]");
	expect_doc(P("{\"rename\":{\"field\":\"a\",\"target_field\":\"b.c\"}}"), "{\"a\":1}", "{\"b\":{\"c\":1}}");
	expect_fail(P("{\"rename\":{\"field\":\"a\",\"target_field\":\"b\"}}"), "{\"a\":1,\"b\":2}",
		    "illegal_argument_exception", "field [b] already exists");
	expect_fail(P("{\"rename\":{\"field\":\"z\",\"target_field\":\"b\"}}"), "{}",
		    "illegal_argument_exception", "field [z] doesn't exist");
	expect_doc(P("{\"append\":{\"field\":\"t\",\"value\":[\"b\",\"c\"]}}"), "{\"t\":\"a\"}", "{\"t\":[\"a\",\"b\",\"c\"]}");
	expect_doc(P("{\"append\":{\"field\":\"t\",\"value\":\"a\",\"allow_duplicates\":false}}"), "{\"t\":[\"a\"]}",
		   "{\"t\":[\"a\"]}");
	expect_doc(P("{\"append\":{\"field\":\"n\",\"value\":1}}"), "{}", "{\"n\":[1]}");
}

static void
test_strings(void **state)
{
	(void)state;
	expect_doc(P("{\"lowercase\":{\"field\":\"s\"}},{\"uppercase\":{\"field\":\"t\",\"target_field\":\"u\"}}"),
		   "{\"s\":\"ÀBc\",\"t\":[\"ab\",\"é\"]}", "{\"s\":\"àbc\",\"t\":[\"ab\",\"é\"],\"u\":[\"AB\",\"É\"]}");
	expect_doc(P("{\"trim\":{\"field\":\"s\"}}"), "{\"s\":\"  a b \\t\"}", "{\"s\":\"a b\"}");
	expect_fail(P("{\"lowercase\":{\"field\":\"n\"}}"), "{\"n\":1}", "illegal_argument_exception",
		    "field [n] of type [java.lang.Integer] cannot be cast to [java.lang.String]");
	expect_fail(P("{\"lowercase\":{\"field\":\"n\"}}"), "{}", "illegal_argument_exception",
		    "field [n] not present as part of path [n]");
	expect_doc(P("{\"lowercase\":{\"field\":\"n\",\"ignore_missing\":true}}"), "{}", "{}");
	expect_doc(P("{\"split\":{\"field\":\"s\",\"separator\":\",\"}}"), "{\"s\":\"a,b,,c,,\"}",
		   "{\"s\":[\"a\",\"b\",\"\",\"c\"]}");
	expect_doc(P("{\"split\":{\"field\":\"s\",\"separator\":\"\\\\s+\",\"preserve_trailing\":true}}"),
		   "{\"s\":\"a  b \"}", "{\"s\":[\"a\",\"b\",\"\"]}");
	expect_doc(P("{\"join\":{\"field\":\"l\",\"separator\":\"-\",\"target_field\":\"j\"}}"),
		   "{\"l\":[\"a\",1,true]}", "{\"l\":[\"a\",1,true],\"j\":\"a-1-true\"}");
	expect_fail(P("{\"join\":{\"field\":\"l\",\"separator\":\"-\"}}"), "{\"l\":\"x\"}", "illegal_argument_exception",
		    "field [l] of type [java.lang.String] cannot be cast to [java.util.List]");
	expect_doc(P("{\"gsub\":{\"field\":\"s\",\"pattern\":\"([a-z])([0-9])\",\"replacement\":\"$2$1\"}}"),
		   "{\"s\":\"a1-b2\"}", "{\"s\":\"1a-2b\"}");
	expect_doc(P("{\"gsub\":{\"field\":\"s\",\"pattern\":\"\\\\.\",\"replacement\":\"-\"}}"),
		   "{\"s\":\"1.2.3\"}", "{\"s\":\"1-2-3\"}");
	expect_bad(P("{\"gsub\":{\"field\":\"s\",\"pattern\":\"(\",\"replacement\":\"\"}}"), "parse_exception",
		   "[pattern] Invalid regex pattern [(]: Unmatched ( or \\(");
}

static void
test_convert(void **state)
{
	(void)state;
	expect_doc(P("{\"convert\":{\"field\":\"a\",\"type\":\"integer\"}},"
		     "{\"convert\":{\"field\":\"b\",\"type\":\"float\"}},"
		     "{\"convert\":{\"field\":\"c\",\"type\":\"boolean\"}},"
		     "{\"convert\":{\"field\":\"d\",\"type\":\"string\"}},"
		     "{\"convert\":{\"field\":\"e\",\"type\":\"auto\"}},"
		     "{\"convert\":{\"field\":\"f\",\"type\":\"long\"}}"),
		   "{\"a\":\"12\",\"b\":\"1.5\",\"c\":\"TRUE\",\"d\":7,\"e\":\"3\",\"f\":[\"1\",\"2\"]}",
		   "{\"a\":12,\"b\":1.5,\"c\":true,\"d\":\"7\",\"e\":3,\"f\":[1,2]}");
	expect_fail(P("{\"convert\":{\"field\":\"a\",\"type\":\"integer\"}}"), "{\"a\":\"x1\"}",
		    "illegal_argument_exception", "unable to convert [x1] to integer");
	expect_bad(P("{\"convert\":{\"field\":\"a\",\"type\":\"money\"}}"), "parse_exception",
		   "[type] type [money] not supported, cannot convert field.");
}

static void
test_date_json_dot(void **state)
{
	(void)state;
	expect_doc(P("{\"date\":{\"field\":\"d\",\"formats\":[\"dd/MM/yyyy\",\"ISO8601\"]}}"),
		   "{\"d\":\"2024-03-05T10:00:00Z\"}",
		   "{\"d\":\"2024-03-05T10:00:00Z\",\"@timestamp\":\"2024-03-05T10:00:00.000Z\"}");
	expect_doc(P("{\"date\":{\"field\":\"d\",\"formats\":[\"UNIX_MS\"],\"target_field\":\"t\",\"output_format\":\"yyyy-MM-dd\"}}"),
		   "{\"d\":1700000000000}", "{\"d\":1700000000000,\"t\":\"2023-11-14\"}");
	expect_fail(P("{\"date\":{\"field\":\"d\",\"formats\":[\"yyyy\"]}}"), "{\"d\":\"nope\"}",
		    "illegal_argument_exception", "unable to parse date [nope]");
	expect_bad(P("{\"date\":{\"field\":\"d\"}}"), "parse_exception", "[formats] required property is missing");
	expect_doc(P("{\"json\":{\"field\":\"j\",\"target_field\":\"o\"}}"), "{\"j\":\"{\\\"a\\\":[1]}\"}",
		   "{\"j\":\"{\\\"a\\\":[1]}\",\"o\":{\"a\":[1]}}");
	expect_doc(P("{\"json\":{\"field\":\"j\",\"add_to_root\":true}}"), "{\"j\":\"{\\\"a\\\":1}\"}",
		   "{\"j\":\"{\\\"a\\\":1}\",\"a\":1}");
	expect_doc(P("{\"dot_expander\":{\"field\":\"a.b\"}}"), "{\"a.b\":1,\"c\":2}", "{\"c\":2,\"a\":{\"b\":1}}");
	expect_doc(P("{\"dot_expander\":{\"field\":\"*\"}}"), "{\"x.y\":1,\"x.z\":2}", "{\"x\":{\"y\":1,\"z\":2}}");
	expect_bad(P("{\"dot_expander\":{\"field\":\"ab\"}}"), "parse_exception",
		   "[field] field does not contain a dot and is not a wildcard");
}

static void
test_fail_drop_script(void **state)
{
	(void)state;
	expect_fail(P("{\"fail\":{\"message\":\"bad {{a}}\"}}"), "{\"a\":\"doc\"}", "fail_processor_exception", "bad doc");
	expect_doc(P("{\"drop\":{}},{\"set\":{\"field\":\"x\",\"value\":1}}"), "{}", "{}");
	assert_true(last_doc.dropped);
	expect_bad(P("{\"script\":{\"source\":\"ctx.a = 1\"}}"), "illegal_argument_exception",
		   "script_lang not supported [painless]");
	expect_bad(P("{\"nope\":{}}"), "parse_exception", "No processor type exists with name [nope]");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_set, setup, teardown_ingest),
		cmocka_unit_test_setup_teardown(test_remove_rename_append, setup, teardown_ingest),
		cmocka_unit_test_setup_teardown(test_strings, setup, teardown_ingest),
		cmocka_unit_test_setup_teardown(test_convert, setup, teardown_ingest),
		cmocka_unit_test_setup_teardown(test_date_json_dot, setup, teardown_ingest),
		cmocka_unit_test_setup_teardown(test_fail_drop_script, setup, teardown_ingest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
