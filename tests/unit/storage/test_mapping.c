/*
 * test_mapping.c - mapping parse, errors worded as Elasticsearch, GET
 * _mapping serialization shape, merge rules, lookups and field patterns.
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
js(const char *s)
{
	osp_json_t *v = NULL;
	osp_json_error_t je;

	if (osp_json_parse(&arena, s, strlen(s), NULL, &v, &je) != 0)
		fail_msg("bad test JSON: %s", je.msg);
	return v;
}

static st_mapping_t *
parse_ok(const char *body)
{
	st_mapping_t *m = NULL;
	osp_err_t err;

	osp_err_clear(&err);
	if (st_mapping_parse(js(body), NULL, &m, &err) != 0)
		fail_msg("parse failed: %s: %s", err.type, err.reason);
	return m;
}

/* Serialized mapping must equal want exactly (byte for byte). */
static void
assert_written(const st_mapping_t *m, const char *want)
{
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;

	osp_jw_init(&w, &b, 0);
	st_mapping_write(m, &w);
	assert_false(osp_buf_failed(&b));
	if (strcmp(b.data, want) != 0)
		fail_msg("got  %s\nwant %s", b.data, want);
	osp_buf_free(&b);
}

static void
parse_err(const char *body, const char *type, const char *reason)
{
	st_mapping_t *m = NULL;
	osp_err_t err;

	osp_err_clear(&err);
	assert_int_equal(st_mapping_parse(js(body), NULL, &m, &err), -EINVAL);
	assert_null(m);
	assert_int_equal(err.status, 400);
	assert_string_equal(err.type, type);
	if (strcmp(err.reason, reason) != 0)
		fail_msg("reason: got [%s]\n want [%s]", err.reason, reason);
}

static void
test_empty(void **state)
{
	st_mapping_t *m = parse_ok("{}");

	(void)state;
	assert_written(m, "{}");
	assert_int_equal(st_mapping_field_count(m), 0);
	assert_true(st_mapping_source_enabled(m));
	assert_false(st_mapping_routing_required(m));
	assert_int_equal(st_mapping_dynamic(m), ST_DYNAMIC_TRUE);
	st_mapping_unref(m);

	st_mapping_t *m2 = NULL;
	osp_err_t err;

	assert_int_equal(st_mapping_parse(NULL, NULL, &m2, &err), 0);
	assert_written(m2, "{}");
	st_mapping_unref(m2);
}

