/*
 * test_search_mem.h - an in-memory st_reader_t for the search tests, built
 * from plain arrays, and a test st_search_fields_t (field kinds from a
 * table, a lowercase alphanumeric tokenizer, glob field patterns, dates as
 * epoch millis or yyyy-MM-dd).
 *
 * A builder collects documents, then tm_build freezes them into a reader
 * (postings as roaring bitmaps with freqs, positions and 128-doc block
 * maxima; Lucene one-byte norms; numeric and sorted-set doc values; _id
 * lookup; deletes as the live set). The reader owns all its memory and is
 * freed by st_reader_unref. Single-threaded test code.
 */
#ifndef TEST_SEARCH_MEM_H
#define TEST_SEARCH_MEM_H

#include <stdint.h>

#include "st_search.h"

#define TM_MAX_FIELDS 32

typedef struct tm_builder tm_builder_t;

/* Field kinds shared by every segment of a test index. */
typedef struct tm_schema {
	const char *names[TM_MAX_FIELDS];
	st_qfield_kind_t kinds[TM_MAX_FIELDS];
	uint32_t n;
	st_search_fields_t ops;
} tm_schema_t;

void tm_schema_init(tm_schema_t *s);
void tm_schema_add(tm_schema_t *s, const char *name, st_qfield_kind_t kind);

/* Tokenize like the tests' analyzer: lowercase ASCII alphanumeric runs. */
uint32_t tm_tokenize(const char *text, char toks[][32], uint32_t max);

tm_builder_t *tm_builder_new(const tm_schema_t *s);
/* Add a document; returns its doc id. */
uint32_t tm_doc(tm_builder_t *b, const char *id);
/* Values (call several times for multi-valued fields). */
void tm_text(tm_builder_t *b, uint32_t doc, const char *field, const char *text);
void tm_keyword(tm_builder_t *b, uint32_t doc, const char *field, const char *v);
void tm_long(tm_builder_t *b, uint32_t doc, const char *field, int64_t v);
void tm_double(tm_builder_t *b, uint32_t doc, const char *field, double v);
void tm_delete(tm_builder_t *b, uint32_t doc);
/* Freeze into a reader (one reference) and free the builder. */
st_reader_t *tm_build(tm_builder_t *b, uint64_t gen);

/* Parse a _search body and run it on the readers (one shard). Returns the
 * parse or search error code; err tells why. */
int tm_search(st_reader_t *const *r, uint32_t n, tm_schema_t *s, const char *body,
	      osp_arena_t *a, st_search_req_t *req, st_shard_result_t *res, osp_err_t *err);
/* Parse only. */
int tm_parse(const char *body, osp_arena_t *a, st_search_req_t *req, osp_err_t *err);

#endif
