/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <signal.h>

/*
 * The libpod REST client: the public API of the podman layer.  No libcurl or
 * jansson type appears here.  All functions follow the base error convention
 * (negative errno, optional *err filled only on failure); nothing prints.
 *
 * Strings returned through ret_* are owned by the caller (free()); arrays of
 * strings end with NULL and are freed with strv_free().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/dialer.h"
#include "base/error.h"
#include "base/outfilter.h"
#include "base/strv.h"

struct podman_client;

/* ---- connecting (connect.c) ---- */

struct podman_connect_opts {
    const char *url;          /* --url; NULL: CONTAINER_HOST, containers.conf, default socket */
    /* --connection: a containers.conf service destination, before
     * CONTAINER_HOST and CONTAINER_CONNECTION (after url). */
    const char *connection;
    /* ags's [engine] connection: after CONTAINER_HOST / CONTAINER_CONNECTION,
     * before containers.conf's active_service; where it was set, for messages. */
    const char *conf_connection, *conf_connection_file;
    uint32_t conf_connection_line, conf_connection_col;
    const char *home;         /* $HOME */
    const char *xdg_runtime;  /* $XDG_RUNTIME_DIR or NULL */
    const char *xdg_config;   /* $XDG_CONFIG_HOME or NULL */
    const char *(*getenv)(const char *name);
    bool autostart;           /* start `podman system service` when nothing answers */
    uint32_t idle_seconds;    /* --time= of a service ags starts */
    /* The ping and every request of the client within this (ags doctor: a
     * hung service is an answer, not a wait); 0: the usual limits. */
    long timeout_ms;
    /* Opens the transport of an ssh:// URI (the caller's: ssh/tunnel.h, wired
     * by run/); NULL: ssh:// is refused.  The identity file is
     * CONTAINER_SSHKEY, as for podman --remote. */
    ags_dialer_open_fn *ssh_open;
    /* The tunnel's life after the run (ags_dial_target.persist_seconds). */
    unsigned ssh_persist_seconds;
};

/*
 * Resolves the endpoint like podman does (--url / CONTAINER_HOST, then
 * containers.conf active_service / service_destinations, then the default
 * rootless or root socket), pings it within 5 s, starts a private service
 * when allowed and needed, and checks that Podman is 4.0 or newer.
 */
int podman_connect(const struct podman_connect_opts *opts, struct podman_client **ret,
                   struct ags_error *err) _warn_unused_;
/* The service destination names of the containers.conf files podman reads
 * (each once, in file order; owned, strv_free). */
int podman_conf_connections(const struct podman_connect_opts *opts, char ***ret,
                            struct ags_error *err) _warn_unused_;
/* The URI podman_connect() tries first (no connection made; owned). */
int podman_connect_target(const struct podman_connect_opts *opts, char **ret_uri,
                          char **ret_origin, struct ags_error *err) _warn_unused_;
/*
 * Whether uri is a tcp:// endpoint on anything but loopback (127.0.0.0/8,
 * ::1, localhost): Podman's API has no authentication there, and the sandbox
 * (or anyone on the network) may reach it.  A hostname other than localhost
 * counts as network: ags does not resolve it to decide.
 */
bool podman_uri_is_network(const char *uri);
/* Whether uri is an ssh:// endpoint: a Podman on another host, whose
 * containers cannot see this host's paths (tcp:// counts as this machine). */
bool podman_uri_is_remote(const char *uri);
/* The runtime directory an ssh:// endpoint's tunnel keeps its sockets
 * below (in ags/; Podman's rule: XDG_RUNTIME_DIR, else /run/user/UID,
 * $TMPDIR/podman-run-UID, $HOME/rundir; root: /run), owned: a place no
 * sandbox may see (docs/security.md). */
char *podman_ssh_runtime_dir(const struct podman_connect_opts *opts);
struct podman_client *podman_client_free(struct podman_client *c); /* NULL-safe */
const char *podman_client_version(const struct podman_client *c);  /* "4.3.1" */
const char *podman_client_uri(const struct podman_client *c);
/* Makes requests abort with -EINTR while *flag (set by the caller's signal
 * handler) is non-zero; NULL turns that off.  Hijacked streams (attach, exec)
 * have their own signal handling (tty.h). */
void podman_client_set_cancel(struct podman_client *c, const volatile sig_atomic_t *flag);

