/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags ps across engines (issue 20 item 3): the configured engine and every
 * connection containers.conf names, each asked on a thread of its own so an
 * unreachable one costs RUN_ENGINE_PROBE_MS and no more, and fails alone.
 * A connection that resolves to the configured engine's URI is that engine
 * (listed once, under the connection's name).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/strv.h"
#include "run/internal.h"
#include "base/banned.h"

#define LOCAL "local"

void run_sessions_all_done(struct run_sessions_all *a)
{
    for (size_t i = 0; i < a->n; i++) {
        struct run_engine_sessions *e = &a->v[i];
        if (e->r == 0)
            run_sessions_done(&e->l);
        free(e->engine);
        free(e->connection);
        free(e->error);
        strv_builder_done(&e->warnings);
    }
    free(a->v);
    *a = (struct run_sessions_all){0};
}

const struct run_sessions **run_sessions_all_lists(const struct run_sessions_all *a, size_t *ret_n)
{
    const struct run_sessions **v = xcalloc(a->n ? a->n : 1, sizeof(*v));
    size_t n = 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].r == 0)
            v[n++] = &a->v[i].l;
    *ret_n = n;
    return v;
}

/* a->v holds AGS_PS_ENGINES_MAX entries from the start: entries never move. */
static struct run_engine_sessions *add(struct run_sessions_all *a, const char *engine,
                                       const char *connection)
{
    struct run_engine_sessions *e = &a->v[a->n++];
    *e = (struct run_engine_sessions){
            .engine = xstrdup(engine),
            .connection = connection ? xstrdup(connection) : NULL,
            .r = -EAGAIN, /* not asked yet */
    };
    return e;
}

/* The configured engine first, then each other connection. */
static int engines_of(const struct run_owned_opts *o, bool only_configured,
                      struct run_sessions_all *a, struct ags_error *err)
{
    if (only_configured) {
        (void)add(a, LOCAL, NULL);
        return 0;
    }
    _cleanup_strv_free_ char **others = NULL;
    _cleanup_free_ char *self = NULL;
    int r = run_engine_others(o->cfg, o->getenv, &others, &self, err);
    if (r < 0)
        return r;
    (void)add(a, self ? self : LOCAL, NULL);
    for (char **name = others; *name; name++) {
        if (a->n >= AGS_PS_ENGINES_MAX) {
            if (o->cb.warn)
                o->cb.warn("more connections than ags ps asks at once: the rest are left out "
                           "(`ags ps --connection NAME` lists one)",
                           o->cb.userdata);
            break;
        }
        (void)add(a, *name, *name);
    }
    return 0;
}

struct probe {
    const struct run_owned_opts *o;
    struct run_engine_sessions *e;
    pthread_t thread;
    bool threaded; /* one of several probes running at once */
};

static void keep_warning(const char *msg, void *userdata)
{
    struct run_engine_sessions *e = userdata;
    if (e->warnings.n < AGS_PS_ENGINE_WARNINGS_MAX)
        strv_builder_push(&e->warnings, xstrdup(msg));
}

static void *probe_run(void *arg)
{
    struct probe *p = arg;
    struct run_owned_opts o = *p->o;
    o.cb = (struct run_callbacks){.warn = keep_warning, .userdata = p->e};
    o.connection = p->e->connection;
    /* The configured engine as every command asks it; the others bounded. */
    o.timeout_ms = p->e->connection ? RUN_ENGINE_PROBE_MS : o.timeout_ms;
    o.no_tunnel_process = p->threaded;
    struct ags_error err = {0};
    p->e->r = run_sessions_gather(&o, &p->e->l, &err);
    if (p->e->r < 0)
        p->e->error = xstrdup(err.msg);
    else
        p->e->l.engine = p->e->engine;
    return NULL;
}

/* Each probe on a thread of its own (inline when there is one, or when no
 * thread can be made). */
static void probe_all(struct probe *p, size_t n)
{
    bool *threaded = xcalloc(n, sizeof(*threaded));
    for (size_t i = 0; i < n; i++)
        p[i].threaded = n > 1;
    for (size_t i = 0; n > 1 && i < n; i++)
        threaded[i] = pthread_create(&p[i].thread, NULL, probe_run, &p[i]) == 0;
    for (size_t i = 0; i < n; i++)
        if (!threaded[i])
            (void)probe_run(&p[i]);
    for (size_t i = 0; i < n; i++)
        if (threaded[i])
            (void)pthread_join(p[i].thread, NULL);
    free(threaded);
}

/* What the engines said, in engine order, once all have answered. */
static void replay_warnings(const struct run_owned_opts *o, const struct run_sessions_all *a)
{
    for (size_t i = 0; o->cb.warn && i < a->n; i++)
        for (size_t j = 0; j < a->v[i].warnings.n; j++) {
            const char *w = a->v[i].warnings.v[j];
            if (a->n == 1) {
                o->cb.warn(w, o->cb.userdata);
                continue;
            }
            _cleanup_free_ char *msg = xasprintf("engine %s: %s", a->v[i].engine, w);
            o->cb.warn(msg, o->cb.userdata);
        }
}

int run_sessions_gather_all(const struct run_owned_opts *o, bool only_configured,
                            struct run_sessions_all *ret, struct ags_error *err)
{
    *ret = (struct run_sessions_all){.v = xcalloc(AGS_PS_ENGINES_MAX, sizeof(*ret->v))};
    int r = engines_of(o, only_configured, ret, err);
    if (r < 0) {
        run_sessions_all_done(ret);
        return r;
    }
    struct probe *p = xcalloc(ret->n, sizeof(*p));
    for (size_t i = 0; i < ret->n; i++)
        p[i] = (struct probe){.o = o, .e = &ret->v[i]};
    probe_all(p, ret->n);
    free(p);
    replay_warnings(o, ret);
    return 0;
}

int run_sessions_reopen(const struct run_owned_opts *o, struct run_engine_sessions *e,
                        struct ags_error *err)
{
    if (e->r == 0)
        run_sessions_done(&e->l);
    struct run_owned_opts oo = *o;
    oo.connection = e->connection;
    oo.timeout_ms = 0;
    e->r = run_sessions_gather(&oo, &e->l, err);
    if (e->r == 0)
        e->l.engine = e->engine;
    return e->r;
}
