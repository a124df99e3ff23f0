/*
 * test_oracle.c - random documents and random queries, checked against a
 * brute-force evaluator written from the formulas (not from the engine).
 *
 * 2,100 documents in three segments (with deletes) of a single shard; a few
 * thousand random query trees (term, match with operator and
 * minimum_should_match, exact phrases, bool with all four clause kinds,
 * dis_max, multi_match best/most fields, range, terms, prefix, exists,
 * constant_score, match_all, boosts everywhere) are written as JSON, parsed
 * and executed; the brute force evaluates the same tree over the raw
 * documents: BM25 with idf = ln(1 + (N - n + 0.5) / (n + 0.5)), tf =
 * f / (f + 1.2 * (0.25 + 0.75 * dl / avgdl)), dl through the 4-bit norm
 * (computed here as "24 + the top 4 significant bits of len - 24"),
 * statistics over all documents including deleted ones. Checked: total
 * hits, the hits and their order, scores (relative 1e-5), field sorts,
 * search_after, _count, and aggregations; then the same over two shards
 * merged. Ranges get their own check on every numeric kind (long, double,
 * multi-valued, date) with deletes, and again after a segment merge with
 * fresh deletes on the merged segment. Deterministic (fixed seed).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "st_search_int.h"
#include "st_segment.h"
#include "test_search_mem.h"
#include "test_search_oracle.h"

#define NSEG 3

static tm_schema_t schema;
static st_reader_t *mem_readers[NSEG], *seg_readers[NSEG];
static st_reader_t **readers = mem_readers;

/* The same documents as real segments (storage/segment), deletes applied
 * as a new view, as the shard does. */
static void
build_segments(void)
{
	for (uint32_t s = 0; s < NSEG; s++) {
		st_seg_builder_opts_t o;
		st_seg_builder_t *b;
		st_seg_files_t files;
		st_reader_t *r, *r2;
		osp_err_t err;
		uint32_t f_title, f_body, f_tag, f_num, f_price, f_nums, f_when, f_temp, *del, ndel = 0;
		char name[16];
		const st_seg_field_spec_t specs[8] = {
			{ "title", ST_SEG_INDEX_POSITIONS, true, ST_SEG_DV_NONE },
			{ "body", ST_SEG_INDEX_POSITIONS, true, ST_SEG_DV_NONE },
			{ "tag", ST_SEG_INDEX_DOCS, false, ST_SEG_DV_SORTED_SET },
			{ "num", ST_SEG_INDEX_DOCS, false, ST_SEG_DV_LONG },
			{ "price", ST_SEG_INDEX_DOCS, false, ST_SEG_DV_DOUBLE },
			{ "nums", ST_SEG_INDEX_DOCS, false, ST_SEG_DV_LONG },
			{ "when", ST_SEG_INDEX_DOCS, false, ST_SEG_DV_LONG },
			{ "temp", ST_SEG_INDEX_DOCS, false, ST_SEG_DV_DOUBLE },
		};

		memset(&o, 0, sizeof(o));
		snprintf(name, sizeof(name), "_%u", s);
		o.name = name;
		assert_int_equal(st_seg_builder_create(&o, &b), 0);
		assert_int_equal(st_seg_builder_field(b, &specs[0], &f_title), 0);
		assert_int_equal(st_seg_builder_field(b, &specs[1], &f_body), 0);
		assert_int_equal(st_seg_builder_field(b, &specs[2], &f_tag), 0);
		assert_int_equal(st_seg_builder_field(b, &specs[3], &f_num), 0);
		assert_int_equal(st_seg_builder_field(b, &specs[4], &f_price), 0);
		assert_int_equal(st_seg_builder_field(b, &specs[5], &f_nums), 0);
		assert_int_equal(st_seg_builder_field(b, &specs[6], &f_when), 0);
		assert_int_equal(st_seg_builder_field(b, &specs[7], &f_temp), 0);
		del = calloc(NDOCS, sizeof(*del));
		for (uint32_t d = 0; d < NDOCS; d++) {
			const mdoc_t *m = &docs[d];
			char id[16];
			if (m->seg != s)
				continue;
			snprintf(id, sizeof(id), "d%u", d);
			st_seg_doc_meta_in_t meta = { .id = id, .id_len = (uint32_t)strlen(id),
						      .seq_no = d, .primary_term = 1, .version = 1 };
			assert_int_equal(st_seg_builder_doc_begin(b, &meta, "{}", 2), 0);
			for (uint32_t i = 0; i < m->ntitle; i++)
				st_seg_builder_add_term(b, f_title, words[m->title[i]],
							(uint32_t)strlen(words[m->title[i]]), i);
			for (uint32_t i = 0; i < m->nbody; i++)
				st_seg_builder_add_term(b, f_body, words[m->body[i]],
							(uint32_t)strlen(words[m->body[i]]), i);
			for (int t = 0; t < NTAGS; t++)
				if (m->tag[t])
					st_seg_builder_add_keyword(b, f_tag, tags[t], (uint32_t)strlen(tags[t]));
			if (m->has_num)
				st_seg_builder_add_long(b, f_num, m->num);
			st_seg_builder_add_double(b, f_price, m->price);
			for (uint32_t i = 0; i < m->nnums; i++)
				st_seg_builder_add_long(b, f_nums, m->nums[i]);
			if (m->has_when)
				st_seg_builder_add_long(b, f_when, m->when);
			if (m->has_temp)
				st_seg_builder_add_double(b, f_temp, m->temp);
			assert_int_equal(st_seg_builder_doc_end(b), 0);
			if (m->deleted)
				del[ndel++] = m->local;
		}
		assert_int_equal(st_seg_builder_finish(b, &files), 0);
		st_seg_builder_free(b);
		st_seg_open_opts_t oo = { .gen = s + 1 };
		assert_int_equal(st_segment_open(&files, &oo, &r, &err), 0);
		st_seg_files_free(&files);
		if (ndel) {
			assert_int_equal(st_segment_delete(r, del, ndel, &r2), 0);
			st_reader_unref(r);
			r = r2;
		}
		free(del);
		seg_readers[s] = r;
	}
}

