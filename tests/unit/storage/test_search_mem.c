/*
 * test_search_mem.c - the in-memory reader and test field services (see
 * test_search_mem.h). Deliberately simple: sorted arrays, linear builds.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_search_mem.h"

/* ---- schema / field services ---- */

static int
schema_idx(const tm_schema_t *s, const char *name)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0)
			return (int)i;
	return -1;
}

static st_qfield_kind_t
t_kind(void *arg, const char *field, const void **df)
{
	const tm_schema_t *s = arg;
	int i = schema_idx(s, field);

	*df = NULL;
	return i < 0 ? ST_QF_UNMAPPED : s->kinds[i];
}

uint32_t
tm_tokenize(const char *text, char toks[][32], uint32_t max)
{
	uint32_t n = 0, l = 0;

	for (const char *p = text;; p++) {
		if (*p && isalnum((unsigned char)*p)) {
			if (l < 31 && n < max)
				toks[n][l++] = (char)tolower((unsigned char)*p);
		} else {
			if (l && n < max) {
				toks[n][l] = '\0';
				n++;
			}
			l = 0;
			if (!*p)
				break;
		}
	}
	return n;
}

static int
t_analyze(void *arg, const char *field, const char *analyzer, const char *text, size_t len,
	  osp_arena_t *a, st_qtoken_t **toks, uint32_t *n, osp_err_t *err)
{
	const tm_schema_t *s = arg;
	int i = schema_idx(s, field);
	char (*tk)[32];
	char *copy;
	uint32_t nt;

	(void)err;
	if (analyzer && strcmp(analyzer, "standard") && strcmp(analyzer, "simple"))
		return osp_err_illegal_argument(err, "failed to find analyzer [%s]", analyzer);
	*toks = osp_arena_calloc(a, (len + 1) * sizeof(**toks));
	if (!*toks)
		return -ENOMEM;
	if (i >= 0 && s->kinds[i] == ST_QF_KEYWORD) {
		(*toks)[0].term = osp_arena_strndup(a, text, len);
		(*toks)[0].len = (uint32_t)len;
		*n = 1;
		return 0;
	}
	copy = osp_arena_strndup(a, text, len);
	tk = malloc((len + 1) * 32);
	if (!copy || !tk) {
		free(tk);
		return -ENOMEM;
	}
	nt = tm_tokenize(copy, tk, (uint32_t)len + 1);
	for (uint32_t k = 0; k < nt; k++) {
		(*toks)[k].term = osp_arena_strndup(a, tk[k], strlen(tk[k]));
		(*toks)[k].len = (uint32_t)strlen(tk[k]);
		(*toks)[k].position = (int32_t)k;
	}
	free(tk);
	*n = nt;
	return 0;
}

static int
t_expand(void *arg, const char *pattern, osp_arena_t *a, const char ***fields, uint32_t *n)
{
	const tm_schema_t *s = arg;

	*fields = osp_arena_calloc(a, (s->n + 1) * sizeof(char *));
	*n = 0;
	if (!*fields)
		return -ENOMEM;
	if (!strchr(pattern, '*')) {
		(*fields)[(*n)++] = pattern;
		return 0;
	}
	for (uint32_t i = 0; i < s->n; i++)
		if (fnmatch(pattern, s->names[i], 0) == 0)
			(*fields)[(*n)++] = s->names[i];
	return 0;
}

static int
t_date(void *arg, const void *df, const char *format, const char *expr, size_t len,
       int64_t now, bool round_up, int32_t tz, int64_t *out, osp_err_t *err)
{
	struct tm tmv;
	char *end;

	(void)arg; (void)df; (void)format; (void)round_up; (void)tz; (void)len;
	if (strcmp(expr, "now") == 0) {
		*out = now;
		return 0;
	}
	long long v = strtoll(expr, &end, 10);
	if (!*end) {
		*out = v;
		return 0;
	}
	memset(&tmv, 0, sizeof(tmv));
	if (strptime(expr, "%Y-%m-%d", &tmv)) {
		*out = (int64_t)timegm(&tmv) * 1000;
		return 0;
	}
	return osp_err_set(err, 400, "parse_exception", "failed to parse date field [%s]", expr);
}

