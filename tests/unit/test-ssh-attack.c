/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Floods of the issue 15 attacker review against the real proxy in front of a
 * real ssh-agent (the fixture of test-ssh-server.c): pipelined refused
 * requests, reconnecting flooders and a listing among them.  The log of one
 * proxy stays within its budget, the flooder is cut off, another client is
 * still served, and a signature after the flood is still logged.  Also the
 * budget itself (agent-log.h) on a plain file.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "ssh/agent-log.h"
#include "ssh/agent-proto.h"
#include "ssh/agent-server.h"
#include "ssh-tools.h"

static struct ssh_fixture g_fx;
static char *g_sock, *g_log;
static int g_log_fd = -1;
static struct ssh_proxy *g_proxy;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A fresh proxy on an empty log; budget 0: the default. */
static void proxy_up(size_t budget)
{
    assert_int_equal(ftruncate(g_log_fd, 0), 0);
    struct ssh_proxy_opts o = ssh_fixture_proxy_opts(&g_fx, g_sock, g_log_fd);
    o.log_budget = budget;
    g_proxy = ssh_fixture_proxy_up(&o);
}

static void proxy_down(void)
{
    ssh_proxy_stop(g_proxy);
    g_proxy = NULL;
}

static int setup_group(void **state _unused_)
{
    ssh_fixture_up(&g_fx);
    g_sock = path_in("proxy.sock");
    g_log_fd = log_open("proxy.log", &g_log);
    return 0;
}

/* A failed test leaves its proxy: the next one starts its own. */
static int teardown(void **state _unused_)
{
    proxy_down();
    return 0;
}

static int teardown_group(void **state _unused_)
{
    close(g_log_fd);
    free(g_sock);
    free(g_log);
    return ssh_fixture_down(&g_fx);
}

static size_t log_size(void)
{
    struct stat st;
    assert_int_equal(fstat(g_log_fd, &st), 0);
    return (size_t)st.st_size;
}

static char *log_text(void)
{
    char *text = NULL;
    size_t len;
    assert_int_equal(read_file_bounded(g_log, 32u << 20, &text, &len, NULL), 0);
    return text;
}

static size_t count_in(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static size_t log_count(const char *needle)
{
    _cleanup_free_ char *text = log_text();
    return count_in(text, needle);
}

/* ---- flooders ---- */

static const char lock_request[] = "\0\0\0\1\x16";
static const char list_request[] = "\0\0\0\1\x0b";

/* 800 pipelined SSH_AGENTC_LOCK requests (4000 bytes, one send). */
static void fill_locks(uint8_t *chunk, size_t size)
{
    for (size_t i = 0; i + 5 <= size; i += 5)
        memcpy(chunk + i, lock_request, 5);
}

struct drainer {
    pthread_t thread;
    int fd;
    size_t got;
};

static void *drain_thread(void *arg);

/* Reads fd until EOF or an error: the answer bytes. */
static size_t drain(int fd)
{
    char buf[65536];
    size_t got = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
            return got;
        got += (size_t)n;
    }
}

static void *drain_thread(void *arg)
{
    struct drainer *d = arg;
    d->got = drain(d->fd);
    return NULL;
}

/* One flooding connection: 800 LOCKs at once, then whatever comes back until
 * the proxy hangs up (after 64 of them). */
static void flood_once(void)
{
    uint8_t chunk[5 * 800];
    fill_locks(chunk, sizeof(chunk));
    int fd = connect_unix(g_sock);
    assert_int_equal(send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL), (ssize_t)sizeof(chunk));
    /* Nothing more: a proxy that served all 800 would see the end and close too. */
    shutdown(fd, SHUT_WR);
    (void)drain(fd);
    close(fd);
}

struct flooder {
    pthread_t thread;
    volatile int stop;
    size_t connections;
};

static void *reconnect_and_flood(void *arg)
{
    struct flooder *f = arg;
    while (!f->stop) {
        flood_once();
        f->connections++;
    }
    return NULL;
}

/* ---- the log of one flooding connection ---- */

/* The probe of the review: one client sends LOCKs as fast as it can for up to
 * 2 s.  Before: 17 MB of log in 2 s (x16.7 the bytes sent). */
