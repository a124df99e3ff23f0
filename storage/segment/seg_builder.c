/*
 * seg_builder.c - the in-memory segment builder fed by the shard at refresh.
 *
 * Docs arrive one at a time; their meta and _source stream straight into
 * the segment writer (so _source is compressed as it comes and the builder
 * keeps no copy). Per field, terms live in an open-addressing hash; each term
 * appends its postings to two byte streams (doc delta + freq; position
 * deltas) made of growing slices carved from one arena, as Lucene's
 * ByteBlockPool does: no allocation per posting, memory proportional to the
 * content. finish sorts each field's terms, replays the streams into the
 * writer, and adds norms and doc values.
 *
 * A builder belongs to the worker core that created it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seg_builder_int.h"

#define SLICE_MIN 16u
#define SLICE_MAX 4096u

static uint32_t
key_hash(const char *p, uint32_t n)
{
	uint32_t h = 2166136261u;

	for (uint32_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h;
}

int
st_seg_barr_grow(barr_t *a, size_t item, size_t need)
{
	if (need <= a->cap)
		return 0;
	size_t cap = a->cap ? a->cap : 8;

	while (cap < need)
		cap *= 2;
	void *p = realloc(a->p, cap * item);

	if (p == NULL)
		return -ENOMEM;
	a->p = p;
	a->cap = cap;
	return 0;
}

/* Find key in h over items (stride bytes each); UINT32_MAX when absent,
 * *slot = where it would go. Slots keep the hash so probing past other keys
 * does not touch their items (one cache miss less per token). */
static uint32_t
hash_find(const bhash_t *h, const void *items, size_t stride, const char *p,
	  uint32_t len, uint32_t hv, uint32_t *slot)
{
	if (h->slots == NULL) {
		*slot = UINT32_MAX;
		return UINT32_MAX;
	}
	for (uint32_t s = hv & h->mask;; s = (s + 1) & h->mask) {
		uint64_t v = h->slots[s];

		if (v == 0) {
			*slot = s;
			return UINT32_MAX;
		}
		if ((uint32_t)(v >> 32) != hv)
			continue;
		uint32_t i = (uint32_t)v - 1;
		const bkey_t *k = (const bkey_t *)((const char *)items + (size_t)i * stride);

		if (k->len == len && memcmp(k->p, p, len) == 0)
			return i;
	}
}

static void
hash_set(bhash_t *h, uint32_t slot, uint32_t hv, uint32_t i)
{
	h->slots[slot] = ((uint64_t)hv << 32) | (i + 1u);
	h->n++;
}

/* Make room for one more key (load <= 1/2); rehash from items. */
static int
hash_reserve(bhash_t *h, const void *items, size_t stride)
{
	if (h->slots && (h->n + 1) * 2 <= h->mask + 1)
		return 0;
	uint32_t size = h->slots ? (h->mask + 1) * 2 : 16;
	uint64_t *slots = calloc(size, 8);

	if (slots == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < h->n; i++) {
		const bkey_t *k = (const bkey_t *)((const char *)items + (size_t)i * stride);
		uint32_t s = k->h & (size - 1);

		while (slots[s])
			s = (s + 1) & (size - 1);
		slots[s] = ((uint64_t)k->h << 32) | (i + 1u);
	}
	free(h->slots);
	h->slots = slots;
	h->mask = size - 1;
	return 0;
}

int
st_seg_builder_create(const st_seg_builder_opts_t *opts, st_seg_builder_t **out)
{
	st_seg_builder_t *b = calloc(1, sizeof(*b));
	int rc;

	if (b == NULL)
		return -ENOMEM;
	rc = st_seg_writer_create(opts, &b->w);
	if (rc) {
		free(b);
		return rc;
	}
	osp_arena_init(&b->arena, 64 * 1024, 0);
	*out = b;
	return 0;
}

static void
field_free(bfield_t *f)
{
	free(f->terms_h.slots);
	free(f->terms.p);
	free(f->norms.p);
	free(f->dv_counts.p);
	free(f->dv_vals.p);
	free(f->dvt_h.slots);
	free(f->dvt.p);
}

void
st_seg_builder_free(st_seg_builder_t *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->fields.n; i++)
		field_free(&((bfield_t *)b->fields.p)[i]);
	free(b->fields.p);
	free(b->fields_h.slots);
	free(b->touched.p);
	free(b->fin.s.order.p);
	free(b->fin.s.tmp.p);
	free(b->fin.s.docs.p);
	free(b->fin.s.freqs.p);
	free(b->fin.s.pos.p);
	osp_arena_free(&b->arena);
	st_seg_writer_free(b->w);
	free(b);
}

