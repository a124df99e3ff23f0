/*
 * docparse_int.h - what only the document parser sources (docparse.c,
 * docparse_value.c) share: the per-document parse state and the calls
 * between traversal and value conversion.
 */
#ifndef ST_DOCPARSE_INT_H
#define ST_DOCPARSE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "mapping_int.h"

#define DPE "document_parsing_exception"

/* A new field under an existing (immutable) object. */
typedef struct overlay {
	const st_field_t *parent;
	st_fieldx_t *child;
	struct overlay *next;
} overlay_t;

/* Per-field accumulation state. */
typedef struct slot {
	st_analyze_pos_t pos;
	uint32_t values;
} slot_t;

/* Parse state for one document; lives on the stack of st_doc_parse. */
typedef struct dp {
	const st_mapping_t *m;
	st_analysis_ctx_t *actx;
	osp_arena_t *a;
	const char *id;
	const char *src;
	size_t len;
	const osp_json_t *root;
	osp_err_t *err;
	st_doc_t *out;
	uint32_t *slot_of;        /* field id -> slot + 1 */
	slot_t *slots;
	uint32_t fields_cap;
	overlay_t *overlay;
	bool dynamic;             /* provisional fields were created */
	bool in_copy_to;
} dp_t;


/* Fail with "[line:col] <fmt>" located at value v. */
int
st_dp_fail_at(dp_t *c, const osp_json_t *v, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "failed to parse field [f] of type [t] in document with id 'x'. Preview
 * of field's value: '...'" with a caused_by. */
int
st_dp_fail_field(dp_t *c, const st_field_t *f, const osp_json_t *v, const char *cause_type,
		 const char *cause_fmt, ...) __attribute__((format(printf, 5, 6)));

/* Index one scalar (or null) into f, its multi-fields and copy_to targets. */
int
st_dp_index_value(dp_t *c, const st_field_t *f, const osp_json_t *v);

/* copy_to of f (docparse.c): route v to each target path. */
int
st_dp_copy_to(dp_t *c, const st_field_t *f, const osp_json_t *v);

/* Grow an arena array of elem-byte items to hold one more. */
int
st_dp_grow(osp_arena_t *a, void **arr, uint32_t n, uint32_t *cap, size_t elem);

#endif
