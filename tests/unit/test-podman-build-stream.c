/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON-lines parser of POST /libpod/build replies (build-stream.c):
 * output passthrough, the image id, failures inside the 200 stream, bounds.
 * The lines are those Podman 4.3.1 sent (libpod-api.md section 2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "podman/build-stream.h"

#define ID64 "198ed5442dafb9eb139d4c68d7329f4b68b29956c5debe122e254092c264e71e"

static const char success[] =
        "{\"stream\":\"STEP 1/3: FROM localhost/bb:latest\\n\"}\n"
        "{\"stream\":\"STEP 2/3: RUN echo hi\\n\"}\n"
        "{\"stream\":\"hi\\n\"}\n"
        "{\"stream\":\"--\\u003e 198ed5442da\\n\"}\n"
        "{\"stream\":\"COMMIT localhost/curlex:1\\n\"}\n"
        "{\"stream\":\"Successfully tagged localhost/curlex:1\\n\"}\n"
        "{\"stream\":\"" ID64 "\\n\"}\n";

static const char failure[] =
        "{\"stream\":\"STEP 1/2: FROM localhost/bb:latest\\n\"}\n"
        "{\"stream\":\"STEP 2/2: RUN exit 3\\n\"}\n"
        "{\"errorDetail\":{\"message\":\"while running runtime: exit status 3\\n\"},"
        "\"error\":\"building at STEP \\\"RUN exit 3\\\": while running runtime: exit status 3\\n\"}\n";

static void collect(const char *text, size_t len, void *userdata)
{
    struct strbuf *sb = userdata;
    assert_int_equal(strbuf_append(sb, text, len), 0);
}

/* Feeds text in chunks of step bytes; returns finish()'s result. */
static int run(const char *text, size_t step, struct strbuf *out, char **ret_id,
               struct ags_error *err)
{
    struct podman_build_stream s;
    podman_build_stream_init(&s, out ? collect : NULL, out);
    size_t len = strlen(text);
    int r = 0;
    for (size_t off = 0; r == 0 && off < len; off += step)
        r = podman_build_stream_feed(&s, text + off, len - off < step ? len - off : step, err);
    if (r == 0)
        r = podman_build_stream_finish(&s, ret_id, err);
    podman_build_stream_done(&s);
    return r;
}

static void test_success_gives_output_and_id_in_any_chunking(void **state)
{
    (void)state;
    static const size_t steps[] = {1, 2, 7, 64, 4096};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        struct strbuf out;
        strbuf_init(&out, 1 << 20);
        char *id = NULL;
        struct ags_error err = {0};
        assert_int_equal(run(success, steps[i], &out, &id, &err), 0);
        assert_string_equal(id, ID64);
        assert_string_equal(out.buf, "STEP 1/3: FROM localhost/bb:latest\nSTEP 2/3: RUN echo hi\n"
                                     "hi\n--> 198ed5442da\nCOMMIT localhost/curlex:1\n"
                                     "Successfully tagged localhost/curlex:1\n" ID64 "\n");
        assert_int_equal(err.code, 0); /* untouched on success */
        free(id);
        strbuf_done(&out);
    }
}

static void test_error_line_fails_with_the_build_text(void **state)
{
    (void)state;
    struct strbuf out;
    strbuf_init(&out, 1 << 20);
    char *id = NULL;
    struct ags_error err = {0};
    assert_int_equal(run(failure, 5, &out, &id, &err), -EIO);
    assert_null(id);
    assert_string_equal(err.msg, "the image build failed: step 2/2 (RUN exit 3) failed: "
                                 "while running runtime: exit status 3");
    assert_string_equal(out.buf, "STEP 1/2: FROM localhost/bb:latest\nSTEP 2/2: RUN exit 3\n");
    strbuf_done(&out);
}

static void test_error_wins_over_an_id(void **state)
{
    (void)state;
    char *id = NULL;
    struct ags_error err = {0};
    const char *text = "{\"stream\":\"" ID64 "\\n\"}\n{\"errorDetail\":{\"message\":\"late\"}}\n";
    assert_int_equal(run(text, 3, NULL, &id, &err), -EIO);
    assert_null(id);
    assert_string_equal(err.msg, "the image build failed: late");
}

