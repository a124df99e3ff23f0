/*
 * ingest_proc_convert.c - processors that change a value's type: convert
 * (integer, long, float, double, boolean, string, ip, auto), date (parse
 * with Elasticsearch's formats into target_field, default @timestamp,
 * printed with output_format) and json (parse a string field as JSON, into
 * target_field or merged into the root with add_to_root).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "osprey/date.h"
#include "ingest_int.h"

/* ---- convert ---- */

static const char *const convert_types[] = {
	"integer", "long", "float", "double", "boolean", "string", "ip", "auto", NULL,
};

static int
convert_compile(ingest_cfg_t *c, dp_ingest_proc_t *p)
{
	int rc;

	if ((rc = ingest_cfg_str(c, "field", true, &p->field)) != 0 ||
	    (rc = ingest_cfg_str(c, "target_field", false, &p->target_field)) != 0 ||
	    (rc = ingest_cfg_bool(c, "ignore_missing", false, &p->ignore_missing)) != 0 ||
	    (rc = ingest_cfg_str(c, "type", true, &p->str)) != 0)
		return rc;
	for (int i = 0; convert_types[i]; i++)
		if (strcmp(p->str, convert_types[i]) == 0)
			return 0;
	return ingest_cfg_fail(c, "type", "[type] type [%s] not supported, cannot convert field.", p->str);
}

static bool
parse_long(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *e;
	int base = 10;
	const char *q = s;

	if (*q == '-' || *q == '+')
		q++;
	if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
		base = 16;
	if (*s == '\0' || *s == ' ')
		return false;
	errno = 0;
	long long x = strtoll(s, &e, base);

	if (errno || *e || x < lo || x > hi)
		return false;
	*out = x;
	return true;
}

static bool
parse_double(const char *s, double *out)
{
	char *e;

	if (*s == '\0' || *s == ' ')
		return false;
	*out = strtod(s, &e);
	return *e == '\0';
}

static int
convert_one(const dp_ingest_proc_t *p, dp_ingest_doc_t *d, const osp_json_t *v, osp_json_t **out,
	    osp_err_t *err)
{
	const char *t = p->str;
	const char *s = "null";
	int64_t i;
	double x;

	if (v->type == OSP_JSON_ARRAY || v->type == OSP_JSON_OBJECT || v->type == OSP_JSON_NULL)
		goto bad;
	if ((s = ingest_scalar_text(d->a, v)) == NULL)
		return -ENOMEM;
	if (strcmp(t, "integer") == 0 || strcmp(t, "long") == 0) {
		bool is_int = t[0] == 'i';

		if (!parse_long(s, is_int ? INT32_MIN : INT64_MIN, is_int ? INT32_MAX : INT64_MAX, &i))
			goto bad;
		*out = osp_json_new_int(d->a, i);
	} else if (strcmp(t, "float") == 0 || strcmp(t, "double") == 0) {
		if (!parse_double(s, &x))
			goto bad;
		if (t[0] == 'f')
			x = (double)(float)x;
		*out = osp_json_new_double(d->a, x);
	} else if (strcmp(t, "boolean") == 0) {
		if (strcasecmp(s, "true") != 0 && strcasecmp(s, "false") != 0)
			return osp_err_set(err, 400, "illegal_argument_exception",
					   "[%s] is not a boolean value, cannot convert to boolean", s);
		*out = osp_json_new_bool(d->a, strcasecmp(s, "true") == 0);
	} else if (strcmp(t, "ip") == 0) {
		unsigned char buf[16];

		if (inet_pton(AF_INET, s, buf) != 1 && inet_pton(AF_INET6, s, buf) != 1)
			return osp_err_set(err, 400, "illegal_argument_exception",
					   "'%s' is not an IP string literal.", s);
		*out = osp_json_new_string(d->a, s, strlen(s));
	} else if (strcmp(t, "auto") == 0) {
		if (v->type != OSP_JSON_STRING)
			*out = osp_json_clone(d->a, v);
		else if (parse_long(s, INT64_MIN, INT64_MAX, &i))
			*out = osp_json_new_int(d->a, i);
		else if (parse_double(s, &x))
			*out = osp_json_new_double(d->a, x);
		else if (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0)
			*out = osp_json_new_bool(d->a, strcasecmp(s, "true") == 0);
		else
			*out = osp_json_clone(d->a, v);
	} else {
		*out = osp_json_new_string(d->a, s, strlen(s));
	}
	return *out ? 0 : -ENOMEM;
bad:
	return osp_err_set(err, 400, "illegal_argument_exception", "unable to convert [%s] to %s",
			   v->type == OSP_JSON_STRING || v->type == OSP_JSON_NUMBER || v->type == OSP_JSON_BOOL ? s
										  : ingest_java_type(v), t);
}

