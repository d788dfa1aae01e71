/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The egress proxy (src/egress) over real sockets, loopback only: a client
 * on the proxy's unix socket, a server this test runs on 127.0.0.1 (an
 * ephemeral port) and a policy played here.  What is relayed both ways and
 * counted, what is refused at once and why (the name, a name that resolves
 * only to loopback, an unlisted IP literal), the rewritten plain HTTP head,
 * malformed and oversized heads, the connection bound, the head deadline,
 * a stop while a relay is open, and the audit log's lines.
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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/limits.h"
#include "egress/egress.h"

#define WAIT_MS 10000 /* a bound for each step, never a sleep */

struct fixture {
    char dir[64], sock[128], log[128];
    int log_fd;
    /* The server on 127.0.0.1. */
    int server_fd;
    uint16_t port;
    pthread_t server_thread;
    bool server_running;
    void (*handler)(int fd, struct fixture *f);
    char seen[4096]; /* what the server read */
    size_t seen_len;
    /* The policy. */
    const char *allowed_name;
    bool list_loopback; /* 127.0.0.1:port is listed */
    unsigned warnings;
    char last_warning[512];
    struct egress_server *proxy;
};

static bool name_allowed(void *ctx, const char *host, uint16_t port)
{
    struct fixture *f = ctx;
    return f->allowed_name && strcmp(host, f->allowed_name) == 0 && port == f->port;
}

static bool addr_listed(void *ctx, int family, const void *addr, uint16_t port)
{
    struct fixture *f = ctx;
    struct in_addr lo = {.s_addr = htonl(INADDR_LOOPBACK)};
    return f->list_loopback && family == AF_INET && memcmp(addr, &lo, 4) == 0 && port == f->port;
}

