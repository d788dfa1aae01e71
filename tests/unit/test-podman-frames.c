/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The non-TTY stream demultiplexer (frames.c): the same bytes come out
 * whatever way the stream is split into chunks (every single split point,
 * every pair of split points, byte by byte), stdout and stderr stay apart,
 * payloads are binary-safe, and malformed, oversized, truncated and error
 * (stream 3) frames are reported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "podman/frames.h"

struct sink {
    char out[4096], err[4096];
    size_t n_out, n_err;
    int calls;
    int fail_after; /* return -EPIPE on this call (1-based); 0: never */
};

static int collect(void *userdata, enum podman_stream_id stream, const char *p, size_t n)
{
    struct sink *s = userdata;
    s->calls++;
    if (s->fail_after && s->calls == s->fail_after)
        return -EPIPE;
    assert_true(n > 0);
    if (stream == PODMAN_STREAM_STDERR) {
        assert_true(s->n_err + n <= sizeof(s->err));
        memcpy(s->err + s->n_err, p, n);
        s->n_err += n;
    } else {
        assert_true(stream == PODMAN_STREAM_STDOUT || stream == PODMAN_STREAM_STDIN);
        assert_true(s->n_out + n <= sizeof(s->out));
        memcpy(s->out + s->n_out, p, n);
        s->n_out += n;
    }
    return 0;
}

static size_t frame(char *dst, uint8_t stream, const void *payload, uint32_t len)
{
    dst[0] = (char)stream;
    dst[1] = dst[2] = dst[3] = 0;
    dst[4] = (char)(len >> 24);
    dst[5] = (char)(len >> 16);
    dst[6] = (char)(len >> 8);
    dst[7] = (char)len;
    memcpy(dst + 8, payload, len);
    return 8 + len;
}

/* stdout "out1\nout2\n", stderr "err\0\xff", an empty frame, stdout binary */
static size_t sample(char *buf)
{
    size_t n = 0;
    n += frame(buf + n, 1, "out1\nout2\n", 10);
    n += frame(buf + n, 2, "err\0\xff", 5);
    n += frame(buf + n, 1, "", 0);
    n += frame(buf + n, 1, "\0\1\2\r\n\x1b", 6);
    n += frame(buf + n, 0, "in", 2);
    return n;
}

static void feed_chunks(const char *buf, size_t n, const size_t *cuts, size_t n_cuts,
                        struct sink *s)
{
    struct podman_demux d;
    struct ags_error err = {0};
    podman_demux_init(&d);
    size_t from = 0;
    for (size_t i = 0; i <= n_cuts; i++) {
        size_t to = i < n_cuts ? cuts[i] : n;
        assert_int_equal(podman_demux_feed(&d, buf + from, to - from, collect, s, &err), 0);
        from = to;
    }
    assert_int_equal(podman_demux_finish(&d, &err), 0);
}

static void assert_sample(const struct sink *s)
{
    assert_int_equal(s->n_out, 18);
    assert_memory_equal(s->out, "out1\nout2\n\0\1\2\r\n\x1bin", 18);
    assert_int_equal(s->n_err, 5);
    assert_memory_equal(s->err, "err\0\xff", 5);
}

static void test_every_split_point_gives_the_same_bytes(void **state)
{
    (void)state;
    char buf[256];
    size_t n = sample(buf);
    for (size_t a = 0; a <= n; a++) {
        struct sink s = {0};
        size_t cuts[] = {a};
        feed_chunks(buf, n, cuts, 1, &s);
        assert_sample(&s);
        for (size_t b = a; b <= n; b++) {
            struct sink s2 = {0};
            size_t cuts2[] = {a, b};
            feed_chunks(buf, n, cuts2, 2, &s2);
            assert_sample(&s2);
        }
    }
    struct sink s = {0};
    size_t cuts[256];
    for (size_t i = 0; i < n; i++)
        cuts[i] = i;
    feed_chunks(buf, n, cuts, n, &s);
    assert_sample(&s);
}

static void test_unknown_stream_and_padding_are_malformed(void **state)
{
    (void)state;
    struct podman_demux d;
    struct ags_error err = {0};
    struct sink s = {0};
    char buf[32];
    size_t n = frame(buf, 4, "x", 1);
    podman_demux_init(&d);
    assert_int_equal(podman_demux_feed(&d, buf, n, collect, &s, &err), -EPROTO);
    assert_non_null(strstr(err.msg, "frame header 04 00 00 00"));

    /* a raw "\n" where a header belongs (attach?logs=true on 4.3) */
    n = frame(buf, 1, "ok", 2);
    memcpy(buf + n, "\n\0\0\0\0\0\0\0", 8);
    podman_demux_init(&d);
    assert_int_equal(podman_demux_feed(&d, buf, n + 8, collect, &s, &err), -EPROTO);
    assert_non_null(strstr(err.msg, "at byte 10"));

    n = frame(buf, 1, "x", 1);
    buf[2] = 1;
    podman_demux_init(&d);
    assert_int_equal(podman_demux_feed(&d, buf, n, collect, &s, &err), -EPROTO);
}

