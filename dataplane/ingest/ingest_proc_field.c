/*
 * ingest_proc_field.c - processors that move fields around or steer the
 * pipeline: set, remove, rename, append, dot_expander, fail, drop, pipeline,
 * and script (refused: Painless is not available). Semantics and messages
 * follow Elasticsearch's processors of the same names.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ingest_int.h"

/* Clone v with every string leaf rendered as a template over d. */
static int
render_value(const dp_ingest_doc_t *d, const osp_json_t *v, osp_json_t **out, osp_err_t *err)
{
	int rc;

	if (v->type == OSP_JSON_STRING) {
		const char *s;

		if ((rc = ingest_doc_render(d, v->u.str, &s, err)) != 0)
			return rc;
		*out = s == v->u.str ? osp_json_clone(d->a, v) : osp_json_new_string(d->a, s, strlen(s));
		return *out ? 0 : -ENOMEM;
	}
	if (v->type != OSP_JSON_ARRAY && v->type != OSP_JSON_OBJECT) {
		*out = osp_json_clone(d->a, v);
		return *out ? 0 : -ENOMEM;
	}
	*out = v->type == OSP_JSON_ARRAY ? osp_json_new_array(d->a) : osp_json_new_object(d->a);
	if (*out == NULL)
		return -ENOMEM;
	OSP_JSON_FOREACH(e, v) {
		osp_json_t *c;

		if ((rc = render_value(d, e, &c, err)) != 0)
			return rc;
		if (osp_json_append(d->a, *out, e->key, e->key_len, c) != 0)
			return -ENOMEM;
	}
	return 0;
}

/* ---- set ---- */

static int
set_compile(ingest_cfg_t *c, dp_ingest_proc_t *p)
{
	int rc;

	if ((rc = ingest_cfg_str(c, "field", true, &p->field)) != 0 ||
	    (rc = ingest_cfg_str(c, "copy_from", false, &p->copy_from)) != 0 ||
	    (rc = ingest_cfg_bool(c, "override", true, &p->override)) != 0 ||
	    (rc = ingest_cfg_bool(c, "ignore_empty_value", false, &p->flag)) != 0)
		return rc;
	p->value = ingest_cfg_get(c, "value");
	if (p->copy_from && p->value)
		return ingest_cfg_fail(c, "copy_from", "[copy_from] cannot set both `copy_from` and `value` in the same processor");
	if (p->copy_from == NULL && p->value == NULL)
		return ingest_cfg_fail(c, "value", "[value] required property is missing");
	return 0;
}

static int
set_run(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d, osp_err_t *err)
{
	const char *field;
	osp_json_t *v;
	int rc;

	(void)run;
	if ((rc = ingest_doc_render(d, p->field, &field, err)) != 0)
		return rc;
	if (!p->override) {
		const osp_json_t *cur = ingest_doc_get(d, field);

		if (cur && cur->type != OSP_JSON_NULL)
			return 0;
	}
	if (p->copy_from) {
		if ((rc = ingest_doc_need(d, p->copy_from, &v, err)) != 0)
			return rc;
		v = osp_json_clone(d->a, v);
		if (v == NULL)
			return -ENOMEM;
	} else if ((rc = render_value(d, p->value, &v, err)) != 0) {
		return rc;
	}
	if (p->flag && (v->type == OSP_JSON_NULL || (v->type == OSP_JSON_STRING && v->len == 0)))
		return 0;
	return ingest_doc_set(d, field, v, err);
}

/* ---- remove ---- */

static int
remove_compile(ingest_cfg_t *c, dp_ingest_proc_t *p)
{
	int rc;

	if ((rc = ingest_cfg_strs(c, "field", true, &p->fields, &p->n_fields)) != 0 ||
	    (rc = ingest_cfg_bool(c, "ignore_missing", false, &p->ignore_missing)) != 0)
		return rc;
	return 0;
}

static int
remove_run(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d, osp_err_t *err)
{
	(void)run;
	for (uint32_t i = 0; i < p->n_fields; i++) {
		const char *f;
		int rc = ingest_doc_render(d, p->fields[i], &f, err);

		if (rc != 0)
			return rc;
		rc = ingest_doc_remove(d, f, err);
		if (rc == -ENOENT && p->ignore_missing)
			continue;
		if (rc != 0)
			return rc == -ENOENT ? -EINVAL : rc;
	}
	return 0;
}

/* ---- rename ---- */

