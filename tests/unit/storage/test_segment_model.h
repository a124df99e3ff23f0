/*
 * test_segment_model.h - a brute-force model of a segment for the segment
 * tests: random docs, a builder feed, and a checker that compares every
 * reader answer with what the model computes directly.
 */
#ifndef TEST_SEGMENT_MODEL_H
#define TEST_SEGMENT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "st_segment.h"

#define M_MAX_TOKS 64
#define M_NFIELDS 8

/* Field numbers of the model's schema (see m_specs in the .c file). */
enum { MF_BODY, MF_TITLE, MF_TAG, MF_NUM, MF_PRICE, MF_FLAG, MF_EMPTY, MF_DVONLY };

typedef struct m_tok {
	char term[24];
	uint8_t len;
	uint32_t pos;
} m_tok_t;

/* One model document; owns src. */
typedef struct m_doc {
	char id[32];
	uint32_t id_len;
	char routing[16];
	bool has_routing;
	int64_t seq, term, ver;
	char *src;
	size_t src_len;
	m_tok_t body[M_MAX_TOKS];
	uint32_t nbody;
	m_tok_t title[8];
	uint32_t ntitle, title_len;   /* title_len: explicit norms length */
	char tags[4][16];
	uint32_t ntags;
	int64_t nums[3];
	uint32_t nnums;
	double prices[2];
	uint32_t nprices;
	int flag;                     /* -1 none */
	char dvonly[2][8];
	uint32_t ndvonly;
} m_doc_t;

extern const st_seg_field_spec_t m_specs[M_NFIELDS];

/* Random docs with ids id_base..; big = some sources of ~100 KB. */
m_doc_t *
m_docs_random(uint32_t n, uint32_t seed, uint32_t id_base, bool big);
void
m_docs_free(m_doc_t *d, uint32_t n);

/* Build a segment from docs; asserts success. */
void
m_build(const m_doc_t *d, uint32_t n, const char *name, st_seg_files_t *out);

/* The same with only the fields in mask (1 << MF_*) registered; the docs
 * must have no values in the others (m_docs_keep clears them). */
void
m_build_fields(const m_doc_t *d, uint32_t n, const char *name, uint32_t mask,
	       st_seg_files_t *out);
void
m_docs_keep(m_doc_t *d, uint32_t n, uint32_t mask);

/* Compare every answer of r with docs[live[i]] mapped to doc i (live NULL =
 * all docs, in order). */
void
m_check(const st_reader_t *r, const m_doc_t *const *docs, uint32_t n);

#endif
