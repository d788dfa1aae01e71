/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a run needs before its container exists (volumes, host paths), and the
 * sweep of what dead runs left. */
#include "backend/podman.h"
#include "backend/prepare-paths.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/parse-util.h"
#include "base/procid.h"
#include "base/strv.h"
#include "base/banned.h"

int backend_volume_ensure(struct podman_client *c, const struct plan_mount *m,
                          struct ags_error *err)
{
    bool exists = false;
    int r = podman_volume_exists(c, m->source, &exists, err);
    if (r == 0 && !exists)
        r = podman_volume_create(c, m->source, (const char *const *)m->labels, err);
    /* Another ags may have created it in the meantime: that is fine. */
    return r == -EBUSY ? 0 : r;
}

int backend_prepare(struct podman_client *c, const struct ags_plan *p, struct ags_error *err)
{
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct plan_mount *m = &p->mounts[i];
        int r = 0;
        if (m->type == PLAN_MOUNT_VOLUME) {
            r = backend_volume_ensure(c, m, err);
        } else if (m->create != PLAN_CREATE_NONE) {
            r = backend_create_host_path(m, err);
        }
        if (r < 0)
            return r;
    }
    return 0;
}

/* Whether the ags that owns something is proven gone (base/procid.h): an
 * owner in another PID namespace, on another machine, or with an old label
 * (ags.pid only) is kept; so is the owner of something in use unless its
 * pid proves it dead (another boot id is no proof there: cloned VMs and
 * systemd-nspawn containers share a machine id and an engine). */
static bool owner_is_dead(char *const *labels, const struct procid *self, bool in_use)
{
    const char *owner = plan_label_value(labels, PLAN_LABEL_OWNER);
    if (!owner)
        return false;
    enum procid_state s = in_use ? procid_text_state_in_use(owner, self)
                                 : procid_text_state(owner, self);
    return s == PROCID_DEAD;
}

static bool is_running(const struct podman_container_info *info)
{
    return info->state && strcmp(info->state, "running") == 0;
}

/* A supervised session (docs/sessions.md) runs on without its supervisor:
 * the sweep never removes it while it runs, whoever its owner was; ags stop
 * does, and the sweep once it has ended. */
static bool supervised_running(const struct podman_container_info *info)
{
    return is_running(info) && plan_label_is_true(info->labels, PLAN_LABEL_SUPERVISED);
}

/* The running container that carries the run's session (its secrets), or NULL. */
static const struct podman_container_info *session_running(const struct podman_container_info *infos,
                                                           size_t n, const char *session)
{
    for (size_t i = 0; session && i < n; i++) {
        const char *s = plan_label_value(infos[i].labels, PLAN_LABEL_SESSION);
        if (is_running(&infos[i]) && s && strcmp(s, session) == 0)
            return &infos[i];
    }
    return NULL;
}

static const char *const managed[] = {PLAN_LABEL_MANAGED "=true", NULL};

static int sweep_containers(struct podman_client *c, const struct procid *self,
                            const struct podman_container_info *infos, size_t n,
                            size_t *removed, struct ags_error *err)
{
    int r = 0;
    for (size_t i = 0; i < n && r == 0; i++) {
        if (supervised_running(&infos[i]) ||
            !owner_is_dead(infos[i].labels, self, is_running(&infos[i])))
            continue;
        r = podman_container_remove(c, infos[i].id, true, err);
        if (r == -ENOENT) /* another ags swept it first */
            r = 0;
        else if (r == 0)
            (*removed)++;
    }
    return r;
}

/* Secrets carry the same labels, but Podman 4.3 lists none (only inspect
 * shows them): each ags-* secret is inspected, and removed when it is ours
 * (ags.managed=true) and its owner is proven dead, by its pid alone while a
 * running container carries its session.  Only live runs and leftovers have
 * such secrets, so this stays a handful of requests. */
static int sweep_secrets(struct podman_client *c, const struct procid *self,
                         const struct podman_container_info *infos, size_t n,
                         size_t *removed, struct ags_error *err)
{
    char **names = NULL;
    int r = podman_secret_list(c, NULL, &names, err);
    if (r < 0)
        return r;
    for (size_t i = 0; names && names[i] && r == 0; i++) {
        if (strncmp(names[i], "ags-", 4) != 0)
            continue;
        char **labels = NULL;
        r = podman_secret_labels(c, names[i], &labels, err);
        const char *is_managed = r == 0 ? plan_label_value(labels, PLAN_LABEL_MANAGED) : NULL;
        const struct podman_container_info *user =
                r == 0 ? session_running(infos, n, plan_label_value(labels, PLAN_LABEL_SESSION))
                       : NULL;
        if (is_managed && strcmp(is_managed, "true") == 0 && !(user && supervised_running(user)) &&
            owner_is_dead(labels, self, user != NULL)) {
            r = podman_secret_remove(c, names[i], err);
            if (r == 0)
                (*removed)++;
        }
        strv_free(labels);
        if (r == -ENOENT)
            r = 0; /* gone meanwhile */
    }
    strv_free(names);
    return r;
}

int backend_sweep(struct podman_client *c, size_t *ret_removed, struct ags_error *err)
{
    size_t removed = 0, n = 0;
    struct procid self;
    struct podman_container_info *infos = NULL;
    int r = procid_self(&self, err);
    if (r == 0)
        r = podman_container_list(c, managed, &infos, &n, err);
    if (r == 0)
        r = sweep_containers(c, &self, infos, n, &removed, err);
    if (r == 0)
        r = sweep_secrets(c, &self, infos, n, &removed, err);
    podman_container_infos_free(infos, n);
    *ret_removed = removed;
    return r;
}
