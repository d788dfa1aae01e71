/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Questions and notifications through the notification server on the
 * session bus (org.freedesktop.Notifications).  Each is a job: the caller
 * posts it to the loop thread (loop.c) and waits on the job's own condition
 * until its own deadline; the loop asks the server for its capabilities
 * (GDBus, with a bound, so an absent server is named with the bus's reason),
 * shows the notification through libnotify with an allow and a deny action,
 * and the first of action, closing, the caller's cancel_fd or the caller's
 * deadline is the answer.  A caller that gave up, or that had the answer from
 * elsewhere, has the notification withdrawn.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <libnotify/notify.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/session-bus.h"
#include "notify/internal.h"
#include "base/banned.h"

#define BUS_NAME  "org.freedesktop.Notifications"
#define BUS_PATH  "/org/freedesktop/Notifications"
#define ACTION_ALLOW "allow"
#define ACTION_DENY  "deny"

enum job_kind { JOB_ASK, JOB_SEND, JOB_PROBE };

struct job {
    enum job_kind kind;
    /* Inputs, fixed before the job is posted. */
    char *title, *body, *body_markup, *allow, *deny;
    int timeout_ms;
    int cancel_fd; /* the caller's, duplicated: the caller may close its own; -1 none */
    /* Under notify_lock. */
    int refs; /* the caller's, the shown notification's, each posted call's */
    pthread_cond_t cond;
    bool done; /* result and why are final */
    int result;
    char why[512];
    struct job *next_waiting; /* in g_waiting while its caller waits */
    /* The loop thread's. */
    NotifyNotification *n;
    GSource *cancel_src; /* watches cancel_fd while n is shown */
    bool closed; /* the server said it is gone */
};

/* The questions whose callers wait (under notify_lock): notify_cancel_questions answers them. */
static struct job *g_waiting;

static struct job *job_new(enum job_kind kind)
{
    struct job *j = xcalloc(1, sizeof(*j));
    j->kind = kind;
    j->refs = 1;
    j->cancel_fd = -1;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&j->cond, &attr);
    pthread_condattr_destroy(&attr);
    return j;
}

static void job_ref(struct job *j)
{
    pthread_mutex_lock(&notify_lock);
    j->refs++;
    pthread_mutex_unlock(&notify_lock);
}

static void job_unref(struct job *j)
{
    pthread_mutex_lock(&notify_lock);
    bool last = --j->refs == 0;
    pthread_mutex_unlock(&notify_lock);
    if (!last)
        return;
    pthread_cond_destroy(&j->cond);
    if (j->cancel_fd >= 0)
        (void)close(j->cancel_fd);
    free(j->title);
    free(j->body);
    free(j->body_markup);
    free(j->allow);
    free(j->deny);
    free(j);
}

/* The first answer wins; its waiter wakes. */
static void job_answer(struct job *j, int result, const char *fmt, ...) _printf_(3, 4);
static void job_answer(struct job *j, int result, const char *fmt, ...)
{
    pthread_mutex_lock(&notify_lock);
    if (!j->done) {
        j->done = true;
        j->result = result;
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(j->why, sizeof(j->why), fmt, ap);
        va_end(ap);
        pthread_cond_signal(&j->cond);
    }
    pthread_mutex_unlock(&notify_lock);
}

static bool job_done(struct job *j)
{
    pthread_mutex_lock(&notify_lock);
    bool done = j->done;
    pthread_mutex_unlock(&notify_lock);
    return done;
}

/* Posts fn(j) with a reference of its own (fn drops it). */
static int job_post(void (*fn)(void *data), struct job *j)
{
    job_ref(j);
    int r = notify_loop_post(fn, j);
    if (r < 0)
        job_unref(j);
    return r;
}

/* ---- on the loop thread ---- */

/*
 * 1: the server has actions; 0: it has none; -ENOTCONN: no bus or no
 * server.  *markup: its bodies are markup.  why says what is missing.
 */
