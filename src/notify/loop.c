/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The GLib main loop of src/notify, in a thread of its own: libnotify is not
 * thread-safe and delivers a notification's signals (its actions, its
 * closing) to the main context that was the thread default when it first
 * reached the bus, so every libnotify call runs here.  Callers post work and
 * wait on their own condition (server.c).  Started on first use, stopped at
 * exit.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <libnotify/notify.h>

#include "base/alloc.h"
#include "notify/internal.h"
#include "base/banned.h"

/* How long exit waits for the thread: it may be inside a D-Bus call. */
#define STOP_WAIT_MS 1000

pthread_mutex_t notify_lock = PTHREAD_MUTEX_INITIALIZER;

static struct {
    GMainContext *ctx;
    GMainLoop *loop;
    pthread_t thread;
    bool running, stopped;
    int start_error;
} g_loop;

/* libnotify's warnings (a server that went away) would reach the terminal the
 * agent uses: only cli prints, and the caller gets why instead. */
static void drop_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
    (void)domain;
    (void)level;
    (void)msg;
    (void)data;
}

static void *loop_main(void *arg)
{
    (void)arg;
    g_main_context_push_thread_default(g_loop.ctx);
    /* Every level: GLib's flags are an enum that no single constant covers. */
    (void)g_log_set_handler("libnotify", (GLogLevelFlags)(G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
                                                          G_LOG_FLAG_RECURSION),
                            drop_log, NULL);
    (void)notify_init("ags");
    g_main_loop_run(g_loop.loop);
    notify_uninit();
    /* GDBus frees what a dropped signal subscription held from an idle in
     * this context: let those run. */
    while (g_main_context_iteration(g_loop.ctx, FALSE))
        ;
    g_main_context_pop_thread_default(g_loop.ctx);
    return NULL;
}

static gboolean quit_loop(gpointer data)
{
    (void)data;
    g_main_loop_quit(g_loop.loop);
    return G_SOURCE_REMOVE;
}

void notify_stop(void)
{
    pthread_mutex_lock(&notify_lock);
    bool running = g_loop.running;
    g_loop.running = false;
    g_loop.stopped = true;
    pthread_mutex_unlock(&notify_lock);
    if (!running)
        return;
    GSource *s = g_idle_source_new();
    g_source_set_callback(s, quit_loop, NULL, NULL);
    (void)g_source_attach(s, g_loop.ctx);
    g_source_unref(s);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += STOP_WAIT_MS / 1000;
    /* A thread stuck in a D-Bus call is left to the process's end. */
    if (pthread_timedjoin_np(g_loop.thread, NULL, &until) != 0)
        return;
    g_main_loop_unref(g_loop.loop);
    g_main_context_unref(g_loop.ctx);
    g_loop.loop = NULL;
    g_loop.ctx = NULL;
}

static void at_exit(void)
{
    notify_stop();
}

/* With notify_lock held.  The thread starts with every signal blocked (it
 * inherits its creator's mask), so the caller's handlers run on its threads;
 * so do the GDBus worker threads GLib starts from it. */
static int start_locked(void)
{
    if (g_loop.running || g_loop.start_error)
        return g_loop.start_error;
    g_loop.ctx = g_main_context_new();
    g_loop.loop = g_main_loop_new(g_loop.ctx, FALSE);
    sigset_t all, old;
    (void)sigfillset(&all);
    (void)pthread_sigmask(SIG_SETMASK, &all, &old);
    int r = pthread_create(&g_loop.thread, NULL, loop_main, NULL);
    (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r != 0) {
        g_loop.start_error = -r;
        return -r;
    }
    g_loop.running = true;
    (void)atexit(at_exit);
    return 0;
}

struct posted {
    void (*fn)(void *data);
    void *data;
};

static gboolean run_posted(gpointer data)
{
    struct posted *p = data;
    p->fn(p->data);
    return G_SOURCE_REMOVE;
}

int notify_loop_post(void (*fn)(void *data), void *data)
{
    pthread_mutex_lock(&notify_lock);
    int r = g_loop.stopped ? -ESHUTDOWN : start_locked();
    if (r == 0) {
        /* Under the lock: notify_stop may not free the context meanwhile. */
        struct posted *p = xmalloc(sizeof(*p));
        *p = (struct posted){.fn = fn, .data = data};
        GSource *s = g_idle_source_new();
        g_source_set_callback(s, run_posted, p, free);
        (void)g_source_attach(s, g_loop.ctx);
        g_source_unref(s);
    }
    pthread_mutex_unlock(&notify_lock);
    return r;
}
