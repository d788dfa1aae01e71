/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The callback relay's HTTP ends (src/proxy/http-*.c): the browser's
 * request and the sandbox server's response parsed in any chunking, with
 * Content-Length, chunked or close-delimited bodies; the bounds; the shapes
 * that let requests be smuggled or headers split; and the writers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "proxy/http.h"

static int parse(const char *buf, size_t len, bool request, bool eof, struct proxy_http *h,
                 struct strbuf *body, size_t *used)
{
    struct ags_error err = {0};
    int r = proxy_http_parse(buf, len, request ? PROXY_HTTP_REQUEST : PROXY_HTTP_RESPONSE, eof, h,
                             body, used, &err);
    if (r < 0)
        assert_true(err.msg[0] != '\0');
    return r;
}

#define REQ                                   \
    "GET /cb?code=abc&state=xyz HTTP/1.1\r\n" \
    "Host: 127.0.0.1:1455\r\n"                \
    "User-Agent:  Firefox \r\n"               \
    "Connection: keep-alive\r\n\r\n"

static void test_request_whole_only_at_its_end_and_framing_dropped(void **state)
{
    (void)state;
    _cleanup_strbuf_ struct strbuf body;
    strbuf_init(&body, AGS_PROXY_MAX_BODY);
    struct proxy_http h;
    size_t used;
    const size_t n = sizeof(REQ) - 1;
    for (size_t cut = 0; cut < n; cut++)
        assert_int_equal(parse(REQ, cut, true, false, &h, &body, &used), 0);
    assert_int_equal(parse(REQ "next", n + 4, true, false, &h, &body, &used), 1);
    assert_int_equal(used, n);
    assert_memory_equal(h.method.p, "GET", 3);
    assert_int_equal(h.target.len, 22);
    assert_int_equal(h.n_headers, 2);
    assert_memory_equal(h.headers[1].value.p, "Firefox", 7);
    assert_int_equal(h.headers[1].value.len, 7);
    assert_int_equal(h.body.len, 0);
    proxy_http_done(&h);
    /* Cut short by the peer. */
    assert_int_equal(parse(REQ, n - 1, true, true, &h, &body, &used), -EBADMSG);
}

static void test_request_body_by_content_length(void **state)
{
    (void)state;
    static const char req[] = "POST /cb HTTP/1.1\r\nContent-Length: 5\r\n"
                              "content-length: 5\r\n\r\na\0b\r\n";
    _cleanup_strbuf_ struct strbuf body;
    strbuf_init(&body, AGS_PROXY_MAX_BODY);
    struct proxy_http h;
    size_t used;
    assert_int_equal(parse(req, sizeof(req) - 3, true, false, &h, &body, &used), 0);
    assert_int_equal(parse(req, sizeof(req) - 1, true, false, &h, &body, &used), 1);
    assert_int_equal(h.body.len, 5);
    assert_memory_equal(h.body.p, "a\0b\r\n", 5);
    assert_int_equal(h.n_headers, 0);
    proxy_http_done(&h);
}

