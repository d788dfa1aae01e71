/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * src/notify against a real D-Bus (tests/notify/notify-test.sh runs each mode
 * in a private session bus): questions answered through the test
 * notification server's actions (allow, deny), closed, unanswered, asked from
 * several threads at once; outside text escaped and cut as the server records
 * it; a plain notification; the zenity and kdialog path when the server has
 * no actions or there is none (a stand-in script, since a real zenity needs a
 * display: tests/notify/fake-dialog.sh), only from a directory nobody else
 * can write and only with a display; -ENOTSUP with why when nothing can ask;
 * and the doctor probe for each.
 *
 *   test-notify MODE   (nobus, noserver, server, noactions)
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
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/fileio.h"
#include "notify/internal.h"
#include "notify/notify.h"

static const char *g_dir; /* NOTIFY_TEST_DIR: the server's answers and record */

/* ---- the files the server and the fake dialog read and write ---- */

static char *in_dir(const char *name)
{
    return xasprintf("%s/%s", g_dir, name);
}

static void put(const char *name, const char *text, unsigned mode)
{
    _cleanup_free_ char *path = in_dir(name);
    assert_int_equal(write_file_atomic(path, text, strlen(text), mode, NULL), 0);
}

static char *get(const char *name)
{
    _cleanup_free_ char *path = in_dir(name);
    char *text = NULL;
    size_t len;
    if (read_file_bounded(path, 1u << 20, &text, &len, NULL) < 0)
        return xstrdup("");
    return text;
}

static size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void expect_in(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("'%s' not in:\n%s", needle, text);
}

/* Each test starts with an empty record. */
static int fresh(void **state)
{
    (void)state;
    _cleanup_free_ char *path = in_dir("record.jsonl");
    (void)unlink(path);
    return 0;
}

static int ask_cancellable(const char *title, const char *body, int timeout_ms, int cancel_fd,
                           char *why, size_t size)
{
    const struct notify_question q = {.title = title, .body = body, .allow_label = "Allow",
                                      .deny_label = "Deny", .timeout_ms = timeout_ms,
                                      .cancel_fd = cancel_fd};
    return notify_ask(&q, why, size);
}

static int ask_for(const char *title, const char *body, int timeout_ms, char *why, size_t size)
{
    return ask_cancellable(title, body, timeout_ms, -1, why, size);
}

/* Waits (bounded) until the record holds needle. */
static void await_record(const char *needle)
{
    int64_t deadline = monotonic_ms() + 10000;
    for (;;) {
        _cleanup_free_ char *rec = get("record.jsonl");
        if (strstr(rec, needle))
            return;
        if (monotonic_ms() > deadline)
            fail_msg("'%s' never recorded:\n%s", needle, rec);
        (void)usleep(20000);
    }
}

/* ---- mode server: a notification server with actions ---- */

static void test_allow_action_is_yes_and_the_server_sees_the_question(void **state)
{
    (void)state;
    put("answers", "* allow\n", 0600);
    char why[256];
    assert_int_equal(ask_for("Allow test one?", "what would happen", 10000, why, sizeof(why)), 1);
    assert_string_equal(why, "allowed");
    _cleanup_free_ char *rec = get("record.jsonl");
    expect_in(rec, "\"app\": \"ags\", \"summary\": \"Allow test one?\", \"body\": \"what would "
                   "happen\", \"actions\": [\"allow\", \"Allow\", \"deny\", \"Deny\"], "
                   "\"timeout\": 10000, \"urgency\": 2}");
}

static void test_deny_action_is_no(void **state)
{
    (void)state;
    put("answers", "* deny\n", 0600);
    char why[256];
    assert_int_equal(ask_for("Deny me?", "b", 10000, why, sizeof(why)), 0);
    assert_string_equal(why, "denied");
}

static void test_a_notification_closed_unanswered_is_no(void **state)
{
    (void)state;
    put("answers", "* close\n", 0600);
    char why[256];
    assert_int_equal(ask_for("Close me?", "b", 10000, why, sizeof(why)), 0);
    assert_string_equal(why, "the notification was closed unanswered");
}

static void test_no_answer_in_time_is_no_and_the_notification_is_withdrawn(void **state)
{
    (void)state;
    put("answers", "* none\n", 0600);
    char why[256];
    int64_t t0 = monotonic_ms();
    assert_int_equal(ask_for("Nobody answers?", "b", 300, why, sizeof(why)), 0);
    int64_t took = monotonic_ms() - t0;
    assert_true(took >= 300 && took < 5000);
    assert_string_equal(why, "no answer within 1 s");
    await_record("{\"close\": ");
}