/* Labels are "key=value" strings in a NULL-terminated array. */

/* ---- images (images.c) ---- */

int podman_image_exists(struct podman_client *c, const char *name, bool *ret,
                        struct ags_error *err) _warn_unused_;
/* The full image id ("sha256:" stripped). */
int podman_image_id(struct podman_client *c, const char *name, char **ret_id,
                    struct ags_error *err) _warn_unused_;
/* The image's labels as "key=value" strings and (ret_driver may be NULL) the
 * storage driver that holds it (GraphDriver.Name: "overlay", "vfs"; owned,
 * "" unknown).  -ENOENT: no such image. */
int podman_image_labels(struct podman_client *c, const char *name, char ***ret_labels,
                        char **ret_driver, struct ags_error *err) _warn_unused_;
/* -EBUSY when a container uses it (never forced: force would remove containers). */
int podman_image_remove(struct podman_client *c, const char *name, struct ags_error *err)
        _warn_unused_;

struct podman_tar_extra;

struct podman_build_opts {
    const char *context_dir;     /* tarred in-process */
    const char *containerfile;   /* path relative to context_dir */
    const char *const *tags;     /* NULL-terminated */
    const char *const *buildargs; /* "KEY=VALUE", NULL-terminated, may be NULL */
    const char *const *labels;   /* "key=value", may be NULL */
    /* Host files added at the context's top level (podman/tar.h). */
    const struct podman_tar_extra *extra;
    size_t n_extra;
    bool network;                /* RUN steps get a private network (else none) */
    /* Fail when Podman sends nothing for this long; 0 = PODMAN_BUILD_STALL_SECONDS. */
    unsigned stall_seconds;
    /* Build output, as it arrives (one "stream" text at a time). */
    void (*on_output)(const char *text, size_t len, void *userdata);
    void *userdata;
};

/* A build step can be silent for a while (compiling, downloading); ten
 * minutes without a byte means the service is stuck. */
#define PODMAN_BUILD_STALL_SECONDS 600u

/* Fails (-EIO with the build's own error text) when any stream line carries
 * an error or the stream ends without an image id; -ETIMEDOUT when Podman
 * sends nothing for stall_seconds. */
int podman_image_build(struct podman_client *c, const struct podman_build_opts *opts,
                       char **ret_id, struct ags_error *err) _warn_unused_;
/* Pulls reference unless it is in local storage; -ETIMEDOUT when the
 * registry sends nothing for stall_seconds (0: PODMAN_BUILD_STALL_SECONDS). */
int podman_image_pull(struct podman_client *c, const char *reference, unsigned stall_seconds,
                      struct ags_error *err) _warn_unused_;
/* Imports a root filesystem tarball as reference, with labels ("key=value",
 * NULL-terminated, may be NULL; keys and values of [A-Za-z0-9._/:-] only) and
 * the image's environment env ("KEY=VALUE", NULL-terminated, may be NULL; a
 * value without blanks, quotes or backslashes: Podman's ENV change would
 * split or unquote them), each as a change ("LABEL k=v", "ENV K=V"). */
int podman_image_import(struct podman_client *c, const char *tarball, const char *reference,
                        const char *const *labels, const char *const *env, char **ret_id,
                        struct ags_error *err)
        _warn_unused_;

/* ---- disk use (usage.c) ---- */

struct podman_image_info {
    char *id;          /* full hex id */
    char **tags;       /* RepoTags, NULL-terminated (empty: untagged) */
    char **labels;     /* "key=value" */
    uint64_t size;     /* bytes, shared layers included */
    unsigned containers; /* containers (any) that use it */
};

void podman_image_infos_free(struct podman_image_info *v, size_t n);
/* Images carrying label ("key" or "key=value"). */
int podman_image_list(struct podman_client *c, const char *label, struct podman_image_info **ret,
                      size_t *ret_n, struct ags_error *err) _warn_unused_;

struct podman_volume_info {
    char *name;
    char **labels;   /* "key=value" */
    uint64_t size;   /* bytes (GET /system/df) */
    bool size_known;
    unsigned links;  /* containers (any) that use it */
};

void podman_volume_infos_free(struct podman_volume_info *v, size_t n);
/* Volumes carrying label ("key" or "key=value") with their sizes and links. */
int podman_volume_usage(struct podman_client *c, const char *label,
                        struct podman_volume_info **ret, size_t *ret_n, struct ags_error *err)
        _warn_unused_;