static void test_smuggling_shapes_and_malformed_heads_refused(void **state)
{
    (void)state;

    static const struct {
        const char *msg;
        int code;
    } bad[] = {
            {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", -EBADMSG},
            {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", -ENOTSUP},
            {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", -EBADMSG},
            {"POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", -EBADMSG},
            {"POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n", -EBADMSG},
            {"POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n", -EMSGSIZE},
            {"GET / HTTP/1.1\nHost: x\r\n\r\n", -EBADMSG},
            {"GET / HTTP/1.1\r\nHost: x\ry\r\n\r\n", -EBADMSG},
            {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", -EBADMSG},
            {"GET / HTTP/1.1\r\n folded\r\n\r\n", -EBADMSG},
            {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", -EBADMSG},
            {"GET / HTTP/1.1\r\nX: a\x01\r\n\r\n", -EBADMSG},
            {"GET / HTTP/2.0\r\n\r\n", -EBADMSG},
            {"GET /\r\n\r\n", -EBADMSG},
            {"GET http://evil/ HTTP/1.1\r\n\r\n", -EBADMSG},
            {"GET  / HTTP/1.1\r\n\r\n", -EBADMSG},
            {"\r\n\r\n", -EBADMSG},
    };
    _cleanup_strbuf_ struct strbuf body;
    strbuf_init(&body, AGS_PROXY_MAX_BODY);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct proxy_http h;
        size_t used;
        int r = parse(bad[i].msg, strlen(bad[i].msg), true, false, &h, &body, &used);
        if (r != bad[i].code)
            fail_msg("case %zu: %d, expected %d", i, r, bad[i].code);
        assert_null(h.headers);
    }
}

static void test_head_and_header_count_bounds(void **state)
{
    (void)state;
    _cleanup_strbuf_ struct strbuf body, msg;
    strbuf_init(&body, AGS_PROXY_MAX_BODY);
    strbuf_init(&msg, 4 * AGS_PROXY_MAX_HEADER);
    struct proxy_http h;
    size_t used;
    /* A head that never ends is refused once it passes the bound, not buffered for ever. */
    assert_int_equal(strbuf_appends(&msg, "GET / HTTP/1.1\r\nX: "), 0);
    while (msg.len < AGS_PROXY_MAX_HEADER - 1)
        assert_int_equal(strbuf_appendc(&msg, 'a'), 0);
    assert_int_equal(parse(msg.buf, msg.len, true, false, &h, &body, &used), 0);
    assert_int_equal(strbuf_appendc(&msg, 'a'), 0);
    assert_int_equal(parse(msg.buf, msg.len, true, false, &h, &body, &used), -EMSGSIZE);
    /* 128 header lines pass, 129 do not. */
    strbuf_reset(&msg);
    assert_int_equal(strbuf_appends(&msg, "GET / HTTP/1.1\r\n"), 0);
    for (unsigned i = 0; i < AGS_PROXY_MAX_HEADERS; i++)
        assert_int_equal(strbuf_appendf(&msg, "X-%u: v\r\n", i), 0);
    size_t head = msg.len;
    assert_int_equal(strbuf_appends(&msg, "\r\n"), 0);
    assert_int_equal(parse(msg.buf, msg.len, true, false, &h, &body, &used), 1);
    assert_int_equal(h.n_headers, AGS_PROXY_MAX_HEADERS);
    proxy_http_done(&h);
    msg.len = head;
    assert_int_equal(strbuf_appends(&msg, "X-last: v\r\n\r\n"), 0);
    assert_int_equal(parse(msg.buf, msg.len, true, false, &h, &body, &used), -EMSGSIZE);
}

static void test_response_chunked_length_or_until_close(void **state)
{
    (void)state;
    _cleanup_strbuf_ struct strbuf body;
    strbuf_init(&body, AGS_PROXY_MAX_BODY);
    struct proxy_http h;
    size_t used;
    static const char chunked[] = "HTTP/1.1 302 Found\r\nLocation: /done\r\n"
                                  "Transfer-Encoding: chunked\r\n\r\n"
                                  "4;ext=1\r\nab\r\n\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n";
    for (size_t cut = 0; cut < sizeof(chunked) - 1; cut++)
        assert_int_equal(parse(chunked, cut, false, false, &h, &body, &used), 0);
    assert_int_equal(parse(chunked, sizeof(chunked) - 1, false, false, &h, &body, &used), 1);
    assert_int_equal(h.status, 302);
    assert_int_equal(h.body.len, 14);
    assert_memory_equal(h.body.p, "ab\r\n0123456789", 14);
    assert_int_equal(h.n_headers, 1);
    proxy_http_done(&h);

    static const char close_delimited[] = "HTTP/1.0 200 OK\r\nX: y\r\n\r\nall of it";
    size_t n = sizeof(close_delimited) - 1;
    assert_int_equal(parse(close_delimited, n, false, false, &h, &body, &used), 0);
    assert_int_equal(parse(close_delimited, n, false, true, &h, &body, &used), 1);
    assert_memory_equal(h.body.p, "all of it", 9);
    proxy_http_done(&h);

    static const char no_content[] = "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n";
    assert_int_equal(parse(no_content, sizeof(no_content) - 1, false, false, &h, &body, &used), 1);
    assert_int_equal(h.body.len, 0);
    proxy_http_done(&h);

    static const char *const bad[] = {
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZ\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n",
            "HTTP/1.1 101 Switching Protocols\r\n\r\n",
            "HTTP/1.1 20 OK\r\n\r\n",
            "HTTP/1.1 abc OK\r\n\r\n",
            "HTP/1.1 200 OK\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int r = parse(bad[i], strlen(bad[i]), false, true, &h, &body, &used);
        if (r >= 0)
            fail_msg("case %zu: %d", i, r);
    }
}

/* A head of exactly the bound, its status line without a reason, passes whole. */
static void test_response_head_at_the_bound_passes(void **state)
{
    (void)state;
    _cleanup_strbuf_ struct strbuf body, msg;
    strbuf_init(&body, AGS_PROXY_MAX_BODY);
    strbuf_init(&msg, 2 * AGS_PROXY_MAX_HEADER);
    assert_int_equal(strbuf_appends(&msg, "HTTP/1.1 200\r\nX: "), 0);
    while (msg.len < AGS_PROXY_MAX_HEADER - 4)
        assert_int_equal(strbuf_appendc(&msg, 'v'), 0);
    assert_int_equal(strbuf_appends(&msg, "\r\n\r\n"), 0);
    assert_int_equal(msg.len, AGS_PROXY_MAX_HEADER);
    struct proxy_http h;
    size_t used;
    assert_int_equal(parse(msg.buf, msg.len, false, true, &h, &body, &used), 1);
    assert_int_equal(h.status, 200);
    assert_int_equal(h.headers[0].value.len, AGS_PROXY_MAX_HEADER - 21);
    proxy_http_done(&h);
    /* One byte more is over. */
    strbuf_reset(&msg);
    assert_int_equal(strbuf_appends(&msg, "HTTP/1.1 200\r\nX: "), 0);
    while (msg.len < AGS_PROXY_MAX_HEADER - 3)
        assert_int_equal(strbuf_appendc(&msg, 'v'), 0);
    assert_int_equal(strbuf_appends(&msg, "\r\n\r\n"), 0);
    assert_int_equal(parse(msg.buf, msg.len, false, true, &h, &body, &used), -EMSGSIZE);
}

static void test_response_body_bound_until_close(void **state)
{
    (void)state;
    _cleanup_strbuf_ struct strbuf body, msg;
    strbuf_init(&body, AGS_PROXY_MAX_BODY);
    strbuf_init(&msg, 2 * AGS_PROXY_MAX_BODY);
    assert_int_equal(strbuf_appends(&msg, "HTTP/1.1 200 OK\r\n\r\n"), 0);
    size_t head = msg.len;
    while (msg.len < head + AGS_PROXY_MAX_BODY)
        assert_int_equal(strbuf_appendc(&msg, 'x'), 0);
    struct proxy_http h;
    size_t used;
    assert_int_equal(parse(msg.buf, msg.len, false, true, &h, &body, &used), 1);
    assert_int_equal(h.body.len, AGS_PROXY_MAX_BODY);
    proxy_http_done(&h);
    assert_int_equal(strbuf_appendc(&msg, 'x'), 0);
    /* Refused as soon as it is past the bound, before the server closes. */
    assert_int_equal(parse(msg.buf, msg.len, false, false, &h, &body, &used), -EMSGSIZE);
}

#define S(lit) ((struct proxy_str){.p = (lit), .len = sizeof(lit) - 1})

static void test_writers(void **state)
{
    (void)state;
    struct proxy_header hd[] = {{S("Host"), S("127.0.0.1:1455")}};
    _cleanup_strbuf_ struct strbuf out;
    strbuf_init(&out, 4096);
    struct proxy_http get = {
            .method = S("GET"), .target = S("/cb?x=1"), .headers = hd, .n_headers = 1};
    assert_int_equal(proxy_http_write_request(&out, &get), 0);
    assert_string_equal(out.buf, "GET /cb?x=1 HTTP/1.1\r\nHost: 127.0.0.1:1455\r\n"
                                 "Connection: close\r\n\r\n");
    strbuf_reset(&out);
    struct proxy_http post = {.method = S("POST"), .target = S("/cb")};
    assert_int_equal(proxy_http_write_request(&out, &post), 0);
    assert_string_equal(out.buf, "POST /cb HTTP/1.1\r\nContent-Length: 0\r\n"
                                 "Connection: close\r\n\r\n");
    strbuf_reset(&out);
    struct proxy_http resp = {.status = 302, .headers = hd, .n_headers = 1, .body = S("moved")};
    assert_int_equal(proxy_http_write_response(&out, &resp), 0);
    assert_string_equal(out.buf, "HTTP/1.1 302 Found\r\nHost: 127.0.0.1:1455\r\n"
                                 "Content-Length: 5\r\nConnection: close\r\n\r\nmoved");
    strbuf_reset(&out);
    resp = (struct proxy_http){.status = 299};
    assert_int_equal(proxy_http_write_response(&out, &resp), 0);
    assert_string_equal(out.buf, "HTTP/1.1 299 \r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    strbuf_reset(&out);
    resp = (struct proxy_http){.status = 304};
    assert_int_equal(proxy_http_write_response(&out, &resp), 0);
    assert_string_equal(out.buf, "HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n");
    strbuf_reset(&out);
    /* What the protocol refuses, the writers refuse, and out stays as it was. */
    struct proxy_header split[] = {{S("X"), S("a\r\nSet-Cookie: b")}};
    resp = (struct proxy_http){.status = 200, .headers = split, .n_headers = 1};
    assert_int_equal(proxy_http_write_response(&out, &resp), -EINVAL);
    resp = (struct proxy_http){.status = 204, .body = S("x")};
    assert_int_equal(proxy_http_write_response(&out, &resp), -EINVAL);
    assert_int_equal(out.len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_request_whole_only_at_its_end_and_framing_dropped),
            cmocka_unit_test(test_request_body_by_content_length),
            cmocka_unit_test(test_smuggling_shapes_and_malformed_heads_refused),
            cmocka_unit_test(test_head_and_header_count_bounds),
            cmocka_unit_test(test_response_chunked_length_or_until_close),
            cmocka_unit_test(test_response_head_at_the_bound_passes),
            cmocka_unit_test(test_response_body_bound_until_close),
            cmocka_unit_test(test_writers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
