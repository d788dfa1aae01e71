/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * In-process timing of the auth proxy's callback relay for
 * tools/bench-auth-relay.sh:
 *   auth-relay-bench AGS_HELPER N
 * starts the proxy (src/proxy/server.h), a sandbox played by a child in a
 * network namespace of its own (tests/unit/proxy-sandbox.c: the agent's
 * callback server on its 127.0.0.1:PORT and the real ags-helper, which
 * opens an auto-allowed login and serves the relay) and the same callback
 * server straight on the host's loopback; then times N callbacks (a GET and
 * its small HTML answer, a connection each, as a browser makes) through the
 * relay and N straight to the server, alternating, and prints mean, p50 and
 * p99 of both in microseconds and what the relay adds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/parse-util.h"
#include "proxy-sandbox.h"
#include "proxy/server.h"

#define WARMUP  20
#define WAIT_MS 10000

static const char response[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                               "Content-Length: 26\r\n\r\n<p>You are logged in.</p>\n";
static const char request[] = "GET /cb?code=4%2F0Adeu5BW&state=a1b2c3 HTTP/1.1\r\n"
                              "Host: localhost\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n";

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double report(const char *name, double *t, uint32_t n)
{
    double sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += t[i];
    qsort(t, n, sizeof(double), cmp_double);
    printf("%-7s mean %8.1f us  p50 %8.1f us  p99 %8.1f us\n", name, sum / n, t[n / 2],
           t[(size_t)((double)n * 0.99)]);
    return t[n / 2];
}

/* One callback: 0 when the answer is the server's 200. */
static int callback(uint16_t port)
{
    char *answer;
    size_t len;
    int r = psbx_http(port, request, sizeof(request) - 1, WAIT_MS, &answer, &len);
    if (r == 0 && strncmp(answer, "HTTP/1.1 200 OK\r\n", 17) != 0)
        r = -1;
    free(answer);
    return r;
}

static int opened(const char *url, char *why, size_t why_size, void *userdata)
{
    (void)url, (void)why, (void)why_size, (void)userdata;
    return 0;
}

int main(int argc, char **argv)
{
    uint32_t n;
    if (argc != 3 || parse_u32(argv[2], &n) < 0 || n == 0) {
        fprintf(stderr, "usage: auth-relay-bench AGS_HELPER N\n");
        return 2;
    }
    char dir[] = "/tmp/ags-bench-relay-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    _cleanup_free_ char *sock = xasprintf("%s/auth-proxy.sock", dir);
    _cleanup_free_ char *ctl = xasprintf("%s/control.sock", dir);
    char allowed[] = "auth.example";
    char *const allow[] = {allowed, NULL};
    struct proxy_server_opts o = {
            .sandbox_socket = sock, .control_socket = ctl, .auto_allow = allow, .open = opened};
    struct proxy_server *srv = NULL;
    struct ags_error err;
    if (proxy_server_start(&o, &srv, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    uint16_t relay_port = psbx_free_port(), direct_port = psbx_free_port();
    char url[256];
    snprintf(url, sizeof(url),
             "https://auth.example/authorize?redirect_uri=http%%3A%%2F%%2Flocalhost%%3A%u%%2Fcb",
             (unsigned)relay_port);
    struct psbx_opts so = {.own_netns = true,
                           .helper = argv[1],
                           .socket = sock,
                           .url = url,
                           .port = relay_port,
                           .response = response,
                           .response_len = sizeof(response) - 1,
                           .max_requests = n + WARMUP};
    struct psbx sandbox, direct;
    int status = 1;
    char text[4096];
    if (psbx_start(&so, &sandbox) < 0)
        return 1;
    so = (struct psbx_opts){.port = direct_port,
                            .response = response,
                            .response_len = sizeof(response) - 1,
                            .max_requests = n + WARMUP};
    if (psbx_start(&so, &direct) < 0 ||
        psbx_helper_result(&sandbox, WAIT_MS, &status, text, sizeof(text)) < 0 || status != 0) {
        fprintf(stderr, "ags-helper: status %d: %s\n", status, text);
        return 1;
    }
    double *straight = xcalloc(n, sizeof(double)), *via = xcalloc(n, sizeof(double));
    int failed = 0;
    for (uint32_t i = 0; i < WARMUP; i++)
        failed |= callback(direct_port) | callback(relay_port);
    for (uint32_t i = 0; i < n && !failed; i++) {
        /* Alternating which goes first spreads any drift over both. */
        for (int k = 0; k < 2; k++) {
            bool relayed = (i + (uint32_t)k) % 2;
            double t0 = now_us();
            failed |= callback(relayed ? relay_port : direct_port);
            (relayed ? via : straight)[i] = now_us() - t0;
        }
    }
    proxy_server_stop(srv);
    psbx_stop(&sandbox);
    psbx_stop(&direct);
    rmdir(dir);
    if (failed) {
        fprintf(stderr, "auth-relay-bench: a callback failed\n");
        return 1;
    }
    printf("%u callbacks each (GET, 26-byte answer, a connection each)\n", n);
    double d = report("direct", straight, n);
    double r = report("relayed", via, n);
    printf("the relay adds %.1f us at p50 (%.2fx)\n", r - d, r / d);
    free(straight);
    free(via);
    return 0;
}
