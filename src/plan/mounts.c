/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ordered mount list (ags-behaviour.md section 2.7 without the sidecars,
 * docs/run-mode.md): workdir, gitconfig, volumes, external git dirs, config
 * mounts, lockdown staging, --add-dir, ssh agent, auth proxy, public keys.
 */
#include "plan/plan.h"

#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "plan/internal.h"
#include "base/banned.h"

/* Persistent named volumes that replace the original's cache_dir (decision 2).
 * Every one belongs to one agent: what an agent writes there (a program on
 * its PATH, a poisoned go-build or sccache entry) only that agent meets again.
 * The ags-shared-* volumes of earlier versions are no longer mounted. */
struct volume_def {
    const char *what;
    const char *destination;
    bool runtime; /* lockdown: read-only; else a build cache, not mounted in lockdown */
    bool claude_only;
};

static const struct volume_def volumes[] = {
    {"pnpm-home", "/usr/local/pnpm", true, false},
    {"install", "/opt/claude-home", true, true},
    {"cargo", PLAN_HOME "/.cargo", false, false},
    {"go", PLAN_HOME "/go", false, false},
    {"go-build", PLAN_HOME "/.cache/go-build", false, false},
    {"sccache", PLAN_HOME "/.cache/sccache", false, false},
    {"npm-global", PLAN_HOME "/.npm-global", true, false},
};

int plan_agent_volume_of(enum plan_agent a, const char *path, char **ret_volume,
                         const char **ret_rel)
{
    for (size_t i = 0; i < ARRAY_SIZE(volumes); i++) {
        const struct volume_def *v = &volumes[i];
        size_t n = strlen(v->destination);
        if ((v->claude_only && a != PLAN_AGENT_CLAUDE) || strncmp(path, v->destination, n) != 0 ||
            (path[n] != '/' && path[n] != '\0'))
            continue;
        *ret_volume = xasprintf("ags-%s-%s", plan_agent_name(a), v->what);
        *ret_rel = path + n + (path[n] == '/');
        return 0;
    }
    return -ENOENT;
}

static void add_volume(struct plan_builder *b, const struct volume_def *v)
{
    bool lockdown = b->in->flags.lockdown;
    const char *owner = plan_agent_name(b->in->agent);
    _cleanup_free_ char *name = xasprintf("ags-%s-%s", owner, v->what);
    struct plan_mount *m = plan_add_mount(b, PLAN_MOUNT_VOLUME, name, v->destination,
                                          lockdown && v->runtime,
                                          xstrdup(v->runtime ? "agent volume" : "agent cache"));
    m->create = PLAN_CREATE_DIR;
    m->labels = xcalloc(4, sizeof(*m->labels));
    m->labels[0] = xstrdup(PLAN_LABEL_MANAGED "=true");
    m->labels[1] = xasprintf(PLAN_LABEL_AGENT "=%s", owner);
    m->labels[2] = xasprintf(PLAN_LABEL_VOLUME "=%s", v->what);
}

static void add_volumes(struct plan_builder *b)
{
    const struct plan_input *in = b->in;
    for (size_t i = 0; i < ARRAY_SIZE(volumes); i++) {
        const struct volume_def *v = &volumes[i];
        if (v->claude_only && in->agent != PLAN_AGENT_CLAUDE)
            continue;
        if (in->flags.lockdown && !v->runtime)
            continue;
        /* The claude guard hooks sit between the caches and npm-global, as in
         * the original order; the runner writes fresh hook files into the dir. */
        if (strcmp(v->what, "npm-global") == 0 && in->agent == PLAN_AGENT_CLAUDE &&
            !in->flags.lockdown && !in->flags.yolo && !in->flags.maintenance) {
            _cleanup_free_ char *dir = xasprintf("%s/ags-hooks", in->cfg->sandbox.cache_dir.v);
            plan_add_ro_dir(b, dir, PLAN_HOOKS_DIR, "claude guard hooks");
        }
        add_volume(b, v);
    }
}

static void add_gitconfig(struct plan_builder *b)
{
    const struct cfg_str *g = &b->in->cfg->sandbox.gitconfig_path;
    bool is_dir = false;
    if (!g->v || !b->in->host.path_exists(g->v, &is_dir) || is_dir) {
        plan_note(b, "gitconfig %s does not exist; not mounted (write one there to give the agent "
                     "a git name and email)",
                  g->v ? g->v : "(unset)");
        return;
    }
    _cleanup_free_ char *at = plan_cfg_origin(&g->at);
    plan_add_ro_file(b, g->v, PLAN_GITCONFIG, xasprintf("gitconfig (%s)", at));
}

