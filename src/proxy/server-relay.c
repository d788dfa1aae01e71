/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A relay window: the callback port on the host's loopback, the browser's request read
 * (http.h), relayed to the sandbox as CALLBACK_REQUEST and the answer written back. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "proxy/http.h"
#include "proxy/server-internal.h"
#include "base/banned.h"

#define RELAY_BACKLOG  8
#define READS_PER_STEP 16
#define READ_CHUNK     16384
/* What a browser may send: the bounds of the relay (a head, a body). */
#define BROWSER_IN_MAX (AGS_PROXY_MAX_HEADER + AGS_PROXY_MAX_BODY)
/* The answer written back: a whole relayed response and its status line. */
#define BROWSER_OUT_MAX (AGS_PROXY_MAX_MESSAGE + 1024u)

/* ---- the ports ---- */

static int listen_loopback(int family, uint16_t port, int *ret)
{
    _cleanup_close_ int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    /* A login retried soon after the last one finds the port in TIME_WAIT: that is no
     * listener, and SO_REUSEADDR never lets two listen on one port. */
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    int r;
    if (family == AF_INET) {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    } else {
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
        sa.sin6_addr = in6addr_loopback;
        r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    }
    if (r < 0 || listen(fd, RELAY_BACKLOG) < 0)
        return -errno;
    *ret = TAKE_FD(fd);
    return 0;
}

static void window_free(struct relay_window *w)
{
    for (int i = 0; i < 2; i++)
        if (w->lfd[i] >= 0)
            (void)close(w->lfd[i]);
    if (w->bfd >= 0)
        (void)close(w->bfd);
    strbuf_done(&w->bin);
    proxy_out_done(&w->bout);
    free(w);
}

int relay_window_open(struct sandbox_conn *c, uint16_t port, bool ipv6, int64_t closes_at)
{
    struct relay_window *w = xcalloc(1, sizeof(*w));
    *w = (struct relay_window){.port = port,
                               .lfd = {-1, -1},
                               .bfd = -1,
                               .closes_at = closes_at,
                               .next_id = 1,
                               .expect_id = 1};
    strbuf_init(&w->bin, BROWSER_IN_MAX);
    proxy_out_init(&w->bout, BROWSER_OUT_MAX);
    int r = listen_loopback(AF_INET, port, &w->lfd[0]);
    /* localhost may resolve to ::1 first: bound there too, when the host has it.  A port
     * someone holds on ::1 refuses the login like one held on 127.0.0.1. */
    if (r == 0 && ipv6) {
        r = listen_loopback(AF_INET6, port, &w->lfd[1]);
        if (r == -EADDRNOTAVAIL || r == -EAFNOSUPPORT)
            r = 0;
    }
    if (r < 0) {
        window_free(w);
        return r;
    }
    c->win = w;
    return 0;
}

size_t relay_windows_list(const struct proxy_server *s, uint16_t *ports, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_conns && n < max; i++)
        if (s->conns[i]->win)
            ports[n++] = s->conns[i]->win->port;
    return n;
}

size_t relay_windows_count(const struct proxy_server *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_conns; i++)
        n += s->conns[i]->win != NULL;
    return n;
}

/* ---- answering the browser ---- */

static void browser_close(struct relay_window *w)
{
    if (w->bfd >= 0)
        (void)close(w->bfd);
    w->bfd = -1;
    w->bstate = BROWSER_NONE;
    w->inflight_id = 0;
    w->bdeadline = 0;
    strbuf_done(&w->bin);
    strbuf_reset(&w->bout.buf);
    w->bout.off = 0;
}

/* Writes what fits now; the rest waits for POLLOUT (BROWSER_WRITE). */
static void browser_write(struct relay_window *w, int64_t now, int64_t io_ms)
{
    w->bstate = BROWSER_WRITE;
    w->bdeadline = now + io_ms;
    int r = proxy_out_flush(&w->bout, w->bfd);
    if (r != 0)
        browser_close(w); /* all written, or the browser left */
}

/* An answer of the relay's own: a short text body. */
static int build_error(struct strbuf *out, uint16_t status, const char *text)
{
    char body[AGS_PROXY_MAX_TEXT + 32];
    int n = snprintf(body, sizeof(body), "ags auth proxy: %s\n", text);
    struct proxy_header h = {.name = {.p = "Content-Type", .len = 12},
                             .value = {.p = "text/plain; charset=utf-8", .len = 25}};
    struct proxy_http resp = {.status = status,
                              .headers = &h,
                              .n_headers = 1,
                              .body = {.p = body, .len = n > 0 ? (size_t)n : 0}};
    return proxy_http_write_response(out, &resp);
}

static void browser_error(struct relay_window *w, uint16_t status, const char *text, int64_t now,
                          int64_t io_ms)
{
    strbuf_reset(&w->bout.buf);
    w->bout.off = 0;
    if (build_error(&w->bout.buf, status, text) < 0) {
        browser_close(w);
        return;
    }
    browser_write(w, now, io_ms);
}

/* ---- the browser's request ---- */

