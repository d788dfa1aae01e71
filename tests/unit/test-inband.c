/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The in-band frame filter (base/inband.h): a frame at the end of a stream
 * comes out whole and never reaches the output, whatever the chunking;
 * output after a frame, a later broken frame, a wrong length, a frame over
 * the bound or one cut short leave no result; a broken frame is skipped to
 * its end, never dumped; text that only looks like the start of a marker
 * passes through unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/inband.h"

#define TAG "ags-export"

struct sink {
    unsigned char data[4096];
    size_t n;
    int starts;
    bool fail;
};

static int collect(void *userdata, bool start, const unsigned char *p, size_t n)
{
    struct sink *s = userdata;
    if (start) {
        s->n = 0;
        s->starts++;
        return 0;
    }
    if (s->fail || s->n + n > sizeof(s->data))
        return -1;
    memcpy(s->data + s->n, p, n);
    s->n += n;
    return 0;
}

struct run {
    char out[8192];
    size_t n_out;
    bool have;
    uint64_t len;
    struct sink sink;
};

/* Feeds in chunks of step bytes (0: whole), then finishes. */
static void feed(struct run *r, const char *in, size_t n, size_t step, uint64_t max)
{
    struct inband f;
    memset(r, 0, sizeof(*r));
    inband_init(&f, TAG, max, collect, &r->sink);
    if (!step)
        step = n ? n : 1;
    for (size_t off = 0; off < n; off += step) {
        size_t len = n - off < step ? n - off : step;
        size_t k = inband_feed(&f, in + off, len, r->out + r->n_out);
        assert_true(k <= len + INBAND_SLACK);
        r->n_out += k;
    }
    r->n_out += inband_finish(&f, r->out + r->n_out);
    r->have = inband_result(&f, &r->len);
}

static void feed_str(struct run *r, const char *in, size_t step)
{
    feed(r, in, strlen(in), step, 1000);
}

#define FRAME(len, hex) "\x1b_" TAG ";" len ";" hex "\x1b\\"

static void assert_out(const struct run *r, const char *want)
{
    assert_int_equal(r->n_out, strlen(want));
    assert_memory_equal(r->out, want, r->n_out);
}

static void test_a_frame_at_the_end_is_taken_out_in_any_chunking(void **state)
{
    (void)state;
    const char *in = "agent output\r\n" FRAME("5", "48656c6C6f");
    for (size_t step = 0; step <= strlen(in); step++) {
        struct run r;
        feed_str(&r, in, step);
        assert_true(r.have);
        assert_int_equal(r.len, 5);
        assert_int_equal(r.sink.n, 5);
        assert_memory_equal(r.sink.data, "Hello", 5);
        assert_out(&r, "agent output\r\n");
    }
}

static void test_an_empty_frame_is_a_result_of_length_zero(void **state)
{
    (void)state;
    struct run r;
    feed_str(&r, "x" FRAME("0", ""), 0);
    assert_true(r.have);
    assert_int_equal(r.len, 0);
    assert_int_equal(r.sink.n, 0);
    assert_out(&r, "x");
}

static void test_output_after_a_frame_voids_it(void **state)
{
    (void)state;
    struct run r;
    feed_str(&r, FRAME("1", "41") "late", 0);
    assert_false(r.have);
    assert_out(&r, "late");
    feed_str(&r, FRAME("1", "41") "\x1b", 1); /* even one held byte */
    assert_false(r.have);
    assert_out(&r, "\x1b");
}

static void test_the_last_frame_decides(void **state)
{
    (void)state;
    struct run r;
    feed_str(&r, FRAME("1", "41") FRAME("1", "42"), 3);
    assert_true(r.have);
    assert_int_equal(r.sink.starts, 2);
    assert_memory_equal(r.sink.data, "B", 1);
    /* A forged frame and then a broken one: nothing. */
    feed_str(&r, FRAME("1", "41") FRAME("2", "42"), 0);
    assert_false(r.have);
    assert_out(&r, "");
}

static void test_a_wrong_length_is_no_result_and_is_skipped_to_its_end(void **state)
{
    (void)state;
    struct run r;
    /* One hex digit too many (a key echoed into the stream). */
    feed_str(&r, "a" FRAME("2", "41a42") "b", 0);
    assert_false(r.have);
    assert_out(&r, "ab");
    /* Too few. */
    feed_str(&r, FRAME("2", "41"), 0);
    assert_false(r.have);
    assert_out(&r, "");
}

