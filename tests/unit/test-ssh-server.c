/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent proxy's socket server (src/ssh/agent-server.c) in front of a
 * real ssh-agent holding three keys (auth, signing, other; two configured):
 * real ssh-add and ssh-keygen -Y through it, raw clients that misbehave
 * (half a frame, an oversized length, not reading their answers, too many
 * connections), a real agent that dies or never answers, the approval
 * callback, and the log lines every request leaves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
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
#include "base/limits.h"
#include "ssh/agent-client.h"
#include "ssh/agent-filter.h"
#include "ssh/agent-log.h"
#include "ssh/agent-proto.h"
#include "ssh/agent-server.h"
#include "ssh/pubkey.h"
#include "ssh-tools.h"

static struct ssh_fixture g_fx;
static char *g_proxy_sock, *g_log_path;
static int g_log_fd = -1;
static struct ssh_proxy *g_proxy;

/* ---- the proxy under test ---- */

static struct ssh_proxy_opts base_opts(void)
{
    return ssh_fixture_proxy_opts(&g_fx, g_proxy_sock, g_log_fd);
}

static void proxy_up(const struct ssh_proxy_opts *o)
{
    g_proxy = ssh_fixture_proxy_up(o);
}

static void proxy_down(void)
{
    ssh_proxy_stop(g_proxy);
    g_proxy = NULL;
}

/* The proxy again with another real agent (NULL: the fixture's) or timeout (0: default). */
static void restart_proxy(const char *upstream, int timeout_ms)
{
    proxy_down();
    struct ssh_proxy_opts o = base_opts();
    if (upstream)
        o.upstream_path = upstream;
    o.timeout_ms = timeout_ms;
    proxy_up(&o);
}

/* Each test starts with an empty log and the default proxy (tests that want
 * other options stop it and start their own). */
static int setup(void **state)
{
    (void)state;
    assert_int_equal(ftruncate(g_log_fd, 0), 0);
    struct ssh_proxy_opts o = base_opts();
    proxy_up(&o);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    proxy_down();
    return 0;
}

/* ---- raw clients ---- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void send_bytes(int fd, const void *p, size_t n)
{
    assert_int_equal(write_all(fd, p, n), 0);
}

/*
 * One whole frame from fd into r (agent_reader_body gives it): 1, or 0 when
 * the peer closed first.  Fails the test after 10 s of nothing.
 */
static int read_frame(int fd, struct agent_reader *r)
{
    int64_t deadline = now_ms() + 10000;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int64_t left = deadline - now_ms();
        assert_true(left > 0);
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        uint8_t b;
        /* One byte at a time: the next frame stays in the socket. */
        ssize_t n = read(fd, &b, 1);
        if (n <= 0)
            return 0;
        size_t used;
        int rc = agent_reader_feed(r, &b, 1, &used, NULL);
        assert_true(rc >= 0);
        if (rc == 1)
            return 1;
    }
}

static void expect_failure(int fd)
{
    struct agent_reader r;
    agent_reader_init(&r);
    assert_int_equal(read_frame(fd, &r), 1);
    size_t len;
    const uint8_t *body = agent_reader_body(&r, &len);
    assert_int_equal(agent_parse_empty(body, len, AGENT_FAILURE, NULL), 0);
    agent_reader_done(&r);
}

static void expect_eof(int fd)
{
    struct agent_reader r;
    agent_reader_init(&r);
    assert_int_equal(read_frame(fd, &r), 0);
    agent_reader_done(&r);
}

static const char list_request[] = "\0\0\0\1\x0b";

/* The keys listed in one IDENTITIES_ANSWER read from fd. */
static size_t read_list(int fd)
{
    struct agent_reader r;
    agent_reader_init(&r);
    assert_int_equal(read_frame(fd, &r), 1);
    size_t len, n;
    const uint8_t *body = agent_reader_body(&r, &len);
    struct agent_identity *ids = NULL;
    assert_int_equal(agent_parse_identities_answer(body, len, &ids, &n, NULL), 0);
    free(ids);
    agent_reader_done(&r);
    return n;
}

static size_t list_on(int fd)
{
    send_bytes(fd, list_request, 5);
    return read_list(fd);
}

/* A fresh connection's listing: the proxy still serves. */
static size_t list_once(void)
{
    int fd = connect_unix(g_proxy_sock);
    size_t n = list_on(fd);
    close(fd);
    return n;
}

/* ---- the log ---- */

static char *log_text(void)
{
    char *text = NULL;
    size_t len;
    assert_int_equal(read_file_bounded(g_log_path, 16u << 20, &text, &len, NULL), 0);
    return text;
}

