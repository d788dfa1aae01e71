/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The attacker review of issue 18 against the real egress proxy: a hostile
 * client on the proxy's socket (what an agent in an allowlist sandbox can
 * always do) and a policy that allows every NAME but lists no address, the
 * widest a user's list of names can be.  A service listens on the host's
 * 127.0.0.1 (and ::1 where there is one); each probe asks for it in another
 * spelling (numeric forms, IPv4-mapped and -embedding IPv6, zone ids,
 * trailing dots, localhost, the machine's own name, user information,
 * percent-encoding, a Host header that disagrees, a request pipelined behind
 * a refused one) and must get an answer that is no 200 while the service
 * never sees a connection, and exactly one log line per attempt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "egress/egress.h"

#define WAIT_MS 15000 /* a bound for each step, never a sleep */

struct fixture {
    char dir[64], sock[128], log[128];
    int log_fd;
    int lo4, lo6; /* the host's loopback services (lo6: -1 without ::1) */
    uint16_t port;
    struct egress_server *proxy;
};

/* Every name is allowed: the address checks alone must keep the loopback closed. */
static bool any_name(void *ctx, const char *host, uint16_t port)
{
    (void)ctx, (void)host, (void)port;
    return true;
}

static bool no_address(void *ctx, int family, const void *addr, uint16_t port)
{
    (void)ctx, (void)family, (void)addr, (void)port;
    return false;
}