/* Each agent's home in the sandbox: what lockdown stages for it, and what no
 * other agent gets mounted.  The shell has none. */
static const char *const agent_homes[PLAN_AGENT_COUNT][3] = {
    [PLAN_AGENT_PI] = {PLAN_PI_HOME},
    [PLAN_AGENT_CLAUDE] = {PLAN_HOME "/.claude.json", PLAN_HOME "/.claude"},
    [PLAN_AGENT_CODEX] = {PLAN_HOME "/.codex"},
    [PLAN_AGENT_GEMINI] = {PLAN_HOME "/.gemini"},
    [PLAN_AGENT_OPENCODE] = {PLAN_HOME "/.config/opencode"},
};

/* The other agent whose home holds dest, or PLAN_AGENT_COUNT.  A home holds
 * what its agent executes on start (pi extensions, claude hooks in
 * settings.json, codex config): mounted for another agent, that agent could
 * plant code for the owner's next run (and read its credentials). */
static enum plan_agent home_owner(const char *dest);

static enum plan_agent foreign_home_owner(const struct plan_input *in, const char *dest)
{
    enum plan_agent a = home_owner(dest);
    return a == in->agent ? PLAN_AGENT_COUNT : a;
}

/* The agent whose home in the sandbox holds dest, or PLAN_AGENT_COUNT. */
static enum plan_agent home_owner(const char *dest)
{
    for (int a = 0; a < PLAN_AGENT_COUNT; a++)
        for (size_t i = 0; i < 3 && agent_homes[a][i]; i++)
            if (path_under(dest, agent_homes[a][i]))
                return (enum plan_agent)a;
    return PLAN_AGENT_COUNT;
}

static char *canonical(const struct plan_host *h, const char *path)
{
    return h->canonical ? h->canonical(path) : xstrdup(path);
}

/* Why src (canonical) may not be mounted because of another agent's home on
 * the host: the host side of a mount whose sandbox side is that home. */
static char *foreign_home_refusal(const struct plan_builder *b, const char *src)
{
    const struct ags_config *cfg = b->in->cfg;
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        const struct cfg_mount *o = &cfg->mounts[i];
        enum plan_agent a = home_owner(o->container.v);
        if (a == PLAN_AGENT_COUNT || a == b->in->agent)
            continue;
        _cleanup_free_ char *home = canonical(&b->in->host, o->host.v);
        const char *how = path_under(home, src)   ? strcmp(home, src) ? "contains" : "is"
                          : path_under(src, home) ? "is inside"
                                                       : NULL;
        if (!how)
            continue;
        _cleanup_free_ char *at = plan_cfg_origin(&o->at);
        return xasprintf("it %s %s's home %s (%s)", how, plan_agent_name(a), home, at);
    }
    return NULL;
}

/* The sandbox side of a mount is not enough.  On the host, a mount must
 * not reach another agent's home (its credentials and what it runs on
 * start), and a read-write one must not be or contain $HOME, its ancestors or
 * ags's own directories (the agent would rewrite the user's config and trust
 * store for its next run); the rules of the workspace (plan_refusal). */
static int check_host_side(struct plan_builder *b, const struct cfg_mount *cm, const char *label)
{
    _cleanup_free_ char *src = canonical(&b->in->host, cm->host.v);
    const char *file = cm->at.file ? cm->at.file : "default";
    _cleanup_free_ char *why = cm->mode.v == CFG_MODE_RW ? plan_refusal(&b->in->host, src) : NULL;
    if (why)
        return ags_error_set(b->err, -EINVAL,
                             "%s:%u: refusing to mount %s read-write (%s): %s; mount it "
                             "read-only or name a directory inside it",
                             file, cm->at.line, cm->host.v, label, why);
    _cleanup_free_ char *sockets = plan_socket_refusal(&b->in->host, src);
    if (sockets)
        return ags_error_set(b->err, -EINVAL,
                             "%s:%u: refusing to mount %s (%s): %s, whose sockets answer through "
                             "a read-only mount too; name a directory outside it",
                             file, cm->at.line, cm->host.v, label, sockets);
    _cleanup_free_ char *home = foreign_home_refusal(b, src);
    if (home)
        return ags_error_set(b->err, -EINVAL,
                             "%s:%u: refusing to mount %s (%s): %s; an agent never gets another "
                             "agent's home",
                             file, cm->at.line, cm->host.v, label, home);
    return 0;
}

