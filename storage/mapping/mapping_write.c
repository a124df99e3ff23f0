/*
 * mapping_write.c - serializing a mapping as GET /idx/_mapping shows it.
 *
 * Elasticsearch writes only parameters that were set to a non-default
 * value, in the order each mapper declares its parameters, then
 * multi-fields, then copy_to; properties and multi-fields are sorted by
 * name; an object writes "type":"object" only when it has no properties.
 * Root order: dynamic, _meta, metadata fields (_routing, _source), the
 * root-only settings, properties. Read-only over an immutable mapping.
 */
#include <string.h>

#include "mapping_int.h"

static const char *const dyn_names[] = { "true", "true", "false", "strict", "runtime" };

static void
write_extra(const st_fieldx_t *f, osp_jw_t *w, const char *name)
{
	const osp_json_t *v = f->extra ? osp_json_get(f->extra, name) : NULL;

	if (v) {
		osp_jw_key(w, name);
		osp_jw_value(w, v);
	}
}

static bool
is_set(const st_field_t *f, uint32_t bit)
{
	return (f->set_mask & bit) != 0;
}

static void
write_bool_param(osp_jw_t *w, const st_field_t *f, uint32_t bit, const char *name, bool v, bool dflt)
{
	if (is_set(f, bit) && v != dflt)
		osp_jw_kv_bool(w, name, v);
}

static void
write_null_value(const st_fieldx_t *f, osp_jw_t *w)
{
	const st_field_t *p = &f->pub;

	if (!p->has_null_value)
		return;
	osp_jw_key(w, "null_value");
	switch (p->type) {
	case ST_FIELD_KEYWORD:
		osp_jw_str(w, p->null_value_str);
		break;
	case ST_FIELD_BOOLEAN:
		osp_jw_bool(w, p->null_value_long != 0);
		break;
	case ST_FIELD_DATE:
		osp_jw_value(w, f->null_value_json);
		break;
	case ST_FIELD_DOUBLE: case ST_FIELD_FLOAT: case ST_FIELD_HALF_FLOAT: case ST_FIELD_SCALED_FLOAT:
		osp_jw_double(w, p->null_value_double);
		break;
	default:
		osp_jw_int(w, p->null_value_long);
		break;
	}
}

static void
write_meta(const st_field_t *p, osp_jw_t *w)
{
	if (p->meta && p->meta->len) {
		osp_jw_key(w, "meta");
		osp_jw_value(w, p->meta);
	}
}

static void
write_children(const st_field_t *p, osp_jw_t *w, const char *key)
{
	if (p->n_children == 0)
		return;
	osp_jw_key(w, key);
	osp_jw_obj_begin(w);
	for (uint32_t i = 0; i < p->n_children; i++) {
		osp_jw_key(w, p->children[i]->name);
		st_field_write((const st_fieldx_t *)p->children[i], w);
	}
	osp_jw_obj_end(w);
}

static void
write_common(const st_field_t *p, osp_jw_t *w, bool dv_default)
{
	write_bool_param(w, p, ST_FP_INDEX, "index", p->index, true);
	write_bool_param(w, p, ST_FP_DOC_VALUES, "doc_values", p->doc_values, dv_default);
	write_bool_param(w, p, ST_FP_STORE, "store", p->store, false);
}

