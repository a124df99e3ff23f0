/*
 * ingest_int.h - what only dataplane/ingest/ingest_*.c see: the compiled processor,
 * the processor kind table, configuration readers and document field access.
 */
#ifndef INGEST_INT_H
#define INGEST_INT_H

#include <regex.h>

#include "dp_ingest.h"

/* A compiled `if`: true/false, or ctx.<path> ==|!= <literal>. */
typedef struct ingest_cond {
	const char *src;               /* as written; NULL = no condition */
	int kind;                      /* 0 const, 1 compare */
	bool value;                    /* const */
	bool negate;                   /* != */
	const char *path;              /* dotted, "?." folded to "." */
	const osp_json_t *literal;     /* string, number, bool or null */
} ingest_cond_t;

typedef struct ingest_kind ingest_kind_t;

/* A compiled processor: the common options plus the union of what the
 * supported processors need (one flat struct keeps compile code short). */
struct dp_ingest_proc {
	const ingest_kind_t *kind;
	const char *tag;
	const char *description;
	ingest_cond_t cond;
	bool ignore_failure;
	bool ignore_missing;
	bool override;
	bool flag;                     /* allow_duplicates, add_to_root,
					  preserve_trailing, ignore_empty_value,
					  ignore_missing_pipeline */
	const char *field;
	const char **fields;           /* remove: field list; date: formats */
	uint32_t n_fields;
	const char *target_field;
	const osp_json_t *value;       /* set/append value; fail message */
	const char *copy_from;
	const char *str;               /* separator, replacement, convert
					  type, output_format, pipeline name,
					  dot_expander path, timezone */
	const char *str2;              /* date: timezone */
	regex_t *re;                   /* split/gsub pattern */
	dp_ingest_proc_t **on_failure;
	uint32_t n_on_failure;
};

/* Reads one processor's configuration, remembering which members were used
 * so leftovers can be reported as Elasticsearch does. */
typedef struct ingest_cfg {
	const osp_json_t *obj;
	const char *type;
	const char *tag;
	uint64_t used;                 /* bit per member position */
	osp_arena_t *a;
	osp_err_t *err;
} ingest_cfg_t;

struct ingest_kind {
	const char *name;
	int (*compile)(ingest_cfg_t *c, dp_ingest_proc_t *p);
	/* 0, or -EINVAL with err; may set d->dropped */
	int (*run)(dp_ingest_run_t *run, const dp_ingest_proc_t *p, dp_ingest_doc_t *d,
		   osp_err_t *err);
};

/* Kind by name (ingest_kinds.c), or NULL. */
const ingest_kind_t *
ingest_kind_find(const char *name);

/* ---- configuration (ingest_cfg.c) ---- */

/* Member of the configuration, marked used; NULL when absent. */
const osp_json_t *
ingest_cfg_get(ingest_cfg_t *c, const char *key);
/* Text of a string, number or boolean as Java's toString gives it (in a),
 * NULL for null, lists and objects. */
const char *
ingest_scalar_text(osp_arena_t *a, const osp_json_t *v);
/* String property; numbers and booleans are taken as their text, as
 * Elasticsearch's ConfigurationUtils does. Missing and required: -EINVAL
 * "[key] required property is missing". *out NULL when absent. */
int
ingest_cfg_str(ingest_cfg_t *c, const char *key, bool required, const char **out);
int
ingest_cfg_bool(ingest_cfg_t *c, const char *key, bool def, bool *out);
/* String or list of strings into an array. */
int
ingest_cfg_strs(ingest_cfg_t *c, const char *key, bool required, const char ***out,
		uint32_t *n);
/* parse_exception about property key of this processor. */
int
ingest_cfg_fail(ingest_cfg_t *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Compile a POSIX extended regex for key. */
int
ingest_cfg_regex(ingest_cfg_t *c, const char *key, const char *pattern, regex_t **out);

/* Compile one processor {"type": {cfg}} (also used for on_failure lists). */
int
ingest_proc_compile(osp_arena_t *a, const osp_json_t *def, dp_ingest_proc_t **out,
		    osp_err_t *err);
/* Compile a list of processors. */
int
ingest_procs_compile(osp_arena_t *a, const osp_json_t *list, const char *what,
		     dp_ingest_proc_t ***out, uint32_t *n, osp_err_t *err);

/* ---- conditions (ingest_cond.c) ---- */

int
ingest_cond_compile(osp_arena_t *a, const char *src, ingest_cond_t *c, osp_err_t *err);
bool
ingest_cond_eval(const ingest_cond_t *c, const dp_ingest_doc_t *d);

/* ---- document access (ingest_doc.c) ---- */

/* Value at path, or NULL. */
osp_json_t *
ingest_doc_get(const dp_ingest_doc_t *d, const char *path);
/* Value at path, or -EINVAL with "field [x] not present as part of path
 * [path]" (Elasticsearch's wording) in err. */
int
ingest_doc_need(const dp_ingest_doc_t *d, const char *path, osp_json_t **out, osp_err_t *err);
/* Set path to v (cloned), creating parent objects. */
int
ingest_doc_set(dp_ingest_doc_t *d, const char *path, const osp_json_t *v, osp_err_t *err);
/* Remove path; -ENOENT (err filled) when absent. */
int
ingest_doc_remove(dp_ingest_doc_t *d, const char *path, osp_err_t *err);
/* Append v (or the elements of v when it is a list) to the list at path,
 * turning a scalar into a list first; allow_dup false skips values already
 * present. */
int
ingest_doc_append(dp_ingest_doc_t *d, const char *path, const osp_json_t *v, bool allow_dup,
		  osp_err_t *err);
/* Render a string that may be a template over the document. */
int
ingest_doc_render(const dp_ingest_doc_t *d, const char *s, const char **out, osp_err_t *err);
/* Java class name of a value, for cast errors. */
const char *
ingest_java_type(const osp_json_t *v);
/* Text of a string value, or -EINVAL "field [f] of type [T] cannot be cast
 * to [java.lang.String]". */
int
ingest_need_string(const char *field, const osp_json_t *v, osp_err_t *err);

#endif