static int listen_on(int family, const void *addr, uint16_t port, uint16_t *got)
{
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_storage ss = {0};
    socklen_t len;
    if (family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&ss;
        *s = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(port)};
        memcpy(&s->sin_addr, addr, 4);
        len = sizeof(*s);
    } else {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
        *s = (struct sockaddr_in6){.sin6_family = AF_INET6, .sin6_port = htons(port)};
        memcpy(&s->sin6_addr, addr, 16);
        len = sizeof(*s);
        int one = 1;
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
        close(fd);
        return -1;
    }
    *got = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                   : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    strcpy(f->dir, "/tmp/ags-egress-atk-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->sock, sizeof(f->sock), "%s/egress.sock", f->dir);
    snprintf(f->log, sizeof(f->log), "%s/net.jsonl", f->dir);
    f->log_fd = open(f->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    assert_true(f->log_fd >= 0);
    struct in_addr lo = {.s_addr = htonl(INADDR_LOOPBACK)};
    f->lo4 = listen_on(AF_INET, &lo, 0, &f->port);
    assert_true(f->lo4 >= 0);
    uint16_t same;
    f->lo6 = listen_on(AF_INET6, &in6addr_loopback, f->port, &same);
    struct egress_opts o = {
            .socket_path = f->sock,
            .policy = {.name_allowed = any_name, .addr_listed = no_address, .ctx = f},
            .log_fd = f->log_fd,
            .session = "s1",
            .agent = "shell",
            .head_timeout_ms = 1000,
            .resolve_timeout_ms = 5000,
            .connect_timeout_ms = 2000,
    };
    struct ags_error err = {0};
    assert_int_equal(egress_start(&o, &f->proxy, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    egress_stop(f->proxy);
    close(f->lo4);
    if (f->lo6 >= 0)
        close(f->lo6);
    close(f->log_fd);
    unlink(f->log);
    unlink(f->sock);
    rmdir(f->dir);
    free(f);
    return 0;
}

static int client(const struct fixture *f)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, f->sock);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

/* Sends req and reads the answer until the proxy closes (bounded). */
static void exchange(const struct fixture *f, const char *req, char *buf, size_t size)
{
    int fd = client(f);
    assert_int_equal(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
    size_t len = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        assert_int_equal(poll(&p, 1, WAIT_MS), 1);
        ssize_t n = read(fd, buf + len, size - 1 - len);
        if (n <= 0 || len + (size_t)n >= size - 1)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    close(fd);
}

/* Whether a connection waits on one of the loopback services (taken off its queue). */
static bool service_reached(const struct fixture *f)
{
    bool reached = false;
    int fds[2] = {f->lo4, f->lo6};
    for (int i = 0; i < 2; i++) {
        if (fds[i] < 0)
            continue;
        int c;
        while ((c = accept4(fds[i], NULL, NULL, SOCK_CLOEXEC)) >= 0) {
            close(c);
            reached = true;
        }
    }
    return reached;
}

/* pattern with each "{P}" replaced by the service's port. */
static void fill_port(const struct fixture *f, const char *pattern, char *out, size_t size)
{
    char port[8];
    snprintf(port, sizeof(port), "%u", (unsigned)f->port);
    size_t len = 0;
    for (const char *p = pattern; *p; p++) {
        const char *piece = strncmp(p, "{P}", 3) == 0 ? port : NULL;
        size_t n = piece ? strlen(piece) : 1;
        assert_true(len + n < size);
        memcpy(out + len, piece ? piece : p, n);
        len += n;
        if (piece)
            p += 2;
    }
    out[len] = '\0';
}

/* One probe: each "{P}" of pattern is the service's port. */
static void expect_blocked(const struct fixture *f, const char *pattern)
{
    char req[512], answer[2048];
    fill_port(f, pattern, req, sizeof(req));
    print_message("probe: %.*s\n", (int)strcspn(req, "\r"), req);
    exchange(f, req, answer, sizeof(answer));
    print_message("  -> %.*s\n", (int)strcspn(answer, "\r"), answer);
    assert_null(strstr(answer, " 200 "));
    /* Refused (4xx), failed (5xx), or closed unanswered (a head that never ends). */
    assert_true(answer[0] == '\0' || strncmp(answer, "HTTP/1.1 4", 10) == 0 ||
                strncmp(answer, "HTTP/1.1 5", 10) == 0);
    assert_false(service_reached(f));
}

static void test_connect_spellings_of_loopback_never_reach_it(void **state)
{
    struct fixture *f = *state;
    static const char *const hosts[] = {
            "127.0.0.1",          "127.1",
            "2130706433",         "0x7f000001",
            "0x7f.1",             "0177.0.0.1",
            "127.000.000.001",    "127.0.0.1.",
            "0",                  "0.0.0.0",
            "0.0.0.0.",           "[::1]",
            "[::]",               "[::ffff:127.0.0.1]",
            "[::ffff:7f00:1]",    "[0:0:0:0:0:ffff:7f00:1]",
            "[::127.0.0.1]",      "[::1%25lo]",
            "[::1%lo]",           "[fe80::1%lo]",
            "[2002:7f00:1::]",    "[64:ff9b::7f00:1]",
            "localhost",          "localhost.",
            "LOCALHOST",          "LocalHost.",
            "ip6-localhost",      "ip6-loopback",
            "vm",                 "runsc",
            "%31%32%37.0.0.1",    "127.0.0.1%00.example.org",
            "localhost%2f",       "127.0.0.1\\",
            "[::ffff:127.0.0.1",  "::1",
            "127.0.0.1:{P}@x.org", "x.org@127.0.0.1",
    };
    for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
        char pattern[256];
        snprintf(pattern, sizeof(pattern), "CONNECT %s:{P} HTTP/1.1\r\nHost: x\r\n\r\n", hosts[i]);
        expect_blocked(f, pattern);
        snprintf(pattern, sizeof(pattern), "GET http://%s:{P}/ HTTP/1.1\r\nHost: x\r\n\r\n",
                 hosts[i]);
        expect_blocked(f, pattern);
    }
}

/* The machine's own name resolves to loopback on many hosts (Debian's 127.0.1.1). */
static void test_the_hosts_own_name_never_reaches_its_loopback(void **state)
{
    struct fixture *f = *state;
    char name[256] = "", pattern[400];
    assert_int_equal(gethostname(name, sizeof(name) - 1), 0);
    snprintf(pattern, sizeof(pattern), "CONNECT %s:{P} HTTP/1.1\r\n\r\n", name);
    expect_blocked(f, pattern);
}

/* What the client says past its request line never picks the server. */
static void test_host_header_and_pipelining_never_choose_the_target(void **state)
{
    struct fixture *f = *state;
    expect_blocked(f, "GET http://nothing.invalid:{P}/ HTTP/1.1\r\nHost: 127.0.0.1:{P}\r\n\r\n");
    expect_blocked(f, "GET / HTTP/1.1\r\nHost: 127.0.0.1:{P}\r\n\r\n");
    expect_blocked(f, "GET 127.0.0.1:{P} HTTP/1.1\r\n\r\n");
    expect_blocked(f, "CONNECT localhost:{P} HTTP/1.1\r\n\r\nCONNECT 127.0.0.1:{P} HTTP/1.1\r\n\r\n");
    expect_blocked(f, "CONNECT 127.0.0.1:{P} HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "0\r\n\r\n");
    expect_blocked(f, "CONNECT localhost:{P} HTTP/1.1\nHost: x\n\n");
    expect_blocked(f, "CONNECT localhost:{P} HTTP/1.1\r\nX: a\r\n b\r\n\r\n");
    expect_blocked(f, "CONNECT  localhost:{P} HTTP/1.1\r\n\r\n");
    expect_blocked(f, "CONNECT localhost:{P} HTTP/2.0\r\n\r\n");
}

/* One attempt, one line: 20 refusals are 20 lines, none for the pipelined tail. */
static void test_every_refusal_is_one_log_line(void **state)
{
    struct fixture *f = *state;
    for (int i = 0; i < 20; i++)
        expect_blocked(f, "CONNECT 127.0.0.1:{P} HTTP/1.1\r\n\r\nCONNECT 127.0.0.1:{P} HTTP/1.1\r\n"
                          "\r\n");
    egress_stop(f->proxy);
    f->proxy = NULL;
    char buf[65536];
    int fd = open(f->log, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    assert_true(n > 0);
    buf[n] = '\0';
    unsigned lines = 0, refused = 0;
    for (char *p = buf; (p = strchr(p, '\n')); p++)
        lines++;
    for (char *p = buf; (p = strstr(p, "\"decision\":\"refused\"")); p++)
        refused++;
    assert_int_equal(lines, 20);
    assert_int_equal(refused, 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_connect_spellings_of_loopback_never_reach_it,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_the_hosts_own_name_never_reaches_its_loopback,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(
                    test_host_header_and_pipelining_never_choose_the_target, setup, teardown),
            cmocka_unit_test_setup_teardown(test_every_refusal_is_one_log_line, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
