/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The auth proxy's approval callback (run/approve.c, run_proxy_approve)
 * through src/notify over a real D-Bus session that the test notification
 * server answers (tests/notify/notify-test.sh):
 *   server    Open: 1 after the user saw the host, the whole URL and the
 *             relay port; Deny: 0; cancel_fd fired (`ags approve` answered
 *             elsewhere): 0 at once and the notification withdrawn;
 *   noserver  no way to ask: a negative errno with why.
 *
 *   test-proxy-approve MODE
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "notify/notify.h"
#include "notify-server-tools.h"
#include "run/approve.h"

/* Each test starts with an empty record. */
static int fresh(void **state)
{
    (void)state;
    notify_fx_forget();
    return 0;
}

static const struct proxy_question login = {
        .id = "0123456789ab",
        .url = "https://auth.example.com/authorize?client_id=x&redirect_uri="
               "http%3A%2F%2Flocalhost%3A1455%2Fcb&state=<s>",
        .host = "auth.example.com",
        .relay_port = 1455,
        .peer_pid = 4242,
};

static void test_an_opened_url_was_shown_with_its_host_url_and_relay_port(void **state)
{
    (void)state;
    notify_fx_answer("* allow\n");
    char why[256];
    assert_int_equal(run_proxy_approve(&login, -1, 10000, why, sizeof(why), NULL), 1);
    assert_string_equal(why, "allowed");
    _cleanup_free_ char *rec = notify_fx_record();
    /* The body is markup to this server: '&' and '<' arrive as entities. */
    notify_fx_expect_in(
            rec, "\"summary\": \"Open a login for the sandbox (auth.example.com, callback port "
                 "1455)?\", \"body\": \"Then relay the login&apos;s callback on port 1455 of this "
                 "machine into the sandbox.\\nAsked by process 4242 in the sandbox (request "
                 "0123456789ab).\\nhttps://auth.example.com/authorize?client_id=x&amp;redirect_uri="
                 "http%3A%2F%2Flocalhost%3A1455%2Fcb&amp;state=&lt;s&gt;\", \"actions\": "
                 "[\"allow\", \"Open\", \"deny\", \"Deny\"], \"timeout\": 10000");
}

/* A URL long enough to be cut (8 KiB are allowed) loses its own end, never
 * the relay line or the request id; a long host keeps its end in the title. */
static void test_a_long_url_or_host_keeps_the_relay_the_id_and_the_hosts_end(void **state)
{
    (void)state;
    notify_fx_answer("* deny\n");
    char host[254], url[3200];
    memset(host, 'x', sizeof(host) - 1);
    memcpy(host, "accounts.google.com.", 20);
    memcpy(host + sizeof(host) - 1 - 10, ".evil.test", 10);
    host[sizeof(host) - 1] = '\0';
    int n = snprintf(url, sizeof(url), "https://%s/a?redirect_uri=http%%3A%%2F%%2Flocalhost%%3A"
                     "5432%%2F&pad=", host);
    memset(url + n, 'p', sizeof(url) - 1 - (size_t)n);
    url[sizeof(url) - 1] = '\0';
    const struct proxy_question q = {
            .id = "abcdefabcdef", .url = url, .host = host, .relay_port = 5432, .peer_pid = 7};
    char why[256];
    assert_int_equal(run_proxy_approve(&q, -1, 10000, why, sizeof(why), NULL), 0);
    _cleanup_free_ char *rec = notify_fx_record();
    notify_fx_expect_in(rec, "x.evil.test, callback port 5432)?");
    notify_fx_expect_in(rec, "on port 5432 of this machine");
    notify_fx_expect_in(rec, "(request abcdefabcdef)");
}

static void test_a_url_without_a_relay_says_none_and_deny_is_no(void **state)
{
    (void)state;
    notify_fx_answer("* deny\n");
    const struct proxy_question q = {
            .id = "ffffffffffff", .url = "https://example.org/x", .host = "example.org"};
    char why[256];
    assert_int_equal(run_proxy_approve(&q, -1, 10000, why, sizeof(why), NULL), 0);
    assert_string_equal(why, "denied");
    _cleanup_free_ char *rec = notify_fx_record();
    notify_fx_expect_in(rec,
                        "\"body\": \"Asked by an unknown process in the sandbox (request "
                        "ffffffffffff).\\nhttps://example.org/x\"");
}

struct asking {
    int cancel_fd, answer;
    char why[128];
    int64_t ended;
};

static void *ask_thread(void *data)
{
    struct asking *a = data;
    a->answer = run_proxy_approve(&login, a->cancel_fd, 10000, a->why, sizeof(a->why), NULL);
    a->ended = notify_fx_now_ms();
    return NULL;
}

/* `ags approve ID` in another terminal answered: the server's cancel_fd
 * fires, the notification leaves the desktop and the callback returns. */
static void test_a_question_answered_elsewhere_is_withdrawn_at_once(void **state)
{
    (void)state;
    notify_fx_answer("* none\n");
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    struct asking a = {.cancel_fd = p[0], .answer = -100};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, ask_thread, &a), 0);
    notify_fx_await("\"summary\": \"Open a login for the sandbox (auth.example.com, callback "
                    "port 1455)?\"");
    int64_t fired = notify_fx_now_ms();
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(a.answer, 0);
    assert_string_equal(a.why, NOTIFY_ANSWERED_ELSEWHERE);
    assert_true(a.ended - fired < 2000); /* not the question's 10 s */
    _cleanup_free_ char *closed = xasprintf("{\"close\": %ld}", notify_fx_first_id());
    notify_fx_await(closed);
    close(p[0]);
    close(p[1]);
}

static void test_with_no_way_to_ask_it_says_why(void **state)
{
    (void)state;
    (void)unsetenv("DISPLAY");
    (void)unsetenv("WAYLAND_DISPLAY");
    char why[512];
    assert_int_equal(run_proxy_approve(&login, -1, 10000, why, sizeof(why), NULL), -ENOTSUP);
    notify_fx_expect_in(
            why, "no notification server with actions (no notification server on the session "
                 "bus (");
    notify_fx_expect_in(why, "), no zenity or kdialog (");
}

#define T(f) cmocka_unit_test_setup(f, fresh)

int main(int argc, char **argv)
{
    if (argc != 2 || !notify_fx_dir()) {
        fprintf(stderr, "usage: NOTIFY_TEST_DIR=DIR test-proxy-approve server|noserver "
                        "(run by tests/notify/notify-test.sh)\n");
        return 2;
    }
    if (strcmp(argv[1], "server") == 0) {
        const struct CMUnitTest tests[] = {
                T(test_an_opened_url_was_shown_with_its_host_url_and_relay_port),
                T(test_a_url_without_a_relay_says_none_and_deny_is_no),
                T(test_a_long_url_or_host_keeps_the_relay_the_id_and_the_hosts_end),
                T(test_a_question_answered_elsewhere_is_withdrawn_at_once),
        };
        return cmocka_run_group_tests_name("proxy approve server", tests, NULL, NULL);
    }
    if (strcmp(argv[1], "noserver") == 0) {
        const struct CMUnitTest tests[] = {
                T(test_with_no_way_to_ask_it_says_why),
        };
        return cmocka_run_group_tests_name("proxy approve noserver", tests, NULL, NULL);
    }
    fprintf(stderr, "test-proxy-approve: unknown mode %s\n", argv[1]);
    return 2;
}
