/*
 * st_dsl_req.c - the _search body -> st_search_req_t.
 *
 * Parses query, from, size, sort, search_after, track_total_hits, min_score,
 * explain, track_scores and aggregations; members that belong to the fetch
 * phase (_source, stored_fields, docvalue_fields, highlight, fields) are
 * accepted and left to the network core. Unknown members fail as
 * Elasticsearch fails them ("Unknown key for a VALUE_STRING in [x].").
 * Everything lands in the request arena.
 */
#include <time.h>

#include "st_dsl_int.h"

void
st_search_req_init(st_search_req_t *req)
{
	struct timespec ts;

	memset(req, 0, sizeof(*req));
	/* "now" is fixed once, where the request is parsed, so every shard
	 * evaluates date math against the same instant */
	clock_gettime(CLOCK_REALTIME, &ts);
	req->now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	req->size = 10;
	req->track_total_hits = ST_TRACK_TOTAL_DEFAULT;
	req->num_shards = 1;
	req->max_result_window = 10000;
}

static int
parse_order(const osp_json_t *v, bool *desc, osp_err_t *err)
{
	if (osp_json_is(v, OSP_JSON_STRING)) {
		if (strcasecmp(v->u.str, "asc") == 0) { *desc = false; return 0; }
		if (strcasecmp(v->u.str, "desc") == 0) { *desc = true; return 0; }
	}
	return osp_err_illegal_argument(err, "Unknown SortOrder [%s]",
					osp_json_is(v, OSP_JSON_STRING) ? v->u.str : st_dsl_token(v));
}

static int
sort_one(osp_arena_t *a, const osp_json_t *v, st_sort_t *s, osp_err_t *err)
{
	const char *name;
	const osp_json_t *opts = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	if (osp_json_is(v, OSP_JSON_STRING)) {
		name = osp_arena_strndup(a, v->u.str, v->len);
	} else if (osp_json_is(v, OSP_JSON_OBJECT) && v->len == 1) {
		name = st_dsl_key(a, v->u.child);
		opts = v->u.child;
	} else {
		return st_dsl_perr(err, "[sort] failed to parse field [sort]");
	}
	if (!name)
		return -ENOMEM;
	s->field = name;
	if (strcmp(name, "_score") == 0) {
		s->kind = ST_SORT_SCORE;
		s->desc = true;
	} else if (strcmp(name, "_doc") == 0) {
		s->kind = ST_SORT_DOC;
	} else {
		s->kind = ST_SORT_FIELD;
	}
	if (!opts)
		return 0;
	if (osp_json_is(opts, OSP_JSON_STRING))
		return parse_order(opts, &s->desc, err);
	if (!osp_json_is(opts, OSP_JSON_OBJECT))
		return st_dsl_perr(err, "[sort] failed to parse field [%s]", name);
	OSP_JSON_FOREACH(m, opts) {
		if (osp_json_key_eq(m, "order")) {
			if ((rc = parse_order(m, &s->desc, err)))
				return rc;
		} else if (osp_json_key_eq(m, "missing")) {
			if (osp_json_is(m, OSP_JSON_STRING) && strcmp(m->u.str, "_last") == 0) {
				s->missing = ST_MISSING_LAST;
			} else if (osp_json_is(m, OSP_JSON_STRING) && strcmp(m->u.str, "_first") == 0) {
				s->missing = ST_MISSING_FIRST;
			} else {
				s->missing = ST_MISSING_VALUE;
				if ((rc = st_dsl_value(a, m, &s->missing_value)))
					return st_dsl_perr(err, "[sort] failed to parse field [missing]");
			}
		} else if (osp_json_key_eq(m, "mode") && osp_json_is(m, OSP_JSON_STRING)) {
			static const char *modes[] = { "", "min", "max", "sum", "avg", "median" };
			uint8_t i;
			for (i = 1; i < 6; i++)
				if (strcmp(m->u.str, modes[i]) == 0)
					break;
			if (i == 6)
				return osp_err_illegal_argument(err, "Unknown SortMode [%s]", m->u.str);
			s->mode = i;
		} else if (osp_json_key_eq(m, "unmapped_type") || osp_json_key_eq(m, "numeric_type") ||
			   osp_json_key_eq(m, "format")) {
			continue;
		} else {
			return st_dsl_perr(err, "[field_sort] unknown field [%.*s]",
					   (int)m->key_len, m->key);
		}
	}
	if (s->kind != ST_SORT_FIELD && s->mode)
		return st_dsl_perr(err, "[%s] unknown field [mode]", name);
	return 0;
}

