/* pf_engine.h - the interface every in-process peer driver implements.
 *
 * A driver builds an index from the corpus TSV (id, section, size, body) and
 * answers the built-in query categories natively: the same query parameters
 * Osprey receives as Elasticsearch JSON. Each driver owns its handle; the
 * caller opens, uses from one thread, and closes it. */
#ifndef PF_ENGINE_H
#define PF_ENGINE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Query categories, named as luceneutil names its tasks. */
typedef enum pf_cat {
    PF_CAT_HIGH_TERM, PF_CAT_MED_TERM, PF_CAT_LOW_TERM,
    PF_CAT_AND_HIGH_HIGH, PF_CAT_AND_HIGH_MED, PF_CAT_OR_HIGH_HIGH, PF_CAT_OR_HIGH_MED,
    PF_CAT_PHRASE, PF_CAT_INT_NRQ, PF_CAT_TERM_SORT, PF_CAT_TERM_AGG, PF_CAT_COUNT
} pf_cat_t;

/* One query: up to two words (w1, w2) or a numeric range (lo, hi).
 * count != 0: count every match of the category's query into *hits
 * instead of returning the top 10 (TermSort / TermAgg count their term). */
typedef struct pf_query {
    pf_cat_t cat;
    char w1[128], w2[128];
    long long lo, hi;
    int count;
} pf_query_t;

/* One corpus document, borrowed from the TSV line for the call. */
typedef struct pf_doc {
    long long id;
    const char *section;
    long long size;
    const char *body;
} pf_doc_t;

typedef struct pf_engine_ops {
    const char *name;
    /* create != 0: start an empty index at db (a path, or libpq conninfo). */
    int (*open)(void **h, const char *db, int create);
    int (*add)(void *h, const pf_doc_t *d);
    int (*commit)(void *h);
    /* Run q; *hits gets the number of rows/documents returned (top 10, or
     * aggregation buckets), or the match count when q->count. 0 or negative
     * on error (-ENOTSUP: the driver cannot count). */
    int (*query)(void *h, const pf_query_t *q, long *hits);
    /* Bytes the index takes (files, or the relation sizes for a server). */
    long long (*size_bytes)(void *h, const char *db);
    void (*close)(void *h);
} pf_engine_ops_t;

extern const pf_engine_ops_t pf_engine_sqlite;
extern const pf_engine_ops_t pf_engine_xapian;
extern const pf_engine_ops_t pf_engine_pg;

const char *pf_cat_name(pf_cat_t c);
int pf_cat_parse(const char *name, pf_cat_t *out);
/* sqlite (or sqlite-fts5), xapian, pg; NULL for anything else. */
const pf_engine_ops_t *pf_engine_by_name(const char *name);
/* Read up to max (0 = all) queries of category cat from a parameter file
 * (w1 [TAB w2]; ranges: lo TAB hi) into *out (free it). 0, -errno, or
 * -EINVAL when the file holds none. */
int pf_query_load(const char *path, pf_cat_t cat, size_t max, pf_query_t **out, size_t *nout);

#ifdef __cplusplus
}
#endif

#endif
