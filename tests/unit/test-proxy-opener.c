/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags-helper's `open` (src/helper) run for real against a tiny auth proxy
 * played here on a unix socket: the bytes it sends, what it prints and its
 * exit status for opened, waiting, refused and a host that goes away; its
 * own refusals without a connection; and the callback relay, replayed to a
 * real HTTP server on 127.0.0.1 in this test, byte for byte both ways.
 * Expected protocol bytes are written out here, not built by the library.
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/frame-reader.h"
#include "proxy/proto.h"

#define WAIT_MS 10000 /* a bound for each step, never a sleep */

struct fixture {
    char dir[64], sock[128];
    int lfd; /* the proxy's listening socket */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    strcpy(f->dir, "/tmp/ags-opener-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->sock, sizeof(f->sock), "%s/auth-proxy.sock", f->dir);
    f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, f->sock);
    assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(f->lfd, 4), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    close(f->lfd);
    unlink(f->sock);
    rmdir(f->dir);
    free(f);
    return 0;
}

struct run {
    pid_t pid;
    int err; /* read end of its stderr */
};

/* Starts the helper under the name argv0 with the given arguments. */
static struct run start(const struct fixture *f, const char *argv0, const char *a1, const char *a2)
{
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(p[1], STDERR_FILENO);
        setenv(PROXY_SOCKET_ENV, f->sock, 1);
        char *argv[] = {strdup(argv0), a1 ? strdup(a1) : NULL, a2 ? strdup(a2) : NULL, NULL};
        execv(AGS_HELPER_PATH, argv);
        _exit(127);
    }
    close(p[1]);
    return (struct run){.pid = pid, .err = p[0]};
}

/* Its stderr to the end and its exit status. */
static int finish(struct run *r, char *text, size_t size)
{
    size_t n = 0;
    for (;;) {
        struct pollfd p = {.fd = r->err, .events = POLLIN};
        assert_int_equal(poll(&p, 1, WAIT_MS), 1);
        ssize_t got = read(r->err, text + n, size - 1 - n);
        assert_true(got >= 0);
        if (got == 0)
            break;
        n += (size_t)got;
    }
    text[n] = '\0';
    close(r->err);
    int status;
    assert_int_equal(waitpid(r->pid, &status, 0), r->pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static int accept_within(int lfd)
{
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, WAIT_MS), 1);
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    assert_true(fd >= 0);
    return fd;
}

/* Reads exactly n bytes. */
static void read_exactly(int fd, void *buf, size_t n)
{
    for (size_t off = 0; off < n;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        assert_int_equal(poll(&p, 1, WAIT_MS), 1);
        ssize_t got = read(fd, (char *)buf + off, n - off);
        assert_true(got > 0);
        off += (size_t)got;
    }
}

/* The peer closed: the next read gives 0 within the bound. */
static void assert_closed(int fd)
{
    char c;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, WAIT_MS), 1);
    assert_int_equal(read(fd, &c, 1), 0);
}