static int
convert_run(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d, osp_err_t *err)
{
	osp_json_t *v = ingest_doc_get(d, p->field), *nv;
	int rc;

	(void)run;
	if (v == NULL || v->type == OSP_JSON_NULL) {
		if (p->ignore_missing)
			return 0;
		if (v == NULL)
			return ingest_doc_need(d, p->field, &v, err);
		return osp_err_set(err, 400, "illegal_argument_exception", "Field [%s] is null, cannot be converted to type [%s]",
				   p->field, p->str);
	}
	if (v->type == OSP_JSON_ARRAY) {
		nv = osp_json_new_array(d->a);
		if (nv == NULL)
			return -ENOMEM;
		OSP_JSON_FOREACH(e, v) {
			osp_json_t *c;

			if ((rc = convert_one(p, d, e, &c, err)) != 0)
				return rc;
			if (osp_json_append(d->a, nv, NULL, 0, c) != 0)
				return -ENOMEM;
		}
	} else if ((rc = convert_one(p, d, v, &nv, err)) != 0) {
		return rc;
	}
	return ingest_doc_set(d, p->target_field ? p->target_field : p->field, nv, err);
}

/* ---- date ---- */

/* Elasticsearch's ingest names for formats, mapped to date.h specs. */
static const char *
date_spec(const char *f)
{
	if (strcmp(f, "ISO8601") == 0)
		return "date_optional_time";
	if (strcmp(f, "UNIX") == 0)
		return "epoch_second";
	if (strcmp(f, "UNIX_MS") == 0)
		return "epoch_millis";
	return f;
}

static int
date_compile(ingest_cfg_t *c, dp_ingest_proc_t *p)
{
	st_date_format_t *f;
	const char *locale;
	int32_t off;
	int rc;

	if ((rc = ingest_cfg_str(c, "field", true, &p->field)) != 0 ||
	    (rc = ingest_cfg_str(c, "target_field", false, &p->target_field)) != 0 ||
	    (rc = ingest_cfg_strs(c, "formats", true, &p->fields, &p->n_fields)) != 0 ||
	    (rc = ingest_cfg_str(c, "timezone", false, &p->str2)) != 0 ||
	    (rc = ingest_cfg_str(c, "locale", false, &locale)) != 0 ||
	    (rc = ingest_cfg_str(c, "output_format", false, &p->str)) != 0)
		return rc;
	if (p->target_field == NULL)
		p->target_field = "@timestamp";
	if (p->str == NULL)
		p->str = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";
	if (p->str2 && strchr(p->str2, '{') == NULL && st_date_tz_parse(p->str2, strlen(p->str2), &off) != 0)
		return ingest_cfg_fail(c, "timezone", "[timezone] Unknown time-zone ID: %s", p->str2);
	for (uint32_t i = 0; i < p->n_fields; i++) {
		const char *spec = date_spec(p->fields[i]);

		if (strcmp(p->fields[i], "TAI64N") == 0)
			return ingest_cfg_fail(c, "formats", "[formats] format [TAI64N] is not supported");
		if (st_date_format_compile(c->a, spec, strlen(spec), &f, c->err) != 0)
			return ingest_cfg_fail(c, "formats", "[formats] invalid date format [%s]", p->fields[i]);
	}
	if (st_date_format_compile(c->a, p->str, strlen(p->str), &f, c->err) != 0)
		return ingest_cfg_fail(c, "output_format", "[output_format] invalid date format [%s]", p->str);
	return 0;
}

