/* pf_eng_xapian.cc - Xapian peer driver (in-process, glass backend).
 *
 * C++ only because Xapian's API is C++; it exports the C ops table of
 * pf_engine.h and lets no exception cross into C. Documents: body through a
 * TermGenerator without a stemmer (lower-cased words with positions, as
 * Osprey's standard analyzer), value slot 0 = size (sortable_serialise),
 * slot 1 = section. Ranked queries use BM25Weight (Xapian's default);
 * the aggregation counts sections over all matches with a ValueCountMatchSpy.
 * Bulk load: one commit at the end, DB_NO_SYNC (no engine fsyncs in the
 * benchmark), Xapian's default flush threshold (10k docs; 1M was slower). */
#include <xapian.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <sys/stat.h>
#include <dirent.h>

#include "pf_engine.h"

namespace {

struct xh {
    Xapian::WritableDatabase *wdb = nullptr;
    Xapian::Database *db = nullptr;
    Xapian::TermGenerator tg;
};

int
xo_open(void **h, const char *path, int create)
{
    xh *x = new (std::nothrow) xh;
    if (!x)
        return -ENOMEM;
    try {
        if (create)
            x->wdb = new Xapian::WritableDatabase(
                path, Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
        else
            x->db = new Xapian::Database(path);
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "xapian: %s\n", e.get_description().c_str());
        delete x;
        return -EIO;
    }
    *h = x;
    return 0;
}

int
xo_add(void *h, const pf_doc_t *d)
{
    xh *x = static_cast<xh *>(h);
    try {
        Xapian::Document doc;
        x->tg.set_document(doc);
        x->tg.index_text(d->body);
        doc.add_value(0, Xapian::sortable_serialise((double)d->size));
        doc.add_value(1, d->section);
        /* Corpus ids are 1..n in order: add_document gives the same docid
         * without replace_document's look-up of an existing document. */
        if ((Xapian::docid)d->id == x->wdb->get_lastdocid() + 1)
            x->wdb->add_document(doc);
        else
            x->wdb->replace_document((Xapian::docid)d->id, doc);
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "xapian: %s\n", e.get_description().c_str());
        return -EIO;
    }
    return 0;
}

int
xo_commit(void *h)
{
    xh *x = static_cast<xh *>(h);
    try {
        x->wdb->commit();
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "xapian: %s\n", e.get_description().c_str());
        return -EIO;
    }
    return 0;
}

int
xo_query(void *h, const pf_query_t *q, long *hits)
{
    xh *x = static_cast<xh *>(h);
    try {
        Xapian::Query query;
        Xapian::Query t1(q->w1), t2(q->w2);
        switch (q->cat) {
        case PF_CAT_AND_HIGH_HIGH:
        case PF_CAT_AND_HIGH_MED:
            query = Xapian::Query(Xapian::Query::OP_AND, t1, t2);
            break;
        case PF_CAT_OR_HIGH_HIGH:
        case PF_CAT_OR_HIGH_MED:
            query = Xapian::Query(Xapian::Query::OP_OR, t1, t2);
            break;
        case PF_CAT_PHRASE:
            query = Xapian::Query(Xapian::Query::OP_PHRASE, t1, t2);
            break;
        case PF_CAT_INT_NRQ:
            query = Xapian::Query(Xapian::Query::OP_VALUE_RANGE, 0,
                                  Xapian::sortable_serialise((double)q->lo),
                                  Xapian::sortable_serialise((double)q->hi));
            break;
        default:
            query = t1;
        }
        Xapian::Enquire enq(*x->db);
        enq.set_query(query);
        if (q->count) {
            enq.set_weighting_scheme(Xapian::BoolWeight());
            Xapian::doccount all = x->db->get_doccount();
            Xapian::MSet m = enq.get_mset(0, 0, all);
            *hits = (long)m.get_matches_estimated();
            return 0;
        }
        if (q->cat == PF_CAT_INT_NRQ)
            enq.set_weighting_scheme(Xapian::BoolWeight());
        if (q->cat == PF_CAT_TERM_SORT)
            enq.set_sort_by_value(0, true);
        if (q->cat == PF_CAT_TERM_AGG) {
            Xapian::ValueCountMatchSpy spy(1);
            enq.add_matchspy(&spy);
            Xapian::MSet m = enq.get_mset(0, 0, x->db->get_doccount());
            long n = 0;
            for (auto it = spy.top_values_begin(10); it != spy.top_values_end(10); ++it)
                n++;
            *hits = n;
            (void)m;
            return 0;
        }
        Xapian::MSet m = enq.get_mset(0, 10);
        *hits = (long)m.size();
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "xapian: %s\n", e.get_description().c_str());
        return -EIO;
    }
    return 0;
}

long long
xo_size(void *, const char *path)
{
    long long total = 0;
    DIR *d = opendir(path);
    if (!d)
        return -1;
    while (struct dirent *e = readdir(d)) {
        std::string p = std::string(path) + "/" + e->d_name;
        struct stat st;
        if (stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode))
            total += (long long)st.st_size;
    }
    closedir(d);
    return total;
}

void
xo_close(void *h)
{
    xh *x = static_cast<xh *>(h);
    if (!x)
        return;
    try {
        delete x->wdb;
        delete x->db;
    } catch (...) {
    }
    delete x;
}

} // namespace

extern "C" const pf_engine_ops_t pf_engine_xapian = {
    "xapian", xo_open, xo_add, xo_commit, xo_query, xo_size, xo_close,
};
