/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The auth proxy's protocol codec (src/proxy/proto*.c): framing in any
 * chunks, every message type built and parsed back, and every way a peer
 * can send a message that does not check out.  Expected bytes are written
 * here field by field from docs/auth-proxy.md, not with the library's
 * builders.
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
#include "proxy/proto.h"

/* ---- an independent writer for test bytes ---- */

struct tbuf {
    uint8_t *b;
    size_t n;
};

static void t_raw(struct tbuf *t, const void *p, size_t n)
{
    t->b = realloc(t->b, t->n + n + 1);
    assert_non_null(t->b);
    if (n)
        memcpy(t->b + t->n, p, n);
    t->n += n;
}

static void t_u8(struct tbuf *t, uint8_t v)
{
    t_raw(t, &v, 1);
}

static void t_u16(struct tbuf *t, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    t_raw(t, b, 2);
}

static void t_u32(struct tbuf *t, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    t_raw(t, b, 4);
}

static void t_str(struct tbuf *t, const char *s)
{
    t_u32(t, (uint32_t)strlen(s));
    t_raw(t, s, strlen(s));
}

/* A whole frame around a body. */
static struct tbuf t_frame(const struct tbuf *body)
{
    struct tbuf f = {0};
    t_u32(&f, (uint32_t)body->n);
    t_raw(&f, body->b, body->n);
    return f;
}

static int parse(const struct tbuf *body, enum proxy_peer from, struct proxy_msg *m)
{
    struct ags_error err = {0};
    int r = proxy_msg_parse(body->b, body->n, from, m, &err);
    if (r < 0)
        assert_true(err.msg[0] != '\0');
    return r;
}

#define S(lit) ((struct proxy_str){.p = (lit), .len = sizeof(lit) - 1})

/* ---- the reader ---- */

static void test_reader_takes_a_frame_one_byte_at_a_time_and_leaves_the_next(void **state)
{
    (void)state;
    struct tbuf body = {0};
    t_u8(&body, PROXY_OPENED);
    t_u16(&body, 0);
    struct tbuf f = t_frame(&body);
    t_raw(&f, "\0", 1); /* the next frame's first byte */
    struct frame_reader r;
    proxy_reader_init(&r);
    size_t used, len;
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(frame_reader_feed(&r, f.b + i, 1, &used, NULL), 0);
        assert_int_equal(used, 1);
        assert_true(frame_reader_partial(&r));
        assert_null(frame_reader_body(&r, &len));
    }
    assert_int_equal(frame_reader_feed(&r, f.b + 6, 2, &used, NULL), 1);
    assert_int_equal(used, 1);
    const uint8_t *b = frame_reader_body(&r, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(b, body.b, 3);
    /* Held until next: a further feed takes nothing. */
    assert_int_equal(frame_reader_feed(&r, f.b + 7, 1, &used, NULL), 1);
    assert_int_equal(used, 0);
    frame_reader_next(&r);
    assert_false(frame_reader_partial(&r));
    frame_reader_done(&r);
    free(body.b);
    free(f.b);
}

static void test_reader_refuses_zero_and_oversized_lengths_from_the_length_alone(void **state)
{
    (void)state;
    struct frame_reader r;
    struct ags_error err = {0};
    size_t used;
    proxy_reader_init(&r);
    assert_int_equal(frame_reader_feed(&r, "\0\0\0\0", 4, &used, &err), -EBADMSG);
    frame_reader_done(&r);
    proxy_reader_init(&r);
    uint8_t big[4] = {(uint8_t)((AGS_PROXY_MAX_MESSAGE + 1) >> 24),
                      (uint8_t)((AGS_PROXY_MAX_MESSAGE + 1) >> 16),
                      (uint8_t)((AGS_PROXY_MAX_MESSAGE + 1) >> 8),
                      (uint8_t)(AGS_PROXY_MAX_MESSAGE + 1)};
    assert_int_equal(frame_reader_feed(&r, big, 4, &used, &err), -EMSGSIZE);
    assert_int_equal(used, 4);
    assert_int_equal(r.cap, 0); /* nothing was allocated for it */
    assert_non_null(strstr(err.msg, "allowed"));
    frame_reader_done(&r);
    proxy_reader_init(&r);
    assert_int_equal(frame_reader_feed(&r, "\xff\xff\xff\xff", 4, &used, &err), -EMSGSIZE);
    frame_reader_done(&r);
}