static void
test_types_and_shape(void **state)
{
	st_mapping_t *m = parse_ok(
		"{\"dynamic\":\"strict\",\"_source\":{\"enabled\":false},\"_routing\":{\"required\":true},"
		"\"properties\":{"
		"\"title\":{\"type\":\"text\",\"analyzer\":\"english\",\"fields\":{\"raw\":{\"type\":\"keyword\"}}},"
		"\"tag\":{\"type\":\"keyword\",\"ignore_above\":10,\"index\":true,\"null_value\":\"NA\"},"
		"\"age\":{\"type\":\"integer\",\"coerce\":false},"
		"\"price\":{\"type\":\"scaled_float\",\"scaling_factor\":100},"
		"\"ok\":{\"type\":\"boolean\"},"
		"\"born\":{\"type\":\"date\",\"format\":\"yyyy-MM-dd\"},"
		"\"user\":{\"properties\":{\"name\":{\"type\":\"text\",\"norms\":false},\"id\":{\"type\":\"long\",\"doc_values\":false}}},"
		"\"blob\":{\"type\":\"object\",\"enabled\":false},"
		"\"a.b.c\":{\"type\":\"short\"}"
		"}}");

	(void)state;
	assert_written(m,
		"{\"dynamic\":\"strict\",\"_routing\":{\"required\":true},\"_source\":{\"enabled\":false},"
		"\"properties\":{"
		"\"a\":{\"properties\":{\"b\":{\"properties\":{\"c\":{\"type\":\"short\"}}}}},"
		"\"age\":{\"type\":\"integer\",\"coerce\":false},"
		"\"blob\":{\"type\":\"object\",\"enabled\":false},"
		"\"born\":{\"type\":\"date\",\"format\":\"yyyy-MM-dd\"},"
		"\"ok\":{\"type\":\"boolean\"},"
		"\"price\":{\"type\":\"scaled_float\",\"scaling_factor\":100.0},"
		"\"tag\":{\"type\":\"keyword\",\"null_value\":\"NA\",\"ignore_above\":10},"
		"\"title\":{\"type\":\"text\",\"analyzer\":\"english\",\"fields\":{\"raw\":{\"type\":\"keyword\"}}},"
		"\"user\":{\"properties\":{\"id\":{\"type\":\"long\",\"doc_values\":false},"
		"\"name\":{\"type\":\"text\",\"norms\":false}}}}}");
	assert_false(st_mapping_source_enabled(m));
	assert_true(st_mapping_routing_required(m));
	assert_int_equal(st_mapping_dynamic(m), ST_DYNAMIC_STRICT);

	const st_field_t *f = st_mapping_field(m, "title.raw", 9);

	assert_non_null(f);
	assert_int_equal(f->type, ST_FIELD_KEYWORD);
	assert_true(f->is_multi_field);
	assert_string_equal(f->parent->path, "title");
	f = st_mapping_field(m, "title", 5);
	assert_string_equal(st_analyzer_name(f->analyzer), "english");
	assert_ptr_equal(f->search_analyzer, f->analyzer);
	assert_false(f->doc_values);
	assert_true(f->norms);
	assert_int_equal(f->position_increment_gap, 100);
	f = st_mapping_field(m, "tag", 3);
	assert_int_equal(f->ignore_above, 10);
	assert_true(f->has_null_value);
	assert_string_equal(f->null_value_str, "NA");
	f = st_mapping_field(m, "user.id", 7);
	assert_int_equal(f->type, ST_FIELD_LONG);
	assert_false(f->doc_values);
	f = st_mapping_field(m, "a.b", 3);
	assert_int_equal(f->type, ST_FIELD_OBJECT);
	assert_int_equal(f->effective_dynamic, ST_DYNAMIC_STRICT);
	assert_null(st_mapping_field(m, "nope", 4));
	assert_null(st_mapping_field(m, "title.", 6));
	assert_int_equal(st_mapping_field(m, "price", 5)->scaling_factor, 100);
	/* ids are dense and lookups agree */
	for (uint32_t i = 0; i < st_mapping_field_count(m); i++) {
		const st_field_t *x = st_mapping_field_at(m, i);

		assert_non_null(x);
		assert_int_equal(x->id, i);
		assert_ptr_equal(st_mapping_field(m, x->path, x->path_len), x);
	}
	assert_int_equal(st_mapping_field_count(m), 14);
	st_mapping_unref(m);
}

static void
test_defaults_not_written(void **state)
{
	st_mapping_t *m = parse_ok(
		"{\"_doc\":{\"properties\":{\"k\":{\"type\":\"keyword\",\"index\":true,\"doc_values\":true,\"norms\":false},"
		"\"t\":{\"type\":\"text\",\"analyzer\":\"standard\",\"search_analyzer\":\"simple\",\"position_increment_gap\":100},"
		"\"d\":{\"type\":\"date\",\"null_value\":\"2024-01-01\",\"meta\":{\"unit\":\"day\"}},"
		"\"n\":{\"type\":\"long\",\"null_value\":\"7\",\"copy_to\":\"all\"},"
		"\"all\":{\"type\":\"text\",\"index_options\":\"freqs\"}}}}");

	(void)state;
	assert_written(m,
		"{\"properties\":{"
		"\"all\":{\"type\":\"text\",\"index_options\":\"freqs\"},"
		"\"d\":{\"type\":\"date\",\"null_value\":\"2024-01-01\",\"meta\":{\"unit\":\"day\"}},"
		"\"k\":{\"type\":\"keyword\"},"
		"\"n\":{\"type\":\"long\",\"null_value\":7,\"copy_to\":\"all\"},"
		"\"t\":{\"type\":\"text\",\"analyzer\":\"standard\",\"search_analyzer\":\"simple\"}}}");
	assert_int_equal(st_mapping_field(m, "d", 1)->null_value_long, 1704067200000LL);
	assert_int_equal(st_mapping_field(m, "n", 1)->null_value_long, 7);
	assert_string_equal(st_analyzer_name(st_mapping_field(m, "t", 1)->search_analyzer), "simple");
	st_mapping_unref(m);
}