static int
date_run(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d, osp_err_t *err)
{
	st_date_format_t *f;
	osp_json_t *v;
	const char *s, *tz = NULL;
	int32_t off = 0;
	int64_t ms = 0;
	char out[64];
	bool ok = false;
	int rc;

	(void)run;
	if ((rc = ingest_doc_need(d, p->field, &v, err)) != 0)
		return rc;
	if ((s = ingest_scalar_text(d->a, v)) == NULL)
		return osp_err_set(err, 400, "illegal_argument_exception", "unable to parse date [%s]",
				   ingest_java_type(v));
	if (p->str2 && (rc = ingest_doc_render(d, p->str2, &tz, err)) != 0)
		return rc;
	if (tz && st_date_tz_parse(tz, strlen(tz), &off) != 0)
		return osp_err_set(err, 400, "illegal_argument_exception", "Unknown time-zone ID: %s", tz);
	for (uint32_t i = 0; i < p->n_fields && !ok; i++) {
		const char *spec = date_spec(p->fields[i]);

		if (st_date_format_compile(d->a, spec, strlen(spec), &f, err) == 0 &&
		    st_date_parse(f, s, strlen(s), off, &ms) == 0)
			ok = true;
	}
	if (!ok)
		return osp_err_set(err, 400, "illegal_argument_exception", "unable to parse date [%s]", s);
	if (st_date_format_compile(d->a, p->str, strlen(p->str), &f, err) != 0 ||
	    st_date_format_millis(f, ms, off, out, sizeof(out)) < 0)
		return osp_err_set(err, 400, "illegal_argument_exception", "unable to format date [%s]", s);
	return ingest_doc_set(d, p->target_field, osp_json_new_string(d->a, out, strlen(out)), err);
}

/* ---- json ---- */

static int
json_compile(ingest_cfg_t *c, dp_ingest_proc_t *p)
{
	int rc;

	if ((rc = ingest_cfg_str(c, "field", true, &p->field)) != 0 ||
	    (rc = ingest_cfg_str(c, "target_field", false, &p->target_field)) != 0 ||
	    (rc = ingest_cfg_bool(c, "add_to_root", false, &p->flag)) != 0)
		return rc;
	ingest_cfg_get(c, "add_to_root_conflict_strategy");
	ingest_cfg_get(c, "allow_duplicate_keys");
	if (p->flag && p->target_field)
		return ingest_cfg_fail(c, "target_field",
				       "[target_field] Cannot set a target field while also setting `add_to_root` to true");
	return 0;
}

static int
json_run(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d, osp_err_t *err)
{
	osp_json_error_t jerr;
	osp_json_t *v, *parsed;
	int rc;

	(void)run;
	if ((rc = ingest_doc_need(d, p->field, &v, err)) != 0)
		return rc;
	if (v->type != OSP_JSON_STRING) {
		/* already structured: nothing to parse */
		parsed = v;
	} else if (osp_json_parse(d->a, v->u.str, v->len, NULL, &parsed, &jerr) != 0) {
		return osp_err_set(err, 400, "illegal_argument_exception", "%s", jerr.msg);
	}
	if (!p->flag)
		return ingest_doc_set(d, p->target_field ? p->target_field : p->field, parsed, err);
	if (!osp_json_is(parsed, OSP_JSON_OBJECT))
		return osp_err_set(err, 400, "illegal_argument_exception",
				   "cannot add non-map fields to root of document");
	OSP_JSON_FOREACH(m, parsed) {
		char *k = osp_arena_strndup(d->a, m->key, m->key_len);

		if (k == NULL)
			return -ENOMEM;
		/* keys are literal here: a dotted key stays one member */
		if (strchr(k, '.') != NULL) {
			if (osp_json_append(d->a, d->src, k, m->key_len, osp_json_clone(d->a, m)) != 0)
				return -ENOMEM;
		} else if ((rc = ingest_doc_set(d, k, m, err)) != 0) {
			return rc;
		}
	}
	return 0;
}

const ingest_kind_t ingest_kind_convert = { "convert", convert_compile, convert_run };
const ingest_kind_t ingest_kind_date = { "date", date_compile, date_run };
const ingest_kind_t ingest_kind_json = { "json", json_compile, json_run };
