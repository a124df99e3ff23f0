/*
 * seg_builder_finish.c - the end of a build: every field's terms are sorted
 * by bytes and their slice streams replayed into the segment writer (doc
 * ids, freqs, positions), then norms and doc values (sorted-set ordinals
 * assigned in term byte order) are handed over and the writer closes the
 * components. The work can be sliced (st_seg_builder_finish_step) so a
 * worker core refreshing a large buffer keeps serving queries in between.
 * Scratch arrays live in the builder and are reused across terms.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "osprey/err.h"
#include "seg_builder_int.h"

/* Sequential reader of a slice stream (varints never straddle slices). */
typedef struct bcursor {
	const bslice_t *s;
	uint32_t at;
} bcursor_t;

static uint64_t
cursor_get(bcursor_t *c)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (c->s && c->at == c->s->len) {
		c->s = c->s->next;
		c->at = 0;
	}
	if (c->s == NULL)
		return 0;
	for (;;) {
		uint8_t x = c->s->data[c->at++];

		v |= (uint64_t)(x & 0x7f) << shift;
		if (!(x & 0x80))
			return v;
		shift += 7;
	}
}

static int
cmp_terms(const void *a, const void *b, void *arg)
{
	const bterm_t *t = arg;
	const bkey_t *x = &t[*(const uint32_t *)a].k, *y = &t[*(const uint32_t *)b].k;
	uint32_t m = x->len < y->len ? x->len : y->len;
	int c = m ? memcmp(x->p, y->p, m) : 0;

	return c ? c : (x->len < y->len ? -1 : x->len > y->len);
}

static int
cmp_keys(const void *a, const void *b, void *arg)
{
	const bkey_t *t = arg;
	const bkey_t *x = &t[*(const uint32_t *)a], *y = &t[*(const uint32_t *)b];
	uint32_t m = x->len < y->len ? x->len : y->len;
	int c = m ? memcmp(x->p, y->p, m) : 0;

	return c ? c : (x->len < y->len ? -1 : x->len > y->len);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}


#define SORT_CHUNK 1024u

/* Close every term's pending doc and sort the terms by bytes, in slices:
 * chunks of SORT_CHUNK are sorted one per unit of budget, then runs are
 * merged pairwise (one pair per step), so a refresh slice never sorts a
 * whole field's dictionary at once. 1 when sorted, 0 to come back. */
static int
terms_sort(st_seg_builder_t *b, bfield_t *f, bfinish_t *fn, uint64_t *work, uint64_t budget)
{
	bterm_t *terms = f->terms.p;
	uint32_t n = f->terms.n;
	bscratch_t *s = &fn->s;

	if (fn->sort_phase == 0) {
		if (st_seg_barr_grow(&s->order, 4, n) || st_seg_barr_grow(&s->tmp, 4, n))
			return -ENOMEM;
		for (uint32_t i = 0; i < n; i++) {
			((uint32_t *)s->order.p)[i] = i;
			if (terms[i].last_doc != terms[i].flushed_doc &&
			    st_seg_bterm_flush(b, f, &terms[i]))
				return -ENOMEM;
		}
		fn->sort_phase = 1;
		fn->sort_at = 0;
		*work += 1 + n / 64;
	}
	while (fn->sort_phase == 1 && *work < budget) {
		uint32_t m = n - fn->sort_at < SORT_CHUNK ? n - fn->sort_at : SORT_CHUNK;

		qsort_r((uint32_t *)s->order.p + fn->sort_at, m, 4, cmp_terms, terms);
		fn->sort_at += m;
		*work += m;
		if (fn->sort_at >= n) {
			fn->sort_phase = 2;
			fn->sort_at = 0;
			fn->sort_w = SORT_CHUNK;
		}
	}
	while (fn->sort_phase == 2 && fn->sort_w < n && *work < budget) {
		const uint32_t *in = s->order.p;
		uint32_t *out = s->tmp.p;
		uint32_t lo = fn->sort_at, w = fn->sort_w;
		uint32_t mid = n - lo < w ? n : lo + w;
		uint32_t hi = n - mid < w ? n : mid + w;
		uint32_t i = lo, j = mid, k = lo;

		while (i < mid && j < hi)
			out[k++] = cmp_terms(&in[j], &in[i], terms) < 0 ? in[j++] : in[i++];
		while (i < mid)
			out[k++] = in[i++];
		while (j < hi)
			out[k++] = in[j++];
		*work += hi - lo;
		fn->sort_at = hi;
		if (hi >= n) {
			barr_t t = s->order;

			s->order = s->tmp;
			s->tmp = t;
			fn->sort_at = 0;
			fn->sort_w = w > n / 2 ? n : w * 2;
		}
	}
	if (fn->sort_phase == 2 && fn->sort_w >= n) {
		fn->sort_phase = 0;
		return 1;
	}
	return 0;
}