static void
test_parse_errors(void **state)
{
	(void)state;
	parse_err("{\"properties\":{\"bar\":{\"type\":\"foo\"}}}", "mapper_parsing_exception",
		  "No handler for type [foo] declared on field [bar]");
	parse_err("{\"properties\":{\"f\":{\"type\":\"keyword\",\"x\":1}}}", "mapper_parsing_exception",
		  "unknown parameter [x] on mapper [f] of type [keyword]");
	parse_err("{\"properties\":{\"f\":{\"type\":\"text\",\"ignore_above\":1}}}", "mapper_parsing_exception",
		  "unknown parameter [ignore_above] on mapper [f] of type [text]");
	parse_err("{\"properties\":{\"f\":{\"type\":\"text\",\"analyzer\":\"nope\"}}}", "mapper_parsing_exception",
		  "analyzer [nope] has not been configured in mappings");
	parse_err("{\"properties\":{\"f\":{\"type\":\"keyword\",\"index\":\"maybe\"}}}", "mapper_parsing_exception",
		  "Failed to parse value [maybe] as only [true] or [false] are allowed.");
	parse_err("{\"properties\":{\"p\":{\"type\":\"scaled_float\"}}}", "mapper_parsing_exception",
		  "Field [scaling_factor] is required");
	parse_err("{\"foo\":\"bar\"}", "mapper_parsing_exception",
		  "Root mapping definition has unsupported parameters:  [foo : bar]");
	parse_err("{\"dynamic\":\"sometimes\"}", "mapper_parsing_exception",
		  "Could not convert [dynamic] to boolean");
	parse_err("{\"properties\":{\"f\":{\"type\":\"text\",\"fields\":{\"o\":{\"type\":\"object\"}}}}}",
		  "mapper_parsing_exception", "Type [object] cannot be used in multi field");
	parse_err("{\"properties\":{\"f\":{\"type\":\"keyword\",\"normalizer\":\"lower\"}}}",
		  "mapper_parsing_exception", "normalizer [lower] not found for field [f]");
	parse_err("{\"properties\":{\"d\":{\"type\":\"date\",\"format\":\"yyyy-qq\"}}}",
		  "mapper_parsing_exception",
		  "Invalid format: [yyyy-qq]: Unknown pattern letter or format name [yyyy-qq]");
	parse_err("{\"properties\":{\"o\":{\"properties\":{},\"wat\":1}}}", "mapper_parsing_exception",
		  "Mapping definition for [o] has unsupported parameters:  [wat : ...]");

	parse_err("{\"dynamic_templates\":[{\"t\":{\"match\":\"*\"}}]}", "mapper_parsing_exception",
		  "template [t] must have either mapping or runtime set");
	parse_err("{\"dynamic_templates\":[{\"t\":{\"wat\":1,\"mapping\":{}}}]}", "mapper_parsing_exception",
		  "Illegal dynamic template parameter: [wat]");
	parse_err("{\"dynamic_templates\":[{\"t\":{\"match_mapping_type\":\"text\",\"mapping\":{}}}]}",
		  "mapper_parsing_exception",
		  "No field type matched on [text], possible values are [object, string, long, double, boolean, date, binary]");
	parse_err("{\"dynamic_templates\":{}}", "mapper_parsing_exception",
		  "Dynamic template syntax error. An array of named objects is expected.");

	/* create-index wraps the reason */
	st_mapping_t *m = NULL;
	osp_err_t err;

	assert_int_equal(st_mapping_parse(js("{\"properties\":{\"bar\":{\"type\":\"foo\"}}}"), NULL, &m, &err), -EINVAL);
	st_mapping_err_wrap(&err);
	assert_string_equal(err.reason, "Failed to parse mapping: No handler for type [foo] declared on field [bar]");
	assert_string_equal(err.caused_by_type, "mapper_parsing_exception");
	assert_string_equal(err.caused_by_reason, "No handler for type [foo] declared on field [bar]");
}

static st_mapping_t *
merge(st_mapping_t *cur, const char *upd, int want_rc, osp_err_t *err)
{
	st_mapping_t *m = NULL;

	osp_err_clear(err);
	assert_int_equal(st_mapping_merge(cur, js(upd), &m, err), want_rc);
	return m;
}

