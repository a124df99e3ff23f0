/*
 * dp_ingest.h - ingest pipelines: compile a pipeline definition and run it
 * over one document before it is indexed (Elasticsearch's ingest node).
 *
 * A pipeline body ({"description","processors":[..],"on_failure":[..]}) is
 * compiled into an arena with Elasticsearch's validation and wording
 * (parse_exception "[field] required property is missing", "No processor
 * type exists with name [x]"). Running it edits a dp_ingest_doc_t in place:
 * the _source tree, the metadata (_index, _id, _routing, _version) and the
 * _ingest object (timestamp, on_failure_* while an on_failure chain runs).
 * Field paths are dotted; "_source." and "_ingest." prefixes select those
 * objects as in Elasticsearch; list elements are addressed by index.
 * Values that contain "{{" are Mustache templates over the document
 * (dp_mustache.h). Painless is not available: the script processor and
 * conditions beyond ctx.<field> ==|!= <literal> are refused when the pipeline
 * is stored, never at index time.
 *
 * Everything runs on the calling core (the network core for writes and
 * _simulate): no I/O, no locks. Everything lives in the caller's arena.
 */
#ifndef DP_INGEST_H
#define DP_INGEST_H

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

#include "osprey/arena.h"
#include "osprey/err.h"
#include "osprey/json.h"

typedef struct dp_ingest_proc dp_ingest_proc_t;

/* A compiled pipeline. Immutable; lives in the arena it was compiled in. */
typedef struct dp_ingest_pipeline {
	const char *id;
	const char *description;
	dp_ingest_proc_t **procs;
	uint32_t n_procs;
	dp_ingest_proc_t **on_failure;
	uint32_t n_on_failure;
} dp_ingest_pipeline_t;

/* The document a pipeline edits. src is the _source object, meta holds
 * _index, _id, _routing, _version (strings/numbers; absent when unset),
 * ingest the _ingest object ({"timestamp": "..."}). dropped is set by the
 * drop processor. */
typedef struct dp_ingest_doc {
	osp_arena_t *a;
	osp_json_t *src;
	osp_json_t *meta;
	osp_json_t *ingest;
	bool dropped;
} dp_ingest_doc_t;

/* Build a document from a parsed _source object (cloned into a) and its
 * metadata; timestamp_ms sets _ingest.timestamp. -ENOMEM or 0. */
int
dp_ingest_doc_init(dp_ingest_doc_t *d, osp_arena_t *a, const osp_json_t *source,
		   const char *index, const char *id, const char *routing,
		   int64_t timestamp_ms);

/* What a processor did, for verbose _simulate. */
typedef enum dp_ingest_status {
	DP_INGEST_SUCCESS = 0,
	DP_INGEST_ERROR,
	DP_INGEST_ERROR_IGNORED,
	DP_INGEST_SKIPPED,
	DP_INGEST_DROPPED,
} dp_ingest_status_t;

/* Finds a stored pipeline's body by id for the pipeline processor (NULL
 * when there is none). */
typedef const osp_json_t *(*dp_ingest_lookup_t)(void *ctx, const char *id);

/* One run of one document through a pipeline (and the pipelines it calls). */
typedef struct dp_ingest_run {
	dp_ingest_lookup_t lookup;
	void *lookup_ctx;
	/* verbose tracing: called after each processor (and for each processor
	 * of nested pipelines) with the document as it is now */
	void (*trace)(void *user, const dp_ingest_proc_t *p, dp_ingest_status_t st,
		      const osp_err_t *err, const dp_ingest_doc_t *doc);
	void *trace_user;
	/* ids of the pipelines entered, outermost first (cycle detection and
	 * executed_pipelines) */
	const char *stack[16];
	int depth;
	const char *executed[32];
	int n_executed;
} dp_ingest_run_t;

/* Compile body (the pipeline definition) for id. 0, or -EINVAL with err. */
int
dp_ingest_pipeline_compile(osp_arena_t *a, const char *id, const osp_json_t *body,
			   dp_ingest_pipeline_t **out, osp_err_t *err);

/* Run p over d. 0 (d may be dropped), or -EINVAL with err (the document
 * must not be indexed). */
int
dp_ingest_pipeline_run(dp_ingest_run_t *run, const dp_ingest_pipeline_t *p,
		       dp_ingest_doc_t *d, osp_err_t *err);

/* Processor accessors for verbose output. */
const char *
dp_ingest_proc_type(const dp_ingest_proc_t *p);
const char *
dp_ingest_proc_tag(const dp_ingest_proc_t *p);
/* The if condition as written, or NULL. */
const char *
dp_ingest_proc_cond(const dp_ingest_proc_t *p);

/* Write the document as _simulate shows it: {"_index","_version"?,"_id",
 * "_routing"?,"_source":{..},"_ingest":{..}}. */
void
dp_ingest_doc_write(const dp_ingest_doc_t *d, osp_jw_t *w);

/* Java's String.replaceAll over POSIX regex re: every match of s (n
 * bytes) replaced by repl, where $0..$9 name groups and \\x is x. */
int
dp_ingest_regex_replace(const regex_t *re, const char *s, size_t n, const char *repl, osp_buf_t *out);

/* Free what compiling pipelines cached on this thread (regexes). */
void
dp_ingest_fini(void);

/* Names of the supported processor types, sorted, NULL-terminated. */
extern const char *const dp_ingest_processor_names[];

#endif
