/*
 * st_bm25.c - BM25 as Lucene 9's BM25Similarity (Elasticsearch 8's default).
 *
 * score = boost * idf * tf with idf = ln(1 + (N - n + 0.5) / (n + 0.5)) and
 * tf = freq / (freq + k1 * (1 - b + b * dl / avgdl)), evaluated in the same
 * float/double order as Lucene (a 256-entry per-norm cache of
 * 1 / (k1 * ((1 - b) + b * dl / avgdl)), then weight - weight / (1 + freq *
 * cache[norm])) so scores match Elasticsearch bit for bit in the common case.
 * dl comes from the one-byte norm through SmallFloat.byte4ToInt. Also the
 * explanation tree with Lucene's exact descriptions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st_search_int.h"

/* SmallFloat.longToInt4: 4 significant bits, the rest as a shift. */
static uint32_t
long_to_int4(uint64_t i)
{
	int bits = i ? 64 - __builtin_clzll(i) : 0;

	if (bits < 4)
		return (uint32_t)i;
	int shift = bits - 4;
	uint32_t enc = (uint32_t)(i >> shift) & 0x07;
	return enc | ((uint32_t)(shift + 1) << 3);
}

static uint64_t
int4_to_long(uint32_t i)
{
	uint64_t bits = i & 0x07;
	int shift = (int)(i >> 3) - 1;

	return shift == -1 ? bits : (bits | 0x08) << shift;
}

/* NUM_FREE_VALUES = 255 - longToInt4(Integer.MAX_VALUE) = 24. */
#define NUM_FREE_VALUES 24u

uint8_t
st_search_int_to_byte4(uint32_t i)
{
	if (i < NUM_FREE_VALUES)
		return (uint8_t)i;
	return (uint8_t)(NUM_FREE_VALUES + long_to_int4(i - NUM_FREE_VALUES));
}

uint32_t
st_search_byte4_to_int(uint8_t b)
{
	if (b < NUM_FREE_VALUES)
		return b;
	uint64_t d = NUM_FREE_VALUES + int4_to_long(b - NUM_FREE_VALUES);
	return d > INT32_MAX ? INT32_MAX : (uint32_t)d;
}

float
st_bm25_idf(uint64_t df, uint64_t doc_count)
{
	return (float)log(1.0 + ((double)doc_count - (double)df + 0.5) / ((double)df + 0.5));
}

/* Field length of each norm byte; filled before main (workers only read). */
static float dl_of[256];

__attribute__((constructor)) static void
dl_table(void)
{
	for (int i = 0; i < 256; i++)
		dl_of[i] = (float)st_search_byte4_to_int((uint8_t)i);
}

void
st_bm25_init(st_bm25_t *s, float boost, float idf, uint64_t doc_count, uint64_t sum_ttf)
{
	s->boost = boost;
	s->idf = idf;
	s->doc_count = doc_count;
	s->avgdl = doc_count ? (float)((double)sum_ttf / (double)doc_count) : 1.0f;
	s->weight = boost * idf;
	/* lengths from a table, so the loop vectorizes (the same floats) */
	float avgdl = s->avgdl;
	for (int i = 0; i < 256; i++)
		s->cache[i] = 1.0f / (ST_BM25_K1 * ((1 - ST_BM25_B) + ST_BM25_B * dl_of[i] / avgdl));
}

st_expl_t *
st_expl_new(osp_arena_t *a, float value, bool match, const char *desc, uint32_t n)
{
	st_expl_t *e = osp_arena_calloc(a, sizeof(*e));

	if (!e)
		return NULL;
	e->value = value;
	e->match = match;
	e->desc = desc;
	if (n) {
		e->details = osp_arena_calloc(a, n * sizeof(*e->details));
		if (!e->details)
			return NULL;
	}
	return e;
}

static char *
fmt(osp_arena_t *a, const char *f, ...) __attribute__((format(printf, 2, 3)));

