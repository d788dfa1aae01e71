/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The workspace volumes of remote sessions whose changes were not brought
 * back yet (ags pull, ags pull --list; run/remote.h). */
#include "run/remote.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/procid.h"
#include "base/strv.h"
#include "base/strutil.h"
#include "plan/plan.h"
#include "run/internal.h"
#include "base/banned.h"

void run_workspaces_done(struct run_workspaces *w)
{
    for (size_t i = 0; i < w->n; i++) {
        struct run_workspace *x = &w->v[i];
        free(x->volume);
        free(x->name);
        free(x->session);
        free(x->workdir);
        free(x->base);
    }
    free(w->v);
    backend_close(w->backend);
    *w = (struct run_workspaces){0};
}

static bool session_runs(const struct backend_sessions *ss, const char *session)
{
    for (size_t i = 0; ss && i < ss->n; i++) {
        const char *id = plan_label_value(ss->v[i].labels, PLAN_LABEL_SESSION);
        if (id && strcmp(id, session) == 0 && ss->v[i].state != BACKEND_SESSION_EXITED)
            return true;
    }
    return false;
}

void run_workspaces_from(const struct backend_objects *objs, const struct backend_sessions *ss,
                         struct run_workspaces *ret)
{
    ret->v = xcalloc(objs->n + 1, sizeof(*ret->v));
    ret->n = 0;
    for (size_t i = 0; i < objs->n; i++) {
        const struct backend_object *o = &objs->v[i];
        const char *what = plan_label_value(o->labels, PLAN_LABEL_VOLUME);
        const char *session = plan_label_value(o->labels, PLAN_LABEL_SESSION);
        const char *name = plan_label_value(o->labels, PLAN_LABEL_NAME);
        if (o->kind != BACKEND_OBJ_VOLUME || !what || strcmp(what, PLAN_VOLUME_WORKSPACE) != 0 ||
            !session || !run_pull_name_ok(name))
            continue;
        _cleanup_free_ char *expected = run_remote_workspace_volume(session);
        if (strcmp(o->name, expected) != 0)
            continue;
        const char *wd = plan_label_value(o->labels, PLAN_LABEL_WORKDIR);
        const char *base = plan_label_value(o->labels, PLAN_LABEL_BASE);
        struct run_workspace *x = &ret->v[ret->n++];
        x->volume = xstrdup(o->name);
        x->name = xstrdup(name);
        x->session = xstrdup(session);
        if (!wd || str_pct_decode(wd, &x->workdir) < 0)
            x->workdir = xstrdup("");
        x->base = xstrdup(base ? base : PLAN_BASE_NONE);
        x->running = session_runs(ss, session);
    }
}

int run_remote_session_from_plan(const struct ags_plan *p, struct run_remote_session *ret)
{
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct plan_mount *m = &p->mounts[i];
        const char *what = plan_label_value(m->labels, PLAN_LABEL_VOLUME);
        if (m->type != PLAN_MOUNT_VOLUME || !what || strcmp(what, PLAN_VOLUME_WORKSPACE) != 0)
            continue;
        const char *name = plan_label_value(m->labels, PLAN_LABEL_NAME);
        const char *base = plan_label_value(m->labels, PLAN_LABEL_BASE);
        *ret = (struct run_remote_session){
                .name = name ? name : p->name.v,
                .session = plan_label_value(m->labels, PLAN_LABEL_SESSION),
                .workdir = m->destination,
                .base = base ? base : PLAN_BASE_NONE,
                .image = p->image.v,
                .uid = p->identity.uid,
                .gid = p->identity.gid,
        };
        return ret->session ? 0 : -ENOENT;
    }
    return -ENOENT;
}

char **run_remote_plan_volumes(const struct ags_plan *p)
{
    struct strv_builder b = {0};
    struct run_remote_session s;
    if (run_remote_session_from_plan(p, &s) < 0)
        return strv_builder_steal(&b);
    _cleanup_free_ char *prefix = run_remote_workspace_volume(s.session);
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct plan_mount *m = &p->mounts[i];
        if (m->type == PLAN_MOUNT_VOLUME && str_has_prefix(m->source, prefix))
            strv_builder_push(&b, xstrdup(m->source));
    }
    if (!run_export_base_ok(s.base))
        strv_builder_push(&b, run_remote_base_volume(s.session));
    return strv_builder_steal(&b);
}

int run_workspaces_gather(const struct run_owned_opts *o, struct run_workspaces *ret,
                          struct ags_error *err)
{
    *ret = (struct run_workspaces){0};
    struct procid self;
    struct backend *b = NULL;
    int r = run_owned_open(o, &self, &b, err);
    if (r < 0)
        return r;
    if (!b->ops->list_owned || !b->ops->list_sessions || !b->ops->helper_run) {
        r = ags_error_set(err, -EOPNOTSUPP, "the %s backend has no remote workspaces",
                          b->ops->name);
        backend_close(b);
        return r;
    }
    struct backend_objects objs = {0};
    struct backend_sessions ss = {0};
    r = b->ops->list_owned(b, NULL, &objs, err);
    if (r == 0)
        r = b->ops->list_sessions(b, &ss, err);
    if (r == 0)
        run_workspaces_from(&objs, &ss, ret);
    backend_objects_done(&objs);
    backend_sessions_done(&ss);
    if (r < 0) {
        backend_close(b);
        return r;
    }
    ret->backend = b;
    return 0;
}
