/*
 * ingest_proc_text.c - processors that rewrite one string field (or each
 * string of a list): lowercase, uppercase, trim, gsub, split, join. They
 * share Elasticsearch's AbstractStringProcessor contract: field,
 * target_field (default: field), ignore_missing; a missing or null field
 * fails unless ignore_missing. Case mapping is Unicode (utf8proc), as
 * Java's toLowerCase(Locale.ROOT). Regexes are POSIX extended (glibc).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "ingest_int.h"

typedef int (*str_fn_t)(const dp_ingest_proc_t *p, const char *s, size_t n, osp_buf_t *out);

static int
str_compile(ingest_cfg_t *c, dp_ingest_proc_t *p)
{
	int rc;

	if ((rc = ingest_cfg_str(c, "field", true, &p->field)) != 0 ||
	    (rc = ingest_cfg_str(c, "target_field", false, &p->target_field)) != 0 ||
	    (rc = ingest_cfg_bool(c, "ignore_missing", false, &p->ignore_missing)) != 0)
		return rc;
	return 0;
}

/* The field's value for a string processor: 1 when it is to be skipped
 * (missing/null with ignore_missing), 0 with *out, or an error. */
static int
str_source(const dp_ingest_proc_t *p, dp_ingest_doc_t *d, const char **field, osp_json_t **out,
	   osp_err_t *err)
{
	int rc;

	if ((rc = ingest_doc_render(d, p->field, field, err)) != 0)
		return rc;
	*out = ingest_doc_get(d, *field);
	if (*out == NULL || (*out)->type == OSP_JSON_NULL) {
		if (p->ignore_missing)
			return 1;
		if (*out == NULL)
			return ingest_doc_need(d, *field, out, err);
		return osp_err_set(err, 400, "illegal_argument_exception",
				   "field [%s] is null, cannot process it.", *field);
	}
	return 0;
}

static int
str_apply(const dp_ingest_proc_t *p, dp_ingest_doc_t *d, const char *field, const osp_json_t *v,
	  str_fn_t fn, osp_json_t **out, osp_err_t *err)
{
	osp_buf_t b;
	int rc;

	if (ingest_need_string(field, v, err) != 0)
		return -EINVAL;
	osp_buf_init(&b);
	rc = fn(p, v->u.str, v->len, &b);
	if (rc == 0 && b.failed)
		rc = -ENOMEM;
	if (rc == 0) {
		*out = osp_json_new_string(d->a, b.data ? b.data : "", b.len);
		if (*out == NULL)
			rc = -ENOMEM;
	}
	osp_buf_free(&b);
	return rc;
}

static int
str_run(const dp_ingest_proc_t *p, dp_ingest_doc_t *d, str_fn_t fn, osp_err_t *err)
{
	const char *field;
	osp_json_t *v, *nv;
	int rc = str_source(p, d, &field, &v, err);

	if (rc != 0)
		return rc > 0 ? 0 : rc;
	if (v->type == OSP_JSON_ARRAY) {
		nv = osp_json_new_array(d->a);
		if (nv == NULL)
			return -ENOMEM;
		OSP_JSON_FOREACH(e, v) {
			osp_json_t *s;

			if ((rc = str_apply(p, d, field, e, fn, &s, err)) != 0)
				return rc;
			if (osp_json_append(d->a, nv, NULL, 0, s) != 0)
				return -ENOMEM;
		}
	} else if ((rc = str_apply(p, d, field, v, fn, &nv, err)) != 0) {
		return rc;
	}
	return ingest_doc_set(d, p->target_field ? p->target_field : field, nv, err);
}

static int
case_map(const char *s, size_t n, osp_buf_t *out, bool upper)
{
	size_t i = 0;

	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
		utf8proc_uint8_t enc[4];

		if (k <= 0) {
			osp_buf_putc(out, s[i++]);
			continue;
		}
		cp = upper ? utf8proc_toupper(cp) : utf8proc_tolower(cp);
		osp_buf_append(out, enc, (size_t)utf8proc_encode_char(cp, enc));
		i += (size_t)k;
	}
	return 0;
}

