/*
 * test_segment.c - the segment codec: SmallFloat norms, numeric term
 * encoding, build/open round trips against a brute-force model, builder
 * argument checks, corruption and truncation of every component, structural
 * fuzzing behind a valid checksum, deletes (copy-on-write views, .liv round
 * trip) and stats with a size report.
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

#include "seg_int.h"          /* packed-integer codecs (internal) */
#include "st_segment.h"
#include "test_segment_model.h"

static const m_doc_t **
ptrs(const m_doc_t *d, uint32_t n)
{
	const m_doc_t **p = malloc((n + 1) * sizeof(*p));

	assert_non_null(p);
	for (uint32_t i = 0; i < n; i++)
		p[i] = &d[i];
	return p;
}

static st_reader_t *
open_ok(st_seg_files_t *fs)
{
	st_reader_t *r = NULL;
	osp_err_t err;

	int rc = st_segment_open(fs, NULL, &r, &err);

	if (rc)
		fail_msg("open: %d %s", rc, err.reason);
	return r;
}

static void
test_smallfloat(void **state)
{
	(void)state;
	for (uint32_t i = 0; i < 24; i++) {
		assert_int_equal(st_seg_int_to_byte4(i), i);
		assert_int_equal(st_seg_byte4_to_int((uint8_t)i), i);
	}
	/* Values from Lucene's SmallFloat (NUM_FREE_VALUES = 24). */
	assert_int_equal(st_seg_int_to_byte4(24), 24);
	assert_int_equal(st_seg_int_to_byte4(25), 25);
	assert_int_equal(st_seg_byte4_to_int(255), 2013265944u);
	assert_int_equal(st_seg_int_to_byte4(INT32_MAX), 255);
	assert_int_equal(st_seg_int_to_byte4(UINT32_MAX), 255);
	for (uint32_t b = 0; b < 256; b++)
		assert_int_equal(st_seg_int_to_byte4(st_seg_byte4_to_int((uint8_t)b)), b);
	uint8_t prev = 0;

	for (uint32_t i = 0; i < 2000000; i += 7) {
		uint8_t b = st_seg_int_to_byte4(i);

		assert_true(b >= prev);
		assert_true(st_seg_byte4_to_int(b) <= i);
		if (b < 255)
			assert_true(st_seg_byte4_to_int((uint8_t)(b + 1)) > i);
		prev = b;
	}
}

/* Packed integers: every width, block boundaries, full 64-bit ranges. */
static void
test_pack_roundtrip(void **state)
{
	size_t sizes[] = { 1, 5, 127, 128, 129, 1000 };
	uint32_t *v = malloc(1000 * 4), *o = malloc(1000 * 4);
	int64_t *c = malloc(1000 * 8), *co = malloc(1000 * 8);
	uint64_t x = 12345;

	(void)state;
	for (unsigned bpv = 0; bpv <= 32; bpv++)
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			osp_buf_t b = OSP_BUF_INIT;
			st_seg_rd_t r;
			size_t n = sizes[k];

			for (size_t i = 0; i < n; i++) {
				x = x * 6364136223846793005ull + 1442695040888963407ull;
				v[i] = bpv ? (uint32_t)(x >> 32) >> (32 - bpv) : 0;
			}
			st_seg_blk_write(&b, v, n);
			st_seg_rd_init(&r, b.data, b.len);
			assert_int_equal(st_seg_blk_read(&r, o, n), 0);
			assert_int_equal(st_seg_rd_left(&r), 0);
			assert_memory_equal(v, o, n * 4);
			osp_buf_free(&b);
		}
	for (unsigned bits = 0; bits <= 64; bits++)
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			osp_buf_t b = OSP_BUF_INIT;
			st_seg_rd_t r;
			size_t n = sizes[k];

			for (size_t i = 0; i < n; i++) {
				x = x * 6364136223846793005ull + 1442695040888963407ull;
				c[i] = bits == 64 ? (int64_t)x
					: bits ? (int64_t)((x >> (64 - bits)) * 3u - 7u) : -42;
			}
			if (n > 3)
				c[n / 2] = bits == 64 ? INT64_MIN : c[n / 2];
			st_seg_col_write(&b, c, n);
			st_seg_rd_init(&r, b.data, b.len);
			assert_int_equal(st_seg_col_read(&r, co, n), 0);
			assert_int_equal(st_seg_rd_left(&r), 0);
			assert_memory_equal(c, co, n * 8);
			/* Truncated input is refused, never read past. */
			st_seg_rd_init(&r, b.data, b.len - 1);
			if (b.len > 1 && n > 1 && bits > 1)
				assert_int_not_equal(st_seg_col_read(&r, co, n), 0);
			osp_buf_free(&b);
		}
	free(v);
	free(o);
	free(c);
	free(co);
}

