/*
 * mapping_merge.c - merging an updated definition into an existing leaf
 * field, with Elasticsearch's rules and wording.
 *
 * The type must not change ("mapper [f] cannot be changed from type [long]
 * to [text]"); non-updatable parameters (index, store, doc_values,
 * analyzer, position_increment_gap, null_value, format, scaling_factor,
 * normalizer; norms may only go from true to false) must be equal, and all
 * differences are reported at once as "Mapper for [f] conflicts with
 * existing mapper:\n\tCannot update parameter [p] from [a] to [b]".
 * Updatable parameters take the update's value (defaults included, as
 * Elasticsearch merges whole builders); multi-fields are unioned. Works on
 * the private copy a merge builds, never on a published mapping.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mapping_int.h"

typedef struct conflicts {
	char buf[480];
	size_t n;
} conflicts_t;

static void
conflict(conflicts_t *c, const char *param, const char *from, const char *to)
{
	int w = snprintf(c->buf + c->n, sizeof(c->buf) - c->n, "\n\tCannot update parameter [%s] from [%s] to [%s]",
			 param, from, to);

	if (w > 0)
		c->n = c->n + (size_t)w < sizeof(c->buf) ? c->n + (size_t)w : sizeof(c->buf) - 1;
}


static void
fmt_num(char *buf, size_t n, double d)
{
	if (d == floor(d) && fabs(d) < 1e15)
		snprintf(buf, n, "%.1f", d);
	else
		snprintf(buf, n, "%.17g", d);
}

int
st_field_merge_leaf(st_mapping_t *m, st_fieldx_t *cur, st_fieldx_t *upd, osp_err_t *err)
{
	st_field_t *c = &cur->pub, *u = &upd->pub;
	conflicts_t cf = { .n = 0 };
	int rc;

	if (c->type != u->type)
		return osp_err_illegal_argument(err, "mapper [%s] cannot be changed from type [%s] to [%s]",
						c->path, st_field_type_name(c->type), st_field_type_name(u->type));
	if (c->index != u->index)
		conflict(&cf, "index", st_bstr(c->index), st_bstr(u->index));
	if (c->store != u->store)
		conflict(&cf, "store", st_bstr(c->store), st_bstr(u->store));
	if (c->type != ST_FIELD_TEXT && c->doc_values != u->doc_values)
		conflict(&cf, "doc_values", st_bstr(c->doc_values), st_bstr(u->doc_values));
	if (!c->norms && u->norms && (c->type == ST_FIELD_TEXT || c->type == ST_FIELD_KEYWORD))
		conflict(&cf, "norms", "false", "true");
	if (c->type == ST_FIELD_TEXT) {
		const char *ca = c->analyzer_name ? c->analyzer_name : "default";
		const char *ua = u->analyzer_name ? u->analyzer_name : "default";

		if (strcmp(ca, ua) != 0)
			conflict(&cf, "analyzer", ca, ua);
		if (c->position_increment_gap != u->position_increment_gap) {
			char a[16], b[16];

			snprintf(a, sizeof(a), "%d", c->position_increment_gap);
			snprintf(b, sizeof(b), "%d", u->position_increment_gap);
			conflict(&cf, "position_increment_gap", a, b);
		}
	}
	bool nv_same = c->has_null_value == u->has_null_value;

	if (nv_same && c->has_null_value) {
		if (c->type == ST_FIELD_KEYWORD)
			nv_same = strcmp(c->null_value_str, u->null_value_str) == 0;
		else if (c->type == ST_FIELD_DOUBLE || c->type == ST_FIELD_FLOAT ||
			 c->type == ST_FIELD_HALF_FLOAT || c->type == ST_FIELD_SCALED_FLOAT)
			nv_same = c->null_value_double == u->null_value_double;
		else
			nv_same = c->null_value_long == u->null_value_long;
	}
	if (!nv_same) {
		osp_buf_t a = OSP_BUF_INIT, b = OSP_BUF_INIT;
		osp_jw_t wa, wb;

		osp_jw_init(&wa, &a, 0);
		osp_jw_init(&wb, &b, 0);
		if (cur->null_value_json && cur->null_value_json->type == OSP_JSON_STRING)
			osp_buf_puts(&a, cur->null_value_json->u.str);
		else if (cur->null_value_json)
			osp_jw_value(&wa, cur->null_value_json);
		else
			osp_buf_puts(&a, "null");
		if (upd->null_value_json && upd->null_value_json->type == OSP_JSON_STRING)
			osp_buf_puts(&b, upd->null_value_json->u.str);
		else if (upd->null_value_json)
			osp_jw_value(&wb, upd->null_value_json);
		else
			osp_buf_puts(&b, "null");
		conflict(&cf, "null_value", a.data ? a.data : "", b.data ? b.data : "");
		osp_buf_free(&a);
		osp_buf_free(&b);
	}
	if (c->type == ST_FIELD_KEYWORD &&
	    strcmp(c->normalizer_name ? c->normalizer_name : "null", u->normalizer_name ? u->normalizer_name : "null"))
		conflict(&cf, "normalizer", c->normalizer_name ? c->normalizer_name : "null",
			 u->normalizer_name ? u->normalizer_name : "null");
	if (c->type == ST_FIELD_DATE &&
	    strcmp(st_date_format_spec(c->date_format), st_date_format_spec(u->date_format)) != 0)
		conflict(&cf, "format", st_date_format_spec(c->date_format), st_date_format_spec(u->date_format));
	if (c->type == ST_FIELD_SCALED_FLOAT && c->scaling_factor != u->scaling_factor) {
		char a[32], b[32];

		fmt_num(a, sizeof(a), c->scaling_factor);
		fmt_num(b, sizeof(b), u->scaling_factor);
		conflict(&cf, "scaling_factor", a, b);
	}
	if (cf.n)
		return osp_err_illegal_argument(err, "Mapper for [%s] conflicts with existing mapper:%s", c->path, cf.buf);

	/* updatable parameters take the update's values */
	c->norms = u->norms;
	c->ignore_above = u->ignore_above;
	c->coerce = u->coerce;
	c->ignore_malformed = u->ignore_malformed;
	c->search_analyzer = u->search_analyzer;
	c->search_analyzer_name = u->search_analyzer_name;
	c->meta = u->meta;
	uint32_t keep = ST_FP_INDEX | ST_FP_STORE | ST_FP_DOC_VALUES | ST_FP_ANALYZER | ST_FP_PIG |
			ST_FP_NULL_VALUE | ST_FP_FORMAT | ST_FP_SCALING | ST_FP_NORMALIZER;

	c->set_mask = (c->set_mask & keep) | (u->set_mask & ~keep);
	cur->extra = upd->extra;
	/* multi-fields: union, merging those present in both */
	for (uint32_t i = 0; i < u->n_children; i++) {
		st_fieldx_t *uc = (st_fieldx_t *)u->children[i];
		st_fieldx_t *cc = (st_fieldx_t *)st_field_child(c, uc->pub.name, strlen(uc->pub.name));

		if (cc) {
			if ((rc = st_field_merge_leaf(m, cc, uc, err)) < 0)
				return rc;
		} else {
			uc->pub.parent = c;
			if ((rc = st_field_add_child(&m->arena, cur, uc)) < 0)
				return rc;
		}
	}
	return 0;
}