static int
use_mem(void **state)
{
	(void)state;
	readers = mem_readers;
	return 0;
}

static int
use_segments(void **state)
{
	(void)state;
	readers = seg_readers;
	return 0;
}

/* ---- the corpus ---- */

static void
build(void)
{
	tm_builder_t *b[NSEG];
	uint32_t per = NDOCS / NSEG;

	tm_schema_init(&schema);
	tm_schema_add(&schema, "title", ST_QF_TEXT);
	tm_schema_add(&schema, "body", ST_QF_TEXT);
	tm_schema_add(&schema, "tag", ST_QF_KEYWORD);
	tm_schema_add(&schema, "num", ST_QF_LONG);
	tm_schema_add(&schema, "price", ST_QF_DOUBLE);
	tm_schema_add(&schema, "nums", ST_QF_LONG);
	tm_schema_add(&schema, "when", ST_QF_DATE);
	tm_schema_add(&schema, "temp", ST_QF_DOUBLE);
	for (int s = 0; s < NSEG; s++)
		b[s] = tm_builder_new(&schema);
	for (uint32_t d = 0; d < NDOCS; d++) {
		mdoc_t *m = &docs[d];
		char id[16], text[512];
		memset(m, 0, sizeof(*m));
		m->seg = d / per;
		snprintf(id, sizeof(id), "d%u", d);
		m->local = tm_doc(b[m->seg], id);
		m->ntitle = 1 + rnd(5);
		m->nbody = rnd(8) == 0 ? 0 : 3 + rnd(36);
		text[0] = '\0';
		for (uint32_t i = 0; i < m->ntitle; i++) {
			m->title[i] = word();
			strcat(text, words[m->title[i]]);
			strcat(text, " ");
		}
		tm_text(b[m->seg], m->local, "title", text);
		text[0] = '\0';
		for (uint32_t i = 0; i < m->nbody; i++) {
			m->body[i] = word();
			strcat(text, words[m->body[i]]);
			strcat(text, ", ");
		}
		if (m->nbody)
			tm_text(b[m->seg], m->local, "body", text);
		for (uint32_t t = rnd(3); t > 0; t--) {
			int k = (int)rnd(NTAGS);
			if (!m->tag[k])
				tm_keyword(b[m->seg], m->local, "tag", tags[k]);
			m->tag[k] = true;
		}
		if (rnd(10)) {
			m->has_num = true;
			m->num = (int64_t)rnd(100);
			tm_long(b[m->seg], m->local, "num", m->num);
		}
		m->price = (double)rnd(10000) / 100;
		tm_double(b[m->seg], m->local, "price", m->price);
		m->nnums = rnd(4);
		for (uint32_t i = 0; i < m->nnums; i++) {
			int64_t v = (int64_t)rnd(200) - 100;
			uint32_t j = i;
			for (; j > 0 && m->nums[j - 1] > v; j--)
				m->nums[j] = m->nums[j - 1];
			m->nums[j] = v;
		}
		for (uint32_t i = 0; i < m->nnums; i++)
			tm_long(b[m->seg], m->local, "nums", m->nums[i]);
		if ((m->has_when = rnd(5) != 0)) {
			m->when = RF_BASE + (int64_t)rnd(60) * RF_DAY + (int64_t)rnd(3) * (RF_DAY / 3);
			tm_long(b[m->seg], m->local, "when", m->when);
		}
		if ((m->has_temp = rnd(10) != 0)) {
			m->temp = ((double)rnd(20000) - 10000) / 100;
			tm_double(b[m->seg], m->local, "temp", m->temp);
		}
		if (rnd(10) == 0) {
			m->deleted = true;
			tm_delete(b[m->seg], m->local);
		}
	}
	for (int s = 0; s < NSEG; s++)
		mem_readers[s] = tm_build(b[s], (uint64_t)s + 1);
	compute_stats();
}

