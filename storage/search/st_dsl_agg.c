/*
 * st_dsl_agg.c - the "aggs" object -> st_agg_t trees (request arena).
 *
 * terms, range, histogram, date_histogram and the metrics (min, max, sum,
 * avg, stats, value_count, cardinality), each with optional sub-"aggs".
 * Defaults are Elasticsearch's: terms size 10, shard_size computed at
 * execution (size * 1.5 + 10 over several shards), min_doc_count 1 for
 * terms and 0 for histograms, precision_threshold 3000.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "st_dsl_int.h"

static int
parse_interval(const char *s, double *ms, char *unit, bool calendar)
{
	char *end;
	double n;

	static const struct { const char *name; char unit; } names[] = {
		{ "year", 'y' }, { "quarter", 'q' }, { "month", 'M' }, { "week", 'w' },
		{ "day", 'd' }, { "hour", 'h' }, { "minute", 'm' }, { "second", 's' },
	};
	for (size_t i = 0; calendar && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*unit = names[i].unit;
			return 0;
		}
	}
	n = strtod(s, &end);
	if (end == s || n <= 0)
		return -EINVAL;
	if (calendar) {
		if (n != 1 || !end[0] || end[1])
			return -EINVAL;
		if (!strchr("yqMwdhms", end[0]))
			return -EINVAL;
		*unit = end[0] == 'h' ? 'h' : end[0];
		return 0;
	}
	if (strcmp(end, "ms") == 0) *ms = n;
	else if (strcmp(end, "s") == 0) *ms = n * 1000;
	else if (strcmp(end, "m") == 0) *ms = n * 60000;
	else if (strcmp(end, "h") == 0) *ms = n * 3600000;
	else if (strcmp(end, "d") == 0) *ms = n * 86400000;
	else return -EINVAL;
	*unit = 0;
	return 0;
}

static int
parse_order(const osp_json_t *v, uint8_t *order, osp_err_t *err)
{
	const osp_json_t *o = osp_json_is(v, OSP_JSON_ARRAY) ? v->u.child : v;
	const osp_json_t *m;
	bool desc;

	if (!osp_json_is(o, OSP_JSON_OBJECT) || !(m = o->u.child) || !osp_json_is(m, OSP_JSON_STRING))
		return st_dsl_perr(err, "[order] must be an object");
	desc = strcasecmp(m->u.str, "desc") == 0;
	if (!desc && strcasecmp(m->u.str, "asc"))
		return osp_err_illegal_argument(err, "Unknown BucketOrder direction [%s]", m->u.str);
	if (osp_json_key_eq(m, "_count"))
		*order = desc ? ST_ORDER_COUNT_DESC : ST_ORDER_COUNT_ASC;
	else if (osp_json_key_eq(m, "_key") || osp_json_key_eq(m, "_term"))
		*order = desc ? ST_ORDER_KEY_DESC : ST_ORDER_KEY_ASC;
	else
		return osp_err_illegal_argument(err,
			"Invalid aggregation order path [%.*s]: ordering by sub-aggregations is not supported by this node",
			(int)m->key_len, m->key);
	return 0;
}

static int
parse_ranges(osp_arena_t *a, const osp_json_t *v, st_agg_t *g, osp_err_t *err)
{
	if (!osp_json_is(v, OSP_JSON_ARRAY))
		return st_dsl_perr(err, "[ranges] must be an array");
	g->ranges = osp_arena_calloc(a, (v->len + 1) * sizeof(st_agg_range_t));
	if (!g->ranges)
		return -ENOMEM;
	OSP_JSON_FOREACH(r, v) {
		st_agg_range_t *rg = &g->ranges[g->n_ranges++];
		OSP_JSON_FOREACH(m, r) {
			if (osp_json_key_eq(m, "from") && !osp_json_is(m, OSP_JSON_NULL)) {
				if (!osp_json_is(m, OSP_JSON_NUMBER) && !osp_json_is(m, OSP_JSON_STRING))
					return st_dsl_perr(err, "[range] failed to parse field [from]");
				rg->from = osp_json_is(m, OSP_JSON_NUMBER) ? m->d : strtod(m->u.str, NULL);
				rg->has_from = true;
			} else if (osp_json_key_eq(m, "to") && !osp_json_is(m, OSP_JSON_NULL)) {
				if (!osp_json_is(m, OSP_JSON_NUMBER) && !osp_json_is(m, OSP_JSON_STRING))
					return st_dsl_perr(err, "[range] failed to parse field [to]");
				rg->to = osp_json_is(m, OSP_JSON_NUMBER) ? m->d : strtod(m->u.str, NULL);
				rg->has_to = true;
			} else if (osp_json_key_eq(m, "key") && osp_json_is(m, OSP_JSON_STRING)) {
				rg->key = osp_arena_strndup(a, m->u.str, m->len);
			} else if (!osp_json_is(m, OSP_JSON_NULL)) {
				return st_dsl_perr(err, "[range] unknown field [%.*s]",
						   (int)m->key_len, m->key);
			}
		}
	}
	return 0;
}

static int
parse_body(osp_arena_t *a, const char *type, const osp_json_t *b, st_agg_t *g, osp_err_t *err)
{
	bool date = g->kind == ST_AGG_DATE_HISTOGRAM;
	bool histo = date || g->kind == ST_AGG_HISTOGRAM;
	bool has_interval = false;
	int64_t x;
	int rc;

	g->size = 10;
	g->min_doc_count = histo ? 0 : 1;
	g->precision_threshold = 3000;
	g->order = histo ? ST_ORDER_KEY_ASC : ST_ORDER_COUNT_DESC;
	if (!osp_json_is(b, OSP_JSON_OBJECT))
		return st_dsl_perr(err, "Expected [START_OBJECT] under [%s], but got a [%s] in [%s]",
				   type, st_dsl_token(b), g->name);
	OSP_JSON_FOREACH(m, b) {
		if (osp_json_key_eq(m, "field") && osp_json_is(m, OSP_JSON_STRING)) {
			g->field = osp_arena_strndup(a, m->u.str, m->len);
		} else if (g->kind == ST_AGG_TERMS && osp_json_key_eq(m, "size")) {
			if (st_dsl_int(m, &x) || x < 1)
				return osp_err_illegal_argument(err,
					"[size] must be greater than 0. Found [%lld] in [%s]",
					(long long)x, g->name);
			g->size = (uint32_t)x;
		} else if (g->kind == ST_AGG_TERMS && osp_json_key_eq(m, "shard_size")) {
			if (st_dsl_int(m, &x) || x < 1)
				return osp_err_illegal_argument(err,
					"[shardSize] must be greater than 0. Found [%lld] in [%s]",
					(long long)x, g->name);
			g->shard_size = (uint32_t)x;
			g->shard_size_set = true;
		} else if ((g->kind == ST_AGG_TERMS || histo) && osp_json_key_eq(m, "min_doc_count")) {
			if (st_dsl_int(m, &x) || x < 0)
				return osp_err_illegal_argument(err,
					"[minDocCount] must be greater than or equal to 0. Found [%lld] in [%s]",
					(long long)x, g->name);
			g->min_doc_count = x;
		} else if ((g->kind == ST_AGG_TERMS || histo) && osp_json_key_eq(m, "order")) {
			if ((rc = parse_order(m, &g->order, err)))
				return rc;
		} else if (g->kind == ST_AGG_RANGE && osp_json_key_eq(m, "ranges")) {
			if ((rc = parse_ranges(a, m, g, err)))
				return rc;
		} else if ((g->kind == ST_AGG_RANGE || histo) && osp_json_key_eq(m, "keyed")) {
			if (st_dsl_bool(m, &g->keyed))
				return st_dsl_xerr(err, "[%s] failed to parse field [keyed]", type);
		} else if (g->kind == ST_AGG_HISTOGRAM && osp_json_key_eq(m, "interval")) {
			if (!osp_json_is(m, OSP_JSON_NUMBER) || m->d <= 0)
				return osp_err_illegal_argument(err,
					"[interval] must be >0 for histogram aggregation [%s]", g->name);
			g->interval = m->d;
			has_interval = true;
		} else if (g->kind == ST_AGG_HISTOGRAM && osp_json_key_eq(m, "offset")) {
			if (!osp_json_is(m, OSP_JSON_NUMBER))
				return st_dsl_xerr(err, "[histogram] failed to parse field [offset]");
			g->offset = m->d;
		} else if (date && (osp_json_key_eq(m, "calendar_interval") ||
				    osp_json_key_eq(m, "fixed_interval") ||
				    osp_json_key_eq(m, "interval"))) {
			bool cal = osp_json_key_eq(m, "calendar_interval");
			if (!osp_json_is(m, OSP_JSON_STRING) ||
			    parse_interval(m->u.str, &g->interval, &g->calendar_unit, cal) ||
			    (osp_json_key_eq(m, "interval") &&
			     parse_interval(m->u.str, &g->interval, &g->calendar_unit, true) &&
			     parse_interval(m->u.str, &g->interval, &g->calendar_unit, false))) {
				if (cal)
					return osp_err_illegal_argument(err,
						"The supplied interval [%s] could not be parsed as a calendar interval.",
						osp_json_is(m, OSP_JSON_STRING) ? m->u.str : "");
				return osp_err_illegal_argument(err,
					"failed to parse setting [date_histogram.fixedInterval] with value [%s] as a time value: unit is missing or unrecognized",
					osp_json_is(m, OSP_JSON_STRING) ? m->u.str : "");
			}
			has_interval = true;
		} else if (date && osp_json_key_eq(m, "format") && osp_json_is(m, OSP_JSON_STRING)) {
			g->format = osp_arena_strndup(a, m->u.str, m->len);
		} else if (date && osp_json_key_eq(m, "time_zone") && osp_json_is(m, OSP_JSON_STRING)) {
			/* parsed against date.h at execution; UTC / Z / +hh:mm here */
			const char *s = m->u.str;
			int sign = 1, hh = 0, mm = 0;
			if (strcmp(s, "UTC") && strcmp(s, "Z") && strcmp(s, "GMT") &&
			    strcmp(s, "Etc/UTC")) {
				if ((s[0] != '+' && s[0] != '-') ||
				    sscanf(s + 1, "%d:%d", &hh, &mm) < 1)
					return osp_err_illegal_argument(err, "Unknown time-zone ID: %s", s);
				sign = s[0] == '-' ? -1 : 1;
			}
			g->tz_offset_s = sign * (hh * 3600 + mm * 60);
		} else if (date && osp_json_key_eq(m, "offset") && osp_json_is(m, OSP_JSON_STRING)) {
			char unit;
			double ms;
			const char *s = m->u.str;
			bool neg = s[0] == '-';
			if (parse_interval(s + (neg || s[0] == '+'), &ms, &unit, false))
				return osp_err_illegal_argument(err, "failed to parse [offset] value [%s]", s);
			g->offset = neg ? -ms : ms;
		} else if (histo && osp_json_key_eq(m, "extended_bounds")) {
			const osp_json_t *mn = osp_json_get(m, "min"), *mx = osp_json_get(m, "max");
			if (!osp_json_is(mn, OSP_JSON_NUMBER) || !osp_json_is(mx, OSP_JSON_NUMBER))
				return st_dsl_perr(err, "[extended_bounds] needs numeric min and max");
			g->has_bounds = true;
			g->bounds_min = mn->d;
			g->bounds_max = mx->d;
		} else if (g->kind == ST_AGG_CARDINALITY && osp_json_key_eq(m, "precision_threshold")) {
			if (st_dsl_int(m, &x) || x < 0)
				return st_dsl_xerr(err, "[cardinality] failed to parse field [precision_threshold]");
			g->precision_threshold = x > 40000 ? 40000 : (uint32_t)x;
		} else if (osp_json_key_eq(m, "missing") || osp_json_key_eq(m, "show_term_doc_count_error") ||
			   osp_json_key_eq(m, "execution_hint") || osp_json_key_eq(m, "collect_mode")) {
			continue;
		} else {
			return st_dsl_xerr(err, "[%s] unknown field [%.*s]", type, (int)m->key_len, m->key);
		}
	}
	if (!g->field)
		return osp_err_illegal_argument(err, "Required [field] for aggregation [%s]", g->name);
	if (histo && !has_interval)
		return osp_err_illegal_argument(err, date
			? "Invalid interval specified, must be non-null and non-empty"
			: "[interval] must be >0 for histogram aggregation [%s]", g->name);
	if (g->kind == ST_AGG_RANGE && g->n_ranges == 0)
		return osp_err_illegal_argument(err, "No [ranges] specified for the [%s] aggregation", g->name);
	if (g->has_bounds && g->bounds_min > g->bounds_max)
		return osp_err_illegal_argument(err,
			"[extended_bounds.min][%g] cannot be greater than [extended_bounds.max][%g] for histogram aggregation [%s]",
			g->bounds_min, g->bounds_max, g->name);
	return 0;
}

