/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags ps and ags stop (docs/ags.1.md): the sessions the backend lists (only
 * sandboxes with ags's labels, of this user's engine or store), each with
 * whether its owning ags still runs; stop through the backend alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/strutil.h"
#include "run/internal.h"
#include "base/banned.h"

/* How long a live owner gets to see its agent end and remove its sandbox
 * (and undo the rest) before ags stop removes the sandbox itself. */
#define OWNER_REMOVE_MS 10000
#define POLL_NS         (100L * 1000L * 1000L)

void run_sessions_done(struct run_sessions *l)
{
    for (size_t i = 0; i < l->n; i++)
        run_session_row_done(&l->v[i]);
    free(l->v);
    backend_sessions_done(&l->raw);
    backend_close(l->backend);
    *l = (struct run_sessions){0};
}

static enum procid_state owner_of(const struct backend_session *s, const struct procid *self)
{
    const char *owner = plan_label_value(s->labels, PLAN_LABEL_OWNER);
    if (!owner)
        return PROCID_UNKNOWN;
    /* As the sweep decides (backend/podman-prepare.c): a running sandbox's
     * owner is gone only by its pid's proof. */
    return s->state == BACKEND_SESSION_RUNNING ? procid_text_state_in_use(owner, self)
                                               : procid_text_state(owner, self);
}

static int list(struct run_sessions *l, const struct procid *self, struct ags_error *err)
{
    int r = l->backend->ops->list_sessions(l->backend, &l->raw, err);
    if (r < 0)
        return r;
    l->v = xcalloc(l->raw.n ? l->raw.n : 1, sizeof(*l->v));
    for (; l->n < l->raw.n; l->n++)
        run_session_row_from(&l->raw.v[l->n], owner_of(&l->raw.v[l->n], self), &l->v[l->n]);
    return 0;
}


int run_sessions_gather(const struct run_owned_opts *o, struct run_sessions *ret,
                        struct ags_error *err)
{
    *ret = (struct run_sessions){0};
    struct procid self;
    int r = run_owned_open(o, &self, &ret->backend, err);
    if (r < 0)
        return r;
    ret->backend_name = ret->backend->ops->name;
    if (!ret->backend->ops->list_sessions)
        r = ags_error_set(err, -EOPNOTSUPP, "the %s backend cannot list sessions",
                          ret->backend_name);
    else
        r = list(ret, &self, err);
    if (r < 0)
        run_sessions_done(ret);
    return r;
}

int run_session_find(const struct run_sessions *l, const char *name, size_t *ret)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].name, name) == 0 || strcmp(l->v[i].session, name) == 0 ||
            strcmp(l->v[i].id, name) == 0) {
            *ret = i;
            return 0;
        }
    return -ENOENT;
}

/* Whether the session's sandbox is still listed. */
static int still_there(struct run_sessions *l, const char *id, bool *ret, struct ags_error *err)
{
    struct backend_sessions now = {0};
    int r = l->backend->ops->list_sessions(l->backend, &now, err);
    *ret = false;
    for (size_t i = 0; r == 0 && i < now.n; i++)
        *ret = *ret || strcmp(now.v[i].id, id) == 0;
    backend_sessions_done(&now);
    return r;
}

/* A live owner sees its agent end and removes the sandbox itself (its
 * secrets, proxies and staging with it): waited for, polling the list. */
static int wait_removed(struct run_sessions *l, const char *id, bool *ret_gone,
                        struct ags_error *err)
{
    int64_t end = monotonic_ms() + OWNER_REMOVE_MS;
    bool there = true;
    int r = 0;
    while (r == 0 && there && monotonic_ms() < end) {
        struct timespec ts = {.tv_nsec = POLL_NS};
        (void)nanosleep(&ts, NULL);
        r = still_there(l, id, &there, err);
    }
    *ret_gone = !there;
    return r;
}

int run_session_stop(struct run_sessions *l, size_t i, unsigned timeout_s, int *ret_exit,
                     struct ags_error *err)
{
    const struct backend_session *s = &l->raw.v[i];
    const struct backend_ops *ops = l->backend->ops;
    *ret_exit = -1;
    if (!ops->stop_session || !ops->remove_session)
        return ags_error_set(err, -EOPNOTSUPP, "the %s backend cannot stop sessions",
                             ops->name);
    int r = 0;
    if (s->state == BACKEND_SESSION_RUNNING)
        r = ops->stop_session(l->backend, s, timeout_s, ret_exit, err);
    if (r == -ENOENT)
        return 0; /* gone meanwhile: stopped all the same */
    bool gone = false;
    if (r == 0 && l->v[i].owner != RUN_OWNER_GONE)
        r = wait_removed(l, s->id, &gone, err);
    if (r == 0 && !gone)
        r = ops->remove_session(l->backend, s, err);
    return r;
}