static int
setup(void **state)
{
	(void)state;
	build();
	build_segments();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	for (int s = 0; s < NSEG; s++) {
		st_reader_unref(mem_readers[s]);
		st_reader_unref(seg_readers[s]);
	}
	return 0;
}

/* Brute ranking entry. */
typedef struct bhit {
	double score;
	uint32_t d;
} bhit_t;

static int
bhit_cmp(const void *x, const void *y)
{
	const bhit_t *a = x, *b = y;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return a->d < b->d ? -1 : a->d > b->d;
}

static bool
close_enough(double a, double b)
{
	return fabs(a - b) <= 1e-5 * fmax(fabs(a), fabs(b)) + 1e-9;
}

static uint32_t
doc_of(const st_hit_t *h)
{
	return (uint32_t)atoi(h->id + 1);
}

static void
test_random_queries(void **state)
{
	static char body[65536];
	static bhit_t brute[NDOCS];
	osp_arena_t a;
	uint32_t nq = 2500;

	(void)state;
	uint64_t with_hits = 0, hits_total = 0;

	osp_arena_init(&a, 1 << 16, 0);
	for (uint32_t qi = 0; qi < nq; qi++) {
		st_search_req_t req;
		st_shard_result_t res;
		osp_err_t err;
		size_t w = 0;
		uint32_t nb = 0, from = rnd(4), size = 1 + rnd(30);
		npool = 0;
		qn_t *q = gen(0);

		jput(body, sizeof(body), &w, "{\"from\":%u,\"size\":%u,\"track_total_hits\":true,\"query\":",
		     from, size);
		to_json(q, body, sizeof(body), &w);
		jput(body, sizeof(body), &w, "}");
		int rc = tm_search(readers, NSEG, &schema, body, &a, &req, &res, &err);
		if (rc) {
			print_error("query %u failed: %s %s\n%s\n", qi, err.type, err.reason, body);
			fail();
		}
		for (uint32_t d = 0; d < NDOCS; d++) {
			if (docs[d].deleted)
				continue;
			double s = eval(q, &docs[d], 1.0);
			if (s >= 0)
				brute[nb++] = (bhit_t){ s, d };
		}
		qsort(brute, nb, sizeof(*brute), bhit_cmp);
		if (res.total != nb) {
			print_error("query %u total %llu want %u\n%s\n", qi,
				    (unsigned long long)res.total, nb, body);
			fail();
		}
		uint32_t want = nb < from + size ? nb : from + size;
		assert_int_equal(res.n_hits, want);
		for (uint32_t i = 0; i < res.n_hits; i++) {
			uint32_t d = doc_of(&res.hits[i]);
			double mine = eval(q, &docs[d], 1.0);
			if (mine < 0 || !close_enough(res.hits[i].score, mine) ||
			    !close_enough(res.hits[i].score, brute[i].score)) {
				print_error("query %u hit %u: doc %u score %.9g (brute %.9g), rank %u brute doc %u %.9g\n%s\n",
					    qi, i, d, res.hits[i].score, mine, i, brute[i].d,
					    brute[i].score, body);
				fail();
			}
			if (i && res.hits[i].score > res.hits[i - 1].score)
				fail_msg("order broken at %u in query %u", i, qi);
		}
		with_hits += nb > 0;
		hits_total += nb;
		/* _count agrees */
		uint64_t cnt;
		assert_int_equal(st_search_count(readers, NSEG, req.query, &schema.ops, 0, &a, &cnt, &err), 0);
		assert_int_equal(cnt, nb);
		osp_arena_reset(&a);
	}
	print_message("%u queries, %llu with hits, %llu matching docs in all\n", nq,
		      (unsigned long long)with_hits, (unsigned long long)hits_total);
	osp_arena_free(&a);
}

