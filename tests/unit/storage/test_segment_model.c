/*
 * test_segment_model.c - random documents, the builder feed, and the
 * brute-force checker shared by the segment tests. Expected postings are
 * computed by sorting (field, term, doc, position) events; everything the
 * reader returns is compared with them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_segment_model.h"

const st_seg_field_spec_t m_specs[M_NFIELDS] = {
	{ "body", ST_SEG_INDEX_POSITIONS, true, ST_SEG_DV_NONE },
	{ "title", ST_SEG_INDEX_FREQS, true, ST_SEG_DV_NONE },
	{ "tag", ST_SEG_INDEX_DOCS, false, ST_SEG_DV_SORTED_SET },
	{ "num", ST_SEG_INDEX_DOCS, false, ST_SEG_DV_LONG },
	{ "price", ST_SEG_INDEX_DOCS, false, ST_SEG_DV_DOUBLE },
	{ "flag", ST_SEG_INDEX_DOCS, false, ST_SEG_DV_LONG },
	{ "empty", ST_SEG_INDEX_POSITIONS, true, ST_SEG_DV_NONE },
	{ "dvonly", ST_SEG_INDEX_NONE, false, ST_SEG_DV_SORTED_SET },
};

static const char *const vocab[] = {
	"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "search",
	"engine", "lucene", "osprey", "segment", "term", "posting", "a", "b", "c",
	"caf\xc3\xa9", "na\xc3\xafve", "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x90\xa6",
	"", "zz", "zzz", "aa", "aaa", "aab", "x\x01y",
};
#define NVOCAB (sizeof(vocab) / sizeof(vocab[0]))

static uint64_t rng;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

static void
set_tok(m_tok_t *t, const char *s, uint32_t pos)
{
	t->len = (uint8_t)strlen(s);
	memcpy(t->term, s, t->len);
	t->pos = pos;
}

m_doc_t *
m_docs_random(uint32_t n, uint32_t seed, uint32_t id_base, bool big)
{
	m_doc_t *d = calloc(n, sizeof(*d));

	assert_non_null(d);
	rng = 0x9e3779b97f4a7c15ull ^ seed;
	for (uint32_t i = 0; i < n; i++) {
		m_doc_t *x = &d[i];

		x->id_len = (uint32_t)snprintf(x->id, sizeof(x->id), "doc-%u", id_base + i);
		x->has_routing = rnd(4) == 0;
		if (x->has_routing)
			snprintf(x->routing, sizeof(x->routing), "r%u", rnd(10));
		x->seq = id_base + i;
		x->term = 1 + rnd(3);
		x->ver = 1 + rnd(5);
		x->src_len = big && rnd(20) == 0 ? 90000 + rnd(30000) : rnd(400);
		x->src = malloc(x->src_len + 1);
		assert_non_null(x->src);
		for (size_t k = 0; k < x->src_len; k++)
			x->src[k] = (char)("{}\"abcdefgh: ,0123"[rnd(18)] + (k % 97 == 0 ? rnd(3) : 0));
		/* body: positions ascending, sometimes gaps (multi-valued). */
		uint32_t nb = rnd(5) == 0 ? 0 : rnd(M_MAX_TOKS / 2) + 1, pos = 0;

		for (uint32_t k = 0; k < nb; k++) {
			set_tok(&x->body[k], vocab[rnd(NVOCAB)], pos);
			pos += rnd(10) == 0 ? 100 : 1;
		}
		x->nbody = nb;
		x->ntitle = rnd(4);
		for (uint32_t k = 0; k < x->ntitle; k++)
			set_tok(&x->title[k], vocab[rnd(8)], k);
		x->title_len = x->ntitle ? x->ntitle + rnd(30) : 0;
		x->ntags = rnd(4);
		for (uint32_t k = 0; k < x->ntags; k++)
			snprintf(x->tags[k], sizeof(x->tags[k]), "t%u", rnd(12));
		x->nnums = rnd(4);
		for (uint32_t k = 0; k < x->nnums; k++)
			x->nums[k] = (int64_t)rnd(2000) - 1000 + (rnd(50) == 0 ? INT64_MIN / 2 : 0);
		x->nprices = rnd(3);
		for (uint32_t k = 0; k < x->nprices; k++)
			x->prices[k] = ((double)rnd(100000) - 50000) / 7.0;
		x->flag = (int)rnd(3) - 1;
		x->ndvonly = rnd(3);
		for (uint32_t k = 0; k < x->ndvonly; k++)
			snprintf(x->dvonly[k], sizeof(x->dvonly[k]), "v%u", rnd(5));
	}
	return d;
}

