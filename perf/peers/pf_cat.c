/* pf_cat.c - what pf-peer and the storage-level side-by-side bench share:
 * the query categories (luceneutil's task names), the drivers by name, and
 * the per-category parameter files of perf/workload/make_queries.py. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_engine.h"

static const char *const cat_names[PF_CAT_COUNT] = {
    "HighTerm", "MedTerm", "LowTerm", "AndHighHigh", "AndHighMed", "OrHighHigh",
    "OrHighMed", "Phrase", "IntNRQ", "TermSort", "TermAgg",
};

const char *
pf_cat_name(pf_cat_t c)
{
    return c < PF_CAT_COUNT ? cat_names[c] : "?";
}

int
pf_cat_parse(const char *name, pf_cat_t *out)
{
    for (int i = 0; i < PF_CAT_COUNT; i++)
        if (strcmp(name, cat_names[i]) == 0) {
            *out = (pf_cat_t)i;
            return 0;
        }
    return -EINVAL;
}

const pf_engine_ops_t *
pf_engine_by_name(const char *n)
{
    if (strcmp(n, "sqlite") == 0 || strcmp(n, "sqlite-fts5") == 0)
        return &pf_engine_sqlite;
    if (strcmp(n, "xapian") == 0)
        return &pf_engine_xapian;
    if (strcmp(n, "pg") == 0)
        return &pf_engine_pg;
    return NULL;
}

int
pf_query_load(const char *path, pf_cat_t cat, size_t max, pf_query_t **out, size_t *nout)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -errno;
    char line[512];
    pf_query_t *v = NULL;
    size_t n = 0;
    int rc = 0;
    while ((max == 0 || n < max) && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0])
            continue;
        pf_query_t *nv = realloc(v, (n + 1) * sizeof(*nv));
        if (!nv) {
            rc = -ENOMEM;
            goto cleanup;
        }
        v = nv;
        pf_query_t *q = &v[n++];
        memset(q, 0, sizeof(*q));
        q->cat = cat;
        char *tab = strchr(line, '\t');
        if (tab)
            *tab = 0;
        snprintf(q->w1, sizeof(q->w1), "%.127s", line);
        if (tab)
            snprintf(q->w2, sizeof(q->w2), "%.127s", tab + 1);
        q->lo = atoll(q->w1);
        q->hi = atoll(q->w2);
    }
    if (n == 0)
        rc = -EINVAL;
cleanup:
    fclose(f);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *nout = n;
    return 0;
}
