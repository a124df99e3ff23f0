/*
 * fuzz_query.c - libFuzzer target for the query DSL and search request
 * parsers (storage/search/st_dsl*.c, st_qstring.c, st_msm.c).
 *
 * The input is parsed as JSON; a JSON object goes through the search
 * request parser (query, sort, aggregations, from/size, ...) and its "query"
 * member also through the query parser alone; the raw bytes also go through
 * the URI query_string parser. Any input must yield 0 or an
 * Elasticsearch-shaped 4xx error: never a crash, a leak or a 5xx.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "osprey/arena.h"
#include "osprey/err.h"
#include "osprey/json.h"
#include "osprey/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_err(int rc, const osp_err_t *err)
{
	if (rc != 0)
		assert(err->status >= 400 && err->status < 500 && err->type[0]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	osp_arena_t a;
	osp_json_t *root = NULL;
	osp_json_error_t jerr;
	osp_err_t err;

	osp_arena_init(&a, 4096, 64u << 20);
	if (osp_json_parse(&a, (const char *)data, size, NULL, &root, &jerr) == 0 &&
	    osp_json_is(root, OSP_JSON_OBJECT)) {
		st_search_req_t req;
		st_query_t *q = NULL;
		const osp_json_t *qj = osp_json_get(root, "query");

		st_search_req_init(&req);
		osp_err_clear(&err);
		check_err(st_search_req_parse(&a, root, &req, &err), &err);
		if (qj) {
			osp_err_clear(&err);
			check_err(st_query_parse(&a, qj, &q, &err), &err);
		}
	}
	st_query_t *qs = NULL;

	osp_err_clear(&err);
	check_err(st_query_string_parse(&a, (const char *)data, size, NULL, NULL, 0, ST_OP_OR,
					&qs, &err), &err);
	osp_arena_free(&a);
	return 0;
}