void
m_docs_free(m_doc_t *d, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		free(d[i].src);
	free(d);
}

void
m_docs_keep(m_doc_t *d, uint32_t n, uint32_t mask)
{
	for (uint32_t i = 0; i < n; i++) {
		if (!(mask & (1u << MF_BODY)))
			d[i].nbody = 0;
		if (!(mask & (1u << MF_TITLE)))
			d[i].ntitle = d[i].title_len = 0;
		if (!(mask & (1u << MF_TAG)))
			d[i].ntags = 0;
		if (!(mask & (1u << MF_NUM)))
			d[i].nnums = 0;
		if (!(mask & (1u << MF_PRICE)))
			d[i].nprices = 0;
		if (!(mask & (1u << MF_FLAG)))
			d[i].flag = -1;
		if (!(mask & (1u << MF_DVONLY)))
			d[i].ndvonly = 0;
	}
}

void
m_build(const m_doc_t *d, uint32_t n, const char *name, st_seg_files_t *out)
{
	m_build_fields(d, n, name, (1u << M_NFIELDS) - 1, out);
}

void
m_build_fields(const m_doc_t *d, uint32_t n, const char *name, uint32_t mask,
	       st_seg_files_t *out)
{
	st_seg_builder_opts_t o = { .name = name, .source_block_bytes = 16384 };
	st_seg_builder_t *b;
	uint32_t fid[M_NFIELDS];

	assert_int_equal(st_seg_builder_create(&o, &b), 0);
	/* Register in reverse so field numbers differ from MF_* order. */
	for (int f = M_NFIELDS - 1; f >= 0; f--)
		if (mask & (1u << f))
			assert_int_equal(st_seg_builder_field(b, &m_specs[f], &fid[f]), 0);
	for (uint32_t i = 0; i < n; i++) {
		const m_doc_t *x = &d[i];
		st_seg_doc_meta_in_t m = {
			x->id, x->id_len, x->has_routing ? x->routing : NULL,
			(uint32_t)strlen(x->routing), x->seq, x->term, x->ver,
		};

		assert_int_equal(st_seg_builder_doc_begin(b, &m, x->src, x->src_len), 0);
		for (uint32_t k = 0; k < x->nbody; k++)
			assert_int_equal(st_seg_builder_add_term(b, fid[MF_BODY], x->body[k].term,
				x->body[k].len, x->body[k].pos), 0);
		for (uint32_t k = 0; k < x->ntitle; k++)
			assert_int_equal(st_seg_builder_add_term(b, fid[MF_TITLE], x->title[k].term,
				x->title[k].len, x->title[k].pos), 0);
		if (x->ntitle)
			assert_int_equal(st_seg_builder_set_length(b, fid[MF_TITLE], x->title_len), 0);
		for (uint32_t k = 0; k < x->ntags; k++)
			assert_int_equal(st_seg_builder_add_keyword(b, fid[MF_TAG], x->tags[k],
				(uint32_t)strlen(x->tags[k])), 0);
		for (uint32_t k = 0; k < x->nnums; k++)
			assert_int_equal(st_seg_builder_add_long(b, fid[MF_NUM], x->nums[k]), 0);
		for (uint32_t k = 0; k < x->nprices; k++)
			assert_int_equal(st_seg_builder_add_double(b, fid[MF_PRICE], x->prices[k]), 0);
		if (x->flag >= 0)
			assert_int_equal(st_seg_builder_add_bool(b, fid[MF_FLAG], x->flag), 0);
		for (uint32_t k = 0; k < x->ndvonly; k++)
			assert_int_equal(st_seg_builder_add_keyword(b, fid[MF_DVONLY], x->dvonly[k],
				(uint32_t)strlen(x->dvonly[k])), 0);
		assert_int_equal(st_seg_builder_doc_end(b), 0);
	}
	/* Sliced encode for odd sizes, one shot for even ones. */
	if (n % 2) {
		int rc, steps = 0;

		while ((rc = st_seg_builder_finish_step(b, 97)) == OSP_AGAIN)
			steps++;
		assert_int_equal(rc, 0);
		if (n > 100)
			assert_true(steps > 3);
		st_seg_doc_meta_in_t late = { "late", 4, NULL, 0, 0, 1, 1 };

		assert_int_equal(st_seg_builder_doc_begin(b, &late, "", 0), -EINVAL);
	}
	assert_int_equal(st_seg_builder_finish(b, out), 0);
	st_seg_builder_free(b);
}