/* Replay term t's streams into the writer; *work grows by its size. */
static int
term_emit(st_seg_builder_t *b, uint32_t fid, bfield_t *f, bterm_t *t, bscratch_t *s,
	  uint64_t *work)
{
	bcursor_t dc = { t->docs.head, 0 }, pc = { t->pos.head, 0 };
	uint64_t ttf = 0;
	uint32_t doc = 0;

	if (st_seg_barr_grow(&s->docs, 4, t->df) || st_seg_barr_grow(&s->freqs, 4, t->df))
		return -ENOMEM;
	uint32_t *docs = s->docs.p, *freqs = s->freqs.p;

	for (uint32_t i = 0; i < t->df; i++) {
		uint64_t v = cursor_get(&dc);
		uint32_t fr = 1;

		if (f->spec.index >= ST_SEG_INDEX_FREQS) {
			fr = (v & 1) ? 1 : (uint32_t)cursor_get(&dc);
			v >>= 1;
		}
		doc = i ? doc + (uint32_t)v : (uint32_t)v;
		docs[i] = doc;
		freqs[i] = fr;
		ttf += fr;
	}
	st_seg_wterm_t wt = { t->k.p, t->k.len, t->df, docs, freqs, NULL };

	if (f->spec.index >= ST_SEG_INDEX_POSITIONS) {
		if (st_seg_barr_grow(&s->pos, 4, ttf))
			return -ENOMEM;
		uint32_t *pos = s->pos.p;
		uint64_t k = 0;

		for (uint32_t i = 0; i < t->df; i++) {
			uint32_t acc = 0;

			for (uint32_t j = 0; j < freqs[i]; j++) {
				acc += (uint32_t)cursor_get(&pc);
				pos[k++] = acc;
			}
		}
		wt.pos = pos;
	}
	*work += 1 + t->df + ttf / 4;
	return st_seg_writer_term(b->w, fid, &wt);
}