static void test_outside_text_is_escaped_and_markup_in_the_body_is_text(void **state)
{
    (void)state;
    put("answers", "* deny\n", 0600);
    assert_int_equal(ask_for("Sign \x1b[31mred\nsecond line?",
                             "<b>bold</b> & \"q\" 'a'\n\xe2\x80\xae" "evil \xff", 10000, NULL, 0),
                     0);
    _cleanup_free_ char *rec = get("record.jsonl");
    /* JSON doubles the backslash of the visible escapes. */
    expect_in(rec, "\"summary\": \"Sign \\\\x1b[31mred second line?\"");
    expect_in(rec, "\"body\": \"&lt;b&gt;bold&lt;/b&gt; &amp; &quot;q&quot; &apos;a&apos;\\n"
                   "\\\\u{202e}evil \\\\xff\"");
}

static void test_a_long_text_is_cut_to_its_bound(void **state)
{
    (void)state;
    put("answers", "* deny\n", 0600);
    char *title = xmalloc(5001), *body = xmalloc(20001);
    memset(title, 't', 5000);
    title[5000] = '\0';
    memset(body, 'b', 20000);
    body[20000] = '\0';
    assert_int_equal(ask_for(title, body, 10000, NULL, 0), 0);
    _cleanup_free_ char *rec = get("record.jsonl");
    char *want_t = xmalloc(NOTIFY_TITLE_MAX + 1), *want_b = xmalloc(NOTIFY_BODY_MAX + 1);
    memset(want_t, 't', NOTIFY_TITLE_MAX - 3);
    strcpy(want_t + NOTIFY_TITLE_MAX - 3, "...");
    memset(want_b, 'b', NOTIFY_BODY_MAX - 3);
    strcpy(want_b + NOTIFY_BODY_MAX - 3, "...");
    _cleanup_free_ char *summary = xasprintf("\"summary\": \"%s\"", want_t),
                        *bodyj = xasprintf("\"body\": \"%s\"", want_b);
    expect_in(rec, summary);
    expect_in(rec, bodyj);
    free(title);
    free(body);
    free(want_t);
    free(want_b);
}

struct asker {
    pthread_t thread;
    char title[32];
    int cancel_fd; /* -1: none */
    int answer;
    char why[128];
    int64_t ended;
};

static void *ask_thread(void *data)
{
    struct asker *a = data;
    a->answer = ask_cancellable(a->title, "concurrent", 10000, a->cancel_fd, a->why,
                                sizeof(a->why));
    a->ended = monotonic_ms();
    return NULL;
}

static void test_questions_from_several_threads_each_get_their_own_answer(void **state)
{
    (void)state;
    /* q0 is answered last, after the others got theirs. */
    put("answers", "q0 allow@400\nq1 deny\nq2 allow\nq3 close\nq4 deny@100\nq5 allow\n", 0600);
    static const int want[] = {1, 0, 1, 0, 0, 1};
    struct asker a[6];
    for (size_t i = 0; i < 6; i++) {
        a[i] = (struct asker){.answer = -1, .cancel_fd = -1};
        (void)snprintf(a[i].title, sizeof(a[i].title), "question q%zu", i);
        assert_int_equal(pthread_create(&a[i].thread, NULL, ask_thread, &a[i]), 0);
    }
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(pthread_join(a[i].thread, NULL), 0);
    for (size_t i = 0; i < 6; i++) {
        if (a[i].answer != want[i])
            fail_msg("%s: %d (%s), wanted %d", a[i].title, a[i].answer, a[i].why, want[i]);
    }
    assert_string_equal(a[0].why, "allowed");
    assert_string_equal(a[3].why, "the notification was closed unanswered");
    for (size_t i = 1; i < 6; i++)
        assert_true(a[i].ended < a[0].ended);
    _cleanup_free_ char *rec = get("record.jsonl");
    assert_int_equal(count(rec, "\"summary\": \"question q"), 6);
}

