/*
 * st_dsl.c - the query DSL: JSON query objects -> st_query_t AST.
 *
 * One function per query type, dispatched by name. Each checks its
 * parameters the way Elasticsearch's *QueryBuilder.fromXContent does and
 * fails with the same exception type and reason (parsing_exception for
 * unknown queries and parameters, x_content_parse_exception / illegal
 * argument for bad values). The AST and every string in it are allocated in
 * the caller's arena, so the JSON DOM may be freed once parsing returns.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "st_dsl_int.h"

/* Parameters every query accepts; 1 when m was one of them, <0 on error. */
static int
common_param(osp_arena_t *a, const char *qname, const osp_json_t *m,
	     st_query_t *q, osp_err_t *err)
{
	if (osp_json_key_eq(m, "boost")) {
		if (st_dsl_float(m, &q->boost))
			return st_dsl_xerr(err, "[%s] boost doesn't support values of type: %s",
					   qname, st_dsl_token(m));
		return 1;
	}
	if (osp_json_key_eq(m, "_name")) {
		if (!osp_json_is(m, OSP_JSON_STRING))
			return st_dsl_xerr(err, "[%s] _name doesn't support values of type: %s",
					   qname, st_dsl_token(m));
		q->name = osp_arena_strndup(a, m->u.str, m->len);
		return q->name ? 1 : -ENOMEM;
	}
	return 0;
}

static int
unsupported(osp_err_t *err, const char *qname, const osp_json_t *m)
{
	if (osp_json_is(m, OSP_JSON_OBJECT) || osp_json_is(m, OSP_JSON_ARRAY))
		return st_dsl_perr(err, "[%s] query does not support [%.*s]", qname,
				   (int)m->key_len, m->key);
	return st_dsl_perr(err, "[%s] query does not support [%.*s]", qname,
			   (int)m->key_len, m->key);
}

/* The single "field" member of a field-keyed query ({"match":{"f":...}}),
 * ignoring boost/_name siblings, which are applied to q. */
static int
field_member(osp_arena_t *a, const char *qname, const osp_json_t *body,
	     st_query_t *q, const osp_json_t **out, osp_err_t *err)
{
	const osp_json_t *found = NULL;
	int rc;

	if (!osp_json_is(body, OSP_JSON_OBJECT))
		return st_dsl_perr(err, "[%s] query malformed, no start_object after query name",
				   qname);
	OSP_JSON_FOREACH(m, body) {
		if (!osp_json_is(m, OSP_JSON_OBJECT) && !osp_json_is(m, OSP_JSON_ARRAY)) {
			rc = common_param(a, qname, m, q, err);
			if (rc < 0)
				return rc;
			if (rc == 1)
				continue;
		}
		if (found)
			return st_dsl_perr(err,
					   "[%s] query doesn't support multiple fields, found [%.*s] and [%.*s]",
					   qname, (int)found->key_len, found->key,
					   (int)m->key_len, m->key);
		found = m;
	}
	if (!found)
		return st_dsl_perr(err, "[%s] query malformed, no field specified", qname);
	*out = found;
	return 0;
}

static int
parse_operator(const osp_json_t *m, uint8_t *op, osp_err_t *err)
{
	if (osp_json_is(m, OSP_JSON_STRING)) {
		if (strcasecmp(m->u.str, "or") == 0) { *op = ST_OP_OR; return 0; }
		if (strcasecmp(m->u.str, "and") == 0) { *op = ST_OP_AND; return 0; }
	}
	return osp_err_illegal_argument(err, "No enum constant org.elasticsearch.index.query.Operator.%s",
					osp_json_is(m, OSP_JSON_STRING) ? m->u.str : "");
}

static int
parse_zero_terms(const osp_json_t *m, uint8_t *zt, osp_err_t *err)
{
	if (osp_json_is(m, OSP_JSON_STRING)) {
		if (strcasecmp(m->u.str, "none") == 0) { *zt = ST_ZERO_TERMS_NONE; return 0; }
		if (strcasecmp(m->u.str, "all") == 0) { *zt = ST_ZERO_TERMS_ALL; return 0; }
	}
	return st_dsl_perr(err, "Unsupported zero_terms_query value [%s]",
			   osp_json_is(m, OSP_JSON_STRING) ? m->u.str : st_dsl_token(m));
}

