/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent proxy's socket, thread and poll loop (agent-server.h). */
#include "ssh/agent-server.h"

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
#include "base/limits.h"
#include "ssh/agent-client.h"
#include "ssh/agent-log.h"
#include "base/usock.h"
#include "base/banned.h"

#define LISTEN_BACKLOG 16
/* After EMFILE/ENFILE the listener rests this long instead of spinning on poll. */
#define ACCEPT_PAUSE_MS 100

struct ssh_proxy {
    struct agent_serve_conf conf;
    struct agent_log log; /* conf.log */
    char *listen_path, *upstream_path;
    int listen_fd, wake_fd;
    pthread_t thread;
    struct agent_client *clients[AGS_SSH_PROXY_MAX_CLIENTS];
    size_t n_clients;
    bool cap_logged;          /* the cap's log line, once until a client leaves */
    int64_t listen_paused_to; /* 0: accepting */
};

static void log_connection(struct ssh_proxy *p, pid_t pid, const char *verdict, const char *why)
{
    struct agent_log_entry e = {
            .pid = pid, .verdict = verdict, .what = "connection", .reason = why};
    agent_log_write(&p->log, AGENT_LOG_COMMON, &e);
}

static pid_t peer_pid(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred))
        return 0;
    return cred.pid;
}

/* Beyond the cap a connection is closed at once: its client sees EOF. */
static void refuse_over_cap(struct ssh_proxy *p, int fd)
{
    if (!p->cap_logged) {
        char why[96];
        (void)snprintf(why, sizeof(why),
                       "%u clients are connected already (logged once until one leaves)",
                       AGS_SSH_PROXY_MAX_CLIENTS);
        log_connection(p, peer_pid(fd), "refused", why);
        p->cap_logged = true;
    }
    (void)close(fd);
}

static void accept_clients(struct ssh_proxy *p, int64_t now)
{
    for (int i = 0; i < LISTEN_BACKLOG; i++) {
        int fd = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                p->listen_paused_to = now + ACCEPT_PAUSE_MS;
            return; /* EAGAIN, or a client gone before we took it */
        }
        if (p->n_clients == AGS_SSH_PROXY_MAX_CLIENTS) {
            refuse_over_cap(p, fd);
            continue;
        }
        p->clients[p->n_clients++] = agent_client_new(fd, peer_pid(fd));
    }
}

static void remove_client(struct ssh_proxy *p, size_t i)
{
    agent_client_free(p->clients[i]);
    p->clients[i] = p->clients[--p->n_clients];
    p->clients[p->n_clients] = NULL;
    p->cap_logged = false;
}

/* The poll timeout: none while a client has requests read and not served,
 * else until the nearest deadline, or forever. */
static int poll_timeout(const struct ssh_proxy *p, int64_t now)
{
    int64_t next = p->listen_paused_to;
    for (size_t i = 0; i < p->n_clients; i++) {
        if (agent_client_has_unserved(p->clients[i]))
            return 0;
        int64_t d = p->clients[i]->deadline;
        if (d != 0 && (next == 0 || d < next))
            next = d;
    }
    if (next == 0)
        return -1;
    return next <= now ? 0 : (int)(next - now);
}

/* pollfd layout: wake, listener, then the client's fd and its upstream fd per client. */
#define POLL_FIXED 2
#define POLL_MAX   (POLL_FIXED + 2 * AGS_SSH_PROXY_MAX_CLIENTS)

static size_t fill_pollfds(struct ssh_proxy *p, struct pollfd *fds, int64_t now)
{
    if (p->listen_paused_to != 0 && now >= p->listen_paused_to)
        p->listen_paused_to = 0;
    fds[0] = (struct pollfd){.fd = p->wake_fd, .events = POLLIN};
    /* A negative fd is skipped by poll: the listener rests while paused. */
    fds[1] = (struct pollfd){.fd = p->listen_paused_to ? -1 : p->listen_fd, .events = POLLIN};
    for (size_t i = 0; i < p->n_clients; i++) {
        struct pollfd *f = &fds[POLL_FIXED + 2 * i];
        int up_fd;
        short up_events;
        f[0] = (struct pollfd){.fd = p->clients[i]->fd};
        f[0].events = agent_client_events(p->clients[i], &up_fd, &up_events);
        f[1] = (struct pollfd){.fd = up_fd, .events = up_events};
    }
    return POLL_FIXED + 2 * p->n_clients;
}