static void
test_numeric_terms(void **state)
{
	int64_t l[] = { INT64_MIN, -1000000, -1, 0, 1, 42, INT64_MAX };
	double d[] = { -1e300, -2.5, -0.0, 0.0, 1e-300, 3.25, 1e300 };
	uint8_t a[8], b[8];

	(void)state;
	for (size_t i = 0; i + 1 < sizeof(l) / sizeof(l[0]); i++) {
		st_seg_encode_long(l[i], a);
		st_seg_encode_long(l[i + 1], b);
		assert_true(memcmp(a, b, 8) < 0);
		assert_int_equal(st_seg_decode_long(a), l[i]);
	}
	for (size_t i = 0; i + 1 < sizeof(d) / sizeof(d[0]); i++) {
		st_seg_encode_double(d[i], a);
		st_seg_encode_double(d[i + 1], b);
		assert_true(memcmp(a, b, 8) < 0);
		assert_true(st_seg_decode_double(a) == d[i]);
	}
}

static void
roundtrip(uint32_t n, uint32_t seed, bool big)
{
	m_doc_t *d = m_docs_random(n, seed, 0, big);
	const m_doc_t **p = ptrs(d, n);
	st_seg_files_t fs;
	st_reader_t *r;

	m_build(d, n, "_3", &fs);
	assert_int_equal(fs.n, 9);
	assert_string_equal(fs.f[0].name, "_3.si");
	r = open_ok(&fs);
	for (uint32_t i = 0; i < fs.n; i++)
		assert_null(fs.f[i].buf.data);    /* moved into the segment */
	assert_int_equal(r->num_docs, n);
	assert_null(r->live);
	assert_int_equal(st_segment_check(r, NULL), 0);
	m_check(r, p, n);
	m_check(r, p, n);                     /* cached decodes give the same */
	st_reader_unref(r);
	st_seg_files_free(&fs);
	free(p);
	m_docs_free(d, n);
}

static void
test_roundtrip_small(void **state)
{
	(void)state;
	roundtrip(1, 1, false);
	roundtrip(7, 2, false);
}

static void
test_roundtrip_random(void **state)
{
	(void)state;
	roundtrip(1500, 3, false);
	roundtrip(1501, 13, false);
}

static void
test_roundtrip_large_source(void **state)
{
	(void)state;
	roundtrip(120, 4, true);
}

