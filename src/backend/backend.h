/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The one interface between a run (src/run/) and the engine that carries out
 * its launch plan: Podman's REST API today (backend/podman.c), bubblewrap
 * later.  A backend maps the plan's intent (plan/plan.h) to its engine once
 * it knows the engine and its version.  The run calls the operations in this
 * order and undoes what succeeded on every way out:
 *
 *   sweep? -> image_exists / image_build? -> prepare -> secrets_create?
 *          -> create -> copy_in? -> start_attached -> remove -> secrets_remove -> close
 *
 * Every operation returns 0 or a negative errno with *err filled (the
 * library convention, base/error.h).  -EINTR: the run's cancel flag
 * (backend_open_opts.cancel) became non-zero while the step waited; long
 * steps (sweep, image, prepare) give up, steps that create something finish
 * so that it can be undone.  No operation prints: warnings go through the
 * open options' warn callback.
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/dialer.h"
#include "base/error.h"
#include "base/outfilter.h"
#include "plan/plan.h"

struct backend;

/* A resolved secret for one run: the value stays the caller's (and is wiped by it). */
struct backend_secret_value {
    const char *env; /* the variable it becomes inside the sandbox */
    const void *value;
    size_t len;
};

/* A host file that joins the build context at its top level as name (a
 * plain file name that the context directory does not have). */
struct backend_context_file {
    const char *name;
    const char *path; /* NULL: an empty file */
};

/* Building the sandbox image from a Containerfile. */
struct backend_image_build {
    const char *context_dir;
    const char *containerfile;  /* relative to context_dir */
    const char *const *labels;  /* "key=value", NULL-terminated, or NULL */
    const char *const *buildargs; /* "KEY=VALUE", NULL-terminated, or NULL */
    const struct backend_context_file *files;
    size_t n_files;
    /* Build output as it streams (NULL: dropped). */
    void (*on_output)(const char *text, size_t len, void *userdata);
    void *userdata;
};

/* The caller's side of an attached run. */
struct backend_io {
    int in_fd; /* -1: no stdin */
    int out_fd;
    int err_fd;
    bool tty; /* raw passthrough of one stream; else stdout and stderr apart */
    /* NULL: the bytes as they come.  With a TTY only out_filter applies. */
    const struct output_filter *out_filter;
    const struct output_filter *err_filter;
};

/* What ags doctor learns of the engine without asking it anything slow
 * (Podman 4.3 takes seconds to answer GET /info): what the connection
 * learnt.  "" where it is unknown. */
#define BACKEND_INFO_WORD 65
struct backend_engine_info {
    char version[BACKEND_INFO_WORD]; /* "4.3.1" */
    bool rootless;                   /* the service runs as this (non-root) user */
};

/* An image as ags doctor sees it. */
struct backend_image_info {
    char **labels;                          /* "key=value", NULL-terminated (strv_free) */
    char storage_driver[BACKEND_INFO_WORD]; /* where it is stored: "overlay", "vfs"; "" unknown */
};

/* Something of ags's in the engine (ags df, ags prune). */
enum backend_object_kind {
    BACKEND_OBJ_CONTAINER,
    BACKEND_OBJ_SECRET,
    BACKEND_OBJ_VOLUME,
    BACKEND_OBJ_IMAGE,
};

struct backend_object {
    enum backend_object_kind kind;
    char *id;       /* what remove_owned removes: container id, secret, volume name, image id */
    char *name;     /* for people: container, secret or volume name, image's first tag or "" */
    char **labels;  /* "key=value", NULL-terminated */
    char **tags;    /* images: every name (empty: untagged); else empty */
    uint64_t size;  /* bytes, when size_known */
    bool size_known;
    bool running;   /* containers */
    /* Images and volumes: the ids of the containers (anyone's) that use it. */
    char **users;
};

struct backend_objects {
    struct backend_object *v;
    size_t n;
};

void backend_objects_done(struct backend_objects *o); /* backend/objects.c */

/* A sandbox of this user carrying ags.managed=true (ags ps, ags stop): its
 * labels are what the run wrote, shown but never trusted. */
enum backend_session_state {
    BACKEND_SESSION_CREATED, /* not started yet */
    BACKEND_SESSION_RUNNING,
    BACKEND_SESSION_EXITED,  /* ended, not removed */
};

struct backend_session {
    char *id;     /* what stop_session and remove_session take */
    char *name;   /* the name ags printed */
    enum backend_session_state state;
    char **labels; /* "key=value", NULL-terminated */
};

struct backend_sessions {
    struct backend_session *v;
    size_t n;
};

void backend_sessions_done(struct backend_sessions *s); /* backend/objects.c */

