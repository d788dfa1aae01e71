/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The launch plan: everything a backend needs to start one agent sandbox,
 * decided by a pure function of the config, the run flags and host facts that
 * the caller gathered.  plan_build() does no I/O at all (existence checks go
 * through the injected path_exists), so tests pin every rule with fakes.  It
 * states intent ("uid 1000 inside is the caller", "an open network with
 * the host's loopback closed", "a 1 GiB tmpfs at /tmp"), never an engine's
 * flags: each backend (src/backend/) maps it to its engine once it knows the
 * engine.  docs/run-mode.md describes the rules.
 *
 * Every decision carries a provenance string ("config FILE:LINE", "flag
 * --add-dir", "default", "agent profile claude", ...) that `ags plan` prints.
 * The plan holds no secret value: secrets are references resolved later.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/netrule.h"
#include "base/strbuf.h"
#include "config/config.h"

enum plan_agent {
    PLAN_AGENT_PI,
    PLAN_AGENT_CLAUDE,
    PLAN_AGENT_CODEX,
    PLAN_AGENT_GEMINI,
    PLAN_AGENT_OPENCODE,
    PLAN_AGENT_SHELL,
    PLAN_AGENT_COUNT
};

const char *plan_agent_name(enum plan_agent a);
/* 0, or -EINVAL for a name that is not one of the six agents. */
int plan_agent_from_name(const char *name, enum plan_agent *ret) _warn_unused_;

/* The agent's named volume (ags-<agent>-<what>, owned) that holds the
 * sandbox path `path`, and where in it (*ret_rel points into path, "" for the
 * volume's top); -ENOENT when none of a's volumes holds it. */
int plan_agent_volume_of(enum plan_agent a, const char *path, char **ret_volume,
                         const char **ret_rel) _warn_unused_;

enum plan_network_mode {
    /* Its own network stack (its own loopback), outbound traffic through a
     * user-mode NAT: no host interface is shared. */
    PLAN_NETWORK_OPEN,
    /* No route out at all: the only way out is the egress proxy ags runs on
     * the host, through its socket and the forwarder (PLAN_EGRESS_*). */
    PLAN_NETWORK_ALLOWLIST,
    /* No network at all (its own loopback only). */
    PLAN_NETWORK_NONE,
};

/* "open", "allowlist", "none" ([network].mode, --network). */
const char *plan_network_mode_name(enum plan_network_mode m);
/* 0, or -EINVAL for another name. */
int plan_network_mode_from_name(const char *name, enum plan_network_mode *ret) _warn_unused_;

/* Run flags, already parsed (cli/run-flags.c). Arrays are borrowed. */
struct plan_flags {
    bool tmux, stop_when_done, yolo, root, lockdown, defaults;
    bool detach; /* --detach: a supervised session ags returns from (needs tmux) */
    const char *const *add_dirs; /* canonical absolute paths when they exist */
    size_t n_add_dirs;
    bool network_set;                /* --network given */
    enum plan_network_mode network;  /* its mode */
    const char *const *allow;        /* --allow entries, in order (valid for netrule_parse) */
    size_t n_allow;
    const char *const *passthrough; /* everything after `--` */
    size_t n_passthrough;
    /* A bash script run in the agent's sandbox instead of the agent (`ags
     * update-agents`), or NULL.  Such a plan mounts the agent's volumes and
     * nothing of the host (no workspace, config mount, socket or secret). */
    const char *maintenance;
};

/* What the caller's git discovery (run/gitdirs.c) saw, with lstat, at the
 * nearest .git and at its config and hooks: in lockdown a .git inside the
 * workdir is pinned (a mount point cannot be replaced) and its config and
 * hooks/ are read-only, because git on the host runs what they name. */
enum plan_git_entry {
    PLAN_GIT_MISSING,
    PLAN_GIT_DIR,
    PLAN_GIT_FILE,
    PLAN_GIT_ODD /* symlink, FIFO, device, ... */
};

/* A directory of ags's own (config, state, cache, runtime): never mounted,
 * nor anything that contains it.  inside_ok: paths below it are fine (the
 * temporary directory that holds lockdown staging). */
struct plan_own_dir {
    const char *what; /* "config", "cache", ... */
    const char *path; /* canonical when it exists */
    bool inside_ok;
    bool sockets; /* holds sockets: refused even read-only (connect(2) works there) */
};

/* A directory by identity (st_dev, st_ino): a bind mount of $HOME elsewhere
 * has another path but the same identity. */
struct plan_dir_id {
    uint64_t dev, ino;
};

/* A place never mounted (docs/security.md) by identity: chain[0] is the
 * place, then its ancestors up to /.  inside_ok: a workspace below it is fine
 * ($HOME, the temporary directory). */
struct plan_place_id {
    const char *what; /* "your home directory", "ags's config directory" ... */
    const char *path;
    bool inside_ok;
    const struct plan_dir_id *chain;
    size_t n_chain;
};

/* Facts about the host, gathered by the caller before planning. */
struct plan_host {
    const char *cwd;            /* canonical working directory */
    uint32_t uid, gid, pid;     /* pid: the owning ags process (labels) */
    const char *owner;          /* the owning process's identity (base/procid.h), or NULL */
    const char *session_id;     /* unique per run (labels) */
    int64_t started;            /* when the run began, seconds since the epoch (labels); 0: unknown */
    uint16_t name_rand;         /* random suffix of the container name */
    const char *git_dir;        /* absolute --absolute-git-dir, or NULL outside git */
    const char *git_common_dir; /* absolute --git-common-dir, or NULL */
    const char *dotgit;         /* the nearest .git upwards, or NULL */
    enum plan_git_entry dotgit_kind; /* and below: .git/config, hooks, modules, worktrees */
    enum plan_git_entry dotgit_config, dotgit_hooks, dotgit_modules, dotgit_worktrees;
    enum plan_git_entry dotgit_config_worktree; /* .git/config.worktree */
    const char *git_note;       /* why a .git entry was not trusted, or NULL */
    const char *home;           /* canonical $HOME, or NULL */
    const struct plan_own_dir *own_dirs;
    size_t n_own_dirs;
    /* The workspace and its ancestors up to / by identity (cwd_chain[0] the
     * workspace), and the places never mounted: a workspace reached through
     * another name (a bind mount) is refused like the place itself. */
    const struct plan_dir_id *cwd_chain;
    size_t n_cwd_chain;
    const struct plan_place_id *places;
    size_t n_places;
    const char *lockdown_staging_dir; /* private dir the runner stages into (lockdown) */
    /* The socket of the run's ssh-agent filter (src/ssh, issue 15), or NULL:
     * mounted at /ssh-agent with SSH_AUTH_SOCK.  Never the user's own agent. */
    const char *ssh_auth_sock;
    /* The auth proxy (docs/auth-proxy.md), both needed, neither in lockdown or
     * maintenance: the host path of the sandbox's socket the run serves
     * (<private dir>/ags-proxy-<session>/auth-proxy.sock), mounted at
     * PLAN_AUTH_PROXY_SOCK, and the ags-helper binary on the host, mounted
     * read-only at PLAN_HELPER and PLAN_HELPER_XDG_OPEN.  NULL: none. */
    const char *auth_proxy_sock;
    const char *helper_path;
    /* The egress proxy's socket the run serves for an allowlist run (issue
     * 18; <private dir>/ags-egress-<session>/egress.sock), mounted at
     * PLAN_EGRESS_SOCK with helper_path at PLAN_HELPER for the forwarder.
     * NULL: none, and an allowlist plan is an error (it cannot be enforced). */
    const char *egress_sock;
    const char *ignored_overlay; /* lockdown: the repo overlay that was not read, or NULL */
    /* The engine runs on another host (an ssh:// endpoint; the CLI decides
     * from the resolved target): host paths mean nothing there, so the
     * workspace travels in a volume and host-only features are refused or
     * left out (docs/remote.md).  unix:// and tcp:// are local. */
    bool remote_engine;
    /* The work tree's HEAD commit in hex, read without git (run/gitdirs-head.c),
     * or NULL outside git (an unborn branch too): the workspace volume's
     * PLAN_LABEL_BASE, what `ags pull` bundles from.  Anything but 40 or 64
     * lowercase hex digits counts as NULL. */
    const char *git_head;
    /* Does path exist?  *is_dir tells a directory from anything else. */
    bool (*path_exists)(const char *path, bool *is_dir);
    /* The canonical form of path (owned; as given when it cannot be
     * resolved); NULL: paths are taken as given. */
    char *(*canonical)(const char *path);
};

/* A HEAD git accepts (validate_headref): "ref: refs/..." or an object id in
 * hex (SHA-1 or SHA-256), then an optional newline.  .git with any other HEAD
 * is no repository to git, which then looks further up. */
bool plan_git_head_valid(const char *text);

struct plan_input {
    const struct ags_config *cfg;
    enum plan_agent agent;
    struct plan_flags flags;
    struct plan_host host;
};

/* A value and where it came from. */
struct plan_str {
    char *v;
    char *origin;
};

enum plan_mount_type {
    PLAN_MOUNT_BIND,
    PLAN_MOUNT_VOLUME,
    /* Not a mount: the host file source is copied to destination into the
     * created sandbox before it starts (backend copy_in; a remote engine,
     * where a bind of a host file means nothing), owned by the sandbox user,
     * mode 0444 when read_only. */
    PLAN_MOUNT_COPY,
};
/* A request the runner fulfils before the container starts. */
enum plan_create { PLAN_CREATE_NONE, PLAN_CREATE_DIR, PLAN_CREATE_FILE };

struct plan_mount {
    enum plan_mount_type type;
    char *source;      /* host path, or the volume name */
    char *destination; /* path inside the sandbox */
    bool read_only;
    enum plan_create create; /* the host path is missing and config asked to create it */
    char *stage_from;  /* lockdown: host path the runner copies (sanitised) into source */
    /* Remote engine, volumes only: the host directory the runner uploads
     * into the (fresh) volume before the sandbox starts; NULL: none. */
    char *upload_from;
    char **labels;     /* volumes: "key=value" labels, NULL-terminated; else NULL */
    char *origin;
};

#define PLAN_MIB (UINT64_C(1) << 20)
#define PLAN_GIB (UINT64_C(1) << 30)

/* A writable memory file system, mounted nosuid and nodev. */
struct plan_tmpfs {
    char *destination;
    uint64_t size; /* bytes */
    bool noexec;
    char *origin;
};

struct plan_env {
    char *name;
    char *value; /* NULL: taken by name from the host environment at run time */
    char *origin;
};

/* A secret the runner resolves and the backend hands over as a file (Podman: an
 * ephemeral secret). */
struct plan_secret {
    char *env;          /* variable name inside the sandbox */
    long config_index;  /* index into cfg->secrets; -1: a [sandbox].passthrough_env name */
    char *host_env;     /* passthrough_env: the host variable; else NULL */
    char *origin;
};

struct plan_security {
    bool no_new_privileges;
    bool cap_drop_all;
    bool selinux_disable; /* label=disable */
    uint32_t pids_limit;
    char *origin;
    char *pids_origin;
};

/* Who the agent is inside the sandbox.  Every id inside maps to the caller
 * (plan uid/gid) outside, never to another host user. */
struct plan_identity {
    uint32_t uid, gid; /* PLAN_SANDBOX_UID/GID (the image user dev), or 0/0 with --root */
    char *origin;
};

/* One entry of the effective allowlist. */
struct plan_net_allow {
    struct netrule rule;
    char *text;   /* canonical (netrule_format) */
    char *origin; /* "config FILE:LINE:COL", "--allow", "agent NAME default" */
};

struct plan_network {
    enum plan_network_mode mode;
    char *origin; /* of the mode: "default", "config FILE:LINE:COL", "--network",
                   * "--lockdown default", "maintenance" */
    bool host_loopback; /* the host's 127.0.0.1 is reachable ([network] host_loopback; open only) */
    char *loopback_origin;
    struct plan_net_allow *allow; /* allowlist mode only; agent defaults, config, --allow */
    size_t n_allow;
};

struct ags_plan {
    enum plan_agent agent;
    bool lockdown, tmux, root, yolo;
    bool detach;      /* plan_flags.detach (tmux is set with it) */
    bool maintenance; /* plan_flags.maintenance: the agent's volumes only */
    /* plan_host.remote_engine for a run (never for maintenance, which mounts
     * volumes only): the workspace is a volume uploaded from the work dir,
     * read-only host files are PLAN_MOUNT_COPY, host services are left out. */
    bool remote;
    struct plan_str image;
    struct plan_str name;    /* ags-<slug>-<4 hex> */
    struct plan_str work_dir;
    /* The Podman endpoint and what chose it (ags plan fills it; NULL v:
     * not shown). */
    struct plan_str engine;
    struct plan_identity identity; /* inside */
    uint32_t uid, gid;       /* the caller outside, whom identity maps to */
    struct plan_security security;
    struct plan_network network;
    /* Host path of the filtering ssh agent socket the runner serves before
     * the sandbox starts (run/ssh.c), mounted at PLAN_SSH_SOCK; NULL: none. */
    char *ssh_agent_sock;
    /* Host path of the auth proxy's sandbox socket the runner serves before
     * the sandbox starts, mounted at PLAN_AUTH_PROXY_SOCK; NULL: none. */
    char *auth_proxy_sock;
    /* Host path of the egress proxy's socket the runner serves before the
     * sandbox starts (allowlist mode), mounted at PLAN_EGRESS_SOCK; NULL: none. */
    char *egress_sock;
    struct plan_mount *mounts; /* in mount order */
    size_t n_mounts;
    struct plan_tmpfs *tmpfs;  /* lockdown only */
    size_t n_tmpfs;
    struct plan_env *env;      /* in order */
    size_t n_env;
    struct plan_secret *secrets;
    size_t n_secrets;
    char **argv;               /* entrypoint: /bin/bash -c SCRIPT _ PASSTHROUGH..., NULL-terminated */
    size_t argc;
    size_t n_default_args;     /* how many passthrough args --defaults prepended */
    char *argv_origin;
    char **labels;             /* "key=value" on the container and its secrets, NULL-terminated */
    size_t n_labels;
    char **notes;              /* what was skipped and why, for `ags plan` */
    size_t n_notes;
};

/* The image's user `dev`: the caller is mapped onto it, so /home/dev and the
 * volumes the image prepared stay writable whatever the host uid is. */
#define PLAN_SANDBOX_UID 1000u
#define PLAN_SANDBOX_GID 1000u

/* The home of the image's user `dev` (containerfile/Containerfile); every
 * container path below it is spelled PLAN_HOME "/..." */
#define PLAN_HOME "/home/dev"
/* The public halves of sandbox.auth_key and sandbox.sign_key (read-only; the
 * private keys never enter the sandbox): the agent gitconfig names the
 * signing one as user.signingkey. */
#define PLAN_AUTH_PUB    PLAN_HOME "/.ssh/ags-agent-auth.pub"
#define PLAN_SIGNING_PUB PLAN_HOME "/.ssh/ags-agent-signing.pub"
/* Container paths the runner writes guard assets behind (run/assets.c). */
#define PLAN_PI_HOME        PLAN_HOME "/.pi"
#define PLAN_HOOKS_DIR      PLAN_HOME "/.config/ags/hooks"
#define PLAN_LOCKDOWN_HOOKS "/run/ags-claude-hooks"
/* The image's system directories (root-owned, never a volume): first on the
 * sandbox PATH, and the whole PATH of the entrypoint script until it hands
 * over to the agent, so nothing an agent planted in a volume or under its
 * home shadows bash, git, env ... (docs/security.md). */
#define PLAN_SYSTEM_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* The variable in which the backend tells the agent the address of the
 * host's loopback when the plan opens it (only the backend knows it). */
#define PLAN_HOST_LOOPBACK_ENV "AGS_HOST_LOOPBACK"
/* Where the backend puts each resolved secret as a file named like its variable. */
#define PLAN_SECRETS_DIR "/run/secrets"
/* The auth proxy's socket in the sandbox: PROXY_SANDBOX_SOCKET of
 * proxy/proto.h, which plan (below proxy) may not include; unit/plan pins
 * that both are the same. */
#define PLAN_AUTH_PROXY_SOCK "/run/ags-auth-proxy/auth-proxy.sock"
/* ags-helper (multi-call by its name): the one directory of ags's programs in
 * the sandbox, first on its PATH while the helper is mounted; BROWSER names
 * the xdg-open there. */
#define PLAN_HELPER_DIR      "/opt/ags/bin"
#define PLAN_HELPER          PLAN_HELPER_DIR "/ags-helper"
#define PLAN_HELPER_XDG_OPEN PLAN_HELPER_DIR "/xdg-open"
/* The egress proxy in an allowlist sandbox: its socket, and the port on the
 * sandbox's own loopback where `ags-helper forward` listens (the entrypoint
 * starts it before anything else) and the proxy variables point. */
#define PLAN_EGRESS_SOCK   "/run/ags-egress/egress.sock"
#define PLAN_EGRESS_PORT   3128
#define PLAN_STR_(x)       #x
#define PLAN_STR(x)        PLAN_STR_(x)
#define PLAN_EGRESS_LISTEN "127.0.0.1:" PLAN_STR(PLAN_EGRESS_PORT)
#define PLAN_EGRESS_URL    "http://" PLAN_EGRESS_LISTEN
#define PLAN_NO_PROXY      "localhost,127.0.0.1,::1"

/* Label keys on everything ags creates (docs/run-mode.md). */
#define PLAN_LABEL_MANAGED "ags.managed" /* "true" */
#define PLAN_LABEL_SESSION "ags.session" /* the run's session id */
#define PLAN_LABEL_AGENT   "ags.agent"   /* agent name (volumes too: none is shared) */
#define PLAN_LABEL_PID     "ags.pid"     /* owning ags pid (informational) */
#define PLAN_LABEL_OWNER   "ags.owner"   /* owning ags process, base/procid.h: the sweep's proof */
#define PLAN_LABEL_VOLUME  "ags.volume"  /* volumes: what they hold (pnpm-home, cargo, ...) */
/* Remote engine: the session's volumes (docs/remote.md).  The workspace
 * volume ags-ws-<session> carries ags.volume=workspace, the work dir, the
 * session's name and the HEAD it was uploaded at; the read-only copies of
 * host directories ags-ws-<session>-<k> (k = 1, 2, ...) carry
 * ags.volume=upload (nothing of the agent's work is in them). */
#define PLAN_LABEL_NAME       "ags.name" /* workspace volume: the container name */
#define PLAN_LABEL_BASE       "ags.base" /* workspace volume: HEAD at upload (hex), or "none" */
#define PLAN_VOLUME_WORKSPACE "workspace"
#define PLAN_VOLUME_UPLOAD    "upload"
#define PLAN_WS_VOLUME_PREFIX "ags-ws-"
#define PLAN_BASE_NONE        "none"
/* What ags ps shows of a sandbox (display only: a label is never trusted). */
#define PLAN_LABEL_WORKDIR  "ags.workdir"  /* the work dir, str_pct_encode'd (any byte) */
#define PLAN_LABEL_LOCKDOWN "ags.lockdown" /* "true" or "false" */
#define PLAN_LABEL_NETWORK  "ags.network"  /* open, allowlist or none */
#define PLAN_LABEL_STARTED  "ags.started"  /* plan_host.started, RFC 3339 UTC */
/* "true": a session run by a supervisor (docs/sessions.md) that outlives any
 * ags attached to it; the sweep keeps it while it runs, even when its owner
 * (the supervisor) is gone. */
#define PLAN_LABEL_SUPERVISED "ags.supervised"
/* What a supervised session's main process prints once its tmux session is
 * up (the supervisor then reports it started): a record-separator-framed
 * word, as printf writes it and as the supervisor matches it. */
#define PLAN_SESSION_READY_SH "\\036ags-session-ready\\036"
#define PLAN_SESSION_READY    "\036ags-session-ready\036"
/* Every label a plan may carry on its container (managed, session, agent, pid,
 * owner, workdir, lockdown, network, started and PLAN_LABEL_SUPERVISED). */
#define PLAN_LABELS_MAX 10

/*
 * Builds the plan.  On failure returns -EINVAL (a usage or config problem,
 * such as a required mount source that is missing; the message names the
 * mount's FILE:LINE) and fills *err; *ret is untouched.
 */
int plan_build(const struct plan_input *in, struct ags_plan **ret, struct ags_error *err)
        _warn_unused_;
struct ags_plan *plan_free(struct ags_plan *p); /* NULL-safe */
/* The supervisor of a session (run/supervise.c) owns what the run makes
 * from then on: pid and owner labels name it, PLAN_LABEL_SUPERVISED marks
 * the session.  owner may be NULL (no /proc: nothing is proven dead). */
void plan_set_supervisor(struct ags_plan *p, uint32_t pid, const char *owner);

/* The value of key in NULL-terminated "key=value" labels, or NULL. */
const char *plan_label_value(char *const *labels, const char *key);
/* Whether labels set key to "true". */
bool plan_label_is_true(char *const *labels, const char *key);

static inline void plan_freep(struct ags_plan **p)
{
    plan_free(*p);
}

#define _cleanup_plan_ _cleanup_(plan_freep)

/* Appends s quoted for bash: bare when it is non-empty and only
 * [A-Za-z0-9/._-], else in single quotes with ' written as '\''. */
int plan_shell_quote(struct strbuf *sb, const char *s) _warn_unused_;
/* Script builders: s as it is, or quoted; a script past its bound aborts
 * like an allocation failure (the bounds are far above any real script). */
void plan_script_put(struct strbuf *sb, const char *s);
void plan_script_putq(struct strbuf *sb, const char *s);

/* `ags plan` output; owned strings. */
char *plan_render_text(const struct ags_plan *p);
char *plan_render_json(const struct ags_plan *p);
