/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "backend/podman.h"

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
#include "base/banned.h"

void backend_spec_done(struct backend_spec *s)
{
    for (size_t i = 0; s->env && s->env[i]; i++)
        free(s->env[i]);
    free(s->env);
    for (size_t i = 0; i < s->spec.n_mounts; i++) {
        for (size_t j = 0; s->mount_options[i] && s->mount_options[i][j]; j++)
            free(s->mount_options[i][j]);
        free(s->mount_options[i]);
    }
    free(s->mount_options);
    free(s->mounts);
    free(s->volumes);
    *s = (struct backend_spec){0};
}

static char **split_options(const char *csv)
{
    size_t n = 1;
    for (const char *p = csv; *p; p++)
        n += *p == ',';
    char **v = xcalloc(n + 1, sizeof(char *));
    size_t i = 0;
    for (const char *p = csv; *p;) {
        size_t len = strcspn(p, ",");
        if (len)
            v[i++] = xstrndup(p, len);
        p += len + (p[len] == ',');
    }
    return v;
}

static void add_env(const struct ags_plan *p, const char *(*getenv_fn)(const char *),
                    struct backend_spec *s)
{
    s->env = xcalloc(p->n_env + 1, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < p->n_env; i++) {
        const char *value = p->env[i].value;
        if (!value)
            value = getenv_fn ? getenv_fn(p->env[i].name) : NULL;
        if (!value) /* a host variable that is not set is simply not passed */
            continue;
        s->env[n++] = xasprintf("%s=%s", p->env[i].name, value);
    }
}

static void add_mounts(const struct ags_plan *p, struct backend_spec *s)
{
    size_t total = p->n_mounts + p->n_tmpfs;
    s->mounts = xcalloc(total + 1, sizeof(*s->mounts));
    s->mount_options = xcalloc(total + 1, sizeof(*s->mount_options));
    s->volumes = xcalloc(p->n_mounts + 1, sizeof(*s->volumes));
    size_t nm = 0, nv = 0;
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct plan_mount *m = &p->mounts[i];
        if (m->type == PLAN_MOUNT_VOLUME) {
            s->volumes[nv++] = (struct podman_volume_mount){m->source, m->destination,
                                                            m->read_only};
            continue;
        }
        s->mount_options[nm] = split_options(m->read_only ? "ro" : "rw");
        s->mounts[nm] = (struct podman_mount){"bind", m->source, m->destination,
                                              (const char *const *)s->mount_options[nm]};
        nm++;
    }
    for (size_t i = 0; i < p->n_tmpfs; i++) {
        s->mount_options[nm] = split_options(p->tmpfs[i].options);
        s->mounts[nm] = (struct podman_mount){"tmpfs", "tmpfs", p->tmpfs[i].destination,
                                              (const char *const *)s->mount_options[nm]};
        nm++;
    }
    s->spec.mounts = s->mounts;
    s->spec.n_mounts = nm;
    s->spec.volumes = s->volumes;
    s->spec.n_volumes = nv;
}

void backend_spec_from_plan(const struct ags_plan *p, bool tty, bool stdin_open,
                            const char *(*getenv_fn)(const char *name), struct backend_spec *ret)
{
    struct backend_spec s = {0};
    add_env(p, getenv_fn, &s);
    add_mounts(p, &s);
    s.spec.image = p->image.v;
    s.spec.name = p->name.v;
    s.spec.entrypoint = (const char *const *)p->argv;
    s.spec.env = (const char *const *)s.env;
    s.spec.labels = (const char *const *)p->labels;
    s.spec.work_dir = p->work_dir.v;
    s.spec.user = p->user.v;
    s.spec.userns = p->userns.v;
    s.spec.terminal = tty;
    s.spec.stdin_open = stdin_open;
    s.spec.no_new_privileges = p->security.no_new_privileges;
    s.spec.cap_drop_all = p->security.cap_drop_all;
    s.spec.selinux_disable = p->security.selinux_disable;
    s.spec.pids_limit = p->security.pids_limit;
    s.spec.netns = p->network.mode;
    s.spec.network_options = (const char *const *)p->network.options;
    s.spec.stop_timeout = 10;
    *ret = s;
}