static int add_config_mount(struct plan_builder *b, const struct cfg_mount *cm)
{
    _cleanup_free_ char *at = plan_cfg_origin(&cm->at);
    const char *label = cm->source.v ? cm->source.v : "config";
    if (cm->when.v == CFG_WHEN_BROWSER) {
        plan_note(b, "%s: mount of %s skipped (when = \"browser\"; browser mode is not supported)",
                  at, cm->host.v);
        return 0;
    }
    enum plan_agent owner = foreign_home_owner(b->in, cm->container.v);
    if (owner != PLAN_AGENT_COUNT) {
        plan_note(b, "%s: %s (%s's home) not mounted for %s: an agent never gets another "
                     "agent's home",
                  at, cm->container.v, plan_agent_name(owner), plan_agent_name(b->in->agent));
        return 0;
    }
    int r = check_host_side(b, cm, label);
    if (r < 0)
        return r;
    bool is_dir = false;
    enum plan_create create = PLAN_CREATE_NONE;
    if (!b->in->host.path_exists(cm->host.v, &is_dir)) {
        if (cm->create.v) {
            create = cm->kind.v == CFG_KIND_FILE ? PLAN_CREATE_FILE : PLAN_CREATE_DIR;
        } else if (cm->optional.v) {
            plan_note(b, "%s: optional mount source missing: %s, skipped", at, cm->host.v);
            return 0;
        } else {
            return ags_error_set(b->err, -EINVAL, "%s:%u: required mount source missing: %s (%s)",
                                 cm->at.file ? cm->at.file : "default", cm->at.line, cm->host.v,
                                 label);
        }
    }
    char *origin = strcmp(label, "config") == 0 ? xstrdup(at) : xasprintf("%s %s", at, label);
    struct plan_mount *m = plan_add_mount(b, PLAN_MOUNT_BIND, cm->host.v, cm->container.v,
                                          cm->mode.v == CFG_MODE_RO, origin);
    m->create = create;
    return 0;
}

static const struct cfg_mount *find_config_mount(const struct ags_config *cfg, const char *dest)
{
    for (size_t i = 0; i < cfg->n_mounts; i++)
        if (strcmp(cfg->mounts[i].container.v, dest) == 0)
            return &cfg->mounts[i];
    return NULL;
}

/* Lockdown (section 6): the selected agent's home is a sanitised copy that the
 * runner stages under the private staging dir; the real home is never mounted. */
static int add_lockdown_staging(struct plan_builder *b)
{
    const char *const(*homes)[3] = agent_homes;
    const struct plan_input *in = b->in;
    const char *stage = in->host.lockdown_staging_dir;
    const char *agent = plan_agent_name(in->agent);
    for (size_t i = 0; i < 3 && homes[in->agent][i]; i++) {
        const char *dest = homes[in->agent][i];
        const struct cfg_mount *cm = find_config_mount(in->cfg, dest);
        if (!cm)
            return ags_error_set(b->err, -EINVAL,
                                 "--lockdown requires a configured %s mount for %s "
                                 "(an [[agent_mount]] with container = \"%s\")",
                                 agent, dest, dest);
        bool is_dir = false;
        if (!in->host.path_exists(cm->host.v, &is_dir))
            return ags_error_set(b->err, -EINVAL,
                                 "%s:%u: --lockdown staging source missing: %s (%s home)",
                                 cm->at.file ? cm->at.file : "default", cm->at.line, cm->host.v,
                                 agent);
        _cleanup_free_ char *src = xasprintf("%s%s", stage, dest);
        _cleanup_free_ char *at = plan_cfg_origin(&cm->at);
        struct plan_mount *m = plan_add_mount(b, PLAN_MOUNT_BIND, src, dest, false,
                                              xasprintf("lockdown staging of %s (%s)", cm->host.v,
                                                        at));
        m->stage_from = xstrdup(cm->host.v);
    }
    if (in->agent == PLAN_AGENT_CLAUDE && !in->flags.yolo) {
        _cleanup_free_ char *src = xasprintf("%s%s", stage, PLAN_LOCKDOWN_HOOKS);
        plan_add_mount(b, PLAN_MOUNT_BIND, src, PLAN_LOCKDOWN_HOOKS, true,
                       xstrdup("lockdown staging (fresh claude guard hooks)"));
    }
    return 0;
}