static int
parse_msm(osp_arena_t *a, const osp_json_t *m, const char **out, osp_err_t *err)
{
	uint32_t len, dummy;
	const char *s;

	if (!osp_json_is(m, OSP_JSON_STRING) && !osp_json_is(m, OSP_JSON_NUMBER))
		return st_dsl_xerr(err, "[minimum_should_match] doesn't support values of type: %s",
				   st_dsl_token(m));
	s = st_dsl_text(a, m, &len);
	if (!s)
		return -ENOMEM;
	if (st_msm_eval(s, 10, &dummy))
		return osp_err_set(err, 400, "number_format_exception",
				   "For input string: \"%s\"", s);
	*out = s;
	return 0;
}

/* match and match_phrase share their parameters. */
static int
parse_match(osp_arena_t *a, const osp_json_t *body, bool phrase, st_query_t **out,
	    osp_err_t *err)
{
	const char *qname = phrase ? "match_phrase" : "match";
	st_query_t *q = st_dsl_new(a, phrase ? ST_Q_MATCH_PHRASE : ST_Q_MATCH);
	const osp_json_t *fm;
	int rc;

	if (!q)
		return -ENOMEM;
	if ((rc = field_member(a, qname, body, q, &fm, err)))
		return rc;
	q->u.match.field = st_dsl_key(a, fm);
	if (!osp_json_is(fm, OSP_JSON_OBJECT)) {
		if (osp_json_is(fm, OSP_JSON_ARRAY) || osp_json_is(fm, OSP_JSON_NULL))
			return st_dsl_perr(err, "[%s] unknown token [%s] after [%s]", qname,
					   st_dsl_token(fm), q->u.match.field);
		q->u.match.text = st_dsl_text(a, fm, &q->u.match.text_len);
		*out = q;
		return q->u.match.text ? 0 : -ENOMEM;
	}
	OSP_JSON_FOREACH(m, fm) {
		if ((rc = common_param(a, qname, m, q, err)) < 0)
			return rc;
		if (rc == 1)
			continue;
		if (osp_json_key_eq(m, "query")) {
			if (osp_json_is(m, OSP_JSON_OBJECT) || osp_json_is(m, OSP_JSON_ARRAY))
				return st_dsl_perr(err, "[%s] unknown token [%s] after [query]",
						   qname, st_dsl_token(m));
			q->u.match.text = st_dsl_text(a, m, &q->u.match.text_len);
			if (!q->u.match.text && !osp_json_is(m, OSP_JSON_NULL))
				return -ENOMEM;
		} else if (osp_json_key_eq(m, "analyzer") && osp_json_is(m, OSP_JSON_STRING)) {
			q->u.match.analyzer = osp_arena_strndup(a, m->u.str, m->len);
		} else if (osp_json_key_eq(m, "zero_terms_query")) {
			if ((rc = parse_zero_terms(m, &q->u.match.zero_terms, err)))
				return rc;
		} else if (phrase && osp_json_key_eq(m, "slop")) {
			int64_t s;
			if (st_dsl_int(m, &s) || s < 0)
				return osp_err_illegal_argument(err, "No negative slop allowed.");
			q->u.match.slop = (int32_t)s;
		} else if (!phrase && osp_json_key_eq(m, "operator")) {
			if ((rc = parse_operator(m, &q->u.match.op, err)))
				return rc;
		} else if (!phrase && osp_json_key_eq(m, "minimum_should_match")) {
			if ((rc = parse_msm(a, m, &q->u.match.msm, err)))
				return rc;
		} else if (!phrase && osp_json_key_eq(m, "lenient")) {
			if (st_dsl_bool(m, &q->u.match.lenient))
				return st_dsl_xerr(err, "[%s] failed to parse field [lenient]", qname);
		} else if (!phrase && osp_json_key_eq(m, "fuzziness")) {
			return osp_err_illegal_argument(err,
				"[match] fuzziness is not supported by this node");
		} else if (!phrase && (osp_json_key_eq(m, "prefix_length") ||
				       osp_json_key_eq(m, "max_expansions") ||
				       osp_json_key_eq(m, "fuzzy_transpositions") ||
				       osp_json_key_eq(m, "auto_generate_synonyms_phrase_query") ||
				       osp_json_key_eq(m, "cutoff_frequency"))) {
			continue; /* accepted, no effect without fuzziness/synonyms */
		} else {
			return unsupported(err, qname, m);
		}
	}
	if (!q->u.match.text)
		return osp_err_illegal_argument(err, "[%s] requires query value", qname);
	*out = q;
	return 0;
}

