/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The auth proxy's sockets, thread and poll loop (server.h). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/strv.h"
#include "proxy/server-internal.h"
#include "base/usock.h"
#include "base/banned.h"

#define LISTEN_BACKLOG 16
/* After EMFILE/ENFILE the listeners rest this long instead of spinning on poll. */
#define ACCEPT_PAUSE_MS 100

_Static_assert(ARRAY_SIZE(((struct proxy_listing *)0)->relays) == AGS_PROXY_MAX_RELAYS,
               "a LIST holds every relay window");

/* ---- accepting sandbox connections ---- */

/* Beyond the bound a connection gets REFUSED if it fits at once, and is closed. */
static void refuse_over_cap(int fd)
{
    _cleanup_strbuf_ struct strbuf out;
    strbuf_init(&out, AGS_PROXY_MAX_TEXT + 16);
    char text[96];
    (void)snprintf(text, sizeof(text), "the auth proxy serves %u requests at once; try again later",
                   AGS_PROXY_MAX_CLIENTS);
    if (proxy_build_text(&out, PROXY_REFUSED, text) == 0)
        (void)send(fd, out.buf, out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)close(fd);
}

void proxy_pause_accepting(struct proxy_server *s, int64_t now)
{
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
        s->accept_paused_to = now + ACCEPT_PAUSE_MS;
}

static void accept_sandboxes(struct proxy_server *s, int64_t now)
{
    for (int i = 0; i < LISTEN_BACKLOG; i++) {
        int fd = accept4(s->sandbox_lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            proxy_pause_accepting(s, now);
            return; /* EAGAIN, or a client gone before we took it */
        }
        if (s->n_conns == AGS_PROXY_MAX_CLIENTS) {
            refuse_over_cap(fd);
            continue;
        }
        s->conns[s->n_conns++] = sandbox_conn_new(s, fd, now);
    }
}

static void remove_conn(struct proxy_server *s, size_t i)
{
    sandbox_conn_free(s, s->conns[i]);
    s->conns[i] = s->conns[--s->n_conns];
    s->conns[s->n_conns] = NULL;
}

static void remove_control(struct proxy_server *s, size_t i)
{
    control_conn_free(s->ctls[i]);
    s->ctls[i] = s->ctls[--s->n_ctls];
    s->ctls[s->n_ctls] = NULL;
}

/* ---- the loop ---- */

/* pollfd layout: wake, the two listeners, the askers' done_fds, SANDBOX_POLLFDS per sandbox
 * connection, one per control client. */
#define POLL_ASKERS 3
#define POLL_FIXED  (POLL_ASKERS + ASKER_POLLFDS)
#define POLL_MAX    (POLL_FIXED + SANDBOX_POLLFDS * AGS_PROXY_MAX_CLIENTS + PROXY_MAX_CONTROL_CLIENTS)

static size_t fill_pollfds(struct proxy_server *s, struct pollfd *fds, int64_t now)
{
    if (s->accept_paused_to != 0 && now >= s->accept_paused_to)
        s->accept_paused_to = 0;
    bool paused = s->accept_paused_to != 0;
    fds[0] = (struct pollfd){.fd = s->wake_fd, .events = POLLIN};
    /* A negative fd is skipped by poll: the listeners rest while paused. */
    fds[1] = (struct pollfd){.fd = paused ? -1 : s->sandbox_lfd, .events = POLLIN};
    fds[2] = (struct pollfd){.fd = paused ? -1 : s->control_lfd, .events = POLLIN};
    askers_pollfds(s, &fds[POLL_ASKERS]);
    size_t n = POLL_FIXED;
    for (size_t i = 0; i < s->n_conns; i++, n += SANDBOX_POLLFDS)
        sandbox_conn_pollfds(s->conns[i], !paused, &fds[n]);
    for (size_t i = 0; i < s->n_ctls; i++, n++)
        fds[n] = (struct pollfd){.fd = s->ctls[i]->fd, .events = control_conn_events(s->ctls[i])};
    return n;
}

static int64_t earlier(int64_t a, int64_t b)
{
    if (a == 0)
        return b;
    return b != 0 && b < a ? b : a;
}

/* The poll timeout: until the nearest deadline, or forever. */
static int poll_timeout(const struct proxy_server *s, int64_t now)
{
    int64_t next = s->accept_paused_to;
    if (s->pending)
        next = earlier(next, s->pending->deadline);
    for (size_t i = 0; i < s->n_conns; i++)
        next = earlier(next, sandbox_conn_deadline(s->conns[i]));
    for (size_t i = 0; i < s->n_ctls; i++)
        next = earlier(next, s->ctls[i]->deadline);
    if (next == 0)
        return -1;
    return next <= now ? 0 : (int)(next - now);
}

static void serve_polled(struct proxy_server *s, const struct pollfd *fds, int64_t now)
{
    size_t n_conns = s->n_conns, n_ctls = s->n_ctls;
    /* The askers first: an answer may change a connection's state before its step. */
    askers_step(s, &fds[POLL_ASKERS], now);
    pending_check_deadline(s, now);
    /* Backwards: removing i moves the last one into its place.  Connections accepted in
     * this round were not polled and are not stepped. */
    const struct pollfd *ctl_fds = fds + POLL_FIXED + SANDBOX_POLLFDS * n_conns;
    for (size_t i = n_ctls; i-- > 0;) {
        short rev = ctl_fds[i].fd == s->ctls[i]->fd ? ctl_fds[i].revents : 0;
        if (!control_conn_step(s, s->ctls[i], rev, now))
            remove_control(s, i);
    }
    for (size_t i = n_conns; i-- > 0;)
        if (!sandbox_conn_step(s, s->conns[i], fds + POLL_FIXED + SANDBOX_POLLFDS * i, now))
            remove_conn(s, i);
    if (fds[1].revents)
        accept_sandboxes(s, now);
    if (fds[2].revents)
        control_accept(s, now);
}