static void
test_builder_args(void **state)
{
	st_seg_builder_opts_t o = { .name = "_0" };
	st_seg_field_spec_t s = { "f", ST_SEG_INDEX_POSITIONS, true, ST_SEG_DV_NONE };
	st_seg_field_spec_t s2 = { "f", ST_SEG_INDEX_FREQS, true, ST_SEG_DV_NONE };
	st_seg_field_spec_t bad = { "g", ST_SEG_INDEX_DOCS, true, ST_SEG_DV_NONE };
	st_seg_doc_meta_in_t m = { "a", 1, NULL, 0, 0, 1, 1 };
	st_seg_builder_t *b;
	st_seg_files_t fs;
	uint32_t fid, fid2;
	static char big[40000];

	(void)state;
	o.name = "";
	assert_int_equal(st_seg_builder_create(&o, &b), -EINVAL);
	o.name = "_0";
	assert_int_equal(st_seg_builder_create(&o, &b), 0);
	assert_int_equal(st_seg_builder_finish(b, &fs), -ENODATA);
	st_seg_builder_free(b);

	assert_int_equal(st_seg_builder_create(&o, &b), 0);
	assert_int_equal(st_seg_builder_field(b, &s, &fid), 0);
	assert_int_equal(st_seg_builder_field(b, &s, &fid2), 0);
	assert_int_equal(fid, fid2);
	assert_int_equal(st_seg_builder_field(b, &s2, &fid2), -EINVAL);
	assert_int_equal(st_seg_builder_field(b, &bad, &fid2), -EINVAL);
	/* Values outside a doc. */
	assert_int_equal(st_seg_builder_add_term(b, fid, "x", 1, 0), -EINVAL);
	assert_int_equal(st_seg_builder_doc_begin(b, &m, "{}", 2), 0);
	assert_int_equal(st_seg_builder_doc_begin(b, &m, "{}", 2), -EINVAL);
	assert_int_equal(st_seg_builder_add_term(b, fid, "x", 1, 5), 0);
	assert_int_equal(st_seg_builder_add_term(b, fid, "x", 1, 3), -EINVAL);
	assert_int_equal(st_seg_builder_add_term(b, fid, big, sizeof(big), 6), -EINVAL);
	assert_int_equal(st_seg_builder_add_term(b, 99, "x", 1, 6), -EINVAL);
	assert_int_equal(st_seg_builder_add_dv_long(b, fid, 1), -EINVAL);
	assert_int_equal(st_seg_builder_add_term(b, fid, "x", 1, 6), 0);
	assert_int_equal(st_seg_builder_doc_end(b), 0);
	assert_int_equal(st_seg_builder_doc_count(b), 1);
	assert_true(st_seg_builder_mem(b) > 0);
	assert_int_equal(st_seg_builder_finish(b, &fs), 0);
	st_seg_builder_free(b);

	st_reader_t *r = open_ok(&fs);
	const st_postings_t *p;

	assert_int_equal(r->ops->postings(r, "f", "x", 1, &p), 0);
	assert_int_equal(p->doc_freq, 1);
	assert_int_equal(p->freqs[0], 2);
	assert_int_equal(p->positions[0], 5);
	assert_int_equal(p->positions[1], 6);
	assert_int_equal(r->ops->norms(r, "f")[0], 2);
	assert_int_equal(r->ops->postings(r, "nofield", "x", 1, &p), -ENOENT);
	st_reader_unref(r);
	st_seg_files_free(&fs);
}

/* Constant columns pack to zero bits: many docs, one value each. */
static void
test_constant_columns(void **state)
{
	st_seg_builder_opts_t o = { .name = "_c" };
	st_seg_field_spec_t fb = { "flag", ST_SEG_INDEX_DOCS, false, ST_SEG_DV_LONG };
	st_seg_field_spec_t fk = { "kw", ST_SEG_INDEX_DOCS, false, ST_SEG_DV_SORTED_SET };
	st_seg_field_spec_t fd = { "d", ST_SEG_INDEX_NONE, false, ST_SEG_DV_DOUBLE };
	st_seg_field_spec_t ft = { "t", ST_SEG_INDEX_POSITIONS, true, ST_SEG_DV_NONE };
	st_seg_builder_t *b;
	st_seg_files_t fs;
	uint32_t f1, f2, f3, f4;
	const uint32_t n = 5000;

	(void)state;
	assert_int_equal(st_seg_builder_create(&o, &b), 0);
	assert_int_equal(st_seg_builder_field(b, &fb, &f1), 0);
	assert_int_equal(st_seg_builder_field(b, &fk, &f2), 0);
	assert_int_equal(st_seg_builder_field(b, &fd, &f3), 0);
	assert_int_equal(st_seg_builder_field(b, &ft, &f4), 0);
	for (uint32_t i = 0; i < n; i++) {
		char id[16];
		st_seg_doc_meta_in_t m = { id, (uint32_t)snprintf(id, sizeof(id), "%u", i),
					   NULL, 0, 7, 1, 1 };

		assert_int_equal(st_seg_builder_doc_begin(b, &m, "", 0), 0);
		assert_int_equal(st_seg_builder_add_bool(b, f1, true), 0);
		assert_int_equal(st_seg_builder_add_keyword(b, f2, "same", 4), 0);
		assert_int_equal(st_seg_builder_add_keyword(b, f2, "same", 4), 0);
		assert_int_equal(st_seg_builder_add_dv_double(b, f3, 2.5), 0);
		assert_int_equal(st_seg_builder_add_term(b, f4, "x", 1, 0), 0);
		assert_int_equal(st_seg_builder_doc_end(b), 0);
	}
	assert_int_equal(st_seg_builder_finish(b, &fs), 0);
	st_seg_builder_free(b);
	st_reader_t *r = open_ok(&fs);
	st_dv_numeric_t nv;
	st_dv_sorted_set_t ss;
	const st_postings_t *p;
	st_doc_meta_t dm;

	assert_int_equal(st_segment_check(r, NULL), 0);
	assert_int_equal(r->ops->dv_numeric(r, "flag", &nv), 0);
	assert_int_equal(r->ops->dv_sorted_set(r, "kw", &ss), 0);
	assert_int_equal(ss.num_terms, 1);
	for (uint32_t d = 0; d < n; d++) {
		assert_int_equal(nv.start[d + 1] - nv.start[d], 1);
		assert_int_equal(nv.ival[nv.start[d]], 1);
		assert_int_equal(ss.start[d + 1] - ss.start[d], 1);
		assert_int_equal(ss.ords[ss.start[d]], 0);
	}
	assert_int_equal(r->ops->dv_numeric(r, "d", &nv), 0);
	assert_true(nv.is_double);
	assert_true(nv.dval[n - 1] == 2.5);
	assert_int_equal(r->ops->postings(r, "flag", "T", 1, &p), 0);
	assert_int_equal(p->doc_freq, n);
	assert_int_equal(r->ops->postings(r, "kw", "same", 4, &p), 0);
	assert_null(p->freqs);
	assert_int_equal(p->total_term_freq, n);
	assert_int_equal(r->ops->postings(r, "t", "x", 1, &p), 0);
	assert_int_equal(p->blocks[0].max_freq, 1);
	assert_int_equal(p->blocks[0].min_norm, 1);
	assert_int_equal(p->blocks[(n - 1) / ST_BLOCK_DOCS].last_doc, n - 1);
	assert_int_equal(r->ops->doc_meta(r, n - 1, &dm), 0);
	assert_int_equal(dm.seq_no, 7);
	st_reader_unref(r);
	st_seg_files_free(&fs);
}

