/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent codec and filter (src/ssh/agent-*.c, pubkey.c) against real
 * OpenSSH: keys made by ssh-keygen at test time, a real ssh-agent holding
 * three of them (two configured, one not), and ssh-add and ssh-keygen -Y
 * talking to a minimal proxy built here from agent_reader and the filter
 * (src/ssh/agent-server.c does the same with more care, and
 * test-ssh-server.c drives it the same way).  So the SSHSIG blobs the
 * filter accepts are the ones OpenSSH really sends, and its refusals are
 * the ones OpenSSH's tools really fail on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strbuf.h"
#include "ssh/agent-filter.h"
#include "ssh/agent-proto.h"
#include "ssh/pubkey.h"
#include "ssh-tools.h"

static struct ssh_fixture g_fx;
static char *g_proxy_sock;
static int g_listen = -1;

/* What the proxy decided, in order, since the last reset. */
struct logged {
    enum agent_action action;
    char reason[AGENT_REASON_MAX];
};
static struct logged g_log[64];
static size_t g_n_log;

/* ---- the minimal proxy ---- */

static void write_frame(int fd, const struct strbuf *sb)
{
    assert_int_equal(write_all(fd, sb->buf, sb->len), 0);
}

/* One whole answer from the real agent. */
static void read_answer(int fd, struct agent_reader *r)
{
    uint8_t b[4096];
    for (;;) {
        ssize_t n = read(fd, b, sizeof(b));
        assert_true(n > 0);
        size_t used;
        int rc = agent_reader_feed(r, b, (size_t)n, &used, NULL);
        assert_true(rc >= 0);
        if (rc == 1) {
            assert_int_equal(used, (size_t)n); /* one answer per request */
            return;
        }
    }
}

/* Asks the real agent and passes its answer through the filter. */
static void relay(int client, int *agent, const struct agent_decision *d,
                  const struct strbuf *upstream)
{
    struct strbuf reply;
    struct agent_reader ar;
    size_t len, n_listed;
    strbuf_init(&reply, AGENT_FRAME_MAX);
    agent_reader_init(&ar);
    if (*agent < 0)
        *agent = connect_unix(g_fx.agent_sock);
    write_frame(*agent, upstream);
    read_answer(*agent, &ar);
    const uint8_t *ans = agent_reader_body(&ar, &len);
    if (d->action == AGENT_LIST_IDENTITIES)
        assert_int_equal(agent_filter_identities(g_fx.keys, 2, ans, len, &reply, &n_listed, NULL),
                         0);
    else
        assert_true(agent_filter_sign_reply(ans, len, &reply, NULL) >= 0);
    write_frame(client, &reply);
    agent_reader_done(&ar);
    strbuf_done(&reply);
}

static void handle(int client, int *agent, const uint8_t *body, size_t len)
{
    struct strbuf upstream, refusal;
    struct agent_decision d;
    strbuf_init(&upstream, AGENT_FRAME_MAX);
    assert_int_equal(agent_filter_request(g_fx.keys, 2, body, len, &upstream, &d), 0);
    assert_true(g_n_log < ARRAY_SIZE(g_log));
    g_log[g_n_log].action = d.action;
    memcpy(g_log[g_n_log++].reason, d.reason, sizeof(d.reason));
    if (d.action == AGENT_REFUSE) {
        strbuf_init(&refusal, 16);
        assert_int_equal(agent_build_empty(&refusal, AGENT_FAILURE), 0);
        write_frame(client, &refusal);
        strbuf_done(&refusal);
    } else {
        relay(client, agent, &d, &upstream);
    }
    strbuf_done(&upstream);
}

/* Serves one client until it hangs up, fed in whatever pieces read returns. */
static void serve(int client)
{
    struct agent_reader r;
    int agent = -1;
    uint8_t b[512];
    ssize_t n;
    agent_reader_init(&r);
    while ((n = read(client, b, sizeof(b))) > 0) {
        for (size_t off = 0; off < (size_t)n;) {
            size_t used, len;
            int rc = agent_reader_feed(&r, b + off, (size_t)n - off, &used, NULL);
            assert_true(rc >= 0);
            off += used;
            if (rc == 1) {
                const uint8_t *body = agent_reader_body(&r, &len);
                handle(client, &agent, body, len);
                agent_reader_next(&r);
            }
        }
    }
    if (agent >= 0)
        close(agent);
    agent_reader_done(&r);
}

