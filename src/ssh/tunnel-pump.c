/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one thread that drives a tunnel's libssh2 session (not thread-safe):
 * channel opens one at a time (libssh2 has one open in flight per session),
 * each open channel bridged to its local stream with half-close both ways
 * and bounded buffers, keepalives, and the dead-link verdict that closes
 * every local stream at once.
 */
#include "ssh/tunnel-internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/limits.h"
#include "ssh/tunnel.h"
#include "base/banned.h"

#define PUMP_MAX_WAIT_MS 1000

static const char *last_error(LIBSSH2_SESSION *s)
{
    char *msg = NULL;
    (void)libssh2_session_last_error(s, &msg, NULL, 0);
    return msg && msg[0] ? msg : "unknown error";
}

/* Errors that end one channel, not the link. */
static bool channel_error(int rc)
{
    return rc == LIBSSH2_ERROR_CHANNEL_CLOSED || rc == LIBSSH2_ERROR_CHANNEL_EOF_SENT ||
           rc == LIBSSH2_ERROR_CHANNEL_FAILURE || rc == LIBSSH2_ERROR_CHANNEL_UNKNOWN ||
           rc == LIBSSH2_ERROR_CHANNEL_WINDOW_EXCEEDED ||
           rc == LIBSSH2_ERROR_CHANNEL_PACKET_EXCEEDED ||
           rc == LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED || rc == LIBSSH2_ERROR_CHANNEL_OUTOFORDER;
}

/* The dial request behind b (if it waits): the channel's result. */
static void bridge_answer(struct ssh_tunnel *t, struct ssh_bridge *b, int result,
                          const struct ags_error *err)
{
    if (b->req)
        ssh_tunnel_answer(t, b->req, result, err);
    b->req = NULL;
    if (b->ctl)
        ssh_shared_answer(t, b->ctl, result, b->pass_fd, err);
    b->ctl = NULL;
    if (b->pass_fd >= 0)
        (void)close(b->pass_fd);
    b->pass_fd = -1;
}

static void bridge_close(struct ssh_tunnel *t, struct ssh_bridge *b, int result,
                         const struct ags_error *err)
{
    bridge_answer(t, b, result < 0 || !(b->req || b->ctl) ? result : -ECONNRESET, err);
    if (b->fd >= 0) {
        (void)shutdown(b->fd, SHUT_RDWR);
        (void)close(b->fd);
    }
    b->fd = -1;
    if (b->ch && !t->dead) {
        t->closing = xrealloc(t->closing, (t->n_closing + 1) * sizeof(*t->closing));
        t->closing[t->n_closing++] = b->ch;
    }
    b->ch = NULL;
}

static bool bridge_closed(const struct ssh_bridge *b)
{
    return b->fd < 0;
}

/* The link is gone: every local stream closed, every request failed with why. */
static void link_dead(struct ssh_tunnel *t, int code, const char *why)
{
    struct ags_error e = {0};
    (void)ags_error_set(&e, code,
                        "ssh: lost the connection to %s (%s): the remote Podman "
                        "engine is unreachable",
                        t->name, why);
    pthread_mutex_lock(&t->lock);
    if (!t->dead) {
        t->dead = code;
        t->dead_err = e;
    }
    pthread_mutex_unlock(&t->lock);
    if (t->shared)
        ssh_shared_link_dead(t, &e); /* before the streams end: the runs read why */
    for (struct ssh_bridge *b = t->bridges; b; b = b->next)
        bridge_close(t, b, code, &e);
}

static void link_error(struct ssh_tunnel *t)
{
    link_dead(t, -ECONNRESET, last_error(t->session));
}

/* The payload of direct-streamlocal@openssh.com: string socket path, string
 * reserved "", uint32 reserved 0. */
static size_t streamlocal_payload(const char *path, uint8_t *out, size_t max)
{
    size_t n = strlen(path);
    if (n + 12 > max)
        return 0;
    uint32_t be = htobe32((uint32_t)n);
    memcpy(out, &be, 4);
    memcpy(out + 4, path, n);
    memset(out + 4 + n, 0, 8);
    return n + 12;
}

