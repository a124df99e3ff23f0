/* pf_eng_pg.c - PostgreSQL full-text peer driver (libpq, one connection).
 *
 * Schema: docs(id, section, size, body, tsv tsvector) with a GIN index on
 * tsv and btree indexes on size and section; text search configuration
 * 'simple' (lower-cased words, no stemming, no stop words, as Osprey's
 * standard analyzer). Ranked queries order by ts_rank. Bulk load: COPY into
 * an UNLOGGED table whose tsv is a stored generated column (computed during
 * COPY, no UPDATE rewriting every row), primary key and indexes built after
 * the load (maintenance_work_mem 512MB); the server is started and stopped
 * by perf/bench. */
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_engine.h"

typedef struct pg {
    PGconn *c;
    int copying;
} pg_t;

static const char *const sql_of[PF_CAT_COUNT] = {
#define RANKED "SELECT id FROM docs, to_tsquery('simple', $1) q WHERE tsv @@ q " \
               "ORDER BY ts_rank(tsv, q) DESC LIMIT 10"
    [PF_CAT_HIGH_TERM] = RANKED, [PF_CAT_MED_TERM] = RANKED, [PF_CAT_LOW_TERM] = RANKED,
    [PF_CAT_AND_HIGH_HIGH] = RANKED, [PF_CAT_AND_HIGH_MED] = RANKED,
    [PF_CAT_OR_HIGH_HIGH] = RANKED, [PF_CAT_OR_HIGH_MED] = RANKED, [PF_CAT_PHRASE] = RANKED,
    [PF_CAT_INT_NRQ] = "SELECT id FROM docs WHERE size BETWEEN $1::bigint AND $2::bigint "
                       "LIMIT 10",
    [PF_CAT_TERM_SORT] = "SELECT id FROM docs WHERE tsv @@ to_tsquery('simple', $1) "
                         "ORDER BY size DESC LIMIT 10",
    [PF_CAT_TERM_AGG] = "SELECT section, count(*) c FROM docs WHERE tsv @@ "
                        "to_tsquery('simple', $1) GROUP BY section ORDER BY c DESC LIMIT 10",
#undef RANKED
};

static int
run(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "pg: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    return ok ? 0 : -EIO;
}

static int
copy_in(PGconn *c)
{
    PGresult *r = PQexec(c, "COPY docs(id, section, size, body) FROM STDIN");
    int ok = PQresultStatus(r) == PGRES_COPY_IN;
    if (!ok)
        fprintf(stderr, "pg: COPY: %s", PQerrorMessage(c));
    PQclear(r);
    return ok ? 0 : -EIO;
}

static void
pg_close(void *h)
{
    pg_t *p = h;
    if (!p)
        return;
    PQfinish(p->c);
    free(p);
}

static int
pg_open(void **h, const char *conninfo, int create)
{
    int rc = -EIO;
    pg_t *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->c = PQconnectdb(conninfo);
    if (PQstatus(p->c) != CONNECTION_OK) {
        fprintf(stderr, "pg: %s", PQerrorMessage(p->c));
        goto cleanup;
    }
    if (create) {
        if (run(p->c, "DROP TABLE IF EXISTS docs") ||
            run(p->c, "CREATE UNLOGGED TABLE docs(id bigint, section text, size bigint, "
                      "body text, tsv tsvector GENERATED ALWAYS AS "
                      "(to_tsvector('simple', body)) STORED)") ||
            copy_in(p->c))
            goto cleanup;
        p->copying = 1;
    } else {
        for (int i = 0; i < PF_CAT_COUNT; i++) {
            char name[16];
            snprintf(name, sizeof(name), "q%d", i);
            PGresult *r = PQprepare(p->c, name, sql_of[i], i == PF_CAT_INT_NRQ ? 2 : 1, NULL);
            int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
            if (!ok)
                fprintf(stderr, "pg: prepare %s: %s", sql_of[i], PQerrorMessage(p->c));
            PQclear(r);
            if (!ok)
                goto cleanup;
        }
    }
    *h = p;
    return 0;
cleanup:
    pg_close(p);
    return rc;
}