static void
test_merge(void **state)
{
	st_mapping_t *m = parse_ok("{\"properties\":{\"age\":{\"type\":\"long\"},"
				   "\"title\":{\"type\":\"text\",\"analyzer\":\"english\"},"
				   "\"tag\":{\"type\":\"keyword\",\"ignore_above\":10},"
				   "\"user\":{\"properties\":{\"name\":{\"type\":\"keyword\"}}}}}");
	osp_err_t err;
	st_mapping_t *m2;

	(void)state;
	uint32_t age_id = st_mapping_field(m, "age", 3)->id;

	/* additions keep existing ids; updatable params change */
	m2 = merge(m, "{\"properties\":{\"zip\":{\"type\":\"keyword\"},\"tag\":{\"type\":\"keyword\",\"ignore_above\":20},"
		   "\"title\":{\"type\":\"text\",\"analyzer\":\"english\",\"fields\":{\"raw\":{\"type\":\"keyword\"}}},"
		   "\"user\":{\"properties\":{\"email\":{\"type\":\"keyword\"}}}}}", 0, &err);
	assert_non_null(m2);
	assert_int_equal(st_mapping_field(m2, "age", 3)->id, age_id);
	assert_int_equal(st_mapping_field(m2, "tag", 3)->ignore_above, 20);
	assert_int_equal(st_mapping_field(m, "tag", 3)->ignore_above, 10);   /* old one untouched */
	assert_non_null(st_mapping_field(m2, "title.raw", 9));
	assert_non_null(st_mapping_field(m2, "user.email", 10));
	assert_non_null(st_mapping_field(m2, "user.name", 9));
	assert_null(st_mapping_field(m, "zip", 3));
	assert_int_equal(st_mapping_field_count(m2), st_mapping_field_count(m) + 3);
	assert_written(m2, "{\"properties\":{\"age\":{\"type\":\"long\"},"
		       "\"tag\":{\"type\":\"keyword\",\"ignore_above\":20},"
		       "\"title\":{\"type\":\"text\",\"analyzer\":\"english\",\"fields\":{\"raw\":{\"type\":\"keyword\"}}},"
		       "\"user\":{\"properties\":{\"email\":{\"type\":\"keyword\"},\"name\":{\"type\":\"keyword\"}}},"
		       "\"zip\":{\"type\":\"keyword\"}}}");

	/* conflicts */
	assert_null(merge(m, "{\"properties\":{\"age\":{\"type\":\"text\"}}}", -EINVAL, &err));
	assert_string_equal(err.type, "illegal_argument_exception");
	assert_string_equal(err.reason, "mapper [age] cannot be changed from type [long] to [text]");
	assert_null(merge(m, "{\"properties\":{\"title\":{\"type\":\"text\",\"analyzer\":\"standard\"}}}", -EINVAL, &err));
	assert_string_equal(err.reason, "Mapper for [title] conflicts with existing mapper:\n"
			    "\tCannot update parameter [analyzer] from [english] to [standard]");
	assert_null(merge(m, "{\"properties\":{\"title\":{\"type\":\"text\"}}}", -EINVAL, &err));
	assert_string_equal(err.reason, "Mapper for [title] conflicts with existing mapper:\n"
			    "\tCannot update parameter [analyzer] from [english] to [default]");
	assert_null(merge(m, "{\"properties\":{\"tag\":{\"type\":\"keyword\",\"index\":false,\"doc_values\":false}}}",
			  -EINVAL, &err));
	assert_string_equal(err.reason, "Mapper for [tag] conflicts with existing mapper:\n"
			    "\tCannot update parameter [index] from [true] to [false]\n"
			    "\tCannot update parameter [doc_values] from [true] to [false]");
	assert_null(merge(m, "{\"properties\":{\"user\":{\"type\":\"keyword\"}}}", -EINVAL, &err));
	assert_string_equal(err.reason, "can't merge a non object mapping [user] with an object mapping");
	assert_null(merge(m, "{\"properties\":{\"age\":{\"properties\":{\"x\":{\"type\":\"long\"}}}}}", -EINVAL, &err));
	assert_string_equal(err.reason, "mapper [age] cannot be changed from type [long] to [object]");
	assert_null(merge(m, "{\"_source\":{\"enabled\":false}}", -EINVAL, &err));
	assert_string_equal(err.reason, "Mapper for [_source] conflicts with existing mapper:\n"
			    "\tCannot update parameter [enabled] from [true] to [false]");
	assert_null(merge(m, "{\"properties\":{\"user\":{\"enabled\":false}}}", -EINVAL, &err));
	assert_string_equal(err.reason, "the [enabled] parameter can't be updated for the object mapping [user]");

	/* found by fuzzing: null_value compares by value; _source lists are replaced */
	st_mapping_t *nv = parse_ok("{\"_source\":{\"includes\":[\"a\"]},\"properties\":{\"h\":{\"type\":\"half_float\",\"null_value\":\"1.5\"}}}");
	st_mapping_t *nv2 = merge(nv, "{\"_source\":{\"includes\":[\"b\"],\"excludes\":[\"c\"]},"
				  "\"properties\":{\"h\":{\"type\":\"half_float\",\"null_value\":1.5}}}", 0, &err);

	assert_written(nv2, "{\"_source\":{\"includes\":[\"b\"],\"excludes\":[\"c\"]},"
		       "\"properties\":{\"h\":{\"type\":\"half_float\",\"null_value\":1.5}}}");
	assert_null(merge(nv, "{\"properties\":{\"h\":{\"type\":\"half_float\",\"null_value\":2}}}", -EINVAL, &err));
	assert_string_equal(err.reason, "Mapper for [h] conflicts with existing mapper:\n"
			    "\tCannot update parameter [null_value] from [1.5] to [2]");
	st_mapping_unref(nv2);
	st_mapping_unref(nv);

	/* dynamic templates merge by name */
	st_mapping_t *t1 = parse_ok("{\"dynamic_templates\":[{\"a\":{\"match\":\"a*\",\"mapping\":{\"type\":\"keyword\"}}},"
				    "{\"b\":{\"match\":\"b*\",\"mapping\":{\"type\":\"long\"}}}]}");
	st_mapping_t *t2 = merge(t1, "{\"dynamic_templates\":[{\"b\":{\"match\":\"bb*\",\"mapping\":{\"type\":\"text\"}}},"
				 "{\"c\":{\"match\":\"c*\",\"mapping\":{\"type\":\"date\"}}}]}", 0, &err);

	assert_written(t2, "{\"dynamic_templates\":[{\"a\":{\"match\":\"a*\",\"mapping\":{\"type\":\"keyword\"}}},"
		       "{\"b\":{\"match\":\"bb*\",\"mapping\":{\"type\":\"text\"}}},"
		       "{\"c\":{\"match\":\"c*\",\"mapping\":{\"type\":\"date\"}}}]}");
	st_mapping_unref(t2);
	st_mapping_unref(t1);

	/* dynamic is updatable, both at the root and on objects */
	st_mapping_t *m3 = merge(m2, "{\"dynamic\":false,\"properties\":{\"user\":{\"dynamic\":\"strict\"}}}", 0, &err);

	assert_int_equal(st_mapping_dynamic(m3), ST_DYNAMIC_FALSE);
	assert_int_equal(st_mapping_field(m3, "user", 4)->effective_dynamic, ST_DYNAMIC_STRICT);
	st_mapping_unref(m3);
	st_mapping_unref(m2);
	st_mapping_unref(m);
}