/* ---- builders against the documented bytes ---- */

static void assert_built(const struct strbuf *sb, const struct tbuf *body)
{
    struct tbuf f = t_frame(body);
    assert_int_equal(sb->len, f.n);
    assert_memory_equal(sb->buf, f.b, f.n);
    free(f.b);
}

static void test_open_is_type_version_and_url(void **state)
{
    (void)state;
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, PROXY_FRAME_MAX);
    assert_int_equal(proxy_build_open(&sb, "https://example.com/a", 21), 0);
    struct tbuf body = {0};
    t_u8(&body, 1);
    t_u32(&body, 1);
    t_str(&body, "https://example.com/a");
    assert_built(&sb, &body);
    struct proxy_msg m;
    assert_int_equal(parse(&body, PROXY_FROM_SANDBOX, &m), 0);
    assert_int_equal(m.type, PROXY_OPEN);
    assert_int_equal(m.version, 1);
    assert_int_equal(m.text.len, 21);
    assert_memory_equal(m.text.p, "https://example.com/a", 21);
    proxy_msg_done(&m);
    /* The host never sends OPEN. */
    assert_int_equal(parse(&body, PROXY_FROM_HOST, &m), -EBADMSG);
    free(body.b);
}

static void test_open_of_another_version_says_which(void **state)
{
    (void)state;
    struct tbuf body = {0};
    t_u8(&body, PROXY_OPEN);
    t_u32(&body, 2);
    t_raw(&body, "whatever version 2 carries", 26);
    struct proxy_msg m;
    struct ags_error err = {0};
    assert_int_equal(proxy_msg_parse(body.b, body.n, PROXY_FROM_SANDBOX, &m, &err),
                     -EPROTONOSUPPORT);
    assert_int_equal(m.version, 2);
    assert_non_null(strstr(err.msg, "version 2"));
    free(body.b);
}

static void test_host_answers_are_built_and_parsed(void **state)
{
    (void)state;
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, PROXY_FRAME_MAX);
    struct tbuf body = {0};
    struct proxy_msg m;

    assert_int_equal(proxy_build_text(&sb, PROXY_WAITING, "waiting for your approval"), 0);
    t_u8(&body, 16);
    t_str(&body, "waiting for your approval");
    assert_built(&sb, &body);
    assert_int_equal(parse(&body, PROXY_FROM_HOST, &m), 0);
    assert_int_equal(m.type, PROXY_WAITING);
    assert_int_equal(m.text.len, 25);
    proxy_msg_done(&m);

    strbuf_reset(&sb);
    body.n = 0;
    assert_int_equal(proxy_build_opened(&sb, 8765), 0);
    t_u8(&body, 17);
    t_u16(&body, 8765);
    assert_built(&sb, &body);
    assert_int_equal(parse(&body, PROXY_FROM_HOST, &m), 0);
    assert_int_equal(m.port, 8765);
    assert_int_equal(parse(&body, PROXY_FROM_SANDBOX, &m), -EBADMSG);

    strbuf_reset(&sb);
    body.n = 0;
    assert_int_equal(proxy_build_text(&sb, PROXY_REFUSED, "denied"), 0);
    t_u8(&body, 18);
    t_str(&body, "denied");
    assert_built(&sb, &body);

    strbuf_reset(&sb);
    body.n = 0;
    assert_int_equal(proxy_build_done(&sb), 0);
    t_u8(&body, 20);
    assert_built(&sb, &body);
    assert_int_equal(parse(&body, PROXY_FROM_HOST, &m), 0);
    assert_int_equal(m.type, PROXY_DONE);
    free(body.b);
}