static int server_caps(bool *markup, char *why, size_t why_size)
{
    GError *e = NULL;
    GDBusConnection *c = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &e);
    if (!c) {
        (void)snprintf(why, why_size, "no session bus: %s", e->message);
        g_error_free(e);
        return -ENOTCONN;
    }
    /* GDBus would raise SIGTERM in ags when the session bus goes away. */
    g_dbus_connection_set_exit_on_close(c, FALSE);
    GVariant *v = g_dbus_connection_call_sync(c, BUS_NAME, BUS_PATH, BUS_NAME, "GetCapabilities",
                                              NULL, G_VARIANT_TYPE("(as)"),
                                              G_DBUS_CALL_FLAGS_NONE, NOTIFY_BUS_TIMEOUT_MS,
                                              NULL, &e);
    g_object_unref(c);
    if (!v) {
        g_dbus_error_strip_remote_error(e);
        (void)snprintf(why, why_size, "no notification server on the session bus (%s)",
                       e->message);
        g_error_free(e);
        return -ENOTCONN;
    }
    GVariantIter *it;
    const char *cap;
    bool actions = false;
    *markup = false;
    g_variant_get(v, "(as)", &it);
    while (g_variant_iter_loop(it, "&s", &cap)) {
        actions = actions || strcmp(cap, "actions") == 0;
        *markup = *markup || strcmp(cap, "body-markup") == 0;
    }
    g_variant_iter_free(it);
    g_variant_unref(v);
    if (!actions)
        (void)snprintf(why, why_size, "the notification server has no actions (buttons)");
    return actions ? 1 : 0;
}

/* The notification goes: withdrawn from the screen unless the server closed
 * it, and the job loses the reference the shown notification held. */
static void release(struct job *j)
{
    if (j->cancel_src) {
        g_source_destroy(j->cancel_src);
        g_source_unref(j->cancel_src);
        j->cancel_src = NULL;
    }
    if (!j->n)
        return;
    g_signal_handlers_disconnect_by_data(j->n, j);
    if (!j->closed)
        (void)notify_notification_close(j->n, NULL);
    g_object_unref(j->n);
    j->n = NULL;
    job_unref(j);
}

static void release_posted(void *data)
{
    release(data);
    job_unref(data);
}

/* Outside libnotify's signal emission: the notification is released later. */
static void release_later(struct job *j)
{
    (void)job_post(release_posted, j);
}

static void on_action(NotifyNotification *n, char *action, gpointer data)
{
    (void)n;
    struct job *j = data;
    bool allow = strcmp(action, ACTION_ALLOW) == 0;
    job_answer(j, allow ? 1 : 0, "%s", allow ? "allowed" : "denied");
    release_later(j);
}

static void on_closed(NotifyNotification *n, gpointer data)
{
    (void)n;
    struct job *j = data;
    j->closed = true;
    job_answer(j, 0, "the notification was closed unanswered");
    release_later(j);
}

/* The caller has its answer from elsewhere: the question leaves the screen
 * (CloseNotification) and is answered no. */
static gboolean on_cancel_fd(gint fd, GIOCondition cond, gpointer data)
{
    (void)fd;
    (void)cond;
    struct job *j = data;
    job_answer(j, 0, NOTIFY_ANSWERED_ELSEWHERE);
    release(j); /* destroys this source too */
    return G_SOURCE_REMOVE;
}

/* Watches j's cancel_fd on the loop for as long as its notification is shown. */
static void watch_cancel(struct job *j)
{
    if (j->cancel_fd < 0)
        return;
    /* GLib's conditions are an enum that no single constant covers. */
    j->cancel_src = g_unix_fd_source_new(j->cancel_fd,
                                         (GIOCondition)(G_IO_IN | G_IO_HUP | G_IO_ERR));
    g_source_set_callback(j->cancel_src, G_SOURCE_FUNC(on_cancel_fd), j, NULL);
    (void)g_source_attach(j->cancel_src, g_main_context_get_thread_default());
}

