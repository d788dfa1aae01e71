/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A run of one agent (docs/run-mode.md): the host facts and the launch plan
 * (host.c), then the steps behind the backend interface (backend/backend.h,
 * exec.c): open, sweep, image, staging, guard assets, prepare, secrets,
 * create, start attached, and on every way out the undo of what was done.
 * Nothing here prints: warnings and progress go through callbacks, failures
 * come back as a negative errno with *err (base/error.h).
 */

#include <signal.h>
#include <stdbool.h>
#include <time.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "base/error.h"
#include "base/procid.h"
#include "base/strv.h"
#include "config/config.h"
#include "plan/plan.h"

/* $TMPDIR if it is absolute, else /tmp: where lockdown staging lives. */
const char *run_tmp_dir(void);

/*
 * The Podman endpoint a run of cfg would try first and what chose it
 * (docs/ags.1.md REMOTE ENGINES; both owned), without connecting.  Both NULL
 * when [sandbox].backend is bwrap.  An unknown connection name, a broken or
 * foreign containers.conf: negative errno with *err (a usage error).
 */
int run_engine_target(const struct ags_config *cfg, const char *(*getenv_fn)(const char *),
                      char **ret_uri, char **ret_origin, struct ags_error *err) _warn_unused_;

/* The connection names containers.conf defines (owned, strv_free). */
int run_engine_connections(const char *(*getenv_fn)(const char *), char ***ret,
                           struct ags_error *err) _warn_unused_;
/* The engines besides the one cfg configures (ags ps, ags doctor): the
 * connection names of containers.conf in file order, less those that resolve
 * to the configured engine's URI (owned strv); *ret_self (may be NULL) the
 * first of those, the configured engine's name (NULL: none, it is "local"). */
int run_engine_others(const struct ags_config *cfg, const char *(*getenv_fn)(const char *),
                      char ***ret, char **ret_self, struct ags_error *err) _warn_unused_;

/* What the caller knows of the host and the user's flags. */
struct run_request {
    const struct ags_config *cfg;
    enum plan_agent agent;
    struct plan_flags flags;       /* add_dirs as given on the command line */
    const struct cfg_host *host;   /* home, cwd (canonical), xdg_config, xdg_runtime */
    const char *ignored_overlay;   /* lockdown: the repo overlay it did not read, or NULL */
    /* Plan the auth proxy (its socket in a private dir, the helper) when the
     * config enables it; the run must then serve plan->auth_proxy_sock. */
    bool auth_proxy;
    /* The engine runs on another host (run_engine_is_remote of the resolved
     * target): the plan uploads the workspace and refuses host-only
     * features (docs/remote.md); the work tree's HEAD is read for it. */
    bool remote_engine;
};

/*
 * Gathers the host facts the pure plan builder needs (git metadata, the
 * places never mounted, uid, pid, a session id) and builds the plan.
 * for_run with lockdown also creates the private staging directory
 * (*ret_staging, owned; run_plan removes it).  -EINVAL with *err for a plan
 * the config or the flags make impossible; another negative errno when the
 * staging directory cannot be made (nothing is left behind then).
 */
/* Whether the Podman endpoint uri (run_engine_target's) is on another host:
 * ssh://.  unix:// and tcp:// count as local (tcp:// is documented as "same
 * machine only", docs/remote.md); NULL (bwrap) is local. */
bool run_engine_is_remote(const char *uri);

int run_build_plan(const struct run_request *req, bool for_run, struct ags_plan **ret_plan,
                   char **ret_staging, struct ags_error *err) _warn_unused_;

struct run_callbacks {
    /* Something the user should know that does not stop the run. */
    void (*warn)(const char *msg, void *userdata);
    /* A step the user waits for ("building the sandbox image ..."). */
    void (*progress)(const char *msg, void *userdata);
    /* Image build output as it streams, already through the terminal
     * filter when stderr is a terminal. */
    void (*output)(const char *text, size_t len, void *userdata);
    void *userdata;
};

typedef int run_open_backend_fn(const struct backend_open_opts *o, struct backend **ret,
                                struct ags_error *err);
/* notify_send's shape: a plain desktop notification, 0 or -errno with why. */
typedef int run_notify_send_fn(const char *title, const char *body, char *why, size_t why_size);