static int
t_date_format(void *arg, const void *df, const char *format, int64_t ms, int32_t tz,
	      char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tmv;

	(void)arg; (void)df; (void)format; (void)tz;
	gmtime_r(&t, &tmv);
	return (int)strftime(out, cap, "%Y-%m-%dT%H:%M:%S.000Z", &tmv);
}

void
tm_schema_init(tm_schema_t *s)
{
	memset(s, 0, sizeof(*s));
	s->ops.arg = s;
	s->ops.kind = t_kind;
	s->ops.analyze = t_analyze;
	s->ops.expand = t_expand;
	s->ops.date = t_date;
	s->ops.date_format = t_date_format;
}

void
tm_schema_add(tm_schema_t *s, const char *name, st_qfield_kind_t kind)
{
	s->names[s->n] = name;
	s->kinds[s->n++] = kind;
}

/* ---- builder ---- */

/* One raw (field, doc) posting before freezing. */
typedef struct raw_post {
	char term[64];
	uint32_t doc;
	uint32_t pos;            /* position (text) */
} raw_post_t;

typedef struct raw_num {
	uint32_t doc;
	int64_t i;
	double d;
} raw_num_t;

typedef struct bfield {
	raw_post_t *p;
	uint32_t np, capp;
	raw_num_t *v;
	uint32_t nv, capv;
	uint32_t *len;           /* text: tokens per doc */
	int32_t *lastpos;        /* text: last position per doc (multi-valued gap) */
	bool used;
} bfield_t;

struct tm_builder {
	const tm_schema_t *s;
	bfield_t f[TM_MAX_FIELDS];
	char **ids;
	bool *deleted;
	uint32_t n, cap;
};

tm_builder_t *
tm_builder_new(const tm_schema_t *s)
{
	tm_builder_t *b = calloc(1, sizeof(*b));

	b->s = s;
	return b;
}

static void
grow_docs(tm_builder_t *b)
{
	if (b->n < b->cap)
		return;
	b->cap = b->cap ? b->cap * 2 : 64;
	b->ids = realloc(b->ids, b->cap * sizeof(*b->ids));
	b->deleted = realloc(b->deleted, b->cap * sizeof(*b->deleted));
	for (uint32_t i = 0; i < TM_MAX_FIELDS; i++) {
		b->f[i].len = realloc(b->f[i].len, b->cap * sizeof(uint32_t));
		b->f[i].lastpos = realloc(b->f[i].lastpos, b->cap * sizeof(int32_t));
	}
}

uint32_t
tm_doc(tm_builder_t *b, const char *id)
{
	grow_docs(b);
	b->ids[b->n] = strdup(id);
	b->deleted[b->n] = false;
	for (uint32_t i = 0; i < TM_MAX_FIELDS; i++) {
		b->f[i].len[b->n] = 0;
		b->f[i].lastpos[b->n] = -1;
	}
	return b->n++;
}

static bfield_t *
field(tm_builder_t *b, const char *name)
{
	int i = schema_idx(b->s, name);

	if (i < 0)
		abort();
	b->f[i].used = true;
	return &b->f[i];
}

static void
add_post(bfield_t *f, const char *term, uint32_t doc, uint32_t pos)
{
	if (f->np == f->capp) {
		f->capp = f->capp ? f->capp * 2 : 64;
		f->p = realloc(f->p, f->capp * sizeof(*f->p));
	}
	size_t l = strnlen(term, sizeof(f->p[f->np].term) - 1);
	memcpy(f->p[f->np].term, term, l);
	f->p[f->np].term[l] = '\0';
	f->p[f->np].doc = doc;
	f->p[f->np].pos = pos;
	f->np++;
}

void
tm_text(tm_builder_t *b, uint32_t doc, const char *name, const char *text)
{
	bfield_t *f = field(b, name);
	char toks[256][32];
	uint32_t n = tm_tokenize(text, toks, 256);
	int32_t base = f->lastpos[doc] < 0 ? 0 : f->lastpos[doc] + 100 + 1;

	for (uint32_t i = 0; i < n; i++)
		add_post(f, toks[i], doc, (uint32_t)base + i);
	if (n)
		f->lastpos[doc] = base + (int32_t)n - 1;
	f->len[doc] += n;
}

void
tm_keyword(tm_builder_t *b, uint32_t doc, const char *name, const char *v)
{
	add_post(field(b, name), v, doc, 0);
}

