/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Between the files of run/ (run.h is the interface). */

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "base/sha256.h"
#include "base/termfilter.h"
#include "ssh/agent-query.h"
#include "ssh/pubkey.h"
#include "run/run.h"

/* cb->warn with a formatted message (nothing when cb->warn is NULL). */
void run_warnf(const struct run_callbacks *cb, const char *fmt, ...) _printf_(2, 3);
/* The same for cb->progress. */
void run_progressf(const struct run_callbacks *cb, const char *fmt, ...) _printf_(2, 3);

/* ---- shipped.c: the files shipped with ags (containerfile/, agent-assets/) ---- */
/* Where the build tree's binary is and the source tree it was built from. */
struct shipped_tree {
    const char *build_dir;
    const char *source_dir;
};
/* A file shipped with ags for the binary at exe: the build tree's binary
 * uses the source tree, any other <PREFIX>/bin/ags <PREFIX>/share/ags; the
 * other place when it is not there (or not trusted).  Owned. */
char *run_shipped_path_for(const char *exe, const struct shipped_tree *tree, const char *rel);
/* The same for this process (/proc/self/exe and the tree it was built in). */
char *run_shipped_path(const char *rel);
/* ags-helper, the program a run mounts into its sandbox (docs/auth-proxy.md):
 * installed at <PREFIX>/lib/ags beside <PREFIX>/bin/ags, built beside the
 * build tree's ags. */
#define RUN_HELPER_NAME "ags-helper"
#define RUN_HELPER_REL  "lib/ags/" RUN_HELPER_NAME
/* The helper for the binary at exe: <PREFIX>/RUN_HELPER_REL, or the build
 * tree's (build_dir/ags-helper) for the build tree's binary; resolved, and
 * NULL when it is missing, not an executable regular file, or in a place
 * another user could change (trusted_realpath).  Owned. */
char *run_helper_path_for(const char *exe, const char *build_dir);
/* The same for this process. */
char *run_helper_path(void);

/* Was this setting made by the repo overlay? */
bool run_overlay_named(const struct ags_config *cfg, const struct cfg_origin *at);

/* The options of backend_open for a command of cfg (cancel may be NULL). */
void run_backend_open_opts(const struct ags_config *cfg, const char *(*getenv_fn)(const char *),
                           const struct run_callbacks *cb, const volatile sig_atomic_t *cancel,
                           struct backend_open_opts *ret);

/* Whether a build error is Podman 4.3 killing a RUN step (a fault of its
 * builds while other requests run alongside, containers/podman#17918):
 * update-image and a run's first build then build again, at most 3 times. */
bool run_image_build_killed_by_podman(const char *msg);

/* "<xdg>/ags" for an absolute XDG base directory, else "<home>/<fallback>/ags"
 * (NULL without home): ags's config, state, ... directory. */
char *run_xdg_ags_dir(const char *xdg, const char *home, const char *fallback);

/* ---- image.c, image-base.c, image-context.c ---- */
/* A cached base tarball older than this is made again (security updates). */
#define RUN_BASE_CACHE_MAX_AGE (7 * 24 * 3600)
int run_ensure_image(struct backend *b, const struct ags_config *cfg, const char *image,
                     const struct run_callbacks *cb, struct ags_error *err) _warn_unused_;
/* The base to build on (run.h, enum run_base_step); owned. */
int run_image_pick_base(struct backend *b, const struct ags_config *cfg, const char *flag_base,
                        bool flag_local, const struct run_callbacks *cb, char **ret,
                        struct ags_error *err) _warn_unused_;
/* mmdebstrap --mode=unshare --variant=apt --format=tar of Debian suite into
 * tar (written as tar.part, renamed when done), as the user, with its output
 * through cb; hooks: shell commands for --customize-hook (may be NULL). */
int run_image_mmdebstrap(const char *suite, const char *tar, const char *const *hooks,
                         const struct run_callbacks *cb, struct ags_error *err) _warn_unused_;