static void serve_clients(struct ssh_proxy *p, const struct pollfd *fds, size_t n_polled,
                          int64_t now)
{
    /* Backwards: removing client i moves the last one into its place. */
    for (size_t i = (n_polled - POLL_FIXED) / 2; i-- > 0;) {
        const struct pollfd *f = &fds[POLL_FIXED + 2 * i];
        short up = f[1].fd >= 0 ? f[1].revents : 0;
        if (!agent_client_step(&p->conf, p->clients[i], f[0].revents, up, now))
            remove_client(p, i);
    }
}

static void *serve(void *arg)
{
    struct ssh_proxy *p = arg;
    struct pollfd fds[POLL_MAX];
    for (;;) {
        int64_t now = monotonic_ms();
        size_t n = fill_pollfds(p, fds, now);
        int r = poll(fds, n, poll_timeout(p, now));
        if (r < 0 && errno != EINTR) {
            char why[96];
            (void)snprintf(why, sizeof(why), "the proxy stopped serving: poll: %s",
                           strerror(errno));
            log_connection(p, 0, "failed", why);
            break;
        }
        if (r < 0)
            continue;
        if (fds[0].revents)
            break;
        now = monotonic_ms();
        /* Clients first: those accepted now were not in fds. */
        serve_clients(p, fds, n, now);
        if (fds[1].revents)
            accept_clients(p, now);
    }
    return NULL;
}

static int bind_socket(struct ssh_proxy *p, struct ags_error *err)
{
    return usock_listen_private(p->listen_path, "agent socket", LISTEN_BACKLOG, &p->listen_fd,
                                err);
}

static void proxy_free(struct ssh_proxy *p)
{
    for (size_t i = 0; i < p->n_clients; i++)
        agent_client_free(p->clients[i]);
    if (p->listen_fd >= 0)
        (void)close(p->listen_fd);
    if (p->wake_fd >= 0)
        (void)close(p->wake_fd);
    free(p->listen_path);
    free(p->upstream_path);
    free(p);
}

/* The thread starts with every signal blocked: ags's handlers run on the main thread. */
static int start_thread(struct ssh_proxy *p, struct ags_error *err)
{
    int r = thread_start_signals_blocked(&p->thread, serve, p);
    return r < 0 ? ags_error_set(err, r, "agent proxy thread: %s", strerror(-r)) : 0;
}

int ssh_proxy_start(const struct ssh_proxy_opts *o, struct ssh_proxy **ret, struct ags_error *err)
{
    if (!o->listen_path || !o->upstream_path)
        return ags_error_set(err, -EINVAL, "agent proxy: %s socket path missing",
                             o->listen_path ? "the real agent's" : "its own");
    struct ssh_proxy *p = xcalloc(1, sizeof(*p));
    p->listen_fd = p->wake_fd = -1;
    agent_log_init(&p->log, o->log_fd, o->log_budget ? o->log_budget : SSH_PROXY_LOG_BUDGET);
    p->listen_path = xstrdup(o->listen_path);
    p->upstream_path = xstrdup(o->upstream_path);
    p->conf = (struct agent_serve_conf){
            .upstream_path = p->upstream_path,
            .keys = o->keys,
            .n_keys = o->n_keys,
            .confirm = o->confirm,
            .approve = o->approve,
            .approve_data = o->approve_data,
            .log = &p->log,
            .timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : SSH_PROXY_TIMEOUT_MS,
    };
    int r = bind_socket(p, err);
    if (r < 0) {
        proxy_free(p);
        return r;
    }
    p->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    r = p->wake_fd < 0 ? ags_error_set(err, -errno, "agent proxy: eventfd: %s", strerror(errno))
                       : start_thread(p, err);
    if (r < 0) {
        (void)unlink(p->listen_path);
        proxy_free(p);
        return r;
    }
    *ret = p;
    return 0;
}

void ssh_proxy_stop(struct ssh_proxy *p)
{
    if (!p)
        return;
    uint64_t one = 1;
    ssize_t w;
    do
        w = write(p->wake_fd, &one, sizeof(one));
    while (w < 0 && errno == EINTR);
    (void)pthread_join(p->thread, NULL);
    (void)unlink(p->listen_path);
    agent_log_finish(&p->log);
    proxy_free(p);
}