static int
parse_multi_match(osp_arena_t *a, const osp_json_t *body, st_query_t **out, osp_err_t *err)
{
	st_query_t *q = st_dsl_new(a, ST_Q_MULTI_MATCH);
	const osp_json_t *fields = NULL;
	int rc;

	if (!q)
		return -ENOMEM;
	if (!osp_json_is(body, OSP_JSON_OBJECT))
		return st_dsl_perr(err, "[multi_match] query malformed, no start_object after query name");
	OSP_JSON_FOREACH(m, body) {
		if ((rc = common_param(a, "multi_match", m, q, err)) < 0)
			return rc;
		if (rc == 1)
			continue;
		if (osp_json_key_eq(m, "query")) {
			q->u.mm.text = st_dsl_text(a, m, &q->u.mm.text_len);
		} else if (osp_json_key_eq(m, "fields")) {
			fields = m;
		} else if (osp_json_key_eq(m, "type") && osp_json_is(m, OSP_JSON_STRING)) {
			if (strcmp(m->u.str, "best_fields") == 0) q->u.mm.type = ST_MM_BEST_FIELDS;
			else if (strcmp(m->u.str, "most_fields") == 0) q->u.mm.type = ST_MM_MOST_FIELDS;
			else if (strcmp(m->u.str, "phrase") == 0) q->u.mm.type = ST_MM_PHRASE;
			else if (strcmp(m->u.str, "cross_fields") == 0 ||
				 strcmp(m->u.str, "phrase_prefix") == 0 ||
				 strcmp(m->u.str, "bool_prefix") == 0)
				return osp_err_illegal_argument(err,
					"[multi_match] type [%s] is not supported by this node", m->u.str);
			else
				return st_dsl_perr(err, "failed to parse [multi_match] query type [%s]. unknown type.",
						   m->u.str);
		} else if (osp_json_key_eq(m, "tie_breaker")) {
			if (st_dsl_float(m, &q->u.mm.tie_breaker))
				return st_dsl_xerr(err, "[multi_match] failed to parse field [tie_breaker]");
			q->u.mm.has_tie_breaker = true;
		} else if (osp_json_key_eq(m, "operator")) {
			if ((rc = parse_operator(m, &q->u.mm.op, err)))
				return rc;
		} else if (osp_json_key_eq(m, "minimum_should_match")) {
			if ((rc = parse_msm(a, m, &q->u.mm.msm, err)))
				return rc;
		} else if (osp_json_key_eq(m, "analyzer") && osp_json_is(m, OSP_JSON_STRING)) {
			q->u.mm.analyzer = osp_arena_strndup(a, m->u.str, m->len);
		} else if (osp_json_key_eq(m, "zero_terms_query")) {
			if ((rc = parse_zero_terms(m, &q->u.mm.zero_terms, err)))
				return rc;
		} else if (osp_json_key_eq(m, "lenient")) {
			if (st_dsl_bool(m, &q->u.mm.lenient))
				return st_dsl_xerr(err, "[multi_match] failed to parse field [lenient]");
		} else if (osp_json_key_eq(m, "slop")) {
			int64_t s;
			if (st_dsl_int(m, &s) || s < 0)
				return osp_err_illegal_argument(err, "No negative slop allowed.");
			q->u.mm.slop = (int32_t)s;
		} else if (osp_json_key_eq(m, "fuzziness")) {
			return osp_err_illegal_argument(err,
				"[multi_match] fuzziness is not supported by this node");
		} else {
			return unsupported(err, "multi_match", m);
		}
	}
	if (!q->u.mm.text)
		return osp_err_illegal_argument(err, "[multi_match] requires query value");
	if (fields) {
		uint32_t n = osp_json_is(fields, OSP_JSON_ARRAY) ? fields->len : 1;
		q->u.mm.fields = osp_arena_calloc(a, n * sizeof(char *) + 1);
		q->u.mm.field_boosts = osp_arena_calloc(a, n * sizeof(float) + 1);
		if (!q->u.mm.fields || !q->u.mm.field_boosts)
			return -ENOMEM;
		const osp_json_t *f = osp_json_is(fields, OSP_JSON_ARRAY) ? fields->u.child : fields;
		for (uint32_t i = 0; i < n && f; i++, f = f->next) {
			const char *caret;
			if (!osp_json_is(f, OSP_JSON_STRING))
				return st_dsl_perr(err, "[multi_match] query does not support [fields]");
			caret = strchr(f->u.str, '^');
			q->u.mm.field_boosts[i] = 1.0f;
			if (caret) {
				q->u.mm.field_boosts[i] = strtof(caret + 1, NULL);
				q->u.mm.fields[i] = osp_arena_strndup(a, f->u.str,
								       (size_t)(caret - f->u.str));
			} else {
				q->u.mm.fields[i] = osp_arena_strndup(a, f->u.str, f->len);
			}
			q->u.mm.n_fields++;
		}
	}
	if (q->u.mm.n_fields == 0) {
		/* index.query.default_field: every field */
		q->u.mm.fields = osp_arena_calloc(a, sizeof(char *));
		q->u.mm.field_boosts = osp_arena_calloc(a, sizeof(float));
		if (!q->u.mm.fields || !q->u.mm.field_boosts)
			return -ENOMEM;
		q->u.mm.fields[0] = "*";
		q->u.mm.field_boosts[0] = 1.0f;
		q->u.mm.n_fields = 1;
		q->u.mm.lenient = true;
	}
	*out = q;
	return 0;
}