typedef struct names {
	char buf[512];
} names_t;

static int
collect(void *arg, const st_field_t *f)
{
	names_t *n = arg;
	size_t l = strlen(n->buf);

	snprintf(n->buf + l, sizeof(n->buf) - l, "%s%s", l ? "," : "", f->path);
	return 0;
}

static const char *
match(const st_mapping_t *m, const char *pat, names_t *n)
{
	n->buf[0] = '\0';
	st_mapping_fields_match(m, pat, strlen(pat), collect, n);
	return n->buf;
}

static void
test_fields_match(void **state)
{
	st_mapping_t *m = parse_ok("{\"properties\":{\"title\":{\"type\":\"text\",\"fields\":{\"keyword\":{\"type\":\"keyword\"}}},"
				   "\"titles\":{\"type\":\"keyword\"},\"body\":{\"type\":\"text\"},"
				   "\"user\":{\"properties\":{\"name\":{\"type\":\"keyword\"}}}}}");
	names_t n;

	(void)state;
	assert_string_equal(match(m, "*", &n), "body,title,title.keyword,titles,user.name");
	assert_string_equal(match(m, "title*", &n), "title,title.keyword,titles");
	assert_string_equal(match(m, "*.keyword", &n), "title.keyword");
	assert_string_equal(match(m, "user.*", &n), "user.name");
	assert_string_equal(match(m, "body", &n), "body");
	assert_string_equal(match(m, "b*y", &n), "body");
	assert_string_equal(match(m, "nope*", &n), "");
	st_mapping_unref(m);
}

