/*
 * fuzz_bulk.c - libFuzzer target for _bulk NDJSON parsing
 * (dataplane/rest/rest_bulk_parse.c).
 *
 * Any body must parse into actions whose raw document lines lie inside the
 * body, or fail with an Elasticsearch-shaped 4xx: never a crash or a 5xx.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "osprey/arena.h"
#include "rest/dp_bulk_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	osp_arena_t a;
	dp_bulk_op_t *ops = NULL;
	uint32_t n = 0;
	osp_err_t err;
	const char *body = (const char *)data;

	osp_arena_init(&a, 4096, 64u << 20);
	osp_err_clear(&err);
	int rc = dp_bulk_parse(&a, body, size, size & 1 ? "idx" : NULL, false, &ops, &n, &err);

	if (rc != 0) {
		assert(err.status >= 400 && err.status < 500 && err.type[0]);
	} else {
		assert(n > 0);
		for (uint32_t i = 0; i < n; i++) {
			const st_write_req_t *req = &ops[i].item.req;

			assert(ops[i].index != NULL);
			if (req->source) {
				assert(req->source >= body && req->source + req->source_len <= body + size);
				assert(req->op != ST_OP_DELETE);
			}
		}
	}
	osp_arena_free(&a);
	return 0;
}
