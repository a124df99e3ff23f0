/* pf_reqs.h - the request file: pre-serialized HTTP requests to replay.
 *
 * File format, one record after another:
 *   METHOD SP PATH SP BODY-LENGTH LF  BODY(BODY-LENGTH bytes) LF
 * so bodies may hold newlines (_bulk NDJSON). Each record is serialized once
 * at load into a complete HTTP/1.1 keep-alive request. The set is read-only
 * after loading and shared by all worker threads. */
#ifndef PF_REQS_H
#define PF_REQS_H

#include <stddef.h>

typedef struct pf_req {
    char *data;
    size_t len;
} pf_req_t;

typedef struct pf_reqs {
    pf_req_t *v;
    size_t n;
} pf_reqs_t;

/* Parse text (len bytes) into out; host goes in the Host header. 0 or -errno. */
int pf_reqs_parse(pf_reqs_t *out, const char *text, size_t len, const char *host);
int pf_reqs_load(pf_reqs_t *out, const char *path, const char *host);
/* One plain GET of path, for runs without a request file. */
int pf_reqs_single(pf_reqs_t *out, const char *method, const char *path, const char *host);
void pf_reqs_free(pf_reqs_t *r);

#endif
