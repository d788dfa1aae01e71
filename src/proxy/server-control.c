/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket's clients (control.h): `ags approve`, `ags deny` and
 * `ags auth-callback` of the same user, one request line each. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "proxy/control-line.h"
#include "proxy/server-internal.h"
#include "base/banned.h"

#define ACCEPTS_PER_STEP 8

void control_conn_free(struct control_conn *c)
{
    if (!c)
        return;
    proxy_out_done(&c->out);
    if (c->fd >= 0)
        (void)close(c->fd);
    free(c);
}

void control_accept(struct proxy_server *s, int64_t now)
{
    for (int i = 0; i < ACCEPTS_PER_STEP; i++) {
        int fd = accept4(s->control_lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            proxy_pause_accepting(s, now);
            return;
        }
        pid_t pid;
        uid_t uid;
        /* Only the user who runs the session answers its requests: anyone else is closed
         * unanswered (the directory keeps them out already; this is the second line). */
        if (!proxy_peer_cred(fd, &pid, &uid) || uid != s->uid ||
            s->n_ctls == PROXY_MAX_CONTROL_CLIENTS) {
            (void)close(fd);
            continue;
        }
        struct control_conn *c = xcalloc(1, sizeof(*c));
        c->fd = fd;
        proxy_out_init(&c->out, PROXY_CONTROL_ANSWER_MAX);
        c->deadline = now + PROXY_CONTROL_TIMEOUT_MS;
        s->ctls[s->n_ctls++] = c;
    }
}

short control_conn_events(const struct control_conn *c)
{
    return c->answered ? POLLOUT : POLLIN;
}

static int list(const struct proxy_server *s, struct strbuf *out)
{
    struct proxy_listing l = {0};
    if (s->pending) {
        l.has_pending = true;
        memcpy(l.pending.id, s->pending->id, sizeof(l.pending.id));
        l.pending.relay_port = s->pending->port;
        l.pending.host = s->pending->host;
        l.pending.url = s->pending->url;
    }
    l.n_relays = relay_windows_list(s, l.relays, ARRAY_SIZE(l.relays));
    /* l borrows the server's strings: it is not freed here. */
    return proxy_control_format_listing(out, &l);
}

static void answer(struct proxy_server *s, struct control_conn *c, size_t len, int64_t now)
{
    struct proxy_control_request req;
    const char *why = NULL;
    int r = proxy_control_parse_request(c->in, len, &req, &why);
    if (r == 0 && req.verb == PROXY_CONTROL_LIST) {
        r = list(s, &c->out.buf);
        why = "the listing does not fit an answer";
    } else if (r == 0) {
        bool allow = req.verb == PROXY_CONTROL_ALLOW;
        int known = pending_answer(s, req.id, allow,
                                   allow ? "allowed with `ags approve`" : "denied with `ags deny`",
                                   now);
        r = proxy_control_format_verdict(&c->out.buf, known == 0);
    }
    if (r < 0) {
        strbuf_reset(&c->out.buf);
        /* A short text always fits; should it not, the client sees the close. */
        if (proxy_control_format_error(&c->out.buf, why) < 0)
            strbuf_reset(&c->out.buf);
    }
    c->answered = true;
}

/* Reads up to the request's newline; false when the client left. */
static bool read_request(struct proxy_server *s, struct control_conn *c, int64_t now)
{
    ssize_t n = proxy_recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
    if (n == -EAGAIN)
        return true;
    if (n <= 0)
        return false;
    c->in_len += (size_t)n;
    const char *nl = memchr(c->in, '\n', c->in_len);
    if (nl)
        answer(s, c, (size_t)(nl - c->in) + 1, now);
    else if (c->in_len == sizeof(c->in))
        answer(s, c, c->in_len, now); /* no newline within the bound: an ERROR */
    return true;
}

bool control_conn_step(struct proxy_server *s, struct control_conn *c, short revents, int64_t now)
{
    if (!c->answered && revents && !read_request(s, c, now))
        return false;
    /* One answer, then the server closes: 1 all written, negative the client left. */
    if (c->answered && proxy_out_flush(&c->out, c->fd) != 0)
        return false;
    return now < c->deadline;
}