/* Steps the oldest bridge without a channel: true when something changed. */
static bool open_step(struct ssh_tunnel *t)
{
    struct ssh_bridge *b = t->bridges;
    while (b && (b->ch || bridge_closed(b)))
        b = b->next;
    if (!b)
        return false;
    uint8_t payload[AGS_SSH_REMOTE_PATH_MAX + 16];
    size_t plen = streamlocal_payload(t->uri.path, payload, sizeof(payload));
    static const char type[] = "direct-streamlocal@openssh.com";
    b->ch = libssh2_channel_open_ex(t->session, type, sizeof(type) - 1,
                                    LIBSSH2_CHANNEL_WINDOW_DEFAULT, LIBSSH2_CHANNEL_PACKET_DEFAULT,
                                    (const char *)payload, (unsigned)plen);
    if (b->ch) {
        libssh2_channel_set_blocking(b->ch, 0);
        bridge_answer(t, b, 0, NULL);
        return true;
    }
    int rc = libssh2_session_last_errno(t->session);
    if (rc == LIBSSH2_ERROR_EAGAIN)
        return false;
    if (!channel_error(rc)) {
        link_error(t);
        return true;
    }
    struct ags_error e = {0};
    (void)ags_error_set(&e, -ECONNREFUSED,
                        "ssh: %s would not open the remote socket %s (%s): is Podman's socket "
                        "there (`systemctl --user enable --now podman.socket`), and does its "
                        "sshd allow AllowStreamLocalForwarding?",
                        t->name, t->uri.path, last_error(t->session));
    bridge_close(t, b, e.code, &e);
    return true;
}

/* Local stream -> channel.  true: bytes moved (or an end reached). */
static bool pump_up(struct ssh_tunnel *t, struct ssh_bridge *b)
{
    bool moved = false;
    if (!b->local_eof && b->up_len < AGS_SSH_TUNNEL_BUF) {
        ssize_t n = recv(b->fd, b->up + b->up_len, AGS_SSH_TUNNEL_BUF - b->up_len, MSG_DONTWAIT);
        if (n > 0)
            b->up_len += (size_t)n;
        else if (n == 0 || (errno != EAGAIN && errno != EINTR))
            b->local_eof = true;
        moved = n > 0 || b->local_eof;
    }
    while (b->up_len > 0) {
        ssize_t w = libssh2_channel_write(b->ch, b->up, b->up_len);
        if (w == LIBSSH2_ERROR_EAGAIN)
            break;
        if (w < 0) {
            if (!channel_error((int)w))
                link_error(t);
            else
                bridge_close(t, b, 0, NULL);
            return true;
        }
        memmove(b->up, b->up + w, b->up_len - (size_t)w);
        b->up_len -= (size_t)w;
        moved = true;
    }
    if (b->local_eof && b->up_len == 0 && !b->eof_sent) {
        int r = libssh2_channel_send_eof(b->ch);
        if (r == 0 || channel_error(r))
            b->eof_sent = moved = true;
        else if (r != LIBSSH2_ERROR_EAGAIN)
            link_error(t);
    }
    return moved;
}

/* Channel -> local stream. */
static bool pump_down(struct ssh_tunnel *t, struct ssh_bridge *b)
{
    bool moved = false;
    if (!b->chan_eof && b->down_len < AGS_SSH_TUNNEL_BUF) {
        ssize_t n = libssh2_channel_read(b->ch, b->down + b->down_len,
                                         AGS_SSH_TUNNEL_BUF - b->down_len);
        if (n > 0) {
            b->down_len += (size_t)n;
            moved = true;
        } else if (n == 0 || channel_error((int)n)) {
            if (n < 0 || libssh2_channel_eof(b->ch))
                b->chan_eof = moved = true;
        } else if (n != LIBSSH2_ERROR_EAGAIN) {
            link_error(t);
            return true;
        }
    }
    if (b->down_len > 0) {
        ssize_t w = send(b->fd, b->down, b->down_len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w > 0) {
            memmove(b->down, b->down + w, b->down_len - (size_t)w);
            b->down_len -= (size_t)w;
            moved = true;
        } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
            bridge_close(t, b, 0, NULL); /* the caller closed its end */
            return true;
        }
    }
    if (b->chan_eof && b->down_len == 0 && !b->local_shut) {
        (void)shutdown(b->fd, SHUT_WR);
        b->local_shut = moved = true;
    }
    return moved;
}

/* Moves what can move on every bridge; closes the finished ones. */
static bool pump_bridges(struct ssh_tunnel *t)
{
    bool moved = false;
    for (struct ssh_bridge *b = t->bridges; b && !t->dead; b = b->next) {
        if (bridge_closed(b) || !b->ch)
            continue;
        moved |= pump_up(t, b);
        if (!bridge_closed(b) && !t->dead)
            moved |= pump_down(t, b);
        if (!bridge_closed(b) && b->eof_sent && b->local_shut) {
            bridge_close(t, b, 0, NULL);
            moved = true;
        }
        /* what libssh2 read for this channel while reading for another sits
         * in its queue, not on the socket: poll would not wake for it */
        if (!bridge_closed(b) && !b->chan_eof && b->down_len < AGS_SSH_TUNNEL_BUF &&
            libssh2_poll_channel_read(b->ch, 0))
            moved = true;
    }
    return moved;
}

