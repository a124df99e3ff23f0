/*
 * rest_analyze.c - GET|POST /_analyze and /{index}/_analyze.
 *
 * Runs on the network core: analysis is pure code over the request's text,
 * so no shard is involved. With an index, its "analysis" settings define
 * custom analyzers and `field` picks the field's analyzer from its mapping.
 * Offsets are UTF-16 code units, as Elasticsearch reports them. The
 * analysis context (stemmer instances) belongs to the network core.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "osprey/analysis.h"
#include "osprey/mapping.h"
#include "../shard/dp_shards.h"
#include "dp_rest.h"

static st_analysis_ctx_t *analyze_ctx;

/* The index's analysis registry and mapping (caller frees/unrefs). */
static int
analyze_index_setup(dp_rest_req_t *r, const dp_index_t *idx, st_analysis_t **reg,
		    st_mapping_t **map, osp_err_t *err)
{
	osp_arena_t *a = r->http->arena;
	osp_buf_t sb = OSP_BUF_INIT;
	osp_json_t *an = NULL, *mappings = NULL;
	osp_json_error_t jerr;
	int rc;

	*reg = NULL;
	*map = NULL;
	rc = dp_shards_analysis_json(idx->meta, &sb);
	if (rc == 0 && sb.len && osp_json_parse(a, sb.data, sb.len, NULL, &an, &jerr) == 0)
		rc = st_analysis_create(an, reg, err);
	osp_buf_free(&sb);
	if (rc == -ENOMEM)
		osp_err_set(err, 500, "out_of_memory_error", "no memory for the analysis settings");
	if (rc != 0)
		return rc;
	if (idx->meta->mappings_len &&
	    osp_json_parse(a, idx->meta->mappings, idx->meta->mappings_len, NULL, &mappings, &jerr) == 0)
		rc = st_mapping_parse(mappings, *reg, map, err);
	return rc;
}

typedef struct analyze_out {
	osp_jw_t *w;
} analyze_out_t;

static int
analyze_emit(void *arg, const st_token_t *t)
{
	analyze_out_t *o = arg;

	osp_jw_obj_begin(o->w);
	osp_jw_key(o->w, "token");
	osp_jw_strn(o->w, t->term, t->len);
	osp_jw_kv_int(o->w, "start_offset", t->start_offset);
	osp_jw_kv_int(o->w, "end_offset", t->end_offset);
	osp_jw_kv_str(o->w, "type", st_token_type_name((st_token_type_t)t->type));
	osp_jw_kv_int(o->w, "position", t->position);
	osp_jw_obj_end(o->w);
	return 0;
}

static void
rest_analyze(dp_rest_req_t *r)
{
	osp_json_t *body = NULL, *text;
	const char *index = dp_rest_param(r, "index");
	st_analysis_t *reg = NULL;
	st_mapping_t *map = NULL;
	st_analyzer_t *built = NULL;
	const st_analyzer_t *an = NULL;
	osp_err_t err;
	osp_buf_t out;
	osp_jw_t w;

	osp_buf_init(&out);
	if (!dp_rest_body_json(r, &body))
		return;
	if (analyze_ctx == NULL && st_analysis_ctx_create(&analyze_ctx) != 0) {
		osp_err_set(&err, 500, "out_of_memory_error", "no analysis context");
		goto fail;
	}
	text = osp_json_get(body, "text");
	if (text == NULL && dp_rest_qs(r, "text")) {
		text = osp_json_new_string(r->http->arena, dp_rest_qs(r, "text"), strlen(dp_rest_qs(r, "text")));
	}
	if (text == NULL || !(osp_json_is(text, OSP_JSON_STRING) || osp_json_is(text, OSP_JSON_ARRAY))) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: text is missing;");
		goto fail;
	}
	if (index) {
		dp_index_t *idx = dp_shards_write_index(index, false, &err);

		if (idx == NULL || analyze_index_setup(r, idx, &reg, &map, &err) != 0)
			goto fail;
	}
	const osp_json_t *aname = osp_json_get(body, "analyzer");
	const osp_json_t *field = osp_json_get(body, "field");
	const char *qa = dp_rest_qs(r, "analyzer");

	if (osp_json_is(aname, OSP_JSON_STRING) || qa) {
		const char *n = aname ? aname->u.str : qa;

		an = st_analysis_get(reg, n, strlen(n));
		if (an == NULL) {
			osp_err_set(&err, 400, "illegal_argument_exception", "failed to find analyzer [%s]", n);
			goto fail;
		}
	} else if (osp_json_get(body, "tokenizer") || osp_json_get(body, "filter") ||
		   osp_json_get(body, "char_filter")) {
		if (st_analyzer_build(reg, body, &built, &err) != 0)
			goto fail;
		an = built;
	} else if (osp_json_is(field, OSP_JSON_STRING) && map) {
		const st_field_t *f = st_mapping_field(map, field->u.str, field->len);

		an = f && f->analyzer ? f->analyzer : f && f->normalizer ? f->normalizer : NULL;
		if (an == NULL)
			an = st_analysis_get(reg, "keyword", 7);
	}
	if (an == NULL)
		an = st_analysis_get(reg, "standard", 8);

	analyze_out_t o = { &w };
	st_analyze_pos_t pos = ST_ANALYZE_POS_INIT;

	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_key(&w, "tokens");
	osp_jw_arr_begin(&w);
	if (osp_json_is(text, OSP_JSON_STRING)) {
		st_analyze(analyze_ctx, an, text->u.str, text->len, ST_ANALYZE_UTF16, &pos, analyze_emit, &o);
	} else {
		bool first = true;

		OSP_JSON_FOREACH(t, text) {
			if (!osp_json_is(t, OSP_JSON_STRING))
				continue;
			if (!first)
				st_analyze_pos_next_value(&pos, st_analyzer_position_increment_gap(an));
			first = false;
			st_analyze(analyze_ctx, an, t->u.str, t->len, ST_ANALYZE_UTF16, &pos, analyze_emit, &o);
		}
	}
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	st_analyzer_free(built);
	st_mapping_unref(map);
	st_analysis_free(reg);
	dp_rest_reply(r, 200, &out);
	return;
fail:
	st_analyzer_free(built);
	st_mapping_unref(map);
	st_analysis_free(reg);
	osp_buf_free(&out);
	dp_rest_reply_err(r, &err);
}

void
rest_analyze_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_analyze", rest_analyze, 0);
	dp_rest_route(DP_HTTP_POST, "/_analyze", rest_analyze, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_analyze", rest_analyze, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_analyze", rest_analyze, 0);
}