static void test_cancel_answers_a_waiting_question_no_and_withdraws_it(void **state)
{
    (void)state;
    put("answers", "* none\n", 0600);
    struct asker a = {.answer = -1, .cancel_fd = -1};
    (void)snprintf(a.title, sizeof(a.title), "cancelled?");
    int64_t t0 = monotonic_ms();
    assert_int_equal(pthread_create(&a.thread, NULL, ask_thread, &a), 0);
    await_record("\"summary\": \"cancelled?\"");
    notify_cancel_questions();
    assert_int_equal(pthread_join(a.thread, NULL), 0);
    assert_int_equal(a.answer, 0);
    assert_string_equal(a.why, "ags is ending");
    assert_true(a.ended - t0 < 5000); /* not the question's 10 s */
    await_record("{\"close\": ");
    /* The next question is asked as usual. */
    put("answers", "* allow\n", 0600);
    assert_int_equal(ask_for("after?", "b", 10000, NULL, 0), 1);
}

/* The caller got its answer elsewhere (`ags approve`): the notification is
 * withdrawn (CloseNotification) and the question answered no at once. */
static void test_a_fired_cancel_fd_withdraws_the_notification_and_answers_no(void **state)
{
    (void)state;
    put("answers", "* none\n", 0600);
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    struct asker a = {.answer = -1, .cancel_fd = p[0]};
    (void)snprintf(a.title, sizeof(a.title), "withdrawn?");
    assert_int_equal(pthread_create(&a.thread, NULL, ask_thread, &a), 0);
    await_record("\"summary\": \"withdrawn?\"");
    int64_t fired = monotonic_ms();
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(pthread_join(a.thread, NULL), 0);
    assert_int_equal(a.answer, 0);
    assert_string_equal(a.why, NOTIFY_ANSWERED_ELSEWHERE);
    assert_true(a.ended - fired < 2000); /* not the question's 10 s */
    _cleanup_free_ char *rec = get("record.jsonl");
    char *id = strstr(rec, "{\"id\": ");
    assert_non_null(id);
    _cleanup_free_ char *close_line = xasprintf("{\"close\": %ld}", strtol(id + 7, NULL, 10));
    await_record(close_line);
    close(p[0]);
    close(p[1]);
    /* A hung-up cancel_fd counts too: the caller is gone. */
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    a = (struct asker){.answer = -1, .cancel_fd = p[0]};
    (void)snprintf(a.title, sizeof(a.title), "caller gone?");
    assert_int_equal(pthread_create(&a.thread, NULL, ask_thread, &a), 0);
    await_record("\"summary\": \"caller gone?\"");
    close(p[1]);
    assert_int_equal(pthread_join(a.thread, NULL), 0);
    assert_int_equal(a.answer, 0);
    assert_string_equal(a.why, NOTIFY_ANSWERED_ELSEWHERE);
    close(p[0]);
    /* An answer on the desktop still wins while cancel_fd stays quiet. */
    put("answers", "* allow\n", 0600);
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    char why[128];
    assert_int_equal(ask_cancellable("quiet cancel?", "b", 10000, p[0], why, sizeof(why)), 1);
    close(p[0]);
    close(p[1]);
}

static void test_send_shows_a_plain_notification(void **state)
{
    (void)state;
    char why[256];
    assert_int_equal(notify_send("ags: session ended", "claude exited with status 0 <after> 2 min",
                                 why, sizeof(why)), 0);
    _cleanup_free_ char *rec = get("record.jsonl");
    expect_in(rec, "\"summary\": \"ags: session ended\", \"body\": \"claude exited with status 0 "
                   "&lt;after&gt; 2 min\", \"actions\": []");
}

static void test_probe_names_the_server_with_actions(void **state)
{
    (void)state;
    struct notify_probe p;
    notify_probe(&p);
    assert_int_equal(p.path, NOTIFY_PATH_SERVER);
    assert_string_equal(notify_path_name(p.path), "notification server");
    expect_in(p.what, "ags-test-server 1.0 (ags)");
}

/* ---- the dialog path: a stand-in zenity or kdialog in a private PATH dir ---- */

static char *bin_dir(void)
{
    return in_dir("bin");
}

/* An empty private bin dir alone on PATH, with a display unless told not. */
static void dialog_env(bool display)
{
    _cleanup_free_ char *bin = bin_dir();
    _cleanup_free_ char *cmd = xasprintf("/bin/rm -rf '%s' && /bin/mkdir -m 0700 '%s'", bin, bin);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(setenv("PATH", bin, 1), 0);
    (void)unsetenv("WAYLAND_DISPLAY");
    if (display)
        assert_int_equal(setenv("DISPLAY", ":ags-test", 1), 0);
    else
        (void)unsetenv("DISPLAY");
}

