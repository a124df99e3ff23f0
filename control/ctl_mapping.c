/*
 * ctl_mapping.c - the master's side of mappings (ctl_mapping.h).
 *
 * Parsing, conflict rules and serialization belong to the storage mapping
 * module (osprey/mapping.h): the master parses the stored mapping, merges
 * the update with st_mapping_merge and stores st_mapping_write's output, so
 * the dataplane and the master agree byte for byte. Until that module's
 * implementation is in the build (CTL_HAVE_ST_MAPPING unset) a structural
 * merge stands in: objects merge key by key, a field's "type" may not
 * change, anything else in the update wins.
 */
#include <errno.h>
#include <string.h>

#include "ctl_mapping.h"

#ifdef CTL_HAVE_ST_MAPPING
#include "osprey/analysis.h"
#include "osprey/mapping.h"

/* Parse analysis into a registry; *reg NULL when there is none. */
static int
mapping_analysis(const osp_json_t *analysis, st_analysis_t **reg, osp_err_t *err)
{
	*reg = NULL;
	return analysis ? st_analysis_create(analysis, reg, err) : 0;
}

int
ctl_mapping_create(const osp_json_t *mappings, const osp_json_t *analysis,
		   osp_buf_t *out, osp_err_t *err)
{
	st_analysis_t *reg = NULL;
	st_mapping_t *m = NULL;
	osp_jw_t w;
	int rc;

	rc = mapping_analysis(analysis, &reg, err);
	if (rc != 0)
		goto cleanup;
	rc = st_mapping_parse(mappings, reg, &m, err);
	if (rc != 0) {
		st_mapping_err_wrap(err);
		goto cleanup;
	}
	osp_buf_clear(out);
	osp_jw_init(&w, out, 0);
	st_mapping_write(m, &w);
	rc = osp_buf_failed(out) ? -ENOMEM : 0;
cleanup:
	st_mapping_unref(m);
	st_analysis_free(reg);
	return rc;
}

int
ctl_mapping_merge(const char *cur, size_t cur_len, const osp_json_t *analysis,
		  const osp_json_t *update, osp_buf_t *out, bool *changed,
		  osp_err_t *err)
{
	st_analysis_t *reg = NULL;
	st_mapping_t *m = NULL, *merged = NULL;
	osp_arena_t a;
	osp_json_t *cj = NULL;
	osp_json_error_t jerr;
	osp_jw_t w;
	int rc;

	osp_arena_init(&a, 16384, 0);
	rc = mapping_analysis(analysis, &reg, err);
	if (rc != 0)
		goto cleanup;
	rc = osp_json_parse(&a, cur, cur_len, NULL, &cj, &jerr);
	if (rc != 0)
		goto cleanup;
	rc = st_mapping_parse(cj, reg, &m, err);
	if (rc != 0)
		goto cleanup;
	rc = st_mapping_merge(m, update, &merged, err);
	if (rc != 0)
		goto cleanup;
	osp_buf_clear(out);
	osp_jw_init(&w, out, 0);
	st_mapping_write(merged, &w);
	rc = osp_buf_failed(out) ? -ENOMEM : 0;
	*changed = out->len != cur_len || memcmp(out->data, cur, cur_len) != 0;
cleanup:
	st_mapping_unref(merged);
	st_mapping_unref(m);
	st_analysis_free(reg);
	osp_arena_free(&a);
	return rc;
}

#else /* !CTL_HAVE_ST_MAPPING */

/* Merge src into dst (both objects) in arena a; path names the field for
 * conflict messages. */
static int
merge_obj(osp_arena_t *a, osp_json_t *dst, const osp_json_t *src, osp_err_t *err)
{
	OSP_JSON_FOREACH(m, src) {
		osp_json_t *d = osp_json_getn(dst, m->key, m->key_len);

		if (d == NULL) {
			if (osp_json_append(a, dst, m->key, m->key_len, osp_json_clone(a, m)) != 0)
				return -ENOMEM;
			continue;
		}
		if (d->type == OSP_JSON_OBJECT && m->type == OSP_JSON_OBJECT) {
			const osp_json_t *dt = osp_json_get(d, "type");
			const osp_json_t *mt = osp_json_get(m, "type");

			if (dt && mt && !osp_json_equal(dt, mt) &&
			    osp_json_is(dt, OSP_JSON_STRING) && osp_json_is(mt, OSP_JSON_STRING))
				return osp_err_illegal_argument(err,
					"mapper [%.*s] cannot be changed from type [%s] to [%s]",
					(int)m->key_len, m->key, dt->u.str, mt->u.str);
			int rc = merge_obj(a, d, m, err);

			if (rc != 0)
				return rc;
			continue;
		}
		osp_json_t *c = osp_json_clone(a, m);
		osp_json_t *next = d->next;
		const char *k = d->key;
		uint32_t kl = d->key_len;

		if (c == NULL)
			return -ENOMEM;
		*d = *c;
		d->next = next;
		d->key = k;
		d->key_len = kl;
	}
	return 0;
}

int
ctl_mapping_create(const osp_json_t *mappings, const osp_json_t *analysis,
		   osp_buf_t *out, osp_err_t *err)
{
	osp_jw_t w;

	(void)analysis;
	if (mappings && mappings->type != OSP_JSON_OBJECT && mappings->type != OSP_JSON_NULL)
		return osp_err_set(err, 400, "mapper_parsing_exception",
				   "Failed to parse mapping: Expected map for property [mappings] on field [mappings] but got a class java.lang.String");
	osp_buf_clear(out);
	osp_jw_init(&w, out, 0);
	if (mappings && mappings->type == OSP_JSON_OBJECT)
		osp_jw_value(&w, mappings);
	else
		osp_buf_puts(out, "{}");
	return osp_buf_failed(out) ? -ENOMEM : 0;
}

int
ctl_mapping_merge(const char *cur, size_t cur_len, const osp_json_t *analysis,
		  const osp_json_t *update, osp_buf_t *out, bool *changed,
		  osp_err_t *err)
{
	osp_arena_t a;
	osp_json_t *cj = NULL;
	osp_json_error_t jerr;
	osp_jw_t w;
	int rc;

	(void)analysis;
	osp_arena_init(&a, 16384, 0);
	rc = osp_json_parse(&a, cur, cur_len, NULL, &cj, &jerr);
	if (rc != 0)
		goto cleanup;
	if (!osp_json_is(update, OSP_JSON_OBJECT)) {
		rc = osp_err_set(err, 400, "mapper_parsing_exception", "Expected map for mapping update");
		goto cleanup;
	}
	rc = merge_obj(&a, cj, update, err);
	if (rc != 0)
		goto cleanup;
	osp_buf_clear(out);
	osp_jw_init(&w, out, 0);
	osp_jw_value(&w, cj);
	rc = osp_buf_failed(out) ? -ENOMEM : 0;
	*changed = out->len != cur_len || memcmp(out->data, cur, cur_len) != 0;
cleanup:
	osp_arena_free(&a);
	return rc;
}

#endif
