/*
 * st_filter.c - weights as roaring sets of matching docs (one segment).
 *
 * Counting (_count, track_total_hits), bool filter / must_not clauses,
 * constant_score and aggregations all need the set of docs a weight matches,
 * not scores, so they are computed with set algebra: postings bitmaps are
 * OR'ed / AND'ed / AND-NOT'ed, "at least m of k should clauses" is built
 * level by level, term-dictionary walks (prefix, keyword ranges) OR the
 * postings they visit, numeric ranges take a slice of the points
 * (st_range.c). Phrases intersect their terms'
 * bitmaps and then check positions of the survivors. The result includes
 * deleted docs; the caller intersects with the live set. Bitmaps returned
 * are owned by the caller (roaring_bitmap_free).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "st_search_int.h"

static roaring_bitmap_t *
all_docs(const st_reader_t *r)
{
	roaring_bitmap_t *b = roaring_bitmap_create();

	if (b && r->max_doc)
		roaring_bitmap_add_range(b, 0, r->max_doc);
	return b;
}

static roaring_bitmap_t *
term_bitmap(const st_reader_t *r, const char *field, const char *t, uint32_t len)
{
	const st_postings_t *p;

	if (r->ops->postings(r, field, t, len, &p) == 0)
		return roaring_bitmap_copy(p->docs);
	return roaring_bitmap_create();
}

/* Docs matching at least m of the k bitmaps. */
static roaring_bitmap_t *
at_least(roaring_bitmap_t **bms, uint32_t k, uint32_t m)
{
	roaring_bitmap_t **lv, *res = NULL;

	if (m == 0 || m > k)
		return roaring_bitmap_create();
	if (m == 1) {
		res = roaring_bitmap_create();
		for (uint32_t i = 0; res && i < k; i++)
			roaring_bitmap_or_inplace(res, bms[i]);
		return res;
	}
	lv = calloc(m + 1, sizeof(*lv));
	if (!lv)
		return NULL;
	for (uint32_t j = 1; j <= m; j++)
		if (!(lv[j] = roaring_bitmap_create()))
			goto cleanup;
	for (uint32_t i = 0; i < k; i++) {
		uint32_t top = i + 1 < m ? i + 1 : m;
		for (uint32_t j = top; j >= 2; j--) {
			roaring_bitmap_t *x = roaring_bitmap_and(lv[j - 1], bms[i]);
			if (!x)
				goto cleanup;
			roaring_bitmap_or_inplace(lv[j], x);
			roaring_bitmap_free(x);
		}
		roaring_bitmap_or_inplace(lv[1], bms[i]);
	}
	res = lv[m];
	lv[m] = NULL;
cleanup:
	for (uint32_t j = 1; j <= m; j++)
		if (lv[j])
			roaring_bitmap_free(lv[j]);
	free(lv);
	return res;
}

static bool
ci_prefix(const char *t, uint32_t tlen, const char *p, uint32_t plen)
{
	if (tlen < plen)
		return false;
	for (uint32_t i = 0; i < plen; i++)
		if (tolower((unsigned char)t[i]) != tolower((unsigned char)p[i]))
			return false;
	return true;
}

static int
bytes_cmp(const char *x, uint32_t xl, const char *y, uint32_t yl)
{
	int c = memcmp(x, y, xl < yl ? xl : yl);

	return c ? c : (xl < yl ? -1 : xl > yl);
}