static void
test_custom_analyzer_names(void **state)
{
	st_analysis_t *reg = NULL;
	st_mapping_t *m = NULL;
	osp_err_t err;

	(void)state;
	assert_int_equal(st_analysis_create(js("{\"analyzer\":{\"my\":{\"tokenizer\":\"whitespace\"},"
					       "\"default_search\":{\"type\":\"simple\"}}}"), &reg, &err), 0);
	assert_int_equal(st_mapping_parse(js("{\"properties\":{\"t\":{\"type\":\"text\",\"analyzer\":\"my\"}}}"),
					  reg, &m, &err), 0);
	assert_string_equal(st_analyzer_name(st_mapping_field(m, "t", 1)->analyzer), "my");
	assert_string_equal(st_analyzer_name(st_mapping_field(m, "t", 1)->search_analyzer), "default_search");
	assert_ptr_equal(st_mapping_analysis(m), reg);
	/* the refcount keeps a merged mapping alive after the old one goes */
	st_mapping_t *m2 = NULL;

	assert_int_equal(st_mapping_merge(m, js("{\"properties\":{\"u\":{\"type\":\"long\"}}}"), &m2, &err), 0);
	st_mapping_ref(m2);
	st_mapping_unref(m);
	st_mapping_unref(m2);
	assert_string_equal(st_analyzer_name(st_mapping_field(m2, "t", 1)->analyzer), "my");
	st_mapping_unref(m2);
	st_analysis_free(reg);
}

/* parse(write(m)) == m: the master stores the written form and re-parses it. */
static void
test_roundtrip(void **state)
{
	static const char *const bodies[] = {
		"{\"dynamic\":\"false\",\"_meta\":{\"v\":1},\"_routing\":{\"required\":true},"
		"\"_source\":{\"excludes\":[\"secret\"]},\"dynamic_date_formats\":[\"yyyy-MM-dd\"],"
		"\"date_detection\":true,\"numeric_detection\":false,\"properties\":{"
		"\"t\":{\"type\":\"text\",\"index\":false,\"norms\":false,\"search_analyzer\":\"simple\","
		"\"position_increment_gap\":5,\"fields\":{\"k\":{\"type\":\"keyword\",\"ignore_above\":3,"
		"\"normalizer\":\"lowercase\"}},\"copy_to\":[\"all\"]},"
		"\"n\":{\"type\":\"half_float\",\"coerce\":false,\"null_value\":1.5,\"ignore_malformed\":true},"
		"\"b\":{\"type\":\"boolean\",\"null_value\":true,\"store\":true},"
		"\"d\":{\"type\":\"date\",\"format\":\"epoch_second\",\"doc_values\":false},"
		"\"o\":{\"dynamic\":\"strict\",\"properties\":{\"x\":{\"type\":\"byte\"}}},"
		"\"e\":{\"type\":\"object\"},\"all\":{\"type\":\"text\"}}}",
		"{}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		st_mapping_t *m = parse_ok(bodies[i]);
		osp_buf_t b1 = OSP_BUF_INIT;
		osp_jw_t w;

		osp_jw_init(&w, &b1, 0);
		st_mapping_write(m, &w);
		st_mapping_t *m2 = parse_ok(b1.data);

		assert_written(m2, b1.data);
		assert_int_equal(st_mapping_field_count(m2), st_mapping_field_count(m));
		osp_buf_free(&b1);
		st_mapping_unref(m2);
		st_mapping_unref(m);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_types_and_shape),
		cmocka_unit_test(test_defaults_not_written),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_fields_match),
		cmocka_unit_test(test_custom_analyzer_names),
		cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
