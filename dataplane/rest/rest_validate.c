/*
 * rest_validate.c - GET/POST [/{index}]/_validate/query: is a query valid,
 * and (explain) what it is in Lucene's query syntax.
 *
 * The query is parsed on the network core exactly as _search parses it; a
 * parse error is not an HTTP error but "valid": false (with "error" under
 * explain), as Elasticsearch's RestValidateQueryAction answers. The
 * explanation prints the parsed AST the way Lucene's Query.toString does
 * (term "f:v", bool "+must #filter -must_not should", ranges "f:[a TO b]");
 * text queries are shown with whitespace-split lowercase terms, because the
 * field's analyzer runs on the shards, not here.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osprey/query.h"
#include "../shard/dp_shards.h"
#include "dp_rest.h"

#define VALIDATE_MAX_INDICES 4096

static void vq_print(osp_buf_t *b, const st_query_t *q, bool top);

static void
vq_value(osp_buf_t *b, const st_value_t *v)
{
	switch (v->type) {
	case ST_VAL_LONG: osp_buf_printf(b, "%lld", (long long)v->i); break;
	case ST_VAL_DOUBLE: osp_buf_printf(b, "%g", v->d); break;
	case ST_VAL_BOOL: osp_buf_puts(b, v->b ? "T" : "F"); break;
	case ST_VAL_STRING: osp_buf_append(b, v->s, v->len); break;
	default: osp_buf_puts(b, "*"); break;
	}
}

/* "field:t1 field:t2" from text split on non-alphanumerics, lowercased. */
static void
vq_text(osp_buf_t *b, const char *field, const char *text, uint32_t len, bool phrase)
{
	bool first = true, in = false;

	if (phrase)
		osp_buf_printf(b, "%s:\"", field);
	for (uint32_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)text[i] : ' ';
		bool word = isalnum(c) || c >= 0x80;

		if (word && !in) {
			if (!first)
				osp_buf_putc(b, ' ');
			if (!phrase)
				osp_buf_printf(b, "%s:", field);
			first = false;
		}
		if (word)
			osp_buf_putc(b, (char)tolower(c));
		in = word;
	}
	if (phrase)
		osp_buf_putc(b, '"');
	else if (first)
		osp_buf_puts(b, "MatchNoDocsQuery(\"\")");
}

static void
vq_list(osp_buf_t *b, st_query_t *const *qs, uint32_t n, const char *prefix)
{
	for (uint32_t i = 0; i < n; i++) {
		if (b->len && b->data[b->len - 1] != '(')
			osp_buf_putc(b, ' ');
		osp_buf_puts(b, prefix);
		vq_print(b, qs[i], false);
	}
}

static void
vq_print(osp_buf_t *b, const st_query_t *q, bool top)
{
	switch (q->kind) {
	case ST_Q_MATCH_ALL:
		osp_buf_puts(b, "*:*");
		break;
	case ST_Q_MATCH_NONE:
		osp_buf_puts(b, "MatchNoDocsQuery(\"\")");
		break;
	case ST_Q_MATCH:
	case ST_Q_MATCH_PHRASE:
		vq_text(b, q->u.match.field, q->u.match.text, q->u.match.text_len, q->kind == ST_Q_MATCH_PHRASE);
		break;
	case ST_Q_MULTI_MATCH:
		osp_buf_putc(b, '(');
		for (uint32_t i = 0; i < q->u.mm.n_fields; i++) {
			if (i)
				osp_buf_puts(b, " | ");
			vq_text(b, q->u.mm.fields[i], q->u.mm.text, q->u.mm.text_len, q->u.mm.type == ST_MM_PHRASE);
		}
		osp_buf_putc(b, ')');
		break;
	case ST_Q_TERM:
	case ST_Q_PREFIX:
		osp_buf_printf(b, "%s:", q->u.term.field);
		vq_value(b, &q->u.term.value);
		if (q->kind == ST_Q_PREFIX)
			osp_buf_putc(b, '*');
		break;
	case ST_Q_TERMS:
		osp_buf_printf(b, "%s:(", q->u.terms.field);
		for (uint32_t i = 0; i < q->u.terms.n; i++) {
			if (i)
				osp_buf_putc(b, ' ');
			vq_value(b, &q->u.terms.values[i]);
		}
		osp_buf_putc(b, ')');
		break;
	case ST_Q_RANGE:
		osp_buf_printf(b, "%s:%c", q->u.range.field, q->u.range.include_lower ? '[' : '{');
		vq_value(b, &q->u.range.from);
		osp_buf_puts(b, " TO ");
		vq_value(b, &q->u.range.to);
		osp_buf_putc(b, q->u.range.include_upper ? ']' : '}');
		break;
	case ST_Q_BOOL:
		if (!top)
			osp_buf_putc(b, '(');
		vq_list(b, q->u.bool_q.must, q->u.bool_q.n_must, "+");
		vq_list(b, q->u.bool_q.filter, q->u.bool_q.n_filter, "#");
		vq_list(b, q->u.bool_q.must_not, q->u.bool_q.n_must_not, "-");
		vq_list(b, q->u.bool_q.should, q->u.bool_q.n_should, "");
		if (q->u.bool_q.n_must + q->u.bool_q.n_filter + q->u.bool_q.n_must_not + q->u.bool_q.n_should == 0)
			osp_buf_puts(b, "*:*");
		if (!top)
			osp_buf_putc(b, ')');
		break;
	case ST_Q_EXISTS:
		osp_buf_printf(b, "FieldExistsQuery [field=%s]", q->u.exists.field);
		break;
	case ST_Q_IDS:
		osp_buf_puts(b, "_id:(");
		for (uint32_t i = 0; i < q->u.ids.n; i++)
			osp_buf_printf(b, "%s%.*s", i ? " " : "", (int)q->u.ids.lens[i], q->u.ids.ids[i]);
		osp_buf_putc(b, ')');
		break;
	case ST_Q_CONSTANT_SCORE:
		osp_buf_puts(b, "ConstantScore(");
		if (q->u.compound.n)
			vq_print(b, q->u.compound.queries[0], true);
		osp_buf_putc(b, ')');
		break;
	case ST_Q_DIS_MAX:
		osp_buf_putc(b, '(');
		for (uint32_t i = 0; i < q->u.compound.n; i++) {
			if (i)
				osp_buf_puts(b, " | ");
			vq_print(b, q->u.compound.queries[i], false);
		}
		osp_buf_putc(b, ')');
		if (q->u.compound.tie_breaker != 0.0f)
			osp_buf_printf(b, "~%g", (double)q->u.compound.tie_breaker);
		break;
	default:
		osp_buf_puts(b, "*:*");
		break;
	}
	if (q->boost != 1.0f && q->kind != ST_Q_BOOL)
		osp_buf_printf(b, "^%g", (double)q->boost);
}