static int create_host_path(const struct plan_mount *m, struct ags_error *err)
{
    if (m->create == PLAN_CREATE_DIR)
        return mkdir_parents(m->source, 0755, err);
    _cleanup_free_ char *dir = xstrdup(m->source);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        int r = mkdir_parents(dir, 0755, err);
        if (r < 0)
            return r;
    }
    int fd = open(m->source, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot create '%s': %m", m->source);
    (void)close(fd);
    return 0;
}

int backend_prepare(struct podman_client *c, const struct ags_plan *p, struct ags_error *err)
{
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct plan_mount *m = &p->mounts[i];
        int r = 0;
        if (m->type == PLAN_MOUNT_VOLUME) {
            bool exists = false;
            r = podman_volume_exists(c, m->source, &exists, err);
            if (r == 0 && !exists)
                r = podman_volume_create(c, m->source, (const char *const *)m->labels, err);
            /* Another ags may have created it in the meantime: that is fine. */
            if (r == -EBUSY)
                r = 0;
        } else if (m->create != PLAN_CREATE_NONE) {
            r = create_host_path(m, err);
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

/* Whether a running container carries the run's session (its secrets). */
static bool session_running(const struct podman_container_info *infos, size_t n,
                            const char *session)
{
    for (size_t i = 0; session && i < n; i++) {
        const char *s = plan_label_value(infos[i].labels, PLAN_LABEL_SESSION);
        if (is_running(&infos[i]) && s && strcmp(s, session) == 0)
            return true;
    }
    return false;
}

static const char *const managed[] = {PLAN_LABEL_MANAGED "=true", NULL};

static int sweep_containers(struct podman_client *c, const struct procid *self,
                            const struct podman_container_info *infos, size_t n,
                            size_t *removed, struct ags_error *err)
{
    int r = 0;
    for (size_t i = 0; i < n && r == 0; i++) {
        if (!owner_is_dead(infos[i].labels, self, is_running(&infos[i])))
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
        bool in_use = r == 0 &&
                      session_running(infos, n, plan_label_value(labels, PLAN_LABEL_SESSION));
        if (is_managed && strcmp(is_managed, "true") == 0 &&
            owner_is_dead(labels, self, in_use)) {
            r = podman_secret_remove(c, names[i], err);
            if (r == 0)
                (*removed)++;
        }
        podman_strv_free(labels);
        if (r == -ENOENT)
            r = 0; /* gone meanwhile */
    }
    podman_strv_free(names);
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

void backend_lock_open(struct backend_lock *l, const char *runtime_dir)
{
    *l = (struct backend_lock){.fd = -1};
    _cleanup_free_ char *path = xasprintf("%s/ags-podman-%ld.lock", runtime_dir, (long)geteuid());
    l->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    /* In a shared /tmp another user could plant it and hold the lock forever:
     * only our own file serialises anything. */
    struct stat st;
    if (l->fd >= 0 && (fstat(l->fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())) {
        (void)close(l->fd);
        l->fd = -1;
    }
}

int backend_lock_take(struct backend_lock *l, const volatile sig_atomic_t *cancel)
{
    if (l->fd < 0 || l->held)
        return 0;
    while (flock(l->fd, LOCK_EX) < 0) {
        if (errno != EINTR)
            return 0; /* no serialisation, but no reason to fail the run */
        if (cancel && *cancel)
            return -EINTR;
    }
    l->held = true;
    return 0;
}

void backend_lock_release(struct backend_lock *l)
{
    if (l->fd >= 0 && l->held)
        (void)flock(l->fd, LOCK_UN);
    l->held = false;
}

void backend_lock_close(struct backend_lock *l)
{
    backend_lock_release(l);
    if (l->fd >= 0)
        (void)close(l->fd);
    l->fd = -1;
}
