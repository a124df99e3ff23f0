/* pf_zipfgen.c - pf-zipfgen: the Zipfian corpus of build_corpus.py, fast.
 *
 * build_corpus.py's `zipf` generator costs ~60 us a document in Python, an
 * hour for 10M on a loaded 2-core machine. This program replays the very
 * same draws: CPython's Mersenne Twister seeded as random.Random(seed)
 * (init_by_array of the seed's 32-bit words), random() as genrand_res53,
 * lognormvariate as exp of Kinderman-Monahan normalvariate, choices() with
 * cum_weights as bisect_right over the cumulative weights, paretovariate as
 * (1 - random()) ** (-1 / alpha) - with the same libm calls in the same
 * order, so its docs.ndjson and docs.tsv are byte-identical to the Python
 * generator's (tests/integration/test_perf_suite.py compares them).
 *
 *   pf-zipfgen VOCAB.txt DOCS SEED OUTDIR
 * VOCAB.txt: the vocabulary, most frequent word first, one per line (the
 * words are [a-z][a-z0-9]+, so nothing needs JSON escaping). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MT_N 624
#define MT_M 397

/* One generator, owned by main's thread. */
typedef struct pf_mt {
    uint32_t s[MT_N];
    int i;
} pf_mt_t;

static void
mt_init(pf_mt_t *m, uint32_t seed)
{
    m->s[0] = seed;
    for (int i = 1; i < MT_N; i++)
        m->s[i] = 1812433253u * (m->s[i - 1] ^ (m->s[i - 1] >> 30)) + (uint32_t)i;
    m->i = MT_N;
}