static void test_cause_message_object_is_a_failure(void **state)
{
    (void)state;
    char *id = NULL;
    struct ags_error err = {0};
    const char *text = "{\"cause\":\"no such file\",\"message\":\"stat Containerfile: no such "
                       "file\",\"response\":400}\n";
    assert_int_equal(run(text, 100, NULL, &id, &err), -EIO);
    assert_string_equal(err.msg, "the image build failed: stat Containerfile: no such file");
}

static void test_no_id_is_a_failure(void **state)
{
    (void)state;
    char *id = NULL;
    struct ags_error err = {0};
    assert_int_equal(run("{\"stream\":\"STEP 1/1: FROM x\\n\"}\n", 4, NULL, &id, &err), -EIO);
    assert_string_equal(err.msg, "the image build ended without an image id");
    assert_int_equal(run("", 4, NULL, &id, &err), -EIO);
}

static void test_id_rules(void **state)
{
    (void)state;
    struct {
        const char *text, *id;
    } cases[] = {
        /* the last id-like line wins: RUN output that looks like an id comes earlier */
        {"{\"stream\":\"0123456789abcdef\\n\"}\n{\"stream\":\"" ID64 "\\n\"}\n", ID64},
        {"{\"stream\":\"" ID64 "\\n\"}\n{\"stream\":\"0123456789ab\\n\"}\n", "0123456789ab"},
        /* podman-remote's 12 hex digits at least; 11 is not an id */
        {"{\"stream\":\"0123456789ab\"}", "0123456789ab"},
        /* aux (compat) */
        {"{\"aux\":{\"ID\":\"sha256:" ID64 "\"}}\n", ID64},
        /* a trailing line without '\n' still counts */
        {"{\"stream\":\"x\\n\"}\n{\"stream\":\"" ID64 "\"}", ID64},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *id = NULL;
        struct ags_error err = {0};
        assert_int_equal(run(cases[i].text, 1, NULL, &id, &err), 0);
        assert_string_equal(id, cases[i].id);
        free(id);
    }
    static const char *not_ids[] = {
        "{\"stream\":\"0123456789a\\n\"}\n",                /* 11 digits */
        "{\"stream\":\"0123456789ABCDEF\\n\"}\n",           /* uppercase */
        "{\"stream\":\"" ID64 "0\\n\"}\n",                  /* 65 digits */
        "{\"stream\":\"0123456789abcdef  file.txt\\n\"}\n", /* sha256sum output */
        "{\"stream\":\"\\n\"}\n",
    };
    for (size_t i = 0; i < sizeof(not_ids) / sizeof(not_ids[0]); i++) {
        char *id = NULL;
        struct ags_error err = {0};
        assert_int_equal(run(not_ids[i], 2, NULL, &id, &err), -EIO);
        assert_null(id);
    }
}

static void test_non_json_line_is_a_protocol_error(void **state)
{
    (void)state;
    char *id = NULL;
    struct ags_error err = {0};
    assert_int_equal(run("{\"stream\":\"a\"}\nNot Found\n", 1, NULL, &id, &err), -EPROTO);
    assert_string_equal(err.msg, "line 2 of the build output is not a JSON object: 'Not Found'");
    assert_int_equal(run("[1,2]\n", 1, NULL, &id, &err), -EPROTO);
    /* blank lines and CRLF are fine */
    assert_int_equal(run("\n\r\n  \n{\"stream\":\"" ID64 "\"}\r\n", 1, NULL, &id, &err), 0);
    free(id);
}

static void test_long_line_is_bounded(void **state)
{
    (void)state;
    size_t len = PODMAN_BUILD_MAX_LINE + 100;
    char *big = xmalloc(len + 1);
    memset(big, 'a', len);
    big[len] = '\0';
    struct podman_build_stream s;
    podman_build_stream_init(&s, NULL, NULL);
    struct ags_error err = {0};
    int r = 0;
    for (size_t off = 0; r == 0 && off < len; off += 65536)
        r = podman_build_stream_feed(&s, big + off, len - off < 65536 ? len - off : 65536, &err);
    assert_int_equal(r, -E2BIG);
    assert_non_null(strstr(err.msg, "longer than"));
    assert_true(s.line.len <= PODMAN_BUILD_MAX_LINE);
    podman_build_stream_done(&s);
    free(big);
}

