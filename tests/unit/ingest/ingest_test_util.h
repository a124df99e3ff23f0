/*
 * ingest_test_util.h - runs a pipeline (JSON text) over a document (JSON
 * text) and checks the resulting _source or the error. Shared by the ingest
 * unit tests; included by one test binary at a time.
 */
#ifndef INGEST_TEST_UTIL_H
#define INGEST_TEST_UTIL_H

#include <stdio.h>
#include <string.h>

#include "ingest/dp_ingest.h"
#include "../osp/json_test_util.h"

static osp_err_t last_err;
static dp_ingest_doc_t last_doc;

/* Compile pipeline; 0 or the error (in last_err). */
static int
compile(const char *pipeline, dp_ingest_pipeline_t **p)
{
	osp_err_clear(&last_err);
	return dp_ingest_pipeline_compile(&arena, "p1", parse_ok(pipeline), p, &last_err);
}

/* Run pipeline over doc; returns rc; *out the _source as compact JSON. */
static int
run_with(dp_ingest_run_t *run, const char *pipeline, const char *doc, char *out, size_t cap)
{
	dp_ingest_pipeline_t *p;
	osp_buf_t b;
	osp_jw_t w;
	int rc = compile(pipeline, &p);

	if (rc != 0) {
		print_error("compile failed: %s %s\n", last_err.type, last_err.reason);
		return rc;
	}
	assert_int_equal(dp_ingest_doc_init(&last_doc, &arena, parse_ok(doc), "idx", "1", NULL,
					    1700000000123LL), 0);
	rc = dp_ingest_pipeline_run(run, p, &last_doc, &last_err);
	osp_buf_init(&b);
	osp_jw_init(&w, &b, 0);
	osp_jw_value(&w, last_doc.src);
	snprintf(out, cap, "%.*s", (int)b.len, b.data ? b.data : "");
	osp_buf_free(&b);
	return rc;
}

static __attribute__((unused)) void
expect_doc(const char *pipeline, const char *doc, const char *want)
{
	dp_ingest_run_t run;
	char out[2048];

	memset(&run, 0, sizeof(run));
	assert_int_equal(run_with(&run, pipeline, doc, out, sizeof(out)), 0);
	if (strcmp(out, want) != 0)
		print_error("pipeline %s on %s:\n got  %s\n want %s\n", pipeline, doc, out, want);
	assert_string_equal(out, want);
}

/* Running fails with type and reason. */
static __attribute__((unused)) void
expect_fail(const char *pipeline, const char *doc, const char *type, const char *reason)
{
	dp_ingest_run_t run;
	char out[2048];

	memset(&run, 0, sizeof(run));
	assert_int_not_equal(run_with(&run, pipeline, doc, out, sizeof(out)), 0);
	if (strcmp(last_err.reason, reason) != 0)
		print_error("got %s: %s\n", last_err.type, last_err.reason);
	assert_string_equal(last_err.type, type);
	assert_string_equal(last_err.reason, reason);
}

/* Compiling fails with type and reason. */
static __attribute__((unused)) void
expect_bad(const char *pipeline, const char *type, const char *reason)
{
	dp_ingest_pipeline_t *p;

	assert_int_not_equal(compile(pipeline, &p), 0);
	if (strcmp(last_err.reason, reason) != 0)
		print_error("got %s: %s\n", last_err.type, last_err.reason);
	assert_string_equal(last_err.type, type);
	assert_string_equal(last_err.reason, reason);
}

static int
teardown_ingest(void **state)
{
	dp_ingest_fini();
	return teardown(state);
}

#endif