/* term and prefix: {"f": v} or {"f": {"value": v, ...}}. */
static int
parse_term(osp_arena_t *a, const osp_json_t *body, bool prefix, st_query_t **out,
	   osp_err_t *err)
{
	const char *qname = prefix ? "prefix" : "term";
	st_query_t *q = st_dsl_new(a, prefix ? ST_Q_PREFIX : ST_Q_TERM);
	const osp_json_t *fm, *val = NULL;
	int rc;

	if (!q)
		return -ENOMEM;
	if ((rc = field_member(a, qname, body, q, &fm, err)))
		return rc;
	q->u.term.field = st_dsl_key(a, fm);
	if (osp_json_is(fm, OSP_JSON_OBJECT)) {
		OSP_JSON_FOREACH(m, fm) {
			if ((rc = common_param(a, qname, m, q, err)) < 0)
				return rc;
			if (rc == 1)
				continue;
			if (osp_json_key_eq(m, "value")) {
				val = m;
			} else if (osp_json_key_eq(m, "case_insensitive")) {
				if (st_dsl_bool(m, &q->u.term.case_insensitive))
					return st_dsl_xerr(err, "[%s] failed to parse field [case_insensitive]",
							   qname);
			} else if (prefix && osp_json_key_eq(m, "rewrite")) {
				continue;
			} else {
				return st_dsl_perr(err, "[%s] query does not support [%.*s]", qname,
						   (int)m->key_len, m->key);
			}
		}
	} else if (osp_json_is(fm, OSP_JSON_ARRAY)) {
		return st_dsl_perr(err, "[%s] query does not support array of values", qname);
	} else {
		val = fm;
	}
	if (!val || osp_json_is(val, OSP_JSON_NULL))
		return osp_err_illegal_argument(err, "value cannot be null");
	if (osp_json_is(val, OSP_JSON_OBJECT) || osp_json_is(val, OSP_JSON_ARRAY))
		return st_dsl_perr(err, "[%s] query does not support [value]", qname);
	if ((rc = st_dsl_value(a, val, &q->u.term.value)))
		return rc;
	if (prefix)
		q->u.term.value.type = ST_VAL_STRING;
	*out = q;
	return 0;
}

static int
parse_terms(osp_arena_t *a, const osp_json_t *body, st_query_t **out, osp_err_t *err)
{
	st_query_t *q = st_dsl_new(a, ST_Q_TERMS);
	const osp_json_t *fm;
	uint32_t i = 0;
	int rc;

	if (!q)
		return -ENOMEM;
	if ((rc = field_member(a, "terms", body, q, &fm, err)))
		return rc;
	if (osp_json_is(fm, OSP_JSON_OBJECT))
		return st_dsl_perr(err, "[terms] query does not support terms lookup");
	if (!osp_json_is(fm, OSP_JSON_ARRAY))
		return st_dsl_perr(err, "[terms] query does not support [%.*s]",
				   (int)fm->key_len, fm->key);
	q->u.terms.field = st_dsl_key(a, fm);
	q->u.terms.values = osp_arena_calloc(a, (fm->len + 1) * sizeof(st_value_t));
	if (!q->u.terms.values)
		return -ENOMEM;
	OSP_JSON_FOREACH(v, fm) {
		if (osp_json_is(v, OSP_JSON_NULL))
			return osp_err_illegal_argument(err, "No value specified for terms query");
		if (st_dsl_value(a, v, &q->u.terms.values[i]))
			return st_dsl_perr(err, "[terms] query does not support nested values");
		i++;
	}
	q->u.terms.n = i;
	*out = q;
	return 0;
}

