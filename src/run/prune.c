/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags df and ags prune (docs/ags.1.md): what ags owns, who uses it, and when
 * prune may remove it.  Only what carries ags's labels (the engine lists
 * nothing else, backend.h list_owned) or lives in ags's own directories is
 * ever considered; the decision is pure (run_owned_classify) so that unit
 * tests pin it from injected lists.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "run/internal.h"
#include "base/banned.h"

void run_owned_done(struct run_owned_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].dir);
        free(l->v[i].entry);
    }
    free(l->v);
    backend_objects_done(&l->objs);
    backend_close(l->backend);
    free(l->lock_dir);
    free(l->cache_dir);
    *l = (struct run_owned_list){0};
}

struct run_owned *run_owned_push(struct run_owned_list *l, enum run_owned_kind kind,
                                 char *name)
{
    size_t cap = l->n; /* grown one at a time: lists are short */
    l->v = xgrow(l->v, &cap, l->n + 1, sizeof(*l->v));
    struct run_owned *x = &l->v[l->n++];
    *x = (struct run_owned){.kind = kind, .name = name};
    return x;
}

static bool has_label(char *const *labels, const char *key)
{
    return plan_label_value(labels, key) != NULL;
}

static const struct backend_object *find_container(const struct backend_objects *objs,
                                                   const char *id)
{
    for (size_t i = 0; i < objs->n; i++)
        if (objs->v[i].kind == BACKEND_OBJ_CONTAINER && strcmp(objs->v[i].id, id) == 0)
            return &objs->v[i];
    return NULL;
}

/* A running supervised session outlives its supervisor (the sweep's rule):
 * never dead while it runs. */
static bool container_dead(const struct backend_object *c, const struct run_owned_facts *f)
{
    if (c->running && plan_label_is_true(c->labels, PLAN_LABEL_SUPERVISED))
        return false;
    const char *owner = plan_label_value(c->labels, PLAN_LABEL_OWNER);
    return owner && f->owner_state(owner, c->running, f->userdata) == PROCID_DEAD;
}

/* The running sandbox that carries the session (the secret is in use), or NULL. */
static const struct backend_object *session_running(const struct backend_objects *objs,
                                                    const char *session)
{
    for (size_t i = 0; session && i < objs->n; i++) {
        const struct backend_object *c = &objs->v[i];
        const char *s = plan_label_value(c->labels, PLAN_LABEL_SESSION);
        if (c->kind == BACKEND_OBJ_CONTAINER && c->running && s && strcmp(s, session) == 0)
            return c;
    }
    return NULL;
}

/* A secret's run is dead; while a running sandbox carries its session only
 * its pid can prove that (the sweep's rule). */
static bool secret_dead(const struct backend_objects *objs, const struct backend_object *o,
                        const struct run_owned_facts *f)
{
    const char *owner = plan_label_value(o->labels, PLAN_LABEL_OWNER);
    const struct backend_object *user =
            session_running(objs, plan_label_value(o->labels, PLAN_LABEL_SESSION));
    if (user && plan_label_is_true(user->labels, PLAN_LABEL_SUPERVISED))
        return false;
    return owner && f->owner_state(owner, user != NULL, f->userdata) == PROCID_DEAD;
}

void run_owned_mark_dead(struct run_owned *x, bool dead)
{
    x->use = dead ? RUN_USE_DEAD : RUN_USE_LIVE;
    x->when = dead ? RUN_PRUNE_ALWAYS : RUN_PRUNE_NEVER;
}

/* The strongest use among the containers that use an image or a volume. */
static enum run_owned_use users_use(const struct backend_objects *objs, char *const *users,
                                    const struct run_owned_facts *f)
{
    enum run_owned_use use = RUN_USE_NONE;
    for (size_t i = 0; users && users[i]; i++) {
        const struct backend_object *c = find_container(objs, users[i]);
        enum run_owned_use u = !c                    ? RUN_USE_OTHER
                               : container_dead(c, f) ? RUN_USE_DEAD
                                                      : RUN_USE_LIVE;
        if (u > use)
            use = u;
    }
    return use;
}

