/*
 * rest_wguard.c - write admission checks (dp_wguard.h). Blocks are read
 * from the flat index settings only when they mention "index.blocks.", so
 * the common write pays one strstr; the data stream rules apply only when
 * the requested name is a data stream.
 */
#include <stdio.h>
#include <string.h>

#include "osprey/json.h"
#include "dp_dstream.h"
#include "dp_wguard.h"

/* True when the flat setting key is "true" in meta's settings text. */
static bool
setting_true(const osp_index_t *meta, const char *key)
{
	char pat[96];
	const char *p;
	size_t n = (size_t)snprintf(pat, sizeof(pat), "\"%s\":\"true\"", key);

	if (meta->settings == NULL || n >= sizeof(pat))
		return false;
	p = strstr(meta->settings, pat);
	return p != NULL;
}

const char *
dp_index_write_block(const osp_index_t *meta, st_op_t op, uint16_t *status)
{
	if (meta->settings == NULL || strstr(meta->settings, "\"index.blocks.") == NULL)
		return NULL;
	*status = 403;
	if (setting_true(meta, "index.blocks.read_only"))
		return "FORBIDDEN/5/index read-only (api)";
	if (setting_true(meta, "index.blocks.write"))
		return "FORBIDDEN/8/index write (api)";
	if (op != ST_OP_DELETE && setting_true(meta, "index.blocks.read_only_allow_delete")) {
		*status = 429;
		return "TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has "
		       "read-only-allow-delete block";
	}
	return NULL;
}

/* Does the source have a top-level "@timestamp"? */
static bool
has_timestamp(const st_write_req_t *req)
{
	osp_arena_t a;
	osp_json_t *v = NULL;
	osp_json_error_t jerr;
	bool ok;

	osp_arena_init(&a, 4096, 0);
	ok = osp_json_parse(&a, req->source, req->source_len, NULL, &v, &jerr) != 0 ||
	     osp_json_get(v, "@timestamp") != NULL;   /* a parse error is the shard's to word */
	osp_arena_free(&a);
	return ok;
}

int
dp_write_guard(const char *name, const osp_index_t *meta, const st_write_req_t *req,
	       osp_err_t *err)
{
	uint16_t status = 0;
	const char *block = dp_index_write_block(meta, req->op, &status);

	if (block != NULL) {
		osp_err_set(err, status, "cluster_block_exception", "index [%s] blocked by: [%s];",
			    meta->name, block);
		return -1;
	}
	if (dp_dstream_get(name) == NULL)
		return 0;
	if (req->op != ST_OP_CREATE) {
		osp_err_illegal_argument(err, "only write ops with an op_type of create are allowed "
					 "in data streams");
		return -1;
	}
	if (!has_timestamp(req)) {
		osp_err_set(err, 400, "document_parsing_exception",
			    "failed to parse: data stream timestamp field [@timestamp] is missing");
		return -1;
	}
	return 0;
}