static int
parse_range(osp_arena_t *a, const osp_json_t *body, st_query_t **out, osp_err_t *err)
{
	st_query_t *q = st_dsl_new(a, ST_Q_RANGE);
	const osp_json_t *fm;
	int rc;

	if (!q)
		return -ENOMEM;
	if ((rc = field_member(a, "range", body, q, &fm, err)))
		return rc;
	q->u.range.field = st_dsl_key(a, fm);
	q->u.range.include_lower = q->u.range.include_upper = true;
	if (!osp_json_is(fm, OSP_JSON_OBJECT))
		return st_dsl_perr(err, "[range] query does not support [%s]", q->u.range.field);
	OSP_JSON_FOREACH(m, fm) {
		if ((rc = common_param(a, "range", m, q, err)) < 0)
			return rc;
		if (rc == 1)
			continue;
		if (osp_json_key_eq(m, "gt") || osp_json_key_eq(m, "gte") ||
		    osp_json_key_eq(m, "from")) {
			if ((rc = st_dsl_value(a, m, &q->u.range.from)))
				return st_dsl_perr(err, "[range] query does not support [%.*s]",
						   (int)m->key_len, m->key);
			if (!osp_json_key_eq(m, "from"))
				q->u.range.include_lower = osp_json_key_eq(m, "gte");
		} else if (osp_json_key_eq(m, "lt") || osp_json_key_eq(m, "lte") ||
			   osp_json_key_eq(m, "to")) {
			if ((rc = st_dsl_value(a, m, &q->u.range.to)))
				return st_dsl_perr(err, "[range] query does not support [%.*s]",
						   (int)m->key_len, m->key);
			if (!osp_json_key_eq(m, "to"))
				q->u.range.include_upper = osp_json_key_eq(m, "lte");
		} else if (osp_json_key_eq(m, "include_lower")) {
			if (st_dsl_bool(m, &q->u.range.include_lower))
				return st_dsl_xerr(err, "[range] failed to parse field [include_lower]");
		} else if (osp_json_key_eq(m, "include_upper")) {
			if (st_dsl_bool(m, &q->u.range.include_upper))
				return st_dsl_xerr(err, "[range] failed to parse field [include_upper]");
		} else if (osp_json_key_eq(m, "format") && osp_json_is(m, OSP_JSON_STRING)) {
			q->u.range.format = osp_arena_strndup(a, m->u.str, m->len);
		} else if (osp_json_key_eq(m, "time_zone") && osp_json_is(m, OSP_JSON_STRING)) {
			q->u.range.time_zone = osp_arena_strndup(a, m->u.str, m->len);
		} else if (osp_json_key_eq(m, "relation")) {
			continue; /* only meaningful for range fields */
		} else {
			return st_dsl_perr(err, "[range] query does not support [%.*s]",
					   (int)m->key_len, m->key);
		}
	}
	*out = q;
	return 0;
}

/* A clause list: one query object or an array of them. */
static int
parse_clauses(osp_arena_t *a, const osp_json_t *m, st_query_t ***arr, uint32_t *n,
	      osp_err_t *err)
{
	uint32_t cnt = osp_json_is(m, OSP_JSON_ARRAY) ? m->len : 1, i = 0;
	st_query_t **qs;
	int rc;

	if (!osp_json_is(m, OSP_JSON_ARRAY) && !osp_json_is(m, OSP_JSON_OBJECT))
		return st_dsl_perr(err, "[bool] query does not support [%.*s]",
				   (int)m->key_len, m->key);
	qs = osp_arena_calloc(a, (*n + cnt + 1) * sizeof(*qs));
	if (!qs)
		return -ENOMEM;
	if (*n)
		memcpy(qs, *arr, *n * sizeof(*qs));
	if (osp_json_is(m, OSP_JSON_OBJECT)) {
		if ((rc = st_query_parse(a, m, &qs[*n], err)))
			return rc;
		i = 1;
	} else {
		OSP_JSON_FOREACH(c, m) {
			if (!osp_json_is(c, OSP_JSON_OBJECT))
				return st_dsl_perr(err, "[_na] query malformed, must start with start_object");
			if ((rc = st_query_parse(a, c, &qs[*n + i], err)))
				return rc;
			i++;
		}
	}
	*arr = qs;
	*n += i;
	return 0;
}