static size_t log_count(const char *needle)
{
    _cleanup_free_ char *text = log_text();
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void assert_logged(const char *needle)
{
    if (log_count(needle) == 0) {
        _cleanup_free_ char *text = log_text();
        fail_msg("the log has no '%s':\n%s", needle, text);
    }
}

/* ---- fixture: keys and the real agent ---- */

static int setup_group(void **state)
{
    (void)state;
    ssh_fixture_up(&g_fx);
    g_proxy_sock = path_in("proxy.sock");
    g_log_fd = log_open("proxy.log", &g_log_path);
    return 0;
}

static int teardown_group(void **state)
{
    (void)state;
    if (g_log_fd >= 0)
        close(g_log_fd);
    free(g_proxy_sock);
    free(g_log_path);
    return ssh_fixture_down(&g_fx);
}

/* ---- OpenSSH's tools through the proxy ---- */

static int run_via_proxy(char *const argv[], const char *in, const char *out, pid_t *pid)
{
    struct child_io io = {.sock = g_proxy_sock, .in = in, .out = out};
    pid_t p = start(argv, &io);
    if (pid)
        *pid = p;
    return wait_status(p);
}

/* ssh-keygen -Y sign -n ns with the key whose .pub is pub/<key>.pub, over msg. */
static int sign_via_proxy(const char *key, const char *ns, const char *msg_name)
{
    _cleanup_free_ char *msg = path_in(msg_name),
                        *pub = xasprintf("%s/pub/%s.pub", ssh_test_dir, key);
    char *argv[] = {MUT("ssh-keygen"), MUT("-Y"), MUT("sign"), MUT("-n"), MUT(ns),
                    MUT("-f"),         pub,       msg,         NULL};
    return run_via_proxy(argv, NULL, NULL, NULL);
}

static void write_in_dir(const char *name, const char *text)
{
    _cleanup_free_ char *path = path_in(name);
    assert_int_equal(write_file_atomic(path, text, strlen(text), 0600, NULL), 0);
}

/* ssh-keygen -Y verify of msg's signature against the signing key for git. */
static int verify_git_signature(const char *msg_name)
{
    _cleanup_free_ char *words = key_words("sign.pub");
    _cleanup_free_ char *line = xasprintf("agent@ags namespaces=\"git\" %s\n", words);
    write_in_dir("allowed_signers", line);
    _cleanup_free_ char *allowed = path_in("allowed_signers"), *msg = path_in(msg_name);
    _cleanup_free_ char *sig = xasprintf("%s.sig", msg);
    char *argv[] = {MUT("ssh-keygen"), MUT("-Y"), MUT("verify"), MUT("-f"), allowed, MUT("-I"),
                    MUT("agent@ags"),  MUT("-n"), MUT("git"),    MUT("-s"), sig,     NULL};
    struct child_io io = {.in = msg};
    return run(argv, &io);
}

static void test_socket_is_0600_and_stop_unlinks_it(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(lstat(g_proxy_sock, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    proxy_down();
    assert_int_equal(lstat(g_proxy_sock, &st), -1);
    assert_int_equal(errno, ENOENT);
    ssh_proxy_stop(NULL); /* NULL is fine */
    restart_proxy(NULL, 0);
}

static void test_start_refuses_an_existing_path_a_long_one_and_none(void **state)
{
    (void)state;
    write_in_dir("planted", "not a socket\n");
    _cleanup_free_ char *planted = path_in("planted");
    struct ssh_proxy_opts o = base_opts();
    o.listen_path = planted;
    struct ssh_proxy *p = NULL;
    struct ags_error err = {0};
    assert_int_equal(ssh_proxy_start(&o, &p, &err), -EADDRINUSE);
    assert_null(p);
    assert_non_null(strstr(err.msg, planted));
    _cleanup_free_ char *text = slurp("planted");
    assert_string_equal(text, "not a socket\n");
    /* The running proxy's own path is refused the same way (no second listener). */
    o.listen_path = g_proxy_sock;
    assert_int_equal(ssh_proxy_start(&o, &p, &err), -EADDRINUSE);
    assert_int_equal(list_once(), 2);

    char longer[200];
    memset(longer, 'x', sizeof(longer) - 1);
    longer[0] = '/';
    longer[sizeof(longer) - 1] = '\0';
    o.listen_path = longer;
    assert_int_equal(ssh_proxy_start(&o, &p, &err), -ENAMETOOLONG);
    o.listen_path = planted;
    o.upstream_path = NULL;
    assert_int_equal(ssh_proxy_start(&o, &p, &err), -EINVAL);
    assert_string_equal(err.msg, "agent proxy: the real agent's socket path missing");
    assert_null(p);
}

static void test_ssh_add_lists_only_the_configured_keys(void **state)
{
    (void)state;
    char *argv[] = {MUT("ssh-add"), MUT("-L"), NULL};
    _cleanup_free_ char *out = path_in("list.out");
    pid_t pid;
    assert_int_equal(run_via_proxy(argv, NULL, out, &pid), 0);
    _cleanup_free_ char *text = slurp("list.out"), *auth = key_words("auth.pub"),
                        *sign = key_words("sign.pub"), *other = key_words("other.pub");
    assert_int_equal(count_lines(text), 2);
    assert_non_null(strstr(text, auth));
    assert_non_null(strstr(text, sign));
    assert_null(strstr(text, other));
    /* The line names ssh-add's own pid (SO_PEERCRED). */
    _cleanup_free_ char *line = xasprintf(" pid=%ld allowed SSH_AGENTC_REQUEST_IDENTITIES: "
                                          "list keys; 2 listed\n",
                                          (long)pid);
    assert_logged(line);
}

static void test_ssh_add_cannot_remove_lock_or_add_keys(void **state)
{
    (void)state;
    _cleanup_free_ char *extra = path_in("extra");
    char *remove_all[] = {MUT("ssh-add"), MUT("-D"), NULL};
    char *lock[] = {MUT("ssh-add"), MUT("-x"), NULL};
    char *add[] = {MUT("ssh-add"), extra, NULL};
    assert_int_not_equal(run_via_proxy(remove_all, NULL, NULL, NULL), 0);
    assert_int_not_equal(run_via_proxy(lock, NULL, NULL, NULL), 0);
    assert_int_not_equal(run_via_proxy(add, NULL, NULL, NULL), 0);
    assert_logged(" refused SSH_AGENTC_REMOVE_ALL_IDENTITIES: SSH_AGENTC_REMOVE_ALL_IDENTITIES is "
                  "not allowed\n");
    assert_logged(" refused SSH_AGENTC_LOCK: ");
    assert_logged(" refused SSH_AGENTC_ADD_ID");
    /* The real agent still holds its three keys, unlocked. */
    char *list[] = {MUT("ssh-add"), MUT("-l"), NULL};
    _cleanup_free_ char *out = path_in("direct.out");
    struct child_io io = {.sock = g_fx.agent_sock, .out = out};
    assert_int_equal(run(list, &io), 0);
    _cleanup_free_ char *text = slurp("direct.out");
    assert_int_equal(count_lines(text), 3);
}

static void test_ssh_keygen_signs_for_git_and_verify_accepts_it(void **state)
{
    (void)state;
    write_in_dir("commit", "tree 0\n\nmessage\n");
    assert_int_equal(sign_via_proxy("sign", "git", "commit"), 0);
    assert_int_equal(verify_git_signature("commit"), 0);
    assert_logged(" allowed SSH_AGENTC_SIGN_REQUEST key=ags-agent-signing (signing): sign with "
                  "the signing key 'ags-agent-signing': SSHSIG namespace 'git' (sha512); signed\n");
    /* A different message does not verify with that signature: the check is real. */
    write_in_dir("commit", "tree 1\n\nmessage\n");
    assert_int_not_equal(verify_git_signature("commit"), 0);
}

static void test_ssh_keygen_is_refused_the_file_namespace(void **state)
{
    (void)state;
    write_in_dir("file", "data\n");
    assert_int_not_equal(sign_via_proxy("sign", "file", "file"), 0);
    assert_logged(" refused SSH_AGENTC_SIGN_REQUEST: sign with the signing key 'ags-agent-signing'"
                  ": SSHSIG namespace 'file' (only 'git' is allowed)\n");
    assert_int_equal(log_count(" allowed SSH_AGENTC_SIGN_REQUEST"), 0);
}

static void test_the_auth_key_refuses_sshsig(void **state)
{
    (void)state;
    write_in_dir("commit2", "tree 2\n");
    assert_int_not_equal(sign_via_proxy("auth", "git", "commit2"), 0);
    assert_logged(" refused SSH_AGENTC_SIGN_REQUEST: sign with the auth key 'ags-agent-auth'");
    assert_int_equal(log_count(" allowed SSH_AGENTC_SIGN_REQUEST"), 0);
}

/* ---- many and misbehaving clients ---- */

static void test_32_concurrent_clients_all_get_their_lists(void **state)
{
    (void)state;
    int fds[32];
    for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
        fds[i] = connect_unix(g_proxy_sock);
        send_bytes(fds[i], list_request, 3); /* every request begun before any ends */
    }
    for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
        send_bytes(fds[i], list_request + 3, 2);
    for (size_t i = ARRAY_SIZE(fds); i-- > 0;) {
        assert_int_equal(read_list(fds[i]), 2);
        close(fds[i]);
    }
    assert_int_equal(log_count(" allowed SSH_AGENTC_REQUEST_IDENTITIES: "), 32);
}

static void test_a_half_frame_does_not_stop_another_client(void **state)
{
    (void)state;
    int stalled = connect_unix(g_proxy_sock);
    send_bytes(stalled, list_request, 3);
    assert_int_equal(list_once(), 2);
    assert_int_equal(list_once(), 2);
    /* The stalled client was kept, and its message ends where it left off. */
    send_bytes(stalled, list_request + 3, 2);
    assert_int_equal(read_list(stalled), 2);
    close(stalled);
}

static void test_an_oversized_length_drops_only_that_client(void **state)
{
    (void)state;
    int other = connect_unix(g_proxy_sock);
    int bad = connect_unix(g_proxy_sock);
    send_bytes(bad, "\x00\x04\x00\x01\x0b", 5); /* 256 KiB + 1 */
    expect_eof(bad);
    close(bad);
    assert_int_equal(list_on(other), 2);
    close(other);
    assert_logged(" dropped connection: ssh-agent message of 262145 bytes (more than the 262144 "
                  "allowed)\n");
}

static void test_a_client_that_leaves_mid_message_is_logged_and_others_go_on(void **state)
{
    (void)state;
    int gone = connect_unix(g_proxy_sock);
    send_bytes(gone, list_request, 4);
    close(gone);
    assert_int_equal(list_once(), 2);
    int garbage = connect_unix(g_proxy_sock);
    send_bytes(garbage, "\0\0\0\3\xfe\x01\x02", 7);
    expect_failure(garbage); /* refused, not dropped: the stream is still in step */
    assert_int_equal(list_on(garbage), 2);
    close(garbage);
    /* The order of the two lines depends on when the proxy saw the close. */
    assert_logged(" dropped connection: left mid-message\n");
    assert_logged(" refused message type 254: unknown message type 254\n");
}

/* Frames of random length (small, or past the bound) and random bodies, in random
 * pieces, from 16 clients at once: the proxy answers or drops each, and serves on. */
static void test_random_bytes_from_many_clients_leave_the_proxy_serving(void **state)
{
    (void)state;
    unsigned seed = 15;
    int fds[16];
    for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
        fds[i] = connect_unix(g_proxy_sock);
    for (int round = 0; round < 64; round++) {
        for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
            if (fds[i] < 0)
                continue;
            uint8_t frame[4 + 64];
            uint32_t len = rand_r(&seed) % 8 == 0 ? 0x40001u : 1 + (uint32_t)rand_r(&seed) % 64;
            frame[0] = (uint8_t)(len >> 24);
            frame[1] = (uint8_t)(len >> 16);
            frame[2] = (uint8_t)(len >> 8);
            frame[3] = (uint8_t)len;
            size_t n = 4 + (len <= 64 ? len : 0);
            for (size_t k = 4; k < n; k++)
                frame[k] = (uint8_t)rand_r(&seed);
            /* A peer that was dropped makes send fail: that client is done. */
            if (send(fds[i], frame, n, MSG_NOSIGNAL) < 0) {
                close(fds[i]);
                fds[i] = -1;
            }
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
        if (fds[i] >= 0)
            close(fds[i]);
    assert_int_equal(list_once(), 2);
    assert_true(log_count(" dropped connection: ") > 0);
    assert_true(log_count(" refused ") > 0);
}

static void test_a_stalled_client_is_dropped_after_the_timeout(void **state)
{
    (void)state;
    restart_proxy(NULL, 200);
    int idle = connect_unix(g_proxy_sock);
    int stalled = connect_unix(g_proxy_sock);
    int64_t t0 = now_ms();
    send_bytes(stalled, list_request, 2);
    expect_eof(stalled);
    assert_true(now_ms() - t0 >= 200);
    close(stalled);
    assert_logged(" dropped connection: stalled mid-message for 200 ms\n");
    /* A connection with no message begun is not stalled: it stays. */
    assert_int_equal(list_on(idle), 2);
    close(idle);
}

static void test_a_client_that_does_not_read_does_not_stop_others(void **state)
{
    (void)state;

    /* 5000 requests in one go, LOCKs with a listing after every 32 (so that the
     * client is not dropped for only asking what is refused): their answers are
     * far more than the socket holds, so the proxy's writes to this client stop
     * part way. */
    enum { N = 5000, EVERY = 33 };

    static const char lock[] = "\0\0\0\1\x16";
    _cleanup_free_ char *many = xmalloc(N * 5);
    for (size_t i = 0; i < N; i++)
        memcpy(many + i * 5, i % EVERY == EVERY - 1 ? list_request : lock, 5);
    int greedy = connect_unix(g_proxy_sock);
    send_bytes(greedy, many, N * 5);
    assert_int_equal(list_once(), 2);
    for (size_t i = 0; i < N; i++) {
        if (i % EVERY == EVERY - 1)
            assert_int_equal(read_list(greedy), 2);
        else
            expect_failure(greedy);
    }
    close(greedy);
    assert_int_equal(log_count(" refused SSH_AGENTC_LOCK: "), N - N / EVERY);
    assert_int_equal(log_count(" allowed SSH_AGENTC_REQUEST_IDENTITIES: "), N / EVERY + 1);
}

/* 16 requests of exactly one read's size (4096 bytes) in one write: the proxy reads
 * 16 times in one wakeup and must still answer the last (nothing more will wake it). */
static void test_requests_filling_every_read_of_a_wakeup_are_all_answered(void **state)
{
    (void)state;

    enum { N = 16, FRAME = 4096 };

    _cleanup_free_ uint8_t *many = xcalloc(N, FRAME);
    for (size_t i = 0; i < N; i++) {
        uint8_t *f = many + i * FRAME;
        f[2] = (FRAME - 4) >> 8; /* length 4092: LOCK and 4091 bytes of passphrase */
        f[3] = (FRAME - 4) & 0xff;
        f[4] = AGENTC_LOCK;
    }
    int fd = connect_unix(g_proxy_sock);
    send_bytes(fd, many, (size_t)N * FRAME);
    for (size_t i = 0; i < N; i++)
        expect_failure(fd);
    close(fd);
    assert_int_equal(log_count(" refused SSH_AGENTC_LOCK: "), N);
}

/* LOCK frames of 64 bytes (a 59-byte passphrase) written at once, on a fresh
 * connection: a turn of the loop serves 16 of them, and those read beyond wait in
 * the proxy, not in the socket, so no POLLIN comes for them.  64 of them are
 * exactly one read (4096 bytes) and as many failures as a client may have in a row. */
static void test_requests_past_one_turn_are_answered_though_nothing_more_arrives(void **state)
{
    (void)state;

    enum { FRAME = 64 };

    static const size_t counts[] = {1,
                                    SSH_PROXY_REQUESTS_PER_STEP - 1,
                                    SSH_PROXY_REQUESTS_PER_STEP,
                                    SSH_PROXY_REQUESTS_PER_STEP + 1,
                                    2 * SSH_PROXY_REQUESTS_PER_STEP + 1,
                                    SSH_PROXY_FAILURES_IN_ROW};
    uint8_t many[SSH_PROXY_FAILURES_IN_ROW * FRAME] = {0};
    for (size_t i = 0; i < SSH_PROXY_FAILURES_IN_ROW; i++) {
        many[i * FRAME + 3] = FRAME - 4;
        many[i * FRAME + 4] = AGENTC_LOCK;
        many[i * FRAME + 8] = FRAME - 9;
    }
    size_t total = 0;
    for (size_t k = 0; k < ARRAY_SIZE(counts); k++) {
        int fd = connect_unix(g_proxy_sock);
        send_bytes(fd, many, counts[k] * FRAME);
        for (size_t i = 0; i < counts[k]; i++)
            expect_failure(fd);
        close(fd);
        total += counts[k];
    }
    assert_int_equal(sizeof(many), AGENT_CLIENT_CHUNK);
    assert_int_equal(log_count(" refused SSH_AGENTC_LOCK: "), total);
    assert_int_equal(log_count(" dropped connection: "), 0);
}

/* 64 failures in a row (refused, or failed at the real agent) and the next request
 * drops the client; a request that succeeds starts the count again. */
static void test_a_client_is_dropped_at_its_next_request_after_64_failures_in_a_row(void **state)
{
    (void)state;

    enum { MAX = SSH_PROXY_FAILURES_IN_ROW };

    static const char lock[] = "\0\0\0\1\x16";
    char many[(2 * MAX) * 5];
    for (size_t i = 0; i < 2 * MAX; i++)
        memcpy(many + i * 5, i == MAX - 1 ? list_request : lock, 5);
    int fd = connect_unix(g_proxy_sock);
    send_bytes(fd, many, sizeof(many));
    for (size_t i = 0; i < 2 * MAX; i++) {
        if (i == MAX - 1)
            assert_int_equal(read_list(fd), 2);
        else
            expect_failure(fd);
    }
    /* 63 + 1 allowed + 64 refused: the next one, allowed or not, is not served. */
    send_bytes(fd, list_request, 5);
    expect_eof(fd);
    close(fd);
    assert_int_equal(log_count(" refused SSH_AGENTC_LOCK: "), 2 * MAX - 1);
    assert_int_equal(log_count(" allowed SSH_AGENTC_REQUEST_IDENTITIES: "), 1);
    assert_logged(" dropped connection: 64 requests in a row refused or failed\n");

    /* Failures at the real agent count too. */
    _cleanup_free_ char *none = path_in("no-agent.sock");
    restart_proxy(none, 0);
    fd = connect_unix(g_proxy_sock);
    for (size_t i = 0; i < MAX; i++)
        memcpy(many + i * 5, list_request, 5);
    send_bytes(fd, many, MAX * 5);
    for (size_t i = 0; i < MAX; i++)
        expect_failure(fd);
    send_bytes(fd, list_request, 5);
    expect_eof(fd);
    close(fd);
    assert_int_equal(log_count(" failed SSH_AGENTC_REQUEST_IDENTITIES: "), MAX);
    assert_int_equal(log_count(" dropped connection: 64 requests in a row refused or failed\n"), 2);
}

static void test_clients_beyond_the_cap_are_closed_and_logged_once(void **state)
{
    (void)state;
    int fds[AGS_SSH_PROXY_MAX_CLIENTS];
    for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
        fds[i] = connect_unix(g_proxy_sock);
    /* The last one answers: all of them were taken. */
    assert_int_equal(list_on(fds[ARRAY_SIZE(fds) - 1]), 2);
    for (int i = 0; i < 3; i++) {
        int over = connect_unix(g_proxy_sock);
        expect_eof(over);
        close(over);
    }
    assert_int_equal(log_count(" refused connection: 64 clients are connected already"), 1);
    /* One leaves: a new client is served again. */
    close(fds[0]);
    int64_t deadline = now_ms() + 10000;
    size_t n = 0;
    while (n == 0 && now_ms() < deadline) {
        int fd = connect_unix(g_proxy_sock);
        send_bytes(fd, list_request, 5);
        struct agent_reader r;
        agent_reader_init(&r);
        n = read_frame(fd, &r) == 1 ? 1 : 0;
        agent_reader_done(&r);
        close(fd);
    }
    assert_int_equal(n, 1);
    for (size_t i = 1; i < ARRAY_SIZE(fds); i++)
        close(fds[i]);
}

/* ---- the real agent ---- */

static void test_a_dead_real_agent_gives_failure_and_a_new_one_is_used(void **state)
{
    (void)state;
    _cleanup_free_ char *sock = path_in("agent2.sock");
    pid_t agent = start_agent(sock);
    agent_add(sock, "sign");
    restart_proxy(sock, 0);
    int client = connect_unix(g_proxy_sock);
    assert_int_equal(list_on(client), 1);

    kill(agent, SIGTERM);
    (void)wait_status(agent);
    unlink(sock);
    send_bytes(client, list_request, 5);
    expect_failure(client);
    assert_logged(" failed SSH_AGENTC_REQUEST_IDENTITIES: list keys; the real agent: cannot "
                  "connect: No such file or directory\n");

    /* The same client, the same proxy: a new agent at the same path serves. */
    agent = start_agent(sock);
    agent_add(sock, "sign");
    agent_add(sock, "auth");
    assert_int_equal(list_on(client), 2);
    close(client);
    kill(agent, SIGTERM);
    (void)wait_status(agent);
}

/* A socket that listens but never accepts: connect succeeds, no answer comes. */
static int listen_silent(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(l, 8), 0);
    return l;
}

static void test_a_silent_real_agent_gives_failure_after_the_timeout(void **state)
{
    (void)state;
    _cleanup_free_ char *silent = path_in("silent.sock");
    int l = listen_silent(silent);
    restart_proxy(silent, 200);
    int client = connect_unix(g_proxy_sock);
    int other = connect_unix(g_proxy_sock);
    int64_t t0 = now_ms();
    send_bytes(client, list_request, 5);
    send_bytes(other, list_request, 5);
    expect_failure(client);
    expect_failure(other);
    assert_true(now_ms() - t0 >= 200);
    assert_logged(" failed SSH_AGENTC_REQUEST_IDENTITIES: list keys; the real agent did not "
                  "answer within 200 ms\n");
    close(client);
    close(other);
    close(l);
    unlink(silent);
}

static void test_stop_closes_clients_in_every_state(void **state)
{
    (void)state;
    _cleanup_free_ char *silent = path_in("silent2.sock");
    int l = listen_silent(silent);
    restart_proxy(silent, 0);
    int idle = connect_unix(g_proxy_sock), stalled = connect_unix(g_proxy_sock);
    int waiting = connect_unix(g_proxy_sock);
    send_bytes(stalled, list_request, 2);
    send_bytes(waiting, list_request, 5);
    /* The request has reached the silent agent: its connection is in the backlog. */
    struct pollfd p = {.fd = l, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 10000), 1);
    int64_t t0 = now_ms();
    proxy_down();
    assert_true(now_ms() - t0 < 5000);
    expect_eof(idle);
    expect_eof(stalled);
    expect_eof(waiting);
    close(idle);
    close(stalled);
    close(waiting);
    close(l);
    unlink(silent);
    restart_proxy(NULL, 0);
}

/* ---- confirmation ---- */

struct approval {
    int answer;
    const char *why;
    int asked;
    pid_t pid;
    const struct ssh_pubkey *key;
    char what[AGENT_REASON_MAX];
};

static int approve(const struct ssh_sign_question *q, char *why, size_t why_size, void *data)
{
    struct approval *a = data;
    a->asked++;
    a->pid = q->peer_pid;
    a->key = q->key;
    snprintf(a->what, sizeof(a->what), "%s", q->what);
    if (a->why)
        snprintf(why, why_size, "%s", a->why);
    return a->answer;
}

static void confirm_proxy(struct approval *a)
{
    proxy_down();
    struct ssh_proxy_opts o = base_opts();
    o.confirm = SSH_CONFIRM_ALWAYS;
    o.approve = a ? approve : NULL;
    o.approve_data = a;
    proxy_up(&o);
}

static void test_confirm_always_without_a_way_to_ask_refuses_saying_why(void **state)
{
    (void)state;
    confirm_proxy(NULL);
    write_in_dir("commit3", "tree 3\n");
    assert_int_not_equal(sign_via_proxy("sign", "git", "commit3"), 0);
    assert_logged(" refused SSH_AGENTC_SIGN_REQUEST key=ags-agent-signing (signing): sign with the "
                  "signing key 'ags-agent-signing': SSHSIG namespace 'git' (sha512); no way to ask:"
                  " no desktop notifications (confirm = \"always\")\n");
    /* Listing needs no question. */
    assert_int_equal(list_once(), 2);
}

static void test_the_approval_callback_is_asked_and_obeyed(void **state)
{
    (void)state;
    struct approval a = {.answer = 0};
    confirm_proxy(&a);
    write_in_dir("commit4", "tree 4\n");
    char *argv[] = {MUT("ssh-keygen"), MUT("-Y"), MUT("sign"), MUT("-n"), MUT("git"),
                    MUT("-f"),         NULL,      NULL,        NULL};
    _cleanup_free_ char *pub = xasprintf("%s/pub/sign.pub", ssh_test_dir),
                        *msg = path_in("commit4");
    argv[6] = pub;
    argv[7] = msg;
    pid_t pid;
    assert_int_not_equal(run_via_proxy(argv, NULL, NULL, &pid), 0);
    assert_int_equal(a.asked, 1);
    assert_int_equal(a.pid, pid);
    assert_ptr_equal(a.key, &g_fx.keys[1]);
    assert_non_null(strstr(a.what, "SSHSIG namespace 'git'"));
    assert_logged(" refused SSH_AGENTC_SIGN_REQUEST key=ags-agent-signing (signing): sign with the "
                  "signing key 'ags-agent-signing': SSHSIG namespace 'git' (sha512); not approved:"
                  " the user said no\n");

    a.answer = 1;
    assert_int_equal(run_via_proxy(argv, NULL, NULL, NULL), 0);
    assert_int_equal(a.asked, 2);
    assert_int_equal(verify_git_signature("commit4"), 0);

    a.answer = -ENOTCONN;
    a.why = "the notification service went away";
    assert_int_not_equal(run_via_proxy(argv, NULL, NULL, NULL), 0);
    assert_int_equal(a.asked, 3);
    assert_logged("; no way to ask: the notification service went away (confirm = \"always\")\n");
    /* Refusals by the filter never reach the question. */
    assert_int_not_equal(sign_via_proxy("sign", "file", "commit4"), 0);
    assert_int_equal(a.asked, 3);
}

/* The approval callback that holds the proxy's loop until the test lets it go. */
struct held_question {
    int asked[2], release[2]; /* pipes */
};

static int approve_when_released(const struct ssh_sign_question *q, char *why, size_t why_size,
                                 void *data)
{
    (void)q;
    struct held_question *h = data;
    char b = 'a';
    assert_int_equal(write(h->asked[1], &b, 1), 1);
    assert_int_equal(read(h->release[0], &b, 1), 1);
    snprintf(why, why_size, "released by the test");
    return 0;
}

/* With the loop held, one client queues 64 refused requests and another one: in
 * the next turn the other is served after at most 16 of the flooder's. */
static void test_another_client_is_served_after_at_most_16_of_a_flooders_requests(void **state)
{
    (void)state;
    struct held_question h;
    assert_int_equal(pipe2(h.asked, O_CLOEXEC), 0);
    assert_int_equal(pipe2(h.release, O_CLOEXEC), 0);
    proxy_down();
    struct ssh_proxy_opts o = base_opts();
    o.confirm = SSH_CONFIRM_ALWAYS;
    o.approve = approve_when_released;
    o.approve_data = &h;
    proxy_up(&o);
    /* Taken in this order (each answered once), so each turn serves the flooder first. */
    int other = connect_unix(g_proxy_sock);
    assert_int_equal(list_on(other), 2);
    int flooder = connect_unix(g_proxy_sock);
    assert_int_equal(list_on(flooder), 2);
    write_in_dir("commit6", "tree 6\n");
    _cleanup_free_ char *msg = path_in("commit6"),
                        *pub = xasprintf("%s/pub/sign.pub", ssh_test_dir);
    char *argv[] = {MUT("ssh-keygen"), MUT("-Y"), MUT("sign"), MUT("-n"), MUT("git"),
                    MUT("-f"),         pub,       msg,         NULL};
    struct child_io io = {.sock = g_proxy_sock};
    pid_t signer = start(argv, &io);
    struct pollfd p = {.fd = h.asked[0], .events = POLLIN};
    assert_int_equal(poll(&p, 1, 10000), 1);

    static const char lock[] = "\0\0\0\1\x16";
    char many[SSH_PROXY_FAILURES_IN_ROW * 5];
    for (size_t i = 0; i < SSH_PROXY_FAILURES_IN_ROW; i++)
        memcpy(many + i * 5, lock, 5);
    send_bytes(flooder, many, sizeof(many));
    send_bytes(other, "\0\0\0\1\x13", 5); /* REMOVE_ALL_IDENTITIES */
    assert_int_equal(write(h.release[1], "r", 1), 1);
    for (size_t i = 0; i < SSH_PROXY_FAILURES_IN_ROW; i++)
        expect_failure(flooder);
    expect_failure(other);
    assert_int_not_equal(wait_status(signer), 0);
    close(flooder);
    close(other);
    for (int i = 0; i < 2; i++) {
        close(h.asked[i]);
        close(h.release[i]);
    }

    _cleanup_free_ char *text = log_text();
    char *remove_all = strstr(text, " refused SSH_AGENTC_REMOVE_ALL_IDENTITIES: ");
    assert_non_null(remove_all);
    *remove_all = '\0';
    size_t before = 0;
    for (const char *q = text; (q = strstr(q, " refused SSH_AGENTC_LOCK: ")); q++)
        before++;
    if (before > SSH_PROXY_REQUESTS_PER_STEP)
        fail_msg("the other client waited for %zu of the flooder's requests", before);
}

/* ---- the thread and the log ---- */

static volatile sig_atomic_t g_usr1;

static void on_usr1(int sig)
{
    (void)sig;
    g_usr1 = 1;
}

static void test_the_proxy_thread_takes_no_signals(void **state)
{
    (void)state;
    struct sigaction sa = {.sa_handler = on_usr1}, old_sa;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGUSR1, &sa, &old_sa), 0);
    sigset_t usr1, old_mask, pending;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    /* With this thread blocking it too, only the proxy's thread could take it. */
    assert_int_equal(pthread_sigmask(SIG_BLOCK, &usr1, &old_mask), 0);
    g_usr1 = 0;
    assert_int_equal(kill(getpid(), SIGUSR1), 0);
    assert_int_equal(list_once(), 2); /* the proxy's thread woke and worked meanwhile */
    assert_int_equal(g_usr1, 0);
    assert_int_equal(sigpending(&pending), 0);
    assert_true(sigismember(&pending, SIGUSR1));
    struct timespec zero = {0};
    assert_int_equal(sigtimedwait(&usr1, NULL, &zero), SIGUSR1);
    assert_int_equal(pthread_sigmask(SIG_SETMASK, &old_mask, NULL), 0);
    assert_int_equal(sigaction(SIGUSR1, &old_sa, NULL), 0);
}

