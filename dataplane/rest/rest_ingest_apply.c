/*
 * rest_ingest_apply.c - running ingest pipelines on index/create writes
 * (dp_pipeline.h). A write without ?pipeline= into an index whose settings
 * name no pipeline costs one memmem over the index's flat settings; only
 * documents that go through a pipeline are parsed on the network core.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "../server/dp_ctl.h"
#include "dp_pipeline.h"

const osp_json_t *
dp_pipeline_stored(osp_arena_t *a, const char *id)
{
	const osp_custom_t *c = dp_ctl_custom(DP_PIPELINE_CUSTOM, id);
	osp_json_error_t jerr;
	osp_json_t *v = NULL;

	if (c == NULL || osp_json_parse(a, c->body, c->body_len, NULL, &v, &jerr) != 0)
		return NULL;
	return v;
}

static const osp_json_t *
apply_lookup(void *ctx, const char *id)
{
	return dp_pipeline_stored(ctx, id);
}

void
dp_pipeline_dropped(st_write_res_t *res)
{
	memset(res, 0, sizeof(*res));
	res->result = ST_RESULT_NOOP;
	res->version = -3;
	res->seq_no = -2;
	res->primary_term = 0;
	res->flags = ST_WRITE_DURABLE;
}

/* Run stored pipeline id over d. */
static int
apply_one(osp_arena_t *a, dp_ingest_run_t *run, const char *id, dp_ingest_doc_t *d, osp_err_t *err)
{
	const osp_json_t *body = dp_pipeline_stored(a, id);
	dp_ingest_pipeline_t *p;
	int rc;

	if (body == NULL)
		return osp_err_set(err, 400, "illegal_argument_exception", "pipeline with id [%s] does not exist", id);
	if ((rc = dp_ingest_pipeline_compile(a, id, body, &p, err)) != 0)
		return rc;
	return dp_ingest_pipeline_run(run, p, d, err);
}

static const char *
meta_str(const dp_ingest_doc_t *d, const char *key)
{
	const osp_json_t *v = osp_json_get(d->meta, key);

	return osp_json_is(v, OSP_JSON_STRING) ? v->u.str : NULL;
}

int
dp_pipeline_apply(osp_arena_t *a, const dp_index_t *idx, const char *pipeline, st_write_req_t *req,
		  const char **new_index, osp_err_t *err)
{
	const osp_index_t *meta = idx->meta;
	const char *def = NULL, *fin = NULL;
	dp_ingest_run_t run;
	dp_ingest_doc_t d;
	osp_json_t *src;
	osp_json_error_t jerr;
	struct timespec ts;
	osp_json_limits_t lim = OSP_JSON_LIMITS_ES;
	int rc;

	*new_index = NULL;
	if (req->op != ST_OP_INDEX && req->op != ST_OP_CREATE)
		return 0;
	if (meta && meta->settings && memmem(meta->settings, meta->settings_len, "_pipeline", 9)) {
		def = osp_index_setting(meta, a, "index.default_pipeline");
		fin = osp_index_setting(meta, a, "index.final_pipeline");
	}
	if (pipeline != NULL)
		def = pipeline;
	if (def && strcmp(def, "_none") == 0)
		def = NULL;
	if (fin && strcmp(fin, "_none") == 0)
		fin = NULL;
	if (def == NULL && fin == NULL)
		return 0;
	if (osp_json_parse(a, req->source, req->source_len, &lim, &src, &jerr) != 0 ||
	    !osp_json_is(src, OSP_JSON_OBJECT))
		return osp_err_set(err, 400, "mapper_parsing_exception", "failed to parse");
	clock_gettime(CLOCK_REALTIME, &ts);
	char *id = osp_arena_strndup(a, req->id ? req->id : "", req->id_len);
	char *routing = req->routing ? osp_arena_strndup(a, req->routing, req->routing_len) : NULL;

	if (id == NULL || dp_ingest_doc_init(&d, a, src, idx->name, id, routing,
					     (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000) != 0)
		return -ENOMEM;
	memset(&run, 0, sizeof(run));
	run.lookup = apply_lookup;
	run.lookup_ctx = a;
	if (def && (rc = apply_one(a, &run, def, &d, err)) != 0)
		return rc;
	if (!d.dropped && fin && (rc = apply_one(a, &run, fin, &d, err)) != 0)
		return rc;
	if (d.dropped)
		return 1;
	osp_buf_t b;
	osp_jw_t w;

	osp_buf_init(&b);
	osp_jw_init(&w, &b, 0);
	osp_jw_value(&w, d.src);
	req->source = osp_arena_strndup(a, b.data ? b.data : "{}", b.len ? b.len : 2);
	req->source_len = b.len ? b.len : 2;
	osp_buf_free(&b);
	if (req->source == NULL)
		return -ENOMEM;
	const char *v;

	if ((v = meta_str(&d, "_id")) != NULL && strcmp(v, id) != 0) {
		req->id = v;
		req->id_len = strlen(v);
	}
	if ((v = meta_str(&d, "_routing")) != NULL) {
		req->routing = v;
		req->routing_len = strlen(v);
	}
	if ((v = meta_str(&d, "_index")) != NULL && strcmp(v, idx->name) != 0)
		*new_index = v;
	return 0;
}
