/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The Podman backend of a launch plan (plan/plan.h): renders the plan as a
 * SpecGenerator, prepares what the plan asks for (named volumes, host paths
 * to create), runs the container attached and removes it again, and sweeps
 * what ags processes that died left behind.
 */

#include <stdbool.h>
#include <stddef.h>

#include "backend/backend.h"
#include "base/error.h"
#include "plan/plan.h"
#include "podman/podman.h"

/* What the backend learnt about the engine once connected. */
struct backend_engine {
    unsigned major;   /* Podman's major version; 0: unknown */
    bool slirp4netns; /* slirp4netns is installed where Podman looks */
    /* The host's default IPv4 gateway ("" unknown): pasta copies the host's
     * routes, and with --map-gw this address reaches the host's loopback. */
    char gateway[16];
};

/* The address that reaches the host's loopback from inside slirp4netns's
 * default network (10.0.2.0/24): its second address. */
#define BACKEND_SLIRP_HOST_LOOPBACK "10.0.2.2"

/* The gateway of the first default route in /proc/net/route's text, dotted
 * ("" when there is none): pasta gives the sandbox the same one. */
void backend_route_gateway(const char *proc_net_route, char out[16]);

/* The engine facts from Podman's version text ("4.3.1") and the helper
 * directories and $PATH (from getenv_fn) where Podman looks for slirp4netns. */
void backend_podman_engine(const char *version, const char *(*getenv_fn)(const char *name),
                           struct backend_engine *ret);
bool backend_podman_has_slirp4netns(const char *(*getenv_fn)(const char *name));

/* A podman_spec and the storage its pointers refer to. */
struct backend_spec {
    struct podman_spec spec;
    char **env;                   /* "KEY=VALUE" */
    struct podman_mount *mounts;
    char ***mount_options;        /* per mount, NULL-terminated */
    struct podman_volume_mount *volumes;
    char *userns;                 /* "keep-id:uid=...,gid=...", or NULL */
    char **network_options;       /* NULL-terminated */
};

void backend_spec_done(struct backend_spec *s);
/* The user namespace of a sandbox user uid:gid inside: keep-id maps the
 * caller onto it (owned); NULL for root, which rootless Podman's root
 * already is (no namespace of its own). */
char *backend_podman_userns(uint32_t uid, uint32_t gid);

/*
 * Pure: plan -> spec, the plan's intent mapped for the engine.  The sandbox
 * user (uid 1000) is the caller through keep-id, root (--root) without a
 * user namespace of its own; the isolated network is slirp4netns with
 * allow_host_loopback=false when engine->major < 6 (0 counts) and
 * engine->slirp4netns, else pasta; tmpfs get "rw,nosuid,nodev[,noexec],size=N".
 * Env entries without a value take the host's value through getenv (and are
 * left out when it is unset).  tty and stdin_open come from whether ags's own
 * stdin/stdout are terminals.
 */
void backend_spec_from_plan(const struct ags_plan *p, const struct backend_engine *engine,
                            bool tty, bool stdin_open,
                            const char *(*getenv_fn)(const char *name),
                            struct backend_spec *ret);

/* Pure: a helper container (backend.h struct backend_helper) running argv:
 * its volumes, the sandbox user mapped as backend_spec_from_plan maps it
 * (keep-id), network none, cap-drop all, no-new-privileges, no TTY. */
void backend_spec_from_helper(const struct backend_helper *h, const char *const *argv,
                              struct backend_spec *ret);

struct backend_lock;

/* The helper container of h (backend.h) running argv, created (missing
 * volumes made with their labels), not started: *ret_id.  lock: the user's
 * turn for the create and the removal (backend_lock). */
int backend_helper_create(struct podman_client *c, struct backend_lock *lock,
                          const struct backend_helper *h, const char *const *argv, char **ret_id,
                          struct ags_error *err) _warn_unused_;
/* Kills (it may still run) and removes a helper container. */
int backend_helper_remove(struct podman_client *c, struct backend_lock *lock, const char *id,
                          struct ags_error *err);
/* backend_ops.helper_upload on c: create and PUT the archive (both cut
 * short when *cancel is set), then remove, whatever happened. */