static int
parse_bool(osp_arena_t *a, const osp_json_t *body, st_query_t **out, osp_err_t *err)
{
	st_query_t *q = st_dsl_new(a, ST_Q_BOOL);
	int rc;

	if (!q)
		return -ENOMEM;
	if (!osp_json_is(body, OSP_JSON_OBJECT))
		return st_dsl_perr(err, "[bool] query malformed, no start_object after query name");
	OSP_JSON_FOREACH(m, body) {
		if ((rc = common_param(a, "bool", m, q, err)) < 0)
			return rc;
		if (rc == 1)
			continue;
		if (osp_json_key_eq(m, "must"))
			rc = parse_clauses(a, m, &q->u.bool_q.must, &q->u.bool_q.n_must, err);
		else if (osp_json_key_eq(m, "should"))
			rc = parse_clauses(a, m, &q->u.bool_q.should, &q->u.bool_q.n_should, err);
		else if (osp_json_key_eq(m, "filter"))
			rc = parse_clauses(a, m, &q->u.bool_q.filter, &q->u.bool_q.n_filter, err);
		else if (osp_json_key_eq(m, "must_not") || osp_json_key_eq(m, "mustNot"))
			rc = parse_clauses(a, m, &q->u.bool_q.must_not, &q->u.bool_q.n_must_not, err);
		else if (osp_json_key_eq(m, "minimum_should_match"))
			rc = parse_msm(a, m, &q->u.bool_q.msm, err);
		else if (osp_json_key_eq(m, "adjust_pure_negative"))
			rc = 0;
		else
			return st_dsl_perr(err, "[bool] query does not support [%.*s]",
					   (int)m->key_len, m->key);
		if (rc)
			return rc;
	}
	*out = q;
	return 0;
}

static int
parse_exists(osp_arena_t *a, const osp_json_t *body, st_query_t **out, osp_err_t *err)
{
	st_query_t *q = st_dsl_new(a, ST_Q_EXISTS);
	int rc;

	if (!q)
		return -ENOMEM;
	if (!osp_json_is(body, OSP_JSON_OBJECT))
		return st_dsl_perr(err, "[exists] query malformed, no start_object after query name");
	OSP_JSON_FOREACH(m, body) {
		if ((rc = common_param(a, "exists", m, q, err)) < 0)
			return rc;
		if (rc == 1)
			continue;
		if (osp_json_key_eq(m, "field") && osp_json_is(m, OSP_JSON_STRING))
			q->u.exists.field = osp_arena_strndup(a, m->u.str, m->len);
		else
			return st_dsl_perr(err, "[exists] query does not support [%.*s]",
					   (int)m->key_len, m->key);
	}
	if (!q->u.exists.field)
		return st_dsl_perr(err, "[exists] must be provided with a [field]");
	*out = q;
	return 0;
}

static int
parse_ids(osp_arena_t *a, const osp_json_t *body, st_query_t **out, osp_err_t *err)
{
	st_query_t *q = st_dsl_new(a, ST_Q_IDS);
	int rc;

	if (!q)
		return -ENOMEM;
	if (!osp_json_is(body, OSP_JSON_OBJECT))
		return st_dsl_perr(err, "[ids] query malformed, no start_object after query name");
	OSP_JSON_FOREACH(m, body) {
		if ((rc = common_param(a, "ids", m, q, err)) < 0)
			return rc;
		if (rc == 1)
			continue;
		if (!osp_json_key_eq(m, "values"))
			return st_dsl_perr(err, "[ids] query does not support [%.*s]",
					   (int)m->key_len, m->key);
		if (!osp_json_is(m, OSP_JSON_ARRAY))
			return st_dsl_perr(err, "[ids] query does not support [values]");
		q->u.ids.ids = osp_arena_calloc(a, (m->len + 1) * sizeof(char *));
		q->u.ids.lens = osp_arena_calloc(a, (m->len + 1) * sizeof(uint32_t));
		if (!q->u.ids.ids || !q->u.ids.lens)
			return -ENOMEM;
		OSP_JSON_FOREACH(v, m) {
			uint32_t len;
			const char *s = st_dsl_text(a, v, &len);
			if (!s || osp_json_is(v, OSP_JSON_BOOL))
				return st_dsl_xerr(err, "[ids] failed to parse field [values]");
			q->u.ids.ids[q->u.ids.n] = s;
			q->u.ids.lens[q->u.ids.n++] = len;
		}
	}
	*out = q;
	return 0;
}

