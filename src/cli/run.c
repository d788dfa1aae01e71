/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Run mode up to the launch plan: parse the flags, load the config, gather the
 * host facts the pure plan builder needs, build the plan.  Running it (the
 * Podman backend) is the next step of issue 5.
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/procid.h"
#include "cli/cli.h"
#include "cli/config-load.h"
#include "cli/run-exec.h"
#include "cli/run-flags.h"
#include "run/gitdirs.h"
#include "run/stage.h"
#include "base/banned.h"

/* Helper directories where Podman looks for slirp4netns besides $PATH. */
static const char *const podman_helper_dirs[] = {
    "/usr/local/libexec/podman", "/usr/local/lib/podman", "/usr/libexec/podman",
    "/usr/lib/podman",
};

/* ags's own directories besides the config dir: never a workspace. */
enum { OWN_CONFIG, OWN_STATE, OWN_CACHE, OWN_RUNTIME, OWN_TMP, OWN_COUNT };

/* Identity chains (plan_place_id): cwd, $HOME, the passwd home, ags's dirs. */
enum { ID_HOME, ID_PW_HOME, ID_OWN, ID_COUNT = ID_OWN + OWN_COUNT };

struct id_chain {
    struct plan_dir_id *v;
    size_t n;
};

struct host_facts {
    struct gitdirs git;
    char *pw_home;
    char *whats[ID_COUNT];
    struct id_chain cwd_ids, ids[ID_COUNT];
    struct plan_place_id places[ID_COUNT];
    size_t n_places;
    char *staging, *session_id, *home, *owner;
    char **add_dirs;
    size_t n_add_dirs;
    char *own_paths[OWN_COUNT];
    struct plan_own_dir own[OWN_COUNT];
    size_t n_own;
};

static void host_facts_done(struct host_facts *hf)
{
    gitdirs_done(&hf->git);
    free(hf->pw_home);
    free(hf->cwd_ids.v);
    for (size_t i = 0; i < ID_COUNT; i++) {
        free(hf->ids[i].v);
        free(hf->whats[i]);
    }
    free(hf->home);
    for (size_t i = 0; i < OWN_COUNT; i++)
        free(hf->own_paths[i]);
    free(hf->staging);
    free(hf->session_id);
    free(hf->owner);
    for (size_t i = 0; i < hf->n_add_dirs; i++)
        free(hf->add_dirs[i]);
    free(hf->add_dirs);
}

static bool path_exists(const char *path, bool *is_dir)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return false;
    *is_dir = S_ISDIR(st.st_mode);
    return true;
}

static bool in_dir_executable(const char *dir, size_t n, const char *name)
{
    _cleanup_free_ char *p = xasprintf("%.*s/%s", (int)n, dir, name);
    return access(p, X_OK) == 0;
}

bool cli_have_slirp4netns(void)
{
    const char *path = getenv("PATH");
    for (const char *p = path; p && *p;) {
        size_t n = strcspn(p, ":");
        if (n && in_dir_executable(p, n, "slirp4netns"))
            return true;
        p += n + (p[n] == ':');
    }
    for (size_t i = 0; i < ARRAY_SIZE(podman_helper_dirs); i++)
        if (in_dir_executable(podman_helper_dirs[i], strlen(podman_helper_dirs[i]), "slirp4netns"))
            return true;
    return false;
}

static void random_bytes(void *buf, size_t n)
{
    if (getrandom(buf, n, GRND_NONBLOCK) == (ssize_t)n)
        return;
    /* Only names and session ids depend on it: uniqueness, not secrecy. */
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    unsigned long long seed = (unsigned long long)ts.tv_nsec ^ ((unsigned long long)getpid() << 20);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        ((unsigned char *)buf)[i] = (unsigned char)(seed >> 56);
    }
}

/* --add-dir paths, canonical when they exist, else made absolute so that the
 * plan builder can name them in its error. */