/* The stand-in as bin/name. */
static void install_dialog(const char *name)
{
    _cleanup_free_ char *bin = bin_dir();
    _cleanup_free_ char *cmd = xasprintf("/bin/cp '%s' '%s/%s' && /bin/chmod 0755 '%s/%s'",
                                         getenv("NOTIFY_FAKE_DIALOG"), bin, name, bin, name);
    assert_int_equal(system(cmd), 0);
}

static void test_zenity_asks_when_the_server_has_no_actions(void **state)
{
    (void)state;
    dialog_env(true);
    install_dialog("zenity");
    char why[512];
    put("dialog-answer", "0\n", 0600);
    assert_int_equal(ask_for("Open <b>x</b>?", "https://example.com/?a=1&b=\x1b", 10000, why,
                             sizeof(why)), 1);
    assert_string_equal(why, "allowed");
    _cleanup_free_ char *args = get("dialog-args");
    expect_in(args, "--question\n--end--\n--no-markup\n--end--\n--default-cancel\n--end--\n--title=Open <b>x</b>?\n--end--\n"
                    "--text=Open <b>x</b>?\n\nhttps://example.com/?a=1&b=\\x1b\n--end--\n"
                    "--ok-label=Allow\n--end--\n--cancel-label=Deny\n--end--\n--timeout=10\n");
    put("dialog-answer", "1\n", 0600);
    assert_int_equal(ask_for("Open?", "b", 10000, why, sizeof(why)), 0);
    assert_string_equal(why, "denied");
    /* The server heard no question: it cannot offer buttons. */
    _cleanup_free_ char *rec = get("record.jsonl");
    assert_int_equal(count(rec, "\"summary\""), 0);
}

static void test_a_dialog_open_at_the_deadline_is_killed_and_means_no(void **state)
{
    (void)state;
    dialog_env(true);
    install_dialog("zenity");
    put("dialog-answer", "hang\n", 0600);
    char why[256];
    int64_t t0 = monotonic_ms();
    assert_int_equal(ask_for("Hang?", "b", 300, why, sizeof(why)), 0);
    assert_true(monotonic_ms() - t0 < 5000);
    assert_string_equal(why, "no answer in the zenity dialog in time");
}

/* Starts a's question on a thread with a stand-in zenity that never answers
 * and returns once the dialog is up; the time it started. */
static int64_t start_hanging_dialog(struct asker *a, const char *title)
{
    dialog_env(true);
    install_dialog("zenity");
    put("dialog-answer", "hang\n", 0600);
    _cleanup_free_ char *args = in_dir("dialog-args");
    (void)unlink(args);
    (void)snprintf(a->title, sizeof(a->title), "%s", title);
    int64_t t0 = monotonic_ms();
    assert_int_equal(pthread_create(&a->thread, NULL, ask_thread, a), 0);
    /* The dialog is up once it wrote its arguments (bounded wait). */
    struct stat st;
    while (stat(args, &st) != 0 || st.st_size == 0) {
        assert_true(monotonic_ms() - t0 < 5000);
        (void)usleep(20000);
    }
    return t0;
}

static void test_cancel_ends_an_open_dialog_with_no(void **state)
{
    (void)state;
    struct asker a = {.answer = -1, .cancel_fd = -1};
    int64_t t0 = start_hanging_dialog(&a, "cancelled?");
    notify_cancel_questions();
    assert_int_equal(pthread_join(a.thread, NULL), 0);
    assert_int_equal(a.answer, 0);
    assert_string_equal(a.why, "ags is ending");
    assert_true(a.ended - t0 < 5000);
}

static void test_a_fired_cancel_fd_kills_the_dialog_and_answers_no(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    struct asker a = {.answer = -1, .cancel_fd = p[0]};
    int64_t t0 = start_hanging_dialog(&a, "withdrawn?");
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(pthread_join(a.thread, NULL), 0);
    assert_int_equal(a.answer, 0);
    assert_string_equal(a.why, NOTIFY_ANSWERED_ELSEWHERE);
    assert_true(a.ended - t0 < 5000);
    close(p[0]);
    close(p[1]);
}

