/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `ags-helper open URL` (BROWSER, xdg-open): asks the host to open URL, and when the host
 * relays an OAuth callback, serves the relay from a child in the background. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/macro.h"
#include "helper/helper.h"
#include "proxy/url.h"
#include "base/banned.h"

/* The host answers within its approval timeout (5 min by default); past this the host is
 * taken to be gone. */
#define OPEN_ANSWER_TIMEOUT_MS (15 * 60 * 1000)

static const char *socket_path(void)
{
    const char *p = getenv(PROXY_SOCKET_ENV);
    return p && *p ? p : PROXY_SANDBOX_SOCKET;
}

static int send_open(int fd, const char *url)
{
    _cleanup_strbuf_ struct strbuf out;
    strbuf_init(&out, PROXY_FRAME_MAX);
    int r = proxy_build_open(&out, url, strlen(url));
    return r < 0 ? r : helper_write_all(fd, out.buf, out.len);
}

/* The caller (an agent CLI, Python's webbrowser) may wait for BROWSER to exit before it
 * goes on: the relay runs in a child of a session of its own, and the caller goes on. */
static int start_relay(struct helper_conn *c, uint16_t port)
{
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid > 0)
        return 0;
    (void)setsid();
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        (void)dup2(null, STDIN_FILENO);
        (void)dup2(null, STDOUT_FILENO);
        (void)dup2(null, STDERR_FILENO);
    }
    frame_reader_next(&c->r); /* the OPENED that started it */
    _exit(helper_relay(c, port));
}

/* One answer of the host: READ_ON, else the exit status. */
#define READ_ON (-1)

static int on_answer(struct helper_conn *c, const struct proxy_msg *m, const char *url)
{
    switch (m->type) {
    case PROXY_WAITING:
        fprintf(stderr, "ags: %.*s\n", (int)m->text.len, m->text.p);
        return READ_ON;
    case PROXY_REFUSED:
        fprintf(stderr, "ags: %.*s\n", (int)m->text.len, m->text.p);
        return HELPER_EXIT_FAILED;
    case PROXY_OPENED:
        if (m->port == 0) {
            fprintf(stderr, "ags: opened on the host: %s\n", url);
            return HELPER_EXIT_OK;
        }
        fprintf(stderr, "ags: opened on the host: %s\nags: relaying its callback to 127.0.0.1:%u\n",
                url, (unsigned)m->port);
        if (start_relay(c, m->port) < 0) {
            fprintf(stderr, "ags: cannot start the callback relay: %s\n", strerror(errno));
            return HELPER_EXIT_FAILED;
        }
        return HELPER_EXIT_OK;
    default:
        fprintf(stderr, "ags: the auth proxy answered %s out of turn\n", proxy_msg_name(m->type));
        return HELPER_EXIT_FAILED;
    }
}

static int await_answer(struct helper_conn *c, const char *url)
{
    for (;;) {
        struct ags_error err = {0};
        int r = helper_read_frame(c, OPEN_ANSWER_TIMEOUT_MS);
        if (r < 0) {
            fprintf(stderr, "ags: no answer from ags's auth proxy: %s\n",
                    r == -ECONNRESET ? "it closed the connection" : strerror(-r));
            return HELPER_EXIT_FAILED;
        }
        size_t len;
        const uint8_t *body = frame_reader_body(&c->r, &len);
        struct proxy_msg m;
        if (proxy_msg_parse(body, len, PROXY_FROM_HOST, &m, &err) < 0) {
            fprintf(stderr, "ags: %s\n", err.msg);
            return HELPER_EXIT_FAILED;
        }
        int status = on_answer(c, &m, url);
        proxy_msg_done(&m);
        frame_reader_next(&c->r);
        if (status != READ_ON)
            return status;
    }
}

int helper_open(int argc, char **argv)
{
    if (argc != 1) {
        fputs("usage: ags-open URL\n", stderr);
        return HELPER_EXIT_USAGE;
    }
    const char *url = argv[0];
    struct proxy_url u;
    struct ags_error err = {0};
    /* The host checks again: this spares it what can never be opened. */
    if (proxy_url_parse(url, strlen(url), &u, &err) < 0) {
        fprintf(stderr, "ags: not opening the URL: %s\n", err.msg);
        return HELPER_EXIT_FAILED;
    }
    const char *path = socket_path();
    struct helper_conn c = {.fd = helper_connect_unix(path)};
    if (c.fd < 0) {
        fprintf(stderr, "ags: cannot reach ags's auth proxy at %s: %s\n", path, strerror(-c.fd));
        return HELPER_EXIT_FAILED;
    }
    proxy_reader_init(&c.r);
    int r = send_open(c.fd, url);
    int status = r < 0 ? HELPER_EXIT_FAILED : await_answer(&c, url);
    if (r < 0)
        fprintf(stderr, "ags: cannot send to ags's auth proxy: %s\n", strerror(-r));
    frame_reader_done(&c.r);
    close(c.fd);
    return status;
}