/* ---- volumes (volumes.c) ---- */

int podman_volume_create(struct podman_client *c, const char *name, const char *const *labels,
                         struct ags_error *err) _warn_unused_;
int podman_volume_exists(struct podman_client *c, const char *name, bool *ret,
                         struct ags_error *err) _warn_unused_;
/* Labels of a volume as "key=value" strings. */
int podman_volume_labels(struct podman_client *c, const char *name, char ***ret_labels,
                         struct ags_error *err) _warn_unused_;
/* Where a local volume's data is on the host (its Mountpoint; -ENOENT: no
 * such volume). */
int podman_volume_mountpoint(struct podman_client *c, const char *name, char **ret_path,
                             struct ags_error *err) _warn_unused_;
/* Volumes carrying every label given (libpod ORs volume filters; we AND them). */
int podman_volume_list(struct podman_client *c, const char *const *labels, char ***ret_names,
                       struct ags_error *err) _warn_unused_;
int podman_volume_remove(struct podman_client *c, const char *name, struct ags_error *err)
        _warn_unused_;

/* ---- secrets (secrets.c) ---- */

/* The value travels only in the request body (never a URL, never argv). */
int podman_secret_create(struct podman_client *c, const char *name, const void *value,
                         size_t len, const char *const *labels, struct ags_error *err)
        _warn_unused_;
/* Secrets carrying every label given (4.3 lists no labels: each is inspected). */
int podman_secret_list(struct podman_client *c, const char *const *labels, char ***ret_names,
                       struct ags_error *err) _warn_unused_;
/* Whether one secret (name or id) carries every label given (-ENOENT: no
 * such secret). */
int podman_secret_has_labels(struct podman_client *c, const char *name,
                             const char *const *labels, bool *ret_match, struct ags_error *err)
        _warn_unused_;
/* Labels of one secret (name or id) as "key=value" strings, NULL-terminated
 * (strv_free; -ENOENT: no such secret). */
int podman_secret_labels(struct podman_client *c, const char *name, char ***ret_labels,
                         struct ags_error *err) _warn_unused_;
int podman_secret_remove(struct podman_client *c, const char *name, struct ags_error *err)
        _warn_unused_;

/* ---- containers (spec.c, containers.c) ---- */

struct podman_mount {
    const char *type;        /* "bind" or "tmpfs" */
    const char *source;      /* host path; "tmpfs" for tmpfs */
    const char *destination;
    const char *const *options; /* e.g. {"ro", NULL} or {"size=64m","mode=1777",NULL} */
};

struct podman_volume_mount {
    const char *name;
    const char *destination;
    bool read_only;
};

struct podman_secret_mount {
    const char *source;  /* secret name */
    const char *target;  /* file name under /run/secrets, or absolute */
    uint32_t uid, gid;   /* owner of the file inside the container */
    uint32_t mode;       /* e.g. 0400 */
};

/* A typed SpecGenerator; podman_spec_to_json() renders it (never by pasting strings). */
struct podman_spec {
    const char *image;
    const char *name;
    const char *const *entrypoint;   /* argv, may be NULL */
    const char *const *command;      /* argv, may be NULL */
    const char *const *env;          /* "KEY=VALUE" */
    const char *const *labels;       /* "key=value" */
    const char *work_dir;
    const char *user;                /* NULL with keep-id */
    const char *userns;              /* "keep-id", "host", NULL = default */
    bool terminal;
    bool stdin_open;
    bool no_new_privileges;
    bool no_log; /* the engine keeps no log of the output (log driver none) */
    bool cap_drop_all;
    bool selinux_disable;
    bool read_only_rootfs;
    int64_t pids_limit;              /* 0: unset */
    const char *netns;               /* "slirp4netns", "pasta", "none", NULL = default */
    const char *const *network_options; /* options of netns, e.g. {"allow_host_loopback=false"} */
    const struct podman_mount *mounts;
    size_t n_mounts;
    const struct podman_volume_mount *volumes;
    size_t n_volumes;
    const struct podman_secret_mount *secrets;
    size_t n_secrets;
    const char *const *hostadd;      /* "name:ip" */
    uint32_t stop_timeout;           /* 0: unset */
    uint32_t timeout;                /* seconds it may run, then SIGKILL; 0: unset */
};