/* ---- expected postings ---- */

typedef struct ev {
	uint8_t field;
	uint8_t len;
	char term[24];
	uint32_t doc, pos;
} ev_t;

static int
ev_cmp(const void *a, const void *b)
{
	const ev_t *x = a, *y = b;

	if (x->field != y->field)
		return x->field < y->field ? -1 : 1;
	uint32_t m = x->len < y->len ? x->len : y->len;
	int c = m ? memcmp(x->term, y->term, m) : 0;

	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if (x->doc != y->doc)
		return x->doc < y->doc ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static void
ev_add(ev_t **e, size_t *n, size_t *cap, uint8_t field, const void *term, uint32_t len,
       uint32_t doc, uint32_t pos)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		*e = realloc(*e, *cap * sizeof(ev_t));
		assert_non_null(*e);
	}
	ev_t *x = &(*e)[(*n)++];

	memset(x, 0, sizeof(*x));
	x->field = field;
	x->len = (uint8_t)len;
	memcpy(x->term, term, len);
	x->doc = doc;
	x->pos = pos;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Check a sorted-set field against per-doc string lists. */
static void
check_sorted_set(const st_reader_t *r, const char *field, const m_doc_t *const *docs,
		 uint32_t n, int which)
{
	st_dv_sorted_set_t ss;
	char *all[4096];
	uint32_t na = 0;

	assert_int_equal(r->ops->dv_sorted_set(r, field, &ss), 0);
	for (uint32_t d = 0; d < n; d++) {
		uint32_t k = which ? docs[d]->ndvonly : docs[d]->ntags;

		for (uint32_t j = 0; j < k; j++) {
			char *s = which ? (char *)docs[d]->dvonly[j] : (char *)docs[d]->tags[j];
			bool seen = false;

			for (uint32_t q = 0; q < na; q++)
				if (strcmp(all[q], s) == 0)
					seen = true;
			if (!seen)
				all[na++] = s;
		}
	}
	qsort(all, na, sizeof(char *), cmp_str);
	assert_int_equal(ss.num_terms, na);
	for (uint32_t o = 0; o < na; o++) {
		assert_int_equal(ss.term_off[o + 1] - ss.term_off[o], strlen(all[o]));
		assert_memory_equal(ss.term_bytes + ss.term_off[o], all[o], strlen(all[o]));
	}
	for (uint32_t d = 0; d < n; d++) {
		uint32_t k = which ? docs[d]->ndvonly : docs[d]->ntags;
		char *mine[4];
		uint32_t u = 0;

		for (uint32_t j = 0; j < k; j++) {
			char *s = which ? (char *)docs[d]->dvonly[j] : (char *)docs[d]->tags[j];
			bool seen = false;

			for (uint32_t q = 0; q < u; q++)
				if (strcmp(mine[q], s) == 0)
					seen = true;
			if (!seen)
				mine[u++] = s;
		}
		qsort(mine, u, sizeof(char *), cmp_str);
		assert_int_equal(ss.start[d + 1] - ss.start[d], u);
		for (uint32_t j = 0; j < u; j++) {
			uint32_t o = ss.ords[ss.start[d] + j];

			assert_true(o < ss.num_terms);
			assert_int_equal(ss.term_off[o + 1] - ss.term_off[o], strlen(mine[j]));
			assert_memory_equal(ss.term_bytes + ss.term_off[o], mine[j], strlen(mine[j]));
		}
	}
}

