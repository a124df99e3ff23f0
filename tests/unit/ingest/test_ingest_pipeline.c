/*
 * test_ingest_pipeline.c - pipeline-level behaviour (dataplane/ingest):
 * conditions, ignore_failure, on_failure chains and their metadata, the
 * pipeline processor with cycles, and verbose tracing.
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
test_conditions(void **state)
{
	(void)state;
	expect_doc(P("{\"set\":{\"if\":\"ctx.a == 'x'\",\"field\":\"b\",\"value\":1}},"
		     "{\"set\":{\"if\":\"ctx?.c?.d != null\",\"field\":\"e\",\"value\":2}},"
		     "{\"set\":{\"if\":\"ctx.n == 3\",\"field\":\"f\",\"value\":3}}"),
		   "{\"a\":\"x\",\"n\":3}", "{\"a\":\"x\",\"n\":3,\"b\":1,\"f\":3}");
	expect_bad(P("{\"set\":{\"if\":\"ctx.a.length() > 2\",\"field\":\"b\",\"value\":1}}"),
		   "illegal_argument_exception",
		   "unsupported [if] condition [ctx.a.length() > 2]: Painless is not available; only true, false, "
		   "ctx.<field> and ctx.<field> ==|!= <string|number|boolean|null> are supported");
}

static void
test_failures(void **state)
{
	(void)state;
	expect_doc(P("{\"rename\":{\"field\":\"z\",\"target_field\":\"y\",\"ignore_failure\":true}},"
		     "{\"set\":{\"field\":\"ok\",\"value\":true}}"), "{}", "{\"ok\":true}");
	expect_doc(P("{\"rename\":{\"field\":\"z\",\"target_field\":\"y\",\"tag\":\"t1\",\"on_failure\":["
		     "{\"set\":{\"field\":\"err\",\"value\":\"{{_ingest.on_failure_message}} {{_ingest.on_failure_processor_type}} {{_ingest.on_failure_processor_tag}}\"}}]}},"
		     "{\"set\":{\"field\":\"after\",\"value\":1}}"),
		   "{}", "{\"err\":\"field [z] doesn't exist rename t1\",\"after\":1}");
	/* pipeline-level on_failure ends the pipeline */
	expect_doc("{\"processors\":[{\"fail\":{\"message\":\"m\"}},{\"set\":{\"field\":\"never\",\"value\":1}}],"
		   "\"on_failure\":[{\"set\":{\"field\":\"p\",\"value\":\"{{_ingest.on_failure_pipeline}}\"}}]}",
		   "{}", "{\"p\":\"p1\"}");
	assert_null(osp_json_get(last_doc.ingest, "on_failure_message"));
	expect_bad("{\"processors\":[],\"on_failure\":[]}", "parse_exception",
		   "pipeline [p1] cannot have an empty on_failure option defined");
	expect_bad("{\"description\":\"x\"}", "parse_exception", "[processors] required property is missing");
}

static const osp_json_t *
lookup(void *ctx, const char *id)
{
	(void)ctx;
	if (strcmp(id, "inner") == 0)
		return parse_ok(P("{\"set\":{\"field\":\"inner\",\"value\":true}}"));
	if (strcmp(id, "p1") == 0)
		return parse_ok(P("{\"pipeline\":{\"name\":\"p1\"}}"));
	return NULL;
}

static void
test_pipeline_processor(void **state)
{
	dp_ingest_run_t run;
	char out[512];

	(void)state;
	memset(&run, 0, sizeof(run));
	run.lookup = lookup;
	assert_int_equal(run_with(&run, P("{\"pipeline\":{\"name\":\"inner\"}}"), "{}", out, sizeof(out)), 0);
	assert_string_equal(out, "{\"inner\":true}");
	assert_int_equal(run.n_executed, 2);
	assert_string_equal(run.executed[1], "inner");
	memset(&run, 0, sizeof(run));
	run.lookup = lookup;
	assert_int_not_equal(run_with(&run, P("{\"pipeline\":{\"name\":\"p1\"}}"), "{}", out, sizeof(out)), 0);
	assert_string_equal(last_err.reason, "Cycle detected for pipeline: p1");
	memset(&run, 0, sizeof(run));
	run.lookup = lookup;
	assert_int_not_equal(run_with(&run, P("{\"pipeline\":{\"name\":\"zz\"}}"), "{}", out, sizeof(out)), 0);
	assert_string_equal(last_err.reason, "Pipeline processor configured for non-existent pipeline [zz]");
}

static int n_traced;
static dp_ingest_status_t statuses[8];

static void
tracer(void *user, const dp_ingest_proc_t *p, dp_ingest_status_t st, const osp_err_t *err,
       const dp_ingest_doc_t *d)
{
	(void)user;
	(void)p;
	(void)err;
	(void)d;
	if (n_traced < 8)
		statuses[n_traced++] = st;
}

static void
test_trace(void **state)
{
	dp_ingest_run_t run;
	char out[512];

	(void)state;
	memset(&run, 0, sizeof(run));
	run.trace = tracer;
	n_traced = 0;
	assert_int_equal(run_with(&run, P("{\"set\":{\"field\":\"a\",\"value\":1}},"
					  "{\"set\":{\"if\":\"false\",\"field\":\"b\",\"value\":1}},"
					  "{\"fail\":{\"message\":\"x\",\"ignore_failure\":true}},"
					  "{\"drop\":{}}"), "{}", out, sizeof(out)), 0);
	assert_int_equal(n_traced, 4);
	assert_int_equal(statuses[0], DP_INGEST_SUCCESS);
	assert_int_equal(statuses[1], DP_INGEST_SKIPPED);
	assert_int_equal(statuses[2], DP_INGEST_ERROR_IGNORED);
	assert_int_equal(statuses[3], DP_INGEST_DROPPED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_conditions, setup, teardown_ingest),
		cmocka_unit_test_setup_teardown(test_failures, setup, teardown_ingest),
		cmocka_unit_test_setup_teardown(test_pipeline_processor, setup, teardown_ingest),
		cmocka_unit_test_setup_teardown(test_trace, setup, teardown_ingest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