/* Frees closed channels (nonblocking: each may take a few turns). */
static void reap(struct ssh_tunnel *t)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n_closing; i++)
        if (libssh2_channel_free(t->closing[i]) == LIBSSH2_ERROR_EAGAIN)
            t->closing[k++] = t->closing[i];
    t->n_closing = k;
    struct ssh_bridge **pp = &t->bridges;
    while (*pp) {
        struct ssh_bridge *b = *pp;
        if (bridge_closed(b)) {
            *pp = b->next;
            free(b->up);
            free(b->down);
            free(b);
            t->n_bridges--;
        } else {
            pp = &b->next;
        }
    }
}

void ssh_tunnel_bridge_add(struct ssh_tunnel *t, int fd, struct ssh_dial_req *req,
                           struct ssh_ctl *ctl, int pass_fd)
{
    struct ags_error e = {0};
    if (t->dead || t->n_bridges >= AGS_SSH_TUNNEL_MAX_CHANNELS) {
        if (t->dead)
            e = t->dead_err;
        else
            (void)ags_error_set(&e, -EMFILE, "ssh: %u connections to %s at once already",
                                AGS_SSH_TUNNEL_MAX_CHANNELS, t->name);
        struct ssh_bridge gone = {.req = req, .ctl = ctl, .pass_fd = pass_fd};
        bridge_answer(t, &gone, e.code, &e);
        (void)close(fd);
        return;
    }
    if (t->n_bridges == 0)
        t->last_rx = monotonic_ms(); /* idle, nothing was read: the clock starts now */
    struct ssh_bridge *b = xcalloc(1, sizeof(*b));
    b->fd = fd;
    b->req = req;
    b->ctl = ctl;
    b->pass_fd = pass_fd;
    b->up = xmalloc(AGS_SSH_TUNNEL_BUF);
    b->down = xmalloc(AGS_SSH_TUNNEL_BUF);
    struct ssh_bridge **pp = &t->bridges; /* at the end: channels open in order */
    while (*pp)
        pp = &(*pp)->next;
    *pp = b;
    t->n_bridges++;
}

/* Takes the queued requests; true when asked to stop. */
static bool take_queue(struct ssh_tunnel *t)
{
    uint64_t v;
    (void)!read(t->wake_fd, &v, sizeof(v));
    pthread_mutex_lock(&t->lock);
    struct ssh_dial_req *q = t->queue;
    t->queue = NULL;
    bool stop = t->stop;
    pthread_mutex_unlock(&t->lock);
    while (q) {
        struct ssh_dial_req *next = q->next;
        int fd = q->fd;
        q->fd = -1;
        ssh_tunnel_bridge_add(t, fd, q, NULL, -1);
        q = next;
    }
    return stop;
}

/* libcurl's connections on the local socket: ours only (same uid). */
static void take_accepted(struct ssh_tunnel *t)
{
    for (;;) {
        int fd = accept4(t->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            return;
        struct ucred cred;
        socklen_t len = sizeof(cred);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != geteuid())
            (void)close(fd);
        else
            ssh_tunnel_bridge_add(t, fd, NULL, NULL, -1);
    }
}

/* Keepalives, and the verdict: no byte from the server for SSH_TUNNEL_DEAD_MS
 * while a connection is open means the link is gone.  Returns the seconds
 * to the next keepalive. */
static int keepalive(struct ssh_tunnel *t)
{
    int next = SSH_TUNNEL_KEEPALIVE_SECONDS;
    if (t->dead)
        return next;
    /* Answers only while a stream is open: only then does anything read
     * them (and judge the link by them); an idle tunnel that asked would
     * pile them up unread for as long as it persists. */
    if (t->replies != (t->n_bridges > 0)) {
        t->replies = t->n_bridges > 0;
        libssh2_keepalive_config(t->session, t->replies, SSH_TUNNEL_KEEPALIVE_SECONDS);
    }
    int r = libssh2_keepalive_send(t->session, &next);
    if (r < 0 && r != LIBSSH2_ERROR_EAGAIN) {
        link_error(t);
        return next;
    }
    if (t->n_bridges > 0 && monotonic_ms() - t->last_rx > SSH_TUNNEL_DEAD_MS)
        link_dead(t, -ETIMEDOUT, "no answer for 10 s");
    return next > 0 ? next : 1;
}

enum { PFD_WAKE, PFD_LISTEN, PFD_TCP, PFD_CTL_LISTEN, PFD_FIRST_BRIDGE };