static char *
fmt(osp_arena_t *a, const char *f, ...)
{
	va_list ap;
	char buf[1024];
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	return osp_arena_strndup(a, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Java's Float.toString for the few places Lucene prints a float in a
 * description (freq=1.0, phraseFreq=0.5). */
static const char *
jfloat(osp_arena_t *a, float v)
{
	char buf[48];

	for (int prec = 1; prec < 10; prec++) {
		snprintf(buf, sizeof(buf), "%.*f", prec, (double)v);
		if (strtof(buf, NULL) == v)
			break;
	}
	return osp_arena_strndup(a, buf, strlen(buf));
}

static st_expl_t *
idf_term(osp_arena_t *a, uint64_t df, uint64_t n)
{
	st_expl_t *e = st_expl_new(a, st_bm25_idf(df, n), true,
				   "idf, computed as log(1 + (N - n + 0.5) / (n + 0.5)) from:", 2);
	if (!e)
		return NULL;
	e->details[0] = st_expl_new(a, (float)df, true, "n, number of documents containing term", 0);
	e->details[1] = st_expl_new(a, (float)n, true, "N, total number of documents with field", 0);
	e->n = 2;
	return e->details[0] && e->details[1] ? e : NULL;
}

st_expl_t *
st_bm25_explain(osp_arena_t *a, const st_weight_t *w, float freq, uint8_t norm, uint32_t doc)
{
	const st_bm25_t *s = w->bm25;
	bool phrase = w->kind == ST_W_PHRASE;
	st_expl_t *top, *sc, *idf, *tf;
	float dl = (float)st_search_byte4_to_int(norm);
	float score = st_bm25_score(s, freq, norm);
	uint32_t k = 0;

	if (phrase) {
		double sum = 0;
		idf = st_expl_new(a, s->idf, true, "idf, sum of:", w->n_terms);
		if (!idf)
			return NULL;
		for (uint32_t i = 0; i < w->n_terms; i++) {
			idf->details[i] = idf_term(a, w->dfs[i], s->doc_count);
			if (!idf->details[i])
				return NULL;
			sum += idf->details[i]->value;
		}
		idf->n = w->n_terms;
		(void)sum;
	} else {
		idf = idf_term(a, w->dfs[0], s->doc_count);
	}
	tf = st_expl_new(a, 0, true,
			 "tf, computed as freq / (freq + k1 * (1 - b + b * dl / avgdl)) from:", 5);
	if (!idf || !tf)
		return NULL;
	float norm_value = ST_BM25_K1 * ((1 - ST_BM25_B) + ST_BM25_B * dl / s->avgdl);
	tf->value = (float)(freq / (freq + (double)norm_value));
	tf->details[0] = st_expl_new(a, freq, true, phrase
				     ? fmt(a, "phraseFreq=%s", jfloat(a, freq))
				     : "freq, occurrences of term within document", 0);
	tf->details[1] = st_expl_new(a, ST_BM25_K1, true, "k1, term saturation parameter", 0);
	tf->details[2] = st_expl_new(a, ST_BM25_B, true, "b, length normalization parameter", 0);
	tf->details[3] = st_expl_new(a, dl, true, norm > 39 ? "dl, length of field (approximate)"
						      : "dl, length of field", 0);
	tf->details[4] = st_expl_new(a, s->avgdl, true, "avgdl, average length of field", 0);
	tf->n = 5;
	sc = st_expl_new(a, score, true,
			 fmt(a, "score(freq=%s), computed as boost * idf * tf from:", jfloat(a, freq)), 3);
	if (!sc)
		return NULL;
	if (s->boost != 1.0f)
		sc->details[k++] = st_expl_new(a, s->boost, true, "boost", 0);
	sc->details[k++] = idf;
	sc->details[k++] = tf;
	sc->n = k;
	top = st_expl_new(a, score, true,
			  fmt(a, "weight(%s in %u) [PerFieldSimilarity], result of:", w->desc, doc), 1);
	if (!top)
		return NULL;
	top->details[0] = sc;
	top->n = 1;
	return top;
}