struct run_opts {
    const struct ags_config *cfg;
    struct ags_plan *plan;   /* its name changes when another sandbox has it */
    const char *staging_dir; /* lockdown (run_build_plan's): filled, then removed */
    struct run_callbacks cb;
    run_open_backend_fn *open_backend;    /* NULL: backend_open */
    const char *(*getenv)(const char *name); /* NULL: getenv */
    const char *assets_dir;  /* NULL: the agent-assets shipped with ags */
    /* capture: no stdin, no TTY, stdout and stderr both into capture_fd
     * (ags update-agents reads what its script said); else the terminal. */
    bool capture;
    int capture_fd;
    /* The caller holds the agent's lock exclusively (run_agent_lock): the
     * run does not take it shared. */
    bool agent_lock_held;
    /* How a long session's end is told ([notify]); NULL: notify_send. */
    run_notify_send_fn *notify_send;
    /* Set by the supervisor of a session (run/supervise.c): the sandbox runs
     * without a terminal, its main process's output goes through this filter
     * (which relays it) instead of to stdout and stderr. */
    const struct output_filter *supervised;
};

/*
 * Runs the plan: 0 with *ret_exit the agent's exit status, or a negative
 * errno with *err (-EINTR: SIGINT, SIGTERM or SIGHUP ended it).  On every
 * path the sandbox (when created), the run's secrets (when handed over), the
 * backend connection and the lockdown staging are gone afterwards, and the
 * signal dispositions are those from before.  In lockdown, what the agent
 * did to git metadata in the workdir is then said through cb.warn.
 */
int run_plan(const struct run_opts *o, int *ret_exit, struct ags_error *err) _warn_unused_;
/* The lockdown staging of a plan that will not run (run_plan removes it
 * otherwise); NULL is fine.  Said through cb.warn when it cannot be. */
void run_staging_discard(const char *dir, const struct run_callbacks *cb);

/* ---- the notification that a session ended (session-end.c) ---- */

struct run_session_end {
    bool enabled;          /* [notify] enabled */
    uint32_t min_seconds;  /* [notify] min_seconds */
    bool maintenance;      /* ags update-agents: never told */
    const char *agent;     /* its name */
    int exit_status;       /* the agent's */
    uint64_t elapsed_ms;   /* from the attach to the sandbox's end */
};

/* Whether a notification is due (enabled, no maintenance, at least
 * min_seconds whole seconds): then *title "ags: AGENT session ended" and
 * *body "exit status N after M min S s" (owned).  Pure. */
bool run_session_end_notice(const struct run_session_end *s, char **title, char **body);
/* Sends the notification when it is due, through send (NULL: notify_send);
 * its failure is not reported (no session bus is normal). */
void run_session_end_notify(const struct run_session_end *s, run_notify_send_fn *send);

/* ---- ags update-image (image.c, image-base.c, image-context.c) ---- */

/* The host's CA bundle in the build context (the Containerfile copies it). */
#define RUN_IMAGE_CA_FILE "ags-ca-bundle.crt"
/* Labels of a built image: the digest of its build context (what
 * run_image_expected_digest gives for an unchanged context), its base, when. */
#define RUN_IMAGE_LABEL_CONTEXT "ags.image.context-sha256"
#define RUN_IMAGE_LABEL_BASE    "ags.image.base"
#define RUN_IMAGE_LABEL_BUILT   "ags.image.built"
/* The build argument that changes every ISO week: the Containerfile declares
 * it before its apt step, so a weekly build runs apt-get upgrade again
 * instead of taking that layer from the cache (security updates). */
#define RUN_IMAGE_REFRESH_ARG "AGS_REFRESH"
/* "AGS_REFRESH=2026-W49" for now (UTC). */
void run_image_refresh_arg(time_t now, char *buf, size_t size);
/* The label of the Debian base ags imports (localhost/ags-base:SUITE): its
 * suite.  Images built on it inherit it. */
#define RUN_IMAGE_LABEL_IMPORTED "ags.image.imported-base"
#define RUN_BASE_IMAGE_PREFIX    "localhost/ags-base:"

struct run_image_opts {
    const struct ags_config *cfg; /* [sandbox] image and containerfile, [image] */
    const char *base;             /* --base: used as is; NULL: chosen */
    bool local_base;              /* --local-base: the mmdebstrap base */
    bool keep_existing;           /* keep the image the tag named before */
    struct run_callbacks cb;
    run_open_backend_fn *open_backend;       /* NULL: backend_open */
    const char *(*getenv)(const char *name); /* NULL: getenv */
};

struct run_image_result {
    char *base;            /* what it was built on */
    char *id;              /* the new image */
    char *previous_id;     /* the image the tag named before, when another one */
    bool previous_removed; /* else kept: a container uses it (cb.warn said so) */
    double build_seconds;  /* the build alone, without the base */
};