/* ---- corruption ---- */

static void
build_small(st_seg_files_t *fs, const char *name, uint32_t n, uint32_t seed)
{
	m_doc_t *d = m_docs_random(n, seed, 0, false);

	m_build(d, n, name, fs);
	m_docs_free(d, n);
}

static void
files_copy(st_seg_files_t *dst, const st_seg_files_t *src)
{
	*dst = *src;
	for (uint32_t i = 0; i < src->n; i++) {
		osp_buf_init(&dst->f[i].buf);
		osp_buf_append(&dst->f[i].buf, src->f[i].buf.data, src->f[i].buf.len);
	}
}

static void
expect_bad(st_seg_files_t *fs, int want)
{
	st_reader_t *r = NULL;
	osp_err_t err;
	int rc = st_segment_open(fs, NULL, &r, &err);

	if (rc != want)
		fail_msg("open returned %d, want %d", rc, want);
	assert_null(r);
	assert_string_equal(err.type, "corrupt_index_exception");
	assert_true(strlen(err.reason) > 0);
}

static void
test_corrupt_flip(void **state)
{
	st_seg_files_t fs, c;

	(void)state;
	build_small(&fs, "_1", 40, 5);
	for (uint32_t f = 0; f < fs.n; f++) {
		size_t len = fs.f[f].buf.len;
		size_t step = len / 300 + 1;

		for (size_t at = 0; at < len; at += step) {
			files_copy(&c, &fs);
			c.f[f].buf.data[at] ^= (char)(1u << (at % 8));
			expect_bad(&c, -EBADMSG);
			st_seg_files_free(&c);
		}
	}
	st_seg_files_free(&fs);
}

static void
test_corrupt_truncate(void **state)
{
	st_seg_files_t fs, c;

	(void)state;
	build_small(&fs, "_1", 40, 6);
	for (uint32_t f = 0; f < fs.n; f++) {
		size_t len = fs.f[f].buf.len;
		size_t cuts[] = { 0, 1, 16, 31, 32, 47, len / 2, len - 17, len - 4, len - 1 };

		for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
			if (cuts[k] >= len)
				continue;
			files_copy(&c, &fs);
			c.f[f].buf.len = cuts[k];
			expect_bad(&c, -EBADMSG);
			st_seg_files_free(&c);
		}
		/* Trailing garbage is corruption too. */
		files_copy(&c, &fs);
		osp_buf_append(&c.f[f].buf, "xxxx", 4);
		expect_bad(&c, -EBADMSG);
		st_seg_files_free(&c);
	}
	st_seg_files_free(&fs);
}