static void send_bytes(int fd, const void *p, size_t n)
{
    assert_int_equal(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* A frame of a text message: length, type, string. */
static void send_text(int fd, uint8_t type, const char *text)
{
    uint32_t n = (uint32_t)strlen(text);
    uint8_t head[9] = {0, 0, 0, (uint8_t)(5 + n), type, 0, 0, 0, (uint8_t)n};
    send_bytes(fd, head, sizeof(head));
    send_bytes(fd, text, n);
}

static void send_opened(int fd, uint16_t port)
{
    uint8_t b[7] = {0, 0, 0, 3, 17, (uint8_t)(port >> 8), (uint8_t)port};
    send_bytes(fd, b, sizeof(b));
}

#define URL "https://auth.example/authorize?client_id=x"

/* The OPEN the helper sends for URL: length 1+4+4+42, type 1, version 1, the URL. */
static void expect_open(int fd, const char *url)
{
    size_t n = strlen(url);
    uint8_t want[9 + 4 + 256] = {0, 0, 0, (uint8_t)(9 + n), 1, 0, 0, 0, 1, 0, 0, 0, (uint8_t)n};
    memcpy(want + 13, url, n);
    uint8_t got[sizeof(want)];
    read_exactly(fd, got, 13 + n);
    assert_memory_equal(got, want, 13 + n);
}

static void test_opened_after_waiting_exits_0_and_says_so(void **state)
{
    struct fixture *f = *state;
    struct run r = start(f, "xdg-open", URL, NULL);
    int c = accept_within(f->lfd);
    expect_open(c, URL);
    send_text(c, 16, "waiting for your approval (ags approve)");
    send_opened(c, 0);
    char text[4096];
    assert_int_equal(finish(&r, text, sizeof(text)), 0);
    assert_string_equal(text, "ags: waiting for your approval (ags approve)\n"
                              "ags: opened on the host: " URL "\n");
    close(c);
}

static void test_refused_exits_1_with_the_hosts_message(void **state)
{
    struct fixture *f = *state;
    struct run r = start(f, "ags-helper", "open", URL);
    int c = accept_within(f->lfd);
    expect_open(c, URL);
    send_text(c, 18, "the user denied opening https://auth.example");
    char text[4096];
    assert_int_equal(finish(&r, text, sizeof(text)), 1);
    assert_string_equal(text, "ags: the user denied opening https://auth.example\n");
    close(c);
}

static void test_host_that_closes_or_answers_garbage_is_a_failure(void **state)
{
    struct fixture *f = *state;
    struct run r = start(f, "ags-open", URL, NULL);
    int c = accept_within(f->lfd);
    expect_open(c, URL);
    close(c);
    char text[4096];
    assert_int_equal(finish(&r, text, sizeof(text)), 1);
    assert_non_null(strstr(text, "closed the connection"));

    r = start(f, "ags-open", URL, NULL);
    c = accept_within(f->lfd);
    expect_open(c, URL);
    send_bytes(c, "\0\0\0\1\x01", 5); /* an OPEN from the host */
    assert_int_equal(finish(&r, text, sizeof(text)), 1);
    assert_non_null(strstr(text, "type 1 from the host"));
    close(c);

    r = start(f, "ags-open", URL, NULL);
    c = accept_within(f->lfd);
    expect_open(c, URL);
    send_bytes(c, "\0\0\0\1\x14", 5); /* DONE before any answer */
    assert_int_equal(finish(&r, text, sizeof(text)), 1);
    assert_non_null(strstr(text, "DONE out of turn"));
    close(c);
}

/* Refused before the host is asked: nothing connects. */
static void test_unopenable_urls_never_reach_the_host(void **state)
{
    struct fixture *f = *state;
    static const char *const urls[] = {"file:///etc/passwd", "javascript:alert(1)",
                                       "http://localhost:8080/", "https://u:p@auth.example/"};
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        struct run r = start(f, "xdg-open", urls[i], NULL);
        char text[4096];
        assert_int_equal(finish(&r, text, sizeof(text)), 1);
        assert_true(strncmp(text, "ags: not opening the URL: ", 26) == 0);
        struct pollfd p = {.fd = f->lfd, .events = POLLIN};
        assert_int_equal(poll(&p, 1, 0), 0);
    }
}

static void test_wrong_arguments_and_no_proxy(void **state)
{
    struct fixture *f = *state;
    char text[4096];
    struct run r = start(f, "xdg-open", NULL, NULL);
    assert_int_equal(finish(&r, text, sizeof(text)), 2);
    r = start(f, "ags-helper", "frobnicate", NULL);
    assert_int_equal(finish(&r, text, sizeof(text)), 2);
    assert_non_null(strstr(text, "usage: ags-helper open URL"));
    r = start(f, "xdg-open", URL, "second");
    assert_int_equal(finish(&r, text, sizeof(text)), 2);
    close(f->lfd);
    unlink(f->sock);
    f->lfd = -1;
    r = start(f, "xdg-open", URL, NULL);
    assert_int_equal(finish(&r, text, sizeof(text)), 1);
    assert_non_null(strstr(text, "cannot reach ags's auth proxy at"));
    f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0); /* for teardown */
}

/* ---- the relay ---- */

static int tcp_listener(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 4), 0);
    socklen_t len = sizeof(sa);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

/* ---- an independent writer of protocol frames (docs/auth-proxy.md) ---- */

struct tframe {
    uint8_t b[512];
    size_t n;
};

static void tf_u32(struct tframe *t, uint32_t v)
{
    const uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    memcpy(t->b + t->n, b, 4);
    t->n += 4;
}

static void tf_str(struct tframe *t, const char *s, size_t n)
{
    tf_u32(t, (uint32_t)n);
    memcpy(t->b + t->n, s, n);
    t->n += n;
}

/* A relayed message: type, id, then (request) method and target or (response) status,
 * the headers as name/value pairs, the body. */
static struct tframe tf_http(uint8_t type, uint32_t id, const char *method, const char *target,
                             uint16_t status, const char *const *headers, size_t n_headers,
                             const char *body, size_t body_len)
{
    struct tframe t = {.n = 4};
    t.b[t.n++] = type;
    tf_u32(&t, id);
    if (method) {
        tf_str(&t, method, strlen(method));
        tf_str(&t, target, strlen(target));
    } else {
        t.b[t.n++] = (uint8_t)(status >> 8);
        t.b[t.n++] = (uint8_t)status;
    }
    tf_u32(&t, (uint32_t)n_headers);
    for (size_t i = 0; i < 2 * n_headers; i++)
        tf_str(&t, headers[i], strlen(headers[i]));
    tf_str(&t, body, body_len);
    const size_t n = t.n;
    t.n = 0;
    tf_u32(&t, (uint32_t)(n - 4));
    t.n = n;
    return t;
}

