/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The launch plan as a libpod SpecGenerator (podman/podman.h's podman_spec). */
#include "backend/podman.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strv.h"
#include "base/banned.h"

void backend_spec_done(struct backend_spec *s)
{
    strv_free(s->env);
    for (size_t i = 0; i < s->spec.n_mounts; i++)
        strv_free(s->mount_options[i]);
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
