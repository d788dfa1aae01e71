/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host facts the pure plan builder needs (git metadata, the places never
 * mounted and their identities, uid, pid, session id, staging template) and
 * the plan built from them.
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
#include "base/procid.h"
#include "base/strutil.h"
#include "backend/backend.h"
#include "run/gitdirs.h"
#include "run/internal.h"
#include "run/run.h"
#include "run/stage.h"
#include "base/banned.h"

const char *run_tmp_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    return tmp && tmp[0] == '/' ? tmp : "/tmp";
}

/* ags's own directories besides the config dir: never a workspace. */
enum { OWN_CONFIG, OWN_STATE, OWN_CACHE, OWN_DATA, OWN_RUNTIME, OWN_PODMAN, OWN_TMP, OWN_COUNT };

/* Identity chains (plan_place_id): cwd, $HOME, the passwd home, ags's dirs. */
enum { ID_HOME, ID_PW_HOME, ID_PODMAN_STORE, ID_OWN, ID_COUNT = ID_OWN + OWN_COUNT };

struct id_chain {
    struct plan_dir_id *v;
    size_t n;
};

struct host_facts {
    struct gitdirs git;
    char *pw_home;
    char *podman_store;
    char *whats[ID_COUNT];
    struct id_chain cwd_ids, ids[ID_COUNT];
    struct plan_place_id places[ID_COUNT];
    size_t n_places;
    char *staging, *session_id, *home, *owner, *ssh_sock, *proxy_sock, *egress_sock, *helper;
    char *git_head;
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
    free(hf->podman_store);
    free(hf->cwd_ids.v);
    for (size_t i = 0; i < ID_COUNT; i++) {
        free(hf->ids[i].v);
        free(hf->whats[i]);
    }
    free(hf->home);
    for (size_t i = 0; i < OWN_COUNT; i++)
        free(hf->own_paths[i]);
    free(hf->staging);
    free(hf->ssh_sock);
    free(hf->proxy_sock);
    free(hf->egress_sock);
    free(hf->helper);
    free(hf->git_head);
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
static void canonical_add_dirs(const struct plan_flags *f, const char *cwd,
                               struct host_facts *hf)
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

char *run_xdg_ags_dir(const char *xdg, const char *home, const char *fallback)
{
    if (xdg && xdg[0] == '/')
        return xasprintf("%s/ags", xdg);
    return home ? xasprintf("%s/%s/ags", home, fallback) : NULL;
}

/* sockets: it holds ags's sockets, never mounted, not even read-only
 * (connect(2) works through a read-only mount). */
static void add_own(struct host_facts *hf, size_t which, const char *what, char *path,
                    bool inside_ok, bool sockets)
{
    if (!path || path[0] != '/') {
        free(path);
        return;
    }
    hf->own_paths[which] = canonical_or_same(path);
    free(path);
    hf->own[hf->n_own++] = (struct plan_own_dir){what, hf->own_paths[which], inside_ok, sockets};
}

/* $XDG_RUNTIME_DIR/ags; without XDG_RUNTIME_DIR, where an ssh tunnel keeps
 * its sockets instead (Podman's runtime directory rule): a sandbox of the
 * user's uid that saw them would drive the remote engine. */
static char *runtime_ags_dir(const struct cfg_host *host)
{
    if (host->xdg_runtime)
        return xasprintf("%s/ags", host->xdg_runtime);
    const struct backend_open_opts o = {.getenv = host->getenv ? host->getenv : env_process};
    return backend_podman_tunnel_dir(&o);
}

/* The local Podman service's socket directory beside it (<runtime>/podman):
 * the API socket there is the whole engine — a sandbox that could connect
 * to it, even through a read-only mount, could start a container of its own
 * with any mount. */
static char *runtime_podman_dir(const struct cfg_host *host)
{
    _cleanup_free_ char *ags = runtime_ags_dir(host);
    char *slash = ags ? strrchr(ags, '/') : NULL;
    if (!slash || slash == ags)
        return NULL;
    *slash = '\0';
    return xasprintf("%s/podman", ags);
}

/* $HOME and ags's own directories: places the plan never mounts. */
static void gather_places(const struct cfg_host *host, const struct ags_config *cfg,
                          struct host_facts *hf)
{
    const char *home = host->home;
    hf->home = home && home[0] == '/' ? canonical_or_same(home) : NULL;
    add_own(hf, OWN_CONFIG, "config", run_xdg_ags_dir(host->xdg_config, home, ".config"),
            false, false);
    add_own(hf, OWN_STATE, "state",
            run_xdg_ags_dir(getenv("XDG_STATE_HOME"), home, ".local/state"), false, false);
    /* Without a private XDG_RUNTIME_DIR the sessions' sockets (the agent
     * filter's, the proxies') live in the cache directory. */
    const char *cache = cfg->sandbox.cache_dir.v;
    bool cache_sockets =
            cache && run_private_dir_pick(host->getenv ? host->getenv : env_process, cache) == cache;
    add_own(hf, OWN_CACHE, "cache", cache ? xstrdup(cache) : NULL, false, cache_sockets);
    /* The bubblewrap backend's images, volumes and runs (docs/bwrap.md): a
     * sandbox that could write them would poison every later run. */
    add_own(hf, OWN_DATA, "data", run_xdg_ags_dir(getenv("XDG_DATA_HOME"), home, ".local/share"),
            false, false);
    add_own(hf, OWN_RUNTIME, "runtime", runtime_ags_dir(host), false, true);
    add_own(hf, OWN_PODMAN, "Podman's socket", runtime_podman_dir(host), false, true);
    /* Lockdown staging lives directly in it: a workspace may be below it. */
    add_own(hf, OWN_TMP, "temporary (lockdown staging)", xstrdup(run_tmp_dir()), true, false);
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

/* ${XDG_DATA_HOME:-~/.local/share}/containers/storage, canonical; NULL
 * without an absolute one. */
static char *podman_store_dir(const char *home)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    _cleanup_free_ char *dir = xdg && xdg[0] == '/' ? xasprintf("%s/containers/storage", xdg)
                               : home             ? xasprintf("%s/.local/share/containers/storage",
                                                              home)
                                                  : NULL;
    return dir ? canonical_or_same(dir) : NULL;
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
    /* Rootless Podman's images, containers and volumes: the same, for Podman. */
    hf->podman_store = podman_store_dir(hf->home);
    add_place(hf, ID_PODMAN_STORE, xstrdup("Podman's storage (your images, containers and "
                                           "volumes)"),
              hf->podman_store, false);
    for (size_t i = 0; i < hf->n_own; i++)
        add_place(hf, ID_OWN + i, xasprintf("ags's %s directory", hf->own[i].what),
                  hf->own[i].path, hf->own[i].inside_ok);
}

/* Is there a configured key to offer (its .pub exists)? */
static bool ssh_key_offered(const struct ags_config *cfg)
{
    const char *keys[2] = {cfg->sandbox.auth_key.v, cfg->sandbox.sign_key.v};
    for (size_t i = 0; i < 2; i++) {
        if (!keys[i])
            continue;
        _cleanup_free_ char *pub = xasprintf("%s.pub", keys[i]);
        bool is_dir = false;
        if (path_exists(pub, &is_dir) && !is_dir)
            return true;
    }
    return false;
}

/* The filtering ssh agent's socket (run/ssh.c) for a run outside lockdown
 * and maintenance that has a key to offer: in a private directory of ours
 * named after the unguessable session id, which the runner makes. */
static char *ssh_sock_for(const struct run_request *req, const char *session_id)
{
    if (req->flags.lockdown || req->flags.maintenance || !ssh_key_offered(req->cfg))
        return NULL;
    const char *dir = run_private_dir_pick(req->host->getenv ? req->host->getenv : env_process,
                                           req->cfg->sandbox.cache_dir.v);
    return dir ? run_ssh_sock_path(dir, session_id) : NULL;
}

char *run_proxy_sock_path(const char *private_dir, const char *session_id)
{
    return xasprintf("%s/" RUN_PROXY_DIR_PREFIX "%s/" RUN_PROXY_SOCK_NAME, private_dir,
                     session_id);
}

/* The auth proxy's sandbox socket for a run outside lockdown and maintenance,
 * beside the ssh agent's in ags's private directory (a dir named after the
 * unguessable session id, which the runner makes).  The plan decides whether
 * it is used ([auth_proxy] enabled, the helper found) and notes why not. */
static char *proxy_sock_for(const struct run_request *req, const char *session_id)
{
    if (!req->auth_proxy || req->flags.lockdown || req->flags.maintenance)
        return NULL;
    const char *dir = run_private_dir_pick(req->host->getenv ? req->host->getenv : env_process,
                                           req->cfg->sandbox.cache_dir.v);
    return dir ? run_proxy_sock_path(dir, session_id) : NULL;
}

/* The egress proxy's socket, for the plan to mount when its mode is
 * allowlist (it decides the mode); every run but maintenance, which is open. */
static char *egress_sock_for(const struct run_request *req, const char *session_id)
{
    if (req->flags.maintenance)
        return NULL;
    const char *dir = run_private_dir_pick(req->host->getenv ? req->host->getenv : env_process,
                                           req->cfg->sandbox.cache_dir.v);
    return dir ? xasprintf("%s/" RUN_EGRESS_DIR_PREFIX "%s/" RUN_EGRESS_SOCK_NAME, dir,
                           session_id)
               : NULL;
}

/* The commit the workspace is uploaded at (the workspace volume's base),
 * read without running git. */
static void head_commit(const char *cwd, struct host_facts *hf)
{
    _cleanup_free_ char *branch = NULL;
    gitdirs_head(cwd, getuid(), &branch, &hf->git_head);
}

static void gather(const struct run_request *req, const char *cwd, struct host_facts *hf,
                   struct plan_host *h)
{
    struct ags_error err = {0};
    if (gitdirs_find(cwd, getuid(), &hf->git, &err) < 0)
        hf->git.rejected = xstrdup(err.msg);
    canonical_add_dirs(&req->flags, cwd, hf);
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
    hf->staging = xasprintf("%s/" STAGE_PREFIX "%ld-%s-XXXXXX", run_tmp_dir(), (long)getpid(),
                            plan_agent_name(req->agent));
    hf->ssh_sock = ssh_sock_for(req, hf->session_id);
    hf->proxy_sock = proxy_sock_for(req, hf->session_id);
    hf->egress_sock = egress_sock_for(req, hf->session_id);
    hf->helper = hf->proxy_sock || hf->egress_sock ? run_helper_path() : NULL;
    if (req->remote_engine)
        head_commit(cwd, hf);
    *h = (struct plan_host){
        .cwd = cwd,
        .uid = (uint32_t)getuid(),
        .gid = (uint32_t)getgid(),
        .pid = (uint32_t)getpid(),
        .session_id = hf->session_id,
        .started = (int64_t)time(NULL),
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
        .ssh_auth_sock = hf->ssh_sock,
        .auth_proxy_sock = hf->proxy_sock,
        .helper_path = hf->helper,
        .egress_sock = hf->egress_sock,
        .remote_engine = req->remote_engine,
        .git_head = hf->git_head,
        .path_exists = path_exists,
        .canonical = canonical_or_same,
    };
}

int run_build_plan(const struct run_request *req, bool for_run, struct ags_plan **ret_plan,
                   char **ret_staging, struct ags_error *err)
{
    struct host_facts hf = {0};
    struct plan_input in = {.cfg = req->cfg, .agent = req->agent, .flags = req->flags};
    gather_places(req->host, req->cfg, &hf);
    gather(req, req->host->cwd, &hf, &in.host);
    in.host.ignored_overlay = req->ignored_overlay;
    in.flags.add_dirs = (const char *const *)hf.add_dirs;
    in.flags.n_add_dirs = hf.n_add_dirs;
    bool stage = for_run && req->flags.lockdown;
    /* A real run stages lockdown into a private directory made now; `ags plan`
     * shows the template. */
    int r = stage ? stage_make_dir(hf.staging, err) : 0;
    if (r < 0) {
        host_facts_done(&hf);
        if (r == -EINVAL && err) /* -EINVAL is a plan error for the caller */
            err->code = -EIO;
        return r == -EINVAL ? -EIO : r;
    }
    r = plan_build(&in, ret_plan, err);
    if (r < 0) {
        if (stage) {
            /* The plan error is what the user needs; staging left behind
             * is removed by the next run's sweep. */
            int rm = stage_remove_tree(hf.staging, NULL);
            (void)rm;
        }
        host_facts_done(&hf);
        return -EINVAL;
    }
    if (stage)
        *ret_staging = TAKE_PTR(hf.staging);
    host_facts_done(&hf);
    return 0;
}
