/* pf_resp.c - incremental HTTP/1.1 response framing (see pf_resp.h).
 * A line-at-a-time state machine: status line, headers, then a fixed-length
 * body or chunks (size line, data, CRLF) and trailers. Lines longer than the
 * line buffer are truncated, which is harmless for the headers we read. */
#include "pf_resp.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { S_STATUS, S_HEADER, S_BODY, S_CHUNK_SIZE, S_CHUNK_DATA, S_CHUNK_CRLF, S_TRAILER };

void
pf_resp_reset(pf_resp_t *r)
{
    memset(r, 0, sizeof(*r));
    r->state = S_STATUS;
    r->remain = -1;
}

static int
header_line(pf_resp_t *r)
{
    char *l = r->line;
    char *colon = strchr(l, ':');
    if (!colon)
        return -1;
    *colon = 0;
    char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    if (strcasecmp(l, "content-length") == 0)
        r->remain = strtoll(v, NULL, 10);
    else if (strcasecmp(l, "transfer-encoding") == 0 && strcasestr(v, "chunked"))
        r->chunked = 1;
    else if (strcasecmp(l, "connection") == 0 && strcasestr(v, "close"))
        r->close = 1;
    return 0;
}

/* A full line is in r->line (without CRLF). Returns 1 when the response ends. */
static int
line_done(pf_resp_t *r)
{
    switch (r->state) {
    case S_STATUS:
        if (strncmp(r->line, "HTTP/1.", 7) != 0 || r->line_len < 12)
            return -1;
        r->status = atoi(r->line + 9);
        r->state = S_HEADER;
        return 0;
    case S_HEADER:
        if (r->line_len == 0) {
            if (r->status / 100 == 1 || r->status == 204 || r->status == 304) {
                if (r->status / 100 == 1) { /* interim: wait for the final one */
                    r->state = S_STATUS;
                    return 0;
                }
                return 1;
            }
            if (r->chunked) {
                r->state = S_CHUNK_SIZE;
                return 0;
            }
            if (r->remain <= 0)
                return r->remain == 0 ? 1 : -1; /* no length: unsupported */
            r->state = S_BODY;
            return 0;
        }
        return header_line(r) < 0 ? -1 : 0;
    case S_CHUNK_SIZE:
        r->remain = strtoll(r->line, NULL, 16);
        if (r->remain < 0)
            return -1;
        r->state = r->remain == 0 ? S_TRAILER : S_CHUNK_DATA;
        return 0;
    case S_CHUNK_CRLF:
        r->state = S_CHUNK_SIZE;
        return 0;
    case S_TRAILER:
        return r->line_len == 0 ? 1 : 0;
    default:
        return -1;
    }
}

long
pf_resp_feed(pf_resp_t *r, const char *buf, size_t len, int *done)
{
    size_t i = 0;
    *done = 0;
    while (i < len) {
        if (r->state == S_BODY || r->state == S_CHUNK_DATA) {
            size_t take = len - i;
            if ((long long)take > r->remain)
                take = (size_t)r->remain;
            r->remain -= (long long)take;
            i += take;
            if (r->remain == 0) {
                if (r->state == S_BODY) {
                    *done = 1;
                    return (long)i;
                }
                r->state = S_CHUNK_CRLF;
            }
            continue;
        }
        char c = buf[i++];
        if (c == '\n') {
            if (r->line_len && r->line[r->line_len - 1] == '\r')
                r->line_len--;
            r->line[r->line_len] = 0;
            int rc = line_done(r);
            r->line_len = 0;
            if (rc < 0)
                return -1;
            if (rc == 1) {
                *done = 1;
                return (long)i;
            }
        } else if (r->line_len < sizeof(r->line) - 1) {
            r->line[r->line_len++] = c;
        }
    }
    return (long)i;
}
