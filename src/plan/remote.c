/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A run on a remote engine (an ssh:// endpoint, docs/remote.md): a host path
 * means nothing on the engine's host, so the workspace travels in a volume
 * the runner uploads, ags's own read-only directories (the claude guard
 * hooks) in per-session read-only volumes, read-only host files are copied
 * into the created sandbox (PLAN_MOUNT_COPY), and host services are left
 * out with a note.  What the user asked for and cannot have there (host
 * mounts, --add-dir, lockdown, an allowlist) is refused: skipping it would
 * widen the sandbox or leave the agent silently without a mount.
 */
#include "plan/plan.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strutil.h"
#include "plan/internal.h"
#include "base/banned.h"

#define USE_LOCAL "remove it or use a local engine"

static bool hex_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return (n == 40 || n == 64) && strspn(s, "0123456789abcdef") == n;
}

/* What the user calls the config table a mount came from. */
static char *mount_table(const struct cfg_mount *cm)
{
    const char *label = cm->source.v ? cm->source.v : "config";
    if (strcmp(label, "agent_mount") == 0)
        return xstrdup("[[agent_mount]]");
    if (str_has_prefix(label, "tool:"))
        return xasprintf("[[tool]] mount (%s)", label);
    return xstrdup("[[mount]]");
}

static int refuse_config_mount(struct plan_builder *b, const struct cfg_mount *cm)
{
    _cleanup_free_ char *table = mount_table(cm);
    return ags_error_set(b->err, -EINVAL,
                         "%s:%u:%u: %s %s -> %s cannot be used with a remote engine (the "
                         "engine's host does not have this host's files); " USE_LOCAL,
                         cm->at.file ? cm->at.file : "default", cm->at.line, cm->at.col, table,
                         cm->host.v, cm->container.v);
}

int plan_remote_check(struct plan_builder *b)
{
    const struct plan_input *in = b->in;
    if (!b->p->remote)
        return 0;
    if (in->flags.lockdown)
        return ags_error_set(b->err, -EINVAL,
                             "--lockdown cannot be used with a remote engine (its staging, its "
                             "read-only git metadata and its checks after the run need this "
                             "host); " USE_LOCAL);
    if (in->flags.n_add_dirs > 0)
        return ags_error_set(b->err, -EINVAL,
                             "--add-dir %s cannot be used with a remote engine (the engine's "
                             "host does not have this host's directories); " USE_LOCAL,
                             in->flags.add_dirs[0]);
    /* A browser-mode mount is never mounted anywhere (a note says so). */
    for (size_t i = 0; i < in->cfg->n_mounts; i++)
        if (in->cfg->mounts[i].when.v != CFG_WHEN_BROWSER)
            return refuse_config_mount(b, &in->cfg->mounts[i]);
    return 0;
}

int plan_remote_check_network(struct plan_builder *b)
{
    const struct plan_network *n = &b->p->network;
    if (!b->p->remote || n->mode != PLAN_NETWORK_ALLOWLIST)
        return 0;
    /* The egress proxy runs on this host and the sandbox reaches it through
     * a socket bind: remotely the allowlist could not be enforced. */
    const char *origin = n->origin ? n->origin : "default";
    return ags_error_set(b->err, -EINVAL,
                         "network allowlist (%s) cannot be used with a remote engine (the "
                         "egress proxy that enforces it runs on this host); %s",
                         origin,
                         strcmp(origin, "--network") == 0
                                 ? "remove --network allowlist or use a local engine"
                                 : "set [network] mode = \"open\" or \"none\" for this run "
                                   "(--network), or use a local engine");
}

/* "key=value" labels of a session volume, NULL-terminated. */
static char **session_volume_labels(const struct plan_builder *b, const char *what)
{
    const struct plan_input *in = b->in;
    char **v = xcalloc(8, sizeof(*v));
    size_t n = 0;
    v[n++] = xstrdup(PLAN_LABEL_MANAGED "=true");
    v[n++] = xasprintf(PLAN_LABEL_SESSION "=%s", in->host.session_id);
    v[n++] = xasprintf(PLAN_LABEL_AGENT "=%s", plan_agent_name(in->agent));
    v[n++] = xasprintf(PLAN_LABEL_VOLUME "=%s", what);
    if (strcmp(what, PLAN_VOLUME_WORKSPACE) == 0) {
        _cleanup_free_ char *dir = str_pct_encode(in->host.cwd);
        v[n++] = xasprintf(PLAN_LABEL_WORKDIR "=%s", dir);
        v[n++] = xasprintf(PLAN_LABEL_NAME "=%s", b->p->name.v);
        v[n++] = xasprintf(PLAN_LABEL_BASE "=%s",
                           hex_id(in->host.git_head) ? in->host.git_head : PLAN_BASE_NONE);
    }
    return v;
}

void plan_add_workspace(struct plan_builder *b)
{
    const char *cwd = b->in->host.cwd;
    if (!b->p->remote) {
        plan_add_mount(b, PLAN_MOUNT_BIND, cwd, cwd, false, xstrdup("workdir"));
        return;
    }
    _cleanup_free_ char *name = xasprintf(PLAN_WS_VOLUME_PREFIX "%s", b->in->host.session_id);
    struct plan_mount *m = plan_add_mount(b, PLAN_MOUNT_VOLUME, name, cwd, false,
                                          xstrdup("workspace (remote engine)"));
    m->create = PLAN_CREATE_DIR;
    m->upload_from = xstrdup(cwd);
    m->labels = session_volume_labels(b, PLAN_VOLUME_WORKSPACE);
}

void plan_add_ro_dir(struct plan_builder *b, const char *dir, const char *destination,
                     const char *origin)
{
    if (!b->p->remote) {
        struct plan_mount *m = plan_add_mount(b, PLAN_MOUNT_BIND, dir, destination, true,
                                              xstrdup(origin));
        m->create = PLAN_CREATE_DIR;
        return;
    }
    /* A volume mount point, as the bind was: the agent cannot replace it. */
    _cleanup_free_ char *name = xasprintf(PLAN_WS_VOLUME_PREFIX "%s-%u", b->in->host.session_id,
                                          ++b->n_uploads);
    struct plan_mount *m = plan_add_mount(b, PLAN_MOUNT_VOLUME, name, destination, true,
                                          xasprintf("%s (remote engine: uploaded)", origin));
    m->create = PLAN_CREATE_DIR;
    m->upload_from = xstrdup(dir);
    m->labels = session_volume_labels(b, PLAN_VOLUME_UPLOAD);
}

void plan_add_ro_file(struct plan_builder *b, const char *file, const char *destination,
                      char *origin)
{
    plan_add_mount(b, b->p->remote ? PLAN_MOUNT_COPY : PLAN_MOUNT_BIND, file, destination, true,
                   origin);
}

/* Git metadata outside the work dir is a host path the engine's host does
 * not have, and the workspace volume holds the work dir only. */
int plan_remote_check_git(struct plan_builder *b)
{
    const struct plan_host *h = &b->in->host;
    const char *cand[2] = {h->git_common_dir, h->git_dir};
    if (!b->p->remote)
        return 0;
    for (size_t i = 0; i < 2; i++) {
        if (!cand[i] || cand[i][0] != '/' || path_under(cand[i], h->cwd))
            continue;
        return ags_error_set(b->err, -EINVAL,
                             "the git metadata of %s is at %s, outside it: a remote engine gets "
                             "the work dir only (a linked worktree or a subdirectory of the "
                             "repository); run ags at the repository's top level or use a "
                             "local engine",
                             h->cwd, cand[i]);
    }
    return 0;
}
