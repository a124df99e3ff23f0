/*
 * ingest_pipeline.c - compiling a pipeline body and running it (dp_ingest.h),
 * with Elasticsearch's failure handling: a failing processor with
 * ignore_failure is skipped; one with its own on_failure runs that chain and
 * the pipeline goes on; otherwise the pipeline's on_failure chain (if any)
 * handles the failure and ends the pipeline, else the failure ends the
 * document's indexing. While an on_failure chain runs, _ingest holds
 * on_failure_message, on_failure_processor_type, on_failure_processor_tag
 * and on_failure_pipeline.
 */
#include <errno.h>
#include <string.h>

#include "ingest_int.h"

extern const ingest_kind_t ingest_kind_set, ingest_kind_remove, ingest_kind_rename,
	ingest_kind_append, ingest_kind_dot_expander, ingest_kind_fail, ingest_kind_drop,
	ingest_kind_pipeline, ingest_kind_script, ingest_kind_lowercase, ingest_kind_uppercase,
	ingest_kind_trim, ingest_kind_gsub, ingest_kind_split, ingest_kind_join,
	ingest_kind_convert, ingest_kind_date, ingest_kind_json;

/* Sorted by name (GET _nodes lists processors in this order). */
static const ingest_kind_t *const kinds[] = {
	&ingest_kind_append, &ingest_kind_convert, &ingest_kind_date, &ingest_kind_dot_expander,
	&ingest_kind_drop, &ingest_kind_fail, &ingest_kind_gsub, &ingest_kind_join,
	&ingest_kind_json, &ingest_kind_lowercase, &ingest_kind_pipeline, &ingest_kind_remove,
	&ingest_kind_rename, &ingest_kind_script, &ingest_kind_set, &ingest_kind_split,
	&ingest_kind_trim, &ingest_kind_uppercase, NULL,
};

const char *const dp_ingest_processor_names[] = {
	"append", "convert", "date", "dot_expander", "drop", "fail", "gsub", "join", "json",
	"lowercase", "pipeline", "remove", "rename", "script", "set", "split", "trim", "uppercase",
	NULL,
};

const ingest_kind_t *
ingest_kind_find(const char *name)
{
	for (int i = 0; kinds[i]; i++)
		if (strcmp(kinds[i]->name, name) == 0)
			return kinds[i];
	return NULL;
}

const char *
dp_ingest_proc_type(const dp_ingest_proc_t *p)
{
	return p->kind->name;
}

const char *
dp_ingest_proc_tag(const dp_ingest_proc_t *p)
{
	return p->tag;
}

const char *
dp_ingest_proc_cond(const dp_ingest_proc_t *p)
{
	return p->cond.src;
}

int
dp_ingest_pipeline_compile(osp_arena_t *a, const char *id, const osp_json_t *body,
			   dp_ingest_pipeline_t **out, osp_err_t *err)
{
	dp_ingest_pipeline_t *p = osp_arena_calloc(a, sizeof(*p));
	const osp_json_t *v;
	int rc;

	if (p == NULL)
		return -ENOMEM;
	if (!osp_json_is(body, OSP_JSON_OBJECT))
		return osp_err_set(err, 400, "parse_exception", "request body is required");
	p->id = id;
	v = osp_json_get(body, "description");
	if (osp_json_is(v, OSP_JSON_STRING))
		p->description = v->u.str;
	v = osp_json_get(body, "processors");
	if (v == NULL)
		return osp_err_set(err, 400, "parse_exception", "[processors] required property is missing");
	if ((rc = ingest_procs_compile(a, v, "processors", &p->procs, &p->n_procs, err)) != 0)
		return rc;
	v = osp_json_get(body, "on_failure");
	if (v != NULL && osp_json_is(v, OSP_JSON_ARRAY) && v->len == 0)
		return osp_err_set(err, 400, "parse_exception", "pipeline [%s] cannot have an empty on_failure option defined",
				   id ? id : "_simulate_pipeline");
	if ((rc = ingest_procs_compile(a, v, "on_failure", &p->on_failure, &p->n_on_failure, err)) != 0)
		return rc;
	*out = p;
	return 0;
}

static void
trace(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_status_t st, const osp_err_t *err,
      const dp_ingest_doc_t *d)
{
	if (run->trace)
		run->trace(run->trace_user, p, st, err, d);
}

