/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One connection of the sandbox: its OPEN, the verdict carried out, its relay's frames
 * (server-internal.h has the states). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "proxy/server-internal.h"
#include "base/banned.h"

/* Reads per wakeup: a sandbox that keeps sending cannot hold the loop. */
#define READS_PER_STEP 16
#define READ_CHUNK     16384

struct sandbox_conn *sandbox_conn_new(struct proxy_server *s, int fd, int64_t now)
{
    struct sandbox_conn *c = xcalloc(1, sizeof(*c));
    c->fd = fd;
    uid_t uid;
    if (!proxy_peer_cred(fd, &c->pid, &uid))
        c->pid = 0;
    c->state = SANDBOX_READ_OPEN;
    /* Until its OPEN is in, a connection is held to the size of an OPEN. */
    frame_reader_init(&c->reader, PROXY_OPEN_FRAME_MAX, "auth proxy OPEN");
    proxy_out_init(&c->out, 2 * PROXY_FRAME_MAX);
    c->io_deadline = now + s->io_ms;
    return c;
}

void sandbox_conn_free(struct proxy_server *s, struct sandbox_conn *c)
{
    if (!c)
        return;
    if (s->pending && s->pending->conn == c)
        pending_drop(s, "the sandbox closed the connection", NULL, true);
    if (c->win)
        relay_window_close(s, c);
    frame_reader_done(&c->reader);
    proxy_out_done(&c->out);
    free(c->url);
    if (c->fd >= 0)
        (void)close(c->fd);
    free(c);
}

/* ---- what the sandbox is told ---- */

void sandbox_send_text(struct sandbox_conn *c, enum proxy_msg_type type, const char *text)
{
    char t[AGS_PROXY_MAX_TEXT + 1];
    proxy_printable_text(t, sizeof(t), text);
    /* The buffer holds two whole frames, so a text fits after any one: should it not, the
     * connection ends rather than go on out of step. */
    if (proxy_build_text(&c->out.buf, type, t) < 0 || type == PROXY_REFUSED)
        c->state = SANDBOX_CLOSING;
}

void sandbox_send_opened(struct sandbox_conn *c, uint16_t port)
{
    int r = proxy_build_opened(&c->out.buf, port);
    c->state = r == 0 && port ? SANDBOX_RELAY : SANDBOX_CLOSING;
}

void sandbox_refuse(struct proxy_server *s, struct sandbox_conn *c, const char *text)
{
    char t[AGS_PROXY_MAX_TEXT + 1];
    proxy_printable_text(t, sizeof(t), text);
    struct proxy_event e = {.kind = PROXY_EV_REFUSED, .url = c->url, .text = t};
    proxy_emit(s, &e);
    sandbox_send_text(c, PROXY_REFUSED, t);
}

/* ---- the OPEN ---- */

/* The URL for events: only when it is visible ASCII (an event is printed). */
static char *visible_copy(const char *p, size_t len)
{
    if (len == 0 || len > AGS_PROXY_MAX_URL)
        return NULL;
    for (size_t i = 0; i < len; i++)
        if (p[i] < 0x21 || p[i] > 0x7e)
            return NULL;
    return xstrndup(p, len);
}

static void on_open_message(struct proxy_server *s, struct sandbox_conn *c,
                            const struct proxy_msg *m, int64_t now)
{
    c->url = visible_copy(m->text.p, m->text.len);
    proxy_open_decide(m->text.p, m->text.len, s->auto_allow, &c->d);
    switch (c->d.verdict) {
    case PROXY_VERDICT_REFUSE:
        sandbox_refuse(s, c, c->d.message);
        return;
    case PROXY_VERDICT_ALLOW:
        sandbox_open_allowed(s, c, "auto-allowed", now);
        return;
    case PROXY_VERDICT_ASK: {
        /* One prompt per session, and a pause after one withdrawn or denied: a hostile agent
         * cannot queue, flood or cycle them. */
        char why[AGS_PROXY_MAX_TEXT];
        if (!pending_can_start(s, now, why, sizeof(why)))
            sandbox_refuse(s, c, why);
        else
            pending_start(s, c, now);
        return;
    }
    }
}

static void on_open(struct proxy_server *s, struct sandbox_conn *c, int64_t now)
{
    size_t len;
    const uint8_t *body = frame_reader_body(&c->reader, &len);
    struct proxy_msg m;
    struct ags_error err = {0};
    char text[AGS_PROXY_MAX_TEXT];
    int r = proxy_msg_parse(body, len, PROXY_FROM_SANDBOX, &m, &err);
    if (r == -EPROTONOSUPPORT) {
        (void)snprintf(text, sizeof(text),
                       "the auth proxy speaks protocol version %u, this opener version %u: "
                       "restart the session",
                       PROXY_PROTO_VERSION, m.version);
        sandbox_refuse(s, c, text);
    } else if (r < 0) {
        (void)snprintf(text, sizeof(text), "auth proxy: %.900s", err.msg);
        sandbox_refuse(s, c, text);
    } else if (m.type != PROXY_OPEN) {
        (void)snprintf(text, sizeof(text), "auth proxy: the first message must be OPEN, not %s",
                       proxy_msg_name(m.type));
        sandbox_refuse(s, c, text);
    } else {
        on_open_message(s, c, &m, now);
    }
    if (r == 0)
        proxy_msg_done(&m);
    /* From now on it may send a relay's answers, up to the protocol's bound. */
    frame_reader_done(&c->reader);
    proxy_reader_init(&c->reader);
}

