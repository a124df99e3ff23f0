/*
 * mapping_int.h - what only the storage/mapping sources may see: the
 * mapping object, the private part of a field, the field-tree builder
 * shared by parse and merge, and the JSON location helper used by error
 * messages.
 *
 * A mapping owns one arena holding every field, name and compiled date
 * format; after st_mapping_finish it is never written again (the reference
 * count is the only mutable word, updated atomically).
 */
#ifndef ST_MAPPING_INT_H
#define ST_MAPPING_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/mapping.h"

#define ST_JSON_EACH_M(var, parent) \
	for (const osp_json_t *var = ((parent) && ((parent)->type == OSP_JSON_ARRAY || \
		(parent)->type == OSP_JSON_OBJECT)) ? (parent)->u.child : NULL; var; var = var->next)

/* A field plus what only this folder reads. pub must stay first: an
 * st_field_t * from the public API is an st_fieldx_t *. */
typedef struct st_fieldx {
	st_field_t pub;
	uint32_t children_cap;
	bool sorted;                    /* children sorted by name (finished) */
	/* Parameters accepted and kept for GET _mapping but not acted on
	 * (copy_to, index_options, eager_global_ordinals, ...), in given order. */
	osp_json_t *extra;
	const char *format_spec;        /* date: as written (NULL = default) */
	const osp_json_t *null_value_json;
} st_fieldx_t;

/* One dynamic template; points into the mapping's dynamic_templates JSON. */
typedef struct st_dyn_template {
	const char *name;
	const osp_json_t *match_mapping_type;   /* string or array, or NULL */
	const osp_json_t *match, *unmatch, *path_match, *path_unmatch;
	const osp_json_t *mapping;
} st_dyn_template_t;

/* The mapping. */
struct st_mapping {
	int refs;                       /* atomic */
	osp_arena_t arena;
	st_fieldx_t *root;
	const st_analysis_t *analysis;
	st_field_t **by_id;             /* index = id */
	uint32_t n_fields;
	st_field_t **sorted;            /* leaf + object fields in path order */
	uint32_t n_sorted;
	/* open-addressing path index: slots hold ids + 1 (0 = empty) */
	uint32_t *index;
	uint32_t index_mask;
	/* root parameters */
	bool source_enabled;
	bool source_set;
	bool routing_required;
	int8_t date_detection;          /* -1 not set, else 0/1 */
	int8_t numeric_detection;
	const osp_json_t *dynamic_date_formats;   /* as given, or NULL */
	const st_date_format_t **ddf;   /* compiled dynamic date formats */
	uint32_t n_ddf;
	const char *const *ddf_specs;
	const osp_json_t *meta;         /* _meta */
	const osp_json_t *source_extra; /* _source includes/excludes as given */
	const osp_json_t *dynamic_templates;
	st_dyn_template_t *templates;
	uint32_t n_templates;
	uint32_t next_id;
};

/* Allocate an empty mapping with one reference (root object only). */
int
st_mapping_alloc(const st_analysis_t *analysis, st_mapping_t **out);

/* Parse the members of a mappings body into m's root (new fields get ids
 * from m->next_id; existing ones are merged with merge rules when
 * merging is true). */
int
st_mapping_apply(st_mapping_t *m, const osp_json_t *body, bool merging, osp_err_t *err);

/* Deep-copy src's tree and root parameters into the empty mapping dst. */
int
st_mapping_copy(st_mapping_t *dst, const st_mapping_t *src);

/* Assign ids, sort children, build the path index; call once at the end. */
int
st_mapping_finish(st_mapping_t *m);

/* Append child to parent's children (arena-grown). */
int
st_field_add_child(osp_arena_t *a, st_fieldx_t *parent, st_fieldx_t *child);

/* Parse one leaf field definition (type already known) into arena a;
 * analyzer and normalizer names resolve through an_reg. */
int
st_field_parse_leaf(osp_arena_t *a, const st_analysis_t *an_reg, const st_field_t *parent,
		    const char *name, size_t nlen, st_field_type_t type, const osp_json_t *def,
		    bool multi, st_fieldx_t **out, osp_err_t *err);

/* Merge the freshly parsed definition upd into cur (same path). */
int
st_field_merge_leaf(st_mapping_t *m, st_fieldx_t *cur, st_fieldx_t *upd, osp_err_t *err);

static inline const char *
st_bstr(bool b)
{
	return b ? "true" : "false";
}

/* Child of an object (or multi-field of a leaf) by name. */
st_field_t *
st_field_child(const st_field_t *parent, const char *name, size_t len);

/* Line and column (1-based) of the value node target inside the JSON text
 * that root was parsed from; -1 when it cannot be found. */
void
st_json_locate(const osp_json_t *root, const osp_json_t *target, const char *text,
	       size_t len, int32_t *line, int32_t *col);

/* Write one field definition (no key) as GET _mapping shows it. */
void
st_field_write(const st_fieldx_t *f, osp_jw_t *w);

/* '*'-glob as Elasticsearch's Regex.simpleMatch. */
bool
st_glob(const char *p, size_t pl, const char *s, size_t sl);

/* Dynamic templates (dyn_template.c): validate and index arr into m;
 * merge an update by template name; find the template for a new field
 * (mtype: "string", "long", "double", "boolean", "date", "object");
 * instantiate a template mapping with {name}/{dynamic_type} replaced. */
int
st_dyn_templates_compile(st_mapping_t *m, const osp_json_t *arr, osp_err_t *err);
int
st_dyn_templates_merge(st_mapping_t *m, const osp_json_t *cur, const osp_json_t *upd,
		       const osp_json_t **out, osp_err_t *err);
const st_dyn_template_t *
st_dyn_template_find(const st_mapping_t *m, const char *path, size_t plen,
		     const char *name, size_t nlen, const char *mtype);
osp_json_t *
st_dyn_template_mapping(osp_arena_t *a, const osp_json_t *v, const char *name, size_t nlen,
			const char *dtype);

/* Default dynamic date formats, compiled. */
const st_date_format_t *
st_mapping_ddf_default(uint32_t i, const char **spec);

#endif