static int add_extra_dir(struct plan_builder *b, const char *dir)
{
    bool is_dir = false;
    if (dir[0] != '/')
        return ags_error_set(b->err, -EINVAL, "--add-dir path '%s' is not absolute", dir);
    _cleanup_free_ char *why = plan_refusal(&b->in->host, dir);
    if (why)
        return ags_error_set(b->err, -EINVAL,
                             "refusing --add-dir %s: %s; add a project directory instead", dir, why);
    if (!b->in->host.path_exists(dir, &is_dir))
        return ags_error_set(b->err, -EINVAL, "required mount source missing: %s (--add-dir)",
                             dir);
    if (!is_dir)
        return ags_error_set(b->err, -EINVAL, "mount source is not a directory: %s (--add-dir)",
                             dir);
    for (size_t i = 0; i < b->p->n_mounts; i++) {
        const struct plan_mount *m = &b->p->mounts[i];
        if (strcmp(m->destination, dir) != 0)
            continue;
        if (m->type == PLAN_MOUNT_BIND && strcmp(m->source, dir) == 0) {
            plan_note(b, "--add-dir %s skipped: already mounted (%s)", dir, m->origin);
            return 0;
        }
        return ags_error_set(b->err, -EINVAL, "--add-dir %s would hide the mount of %s there (%s)",
                             dir, m->source, m->origin);
    }
    plan_add_mount(b, PLAN_MOUNT_BIND, dir, dir, false, xstrdup("flag --add-dir"));
    return 0;
}

/* The spot of the ssh-agent filter's socket (issue 15: the run starts the
 * filter, src/ssh, and passes its socket here).  It is the only way the
 * sandbox reaches a key: the user's own agent socket is never mounted. */
static void add_ssh_agent_socket(struct plan_builder *b)
{
    const struct plan_host *h = &b->in->host;
    if (!h->ssh_auth_sock)
        return;
    if (b->p->remote) {
        plan_note(b, "no ssh agent in the sandbox: ags's filter serves it on this host, and the "
                     "engine runs on another (docs/remote.md)");
        return;
    }
    b->p->ssh_agent_sock = xstrdup(h->ssh_auth_sock); /* the runner serves it */
    plan_add_mount(b, PLAN_MOUNT_BIND, h->ssh_auth_sock, PLAN_SSH_SOCK, false,
                   xstrdup("ssh agent (filtered by ags)"));
}

/* The auth proxy (docs/auth-proxy.md): the socket the runner serves, and the
 * opener that talks to it, read-only, once under its own name and once as
 * xdg-open (it is multi-call by argv[0]).  The helper file is the same in
 * every sandbox and never writable there: nothing an agent does to it
 * outlives the run or reaches the host. */
static void add_auth_proxy(struct plan_builder *b)
{
    const struct plan_host *h = &b->in->host;
    const struct cfg_bool *enabled = &b->in->cfg->auth_proxy.enabled;
    if (!h->auth_proxy_sock)
        return;
    if (!enabled->v) {
        _cleanup_free_ char *at = plan_cfg_origin(&enabled->at);
        plan_note(b, "auth proxy off ([auth_proxy] enabled = false, %s): no BROWSER, no "
                     "xdg-open for the agent", at);
        return;
    }
    if (b->p->remote) {
        plan_note(b, "auth proxy off: it serves the sandbox from this host, and the engine runs "
                     "on another (docs/remote.md); no BROWSER, no xdg-open for the agent");
        return;
    }
    if (!h->helper_path) {
        plan_note(b, "auth proxy off: ags-helper was not found beside ags (<PREFIX>/lib/ags/"
                     "ags-helper, or the build tree's ags-helper) in a directory only root or "
                     "you can write");
        return;
    }
    b->p->auth_proxy_sock = xstrdup(h->auth_proxy_sock); /* the runner serves it */
    plan_add_mount(b, PLAN_MOUNT_BIND, h->auth_proxy_sock, PLAN_AUTH_PROXY_SOCK, false,
                   xstrdup("auth proxy (served by ags)"));
    plan_add_mount(b, PLAN_MOUNT_BIND, h->helper_path, PLAN_HELPER, true,
                   xstrdup("auth proxy opener"));
    plan_add_mount(b, PLAN_MOUNT_BIND, h->helper_path, PLAN_HELPER_XDG_OPEN, true,
                   xstrdup("auth proxy opener (as xdg-open)"));
}