int
st_seg_builder_field(st_seg_builder_t *b, const st_seg_field_spec_t *spec,
		     uint32_t *fid)
{
	uint32_t len, hv, slot, i;
	bfield_t *f;

	if (spec == NULL || spec->name == NULL || spec->index > ST_SEG_INDEX_POSITIONS ||
	    spec->dv > ST_SEG_DV_SORTED_SET || (spec->norms && spec->index < ST_SEG_INDEX_FREQS))
		return -EINVAL;
	len = (uint32_t)strlen(spec->name);
	if (len == 0 || len > 4096)
		return -EINVAL;
	hv = key_hash(spec->name, len);
	i = hash_find(&b->fields_h, b->fields.p, sizeof(bfield_t), spec->name, len, hv, &slot);
	if (i != UINT32_MAX) {
		f = &((bfield_t *)b->fields.p)[i];
		if (f->spec.index != spec->index || f->spec.norms != spec->norms ||
		    f->spec.dv != spec->dv)
			return -EINVAL;
		*fid = i;
		return 0;
	}
	if (b->fields.n >= 65536)
		return -E2BIG;
	if (st_seg_barr_grow(&b->fields, sizeof(bfield_t), b->fields.n + 1) ||
	    hash_reserve(&b->fields_h, b->fields.p, sizeof(bfield_t)))
		return -ENOMEM;
	(void)hash_find(&b->fields_h, b->fields.p, sizeof(bfield_t), spec->name, len, hv, &slot);
	char *name = osp_arena_strndup(&b->arena, spec->name, len);

	if (name == NULL || st_seg_writer_add_field(b->w, spec) != 0)
		return -ENOMEM;
	i = (uint32_t)b->fields.n++;
	f = &((bfield_t *)b->fields.p)[i];
	memset(f, 0, sizeof(*f));
	f->k.p = name;
	f->k.len = len;
	f->k.h = hv;
	f->spec = *spec;
	f->spec.name = name;
	hash_set(&b->fields_h, slot, hv, i);
	*fid = i;
	return 0;
}

int
st_seg_builder_doc_begin(st_seg_builder_t *b, const st_seg_doc_meta_in_t *meta,
			 const char *source, size_t source_len)
{
	st_doc_meta_t m;
	int rc;

	if (b->in_doc || b->failed || meta == NULL || meta->id_len == 0 || meta->id_len > 512 ||
	    b->fin.fid || b->fin.stage)
		return b->failed ? b->failed : -EINVAL;
	m.id = meta->id;
	m.id_len = meta->id_len;
	m.routing = meta->routing;
	m.routing_len = meta->routing ? meta->routing_len : 0;
	m.seq_no = meta->seq_no;
	m.primary_term = meta->primary_term;
	m.version = meta->version;
	rc = st_seg_writer_doc(b->w, &m, source ? source : "", source ? source_len : 0);
	if (rc)
		return rc;
	b->in_doc = true;
	b->touched.n = 0;
	return 0;
}

static bfield_t *
field_of(st_seg_builder_t *b, uint32_t fid)
{
	if (!b->in_doc || fid >= b->fields.n)
		return NULL;
	return &((bfield_t *)b->fields.p)[fid];
}

static int
touch(st_seg_builder_t *b, bfield_t *f, uint32_t fid)
{
	if (f->touched)
		return 0;
	if (st_seg_barr_grow(&b->touched, 4, b->touched.n + 1))
		return -ENOMEM;
	((uint32_t *)b->touched.p)[b->touched.n++] = fid;
	f->touched = true;
	f->doc_len = 0;
	f->len_set = false;
	f->dv_doc_start = f->dv_vals.n;
	return 0;
}

