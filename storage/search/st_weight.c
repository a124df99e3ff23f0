/*
 * st_weight.c - the query AST -> per-shard weight tree (Lucene's rewrite +
 * createWeight).
 *
 * Resolves each field through st_search_fields_t, analyzes match text with
 * the field's search analyzer, turns values into typed bounds, and gathers
 * BM25 statistics summed over every segment of the shard (docCount and
 * sumTotalTermFreq per field, docFreq per term; deleted docs count, as in
 * Lucene). Boosts are multiplied from the root down (Lucene's BoostQuery
 * passes boost * parent to createWeight), so leaves carry their effective
 * boost. Everything is allocated in the search arena; the AST is only read.
 */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st_search_int.h"

/* State of one build; on the caller's stack. */
typedef struct wctx {
	st_reader_t *const *r;
	uint32_t n;
	const st_search_fields_t *f;
	int64_t now;
	osp_arena_t *a;
	osp_err_t *err;
} wctx_t;

static int build(wctx_t *c, const st_query_t *q, float boost, st_weight_t **out);

static st_weight_t *
wnew(wctx_t *c, st_weight_kind_t kind, float boost)
{
	st_weight_t *w = osp_arena_calloc(c->a, sizeof(*w));

	if (w) {
		w->kind = (uint8_t)kind;
		w->boost = boost;
	}
	return w;
}

static void
field_stats(wctx_t *c, const char *field, uint64_t *doc_count, uint64_t *sum_ttf)
{
	*doc_count = *sum_ttf = 0;
	for (uint32_t i = 0; i < c->n; i++) {
		st_field_stats_t fs;
		if (c->r[i]->ops->field_stats(c->r[i], field, &fs) == 0) {
			*doc_count += fs.doc_count;
			*sum_ttf += fs.sum_total_term_freq;
		}
	}
}

static uint64_t
term_df(wctx_t *c, const char *field, const char *t, uint32_t len)
{
	uint64_t df = 0;

	for (uint32_t i = 0; i < c->n; i++) {
		const st_postings_t *p;
		if (c->r[i]->ops->postings(c->r[i], field, t, len, &p) == 0)
			df += p->doc_freq;
	}
	return df;
}

/* The n pieces p[i] (l[i] bytes each) joined, NUL-terminated, in a: the
 * descriptions every term and range weight gets, without a printf. */
static char *
scat(osp_arena_t *a, const char *const *p, const size_t *l, int n)
{
	size_t len = 0, at = 0;
	char *d;

	for (int i = 0; i < n; i++)
		len += l[i];
	if (!(d = osp_arena_alloc(a, len + 1)))
		return NULL;
	for (int i = 0; i < n; i++) {
		memcpy(d + at, p[i], l[i]);
		at += l[i];
	}
	d[len] = '\0';
	return d;
}

static char *
sfmt(osp_arena_t *a, const char *f, ...) __attribute__((format(printf, 2, 3)));