static void canonical_add_dirs(const struct run_flags *f, const char *cwd, struct host_facts *hf)
{
    hf->add_dirs = xcalloc(f->n_add_dirs + 1, sizeof(*hf->add_dirs));
    for (size_t i = 0; i < f->n_add_dirs; i++) {
        const char *raw = f->add_dirs[i];
        char *c = realpath(raw, NULL);
        hf->add_dirs[hf->n_add_dirs++] = c ? c : raw[0] == '/' ? xstrdup(raw)
                                                               : xasprintf("%s/%s", cwd, raw);
    }
}

/* Canonical when it exists (the workspace is canonical too); a missing path
 * gets its nearest existing ancestor resolved (a symlink there must not hide
 * where a mount with create = true would land); else as given. */
static char *canonical_or_same(const char *path)
{
    char *c = realpath(path, NULL);
    if (c || errno != ENOENT || path[0] != '/')
        return c ? c : xstrdup(path);
    const char *slash = strrchr(path, '/');
    if (slash == path || strcmp(slash, "/..") == 0 || strcmp(slash, "/.") == 0)
        return xstrdup(path);
    _cleanup_free_ char *parent = xstrndup(path, (size_t)(slash - path));
    _cleanup_free_ char *canon = canonical_or_same(parent);
    return xasprintf("%s%s", strcmp(canon, "/") ? canon : "", slash);
}

static char *xdg_ags_dir(const char *xdg, const char *home, const char *fallback)
{
    if (xdg && xdg[0] == '/')
        return xasprintf("%s/ags", xdg);
    return home ? xasprintf("%s/%s/ags", home, fallback) : NULL;
}

static void add_own(struct host_facts *hf, size_t which, const char *what, char *path,
                    bool inside_ok)
{
    if (!path || path[0] != '/') {
        free(path);
        return;
    }
    hf->own_paths[which] = canonical_or_same(path);
    free(path);
    hf->own[hf->n_own++] = (struct plan_own_dir){what, hf->own_paths[which], inside_ok};
}

/* $HOME and ags's own directories: places the plan never mounts. */
static void gather_places(const struct cli_host *ch, const struct ags_config *cfg,
                          struct host_facts *hf)
{
    const char *home = ch->host.home;
    hf->home = home && home[0] == '/' ? canonical_or_same(home) : NULL;
    add_own(hf, OWN_CONFIG, "config", xdg_ags_dir(ch->host.xdg_config, home, ".config"), false);
    add_own(hf, OWN_STATE, "state", xdg_ags_dir(getenv("XDG_STATE_HOME"), home, ".local/state"),
            false);
    add_own(hf, OWN_CACHE, "cache",
            cfg->sandbox.cache_dir.v ? xstrdup(cfg->sandbox.cache_dir.v) : NULL, false);
    add_own(hf, OWN_RUNTIME, "runtime",
            ch->host.xdg_runtime ? xasprintf("%s/ags", ch->host.xdg_runtime) : NULL, false);
    /* Lockdown staging lives directly in it: a workspace may be below it. */
    add_own(hf, OWN_TMP, "temporary (lockdown staging)", xstrdup(cli_tmp_dir()), true);
}

/* path and its ancestors up to / by (st_dev, st_ino); stops at the first
 * that cannot be seen (a place that does not exist has no alias). */
static struct id_chain id_chain_of(const char *path)
{
    struct id_chain c = {0};
    size_t cap = 0;
    _cleanup_free_ char *p = xstrdup(path);
    for (;;) {
        struct stat st;
        if (stat(p, &st) < 0)
            break;
        c.v = xgrow(c.v, &cap, c.n + 1, sizeof(*c.v));
        c.v[c.n++] = (struct plan_dir_id){(uint64_t)st.st_dev, (uint64_t)st.st_ino};
        char *slash = strrchr(p, '/');
        if (!slash || strcmp(p, "/") == 0)
            break;
        slash[slash == p ? 1 : 0] = '\0';
    }
    return c;
}

