/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sandbox/assets.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
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

static const char *mount_source(const struct ags_plan *p, const char *destination)
{
    for (size_t i = 0; i < p->n_mounts; i++)
        if (p->mounts[i].type == PLAN_MOUNT_BIND && strcmp(p->mounts[i].destination, destination) == 0)
            return p->mounts[i].source;
    return NULL;
}

static int ensure_parent(const char *path, struct ags_error *err)
{
    _cleanup_free_ char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    return mkdir_parents(dir, 0755, err);
}

static int write_asset(const char *assets_dir, const char *dest_dir, const struct asset *a,
                       struct ags_error *err)
{
    _cleanup_free_ char *from = xasprintf("%s/%s", assets_dir, a->from);
    _cleanup_free_ char *to = xasprintf("%s/%s", dest_dir, a->to);
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    int r = read_file_bounded(from, ASSET_MAX_BYTES, &data, &len, err);
    if (r < 0)
        return ags_error_prefix(err, "guard asset missing from the ags installation");
    r = ensure_parent(to, err);
    if (r == 0)
        r = write_file_atomic(to, data, len, a->mode, err);
    if (r < 0)
        return ags_error_prefix(err, "cannot install guard asset %s", a->from);
    return 0;
}

static int write_assets(const char *assets_dir, const char *dest_dir, const struct asset *list,
                        size_t n, struct ags_error *err)
{
    for (size_t i = 0; i < n; i++) {
        int r = write_asset(assets_dir, dest_dir, &list[i], err);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Pi refuses to start without agent/settings.json; the user's own one is kept. */
static int ensure_pi_settings(const char *pi_home, struct ags_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/agent/settings.json", pi_home);
    struct stat st;
    if (lstat(path, &st) == 0)
        return 0;
    if (errno != ENOENT)
        return ags_error_set(err, -errno, "cannot inspect '%s': %m", path);
    return write_file_atomic(path, pi_settings_template, strlen(pi_settings_template), 0600, err);
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
    int r = write_assets(assets_dir, pi_home, pi_assets, ARRAY_SIZE(pi_assets), err);
    if (r < 0)
        return r;
    return ensure_pi_settings(pi_home, err);
}

int assets_install(const struct ags_plan *p, const char *assets_dir, char **ret_note,
                   struct ags_error *err)
{
    *ret_note = NULL;
    switch (p->agent) {
    case PLAN_AGENT_PI:
    case PLAN_AGENT_SHELL:
        return install_pi(p, assets_dir, ret_note, err);
    case PLAN_AGENT_CLAUDE: {
        const char *hooks = mount_source(p, p->lockdown ? PLAN_LOCKDOWN_HOOKS : PLAN_HOOKS_DIR);
        if (!hooks) /* --yolo: no hooks mount, no guard */
            return 0;
        return write_assets(assets_dir, hooks, claude_assets, ARRAY_SIZE(claude_assets), err);
    }
    default:
        return 0;
    }
}