/* Builds the sandbox image anew (docs/ags.1.md update-image).  The result is
 * the caller's (run_image_result_done). */
int run_update_image(const struct run_image_opts *o, struct run_image_result *ret,
                     struct ags_error *err) _warn_unused_;
void run_image_result_done(struct run_image_result *r);

/* The context digest an image built now from cfg's context would carry
 * (RUN_IMAGE_LABEL_CONTEXT), for telling an outdated image. */
int run_image_expected_digest(const struct ags_config *cfg, char hex[65],
                              struct ags_error *err) _warn_unused_;

/* How the base is found first (run_image_pick_base does it). */
enum run_base_step {
    RUN_BASE_GIVEN,  /* --base */
    RUN_BASE_STORED, /* the configured base, in local storage */
    RUN_BASE_PULL,   /* the configured base from its registry; else RUN_BASE_LOCAL */
    RUN_BASE_LOCAL,  /* localhost/ags-base:SUITE, made with mmdebstrap when missing */
};

enum run_base_step run_image_base_step(const char *flag_base, bool local_base,
                                       bool configured_stored);

/* ---- the agent lock (agentlock.c) ---- */

/* $XDG_RUNTIME_DIR when absolute, else run_tmp_dir(): where locks live. */
const char *run_runtime_dir(const char *(*getenv_fn)(const char *name));

/* $XDG_RUNTIME_DIR when it is a private directory of ours, else cache_dir
 * when absolute (maybe not made yet), else NULL: nothing is created. */
const char *run_private_dir_pick(const char *(*getenv_fn)(const char *name),
                                 const char *cache_dir);

/* Where ags's locks and sockets live (owned): $XDG_RUNTIME_DIR when it is a
 * private directory of ours, else cache_dir when it is one (made 0700 first
 * when create; -ENOENT when it is missing and !create; -EPERM when others may
 * use it), never the shared /tmp. */
int run_private_dir(const char *(*getenv_fn)(const char *name), const char *cache_dir, bool create,
                    char **ret, struct ags_error *err) _warn_unused_;

/* Opens (creating, 0600) the lock file path, which must be a regular file of
 * ours (never through a symlink). */
int run_lock_file_open(const char *path, int *ret_fd, struct ags_error *err) _warn_unused_;

struct run_agent_lock_opts {
    const char *dir; /* run_private_dir */
    enum plan_agent agent;
    bool exclusive; /* ags update-agents; else shared (a run starting) */
    const volatile sig_atomic_t *cancel; /* NULL: wait until it is free */
    void (*on_wait)(const void *userdata); /* once, when the lock is busy */
    const void *userdata;
};

/* Takes the agent's lock (<dir>/ags-agent-<euid>-<name>.lock), waiting while
 * the other kind holds it: *ret_fd holds it until closed.  -EINTR when
 * *cancel became non-zero while it waited. */
int run_agent_lock(const struct run_agent_lock_opts *o, int *ret_fd, struct ags_error *err)
        _warn_unused_;

/* ---- ags update-agents (update.c) ---- */

/* The agents update-agents installs, in its order (not the shell). */
#define RUN_UPDATE_N_AGENTS 5
extern const enum plan_agent run_update_agents[RUN_UPDATE_N_AGENTS];

/* 0 when spec is a package spec to pass on (npm name, optional @version or
 * tag); else -EINVAL with *err naming it. */
int run_update_spec_check(const char *spec, struct ags_error *err) _warn_unused_;
/* The package update-agents installs for a (pi: pi_spec). */
const char *run_update_package(enum plan_agent a, const char *pi_spec);
/* The program update-agents installs for a, by its absolute path in the
 * sandbox (in one of a's volumes); NULL for the shell. */
const char *run_update_command(enum plan_agent a);
/* The maintenance script (plan_flags.maintenance) that reports the installed
 * version, installs spec with scripts off and releases younger than
 * min_age_minutes refused (0: any), then runs the new --version.  Owned. */
char *run_update_script(enum plan_agent a, const char *spec, uint32_t min_age_minutes);

#define RUN_VERSION_MAX 64
struct run_update_result {
    bool ok;
    char old_version[RUN_VERSION_MAX]; /* "": it was not installed */
    char new_version[RUN_VERSION_MAX];
    char step[16];    /* what failed: "sandbox", "check", "install", "verify" */
    char detail[256]; /* the last thing it said then */
    double seconds;
};