/* CALLBACK_REQUEST id 5: POST /cb?code=abc&state=xyz, two headers, a body with a NUL. */
static void send_callback_request(int fd)
{
    static const char *const h[] = {"Host", "127.0.0.1:1455", "Content-Type",
                                    "application/x-www-form-urlencoded"};
    struct tframe t = tf_http(19, 5, "POST", "/cb?code=abc&state=xyz", 0, h, 2, "a=1\0b", 5);
    send_bytes(fd, t.b, t.n);
}

/* Reads the next frame and compares it with want. */
static void expect_frame(int fd, const struct tframe *want)
{
    uint8_t got[sizeof(want->b)];
    read_exactly(fd, got, want->n);
    assert_memory_equal(got, want->b, want->n);
}

#define REPLAYED                                          \
    "POST /cb?code=abc&state=xyz HTTP/1.1\r\n"            \
    "Host: 127.0.0.1:1455\r\n"                            \
    "Content-Type: application/x-www-form-urlencoded\r\n" \
    "Content-Length: 5\r\n"                               \
    "Connection: close\r\n\r\n"                           \
    "a=1\0b"

/* The sandbox's server answers in chunks, with a header the relay must drop. */
#define SERVER_ANSWER                \
    "HTTP/1.1 200 OK\r\n"            \
    "Content-Type: text/html\r\n"    \
    "Transfer-Encoding: chunked\r\n" \
    "Set-Cookie: s=1\r\n\r\n"        \
    "5\r\n<b>ok\r\n3\r\n\xff\0!\r\n0\r\n\r\n"

static void expect_callback_response(int fd)
{
    static const char *const h[] = {"Content-Type", "text/html", "Set-Cookie", "s=1"};
    struct tframe want = tf_http(2, 5, NULL, NULL, 200, h, 2, "<b>ok\xff\0!", 8);
    expect_frame(fd, &want);
}

/* The answer to HEAD has the GET's length and no body; the server keeps the connection:
 * the relay answers without waiting for a body or a close. */
static void relay_head(int c, int web)
{
    struct tframe head = tf_http(19, 6, "HEAD", "/cb", 0, NULL, 0, "", 0);
    send_bytes(c, head.b, head.n);
    int s = accept_within(web);
    static const char replayed[] = "HEAD /cb HTTP/1.1\r\nConnection: close\r\n\r\n";
    char got[sizeof(replayed) - 1];
    read_exactly(s, got, sizeof(got));
    assert_memory_equal(got, replayed, sizeof(got));
    static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nX-A: b\r\n\r\n";
    send_bytes(s, answer, sizeof(answer) - 1);
    static const char *const h[] = {"X-A", "b"};
    struct tframe want = tf_http(2, 6, NULL, NULL, 200, h, 1, "", 0);
    expect_frame(c, &want);
    close(s);
}

static void test_relay_replays_the_callback_and_returns_the_response(void **state)
{
    struct fixture *f = *state;
    uint16_t port;
    int web = tcp_listener(&port);
    struct run r = start(f, "xdg-open", URL, NULL);
    int c = accept_within(f->lfd);
    expect_open(c, URL);
    send_opened(c, port);
    char text[4096];
    /* The caller goes on at once: the relay runs in the background. */
    assert_int_equal(finish(&r, text, sizeof(text)), 0);
    char want_text[256];
    snprintf(want_text, sizeof(want_text),
             "ags: opened on the host: " URL "\nags: relaying its callback to 127.0.0.1:%u\n",
             (unsigned)port);
    assert_string_equal(text, want_text);

    send_callback_request(c);
    int s = accept_within(web);
    char got[sizeof(REPLAYED) - 1];
    read_exactly(s, got, sizeof(got));
    assert_memory_equal(got, REPLAYED, sizeof(got));
    send_bytes(s, SERVER_ANSWER, sizeof(SERVER_ANSWER) - 1);
    close(s);
    expect_callback_response(c);
    relay_head(c, web);

    /* A further callback to a server that is gone: the relay says why. */
    close(web);
    send_callback_request(c);
    uint8_t head[9];
    read_exactly(c, head, sizeof(head));
    assert_int_equal(head[4], 3); /* CALLBACK_FAILED */
    assert_memory_equal(head + 5, "\0\0\0\5", 4);
    uint32_t len =
            (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
    char reason[1100] = "";
    read_exactly(c, reason, len - 5);
    assert_non_null(strstr(reason + 4, "callback replay failed: cannot connect to 127.0.0.1"));

    send_bytes(c, "\0\0\0\1\x14", 5); /* DONE: the relay ends and closes */
    assert_closed(c);
    close(c);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_opened_after_waiting_exits_0_and_says_so, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_refused_exits_1_with_the_hosts_message, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_host_that_closes_or_answers_garbage_is_a_failure,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_unopenable_urls_never_reach_the_host, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_wrong_arguments_and_no_proxy, setup, teardown),
            cmocka_unit_test_setup_teardown(
                    test_relay_replays_the_callback_and_returns_the_response, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