static void test_texts_must_be_printable(void **state)
{
    (void)state;
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, PROXY_FRAME_MAX);
    assert_int_equal(proxy_build_text(&sb, PROXY_REFUSED, "a\x1b[2Jb"), -EINVAL);
    assert_int_equal(proxy_build_text(&sb, PROXY_REFUSED, ""), -EINVAL);
    assert_int_equal(proxy_build_text(&sb, PROXY_OPENED, "x"), -EINVAL);
    assert_int_equal(proxy_build_callback_failed(&sb, 1, "line\nbreak"), -EINVAL);
    assert_int_equal(sb.len, 0);
    struct tbuf body = {0};
    t_u8(&body, PROXY_CALLBACK_FAILED);
    t_u32(&body, 1);
    t_str(&body, "bell\a");
    struct proxy_msg m;
    assert_int_equal(parse(&body, PROXY_FROM_SANDBOX, &m), -EBADMSG);
    free(body.b);
}

static struct proxy_header req_headers[] = {
        {S("Host"), S("127.0.0.1:8765")},
        {S("Cookie"), S("a=b; c=d")},
};

static void test_callback_request_round_trip(void **state)
{
    (void)state;
    struct proxy_http req = {.method = S("POST"),
                             .target = S("/cb?code=x&state=y"),
                             .headers = req_headers,
                             .n_headers = 2,
                             .body = {.p = "a\0b", .len = 3}};
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, PROXY_FRAME_MAX);
    assert_int_equal(proxy_build_callback_request(&sb, 7, &req), 0);
    struct tbuf body = {0};
    t_u8(&body, 19);
    t_u32(&body, 7);
    t_str(&body, "POST");
    t_str(&body, "/cb?code=x&state=y");
    t_u32(&body, 2);
    t_str(&body, "Host");
    t_str(&body, "127.0.0.1:8765");
    t_str(&body, "Cookie");
    t_str(&body, "a=b; c=d");
    t_u32(&body, 3);
    t_raw(&body, "a\0b", 3);
    assert_built(&sb, &body);
    struct proxy_msg m;
    assert_int_equal(parse(&body, PROXY_FROM_HOST, &m), 0);
    assert_int_equal(m.id, 7);
    assert_int_equal(m.http.n_headers, 2);
    assert_memory_equal(m.http.headers[1].value.p, "a=b; c=d", 8);
    assert_int_equal(m.http.body.len, 3);
    assert_memory_equal(m.http.body.p, "a\0b", 3);
    proxy_msg_done(&m);
    free(body.b);
}

static void test_callback_response_round_trip_with_binary_body(void **state)
{
    (void)state;
    static struct proxy_header h[] = {{S("Content-Type"), S("text/html")},
                                      {S("Set-Cookie"), S("s=1")}};
    struct proxy_http resp = {
            .status = 302, .headers = h, .n_headers = 2, .body = {.p = "\xff\x00\r\n", .len = 4}};
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, PROXY_FRAME_MAX);
    assert_int_equal(proxy_build_callback_response(&sb, 3, &resp), 0);
    struct tbuf body = {0};
    t_u8(&body, 2);
    t_u32(&body, 3);
    t_u16(&body, 302);
    t_u32(&body, 2);
    t_str(&body, "Content-Type");
    t_str(&body, "text/html");
    t_str(&body, "Set-Cookie");
    t_str(&body, "s=1");
    t_u32(&body, 4);
    t_raw(&body, "\xff\x00\r\n", 4);
    assert_built(&sb, &body);
    struct proxy_msg m;
    assert_int_equal(parse(&body, PROXY_FROM_SANDBOX, &m), 0);
    assert_int_equal(m.http.status, 302);
    assert_memory_equal(m.http.body.p, "\xff\x00\r\n", 4);
    proxy_msg_done(&m);
    free(body.b);
}

/* A response body: status, headers and body as given, after the id. */
static struct tbuf response_with(uint16_t status, const char *name, const char *value)
{
    struct tbuf b = {0};
    t_u8(&b, PROXY_CALLBACK_RESPONSE);
    t_u32(&b, 1);
    t_u16(&b, status);
    t_u32(&b, 1);
    t_str(&b, name);
    t_str(&b, value);
    t_str(&b, "");
    return b;
}