static void test_error_text_is_one_bounded_line(void **state)
{
    (void)state;
    struct strbuf text;
    strbuf_init(&text, 1 << 20);
    assert_int_equal(strbuf_appends(&text, "{\"error\":\"first\\nsecond "), 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(strbuf_appends(&text, "0123456789"), 0);
    assert_int_equal(strbuf_appends(&text, "\"}\n"), 0);
    char *id = NULL;
    struct ags_error err = {0};
    assert_int_equal(run(text.buf, 512, NULL, &id, &err), -EIO);
    assert_null(strchr(err.msg, '\n'));
    assert_non_null(strstr(err.msg, "first;second 0123"));
    strbuf_done(&text);
}

/* A RUN step of kilobytes: the message names the step by number and start,
 * and keeps the cause (the exit status) that followed the step's text. */
static void test_long_failed_step_keeps_its_cause(void **state)
{
    (void)state;
    struct strbuf step, text;
    strbuf_init(&step, 1 << 20);
    strbuf_init(&text, 1 << 20);
    /* 59 bytes, then a 2-byte character across the 60-byte cut. */
    assert_int_equal(strbuf_appends(&step, "RUN set -eux; 0123456789012345678901234567890123456789"
                                           "01234\u00e9"), 0);
    for (int i = 0; i < 800; i++)
        assert_int_equal(strbuf_appends(&step, "apt-get "), 0);
    assert_int_equal(strbuf_appendf(&text, "{\"stream\":\"STEP 11/19: %s\\n\"}\n"
                                           "{\"stream\":\"Get:3 http://deb.debian.org\\n\"}\n"
                                           "{\"error\":\"building at STEP \\\"%s\\\": while "
                                           "running runtime: exit status 100\\n\"}\n",
                                    step.buf, step.buf), 0);
    char *id = NULL;
    struct ags_error err = {0};
    assert_int_equal(run(text.buf, 700, NULL, &id, &err), -EIO);
    assert_string_equal(err.msg, "the image build failed: step 11/19 (RUN set -eux; "
                                 "012345678901234567890123456789012345678901234...) failed: "
                                 "while running runtime: exit status 100");
    strbuf_done(&step);
    strbuf_done(&text);
}

/* An error about another step than the last one seen stays as it was. */
static void test_error_of_an_unseen_step_is_kept_whole(void **state)
{
    (void)state;
    char *id = NULL;
    struct ags_error err = {0};
    const char *text = "{\"stream\":\"STEP 1/2: RUN true\\n\"}\n"
                       "{\"error\":\"building at STEP \\\"RUN false\\\": exit status 1\"}\n";
    assert_int_equal(run(text, 9, NULL, &id, &err), -EIO);
    assert_string_equal(err.msg, "the image build failed: building at STEP \"RUN false\": exit "
                                 "status 1");
}

static void test_is_hex(void **state)
{
    (void)state;
    assert_true(podman_is_hex("0123456789abcdef", 16));
    assert_true(podman_is_hex("", 0));
    assert_false(podman_is_hex("0123g", 5));
    assert_false(podman_is_hex("ABC", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_success_gives_output_and_id_in_any_chunking),
            cmocka_unit_test(test_error_line_fails_with_the_build_text),
            cmocka_unit_test(test_error_wins_over_an_id),
            cmocka_unit_test(test_cause_message_object_is_a_failure),
            cmocka_unit_test(test_no_id_is_a_failure),
            cmocka_unit_test(test_id_rules),
            cmocka_unit_test(test_non_json_line_is_a_protocol_error),
            cmocka_unit_test(test_long_line_is_bounded),
            cmocka_unit_test(test_error_text_is_one_bounded_line),
            cmocka_unit_test(test_long_failed_step_keeps_its_cause),
            cmocka_unit_test(test_error_of_an_unseen_step_is_kept_whole),
            cmocka_unit_test(test_is_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
