/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The wiring of [ssh] confirm = "always" end to end: a real ssh-agent, the
 * agent proxy (src/ssh) with run's approval callback (run/approve.c), which
 * asks through src/notify over a real D-Bus session the test notification
 * server answers (tests/notify/notify-test.sh):
 *   server    allowed: ssh-keygen -Y sign -n git through the proxy signs
 *             and the signature verifies; denied: refused and logged;
 *   noserver  no way to ask: refused and logged with why.
 *
 *   test-ssh-approve MODE
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "notify/notify.h"
#include "notify-server-tools.h"
#include "run/approve.h"
#include "ssh/agent-server.h"
#include "ssh-tools.h"

#define expect_in notify_fx_expect_in

static struct ssh_fixture g_fx;
static char *g_proxy_sock, *g_log_path;
static int g_log_fd = -1;
static struct ssh_proxy *g_proxy;

static int setup_group(void **state)
{
    (void)state;
    ssh_fixture_up(&g_fx);
    g_proxy_sock = path_in("proxy.sock");
    g_log_fd = log_open("proxy.log", &g_log_path);
    struct ssh_proxy_opts o = ssh_fixture_proxy_opts(&g_fx, g_proxy_sock, g_log_fd);
    o.confirm = SSH_CONFIRM_ALWAYS;
    o.approve = run_ssh_approve;
    g_proxy = ssh_fixture_proxy_up(&o);
    return 0;
}

static int teardown_group(void **state)
{
    (void)state;
    ssh_proxy_stop(g_proxy);
    close(g_log_fd);
    free(g_proxy_sock);
    free(g_log_path);
    return ssh_fixture_down(&g_fx);
}

/* ssh-keygen -Y sign -n git over a fresh message with the signing key,
 * through the proxy: its exit status; *pid: the client. */
static int sign_git(const char *msg_name, pid_t *pid)
{
    _cleanup_free_ char *msg = path_in(msg_name),
                        *pub = xasprintf("%s/pub/sign.pub", ssh_test_dir);
    assert_int_equal(write_file_atomic(msg, "tree 1\n", 7, 0600, NULL), 0);
    char *argv[] = {MUT("ssh-keygen"), MUT("-Y"), MUT("sign"), MUT("-n"), MUT("git"),
                    MUT("-f"),         pub,       msg,         NULL};
    struct child_io io = {.sock = g_proxy_sock};
    *pid = start(argv, &io);
    return wait_status(*pid);
}

static void test_an_allowed_signature_is_made_after_the_desktop_question(void **state)
{
    (void)state;
    notify_fx_answer("* allow\n");
    pid_t pid;
    assert_int_equal(sign_git("commit-allowed", &pid), 0);
    /* The signature is the real agent's, for the signing key, over the message. */
    _cleanup_free_ char *words = key_words("sign.pub"), *allowed = path_in("allowed_signers"),
                        *msg = path_in("commit-allowed");
    _cleanup_free_ char *line = xasprintf("agent@ags namespaces=\"git\" %s\n", words),
                        *sig = xasprintf("%s.sig", msg);
    assert_int_equal(write_file_atomic(allowed, line, strlen(line), 0600, NULL), 0);
    char *verify[] = {MUT("ssh-keygen"), MUT("-Y"), MUT("verify"), MUT("-f"), allowed, MUT("-I"),
                      MUT("agent@ags"),  MUT("-n"), MUT("git"),    MUT("-s"), sig,     NULL};
    struct child_io io = {.in = msg};
    assert_int_equal(run(verify, &io), 0);
    /* What the user was shown. */
    _cleanup_free_ char *rec = notify_fx_record();
    _cleanup_free_ char *asked = xasprintf(
            "\"summary\": \"Allow the sandbox to sign with ags-agent-signing (signing)?\", "
            "\"body\": \"sign with the signing key &apos;ags-agent-signing&apos;: SSHSIG "
            "namespace &apos;git&apos; (sha512).\\nAsked by process %ld through the sandbox&apos;s "
            "ssh agent.\", \"actions\": [\"allow\", \"Sign\", \"deny\", \"Refuse\"], "
            "\"timeout\": %d",
            (long)pid, RUN_SSH_APPROVE_TIMEOUT_MS);
    expect_in(rec, asked);
    _cleanup_free_ char *log = notify_fx_text(g_log_path);
    expect_in(log, " allowed SSH_AGENTC_SIGN_REQUEST key=ags-agent-signing (signing)");
}

