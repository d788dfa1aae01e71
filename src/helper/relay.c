/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The opener's half of the callback relay: each request the host's browser made is
 * replayed to 127.0.0.1:PORT in the sandbox and its response sent back. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/macro.h"
#include "helper/helper.h"
#include "proxy/http.h"
#include "base/banned.h"

/* The host gives each relay 60 s: the server in the sandbox gets a little less. */
#define REPLAY_TIMEOUT_MS 50000
/* Between two callbacks the host holds the window (5 min for the first); past this the
 * host is taken to be gone. */
#define RELAY_IDLE_TIMEOUT_MS (15 * 60 * 1000)

static int connect_loopback(uint16_t port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return helper_connect((const struct sockaddr *)&sa, sizeof(sa));
}

/* Reads the server's response into raw until it is whole: 1, or negative errno. */
static int read_response(int fd, enum proxy_http_kind kind, struct strbuf *raw,
                         struct proxy_http *resp, struct strbuf *body, struct ags_error *err)
{
    long long deadline = monotonic_ms() + REPLAY_TIMEOUT_MS;
    for (bool eof = false;;) {
        size_t used;
        int r = proxy_http_parse(raw->buf ? raw->buf : "", raw->len, kind, eof, resp, body, &used,
                                 err);
        if (r != 0)
            return r;
        long long left = deadline - monotonic_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int pr = left > 0 ? poll(&p, 1, (int)left) : 0;
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            return ags_error_set(err, pr < 0 ? -errno : -ETIMEDOUT, "no whole response within %d s",
                                 REPLAY_TIMEOUT_MS / 1000);
        char buf[16384];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ags_error_set(err, -errno, "reading the response: %s", strerror(errno));
        if (n == 0)
            eof = true;
        else if (strbuf_append(raw, buf, (size_t)n) < 0)
            return ags_error_set(err, -EMSGSIZE, "a response over the relay's bounds");
    }
}

/* Replays req; on success appends CALLBACK_RESPONSE to out. */
static int replay(uint16_t port, uint32_t id, const struct proxy_http *req, struct strbuf *out,
                  struct ags_error *err)
{
    _cleanup_strbuf_ struct strbuf wire, raw, body;
    strbuf_init(&wire, PROXY_FRAME_MAX);
    strbuf_init(&raw, AGS_PROXY_MAX_MESSAGE);
    strbuf_init(&body, AGS_PROXY_MAX_BODY);
    if (proxy_http_write_request(&wire, req) < 0)
        return ags_error_set(err, -EINVAL, "a request the relay cannot write");
    _cleanup_close_ int fd = connect_loopback(port);
    if (fd < 0)
        return ags_error_set(err, fd, "cannot connect to 127.0.0.1:%u: %s", (unsigned)port,
                             strerror(-fd));
    int r = helper_write_all(fd, wire.buf, wire.len);
    if (r < 0)
        return ags_error_set(err, r, "sending the request: %s", strerror(-r));
    struct proxy_http resp;
    bool head = req->method.len == 4 && memcmp(req->method.p, "HEAD", 4) == 0;
    r = read_response(fd, head ? PROXY_HTTP_RESPONSE_TO_HEAD : PROXY_HTTP_RESPONSE, &raw, &resp,
                      &body, err);
    if (r < 0)
        return r;
    r = proxy_build_callback_response(out, id, &resp);
    proxy_http_done(&resp);
    return r < 0 ? ags_error_set(err, r, "a response the protocol cannot carry") : 0;
}

/* Answers one CALLBACK_REQUEST: the response, or why there is none. */
static int answer(struct helper_conn *c, uint16_t port, const struct proxy_msg *m)
{
    _cleanup_strbuf_ struct strbuf out;
    strbuf_init(&out, PROXY_FRAME_MAX);
    struct ags_error err = {0};
    if (replay(port, m->id, &m->http, &out, &err) < 0) {
        char reason[AGS_PROXY_MAX_TEXT];
        /* At most the bound of a text: the error's own message may be longer. */
        snprintf(reason, sizeof(reason), "auth proxy: callback replay failed: %.900s", err.msg);
        for (char *p = reason; *p; p++)
            if (*p < 0x20 || *p > 0x7e)
                *p = '?';
        strbuf_reset(&out);
        if (proxy_build_callback_failed(&out, m->id, reason) < 0)
            return -EINVAL;
    }
    return helper_write_all(c->fd, out.buf, out.len);
}

int helper_relay(struct helper_conn *c, uint16_t port)
{
    for (;;) {
        int r = helper_read_frame(c, RELAY_IDLE_TIMEOUT_MS);
        if (r < 0)
            return r == -ECONNRESET ? HELPER_EXIT_OK : HELPER_EXIT_FAILED;
        size_t len;
        const uint8_t *body = frame_reader_body(&c->r, &len);
        struct proxy_msg m;
        if (proxy_msg_parse(body, len, PROXY_FROM_HOST, &m, NULL) < 0)
            return HELPER_EXIT_FAILED;
        int status = -1;
        if (m.type == PROXY_DONE)
            status = HELPER_EXIT_OK;
        else if (m.type != PROXY_CALLBACK_REQUEST || answer(c, port, &m) < 0)
            status = HELPER_EXIT_FAILED;
        proxy_msg_done(&m);
        frame_reader_next(&c->r);
        if (status >= 0)
            return status;
    }
}