void
st_field_write(const st_fieldx_t *f, osp_jw_t *w)
{
	const st_field_t *p = &f->pub;

	osp_jw_obj_begin(w);
	if (p->type == ST_FIELD_OBJECT) {
		if (p->n_children == 0)
			osp_jw_kv_str(w, "type", "object");
		if (p->dynamic != ST_DYNAMIC_INHERIT)
			osp_jw_kv_str(w, "dynamic", dyn_names[p->dynamic]);
		if (!p->enabled)
			osp_jw_kv_bool(w, "enabled", false);
		write_children(p, w, "properties");
		osp_jw_obj_end(w);
		return;
	}
	osp_jw_kv_str(w, "type", st_field_type_name(p->type));
	switch (p->type) {
	case ST_FIELD_TEXT: {
		bool an_set = is_set(p, ST_FP_ANALYZER) && strcmp(p->analyzer_name, "default") != 0;
		bool sa_set = is_set(p, ST_FP_SEARCH_ANALYZER);

		write_bool_param(w, p, ST_FP_INDEX, "index", p->index, true);
		write_bool_param(w, p, ST_FP_STORE, "store", p->store, false);
		write_extra(f, w, "index_options");
		write_bool_param(w, p, ST_FP_NORMS, "norms", p->norms, true);
		write_extra(f, w, "term_vector");
		if (an_set || (sa_set && strcmp(p->search_analyzer_name,
						p->analyzer_name ? p->analyzer_name : "default") != 0))
			osp_jw_kv_str(w, "analyzer", p->analyzer_name ? p->analyzer_name : "default");
		if (sa_set)
			osp_jw_kv_str(w, "search_analyzer", p->search_analyzer_name);
		write_extra(f, w, "search_quote_analyzer");
		write_extra(f, w, "similarity");
		if (is_set(p, ST_FP_PIG) && p->position_increment_gap != 100)
			osp_jw_kv_int(w, "position_increment_gap", p->position_increment_gap);
		write_extra(f, w, "fielddata");
		write_extra(f, w, "eager_global_ordinals");
		write_extra(f, w, "index_phrases");
		write_meta(p, w);
		break;
	}
	case ST_FIELD_KEYWORD:
		write_common(p, w, true);
		write_null_value(f, w);
		write_extra(f, w, "eager_global_ordinals");
		if (is_set(p, ST_FP_IGNORE_ABOVE) && p->ignore_above != INT32_MAX)
			osp_jw_kv_int(w, "ignore_above", p->ignore_above);
		write_extra(f, w, "index_options");
		write_bool_param(w, p, ST_FP_NORMS, "norms", p->norms, false);
		write_extra(f, w, "similarity");
		if (p->normalizer_name)
			osp_jw_kv_str(w, "normalizer", p->normalizer_name);
		write_extra(f, w, "split_queries_on_whitespace");
		write_meta(p, w);
		write_extra(f, w, "time_series_dimension");
		break;
	case ST_FIELD_BOOLEAN:
		write_meta(p, w);
		write_bool_param(w, p, ST_FP_DOC_VALUES, "doc_values", p->doc_values, true);
		write_bool_param(w, p, ST_FP_INDEX, "index", p->index, true);
		write_null_value(f, w);
		write_bool_param(w, p, ST_FP_STORE, "store", p->store, false);
		break;
	case ST_FIELD_DATE:
		write_common(p, w, true);
		if (is_set(p, ST_FP_FORMAT))
			osp_jw_kv_str(w, "format", f->format_spec);
		write_extra(f, w, "locale");
		write_null_value(f, w);
		write_bool_param(w, p, ST_FP_IGNORE_MALFORMED, "ignore_malformed", p->ignore_malformed, false);
		write_meta(p, w);
		break;
	case ST_FIELD_SCALED_FLOAT:
		write_common(p, w, true);
		write_bool_param(w, p, ST_FP_IGNORE_MALFORMED, "ignore_malformed", p->ignore_malformed, false);
		write_meta(p, w);
		osp_jw_key(w, "scaling_factor");
		osp_jw_double(w, p->scaling_factor);
		write_bool_param(w, p, ST_FP_COERCE, "coerce", p->coerce, true);
		write_null_value(f, w);
		write_extra(f, w, "time_series_metric");
		break;
	default:   /* numbers */
		write_common(p, w, true);
		write_bool_param(w, p, ST_FP_IGNORE_MALFORMED, "ignore_malformed", p->ignore_malformed, false);
		write_bool_param(w, p, ST_FP_COERCE, "coerce", p->coerce, true);
		write_null_value(f, w);
		write_meta(p, w);
		write_extra(f, w, "time_series_dimension");
		write_extra(f, w, "time_series_metric");
		break;
	}
	write_children(p, w, "fields");
	write_extra(f, w, "copy_to");
	osp_jw_obj_end(w);
}

void
st_mapping_write(const st_mapping_t *m, osp_jw_t *w)
{
	const st_field_t *r = &m->root->pub;

	osp_jw_obj_begin(w);
	if (r->dynamic != ST_DYNAMIC_INHERIT)
		osp_jw_kv_str(w, "dynamic", dyn_names[r->dynamic]);
	if (m->meta) {
		osp_jw_key(w, "_meta");
		osp_jw_value(w, m->meta);
	}
	if (m->routing_required) {
		osp_jw_key(w, "_routing");
		osp_jw_obj_begin(w);
		osp_jw_kv_bool(w, "required", true);
		osp_jw_obj_end(w);
	}
	if (!m->source_enabled || m->source_extra) {
		osp_jw_key(w, "_source");
		osp_jw_obj_begin(w);
		if (!m->source_enabled)
			osp_jw_kv_bool(w, "enabled", false);
		ST_JSON_EACH_M(x, m->source_extra) {
			osp_jw_keyn(w, x->key, x->key_len);
			osp_jw_value(w, x);
		}
		osp_jw_obj_end(w);
	}
	if (m->dynamic_date_formats) {
		osp_jw_key(w, "dynamic_date_formats");
		osp_jw_value(w, m->dynamic_date_formats);
	}
	if (m->dynamic_templates) {
		osp_jw_key(w, "dynamic_templates");
		osp_jw_value(w, m->dynamic_templates);
	}
	if (m->date_detection >= 0)
		osp_jw_kv_bool(w, "date_detection", m->date_detection);
	if (m->numeric_detection >= 0)
		osp_jw_kv_bool(w, "numeric_detection", m->numeric_detection);
	write_children(r, w, "properties");
	osp_jw_obj_end(w);
}