/* Parse the query of the request into *q; false with err on a bad query. */
static bool
vq_parse(dp_rest_req_t *r, const osp_json_t *body, st_query_t **q, osp_err_t *err)
{
	osp_arena_t *a = r->http->arena;
	const char *qs = dp_rest_qs(r, "q");

	*q = NULL;
	if (body && !osp_json_is(body, OSP_JSON_OBJECT)) {
		osp_err_set(err, 400, "parsing_exception", "Expected [START_OBJECT] but found [%s]",
			    osp_json_is(body, OSP_JSON_ARRAY) ? "START_ARRAY" : "VALUE_STRING");
		return false;
	}
	OSP_JSON_FOREACH(m, body) {
		if (!osp_json_key_eq(m, "query")) {
			osp_err_set(err, 400, "parsing_exception", "request does not support [%s]", m->key);
			return false;
		}
		if (st_query_parse(a, m, q, err) != 0)
			return false;
	}
	if (qs && st_query_string_parse(a, qs, strlen(qs), NULL, NULL, 0, ST_OP_OR, q, err) != 0)
		return false;
	return true;
}

static void
rest_validate_query(dp_rest_req_t *r)
{
	static dp_index_t *list[VALIDATE_MAX_INDICES];
	osp_json_t *body;
	st_query_t *q, all = { .kind = ST_Q_MATCH_ALL, .boost = 1.0f };
	osp_err_t err, perr;
	osp_buf_t out, text;
	osp_jw_t w;
	bool ok = true, valid;

	if (!dp_rest_body_json(r, &body))
		return;
	bool explain = dp_rest_qs_bool(r, "explain", false, &ok);

	if (!ok)
		return;
	bool iu = dp_rest_qs_bool(r, "ignore_unavailable", false, &ok);

	if (!ok)
		return;
	int n = dp_shards_resolve(dp_rest_param(r, "index"), iu, true, list, VALIDATE_MAX_INDICES, &err);

	if (n < 0) {
		dp_rest_reply_err(r, &err);
		return;
	}
	valid = vq_parse(r, body, &q, &perr);
	if (valid && q == NULL)
		q = &all;
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	if (!valid) {
		osp_jw_kv_bool(&w, "valid", false);
		if (explain) {
			char msg[700];

			snprintf(msg, sizeof(msg), "ParsingException[%s]", perr.reason);
			osp_jw_kv_str(&w, "error", msg);
		}
		osp_jw_obj_end(&w);
		dp_rest_reply(r, 200, &out);
		return;
	}
	dp_rest_write_shards(&w, (uint32_t)n, (uint32_t)n, 0, false);
	osp_jw_kv_bool(&w, "valid", true);
	if (explain) {
		osp_buf_init(&text);
		vq_print(&text, q, true);
		osp_jw_key(&w, "explanations");
		osp_jw_arr_begin(&w);
		for (int i = 0; i < n; i++) {
			osp_jw_obj_begin(&w);
			osp_jw_kv_str(&w, "index", list[i]->name);
			osp_jw_kv_bool(&w, "valid", true);
			osp_jw_key(&w, "explanation");
			osp_jw_strn(&w, text.data ? text.data : "", text.len);
			osp_jw_obj_end(&w);
		}
		osp_jw_arr_end(&w);
		osp_buf_free(&text);
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

void
rest_validate_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_validate/query", rest_validate_query, 0);
	dp_rest_route(DP_HTTP_POST, "/_validate/query", rest_validate_query, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_validate/query", rest_validate_query, 0);
	dp_rest_route(DP_HTTP_POST, "/{index}/_validate/query", rest_validate_query, 0);
}
