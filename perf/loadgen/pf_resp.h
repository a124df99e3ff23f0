/* pf_resp.h - incremental HTTP/1.1 response framing for the load generator.
 *
 * It finds where each response ends (Content-Length, chunked, or a body-less
 * status) and its status code; it does not keep headers or the body. One
 * parser per connection, reset after each complete response. */
#ifndef PF_RESP_H
#define PF_RESP_H

#include <stddef.h>

typedef struct pf_resp {
    int state;
    int status;
    int close;          /* "Connection: close" seen */
    int chunked;
    long long remain;   /* body bytes (or chunk bytes) still to consume */
    char line[256];     /* current header / chunk-size line */
    size_t line_len;
} pf_resp_t;

void pf_resp_reset(pf_resp_t *r);
/* Consume up to len bytes. Returns the number of bytes used; *done is set to 1
 * when a full response ended at that point (the caller resets and continues
 * with the rest). Returns -1 on a malformed response. */
long pf_resp_feed(pf_resp_t *r, const char *buf, size_t len, int *done);

#endif