static int
parse_constant_score(osp_arena_t *a, const osp_json_t *body, st_query_t **out,
		     osp_err_t *err)
{
	st_query_t *q = st_dsl_new(a, ST_Q_CONSTANT_SCORE);
	int rc;

	if (!q)
		return -ENOMEM;
	if (!osp_json_is(body, OSP_JSON_OBJECT))
		return st_dsl_perr(err, "[constant_score] query malformed, no start_object after query name");
	OSP_JSON_FOREACH(m, body) {
		if ((rc = common_param(a, "constant_score", m, q, err)) < 0)
			return rc;
		if (rc == 1)
			continue;
		if (osp_json_key_eq(m, "filter") && osp_json_is(m, OSP_JSON_OBJECT)) {
			q->u.compound.queries = osp_arena_calloc(a, sizeof(st_query_t *));
			if (!q->u.compound.queries)
				return -ENOMEM;
			if ((rc = st_query_parse(a, m, &q->u.compound.queries[0], err)))
				return rc;
			q->u.compound.n = 1;
		} else {
			return st_dsl_perr(err, "[constant_score] query does not support [%.*s]",
					   (int)m->key_len, m->key);
		}
	}
	if (q->u.compound.n == 0)
		return st_dsl_perr(err, "[constant_score] requires a 'filter' element");
	*out = q;
	return 0;
}

static int
parse_dis_max(osp_arena_t *a, const osp_json_t *body, st_query_t **out, osp_err_t *err)
{
	st_query_t *q = st_dsl_new(a, ST_Q_DIS_MAX);
	int rc;

	if (!q)
		return -ENOMEM;
	if (!osp_json_is(body, OSP_JSON_OBJECT))
		return st_dsl_perr(err, "[dis_max] query malformed, no start_object after query name");
	OSP_JSON_FOREACH(m, body) {
		if ((rc = common_param(a, "dis_max", m, q, err)) < 0)
			return rc;
		if (rc == 1)
			continue;
		if (osp_json_key_eq(m, "queries")) {
			if ((rc = parse_clauses(a, m, &q->u.compound.queries, &q->u.compound.n, err)))
				return rc;
		} else if (osp_json_key_eq(m, "tie_breaker")) {
			if (st_dsl_float(m, &q->u.compound.tie_breaker))
				return st_dsl_xerr(err, "[dis_max] failed to parse field [tie_breaker]");
		} else {
			return st_dsl_perr(err, "[dis_max] query does not support [%.*s]",
					   (int)m->key_len, m->key);
		}
	}
	if (q->u.compound.n == 0)
		return st_dsl_perr(err, "[dis_max] requires 'queries' field with at least one clause");
	*out = q;
	return 0;
}

static int
parse_query_string(osp_arena_t *a, const osp_json_t *body, st_query_t **out,
		   osp_err_t *err)
{
	const osp_json_t *qv = NULL, *fields = NULL;
	const char **fl = NULL;
	float *fb = NULL, boost = 1.0f;
	uint32_t nf = 0;
	uint8_t op = ST_OP_OR;
	int rc;

	if (!osp_json_is(body, OSP_JSON_OBJECT))
		return st_dsl_perr(err, "[query_string] query malformed, no start_object after query name");
	OSP_JSON_FOREACH(m, body) {
		if (osp_json_key_eq(m, "query")) {
			qv = m;
		} else if (osp_json_key_eq(m, "default_field") || osp_json_key_eq(m, "fields")) {
			fields = m;
		} else if (osp_json_key_eq(m, "default_operator")) {
			if ((rc = parse_operator(m, &op, err)))
				return rc;
		} else if (osp_json_key_eq(m, "boost")) {
			if (st_dsl_float(m, &boost))
				return st_dsl_xerr(err, "[query_string] failed to parse field [boost]");
		} else if (osp_json_key_eq(m, "lenient") || osp_json_key_eq(m, "analyze_wildcard") ||
			   osp_json_key_eq(m, "_name")) {
			continue;
		} else {
			return st_dsl_perr(err, "[query_string] query does not support [%.*s]",
					   (int)m->key_len, m->key);
		}
	}
	if (!osp_json_is(qv, OSP_JSON_STRING))
		return st_dsl_perr(err, "[query_string] must be provided with a [query]");
	if (fields) {
		uint32_t cap = osp_json_is(fields, OSP_JSON_ARRAY) ? fields->len : 1;
		const osp_json_t *f = osp_json_is(fields, OSP_JSON_ARRAY) ? fields->u.child : fields;
		fl = osp_arena_calloc(a, (cap + 1) * sizeof(char *));
		fb = osp_arena_calloc(a, (cap + 1) * sizeof(float));
		if (!fl || !fb)
			return -ENOMEM;
		for (; f; f = osp_json_is(fields, OSP_JSON_ARRAY) ? f->next : NULL) {
			const char *caret;
			if (!osp_json_is(f, OSP_JSON_STRING))
				return st_dsl_perr(err, "[query_string] query does not support [fields]");
			caret = strchr(f->u.str, '^');
			fb[nf] = caret ? strtof(caret + 1, NULL) : 1.0f;
			fl[nf++] = osp_arena_strndup(a, f->u.str,
						     caret ? (size_t)(caret - f->u.str) : f->len);
		}
	}
	if ((rc = st_query_string_parse(a, qv->u.str, qv->len, fl, fb, nf,
					(st_operator_t)op, out, err)))
		return rc;
	(*out)->boost *= boost;
	return 0;
}