/* Runs argv with SSH_AUTH_SOCK at the proxy, serving its connections meanwhile. */
static int run_through_proxy(char *const argv[], const char *in, const char *out)
{
    struct child_io io = {.sock = g_proxy_sock, .in = in, .out = out};
    g_n_log = 0;
    pid_t pid = start(argv, &io);
    time_t deadline = time(NULL) + 60;
    for (;;) {
        struct pollfd p = {.fd = g_listen, .events = POLLIN};
        if (poll(&p, 1, 50) > 0) {
            int c = accept4(g_listen, NULL, NULL, SOCK_CLOEXEC);
            assert_true(c >= 0);
            serve(c);
            close(c);
            continue;
        }
        int st;
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (time(NULL) > deadline) {
            kill(pid, SIGKILL);
            (void)wait_status(pid);
            fail_msg("%s did not finish", argv[0]);
        }
    }
}

/* ---- fixture: keys, the real agent, the proxy socket ---- */

static void listen_proxy(void)
{
    g_proxy_sock = path_in("proxy.sock");
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, g_proxy_sock, strlen(g_proxy_sock) + 1);
    g_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(g_listen >= 0);
    assert_int_equal(bind(g_listen, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(g_listen, 8), 0);
}

static int setup_group(void **state)
{
    (void)state;
    ssh_fixture_up(&g_fx);
    listen_proxy();
    return 0;
}

static int teardown_group(void **state)
{
    (void)state;
    if (g_listen >= 0)
        close(g_listen);
    free(g_proxy_sock);
    return ssh_fixture_down(&g_fx);
}

/* ---- helpers for checks ---- */

static bool logged(enum agent_action action, const char *needle)
{
    for (size_t i = 0; i < g_n_log; i++)
        if (g_log[i].action == action && strstr(g_log[i].reason, needle))
            return true;
    return false;
}

/* ---- tests ---- */

static void test_pub_files_from_ssh_keygen_give_the_agents_blobs(void **state)
{
    (void)state;
    assert_string_equal(g_fx.keys[0].type, "ssh-ed25519");
    assert_int_equal(g_fx.keys[0].blob_len, 4 + 11 + 4 + 32);
    assert_string_equal(g_fx.keys[0].comment, "ags-agent-auth");
    assert_string_equal(g_fx.keys[1].comment, "ags-agent-signing");
    /* The real agent lists exactly these blobs (and the third key's). */
    int fd = connect_unix(g_fx.agent_sock);
    assert_int_equal(write_all(fd, "\0\0\0\1\x0b", 5), 0);
    struct agent_reader r;
    agent_reader_init(&r);
    read_answer(fd, &r);
    close(fd);
    size_t len, n;
    const uint8_t *body = agent_reader_body(&r, &len);
    struct agent_identity *ids = NULL;
    assert_int_equal(agent_parse_identities_answer(body, len, &ids, &n, NULL), 0);
    assert_int_equal(n, 3);
    size_t found = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < 2; k++)
            found += agent_str_equal(ids[i].blob,
                                     (struct agent_str){g_fx.keys[k].blob, g_fx.keys[k].blob_len});
    assert_int_equal(found, 2);
    free(ids);
    agent_reader_done(&r);
    /* ECDSA loads; RSA is refused saying why. */
    struct ssh_pubkey k;
    struct ags_error err = {0};
    _cleanup_free_ char *other = path_in("other.pub"), *rsa = path_in("rsa.pub");
    assert_int_equal(ssh_pubkey_load(other, SSH_KEY_AUTH, &k, &err), 0);
    assert_string_equal(k.type, "ecdsa-sha2-nistp256");
    assert_string_equal(k.comment, "someone's other key");
    ssh_pubkey_done(&k);
    keygen("rsa", "rsa", "old");
    assert_int_equal(ssh_pubkey_load(rsa, SSH_KEY_AUTH, &k, &err), -ENOTSUP);
    assert_non_null(strstr(err.msg, "RSA keys are not supported"));
    assert_non_null(strstr(err.msg, rsa));
}

static void test_ssh_add_lists_only_the_configured_keys(void **state)
{
    (void)state;
    char *argv[] = {MUT("ssh-add"), MUT("-L"), NULL};
    _cleanup_free_ char *out = path_in("list.out");
    assert_int_equal(run_through_proxy(argv, NULL, out), 0);
    _cleanup_free_ char *text = slurp("list.out"), *auth = key_words("auth.pub"),
                        *sign = key_words("sign.pub"), *other = key_words("other.pub");
    assert_int_equal(count_lines(text), 2);
    assert_non_null(strstr(text, auth));
    assert_non_null(strstr(text, sign));
    assert_null(strstr(text, other));
    assert_true(logged(AGENT_LIST_IDENTITIES, "list keys"));
}