static void
test_corrupt_mixed_segments(void **state)
{
	st_seg_files_t a, b, c;

	(void)state;
	build_small(&a, "_1", 20, 7);
	build_small(&b, "_1", 20, 7);       /* same content, other segment id */
	for (uint32_t f = 1; f < a.n; f++) {
		files_copy(&c, &a);
		osp_buf_free(&c.f[f].buf);
		c.f[f].buf = b.f[f].buf;
		osp_buf_init(&b.f[f].buf);
		osp_buf_append(&b.f[f].buf, c.f[f].buf.data, c.f[f].buf.len);
		expect_bad(&c, -EBADMSG);
		assert_non_null(strstr(c.f[f].name, ".") );
		st_seg_files_free(&c);
	}
	/* A missing component. */
	files_copy(&c, &a);
	osp_buf_free(&c.f[3].buf);
	c.f[3] = c.f[--c.n];
	expect_bad(&c, -EINVAL);
	st_seg_files_free(&c);
	st_seg_files_free(&a);
	st_seg_files_free(&b);
}

/* CRC32C, to forge valid checksums over mutated bodies. */
static uint32_t
crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = ~0u;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
	}
	return ~c;
}

static void
fix_crc(osp_buf_t *b)
{
	uint32_t v = crc32c((const uint8_t *)b->data, b->len - 4);

	memcpy(b->data + b->len - 4, &v, 4);
}

/* Exercise every read op; with a corrupt segment any error is fine, a
 * crash or sanitizer report is not. */
static void
poke_all(const st_reader_t *r)
{
	osp_arena_t a;
	st_term_iter_t it;
	const st_postings_t *p;
	st_dv_numeric_t nv;
	st_dv_sorted_set_t ss;
	st_doc_meta_t m;
	st_field_stats_t fs;
	uint32_t d;

	osp_arena_init(&a, 4096, 0);
	for (uint32_t f = 0; f < r->ops->field_count(r); f++) {
		const char *name = r->ops->field_name(r, f);
		int guard = 0;

		(void)r->ops->field_stats(r, name, &fs);
		(void)r->ops->norms(r, name);
		(void)r->ops->dv_numeric(r, name, &nv);
		(void)r->ops->dv_sorted_set(r, name, &ss);
		if (r->ops->terms_seek(r, name, NULL, 0, &it) == 0)
			while (!it.done && guard++ < 100000) {
				if (r->ops->terms_postings(&it, &p) == 0) {
					st_postings_cur_t c;

					st_postings_cur_init(&c, p);
					while (c.doc != ST_NO_MORE_DOCS)
						st_postings_cur_next(&c);
				}
				if (r->ops->terms_next(&it) != 0)
					break;
			}
		(void)r->ops->postings(r, name, "the", 3, &p);
	}
	for (d = 0; d < r->max_doc; d++) {
		const char *s;
		size_t len;

		(void)r->ops->source(r, d, &a, &s, &len);
		(void)r->ops->doc_meta(r, d, &m);
		osp_arena_reset(&a);
	}
	(void)r->ops->lookup_id(r, "doc-1", 5, &d);
	osp_arena_free(&a);
}

static void
test_corrupt_structure_fuzz(void **state)
{
	st_seg_files_t fs, c;
	uint64_t x = 88172645463325252ull;
	int opened = 0, rejected = 0, checked = 0;

	(void)state;
	build_small(&fs, "_2", 60, 8);
	for (int iter = 0; iter < 1500; iter++) {
		uint32_t f = (uint32_t)(iter % (int)fs.n);
		osp_buf_t *b;

		files_copy(&c, &fs);
		b = &c.f[f].buf;
		for (int k = 0; k < 1 + iter % 3; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			size_t body = b->len - 48;
			size_t at = 32 + (size_t)(x % body);

			b->data[at] = (char)(x >> 32);
		}
		fix_crc(b);
		st_reader_t *r = NULL;
		osp_err_t err;

		if (st_segment_open(&c, NULL, &r, &err) == 0) {
			if (st_segment_check(r, &err) != 0)
				checked++;
			poke_all(r);
			st_reader_unref(r);
			opened++;
		} else {
			rejected++;
		}
		st_seg_files_free(&c);
	}
	print_message("structure fuzz: %d rejected at open, %d opened of which %d failed the deep "
		      "check (the rest decode to other well-formed values: only the checksum can tell)\n",
		      rejected, opened, checked);
	assert_true(rejected > 0);
	st_seg_files_free(&fs);
}

