/* pf_eng_sqlite.c - SQLite FTS5 peer driver.
 *
 * Schema: docs(id INTEGER PRIMARY KEY, section, size) with indexes on size
 * and section, and a contentless FTS5 table fts(body) whose rowid is the
 * document id (unicode61 tokenizer: lower-cased words, no stemming, as
 * Osprey's standard analyzer). Ranked queries order by FTS5's bm25 rank;
 * counts are count(*) over the same MATCH (or the size range). Statements
 * are prepared once per category at open. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf_engine.h"

typedef struct sq {
    sqlite3 *db;
    sqlite3_stmt *ins_doc, *ins_fts;
    sqlite3_stmt *q[PF_CAT_COUNT];
    sqlite3_stmt *qc[2];          /* count: MATCH, size range */
    int in_txn;
} sq_t;

static const char *const sql_of[PF_CAT_COUNT] = {
    [PF_CAT_HIGH_TERM] = "SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY rank LIMIT 10",
    [PF_CAT_MED_TERM] = "SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY rank LIMIT 10",
    [PF_CAT_LOW_TERM] = "SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY rank LIMIT 10",
    [PF_CAT_AND_HIGH_HIGH] = "SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY rank LIMIT 10",
    [PF_CAT_AND_HIGH_MED] = "SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY rank LIMIT 10",
    [PF_CAT_OR_HIGH_HIGH] = "SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY rank LIMIT 10",
    [PF_CAT_OR_HIGH_MED] = "SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY rank LIMIT 10",
    [PF_CAT_PHRASE] = "SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY rank LIMIT 10",
    [PF_CAT_INT_NRQ] = "SELECT id FROM docs WHERE size BETWEEN ?2 AND ?3 LIMIT 10",
    [PF_CAT_TERM_SORT] = "SELECT d.id FROM fts JOIN docs d ON d.id = fts.rowid "
                         "WHERE fts MATCH ?1 ORDER BY d.size DESC LIMIT 10",
    [PF_CAT_TERM_AGG] = "SELECT d.section, count(*) c FROM fts JOIN docs d ON d.id = fts.rowid "
                        "WHERE fts MATCH ?1 GROUP BY d.section ORDER BY c DESC LIMIT 10",
};

static const char *const sql_count[2] = {
    "SELECT count(*) FROM fts WHERE fts MATCH ?1",
    "SELECT count(*) FROM docs WHERE size BETWEEN ?2 AND ?3",
};

static int
exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "sqlite: %s: %s\n", sql, err ? err : "?");
        sqlite3_free(err);
        return -EIO;
    }
    return 0;
}

static void
sq_close(void *h)
{
    sq_t *s = h;
    if (!s)
        return;
    for (int i = 0; i < PF_CAT_COUNT; i++)
        sqlite3_finalize(s->q[i]);
    for (int i = 0; i < 2; i++)
        sqlite3_finalize(s->qc[i]);
    sqlite3_finalize(s->ins_doc);
    sqlite3_finalize(s->ins_fts);
    if (s->in_txn)
        exec(s->db, "COMMIT");
    sqlite3_close(s->db);
    free(s);
}

static int
sq_open(void **h, const char *path, int create)
{
    int rc = -EIO;
    sq_t *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    if (create)
        unlink(path);
    if (sqlite3_open(path, &s->db) != SQLITE_OK)
        goto cleanup;
    if (exec(s->db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144"))
        goto cleanup;
    if (create) {
        if (exec(s->db, "CREATE TABLE docs(id INTEGER PRIMARY KEY, section TEXT, size INTEGER);"
                        "CREATE VIRTUAL TABLE fts USING fts5(body, content='', "
                        "tokenize='unicode61');BEGIN"))
            goto cleanup;
        s->in_txn = 1;
        if (sqlite3_prepare_v2(s->db, "INSERT INTO docs VALUES(?,?,?)", -1, &s->ins_doc, NULL) ||
            sqlite3_prepare_v2(s->db, "INSERT INTO fts(rowid, body) VALUES(?,?)", -1,
                               &s->ins_fts, NULL))
            goto cleanup;
    } else {
        for (int i = 0; i < PF_CAT_COUNT + 2; i++)
            if (sqlite3_prepare_v2(s->db, i < PF_CAT_COUNT ? sql_of[i] : sql_count[i - PF_CAT_COUNT],
                                   -1, i < PF_CAT_COUNT ? &s->q[i] : &s->qc[i - PF_CAT_COUNT],
                                   NULL) != SQLITE_OK) {
                fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(s->db));
                goto cleanup;
            }
    }
    *h = s;
    return 0;
cleanup:
    sq_close(s);
    return rc;
}

static int
sq_add(void *h, const pf_doc_t *d)
{
    sq_t *s = h;
    sqlite3_bind_int64(s->ins_doc, 1, d->id);
    sqlite3_bind_text(s->ins_doc, 2, d->section, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s->ins_doc, 3, d->size);
    sqlite3_bind_int64(s->ins_fts, 1, d->id);
    sqlite3_bind_text(s->ins_fts, 2, d->body, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s->ins_doc) == SQLITE_DONE && sqlite3_step(s->ins_fts) == SQLITE_DONE;
    sqlite3_reset(s->ins_doc);
    sqlite3_reset(s->ins_fts);
    return rc ? 0 : -EIO;
}

static int
sq_commit(void *h)
{
    sq_t *s = h;
    int rc = exec(s->db, "COMMIT; CREATE INDEX docs_size ON docs(size);"
                         "CREATE INDEX docs_section ON docs(section);"
                         "INSERT INTO fts(fts) VALUES('optimize'); ANALYZE");
    s->in_txn = 0;
    return rc;
}

static int
sq_query(void *h, const pf_query_t *q, long *hits)
{
    sq_t *s = h;
    sqlite3_stmt *st = q->count ? s->qc[q->cat == PF_CAT_INT_NRQ] : s->q[q->cat];
    char m[300];
    switch (q->cat) {
    case PF_CAT_AND_HIGH_HIGH:
    case PF_CAT_AND_HIGH_MED:
        snprintf(m, sizeof(m), "\"%s\" AND \"%s\"", q->w1, q->w2);
        break;
    case PF_CAT_OR_HIGH_HIGH:
    case PF_CAT_OR_HIGH_MED:
        snprintf(m, sizeof(m), "\"%s\" OR \"%s\"", q->w1, q->w2);
        break;
    case PF_CAT_PHRASE:
        snprintf(m, sizeof(m), "\"%s %s\"", q->w1, q->w2);
        break;
    default:
        snprintf(m, sizeof(m), "\"%s\"", q->w1);
    }
    if (q->cat == PF_CAT_INT_NRQ) {
        sqlite3_bind_int64(st, 2, q->lo);
        sqlite3_bind_int64(st, 3, q->hi);
    } else {
        sqlite3_bind_text(st, 1, m, -1, SQLITE_TRANSIENT);
    }
    long n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        n = q->count ? (long)sqlite3_column_int64(st, 0) : n + 1;
    sqlite3_reset(st);
    *hits = n;
    return rc == SQLITE_DONE ? 0 : -EIO;
}

static long long
sq_size(void *h, const char *path)
{
    (void)h;
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

const pf_engine_ops_t pf_engine_sqlite = {
    .name = "sqlite-fts5", .open = sq_open, .add = sq_add, .commit = sq_commit,
    .query = sq_query, .size_bytes = sq_size, .close = sq_close,
};