/* Walk the term dictionary (prefix or range) OR'ing postings. */
static roaring_bitmap_t *
dict_walk(const st_weight_t *w, const st_reader_t *r)
{
	roaring_bitmap_t *res = roaring_bitmap_create();
	bool prefix = w->fkind == ST_F_PREFIX;
	bool exact = prefix && w->hi_len == UINT32_MAX;
	st_term_iter_t it;
	const char *from = prefix && !w->case_insensitive ? w->lo_s : (prefix ? NULL : w->lo_s);
	uint32_t from_len = from ? w->lo_len : 0;

	if (!res)
		return NULL;
	memset(&it, 0, sizeof(it));
	if (r->ops->terms_seek(r, w->field, from, from_len, &it))
		return res;
	for (; !it.done; r->ops->terms_next(&it)) {
		const st_postings_t *p;
		if (prefix) {
			if (w->case_insensitive) {
				if (!ci_prefix(it.term, it.term_len, w->lo_s, w->lo_len))
					continue;
			} else if (it.term_len < w->lo_len || memcmp(it.term, w->lo_s, w->lo_len)) {
				break;
			}
			if (exact && it.term_len != w->lo_len)
				continue;
		} else {
			if (w->lo_s && !w->lo_inc &&
			    bytes_cmp(it.term, it.term_len, w->lo_s, w->lo_len) == 0)
				continue;
			if (w->hi_s) {
				int c = bytes_cmp(it.term, it.term_len, w->hi_s, w->hi_len);
				if (c > 0 || (c == 0 && !w->hi_inc))
					break;
			}
		}
		if (r->ops->terms_postings(&it, &p) == 0)
			roaring_bitmap_or_inplace(res, p->docs);
	}
	return res;
}

static roaring_bitmap_t *
exists(const st_weight_t *w, const st_reader_t *r)
{
	st_dv_numeric_t dv;
	st_dv_sorted_set_t ss;
	const uint32_t *start = NULL;
	const uint8_t *norms;
	roaring_bitmap_t *res = roaring_bitmap_create();

	if (!res)
		return NULL;
	if (r->ops->dv_numeric(r, w->field, &dv) == 0)
		start = dv.start;
	else if (r->ops->dv_sorted_set(r, w->field, &ss) == 0)
		start = ss.start;
	if (start) {
		for (uint32_t d = 0; d < r->max_doc; d++)
			if (start[d] < start[d + 1])
				roaring_bitmap_add(res, d);
		return res;
	}
	if ((norms = r->ops->norms(r, w->field)) != NULL) {
		for (uint32_t d = 0; d < r->max_doc; d++)
			if (norms[d])
				roaring_bitmap_add(res, d);
		return res;
	}
	st_term_iter_t it;
	memset(&it, 0, sizeof(it));
	if (r->ops->terms_seek(r, w->field, NULL, 0, &it))
		return res;
	for (; !it.done; r->ops->terms_next(&it)) {
		const st_postings_t *p;
		if (r->ops->terms_postings(&it, &p) == 0)
			roaring_bitmap_or_inplace(res, p->docs);
	}
	return res;
}

static roaring_bitmap_t *
filter_leaf(const st_weight_t *w, const st_reader_t *r)
{
	roaring_bitmap_t *res;

	switch (w->fkind) {
	case ST_F_TERMS:
		res = roaring_bitmap_create();
		for (uint32_t i = 0; res && i < w->n_terms; i++) {
			const st_postings_t *p;
			if (r->ops->postings(r, w->field, w->terms[i], w->lens[i], &p) == 0)
				roaring_bitmap_or_inplace(res, p->docs);
		}
		return res;
	case ST_F_PREFIX:
	case ST_F_TERM_RANGE:
		return dict_walk(w, r);
	case ST_F_NUM_RANGE:
		return st_range_bitmap(w, r);
	case ST_F_EXISTS:
		return exists(w, r);
	case ST_F_IDS:
		res = roaring_bitmap_create();
		for (uint32_t i = 0; res && i < w->n_terms; i++) {
			uint32_t d;
			if (r->ops->lookup_id(r, w->terms[i], w->lens[i], &d) == 0)
				roaring_bitmap_add(res, d);
		}
		return res;
	}
	return NULL;
}

/* Phrase matches: walk the phrase scorer (a conjunction with position
 * checks); add each doc to out, or count the live ones into *live. */
int
st_phrase_walk(const st_weight_t *w, const st_reader_t *r, roaring_bitmap_t *out,
	       uint64_t *live)
{
	st_scorer_t *s;
	st_sctx_t sc;
	osp_arena_t a;
	int rc;

	osp_arena_init(&a, 4096, 0);
	st_sctx_init(&sc, r, &a);
	s = st_scorer_phrase(w, &sc);
	if (!sc.rc && s) {
		for (uint32_t d = s->advance(s, 0); d != ST_NO_MORE_DOCS; d = s->advance(s, d + 1))
			if (out)
				roaring_bitmap_add(out, d);
			else
				*live += st_reader_is_live(r, d);
	}
	rc = sc.rc;
	st_sctx_done(&sc);
	osp_arena_free(&a);
	return rc;
}