static NotifyNotification *make(const struct job *j, bool markup)
{
    NotifyNotification *n =
            notify_notification_new(j->title, markup ? j->body_markup : j->body, NULL);
    notify_notification_set_app_name(n, "ags");
    return n;
}

static void ask_on_loop(void *data)
{
    struct job *j = data;
    char why[sizeof(j->why)] = "";
    bool markup;
    int r = server_caps(&markup, why, sizeof(why));
    /* A caller that gave up meanwhile is shown nothing, nor one that has its
     * answer from elsewhere already (the capabilities may take seconds). */
    if (r > 0 && notify_cancelled(j->cancel_fd, 0)) {
        job_answer(j, 0, NOTIFY_ANSWERED_ELSEWHERE);
        job_unref(j);
        return;
    }
    if (r <= 0 || job_done(j)) {
        job_answer(j, -ENOTSUP, "%s", why);
        job_unref(j);
        return;
    }
    NotifyNotification *n = make(j, markup);
    notify_notification_add_action(n, ACTION_ALLOW, j->allow, on_action, j, NULL);
    notify_notification_add_action(n, ACTION_DENY, j->deny, on_action, j, NULL);
    notify_notification_set_timeout(n, j->timeout_ms);
    /* The question stays until answered: servers expire only lesser ones. */
    notify_notification_set_urgency(n, NOTIFY_URGENCY_CRITICAL);
    (void)g_signal_connect(n, "closed", G_CALLBACK(on_closed), j);
    GError *e = NULL;
    if (!notify_notification_show(n, &e)) {
        g_dbus_error_strip_remote_error(e);
        job_answer(j, -EIO, "the notification server refused the question: %s", e->message);
        g_error_free(e);
        g_object_unref(n);
        job_unref(j);
        return;
    }
    /* The posted reference is the shown notification's now (release drops it). */
    j->n = n;
    watch_cancel(j);
}

static void send_on_loop(void *data)
{
    struct job *j = data;
    char why[sizeof(j->why)] = "";
    bool markup;
    if (server_caps(&markup, why, sizeof(why)) < 0) {
        job_answer(j, -ENOTCONN, "%s", why);
        job_unref(j);
        return;
    }
    NotifyNotification *n = make(j, markup);
    GError *e = NULL;
    if (notify_notification_show(n, &e)) {
        job_answer(j, 0, "shown");
    } else {
        g_dbus_error_strip_remote_error(e);
        job_answer(j, -EIO, "the notification server refused the notification: %s",
                   e->message);
        g_error_free(e);
    }
    g_object_unref(n);
    job_unref(j);
}

static void probe_on_loop(void *data)
{
    struct job *j = data;
    char why[sizeof(j->why)] = "";
    bool markup;
    int r = server_caps(&markup, why, sizeof(why));
    if (r <= 0) {
        job_answer(j, 0, "%s", why);
        job_unref(j);
        return;
    }
    char *name = NULL, *vendor = NULL, *version = NULL, *spec = NULL;
    if (notify_get_server_info(&name, &vendor, &version, &spec))
        job_answer(j, 1, "%s %s (%s)", name, version, vendor);
    else
        job_answer(j, 1, "a server with actions");
    g_free(name);
    g_free(vendor);
    g_free(version);
    g_free(spec);
    job_unref(j);
}

/* ---- the callers' side ---- */

/* Waits for j's answer until deadline: true when there is one (under notify_lock). */
static bool wait_locked(struct job *j, int64_t deadline)
{
    struct timespec until = {.tv_sec = deadline / 1000, .tv_nsec = (deadline % 1000) * 1000000};
    while (!j->done)
        if (pthread_cond_timedwait(&j->cond, &notify_lock, &until) == ETIMEDOUT)
            return j->done;
    return true;
}

static void unlink_waiting_locked(struct job *j)
{
    for (struct job **p = &g_waiting; *p; p = &(*p)->next_waiting)
        if (*p == j) {
            *p = j->next_waiting;
            return;
        }
}

