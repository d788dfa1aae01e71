/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags ps and ags stop on Podman (backend.h list_sessions, stop_session,
 * remove_session): only containers with ags's labels are listed (Podman's
 * label filter, one request), so nothing else is ever stopped or removed.
 */
#include "backend/podman.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strv.h"
#include "base/banned.h"

static const char *const managed[] = {PLAN_LABEL_MANAGED "=true", NULL};

/* Podman's states: created, configured and initialized have not run; running,
 * paused and stopping still hold their processes; the rest have ended. */
static enum backend_session_state state_of(const char *s)
{
    static const char *const not_started[] = {"created", "configured", "initialized"};
    static const char *const alive[] = {"running", "paused", "stopping"};
    for (size_t i = 0; s && i < 3; i++) {
        if (strcmp(s, not_started[i]) == 0)
            return BACKEND_SESSION_CREATED;
        if (strcmp(s, alive[i]) == 0)
            return BACKEND_SESSION_RUNNING;
    }
    return BACKEND_SESSION_EXITED;
}

int backend_list_sessions(struct podman_client *c, struct backend_sessions *ret,
                          struct ags_error *err)
{
    *ret = (struct backend_sessions){0};
    struct podman_container_info *all = NULL;
    size_t n = 0;
    int r = podman_container_list(c, managed, &all, &n, err);
    if (r < 0)
        return r;
    ret->v = xcalloc(n ? n : 1, sizeof(*ret->v));
    for (size_t i = 0; i < n; i++) {
        struct backend_session *s = &ret->v[ret->n++];
        s->id = TAKE_PTR(all[i].id);
        s->name = TAKE_PTR(all[i].name);
        s->state = state_of(all[i].state);
        s->labels = all[i].labels ? TAKE_PTR(all[i].labels) : strv_new(0);
    }
    podman_container_infos_free(all, n);
    return 0;
}

int backend_stop_session(struct podman_client *c, const struct backend_session *s,
                         unsigned timeout_s, int *ret_exit, struct ags_error *err)
{
    *ret_exit = -1;
    int r = podman_container_stop(c, s->id, timeout_s, err);
    if (r < 0) /* already stopped is a success */
        return r;
    struct ags_error e = {0};
    int code = -1;
    /* Its owner may read the exit status and remove it first: unknown then. */
    if (podman_container_wait(c, s->id, &code, &e) == 0)
        *ret_exit = code;
    ags_error_clear(&e);
    return 0;
}

/* The run's secrets are named ags-<pid>-<session>-<n> and labelled with its
 * session (backend/podman-secrets.c): only those are inspected. */
static int remove_secrets_of(struct podman_client *c, const char *session,
                             struct ags_error *err)
{
    _cleanup_strv_free_ char **names = NULL;
    int r = podman_secret_list(c, NULL, &names, err);
    _cleanup_free_ char *infix = xasprintf("-%s-", session);
    for (size_t i = 0; r == 0 && names && names[i]; i++) {
        if (strncmp(names[i], "ags-", 4) != 0 || !strstr(names[i], infix))
            continue;
        _cleanup_strv_free_ char **labels = NULL;
        r = podman_secret_labels(c, names[i], &labels, err);
        const char *m = r == 0 ? plan_label_value(labels, PLAN_LABEL_MANAGED) : NULL;
        const char *s = r == 0 ? plan_label_value(labels, PLAN_LABEL_SESSION) : NULL;
        if (m && strcmp(m, "true") == 0 && s && strcmp(s, session) == 0)
            r = podman_secret_remove(c, names[i], err);
        if (r == -ENOENT) /* gone meanwhile */
            r = 0;
    }
    return r;
}

int backend_remove_session(struct podman_client *c, const struct backend_session *s,
                           struct ags_error *err)
{
    int r = podman_container_remove(c, s->id, true, err);
    if (r < 0 && r != -ENOENT)
        return r;
    const char *session = plan_label_value(s->labels, PLAN_LABEL_SESSION);
    return session ? remove_secrets_of(c, session, err) : 0;
}