static int
rename_compile(ingest_cfg_t *c, dp_ingest_proc_t *p)
{
	int rc;

	if ((rc = ingest_cfg_str(c, "field", true, &p->field)) != 0 ||
	    (rc = ingest_cfg_str(c, "target_field", true, &p->target_field)) != 0 ||
	    (rc = ingest_cfg_bool(c, "ignore_missing", false, &p->ignore_missing)) != 0 ||
	    (rc = ingest_cfg_bool(c, "override", false, &p->override)) != 0)
		return rc;
	return 0;
}

static int
rename_run(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d, osp_err_t *err)
{
	const char *from, *to;
	osp_json_t *v;
	int rc;

	(void)run;
	if ((rc = ingest_doc_render(d, p->field, &from, err)) != 0 ||
	    (rc = ingest_doc_render(d, p->target_field, &to, err)) != 0)
		return rc;
	v = ingest_doc_get(d, from);
	if (v == NULL) {
		if (p->ignore_missing)
			return 0;
		return osp_err_set(err, 400, "illegal_argument_exception", "field [%s] doesn't exist", from);
	}
	if (!p->override && ingest_doc_get(d, to) != NULL)
		return osp_err_set(err, 400, "illegal_argument_exception", "field [%s] already exists", to);
	v = osp_json_clone(d->a, v);
	if (v == NULL)
		return -ENOMEM;
	if ((rc = ingest_doc_remove(d, from, err)) != 0)
		return rc == -ENOENT ? -EINVAL : rc;
	return ingest_doc_set(d, to, v, err);
}

/* ---- append ---- */

static int
append_compile(ingest_cfg_t *c, dp_ingest_proc_t *p)
{
	int rc;

	if ((rc = ingest_cfg_str(c, "field", true, &p->field)) != 0 ||
	    (rc = ingest_cfg_bool(c, "allow_duplicates", true, &p->flag)) != 0)
		return rc;
	p->value = ingest_cfg_get(c, "value");
	if (p->value == NULL)
		return ingest_cfg_fail(c, "value", "[value] required property is missing");
	return 0;
}

static int
append_run(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d, osp_err_t *err)
{
	const char *field;
	osp_json_t *v;
	int rc;

	(void)run;
	if ((rc = ingest_doc_render(d, p->field, &field, err)) != 0 ||
	    (rc = render_value(d, p->value, &v, err)) != 0)
		return rc;
	return ingest_doc_append(d, field, v, p->flag, err);
}

/* ---- dot_expander ---- */

static int
dot_compile(ingest_cfg_t *c, dp_ingest_proc_t *p)
{
	int rc;

	if ((rc = ingest_cfg_str(c, "field", true, &p->field)) != 0 ||
	    (rc = ingest_cfg_str(c, "path", false, &p->str)) != 0 ||
	    (rc = ingest_cfg_bool(c, "override", false, &p->override)) != 0)
		return rc;
	if (strcmp(p->field, "*") != 0 && strchr(p->field, '.') == NULL)
		return ingest_cfg_fail(c, "field", "[field] field does not contain a dot and is not a wildcard");
	return 0;
}

/* Expand the member m (a dotted key) of obj into nested objects. */
static int
dot_expand_one(dp_ingest_doc_t *d, const dp_ingest_proc_t *p, osp_json_t *obj, const char *key,
	       osp_err_t *err)
{
	osp_json_t *prev = NULL, *m = NULL;
	char *path;
	int rc;

	OSP_JSON_FOREACH(it, obj) {
		if (osp_json_key_eq(it, key)) {
			m = it;
			break;
		}
		prev = it;
	}
	if (m == NULL)
		return 0;
	/* unlink the flat member, then set it through a path under obj */
	if (prev)
		prev->next = m->next;
	else
		obj->u.child = m->next;
	if (obj->last == m)
		obj->last = prev;
	obj->len--;
	dp_ingest_doc_t sub = *d;

	sub.src = obj;
	path = osp_arena_strndup(d->a, key, strlen(key));
	if (path == NULL)
		return -ENOMEM;
	if (!p->override && ingest_doc_get(&sub, path) != NULL)
		rc = ingest_doc_append(&sub, path, m, true, err);
	else
		rc = ingest_doc_set(&sub, path, m, err);
	return rc;
}