static bool has_tag(char *const *tags, const char *want, bool prefix)
{
    for (size_t i = 0; tags && tags[i]; i++)
        if (prefix ? strncmp(tags[i], want, strlen(want)) == 0 : strcmp(tags[i], want) == 0)
            return true;
    return false;
}

/* The image ags built (named as configured, or untagged while one of ags's
 * containers uses it: a previous build a running sandbox kept), or the base
 * it imported (localhost/ags-base:*).  An image built FROM them inherits
 * their labels, so the labels alone do not say it: a user's own image on top
 * of ags's, under its own name or left untagged by a rebuild of it, is not
 * ags's. */
enum image_role { IMAGE_NOT_OURS, IMAGE_BUILT, IMAGE_BASE };

static bool used_by_ags(const struct backend_objects *objs, const struct backend_object *o)
{
    for (size_t i = 0; o->users && o->users[i]; i++)
        if (find_container(objs, o->users[i]))
            return true;
    return false;
}

static enum image_role image_role(const struct backend_objects *objs,
                                  const struct backend_object *o, const char *image)
{
    bool untagged = !o->tags || !o->tags[0];
    if (has_label(o->labels, RUN_IMAGE_LABEL_CONTEXT))
        return (untagged && used_by_ags(objs, o)) || (image && has_tag(o->tags, image, false))
                       ? IMAGE_BUILT
                       : IMAGE_NOT_OURS;
    if (has_label(o->labels, RUN_IMAGE_LABEL_IMPORTED))
        return untagged || has_tag(o->tags, RUN_BASE_IMAGE_PREFIX, true) ? IMAGE_BASE
                                                                         : IMAGE_NOT_OURS;
    return IMAGE_NOT_OURS;
}

static struct run_owned *push_obj(struct run_owned_list *out, enum run_owned_kind kind,
                                  const struct backend_objects *objs, size_t i)
{
    const struct backend_object *o = &objs->v[i];
    struct run_owned *x = run_owned_push(
            out, kind, xstrdup(o->name[0] ? o->name : o->id));
    x->obj = i;
    x->size = o->size;
    x->size_known = o->size_known;
    return x;
}

static enum run_prune_when unless_used(enum run_owned_use use, enum run_prune_when when)
{
    return use == RUN_USE_LIVE || use == RUN_USE_OTHER ? RUN_PRUNE_NEVER : when;
}

/* A remote session's workspace volumes (docs/remote.md): named for people
 * and kept unless the prune is asked for them (they may hold work). */
static void name_workspace(const struct backend_object *o, struct run_owned *x)
{
    const char *what = plan_label_value(o->labels, PLAN_LABEL_VOLUME);
    const char *session = plan_label_value(o->labels, PLAN_LABEL_NAME);
    if (!what || strncmp(what, PLAN_VOLUME_WORKSPACE, strlen(PLAN_VOLUME_WORKSPACE)) != 0)
        return;
    if (x->when != RUN_PRUNE_NEVER)
        x->when = RUN_PRUNE_WORKSPACES;
    char *shown = xasprintf("%s (workspace of session %s, not brought back)", x->name,
                            session ? session : "?");
    free(x->name);
    x->name = shown;
}

static void classify_kind(const struct backend_objects *objs, const struct run_owned_facts *f,
                          enum backend_object_kind kind, struct run_owned_list *out)
{
    for (size_t i = 0; i < objs->n; i++) {
        const struct backend_object *o = &objs->v[i];
        if (o->kind != kind)
            continue;
        struct run_owned *x;
        switch (kind) {
        case BACKEND_OBJ_CONTAINER:
            run_owned_mark_dead(push_obj(out, RUN_OWNED_CONTAINER, objs, i),
                                container_dead(o, f));
            break;
        case BACKEND_OBJ_SECRET:
            run_owned_mark_dead(push_obj(out, RUN_OWNED_SECRET, objs, i), secret_dead(objs, o, f));
            break;
        case BACKEND_OBJ_VOLUME: {
            /* ags-shared-* of earlier versions: no run mounts them any more. */
            const char *agent = plan_label_value(o->labels, PLAN_LABEL_AGENT);
            bool shared = agent && strcmp(agent, "shared") == 0;
            x = push_obj(out, RUN_OWNED_VOLUME, objs, i);
            x->use = users_use(objs, o->users, f);
            x->when = unless_used(x->use, shared ? RUN_PRUNE_ALWAYS : RUN_PRUNE_ALL);
            name_workspace(o, x);
            break;
        }
        case BACKEND_OBJ_IMAGE:
            break; /* classify_images: built ones before their base */
        }
    }
}