static int
parse_sort(osp_arena_t *a, const osp_json_t *v, st_search_req_t *req, osp_err_t *err)
{
	uint32_t n = osp_json_is(v, OSP_JSON_ARRAY) ? v->len : 1, i = 0;
	int rc;

	req->sort = osp_arena_calloc(a, (n + 1) * sizeof(st_sort_t));
	if (!req->sort)
		return -ENOMEM;
	if (osp_json_is(v, OSP_JSON_ARRAY)) {
		OSP_JSON_FOREACH(e, v) {
			if ((rc = sort_one(a, e, &req->sort[i++], err)))
				return rc;
		}
	} else if (osp_json_is(v, OSP_JSON_OBJECT) && v->len > 1) {
		/* {"a":"asc","b":"desc"}: several keys in one object */
		req->sort = osp_arena_calloc(a, (v->len + 1) * sizeof(st_sort_t));
		if (!req->sort)
			return -ENOMEM;
		OSP_JSON_FOREACH(e, v) {
			osp_json_t one = *e;
			osp_json_t wrap = { 0 };
			one.next = NULL;
			wrap.type = OSP_JSON_OBJECT;
			wrap.len = 1;
			wrap.u.child = &one;
			if ((rc = sort_one(a, &wrap, &req->sort[i++], err)))
				return rc;
		}
	} else {
		if ((rc = sort_one(a, v, &req->sort[i++], err)))
			return rc;
	}
	req->n_sort = i;
	return 0;
}

static int
parse_track_total(const osp_json_t *v, st_search_req_t *req, osp_err_t *err)
{
	if (osp_json_is(v, OSP_JSON_BOOL)) {
		req->track_total_hits = v->boolean ? ST_TRACK_TOTAL_ALL : ST_TRACK_TOTAL_NONE;
		return 0;
	}
	if (osp_json_is(v, OSP_JSON_NUMBER) && v->is_int) {
		if (v->i < -1)
			return osp_err_illegal_argument(err,
				"[track_total_hits] parameter must be positive or equals to -1, got %lld",
				(long long)v->i);
		req->track_total_hits = v->i == -1 ? ST_TRACK_TOTAL_NONE : v->i;
		return 0;
	}
	return st_dsl_perr(err, "[track_total_hits] failed to parse");
}