static int
finish_dv(st_seg_builder_t *b, uint32_t fid, bfield_t *f, bscratch_t *s)
{
	uint32_t n = b->ndocs;
	int rc = -ENOMEM;

	if (st_seg_barr_grow(&f->dv_counts, 4, n ? n : 1))
		return -ENOMEM;
	uint32_t *cnt = f->dv_counts.p;

	memset(cnt + f->dv_counts.n, 0, (n - f->dv_counts.n) * 4);
	f->dv_counts.n = n;
	if (f->spec.dv != ST_SEG_DV_SORTED_SET)
		return st_seg_writer_dv_numeric(b->w, fid, cnt, f->dv_vals.p, n, f->dv_vals.n);

	/* Sorted set: ord = rank of the term in byte order. */
	uint32_t nt = (uint32_t)f->dvt.n;
	bkey_t *keys = f->dvt.p;
	uint32_t *order = NULL, *ord_of = NULL, *toff = NULL, *ords = NULL;
	char *bytes = NULL;
	size_t total = 0;

	order = malloc(((size_t)nt + 1) * 4);
	ord_of = malloc(((size_t)nt + 1) * 4);
	toff = malloc(((size_t)nt + 1) * 4);
	ords = malloc((f->dv_vals.n + 1) * 4);
	for (uint32_t i = 0; i < nt; i++)
		total += keys[i].len;
	bytes = malloc(total + 1);
	if (!order || !ord_of || !toff || !ords || !bytes)
		goto cleanup;
	for (uint32_t i = 0; i < nt; i++)
		order[i] = i;
	qsort_r(order, nt, 4, cmp_keys, keys);
	total = 0;
	for (uint32_t o = 0; o < nt; o++) {
		const bkey_t *k = &keys[order[o]];

		ord_of[order[o]] = o;
		toff[o] = (uint32_t)total;
		memcpy(bytes + total, k->p, k->len);
		total += k->len;
	}
	toff[nt] = (uint32_t)total;
	const int64_t *ids = f->dv_vals.p;
	size_t at = 0;

	for (uint32_t d = 0; d < n; d++) {
		for (uint32_t j = 0; j < cnt[d]; j++)
			ords[at + j] = ord_of[ids[at + j]];
		qsort(ords + at, cnt[d], 4, cmp_u32);
		at += cnt[d];
	}
	rc = st_seg_writer_dv_sorted_set(b->w, fid, nt, toff, bytes, cnt, ords, n,
					 f->dv_vals.n);
cleanup:
	(void)s;
	free(order);
	free(ord_of);
	free(toff);
	free(ords);
	free(bytes);
	return rc;
}

int
st_seg_builder_finish_step(st_seg_builder_t *b, uint64_t budget)
{
	bfinish_t *fn = &b->fin;
	uint64_t work = 0;
	int rc = 0;

	if (b->in_doc)
		return -EINVAL;
	if (b->failed)
		return b->failed;
	if (b->ndocs == 0)
		return -ENODATA;
	while (rc == 0 && fn->fid < b->fields.n && work < budget) {
		bfield_t *f = &((bfield_t *)b->fields.p)[fn->fid];

		switch (fn->stage) {
		case 0:
			if (f->spec.index != ST_SEG_INDEX_NONE && f->terms.n) {
				rc = terms_sort(b, f, fn, &work, budget);
				if (rc == 1) {
					rc = 0;
					fn->oi = 0;
					fn->stage = 1;
				}
			} else {
				fn->stage = 2;
			}
			break;
		case 1:
			while (rc == 0 && fn->oi < f->terms.n && work < budget) {
				bterm_t *t = &((bterm_t *)f->terms.p)[((uint32_t *)fn->s.order.p)[fn->oi]];

				rc = term_emit(b, fn->fid, f, t, &fn->s, &work);
				fn->oi++;
			}
			if (rc == 0 && fn->oi == f->terms.n) {
				rc = st_seg_writer_field_end(b->w, fn->fid);
				fn->stage = 2;
			}
			break;
		case 2:
			if (f->spec.norms) {
				if (st_seg_barr_grow(&f->norms, 1, b->ndocs)) {
					rc = -ENOMEM;
					break;
				}
				memset((uint8_t *)f->norms.p + f->norms.n, 0, b->ndocs - f->norms.n);
				f->norms.n = b->ndocs;
				rc = st_seg_writer_norms(b->w, fn->fid, f->norms.p, b->ndocs);
				work += 1 + b->ndocs / 16;
			}
			fn->stage = 3;
			break;
		default:
			if (f->spec.dv != ST_SEG_DV_NONE) {
				rc = finish_dv(b, fn->fid, f, &fn->s);
				work += 1 + b->ndocs / 8 + f->dv_vals.n / 8;
			}
			fn->stage = 0;
			fn->fid++;
			break;
		}
	}
	if (rc) {
		b->failed = rc;
		return rc;
	}
	return fn->fid < b->fields.n ? OSP_AGAIN : 0;
}

int
st_seg_builder_finish(st_seg_builder_t *b, st_seg_files_t *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	while ((rc = st_seg_builder_finish_step(b, UINT64_MAX)) == OSP_AGAIN)
		;
	if (rc)
		return rc;
	rc = st_seg_writer_finish(b->w, out);
	if (rc)
		b->failed = rc;
	return rc;
}