/* Owned JSON text of the SpecGenerator. */
char *podman_spec_to_json(const struct podman_spec *spec);
/* Whether spec renders (image set, env names valid, KEY=VALUE labels, absolute
 * destinations, UTF-8 text, ...): -EINVAL says what is wrong.  For an invalid
 * spec podman_spec_to_json() returns NULL. */
int podman_spec_check(const struct podman_spec *spec, struct ags_error *err) _warn_unused_;

/* Creates (not starts) the container; *ret_warnings (may be NULL) gets the
 * service's warnings (e.g. resource limits ignored on cgroup v1) as an owned
 * NULL-terminated array (strv_free()). */
int podman_container_create(struct podman_client *c, const struct podman_spec *spec,
                            char **ret_id, char ***ret_warnings, struct ags_error *err)
        _warn_unused_;
int podman_container_start(struct podman_client *c, const char *id, struct ags_error *err)
        _warn_unused_;
int podman_container_resize(struct podman_client *c, const char *id, unsigned rows,
                            unsigned cols, struct ags_error *err) _warn_unused_;
int podman_container_wait(struct podman_client *c, const char *id, int *ret_exit_code,
                          struct ags_error *err) _warn_unused_;
int podman_container_stop(struct podman_client *c, const char *id, unsigned timeout_s,
                          struct ags_error *err) _warn_unused_;
int podman_container_kill(struct podman_client *c, const char *id, const char *signal,
                          struct ags_error *err) _warn_unused_;
/* force also stops a running container; removes its anonymous volumes. */
int podman_container_remove(struct podman_client *c, const char *id, bool force,
                            struct ags_error *err) _warn_unused_;

struct podman_container_info {
    char *id;
    char *name;
    char *state;   /* created, running, exited, ... */
    char **labels; /* "key=value" */
    char *image_id; /* ImageID ("" unknown) */
};

void podman_container_infos_free(struct podman_container_info *v, size_t n);
/* All containers (running or not) carrying every label given. */
int podman_container_list(struct podman_client *c, const char *const *labels,
                          struct podman_container_info **ret, size_t *ret_n,
                          struct ags_error *err) _warn_unused_;
/* All containers (running or not) that use the named volume (usage.c). */
int podman_container_list_volume(struct podman_client *c, const char *volume,
                                 struct podman_container_info **ret, size_t *ret_n,
                                 struct ags_error *err) _warn_unused_;

/* ---- copying into and out of a container (archive.c) ---- */

/* The largest tar podman_container_put_archive() sends (a workspace upload
 * is capped lower by [remote] max_upload). */
#define PODMAN_ARCHIVE_MAX (64ull << 30)

/* Unpacks the tar in tar_fd (a regular file, sent whole from offset 0) at
 * the absolute directory dir of container id, created or not yet started
 * (or running): missing directories are made, entries replace what is
 * there, everything ends up owned by the container's user with the tar's
 * permission bits (details in archive.c). */
int podman_container_put_archive(struct podman_client *c, const char *id, const char *dir,
                                 int tar_fd, struct ags_error *err) _warn_unused_;
/* What Podman says of the path of an archive GET (its X-Docker-Container-
 * Path-Stat header, computed before the archive).  Podman follows a symlink
 * at the path (or on the way) and archives its target under the name asked
 * for: link_target is where the path led, so only the stat tells. */
struct podman_path_stat {
    char *name;        /* owned */
    char *link_target; /* owned: the path in the container it resolved to */
    uint64_t size;
    uint32_t mode;     /* Go's os.FileMode: permission and type bits */
    bool is_dir;
};
/* Go's os.ModeType: directory, symlink, device, fifo, socket, char device, irregular. */
#define PODMAN_MODE_TYPE 0x8f280000u
void podman_path_stat_done(struct podman_path_stat *st);
/* 0 when st describes a regular file at exactly path (no symlink followed
 * to it); else -EBADMSG saying what path is. */
int podman_path_stat_regular(const struct podman_path_stat *st, const char *path,
                             struct ags_error *err) _warn_unused_;