/* Field sort with missing values, then search_after pages through it. */
static void
test_sort_and_search_after(void **state)
{
	static bhit_t brute[NDOCS];
	osp_arena_t a;
	char body[4096], after[64] = "";

	(void)state;
	osp_arena_init(&a, 1 << 16, 0);
	for (int desc = 0; desc < 2; desc++) {
		uint32_t nb = 0, seen = 0;
		for (uint32_t d = 0; d < NDOCS; d++) {
			if (docs[d].deleted || !docs[d].tag[1])
				continue;
			/* missing last in both orders: encode as +-inf */
			double key = docs[d].has_num ? (double)docs[d].num : (desc ? -1e18 : 1e18);
			brute[nb++] = (bhit_t){ desc ? key : -key, d };
		}
		qsort(brute, nb, sizeof(*brute), bhit_cmp);
		after[0] = '\0';
		for (int page = 0; seen < nb && page < 100; page++) {
			st_search_req_t req;
			st_shard_result_t res;
			osp_err_t err;
			snprintf(body, sizeof(body),
				 "{\"size\":37,\"query\":{\"term\":{\"tag\":\"green\"}},"
				 "\"sort\":[{\"num\":{\"order\":\"%s\"}},\"_doc\"]%s}",
				 desc ? "desc" : "asc", after);
			assert_int_equal(tm_search(readers, NSEG, &schema, body, &a, &req, &res, &err), 0);
			assert_true(res.n_hits > 0);
			for (uint32_t i = 0; i < res.n_hits; i++) {
				uint32_t d = doc_of(&res.hits[i]);
				assert_int_equal(d, brute[seen + i].d);
				assert_true(isnan(res.hits[i].score));
			}
			seen += res.n_hits;
			const st_hit_t *last = &res.hits[res.n_hits - 1];
			snprintf(after, sizeof(after), ",\"search_after\":[%lld,%lld]",
				 (long long)last->sort[0].i, (long long)last->sort[1].i);
			osp_arena_reset(&a);
		}
		assert_int_equal(seen, nb);
		assert_true(nb > 37);
	}
	osp_arena_free(&a);
}