/* The version in a --version line: the first word that starts with a digit
 * (or v and a digit), else the line itself, cut to fit; "" for none. */
void run_update_version(const char *line, char *out, size_t size);
/* Reads what the script wrote and its exit status into *res. */
void run_update_parse(const char *output, int exit_status, struct run_update_result *res);
/* The line update-agents prints for a: "pi: 0.73.0 -> 0.73.1 (9.1 s)",
 * "pi: up to date (0.73.1)", "pi: failed at install: ...".  Owned. */
char *run_update_line(enum plan_agent a, const struct run_update_result *res);

struct run_update_request {
    const struct run_request *req;     /* its agent and flags are ignored */
    run_open_backend_fn *open_backend; /* NULL: backend_open */
    struct run_callbacks cb;
};

/* Updates agent a under its exclusive lock in a maintenance sandbox; *res
 * says how it went (also on failure: step "sandbox" when the sandbox could
 * not run, with *err). */
int run_update_agent(const struct run_update_request *u, enum plan_agent a,
                     struct run_update_result *res, struct ags_error *err) _warn_unused_;

/* ---- ags df and ags prune (prune.c, prune-dirs.c) ---- */

/* What ags owns on this host, in the order prune removes it. */
enum run_owned_kind {
    RUN_OWNED_CONTAINER, /* a sandbox (ags.managed=true) */
    RUN_OWNED_SECRET,    /* a run's Podman secret */
    RUN_OWNED_VOLUME,    /* an agent's volume, or an old ags-shared-* one */
    RUN_OWNED_IMAGE,     /* the sandbox image ags built, its imported Debian base */
    RUN_OWNED_STAGING,   /* a lockdown staging directory */
    RUN_OWNED_CACHE,     /* the cached base tarball (<cache_dir>/base) */
};
#define RUN_OWNED_KINDS 6

/* Who uses it. */
enum run_owned_use {
    RUN_USE_NONE,
    RUN_USE_DEAD,  /* only containers of runs proven dead (prune removes those first) */
    RUN_USE_OTHER, /* a container that is not ags's */
    RUN_USE_LIVE,  /* a live session (or one ags cannot prove dead) */
};

/* When prune removes it. */
enum run_prune_when {
    RUN_PRUNE_NEVER,  /* in use */
    RUN_PRUNE_ALWAYS, /* ags prune */
    RUN_PRUNE_ALL,    /* only ags prune --all */
    /* A remote session's workspace that was not brought back (ags pull): it
     * may hold work, only ags prune --workspaces removes it. */
    RUN_PRUNE_WORKSPACES,
};

/* What a prune removes beyond RUN_PRUNE_ALWAYS (bits). */
#define RUN_PRUNE_SCOPE_ALL        1u
#define RUN_PRUNE_SCOPE_WORKSPACES 2u
/* Whether a prune of scope removes what is removed when w. */
bool run_prune_selected(enum run_prune_when w, unsigned scope);

struct run_owned {
    enum run_owned_kind kind;
    char *name;       /* shown: a container, volume or secret name, an image tag, a path */
    uint64_t size;    /* bytes, when size_known */
    bool size_known;
    bool size_partial; /* a bounded walk stopped early: at least size */
    enum run_owned_use use;
    enum run_prune_when when;
    size_t obj;       /* engine kinds: index into run_owned_list.objs */
    char *dir, *entry; /* staging and cache: entry in directory dir */
};

struct run_owned_list {
    struct run_owned *v;
    size_t n;
    struct backend_objects objs; /* what the engine listed */
    struct backend *backend;     /* open until run_owned_done */
    char *lock_dir;              /* the agent locks (run_private_dir); NULL: not yet */
    char *cache_dir;             /* where lock_dir falls back to, made only when prune needs it */
    const char *(*getenv)(const char *name);
};

void run_owned_done(struct run_owned_list *l);

/* The facts the decision needs (tests inject them). */
struct run_owned_facts {
    const char *image; /* [sandbox] image: the name ags builds */
    /* The owner label's state (base/procid.h; in_use: its container runs). */
    enum procid_state (*owner_state)(const char *owner, bool in_use, void *userdata);
    void *userdata;
};

/* Pure: the engine's objects as ags's things with their use and when prune
 * removes them, appended to out (images that are not ags's are left out). */
void run_owned_classify(const struct backend_objects *objs, const struct run_owned_facts *f,
                        struct run_owned_list *out);
/* Pure: when prune removes a file of the base cache (name, its age in seconds). */
enum run_prune_when run_base_cache_when(const char *name, int64_t age_seconds);

