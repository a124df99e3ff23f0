/* pf_peer.c - pf-peer: builds a peer's index from the corpus TSV and measures
 * its query latency in-process, with the same histogram, categories and JSON
 * results as pf-load.
 *
 *   pf-peer -e ENGINE -D DB build CORPUS.tsv [-n DOCS] [-j OUT]
 *   pf-peer -e ENGINE -D DB run -c CATEGORY -q PARAMS.tsv [-R RATE] [-w S] [-d S]
 *           [-j OUT] [-l LABEL]
 *
 * build -n indexes only the first DOCS lines (a prefix of the corpus).
 * run without -R is closed loop (one query after another: service time).
 * With -R it is open loop on one thread: query i is due at its intended time
 * and its latency counts from then, so a slow query delays the next ones as a
 * one-worker server would (coordinated omission corrected). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pf_engine.h"
#include "pf_hist.h"
#include "pf_out.h"
#include "pf_sched.h"

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int
do_build(const pf_engine_ops_t *e, const char *db, const char *tsv, long long limit,
         const char *json)
{
    int rc;
    void *h = NULL;
    char *line = NULL;
    size_t cap = 0;
    long long docs = 0;
    FILE *f = fopen(tsv, "r");
    if (!f)
        return -errno;
    uint64_t t0 = now_ns();
    rc = e->open(&h, db, 1);
    if (rc)
        goto cleanup;
    ssize_t n;
    while ((limit <= 0 || docs < limit) && (n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            line[n - 1] = 0;
        char *f1 = strchr(line, '\t'), *f2 = f1 ? strchr(f1 + 1, '\t') : NULL;
        char *f3 = f2 ? strchr(f2 + 1, '\t') : NULL;
        if (!f3)
            continue;
        *f1 = *f2 = *f3 = 0;
        pf_doc_t d = {.id = atoll(line), .section = f1 + 1, .size = atoll(f2 + 1),
                      .body = f3 + 1};
        rc = e->add(h, &d);
        if (rc)
            goto cleanup;
        docs++;
    }
    rc = e->commit(h);
    if (rc)
        goto cleanup;
    double secs = (double)(now_ns() - t0) / 1e9;
    long long bytes = e->size_bytes(h, db);
    printf("%s: %lld documents indexed in %.2fs, index %lld bytes\n", e->name, docs, secs, bytes);
    if (json) {
        FILE *o = fopen(json, "w");
        if (o) {
            fprintf(o, "{\"engine\":\"%s\",\"docs\":%lld,\"build_s\":%.3f,\"index_bytes\":%lld}\n",
                    e->name, docs, secs, bytes);
            fclose(o);
        }
    }
cleanup:
    if (h)
        e->close(h);
    free(line);
    fclose(f);
    return rc;
}

static void
sleep_until(uint64_t t)
{
    struct timespec ts = {(time_t)(t / 1000000000ULL), (long)(t % 1000000000ULL)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static int
do_run(const pf_engine_ops_t *e, const char *db, pf_cat_t cat, const char *params, double rate,
       double warm, double dur, const char *json, const char *label)
{
    pf_query_t *qs = NULL;
    size_t nq = 0;
    void *h = NULL;
    pf_hist_t *hist = pf_hist_new();
    int rc = pf_query_load(params, cat, 0, &qs, &nq);
    if (rc || !hist)
        goto cleanup;
    rc = e->open(&h, db, 0);
    if (rc)
        goto cleanup;
    pf_sched_t s;
    pf_sched_init(&s, PF_ARRIVAL_CONSTANT, rate, 1);
    uint64_t t0 = now_ns(), ws = t0 + (uint64_t)(warm * 1e9), we = ws + (uint64_t)(dur * 1e9);
    uint64_t done = 0, hits_sum = 0, i = 0, last_end = 0;
    for (;;) {
        uint64_t start;
        if (rate > 0) {
            start = t0 + pf_sched_next(&s);
            if (start >= we)
                break;
            sleep_until(start);
        } else {
            start = now_ns();
            if (start >= we)
                break;
        }
        long hits = 0;
        int qrc = e->query(h, &qs[i++ % nq], &hits);
        uint64_t end = now_ns();
        if (qrc) { /* a driver error is a broken setup, not a latency */
            rc = qrc;
            goto cleanup;
        }
        if (start >= ws) {
            pf_hist_record(hist, end - start);
            done++;
            last_end = end;
            hits_sum += (uint64_t)hits;
        }
        if (end > we + 10000000000ULL) /* an open loop far behind: stop */
            break;
    }
    pf_result_t r = {.label = label, .mode = rate > 0 ? "open" : "closed",
                     .arrival = rate > 0 ? "constant" : "-", .rate = rate, .connections = 1,
                     .threads = 1, .pipeline = 1, .warmup_s = warm, .duration_s = dur,
                     .requests = done, .hist = hist,
                     .elapsed_s = last_end > ws ? (double)(last_end - ws) / 1e9 : 0};
    pf_out_table(stdout, &r);
    printf("  mean hits %.2f\n", done ? (double)hits_sum / (double)done : 0);
    if (json) {
        FILE *o = fopen(json, "w");
        if (!o) {
            rc = -errno;
            goto cleanup;
        }
        pf_out_json(o, &r);
        fclose(o);
    }