/* Posts fn and waits until deadline; on time-out the job's answer is
 * timeout_result, "no answer within N s".  Returns the result.  A question
 * leaves the screen once its caller has the answer (release is a no-op when
 * the server closed it). */
static int run_job(struct job *j, void (*fn)(void *data), int64_t deadline, int timeout_result,
                   char *why, size_t why_size)
{
    int64_t start = monotonic_ms();
    int r = job_post(fn, j);
    if (r < 0) {
        (void)snprintf(why, why_size, "the notification thread is %s",
                       r == -ESHUTDOWN ? "stopped" : "not running");
        job_unref(j);
        return r;
    }
    pthread_mutex_lock(&notify_lock);
    if (j->kind == JOB_ASK) {
        j->next_waiting = g_waiting;
        g_waiting = j;
    }
    if (!wait_locked(j, deadline)) {
        j->done = true;
        j->result = timeout_result;
        long waited = (long)((monotonic_ms() - start + 999) / 1000);
        (void)snprintf(j->why, sizeof(j->why), "no answer within %ld s", waited);
    }
    if (j->kind == JOB_ASK)
        unlink_waiting_locked(j);
    r = j->result;
    (void)snprintf(why, why_size, "%s", j->why);
    pthread_mutex_unlock(&notify_lock);
    if (j->kind == JOB_ASK)
        (void)job_post(release_posted, j);
    job_unref(j);
    return r;
}

void notify_server_cancel(const char *why)
{
    pthread_mutex_lock(&notify_lock);
    for (struct job *j = g_waiting; j; j = j->next_waiting)
        if (!j->done) {
            j->done = true;
            j->result = 0;
            (void)snprintf(j->why, sizeof(j->why), "%s", why);
            pthread_cond_signal(&j->cond);
        }
    pthread_mutex_unlock(&notify_lock);
}

static int no_bus(char *why, size_t why_size, int r)
{
    (void)snprintf(why, why_size, "no session bus (DBUS_SESSION_BUS_ADDRESS is unset)");
    return r;
}

int notify_server_ask(const struct notify_question *safe, const char *body_markup,
                      int64_t deadline, char *why, size_t why_size)
{
    if (!session_bus_known())
        return no_bus(why, why_size, -ENOTSUP);
    struct job *j = job_new(JOB_ASK);
    j->title = xstrdup(safe->title);
    j->body = xstrdup(safe->body);
    j->body_markup = xstrdup(body_markup);
    j->allow = xstrdup(safe->allow_label);
    j->deny = xstrdup(safe->deny_label);
    j->timeout_ms = safe->timeout_ms;
    if (safe->cancel_fd >= 0)
        j->cancel_fd = fcntl(safe->cancel_fd, F_DUPFD_CLOEXEC, 3);
    int r = run_job(j, ask_on_loop, deadline, 0, why, why_size);
    return r == -ESHUTDOWN ? -ENOTSUP : r;
}

int notify_server_send(const char *title, const char *body, const char *body_markup, char *why,
                       size_t why_size)
{
    if (!session_bus_known())
        return no_bus(why, why_size, -ENOTCONN);
    struct job *j = job_new(JOB_SEND);
    j->title = xstrdup(title);
    j->body = xstrdup(body);
    j->body_markup = xstrdup(body_markup);
    return run_job(j, send_on_loop, monotonic_ms() + NOTIFY_BUS_TIMEOUT_MS, -ETIMEDOUT, why,
                   why_size);
}

int notify_server_probe(char *what, size_t what_size)
{
    if (!session_bus_known())
        return no_bus(what, what_size, 0);
    struct job *j = job_new(JOB_PROBE);
    int r = run_job(j, probe_on_loop, monotonic_ms() + NOTIFY_BUS_TIMEOUT_MS, 0, what,
                    what_size);
    return r > 0 ? 1 : 0;
}
