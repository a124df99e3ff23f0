/* test_pf_resp.c - response framing (byte at a time and pipelined) and the
 * request file format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pf_reqs.h"
#include "pf_resp.h"

/* Count complete responses in text fed in pieces of `step` bytes. */
static int
count_responses(const char *text, size_t step, int *last_status)
{
    pf_resp_t r;
    pf_resp_reset(&r);
    size_t len = strlen(text), off = 0;
    int n = 0;
    while (off < len) {
        size_t chunk = len - off < step ? len - off : step;
        size_t used_total = 0;
        while (used_total < chunk) {
            int done;
            long used = pf_resp_feed(&r, text + off + used_total, chunk - used_total, &done);
            if (used < 0)
                return -1;
            used_total += (size_t)used;
            if (done) {
                n++;
                *last_status = r.status;
                pf_resp_reset(&r);
            }
        }
        off += chunk;
    }
    return n;
}

static void
test_framing(void **state)
{
    (void)state;
    const char *two = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
                      "HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\nX: y\r\n\r\n{}"
                      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"
                      "HTTP/1.1 204 No Content\r\n\r\n"
                      "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n";
    int st = 0;
    for (size_t step = 1; step < 200; step += 7) {
        assert_int_equal(count_responses(two, step, &st), 5);
        assert_int_equal(st, 503);
    }
    assert_int_equal(count_responses("garbage\r\n\r\n", 4, &st), -1);
}

static void
test_reqs(void **state)
{
    (void)state;
    const char *f = "POST /i/_search 13\n{\"size\": 10}\n"
                    "POST /_bulk 21\n{\"index\":{}}\n{\"a\":1}\n\n"
                    "GET /i/_count 0\n\n";
    pf_reqs_t r;
    assert_int_equal(pf_reqs_parse(&r, f, strlen(f), "127.0.0.1:9"), 0);
    assert_int_equal(r.n, 3);
    assert_non_null(strstr(r.v[0].data, "POST /i/_search HTTP/1.1\r\n"));
    assert_non_null(strstr(r.v[0].data, "Content-Length: 13\r\n\r\n{\"size\": 10}\n"));
    assert_non_null(strstr(r.v[1].data, "application/x-ndjson"));
    assert_memory_equal(r.v[1].data + r.v[1].len - 21, "{\"index\":{}}\n{\"a\":1}\n", 21);
    assert_non_null(strstr(r.v[2].data, "GET /i/_count HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n"));
    pf_reqs_free(&r);
    assert_int_equal(pf_reqs_parse(&r, "POST /x 99\n{}\n", 14, "h"), -22);
    assert_int_equal(pf_reqs_parse(&r, "", 0, "h"), -22);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_reqs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
