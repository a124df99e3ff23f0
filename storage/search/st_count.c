/*
 * st_count.c - counting a weight's live matches in one segment without
 * building its match set, where the answer is cheaper than the set: a term
 * (doc_freq, or its postings' intersection size with the live docs), a
 * numeric range (the points slice, st_range.c), exists on a numeric field
 * (the points' doc count), a phrase (its matches
 * walked and counted, no set), match_all, and a
 * conjunction or disjunction of two terms (CRoaring's and/or cardinality,
 * which count container by container without allocating a result).
 * Everything else answers -ENOTSUP and the caller builds the set.
 */
#include <errno.h>

#include "st_search_int.h"

/* The postings bitmap of a one-term leaf; -ENOTSUP when w is not one. */
static int
term_docs(const st_weight_t *w, const st_reader_t *r, const roaring_bitmap_t **out)
{
	const st_postings_t *p;

	if (!(w->kind == ST_W_TERM || (w->kind == ST_W_FILTER && w->fkind == ST_F_TERMS)) ||
	    w->n_terms != 1)
		return -ENOTSUP;
	*out = r->ops->postings(r, w->field, w->terms[0], w->lens[0], &p) == 0 ? p->docs : NULL;
	return 0;
}

static uint64_t
live_card(const roaring_bitmap_t *b, const st_reader_t *r)
{
	if (!b)
		return 0;
	return r->live ? roaring_bitmap_and_cardinality(b, r->live)
		       : roaring_bitmap_get_cardinality(b);
}

/* Two terms, AND (conj) or OR. */
static int
pair(st_weight_t *const *ws, bool conj, const st_reader_t *r, uint64_t *count)
{
	const roaring_bitmap_t *a, *b;
	roaring_bitmap_t *x;

	if (term_docs(ws[0], r, &a) || term_docs(ws[1], r, &b))
		return -ENOTSUP;
	if (!a || !b) {
		*count = conj ? 0 : live_card(a ? a : b, r);
		return 0;
	}
	if (!r->live) {
		*count = conj ? roaring_bitmap_and_cardinality(a, b)
			      : roaring_bitmap_or_cardinality(a, b);
		return 0;
	}
	if (!(x = conj ? roaring_bitmap_and(a, b) : roaring_bitmap_or(a, b)))
		return -ENOMEM;
	*count = roaring_bitmap_and_cardinality(x, r->live);
	roaring_bitmap_free(x);
	return 0;
}

static int
bool_count(const st_weight_t *w, const st_reader_t *r, uint64_t *count)
{
	st_weight_t *req[2];
	uint32_t n = w->n_must + w->n_filter;

	if (w->n_must_not)
		return -ENOTSUP;
	if (n == 0) {
		/* a pure disjunction of two terms */
		if (w->n_should != 2 || w->msm > 1)
			return -ENOTSUP;
		return pair(w->should, false, r, count);
	}
	if (n > 2 || w->msm > 0)
		return -ENOTSUP;
	for (uint32_t i = 0; i < n; i++)
		req[i] = i < w->n_must ? w->must[i] : w->filter[i - w->n_must];
	if (n == 1)
		return st_weight_count(req[0], r, count);
	return pair(req, true, r, count);
}

int
st_weight_count(const st_weight_t *w, const st_reader_t *r, uint64_t *count)
{
	const roaring_bitmap_t *b;

	switch (w->kind) {
	case ST_W_TERM:
		if (term_docs(w, r, &b))
			return -ENOTSUP;
		*count = live_card(b, r);
		return 0;
	case ST_W_PHRASE:
		*count = 0;
		return st_phrase_walk(w, r, NULL, count);
	case ST_W_ALL:
		*count = r->num_docs;
		return 0;
	case ST_W_NONE:
		*count = 0;
		return 0;
	case ST_W_CONST:
		return w->child ? st_weight_count(w->child, r, count) : -ENOTSUP;
	case ST_W_BOOL:
		return bool_count(w, r, count);
	case ST_W_FILTER:
		if (w->fkind == ST_F_NUM_RANGE)
			return st_range_count(w, r, count);
		if (w->fkind == ST_F_EXISTS)
			return st_range_exists_count(w, r, count);
		if (term_docs(w, r, &b))
			return -ENOTSUP;
		*count = live_card(b, r);
		return 0;
	}
	return -ENOTSUP;
}