/* Aggregations over random filters, against counts from the model. */
static void
test_aggs(void **state)
{
	osp_arena_t a;

	(void)state;
	osp_arena_init(&a, 1 << 16, 0);
	for (uint32_t it = 0; it < 200; it++) {
		char body[4096];
		st_search_req_t req;
		st_shard_result_t res;
		st_search_merged_t mg;
		osp_err_t err;
		uint64_t tagc[NTAGS] = { 0 }, hist[10] = { 0 }, cnt = 0, tagged = 0;
		double pmin = INFINITY, pmax = -INFINITY, psum = 0;
		uint8_t wd = word();

		snprintf(body, sizeof(body),
			 "{\"size\":0,\"query\":{\"match\":{\"body\":\"%s\"}},\"aggs\":{"
			 "\"t\":{\"terms\":{\"field\":\"tag\",\"size\":10}},"
			 "\"h\":{\"histogram\":{\"field\":\"num\",\"interval\":10,\"min_doc_count\":1}},"
			 "\"p\":{\"stats\":{\"field\":\"price\"}},"
			 "\"c\":{\"cardinality\":{\"field\":\"tag\"}}}}", words[wd]);
		assert_int_equal(tm_search(readers, NSEG, &schema, body, &a, &req, &res, &err), 0);
		st_shard_result_t *parts[1] = { &res };
		assert_int_equal(st_search_merge(&req, parts, 1, &a, &mg, &err), 0);
		for (uint32_t d = 0; d < NDOCS; d++) {
			const mdoc_t *m = &docs[d];
			bool hit = false;
			if (m->deleted)
				continue;
			for (uint32_t i = 0; i < m->nbody; i++)
				hit |= m->body[i] == wd;
			if (!hit)
				continue;
			cnt++;
			bool any = false;
			for (int t = 0; t < NTAGS; t++)
				if (m->tag[t]) {
					tagc[t]++;
					any = true;
				}
			tagged += any;
			if (m->has_num)
				hist[m->num / 10]++;
			psum += m->price;
			if (m->price < pmin) pmin = m->price;
			if (m->price > pmax) pmax = m->price;
		}
		assert_int_equal(res.total, cnt);
		assert_true(tagged <= cnt);
		/* terms: every tag with a count, count desc then key asc */
		const st_agg_part_t *t = mg.aggs[0];
		uint32_t ntag = 0, distinct = 0;
		for (int k = 0; k < NTAGS; k++)
			ntag += tagc[k] > 0;
		assert_int_equal(t->n_buckets, ntag);
		for (uint32_t b = 0; b < t->n_buckets; b++) {
			int k;
			for (k = 0; k < NTAGS; k++)
				if (strcmp(tags[k], t->buckets[b].key.s) == 0)
					break;
			assert_true(k < NTAGS);
			assert_int_equal(t->buckets[b].doc_count, tagc[k]);
			if (b)
				assert_true(t->buckets[b].doc_count < t->buckets[b - 1].doc_count ||
					    (t->buckets[b].doc_count == t->buckets[b - 1].doc_count &&
					     strcmp(t->buckets[b].key.s, t->buckets[b - 1].key.s) > 0));
		}
		assert_int_equal(t->sum_other, 0);
		const st_agg_part_t *h = mg.aggs[1];
		uint32_t hb = 0;
		for (int k = 0; k < 10; k++) {
			if (!hist[k])
				continue;
			assert_true(hb < h->n_buckets);
			assert_true(h->buckets[hb].key.d == k * 10.0);
			assert_int_equal(h->buckets[hb].doc_count, hist[k]);
			hb++;
		}
		assert_int_equal(hb, h->n_buckets);
		const st_agg_part_t *p = mg.aggs[2];
		assert_int_equal(p->count, cnt);
		if (cnt) {
			assert_true(p->min == pmin && p->max == pmax);
			assert_true(close_enough(p->sum, psum));
		}
		for (int k = 0; k < NTAGS; k++)
			distinct += tagc[k] > 0;
		assert_int_equal(st_hll_estimate(&mg.aggs[3]->hll), distinct);
		osp_arena_reset(&a);
	}
	osp_arena_free(&a);
}

/* Two shards (segments 0-1 and segment 2): merged field-sorted hits and
 * aggregations equal the single-shard answer. */