static void test_kdialog_asks_with_its_text_escaped_as_rich_text(void **state)
{
    (void)state;
    dialog_env(true);
    install_dialog("kdialog");
    put("dialog-answer", "0\n", 0600);
    char why[256];
    assert_int_equal(ask_for("Open <i>it</i>?", "<b>x</b> & y\nline 2", 10000, why, sizeof(why)),
                     1);
    _cleanup_free_ char *args = get("dialog-args");
    expect_in(args, "--title\n--end--\nOpen <i>it</i>?\n--end--\n--yes-label\n--end--\nAllow\n"
                    "--end--\n--no-label\n--end--\nDeny\n--end--\n--yesno\n--end--\n"
                    "<qt><b>Open &lt;i&gt;it&lt;/i&gt;?</b><br><br>&lt;b&gt;x&lt;/b&gt; &amp; "
                    "y<br>line 2</qt>\n--end--\n");
    put("dialog-answer", "2\n", 0600);
    assert_int_equal(ask_for("Open?", "b", 10000, why, sizeof(why)), 0);
    assert_string_equal(why, "denied");
}

static void test_probe_names_the_dialog(void **state)
{
    (void)state;
    dialog_env(true);
    install_dialog("zenity");
    struct notify_probe p;
    notify_probe(&p);
    assert_int_equal(p.path, NOTIFY_PATH_ZENITY);
    expect_in(p.what, "/bin/zenity (");
}

static void test_no_display_means_no_way_to_ask_saying_why(void **state)
{
    (void)state;
    dialog_env(false);
    install_dialog("zenity");
    char why[512];
    assert_int_equal(ask_for("Open?", "b", 10000, why, sizeof(why)), -ENOTSUP);
    expect_in(why, "no notification server with actions (the notification server has no "
                   "actions (buttons)), no zenity or kdialog (zenity needs a display");
    struct notify_probe p;
    notify_probe(&p);
    assert_int_equal(p.path, NOTIFY_PATH_NONE);
}

static void test_a_dialog_in_a_directory_others_can_write_is_not_run(void **state)
{
    (void)state;
    dialog_env(true);
    install_dialog("zenity");
    _cleanup_free_ char *bin = bin_dir();
    assert_int_equal(chmod(bin, 0777), 0);
    put("dialog-answer", "0\n", 0600);
    char why[512];
    int r = ask_for("Open?", "b", 10000, why, sizeof(why));
    assert_int_equal(chmod(bin, 0700), 0);
    assert_int_equal(r, -ENOTSUP);
    expect_in(why, "no zenity or kdialog on PATH");
}

/* ---- mode noserver: a bus without the name ---- */

static void test_a_bus_without_a_server_and_no_dialog_cannot_ask(void **state)
{
    (void)state;
    dialog_env(true);
    char why[512];
    assert_int_equal(ask_for("Open?", "b", 10000, why, sizeof(why)), -ENOTSUP);
    expect_in(why, "no notification server with actions (no notification server on the session "
                   "bus (");
    expect_in(why, "org.freedesktop.Notifications");
    expect_in(why, "no zenity or kdialog (no zenity or kdialog on PATH");
    assert_int_equal(notify_send("t", "b", why, sizeof(why)), -ENOTCONN);
    expect_in(why, "no notification server on the session bus");
    struct notify_probe p;
    notify_probe(&p);
    assert_int_equal(p.path, NOTIFY_PATH_NONE);
    assert_string_equal(notify_path_name(p.path), "none");
}

static void test_a_bus_without_a_server_asks_through_zenity(void **state)
{
    (void)state;
    dialog_env(true);
    install_dialog("zenity");
    put("dialog-answer", "0\n", 0600);
    assert_int_equal(ask_for("Open?", "b", 10000, NULL, 0), 1);
}

/* ---- mode nobus: no session bus at all ---- */

static void test_without_a_session_bus_nothing_waits(void **state)
{
    (void)state;
    dialog_env(false);
    char why[512];
    int64_t t0 = monotonic_ms();
    assert_int_equal(ask_for("Open?", "b", 10000, why, sizeof(why)), -ENOTSUP);
    expect_in(why, "no notification server with actions (no session bus (DBUS_SESSION_BUS_ADDRESS "
                   "is unset)), no zenity or kdialog (");
    assert_int_equal(notify_send("t", "b", why, sizeof(why)), -ENOTCONN);
    expect_in(why, "no session bus");
    struct notify_probe p;
    notify_probe(&p);
    assert_int_equal(p.path, NOTIFY_PATH_NONE);
    assert_true(monotonic_ms() - t0 < 1000);
}