static void test_a_flood_of_refusals_on_one_connection_is_cut_off_after_64(void **state _unused_)
{
    proxy_up(0);
    uint8_t chunk[5 * 800];
    fill_locks(chunk, sizeof(chunk));
    /* Answers are read meanwhile, as the probe did: the proxy is never held up. */
    struct drainer d = {.fd = connect_unix(g_sock)};
    assert_int_equal(pthread_create(&d.thread, NULL, drain_thread, &d), 0);
    size_t sent = 0;
    int64_t t0 = now_ms();
    while (now_ms() - t0 < 2000) {
        ssize_t n = send(d.fd, chunk, sizeof(chunk), MSG_NOSIGNAL);
        if (n <= 0)
            break; /* the proxy hung up */
        sent += (size_t)n;
    }
    shutdown(d.fd, SHUT_WR);
    pthread_join(d.thread, NULL);
    close(d.fd);
    size_t got = d.got;
    size_t logged = log_size();
    print_message("flood on one connection: %zu bytes sent in %lld ms, %zu answer bytes, "
                  "log %zu bytes\n",
                  sent, (long long)(now_ms() - t0), got, logged);
    /* 64 SSH_AGENT_FAILUREs (5 bytes each), then EOF instead of the 65th. */
    assert_int_equal(got, SSH_PROXY_FAILURES_IN_ROW * 5);
    assert_true(logged < 64 * 1024);
    assert_int_equal(log_count(" refused SSH_AGENTC_LOCK: "), SSH_PROXY_FAILURES_IN_ROW);
    assert_int_equal(log_count(" dropped connection: 64 requests in a row refused or failed\n"), 1);
}

/* ---- the budget against reconnecting flooders ---- */

static int sign_for_git(const char *msg_name)
{
    _cleanup_free_ char *msg = path_in(msg_name), *pub = xasprintf("%s/pub/sign.pub", ssh_test_dir);
    char *argv[] = {MUT("ssh-keygen"), MUT("-Y"), MUT("sign"), MUT("-n"), MUT("git"),
                    MUT("-f"),         pub,       msg,         NULL};
    struct child_io io = {.sock = g_sock};
    return run(argv, &io);
}

/* A flooder that reconnects is logged until the budget's first half is used;
 * a signature after that is still logged, and stop says how much was not. */
static void test_reconnecting_flooders_cannot_hide_a_later_signature(void **state _unused_)
{
    enum { BUDGET = 64 * 1024, LINES_PER_CONNECTION = SSH_PROXY_FAILURES_IN_ROW + 1 };

    proxy_up(BUDGET);
    size_t connections = 0;
    int64_t deadline = now_ms() + 5000;
    while (log_size() < BUDGET / 2 - AGENT_LOG_LINE_MAX) {
        assert_true(now_ms() < deadline);
        flood_once();
        connections++;
    }
    /* Past the first half: the flood goes on, the log does not grow. */
    size_t at_half = log_size();
    for (int i = 0; i < 10; i++, connections++)
        flood_once();
    assert_true(log_size() <= BUDGET / 2 + AGENT_LOG_LINE_MAX);
    assert_true(log_size() - at_half <= AGENT_LOG_LINE_MAX);

    _cleanup_free_ char *msg = path_in("commit");
    assert_int_equal(write_file_atomic(msg, "tree 0\n", 7, 0600, NULL), 0);
    assert_int_equal(sign_for_git("commit"), 0);
    proxy_down();

    _cleanup_free_ char *text = log_text();
    (void)assert_log_shape(text);
    assert_true(strlen(text) <= BUDGET);
    assert_int_equal(count_in(text, " allowed SSH_AGENTC_SIGN_REQUEST key=ags-agent-signing "
                                    "(signing): sign with the signing key 'ags-agent-signing': "
                                    "SSHSIG namespace 'git' (sha512); signed\n"),
                     1);
    assert_int_equal(count_in(text, " log truncated: past 32768 bytes only signatures are "
                                    "logged, past 63488 nothing; how many lines were left out is "
                                    "logged at stop\n"),
                     1);
    /* Every flood line and ssh-keygen's listing (the common share) is logged or counted. */
    size_t logged =
            count_in(text, " refused SSH_AGENTC_LOCK: ") + count_in(text, " dropped connection: ");
    size_t left_out = connections * LINES_PER_CONNECTION + 1 - logged;
    _cleanup_free_ char *last = xasprintf(" log truncated: %zu more lines not logged (0 of them "
                                          "signatures)\n",
                                          left_out);
    assert_non_null(strstr(text, last));
    print_message("%zu flooding connections: log %zu bytes (budget %d), %zu lines left out\n",
                  connections, strlen(text), BUDGET, left_out);
}

/* The default budget holds, and another client is answered while 8 flooders
 * reconnect and flood.  Before: 3.4 s for a listing among 8 flooders. */