cleanup:
    if (h)
        e->close(h);
    free(qs);
    pf_hist_free(hist);
    return rc;
}

static void
usage(void)
{
    fprintf(stderr, "usage: pf-peer -e sqlite|xapian|pg -D DB build CORPUS.tsv [-n DOCS] [-j OUT]\n"
                    "       pf-peer -e ENGINE -D DB run -c CATEGORY -q PARAMS.tsv [-R RATE]"
                    " [-w S] [-d S] [-j OUT] [-l LABEL]\n");
}

int
main(int argc, char **argv)
{
    const char *eng = NULL, *db = NULL, *json = NULL, *label = NULL, *cat = NULL, *params = NULL;
    double rate = 0, warm = 0.5, dur = 3;
    long long limit = 0;
    int o;
    while ((o = getopt(argc, argv, "+e:D:j:l:c:q:R:w:d:n:")) != -1) {
        switch (o) {
        case 'e': eng = optarg; break;
        case 'D': db = optarg; break;
        case 'j': json = optarg; break;
        case 'l': label = optarg; break;
        case 'c': cat = optarg; break;
        case 'q': params = optarg; break;
        case 'R': rate = atof(optarg); break;
        case 'w': warm = atof(optarg); break;
        case 'd': dur = atof(optarg); break;
        case 'n': limit = atoll(optarg); break;
        default: usage(); return 1;
        }
    }
    /* options may follow the sub-command too */
    const char *cmd = optind < argc ? argv[optind++] : NULL;
    const char *arg = NULL;
    while (optind < argc) {
        if (argv[optind][0] != '-') {
            arg = argv[optind++];
            continue;
        }
        o = getopt(argc, argv, "+e:D:j:l:c:q:R:w:d:n:");
        if (o == -1)
            break;
        switch (o) {
        case 'j': json = optarg; break;
        case 'l': label = optarg; break;
        case 'c': cat = optarg; break;
        case 'q': params = optarg; break;
        case 'R': rate = atof(optarg); break;
        case 'w': warm = atof(optarg); break;
        case 'd': dur = atof(optarg); break;
        case 'n': limit = atoll(optarg); break;
        default: usage(); return 1;
        }
    }
    const pf_engine_ops_t *e = eng ? pf_engine_by_name(eng) : NULL;
    if (!e || !db || !cmd) {
        usage();
        return 1;
    }
    int rc;
    if (strcmp(cmd, "build") == 0 && arg) {
        rc = do_build(e, db, arg, limit, json);
    } else if (strcmp(cmd, "run") == 0 && cat && params) {
        pf_cat_t c;
        if (pf_cat_parse(cat, &c)) {
            fprintf(stderr, "pf-peer: unknown category %s\n", cat);
            return 1;
        }
        rc = do_run(e, db, c, params, rate, warm, dur, json, label ? label : e->name);
    } else {
        usage();
        return 1;
    }
    if (rc)
        fprintf(stderr, "pf-peer: %s: %s\n", cmd, strerror(-rc));
    return rc ? 2 : 0;
}
