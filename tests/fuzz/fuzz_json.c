/*
 * fuzz_json.c - libFuzzer target for the JSON parser and writer
 * (osprey/json.h).
 *
 * Every input is parsed whole and as a prefix. Failures must carry a sane
 * position and a message that is valid UTF-8 (it is quoted into replies). Accepted documents must survive parse -> write ->
 * parse (compact and pretty) as an equal tree, write identically twice
 * (the writer is deterministic), and clone into an equal tree. The first
 * bytes also select a small depth limit some of the time, and the size
 * strict duplicate detection and comments, so those paths run too. Any violation aborts, which libFuzzer reports as a crash.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osprey/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static void
check_error(int rc, const osp_json_error_t *err, size_t size)
{
	CHECK(rc == -EINVAL || rc == -ENOMEM);
	if (rc == -EINVAL) {
		CHECK(err->offset <= size);
		CHECK(err->line >= 1 && err->column >= 1);
		CHECK(err->msg[0] != '\0');
		CHECK(memchr(err->msg, '\0', sizeof(err->msg)) != NULL);
		/* the message goes into a JSON reply: escaped, it must parse */
		osp_buf_t b = OSP_BUF_INIT;
		osp_arena_t a;
		osp_json_t *v;
		osp_json_error_t e2;

		osp_buf_putc(&b, '"');
		osp_json_escape(&b, err->msg, strlen(err->msg));
		osp_buf_putc(&b, '"');
		osp_arena_init(&a, 0, 0);
		CHECK(osp_json_parse(&a, b.data, b.len, NULL, &v, &e2) == 0);
		CHECK(strcmp(v->u.str, err->msg) == 0);
		osp_arena_free(&a);
		osp_buf_free(&b);
	}
}

static void
write_value(osp_buf_t *b, const osp_json_t *v, int pretty)
{
	osp_jw_t w;

	osp_buf_clear(b);
	osp_jw_init(&w, b, pretty);
	osp_jw_value(&w, v);
	CHECK(!osp_buf_failed(b));
}

static void
round_trip(osp_arena_t *a, const osp_json_t *v, const osp_json_limits_t *lim,
	   int pretty)
{
	osp_buf_t b1 = OSP_BUF_INIT, b2 = OSP_BUF_INIT;
	osp_json_t *back = NULL;
	osp_json_error_t err;

	write_value(&b1, v, pretty);
	int rc = osp_json_parse(a, b1.data, b1.len, lim, &back, &err);

	if (rc != 0)
		fprintf(stderr, "re-parse failed: %s at %zu\n%.*s\n", err.msg,
			err.offset, (int)(b1.len > 400 ? 400 : b1.len), b1.data);
	CHECK(rc == 0);
	CHECK(osp_json_equal(v, back));
	write_value(&b2, back, pretty);
	CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);
	osp_buf_free(&b1);
	osp_buf_free(&b2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	osp_arena_t a;
	osp_json_t *v = NULL, *p = NULL;
	osp_json_error_t err;
	osp_json_limits_t lim = { .max_depth = 0, .max_bytes = 0 };
	const char *text = (const char *)data;
	size_t used = 0;

	if (size > 0 && data[0] == ' ' && size > 1 && (data[1] & 7) == 0)
		lim.max_depth = 1 + data[1] % 16;
	lim.reject_duplicates = size % 3 == 0;
	lim.allow_comments = size % 2 == 0;
	osp_arena_init(&a, 4096, 0);
	int rc = osp_json_parse(&a, text, size, &lim, &v, &err);

	if (rc != 0) {
		CHECK(v == NULL);
		check_error(rc, &err, size);
	} else {
		CHECK(v != NULL);
		round_trip(&a, v, &lim, 0);
		round_trip(&a, v, &lim, 1);
		osp_arena_t b;

		osp_arena_init(&b, 0, 0);
		osp_json_t *c = osp_json_clone(&b, v);

		CHECK(c != NULL && osp_json_equal(c, v));
		osp_arena_free(&b);
	}
	int rp = osp_json_parse_prefix(&a, text, size, &lim, &p, &used, &err);

	if (rp == 0) {
		CHECK(p != NULL && used > 0 && used <= size);
		/* the prefix parses alone to the same value */
		osp_json_t *q = NULL;

		CHECK(osp_json_parse(&a, text, used, &lim, &q, &err) == 0);
		CHECK(osp_json_equal(p, q));
	} else {
		check_error(rp, &err, size);
		CHECK(rc != 0);          /* a valid document has a valid prefix */
	}
	if (rc == 0)
		CHECK(rp == 0 && osp_json_equal(v, p));
	osp_arena_free(&a);
	return 0;
}