/* ---- deletes ---- */

static void
test_deletes(void **state)
{
	const uint32_t n = 300;
	m_doc_t *d = m_docs_random(n, 9, 0, false);
	const m_doc_t **p = ptrs(d, n);
	st_seg_files_t fs;
	st_reader_t *r0, *r1, *r2, *r3;
	uint32_t del1[] = { 0, 5, 299, 5 };
	uint32_t del2[] = { 6, 7 };
	st_seg_file_t liv;
	osp_err_t err;

	(void)state;
	m_build(d, n, "_4", &fs);
	r0 = open_ok(&fs);
	assert_int_equal(st_segment_delgen(r0), 0);
	assert_int_equal(st_segment_write_liv(r0, &liv), -EINVAL);
	uint32_t oob = n;

	assert_int_equal(st_segment_delete(r0, &oob, 1, &r1), -EINVAL);
	assert_int_equal(st_segment_delete(r0, del1, 4, &r1), 0);
	assert_int_equal(st_segment_delgen(r1), 1);
	assert_int_equal(r1->num_docs, n - 3);
	assert_false(st_reader_is_live(r1, 5));
	assert_true(st_reader_is_live(r1, 6));
	assert_true(st_reader_is_live(r0, 5));    /* old view unchanged */
	assert_int_equal(r0->num_docs, n);
	assert_int_equal(st_segment_delete(r1, del2, 2, &r2), 0);
	assert_int_equal(st_segment_delgen(r2), 2);
	assert_int_equal(r2->num_docs, n - 5);
	assert_true(st_reader_is_live(r1, 6));
	/* Both views answer everything from the shared core. */
	st_reader_unref(r0);
	m_check(r1, p, n);

	assert_int_equal(st_segment_write_liv(r2, &liv), 0);
	assert_string_equal(liv.name, "_4_2.liv");
	assert_int_equal(st_segment_apply_liv(r1, &liv.buf, &r3, &err), 0);
	assert_int_equal(r3->num_docs, n - 5);
	assert_int_equal(st_segment_delgen(r3), 2);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(st_reader_is_live(r3, i), st_reader_is_live(r2, i));
	st_reader_unref(r3);

	/* A corrupt or foreign .liv is refused. */
	liv.buf.data[40] ^= 1;
	assert_int_equal(st_segment_apply_liv(r1, &liv.buf, &r3, &err), -EBADMSG);
	liv.buf.data[40] ^= 1;
	st_seg_files_t other;

	build_small(&other, "_4", 300, 9);
	st_seg_open_opts_t oo = { .gen = 7, .liv = &liv.buf };

	assert_int_equal(st_segment_open(&other, &oo, &r3, &err), -EBADMSG);
	assert_non_null(strstr(err.reason, "segment id"));
	st_seg_files_free(&other);

	/* Stats. */
	st_seg_stats_t st;

	assert_int_equal(st_segment_stats(r2, &st), 0);
	assert_string_equal(st.name, "_4");
	assert_int_equal(st.max_doc, n);
	assert_int_equal(st.deleted, 5);
	assert_int_equal(st.ncomp, 9);
	assert_true(st.total_bytes > 0);
	assert_true(st.decoded_bytes > 0);
	st_reader_unref(r1);
	st_reader_unref(r2);
	osp_buf_free(&liv.buf);
	st_seg_files_free(&fs);
	free(p);
	m_docs_free(d, n);
}