static void warn(void *ctx, const char *line)
{
    struct fixture *f = ctx;
    f->warnings++;
    snprintf(f->last_warning, sizeof(f->last_warning), "%s", line);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    strcpy(f->dir, "/tmp/ags-egress-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->sock, sizeof(f->sock), "%s/egress.sock", f->dir);
    snprintf(f->log, sizeof(f->log), "%s/net.jsonl", f->dir);
    f->log_fd = open(f->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    assert_true(f->log_fd >= 0);
    f->server_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    assert_int_equal(bind(f->server_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(f->server_fd, 16), 0);
    assert_int_equal(getsockname(f->server_fd, (struct sockaddr *)&sa, &len), 0);
    f->port = ntohs(sa.sin_port);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    egress_stop(f->proxy);
    if (f->server_running)
        pthread_join(f->server_thread, NULL);
    close(f->server_fd);
    close(f->log_fd);
    unlink(f->log);
    unlink(f->sock);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void start_proxy(struct fixture *f, int head_timeout_ms)
{
    struct egress_opts o = {
            .socket_path = f->sock,
            .policy = {.name_allowed = name_allowed, .addr_listed = addr_listed, .ctx = f},
            .log_fd = f->log_fd,
            .session = "s1",
            .agent = "claude",
            .warn = warn,
            .warn_ctx = f,
            .head_timeout_ms = head_timeout_ms,
    };
    struct ags_error err = {0};
    assert_int_equal(egress_start(&o, &f->proxy, &err), 0);
}

static void *server_main(void *arg)
{
    struct fixture *f = arg;
    int fd = accept4(f->server_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0) {
        f->handler(fd, f);
        close(fd);
    }
    return NULL;
}

static void start_server(struct fixture *f, void (*handler)(int, struct fixture *))
{
    f->handler = handler;
    assert_int_equal(pthread_create(&f->server_thread, NULL, server_main, f), 0);
    f->server_running = true;
}

static int client(struct fixture *f)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, f->sock);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static void send_all(int fd, const char *s)
{
    assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

/* Everything until the peer closes (bounded by WAIT_MS). */
static size_t read_to_eof(int fd, char *buf, size_t size)
{
    size_t len = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        assert_int_equal(poll(&p, 1, WAIT_MS), 1);
        ssize_t n = read(fd, buf + len, size - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        assert_true(len < size - 1);
    }
    buf[len] = '\0';
    return len;
}

/* Reads to EOF, then answers "pong:" and what it read. */
static void pong_handler(int fd, struct fixture *f)
{
    f->seen_len = read_to_eof(fd, f->seen, sizeof(f->seen));
    char out[4200];
    int n = snprintf(out, sizeof(out), "pong:%s", f->seen);
    send_all(fd, out);
    (void)n;
}

/* The log's text after the proxy stopped. */
static void read_log(struct fixture *f, char *buf, size_t size)
{
    egress_stop(f->proxy);
    f->proxy = NULL;
    int fd = open(f->log, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    ssize_t n = read(fd, buf, size - 1);
    assert_true(n >= 0);
    buf[n] = '\0';
    close(fd);
}

static void test_connect_relays_both_ways_and_logs_the_attempt(void **state)
{
    struct fixture *f = *state;
    f->allowed_name = "localhost";
    f->list_loopback = true;
    start_proxy(f, 0);
    start_server(f, pong_handler);
    int c = client(f);
    char req[128];
    snprintf(req, sizeof(req), "CONNECT localhost:%u HTTP/1.1\r\nHost: x\r\n\r\nearly,", f->port);
    send_all(c, req);
    send_all(c, "late");
    /* The end of the client's input reaches the server as its EOF (half-close). */
    assert_int_equal(shutdown(c, SHUT_WR), 0);
    char buf[512];
    read_to_eof(c, buf, sizeof(buf));
    close(c);
    assert_string_equal(buf, "HTTP/1.1 200 Connection established\r\n\r\npong:early,late");
    assert_string_equal(f->seen, "early,late");
    pthread_join(f->server_thread, NULL);
    f->server_running = false;
    char log[2048];
    read_log(f, log, sizeof(log));
    char *t = strstr(log, "\"session\":\"s1\",\"agent\":\"claude\",\"method\":\"CONNECT\","
                          "\"host\":\"localhost\"");
    assert_non_null(t);
    char expect[256];
    snprintf(expect, sizeof(expect),
             "\"port\":%u,\"address\":\"127.0.0.1\",\"decision\":\"allowed\",\"reason\":\"\","
             "\"bytes_up\":10,\"bytes_down\":15,",
             f->port);
    assert_non_null(strstr(log, expect));
    char *nl = strchr(log, '\n');
    assert_non_null(nl);
    assert_string_equal(nl, "\n"); /* one line for one attempt */
    assert_int_equal(f->warnings, 0);
}

/* The answer to one request head sent alone. */
static void ask(struct fixture *f, const char *head, char *buf, size_t size)
{
    int c = client(f);
    send_all(c, head);
    read_to_eof(c, buf, size);
    close(c);
}

static void test_a_name_not_allowed_gets_403_at_once(void **state)
{
    struct fixture *f = *state;
    f->allowed_name = "localhost";
    start_proxy(f, 0);
    char buf[1024];
    int64_t t0 = monotonic_ms();
    ask(f, "CONNECT evil.test:443 HTTP/1.1\r\n\r\n", buf, sizeof(buf));
    assert_true(monotonic_ms() - t0 < WAIT_MS);
    assert_true(strncmp(buf, "HTTP/1.1 403 Forbidden\r\n", 24) == 0);
    assert_non_null(strstr(buf, "\r\nConnection: close\r\n"));
    assert_non_null(strstr(buf, "\r\n\r\nblocked by ags network policy: evil.test:443 (add it to "
                                "[network].allow)\n"));
    assert_int_equal(f->warnings, 1);
    assert_string_equal(f->last_warning,
                        "blocked by network policy: evil.test:443 (add it to [network].allow)");
    uint64_t allowed, refused, failed;
    egress_counts(f->proxy, &allowed, &refused, &failed);
    assert_int_equal(refused, 1);
    assert_int_equal(allowed + failed, 0);
    char log[2048];
    read_log(f, log, sizeof(log));
    assert_non_null(strstr(log, "\"host\":\"evil.test\",\"port\":443,\"address\":\"\","
                                "\"decision\":\"refused\",\"reason\":\"not in the allowlist\""));
}

static void test_a_name_resolving_to_unlisted_loopback_gets_403(void **state)
{
    struct fixture *f = *state;
    f->allowed_name = "localhost";
    f->list_loopback = false;
    start_proxy(f, 0);
    char req[128], buf[1024];
    snprintf(req, sizeof(req), "CONNECT localhost:%u HTTP/1.1\r\n\r\n", f->port);
    ask(f, req, buf, sizeof(buf));
    assert_true(strncmp(buf, "HTTP/1.1 403 Forbidden\r\n", 24) == 0);
    char body[256];
    snprintf(body, sizeof(body),
             "blocked by ags network policy: localhost:%u resolves only to private/loopback "
             "addresses (list the address in [network].allow)\n",
             f->port);
    assert_non_null(strstr(buf, body));
    assert_int_equal(f->warnings, 1);
}

static void test_an_unlisted_ip_literal_gets_403(void **state)
{
    struct fixture *f = *state;
    f->allowed_name = "127.0.0.1"; /* a name rule never admits an address */
    start_proxy(f, 0);
    char req[128], buf[1024];
    snprintf(req, sizeof(req), "CONNECT 127.0.0.1:%u HTTP/1.1\r\n\r\n", f->port);
    ask(f, req, buf, sizeof(buf));
    assert_true(strncmp(buf, "HTTP/1.1 403 Forbidden\r\n", 24) == 0);
    char body[256];
    snprintf(body, sizeof(body),
             "blocked by ags network policy: 127.0.0.1:%u (add it to [network].allow)\n", f->port);
    assert_non_null(strstr(buf, body));
    snprintf(req, sizeof(req), "CONNECT [::1]:%u HTTP/1.1\r\n\r\n", f->port);
    ask(f, req, buf, sizeof(buf));
    assert_true(strncmp(buf, "HTTP/1.1 403 Forbidden\r\n", 24) == 0);
}

static void test_a_listed_ip_literal_is_relayed(void **state)
{
    struct fixture *f = *state;
    f->list_loopback = true;
    start_proxy(f, 0);
    start_server(f, pong_handler);
    int c = client(f);
    char req[128], buf[512];
    snprintf(req, sizeof(req), "CONNECT 127.0.0.1:%u HTTP/1.1\r\n\r\nx", f->port);
    send_all(c, req);
    shutdown(c, SHUT_WR);
    read_to_eof(c, buf, sizeof(buf));
    close(c);
    assert_string_equal(buf, "HTTP/1.1 200 Connection established\r\n\r\npong:x");
}

/* Reads a request head and answers one response. */
static void http_handler(int fd, struct fixture *f)
{
    f->seen_len = 0;
    while (!strstr(f->seen, "\r\n\r\n")) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, WAIT_MS) != 1)
            return;
        ssize_t n = read(fd, f->seen + f->seen_len, sizeof(f->seen) - 1 - f->seen_len);
        if (n <= 0)
            return;
        f->seen_len += (size_t)n;
        f->seen[f->seen_len] = '\0';
    }
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
}

static void test_plain_http_reaches_the_server_in_origin_form(void **state)
{
    struct fixture *f = *state;
    f->allowed_name = "localhost";
    f->list_loopback = true;
    start_proxy(f, 0);
    start_server(f, http_handler);
    char req[256], buf[512], expect[256];
    snprintf(req, sizeof(req),
             "GET http://LOCALHOST:%u/x?y HTTP/1.1\r\nHost: evil.test\r\n"
             "Proxy-Connection: keep-alive\r\nAccept: */*\r\n\r\n",
             f->port);
    ask(f, req, buf, sizeof(buf));
    assert_string_equal(buf, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    snprintf(expect, sizeof(expect),
             "GET /x?y HTTP/1.1\r\nHost: localhost:%u\r\nAccept: */*\r\nConnection: close\r\n\r\n",
             f->port);
    assert_string_equal(f->seen, expect);
}

static void test_a_malformed_request_gets_400(void **state)
{
    struct fixture *f = *state;
    start_proxy(f, 0);
    char buf[512];
    ask(f, "GET /index.html HTTP/1.1\r\nHost: example.org\r\n\r\n", buf, sizeof(buf));
    assert_true(strncmp(buf, "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
    char log[2048];
    read_log(f, log, sizeof(log));
    assert_non_null(strstr(log, "\"method\":\"\",\"host\":\"\",\"port\":0,\"address\":\"\","
                                "\"decision\":\"refused\",\"reason\":\"malformed request\""));
}

static void test_a_head_past_its_bound_gets_431(void **state)
{
    struct fixture *f = *state;
    start_proxy(f, 0);
    int c = client(f);
    send_all(c, "CONNECT a.test:443 HTTP/1.1\r\n");
    char line[1024];
    memset(line, 'a', sizeof(line));
    memcpy(line, "X: ", 3);
    memcpy(line + sizeof(line) - 2, "\r\n", 2);
    /* The proxy answers and closes before all of it is sent: a send may fail then. */
    for (int i = 0; i < 20; i++)
        if (send(c, line, sizeof(line), MSG_NOSIGNAL) < 0)
            break;
    char buf[512];
    read_to_eof(c, buf, sizeof(buf));
    close(c);
    assert_true(strncmp(buf, "HTTP/1.1 431 ", 13) == 0);
}

static void test_a_slow_client_is_dropped_at_the_deadline(void **state)
{
    struct fixture *f = *state;
    start_proxy(f, 200);
    int c = client(f);
    send_all(c, "CONNECT a.te");
    char buf[64];
    assert_int_equal(read_to_eof(c, buf, sizeof(buf)), 0);
    close(c);
    char log[2048];
    read_log(f, log, sizeof(log));
    assert_non_null(strstr(log, "\"decision\":\"failed\",\"reason\":\"no whole request head in "
                                "time\""));
}

static void test_connections_past_the_bound_get_503(void **state)
{
    struct fixture *f = *state;
    start_proxy(f, 0);
    int fds[AGS_EGRESS_MAX_CONNECTIONS];
    for (unsigned i = 0; i < AGS_EGRESS_MAX_CONNECTIONS; i++)
        fds[i] = client(f);
    /* Each of these waits for its head; the bound is reached once all are accepted. */
    char buf[512] = "";
    for (int tries = 0; tries < 100; tries++) {
        int c = client(f);
        send_all(c, "CONNECT a.test:443 HTTP/1.1\r\n\r\n");
        read_to_eof(c, buf, sizeof(buf));
        close(c);
        if (strncmp(buf, "HTTP/1.1 503 ", 13) == 0)
            break;
    }
    assert_true(strncmp(buf, "HTTP/1.1 503 ", 13) == 0);
    int64_t t0 = monotonic_ms();
    egress_stop(f->proxy); /* with 256 connections waiting */
    f->proxy = NULL;
    assert_true(monotonic_ms() - t0 < WAIT_MS);
    for (unsigned i = 0; i < AGS_EGRESS_MAX_CONNECTIONS; i++)
        close(fds[i]);
}

static void idle_handler(int fd, struct fixture *f)
{
    (void)f;
    char buf[16];
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, WAIT_MS) == 1)
        if (read(fd, buf, sizeof(buf)) < 0) { /* best effort */ } /* the proxy's close at stop */
}

static void test_stop_closes_open_relays_promptly(void **state)
{
    struct fixture *f = *state;
    f->list_loopback = true;
    start_proxy(f, 0);
    start_server(f, idle_handler);
    int c = client(f);
    char req[128], buf[128];
    snprintf(req, sizeof(req), "CONNECT 127.0.0.1:%u HTTP/1.1\r\n\r\n", f->port);
    send_all(c, req);
    struct pollfd p = {.fd = c, .events = POLLIN};
    assert_int_equal(poll(&p, 1, WAIT_MS), 1);
    assert_true(read(c, buf, sizeof(buf)) > 0); /* 200: the relay is open */
    int64_t t0 = monotonic_ms();
    egress_stop(f->proxy);
    f->proxy = NULL;
    assert_true(monotonic_ms() - t0 < WAIT_MS); /* not the 10 minutes of the idle bound */
    assert_int_equal(read_to_eof(c, buf, sizeof(buf)), 0);
    close(c);
    assert_int_equal(access(f->sock, F_OK), -1); /* the socket is gone */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_connect_relays_both_ways_and_logs_the_attempt,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_a_name_not_allowed_gets_403_at_once, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_a_name_resolving_to_unlisted_loopback_gets_403,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_an_unlisted_ip_literal_gets_403, setup, teardown),
            cmocka_unit_test_setup_teardown(test_a_listed_ip_literal_is_relayed, setup, teardown),
            cmocka_unit_test_setup_teardown(test_plain_http_reaches_the_server_in_origin_form,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_a_malformed_request_gets_400, setup, teardown),
            cmocka_unit_test_setup_teardown(test_a_head_past_its_bound_gets_431, setup, teardown),
            cmocka_unit_test_setup_teardown(test_a_slow_client_is_dropped_at_the_deadline, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_connections_past_the_bound_get_503, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_stop_closes_open_relays_promptly, setup,
                                            teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