/* A helper container (remote engines, docs/remote.md): the plan's image,
 * volumes mounted, network none, cap-drop all, no-new-privileges, the
 * sandbox user mapping; removed on every path. */
struct backend_helper {
    const char *image;
    /* PLAN_MOUNT_VOLUME only; one that is missing is created with its labels
     * (Podman would make it without any: nothing would ever list it). */
    const struct plan_mount *volumes;
    size_t n_volumes;
    const char *const *labels; /* "key=value", NULL-terminated: ags.managed, ags.session... */
    uint32_t uid, gid;         /* inside (the plan's identity) */
};

/* Of a helper's stderr, the last this many bytes are kept for messages. */
#define BACKEND_HELPER_STDERR_MAX 4096u

struct backend_ops {
    const char *name; /* "podman" */
    /* image_build builds a Containerfile; else the run layer makes the
     * image itself (run/image-bootstrap.c) and hands it to image_import. */
    bool builds_containerfiles;
    /* Removes sandboxes and secrets of ags processes proven dead
     * (base/procid.h); *ret_removed counts them. */
    int (*sweep)(struct backend *b, size_t *ret_removed, struct ags_error *err);
    int (*image_exists)(struct backend *b, const char *image, bool *ret,
                        struct ags_error *err);
    int (*image_build)(struct backend *b, const char *image,
                       const struct backend_image_build *opts, struct ags_error *err);
    /* Named volumes (with the plan's labels) and host paths the plan marks
     * for creation.  What it creates stays (volumes persist by design). */
    int (*prepare)(struct backend *b, const struct ags_plan *p, struct ags_error *err);
    /* Hands values to the engine for the sandbox created next (each at
     * PLAN_SECRETS_DIR/<env>, 0400, owned by the sandbox user).  On failure
     * nothing of it is left behind. */
    int (*secrets_create)(struct backend *b, const struct ags_plan *p,
                          const struct backend_secret_value *values, size_t n,
                          struct ags_error *err);
    /* Creates (not starts) the sandbox; *ret_id names it for the steps below.
     * -EEXIST: the plan's name is taken (the caller picks another and tries
     * again); nothing was created then. */
    int (*create)(struct backend *b, const struct ags_plan *p, bool tty, char **ret_id,
                  struct ags_error *err);
    /* Unpacks the tar in tar_fd (a regular file, sent whole) at the absolute
     * directory dir of the created, not yet started sandbox id: missing
     * directories are made, everything is owned by the sandbox user with
     * the tar's permission bits (PLAN_MOUNT_COPY).  NULL: the backend runs
     * on this host only and never gets such a plan (bwrap). */
    int (*copy_in)(struct backend *b, const char *id, const char *dir, int tar_fd,
                   struct ags_error *err);
    /* One regular file of a created or exited sandbox id: the contents of
     * the absolute path into out_fd.  What the sandbox left there is
     * untrusted: at most max bytes (more: -EFBIG), a symlink, directory or
     * anything else than a regular file is -EBADMSG, a missing path
     * -ENOENT.  out_fd is the caller's private regular file open for
     * reading and writing, its contents replaced: the engine's archive of
     * the file is spooled there first (up to max + TAR_READ_OVERHEAD_MAX
     * bytes: a file on disk rather than memory), checked, then the file's
     * bytes copied down over it.  NULL as copy_in. */
    int (*copy_out)(struct backend *b, const char *id, const char *path, int out_fd,
                    uint64_t max, struct ags_error *err);
    /* Starts it attached to io and waits for it: *ret_exit is its exit
     * status.  -EINTR: SIGINT, SIGTERM or SIGHUP ended the session (the
     * sandbox may still run: remove it). */
    int (*start_attached)(struct backend *b, const char *id, const struct backend_io *io,
                          int *ret_exit, struct ags_error *err);
    /* Stops (if needed) and removes the sandbox; -ENOENT when it is gone. */
    int (*remove)(struct backend *b, const char *id, struct ags_error *err);
    /* Removes every secret secrets_create made (all of them even after a
     * failure: the first failure is returned).  Idempotent. */
    int (*secrets_remove)(struct backend *b, struct ags_error *err);
    void (*close)(struct backend *b); /* NULL-safe through backend_close() */