static void
add_num(bfield_t *f, uint32_t doc, int64_t i, double d)
{
	if (f->nv == f->capv) {
		f->capv = f->capv ? f->capv * 2 : 64;
		f->v = realloc(f->v, f->capv * sizeof(*f->v));
	}
	f->v[f->nv++] = (raw_num_t){ doc, i, d };
}

void
tm_long(tm_builder_t *b, uint32_t doc, const char *name, int64_t v)
{
	add_num(field(b, name), doc, v, (double)v);
}

void
tm_double(tm_builder_t *b, uint32_t doc, const char *name, double v)
{
	add_num(field(b, name), doc, 0, v);
}

void
tm_delete(tm_builder_t *b, uint32_t doc)
{
	b->deleted[doc] = true;
}

/* ---- frozen reader ---- */

typedef struct mterm {
	char *term;
	uint32_t len;
	st_postings_t p;
	uint32_t *freqs, *pos_start, *positions;
	st_block_max_t *blocks;
} mterm_t;

typedef struct mfield {
	const char *name;
	st_qfield_kind_t kind;
	mterm_t *terms;
	uint32_t nt;
	st_field_stats_t stats;
	bool has_stats;
	uint8_t *norms;
	bool has_num, has_ss;
	st_dv_numeric_t num;
	uint32_t *num_start;
	int64_t *ival;
	double *dval;
	st_dv_sorted_set_t ss;
	uint32_t *ss_start, *ss_ords, *ss_off;
	char *ss_bytes;
} mfield_t;

typedef struct mreader {
	st_reader_t base;
	mfield_t f[TM_MAX_FIELDS];
	uint32_t nf;
	char **ids;
	roaring_bitmap_t *live;
} mreader_t;

static const mfield_t *
mf(const st_reader_t *r, const char *name)
{
	const mreader_t *m = (const mreader_t *)r;

	for (uint32_t i = 0; i < m->nf; i++)
		if (strcmp(m->f[i].name, name) == 0)
			return &m->f[i];
	return NULL;
}

static int
m_field_stats(const st_reader_t *r, const char *field, st_field_stats_t *out)
{
	const mfield_t *f = mf(r, field);

	if (!f || !f->has_stats)
		return -ENOENT;
	*out = f->stats;
	return 0;
}

static int
term_cmp(const char *a, uint32_t al, const char *b, uint32_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	return c ? c : (al < bl ? -1 : al > bl);
}

