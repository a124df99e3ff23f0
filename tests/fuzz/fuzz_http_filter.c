/*
 * fuzz_http_filter.c - libFuzzer target for filter_path and ?pretty
 * (dataplane/http/rest_filter.c, rest_pretty.c).
 *
 * Input: a filter_path expression, a newline, then a JSON body. Whenever
 * the body is well-formed enough to prettify and filtering succeeds, its
 * output must prettify too; pretty must be idempotent; and
 * filtering must never read or write out of bounds (ASan).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_rest_filter.h"
#include "dp_rest_pretty.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *nl = memchr(s, '\n', size);
	osp_arena_t a;
	dp_rest_filter_t *f;
	osp_buf_t p1 = OSP_BUF_INIT, p2 = OSP_BUF_INIT, fo = OSP_BUF_INIT, fp = OSP_BUF_INIT;
	size_t en;

	if (nl == NULL)
		return 0;
	en = (size_t)(nl - s);
	osp_arena_init(&a, 0, 0);
	int crc = dp_rest_filter_compile(&a, s, en, &f);
	const char *json = nl + 1;
	size_t jn = size - en - 1;
	int prc = dp_rest_pretty(&p1, json, jn);

	if (prc == 0) {
		CHECK(dp_rest_pretty(&p2, p1.data, p1.len) == 0);
		CHECK(p1.len == p2.len && memcmp(p1.data, p2.data, p1.len) == 0);
	}
	if (crc == 0) {
		int frc = dp_rest_filter_apply(f, json, jn, &fo);

		if (frc != 0)
			CHECK(fo.len == 0);
		else if (prc == 0)
			CHECK(dp_rest_pretty(&fp, fo.data, fo.len) == 0);
	}
	osp_buf_free(&p1);
	osp_buf_free(&p2);
	osp_buf_free(&fo);
	osp_buf_free(&fp);
	osp_arena_free(&a);
	return 0;
}
