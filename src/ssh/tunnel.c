/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A tunnel's life: open (session, local socket, pump), dial, free. */
#include "ssh/tunnel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/usock.h"
#include "ssh/tunnel-internal.h"
#include "base/banned.h"

#define TEARDOWN_TIMEOUT_MS 2000L

void ssh_tunnel_answer(struct ssh_tunnel *t, struct ssh_dial_req *req, int result,
                       const struct ags_error *err)
{
    pthread_mutex_lock(&t->lock);
    if (req->abandoned) {
        if (req->fd >= 0)
            (void)close(req->fd);
        free(req);
    } else {
        req->done = true;
        req->result = result;
        if (err)
            req->err = *err;
        else if (result < 0)
            (void)ags_error_set(&req->err, result, "ssh: the tunnel to %s closed", t->name);
        pthread_cond_broadcast(&t->cond);
    }
    pthread_mutex_unlock(&t->lock);
}

static void wake(struct ssh_tunnel *t)
{
    uint64_t one = 1;
    (void)!write(t->wake_fd, &one, sizeof(one));
}

/* Waits (the lock held) until req is answered or the deadline passes. */
static bool wait_answer(struct ssh_tunnel *t, struct ssh_dial_req *req, long deadline)
{
    while (!req->done) {
        long left = deadline - monotonic_ms();
        if (left <= 0)
            return false;
        struct timespec ts;
        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += left / 1000;
        ts.tv_nsec += (left % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        (void)pthread_cond_timedwait(&t->cond, &t->lock, &ts);
    }
    return true;
}

static int tunnel_dial(struct ags_dialer *d, long timeout_ms, struct ags_error *err)
{
    struct ssh_tunnel *t = (struct ssh_tunnel *)d;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return ags_error_set(err, -errno, "socketpair: %m");
    (void)fcntl(sv[1], F_SETFL, O_NONBLOCK);
    struct ssh_dial_req *req = xcalloc(1, sizeof(*req));
    req->fd = sv[1];
    long deadline = monotonic_ms() + (timeout_ms > 0 ? timeout_ms : SSH_TUNNEL_DEAD_MS);
    pthread_mutex_lock(&t->lock);
    req->next = t->queue;
    t->queue = req;
    pthread_mutex_unlock(&t->lock);
    wake(t);
    pthread_mutex_lock(&t->lock);
    int r;
    if (!wait_answer(t, req, deadline)) {
        req->abandoned = true; /* the pump frees it */
        r = ags_error_set(err, -ETIMEDOUT, "ssh: %s opened no channel to %s in %ld s", t->name,
                          t->uri.path, (timeout_ms + 999) / 1000);
    } else {
        r = req->result;
        if (r < 0 && err)
            *err = req->err;
        free(req);
    }
    pthread_mutex_unlock(&t->lock);
    if (r < 0) {
        (void)close(sv[0]);
        return r;
    }
    return sv[0];
}

static const char *tunnel_local_path(const struct ags_dialer *d)
{
    return ((const struct ssh_tunnel *)d)->listen_path;
}

static int tunnel_status(struct ags_dialer *d, struct ags_error *err)
{
    struct ssh_tunnel *t = (struct ssh_tunnel *)d;
    pthread_mutex_lock(&t->lock);
    int r = t->dead;
    if (r < 0 && err)
        *err = t->dead_err;
    pthread_mutex_unlock(&t->lock);
    return r;
}

static void session_end(struct ssh_tunnel *t)
{
    if (!t->session)
        return;
    if (t->dead)
        (void)shutdown(t->sock, SHUT_RDWR); /* nothing waits on a server that is gone */
    libssh2_session_set_blocking(t->session, 1);
    libssh2_session_set_timeout(t->session, TEARDOWN_TIMEOUT_MS);
    if (!t->dead)
        (void)libssh2_session_disconnect(t->session, "ags: done");
    (void)libssh2_session_free(t->session);
    t->session = NULL;
}

void ssh_tunnel_destroy(struct ssh_tunnel *t)
{
    if (!t)
        return;
    if (t->started) {
        pthread_mutex_lock(&t->lock);
        t->stop = true;
        pthread_mutex_unlock(&t->lock);
        wake(t);
        (void)pthread_join(t->thread, NULL);
    }
    /* the names first, then the sockets, and only then the (blocking)
     * goodbye: a run arriving now finds nobody at once and starts anew,
     * and one already queued is refused instead of waiting */
    if (t->listen_path)
        (void)unlink(t->listen_path);
    if (t->ctl_path)
        (void)unlink(t->ctl_path);
    if (t->listen_dir)
        (void)rmdir(t->listen_dir);
    if (t->listen_fd >= 0)
        (void)close(t->listen_fd);
    if (t->ctl_listen_fd >= 0)
        (void)close(t->ctl_listen_fd);
    session_end(t);
    free(t->closing);
    if (t->sock >= 0)
        (void)close(t->sock);
    if (t->wake_fd >= 0)
        (void)close(t->wake_fd);
    free(t->listen_path);
    free(t->listen_dir);
    free(t->ctl_path);
    free(t->name);
    ssh_uri_done(&t->uri);
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

static void tunnel_free(struct ags_dialer *d)
{
    ssh_tunnel_destroy((struct ssh_tunnel *)d);
}

int ssh_tunnel_listen(struct ssh_tunnel *t, const char *runtime_dir, const char *path,
                      struct ags_error *err)
{
    if (!path) {
        if (!runtime_dir || runtime_dir[0] != '/')
            return ags_error_set(err, -EINVAL,
                                 "ssh: no private runtime directory for the tunnel's "
                                 "socket (set XDG_RUNTIME_DIR)");
        _cleanup_free_ char *tmpl = xasprintf("%s/ags-tunnel-XXXXXX", runtime_dir);
        if (!mkdtemp(tmpl))
            return ags_error_set(err, -errno, "ssh: cannot make a directory in %s: %m",
                                 runtime_dir);
        t->listen_dir = TAKE_PTR(tmpl);
    }
    t->listen_path = path ? xstrdup(path) : xasprintf("%s/podman.sock", t->listen_dir);
    int r = usock_listen_private(t->listen_path, "ssh tunnel socket", 16, &t->listen_fd, err);
    if (r < 0)
        free(TAKE_PTR(t->listen_path)); /* not ours to remove */
    return r;
}

struct ssh_tunnel *ssh_tunnel_new(void)
{
    struct ssh_tunnel *t = xcalloc(1, sizeof(*t));
    t->base = (struct ags_dialer){.dial = tunnel_dial,
                                  .local_path = tunnel_local_path,
                                  .status = tunnel_status,
                                  .free = tunnel_free};
    t->sock = t->listen_fd = t->wake_fd = t->ctl_listen_fd = -1;
    pthread_mutex_init(&t->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cond, &ca);
    pthread_condattr_destroy(&ca);
    return t;
}

int ssh_tunnel_open(const struct ags_dial_target *tg, struct ags_dialer **ret,
                    struct ags_error *err)
{
    if (tg->persist_seconds > 0)
        return ssh_shared_open(tg, ret, err);
    struct ssh_tunnel *t = ssh_tunnel_new();
    int r = ssh_uri_parse(tg->uri, &t->uri, err);
    if (r == 0) {
        t->name = ssh_uri_known_hosts_name(&t->uri);
        r = ssh_tunnel_connect(t, tg, err);
    }
    if (r == 0)
        r = ssh_tunnel_listen(t, tg->runtime_dir, NULL, err);
    if (r == 0) {
        t->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        r = t->wake_fd < 0 ? ags_error_set(err, -errno, "eventfd: %m") : 0;
    }
    if (r == 0) {
        r = thread_start_signals_blocked(&t->thread, ssh_tunnel_pump, t);
        if (r < 0)
            (void)ags_error_set(err, r, "ssh: cannot start the tunnel's thread: %s", strerror(-r));
        t->started = r == 0;
    }
    if (r < 0) {
        ssh_tunnel_destroy(t);
        return r;
    }
    *ret = &t->base;
    return 0;
}
