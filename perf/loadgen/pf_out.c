/* pf_out.c - table and JSON output of a run (see pf_out.h). The JSON field
 * names are the contract perf/report reads; keep them stable. */
#include "pf_out.h"

static const double pcts[] = {50, 90, 99, 99.9, 99.99};
static const char *const pct_names[] = {"p50", "p90", "p99", "p99_9", "p99_99"};

/* Achieved throughput: measured answers over the time they took to arrive,
 * which exceeds the window when a saturated server answers late. */
static double
throughput(const pf_result_t *r)
{
    double span = r->elapsed_s > r->duration_s ? r->elapsed_s : r->duration_s;
    return span > 0 ? (double)r->requests / span : 0;
}

static double
us(uint64_t ns)
{
    return (double)ns / 1000.0;
}

void
pf_out_table(FILE *f, const pf_result_t *r)
{
    const pf_hist_t *h = r->hist;
    double tput = throughput(r);
    fprintf(f, "%s: %s loop", r->label, r->mode);
    if (r->rate > 0)
        fprintf(f, ", %s arrivals at %.0f req/s", r->arrival, r->rate);
    fprintf(f, ", %d connections, %d threads, pipeline %d, %.1fs (+%.1fs warm-up)\n",
            r->connections, r->threads, r->pipeline, r->duration_s, r->warmup_s);
    fprintf(f, "  %-10s %12s\n", "latency", "ms");
    fprintf(f, "  %-10s %12.3f\n", "min", h->total ? us(h->min) / 1000 : 0);
    fprintf(f, "  %-10s %12.3f\n", "mean", pf_hist_mean(h) / 1e6);
    for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
        fprintf(f, "  %-10s %12.3f\n", pct_names[i], us(pf_hist_percentile(h, pcts[i])) / 1000);
    fprintf(f, "  %-10s %12.3f\n", "max", us(h->max) / 1000);
    fprintf(f, "  requests %llu (%.1f req/s), errors %llu, non-2xx %llu, timeouts %llu, "
            "reconnects %llu, connect errors %llu, max backlog %llu\n",
            (unsigned long long)r->requests, tput, (unsigned long long)r->errors,
            (unsigned long long)r->non2xx, (unsigned long long)r->timeouts,
            (unsigned long long)r->reconnects, (unsigned long long)r->connect_errors,
            (unsigned long long)r->max_backlog);
}

static void
json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void
pf_out_json(FILE *f, const pf_result_t *r)
{
    const pf_hist_t *h = r->hist;
    double tput = throughput(r);
    fprintf(f, "{\"label\":");
    json_str(f, r->label);
    fprintf(f, ",\"mode\":");
    json_str(f, r->mode);
    fprintf(f, ",\"arrival\":");
    json_str(f, r->arrival);
    fprintf(f, ",\"rate\":%.3f,\"connections\":%d,\"threads\":%d,\"pipeline\":%d,"
            "\"warmup_s\":%.3f,\"duration_s\":%.3f,\"elapsed_s\":%.3f,\"requests\":%llu,"
            "\"throughput\":%.3f,"
            "\"errors\":%llu,\"non2xx\":%llu,\"timeouts\":%llu,\"reconnects\":%llu,"
            "\"connect_errors\":%llu,\"bytes_in\":%llu,\"max_backlog\":%llu,\"clamped\":%llu,",
            r->rate, r->connections, r->threads, r->pipeline, r->warmup_s, r->duration_s,
            r->elapsed_s, (unsigned long long)r->requests, tput, (unsigned long long)r->errors,
            (unsigned long long)r->non2xx, (unsigned long long)r->timeouts,
            (unsigned long long)r->reconnects, (unsigned long long)r->connect_errors,
            (unsigned long long)r->bytes_in,
            (unsigned long long)r->max_backlog, (unsigned long long)h->clamped);
    fprintf(f, "\"latency_us\":{\"min\":%.3f,\"mean\":%.3f", h->total ? us(h->min) : 0,
            pf_hist_mean(h) / 1000);
    for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
        fprintf(f, ",\"%s\":%.3f", pct_names[i], us(pf_hist_percentile(h, pcts[i])));
    fprintf(f, ",\"max\":%.3f},\"histogram_us\":[", us(h->max));
    int first = 1;
    for (size_t i = 0; i < h->nbuckets; i++) {
        if (!h->counts[i])
            continue;
        fprintf(f, "%s[%.3f,%llu]", first ? "" : ",", us(pf_hist_bucket_high(i)),
                (unsigned long long)h->counts[i]);
        first = 0;
    }
    fprintf(f, "]}\n");
}