/* The labels every build of the sandbox image gets (the context digest, the
 * time it was built, its base when base is not NULL), NULL-terminated, owned. */
char **run_image_build_labels(const char *digest, const char *base);
/* For a backend that cannot build Containerfiles: the image made from Debian
 * [image].debian_suite by mmdebstrap with containerfile/setup.sh run inside,
 * imported with the Containerfile's environment (run/image-bootstrap.c). */
int run_image_bootstrap(struct backend *b, const struct ags_config *cfg, const char *image,
                        const struct run_callbacks *cb, struct ags_error *err) _warn_unused_;
/* The ENV instructions of a Containerfile's text as KEY=VALUE: those before
 * its first RUN (*ret_build: what the RUN step sees) and all (*ret_image). */
int run_containerfile_env(const char *text, char ***ret_build, char ***ret_image,
                          struct ags_error *err) _warn_unused_;
/* sha256 (hex) of the context directory's tree and the added files. */
int run_image_context_digest(const char *dir, const struct backend_context_file *files,
                             size_t n_files, char hex[SHA256_HEX_SIZE],
                             struct ags_error *err) _warn_unused_;

/* ---- pins.c: mount sources pinned before the long steps ---- */
struct mount_pin {
    const char *source; /* the plan's */
    char *canon;        /* NULL: not pinned (missing: created later) */
    dev_t dev;
    ino_t ino;
    bool canonical;     /* an overlay's: canon must equal source */
};

struct mount_pins {
    struct mount_pin *v;
    size_t n;
};

/* copyin.c: the plan's PLAN_MOUNT_COPY files into the created, not yet
 * started sandbox id (one tar through the backend's copy_in); 0 when there
 * are none. */
int run_copy_in(struct backend *b, const struct ags_plan *p, const char *id,
                struct ags_error *err) _warn_unused_;

void pins_take(const struct ags_config *cfg, const struct ags_plan *p, struct mount_pins *pins);
/* -EPERM with *err when a source changed since pins_take. */
int pins_verify(const struct mount_pins *pins, struct ags_error *err) _warn_unused_;
void pins_done(struct mount_pins *pins);

/* ---- terminal.c ---- */
/* The lockdown filter of an attached output stream. */
struct term_filter {
    struct termfilter state;
    struct output_filter hook;
};

/* NULL unless lockdown and fd is a terminal; else f set up for fd. */
const struct output_filter *run_terminal_filter(struct term_filter *f, int fd, bool lockdown);
/* Writes what a filter has to undo at the end of its stream. */
void run_terminal_finish(struct term_filter *f, int fd);

/* Image build output on its way to cb->output. */
struct build_sink {
    const struct run_callbacks *cb;
    bool started, filtered;
    struct termfilter f;
};

void build_sink_write(const char *text, size_t len, void *userdata);
void build_sink_end(struct build_sink *s);

/* ---- guard.c ---- */
struct gitdirs_guard;
/* What the agent did to git metadata in the workdir of a lockdown run. */
void run_warn_git_guard(const struct ags_plan *p, const struct gitdirs_guard *g, time_t since,
                        const struct run_callbacks *cb);

/* ---- prune.c, prune-dirs.c ---- */
/* Appends one thing (name owned) to l. */
struct run_owned *run_owned_push(struct run_owned_list *l, enum run_owned_kind kind,
                                 char *name);
/* Something of one run: a dead run's goes with prune, a live one's stays. */
void run_owned_mark_dead(struct run_owned *x, bool dead);
/* The staging directories in tmp_dir and the base cache under cache_dir. */
void run_owned_add_dirs(const char *tmp_dir, const char *cache_dir, const struct procid *self,
                        char *const *keep, struct run_owned_list *l);
/* Removes a staging directory or a cache file without following a symlink. */
int run_owned_remove_dir(const struct run_owned *x, struct ags_error *err) _warn_unused_;