/* ---- reading ---- */

/* false: the connection is finished (it left, or broke the protocol). */
static bool on_frame(struct proxy_server *s, struct sandbox_conn *c, int64_t now)
{
    if (c->state == SANDBOX_READ_OPEN) {
        on_open(s, c, now);
        return true;
    }
    size_t len;
    const uint8_t *body = frame_reader_body(&c->reader, &len);
    bool ok = relay_window_answer(s, c, body, len, now);
    frame_reader_next(&c->reader);
    return ok;
}

/* Whether a byte from the sandbox is in turn now. */
static bool may_send(const struct sandbox_conn *c)
{
    switch (c->state) {
    case SANDBOX_READ_OPEN:
        return true;
    case SANDBOX_RELAY:
        return relay_window_expects_answer(c->win);
    case SANDBOX_PENDING:
    case SANDBOX_CLOSING:
        break;
    }
    return false;
}

static bool feed(struct proxy_server *s, struct sandbox_conn *c, const uint8_t *p, size_t n,
                 int64_t now)
{
    while (n > 0 && c->state != SANDBOX_CLOSING) {
        /* Anything out of turn is a protocol error: the connection ends. */
        if (!may_send(c))
            return false;
        size_t used;
        int r = frame_reader_feed(&c->reader, p, n, &used, NULL);
        if (r < 0)
            return false; /* a length over the bound, judged from its 4 bytes */
        p += used;
        n -= used;
        if (r == 1 && !on_frame(s, c, now))
            return false;
    }
    return true;
}

static bool read_sandbox(struct proxy_server *s, struct sandbox_conn *c, int64_t now)
{
    for (int i = 0; i < READS_PER_STEP && c->state != SANDBOX_CLOSING; i++) {
        uint8_t buf[READ_CHUNK];
        ssize_t n = proxy_recv(c->fd, buf, sizeof(buf));
        if (n == -EAGAIN)
            return true;
        if (n <= 0)
            return false; /* it left (mid-message or not) or the socket broke */
        if (!feed(s, c, buf, (size_t)n, now))
            return false;
    }
    return true;
}

/* ---- the step ---- */

void sandbox_conn_pollfds(const struct sandbox_conn *c, bool accepting, struct pollfd *fds)
{
    short events = proxy_out_busy(&c->out) ? POLLOUT : 0;
    /* While closing, only its hangup matters (poll reports it unasked). */
    if (c->state != SANDBOX_CLOSING)
        events |= POLLIN;
    fds[0] = (struct pollfd){.fd = c->fd, .events = events};
    if (c->win)
        relay_window_pollfds(c->win, accepting, fds + 1);
    else
        for (int i = 1; i < SANDBOX_POLLFDS; i++)
            fds[i] = (struct pollfd){.fd = -1};
}

int64_t sandbox_conn_deadline(const struct sandbox_conn *c)
{
    int64_t w = c->win ? relay_window_deadline(c->win) : 0;
    if (c->io_deadline == 0)
        return w;
    return w != 0 && w < c->io_deadline ? w : c->io_deadline;
}

void sandbox_end_window(struct proxy_server *s, struct sandbox_conn *c)
{
    relay_window_close(s, c);
    /* Without room for DONE the connection still ends: the opener sees it close. */
    if (proxy_build_done(&c->out.buf) < 0)
        strbuf_reset(&c->out.buf);
    c->state = SANDBOX_CLOSING;
}

/* The peer must deliver its OPEN, finish a frame it began and read what is written to it
 * within io_ms; an idle relay connection has no deadline of its own (its window has). */
static void track_io_deadline(const struct proxy_server *s, struct sandbox_conn *c, int64_t now)
{
    bool waiting = c->state == SANDBOX_READ_OPEN || proxy_out_busy(&c->out) ||
                   frame_reader_partial(&c->reader);
    if (!waiting)
        c->io_deadline = 0;
    else if (c->io_deadline == 0)
        c->io_deadline = now + s->io_ms;
}

bool sandbox_conn_step(struct proxy_server *s, struct sandbox_conn *c, const struct pollfd *fds,
                       int64_t now)
{
    short rev = fds[0].fd == c->fd ? fds[0].revents : 0;
    if (c->state == SANDBOX_CLOSING && (rev & (POLLHUP | POLLERR)))
        return false; /* it hung up before reading its last frame */
    if ((rev & (POLLIN | POLLHUP | POLLERR)) && c->state != SANDBOX_CLOSING &&
        !read_sandbox(s, c, now))
        return false;
    if (c->win && !relay_window_step(s, c, fds + 1, now))
        sandbox_end_window(s, c);
    if (proxy_out_busy(&c->out) && proxy_out_flush(&c->out, c->fd) < 0)
        return false;
    if (c->state == SANDBOX_CLOSING && !proxy_out_busy(&c->out))
        return false;
    track_io_deadline(s, c, now);
    /* Stalled: before its OPEN, mid-frame, or not reading. */
    return c->io_deadline == 0 || now < c->io_deadline;
}

void sandbox_conn_shutdown(struct proxy_server *s, struct sandbox_conn *c)
{
    if (c->win)
        sandbox_end_window(s, c);
    if (proxy_out_busy(&c->out))
        (void)proxy_out_flush(&c->out, c->fd);
}