struct run_owned_opts {
    const struct ags_config *cfg;     /* [sandbox] image, cache_dir */
    const char *tmp_dir;              /* NULL: run_tmp_dir() */
    struct run_callbacks cb;
    run_open_backend_fn *open_backend; /* NULL: backend_open */
    const char *(*getenv)(const char *name); /* NULL: getenv */
    /* A containers.conf connection to open instead of the configured engine
     * (Podman, never started; ags ps across engines); NULL: the configured
     * one.  timeout_ms: the connect and each request given up after it (0:
     * the usual limits). */
    const char *connection;
    long timeout_ms;
    /* Open ssh:// engines with a connection of their own, no shared tunnel
     * process: a probe on one of several threads must not fork (a child of
     * a threaded process may hang on a lock another thread held). */
    bool no_tunnel_process;
};

/* Everything ags owns with sizes and use (the engine's and ags's own
 * directories); the backend stays open for run_prune_remove. */
int run_owned_gather(const struct run_owned_opts *o, struct run_owned_list *ret,
                     struct ags_error *err) _warn_unused_;

/* ---- ags ps and ags stop (sessions.c, sessions-render.c) ---- */

/* Whether the ags that owns a session still runs (base/procid.h). */
enum run_session_owner {
    RUN_OWNER_ALIVE,   /* "attached": its ags serves it */
    RUN_OWNER_GONE,    /* proven dead: the next sweep removes the session */
    RUN_OWNER_UNKNOWN, /* no proof either way (another machine or PID namespace) */
};

/* One session as ags ps shows it: every text comes from labels (outside
 * input: the renderers escape it). */
struct run_session_row {
    char *name, *id, *session, *agent, *network;
    char *workdir;    /* decoded: any bytes; "" unknown */
    int64_t started;  /* seconds since the epoch; 0 unknown */
    bool lockdown;
    enum backend_session_state state;
    enum run_session_owner owner;
    bool supervised; /* PLAN_LABEL_SUPERVISED: detachable, outlives its ags */
};

struct run_sessions {
    struct run_session_row *v;
    size_t n;
    struct backend_sessions raw; /* v[i] is raw.v[i] */
    struct backend *backend;     /* open until run_sessions_done */
    const char *backend_name;
    const char *engine; /* "local" or a connection's name (ags ps's ENGINE) */
};

void run_sessions_done(struct run_sessions *l);

/* Pure: a listed session as a row, its owner's state given. */
void run_session_row_from(const struct backend_session *s, enum procid_state owner,
                          struct run_session_row *ret);
void run_session_row_done(struct run_session_row *r);
/* Pure: whether ags ps shows it: a running sandbox always (even when its
 * owner is gone: that is what a user must see to stop it); with all also
 * the created and exited ones. */
bool run_session_shown(const struct run_session_row *r, bool all);

/* One row of several engines' lists: list lists[list], row row. */
struct run_session_ref {
    size_t list, row;
};
/* Pure: the rows of n lists that ags ps shows, merged (owned; *ret_n of
 * them): engine by engine in list order, each engine's oldest first (an
 * unknown start before any known), then by name. */
struct run_session_ref *run_sessions_merge(const struct run_sessions *const *lists, size_t n,
                                           bool all, size_t *ret_n);
/* Pure: ags ps's table and JSON array (docs/ags.1.md) of n engines' lists
 * at time now; owned. */
char *run_sessions_text(const struct run_sessions *const *lists, size_t n, bool all, int64_t now);
char *run_sessions_json(const struct run_sessions *const *lists, size_t n, bool all, int64_t now);
/* "3s", "4m", "2h", "5d"; "-" unknown; into buf. */
void run_session_age(int64_t started, int64_t now, char *buf, size_t size);
const char *run_session_state_name(enum backend_session_state s);
/* "attached", "owner gone", "unknown"; supervised: "services up", "services gone". */
const char *run_session_owner_name(const struct run_session_row *x);
/* What the next sweep removes: its owner is gone and it is not a running
 * supervised session. */
bool run_session_leftover(const struct run_session_row *x);

/* The sessions of this user on the configured backend (o->cfg's
 * [sandbox].backend): -ENOTCONN-like errors of the engine are returned as
 * they are.  The backend stays open for run_session_stop. */
int run_sessions_gather(const struct run_owned_opts *o, struct run_sessions *ret,
                        struct ags_error *err) _warn_unused_;

