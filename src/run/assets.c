/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "run/assets.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strv.h"
#include "base/banned.h"

/* Our own files, a few KiB each: anything bigger is not ours. */
#define ASSET_MAX_BYTES (1024u * 1024u)

/* What Pi needs before it loads an extension list from agent/settings.json. */
static const char pi_settings_template[] = "{\"extensions\":[],\"skills\":[],\"prompts\":[]}\n";

struct asset {
    const char *from; /* under the assets dir */
    const char *to;   /* under the destination dir */
    unsigned mode;
};

static const struct asset pi_assets[] = {
    {"pi/guard.ts", "agent/extensions/guard.ts", 0644},
};

static const struct asset claude_assets[] = {
    {"claude/guard.sh", "guard.sh", 0755},
    {"claude/plugin/.claude-plugin/plugin.json", ".claude-plugin/plugin.json", 0644},
    {"claude/plugin/skills/guard/SKILL.md", "skills/guard/SKILL.md", 0644},
};

/* The host directory behind destination: a bind's source, or what a
 * remote engine's volume is uploaded from (written here before the upload). */
static const char *mount_source(const struct ags_plan *p, const char *destination)
{
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct plan_mount *m = &p->mounts[i];
        if (strcmp(m->destination, destination) != 0)
            continue;
        if (m->type == PLAN_MOUNT_BIND)
            return m->source;
        if (m->type == PLAN_MOUNT_VOLUME && m->upload_from)
            return m->upload_from;
    }
    return NULL;
}

/*
 * The destination can be a tree the agent wrote in an earlier run (its ~/.pi is
 * mounted read-write): below the mount source nothing is followed, so a
 * planted symlink (agent/extensions -> ~/.bashrc.d, agent -> ~) is refused
 * instead of redirecting the write.  The mount source itself is the user's
 * configured path and is resolved as Podman resolves it.
 */
struct dest {
    int fd;            /* the directory the paths below start from */
    const char *where; /* its path, for messages */
    const char *top;   /* first component below it ("" for the mount source itself) */
};

static int write_asset(const char *assets_dir, const struct dest *d, const struct asset *a,
                       struct ags_error *err)
{
    _cleanup_free_ char *from = xasprintf("%s/%s", assets_dir, a->from);
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    int r = read_file_bounded(from, ASSET_MAX_BYTES, &data, &len, err);
    if (r < 0)
        return ags_error_prefix(err, "guard asset missing from the ags installation");
    _cleanup_free_ char *rel = *d->top ? xasprintf("%s/%s", d->top, a->to) : xstrdup(a->to);
    char *slash = strrchr(rel, '/');
    const char *name = slash ? slash + 1 : rel;
    if (slash)
        *slash = '\0';
    _cleanup_close_ int dfd = -EBADF;
    r = open_dir_below(d->fd, d->where, slash ? rel : "", 0755, true, &dfd, err);
    if (r == 0) {
        _cleanup_free_ char *where = slash ? xasprintf("%s/%s", d->where, rel) : NULL;
        r = write_file_atomic_at(dfd, where ? where : d->where, name, data, len, a->mode, err);
    }
    if (r < 0)
        return ags_error_prefix(err, "cannot install guard asset %s", a->from);
    return 0;
}