static int
dot_run(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d, osp_err_t *err)
{
	osp_json_t *obj = d->src;
	int rc;

	(void)run;
	if (p->str != NULL) {
		obj = ingest_doc_get(d, p->str);
		if (!osp_json_is(obj, OSP_JSON_OBJECT))
			return 0;
	}
	if (strcmp(p->field, "*") != 0)
		return dot_expand_one(d, p, obj, p->field, err);
	for (osp_json_t *m = obj->u.child, *next; m; m = next) {
		next = m->next;
		if (memchr(m->key, '.', m->key_len) == NULL)
			continue;
		char *k = osp_arena_strndup(d->a, m->key, m->key_len);

		if (k == NULL)
			return -ENOMEM;
		if ((rc = dot_expand_one(d, p, obj, k, err)) != 0)
			return rc;
	}
	return 0;
}

/* ---- fail, drop ---- */

static int
fail_compile(ingest_cfg_t *c, dp_ingest_proc_t *p)
{
	return ingest_cfg_str(c, "message", true, &p->str);
}

static int
fail_run(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d, osp_err_t *err)
{
	const char *msg;
	int rc;

	(void)run;
	if ((rc = ingest_doc_render(d, p->str, &msg, err)) != 0)
		return rc;
	osp_err_set(err, 500, "fail_processor_exception", "%s", msg);
	return -EINVAL;
}

static int
drop_compile(ingest_cfg_t *c, dp_ingest_proc_t *p)
{
	(void)c;
	(void)p;
	return 0;
}

static int
drop_run(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d, osp_err_t *err)
{
	(void)run;
	(void)p;
	(void)err;
	d->dropped = true;
	return 0;
}

/* ---- pipeline ---- */

static int
pipeline_compile(ingest_cfg_t *c, dp_ingest_proc_t *p)
{
	int rc;

	if ((rc = ingest_cfg_str(c, "name", true, &p->str)) != 0 ||
	    (rc = ingest_cfg_bool(c, "ignore_missing_pipeline", false, &p->flag)) != 0)
		return rc;
	return 0;
}

static int
pipeline_run(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d, osp_err_t *err)
{
	const osp_json_t *body = NULL;
	dp_ingest_pipeline_t *sub;
	const char *name;
	int rc;

	if ((rc = ingest_doc_render(d, p->str, &name, err)) != 0)
		return rc;
	if (run->lookup)
		body = run->lookup(run->lookup_ctx, name);
	if (body == NULL) {
		if (p->flag)
			return 0;
		return osp_err_set(err, 500, "illegal_state_exception",
				   "Pipeline processor configured for non-existent pipeline [%s]", name);
	}
	for (int i = 0; i < run->depth; i++)
		if (strcmp(run->stack[i], name) == 0)
			return osp_err_set(err, 500, "graph_structure_exception",
					   "Cycle detected for pipeline: %s", name);
	if ((rc = dp_ingest_pipeline_compile(d->a, name, body, &sub, err)) != 0)
		return rc;
	return dp_ingest_pipeline_run(run, sub, d, err);
}

/* ---- script (refused) ---- */

static int
script_compile(ingest_cfg_t *c, dp_ingest_proc_t *p)
{
	const char *lang = NULL;
	int rc;

	(void)p;
	if ((rc = ingest_cfg_str(c, "lang", false, &lang)) != 0)
		return rc;
	return osp_err_set(c->err, 400, "illegal_argument_exception", "script_lang not supported [%s]",
			   lang ? lang : "painless");
}

static int
script_run(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d, osp_err_t *err)
{
	(void)run;
	(void)p;
	(void)d;
	return osp_err_set(err, 400, "illegal_argument_exception", "script_lang not supported [painless]");
}

const ingest_kind_t ingest_kind_set = { "set", set_compile, set_run };
const ingest_kind_t ingest_kind_remove = { "remove", remove_compile, remove_run };
const ingest_kind_t ingest_kind_rename = { "rename", rename_compile, rename_run };
const ingest_kind_t ingest_kind_append = { "append", append_compile, append_run };
const ingest_kind_t ingest_kind_dot_expander = { "dot_expander", dot_compile, dot_run };
const ingest_kind_t ingest_kind_fail = { "fail", fail_compile, fail_run };
const ingest_kind_t ingest_kind_drop = { "drop", drop_compile, drop_run };
const ingest_kind_t ingest_kind_pipeline = { "pipeline", pipeline_compile, pipeline_run };
const ingest_kind_t ingest_kind_script = { "script", script_compile, script_run };