    /* ---- image maintenance (ags update-image) ---- */
    /* The image's id (hex, owned); -ENOENT when there is none. */
    int (*image_id)(struct backend *b, const char *image, char **ret_id,
                    struct ags_error *err);
    /* Removes an image (never forced); -EBUSY when a container uses it. */
    int (*image_remove)(struct backend *b, const char *image, struct ags_error *err);
    /* Fetches image from its registry unless it is local; a registry that
     * sends nothing for stall_seconds fails it (-ETIMEDOUT). */
    int (*image_pull)(struct backend *b, const char *image, unsigned stall_seconds,
                      struct ags_error *err);
    /* Imports a root filesystem tarball as image with labels ("key=value",
     * NULL-terminated, may be NULL) and the environment env ("KEY=VALUE",
     * NULL-terminated, may be NULL) that a run of it starts with (what a
     * Containerfile's ENV gives an image). */
    int (*image_import)(struct backend *b, const char *tarball, const char *image,
                        const char *const *labels, const char *const *env,
                        struct ags_error *err);

    /* ---- what ags owns (ags df, ags prune) ---- */
    /* Containers and volumes labelled ags.managed=true, ags's secrets (ags-*
     * names labelled ags.managed=true), and the images carrying any of
     * image_labels (keys) with their users; which of them are ags's and in
     * use is the caller's decision (run/prune.c). */
    int (*list_owned)(struct backend *b, const char *const *image_labels,
                      struct backend_objects *ret, struct ags_error *err);
    /* Removes one object listed: a container even when it runs (it belongs
     * to a run proven dead), a volume or image never forced (-EBUSY when a
     * container uses it); -ENOENT when it is gone. */
    int (*remove_owned)(struct backend *b, const struct backend_object *o,
                        struct ags_error *err);

    /* ---- sessions (ags ps, ags stop) ---- */
    /* Every sandbox of this user with ags's labels, one engine request (or
     * one directory walk). */
    int (*list_sessions)(struct backend *b, struct backend_sessions *ret, struct ags_error *err);
    /* Ends a listed session's sandbox: SIGTERM, SIGKILL after timeout_s; waits
     * for it and sets *ret_exit to the agent's exit status (-1: unknown, such
     * as when its owner removed it first).  Removes nothing: a live owner
     * removes it and undoes the rest; -ENOENT when it is gone. */
    int (*stop_session)(struct backend *b, const struct backend_session *s, unsigned timeout_s,
                        int *ret_exit, struct ags_error *err);
    /* Removes what a session left whose owner is gone: its sandbox (stopped
     * first) and its secrets.  Gone already is fine. */
    int (*remove_session)(struct backend *b, const struct backend_session *s,
                          struct ags_error *err);
    /* Runs argv (absolute program, env "KEY=VALUE" or NULL) in a running
     * session's sandbox as its user, in its work dir, attached to io (tty:
     * a terminal of its own, sized from io->out_fd's and resized with it):
     * ags attach and ags logs.  NULL: the backend cannot (bwrap today).
     * -EINTR: SIGINT, SIGTERM or SIGHUP ended it (the command may go on). */
    int (*exec_session)(struct backend *b, const char *id, const char *const *argv,
                        const char *const *env, const struct backend_io *io, int *ret_exit,
                        struct ags_error *err);

    /* ---- facts for ags doctor (nothing is changed) ---- */
    int (*engine_info)(struct backend *b, struct backend_engine_info *ret,
                       struct ags_error *err);
    /* -ENOENT: no such image. */
    int (*image_info)(struct backend *b, const char *image, struct backend_image_info *ret,
                      struct ags_error *err);
    /* Where a named volume's files are on the host (owned); -ENOENT: no such
     * volume.  What is there is the sandbox's: read it without following links. */
    int (*volume_path)(struct backend *b, const char *name, char **ret_path,
                       struct ags_error *err);

    /* ---- a remote engine (docs/remote.md); NULL where the backend has none ---- */
    /* Unpacks the tar in tar_fd (a regular file) at dir inside a helper
     * container that has h's volumes mounted: every entry owned by h's
     * uid:gid as the sandbox sees it, modes and mtimes the tar's. */
    int (*helper_upload)(struct backend *b, const struct backend_helper *h, const char *dir,
                         int tar_fd, struct ags_error *err);

    /* Runs argv (absolute program) in a fresh helper container without a
     * TTY or stdin: its stdout into out_fd, at most max_out bytes (more:
     * -EFBIG, the container killed), the last BACKEND_HELPER_STDERR_MAX bytes
     * of its stderr into *ret_stderr (owned, may be ""), *ret_exit its exit
     * status.  The container is removed on every path.  -EINTR: the run's
     * cancel signal ended it. */
    int (*helper_run)(struct backend *b, const struct backend_helper *h,
                      const char *const *argv, int out_fd, uint64_t max_out, int *ret_exit,
                      char **ret_stderr, struct ags_error *err);
};

/* Every backend instance starts with this (the rest is the backend's). */
struct backend {
    const struct backend_ops *ops;
    /* The engine the open reached runs on another host (an ssh:// endpoint),
     * where this host's paths mean nothing: it must run remote plans only,
     * and a remote plan no other engine (run/exec.c). */
    bool remote;
};