/* The tar of the absolute path in container id, created or exited (or
 * running), streamed into out_fd as it arrives (from its offset): Podman
 * sends path's basename as the entry (base/tar-read.h reads a file's back),
 * and *ret_stat (may be NULL; podman_path_stat_done) what path is.  The tar
 * is the container's: more than max bytes aborts the transfer with -EFBIG.
 * -ENOENT: no such container or path; -EPROTO: a reply without a valid
 * stat.  -EINTR: the client's cancel flag.  out_fd may hold part of a reply
 * after an error. */
int podman_container_get_archive(struct podman_client *c, const char *id, const char *path,
                                 int out_fd, uint64_t max, struct podman_path_stat *ret_stat,
                                 struct ags_error *err) _warn_unused_;

/* ---- running attached (attach.c, io.c) ---- */

struct podman_io {
    int in_fd;   /* -1: no stdin */
    int out_fd;
    int err_fd;
    bool tty;    /* raw passthrough; else demultiplex the 8-byte framed stream */
    /* NULL: the bytes as they come.  With a TTY only out_filter applies. */
    const struct output_filter *out_filter;
    const struct output_filter *err_filter;
    /* Non-TTY: stdout past this many bytes ends the run with -EFBIG (the
     * container may still run: remove it); 0: no limit. */
    uint64_t out_max;
};

/*
 * The `podman run -it` sequence on a created container: attach, size the TTY
 * (when tty: from out_fd's terminal), start, pump stdin/stdout/stderr (TTY:
 * raw mode on in_fd restored on every exit path, SIGWINCH forwarded as
 * resize; non-TTY: stdin EOF delivered as a half-close), then wait.
 * *ret_exit_code is the container's exit status.
 */
/*
 * Details of podman_run_attached() and podman_exec():
 *  - The caller removes the container afterwards (podman_container_remove()):
 *    it is created without auto-remove, so getting the exit status never
 *    races the cleanup.  The status comes from inspect as soon as the
 *    container is "stopped" (wait would first sit out the cleanup, ~250 ms),
 *    else from wait.
 *  - No detach keys: every byte of stdin reaches the process (ctrl-p too),
 *    and a caller that removes the container after the run cannot lose it to
 *    a detach.  aopts (may be NULL) with detach_keys set enables podman's
 *    ctrl-p,ctrl-q in TTY mode (each key on its own, as a terminal sends
 *    them); a detach returns PODMAN_DETACHED, the process keeps running and
 *    *ret_exit_code is not set.
 *  - While they run, SIGWINCH, SIGINT, SIGTERM, SIGHUP and SIGPIPE are
 *    handled (the previous handlers come back on return; one run at a time
 *    per process, else -EBUSY).  SIGINT, SIGTERM and SIGHUP restore the
 *    terminal at once and end the run with -EINTR: the container may still
 *    run (stop or remove it); podman_interrupt_signal() names the signal.
 *    In raw mode ^C is a byte for the container, not a signal.
 *  - Output to out_fd/err_fd that fails (EPIPE: the reader went away) ends
 *    the run with that error.
 */
#define PODMAN_DETACHED 1
/* The signal that made the last podman_run_attached()/podman_exec() return -EINTR, else 0. */
int podman_interrupt_signal(void);

struct podman_attach_opts {
    bool detach_keys; /* TTY only: podman's ctrl-p,ctrl-q detaches (PODMAN_DETACHED) */
    /* Called once the start request returned (whatever its outcome), before
     * the output is pumped: the container is initialised and running. */
    void (*on_started)(void *userdata);
    void *userdata;
};

/* aopts may be NULL (no detach keys, no on_started). */
int podman_run_attached(struct podman_client *c, const char *id, const struct podman_io *io,
                        const struct podman_attach_opts *aopts, int *ret_exit_code,
                        struct ags_error *err) _warn_unused_;

/* ---- exec (exec.c) ---- */

struct podman_exec_opts {
    const char *const *argv;
    const char *const *env;
    const char *user;
    const char *work_dir;
    bool tty;
};

/* Detach keys and on_started as for podman_run_attached(); aopts may be NULL. */
int podman_exec(struct podman_client *c, const char *id, const struct podman_exec_opts *opts,
                const struct podman_io *io, const struct podman_attach_opts *aopts,
                int *ret_exit_code, struct ags_error *err) _warn_unused_;

static inline void podman_client_freep(struct podman_client **c)
{
    podman_client_free(*c);
}