static void add_place(struct host_facts *hf, size_t which, char *what, const char *path,
                      bool inside_ok)
{
    hf->whats[which] = what;
    if (!path || path[0] != '/')
        return;
    hf->ids[which] = id_chain_of(path);
    hf->places[hf->n_places++] = (struct plan_place_id){what, path, inside_ok, hf->ids[which].v,
                                                        hf->ids[which].n};
}

/* The places never mounted by identity, so that a bind mount of one at
 * another path is refused too (plan_check_workspace). */
static void gather_identities(const char *cwd, struct host_facts *hf)
{
    hf->cwd_ids = id_chain_of(cwd);
    add_place(hf, ID_HOME, xstrdup("your home directory"), hf->home, true);
    struct passwd *pw = getpwuid(getuid());
    if (pw && pw->pw_dir && pw->pw_dir[0] == '/')
        hf->pw_home = canonical_or_same(pw->pw_dir);
    add_place(hf, ID_PW_HOME, xstrdup("your home directory"), hf->pw_home, true);
    for (size_t i = 0; i < hf->n_own; i++)
        add_place(hf, ID_OWN + i, xasprintf("ags's %s directory", hf->own[i].what),
                  hf->own[i].path, hf->own[i].inside_ok);
}

static void gather(const struct run_flags *f, const char *cwd, struct host_facts *hf,
                   struct plan_host *h)
{
    struct ags_error err = {0};
    if (gitdirs_find(cwd, getuid(), &hf->git, &err) < 0)
        hf->git.rejected = xstrdup(err.msg);
    canonical_add_dirs(f, cwd, hf);
    gather_identities(cwd, hf);
    unsigned char id[8];
    random_bytes(id, sizeof(id));
    hf->session_id = xasprintf("%02x%02x%02x%02x%02x%02x%02x%02x", id[0], id[1], id[2], id[3],
                               id[4], id[5], id[6], id[7]);
    struct procid self;
    if (procid_self(&self, NULL) == 0) {
        hf->owner = xmalloc(PROCID_MAX_TEXT);
        procid_format(&self, hf->owner, PROCID_MAX_TEXT);
    }
    uint16_t rand16 = 0;
    random_bytes(&rand16, sizeof(rand16));
    /* The runner creates it with mkdtemp; the plan shows the pattern.  An
     * owner file inside lets the next run sweep it if this one is killed. */
    hf->staging = xasprintf("%s/" STAGE_PREFIX "%ld-%s-XXXXXX", cli_tmp_dir(), (long)getpid(),
                            plan_agent_name(f->agent));
    *h = (struct plan_host){
        .cwd = cwd,
        .uid = (uint32_t)getuid(),
        .gid = (uint32_t)getgid(),
        .pid = (uint32_t)getpid(),
        .session_id = hf->session_id,
        .owner = hf->owner,
        .name_rand = rand16,
        .git_dir = hf->git.git_dir,
        .git_common_dir = hf->git.common_dir,
        .dotgit = hf->git.dotgit,
        .dotgit_kind = hf->git.dotgit_kind,
        .dotgit_config = hf->git.dotgit_config,
        .dotgit_hooks = hf->git.dotgit_hooks,
        .dotgit_modules = hf->git.dotgit_modules,
        .dotgit_worktrees = hf->git.dotgit_worktrees,
        .dotgit_config_worktree = hf->git.dotgit_config_worktree,
        .git_note = hf->git.rejected,
        .home = hf->home,
        .own_dirs = hf->own,
        .n_own_dirs = hf->n_own,
        .cwd_chain = hf->cwd_ids.v,
        .n_cwd_chain = hf->cwd_ids.n,
        .places = hf->places,
        .n_places = hf->n_places,
        .lockdown_staging_dir = hf->staging,
        .path_exists = path_exists,
        .canonical = canonical_or_same,
    };
}