static char *
sfmt(osp_arena_t *a, const char *f, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	return osp_arena_strndup(a, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* A BM25 term weight. */
static int
term_weight(wctx_t *c, const char *field, const char *t, uint32_t len, float boost,
	    st_weight_t **out)
{
	st_weight_t *w = wnew(c, ST_W_TERM, boost);
	uint64_t dc, sttf;

	if (!w)
		return -ENOMEM;
	w->field = field;
	w->terms = osp_arena_calloc(c->a, sizeof(char *));
	w->lens = osp_arena_calloc(c->a, sizeof(uint32_t));
	w->dfs = osp_arena_calloc(c->a, sizeof(uint64_t));
	w->bm25 = osp_arena_calloc(c->a, sizeof(st_bm25_t));
	if (!w->terms || !w->lens || !w->dfs || !w->bm25)
		return -ENOMEM;
	w->terms[0] = osp_arena_strndup(c->a, t, len);
	w->lens[0] = len;
	w->n_terms = 1;
	w->dfs[0] = term_df(c, field, t, len);
	field_stats(c, field, &dc, &sttf);
	st_bm25_init(w->bm25, boost, st_bm25_idf(w->dfs[0], dc), dc, sttf);
	const char *dp[3] = { field, ":", t };
	size_t dl[3] = { strlen(field), 1, len };
	w->desc = scat(c->a, dp, dl, 3);
	*out = w;
	return w->terms[0] && w->desc ? 0 : -ENOMEM;
}

static int
phrase_weight(wctx_t *c, const char *field, const st_qtoken_t *toks, uint32_t n,
	      int32_t slop, float boost, st_weight_t **out)
{
	st_weight_t *w = wnew(c, ST_W_PHRASE, boost);
	uint64_t dc, sttf;
	double idf = 0;
	size_t dlen = 0;
	char *desc, *d;

	if (!w)
		return -ENOMEM;
	w->field = field;
	w->slop = slop;
	w->n_terms = n;
	w->terms = osp_arena_calloc(c->a, n * sizeof(char *));
	w->lens = osp_arena_calloc(c->a, n * sizeof(uint32_t));
	w->positions = osp_arena_calloc(c->a, n * sizeof(int32_t));
	w->dfs = osp_arena_calloc(c->a, n * sizeof(uint64_t));
	w->bm25 = osp_arena_calloc(c->a, sizeof(st_bm25_t));
	if (!w->terms || !w->lens || !w->positions || !w->dfs || !w->bm25)
		return -ENOMEM;
	field_stats(c, field, &dc, &sttf);
	for (uint32_t i = 0; i < n; i++) {
		w->terms[i] = toks[i].term;
		w->lens[i] = toks[i].len;
		w->positions[i] = toks[i].position - toks[0].position;
		w->dfs[i] = term_df(c, field, toks[i].term, toks[i].len);
		idf += st_bm25_idf(w->dfs[i], dc);
		dlen += toks[i].len + 1;
	}
	st_bm25_init(w->bm25, boost, (float)idf, dc, sttf);
	desc = osp_arena_alloc(c->a, strlen(field) + dlen + 32);
	if (!desc)
		return -ENOMEM;
	d = desc + sprintf(desc, "%s:\"", field);
	for (uint32_t i = 0; i < n; i++) {
		memcpy(d, toks[i].term, toks[i].len);
		d += toks[i].len;
		*d++ = i + 1 < n ? ' ' : '"';
	}
	*d = '\0';
	if (slop)
		sprintf(d, "~%d", slop);
	w->desc = desc;
	*out = w;
	return 0;
}

static int
none(wctx_t *c, st_weight_t **out)
{
	*out = wnew(c, ST_W_NONE, 0);
	return *out ? 0 : -ENOMEM;
}

/* Parse a scalar for a numeric/date/boolean field into [lo, hi] inclusive
 * long bounds or double bounds; -EINVAL when it is not a number. */
static int
num_value(wctx_t *c, st_qfield_kind_t k, const void *dfmt, const char *format,
	  const st_value_t *v, bool round_up, int64_t *li, double *d)
{
	char *end;

	if (k == ST_QF_DATE) {
		if (v->type == ST_VAL_LONG) {
			*li = v->i;
			return 0;
		}
		if (v->type != ST_VAL_STRING || !c->f->date)
			return -EINVAL;
		return c->f->date(c->f->arg, dfmt, format, v->s, v->len, c->now, round_up, 0, li,
				  c->err);
	}
	if (k == ST_QF_BOOLEAN) {
		if (v->type == ST_VAL_BOOL) { *li = v->b; return 0; }
		if (v->type == ST_VAL_STRING && strcmp(v->s, "true") == 0) { *li = 1; return 0; }
		if (v->type == ST_VAL_STRING && strcmp(v->s, "false") == 0) { *li = 0; return 0; }
		return -EINVAL;
	}
	if (v->type == ST_VAL_LONG) {
		*d = (double)v->i;
		*li = v->i;
		return 1; /* exact long */
	}
	if (v->type == ST_VAL_DOUBLE) {
		*d = v->d;
		return 2;
	}
	if (v->type == ST_VAL_STRING && v->len) {
		*d = strtod(v->s, &end);
		if (*end)
			return -EINVAL;
		long long x = strtoll(v->s, &end, 10);
		if (!*end) {
			*li = x;
			return 1;
		}
		return 2;
	}
	return -EINVAL;
}

static int
bad_number(wctx_t *c, const st_value_t *v)
{
	return osp_err_set(c->err, 400, "query_shard_exception",
			   "failed to create query: For input string: \"%.*s\"",
			   (int)v->len, v->s ? v->s : "");
}

/* A numeric range filter: from/to may be NULL type for open bounds. */
static int
num_range(wctx_t *c, const char *field, st_qfield_kind_t k, const void *dfmt,
	  const char *format, const st_value_t *from, bool inc_lo, const st_value_t *to,
	  bool inc_hi, float boost, bool lenient, st_weight_t **out)
{
	st_weight_t *w = wnew(c, ST_W_FILTER, boost);
	int64_t li = 0;
	double d = 0;
	int rc;

	if (!w)
		return -ENOMEM;
	w->fkind = ST_F_NUM_RANGE;
	w->field = field;
	w->is_double = k == ST_QF_DOUBLE;
	w->lo_i = INT64_MIN;
	w->hi_i = INT64_MAX;
	w->lo_d = -INFINITY;
	w->hi_d = INFINITY;
	w->lo_inc = w->hi_inc = true;
	if (from && from->type != ST_VAL_NULL) {
		rc = num_value(c, k, dfmt, format, from, !inc_lo, &li, &d);
		if (rc < 0)
			goto bad;
		if (w->is_double) {
			w->lo_d = d;
			w->lo_inc = inc_lo;
		} else if (rc == 2) {
			w->lo_i = inc_lo ? (int64_t)ceil(d) : (int64_t)floor(d) + 1;
		} else {
			if (!inc_lo && li == INT64_MAX)
				return none(c, out);
			w->lo_i = inc_lo ? li : li + 1;
		}
	}
	if (to && to->type != ST_VAL_NULL) {
		rc = num_value(c, k, dfmt, format, to, inc_hi, &li, &d);
		if (rc < 0)
			goto bad;
		if (w->is_double) {
			w->hi_d = d;
			w->hi_inc = inc_hi;
		} else if (rc == 2) {
			w->hi_i = inc_hi ? (int64_t)floor(d) : (int64_t)ceil(d) - 1;
		} else {
			if (!inc_hi && li == INT64_MIN)
				return none(c, out);
			w->hi_i = inc_hi ? li : li - 1;
		}
	}
	const char *lo = from && from->s ? from->s : "*", *hi = to && to->s ? to->s : "*";
	const char *dp[6] = { field, ":[", lo, " TO ", hi, "]" };
	size_t dl[6] = { strlen(field), 2, strlen(lo), 4, strlen(hi), 1 };
	w->desc = scat(c->a, dp, dl, 6);
	*out = w;
	return w->desc ? 0 : -ENOMEM;
bad:
	if (lenient)
		return none(c, out);
	if (c->err->status)
		return -EINVAL;
	return bad_number(c, from && from->type != ST_VAL_NULL ? from : to);
}

static int
const_of(wctx_t *c, st_weight_t *child, float boost, st_weight_t **out)
{
	st_weight_t *w = wnew(c, ST_W_CONST, boost);

	if (!w)
		return -ENOMEM;
	w->child = child;
	w->desc = child->desc;
	*out = w;
	return 0;
}

/* A keyword field's query value as indexed: the fields service runs it
 * through the field's normalizer (its one token); other kinds keep it. */
static int
kw_value(wctx_t *c, const char *field, st_qfield_kind_t k, const char **s, uint32_t *len)
{
	st_qtoken_t *t = NULL;
	uint32_t n = 0;
	int rc;

	if (k != ST_QF_KEYWORD || *s == NULL)
		return 0;
	if ((rc = c->f->analyze(c->f->arg, field, NULL, *s, *len, c->a, &t, &n, c->err)))
		return rc;
	if (n == 1) {
		*s = t[0].term;
		*len = t[0].len;
	}
	return 0;
}

/* A term on any field kind: BM25 for text/keyword, constant for numbers. */
static int
term_any(wctx_t *c, const char *field, const st_value_t *v, float boost, bool lenient,
	 st_weight_t **out)
{
	const void *dfmt = NULL;
	st_qfield_kind_t k = c->f->kind(c->f->arg, field, &dfmt);
	st_weight_t *fw;
	int rc;

	if (k == ST_QF_UNMAPPED)
		return none(c, out);
	if (k == ST_QF_TEXT || k == ST_QF_KEYWORD) {
		char buf[32];
		const char *s = v->s;
		uint32_t len = v->len;
		if (v->type == ST_VAL_BOOL) {
			s = v->b ? "true" : "false";
			len = (uint32_t)strlen(s);
		} else if (!s) {
			snprintf(buf, sizeof(buf), "%lld", (long long)v->i);
			s = buf;
			len = (uint32_t)strlen(buf);
		}
		if ((rc = kw_value(c, field, k, &s, &len)))
			return rc;
		return term_weight(c, field, s, len, boost, out);
	}
	if ((rc = num_range(c, field, k, dfmt, NULL, v, true, v, true, boost, lenient, &fw)))
		return rc;
	if (fw->kind == ST_W_NONE) {
		*out = fw;
		return 0;
	}
	fw->desc = sfmt(c->a, "%s:%s", field, v->s ? v->s : "");
	return const_of(c, fw, boost, out);
}

/* match / match_phrase on one field. */
static int
match_field(wctx_t *c, const char *field, const char *text, uint32_t text_len,
	    const char *analyzer, bool phrase, int32_t slop, uint8_t op, const char *msm,
	    uint8_t zero_terms, bool lenient, float boost, st_weight_t **out)
{
	const void *dfmt = NULL;
	st_qfield_kind_t k = c->f->kind(c->f->arg, field, &dfmt);
	st_qtoken_t *toks = NULL;
	uint32_t n = 0;
	st_weight_t *b;
	int rc;

	if (k == ST_QF_UNMAPPED)
		return none(c, out);
	if (k != ST_QF_TEXT && k != ST_QF_KEYWORD) {
		st_value_t v = { .type = ST_VAL_STRING, .s = text, .len = text_len };
		return term_any(c, field, &v, boost, lenient, out);
	}
	if ((rc = c->f->analyze(c->f->arg, field, analyzer, text, text_len, c->a, &toks, &n, c->err)))
		return rc;
	if (n == 0) {
		if (zero_terms == ST_ZERO_TERMS_ALL) {
			*out = wnew(c, ST_W_ALL, boost);
			if (*out)
				(*out)->desc = "*:*";
			return *out ? 0 : -ENOMEM;
		}
		return none(c, out);
	}
	if (n == 1)
		return term_weight(c, field, toks[0].term, toks[0].len, boost, out);
	if (phrase)
		return phrase_weight(c, field, toks, n, slop, boost, out);
	b = wnew(c, ST_W_BOOL, boost);
	if (!b)
		return -ENOMEM;
	st_weight_t **arr = osp_arena_calloc(c->a, n * sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		if ((rc = term_weight(c, field, toks[i].term, toks[i].len, boost, &arr[i])))
			return rc;
	if (op == ST_OP_AND) {
		b->must = arr;
		b->n_must = n;
	} else {
		b->should = arr;
		b->n_should = n;
		b->should_required = true;
		b->msm = 1;
		if (msm) {
			if (st_msm_eval(msm, n, &b->msm))
				return osp_err_illegal_argument(c->err, "bad minimum_should_match [%s]", msm);
			if (b->msm == 0)
				b->msm = 1;
		}
	}
	b->desc = "match";
	*out = b;
	return 0;
}

static int
multi_match(wctx_t *c, const st_query_t *q, float boost, st_weight_t **out)
{
	st_weight_t *top, **kids = NULL;
	uint32_t nk = 0, cap = 0;
	bool phrase = q->u.mm.type == ST_MM_PHRASE;
	int rc;

	for (uint32_t i = 0; i < q->u.mm.n_fields; i++) {
		const char **names;
		uint32_t nn = 0;
		if ((rc = c->f->expand(c->f->arg, q->u.mm.fields[i], c->a, &names, &nn)))
			return rc;
		for (uint32_t j = 0; j < nn; j++) {
			st_weight_t *w;
			const void *dfmt;
			st_qfield_kind_t k = c->f->kind(c->f->arg, names[j], &dfmt);
			if (q->u.mm.lenient && k != ST_QF_TEXT && k != ST_QF_KEYWORD) {
				/* all-fields queries only hit fields that accept the text */
				if (k == ST_QF_UNMAPPED || k == ST_QF_DATE || k == ST_QF_BOOLEAN)
					continue;
			}
			rc = match_field(c, names[j], q->u.mm.text, q->u.mm.text_len,
					 q->u.mm.analyzer, phrase, q->u.mm.slop, q->u.mm.op,
					 q->u.mm.msm, q->u.mm.zero_terms, q->u.mm.lenient,
					 boost * q->u.mm.field_boosts[i], &w);
			if (rc)
				return rc;
			if (w->kind == ST_W_NONE)
				continue;
			if (nk == cap) {
				st_weight_t **nw = osp_arena_alloc(c->a, (cap * 2 + 4) * sizeof(*nw));
				if (!nw)
					return -ENOMEM;
				if (nk)
					memcpy(nw, kids, nk * sizeof(*nw));
				kids = nw;
				cap = cap * 2 + 4;
			}
			kids[nk++] = w;
		}
	}
	if (nk == 0)
		return none(c, out);
	if (nk == 1) {
		*out = kids[0];
		return 0;
	}
	top = wnew(c, q->u.mm.type == ST_MM_MOST_FIELDS ? ST_W_BOOL : ST_W_DISMAX, boost);
	if (!top)
		return -ENOMEM;
	top->should = kids;
	top->n_should = nk;
	top->should_required = true;
	top->msm = 1;
	top->tie = q->u.mm.has_tie_breaker ? q->u.mm.tie_breaker : 0.0f;
	top->desc = "multi_match";
	*out = top;
	return 0;
}

static int
clause_list(wctx_t *c, st_query_t *const *qs, uint32_t n, float boost,
	    st_weight_t ***out)
{
	int rc;

	*out = osp_arena_calloc(c->a, (n + 1) * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		if ((rc = build(c, qs[i], boost, &(*out)[i])))
			return rc;
	return 0;
}

static int
bool_weight(wctx_t *c, const st_query_t *q, float boost, st_weight_t **out)
{
	st_weight_t *w = wnew(c, ST_W_BOOL, boost);
	int rc;

	if (!w)
		return -ENOMEM;
	w->desc = "bool";
	if (!q->u.bool_q.n_must && !q->u.bool_q.n_should && !q->u.bool_q.n_filter &&
	    !q->u.bool_q.n_must_not) {
		w->kind = ST_W_ALL;
		w->desc = "*:*";
		*out = w;
		return 0;
	}
	if ((rc = clause_list(c, q->u.bool_q.must, q->u.bool_q.n_must, boost, &w->must)) ||
	    (rc = clause_list(c, q->u.bool_q.should, q->u.bool_q.n_should, boost, &w->should)) ||
	    (rc = clause_list(c, q->u.bool_q.filter, q->u.bool_q.n_filter, 0.0f, &w->filter)) ||
	    (rc = clause_list(c, q->u.bool_q.must_not, q->u.bool_q.n_must_not, 0.0f, &w->must_not)))
		return rc;
	w->n_must = q->u.bool_q.n_must;
	w->n_should = q->u.bool_q.n_should;
	w->n_filter = q->u.bool_q.n_filter;
	w->n_must_not = q->u.bool_q.n_must_not;
	w->msm = 0;
	if (q->u.bool_q.msm && st_msm_eval(q->u.bool_q.msm, w->n_should, &w->msm))
		return osp_err_illegal_argument(c->err, "bad minimum_should_match [%s]", q->u.bool_q.msm);
	if (w->n_should && !w->n_must && !w->n_filter) {
		w->should_required = true;
		if (w->msm == 0)
			w->msm = 1;
	}
	*out = w;
	return 0;
}

static int
filter_leaf(wctx_t *c, const st_query_t *q, float boost, st_weight_t **out)
{
	st_weight_t *w = wnew(c, ST_W_FILTER, boost);
	const void *dfmt = NULL;
	st_qfield_kind_t k;
	int rc;

	if (!w)
		return -ENOMEM;
	switch (q->kind) {
	case ST_Q_EXISTS:
		w->fkind = ST_F_EXISTS;
		w->field = q->u.exists.field;
		w->desc = sfmt(c->a, "FieldExistsQuery [field=%s]", w->field);
		break;
	case ST_Q_IDS:
		w->fkind = ST_F_IDS;
		w->terms = (const char **)q->u.ids.ids;
		w->lens = q->u.ids.lens;
		w->n_terms = q->u.ids.n;
		w->desc = "_id";
		break;
	case ST_Q_PREFIX:
		k = c->f->kind(c->f->arg, q->u.term.field, &dfmt);
		if (k != ST_QF_TEXT && k != ST_QF_KEYWORD) {
			if (k == ST_QF_UNMAPPED)
				return none(c, out);
			return osp_err_set(c->err, 400, "query_shard_exception",
				"Can only use prefix queries on keyword and text fields - not on [%s] which is of type [%s]",
				q->u.term.field, k == ST_QF_DATE ? "date" : k == ST_QF_BOOLEAN ? "boolean" : "long");
		}
		w->fkind = ST_F_PREFIX;
		w->field = q->u.term.field;
		w->lo_s = q->u.term.value.s;
		w->lo_len = q->u.term.value.len;
		if ((rc = kw_value(c, w->field, k, &w->lo_s, &w->lo_len)))
			return rc;
		w->case_insensitive = q->u.term.case_insensitive;
		w->desc = sfmt(c->a, "%s:%s*", w->field, w->lo_s);
		break;
	case ST_Q_TERMS:
		k = c->f->kind(c->f->arg, q->u.terms.field, &dfmt);
		if (k == ST_QF_UNMAPPED)
			return none(c, out);
		if (k != ST_QF_TEXT && k != ST_QF_KEYWORD) {
			st_weight_t *b = wnew(c, ST_W_BOOL, 0);
			if (!b)
				return -ENOMEM;
			b->should = osp_arena_calloc(c->a, (q->u.terms.n + 1) * sizeof(*b->should));
			if (!b->should)
				return -ENOMEM;
			for (uint32_t i = 0; i < q->u.terms.n; i++) {
				if ((rc = term_any(c, q->u.terms.field, &q->u.terms.values[i], 0, false,
						   &b->should[b->n_should])))
					return rc;
				b->n_should++;
			}
			b->should_required = true;
			b->msm = 1;
			b->desc = sfmt(c->a, "%s:(terms)", q->u.terms.field);
			return const_of(c, b, boost, out);
		}
		w->fkind = ST_F_TERMS;
		w->field = q->u.terms.field;
		w->n_terms = q->u.terms.n;
		w->terms = osp_arena_calloc(c->a, (w->n_terms + 1) * sizeof(char *));
		w->lens = osp_arena_calloc(c->a, (w->n_terms + 1) * sizeof(uint32_t));
		if (!w->terms || !w->lens)
			return -ENOMEM;
		for (uint32_t i = 0; i < w->n_terms; i++) {
			const st_value_t *v = &q->u.terms.values[i];
			w->terms[i] = v->s;
			w->lens[i] = v->len;
			if ((rc = kw_value(c, w->field, k, &w->terms[i], &w->lens[i])))
				return rc;
		}
		w->desc = sfmt(c->a, "%s:(terms)", w->field);
		break;
	case ST_Q_RANGE:
		k = c->f->kind(c->f->arg, q->u.range.field, &dfmt);
		if (k == ST_QF_UNMAPPED)
			return none(c, out);
		if (k == ST_QF_TEXT || k == ST_QF_KEYWORD) {
			w->fkind = ST_F_TERM_RANGE;
			w->field = q->u.range.field;
			w->lo_s = q->u.range.from.type ? q->u.range.from.s : NULL;
			w->lo_len = q->u.range.from.len;
			w->hi_s = q->u.range.to.type ? q->u.range.to.s : NULL;
			w->hi_len = q->u.range.to.len;
			w->lo_inc = q->u.range.include_lower;
			w->hi_inc = q->u.range.include_upper;
			if ((rc = kw_value(c, w->field, k, &w->lo_s, &w->lo_len)) ||
			    (rc = kw_value(c, w->field, k, &w->hi_s, &w->hi_len)))
				return rc;
			w->desc = sfmt(c->a, "%s:%c%s TO %s%c", w->field, w->lo_inc ? '[' : '{',
				       w->lo_s ? w->lo_s : "*", w->hi_s ? w->hi_s : "*",
				       w->hi_inc ? ']' : '}');
			break;
		} else {
			rc = num_range(c, q->u.range.field, k, dfmt, q->u.range.format,
					   &q->u.range.from, q->u.range.include_lower,
					   &q->u.range.to, q->u.range.include_upper, boost, false, &w);
			if (rc)
				return rc;
			if (w->kind == ST_W_NONE) {
				*out = w;
				return 0;
			}
		}
		break;
	default:
		return -EINVAL;
	}
	if (!w->desc)
		return -ENOMEM;
	return const_of(c, w, boost, out);
}

static int
build(wctx_t *c, const st_query_t *q, float parent, st_weight_t **out)
{
	float boost = q->boost * parent;
	int rc;

	switch (q->kind) {
	case ST_Q_MATCH_ALL:
		*out = wnew(c, ST_W_ALL, boost);
		if (*out)
			(*out)->desc = "*:*";
		return *out ? 0 : -ENOMEM;
	case ST_Q_MATCH_NONE:
		return none(c, out);
	case ST_Q_MATCH:
	case ST_Q_MATCH_PHRASE:
		return match_field(c, q->u.match.field, q->u.match.text, q->u.match.text_len,
				   q->u.match.analyzer, q->kind == ST_Q_MATCH_PHRASE,
				   q->u.match.slop, q->u.match.op, q->u.match.msm,
				   q->u.match.zero_terms, q->u.match.lenient, boost, out);
	case ST_Q_MULTI_MATCH:
		return multi_match(c, q, boost, out);
	case ST_Q_TERM:
		if (q->u.term.case_insensitive) {
			st_query_t pq = *q;
			pq.kind = ST_Q_PREFIX;
			if ((rc = filter_leaf(c, &pq, boost, out)))
				return rc;
			if ((*out)->kind == ST_W_CONST)
				(*out)->child->hi_len = UINT32_MAX; /* exact length */
			return 0;
		}
		return term_any(c, q->u.term.field, &q->u.term.value, boost, false, out);
	case ST_Q_TERMS:
	case ST_Q_RANGE:
	case ST_Q_EXISTS:
	case ST_Q_PREFIX:
	case ST_Q_IDS:
		return filter_leaf(c, q, boost, out);
	case ST_Q_BOOL:
		return bool_weight(c, q, boost, out);
	case ST_Q_CONSTANT_SCORE: {
		st_weight_t *child;
		if ((rc = build(c, q->u.compound.queries[0], 0.0f, &child)))
			return rc;
		if (child->kind == ST_W_NONE) {
			*out = child;
			return 0;
		}
		if ((rc = const_of(c, child, boost, out)))
			return rc;
		(*out)->desc = sfmt(c->a, "ConstantScore(%s)", child->desc ? child->desc : "");
		return 0;
	}
	case ST_Q_DIS_MAX: {
		st_weight_t *w = wnew(c, ST_W_DISMAX, boost);
		if (!w)
			return -ENOMEM;
		if ((rc = clause_list(c, q->u.compound.queries, q->u.compound.n, boost, &w->should)))
			return rc;
		w->n_should = q->u.compound.n;
		w->tie = q->u.compound.tie_breaker;
		w->should_required = true;
		w->msm = 1;
		w->desc = "dis_max";
		*out = w;
		return 0;
	}
	default:
		return osp_err_illegal_argument(c->err, "unsupported query kind [%d]", q->kind);
	}
}

int
st_weight_build(st_reader_t *const *readers, uint32_t n, const st_query_t *q,
		const st_search_fields_t *fields, int64_t now_ms, osp_arena_t *a,
		st_weight_t **out, osp_err_t *err)
{
	wctx_t c = { readers, n, fields, now_ms, a, err };

	return build(&c, q, 1.0f, out);
}
