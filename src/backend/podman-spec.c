/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The launch plan as a libpod SpecGenerator (podman/podman.h's podman_spec):
 * the plan states intent, this maps it to what the connected Podman offers. */
#include "backend/podman.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
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
    free(s->userns);
    for (size_t i = 0; s->network_options && s->network_options[i]; i++)
        free(s->network_options[i]);
    free(s->network_options);
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

/* The plan's environment; host_loopback: the address of the host's loopback
 * inside (only the engine knows it), told to the agent as AGS_HOST_LOOPBACK. */
static void add_env(const struct ags_plan *p, const char *(*getenv_fn)(const char *),
                    const char *host_loopback, struct backend_spec *s)
{
    s->env = xcalloc(p->n_env + 2, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < p->n_env; i++) {
        const char *value = p->env[i].value;
        if (!value)
            value = getenv_fn ? getenv_fn(p->env[i].name) : NULL;
        if (!value) /* a host variable that is not set is simply not passed */
            continue;
        s->env[n++] = xasprintf("%s=%s", p->env[i].name, value);
    }
    if (host_loopback)
        s->env[n++] = xasprintf(PLAN_HOST_LOOPBACK_ENV "=%s", host_loopback);
}

/* "size=1g", "size=256m", ...: the largest suffix that divides the size. */
static char *tmpfs_size(uint64_t size)
{
    static const char suffixes[] = {'k', 'm', 'g'};
    size_t n = 0;
    while (size && size % 1024 == 0 && n < sizeof(suffixes)) {
        size /= 1024;
        n++;
    }
    if (n == 0)
        return xasprintf("size=%" PRIu64, size);
    return xasprintf("size=%" PRIu64 "%c", size, suffixes[n - 1]);
}

/* The plan's tmpfs as the options Podman passes to mount(2). */
static char *tmpfs_options(const struct plan_tmpfs *t)
{
    _cleanup_free_ char *size = tmpfs_size(t->size);
    return xasprintf("rw,nosuid,nodev,%s%s", t->noexec ? "noexec," : "", size);
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
        if (m->type == PLAN_MOUNT_COPY)
            continue; /* copy_in after create */
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
        _cleanup_free_ char *options = tmpfs_options(&p->tmpfs[i]);
        s->mount_options[nm] = split_options(options);
        s->mounts[nm] = (struct podman_mount){"tmpfs", "tmpfs", p->tmpfs[i].destination,
                                              (const char *const *)s->mount_options[nm]};
        nm++;
    }
    s->spec.mounts = s->mounts;
    s->spec.n_mounts = nm;
    s->spec.volumes = s->volumes;
    s->spec.n_volumes = nv;
}

/* The sandbox user is the caller: keep-id maps the caller's uid and gid onto
 * the image user; root inside needs no mapping at all, because rootless
 * Podman's root already is the caller. */
char *backend_podman_userns(uint32_t uid, uint32_t gid)
{
    return uid == 0 ? NULL : xasprintf("keep-id:uid=%u,gid=%u", uid, gid);
}

static void map_identity(const struct plan_identity *id, struct backend_spec *s)
{
    s->userns = backend_podman_userns(id->uid, id->gid);
    if (!s->userns) {
        s->spec.user = "root";
        return;
    }
    s->spec.userns = s->userns;
}

void backend_spec_from_helper(const struct backend_helper *h, const char *const *argv,
                              struct backend_spec *ret)
{
    struct backend_spec s = {0};
    s.volumes = xcalloc(h->n_volumes + 1, sizeof(*s.volumes));
    for (size_t i = 0; i < h->n_volumes; i++)
        s.volumes[i] = (struct podman_volume_mount){h->volumes[i].source,
                                                    h->volumes[i].destination,
                                                    h->volumes[i].read_only};
    map_identity(&(struct plan_identity){.uid = h->uid, .gid = h->gid}, &s);
    s.spec.image = h->image;
    s.spec.entrypoint = argv;
    s.spec.labels = h->labels;
    s.spec.volumes = s.volumes;
    s.spec.n_volumes = h->n_volumes;
    s.spec.netns = "none";
    s.spec.no_new_privileges = true;
    s.spec.no_log = true;
    s.spec.cap_drop_all = true;
    s.spec.stop_timeout = 1;
    /* A workspace the agent made hostile (a FIFO where git reads) must not
     * hang the pull for ever. */
    s.spec.timeout = AGS_HELPER_TIMEOUT_S;
    *ret = s;
}

/* slirp4netns, or pasta where Podman dropped slirp4netns (6.x) or it is not
 * installed.  The host's loopback stays closed unless the plan opens it:
 * slirp4netns says so with allow_host_loopback (then 10.0.2.2 is the host's
 * 127.0.0.1); Podman runs pasta with --no-map-gw unless its options hold
 * --map-gw (which Podman takes out again), and with --map-gw connections to
 * the default gateway, which pasta copies from the host, reach the host's
 * loopback.  Returns the address that reaches it, or NULL. */
static const char *map_network(const struct plan_network *n, const struct backend_engine *engine,
                               struct backend_spec *s)
{
    bool slirp = engine->slirp4netns && engine->major < 6;
    s->network_options = xcalloc(2, sizeof(char *));
    /* No route out: in allowlist the egress proxy's socket is the only way out. */
    if (n->mode != PLAN_NETWORK_OPEN) {
        s->spec.netns = "none";
        return NULL;
    }
    s->spec.netns = slirp ? "slirp4netns" : "pasta";
    s->spec.network_options = (const char *const *)s->network_options;
    if (slirp) {
        s->network_options[0] = xasprintf("allow_host_loopback=%s",
                                          n->host_loopback ? "true" : "false");
        return n->host_loopback ? BACKEND_SLIRP_HOST_LOOPBACK : NULL;
    }
    if (!n->host_loopback)
        return NULL;
    s->network_options[0] = xstrdup("--map-gw");
    return engine->gateway[0] ? engine->gateway : NULL;
}

void backend_spec_from_plan(const struct ags_plan *p, const struct backend_engine *engine,
                            bool tty, bool stdin_open,
                            const char *(*getenv_fn)(const char *name), struct backend_spec *ret)
{
    struct backend_spec s = {0};
    const char *host_loopback = map_network(&p->network, engine, &s);
    add_env(p, getenv_fn, host_loopback, &s);
    add_mounts(p, &s);
    map_identity(&p->identity, &s);
    s.spec.image = p->image.v;
    s.spec.name = p->name.v;
    s.spec.entrypoint = (const char *const *)p->argv;
    s.spec.env = (const char *const *)s.env;
    s.spec.labels = (const char *const *)p->labels;
    s.spec.work_dir = p->work_dir.v;
    s.spec.terminal = tty;
    s.spec.stdin_open = stdin_open;
    s.spec.no_new_privileges = p->security.no_new_privileges;
    /* What the agent prints (a token it read, a remote session's export)
     * stays out of the engine's log (journald by default), which outlives
     * the sandbox; attach does not need it. */
    s.spec.no_log = true;
    s.spec.cap_drop_all = p->security.cap_drop_all;
    s.spec.selinux_disable = p->security.selinux_disable;
    s.spec.pids_limit = p->security.pids_limit;
    s.spec.stop_timeout = 10;
    *ret = s;
}