static void test_bad_bytes_in_a_frame_skip_it_without_dumping_it(void **state)
{
    (void)state;
    static const char *const broken[] = {
            "\x1b_" TAG ";;41\x1b\\",            /* no length */
            "\x1b_" TAG ";1x;41\x1b\\",          /* not a digit */
            "\x1b_" TAG ";1;4g\x1b\\",           /* not hex */
            "\x1b_" TAG ";1;41\x1bX\x1b\\",      /* not ST */
            "\x1b_" TAG ";123456789012345678901;\x1b\\", /* 21 digits */
            "\x1b_" TAG ";99999999999999999999;\x1b\\",  /* over 2^64 */
    };
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        char in[256];
        (void)snprintf(in, sizeof(in), "<%s>", broken[i]);
        struct run r;
        feed_str(&r, in, 0);
        assert_false(r.have);
        assert_out(&r, "<>");
    }
}

static void test_a_frame_left_half_open_does_not_swallow_the_next(void **state)
{
    (void)state;
    static const char *const open_frames[] = {
            "\x1b_" TAG ";5;",    /* waiting for hex */
            "\x1b_" TAG ";x",     /* broken: skipping */
            "\x1b_" TAG ";2;414", /* an odd digit */
            "\x1b_" TAG ";1;41",  /* waiting for ESC \ */
            "\x1b_" TAG ";1;41\x1b", /* waiting for \ */
    };
    for (size_t i = 0; i < sizeof(open_frames) / sizeof(open_frames[0]); i++) {
        char in[256];
        (void)snprintf(in, sizeof(in), "%s%s", open_frames[i], FRAME("1", "42"));
        for (size_t step = 0; step <= 3; step++) {
            struct run r;
            feed_str(&r, in, step);
            assert_true(r.have);
            assert_int_equal(r.sink.n, 1);
            assert_memory_equal(r.sink.data, "B", 1);
            assert_out(&r, "");
        }
    }
}

static void test_a_frame_over_the_bound_is_skipped_and_never_delivered(void **state)
{
    (void)state;
    struct run r;
    const char *in = "a" FRAME("3", "414243") "b";
    feed(&r, in, strlen(in), 0, 2);
    assert_false(r.have);
    assert_int_equal(r.sink.n, 0);
    assert_out(&r, "ab");
    feed(&r, in, strlen(in), 0, 3);
    assert_false(r.have); /* "b" came after it */
    assert_int_equal(r.sink.n, 3);
}

static void test_a_failing_sink_voids_the_frame(void **state)
{
    (void)state;
    struct run r;
    struct inband f;
    memset(&r, 0, sizeof(r));
    r.sink.fail = true;
    inband_init(&f, TAG, 1000, collect, &r.sink);
    const char *in = FRAME("1", "41");
    assert_int_equal(inband_feed(&f, in, strlen(in), r.out), 0);
    assert_int_equal(inband_finish(&f, r.out), 0);
    assert_false(inband_result(&f, &r.len));
}

static void test_a_frame_cut_short_is_no_result(void **state)
{
    (void)state;
    struct run r;
    feed_str(&r, "\x1b_" TAG ";3;4142", 2);
    assert_false(r.have);
    assert_out(&r, "");
}

static void test_look_alikes_pass_through_unchanged(void **state)
{
    (void)state;
    static const char *const texts[] = {
            "\x1b[31mred\x1b[0m",
            "\x1b_other;1;41\x1b\\",
            "\x1b_ags-expor",
            "\x1b_ags-exportX;1;41",
            "\x1b\x1b_ags",
            "\x1b",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        for (size_t step = 0; step <= 3; step++) {
            struct run r;
            feed_str(&r, texts[i], step);
            assert_false(r.have);
            assert_out(&r, texts[i]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_a_frame_at_the_end_is_taken_out_in_any_chunking),
            cmocka_unit_test(test_an_empty_frame_is_a_result_of_length_zero),
            cmocka_unit_test(test_output_after_a_frame_voids_it),
            cmocka_unit_test(test_the_last_frame_decides),
            cmocka_unit_test(test_a_wrong_length_is_no_result_and_is_skipped_to_its_end),
            cmocka_unit_test(test_bad_bytes_in_a_frame_skip_it_without_dumping_it),
            cmocka_unit_test(test_a_frame_left_half_open_does_not_swallow_the_next),
            cmocka_unit_test(test_a_frame_over_the_bound_is_skipped_and_never_delivered),
            cmocka_unit_test(test_a_failing_sink_voids_the_frame),
            cmocka_unit_test(test_a_frame_cut_short_is_no_result),
            cmocka_unit_test(test_look_alikes_pass_through_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