static void
test_two_shards(void **state)
{
	osp_arena_t a;

	(void)state;
	osp_arena_init(&a, 1 << 16, 0);
	for (uint32_t it = 0; it < 100; it++) {
		char body[2048];
		st_search_req_t req;
		st_shard_result_t one, s0, s1;
		st_search_merged_t m1, m2;
		osp_err_t err;
		int64_t lo = rnd(80);

		snprintf(body, sizeof(body),
			 "{\"size\":25,\"query\":{\"range\":{\"num\":{\"gte\":%lld}}},"
			 "\"sort\":[{\"num\":\"desc\"},{\"price\":\"asc\"}],"
			 "\"aggs\":{\"t\":{\"terms\":{\"field\":\"tag\",\"size\":2}},"
			 "\"s\":{\"sum\":{\"field\":\"num\"}}}}", (long long)lo);
		assert_int_equal(tm_search(readers, NSEG, &schema, body, &a, &req, &one, &err), 0);
		req.num_shards = 2;
		assert_int_equal(st_search_shard(readers, 2, &req, &schema.ops, &a, &s0, &err), 0);
		assert_int_equal(st_search_shard(readers + 2, 1, &req, &schema.ops, &a, &s1, &err), 0);
		s0.shard = 0;
		s1.shard = 1;
		st_shard_result_t *p1[1] = { &one }, *p2[2] = { &s0, &s1 };
		req.num_shards = 1;
		assert_int_equal(st_search_merge(&req, p1, 1, &a, &m1, &err), 0);
		req.num_shards = 2;
		assert_int_equal(st_search_merge(&req, p2, 2, &a, &m2, &err), 0);
		assert_int_equal(m1.total, m2.total);
		assert_int_equal(m1.n_hits, m2.n_hits);
		for (uint32_t i = 0; i < m1.n_hits; i++) {
			assert_int_equal(m1.hits[i].sort[0].i, m2.hits[i].sort[0].i);
			assert_true(m1.hits[i].sort[1].d == m2.hits[i].sort[1].d);
		}
		assert_true(m1.aggs[1]->sum == m2.aggs[1]->sum);
		assert_int_equal(m1.aggs[0]->n_buckets, m2.aggs[0]->n_buckets);
		for (uint32_t b = 0; b < m1.aggs[0]->n_buckets; b++) {
			assert_string_equal(m1.aggs[0]->buckets[b].key.s, m2.aggs[0]->buckets[b].key.s);
			assert_int_equal(m1.aggs[0]->buckets[b].doc_count, m2.aggs[0]->buckets[b].doc_count);
		}
		assert_int_equal(m1.aggs[0]->sum_other, m2.aggs[0]->sum_other);
		osp_arena_reset(&a);
	}
	osp_arena_free(&a);
}

/* Random ranges on every numeric field (long, double, multi-valued long,
 * date, double with negatives): the top 10 in doc order without a total
 * (the dense range scorer stops early), the total alone (counted without
 * a set where possible) and _count; plain, in constant_score and as a bool
 * filter. gone[d]: doc d is deleted in rs. */
static void
check_ranges(st_reader_t *const *rs, uint32_t n, const bool *gone, uint32_t nq)
{
	static char body[4096], inner[1024], wrapped[2048];
	osp_arena_t a;

	osp_arena_init(&a, 1 << 16, 0);
	for (uint32_t qi = 0; qi < nq; qi++) {
		st_search_req_t req;
		st_shard_result_t res;
		osp_err_t err;
		qn_t q;
		size_t iw = 0;
		uint32_t want[10], nw = 0, total = 0;
		uint64_t cnt;

		memset(&q, 0, sizeof(q));
		q.kind = Q_RANGE;
		q.msm = -100;
		q.boost = 1 + rnd(3);
		gen_range(&q, (int)(qi % RF_N));
		to_json(&q, inner, sizeof(inner), &iw);
		switch (rnd(3)) {
		case 0:
			snprintf(wrapped, sizeof(wrapped), "%s", inner);
			break;
		case 1:
			snprintf(wrapped, sizeof(wrapped),
				 "{\"constant_score\":{\"filter\":%s,\"boost\":2}}", inner);
			break;
		default:
			snprintf(wrapped, sizeof(wrapped), "{\"bool\":{\"filter\":[%s]}}", inner);
		}
		for (uint32_t d = 0; d < NDOCS; d++)
			if (!gone[d] && range_match(&q, &docs[d])) {
				if (nw < 10)
					want[nw++] = d;
				total++;
			}
		snprintf(body, sizeof(body), "{\"size\":10,\"track_total_hits\":false,\"query\":%s}",
			 wrapped);
		if (tm_search(rs, n, &schema, body, &a, &req, &res, &err))
			fail_msg("query %u failed: %s %s\n%s", qi, err.type, err.reason, body);
		if (res.n_hits != nw)
			fail_msg("query %u: %u hits, want %u\n%s", qi, res.n_hits, nw, body);
		for (uint32_t i = 0; i < nw; i++)
			if (doc_of(&res.hits[i]) != want[i])
				fail_msg("query %u hit %u: d%u, want d%u\n%s", qi, i,
					 doc_of(&res.hits[i]), want[i], body);
		snprintf(body, sizeof(body), "{\"size\":0,\"track_total_hits\":true,\"query\":%s}",
			 wrapped);
		assert_int_equal(tm_search(rs, n, &schema, body, &a, &req, &res, &err), 0);
		if (res.total != total)
			fail_msg("query %u: total %llu, want %u\n%s", qi,
				 (unsigned long long)res.total, total, body);
		assert_int_equal(st_search_count(rs, n, req.query, &schema.ops, 0, &a, &cnt, &err), 0);
		assert_int_equal(cnt, total);
		osp_arena_reset(&a);
	}
	osp_arena_free(&a);
}

