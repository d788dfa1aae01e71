/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session's one request that waits for the user, and the worker thread that asks
 * through the approval callback while the loop keeps serving. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "proxy/server-internal.h"
#include "base/banned.h"

#define APPROVAL_GRACE_MS 1000

#define WAITING_TEXT \
    "waiting for approval: run `ags approve` on the host, or answer the notification"

struct proxy_question pending_question(const struct pending *p)
{
    return (struct proxy_question){
            .id = p->id, .url = p->url, .host = p->host, .relay_port = p->port, .peer_pid = p->pid};
}

/* PROXY_ID_LEN lowercase hex characters nobody can guess: `ags approve ID` names one. */
static bool random_id(char *id)
{
    uint8_t b[PROXY_ID_LEN / 2];
    if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b))
        return false;
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof(b); i++) {
        id[2 * i] = hex[b[i] >> 4];
        id[2 * i + 1] = hex[b[i] & 15];
    }
    id[PROXY_ID_LEN] = '\0';
    return true;
}

static void signal_fd(int fd)
{
    uint64_t one = 1;
    ssize_t w;
    do
        w = write(fd, &one, sizeof(one));
    while (w < 0 && errno == EINTR);
}

/* ---- the worker ---- */

static void asker_free(struct asker *a)
{
    if (a->cancel_fd >= 0)
        (void)close(a->cancel_fd);
    if (a->done_fd >= 0)
        (void)close(a->done_fd);
    free(a->url);
    free(a->host);
    free(a);
}

static void *asker_run(void *arg)
{
    struct asker *a = arg;
    a->result = a->approve(&a->q, a->cancel_fd, a->timeout_ms, a->why, sizeof(a->why), a->userdata);
    /* why reaches the events, which are printed: printable ASCII only. */
    a->why[sizeof(a->why) - 1] = '\0';
    if (a->why[0])
        proxy_printable_text(a->why, sizeof(a->why), a->why);
    signal_fd(a->done_fd);
    return NULL;
}

/* Starts the callback on a thread of its own (every signal blocked, as the loop's).  When
 * that fails the request waits for `ags approve` as if the callback had no way to ask. */
static void asker_start(struct proxy_server *s, const struct pending *p)
{
    struct asker *a = xcalloc(1, sizeof(*a));
    memcpy(a->id, p->id, sizeof(a->id));
    a->url = xstrdup(p->url);
    a->host = xstrdup(p->host);
    a->q = (struct proxy_question){
            .id = a->id, .url = a->url, .host = a->host, .relay_port = p->port, .peer_pid = p->pid};
    a->approve = s->approve;
    a->userdata = s->userdata;
    /* The server's own timer denies the request at approval_ms and withdraws the question;
     * the callback's bound is a little later, so a request that times out is told so and
     * not reported as denied by the user. */
    a->timeout_ms = s->approval_ms + APPROVAL_GRACE_MS;
    a->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    a->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (a->cancel_fd < 0 || a->done_fd < 0) {
        asker_free(a);
        return;
    }
    sigset_t all, old;
    (void)sigfillset(&all);
    (void)pthread_sigmask(SIG_SETMASK, &all, &old);
    int r = pthread_create(&a->thread, NULL, asker_run, a);
    (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r != 0) {
        asker_free(a);
        return;
    }
    s->asker = a;
}

static void asker_cancel(struct asker *a)
{
    if (a->cancelled)
        return;
    a->cancelled = true;
    signal_fd(a->cancel_fd);
}

/* The request was answered elsewhere: its callback is told to stop asking and is joined
 * once it returns, while a new request may already be asked about. */
static void retire_asker(struct proxy_server *s)
{
    if (!s->asker)
        return;
    asker_cancel(s->asker);
    /* pending_can_start kept a place free for it. */
    s->retired[s->n_retired++] = s->asker;
    s->asker = NULL;
}

bool pending_can_start(const struct proxy_server *s, int64_t now, char *why, size_t size)
{
    if (s->pending || s->n_retired >= PROXY_MAX_RETIRED_ASKERS) {
        (void)snprintf(why, size, "another request waits for approval");
        return false;
    }
    int64_t until = s->cooldown_from + s->cooldown_ms;
    if (s->cooldown_ms > 0 && now < until) {
        /* Whole seconds, rounded up: "in 0 s" would invite a retry that is refused. */
        (void)snprintf(why, size,
                       "wait: the last request was withdrawn or denied %lld s ago "
                       "(ask again in %lld s)",
                       (long long)((now - s->cooldown_from) / 1000),
                       (long long)((until - now + 999) / 1000));
        return false;
    }
    return true;
}

/* A question ended without an allow: withdrawn by the sandbox or denied by the user. */
static void cool_down(struct proxy_server *s, int64_t now)
{
    if (s->cooldown_ms == 0)
        s->cooldown_ms = PROXY_COOLDOWN_FIRST_MS;
    else if (s->cooldown_ms < PROXY_COOLDOWN_MAX_MS / 2)
        s->cooldown_ms *= 2;
    else
        s->cooldown_ms = PROXY_COOLDOWN_MAX_MS;
    s->cooldown_from = now;
}

static void asker_reap(struct asker *a)
{
    uint64_t v;
    (void)!read(a->done_fd, &v, sizeof(v));
    (void)pthread_join(a->thread, NULL);
}

void askers_cancel_all(struct proxy_server *s)
{
    if (s->asker)
        asker_cancel(s->asker);
    for (size_t i = 0; i < s->n_retired; i++)
        asker_cancel(s->retired[i]);
}