int
st_search_req_parse(osp_arena_t *a, const osp_json_t *body, st_search_req_t *req,
		    osp_err_t *err)
{
	int64_t x;
	int rc;

	if (!body)
		goto done;
	if (!osp_json_is(body, OSP_JSON_OBJECT))
		return st_dsl_perr(err, "Expected [START_OBJECT] but found [%s]", st_dsl_token(body));
	OSP_JSON_FOREACH(m, body) {
		if (osp_json_key_eq(m, "query")) {
			if (!osp_json_is(m, OSP_JSON_OBJECT))
				return st_dsl_perr(err, "Unknown key for a %s in [query].",
						   st_dsl_token(m));
			if ((rc = st_query_parse(a, m, &req->query, err)))
				return rc;
		} else if (osp_json_key_eq(m, "from") || osp_json_key_eq(m, "size")) {
			bool is_from = osp_json_key_eq(m, "from");
			if (st_dsl_int(m, &x))
				return st_dsl_xerr(err, "[%s] failed to parse field [%s]",
						   is_from ? "from" : "size", is_from ? "from" : "size");
			if (x < 0)
				return osp_err_illegal_argument(err,
					"[%s] parameter cannot be negative, found [%lld]",
					is_from ? "from" : "size", (long long)x);
			if (x > INT32_MAX)
				x = INT32_MAX;
			if (is_from)
				req->from = (int32_t)x;
			else
				req->size = (int32_t)x;
		} else if (osp_json_key_eq(m, "sort")) {
			if ((rc = parse_sort(a, m, req, err)))
				return rc;
		} else if (osp_json_key_eq(m, "search_after")) {
			uint32_t i = 0;
			if (!osp_json_is(m, OSP_JSON_ARRAY))
				return st_dsl_perr(err, "Unknown key for a %s in [search_after].",
						   st_dsl_token(m));
			req->search_after = osp_arena_calloc(a, (m->len + 1) * sizeof(st_value_t));
			if (!req->search_after)
				return -ENOMEM;
			OSP_JSON_FOREACH(e, m) {
				if (st_dsl_value(a, e, &req->search_after[i++]))
					return st_dsl_perr(err, "[search_after] values must be scalars");
			}
			req->n_search_after = i;
		} else if (osp_json_key_eq(m, "track_total_hits")) {
			if ((rc = parse_track_total(m, req, err)))
				return rc;
		} else if (osp_json_key_eq(m, "min_score")) {
			if (st_dsl_float(m, &req->min_score))
				return st_dsl_xerr(err, "[min_score] failed to parse field [min_score]");
			req->has_min_score = true;
		} else if (osp_json_key_eq(m, "explain")) {
			if (st_dsl_bool(m, &req->explain))
				return st_dsl_xerr(err, "[explain] failed to parse field [explain]");
		} else if (osp_json_key_eq(m, "track_scores")) {
			if (st_dsl_bool(m, &req->track_scores))
				return st_dsl_xerr(err, "[track_scores] failed to parse field [track_scores]");
		} else if (osp_json_key_eq(m, "aggs") || osp_json_key_eq(m, "aggregations")) {
			if ((rc = st_aggs_parse(a, m, &req->aggs, &req->n_aggs, err)))
				return rc;
		} else if (osp_json_key_eq(m, "_source") || osp_json_key_eq(m, "stored_fields") ||
			   osp_json_key_eq(m, "docvalue_fields") || osp_json_key_eq(m, "fields") ||
			   osp_json_key_eq(m, "highlight") || osp_json_key_eq(m, "timeout") ||
			   osp_json_key_eq(m, "version") || osp_json_key_eq(m, "seq_no_primary_term") ||
			   osp_json_key_eq(m, "terminate_after") || osp_json_key_eq(m, "profile") ||
			   osp_json_key_eq(m, "script_fields") || osp_json_key_eq(m, "indices_boost") ||
			   osp_json_key_eq(m, "stats") || osp_json_key_eq(m, "runtime_mappings") ||
			   osp_json_key_eq(m, "pit") || osp_json_key_eq(m, "collapse") ||
			   osp_json_key_eq(m, "ext") || osp_json_key_eq(m, "post_filter") ||
			   osp_json_key_eq(m, "rescore") || osp_json_key_eq(m, "suggest")) {
			continue; /* fetch-phase or unsupported-but-accepted members */
		} else {
			return st_dsl_perr(err, "Unknown key for a %s in [%.*s].",
					   st_dsl_token(m), (int)m->key_len, m->key);
		}
	}
done:
	if (!req->query) {
		req->query = st_dsl_new(a, ST_Q_MATCH_ALL);
		if (!req->query)
			return -ENOMEM;
	}
	if ((int64_t)req->from + req->size > req->max_result_window)
		return osp_err_illegal_argument(err,
			"Result window is too large, from + size must be less than or equal to: [%d] but was [%lld]. "
			"See the scroll api for a more efficient way to request large data sets. This limit can be "
			"set by changing the [index.max_result_window] index level setting.",
			req->max_result_window, (long long)req->from + req->size);
	if (req->n_search_after) {
		uint32_t want = req->n_sort ? req->n_sort : 1;
		if (req->from > 0)
			return osp_err_illegal_argument(err,
				"`from` parameter must be set to 0 when `search_after` is used.");
		if (req->n_search_after != want)
			return osp_err_illegal_argument(err,
				"search_after has %u value(s) but sort has %u.",
				req->n_search_after, want);
	}
	return 0;
}