int cli_build_plan(const struct run_flags *f, bool for_run, struct ags_config **ret_cfg,
                   struct ags_plan **ret_plan, char **ret_staging)
{
    struct cli_host ch;
    cli_host_init(&ch);
    _cleanup_config_ struct ags_config *cfg = NULL;
    /* Lockdown never reads the repo overlay (not even to offer trust). */
    int rc = cli_load_config(&ch, f->config_path, !f->lockdown, &cfg);
    _cleanup_free_ char *ignored = f->lockdown ? config_overlay_path(&ch.host) : NULL;
    if (rc != 0) {
        cli_host_done(&ch);
        return rc;
    }
    struct host_facts hf = {0};
    struct plan_input in = {
        .cfg = cfg,
        .agent = f->agent,
        .flags = {
            .tmux = f->tmux, .stop_when_done = f->stop_when_done, .yolo = f->yolo,
            .root = f->root, .lockdown = f->lockdown, .defaults = f->defaults,
            .passthrough = f->passthrough, .n_passthrough = f->n_passthrough,
        },
    };
    gather_places(&ch, cfg, &hf);
    gather(f, ch.cwd, &hf, &in.host);
    in.host.ignored_overlay = ignored;
    /* A real run stages lockdown into a private directory made now; `ags plan`
     * shows the template. */
    struct ags_error err = {0};
    if (for_run && f->lockdown && stage_make_dir(hf.staging, &err) < 0) {
        cli_error("%s", err.msg);
        host_facts_done(&hf);
        cli_host_done(&ch);
        return AGS_EXIT_LAUNCH;
    }
    in.flags.add_dirs = (const char *const *)hf.add_dirs;
    in.flags.n_add_dirs = hf.n_add_dirs;
    int r = plan_build(&in, ret_plan, &err);
    if (for_run && f->lockdown)
        *ret_staging = TAKE_PTR(hf.staging);
    host_facts_done(&hf);
    cli_host_done(&ch);
    if (r < 0) {
        cli_error("%s", err.msg);
        return AGS_EXIT_USAGE;
    }
    *ret_cfg = TAKE_PTR(cfg);
    return 0;
}

/* The guarded agents say when a flag weakens their protection. */
static void warn_weakened(const struct ags_plan *p)
{
    if (p->agent != PLAN_AGENT_PI && p->agent != PLAN_AGENT_CLAUDE)
        return;
    if (p->root)
        cli_warning("--root grants root access inside the sandbox for this run");
    if (p->yolo)
        cli_warning("--yolo disables the ags %s guard for this run", plan_agent_name(p->agent));
}

/* Root's Podman is rootful, and rootful Podman refuses the keep-id user
 * namespace every run uses ("keep-id is only supported in rootless mode");
 * say so before the config is read, an image is built or a volume made. */
static int refuse_root(void)
{
    if (geteuid() != 0)
        return 0;
    cli_error("not running an agent as root: ags runs agents in rootless Podman, with your "
              "uid mapped to the sandbox user; run ags as your ordinary user");
    return AGS_EXIT_USAGE;
}

#define PLANTED_SHOWN 20u

static void warn_list(const char *workdir, char **v, size_t n, const char *lead,
                      const char *advice)
{
    for (size_t i = 0; i < n && i < PLANTED_SHOWN; i++)
        cli_warning("%s %s/%s: %s", lead, workdir, v[i], advice);
    if (n > PLANTED_SHOWN)
        cli_warning("... and %zu more such directories", n - PLANTED_SHOWN);
}

/* Lockdown protects the workdir's own .git; a nested .git or bare-shaped
 * directory the agent made or changed would have the host's git run its
 * config and hooks there; what the walk cannot see is named too. */
