/* pf_cat.c - names shared by pf-peer and the storage-level side-by-side
 * bench: the query categories (luceneutil's task names) and the drivers. */
#include <errno.h>
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