static void test_a_denied_signature_is_refused_and_logged(void **state)
{
    (void)state;
    notify_fx_answer("* deny\n");
    pid_t pid;
    assert_int_not_equal(sign_git("commit-denied", &pid), 0);
    _cleanup_free_ char *log = notify_fx_text(g_log_path);
    expect_in(log, " refused SSH_AGENTC_SIGN_REQUEST key=ags-agent-signing (signing): sign with "
                   "the signing key 'ags-agent-signing': SSHSIG namespace 'git' (sha512); not "
                   "approved: denied\n");
}

/* How many questions the server has been asked so far. */
static size_t questions_asked(void)
{
    _cleanup_free_ char *rec = notify_fx_record();
    size_t n = 0;
    for (const char *p = rec; (p = strstr(p, "\"summary\": ")); p++)
        n++;
    return n;
}

static void test_a_question_cancelled_when_the_run_ends_refuses_at_once(void **state)
{
    (void)state;
    notify_fx_answer("* none\n");
    _cleanup_free_ char *msg = path_in("commit-cancelled"),
                        *pub = xasprintf("%s/pub/sign.pub", ssh_test_dir);
    assert_int_equal(write_file_atomic(msg, "tree 2\n", 7, 0600, NULL), 0);
    char *argv[] = {MUT("ssh-keygen"), MUT("-Y"), MUT("sign"), MUT("-n"), MUT("git"),
                    MUT("-f"),         pub,       msg,         NULL};
    struct child_io io = {.sock = g_proxy_sock};
    size_t before = questions_asked();
    pid_t pid = start(argv, &io);
    /* The question is on the desktop (a bounded wait), then the run ends. */
    for (int i = 0; questions_asked() == before; i++) {
        assert_true(i < 500);
        (void)usleep(20000);
    }
    notify_cancel_questions();
    assert_int_not_equal(wait_status(pid), 0);
    _cleanup_free_ char *log = notify_fx_text(g_log_path);
    expect_in(log, "(sha512); not approved: ags is ending\n");
}

static void test_with_no_way_to_ask_the_signature_is_refused_saying_why(void **state)
{
    (void)state;
    (void)unsetenv("DISPLAY");
    (void)unsetenv("WAYLAND_DISPLAY");
    pid_t pid;
    assert_int_not_equal(sign_git("commit-unasked", &pid), 0);
    _cleanup_free_ char *log = notify_fx_text(g_log_path);
    expect_in(log, "(sha512); no way to ask: no notification server with actions (no "
                   "notification server on the session bus (");
    expect_in(log, "), no zenity or kdialog (");
    expect_in(log, " (confirm = \"always\")\n");
}

int main(int argc, char **argv)
{
    if (argc != 2 || !notify_fx_dir()) {
        fprintf(stderr, "usage: NOTIFY_TEST_DIR=DIR test-ssh-approve server|noserver "
                        "(run by tests/notify/notify-test.sh)\n");
        return 2;
    }
    if (strcmp(argv[1], "server") == 0) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_an_allowed_signature_is_made_after_the_desktop_question),
                cmocka_unit_test(test_a_denied_signature_is_refused_and_logged),
                cmocka_unit_test(test_a_question_cancelled_when_the_run_ends_refuses_at_once),
        };
        return cmocka_run_group_tests_name("ssh approve server", tests, setup_group,
                                           teardown_group);
    }
    if (strcmp(argv[1], "noserver") == 0) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_with_no_way_to_ask_the_signature_is_refused_saying_why),
        };
        return cmocka_run_group_tests_name("ssh approve noserver", tests, setup_group,
                                           teardown_group);
    }
    fprintf(stderr, "test-ssh-approve: unknown mode %s\n", argv[1]);
    return 2;
}