static void warn_planted_git(const struct ags_plan *p, time_t since, bool top_protected)
{
    struct gitdirs_planted found;
    struct ags_error err = {0};
    if (gitdirs_planted(p->work_dir.v, since, top_protected, &found, &err) < 0) {
        cli_warning("cannot look for .git entries the agent made: %s", err.msg);
        return;
    }
    warn_list(p->work_dir.v, found.dotgits, found.n_dotgits, "the agent created or changed",
              "git on your host runs its config and hooks in that directory; inspect or remove "
              "it before you run git there");
    warn_list(p->work_dir.v, found.bare, found.n_bare,
              "the agent made a bare git repository (HEAD, objects/, refs/) of",
              "git on your host runs its config there; remove it, and set `git config --global "
              "safe.bareRepository explicit` (safe.bareRepository=explicit)");
    warn_list(p->work_dir.v, found.unreadable, found.n_unreadable,
              "cannot look for .git entries the agent made in the unreadable directory",
              "inspect it before you run git there");
    warn_list(p->work_dir.v, found.too_deep, found.n_too_deep,
              "did not look for .git entries the agent made below the too deep directory",
              "inspect it before you run git there");
    if (found.truncated)
        cli_warning("stopped looking for .git entries the agent made after %u entries of %s",
                    GITDIRS_SCAN_MAX_ENTRIES, p->work_dir.v);
    gitdirs_planted_done(&found);
}

/* What lockdown's mounts cannot keep in the workdir's .git (gitdirs.h). */
static void warn_guard(const struct gitdirs_guard *g, time_t since)
{
    struct gitdirs_event *ev = NULL;
    size_t n = 0;
    gitdirs_guard_check(g, since, &ev, &n);
    for (size_t i = 0; i < n; i++) {
        const struct gitdirs_event *e = &ev[i];
        switch (e->kind) {
        case GITDIRS_QUARANTINED:
            cli_warning("the agent created %s, which makes git on your host use what it "
                        "names; moved it aside to %s (inspect it, then delete it)",
                        e->path, e->moved);
            break;
        case GITDIRS_CHANGED:
            cli_warning("the agent changed %s (git on your host reads objects from where it "
                        "names); inspect it before you run git there",
                        e->path);
            break;
        case GITDIRS_RESTORED:
            cli_warning("the agent made %s invalid, so that git on your host would look for "
                        "another repository; put it back as it was at launch",
                        e->path);
            break;
        case GITDIRS_BROKEN:
            cli_warning("%s is no longer a git repository: git on your host would look for "
                        "another one further up; do not run git there before you inspect it",
                        e->path);
            break;
        case GITDIRS_BARE:
            cli_warning("%s looks like a bare git repository (HEAD, objects/, refs/): git on "
                        "your host would run its config there; remove them, and set `git config "
                        "--global safe.bareRepository explicit` (safe.bareRepository=explicit)",
                        e->path);
            break;
        case GITDIRS_FAILED:
            cli_warning("the agent tampered with %s and ags could not undo it (%s): do not run "
                        "git there before you inspect it",
                        e->path, e->moved);
            break;
        }
    }
    gitdirs_events_free(ev, n);
}

int cli_run_mode(int argc, char **argv)
{
    struct run_flags f;
    int rc = run_flags_parse(argc, argv, 1, false, &f);
    if (rc == 0 && f.help) {
        cli_print_help();
    } else if (rc == 0 && (rc = refuse_root()) == 0) {
        _cleanup_config_ struct ags_config *cfg = NULL;
        _cleanup_plan_ struct ags_plan *plan = NULL;
        _cleanup_free_ char *staging = NULL;
        rc = cli_build_plan(&f, true, &cfg, &plan, &staging);
        if (rc == 0) {
            warn_weakened(plan);
            /* file times are coarse: a second earlier misses nothing */
            time_t since = time(NULL) - 1;
            struct gitdirs_guard guard = {0};
            if (plan->lockdown)
                gitdirs_guard_begin(plan->work_dir.v, &guard);
            rc = cli_run_plan(cfg, plan, staging);
            if (plan->lockdown) {
                warn_guard(&guard, since);
                warn_planted_git(plan, since, guard.top_protected);
            }
            gitdirs_guard_done(&guard);
        }
        struct ags_error err = {0};
        if (staging && stage_remove_tree(staging, &err) < 0)
            cli_warning("%s", err.msg);
    }
    run_flags_done(&f);
    return rc;
}