/* Append a varint to a slice stream, growing it by a new slice when full. */
static int
stream_put(st_seg_builder_t *b, bstream_t *s, uint64_t v)
{
	bslice_t *t = s->tail;

	if (t == NULL || t->cap - t->len < 10) {
		uint32_t cap = t ? t->cap * 2 : SLICE_MIN;

		if (cap > SLICE_MAX)
			cap = SLICE_MAX;
		bslice_t *n = osp_arena_alloc(&b->arena, sizeof(*n) + cap);

		if (n == NULL)
			return -ENOMEM;
		n->next = NULL;
		n->cap = cap;
		n->len = 0;
		if (t)
			t->next = n;
		else
			s->head = n;
		s->tail = t = n;
	}
	while (v >= 0x80) {
		t->data[t->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	t->data[t->len++] = (uint8_t)v;
	return 0;
}

/* Close term t's pending doc: write (doc delta, freq) to its doc stream. */
int
st_seg_bterm_flush(st_seg_builder_t *b, const bfield_t *f, bterm_t *t)
{
	uint32_t delta = t->flushed_doc == UINT32_MAX ? t->last_doc
		: t->last_doc - t->flushed_doc;

	t->flushed_doc = t->last_doc;

	if (f->spec.index >= ST_SEG_INDEX_FREQS) {
		/* delta << 1 | (freq == 1): common freq-1 docs cost one varint. */
		if (t->freq == 1)
			return stream_put(b, &t->docs, ((uint64_t)delta << 1) | 1);
		if (stream_put(b, &t->docs, (uint64_t)delta << 1))
			return -ENOMEM;
		return stream_put(b, &t->docs, t->freq);
	}
	return stream_put(b, &t->docs, delta);
}

int
st_seg_builder_add_term(st_seg_builder_t *b, uint32_t fid, const char *term,
			uint32_t len, uint32_t pos)
{
	bfield_t *f = field_of(b, fid);
	uint32_t hv, slot, i;
	bterm_t *t;

	if (f == NULL || f->spec.index == ST_SEG_INDEX_NONE || len > ST_SEG_MAX_TERM_LEN ||
	    (len && term == NULL))
		return -EINVAL;
	if (touch(b, f, fid))
		goto nomem;
	hv = key_hash(term, len);
	i = hash_find(&f->terms_h, f->terms.p, sizeof(bterm_t), term, len, hv, &slot);
	if (i == UINT32_MAX) {
		if (st_seg_barr_grow(&f->terms, sizeof(bterm_t), f->terms.n + 1) ||
		    hash_reserve(&f->terms_h, f->terms.p, sizeof(bterm_t)))
			goto nomem;
		(void)hash_find(&f->terms_h, f->terms.p, sizeof(bterm_t), term, len, hv, &slot);
		char *copy = osp_arena_alloc(&b->arena, len ? len : 1);

		if (copy == NULL)
			goto nomem;
		memcpy(copy, term, len);
		i = (uint32_t)f->terms.n++;
		t = &((bterm_t *)f->terms.p)[i];
		memset(t, 0, sizeof(*t));
		t->k.p = copy;
		t->k.len = len;
		t->k.h = hv;
		t->last_doc = UINT32_MAX;
		t->flushed_doc = UINT32_MAX;
		hash_set(&f->terms_h, slot, hv, i);
	}
	t = &((bterm_t *)f->terms.p)[i];
	uint32_t doc = b->ndocs;

	if (t->last_doc != doc) {
		if (t->last_doc != UINT32_MAX && st_seg_bterm_flush(b, f, t))
			goto nomem;
		t->last_doc = doc;
		t->freq = 0;
		t->last_pos = 0;
		t->df++;
	} else if (f->spec.index >= ST_SEG_INDEX_POSITIONS && pos < t->last_pos) {
		return -EINVAL;
	}
	if (f->spec.index >= ST_SEG_INDEX_POSITIONS) {
		if (pos > INT32_MAX)
			return -EINVAL;
		if (stream_put(b, &t->pos, pos - t->last_pos))
			goto nomem;
		t->last_pos = pos;
	}
	if (t->freq < UINT32_MAX)
		t->freq++;
	f->doc_len++;
	return 0;
nomem:
	b->failed = -ENOMEM;
	return -ENOMEM;
}

int
st_seg_builder_set_length(st_seg_builder_t *b, uint32_t fid, uint32_t len)
{
	bfield_t *f = field_of(b, fid);

	if (f == NULL || !f->spec.norms)
		return -EINVAL;
	if (touch(b, f, fid)) {
		b->failed = -ENOMEM;
		return -ENOMEM;
	}
	f->len_set = true;
	f->set_len = len;
	return 0;
}

static int
dv_add(st_seg_builder_t *b, uint32_t fid, int want, int64_t v)
{
	bfield_t *f = field_of(b, fid);

	if (f == NULL || f->spec.dv != (st_seg_dv_t)want)
		return -EINVAL;
	if (touch(b, f, fid) || st_seg_barr_grow(&f->dv_vals, 8, f->dv_vals.n + 1)) {
		b->failed = -ENOMEM;
		return -ENOMEM;
	}
	((int64_t *)f->dv_vals.p)[f->dv_vals.n++] = v;
	return 0;
}

int
st_seg_builder_add_dv_long(st_seg_builder_t *b, uint32_t fid, int64_t v)
{
	return dv_add(b, fid, ST_SEG_DV_LONG, v);
}

int
st_seg_builder_add_dv_double(st_seg_builder_t *b, uint32_t fid, double v)
{
	int64_t bits;

	memcpy(&bits, &v, 8);
	return dv_add(b, fid, ST_SEG_DV_DOUBLE, bits);
}

int
st_seg_builder_add_dv_term(st_seg_builder_t *b, uint32_t fid, const char *term,
			   uint32_t len)
{
	bfield_t *f = field_of(b, fid);
	uint32_t hv, slot, i;

	if (f == NULL || f->spec.dv != ST_SEG_DV_SORTED_SET || len > ST_SEG_MAX_TERM_LEN ||
	    (len && term == NULL))
		return -EINVAL;
	hv = key_hash(term, len);
	i = hash_find(&f->dvt_h, f->dvt.p, sizeof(bkey_t), term, len, hv, &slot);
	if (i == UINT32_MAX) {
		if (st_seg_barr_grow(&f->dvt, sizeof(bkey_t), f->dvt.n + 1) ||
		    hash_reserve(&f->dvt_h, f->dvt.p, sizeof(bkey_t)))
			goto nomem;
		(void)hash_find(&f->dvt_h, f->dvt.p, sizeof(bkey_t), term, len, hv, &slot);
		char *copy = osp_arena_alloc(&b->arena, len ? len : 1);

		if (copy == NULL)
			goto nomem;
		memcpy(copy, term, len);
		i = (uint32_t)f->dvt.n++;
		bkey_t *k = &((bkey_t *)f->dvt.p)[i];

		k->p = copy;
		k->len = len;
		k->h = hv;
		hash_set(&f->dvt_h, slot, hv, i);
	}
	return dv_add(b, fid, ST_SEG_DV_SORTED_SET, i);
nomem:
	b->failed = -ENOMEM;
	return -ENOMEM;
}

int
st_seg_builder_add_keyword(st_seg_builder_t *b, uint32_t fid, const char *term,
			   uint32_t len)
{
	bfield_t *f = field_of(b, fid);
	int rc = 0;

	if (f == NULL)
		return -EINVAL;
	if (f->spec.index != ST_SEG_INDEX_NONE)
		rc = st_seg_builder_add_term(b, fid, term, len, f->doc_len);
	if (rc == 0 && f->spec.dv == ST_SEG_DV_SORTED_SET)
		rc = st_seg_builder_add_dv_term(b, fid, term, len);
	return rc;
}

int
st_seg_builder_add_long(st_seg_builder_t *b, uint32_t fid, int64_t v)
{
	bfield_t *f = field_of(b, fid);
	uint8_t enc[8];
	int rc = 0;

	if (f == NULL || f->spec.dv == ST_SEG_DV_DOUBLE || f->spec.dv == ST_SEG_DV_SORTED_SET)
		return -EINVAL;
	st_seg_encode_long(v, enc);
	if (f->spec.index != ST_SEG_INDEX_NONE)
		rc = st_seg_builder_add_term(b, fid, (const char *)enc, 8, f->doc_len);
	if (rc == 0 && f->spec.dv == ST_SEG_DV_LONG)
		rc = st_seg_builder_add_dv_long(b, fid, v);
	return rc;
}

int
st_seg_builder_add_double(st_seg_builder_t *b, uint32_t fid, double v)
{
	bfield_t *f = field_of(b, fid);
	uint8_t enc[8];
	int rc = 0;

	if (f == NULL || f->spec.dv == ST_SEG_DV_LONG || f->spec.dv == ST_SEG_DV_SORTED_SET)
		return -EINVAL;
	st_seg_encode_double(v, enc);
	if (f->spec.index != ST_SEG_INDEX_NONE)
		rc = st_seg_builder_add_term(b, fid, (const char *)enc, 8, f->doc_len);
	if (rc == 0 && f->spec.dv == ST_SEG_DV_DOUBLE)
		rc = st_seg_builder_add_dv_double(b, fid, v);
	return rc;
}

int
st_seg_builder_add_bool(st_seg_builder_t *b, uint32_t fid, bool v)
{
	bfield_t *f = field_of(b, fid);
	int rc = 0;

	if (f == NULL || f->spec.dv == ST_SEG_DV_DOUBLE || f->spec.dv == ST_SEG_DV_SORTED_SET)
		return -EINVAL;
	if (f->spec.index != ST_SEG_INDEX_NONE)
		rc = st_seg_builder_add_term(b, fid, v ? "T" : "F", 1, f->doc_len);
	if (rc == 0 && f->spec.dv == ST_SEG_DV_LONG)
		rc = st_seg_builder_add_dv_long(b, fid, v ? 1 : 0);
	return rc;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_dbl_bits(const void *a, const void *b)
{
	double x, y;

	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	if (x < y)
		return -1;
	if (x > y)
		return 1;
	/* Equal or NaN: order by sortable bits so the order is total. */
	uint8_t ea[8], eb[8];

	st_seg_encode_double(x, ea);
	st_seg_encode_double(y, eb);
	return memcmp(ea, eb, 8);
}

/* Finish the current doc: flush term postings, record norms and per-doc
 * doc value counts (values sorted, sorted-set ids deduplicated). */
int
st_seg_builder_doc_end(st_seg_builder_t *b)
{
	uint32_t doc = b->ndocs;

	if (!b->in_doc)
		return -EINVAL;
	for (size_t ti = 0; ti < b->touched.n && !b->failed; ti++) {
		bfield_t *f = &((bfield_t *)b->fields.p)[((uint32_t *)b->touched.p)[ti]];

		f->touched = false;
		if (f->spec.norms) {
			if (st_seg_barr_grow(&f->norms, 1, (size_t)doc + 1)) {
				b->failed = -ENOMEM;
				break;
			}
			uint8_t *nrm = f->norms.p;

			if (f->norms.n < doc)
				memset(nrm + f->norms.n, 0, doc - f->norms.n);
			nrm[doc] = st_seg_int_to_byte4(f->len_set ? f->set_len : f->doc_len);
			f->norms.n = (size_t)doc + 1;
		}
		if (f->spec.dv != ST_SEG_DV_NONE && f->dv_vals.n > f->dv_doc_start) {
			int64_t *v = (int64_t *)f->dv_vals.p + f->dv_doc_start;
			size_t k = f->dv_vals.n - f->dv_doc_start;

			if (f->spec.dv == ST_SEG_DV_DOUBLE) {
				qsort(v, k, 8, cmp_dbl_bits);
			} else {
				qsort(v, k, 8, cmp_i64);
				if (f->spec.dv == ST_SEG_DV_SORTED_SET) {
					size_t u = 1;

					for (size_t j = 1; j < k; j++)
						if (v[j] != v[u - 1])
							v[u++] = v[j];
					k = u;
					f->dv_vals.n = f->dv_doc_start + k;
				}
			}
			if (st_seg_barr_grow(&f->dv_counts, 4, (size_t)doc + 1)) {
				b->failed = -ENOMEM;
				break;
			}
			uint32_t *cnt = f->dv_counts.p;

			if (f->dv_counts.n < doc)
				memset(cnt + f->dv_counts.n, 0, (doc - f->dv_counts.n) * 4);
			cnt[doc] = (uint32_t)k;
			f->dv_counts.n = (size_t)doc + 1;
		}
	}
	b->in_doc = false;
	b->ndocs++;
	return b->failed;
}

uint32_t
st_seg_builder_doc_count(const st_seg_builder_t *b)
{
	return b->ndocs;
}

size_t
st_seg_builder_mem(const st_seg_builder_t *b)
{
	size_t m = b->arena.used + b->fields.cap * sizeof(bfield_t) + st_seg_writer_mem(b->w) +
		   (b->fields_h.mask + 1) * 8 + b->touched.cap * 4;

	for (size_t i = 0; i < b->fields.n; i++) {
		const bfield_t *f = &((const bfield_t *)b->fields.p)[i];

		m += f->terms.cap * sizeof(bterm_t) + (f->terms_h.mask + 1) * 8 +
		     f->norms.cap + f->dv_counts.cap * 4 + f->dv_vals.cap * 8 +
		     f->dvt.cap * sizeof(bkey_t) + (f->dvt_h.mask + 1) * 8;
	}
	return m;
}