static void test_a_listing_among_8_flooders_is_answered_within_2_s(void **state _unused_)
{
    proxy_up(0);
    struct flooder f[8] = {0};
    for (size_t i = 0; i < ARRAY_SIZE(f); i++)
        assert_int_equal(pthread_create(&f[i].thread, NULL, reconnect_and_flood, &f[i]), 0);
    int64_t worst = 0, t_start = now_ms();
    int listings = 0;
    /* 2 s: long enough for the flood to use the budget's first half (about 1 s here). */
    for (; now_ms() - t_start < 2000 || listings < 20; listings++) {
        int fd = connect_unix(g_sock);
        int64_t t0 = now_ms();
        assert_int_equal(send(fd, list_request, 5, MSG_NOSIGNAL), 5);
        char buf[4096];
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        int64_t dt = now_ms() - t0;
        assert_true(n > 5); /* an IDENTITIES_ANSWER, not a FAILURE */
        if (dt > worst)
            worst = dt;
        close(fd);
    }
    size_t connections = 0;
    for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
        f[i].stop = 1;
        pthread_join(f[i].thread, NULL);
        connections += f[i].connections;
    }
    int64_t took = now_ms() - t_start;
    proxy_down();
    print_message("worst latency of %d listings among 8 flooders: %lld ms (%zu flooding "
                  "connections in %lld ms, log %zu bytes)\n",
                  listings, (long long)worst, connections, (long long)took, log_size());
    assert_true(connections > 0);
    assert_true(worst < 2000);
    assert_true(log_size() <= SSH_PROXY_LOG_BUDGET);
}

/* ---- the budget on a plain file ---- */

static void write_lines(struct agent_log *log, enum agent_log_share share, int n)
{
    struct agent_log_entry e = {.pid = 7,
                                .verdict = "refused",
                                .what = "SSH_AGENTC_LOCK",
                                .reason = "SSH_AGENTC_LOCK is not allowed"};
    if (share == AGENT_LOG_SIGNATURE) {
        e.verdict = "allowed";
        e.what = "SSH_AGENTC_SIGN_REQUEST";
        e.reason = "sign; signed";
    }
    for (int i = 0; i < n; i++)
        agent_log_write(log, share, &e);
}

static void test_the_log_budget_keeps_its_second_half_for_signatures(void **state _unused_)
{
    enum { BUDGET = AGENT_LOG_BUDGET_MIN };

    assert_int_equal(ftruncate(g_log_fd, 0), 0);
    struct agent_log log;
    agent_log_init(&log, g_log_fd, BUDGET);
    write_lines(&log, AGENT_LOG_COMMON, 1000);
    size_t common = log_size();
    assert_true(common <= BUDGET / 2 + AGENT_LOG_LINE_MAX);
    assert_int_equal(log_count(" log truncated: "), 1);
    /* Signatures go on into the second half, and stop at its end. */
    write_lines(&log, AGENT_LOG_SIGNATURE, 1000);
    size_t signatures = log_count(" allowed SSH_AGENTC_SIGN_REQUEST: sign; signed\n");
    assert_true(signatures > 0);
    assert_true(log_size() > BUDGET / 2 + AGENT_LOG_LINE_MAX);
    assert_true(log_size() <= BUDGET - AGENT_LOG_LINE_MAX);
    agent_log_finish(&log);
    assert_true(log_size() <= BUDGET);
    size_t refusals = log_count(" refused SSH_AGENTC_LOCK: ");
    _cleanup_free_ char *last = xasprintf(" log truncated: %zu more lines not logged (%zu of them "
                                          "signatures)\n",
                                          2000 - refusals - signatures, 1000 - signatures);
    assert_int_equal(log_count(last), 1);
    assert_int_equal(log_count(" log truncated: "), 2);
    _cleanup_free_ char *text = log_text();
    (void)assert_log_shape(text);

    /* Within the budget nothing is said; a budget too small is raised; no fd writes nothing. */
    assert_int_equal(ftruncate(g_log_fd, 0), 0);
    agent_log_init(&log, g_log_fd, 1);
    assert_int_equal(log.budget, AGENT_LOG_BUDGET_MIN);
    write_lines(&log, AGENT_LOG_COMMON, 3);
    agent_log_finish(&log);
    assert_int_equal(log_count(" refused SSH_AGENTC_LOCK: "), 3);
    assert_int_equal(log_count(" log truncated: "), 0);
    agent_log_init(&log, -1, BUDGET);
    write_lines(&log, AGENT_LOG_COMMON, 1000);
    agent_log_finish(&log);
    assert_int_equal(log.left_out, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
    const struct CMUnitTest tests[] = {
            T(test_a_flood_of_refusals_on_one_connection_is_cut_off_after_64),
            T(test_reconnecting_flooders_cannot_hide_a_later_signature),
            T(test_a_listing_among_8_flooders_is_answered_within_2_s),
            T(test_the_log_budget_keeps_its_second_half_for_signatures),
    };
#undef T
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
