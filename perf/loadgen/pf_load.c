/* pf_load.c - pf-load: the HTTP/1.1 latency load generator (command line,
 * threads, live progress line, results).
 *
 * The main thread parses options, loads the request file, starts the worker
 * threads on a common start time, prints a progress line each second, then
 * merges the per-thread histograms and writes the table (stdout) and JSON
 * (--json). Exit status: 0 on a completed run, 1 on usage errors, 2 when the
 * run could not be made (no request file, no connection at all). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pf_out.h"
#include "pf_worker.h"

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: pf-load -u http://127.0.0.1:PORT [options]\n"
            "  -f, --requests FILE  request records (METHOD PATH BODYLEN\\nBODY\\n)...\n"
            "      --path PATH      without -f: GET this path (default /)\n"
            "  -c, --connections N  keep-alive connections (default 8)\n"
            "  -t, --threads N      worker threads (default 1)\n"
            "  -p, --pipeline N     outstanding requests per connection (default 1, max 64)\n"
            "  -R, --rate N         open loop at N req/s, latency from the intended time\n"
            "      --poisson        Poisson arrivals (default constant spacing)\n"
            "      --closed         closed loop (default when -R is not given)\n"
            "  -w, --warmup S       warm-up seconds, not recorded (default 1)\n"
            "  -d, --duration S     measured seconds (default 5)\n"
            "      --drain S        wait for stragglers after the window (default 5)\n"
            "  -j, --json FILE      write results as JSON\n"
            "  -l, --label NAME     label in the results\n"
            "  -q, --quiet          no progress line\n"
            "      --seed N         arrival seed (default 1)\n");
}

static int
parse_url(const char *url, struct sockaddr_in *a, char *host, size_t hostlen)
{
    const char *p = url;
    if (strncmp(p, "http://", 7) == 0)
        p += 7;
    char h[128];
    size_t i = 0;
    while (*p && *p != ':' && *p != '/' && i < sizeof(h) - 1)
        h[i++] = *p++;
    h[i] = 0;
    int port = 80;
    if (*p == ':')
        port = atoi(p + 1);
    memset(a, 0, sizeof(*a));
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    const char *ip = strcmp(h, "localhost") == 0 ? "127.0.0.1" : h;
    if (inet_pton(AF_INET, ip, &a->sin_addr) != 1 || port <= 0 || port > 65535)
        return -EINVAL;
    snprintf(host, hostlen, "%s:%d", h, port);
    return 0;
}

static void
progress(pf_worker_t *w, int nw, const pf_cfg_t *cfg, uint64_t *last_done, int tty)
{
    uint64_t done = 0, errs = 0;
    for (int i = 0; i < nw; i++) {
        done += atomic_load_explicit(&w[i].prog_done, memory_order_relaxed);
        errs += atomic_load_explicit(&w[i].prog_errors, memory_order_relaxed);
    }
    double el = (double)(pf_now_ns() - cfg->t0) / 1e9;
    const char *phase = el < cfg->warmup_s ? "warm-up" : "measure";
    fprintf(stderr, "%s[%6.1fs %s] done %llu  %llu req/s  errors %llu%s", tty ? "\r" : "", el,
            phase, (unsigned long long)done, (unsigned long long)(done - *last_done),
            (unsigned long long)errs, tty ? "   " : "\n");
    *last_done = done;
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"url", 1, 0, 'u'},      {"requests", 1, 0, 'f'}, {"path", 1, 0, 'P'},
        {"connections", 1, 0, 'c'}, {"threads", 1, 0, 't'}, {"pipeline", 1, 0, 'p'},
        {"rate", 1, 0, 'R'},     {"poisson", 0, 0, 'O'},  {"closed", 0, 0, 'C'},
        {"warmup", 1, 0, 'w'},   {"duration", 1, 0, 'd'}, {"drain", 1, 0, 'D'},
        {"json", 1, 0, 'j'},     {"label", 1, 0, 'l'},    {"quiet", 0, 0, 'q'},
        {"seed", 1, 0, 'S'},     {"help", 0, 0, 'h'},     {0, 0, 0, 0}};
    pf_cfg_t cfg = {.connections = 8, .threads = 1, .pipeline = 1, .warmup_s = 1,
                    .duration_s = 5, .drain_s = 5, .seed = 1};
    const char *url = NULL, *reqfile = NULL, *path = "/", *json = NULL, *label = "run";
    int quiet = 0, closed_flag = 0, ret = 2, o;
    pf_reqs_t reqs = {0};
    pf_worker_t *w = NULL;
    pf_hist_t *all = NULL;
    char host[160];
    while ((o = getopt_long(argc, argv, "u:f:c:t:p:R:w:d:j:l:qh", opts, NULL)) != -1) {
        switch (o) {
        case 'u': url = optarg; break;
        case 'f': reqfile = optarg; break;
        case 'P': path = optarg; break;
        case 'c': cfg.connections = atoi(optarg); break;
        case 't': cfg.threads = atoi(optarg); break;
        case 'p': cfg.pipeline = atoi(optarg); break;
        case 'R': cfg.rate = atof(optarg); break;
        case 'O': cfg.arrival = PF_ARRIVAL_POISSON; break;
        case 'C': closed_flag = 1; break;
        case 'w': cfg.warmup_s = atof(optarg); break;
        case 'd': cfg.duration_s = atof(optarg); break;
        case 'D': cfg.drain_s = atof(optarg); break;
        case 'j': json = optarg; break;
        case 'l': label = optarg; break;
        case 'q': quiet = 1; break;
        case 'S': cfg.seed = strtoull(optarg, NULL, 10); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 1;
        }
    }
    if (!url || parse_url(url, &cfg.addr, host, sizeof(host)) < 0 || cfg.connections < 1 ||
        cfg.threads < 1 || cfg.pipeline < 1 || cfg.pipeline > 64 || cfg.duration_s <= 0 ||
        cfg.warmup_s < 0 || cfg.drain_s < 0 || (cfg.rate <= 0 && !closed_flag && cfg.rate != 0)) {
        usage(stderr);
        return 1;
    }
    cfg.closed = closed_flag || cfg.rate <= 0;
    if (cfg.threads > cfg.connections)
        cfg.threads = cfg.connections;
    int rc = reqfile ? pf_reqs_load(&reqs, reqfile, host) : pf_reqs_single(&reqs, "GET", path, host);
    if (rc < 0) {
        fprintf(stderr, "pf-load: %s: %s\n", reqfile ? reqfile : path, strerror(-rc));
        goto cleanup;
    }
    cfg.reqs = &reqs;
    w = calloc((size_t)cfg.threads, sizeof(*w));
    all = pf_hist_new();
    if (!w || !all)
        goto cleanup;
    cfg.t0 = pf_now_ns() + 20000000ULL;
    int started = 0;
    for (int i = 0; i < cfg.threads; i++) {
        w[i].cfg = &cfg;
        w[i].id = i;
        w[i].nconns = cfg.connections / cfg.threads + (i < cfg.connections % cfg.threads);
        w[i].rate = cfg.rate / cfg.threads;
        w[i].hist = pf_hist_new();
        if (!w[i].hist || pthread_create(&w[i].th, NULL, pf_worker_run, &w[i]) != 0)
            break;
        started++;
    }
    int tty = isatty(2);
    uint64_t last = 0;
    uint64_t end = cfg.t0 + (uint64_t)((cfg.warmup_s + cfg.duration_s) * 1e9);
    while (started == cfg.threads && pf_now_ns() < end) {
        usleep(1000000);
        if (!quiet)
            progress(w, started, &cfg, &last, tty);
    }
    if (!quiet && tty)
        fputc('\n', stderr);
    pf_result_t r = {.label = label, .mode = cfg.closed ? "closed" : "open",
                     .arrival = cfg.closed ? "-" : cfg.arrival == PF_ARRIVAL_POISSON ? "poisson"
                                                                                     : "constant",
                     .rate = cfg.closed ? 0 : cfg.rate, .connections = cfg.connections,
                     .threads = cfg.threads, .pipeline = cfg.pipeline,
                     .warmup_s = cfg.warmup_s, .duration_s = cfg.duration_s, .hist = all};
    int failed = started != cfg.threads;
    for (int i = 0; i < started; i++) {
        pthread_join(w[i].th, NULL);
        if (w[i].rc)
            failed = 1;
        pf_hist_merge(all, w[i].hist);
        r.requests += w[i].done;
        r.errors += w[i].errors;
        r.non2xx += w[i].non2xx;
        r.timeouts += w[i].timeouts;
        r.reconnects += w[i].reconnects;
        r.connect_errors += w[i].connect_errors;
        r.bytes_in += w[i].bytes_in;
        if (w[i].last_done_ns > w[i].win_start_ns &&
            (double)(w[i].last_done_ns - w[i].win_start_ns) / 1e9 > r.elapsed_s)
            r.elapsed_s = (double)(w[i].last_done_ns - w[i].win_start_ns) / 1e9;
        if (w[i].max_backlog > r.max_backlog)
            r.max_backlog = w[i].max_backlog;
    }
    if (failed) {
        fprintf(stderr, "pf-load: a worker thread failed\n");
        goto cleanup;
    }
    pf_out_table(stdout, &r);
    if (json) {
        FILE *f = fopen(json, "w");
        if (!f) {
            fprintf(stderr, "pf-load: %s: %s\n", json, strerror(errno));
            goto cleanup;
        }
        pf_out_json(f, &r);
        fclose(f);
    }
    if (r.requests == 0) {
        fprintf(stderr, "pf-load: no response in the measured window (%llu connect errors)\n",
                (unsigned long long)r.connect_errors);
        ret = 2;
    } else {
        ret = 0;
    }
cleanup:
    for (int i = 0; w && i < cfg.threads; i++)
        pf_hist_free(w[i].hist);
    free(w);
    pf_hist_free(all);
    pf_reqs_free(&reqs);
    return ret;
}