/* The status for a request http.h refused. */
static uint16_t refusal_status(const struct strbuf *in, int r)
{
    if (r == -ENOTSUP)
        return 411; /* Transfer-Encoding: the relay takes a body by Content-Length only */
    if (r != -EMSGSIZE)
        return 400;
    bool head_ended =
            in->len >= 4 &&
            memmem(in->buf, in->len < AGS_PROXY_MAX_HEADER ? in->len : AGS_PROXY_MAX_HEADER,
                   "\r\n\r\n", 4);
    return head_ended ? 413 : 431;
}

/* A whole request: to the sandbox as CALLBACK_REQUEST. */
static void relay_request(struct sandbox_conn *c, const struct proxy_http *req, int64_t now,
                          int64_t io_ms)
{
    struct relay_window *w = c->win;
    struct proxy_header headers[AGS_PROXY_MAX_HEADERS];
    struct proxy_http relayed;
    if (req->n_headers > AGS_PROXY_MAX_HEADERS) {
        browser_error(w, 431, "too many header lines", now, io_ms);
        return;
    }
    relay_request_view(req, headers, &relayed);
    if (proxy_build_callback_request(&c->out.buf, w->next_id, &relayed) < 0) {
        browser_error(w, 503, "the sandbox's connection is busy", now, io_ms);
        return;
    }
    w->inflight_id = w->next_id++;
    w->bstate = BROWSER_RELAY;
    w->bdeadline = now + io_ms;
    strbuf_done(&w->bin);
}

static void parse_request(struct sandbox_conn *c, bool eof, int64_t now, int64_t io_ms)
{
    struct relay_window *w = c->win;
    struct proxy_http req;
    _cleanup_strbuf_ struct strbuf body;
    strbuf_init(&body, AGS_PROXY_MAX_BODY);
    size_t used;
    int r = proxy_http_parse(w->bin.buf ? w->bin.buf : "", w->bin.len, PROXY_HTTP_REQUEST, eof,
                             &req, &body, &used, NULL);
    if (r == 1) {
        relay_request(c, &req, now, io_ms);
        proxy_http_done(&req);
    } else if (r < 0 && eof && w->bin.len == 0) {
        browser_close(w); /* connected and left: nothing to answer */
    } else if (r < 0) {
        browser_error(w, refusal_status(&w->bin, r), "the relay refused this request", now, io_ms);
    }
}

static void browser_read(struct sandbox_conn *c, int64_t now, int64_t io_ms)
{
    struct relay_window *w = c->win;
    bool eof = false;
    for (int i = 0; i < READS_PER_STEP && !eof; i++) {
        char buf[READ_CHUNK];
        ssize_t n = proxy_recv(w->bfd, buf, sizeof(buf));
        if (n == -EAGAIN)
            break;
        if (n < 0) {
            browser_close(w);
            return;
        }
        eof = n == 0;
        if (n > 0 && strbuf_append(&w->bin, buf, (size_t)n) < 0) {
            browser_error(w, refusal_status(&w->bin, -EMSGSIZE), "the request is too large", now,
                          io_ms);
            return;
        }
    }
    parse_request(c, eof, now, io_ms);
}

/* ---- the sandbox's answer ---- */

bool relay_window_expects_answer(const struct relay_window *w)
{
    return w->expect_id != w->next_id;
}

/* The sandbox's answer as the browser gets it (relay_response_view).  The added headers
 * may pass the bounds of a head: such an answer is refused. */
static int write_response(struct relay_window *w, const struct proxy_http *m)
{
    /* The protocol bounds the sandbox's headers: room for them and the relay's own. */
    struct proxy_header headers[AGS_PROXY_MAX_HEADERS + RELAY_ADDED_HEADERS];
    struct proxy_http resp;
    if (m->n_headers > AGS_PROXY_MAX_HEADERS)
        return -EINVAL;
    relay_response_view(m, w->port, headers, &resp);
    return proxy_http_write_response(&w->bout.buf, &resp);
}

static void deliver(struct proxy_server *s, struct relay_window *w, const struct proxy_msg *m,
                    int64_t now)
{
    char reason[AGS_PROXY_MAX_TEXT + 1];
    struct proxy_event e = {.kind = PROXY_EV_RELAYED, .port = w->port};
    if (m->type == PROXY_CALLBACK_FAILED) {
        (void)snprintf(reason, sizeof(reason), "%.*s", (int)m->text.len, m->text.p);
        e.status = 502;
        e.text = reason;
        browser_error(w, 502, reason, now, s->io_ms);
    } else {
        e.status = m->http.status;
        strbuf_reset(&w->bout.buf);
        w->bout.off = 0;
        if (write_response(w, &m->http) < 0)
            browser_error(w, 502, "a response the relay cannot write", now, s->io_ms);
        else
            browser_write(w, now, s->io_ms);
        /* The login is done, or the provider is talking to it: the window lingers. */
        w->closes_at = now + s->linger_ms;
    }
    proxy_emit(s, &e);
}