/* CPython's random_seed for a non-negative int below 2^32: key = [seed]. */
static void
mt_seed(pf_mt_t *m, uint32_t seed)
{
    int i = 1, j = 0;
    mt_init(m, 19650218u);
    for (int k = MT_N; k; k--) {
        m->s[i] = (m->s[i] ^ ((m->s[i - 1] ^ (m->s[i - 1] >> 30)) * 1664525u)) + seed +
                  (uint32_t)j;
        i++;
        j = 0; /* key length 1 */
        if (i >= MT_N) {
            m->s[0] = m->s[MT_N - 1];
            i = 1;
        }
    }
    for (int k = MT_N - 1; k; k--) {
        m->s[i] = (m->s[i] ^ ((m->s[i - 1] ^ (m->s[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
        i++;
        if (i >= MT_N) {
            m->s[0] = m->s[MT_N - 1];
            i = 1;
        }
    }
    m->s[0] = 0x80000000u;
    m->i = MT_N;
}

static uint32_t
mt_next(pf_mt_t *m)
{
    static const uint32_t mag[2] = {0, 0x9908b0dfu};
    uint32_t y;
    if (m->i >= MT_N) {
        int k;
        for (k = 0; k < MT_N - MT_M; k++) {
            y = (m->s[k] & 0x80000000u) | (m->s[k + 1] & 0x7fffffffu);
            m->s[k] = m->s[k + MT_M] ^ (y >> 1) ^ mag[y & 1];
        }
        for (; k < MT_N - 1; k++) {
            y = (m->s[k] & 0x80000000u) | (m->s[k + 1] & 0x7fffffffu);
            m->s[k] = m->s[k + (MT_M - MT_N)] ^ (y >> 1) ^ mag[y & 1];
        }
        y = (m->s[MT_N - 1] & 0x80000000u) | (m->s[0] & 0x7fffffffu);
        m->s[MT_N - 1] = m->s[MT_M - 1] ^ (y >> 1) ^ mag[y & 1];
        m->i = 0;
    }
    y = m->s[m->i++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

static double
mt_random(pf_mt_t *m)
{
    uint32_t a = mt_next(m) >> 5, b = mt_next(m) >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

static double
mt_lognorm(pf_mt_t *m, double mu, double sigma)
{
    const double magic = 4 * exp(-0.5) / sqrt(2.0);
    double z;
    for (;;) {
        double u1 = mt_random(m), u2 = 1.0 - mt_random(m);
        z = magic * (u1 - 0.5) / u2;
        if (z * z / 4.0 <= -log(u2))
            break;
    }
    return exp(mu + z * sigma);
}

/* bisect.bisect_right(cum, x, 0, n - 1), as random.choices does. */
static size_t
pick(const double *cum, size_t n, double x)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (x < cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Words and their cumulative Zipf(1.07) weights, as build_corpus.py. */
typedef struct pf_vocab {
    char **w;
    size_t *len;
    double *cum;
    size_t n, maxlen;
} pf_vocab_t;

static int
vocab_load(const char *path, pf_vocab_t *v)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0, alloc = 0;
    ssize_t n;
    int rc = 0;
    if (!f)
        return -errno;
    while ((n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = 0;
        if (n == 0)
            continue;
        if (v->n == alloc) {
            alloc = alloc ? alloc * 2 : 4096;
            char **w = realloc(v->w, alloc * sizeof(*w));
            size_t *l = w ? realloc(v->len, alloc * sizeof(*l)) : NULL;
            if (w)
                v->w = w;
            if (!l) {
                rc = -ENOMEM;
                goto cleanup;
            }
            v->len = l;
        }
        v->w[v->n] = strdup(line);
        v->len[v->n] = (size_t)n;
        if ((size_t)n > v->maxlen)
            v->maxlen = (size_t)n;
        if (!v->w[v->n]) {
            rc = -ENOMEM;
            goto cleanup;
        }
        v->n++;
    }
    v->cum = v->n ? malloc(v->n * sizeof(double)) : NULL;
    if (!v->cum) {
        rc = v->n ? -ENOMEM : -EINVAL;
        goto cleanup;
    }
    double acc = 0.0;
    for (size_t r = 0; r < v->n; r++) {
        acc += 1.0 / pow((double)(r + 1), 1.07);
        v->cum[r] = acc;
    }
cleanup:
    free(line);
    fclose(f);
    return rc;
}

static void
vocab_free(pf_vocab_t *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->w[i]);
    free(v->w);
    free(v->len);
    free(v->cum);
}

static FILE *
open_out(const char *dir, const char *name)
{
    char p[4096];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (f)
        setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

int
main(int argc, char **argv)
{
    pf_vocab_t v = {0};
    pf_mt_t m;
    double sec_cum[40], acc = 0.0;
    char *body = NULL;
    FILE *nd = NULL, *tsv = NULL;
    int rc = 1;

    if (argc != 5) {
        fprintf(stderr, "usage: pf-zipfgen VOCAB.txt DOCS SEED OUTDIR\n");
        return 2;
    }
    long long docs = atoll(argv[2]);
    if (vocab_load(argv[1], &v)) {
        fprintf(stderr, "pf-zipfgen: cannot load %s\n", argv[1]);
        goto cleanup;
    }
    for (int i = 0; i < 40; i++) {
        acc += 1.0 / (i + 1);
        sec_cum[i] = acc;
    }
    mt_seed(&m, (uint32_t)strtoul(argv[3], NULL, 10));
    nd = open_out(argv[4], "docs.ndjson");
    tsv = open_out(argv[4], "docs.tsv");
    body = malloc(2000 * (v.maxlen + 1) + 1);
    if (!nd || !tsv || !body)
        goto cleanup;
    for (long long id = 1; id <= docs; id++) {
        double ln = mt_lognorm(&m, 4.0, 0.7); /* int() truncates, then clamped */
        int length = ln >= 2000 ? 2000 : (int)ln < 5 ? 5 : (int)ln;
        size_t bl = 0;
        for (int k = 0; k < length; k++) {
            size_t w = pick(v.cum, v.n, mt_random(&m) * v.cum[v.n - 1]);
            if (k)
                body[bl++] = ' ';
            memcpy(body + bl, v.w[w], v.len[w]);
            bl += v.len[w];
        }
        body[bl] = 0;
        int sec = (int)pick(sec_cum, 40, mt_random(&m) * sec_cum[39]);
        long long size = (long long)(pow(1.0 - mt_random(&m), -1.0 / 1.2) * 1000);
        fprintf(nd, "{\"body\": \"%s\", \"id\": %lld, \"section\": \"sec%02d\", \"size\": %lld}\n",
                body, id, sec, size);
        fprintf(tsv, "%lld\tsec%02d\t%lld\t%s\n", id, sec, size, body);
    }
    rc = 0;
cleanup:
    if (nd && fclose(nd))
        rc = 1;
    if (tsv && fclose(tsv))
        rc = 1;
    free(body);
    vocab_free(&v);
    return rc;
}