static int
lower_fn(const dp_ingest_proc_t *p, const char *s, size_t n, osp_buf_t *out)
{
	(void)p;
	return case_map(s, n, out, false);
}

static int
upper_fn(const dp_ingest_proc_t *p, const char *s, size_t n, osp_buf_t *out)
{
	(void)p;
	return case_map(s, n, out, true);
}

/* Java's String.trim: strips code points <= U+0020 at both ends. */
static int
trim_fn(const dp_ingest_proc_t *p, const char *s, size_t n, osp_buf_t *out)
{
	(void)p;
	while (n && (unsigned char)*s <= ' ') {
		s++;
		n--;
	}
	while (n && (unsigned char)s[n - 1] <= ' ')
		n--;
	osp_buf_append(out, s, n);
	return 0;
}

int
dp_ingest_regex_replace(const regex_t *re, const char *s, size_t n, const char *repl, osp_buf_t *out)
{
	char *str = strndup(s, n);
	const char *cur;
	regmatch_t m[10];
	int flags = 0;

	if (str == NULL)
		return -ENOMEM;
	cur = str;
	while (*cur && regexec(re, cur, 10, m, flags) == 0) {
		osp_buf_append(out, cur, (size_t)m[0].rm_so);
		for (const char *r = repl; *r; r++) {
			if (*r == '\\' && r[1]) {
				osp_buf_putc(out, *++r);
			} else if (*r == '$' && (r[1] >= '0' && r[1] <= '9')) {
				int g = *++r - '0';

				if (m[g].rm_so >= 0)
					osp_buf_append(out, cur + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
			} else {
				osp_buf_putc(out, *r);
			}
		}
		if (m[0].rm_eo == m[0].rm_so) {
			/* empty match: copy one character and move on */
			if (cur[m[0].rm_eo] == '\0')
				break;
			osp_buf_putc(out, cur[m[0].rm_eo]);
			cur += m[0].rm_eo + 1;
		} else {
			cur += m[0].rm_eo;
		}
		flags = REG_NOTBOL;
	}
	osp_buf_puts(out, cur);
	free(str);
	return 0;
}

static int
gsub_fn(const dp_ingest_proc_t *p, const char *s, size_t n, osp_buf_t *out)
{
	return dp_ingest_regex_replace(p->re, s, n, p->str, out);
}

static int
lower_run(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d, osp_err_t *err)
{
	(void)run;
	return str_run(p, d, lower_fn, err);
}

static int
upper_run(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d, osp_err_t *err)
{
	(void)run;
	return str_run(p, d, upper_fn, err);
}

static int
trim_run(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d, osp_err_t *err)
{
	(void)run;
	return str_run(p, d, trim_fn, err);
}

static int
gsub_compile(ingest_cfg_t *c, dp_ingest_proc_t *p)
{
	const char *pattern;
	int rc;

	if ((rc = str_compile(c, p)) != 0 ||
	    (rc = ingest_cfg_str(c, "pattern", true, &pattern)) != 0 ||
	    (rc = ingest_cfg_str(c, "replacement", true, &p->str)) != 0)
		return rc;
	return ingest_cfg_regex(c, "pattern", pattern, &p->re);
}

static int
gsub_run(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d, osp_err_t *err)
{
	(void)run;
	return str_run(p, d, gsub_fn, err);
}

/* ---- split ---- */

static int
split_compile(ingest_cfg_t *c, dp_ingest_proc_t *p)
{
	const char *sep;
	int rc;

	if ((rc = str_compile(c, p)) != 0 ||
	    (rc = ingest_cfg_str(c, "separator", true, &sep)) != 0 ||
	    (rc = ingest_cfg_bool(c, "preserve_trailing", false, &p->flag)) != 0)
		return rc;
	return ingest_cfg_regex(c, "separator", sep, &p->re);
}

/* Java's String.split(regex[, -1]). */
static int
split_run(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d, osp_err_t *err)
{
	const char *field;
	osp_json_t *v, *list;
	regmatch_t m;
	int flags = 0;
	int rc = str_source(p, d, &field, &v, err);

	(void)run;
	if (rc != 0)
		return rc > 0 ? 0 : rc;
	if (ingest_need_string(field, v, err) != 0)
		return -EINVAL;
	list = osp_json_new_array(d->a);
	if (list == NULL)
		return -ENOMEM;
	const char *s = v->u.str;
	size_t len = v->len, pos = 0, piece = 0;

	while (pos < len && regexec(p->re, s + pos, 1, &m, flags) == 0) {
		size_t ms = pos + (size_t)m.rm_so, me = pos + (size_t)m.rm_eo;

		flags = REG_NOTBOL;
		if (me == ms && (ms == 0 || ms >= len)) {
			/* zero-width match at either end: no piece */
			pos = ms + 1;
			continue;
		}
		if (osp_json_append(d->a, list, NULL, 0, osp_json_new_string(d->a, s + piece, ms - piece)) != 0)
			return -ENOMEM;
		piece = me;
		pos = me > ms ? me : ms + 1;
	}
	if (osp_json_append(d->a, list, NULL, 0, osp_json_new_string(d->a, s + piece, len - piece)) != 0)
		return -ENOMEM;
	if (!p->flag) {
		/* drop trailing empty strings, as split(regex) does */
		while (list->len > 1 && list->last->len == 0) {
			osp_json_t *prev = NULL;

			OSP_JSON_FOREACH(e, list) {
				if (e->next == NULL)
					break;
				prev = e;
			}
			prev->next = NULL;
			list->last = prev;
			list->len--;
		}
	}
	return ingest_doc_set(d, p->target_field ? p->target_field : field, list, err);
}

/* ---- join ---- */

static int
join_compile(ingest_cfg_t *c, dp_ingest_proc_t *p)
{
	int rc;

	if ((rc = ingest_cfg_str(c, "field", true, &p->field)) != 0 ||
	    (rc = ingest_cfg_str(c, "separator", true, &p->str)) != 0 ||
	    (rc = ingest_cfg_str(c, "target_field", false, &p->target_field)) != 0)
		return rc;
	return 0;
}

static int
join_run(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d, osp_err_t *err)
{
	osp_json_t *v, *s;
	osp_buf_t b;
	bool first = true;
	int rc;

	(void)run;
	if ((rc = ingest_doc_need(d, p->field, &v, err)) != 0)
		return rc;
	if (v->type != OSP_JSON_ARRAY)
		return osp_err_set(err, 400, "illegal_argument_exception",
				   "field [%s] of type [%s] cannot be cast to [java.util.List]", p->field,
				   ingest_java_type(v));
	osp_buf_init(&b);
	OSP_JSON_FOREACH(e, v) {
		osp_jw_t w;

		if (!first)
			osp_buf_puts(&b, p->str);
		first = false;
		if (e->type == OSP_JSON_STRING) {
			osp_buf_append(&b, e->u.str, e->len);
		} else {
			osp_jw_init(&w, &b, 0);
			osp_jw_value(&w, e);
		}
	}
	s = osp_json_new_string(d->a, b.data ? b.data : "", b.len);
	osp_buf_free(&b);
	if (s == NULL)
		return -ENOMEM;
	return ingest_doc_set(d, p->target_field ? p->target_field : p->field, s, err);
}

const ingest_kind_t ingest_kind_lowercase = { "lowercase", str_compile, lower_run };
const ingest_kind_t ingest_kind_uppercase = { "uppercase", str_compile, upper_run };
const ingest_kind_t ingest_kind_trim = { "trim", str_compile, trim_run };
const ingest_kind_t ingest_kind_gsub = { "gsub", gsub_compile, gsub_run };
const ingest_kind_t ingest_kind_split = { "split", split_compile, split_run };
const ingest_kind_t ingest_kind_join = { "join", join_compile, join_run };