static void classify_images(const struct backend_objects *objs, const struct run_owned_facts *f,
                            enum image_role role, struct run_owned_list *out)
{
    for (size_t i = 0; i < objs->n; i++) {
        const struct backend_object *o = &objs->v[i];
        if (o->kind != BACKEND_OBJ_IMAGE || image_role(objs, o, f->image) != role)
            continue;
        struct run_owned *x = push_obj(out, RUN_OWNED_IMAGE, objs, i);
        if (!o->name[0]) { /* untagged: its short id, as podman images shows it */
            free(x->name);
            x->name = xasprintf("<none> %.12s", o->id);
        }
        x->use = users_use(objs, o->users, f);
        x->when = unless_used(x->use, RUN_PRUNE_ALL);
    }
}

void run_owned_classify(const struct backend_objects *objs, const struct run_owned_facts *f,
                        struct run_owned_list *out)
{
    classify_kind(objs, f, BACKEND_OBJ_CONTAINER, out);
    classify_kind(objs, f, BACKEND_OBJ_SECRET, out);
    classify_kind(objs, f, BACKEND_OBJ_VOLUME, out);
    classify_images(objs, f, IMAGE_BUILT, out);
    classify_images(objs, f, IMAGE_BASE, out);
}

/* The sessions of running supervised sandboxes: their staging stays. */
static char **supervised_running(const struct backend_objects *objs)
{
    struct strv_builder b = {0};
    for (size_t i = 0; i < objs->n; i++) {
        const struct backend_object *c = &objs->v[i];
        const char *id = plan_label_value(c->labels, PLAN_LABEL_SESSION);
        if (c->kind == BACKEND_OBJ_CONTAINER && c->running && id &&
            plan_label_is_true(c->labels, PLAN_LABEL_SUPERVISED))
            strv_builder_push(&b, xstrdup(id));
    }
    return strv_builder_steal(&b);
}

static enum procid_state owner_state_proc(const char *owner, bool in_use, void *userdata)
{
    const struct procid *self = userdata;
    return in_use ? procid_text_state_in_use(owner, self) : procid_text_state(owner, self);
}

/* The backend options of o: o->connection and o->timeout_ms applied. */
static void owned_backend_opts(const struct run_owned_opts *o, struct backend_open_opts *ret)
{
    struct backend_open_opts bo;
    run_backend_open_opts(o->cfg, o->getenv, &o->cb, NULL, &bo);
    if (o->connection) {
        /* Another engine than the configured one: Podman's, never started
         * (a remote service is not ours to start). */
        bo.kind = BACKEND_PODMAN;
        bo.connection = o->connection;
        bo.url = NULL;
        bo.no_autostart = true;
    }
    bo.timeout_ms = o->timeout_ms;
    if (o->no_tunnel_process)
        bo.ssh_persist_seconds = 0;
    *ret = bo;
}

int run_owned_open(const struct run_owned_opts *o, struct procid *self, struct backend **ret,
                   struct ags_error *err)
{
    int r = procid_self(self, err); /* without it no owner can be proven dead or alive */
    if (r < 0)
        return r;
    struct backend_open_opts bo;
    owned_backend_opts(o, &bo);
    return (o->open_backend ? o->open_backend : backend_open)(&bo, ret, err);
}