static void
test_ranges(void **state)
{
	static bool gone[NDOCS];

	(void)state;
	for (uint32_t d = 0; d < NDOCS; d++)
		gone[d] = docs[d].deleted;
	check_ranges(readers, NSEG, gone, 1500);
}

/* The three segments merged into one (deletes dropped), then every 7th
 * survivor deleted on the merged segment: ranges must still agree. */
static void
test_ranges_merged(void **state)
{
	static bool gone[NDOCS];
	st_seg_builder_opts_t o;
	st_seg_merge_t *m;
	st_seg_files_t out;
	st_reader_t *r, *r2;
	osp_err_t err;
	uint32_t *del = calloc(NDOCS, sizeof(*del)), ndel = 0;
	int rc;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.name = "_9";
	assert_int_equal(st_seg_merge_create(seg_readers, NSEG, &o, &m), 0);
	while ((rc = st_seg_merge_step(m, 1000)) == OSP_AGAIN)
		;
	assert_int_equal(rc, 0);
	assert_int_equal(st_seg_merge_finish(m, &out), 0);
	st_seg_merge_free(m);
	st_seg_open_opts_t oo = { .gen = 9 };
	assert_int_equal(st_segment_open(&out, &oo, &r, &err), 0);
	st_seg_files_free(&out);
	assert_int_equal(st_segment_check(r, &err), 0);
	for (uint32_t doc = 0; doc < r->max_doc; doc++) {
		st_doc_meta_t dm;
		char id[16];
		assert_int_equal(r->ops->doc_meta(r, doc, &dm), 0);
		snprintf(id, sizeof(id), "%.*s", (int)dm.id_len, dm.id);
		if (atoi(id + 1) % 7 == 0)
			del[ndel++] = doc;
	}
	for (uint32_t d = 0; d < NDOCS; d++)
		gone[d] = docs[d].deleted || d % 7 == 0;
	assert_int_equal(st_segment_delete(r, del, ndel, &r2), 0);
	st_reader_unref(r);
	check_ranges(&r2, 1, gone, 1500);
	st_reader_unref(r2);
	free(del);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_random_queries, use_mem),
		cmocka_unit_test_setup(test_sort_and_search_after, use_mem),
		cmocka_unit_test_setup(test_aggs, use_mem),
		cmocka_unit_test_setup(test_two_shards, use_mem),
		cmocka_unit_test_setup(test_random_queries, use_segments),
		cmocka_unit_test_setup(test_sort_and_search_after, use_segments),
		cmocka_unit_test_setup(test_aggs, use_segments),
		cmocka_unit_test_setup(test_two_shards, use_segments),
		cmocka_unit_test_setup(test_ranges, use_mem),
		cmocka_unit_test_setup(test_ranges, use_segments),
		cmocka_unit_test(test_ranges_merged),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