/* The server stops: what is pending is denied, every connection gets its last frame if it
 * fits at once. */
static void shutdown_all(struct proxy_server *s)
{
    pending_drop(s, "the session ended", "ags stopped before the request was answered",
                 false);
    askers_cancel_all(s);
    for (size_t i = 0; i < s->n_conns; i++)
        sandbox_conn_shutdown(s, s->conns[i]);
}

static void *serve(void *arg)
{
    struct proxy_server *s = arg;
    struct pollfd fds[POLL_MAX];
    for (;;) {
        int64_t now = monotonic_ms();
        size_t n = fill_pollfds(s, fds, now);
        int r = poll(fds, n, poll_timeout(s, now));
        if (r < 0 && errno != EINTR)
            break; /* ENOMEM and the like: the server can no longer wait on anything */
        if (r < 0)
            continue;
        if (fds[0].revents)
            break;
        serve_polled(s, fds, monotonic_ms());
    }
    shutdown_all(s);
    return NULL;
}

/* ---- sockets ---- */

static void server_free(struct proxy_server *s)
{
    for (size_t i = 0; i < s->n_conns; i++)
        sandbox_conn_free(s, s->conns[i]);
    for (size_t i = 0; i < s->n_ctls; i++)
        control_conn_free(s->ctls[i]);
    if (s->sandbox_lfd >= 0)
        (void)close(s->sandbox_lfd);
    if (s->control_lfd >= 0)
        (void)close(s->control_lfd);
    if (s->wake_fd >= 0)
        (void)close(s->wake_fd);
    free(s->sandbox_path);
    free(s->control_path);
    strv_free(s->auto_allow);
    free(s);
}

/* The thread starts with every signal blocked: it inherits the mask of its creator. */
static int start_thread(struct proxy_server *s, struct ags_error *err)
{
    int r = thread_start_signals_blocked(&s->thread, serve, s);
    return r < 0 ? ags_error_set(err, r, "auth proxy thread: %s", strerror(-r)) : 0;
}

static int or_default(int v, int def)
{
    return v > 0 ? v : def;
}

/* The caller's list may go once start returns. */
static char **copy_list(char *const *v)
{
    if (!v)
        return NULL;
    struct strv_builder b = {0};
    for (size_t i = 0; v[i]; i++)
        strv_builder_push(&b, xstrdup(v[i]));
    return strv_builder_steal(&b);
}

static struct proxy_server *server_new(const struct proxy_server_opts *o)
{
    struct proxy_server *s = xcalloc(1, sizeof(*s));
    s->sandbox_lfd = s->control_lfd = s->wake_fd = -1;
    s->sandbox_path = xstrdup(o->sandbox_socket);
    s->control_path = xstrdup(o->control_socket);
    s->auto_allow = copy_list(o->auto_allow);
    s->approval_ms = or_default(o->approval_timeout_ms, PROXY_DEFAULT_APPROVAL_MS);
    s->first_callback_ms = or_default(o->first_callback_ms, PROXY_DEFAULT_FIRST_CALLBACK_MS);
    s->io_ms = or_default(o->relay_ms, PROXY_DEFAULT_RELAY_MS);
    s->linger_ms = or_default(o->linger_ms, PROXY_DEFAULT_LINGER_MS);
    s->approve = o->approve;
    s->open = o->open;
    s->event = o->event;
    s->userdata = o->userdata;
    s->uid = geteuid();
    return s;
}

int proxy_server_start(const struct proxy_server_opts *o, struct proxy_server **ret,
                       struct ags_error *err)
{
    if (!o->sandbox_socket || !o->control_socket)
        return ags_error_set(err, -EINVAL, "auth proxy: the %s socket's path is missing",
                             o->sandbox_socket ? "control" : "sandbox");
    struct proxy_server *s = server_new(o);
    int r = usock_listen_private(s->sandbox_path, "auth proxy socket", LISTEN_BACKLOG,
                                 &s->sandbox_lfd, err);
    if (r == 0) {
        r = usock_listen_private(s->control_path, "auth proxy control socket", LISTEN_BACKLOG,
                                 &s->control_lfd, err);
        if (r < 0)
            (void)unlink(s->sandbox_path);
    }
    if (r < 0) {
        server_free(s);
        return r;
    }
    s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    r = s->wake_fd < 0 ? ags_error_set(err, -errno, "auth proxy: eventfd: %s", strerror(errno))
                       : start_thread(s, err);
    if (r < 0) {
        (void)unlink(s->sandbox_path);
        (void)unlink(s->control_path);
        server_free(s);
        return r;
    }
    *ret = s;
    return 0;
}

void proxy_server_stop(struct proxy_server *s)
{
    if (!s)
        return;
    uint64_t one = 1;
    ssize_t w;
    do
        w = write(s->wake_fd, &one, sizeof(one));
    while (w < 0 && errno == EINTR);
    (void)pthread_join(s->thread, NULL);
    /* The loop cancelled the approvals; each callback returns at once then. */
    askers_join_all(s);
    (void)unlink(s->sandbox_path);
    (void)unlink(s->control_path);
    server_free(s);
}