static void
check_docs(const st_reader_t *r, const m_doc_t *const *docs, uint32_t n)
{
	osp_arena_t a;
	st_dv_numeric_t nv, pv, fv;

	osp_arena_init(&a, 4096, 0);
	assert_int_equal(r->ops->dv_numeric(r, "num", &nv), 0);
	assert_int_equal(r->ops->dv_numeric(r, "price", &pv), 0);
	assert_int_equal(r->ops->dv_numeric(r, "flag", &fv), 0);
	assert_false(nv.is_double);
	assert_true(pv.is_double);
	/* Read sources backwards and forwards to exercise the block cache. */
	for (uint32_t k = 0; k < 2 * n; k++) {
		uint32_t d = k < n ? n - 1 - k : k - n;
		const char *src;
		size_t len;

		assert_int_equal(r->ops->source(r, d, &a, &src, &len), 0);
		assert_int_equal(len, docs[d]->src_len);
		assert_memory_equal(src, docs[d]->src, len);
		osp_arena_reset(&a);
	}
	for (uint32_t d = 0; d < n; d++) {
		const m_doc_t *x = docs[d];
		st_doc_meta_t m;
		int64_t nums[3];
		double prices[2];
		uint32_t found;

		assert_int_equal(r->ops->doc_meta(r, d, &m), 0);
		assert_int_equal(m.id_len, x->id_len);
		assert_memory_equal(m.id, x->id, x->id_len);
		assert_int_equal(m.seq_no, x->seq);
		assert_int_equal(m.primary_term, x->term);
		assert_int_equal(m.version, x->ver);
		if (x->has_routing) {
			assert_non_null(m.routing);
			assert_int_equal(m.routing_len, strlen(x->routing));
			assert_memory_equal(m.routing, x->routing, m.routing_len);
		} else {
			assert_null(m.routing);
		}
		assert_int_equal(r->ops->lookup_id(r, x->id, x->id_len, &found), 0);
		assert_int_equal(found, d);
		memcpy(nums, x->nums, sizeof(nums));
		qsort(nums, x->nnums, 8, cmp_i64);
		assert_int_equal(nv.start[d + 1] - nv.start[d], x->nnums);
		for (uint32_t j = 0; j < x->nnums; j++)
			assert_int_equal(nv.ival[nv.start[d] + j], nums[j]);
		memcpy(prices, x->prices, sizeof(prices));
		qsort(prices, x->nprices, 8, cmp_dbl);
		assert_int_equal(pv.start[d + 1] - pv.start[d], x->nprices);
		for (uint32_t j = 0; j < x->nprices; j++)
			assert_true(pv.dval[pv.start[d] + j] == prices[j]);
		assert_int_equal(fv.start[d + 1] - fv.start[d], x->flag >= 0 ? 1 : 0);
		if (x->flag >= 0)
			assert_int_equal(fv.ival[fv.start[d]], x->flag);
	}
	uint32_t dummy;

	assert_int_equal(r->ops->lookup_id(r, "nope", 4, &dummy), -ENOENT);
	check_sorted_set(r, "tag", docs, n, 0);
	check_sorted_set(r, "dvonly", docs, n, 1);
	osp_arena_free(&a);
}