/* Which engine runs the plan ([sandbox].backend, --backend). */
enum backend_kind {
    BACKEND_AUTO, /* Podman when its API answers or can be started, else bubblewrap */
    BACKEND_PODMAN,
    BACKEND_BWRAP,
};

const char *backend_kind_name(enum backend_kind k);
/* 0, or -EINVAL for a name that is not auto, podman or bwrap. */
int backend_kind_from_name(const char *name, enum backend_kind *ret) _warn_unused_;

struct backend_open_opts {
    enum backend_kind kind;
    /* Requests give up with -EINTR while *cancel is non-zero (the run's
     * signal flag); NULL: never. */
    const volatile sig_atomic_t *cancel;
    /* Something the user should know that does not stop the run. */
    void (*warn)(const char *msg, void *userdata);
    void *userdata;
    /* Environment as the run sees it (tests inject it). */
    const char *(*getenv)(const char *name);
    uint32_t service_idle_seconds; /* of an engine service the backend starts */
    const char *runtime_dir;       /* per-user runtime dir (locks), absolute */
    /* ags doctor: never start an engine service, and give up on a silent one
     * after timeout_ms for the connect and each request (0: usual limits). */
    bool no_autostart;
    long timeout_ms;
    /* The transport of an ssh:// engine URI (run/ wires ssh/tunnel.h's
     * ssh_tunnel_open: the backend may not include ssh/); NULL refuses one. */
    ags_dialer_open_fn *ssh_open;
    /* How long an ssh:// connection outlives the run for the next one, idle
     * (seconds; 0: one connection per run). */
    unsigned ssh_persist_seconds;
    /* Which Podman (docs/ags.1.md REMOTE ENGINES): --url, --connection NAME
     * (both before CONTAINER_HOST / CONTAINER_CONNECTION), and ags's
     * [engine] connection (after them) with where it was set; NULL: none. */
    const char *url, *connection, *conf_connection, *conf_connection_file;
    uint32_t conf_connection_line, conf_connection_col;
};

/* The backends there are (each in backend/<name>*.c). */

/*
 * The Podman backend behind backend.h: connects (starting a private service
 * when none answers, warning through o->warn when the endpoint is on the
 * network), learns the engine (struct backend_engine) and implements every
 * operation of struct backend_ops (backend/podman*.c).
 */
int backend_podman_open(const struct backend_open_opts *o, struct backend **ret,
                        struct ags_error *err) _warn_unused_;

/*
 * The bubblewrap backend behind backend.h (backend/bwrap*.c): the plan run by
 * bwrap from a root file system in ags's data directory, slirp4netns for the
 * network.  -ENOENT when bwrap is not installed.
 */
int backend_bwrap_open(const struct backend_open_opts *o, struct backend **ret,
                       struct ags_error *err) _warn_unused_;

/* The backend o->kind names; BACKEND_AUTO: Podman when it opens (its API
 * answers or a service can be started), else bubblewrap, with a warning that
 * says why Podman was not used (backend/open.c). */
int backend_open(const struct backend_open_opts *o, struct backend **ret,
                 struct ags_error *err) _warn_unused_;

/* Whether Podman finds the helper program name (slirp4netns, pasta) on
 * $PATH (from getenv_fn) or in its helper directories. */
bool backend_podman_has_helper(const char *(*getenv_fn)(const char *name), const char *name);
/* The endpoint backend_podman_open would try first (owned), for messages,
 * and (ret_origin may be NULL) what chose it: "--url", "CONTAINER_HOST",
 * "--connection N, containers.conf FILE:L:C", "default"... (owned). */
int backend_podman_target(const struct backend_open_opts *o, char **ret_uri,
                          char **ret_origin, struct ags_error *err) _warn_unused_;

/* Whether the endpoint uri (backend_podman_target's) runs on another host:
 * ssh:// (docs/remote.md). */
bool backend_podman_is_remote(const char *uri);

/* Where an ssh:// engine's tunnel keeps its sockets: "<runtime>/ags"
 * (podman_ssh_runtime_dir; owned). */
char *backend_podman_tunnel_dir(const struct backend_open_opts *o);

/* The names containers.conf gives Podman services (--connection NAME). */
int backend_podman_connections(const struct backend_open_opts *o, char ***ret,
                               struct ags_error *err) _warn_unused_;

static inline void backend_close(struct backend *b)
{
    if (b)
        b->ops->close(b);
}

static inline void backend_closep(struct backend **b)
{
    backend_close(*b);
}

#define _cleanup_backend_ _cleanup_(backend_closep)
