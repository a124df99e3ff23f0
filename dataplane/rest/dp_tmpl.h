/*
 * dp_tmpl.h - index templates in the dataplane: the three kinds Elasticsearch
 * has (legacy "template", composable "index_template", "component_template"),
 * kept as cluster-state customs (osprey/cluster.h) plus a few built-in
 * templates, and their resolution into the body of a new index.
 *
 * Bodies are stored as the GET APIs show them, except that settings are kept
 * flat ({"index.number_of_shards":"1"}), as Elasticsearch's Settings are,
 * and rendered nested on output. Everything returned lives in the caller's
 * arena or in the current state (valid within the handler). Network core only.
 */
#ifndef DP_TMPL_H
#define DP_TMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/cluster.h"
#include "osprey/err.h"
#include "osprey/json.h"
#include "dp_rest.h"

#define DP_TMPL_LEGACY    "template"
#define DP_TMPL_INDEX     "index_template"
#define DP_TMPL_COMPONENT "component_template"

/* A template of one kind by exact name (a stored one shadows a built-in). */
const osp_custom_t *dp_tmpl_get(const char *type, const char *name);
/* True for a built-in template the user has not replaced. */
bool dp_tmpl_is_builtin(const osp_custom_t *t);
/* All templates of a kind, sorted by name, names matching expr (a
 * comma-separated list of names/wildcards, NULL or "*" = all). Array in a. */
uint32_t dp_tmpl_list(const char *type, const char *expr, osp_arena_t *a,
		      const osp_custom_t ***out);
/* Parse a stored body into a (NULL if it does not parse). */
osp_json_t *dp_tmpl_parse(const osp_custom_t *t, osp_arena_t *a);

/* True when some name matches both wildcard patterns. */
bool dp_tmpl_glob_overlap(const char *a, const char *b);
/* True when index matches one of the patterns (a JSON array of strings). */
bool dp_tmpl_patterns_match(const osp_json_t *patterns, const char *index);

/* Settings (nested or flat, any scalar values) as Elasticsearch normalizes
 * them: flat keys prefixed "index.", string values. NULL + err on a bad value. */
osp_json_t *dp_tmpl_flat_settings(osp_arena_t *a, const osp_json_t *settings, osp_err_t *err);
/* Write flat settings nested ({"index":{...}}), or flat when flat is set. */
void dp_tmpl_write_settings(osp_jw_t *w, const osp_json_t *flat_settings, bool flat);
/* Deep merge: objects merged member by member, anything else from over. */
osp_json_t *dp_tmpl_merge(osp_arena_t *a, const osp_json_t *base, const osp_json_t *over);

/* What the templates matching an index name give a new index. */
typedef struct dp_tmpl_resolved {
	osp_json_t *settings;        /* flat object */
	osp_json_t *mappings;        /* object ({} when none) */
	osp_json_t *aliases;         /* object */
	const char *v2_name;         /* winning composable template, or NULL */
	osp_json_t *v2;              /* its body */
	bool data_stream;            /* the winner has "data_stream" */
} dp_tmpl_resolved_t;

/* The composable template an index name selects (highest priority), or
 * NULL; *body gets its parsed body. skip: a template name to ignore. */
const osp_custom_t *dp_tmpl_find_v2(const char *index, const char *skip, osp_arena_t *a,
				    osp_json_t **body);
/* Resolve every template for index: the composable winner with its
 * component templates, else the legacy templates by order. 0 or -errno
 * with err filled. */
int dp_tmpl_resolve(const char *index, osp_arena_t *a, dp_tmpl_resolved_t *out,
		    osp_err_t *err);
/* Compose one composable template body (components, then its template). */
int dp_tmpl_compose(const osp_json_t *v2, osp_arena_t *a, dp_tmpl_resolved_t *out,
		    osp_err_t *err);
/* Write the CREATE_INDEX body for index: templates, then the request body
 * (settings flattened; the request wins). */
int dp_tmpl_create_body(const char *index, const osp_json_t *body, osp_arena_t *a,
			osp_jw_t *w, bool *data_stream, osp_err_t *err);
/* Write {settings, mappings, aliases} of a resolution (settings nested). */
void dp_tmpl_write_resolved(osp_jw_t *w, const dp_tmpl_resolved_t *res);

/* dp_ctl callback that answers {"acknowledged":true} or the error. */
void dp_tmpl_ctl_ack(void *user, const osp_err_t *err, const char *payload, size_t len);
/* Store the body written into b (freed here) as (type, name); replies. */
void dp_tmpl_put(dp_rest_req_t *r, const char *type, const char *name, osp_buf_t *b,
		 bool create);
/* Write "index_patterns":[..] from a string ("a,b") or array; false
 * when the array holds a non-string. */
bool dp_tmpl_write_patterns(osp_jw_t *w, const osp_json_t *v);
/* True for an expression with wildcards or _all. */
bool dp_tmpl_is_wildcard(const char *expr);

/* Validate a composable template body and write its stored form (flat
 * settings, composed_of always present). 0, or -1/-errno with err. */
int dp_tmpl_write_v2(const char *name, const osp_json_t *body, osp_arena_t *a, osp_jw_t *w,
		     osp_err_t *err);
/* dp_tmpl_write_v2 into b, then *norm = b parsed (in a). 0 or -1 with err. */
int dp_tmpl_normalize_v2(const char *name, const osp_json_t *body, osp_arena_t *a, osp_buf_t *b,
			 osp_json_t **norm, osp_err_t *err);
/* Write a stored body with template.settings nested (or flat). */
void dp_tmpl_write_stored(osp_jw_t *w, const osp_json_t *body, bool flat);

/* HEAD of a template kind: 200 when {name} matches one, else 404. */
void dp_tmpl_exists(dp_rest_req_t *r, const char *type);

/* Route families. */
void rest_ltemplate_routes(void);
void rest_itemplate_routes(void);
void rest_tmpl_simulate_routes(void);

#endif