/* First term index >= (t, len). */
static uint32_t
lower_bound(const mfield_t *f, const char *t, uint32_t len)
{
	uint32_t lo = 0, hi = f->nt;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (term_cmp(f->terms[mid].term, f->terms[mid].len, t, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
m_postings(const st_reader_t *r, const char *field, const char *t, uint32_t len,
	   const st_postings_t **out)
{
	const mfield_t *f = mf(r, field);
	uint32_t i;

	if (!f || !f->nt)
		return -ENOENT;
	i = lower_bound(f, t, len);
	if (i >= f->nt || term_cmp(f->terms[i].term, f->terms[i].len, t, len))
		return -ENOENT;
	*out = &f->terms[i].p;
	return 0;
}

static void
iter_load(st_term_iter_t *it)
{
	const mfield_t *f = &((const mreader_t *)it->r)->f[it->field_idx];

	it->done = it->pos >= f->nt;
	if (!it->done) {
		it->term = f->terms[it->pos].term;
		it->term_len = f->terms[it->pos].len;
		it->doc_freq = f->terms[it->pos].p.doc_freq;
	}
}

static int
m_terms_seek(const st_reader_t *r, const char *field, const char *from, uint32_t from_len,
	     st_term_iter_t *it)
{
	const mreader_t *m = (const mreader_t *)r;
	const mfield_t *f = mf(r, field);

	if (!f)
		return -ENOENT;
	it->r = r;
	it->field_idx = (uint32_t)(f - m->f);
	it->pos = from ? lower_bound(f, from, from_len) : 0;
	iter_load(it);
	return 0;
}

static int
m_terms_next(st_term_iter_t *it)
{
	it->pos++;
	iter_load(it);
	return 0;
}

static int
m_terms_postings(const st_term_iter_t *it, const st_postings_t **out)
{
	const mfield_t *f = &((const mreader_t *)it->r)->f[it->field_idx];

	if (it->done)
		return -ENOENT;
	*out = &f->terms[it->pos].p;
	return 0;
}

static const uint8_t *
m_norms(const st_reader_t *r, const char *field)
{
	const mfield_t *f = mf(r, field);
	return f ? f->norms : NULL;
}

static int
m_dv_numeric(const st_reader_t *r, const char *field, st_dv_numeric_t *out)
{
	const mfield_t *f = mf(r, field);

	if (!f || !f->has_num)
		return -ENOENT;
	*out = f->num;
	return 0;
}

static int
m_dv_sorted_set(const st_reader_t *r, const char *field, st_dv_sorted_set_t *out)
{
	const mfield_t *f = mf(r, field);

	if (!f || !f->has_ss)
		return -ENOENT;
	*out = f->ss;
	return 0;
}

static int
m_source(const st_reader_t *r, uint32_t doc, osp_arena_t *a, const char **src, size_t *len)
{
	(void)r; (void)doc; (void)a;
	*src = "{}";
	*len = 2;
	return 0;
}

static int
m_doc_meta(const st_reader_t *r, uint32_t doc, st_doc_meta_t *out)
{
	const mreader_t *m = (const mreader_t *)r;

	memset(out, 0, sizeof(*out));
	out->id = m->ids[doc];
	out->id_len = (uint32_t)strlen(m->ids[doc]);
	return 0;
}

static int
m_lookup_id(const st_reader_t *r, const char *id, uint32_t len, uint32_t *doc)
{
	const mreader_t *m = (const mreader_t *)r;

	for (uint32_t d = 0; d < r->max_doc; d++)
		if (strlen(m->ids[d]) == len && memcmp(m->ids[d], id, len) == 0) {
			*doc = d;
			return 0;
		}
	return -ENOENT;
}

static uint32_t
m_field_count(const st_reader_t *r)
{
	return ((const mreader_t *)r)->nf;
}

static const char *
m_field_name(const st_reader_t *r, uint32_t i)
{
	return ((const mreader_t *)r)->f[i].name;
}

static const st_reader_ops_t mem_ops = {
	.field_stats = m_field_stats,
	.postings = m_postings,
	.terms_seek = m_terms_seek,
	.terms_next = m_terms_next,
	.terms_postings = m_terms_postings,
	.norms = m_norms,
	.dv_numeric = m_dv_numeric,
	.dv_sorted_set = m_dv_sorted_set,
	.source = m_source,
	.doc_meta = m_doc_meta,
	.lookup_id = m_lookup_id,
	.field_count = m_field_count,
	.field_name = m_field_name,
};

static void
m_destroy(st_reader_t *r)
{
	mreader_t *m = (mreader_t *)r;

	for (uint32_t i = 0; i < m->nf; i++) {
		mfield_t *f = &m->f[i];
		for (uint32_t t = 0; t < f->nt; t++) {
			free(f->terms[t].term);
			roaring_bitmap_free((roaring_bitmap_t *)f->terms[t].p.docs);
			free(f->terms[t].freqs);
			free(f->terms[t].pos_start);
			free(f->terms[t].positions);
			free(f->terms[t].blocks);
		}
		free(f->terms);
		free(f->norms);
		free(f->num_start);
		free(f->ival);
		free(f->dval);
		free(f->ss_start);
		free(f->ss_ords);
		free(f->ss_off);
		free(f->ss_bytes);
	}
	for (uint32_t d = 0; d < r->max_doc; d++)
		free(m->ids[d]);
	free(m->ids);
	if (m->live)
		roaring_bitmap_free(m->live);
	free(m);
}

static int
post_cmp(const void *x, const void *y)
{
	const raw_post_t *a = x, *b = y;
	int c = strcmp(a->term, b->term);

	if (c)
		return c;
	if (a->doc != b->doc)
		return a->doc < b->doc ? -1 : 1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static int
num_cmp(const void *x, const void *y)
{
	const raw_num_t *a = x, *b = y;

	if (a->doc != b->doc)
		return a->doc < b->doc ? -1 : 1;
	return a->d < b->d ? -1 : a->d > b->d;
}

static void
freeze_terms(mfield_t *f, bfield_t *bf, uint32_t max_doc, bool text)
{
	qsort(bf->p, bf->np, sizeof(*bf->p), post_cmp);
	f->terms = calloc(bf->np + 1, sizeof(*f->terms));
	if (text) {
		f->norms = calloc(max_doc + 1, 1);
		for (uint32_t d = 0; d < max_doc; d++)
			f->norms[d] = st_search_int_to_byte4(bf->len[d]);
	}
	roaring_bitmap_t *with = roaring_bitmap_create();
	for (uint32_t i = 0; i < bf->np;) {
		uint32_t j = i;
		while (j < bf->np && strcmp(bf->p[j].term, bf->p[i].term) == 0)
			j++;
		mterm_t *t = &f->terms[f->nt++];
		roaring_bitmap_t *docs = roaring_bitmap_create();
		t->term = strdup(bf->p[i].term);
		t->len = (uint32_t)strlen(t->term);
		t->freqs = calloc(j - i + 1, sizeof(uint32_t));
		t->pos_start = calloc(j - i + 2, sizeof(uint32_t));
		t->positions = calloc(j - i + 1, sizeof(uint32_t));
		uint32_t nd = 0, np = 0;
		for (uint32_t k = i; k < j; k++) {
			if (k == i || bf->p[k].doc != bf->p[k - 1].doc) {
				if (!text && k > i && bf->p[k].doc == bf->p[k - 1].doc)
					continue;
				roaring_bitmap_add(docs, bf->p[k].doc);
				t->pos_start[nd] = np;
				nd++;
			} else if (!text) {
				continue; /* keyword duplicate value in one doc */
			}
			t->freqs[nd - 1]++;
			t->positions[np++] = bf->p[k].pos;
		}
		t->pos_start[nd] = np;
		roaring_bitmap_or_inplace(with, docs);
		t->p.docs = docs;
		t->p.doc_freq = nd;
		t->p.total_term_freq = text ? np : nd;
		t->p.freqs = text ? t->freqs : NULL;
		t->p.pos_start = text ? t->pos_start : NULL;
		t->p.positions = text ? t->positions : NULL;
		uint32_t nb = (nd + ST_BLOCK_DOCS - 1) / ST_BLOCK_DOCS;
		t->blocks = calloc(nb + 1, sizeof(*t->blocks));
		t->p.blocks = t->blocks;
		t->p.max_freq = 0;
		t->p.min_norm = 255;
		roaring_uint32_iterator_t it;
		roaring_init_iterator(docs, &it);
		for (uint32_t k = 0; it.has_value; k++, roaring_advance_uint32_iterator(&it)) {
			st_block_max_t *bm = &t->blocks[k / ST_BLOCK_DOCS];
			uint32_t fq = text ? t->freqs[k] : 1;
			uint8_t nm = text ? f->norms[it.current_value] : 1;
			if (k % ST_BLOCK_DOCS == 0) {
				bm->max_freq = 0;
				bm->min_norm = 255;
			}
			bm->last_doc = it.current_value;
			if (fq > bm->max_freq)
				bm->max_freq = fq;
			if (nm < bm->min_norm)
				bm->min_norm = nm;
			if (fq > t->p.max_freq)
				t->p.max_freq = fq;
			if (nm < t->p.min_norm)
				t->p.min_norm = nm;
		}
		f->stats.sum_doc_freq += nd;
		f->stats.sum_total_term_freq += t->p.total_term_freq;
		i = j;
	}
	f->stats.doc_count = roaring_bitmap_get_cardinality(with);
	f->stats.has_freqs = text;
	f->stats.has_positions = text;
	f->stats.has_norms = text;
	f->has_stats = f->nt > 0;
	roaring_bitmap_free(with);
	if (!text) {
		/* keyword doc values: ords follow term order */
		f->has_ss = true;
		f->ss_start = calloc(max_doc + 2, sizeof(uint32_t));
		f->ss_ords = calloc(bf->np + 1, sizeof(uint32_t));
		f->ss_off = calloc(f->nt + 2, sizeof(uint32_t));
		size_t bytes = 0;
		for (uint32_t t = 0; t < f->nt; t++)
			bytes += f->terms[t].len;
		f->ss_bytes = malloc(bytes + 1);
		bytes = 0;
		for (uint32_t t = 0; t < f->nt; t++) {
			f->ss_off[t] = (uint32_t)bytes;
			memcpy(f->ss_bytes + bytes, f->terms[t].term, f->terms[t].len);
			bytes += f->terms[t].len;
		}
		f->ss_off[f->nt] = (uint32_t)bytes;
		uint32_t w = 0;
		for (uint32_t d = 0; d < max_doc; d++) {
			f->ss_start[d] = w;
			for (uint32_t t = 0; t < f->nt; t++)
				if (roaring_bitmap_contains(f->terms[t].p.docs, d))
					f->ss_ords[w++] = t;
		}
		f->ss_start[max_doc] = w;
		f->ss = (st_dv_sorted_set_t){ f->nt, f->ss_start, f->ss_ords, f->ss_off, f->ss_bytes };
	}
}

static void
freeze_nums(mfield_t *f, bfield_t *bf, uint32_t max_doc, bool dbl)
{
	qsort(bf->v, bf->nv, sizeof(*bf->v), num_cmp);
	f->has_num = true;
	f->num_start = calloc(max_doc + 2, sizeof(uint32_t));
	f->ival = calloc(bf->nv + 1, sizeof(int64_t));
	f->dval = calloc(bf->nv + 1, sizeof(double));
	uint32_t k = 0;
	for (uint32_t d = 0; d < max_doc; d++) {
		f->num_start[d] = k;
		while (k < bf->nv && bf->v[k].doc == d) {
			f->ival[k] = bf->v[k].i;
			f->dval[k] = bf->v[k].d;
			k++;
		}
	}
	f->num_start[max_doc] = k;
	f->num = (st_dv_numeric_t){ dbl, f->num_start, f->ival, f->dval };
}

st_reader_t *
tm_build(tm_builder_t *b, uint64_t gen)
{
	mreader_t *m = calloc(1, sizeof(*m));
	uint32_t nlive = 0;

	m->base.ops = &mem_ops;
	m->base.max_doc = b->n;
	m->base.gen = gen;
	m->base.refs = 1;
	m->base.destroy = m_destroy;
	m->ids = b->ids;
	for (uint32_t d = 0; d < b->n; d++)
		nlive += !b->deleted[d];
	if (nlive < b->n) {
		m->live = roaring_bitmap_create();
		for (uint32_t d = 0; d < b->n; d++)
			if (!b->deleted[d])
				roaring_bitmap_add(m->live, d);
	}
	m->base.live = m->live;
	m->base.num_docs = nlive;
	for (uint32_t i = 0; i < b->s->n; i++) {
		bfield_t *bf = &b->f[i];
		mfield_t *f = &m->f[m->nf];
		st_qfield_kind_t k = b->s->kinds[i];
		if (!bf->used)
			goto next;
		f->name = b->s->names[i];
		f->kind = k;
		if (k == ST_QF_TEXT || k == ST_QF_KEYWORD)
			freeze_terms(f, bf, b->n, k == ST_QF_TEXT);
		else
			freeze_nums(f, bf, b->n, k == ST_QF_DOUBLE);
		m->nf++;
next:
		;
	}
	for (uint32_t i = 0; i < TM_MAX_FIELDS; i++) {
		free(b->f[i].p);
		free(b->f[i].v);
		free(b->f[i].len);
		free(b->f[i].lastpos);
	}
	free(b->deleted);
	free(b);
	return &m->base;
}

/* ---- running searches ---- */

int
tm_parse(const char *body, osp_arena_t *a, st_search_req_t *req, osp_err_t *err)
{
	osp_json_t *j = NULL;
	osp_json_error_t jerr;
	int rc;

	osp_err_clear(err);
	st_search_req_init(req);
	if (body) {
		rc = osp_json_parse(a, body, strlen(body), NULL, &j, &jerr);
		if (rc)
			return osp_err_set(err, 400, "json_parse_exception", "%s", jerr.msg);
	}
	return st_search_req_parse(a, j, req, err);
}

int
tm_search(st_reader_t *const *r, uint32_t n, tm_schema_t *s, const char *body,
	  osp_arena_t *a, st_search_req_t *req, st_shard_result_t *res, osp_err_t *err)
{
	int rc = tm_parse(body, a, req, err);

	if (rc)
		return rc;
	return st_search_shard(r, n, req, &s->ops, a, res, err);
}
