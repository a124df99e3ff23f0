/* pf_reqs.c - load and serialize the request file (see pf_reqs.h). */
#include "pf_reqs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
add(pf_reqs_t *out, const char *method, size_t mlen, const char *path, size_t plen,
    const char *body, size_t blen, const char *host)
{
    pf_req_t *nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
    if (!nv)
        return -ENOMEM;
    out->v = nv;
    const char *ctype = (plen >= 5 && memmem(path, plen, "_bulk", 5)) ? "application/x-ndjson"
                                                                    : "application/json";
    size_t cap = mlen + plen + strlen(host) + blen + 200;
    char *d = malloc(cap);
    if (!d)
        return -ENOMEM;
    int n;
    if (blen)
        n = snprintf(d, cap, "%.*s %.*s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\n\r\n", (int)mlen, method, (int)plen, path, host,
                     ctype, blen);
    else
        n = snprintf(d, cap, "%.*s %.*s HTTP/1.1\r\nHost: %s\r\n\r\n", (int)mlen, method,
                     (int)plen, path, host);
    memcpy(d + n, body, blen);
    nv[out->n].data = d;
    nv[out->n].len = (size_t)n + blen;
    out->n++;
    return 0;
}

int
pf_reqs_parse(pf_reqs_t *out, const char *text, size_t len, const char *host)
{
    size_t i = 0;
    int rc = 0;
    out->v = NULL;
    out->n = 0;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        if (!nl) {
            rc = -EINVAL;
            goto cleanup;
        }
        size_t llen = (size_t)(nl - (text + i));
        if (llen == 0) { /* blank separator line */
            i++;
            continue;
        }
        char line[4096];
        if (llen >= sizeof(line)) {
            rc = -EINVAL;
            goto cleanup;
        }
        memcpy(line, text + i, llen);
        line[llen] = 0;
        char *sp1 = strchr(line, ' ');
        char *sp2 = sp1 ? strrchr(line, ' ') : NULL;
        if (!sp1 || sp2 == sp1) {
            rc = -EINVAL;
            goto cleanup;
        }
        char *end;
        unsigned long long blen = strtoull(sp2 + 1, &end, 10);
        if (*end || end == sp2 + 1) {
            rc = -EINVAL;
            goto cleanup;
        }
        i += llen + 1;
        if (blen > len - i) {
            rc = -EINVAL;
            goto cleanup;
        }
        rc = add(out, line, (size_t)(sp1 - line), sp1 + 1, (size_t)(sp2 - sp1 - 1), text + i,
                 (size_t)blen, host);
        if (rc)
            goto cleanup;
        i += (size_t)blen;
        if (i < len && text[i] == '\n')
            i++;
    }
    if (out->n == 0)
        rc = -EINVAL;
cleanup:
    if (rc)
        pf_reqs_free(out);
    return rc;
}

int
pf_reqs_load(pf_reqs_t *out, const char *path, const char *host)
{
    int rc = 0;
    char *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    if (fseek(f, 0, SEEK_END) < 0) {
        rc = -errno;
        goto cleanup;
    }
    long sz = ftell(f);
    if (sz < 0) {
        rc = -errno;
        goto cleanup;
    }
    rewind(f);
    buf = malloc((size_t)sz + 1);
    if (!buf) {
        rc = -ENOMEM;
        goto cleanup;
    }
    if (fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
        rc = -EIO;
        goto cleanup;
    }
    rc = pf_reqs_parse(out, buf, (size_t)sz, host);
cleanup:
    free(buf);
    fclose(f);
    return rc;
}

int
pf_reqs_single(pf_reqs_t *out, const char *method, const char *path, const char *host)
{
    out->v = NULL;
    out->n = 0;
    return add(out, method, strlen(method), path, strlen(path), "", 0, host);
}

void
pf_reqs_free(pf_reqs_t *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].data);
    free(r->v);
    r->v = NULL;
    r->n = 0;
}
