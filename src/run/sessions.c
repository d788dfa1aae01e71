/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags ps and ags stop (docs/ags.1.md): the sessions the backend lists (only
 * sandboxes with ags's labels, of this user's engine or store), each with
 * whether its owning ags still runs; stop through the backend alone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "run/baseline.h"
#include "run/internal.h"
#include "run/statelog.h"
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

bool run_session_is(const struct run_session_row *x, const char *name)
{
    return strcmp(x->name, name) == 0 || strcmp(x->session, name) == 0 || strcmp(x->id, name) == 0;
}

int run_session_find(const struct run_sessions *l, const char *name, size_t *ret)
{
    for (size_t i = 0; i < l->n; i++)
        if (run_session_is(&l->v[i], name)) {
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

/* The baseline of a session (ags diff) goes with it. */
static void remove_baseline(const struct backend_session *s)
{
    const char *id = plan_label_value(s->labels, PLAN_LABEL_SESSION);
    _cleanup_free_ char *dir = NULL;
    if (id && run_baseline_dir(NULL, id, &dir, NULL) == 0)
        (void)run_baseline_remove(dir);
}

/* How old a baseline without a listed session must be before the sweep
 * removes it: one being recorded has no sandbox yet. */
#define BASELINE_SWEEP_AGE_S (10 * 60)

static bool session_listed(const struct backend_sessions *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *s = plan_label_value(l->v[i].labels, PLAN_LABEL_SESSION);
        if (s && strcmp(s, id) == 0)
            return true;
    }
    return false;
}

char **run_supervised_running(const struct backend_sessions *l)
{
    struct strv_builder b = {0};
    for (size_t i = 0; i < l->n; i++) {
        const char *id = plan_label_value(l->v[i].labels, PLAN_LABEL_SESSION);
        if (id && l->v[i].state == BACKEND_SESSION_RUNNING &&
            plan_label_is_true(l->v[i].labels, PLAN_LABEL_SUPERVISED))
            strv_builder_push(&b, xstrdup(id));
    }
    return strv_builder_steal(&b);
}

void run_sessions_sweep_baselines(const struct backend_sessions *l,
                                  const char *(*getenv_fn)(const char *name))
{
    _cleanup_free_ char *dir = run_state_log_dir(getenv_fn, "sessions");
    if (!dir)
        return;
    _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d)
        TAKE_FD(fd);
    time_t before = time(NULL) - BASELINE_SWEEP_AGE_S;
    for (struct dirent *e; d && (e = readdir(d));) {
        struct stat st;
        if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || st.st_mtime >= before ||
            session_listed(l, e->d_name))
            continue;
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, e->d_name);
        (void)run_baseline_remove(path);
    }
    if (d)
        closedir(d);
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
        r = 0; /* gone meanwhile: stopped all the same */
    bool gone = false;
    if (r == 0 && l->v[i].owner != RUN_OWNER_GONE)
        r = wait_removed(l, s->id, &gone, err);
    if (r == 0 && !gone)
        r = ops->remove_session(l->backend, s, err);
    if (r == 0)
        remove_baseline(s);
    return r;
}