void askers_join_all(struct proxy_server *s)
{
    askers_cancel_all(s);
    retire_asker(s);
    for (size_t i = 0; i < s->n_retired; i++) {
        (void)pthread_join(s->retired[i]->thread, NULL);
        asker_free(s->retired[i]);
    }
    s->n_retired = 0;
}

void askers_pollfds(const struct proxy_server *s, struct pollfd *fds)
{
    fds[0] = (struct pollfd){.fd = s->asker ? s->asker->done_fd : -1, .events = POLLIN};
    for (size_t i = 0; i < PROXY_MAX_RETIRED_ASKERS; i++)
        fds[1 + i] = (struct pollfd){.fd = i < s->n_retired ? s->retired[i]->done_fd : -1,
                                     .events = POLLIN};
}

/* ---- the request ---- */

static void pending_free(struct pending *p)
{
    free(p->url);
    free(p->host);
    free(p);
}

void pending_start(struct proxy_server *s, struct sandbox_conn *c, int64_t now)
{
    struct pending *p = xcalloc(1, sizeof(*p));
    if (!random_id(p->id)) {
        free(p);
        sandbox_refuse(s, c, "the host has no randomness for a request id yet");
        return;
    }
    p->url = xstrdup(c->url);
    p->host = xstrdup(c->d.url.host);
    p->port = c->d.callback_port;
    p->pid = c->pid;
    p->conn = c;
    p->deadline = now + s->approval_ms;
    s->pending = p;
    c->state = SANDBOX_PENDING;
    struct proxy_question q = pending_question(p);
    struct proxy_event e = {.kind = PROXY_EV_PENDING, .question = &q};
    proxy_emit(s, &e);
    sandbox_send_text(c, PROXY_WAITING, WAITING_TEXT);
    if (s->approve)
        asker_start(s, p);
}

/* The answer, from whoever gave it: the callback's own thread is told to stop asking. */
static void resolve(struct proxy_server *s, bool allow, const char *why, const char *refused,
                    int64_t now)
{
    struct pending *p = s->pending;
    s->pending = NULL;
    retire_asker(s);
    struct proxy_question q = pending_question(p);
    struct proxy_event e = {
            .kind = allow ? PROXY_EV_ALLOWED : PROXY_EV_DENIED, .question = &q, .text = why};
    proxy_emit(s, &e);
    struct sandbox_conn *c = p->conn;
    if (allow) {
        s->cooldown_ms = 0; /* the user said yes: the next login is asked about at once */
        sandbox_open_allowed(s, c, "approved", now);
    } else {
        sandbox_send_text(c, PROXY_REFUSED, refused);
    }
    pending_free(p);
}

static void deny(struct proxy_server *s, const char *why, int64_t now)
{
    char refused[AGS_PROXY_MAX_TEXT];
    proxy_url_text(refused, sizeof(refused), "the user denied opening ", s->pending->url, "");
    cool_down(s, now);
    resolve(s, false, why, refused, now);
}

int pending_answer(struct proxy_server *s, const char *id, bool allow, const char *by, int64_t now)
{
    if (!s->pending || strcmp(s->pending->id, id) != 0)
        return -ENOENT;
    if (allow)
        resolve(s, true, by, NULL, now);
    else
        deny(s, by, now);
    return 0;
}

void pending_drop(struct proxy_server *s, const char *why, const char *refused, bool withdrawn)
{
    struct pending *p = s->pending;
    if (!p)
        return;
    if (withdrawn)
        cool_down(s, monotonic_ms());
    s->pending = NULL;
    retire_asker(s);
    struct proxy_question q = pending_question(p);
    struct proxy_event e = {.kind = PROXY_EV_DENIED, .question = &q, .text = why};
    proxy_emit(s, &e);
    if (refused)
        sandbox_send_text(p->conn, PROXY_REFUSED, refused);
    pending_free(p);
}

void pending_check_deadline(struct proxy_server *s, int64_t now)
{
    if (!s->pending || now < s->pending->deadline)
        return;
    char bound[32], why[64], refused[AGS_PROXY_MAX_TEXT];
    proxy_duration_text(bound, sizeof(bound), s->approval_ms);
    (void)snprintf(why, sizeof(why), "no answer within %s", bound);
    proxy_url_text(refused, sizeof(refused), "the request to open ", s->pending->url,
                   " timed out (no answer on the host)");
    resolve(s, false, why, refused, now);
}

/* The current request's callback returned: its answer is the request's. */
static void current_finished(struct proxy_server *s, int64_t now)
{
    struct asker *a = s->asker;
    asker_reap(a);
    s->asker = NULL;
    if (s->pending && a->result > 0)
        resolve(s, true, a->why[0] ? a->why : "approved by the user", NULL, now);
    else if (s->pending && a->result == 0)
        deny(s, a->why[0] ? a->why : "denied by the user", now);
    /* Negative: no way to ask here; the request waits for `ags approve` or its timeout. */
    asker_free(a);
}

void askers_step(struct proxy_server *s, const struct pollfd *fds, int64_t now)
{
    /* A retired one's value is ignored: its request was answered elsewhere. */
    for (size_t i = s->n_retired; i-- > 0;) {
        if (!fds[1 + i].revents || fds[1 + i].fd != s->retired[i]->done_fd)
            continue;
        asker_reap(s->retired[i]);
        asker_free(s->retired[i]);
        s->retired[i] = s->retired[--s->n_retired];
    }
    if (fds[0].revents && s->asker && fds[0].fd == s->asker->done_fd)
        current_finished(s, now);
}