static void test_every_log_line_has_the_documented_shape(void **state)
{
    (void)state;
    /* Each verdict: allowed, refused, dropped, failed (no agent). */
    assert_int_equal(list_once(), 2);
    char *lock[] = {MUT("ssh-add"), MUT("-x"), NULL};
    assert_int_not_equal(run_via_proxy(lock, NULL, NULL, NULL), 0);
    write_in_dir("commit5", "tree 5\n");
    assert_int_equal(sign_via_proxy("sign", "git", "commit5"), 0);
    int bad = connect_unix(g_proxy_sock);
    send_bytes(bad, "\0\0\0\0", 4);
    expect_eof(bad);
    close(bad);
    _cleanup_free_ char *none = path_in("no-agent.sock");
    restart_proxy(none, 0);
    int c = connect_unix(g_proxy_sock);
    send_bytes(c, list_request, 5);
    expect_failure(c);
    close(c);

    _cleanup_free_ char *text = log_text();
    size_t lines = assert_log_shape(text);
    /* ssh-keygen -Y sign lists the keys before it asks for a signature. */
    assert_int_equal(lines, 6);
    assert_int_equal(log_count(" allowed SSH_AGENTC_REQUEST_IDENTITIES"), 2);
    assert_int_equal(log_count(" allowed SSH_AGENTC_SIGN_REQUEST"), 1);
    assert_int_equal(log_count(" refused SSH_AGENTC_LOCK"), 1);
    assert_int_equal(log_count(" dropped connection: ssh-agent message of length 0\n"), 1);
    assert_int_equal(log_count(" failed SSH_AGENTC_REQUEST_IDENTITIES"), 1);
    /* What was signed is not in the log, nor any key's base64. */
    _cleanup_free_ char *sign = key_words("sign.pub");
    assert_int_equal(log_count(strchr(sign, ' ') + 1), 0);
    assert_int_equal(log_count("tree 5"), 0);
}