static void test_a_question_needs_a_timeout(void **state)
{
    (void)state;
    char why[128];
    assert_int_equal(ask_for("t", "b", 0, why, sizeof(why)), -EINVAL);
}

/* Answered before it is asked: no way to ask is no matter then. */
static void test_a_question_cancelled_beforehand_is_answered_no_unasked(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    char why[128];
    assert_int_equal(ask_cancellable("t", "b", 10000, p[0], why, sizeof(why)), 0);
    assert_string_equal(why, NOTIFY_ANSWERED_ELSEWHERE);
    close(p[0]);
    close(p[1]);
}

static void test_text_is_escaped_cut_on_a_character_and_marked(void **state)
{
    (void)state;
    _cleanup_free_ char *plain = notify_text("a\tb\nc\x07", 100, false, false),
                        *line = notify_text("a\tb\nc", 100, true, false),
                        *cut = notify_text("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8, true,
                                           false),
                        *markup = notify_text("<&>'\"", 100, true, true),
                        *none = notify_text(NULL, 10, true, true);
    assert_string_equal(plain, "a\tb\nc\\x07");
    assert_string_equal(line, "a b c");
    assert_string_equal(cut, "\xc3\xa9\xc3\xa9...");
    assert_string_equal(markup, "&lt;&amp;&gt;&apos;&quot;");
    assert_string_equal(none, "");
}

#define T(f) cmocka_unit_test_setup(f, fresh)

int main(int argc, char **argv)
{
    g_dir = getenv("NOTIFY_TEST_DIR");
    if (argc != 2 || !g_dir || !getenv("NOTIFY_FAKE_DIALOG")) {
        fprintf(stderr, "usage: NOTIFY_TEST_DIR=DIR NOTIFY_FAKE_DIALOG=SCRIPT test-notify MODE "
                        "(run by tests/notify/notify-test.sh)\n");
        return 2;
    }
    const char *mode = argv[1];
    if (strcmp(mode, "server") == 0) {
        const struct CMUnitTest tests[] = {
                T(test_allow_action_is_yes_and_the_server_sees_the_question),
                T(test_deny_action_is_no),
                T(test_a_notification_closed_unanswered_is_no),
                T(test_no_answer_in_time_is_no_and_the_notification_is_withdrawn),
                T(test_outside_text_is_escaped_and_markup_in_the_body_is_text),
                T(test_a_long_text_is_cut_to_its_bound),
                T(test_questions_from_several_threads_each_get_their_own_answer),
                T(test_cancel_answers_a_waiting_question_no_and_withdraws_it),
                T(test_a_fired_cancel_fd_withdraws_the_notification_and_answers_no),
                T(test_send_shows_a_plain_notification),
                T(test_probe_names_the_server_with_actions),
        };
        return cmocka_run_group_tests_name("notify server", tests, NULL, NULL);
    }
    if (strcmp(mode, "noactions") == 0) {
        const struct CMUnitTest tests[] = {
                T(test_zenity_asks_when_the_server_has_no_actions),
                T(test_a_dialog_open_at_the_deadline_is_killed_and_means_no),
                T(test_cancel_ends_an_open_dialog_with_no),
                T(test_a_fired_cancel_fd_kills_the_dialog_and_answers_no),
                T(test_kdialog_asks_with_its_text_escaped_as_rich_text),
                T(test_probe_names_the_dialog),
                T(test_no_display_means_no_way_to_ask_saying_why),
                T(test_a_dialog_in_a_directory_others_can_write_is_not_run),
        };
        return cmocka_run_group_tests_name("notify noactions", tests, NULL, NULL);
    }
    if (strcmp(mode, "noserver") == 0) {
        const struct CMUnitTest tests[] = {
                T(test_a_bus_without_a_server_and_no_dialog_cannot_ask),
                T(test_a_bus_without_a_server_asks_through_zenity),
        };
        return cmocka_run_group_tests_name("notify noserver", tests, NULL, NULL);
    }
    if (strcmp(mode, "nobus") == 0) {
        const struct CMUnitTest tests[] = {
                T(test_without_a_session_bus_nothing_waits),
                T(test_a_question_needs_a_timeout),
                T(test_a_question_cancelled_beforehand_is_answered_no_unasked),
                T(test_text_is_escaped_cut_on_a_character_and_marked),
        };
        return cmocka_run_group_tests_name("notify nobus", tests, NULL, NULL);
    }
    fprintf(stderr, "test-notify: unknown mode %s\n", mode);
    return 2;
}