static roaring_bitmap_t *
phrase(const st_weight_t *w, const st_reader_t *r)
{
	roaring_bitmap_t *res = roaring_bitmap_create();

	if (res && st_phrase_walk(w, r, res, NULL)) {
		roaring_bitmap_free(res);
		res = NULL;
	}
	return res;
}

/* Bitmaps of a clause list; NULL entries mean -ENOMEM. */
static roaring_bitmap_t **
list(st_weight_t *const *ws, uint32_t n, const st_reader_t *r)
{
	roaring_bitmap_t **b = calloc(n + 1, sizeof(*b));

	if (!b)
		return NULL;
	for (uint32_t i = 0; i < n; i++) {
		if (!(b[i] = st_weight_bitmap(ws[i], r))) {
			for (uint32_t j = 0; j < i; j++)
				roaring_bitmap_free(b[j]);
			free(b);
			return NULL;
		}
	}
	return b;
}

static void
list_free(roaring_bitmap_t **b, uint32_t n)
{
	if (!b)
		return;
	for (uint32_t i = 0; i < n; i++)
		roaring_bitmap_free(b[i]);
	free(b);
}

static roaring_bitmap_t *
bool_bitmap(const st_weight_t *w, const st_reader_t *r)
{
	roaring_bitmap_t *res = NULL, **must = NULL, **filt = NULL, **should = NULL, **not = NULL;

	if (!(must = list(w->must, w->n_must, r)) || !(filt = list(w->filter, w->n_filter, r)) ||
	    !(should = list(w->should, w->n_should, r)) ||
	    !(not = list(w->must_not, w->n_must_not, r)))
		goto cleanup;
	if (w->n_must || w->n_filter) {
		res = roaring_bitmap_copy(w->n_must ? must[0] : filt[0]);
		for (uint32_t i = 0; res && i < w->n_must; i++)
			roaring_bitmap_and_inplace(res, must[i]);
		for (uint32_t i = 0; res && i < w->n_filter; i++)
			roaring_bitmap_and_inplace(res, filt[i]);
		if (res && w->msm > 0) {
			roaring_bitmap_t *s = at_least(should, w->n_should, w->msm);
			if (!s) {
				roaring_bitmap_free(res);
				res = NULL;
				goto cleanup;
			}
			roaring_bitmap_and_inplace(res, s);
			roaring_bitmap_free(s);
		}
	} else if (w->n_should) {
		res = at_least(should, w->n_should, w->msm ? w->msm : 1);
	} else {
		res = all_docs(r);
	}
	for (uint32_t i = 0; res && i < w->n_must_not; i++)
		roaring_bitmap_andnot_inplace(res, not[i]);
cleanup:
	list_free(must, w->n_must);
	list_free(filt, w->n_filter);
	list_free(should, w->n_should);
	list_free(not, w->n_must_not);
	return res;
}

roaring_bitmap_t *
st_weight_bitmap(const st_weight_t *w, const st_reader_t *r)
{
	roaring_bitmap_t *res, **b;

	switch (w->kind) {
	case ST_W_TERM:
		return term_bitmap(r, w->field, w->terms[0], w->lens[0]);
	case ST_W_PHRASE:
		return phrase(w, r);
	case ST_W_BOOL:
		return bool_bitmap(w, r);
	case ST_W_DISMAX:
		if (!(b = list(w->should, w->n_should, r)))
			return NULL;
		res = at_least(b, w->n_should, 1);
		list_free(b, w->n_should);
		return res;
	case ST_W_CONST:
		return w->child ? st_weight_bitmap(w->child, r) : NULL;
	case ST_W_ALL:
		return all_docs(r);
	case ST_W_NONE:
		return roaring_bitmap_create();
	case ST_W_FILTER:
		return filter_leaf(w, r);
	}
	return NULL;
}