/* Put the on_failure_* metadata for a failure of p in pipeline id. */
static int
failure_meta(dp_ingest_doc_t *d, const dp_ingest_proc_t *p, const char *id, const osp_err_t *cause)
{
	osp_arena_t *a = d->a;
	osp_err_t e;
	const char *tag = p && p->tag ? p->tag : NULL;
	int rc;

	if ((rc = ingest_doc_set(d, "_ingest.on_failure_message",
				 osp_json_new_string(a, cause->reason, strlen(cause->reason)), &e)) != 0 ||
	    (rc = ingest_doc_set(d, "_ingest.on_failure_processor_type",
				 p ? osp_json_new_string(a, p->kind->name, strlen(p->kind->name))
				   : osp_json_new_null(a), &e)) != 0 ||
	    (rc = ingest_doc_set(d, "_ingest.on_failure_processor_tag",
				 tag ? osp_json_new_string(a, tag, strlen(tag)) : osp_json_new_null(a), &e)) != 0 ||
	    (rc = ingest_doc_set(d, "_ingest.on_failure_pipeline",
				 osp_json_new_string(a, id ? id : "", id ? strlen(id) : 0), &e)) != 0)
		return rc;
	return 0;
}

static void
failure_meta_clear(dp_ingest_doc_t *d)
{
	osp_err_t e;

	ingest_doc_remove(d, "_ingest.on_failure_message", &e);
	ingest_doc_remove(d, "_ingest.on_failure_processor_type", &e);
	ingest_doc_remove(d, "_ingest.on_failure_processor_tag", &e);
	ingest_doc_remove(d, "_ingest.on_failure_pipeline", &e);
}

/* Run a chain; on failure *failed is the processor that failed (for the
 * pipeline's on_failure metadata). */
static int
run_chain(dp_ingest_run_t *run, dp_ingest_proc_t *const *procs, uint32_t n, const char *id,
	  dp_ingest_doc_t *d, const dp_ingest_proc_t **failed, osp_err_t *err)
{
	for (uint32_t i = 0; i < n; i++) {
		const dp_ingest_proc_t *p = procs[i];
		osp_err_t perr;
		int rc;

		if (!ingest_cond_eval(&p->cond, d)) {
			trace(run, p, DP_INGEST_SKIPPED, NULL, d);
			continue;
		}
		osp_err_clear(&perr);
		rc = p->kind->run(run, p, d, &perr);
		if (rc == 0) {
			trace(run, p, d->dropped ? DP_INGEST_DROPPED : DP_INGEST_SUCCESS, NULL, d);
			if (d->dropped)
				return 0;
			continue;
		}
		if (perr.status == 0)
			osp_err_set(&perr, 500, "exception", "processor [%s] failed: %s", p->kind->name,
				    strerror(rc < 0 ? -rc : rc));
		if (p->ignore_failure) {
			trace(run, p, DP_INGEST_ERROR_IGNORED, &perr, d);
			continue;
		}
		trace(run, p, DP_INGEST_ERROR, &perr, d);
		if (p->n_on_failure > 0) {
			const dp_ingest_proc_t *inner = NULL;

			if ((rc = failure_meta(d, p, id, &perr)) != 0)
				return rc;
			rc = run_chain(run, p->on_failure, p->n_on_failure, id, d, &inner, err);
			failure_meta_clear(d);
			if (rc != 0) {
				*failed = inner;
				return rc;
			}
			if (d->dropped)
				return 0;
			continue;
		}
		*err = perr;
		*failed = p;
		return -EINVAL;
	}
	return 0;
}

int
dp_ingest_pipeline_run(dp_ingest_run_t *run, const dp_ingest_pipeline_t *p, dp_ingest_doc_t *d,
		       osp_err_t *err)
{
	const dp_ingest_proc_t *failed = NULL;
	const char *id = p->id ? p->id : "_simulate_pipeline";
	int rc;

	if (run->depth == (int)(sizeof(run->stack) / sizeof(run->stack[0])))
		return osp_err_set(err, 500, "illegal_state_exception",
				   "Pipelines nested too deeply: [%s]", id);
	run->stack[run->depth++] = id;
	if (p->id && run->n_executed < (int)(sizeof(run->executed) / sizeof(run->executed[0])))
		run->executed[run->n_executed++] = p->id;
	rc = run_chain(run, p->procs, p->n_procs, id, d, &failed, err);
	if (rc == -EINVAL && p->n_on_failure > 0) {
		const dp_ingest_proc_t *inner = NULL;

		if ((rc = failure_meta(d, failed, id, err)) == 0) {
			osp_err_t cause = *err;

			rc = run_chain(run, p->on_failure, p->n_on_failure, id, d, &inner, err);
			if (rc == 0)
				osp_err_clear(err);
			else if (err->status == 0)
				*err = cause;
		}
		failure_meta_clear(d);
	}
	run->depth--;
	return rc;
}
