/*
 * rest_bulk_parse.c - _bulk NDJSON splitting and action parsing
 * (dp_bulk_parse.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "osprey/json.h"
#include "dp_bulk_parse.h"

/* One line [p, end) of the body. */
static const char *
bulk_line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

/* Parse an action line into op; 0, or replies 400 and returns < 0. */
static int
bulk_action(const osp_json_t *action, uint32_t line, dp_bulk_op_t *op,
	    const char *default_index, bool default_require_alias, bool *has_source, osp_err_t *err)
{
	osp_json_t *a = action ? action->u.child : NULL;
	st_write_req_t *req = &op->item.req;
	
	if (osp_json_is(action, OSP_JSON_OBJECT) && action->len == 0) {
		osp_err_set(err, 400, "illegal_argument_exception",
			    "Malformed action/metadata line [%u], expected FIELD_NAME but found [END_OBJECT]", line);
		return -EINVAL;
	}
	if (!osp_json_is(action, OSP_JSON_OBJECT) || action->len != 1 || !osp_json_is(a, OSP_JSON_OBJECT)) {
		osp_err_set(err, 400, "illegal_argument_exception",
			    "Malformed action/metadata line [%u], expected START_OBJECT or END_OBJECT but found [%s]",
			    line, osp_json_is(action, OSP_JSON_OBJECT) ? "FIELD_NAME" : "VALUE_STRING");
		return -EINVAL;
	}
	if (osp_json_key_eq(a, "index"))
		req->op = ST_OP_INDEX;
	else if (osp_json_key_eq(a, "create"))
		req->op = ST_OP_CREATE;
	else if (osp_json_key_eq(a, "update"))
		req->op = ST_OP_UPDATE;
	else if (osp_json_key_eq(a, "delete"))
		req->op = ST_OP_DELETE;
	else {
		osp_err_set(err, 400, "illegal_argument_exception",
			    "Malformed action/metadata line [%u], expected one of [create, delete, index, update] but found [%s]",
			    line, a->key);
		return -EINVAL;
	}
	*has_source = req->op != ST_OP_DELETE;
	req->version = ST_MATCH_ANY_VERSION;
	req->if_seq_no = ST_UNASSIGNED_SEQ_NO;
	op->index = default_index;
	op->require_alias = default_require_alias;
	OSP_JSON_FOREACH(m, a) {
		if (osp_json_key_eq(m, "_index") && osp_json_is(m, OSP_JSON_STRING)) {
			op->index = m->u.str;
		} else if (osp_json_key_eq(m, "_id") && osp_json_is(m, OSP_JSON_STRING)) {
			req->id = m->u.str;
			req->id_len = m->len;
		} else if (osp_json_key_eq(m, "routing") && osp_json_is(m, OSP_JSON_STRING)) {
			req->routing = m->u.str;
			req->routing_len = m->len;
		} else if (osp_json_key_eq(m, "if_seq_no") && m->is_int) {
			req->if_seq_no = m->i;
		} else if (osp_json_key_eq(m, "if_primary_term") && m->is_int) {
			req->if_primary_term = m->i;
		} else if (osp_json_key_eq(m, "version") && m->is_int) {
			req->version = m->i;
		} else if (osp_json_key_eq(m, "version_type") && osp_json_is(m, OSP_JSON_STRING)) {
			req->version_type = strcmp(m->u.str, "external") == 0 ? ST_VERSION_EXTERNAL
					  : strcmp(m->u.str, "external_gte") == 0 ? ST_VERSION_EXTERNAL_GTE
					  : ST_VERSION_INTERNAL;
		} else if (osp_json_key_eq(m, "require_alias") && osp_json_is(m, OSP_JSON_BOOL)) {
			op->require_alias = m->boolean;
		} else if (osp_json_key_eq(m, "op_type") && osp_json_is(m, OSP_JSON_STRING)) {
			if (strcmp(m->u.str, "create") == 0 && req->op == ST_OP_INDEX)
				req->op = ST_OP_CREATE;
		} else if (osp_json_key_eq(m, "pipeline") && osp_json_is(m, OSP_JSON_STRING)) {
			op->pipeline = m->u.str;
		} else if (osp_json_key_eq(m, "retry_on_conflict") || osp_json_key_eq(m, "_source") ||
			   osp_json_key_eq(m, "pipeline") || osp_json_key_eq(m, "dynamic_templates")) {
			continue;
		} else {
			osp_err_set(err, 400, "illegal_argument_exception",
				    "Action/metadata line [%u] contains an unknown parameter [%s]", line, m->key);
			return -EINVAL;
		}
	}
	if (op->index == NULL) {
		osp_err_set(err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: index is missing;");
		return -EINVAL;
	}
	return 0;
}


int
dp_bulk_parse(osp_arena_t *a, const char *body, size_t len, const char *default_index,
	      bool default_require_alias, dp_bulk_op_t **ops_out, uint32_t *n_out, osp_err_t *err)
{
	const char *end = body ? body + len : NULL, *p = body;
	uint32_t lines = 0, line_no = 0, n = 0;
	dp_bulk_op_t *ops;

	*ops_out = NULL;
	*n_out = 0;
	if (body == NULL || len == 0)
		return osp_err_set(err, 400, "action_request_validation_exception",
				   "Validation Failed: 1: no requests added;");
	for (const char *q = body; q < end; q++)
		lines += *q == '\n';
	ops = osp_arena_calloc(a, (size_t)(lines + 1) * sizeof(*ops));
	if (ops == NULL)
		return osp_err_set(err, 429, "es_rejected_execution_exception",
				   "bulk request too large for memory");
	while (p < end) {
		const char *le = bulk_line_end(p, end);
		osp_json_t *action;
		osp_json_error_t jerr;
		bool has_source;

		line_no++;
		if (le == p || (le - p == 1 && *p == '\r')) { /* blank line */
			p = le + 1;
			continue;
		}
		if (osp_json_parse(a, p, (size_t)(le - p), NULL, &action, &jerr) != 0)
			return osp_err_set(err, 400, "x_content_parse_exception", "[%u:%u] %s",
					   line_no, jerr.column, jerr.msg);
		dp_bulk_op_t *op = &ops[n];

		if (bulk_action(action, line_no, op, default_index, default_require_alias,
				&has_source, err) != 0)
			return -EINVAL;
		p = le + 1;
		if (has_source) {
			if (p >= end)
				return osp_err_set(err, 400, "illegal_argument_exception",
						   "The bulk request must be terminated by a newline [\\n]");
			le = bulk_line_end(p, end);
			line_no++;
			if (le == end)
				return osp_err_set(err, 400, "illegal_argument_exception",
						   "The bulk request must be terminated by a newline [\\n]");
			op->item.req.source = p;
			op->item.req.source_len = (size_t)(le - p);
			p = le + 1;
		}
		n++;
	}
	if (n == 0)
		return osp_err_set(err, 400, "action_request_validation_exception",
				   "Validation Failed: 1: no requests added;");
	*ops_out = ops;
	*n_out = n;
	return 0;
}