static void test_ssh_keygen_signs_for_git_with_the_signing_key(void **state)
{
    (void)state;
    _cleanup_free_ char *msg = path_in("commit"), *sig = path_in("commit.sig");
    _cleanup_free_ char *pub = path_in("pub/sign.pub");
    assert_int_equal(write_file_atomic(msg, "tree 0\n\nmessage\n", 16, 0600, NULL), 0);
    char *sign[] = {MUT("ssh-keygen"), MUT("-Y"), MUT("sign"), MUT("-n"), MUT("git"),
                    MUT("-f"),         pub,       msg,         NULL};
    assert_int_equal(run_through_proxy(sign, NULL, NULL), 0);
    assert_true(logged(AGENT_FORWARD_SIGN, "SSHSIG namespace 'git'"));
    assert_true(logged(AGENT_FORWARD_SIGN, "ags-agent-signing"));
    /* The signature the real agent made is a valid one over the file. */
    char *check[] = {MUT("ssh-keygen"),
                     MUT("-Y"),
                     MUT("check-novalidate"),
                     MUT("-n"),
                     MUT("git"),
                     MUT("-s"),
                     sig,
                     NULL};
    struct child_io io = {.in = msg};
    assert_int_equal(run(check, &io), 0);
}

static void test_ssh_keygen_is_refused_another_namespace(void **state)
{
    (void)state;
    _cleanup_free_ char *msg = path_in("file"), *pub = path_in("pub/sign.pub");
    assert_int_equal(write_file_atomic(msg, "data\n", 5, 0600, NULL), 0);
    char *argv[] = {MUT("ssh-keygen"), MUT("-Y"), MUT("sign"), MUT("-n"), MUT("file"),
                    MUT("-f"),         pub,       msg,         NULL};
    assert_int_not_equal(run_through_proxy(argv, NULL, NULL), 0);
    assert_true(logged(AGENT_REFUSE, "SSHSIG namespace 'file'"));
    assert_false(logged(AGENT_FORWARD_SIGN, ""));
}

static void test_ssh_keygen_is_refused_the_auth_key(void **state)
{
    (void)state;
    _cleanup_free_ char *msg = path_in("commit2"), *pub = path_in("pub/auth.pub");
    assert_int_equal(write_file_atomic(msg, "tree 1\n", 7, 0600, NULL), 0);
    char *argv[] = {MUT("ssh-keygen"), MUT("-Y"), MUT("sign"), MUT("-n"), MUT("git"),
                    MUT("-f"),         pub,       msg,         NULL};
    assert_int_not_equal(run_through_proxy(argv, NULL, NULL), 0);
    assert_true(logged(AGENT_REFUSE, "auth key 'ags-agent-auth'"));
    assert_false(logged(AGENT_FORWARD_SIGN, ""));
}

static void test_ssh_add_cannot_change_the_agent(void **state)
{
    (void)state;
    _cleanup_free_ char *sign = path_in("pub/sign.pub"), *extra = path_in("extra");
    char *remove_all[] = {MUT("ssh-add"), MUT("-D"), NULL};
    char *remove_one[] = {MUT("ssh-add"), MUT("-d"), sign, NULL};
    char *lock[] = {MUT("ssh-add"), MUT("-x"), NULL};
    char *unlock[] = {MUT("ssh-add"), MUT("-X"), NULL};
    char *add[] = {MUT("ssh-add"), extra, NULL};

    struct {
        char **argv;
        const char *name;
    } cases[] = {
            {remove_all, "SSH_AGENTC_REMOVE_ALL_IDENTITIES"},
            {remove_one, "SSH_AGENTC_REMOVE_IDENTITY"},
            {lock, "SSH_AGENTC_LOCK"},
            {unlock, "SSH_AGENTC_UNLOCK"},
            {add, "SSH_AGENTC_ADD_ID"}, /* ADD_IDENTITY or ADD_ID_CONSTRAINED */
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        assert_int_not_equal(run_through_proxy(cases[i].argv, NULL, NULL), 0);
        assert_true(logged(AGENT_REFUSE, cases[i].name));
    }
    /* The real agent still holds its three keys, unlocked. */
    char *list[] = {MUT("ssh-add"), MUT("-l"), NULL};
    _cleanup_free_ char *out = path_in("direct.out");
    struct child_io io = {.sock = g_fx.agent_sock, .out = out};
    assert_int_equal(run(list, &io), 0);
    _cleanup_free_ char *text = slurp("direct.out");
    assert_int_equal(count_lines(text), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_pub_files_from_ssh_keygen_give_the_agents_blobs),
            cmocka_unit_test(test_ssh_add_lists_only_the_configured_keys),
            cmocka_unit_test(test_ssh_keygen_signs_for_git_with_the_signing_key),
            cmocka_unit_test(test_ssh_keygen_is_refused_another_namespace),
            cmocka_unit_test(test_ssh_keygen_is_refused_the_auth_key),
            cmocka_unit_test(test_ssh_add_cannot_change_the_agent),
    };
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