/* ags ps across engines (sessions-engines.c): one engine's list or why not. */
struct run_engine_sessions {
    char *engine;     /* "local" or the connection's name */
    char *connection; /* the connection to open it again (NULL: the configured engine) */
    int r;            /* 0: l holds its sessions; else error says why not */
    char *error;
    struct run_sessions l;
    struct strv_builder warnings; /* what it said while it was asked (replayed) */
};

struct run_sessions_all {
    struct run_engine_sessions *v;
    size_t n;
};

void run_sessions_all_done(struct run_sessions_all *a);
/* The lists, in v order, of the engines that answered (pointers into a;
 * owned array, *ret_n of them). */
const struct run_sessions **run_sessions_all_lists(const struct run_sessions_all *a, size_t *ret_n);

/* How long ags ps waits for another engine than the configured one (its
 * connect, handshake and each request): an unreachable one costs this. */
#define RUN_ENGINE_PROBE_MS 2000L

/*
 * The sessions of the configured engine ("local", or the connection that
 * names it) and of every other connection containers.conf names (Podman,
 * never started, each within RUN_ENGINE_PROBE_MS), asked in parallel; an
 * engine's failure is its entry's r and error, never the others'.  With
 * o->connection set (or a --url, or bwrap's [sandbox].backend given by a
 * flag: only_configured) just that engine, as run_sessions_gather.  Every
 * warning goes to o->cb.warn after all have answered, prefixed with the
 * engine's name when there are several.  Fails (-errno) only when no engine
 * was asked.
 */
int run_sessions_gather_all(const struct run_owned_opts *o, bool only_configured,
                            struct run_sessions_all *ret, struct ags_error *err) _warn_unused_;
/* Engine e's sessions again with the usual limits (ags stop, attach, logs act
 * on them): *ret replaced, e's probe list closed first. */
int run_sessions_reopen(const struct run_owned_opts *o, struct run_engine_sessions *e,
                        struct ags_error *err) _warn_unused_;

/* Whether name names the session (its name, its session id or its sandbox id). */
bool run_session_is(const struct run_session_row *x, const char *name);
/* The index of the session named name (run_session_is); -ENOENT when none. */
int run_session_find(const struct run_sessions *l, const char *name, size_t *ret) _warn_unused_;
/* Removes the ags diff baselines of sessions the backend no longer lists
 * (older than a few minutes: one being recorded has no sandbox yet);
 * best effort, part of a run's sweep. */
void run_sessions_sweep_baselines(const struct backend_sessions *l,
                                  const char *(*getenv_fn)(const char *name));
/* The session ids of the running supervised sessions listed (owned strv):
 * what the sweep keeps whatever their owner. */
char **run_supervised_running(const struct backend_sessions *l);
/* ags attach: session i's tmux through an exec with a terminal (tmux's own
 * detach key leaves the session running); *ret_running: whether its tmux
 * session still runs afterwards.  -EOPNOTSUPP: the backend cannot attach
 * (bwrap); -EINVAL: not a supervised session; -ESRCH: not running;
 * -ENOTTY: stdin or stdout is no terminal. */
int run_session_attach(struct run_sessions *l, size_t i, bool *ret_running,
                       struct ags_error *err) _warn_unused_;
/* ags logs: what session i's tmux pane holds (scrollback and screen) to fd,
 * through the terminal filter when fd is a terminal; follow: then what
 * appears, checked every second, until the session ends or SIGINT. */
int run_session_logs(struct run_sessions *l, size_t i, int fd, bool follow,
                     struct ags_error *err) _warn_unused_;
/* Pure (ags logs --follow): from which line of now the lines are new after
 * prev, lines that left prev's top (a full scrollback) taken into account. */
size_t run_logs_new_from(const char *const *prev, size_t np, const char *const *now, size_t nn);
/* Stops session i (SIGTERM, SIGKILL after timeout_s) and sees it removed:
 * a live owner removes it and undoes the rest itself (waited for a few
 * seconds, then it is removed here); a gone owner's sandbox and secrets
 * are removed here.  *ret_exit: the agent's exit status, -1 unknown. */
int run_session_stop(struct run_sessions *l, size_t i, unsigned timeout_s, int *ret_exit,
                     struct ags_error *err) _warn_unused_;

/* Removes what a prune of scope removes (run_prune_selected), in list order; each
 * removal (or failure) is reported through done.  Returns how many failed. */
size_t run_prune_remove(struct run_owned_list *l, unsigned scope,
                        void (*done)(const struct run_owned *x, int r, const char *why,
                                     void *userdata),
                        void *userdata);
