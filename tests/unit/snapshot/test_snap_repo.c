/*
 * test_snap_repo.c - the fs repository layer (dataplane/snapshot/snap_repo.c):
 * path.repo rules, content-addressed blobs (dedup, verified reads, corruption
 * detected), the repository index generations and blob garbage collection.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "snapshot/snap_repo.h"

static char tmp[256];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/osprey-snaprepo-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	snap_repo_rmtree(tmp);
	return 0;
}

static void
write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	fputs(data, f);
	fclose(f);
}

static void
test_resolve(void **state)
{
	char out[4096];
	osp_err_t err;

	(void)state;
	assert_int_equal(snap_repo_resolve("r", "loc", "/srv/a,/srv/b", out, sizeof(out), &err), 0);
	assert_string_equal(out, "/srv/a/loc");
	assert_int_equal(snap_repo_resolve("r", "/srv/b/x", "/srv/a,/srv/b/", out, sizeof(out), &err), 0);
	assert_int_not_equal(snap_repo_resolve("r", "/srv/bb", "/srv/b", out, sizeof(out), &err), 0);
	assert_string_equal(err.reason, "[r] location [/srv/bb] doesn't match any of the locations specified by path.repo");
	assert_int_not_equal(snap_repo_resolve("r", "../x", "/srv/a", out, sizeof(out), &err), 0);
	assert_int_not_equal(snap_repo_resolve("r", "x", "", out, sizeof(out), &err), 0);
	assert_string_equal(err.reason,
			    "[r] location [x] doesn't match any of the locations specified by path.repo because this setting is empty");
	assert_int_not_equal(snap_repo_resolve("r", NULL, "/srv", out, sizeof(out), &err), 0);
	assert_string_equal(err.reason, "[r] missing location");
	assert_string_equal(err.type, "repository_exception");
}

static void
test_blobs(void **state)
{
	char root[512], src[512], dst[512], id[SNAP_BLOB_ID_MAX], id2[SNAP_BLOB_ID_MAX], path[1024];
	bool reused;
	uint64_t size;
	osp_err_t err;
	osp_buf_t b;

	(void)state;
	snprintf(root, sizeof(root), "%s/repo", tmp);
	assert_int_equal(snap_repo_verify(root, "r", &err), 0);
	snprintf(src, sizeof(src), "%s/f1", tmp);
	write_file(src, "hello segment");
	assert_int_equal(snap_repo_put_blob(root, src, id, &reused, &size, &err), 0);
	assert_false(reused);
	assert_int_equal(size, 13);
	/* same bytes under another name: stored once */
	snprintf(src, sizeof(src), "%s/f2", tmp);
	write_file(src, "hello segment");
	assert_int_equal(snap_repo_put_blob(root, src, id2, &reused, &size, &err), 0);
	assert_true(reused);
	assert_string_equal(id, id2);
	snprintf(dst, sizeof(dst), "%s/out", tmp);
	assert_int_equal(snap_repo_get_blob(root, id, dst, &err), 0);
	osp_buf_init(&b);
	assert_int_equal(snap_repo_read_blob(root, id, &b, &err), 0);
	assert_int_equal(b.len, 13);
	assert_memory_equal(b.data, "hello segment", 13);
	osp_buf_free(&b);
	/* flip one byte: reads fail, nothing is written */
	snprintf(path, sizeof(path), "%s/blobs/%.2s/%s", root, id, id);
	write_file(path, "hellO segment");
	snprintf(dst, sizeof(dst), "%s/out2", tmp);
	assert_int_not_equal(snap_repo_get_blob(root, id, dst, &err), 0);
	assert_string_equal(err.type, "snapshot_restore_exception");
	assert_non_null(strstr(err.reason, "corrupt"));
	assert_int_not_equal(access(dst, F_OK), 0);
	assert_int_not_equal(snap_repo_get_blob(root, "00000000-0000000000000000-1", dst, &err), 0);
	assert_non_null(strstr(err.reason, "missing"));
}

static void
test_index_and_gc(void **state)
{
	char root[512], src[512], id[SNAP_BLOB_ID_MAX], id2[SNAP_BLOB_ID_MAX], meta[1024];
	osp_arena_t a;
	osp_json_t *index;
	osp_json_error_t jerr;
	uint64_t gen, blobs, bytes, size;
	bool reused;
	osp_err_t err;
	osp_buf_t b;

	(void)state;
	osp_arena_init(&a, 4096, 0);
	snprintf(root, sizeof(root), "%s/repo", tmp);
	assert_int_equal(snap_repo_verify(root, "r", &err), 0);
	assert_int_equal(snap_repo_read_index(root, &a, &index, &gen, &err), 0);
	assert_int_equal(gen, 0);
	assert_int_equal(osp_json_get(index, "snapshots")->len, 0);
	snprintf(src, sizeof(src), "%s/keep", tmp);
	write_file(src, "kept");
	assert_int_equal(snap_repo_put_blob(root, src, id, &reused, &size, &err), 0);
	snprintf(src, sizeof(src), "%s/drop", tmp);
	write_file(src, "dropped");
	assert_int_equal(snap_repo_put_blob(root, src, id2, &reused, &size, &err), 0);
	snprintf(meta, sizeof(meta), "{\"name\":\"s\",\"uuid\":\"u1\",\"indices\":{\"i\":{\"shards\":[{\"files\":[{\"name\":\"a\",\"blob\":\"%s\",\"size\":4}]}]}}}", id);
	osp_buf_init(&b);
	osp_buf_puts(&b, meta);
	assert_int_equal(snap_repo_write_meta(root, "u1", &b, &err), 0);
	osp_buf_free(&b);
	const char *list = "{\"snapshots\":[{\"name\":\"s\",\"uuid\":\"u1\"}]}";

	assert_int_equal(osp_json_parse(&a, list, strlen(list), NULL, &index, &jerr), 0);
	assert_int_equal(snap_repo_write_index(root, 0, index, &err), 0);
	assert_int_equal(snap_repo_write_index(root, 1, index, &err), 0);
	assert_int_equal(snap_repo_read_index(root, &a, &index, &gen, &err), 0);
	assert_int_equal(gen, 2);
	assert_int_equal(osp_json_get(index, "snapshots")->len, 1);
	assert_int_equal(snap_repo_gc(root, index, &a, &blobs, &bytes, &err), 0);
	assert_int_equal(blobs, 1);
	assert_int_equal(bytes, 7);
	osp_buf_init(&b);
	assert_int_equal(snap_repo_read_blob(root, id, &b, &err), 0);
	osp_buf_free(&b);
	osp_arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test_setup_teardown(test_blobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_and_gc, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