static void test_oversized_frame_is_refused_before_its_payload(void **state)
{
    (void)state;
    struct podman_demux d;
    struct ags_error err = {0};
    struct sink s = {0};
    uint8_t hdr[8] = {1, 0, 0, 0, 0, 0x10, 0, 1}; /* 1 MiB + 1 */
    podman_demux_init(&d);
    assert_int_equal(podman_demux_feed(&d, (const char *)hdr, 8, collect, &s, &err), -EFBIG);
    assert_int_equal(err.code, -EFBIG);
    assert_int_equal(s.calls, 0);
    /* exactly the limit is fine (payload streamed, never buffered) */
    uint8_t max[8] = {2, 0, 0, 0, 0, 0x10, 0, 0};
    podman_demux_init(&d);
    assert_int_equal(podman_demux_feed(&d, (const char *)max, 8, collect, &s, &err), 0);
    assert_int_equal(podman_demux_finish(&d, &err), -EPROTO);
    assert_non_null(strstr(err.msg, "1048576 payload bytes missing"));
}

static void test_truncated_stream_is_reported(void **state)
{
    (void)state;
    char buf[64];
    size_t n = frame(buf, 1, "hello", 5);
    for (size_t cut = 1; cut < n; cut++) {
        struct podman_demux d;
        struct ags_error err = {0};
        struct sink s = {0};
        podman_demux_init(&d);
        assert_int_equal(podman_demux_feed(&d, buf, cut, collect, &s, &err), 0);
        assert_int_equal(podman_demux_finish(&d, &err), -EPROTO);
        assert_non_null(strstr(err.msg, cut < 8 ? "inside a frame header" : "inside a frame"));
    }
}

static void test_error_stream_becomes_the_message(void **state)
{
    (void)state;
    char buf[128];
    size_t n = frame(buf, 1, "before", 6);
    n += frame(buf + n, 3, "Error: attach failed\r\n\x01", 23);
    n += frame(buf + n, 1, "after", 5);
    /* split inside the error payload too */
    for (size_t cut = 0; cut <= n; cut++) {
        struct podman_demux d;
        struct ags_error err = {0};
        struct sink s = {0};
        podman_demux_init(&d);
        int r = podman_demux_feed(&d, buf, cut, collect, &s, &err);
        if (r == 0)
            r = podman_demux_feed(&d, buf + cut, n - cut, collect, &s, &err);
        assert_int_equal(r, -EIO);
        assert_string_equal(err.msg, "Podman: Error: attach failed  ?");
        assert_int_equal(s.n_out, 6); /* nothing after the error frame */
    }
    /* an empty error frame still fails */
    struct podman_demux d;
    struct ags_error err = {0};
    struct sink s = {0};
    n = frame(buf, 3, "", 0);
    podman_demux_init(&d);
    assert_int_equal(podman_demux_feed(&d, buf, n, collect, &s, &err), -EIO);
    assert_string_equal(err.msg, "Podman: unknown error");
    /* a long one is cut, not overflowed */
    static char big[2048 + 8];
    memset(big, 'e', sizeof(big));
    n = frame(big, 3, big + 8, 2048);
    podman_demux_init(&d);
    assert_int_equal(podman_demux_feed(&d, big, n, collect, &s, &err), -EIO);
    assert_true(strlen(err.msg) < PODMAN_FRAME_ERRMSG_MAX + 16);
}

static void test_callback_error_stops_the_feed(void **state)
{
    (void)state;
    char buf[256];
    size_t n = sample(buf);
    struct podman_demux d;
    struct ags_error err = {0};
    struct sink s = {.fail_after = 2};
    podman_demux_init(&d);
    assert_int_equal(podman_demux_feed(&d, buf, n, collect, &s, &err), -EPIPE);
    assert_int_equal(s.calls, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_every_split_point_gives_the_same_bytes),
            cmocka_unit_test(test_unknown_stream_and_padding_are_malformed),
            cmocka_unit_test(test_oversized_frame_is_refused_before_its_payload),
            cmocka_unit_test(test_truncated_stream_is_reported),
            cmocka_unit_test(test_error_stream_becomes_the_message),
            cmocka_unit_test(test_callback_error_stops_the_feed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