/* ---- the auth proxy of a run (docs/auth-proxy.md) ---- */
/* The per-run directory <private dir>/ags-proxy-<session id> holds the
 * sandbox's socket (mounted at PLAN_AUTH_PROXY_SOCK), the control socket
 * `ags approve` talks to (never mounted), and the owner file that lets a later
 * run sweep it. */
#define RUN_PROXY_DIR_PREFIX   "ags-proxy-"
#define RUN_PROXY_SOCK_NAME    "auth-proxy.sock"
#define RUN_PROXY_CONTROL_NAME "control.sock"
char *run_proxy_sock_path(const char *private_dir, const char *session_id);

/* ---- the egress proxy of an allowlist run (issue 18) ---- */
/* <private dir>/ags-egress-<session id>/egress.sock, mounted at
 * PLAN_EGRESS_SOCK; the run that serves it makes the directory. */
/* What ags df, ags prune and ags ps start with (prune.c): this process's
 * identity (owners are judged against it) and the backend o names. */
struct procid;
int run_owned_open(const struct run_owned_opts *o, struct procid *self, struct backend **ret,
                   struct ags_error *err) _warn_unused_;
#define RUN_EGRESS_DIR_PREFIX "ags-egress-"
#define RUN_EGRESS_SOCK_NAME  "egress.sock"

/* ---- ssh.c: the filtering ssh agent of a run (docs/security.md) ---- */
/* The per-run directory <private dir>/ags-ssh-<session id> holds the proxy's
 * socket and the owner file that lets a later run sweep it. */
#define RUN_SSH_DIR_PREFIX "ags-ssh-"
#define RUN_SSH_SOCK_NAME  "agent.sock"
/* ags's own ssh-agent in the private dir, when the user runs none. */
#define RUN_SSH_OWN_AGENT "ags-ssh-agent.sock"
char *run_ssh_sock_path(const char *private_dir, const char *session_id);

/* The agent a run uses, without starting one (doctor asks too): the user's
 * when $SSH_AUTH_SOCK answers, else ags's own in the private dir. */
struct run_ssh_agent_probe {
    char *path;       /* the agent's socket; NULL: no private dir for ags's own (error says) */
    bool own;         /* ags's own: a run starts it when it does not answer */
    char *user_error; /* $SSH_AUTH_SOCK is set but no agent answers there: why */
    int r;            /* 0: it answers and keys holds its keys; else -errno and error */
    char *error;
    struct ssh_agent_keys keys;
};
/* create: make the cache dir when it is the private dir (a run; doctor does not). */
void run_ssh_agent_probe(const char *(*getenv_fn)(const char *name), const char *cache_dir,
                         bool create, struct run_ssh_agent_probe *ret);
void run_ssh_agent_probe_done(struct run_ssh_agent_probe *p);

struct ssh_proxy;
struct run_ssh {
    char *dir;                  /* made by run_ssh_begin, removed by run_ssh_end */
    struct ssh_pubkey keys[2];
    size_t n_keys;
    int log_fd;
    char *log_path;
    struct ssh_proxy *proxy;
};
struct run_ssh_opts {
    const struct ags_config *cfg;
    const struct ags_plan *plan;
    const struct run_callbacks *cb;
    const char *(*getenv)(const char *name);
    bool tty; /* ssh-add may ask for a passphrase on the terminal */
};
/* Serves plan->ssh_agent_sock (nothing when it is NULL): the per-run dir,
 * the user's agent (or ags's own, started when none answers) with the
 * configured keys loaded, the session's log, the proxy.  Problems that leave
 * the sandbox without a usable key are warnings; an error only when the
 * socket the plan mounts cannot be served. */
int run_ssh_begin(struct run_ssh *rs, const struct run_ssh_opts *o, struct ags_error *err)
        _warn_unused_;
/* Stops the proxy and removes the per-run dir; safe on a zeroed or failed rs. */
void run_ssh_end(struct run_ssh *rs, const struct run_callbacks *cb);