int backend_helper_upload(struct podman_client *c, struct backend_lock *lock,
                          const volatile sig_atomic_t *cancel, const struct backend_helper *h,
                          const char *dir, int tar_fd, struct ags_error *err) _warn_unused_;
/* backend.h helper_run on the REST client (podman-helper-run.c). */
int backend_helper_run(struct podman_client *c, struct backend_lock *lock,
                       const struct backend_helper *h, const char *const *argv, int out_fd,
                       uint64_t max_out, int *ret_exit, char **ret_stderr,
                       struct ags_error *err) _warn_unused_;

/* Creates the named volume m->source with m->labels unless it exists. */
int backend_volume_ensure(struct podman_client *c, const struct plan_mount *m,
                          struct ags_error *err) _warn_unused_;

/* Creates missing named volumes (with the plan's labels) and the host paths
 * the plan marks for creation. */
int backend_prepare(struct podman_client *c, const struct ags_plan *p, struct ags_error *err)
        _warn_unused_;

/*
 * Removes containers and secrets labelled ags.managed=true whose owning ags
 * (label ags.owner, base/procid.h) is proven gone.  What a live ags owns, or
 * an ags in another PID namespace or on another machine, or one without that
 * label, is never touched.  *ret_removed counts what was removed.
 */
int backend_sweep(struct podman_client *c, size_t *ret_removed, struct ags_error *err)
        _warn_unused_;

/* backend.h list_owned and remove_owned on the REST client (podman-owned.c). */
int backend_list_owned(struct podman_client *c, const char *const *image_labels,
                       struct backend_objects *ret, struct ags_error *err) _warn_unused_;
int backend_remove_owned(struct podman_client *c, const struct backend_object *o,
                         struct ags_error *err) _warn_unused_;

/* The Podman secrets of one run and the spec entries that mount them. */
/* ags ps and ags stop (backend/podman-sessions.c; backend.h list_sessions,
 * stop_session, remove_session). */
int backend_list_sessions(struct podman_client *c, struct backend_sessions *ret,
                          struct ags_error *err) _warn_unused_;
int backend_stop_session(struct podman_client *c, const struct backend_session *s,
                         unsigned timeout_s, int *ret_exit, struct ags_error *err) _warn_unused_;
int backend_remove_session(struct podman_client *c, const struct backend_session *s,
                           struct ags_error *err) _warn_unused_;

struct backend_secrets {
    char **names;   /* ags-<pid>-<session>-<n> */
    char **targets; /* the variable names: files under PLAN_SECRETS_DIR */
    struct podman_secret_mount *mounts;
    size_t n;
};

/*
 * Creates one ephemeral Podman secret per value (the value travels only in the
 * request body), labelled like the plan's container so a dead run's secrets
 * are swept, and the mounts that put each at PLAN_SECRETS_DIR/<env>, 0400,
 * owned by the sandbox user.  On failure nothing created is left behind.
 */
int backend_secrets_create(struct podman_client *c, const struct ags_plan *p,
                           const struct backend_secret_value *values, size_t n,
                           struct backend_secrets *ret, struct ags_error *err) _warn_unused_;
/* Removes every secret of the run (best effort, all of them even after a
 * failure: the first failure is returned) and frees *s. */
int backend_secrets_remove(struct podman_client *c, struct backend_secrets *s,
                           struct ags_error *err);

/*
 * Podman 4.3 can deadlock (its container and volume locks taken in opposite
 * orders) when several containers that share named volumes are created,
 * initialised and removed at the same moment; ags's runs all share the
 * per-agent and cache volumes.  Concurrent ags processes of one user
 * therefore take turns for those short steps through an flock on
 * runtime_dir/ags-podman-<uid>.lock (docs/run-mode.md).  The lock is advisory and per user: a
 * failure to open it only loses the serialisation.
 */
struct backend_lock {
    int fd;    /* -1: no lock file */
    bool held;
};

void backend_lock_open(struct backend_lock *l, const char *runtime_dir);
/* Blocks until the lock is ours; -EINTR when *cancel (may be NULL: never)
 * became non-zero. */
int backend_lock_take(struct backend_lock *l, const volatile sig_atomic_t *cancel);
void backend_lock_release(struct backend_lock *l); /* idempotent */
void backend_lock_close(struct backend_lock *l);