/* COPY text format: escape backslash, tab, newline. */
static int
put_field(PGconn *c, const char *s, char end)
{
    char buf[8192];
    size_t n = 0;
    for (; *s; s++) {
        if (n > sizeof(buf) - 4) {
            if (PQputCopyData(c, buf, (int)n) != 1)
                return -EIO;
            n = 0;
        }
        if (*s == '\\' || *s == '\t' || *s == '\n' || *s == '\r') {
            buf[n++] = '\\';
            buf[n++] = *s == '\t' ? 't' : *s == '\n' ? 'n' : *s == '\r' ? 'r' : '\\';
        } else {
            buf[n++] = *s;
        }
    }
    buf[n++] = end;
    return PQputCopyData(c, buf, (int)n) == 1 ? 0 : -EIO;
}

static int
pg_add(void *h, const pf_doc_t *d)
{
    pg_t *p = h;
    char num[64];
    snprintf(num, sizeof(num), "%lld\t", d->id);
    if (PQputCopyData(p->c, num, (int)strlen(num)) != 1 || put_field(p->c, d->section, '\t'))
        return -EIO;
    snprintf(num, sizeof(num), "%lld\t", d->size);
    if (PQputCopyData(p->c, num, (int)strlen(num)) != 1)
        return -EIO;
    return put_field(p->c, d->body, '\n');
}

static int
pg_commit(void *h)
{
    pg_t *p = h;
    if (PQputCopyEnd(p->c, NULL) != 1)
        return -EIO;
    PGresult *r = PQgetResult(p->c);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    while ((r = PQgetResult(p->c)))
        PQclear(r);
    p->copying = 0;
    if (!ok)
        return -EIO;
    return run(p->c, "ALTER TABLE docs ADD PRIMARY KEY (id)") ||
                   run(p->c, "CREATE INDEX docs_tsv ON docs USING gin(tsv)") ||
                   run(p->c, "CREATE INDEX docs_size ON docs(size)") ||
                   run(p->c, "CREATE INDEX docs_section ON docs(section)") ||
                   run(p->c, "VACUUM ANALYZE docs")
               ? -EIO
               : 0;
}

static int
pg_query(void *h, const pf_query_t *q, long *hits)
{
    pg_t *p = h;
    char tsq[300], lo[32], hi[32], name[16];
    if (q->count)
        return -ENOTSUP; /* the storage-level bench compares in-process peers only */
    switch (q->cat) {
    case PF_CAT_AND_HIGH_HIGH:
    case PF_CAT_AND_HIGH_MED:
        snprintf(tsq, sizeof(tsq), "'%s' & '%s'", q->w1, q->w2);
        break;
    case PF_CAT_OR_HIGH_HIGH:
    case PF_CAT_OR_HIGH_MED:
        snprintf(tsq, sizeof(tsq), "'%s' | '%s'", q->w1, q->w2);
        break;
    case PF_CAT_PHRASE:
        snprintf(tsq, sizeof(tsq), "'%s' <-> '%s'", q->w1, q->w2);
        break;
    default:
        snprintf(tsq, sizeof(tsq), "'%s'", q->w1);
    }
    snprintf(lo, sizeof(lo), "%lld", q->lo);
    snprintf(hi, sizeof(hi), "%lld", q->hi);
    snprintf(name, sizeof(name), "q%d", (int)q->cat);
    const char *vals[2] = {tsq, NULL};
    int nv = 1;
    if (q->cat == PF_CAT_INT_NRQ) {
        vals[0] = lo;
        vals[1] = hi;
        nv = 2;
    }
    PGresult *r = PQexecPrepared(p->c, name, nv, vals, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "pg: %s", PQerrorMessage(p->c));
    *hits = ok ? PQntuples(r) : 0;
    PQclear(r);
    return ok ? 0 : -EIO;
}

static long long
pg_size(void *h, const char *conninfo)
{
    (void)conninfo;
    pg_t *p = h;
    PGresult *r = PQexec(p->c, "SELECT pg_total_relation_size('docs')");
    long long n = PQresultStatus(r) == PGRES_TUPLES_OK ? atoll(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return n;
}

const pf_engine_ops_t pf_engine_pg = {
    .name = "postgresql", .open = pg_open, .add = pg_add, .commit = pg_commit,
    .query = pg_query, .size_bytes = pg_size, .close = pg_close,
};