/* Walk the expected events of one field and compare with the reader. */
static void
check_field(const st_reader_t *r, int field, const ev_t *e, size_t ne,
	    const m_doc_t *const *docs, uint32_t n)
{
	const st_seg_field_spec_t *sp = &m_specs[field];
	const uint8_t *norms = r->ops->norms(r, sp->name);
	st_term_iter_t it;
	st_field_stats_t fs;
	size_t i = 0;
	uint64_t sum_df = 0, sum_ttf = 0;
	uint32_t nterms = 0;
	uint8_t *has = calloc(n + 1, 1);

	assert_non_null(has);
	if (sp->norms) {
		assert_non_null(norms);
		for (uint32_t d = 0; d < n; d++) {
			uint32_t len = field == MF_BODY ? docs[d]->nbody
				: field == MF_TITLE ? docs[d]->title_len : 0;

			assert_int_equal(norms[d], st_seg_int_to_byte4(len));
		}
	} else {
		assert_null(norms);
	}
	assert_int_equal(r->ops->terms_seek(r, sp->name, NULL, 0, &it), 0);
	while (i < ne) {
		size_t j = i;
		uint32_t df = 0;

		while (j < ne && e[j].len == e[i].len && memcmp(e[j].term, e[i].term, e[i].len) == 0)
			j++;
		/* Term i..j: the iterator must be on it. */
		assert_false(it.done);
		assert_int_equal(it.term_len, e[i].len);
		assert_memory_equal(it.term, e[i].term, e[i].len);
		const st_postings_t *p, *p2;

		assert_int_equal(r->ops->terms_postings(&it, &p), 0);
		assert_int_equal(r->ops->postings(r, sp->name, e[i].term, e[i].len, &p2), 0);
		assert_ptr_equal(p, p2);
		/* Expected docs with freqs and positions. */
		st_postings_cur_t c;
		uint64_t ttf = 0;
		uint32_t maxf = 0, k = 0, blk = 0, bmaxf = 0;
		uint8_t minn = 0xff, bminn = 0xff;

		st_postings_cur_init(&c, p);
		for (size_t q = i; q < j;) {
			size_t q2 = q;

			while (q2 < j && e[q2].doc == e[q].doc)
				q2++;
			uint32_t freq = (uint32_t)(q2 - q);

			assert_int_equal(c.doc, e[q].doc);
			assert_int_equal(st_postings_cur_idx(&c), k);
			if (sp->index >= ST_SEG_INDEX_FREQS)
				assert_int_equal(st_postings_cur_freq(&c), freq);
			else
				assert_null(p->freqs);
			if (sp->index >= ST_SEG_INDEX_POSITIONS) {
				assert_int_equal(p->pos_start[k + 1] - p->pos_start[k], freq);
				for (uint32_t z = 0; z < freq; z++)
					assert_int_equal(p->positions[p->pos_start[k] + z], e[q + z].pos);
			}
			uint32_t ef = sp->index >= ST_SEG_INDEX_FREQS ? freq : 1;
			uint8_t nb = norms ? norms[e[q].doc] : 0;

			ttf += ef;
			if (ef > bmaxf)
				bmaxf = ef;
			if (nb < bminn)
				bminn = nb;
			if (!has[e[q].doc]) {
				has[e[q].doc] = 1;
			}
			k++;
			if (k % ST_BLOCK_DOCS == 0 || q2 == j) {
				assert_int_equal(p->blocks[blk].last_doc, e[q].doc);
				assert_int_equal(p->blocks[blk].max_freq, bmaxf);
				assert_int_equal(p->blocks[blk].min_norm, bminn);
				if (bmaxf > maxf)
					maxf = bmaxf;
				if (bminn < minn)
					minn = bminn;
				blk++;
				bmaxf = 0;
				bminn = 0xff;
			}
			st_postings_cur_next(&c);
			q = q2;
		}
		df = k;
		assert_int_equal(c.doc, ST_NO_MORE_DOCS);
		assert_int_equal(p->doc_freq, df);
		assert_int_equal(it.doc_freq, df);
		assert_int_equal(p->total_term_freq, ttf);
		assert_int_equal(p->max_freq, maxf);
		assert_int_equal(p->min_norm, minn);
		/* advance() lands on the right rank. */
		if (df > 2) {
			st_postings_cur_init(&c, p);
			uint32_t target = e[j - 1].doc;

			assert_int_equal(st_postings_cur_advance(&c, target), target);
			assert_int_equal(st_postings_cur_idx(&c), df - 1);
		}
		sum_df += df;
		sum_ttf += ttf;
		nterms++;
		/* Seeking to this term (and to just before it) lands here. */
		st_term_iter_t it2;

		assert_int_equal(r->ops->terms_seek(r, sp->name, e[i].term, e[i].len, &it2), 0);
		assert_false(it2.done);
		assert_int_equal(it2.term_len, e[i].len);
		assert_memory_equal(it2.term, e[i].term, e[i].len);
		if (e[i].len) {
			assert_int_equal(r->ops->terms_seek(r, sp->name, e[i].term, e[i].len - 1u,
							    &it2), 0);
			assert_false(it2.done);
			assert_true(it2.term_len <= e[i].len);
		}
		assert_int_equal(r->ops->terms_next(&it), 0);
		i = j;
	}
	assert_true(it.done);
	/* Absent terms. */
	const st_postings_t *p;

	assert_int_equal(r->ops->postings(r, sp->name, "\xff\xff\xff", 3, &p), -ENOENT);
	assert_int_equal(r->ops->terms_seek(r, sp->name, "\xff\xff\xff", 3, &it), 0);
	assert_true(it.done);
	uint32_t dc = 0;

	for (uint32_t d = 0; d < n; d++)
		dc += has[d];
	if (sp->index != ST_SEG_INDEX_NONE) {
		assert_int_equal(r->ops->field_stats(r, sp->name, &fs), 0);
		assert_int_equal(fs.doc_count, dc);
		assert_int_equal(fs.sum_doc_freq, sum_df);
		assert_int_equal(fs.sum_total_term_freq, sum_ttf);
		assert_int_equal(fs.has_freqs, sp->index >= ST_SEG_INDEX_FREQS);
		assert_int_equal(fs.has_positions, sp->index >= ST_SEG_INDEX_POSITIONS);
		assert_int_equal(fs.has_norms, sp->norms);
	} else {
		assert_int_equal(r->ops->field_stats(r, sp->name, &fs), -ENOENT);
		assert_int_equal(nterms, 0);
	}
	free(has);
}