/* One key's public half, read-only.  Only KEY.pub is ever mounted: a key
 * without its .pub is left out (never the private key in its place), and so
 * is a .pub that is the private key under another name (a link to it). */
static void add_public_key(struct plan_builder *b, const struct cfg_str *key, const char *dest)
{
    const struct plan_host *h = &b->in->host;
    if (!key->v || !key->v[0])
        return;
    _cleanup_free_ char *at = plan_cfg_origin(&key->at);
    _cleanup_free_ char *pub = xasprintf("%s.pub", key->v);
    bool is_dir = false;
    if (!h->path_exists(pub, &is_dir) || is_dir) {
        plan_note(b, "%s: %s is missing; %s not mounted (the private key never is; `ags setup` "
                     "says how to make it)", at, pub, dest);
        return;
    }
    _cleanup_free_ char *real_pub = canonical(h, pub);
    _cleanup_free_ char *real_key = canonical(h, key->v);
    if (strcmp(real_pub, real_key) == 0) {
        plan_note(b, "%s: %s is the private key %s itself; not mounted", at, pub, key->v);
        return;
    }
    plan_add_ro_file(b, real_pub, dest, xasprintf("ssh public key (%s)", at));
}

/* Host services that only exist outside lockdown: the ssh-agent filter's
 * socket and the auth proxy when the caller set them up, and the public keys
 * (git needs the signing one to sign, ssh the auth one to pick its key). */
static void add_services(struct plan_builder *b)
{
    const struct ags_config *cfg = b->in->cfg;
    add_ssh_agent_socket(b);
    add_auth_proxy(b);
    add_public_key(b, &cfg->sandbox.auth_key, PLAN_AUTH_PUB);
    add_public_key(b, &cfg->sandbox.sign_key, PLAN_SIGNING_PUB);
}

static void add_tmpfs(struct plan_builder *b, const char *dest, uint64_t size, bool noexec)
{
    struct ags_plan *p = b->p;
    p->tmpfs = xgrow(p->tmpfs, &b->cap_tmpfs, p->n_tmpfs + 1, sizeof(*p->tmpfs));
    p->tmpfs[p->n_tmpfs++] = (struct plan_tmpfs){
        .destination = xstrdup(dest),
        .size = size,
        .noexec = noexec,
        .origin = xstrdup("flag --lockdown"),
    };
}

int plan_build_mounts(struct plan_builder *b)
{
    const struct plan_input *in = b->in;
    bool lockdown = in->flags.lockdown;
    int r;
    if (in->flags.maintenance) {
        add_volumes(b);
        return 0;
    }
    if ((r = plan_check_workspace(b)) < 0)
        return r;
    if ((r = plan_remote_check_git(b)) < 0)
        return r;
    plan_add_workspace(b);
    if (!lockdown)
        add_gitconfig(b);
    add_volumes(b);
    if ((r = plan_add_git_dirs(b)) < 0)
        return r;
    for (size_t i = 0; !lockdown && i < in->cfg->n_mounts; i++)
        if ((r = add_config_mount(b, &in->cfg->mounts[i])) < 0)
            return r;
    if (lockdown && in->cfg->n_mounts > 0)
        plan_note(b, "--lockdown: %zu config mount(s) not mounted", in->cfg->n_mounts);
    if (lockdown && (r = add_lockdown_staging(b)) < 0)
        return r;
    for (size_t i = 0; i < in->flags.n_add_dirs; i++)
        if ((r = add_extra_dir(b, in->flags.add_dirs[i])) < 0)
            return r;
    if (!lockdown)
        add_services(b);
    plan_add_egress_mounts(b);
    if (lockdown) {
        add_tmpfs(b, "/tmp", PLAN_GIB, false);
        add_tmpfs(b, "/var/tmp", 256 * PLAN_MIB, true);
        add_tmpfs(b, "/run", 64 * PLAN_MIB, true);
    }
    return 0;
}