static int write_assets(const char *assets_dir, const struct dest *d, const struct asset *list,
                        size_t n, struct ags_error *err)
{
    for (size_t i = 0; i < n; i++) {
        int r = write_asset(assets_dir, d, &list[i], err);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Opens dir (created if missing): the mount source, or the directory holding
 * it.  What it creates is private (0700): ags's cache directory, which the
 * agent lock refuses when others can enter it, or an agent home that will
 * hold the agent's credentials. */
static int open_dest(const char *dir, struct ags_error *err)
{
    int r = mkdir_parents(dir, 0700, err);
    if (r < 0)
        return r;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd >= 0 ? fd : ags_error_set(err, -errno, "cannot open directory '%s': %m", dir);
}

/* Pi refuses to start without agent/settings.json; the user's own one is kept. */
static int ensure_pi_settings(const struct dest *d, struct ags_error *err)
{
    _cleanup_close_ int agent = -EBADF;
    int r = open_dir_below(d->fd, d->where, "agent", 0755, true, &agent, err);
    if (r < 0)
        return r;
    struct stat st;
    if (fstatat(agent, "settings.json", &st, AT_SYMLINK_NOFOLLOW) == 0)
        return 0;
    _cleanup_free_ char *where = xasprintf("%s/agent", d->where);
    if (errno != ENOENT)
        return ags_error_set(err, -errno, "cannot inspect '%s/settings.json': %m", where);
    return write_file_atomic_at(agent, where, "settings.json", pi_settings_template,
                                strlen(pi_settings_template), 0600, err);
}

static int install_pi(const struct ags_plan *p, const char *assets_dir, char **ret_note,
                      struct ags_error *err)
{
    const char *pi_home = mount_source(p, PLAN_PI_HOME);
    if (!pi_home && (p->agent != PLAN_AGENT_PI || p->yolo))
        return 0; /* nobody loads the extension */
    if (!pi_home) {
        *ret_note = xstrdup("no mount for " PLAN_PI_HOME " is configured, so the Pi guard "
                            "extension cannot be installed (add an [[agent_mount]] with "
                            "container = \"" PLAN_PI_HOME "\")");
        return 1;
    }
    _cleanup_close_ int fd = open_dest(pi_home, err);
    if (fd < 0)
        return fd;
    struct dest d = {.fd = fd, .where = pi_home, .top = ""};
    int r = write_assets(assets_dir, &d, pi_assets, ARRAY_SIZE(pi_assets), err);
    if (r < 0)
        return r;
    return ensure_pi_settings(&d, err);
}

/* The hooks directory is ags's own (<cache_dir>/ags-hooks, or in the staging
 * dir): not even its last component may be a symlink. */
static int install_claude(const struct ags_plan *p, const char *assets_dir, struct ags_error *err)
{
    const char *hooks = mount_source(p, p->lockdown ? PLAN_LOCKDOWN_HOOKS : PLAN_HOOKS_DIR);
    if (!hooks) /* --yolo: no hooks mount, no guard */
        return 0;
    _cleanup_free_ char *parent = xstrdup(hooks);
    char *slash = strrchr(parent, '/');
    if (!slash || slash == parent || !slash[1])
        return ags_error_set(err, -EINVAL, "unexpected claude hooks directory '%s'", hooks);
    *slash = '\0';
    _cleanup_close_ int fd = open_dest(parent, err);
    if (fd < 0)
        return fd;
    struct dest d = {.fd = fd, .where = parent, .top = slash + 1};
    return write_assets(assets_dir, &d, claude_assets, ARRAY_SIZE(claude_assets), err);
}

int assets_install(const struct ags_plan *p, const char *assets_dir, char **ret_note,
                   struct ags_error *err)
{
    *ret_note = NULL;
    switch (p->agent) {
    case PLAN_AGENT_PI:
        return install_pi(p, assets_dir, ret_note, err);
    case PLAN_AGENT_CLAUDE:
        return install_claude(p, assets_dir, err);
    default:
        return 0;
    }
}

static void add_missing(struct strv_builder *b, const char *assets_dir, const struct asset *v,
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *path = xasprintf("%s/%s", assets_dir, v[i].from);
        if (access(path, R_OK) != 0)
            strv_builder_push(b, xstrdup(v[i].from));
    }
}

char **assets_missing(const char *assets_dir)
{
    struct strv_builder b = {0};
    add_missing(&b, assets_dir, pi_assets, ARRAY_SIZE(pi_assets));
    add_missing(&b, assets_dir, claude_assets, ARRAY_SIZE(claude_assets));
    char **v = strv_builder_steal(&b);
    return v ? v : xcalloc(1, sizeof(*v));
}