void
m_check(const st_reader_t *r, const m_doc_t *const *docs, uint32_t n)
{
	ev_t *e = NULL;
	size_t ne = 0, cap = 0;

	assert_int_equal(r->max_doc, n);
	for (uint32_t d = 0; d < n; d++) {
		const m_doc_t *x = docs[d];
		uint8_t enc[8];

		for (uint32_t k = 0; k < x->nbody; k++)
			ev_add(&e, &ne, &cap, MF_BODY, x->body[k].term, x->body[k].len, d,
			       x->body[k].pos);
		for (uint32_t k = 0; k < x->ntitle; k++)
			ev_add(&e, &ne, &cap, MF_TITLE, x->title[k].term, x->title[k].len, d,
			       x->title[k].pos);
		for (uint32_t k = 0; k < x->ntags; k++)
			ev_add(&e, &ne, &cap, MF_TAG, x->tags[k], (uint32_t)strlen(x->tags[k]), d, 0);
		for (uint32_t k = 0; k < x->nnums; k++) {
			st_seg_encode_long(x->nums[k], enc);
			ev_add(&e, &ne, &cap, MF_NUM, enc, 8, d, 0);
		}
		for (uint32_t k = 0; k < x->nprices; k++) {
			st_seg_encode_double(x->prices[k], enc);
			ev_add(&e, &ne, &cap, MF_PRICE, enc, 8, d, 0);
		}
		if (x->flag >= 0)
			ev_add(&e, &ne, &cap, MF_FLAG, x->flag ? "T" : "F", 1, d, 0);
	}
	qsort(e, ne, sizeof(ev_t), ev_cmp);
	/* Docs-only fields: the same term twice in a doc is one posting. */
	size_t w = 0;

	for (size_t i = 0; i < ne; i++) {
		if (w && m_specs[e[i].field].index == ST_SEG_INDEX_DOCS &&
		    e[w - 1].field == e[i].field && e[w - 1].doc == e[i].doc &&
		    e[w - 1].len == e[i].len && memcmp(e[w - 1].term, e[i].term, e[i].len) == 0)
			continue;
		e[w++] = e[i];
	}
	ne = w;
	size_t i = 0;

	for (int f = 0; f < M_NFIELDS; f++) {
		size_t j = i;

		while (j < ne && e[j].field == f)
			j++;
		check_field(r, f, e + i, j - i, docs, n);
		i = j;
	}
	assert_int_equal(r->ops->field_count(r), M_NFIELDS);
	for (uint32_t k = 1; k < M_NFIELDS; k++)
		assert_true(strcmp(r->ops->field_name(r, k - 1), r->ops->field_name(r, k)) < 0);
	check_docs(r, docs, n);
	free(e);
}
