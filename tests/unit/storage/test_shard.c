/*
 * test_shard.c - the shard's write path semantics (osprey/storage.h):
 * results, _version and _seq_no, every conflict with Elasticsearch's exact
 * wording, partial updates (merge, noop, upserts, document missing),
 * realtime get, dynamic mapping updates, durability tracking through
 * st_shard_tick. Refresh, flush, reopen, merges and faults are in
 * test_shard_life.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "osprey/json.h"
#include "osprey/query.h"
#include "osprey/storage.h"
#include "test_shard_util.h"

static void
test_index_and_get(void **state)
{
	(void)state;
	st_shard_t *sh = tsh_open(NULL, NULL);
	st_write_res_t r;
	osp_err_t e;

	assert_int_equal(tsh_index(sh, "1", "{\"title\":\"hello world\",\"n\":1}", &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_CREATED);
	assert_int_equal(r.version, 1);
	assert_int_equal(r.seq_no, 0);
	assert_int_equal(r.primary_term, 1);
	assert_int_equal(tsh_index(sh, "1", "{\"title\":\"hello again\",\"n\":2}", &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_UPDATED);
	assert_int_equal(r.version, 2);
	assert_int_equal(r.seq_no, 1);
	assert_int_equal(tsh_index(sh, "2", "{\"n\":3}", &r, &e), 0);
	assert_int_equal(r.seq_no, 2);
	assert_int_equal(r.version, 1);

	st_get_res_t g;

	assert_int_equal(tsh_get(sh, "1", true, &g), 0);
	assert_true(g.found);
	assert_int_equal(g.version, 2);
	assert_int_equal(g.seq_no, 1);
	assert_string_equal(g.source, "{\"title\":\"hello again\",\"n\":2}");
	/* not refreshed: a non-realtime get does not see it */
	assert_int_equal(tsh_get(sh, "1", false, &g), 0);
	assert_false(g.found);
	assert_int_equal(tsh_get(sh, "nope", true, &g), 0);
	assert_false(g.found);
	assert_int_equal(st_shard_max_seq_no(sh), 2);
	tsh_close(sh, true);
}

