/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The notification that a long session ended (run/session-end.c): the pure
 * decision (enabled, long enough, not maintenance) and its text, then the
 * notification itself through src/notify (tests/notify/notify-test.sh):
 *   nobus    the decision; without a session bus nothing is shown and
 *            nothing waits;
 *   server   the test notification server records it.
 *
 *   test-session-end MODE
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "notify-server-tools.h"
#include "run/run.h"

static struct run_session_end session(uint64_t elapsed_ms)
{
    return (struct run_session_end){.enabled = true, .min_seconds = 60, .agent = "claude",
                                    .exit_status = 3, .elapsed_ms = elapsed_ms};
}

/* The notice for s: its title and body joined by " | ", or NULL when none. */
static char *notice(const struct run_session_end *s)
{
    char *title, *body;
    if (!run_session_end_notice(s, &title, &body)) {
        assert_null(title);
        assert_null(body);
        return NULL;
    }
    char *both = xasprintf("%s | %s", title, body);
    free(title);
    free(body);
    return both;
}

static void test_a_session_of_min_seconds_or_more_is_told_with_its_status_and_length(void **state)
{
    (void)state;
    struct run_session_end s = session(60000);
    char *n = notice(&s);
    assert_string_equal(n, "ags: claude session ended | exit status 3 after 1 min 0 s");
    free(n);
    s = session(3725999); /* 62 min 5.999 s: whole seconds */
    s.exit_status = 130;
    s.agent = "pi";
    n = notice(&s);
    assert_string_equal(n, "ags: pi session ended | exit status 130 after 62 min 5 s");
    free(n);
}

static void test_a_shorter_session_is_not_told(void **state)
{
    (void)state;
    struct run_session_end s = session(59999);
    assert_null(notice(&s));
    s.min_seconds = 0; /* every session */
    s.elapsed_ms = 0;
    char *n = notice(&s);
    assert_string_equal(n, "ags: claude session ended | exit status 3 after 0 min 0 s");
    free(n);
}

static void test_nothing_when_notifications_are_off_or_for_maintenance(void **state)
{
    (void)state;
    struct run_session_end s = session(600000);
    s.enabled = false;
    assert_null(notice(&s));
    s = session(600000);
    s.maintenance = true; /* ags update-agents */
    assert_null(notice(&s));
}

struct sent {
    int calls;
    char *title, *body;
};
static struct sent g_sent;

static int record_send(const char *title, const char *body, char *why, size_t why_size)
{
    g_sent.calls++;
    free(g_sent.title);
    free(g_sent.body);
    g_sent.title = xstrdup(title);
    g_sent.body = xstrdup(body);
    (void)snprintf(why, why_size, "no session bus");
    return -ENOTCONN; /* a failure is not reported: nothing to check but the call */
}

static void test_notify_sends_only_what_is_due(void **state)
{
    (void)state;
    struct run_session_end s = session(1000);
    run_session_end_notify(&s, record_send);
    assert_int_equal(g_sent.calls, 0);
    s = session(61000);
    run_session_end_notify(&s, record_send);
    assert_int_equal(g_sent.calls, 1);
    assert_string_equal(g_sent.title, "ags: claude session ended");
    assert_string_equal(g_sent.body, "exit status 3 after 1 min 1 s");
    free(g_sent.title);
    free(g_sent.body);
    g_sent = (struct sent){0};
}

/* No session bus (ssh, a console): notify_send fails at once, silently. */
static void test_without_a_bus_the_real_send_returns_at_once(void **state)
{
    (void)state;
    struct run_session_end s = session(61000);
    int64_t t0 = notify_fx_now_ms();
    run_session_end_notify(&s, NULL);
    assert_true(notify_fx_now_ms() - t0 < 1000);
}

static void test_the_notification_reaches_the_server(void **state)
{
    (void)state;
    notify_fx_forget();
    struct run_session_end s = session(125000);
    s.exit_status = 0;
    run_session_end_notify(&s, NULL);
    _cleanup_free_ char *rec = notify_fx_record();
    notify_fx_expect_in(rec, "\"summary\": \"ags: claude session ended\", \"body\": \"exit status "
                             "0 after 2 min 5 s\", \"actions\": []");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test-session-end nobus|server (run by "
                        "tests/notify/notify-test.sh)\n");
        return 2;
    }
    if (strcmp(argv[1], "nobus") == 0) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(
                        test_a_session_of_min_seconds_or_more_is_told_with_its_status_and_length),
                cmocka_unit_test(test_a_shorter_session_is_not_told),
                cmocka_unit_test(test_nothing_when_notifications_are_off_or_for_maintenance),
                cmocka_unit_test(test_notify_sends_only_what_is_due),
                cmocka_unit_test(test_without_a_bus_the_real_send_returns_at_once),
        };
        return cmocka_run_group_tests_name("session end nobus", tests, NULL, NULL);
    }
    if (strcmp(argv[1], "server") == 0 && notify_fx_dir()) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_the_notification_reaches_the_server),
        };
        return cmocka_run_group_tests_name("session end server", tests, NULL, NULL);
    }
    fprintf(stderr, "test-session-end: unknown mode %s\n", argv[1]);
    return 2;
}