struct pump_fds {
    struct pollfd p[PFD_FIRST_BRIDGE + AGS_SSH_TUNNEL_MAX_CHANNELS + AGS_SSH_TUNNEL_MAX_RUNS];
    struct ssh_bridge *bridge[AGS_SSH_TUNNEL_MAX_CHANNELS];
    struct ssh_ctl *ctl[AGS_SSH_TUNNEL_MAX_RUNS];
    nfds_t n_bridges, n_ctls;
};

static nfds_t build_pollfds(struct ssh_tunnel *t, struct pump_fds *f)
{
    struct pollfd *p = f->p;
    p[PFD_WAKE] = (struct pollfd){.fd = t->wake_fd, .events = POLLIN};
    p[PFD_LISTEN] = (struct pollfd){.fd = t->listen_fd, .events = POLLIN};
    p[PFD_CTL_LISTEN] = (struct pollfd){.fd = t->ctl_listen_fd, .events = POLLIN};
    /* the server's end of the connection is noticed even while nothing reads */
    p[PFD_TCP] = (struct pollfd){.fd = t->dead ? -1 : t->sock, .events = POLLRDHUP};
    if (!t->dead) {
        int dir = libssh2_session_block_directions(t->session);
        if (t->n_bridges > 0 || (dir & LIBSSH2_SESSION_BLOCK_INBOUND))
            p[PFD_TCP].events |= POLLIN;
        if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
            p[PFD_TCP].events |= POLLOUT;
    }
    nfds_t n = PFD_FIRST_BRIDGE;
    f->n_bridges = f->n_ctls = 0;
    for (struct ssh_bridge *b = t->bridges; b; b = b->next) {
        if (bridge_closed(b) || !b->ch)
            continue;
        short ev = 0;
        if (!b->local_eof && b->up_len < AGS_SSH_TUNNEL_BUF)
            ev |= POLLIN;
        if (b->down_len > 0)
            ev |= POLLOUT;
        f->bridge[f->n_bridges++] = b;
        p[n++] = (struct pollfd){.fd = b->fd, .events = ev};
    }
    for (struct ssh_ctl *c = t->ctls; c; c = c->next) {
        f->ctl[f->n_ctls++] = c;
        p[n++] = (struct pollfd){.fd = c->fd, .events = POLLIN};
    }
    return n;
}

/* A shared tunnel's control connections that have something to say. */
static void take_ctl_input(struct ssh_tunnel *t, const struct pump_fds *f)
{
    const struct pollfd *p = f->p + PFD_FIRST_BRIDGE + f->n_bridges;
    for (nfds_t i = 0; i < f->n_ctls; i++)
        if (p[i].revents)
            ssh_shared_ctl_input(t, f->ctl[i]);
}

/* The server's sshd leaves Nagle on for a connection that only forwards
 * (no interactive session): it holds its next small segment until ours
 * acknowledges the last, and a delayed ACK would cost 40 ms on every
 * reply that comes in two pieces.  Quick ACKs are not sticky in Linux:
 * asked for again after every read. */
static void ack_now(const struct ssh_tunnel *t)
{
    int one = 1;
    (void)setsockopt(t->sock, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

void *ssh_tunnel_pump(void *arg)
{
    struct ssh_tunnel *t = arg;
    struct pump_fds *f = xcalloc(1, sizeof(*f));
    struct pollfd *pfds = f->p;
    bool moved = true;
    for (;;) {
        int next = keepalive(t);
        int wait = moved ? 0 : (next * 1000 < PUMP_MAX_WAIT_MS ? next * 1000 : PUMP_MAX_WAIT_MS);
        if (t->shared && (t->dead || ssh_shared_done(t, &wait)))
            break;
        nfds_t n = build_pollfds(t, f);
        if (poll(pfds, n, wait) < 0 && errno != EINTR)
            break;
        if ((pfds[PFD_WAKE].revents & POLLIN) && take_queue(t))
            break;
        if (pfds[PFD_LISTEN].revents & POLLIN)
            take_accepted(t);
        if (pfds[PFD_CTL_LISTEN].revents & POLLIN)
            ssh_shared_accept(t);
        take_ctl_input(t, f);
        if (pfds[PFD_TCP].revents & (POLLERR | POLLHUP))
            link_dead(t, -ECONNRESET, "the connection failed");
        else if (pfds[PFD_TCP].revents & POLLRDHUP)
            link_dead(t, -ECONNRESET, "the server closed the connection");
        moved = false;
        if (!t->dead) {
            moved |= open_step(t);
            moved |= pump_bridges(t);
            if (pfds[PFD_TCP].revents & POLLIN)
                ack_now(t);
        }
        reap(t);
    }
    for (struct ssh_bridge *b = t->bridges; b; b = b->next)
        bridge_close(t, b, -ECANCELED, NULL);
    reap(t);
    free(f);
    return NULL;
}