static void test_log_lines_make_client_text_printable(void **state)
{
    (void)state;
    struct ssh_pubkey key = {.purpose = SSH_KEY_AUTH, .comment = MUT("me\x1b[31m")};
    struct agent_log_entry e = {.pid = 0,
                                .verdict = "refused",
                                .what = "SSH_AGENTC_EXTENSION",
                                .key = &key,
                                .reason = "name 'x\ny\xc3\xa9'"};
    char line[AGENT_LOG_LINE_MAX];
    size_t len = agent_log_format(line, sizeof(line), 0, &e);
    assert_string_equal(line, "1970-01-01T00:00:00Z pid=? refused SSH_AGENTC_EXTENSION "
                              "key=me?[31m (auth): name 'x?y?"
                              "?'\n");
    assert_int_equal(len, strlen(line));
    /* Cut to fit, the newline kept. */
    char small[16];
    assert_int_equal(agent_log_format(small, sizeof(small), 0, &e), 15);
    assert_string_equal(small, "1970-01-01T00:\n");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
            T(test_socket_is_0600_and_stop_unlinks_it),
            T(test_start_refuses_an_existing_path_a_long_one_and_none),
            T(test_ssh_add_lists_only_the_configured_keys),
            T(test_ssh_add_cannot_remove_lock_or_add_keys),
            T(test_ssh_keygen_signs_for_git_and_verify_accepts_it),
            T(test_ssh_keygen_is_refused_the_file_namespace),
            T(test_the_auth_key_refuses_sshsig),
            T(test_32_concurrent_clients_all_get_their_lists),
            T(test_a_half_frame_does_not_stop_another_client),
            T(test_an_oversized_length_drops_only_that_client),
            T(test_a_client_that_leaves_mid_message_is_logged_and_others_go_on),
            T(test_random_bytes_from_many_clients_leave_the_proxy_serving),
            T(test_a_stalled_client_is_dropped_after_the_timeout),
            T(test_a_client_that_does_not_read_does_not_stop_others),
            T(test_requests_filling_every_read_of_a_wakeup_are_all_answered),
            T(test_requests_past_one_turn_are_answered_though_nothing_more_arrives),
            T(test_a_client_is_dropped_at_its_next_request_after_64_failures_in_a_row),
            T(test_clients_beyond_the_cap_are_closed_and_logged_once),
            T(test_a_dead_real_agent_gives_failure_and_a_new_one_is_used),
            T(test_a_silent_real_agent_gives_failure_after_the_timeout),
            T(test_stop_closes_clients_in_every_state),
            T(test_confirm_always_without_a_way_to_ask_refuses_saying_why),
            T(test_the_approval_callback_is_asked_and_obeyed),
            T(test_another_client_is_served_after_at_most_16_of_a_flooders_requests),
            T(test_the_proxy_thread_takes_no_signals),
            T(test_every_log_line_has_the_documented_shape),
            T(test_log_lines_make_client_text_printable),
    };
#undef T
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
