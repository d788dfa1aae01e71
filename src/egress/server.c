/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The egress proxy's server: the socket, the accept thread, one thread per connection. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/limits.h"
#include "base/usock.h"
#include "egress/internal.h"
#include "base/banned.h"

static const char busy_response[] =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 54\r\n"
        "Connection: close\r\n\r\nags egress proxy: too many connections at once, retry\n";

int64_t egress_now_unix_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void egress_record(struct egress_server *s, const struct egress_attempt *a, const char *warn_line)
{
    uint64_t *count = a->decision == EGRESS_ALLOWED   ? &s->allowed
                      : a->decision == EGRESS_REFUSED ? &s->refused
                                                      : &s->failed;
    __atomic_add_fetch(count, 1, __ATOMIC_RELAXED);
    pthread_mutex_lock(&s->lock);
    egress_log_write(&s->log, a);
    pthread_mutex_unlock(&s->lock);
    if (warn_line) {
        pthread_mutex_lock(&s->warn_lock);
        egress_warn_refusal(&s->warn, monotonic_ms(), warn_line);
        pthread_mutex_unlock(&s->warn_lock);
    }
}

/* A connection past the bound: answered at once without a thread, and logged. */
static void turn_away(struct egress_server *s, int fd)
{
    (void)send(fd, busy_response, sizeof(busy_response) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)close(fd);
    struct egress_attempt a = {.method = "", .host = "", .address = "",
                               .decision = EGRESS_REFUSED, .reason = "too many connections",
                               .start_unix_ms = egress_now_unix_ms()};
    egress_record(s, &a, NULL);
}

static void *conn_thread(void *arg)
{
    struct egress_conn *c = arg;
    struct egress_server *s = c->s;
    egress_conn_main(c);
    pthread_mutex_lock(&s->lock);
    if (--s->active == 0)
        pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static void start_conn(struct egress_server *s, int fd)
{
    pthread_mutex_lock(&s->lock);
    bool room = s->active < AGS_EGRESS_MAX_CONNECTIONS;
    if (room)
        s->active++;
    pthread_mutex_unlock(&s->lock);
    if (!room) {
        turn_away(s, fd);
        return;
    }
    struct egress_conn *c = xmalloc(sizeof(*c));
    *c = (struct egress_conn){.s = s, .fd = fd};
    pthread_t t;
    if (thread_start_signals_blocked(&t, conn_thread, c) == 0) {
        (void)pthread_detach(t);
        return;
    }
    free(c);
    pthread_mutex_lock(&s->lock);
    if (--s->active == 0)
        pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->lock);
    turn_away(s, fd);
}

static void *accept_main(void *arg)
{
    struct egress_server *s = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = s->listen_fd, .events = POLLIN},
                              {.fd = s->stop_pipe[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            return NULL;
        if (p[1].revents)
            return NULL;
        if (!p[0].revents)
            continue;
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd >= 0)
            start_conn(s, fd);
        else if (errno == EMFILE || errno == ENFILE)
            (void)poll(NULL, 0, 100); /* out of fds: let connections end rather than spin */
    }
}

static int timeout_or(int ms, int def)
{
    return ms > 0 ? ms : def;
}

static void server_free(struct egress_server *s)
{
    if (s->listen_fd >= 0) {
        (void)close(s->listen_fd);
        (void)unlink(s->socket_path);
    }
    for (int i = 0; i < 2; i++)
        if (s->stop_pipe[i] >= 0)
            (void)close(s->stop_pipe[i]);
    pthread_cond_destroy(&s->idle);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->warn_lock);
    free(s->socket_path);
    free(s);
}

int egress_start(const struct egress_opts *o, struct egress_server **ret, struct ags_error *err)
{
    struct egress_server *s = xcalloc(1, sizeof(*s));
    s->o = *o;
    s->o.head_timeout_ms = timeout_or(o->head_timeout_ms, EGRESS_DEFAULT_HEAD_TIMEOUT_MS);
    s->o.resolve_timeout_ms = timeout_or(o->resolve_timeout_ms, EGRESS_DEFAULT_RESOLVE_TIMEOUT_MS);
    s->o.connect_timeout_ms = timeout_or(o->connect_timeout_ms, EGRESS_DEFAULT_CONNECT_TIMEOUT_MS);
    s->o.idle_timeout_ms = timeout_or(o->idle_timeout_ms, EGRESS_DEFAULT_IDLE_TIMEOUT_MS);
    s->socket_path = xstrdup(o->socket_path);
    s->listen_fd = s->stop_pipe[0] = s->stop_pipe[1] = -1;
    s->log = (struct egress_log){.fd = o->log_fd, .session = o->session, .agent = o->agent,
                                 .budget = AGS_EGRESS_LOG_BUDGET};
    s->warn = (struct egress_warn){.fn = o->warn, .ctx = o->warn_ctx};
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->warn_lock, NULL);
    pthread_cond_init(&s->idle, NULL);
    int r = usock_listen_private(o->socket_path, "egress proxy socket", 128, &s->listen_fd, err);
    if (r == 0 && pipe2(s->stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        r = ags_error_set(err, -errno, "egress proxy: %s", strerror(errno));
    if (r == 0) {
        r = thread_start_signals_blocked(&s->accept_thread, accept_main, s);
        if (r < 0)
            ags_error_set(err, r, "egress proxy: cannot start its thread: %s", strerror(-r));
    }
    if (r < 0) {
        server_free(s);
        return r;
    }
    *ret = s;
    return 0;
}

void egress_stop(struct egress_server *s)
{
    if (!s)
        return;
    /* Every wait polls the read end: closing the write end wakes them all for good. */
    (void)close(s->stop_pipe[1]);
    s->stop_pipe[1] = -1;
    (void)pthread_join(s->accept_thread, NULL);
    pthread_mutex_lock(&s->lock);
    while (s->active > 0)
        pthread_cond_wait(&s->idle, &s->lock);
    egress_warn_finish(&s->warn);
    egress_log_finish(&s->log, egress_now_unix_ms());
    pthread_mutex_unlock(&s->lock);
    server_free(s);
}

void egress_counts(const struct egress_server *s, uint64_t *allowed, uint64_t *refused,
                   uint64_t *failed)
{
    *allowed = __atomic_load_n(&s->allowed, __ATOMIC_RELAXED);
    *refused = __atomic_load_n(&s->refused, __ATOMIC_RELAXED);
    *failed = __atomic_load_n(&s->failed, __ATOMIC_RELAXED);
}