static void test_response_header_splitting_framing_and_status_refused(void **state)
{
    (void)state;

    static const struct {
        uint16_t status;
        const char *name, *value;
    } bad[] = {
            {200, "X", "a\r\nSet-Cookie: evil=1"}, /* splitting */
            {200, "X", "nul\0"},                   /* (strlen stops: see below) */
            {200, "Bad Name", "v"},
            {200, "", "v"},
            {200, "Content-Length", "0"},
            {200, "transfer-encoding", "chunked"},
            {200, "Connection", "keep-alive"},
            {101, "X", "v"},
            {199, "X", "v"},
            {600, "X", "v"},
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (i == 1)
            continue; /* a NUL cannot travel through t_str; the next case covers controls */
        struct tbuf b = response_with(bad[i].status, bad[i].name, bad[i].value);
        struct proxy_msg m;
        assert_int_equal(parse(&b, PROXY_FROM_SANDBOX, &m), -EBADMSG);
        assert_null(m.http.headers);
        free(b.b);
    }
    struct tbuf ok = response_with(599, "X-Tab", "a\tb \x80");
    struct proxy_msg m;
    assert_int_equal(parse(&ok, PROXY_FROM_SANDBOX, &m), 0);
    proxy_msg_done(&m);
    free(ok.b);
}

static void test_request_target_and_method_checked(void **state)
{
    (void)state;
    static const char *const targets[] = {"cb", "/a b", "/a\x7f", "http://x/", ""};
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        struct proxy_http req = {.method = S("GET"),
                                 .target = {.p = targets[i], .len = strlen(targets[i])}};
        _cleanup_strbuf_ struct strbuf sb;
        strbuf_init(&sb, PROXY_FRAME_MAX);
        assert_int_equal(proxy_build_callback_request(&sb, 1, &req), -EINVAL);
        struct tbuf b = {0};
        t_u8(&b, PROXY_CALLBACK_REQUEST);
        t_u32(&b, 1);
        t_str(&b, "GET");
        t_str(&b, targets[i]);
        t_u32(&b, 0);
        t_str(&b, "");
        struct proxy_msg m;
        assert_int_equal(parse(&b, PROXY_FROM_HOST, &m), -EBADMSG);
        free(b.b);
    }
    struct proxy_http req = {.method = S("GE T"), .target = S("/")};
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, PROXY_FRAME_MAX);
    assert_int_equal(proxy_build_callback_request(&sb, 1, &req), -EINVAL);
}

static void test_truncated_trailing_and_lying_lengths_refused(void **state)
{
    (void)state;
    struct tbuf good = {0};
    t_u8(&good, PROXY_CALLBACK_FAILED);
    t_u32(&good, 9);
    t_str(&good, "connection refused");
    struct proxy_msg m;
    assert_int_equal(parse(&good, PROXY_FROM_SANDBOX, &m), 0);
    assert_int_equal(m.id, 9);
    proxy_msg_done(&m);
    /* Every shorter prefix is cut short. */
    for (size_t n = 1; n < good.n; n++) {
        struct tbuf cut = {.b = good.b, .n = n};
        assert_int_equal(parse(&cut, PROXY_FROM_SANDBOX, &m), -EBADMSG);
    }
    /* One byte more is one too many. */
    t_u8(&good, 0);
    assert_int_equal(parse(&good, PROXY_FROM_SANDBOX, &m), -EBADMSG);
    free(good.b);
    /* A string length beyond the body, and a header count the body cannot hold. */
    struct tbuf lie = {0};
    t_u8(&lie, PROXY_CALLBACK_FAILED);
    t_u32(&lie, 1);
    t_u32(&lie, 0xfffffff0u);
    t_raw(&lie, "abc", 3);
    assert_int_equal(parse(&lie, PROXY_FROM_SANDBOX, &m), -EBADMSG);
    free(lie.b);
    struct tbuf many = {0};
    t_u8(&many, PROXY_CALLBACK_RESPONSE);
    t_u32(&many, 1);
    t_u16(&many, 200);
    t_u32(&many, 100);
    t_str(&many, "");
    assert_int_equal(parse(&many, PROXY_FROM_SANDBOX, &m), -EBADMSG);
    free(many.b);
}