static void
test_open_with_liv_and_dup_ids(void **state)
{
	st_seg_builder_opts_t o = { .name = "_5" };
	st_seg_field_spec_t s = { "k", ST_SEG_INDEX_DOCS, false, ST_SEG_DV_SORTED_SET };
	st_seg_builder_t *b;
	st_seg_files_t fs, fs2;
	st_reader_t *r, *r1, *r2;
	uint32_t fid, doc, zero = 0;
	st_seg_file_t liv;
	osp_err_t err;

	(void)state;
	assert_int_equal(st_seg_builder_create(&o, &b), 0);
	assert_int_equal(st_seg_builder_field(b, &s, &fid), 0);
	for (int i = 0; i < 3; i++) {
		/* The same _id three times (updated before the refresh). */
		st_seg_doc_meta_in_t m = { "same", 4, NULL, 0, i, 1, i + 1 };

		assert_int_equal(st_seg_builder_doc_begin(b, &m, "{}", 2), 0);
		assert_int_equal(st_seg_builder_add_keyword(b, fid, "v", 1), 0);
		assert_int_equal(st_seg_builder_doc_end(b), 0);
	}
	assert_int_equal(st_seg_builder_finish(b, &fs), 0);
	st_seg_builder_free(b);
	files_copy(&fs2, &fs);
	r = open_ok(&fs);
	assert_int_equal(r->ops->lookup_id(r, "same", 4, &doc), 0);
	assert_int_equal(doc, 2);
	uint32_t two[] = { 2, 0 };

	assert_int_equal(st_segment_delete(r, two, 1, &r1), 0);
	assert_int_equal(r1->ops->lookup_id(r1, "same", 4, &doc), 0);
	assert_int_equal(doc, 1);                 /* the live copy wins */
	assert_int_equal(st_segment_delete(r1, &zero, 1, &r2), 0);
	assert_int_equal(st_segment_write_liv(r2, &liv), 0);
	st_seg_open_opts_t oo = { .gen = 3, .liv = &liv.buf };
	st_reader_t *r3;

	assert_int_equal(st_segment_open(&fs2, &oo, &r3, &err), 0);
	assert_int_equal(r3->gen, 3);
	assert_int_equal(r3->num_docs, 1);
	assert_true(st_reader_is_live(r3, 1));
	assert_int_equal(st_segment_delgen(r3), 2);
	st_reader_unref(r3);
	st_reader_unref(r);
	st_reader_unref(r1);
	st_reader_unref(r2);
	osp_buf_free(&liv.buf);
	st_seg_files_free(&fs);
	st_seg_files_free(&fs2);
}

/* Bytes per doc for a synthetic corpus, split by component. */
static void
test_size_report(void **state)
{
	const uint32_t n = 5000;
	m_doc_t *d = m_docs_random(n, 10, 0, false);
	st_seg_files_t fs;
	st_seg_stats_t st;
	st_reader_t *r;
	size_t src = 0;

	(void)state;
	for (uint32_t i = 0; i < n; i++)
		src += d[i].src_len;
	m_build(d, n, "_9", &fs);
	r = open_ok(&fs);
	assert_int_equal(st_segment_stats(r, &st), 0);
	print_message("size report: %u docs, %.1f raw _source bytes/doc, %.1f bytes/doc total\n",
		      n, (double)src / n, (double)st.total_bytes / n);
	for (uint32_t i = 0; i < st.ncomp; i++)
		print_message("  %-4s %9llu bytes  %7.2f bytes/doc\n", st.comp[i].ext,
			      (unsigned long long)st.comp[i].bytes, (double)st.comp[i].bytes / n);
	st_reader_unref(r);
	st_seg_files_free(&fs);
	m_docs_free(d, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smallfloat),
		cmocka_unit_test(test_pack_roundtrip),
		cmocka_unit_test(test_numeric_terms),
		cmocka_unit_test(test_roundtrip_small),
		cmocka_unit_test(test_roundtrip_random),
		cmocka_unit_test(test_roundtrip_large_source),
		cmocka_unit_test(test_builder_args),
		cmocka_unit_test(test_constant_columns),
		cmocka_unit_test(test_corrupt_flip),
		cmocka_unit_test(test_corrupt_truncate),
		cmocka_unit_test(test_corrupt_mixed_segments),
		cmocka_unit_test(test_corrupt_structure_fuzz),
		cmocka_unit_test(test_deletes),
		cmocka_unit_test(test_open_with_liv_and_dup_ids),
		cmocka_unit_test(test_size_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