bool relay_window_answer(struct proxy_server *s, struct sandbox_conn *c, const uint8_t *body,
                         size_t len, int64_t now)
{
    struct relay_window *w = c->win;
    struct proxy_msg m;
    if (proxy_msg_parse(body, len, PROXY_FROM_SANDBOX, &m, NULL) < 0)
        return false;
    /* The opener answers each request in turn: any other id is out of step. */
    bool ok = (m.type == PROXY_CALLBACK_RESPONSE || m.type == PROXY_CALLBACK_FAILED) &&
              m.id == w->expect_id;
    if (ok) {
        w->expect_id++;
        /* An answer the browser stopped waiting for (504, it left) is dropped. */
        if (m.id == w->inflight_id && w->bstate == BROWSER_RELAY) {
            w->inflight_id = 0;
            deliver(s, w, &m, now);
        }
    }
    proxy_msg_done(&m);
    return ok;
}

/* ---- the step ---- */

void relay_window_pollfds(const struct relay_window *w, bool accepting, struct pollfd *fds)
{
    /* One browser at a time: the next ones wait in the accept queue. */
    accepting = accepting && w->bstate == BROWSER_NONE;
    fds[0] = (struct pollfd){.fd = accepting ? w->lfd[0] : -1, .events = POLLIN};
    fds[1] = (struct pollfd){.fd = accepting ? w->lfd[1] : -1, .events = POLLIN};
    short events = 0;
    if (w->bstate == BROWSER_READ)
        events = POLLIN;
    else if (w->bstate == BROWSER_WRITE)
        events = POLLOUT;
    /* While relaying, only an error or hangup is reported. */
    fds[2] = (struct pollfd){.fd = w->bfd, .events = events};
}

int64_t relay_window_deadline(const struct relay_window *w)
{
    return w->bstate == BROWSER_NONE ? w->closes_at : w->bdeadline;
}

/* The sandbox did not answer in time: 504, and its late answer will be dropped. */
static void relay_timed_out(struct proxy_server *s, struct relay_window *w, int64_t now)
{
    char bound[32], text[128];
    proxy_duration_text(bound, sizeof(bound), s->io_ms);
    (void)snprintf(text, sizeof(text), "the sandbox did not answer within %s", bound);
    w->inflight_id = 0;
    browser_error(w, 504, text, now, s->io_ms);
    struct proxy_event e = {.kind = PROXY_EV_RELAYED, .port = w->port, .status = 504, .text = text};
    proxy_emit(s, &e);
}

static void browser_timed_out(struct proxy_server *s, struct relay_window *w, int64_t now)
{
    if (w->bstate == BROWSER_READ)
        browser_error(w, 408, "the request did not arrive in time", now, s->io_ms);
    else if (w->bstate == BROWSER_RELAY)
        relay_timed_out(s, w, now);
    else
        browser_close(w); /* it does not read its answer */
}

static void browser_accept(struct proxy_server *s, struct relay_window *w, const struct pollfd *fds,
                           int64_t now)
{
    for (int i = 0; i < 2 && w->bstate == BROWSER_NONE; i++) {
        if (w->lfd[i] < 0 || fds[i].fd != w->lfd[i] || !fds[i].revents)
            continue;
        int fd = accept4(w->lfd[i], NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            proxy_pause_accepting(s, now);
            continue;
        }
        w->bfd = fd;
        w->bstate = BROWSER_READ;
        w->bdeadline = now + s->io_ms;
    }
}

bool relay_window_step(struct proxy_server *s, struct sandbox_conn *c, const struct pollfd *fds,
                       int64_t now)
{
    struct relay_window *w = c->win;
    short brev = w->bfd >= 0 && fds[2].fd == w->bfd ? fds[2].revents : 0;
    if (w->bstate == BROWSER_READ && brev)
        browser_read(c, now, s->io_ms);
    else if (w->bstate == BROWSER_WRITE && brev)
        browser_write(w, now, s->io_ms);
    else if (w->bstate == BROWSER_RELAY && (brev & (POLLHUP | POLLERR)))
        browser_close(w); /* it left: the sandbox's answer will be dropped */
    if (w->bstate != BROWSER_NONE && now >= w->bdeadline)
        browser_timed_out(s, w, now);
    browser_accept(s, w, fds, now);
    /* The window closes only between browsers: one being served is answered first. */
    return w->bstate != BROWSER_NONE || now < w->closes_at;
}

/* One try at a short answer for a browser the window drops. */
static void answer_502_now(struct relay_window *w)
{
    _cleanup_strbuf_ struct strbuf out;
    strbuf_init(&out, 4096);
    if (build_error(&out, 502, "the relay window has closed") == 0)
        (void)send(w->bfd, out.buf, out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

void relay_window_close(struct proxy_server *s, struct sandbox_conn *c)
{
    struct relay_window *w = c->win;
    if (w->bstate == BROWSER_READ || w->bstate == BROWSER_RELAY)
        answer_502_now(w);
    else if (w->bstate == BROWSER_WRITE)
        (void)proxy_out_flush(&w->bout, w->bfd);
    struct proxy_event e = {.kind = PROXY_EV_RELAY_DONE, .port = w->port};
    c->win = NULL;
    window_free(w);
    proxy_emit(s, &e);
}