static void
test_create_conflict(void **state)
{
	(void)state;
	st_shard_t *sh = tsh_open(NULL, NULL);
	st_write_res_t r;
	osp_err_t e;
	st_write_req_t q = tsh_req(ST_OP_CREATE, "1", "{\"n\":1}");

	assert_int_equal(tsh_write(sh, &q, &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_CREATED);
	assert_int_equal(tsh_write(sh, &q, &r, &e), -EEXIST);
	assert_int_equal(e.status, 409);
	assert_string_equal(e.type, "version_conflict_engine_exception");
	assert_string_equal(e.reason, "[1]: version conflict, document already exists "
			    "(current version [1])");
	assert_string_equal(e.index, "test");
	assert_int_equal(e.shard, 0);
	/* nothing was assigned to the failed op */
	assert_int_equal(st_shard_max_seq_no(sh), 0);
	/* once refreshed, the conflict comes from the segment */
	assert_int_equal(st_shard_refresh(sh), 0);
	assert_int_equal(tsh_write(sh, &q, &r, &e), -EEXIST);
	assert_string_equal(e.reason, "[1]: version conflict, document already exists "
			    "(current version [1])");
	tsh_close(sh, true);
}

static void
test_if_seq_no(void **state)
{
	(void)state;
	st_shard_t *sh = tsh_open(NULL, NULL);
	st_write_res_t r;
	osp_err_t e;

	for (int i = 0; i < 7; i++)
		assert_int_equal(tsh_index(sh, i == 6 ? "1" : "x", "{\"n\":1}", &r, &e), 0);
	assert_int_equal(r.seq_no, 6);
	st_write_req_t q = tsh_req(ST_OP_INDEX, "1", "{\"n\":2}");

	q.if_seq_no = 5;
	q.if_primary_term = 1;
	assert_int_equal(tsh_write(sh, &q, &r, &e), -EEXIST);
	assert_string_equal(e.reason, "[1]: version conflict, required seqNo [5], primary "
			    "term [1]. current document has seqNo [6] and primary term [1]");
	q.if_seq_no = 6;
	assert_int_equal(tsh_write(sh, &q, &r, &e), 0);
	assert_int_equal(r.version, 2);
	q = tsh_req(ST_OP_INDEX, "missing", "{\"n\":2}");
	q.if_seq_no = 1;
	q.if_primary_term = 1;
	assert_int_equal(tsh_write(sh, &q, &r, &e), -EEXIST);
	assert_string_equal(e.reason, "[missing]: version conflict, required seqNo [1], "
			    "primary term [1]. but no document was found");
	/* a delete with a stale seq_no */
	q = tsh_req(ST_OP_DELETE, "1", NULL);
	q.if_seq_no = 6;
	q.if_primary_term = 1;
	assert_int_equal(tsh_write(sh, &q, &r, &e), -EEXIST);
	q.if_seq_no = 7;
	assert_int_equal(tsh_write(sh, &q, &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_DELETED);
	/* versioning combined with CAS is a validation error */
	q = tsh_req(ST_OP_INDEX, "1", "{}");
	q.if_seq_no = 1;
	q.if_primary_term = 1;
	q.version = 3;
	q.version_type = ST_VERSION_EXTERNAL;
	assert_int_equal(tsh_write(sh, &q, &r, &e), -EINVAL);
	assert_string_equal(e.type, "action_request_validation_exception");
	tsh_close(sh, true);
}

static void
test_delete(void **state)
{
	(void)state;
	st_shard_t *sh = tsh_open(NULL, NULL);
	st_write_res_t r;
	osp_err_t e;
	st_write_req_t del = tsh_req(ST_OP_DELETE, "1", NULL);
	st_get_res_t g;

	/* deleting a missing doc: not_found, but it still takes a seq_no */
	assert_int_equal(tsh_write(sh, &del, &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_NOT_FOUND);
	assert_int_equal(r.version, 1);
	assert_int_equal(r.seq_no, 0);
	/* indexing over the tombstone continues its version */
	assert_int_equal(tsh_index(sh, "1", "{\"n\":1}", &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_CREATED);
	assert_int_equal(r.version, 2);
	assert_int_equal(tsh_write(sh, &del, &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_DELETED);
	assert_int_equal(r.version, 3);
	assert_int_equal(tsh_get(sh, "1", true, &g), 0);
	assert_false(g.found);
	/* a doc that is in a segment */
	assert_int_equal(tsh_index(sh, "2", "{\"n\":2}", &r, &e), 0);
	assert_int_equal(st_shard_refresh(sh), 0);
	assert_int_equal(st_shard_count(sh), 1);
	del = tsh_req(ST_OP_DELETE, "2", NULL);
	assert_int_equal(tsh_write(sh, &del, &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_DELETED);
	assert_int_equal(r.version, 2);
	assert_int_equal(tsh_get(sh, "2", true, &g), 0);
	assert_false(g.found);
	assert_int_equal(tsh_get(sh, "2", false, &g), 0);
	assert_true(g.found);                    /* until the refresh */
	assert_int_equal(st_shard_count(sh), 1);
	assert_int_equal(st_shard_refresh(sh), 0);
	assert_int_equal(st_shard_count(sh), 0);
	assert_int_equal(tsh_get(sh, "2", false, &g), 0);
	assert_false(g.found);
	assert_int_equal(tsh_write(sh, &del, &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_NOT_FOUND);
	assert_int_equal(r.version, 3);          /* the tombstone is remembered */
	tsh_close(sh, true);
}

static void
test_tombstone_gc(void **state)
{
	(void)state;
	st_shard_t *sh = tsh_open(NULL, NULL);
	st_write_res_t r;
	osp_err_t e;
	st_write_req_t del = tsh_req(ST_OP_DELETE, "1", NULL);

	assert_int_equal(st_shard_tick(sh, 1000), 0);
	assert_int_equal(tsh_index(sh, "1", "{\"n\":1}", &r, &e), 0);
	assert_int_equal(tsh_write(sh, &del, &r, &e), 0);
	assert_int_equal(r.version, 2);
	/* within index.gc_deletes the tombstone's version carries over */
	assert_int_equal(st_shard_tick(sh, 30000), 0);
	assert_int_equal(tsh_index(sh, "1", "{\"n\":1}", &r, &e), 0);
	assert_int_equal(r.version, 3);
	assert_int_equal(tsh_write(sh, &del, &r, &e), 0);
	assert_int_equal(r.version, 4);
	/* an unrefreshed tombstone is never dropped (its delete is pending) */
	assert_int_equal(st_shard_tick(sh, 200000), 0);
	assert_int_equal(tsh_write(sh, &del, &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_NOT_FOUND);
	assert_int_equal(r.version, 5);
	assert_int_equal(st_shard_refresh(sh), 0);
	/* refreshed and older than 60 s: forgotten, a new doc starts at 1 */
	assert_int_equal(st_shard_tick(sh, 300000), 0);
	assert_int_equal(tsh_index(sh, "1", "{\"n\":1}", &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_CREATED);
	assert_int_equal(r.version, 1);
	tsh_close(sh, true);
}

static void
test_external_versions(void **state)
{
	(void)state;
	st_shard_t *sh = tsh_open(NULL, NULL);
	st_write_res_t r;
	osp_err_t e;
	st_write_req_t q = tsh_req(ST_OP_INDEX, "1", "{\"n\":1}");

	q.version_type = ST_VERSION_EXTERNAL;
	q.version = 5;
	assert_int_equal(tsh_write(sh, &q, &r, &e), 0);
	assert_int_equal(r.version, 5);
	assert_int_equal(r.result, ST_RESULT_CREATED);
	assert_int_equal(tsh_write(sh, &q, &r, &e), -EEXIST);
	assert_string_equal(e.reason, "[1]: version conflict, current version [5] is "
			    "higher or equal to the one provided [5]");
	q.version_type = ST_VERSION_EXTERNAL_GTE;
	assert_int_equal(tsh_write(sh, &q, &r, &e), 0);
	assert_int_equal(r.version, 5);
	q.version = 4;
	assert_int_equal(tsh_write(sh, &q, &r, &e), -EEXIST);
	assert_string_equal(e.reason, "[1]: version conflict, current version [5] is "
			    "higher than the one provided [4]");
	q.version_type = ST_VERSION_EXTERNAL;
	q.version = 9;
	assert_int_equal(tsh_write(sh, &q, &r, &e), 0);
	assert_int_equal(r.version, 9);
	/* internal versioning with an explicit version is refused, as in ES 7+ */
	q.version_type = ST_VERSION_INTERNAL;
	assert_int_equal(tsh_write(sh, &q, &r, &e), -EINVAL);
	assert_string_equal(e.type, "action_request_validation_exception");
	assert_string_equal(e.reason, "Validation Failed: 1: internal versioning can not be "
			    "used for optimistic concurrency control. Please use `if_seq_no` "
			    "and `if_primary_term` instead;");
	/* external delete then a lower external index conflicts with the tombstone */
	q = tsh_req(ST_OP_DELETE, "1", NULL);
	q.version_type = ST_VERSION_EXTERNAL;
	q.version = 10;
	assert_int_equal(tsh_write(sh, &q, &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_DELETED);
	q = tsh_req(ST_OP_INDEX, "1", "{\"n\":1}");
	q.version_type = ST_VERSION_EXTERNAL;
	q.version = 10;
	assert_int_equal(tsh_write(sh, &q, &r, &e), -EEXIST);
	q.version = 11;
	assert_int_equal(tsh_write(sh, &q, &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_CREATED);
	tsh_close(sh, true);
}

static void
test_update(void **state)
{
	(void)state;
	st_shard_t *sh = tsh_open(NULL, NULL);
	st_write_res_t r;
	osp_err_t e;
	st_get_res_t g;
	st_write_req_t u;

	assert_int_equal(tsh_index(sh, "1", "{\"title\":\"a\",\"obj\":{\"x\":1,\"y\":[1,2]},"
				   "\"n\":1}", &r, &e), 0);
	u = tsh_req(ST_OP_UPDATE, "1", "{\"doc\":{\"obj\":{\"y\":[3],\"z\":true},\"n\":2}}");
	assert_int_equal(tsh_write(sh, &u, &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_UPDATED);
	assert_int_equal(r.version, 2);
	assert_string_equal(r.source, "{\"title\":\"a\",\"obj\":{\"x\":1,\"y\":[3],\"z\":true},"
			    "\"n\":2}");
	assert_int_equal(tsh_get(sh, "1", true, &g), 0);
	assert_string_equal(g.source, r.source);
	/* the same doc again changes nothing: noop, no new seq_no */
	int64_t max = st_shard_max_seq_no(sh);

	assert_int_equal(tsh_write(sh, &u, &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_NOOP);
	assert_int_equal(r.version, 2);
	assert_int_equal(r.seq_no, max);
	assert_true(r.flags & ST_WRITE_DURABLE);
	assert_int_equal(st_shard_max_seq_no(sh), max);
	/* detect_noop false writes anyway */
	u = tsh_req(ST_OP_UPDATE, "1", "{\"doc\":{\"n\":2},\"detect_noop\":false}");
	assert_int_equal(tsh_write(sh, &u, &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_UPDATED);
	assert_int_equal(r.version, 3);
	/* from a segment */
	assert_int_equal(st_shard_refresh(sh), 0);
	u = tsh_req(ST_OP_UPDATE, "1", "{\"doc\":{\"title\":\"b\"}}");
	assert_int_equal(tsh_write(sh, &u, &r, &e), 0);
	assert_int_equal(r.version, 4);
	assert_int_equal(tsh_get(sh, "1", true, &g), 0);
	assert_string_equal(g.source, "{\"title\":\"b\",\"obj\":{\"x\":1,\"y\":[3],\"z\":true},"
			    "\"n\":2}");
	/* missing doc */
	u = tsh_req(ST_OP_UPDATE, "2", "{\"doc\":{\"n\":1}}");
	assert_int_equal(tsh_write(sh, &u, &r, &e), -ENOENT);
	assert_int_equal(e.status, 404);
	assert_string_equal(e.type, "document_missing_exception");
	assert_string_equal(e.reason, "[2]: document missing");
	/* doc_as_upsert creates */
	u = tsh_req(ST_OP_UPDATE, "2", "{\"doc\":{\"n\":1},\"doc_as_upsert\":true}");
	assert_int_equal(tsh_write(sh, &u, &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_CREATED);
	assert_int_equal(r.version, 1);
	/* upsert creates with the upsert doc, then merges doc */
	u = tsh_req(ST_OP_UPDATE, "3", "{\"doc\":{\"n\":5},\"upsert\":{\"n\":0,\"title\":\"u\"}}");
	assert_int_equal(tsh_write(sh, &u, &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_CREATED);
	assert_int_equal(tsh_get(sh, "3", true, &g), 0);
	assert_string_equal(g.source, "{\"n\":0,\"title\":\"u\"}");
	assert_int_equal(tsh_write(sh, &u, &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_UPDATED);
	assert_int_equal(tsh_get(sh, "3", true, &g), 0);
	assert_string_equal(g.source, "{\"n\":5,\"title\":\"u\"}");
	/* if_seq_no on update */
	u = tsh_req(ST_OP_UPDATE, "3", "{\"doc\":{\"n\":6}}");
	u.if_seq_no = 0;
	u.if_primary_term = 1;
	assert_int_equal(tsh_write(sh, &u, &r, &e), -EEXIST);
	assert_string_equal(e.type, "version_conflict_engine_exception");
	/* a bad body */
	u = tsh_req(ST_OP_UPDATE, "3", "{\"doc\":");
	assert_int_equal(tsh_write(sh, &u, &r, &e), -EINVAL);
	assert_int_equal(e.status, 400);
	tsh_close(sh, true);
}

static void
test_mapping_update(void **state)
{
	(void)state;
	st_shard_t *sh = tsh_open("{}", NULL);
	st_write_res_t r;
	osp_err_t e;
	st_get_res_t g;

	assert_int_equal(tsh_index(sh, "1", "{\"fresh\":42}", &r, &e), ST_MAPPING_UPDATE);
	assert_non_null(r.mapping_update);
	assert_non_null(strstr(r.mapping_update, "fresh"));
	/* nothing applied */
	assert_int_equal(st_shard_max_seq_no(sh), -1);
	assert_int_equal(tsh_get(sh, "1", true, &g), 0);
	assert_false(g.found);
	/* the master accepts it; the dataplane retries */
	const char *m = "{\"properties\":{\"fresh\":{\"type\":\"long\"}}}";

	assert_int_equal(st_shard_set_mapping(sh, m, strlen(m), &e), 0);
	assert_int_equal(tsh_index(sh, "1", "{\"fresh\":42}", &r, &e), 0);
	assert_int_equal(r.result, ST_RESULT_CREATED);
	assert_int_equal(r.seq_no, 0);
	/* a value that does not fit the mapping is a parse error */
	assert_int_equal(tsh_index(sh, "2", "{\"fresh\":\"abc\"}", &r, &e), -EINVAL);
	assert_int_equal(e.status, 400);
	assert_int_equal(st_shard_max_seq_no(sh), 0);
	/* a buffered doc keeps working across a mapping change and refresh */
	m = "{\"properties\":{\"fresh\":{\"type\":\"long\"},\"more\":{\"type\":\"keyword\"}}}";
	assert_int_equal(st_shard_set_mapping(sh, m, strlen(m), &e), 0);
	assert_int_equal(tsh_index(sh, "3", "{\"more\":\"k\"}", &r, &e), 0);
	assert_int_equal(st_shard_refresh(sh), 0);
	assert_int_equal(st_shard_count(sh), 2);
	tsh_close(sh, true);
}

static void
test_durability(void **state)
{
	(void)state;
	st_shard_t *sh = tsh_open(NULL, NULL);
	st_write_res_t r;
	osp_err_t e;
	int64_t now = 1000;

	assert_int_equal(st_shard_durable_seq_no(sh), -1);
	for (int i = 0; i < 10; i++) {
		char id[16];

		snprintf(id, sizeof(id), "%d", i);
		assert_int_equal(tsh_index(sh, id, "{\"n\":1}", &r, &e), 0);
		assert_false(r.flags & ST_WRITE_DURABLE);
	}
	/* appended, not yet durable: the worker's tick group-commits them */
	assert_int_equal(st_shard_durable_seq_no(sh), -1);
	while (st_shard_durable_seq_no(sh) < 9) {
		assert_int_equal(st_shard_tick(sh, now++), 0);
		st_io_poll(tsh_io(), 0);
	}
	assert_int_equal(st_shard_durable_seq_no(sh), 9);
	tsh_close(sh, true);

	/* async durability acks at once */
	st_shard_settings_t set;

	st_shard_settings_default(&set);
	set.durability = ST_DURABILITY_ASYNC;
	sh = tsh_open(NULL, &set);
	assert_int_equal(tsh_index(sh, "a", "{\"n\":1}", &r, &e), 0);
	assert_true(r.flags & ST_WRITE_DURABLE);
	tsh_close(sh, true);
}

static void
test_search_fetch(void **state)
{
	(void)state;
	st_shard_t *sh = tsh_open(NULL, NULL);
	st_write_res_t r;
	osp_err_t e;
	osp_arena_t a;
	osp_json_t *body;
	osp_json_error_t je;
	st_search_req_t req;
	st_shard_result_t res;
	st_reader_set_t *ctx = NULL;
	const char *q = "{\"query\":{\"match\":{\"title\":\"hello\"}}}";

	osp_arena_init(&a, 64 * 1024, 0);
	assert_int_equal(tsh_index(sh, "1", "{\"title\":\"hello world\"}", &r, &e), 0);
	assert_int_equal(tsh_index(sh, "2", "{\"title\":\"goodbye world\"}", &r, &e), 0);
	assert_int_equal(st_shard_refresh(sh), 0);
	assert_int_equal(tsh_index(sh, "3", "{\"title\":\"hello hello\"}", &r, &e), 0);
	assert_int_equal(st_shard_refresh(sh), 0);
	assert_int_equal(tsh_index(sh, "4", "{\"title\":\"hello, not yet refreshed\"}", &r, &e), 0);

	assert_int_equal(osp_json_parse(&a, q, strlen(q), NULL, &body, &je), 0);
	st_search_req_init(&req);
	assert_int_equal(st_search_req_parse(&a, body, &req, &e), 0);
	assert_int_equal(st_shard_search(sh, &req, &a, &res, &ctx, &e), 0);
	assert_int_equal(res.total, 2);
	assert_int_equal(res.n_hits, 2);
	/* a merge between the query and the fetch phase does not matter */
	assert_int_equal(st_shard_force_merge(sh, 1, false), 0);
	for (uint32_t i = 0; i < res.n_hits; i++) {
		st_get_res_t g;

		assert_int_equal(st_shard_fetch(sh, ctx, &res.hits[i], &a, &g), 0);
		assert_true(g.found);
		assert_non_null(strstr(g.source, "hello"));
		/* and without the context, by _id */
		assert_int_equal(st_shard_fetch(sh, NULL, &res.hits[i], &a, &g), 0);
		assert_true(g.found);
	}
	st_shard_release_readers(ctx);
	uint64_t n = 0;

	assert_int_equal(st_shard_count_query(sh, req.query, 0, &a, &n, &e), 0);
	assert_int_equal(n, 3);   /* the force merge refreshed doc 4 */
	st_shard_stats_t st;

	st_shard_note_search(sh, false);
	st_shard_note_search(sh, true);
	st_shard_get_stats(sh, &st);
	assert_int_equal(st.search_query_total, 1);
	assert_int_equal(st.search_fetch_total, 1);
	assert_int_equal(st.segments_count, 1);
	osp_arena_free(&a);
	tsh_close(sh, true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_index_and_get, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_create_conflict, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_if_seq_no, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_delete, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_tombstone_gc, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_external_versions, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_update, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_mapping_update, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_durability, tsh_setup, tsh_teardown),
		cmocka_unit_test_setup_teardown(test_search_fetch, tsh_setup, tsh_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