int run_owned_gather(const struct run_owned_opts *o, struct run_owned_list *ret,
                     struct ags_error *err)
{
    *ret = (struct run_owned_list){0};
    struct procid self;
    int r = run_owned_open(o, &self, &ret->backend, err);
    if (r < 0)
        return r;
    const char *const image_labels[] = {RUN_IMAGE_LABEL_CONTEXT, RUN_IMAGE_LABEL_IMPORTED, NULL};
    if (!ret->backend->ops->list_owned)
        r = ags_error_set(err, -EOPNOTSUPP, "the %s backend cannot list what ags owns",
                          ret->backend->ops->name);
    else
        r = ret->backend->ops->list_owned(ret->backend, image_labels, &ret->objs, err);
    if (r < 0) {
        run_owned_done(ret);
        return r;
    }
    const struct run_owned_facts f = {
            .image = o->cfg->sandbox.image.v,
            .owner_state = owner_state_proc,
            .userdata = &self,
    };
    run_owned_classify(&ret->objs, &f, ret);
    _cleanup_strv_free_ char **keep = supervised_running(&ret->objs);
    run_owned_add_dirs(o->tmp_dir ? o->tmp_dir : run_tmp_dir(), o->cfg->sandbox.cache_dir.v,
                       &self, keep, ret);
    /* The lock dir is found (and the cache dir made) only when prune removes
     * an agent's volume: ags df only looks. */
    ret->cache_dir = o->cfg->sandbox.cache_dir.v ? xstrdup(o->cfg->sandbox.cache_dir.v) : NULL;
    ret->getenv = o->getenv ? o->getenv : env_process;
    return 0;
}

/* An agent's volume goes only while prune holds that agent's lock, taken
 * without waiting: a run holds it shared from before it prepares its volumes
 * until its sandbox exists, so a volume is never removed under a starting run
 * (Podman would hand that run a fresh, empty volume without ags's labels). */
static int lock_agent_of(struct run_owned_list *l, const struct backend_object *o,
                         int *ret_fd, struct ags_error *err)
{
    enum plan_agent agent;
    const char *name = plan_label_value(o->labels, PLAN_LABEL_AGENT);
    if (o->kind != BACKEND_OBJ_VOLUME || !name || plan_agent_from_name(name, &agent) < 0)
        return 0; /* not an agent's volume (the old shared ones: no run mounts them) */
    if (!l->lock_dir) {
        int r = run_private_dir(l->getenv ? l->getenv : env_process, l->cache_dir, true,
                                &l->lock_dir, err);
        if (r < 0)
            return ags_error_prefix(err, "%s's volumes kept", name);
    }
    static const volatile sig_atomic_t no_wait = 1;
    const struct run_agent_lock_opts lo = {
        .dir = l->lock_dir, .agent = agent, .exclusive = true, .cancel = &no_wait};
    int r = run_agent_lock(&lo, ret_fd, err);
    if (r == -EINTR)
        return ags_error_set(err, -EBUSY, "a run of %s is starting: kept (try again)", name);
    return r;
}

static int remove_one(struct run_owned_list *l, const struct run_owned *x, struct ags_error *err)
{
    if (x->kind == RUN_OWNED_STAGING || x->kind == RUN_OWNED_CACHE)
        return run_owned_remove_dir(x, err);
    struct backend *b = l->backend;
    if (!b || !b->ops->remove_owned)
        return ags_error_set(err, -EOPNOTSUPP, "this backend cannot remove what ags owns");
    const struct backend_object *o = &l->objs.v[x->obj];
    _cleanup_close_ int lock = -EBADF;
    int r = lock_agent_of(l, o, &lock, err);
    return r < 0 ? r : b->ops->remove_owned(b, o, err);
}

bool run_prune_selected(enum run_prune_when w, unsigned scope)
{
    switch (w) {
    case RUN_PRUNE_ALWAYS:
        return true;
    case RUN_PRUNE_ALL:
        return scope & RUN_PRUNE_SCOPE_ALL;
    case RUN_PRUNE_WORKSPACES:
        return scope & RUN_PRUNE_SCOPE_WORKSPACES;
    default:
        return false;
    }
}

size_t run_prune_remove(struct run_owned_list *l, unsigned scope,
                        void (*done)(const struct run_owned *x, int r, const char *why,
                                     void *userdata),
                        void *userdata)
{
    size_t failed = 0;
    for (size_t i = 0; i < l->n; i++) {
        const struct run_owned *x = &l->v[i];
        if (!run_prune_selected(x->when, scope))
            continue;
        struct ags_error e = {0};
        int r = remove_one(l, x, &e);
        if (r == -ENOENT) /* gone meanwhile (another prune, a run's own cleanup) */
            r = 0;
        if (r < 0)
            failed++;
        if (done)
            done(x, r, e.msg, userdata);
    }
    return failed;
}
