/*
 * st_fields.c - st_search_fields_t bound to a shard's mapping
 * (osprey/mapping.h) and the worker's analysis context (osprey/analysis.h).
 *
 * Field kinds come from the mapped type (every integral type, and
 * scaled_float, search as long; float types as double), text is analyzed
 * with the field's search analyzer or the one the query names, keyword
 * values are one token, run through the field's normalizer when it has one
 * (Elasticsearch normalizes term, terms, prefix, range and match values of
 * such fields), dates go through osprey/date.h with the
 * field's format. The binding is a plain struct the worker fills per search;
 * it borrows the mapping and the context.
 */
#include <errno.h>
#include <string.h>

#include "osprey/date.h"
#include "osprey/mapping.h"
#include "st_fields.h"

static const st_field_t *
lookup(st_search_fields_mapping_t *fm, const char *field)
{
	return st_mapping_field(fm->m, field, strlen(field));
}

static st_qfield_kind_t
fm_kind(void *arg, const char *field, const void **date_format)
{
	const st_field_t *f = lookup(arg, field);

	*date_format = NULL;
	if (!f)
		return ST_QF_UNMAPPED;
	switch (f->type) {
	case ST_FIELD_TEXT: return ST_QF_TEXT;
	case ST_FIELD_KEYWORD: return ST_QF_KEYWORD;
	case ST_FIELD_LONG: case ST_FIELD_INTEGER: case ST_FIELD_SHORT: case ST_FIELD_BYTE:
	case ST_FIELD_SCALED_FLOAT:
		return ST_QF_LONG;
	case ST_FIELD_DOUBLE: case ST_FIELD_FLOAT: case ST_FIELD_HALF_FLOAT:
		return ST_QF_DOUBLE;
	case ST_FIELD_BOOLEAN: return ST_QF_BOOLEAN;
	case ST_FIELD_DATE:
		*date_format = f->date_format;
		return ST_QF_DATE;
	default:
		return ST_QF_UNMAPPED;
	}
}

static int
fm_analyze(void *arg, const char *field, const char *analyzer, const char *text,
	   size_t len, osp_arena_t *a, st_qtoken_t **toks, uint32_t *n, osp_err_t *err)
{
	st_search_fields_mapping_t *fm = arg;
	const st_field_t *f = lookup(fm, field);
	const st_analyzer_t *an;
	st_token_t *tk = NULL;
	uint32_t nt = 0, cap = 0;
	int rc;

	*toks = NULL;
	*n = 0;
	if (!f)
		return 0;
	if (f->type == ST_FIELD_KEYWORD && f->normalizer && fm->actx) {
		/* a normalizer yields exactly one token: the normalized value */
		if ((rc = st_analyze_to_arena(fm->actx, f->normalizer, text, len, 0, NULL, a,
					      &tk, &nt, &cap)))
			return rc;
		if (nt == 1) {
			text = tk[0].term;
			len = tk[0].len;
		}
	}
	if (f->type != ST_FIELD_TEXT || !fm->actx) {
		/* keyword: the (normalized) value is the term */
		*toks = osp_arena_calloc(a, sizeof(**toks));
		if (!*toks)
			return -ENOMEM;
		(*toks)->term = osp_arena_strndup(a, text, len);
		(*toks)->len = (uint32_t)len;
		*n = 1;
		return (*toks)->term ? 0 : -ENOMEM;
	}
	if (analyzer) {
		an = st_analysis_get(st_mapping_analysis(fm->m), analyzer, strlen(analyzer));
		if (!an)
			return osp_err_illegal_argument(err, "analyzer [%s] not found for field [%s]",
							analyzer, field);
	} else {
		an = f->search_analyzer ? f->search_analyzer : f->analyzer;
	}
	if ((rc = st_analyze_to_arena(fm->actx, an, text, len, 0, NULL, a, &tk, &nt, &cap)))
		return rc;
	*toks = osp_arena_calloc(a, (nt + 1) * sizeof(**toks));
	if (!*toks)
		return -ENOMEM;
	for (uint32_t i = 0; i < nt; i++) {
		(*toks)[i].term = tk[i].term;
		(*toks)[i].len = tk[i].len;
		(*toks)[i].position = tk[i].position;
	}
	*n = nt;
	return 0;
}

/* Collects leaf paths for fm_expand. */
typedef struct expand_acc {
	osp_arena_t *a;
	const char **out;
	uint32_t n, cap;
	bool oom;
} expand_acc_t;

static int
expand_cb(void *arg, const st_field_t *f)
{
	expand_acc_t *x = arg;

	if (x->n == x->cap) {
		uint32_t ncap = x->cap ? x->cap * 2 : 16;
		const char **no = osp_arena_alloc(x->a, ncap * sizeof(*no));
		if (!no) {
			x->oom = true;
			return 1;
		}
		if (x->n)
			memcpy(no, x->out, x->n * sizeof(*no));
		x->out = no;
		x->cap = ncap;
	}
	x->out[x->n++] = f->path;
	return 0;
}

static int
fm_expand(void *arg, const char *pattern, osp_arena_t *a, const char ***fields, uint32_t *n)
{
	st_search_fields_mapping_t *fm = arg;
	expand_acc_t x = { .a = a };

	if (!strchr(pattern, '*')) {
		*fields = osp_arena_alloc(a, sizeof(char *));
		if (!*fields)
			return -ENOMEM;
		(*fields)[0] = pattern;
		*n = 1;
		return 0;
	}
	st_mapping_fields_match(fm->m, pattern, strlen(pattern), expand_cb, &x);
	if (x.oom)
		return -ENOMEM;
	*fields = x.out;
	*n = x.n;
	return 0;
}

static int
fm_date(void *arg, const void *date_format, const char *format, const char *expr,
	size_t len, int64_t now_ms, bool round_up, int32_t tz, int64_t *out, osp_err_t *err)
{
	const st_date_format_t *f = date_format;
	st_date_format_t *own = NULL;
	osp_arena_t a;
	int rc;

	(void)arg;
	osp_arena_init(&a, 1024, 0);
	if (format && st_date_format_compile(&a, format, strlen(format), &own, err) == 0)
		f = own;
	rc = st_date_math(f, expr, len, now_ms, round_up, tz, out, err);
	osp_arena_free(&a);
	return rc;
}

static int
fm_date_format(void *arg, const void *date_format, const char *format, int64_t millis,
	       int32_t tz, char *out, size_t cap)
{
	const st_date_format_t *f = date_format;
	st_date_format_t *own = NULL;
	osp_arena_t a;
	osp_err_t err;
	int rc;

	(void)arg;
	osp_arena_init(&a, 1024, 0);
	if (format && st_date_format_compile(&a, format, strlen(format), &own, &err) == 0)
		f = own;
	rc = st_date_format_millis(f ? f : st_date_format_default(), millis, tz, out, cap);
	osp_arena_free(&a);
	return rc;
}

void
st_search_fields_mapping(st_search_fields_mapping_t *fm, const st_mapping_t *m,
			 st_analysis_ctx_t *actx)
{
	memset(fm, 0, sizeof(*fm));
	fm->m = m;
	fm->actx = actx;
	fm->ops.arg = fm;
	fm->ops.kind = fm_kind;
	fm->ops.analyze = fm_analyze;
	fm->ops.expand = fm_expand;
	fm->ops.date = fm_date;
	fm->ops.date_format = fm_date_format;
}