static const struct { const char *name; st_agg_kind_t kind; } agg_types[] = {
	{ "terms", ST_AGG_TERMS }, { "range", ST_AGG_RANGE },
	{ "histogram", ST_AGG_HISTOGRAM }, { "date_histogram", ST_AGG_DATE_HISTOGRAM },
	{ "min", ST_AGG_MIN }, { "max", ST_AGG_MAX }, { "sum", ST_AGG_SUM },
	{ "avg", ST_AGG_AVG }, { "stats", ST_AGG_STATS }, { "value_count", ST_AGG_VALUE_COUNT },
	{ "cardinality", ST_AGG_CARDINALITY },
};

static int
parse_one(osp_arena_t *a, const osp_json_t *def, st_agg_t **out, osp_err_t *err)
{
	st_agg_t *g = osp_arena_calloc(a, sizeof(*g));
	const osp_json_t *type = NULL, *subs = NULL;
	int rc;

	if (!g)
		return -ENOMEM;
	g->name = st_dsl_key(a, def);
	if (!osp_json_is(def, OSP_JSON_OBJECT))
		return st_dsl_perr(err, "Expected [START_OBJECT] under [%s], but got a [%s] in [%s]",
				   g->name, st_dsl_token(def), g->name);
	OSP_JSON_FOREACH(m, def) {
		if (osp_json_key_eq(m, "aggs") || osp_json_key_eq(m, "aggregations")) {
			if (subs)
				return st_dsl_perr(err, "Found two sub aggregation definitions under [%s]", g->name);
			subs = m;
		} else if (osp_json_key_eq(m, "meta")) {
			continue;
		} else {
			size_t i, nt = sizeof(agg_types) / sizeof(agg_types[0]);
			if (type)
				return st_dsl_perr(err,
					"Found two aggregation type definitions in [%s]: [%.*s] and [%.*s]",
					g->name, (int)type->key_len, type->key, (int)m->key_len, m->key);
			for (i = 0; i < nt; i++)
				if (osp_json_key_eq(m, agg_types[i].name))
					break;
			if (i == nt)
				return st_dsl_perr(err, "Unknown aggregation type [%.*s]",
						   (int)m->key_len, m->key);
			g->kind = (uint8_t)agg_types[i].kind;
			type = m;
		}
	}
	if (!type)
		return st_dsl_perr(err, "Missing definition for aggregation [%s]", g->name);
	if ((rc = parse_body(a, st_dsl_key(a, type), type, g, err)))
		return rc;
	if (subs) {
		if (g->kind >= ST_AGG_MIN)
			return osp_err_set(err, 400, "aggregation_initialization_exception",
					   "Aggregator [%s] of type [%.*s] cannot accept sub-aggregations",
					   g->name, (int)type->key_len, type->key);
		if ((rc = st_aggs_parse(a, subs, &g->subs, &g->n_subs, err)))
			return rc;
	}
	*out = g;
	return 0;
}

int
st_aggs_parse(osp_arena_t *a, const osp_json_t *aggs, st_agg_t ***out, uint32_t *n,
	      osp_err_t *err)
{
	st_agg_t **arr;
	uint32_t i = 0;
	int rc;

	if (!osp_json_is(aggs, OSP_JSON_OBJECT))
		return st_dsl_perr(err, "Unknown key for a %s in [aggs].", st_dsl_token(aggs));
	arr = osp_arena_calloc(a, (aggs->len + 1) * sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	OSP_JSON_FOREACH(m, aggs) {
		for (uint32_t j = 0; j < i; j++)
			if (strlen(arr[j]->name) == m->key_len &&
			    memcmp(arr[j]->name, m->key, m->key_len) == 0)
				return st_dsl_perr(err, "Two sibling aggregations cannot have the same name: [%s]",
						   arr[j]->name);
		if ((rc = parse_one(a, m, &arr[i], err)))
			return rc;
		i++;
	}
	*out = arr;
	*n = i;
	return 0;
}