int
st_query_parse(osp_arena_t *a, const osp_json_t *q, st_query_t **out, osp_err_t *err)
{
	const osp_json_t *m;
	const char *name;
	int rc;

	if (!osp_json_is(q, OSP_JSON_OBJECT))
		return st_dsl_perr(err, "[_na] query malformed, must start with start_object");
	m = q->u.child;
	if (!m)
		return st_dsl_perr(err, "query malformed, empty clause found");
	if (m->next)
		return st_dsl_perr(err, "[%.*s] malformed query, expected [END_OBJECT] but found [FIELD_NAME]",
				   (int)m->key_len, m->key);
	name = st_dsl_key(a, m);
	if (!name)
		return -ENOMEM;
	if (!osp_json_is(m, OSP_JSON_OBJECT) && strcmp(name, "query_string") &&
	    strcmp(name, "simple_query_string")) {
		if (strcmp(name, "match_all") && strcmp(name, "match_none") &&
		    strcmp(name, "match") && strcmp(name, "term") && strcmp(name, "terms") &&
		    strcmp(name, "range") && strcmp(name, "bool") && strcmp(name, "exists") &&
		    strcmp(name, "prefix") && strcmp(name, "ids") && strcmp(name, "match_phrase") &&
		    strcmp(name, "constant_score") && strcmp(name, "dis_max") &&
		    strcmp(name, "multi_match"))
			return st_dsl_perr(err, "unknown query [%s]", name);
		return st_dsl_perr(err, "[%s] query malformed, no start_object after query name", name);
	}
	if (strcmp(name, "match_all") == 0 || strcmp(name, "match_none") == 0) {
		st_query_t *r = st_dsl_new(a, name[6] == 'a' ? ST_Q_MATCH_ALL : ST_Q_MATCH_NONE);
		if (!r)
			return -ENOMEM;
		OSP_JSON_FOREACH(p, m) {
			if ((rc = common_param(a, name, p, r, err)) < 0)
				return rc;
			if (rc == 0)
				return st_dsl_perr(err, "[%s] query does not support [%.*s]", name,
						   (int)p->key_len, p->key);
		}
		*out = r;
		return 0;
	}
	if (strcmp(name, "match") == 0)
		return parse_match(a, m, false, out, err);
	if (strcmp(name, "match_phrase") == 0)
		return parse_match(a, m, true, out, err);
	if (strcmp(name, "multi_match") == 0)
		return parse_multi_match(a, m, out, err);
	if (strcmp(name, "term") == 0)
		return parse_term(a, m, false, out, err);
	if (strcmp(name, "prefix") == 0)
		return parse_term(a, m, true, out, err);
	if (strcmp(name, "terms") == 0)
		return parse_terms(a, m, out, err);
	if (strcmp(name, "range") == 0)
		return parse_range(a, m, out, err);
	if (strcmp(name, "bool") == 0)
		return parse_bool(a, m, out, err);
	if (strcmp(name, "exists") == 0)
		return parse_exists(a, m, out, err);
	if (strcmp(name, "ids") == 0)
		return parse_ids(a, m, out, err);
	if (strcmp(name, "constant_score") == 0)
		return parse_constant_score(a, m, out, err);
	if (strcmp(name, "dis_max") == 0)
		return parse_dis_max(a, m, out, err);
	if (strcmp(name, "query_string") == 0)
		return parse_query_string(a, m, out, err);
	return st_dsl_perr(err, "unknown query [%s]", name);
}