static void test_unknown_and_empty_types_refused(void **state)
{
    (void)state;
    struct proxy_msg m;
    for (unsigned t = 0; t < 256; t++) {
        if (proxy_msg_name(t))
            continue;
        struct tbuf b = {0};
        t_u8(&b, (uint8_t)t);
        assert_int_equal(parse(&b, PROXY_FROM_SANDBOX, &m), -EBADMSG);
        assert_int_equal(parse(&b, PROXY_FROM_HOST, &m), -EBADMSG);
        free(b.b);
    }
    assert_int_equal(proxy_msg_parse((const uint8_t *)"", 0, PROXY_FROM_HOST, &m, NULL), -EBADMSG);
}

static void test_bounds_of_head_body_and_header_count(void **state)
{
    (void)state;
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, PROXY_FRAME_MAX);
    char *big = calloc(1, AGS_PROXY_MAX_BODY + 1);
    assert_non_null(big);
    struct proxy_http resp = {.status = 200, .body = {.p = big, .len = AGS_PROXY_MAX_BODY}};
    assert_int_equal(proxy_build_callback_response(&sb, 1, &resp), 0);
    strbuf_reset(&sb);
    resp.body.len++;
    assert_int_equal(proxy_build_callback_response(&sb, 1, &resp), -EINVAL);
    /* Headers whose names and values pass the head bound. */
    memset(big, 'a', AGS_PROXY_MAX_HEADER);
    struct proxy_header h = {S("X"), {.p = big, .len = AGS_PROXY_MAX_HEADER - 32}};
    resp = (struct proxy_http){.status = 200, .headers = &h, .n_headers = 1};
    assert_int_equal(proxy_build_callback_response(&sb, 1, &resp), 0);
    strbuf_reset(&sb);
    h.value.len = AGS_PROXY_MAX_HEADER;
    assert_int_equal(proxy_build_callback_response(&sb, 1, &resp), -EINVAL);
    struct proxy_header *many = calloc(AGS_PROXY_MAX_HEADERS + 1, sizeof(*many));
    assert_non_null(many);
    for (size_t i = 0; i <= AGS_PROXY_MAX_HEADERS; i++)
        many[i] = (struct proxy_header){S("X"), S("y")};
    resp = (struct proxy_http){.status = 200, .headers = many, .n_headers = AGS_PROXY_MAX_HEADERS};
    assert_int_equal(proxy_build_callback_response(&sb, 1, &resp), 0);
    strbuf_reset(&sb);
    resp.n_headers++;
    assert_int_equal(proxy_build_callback_response(&sb, 1, &resp), -EINVAL);
    free(many);
    free(big);
}

static void test_builder_leaves_out_as_it_was_when_full(void **state)
{
    (void)state;
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, 12);
    assert_int_equal(proxy_build_done(&sb), 0);
    assert_int_equal(sb.len, 5);
    assert_int_equal(proxy_build_open(&sb, "https://example.com/", 20), -E2BIG);
    assert_int_equal(sb.len, 5);
    assert_memory_equal(sb.buf, "\0\0\0\1\x14", 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_reader_takes_a_frame_one_byte_at_a_time_and_leaves_the_next),
            cmocka_unit_test(test_reader_refuses_zero_and_oversized_lengths_from_the_length_alone),
            cmocka_unit_test(test_open_is_type_version_and_url),
            cmocka_unit_test(test_open_of_another_version_says_which),
            cmocka_unit_test(test_host_answers_are_built_and_parsed),
            cmocka_unit_test(test_texts_must_be_printable),
            cmocka_unit_test(test_callback_request_round_trip),
            cmocka_unit_test(test_callback_response_round_trip_with_binary_body),
            cmocka_unit_test(test_response_header_splitting_framing_and_status_refused),
            cmocka_unit_test(test_request_target_and_method_checked),
            cmocka_unit_test(test_truncated_trailing_and_lying_lengths_refused),
            cmocka_unit_test(test_unknown_and_empty_types_refused),
            cmocka_unit_test(test_bounds_of_head_body_and_header_count),
            cmocka_unit_test(test_builder_leaves_out_as_it_was_when_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
