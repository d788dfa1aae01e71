/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The bubblewrap backend behind backend.h (internal to src/backend): the same
 * launch plan as the Podman backend, run by bwrap from a root file system
 * that ags keeps in its own data directory.  Two halves share this struct:
 *
 *   the store (backend/bwrap-store*.c): images as root file systems, named
 *     volumes as directories, what ags df/prune/doctor see of them;
 *   the launch (backend/bwrap-run*.c): the plan as a bwrap command line, the
 *     secrets as memory files, slirp4netns, the terminal, wait and undo, and
 *     the sweep of what a dead run left.
 *
 * The store's layout under data_dir (`${XDG_DATA_HOME:-~/.local/share}/ags`,
 * never mounted into a sandbox: the plan refuses ags's own directories), every
 * directory 0700 and the user's:
 *
 *   rootfs/<id>/root/     an image's tree, extracted as the user (so every
 *                         file is the user's: inside the sandbox's
 *                         single-uid user namespace it is the sandbox user's,
 *                         and bwrap binds it read-only)
 *   rootfs/<id>/labels    "key=value" lines
 *   rootfs/<id>/env       "KEY=VALUE" lines: the image's environment (what a
 *                         Containerfile's ENV gives a Podman image)
 *   rootfs/<id>/created   the creation time, RFC 3339 (for people)
 *   rootfs/tags/<name>    an image name (percent-encoded: bwrap_store_tag_file)
 *                         -> the id it names, one line
 *   volumes/<name>/_data/ a named volume's files (the sandbox's: read them
 *                         without following links)
 *   volumes/<name>/labels "key=value" lines
 *   runs/ags-bwrap-<name>/ a live sandbox's owner, image-id, labels, the
 *                         bwrap process's identity (sandbox), /home copy,
 *                         /tmp and /var/tmp, slirp4netns's log (the launch)
 *
 * <id> is 64 hex digits (sha256 of what was imported), as Podman's image ids.
 * A new entry is written under a temporary name and renamed into place, so
 * a crash leaves no half entry under a real name.
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "backend/backend.h"
#include "base/error.h"
#include "bwrap/launch.h"
#include "plan/plan.h"

/* A sandbox created (bwrap_create) and not yet removed. */
struct bwrap_sandbox {
    char *id;          /* the plan's name */
    char *run_dir;     /* <data>/runs/ags-bwrap-<name>/: owner, image-id, home, tmp; 0700 */
    char **argv;       /* bwrap's options and command (no secret in it) */
    char **envp;       /* the sandbox's environment */
    int *own_fds;      /* made for it: seccomp program, hosts, resolv.conf */
    size_t n_own_fds;
    int *keep_fds;     /* what bwrap inherits: own_fds and the secrets */
    size_t n_keep_fds;
    bool tty;
    bool host_loopback;
    bool network; /* slirp4netns: the plan's mode is open */
    uint32_t pids_limit; /* the plan's, 0: none */
    bool started;
    struct bwrap_proc proc;
};

struct bwrap_backend {
    struct backend base;
    const volatile sig_atomic_t *cancel;
    void (*warn)(const char *msg, void *userdata);
    void *userdata;
    const char *(*getenv)(const char *name);
    char *data_dir;    /* absolute */
    char *bwrap;       /* the bwrap program (absolute, from a trusted directory) */
    char *slirp4netns; /* absolute, or NULL when it is not installed */
    /* Secrets handed over for the sandbox created next: one sealed memory
     * file each (memfd), read by bwrap into the sandbox's private tmpfs. */
    char **secret_names;
    int *secret_fds;
    size_t n_secrets;
    struct bwrap_sandbox *sb; /* at most one at a time; NULL: none */
};

static inline struct bwrap_backend *bwrap_of(struct backend *b)
{
    return (struct bwrap_backend *)b;
}

/* ---- the store (backend/bwrap-store*.c) ---- */

/* The root directory of image (owned, "<data>/rootfs/<id>/root"), its
 * environment ("KEY=VALUE", NULL-terminated, owned; strv_free) and, when
 * ret_id is not NULL, its id (owned): all from one look-up of the name, which
 * a concurrent update-image may point elsewhere; -ENOENT: no such image. */
int bwrap_store_image_root(struct bwrap_backend *b, const char *image, char **ret_root,
                           char ***ret_env, char **ret_id, struct ags_error *err) _warn_unused_;
/* The host directory of named volume name (owned, "<data>/volumes/<name>/_data");
 * -ENOENT when it does not exist. */
int bwrap_store_volume_dir(struct bwrap_backend *b, const char *name, char **ret_dir,
                           struct ags_error *err) _warn_unused_;

int bwrap_store_image_exists(struct backend *b, const char *image, bool *ret,
                             struct ags_error *err);
int bwrap_store_image_build(struct backend *b, const char *image,
                            const struct backend_image_build *opts, struct ags_error *err);
int bwrap_store_image_id(struct backend *b, const char *image, char **ret_id,
                         struct ags_error *err);
int bwrap_store_image_remove(struct backend *b, const char *image, struct ags_error *err);
int bwrap_store_image_pull(struct backend *b, const char *image, unsigned stall_seconds,
                           struct ags_error *err);
int bwrap_store_image_import(struct backend *b, const char *tarball, const char *image,
                             const char *const *labels, const char *const *env,
                             struct ags_error *err);
int bwrap_store_image_info(struct backend *b, const char *image,
                           struct backend_image_info *ret, struct ags_error *err);
/* Named volumes that do not exist yet, each filled from the image's content
 * at its mount point (as Podman fills a new volume), and the host paths the
 * plan marks for creation. */
int bwrap_store_prepare(struct backend *b, const struct ags_plan *p, struct ags_error *err);
int bwrap_store_list_owned(struct backend *b, const char *const *image_labels,
                           struct backend_objects *ret, struct ags_error *err);
int bwrap_store_remove_owned(struct backend *b, const struct backend_object *o,
                             struct ags_error *err);
int bwrap_store_volume_path(struct backend *b, const char *name, char **ret_path,
                            struct ags_error *err);

/* ---- copies of the image's trees (backend/bwrap-copy.c) ---- */

/* src's entries into dst (fds of directories): directories, regular files
 * and symlinks (as symlinks), modes without setuid or setgid; nothing else,
 * nothing followed.  b (may be NULL): its cancel flag stops it (-EINTR). */
int bwrap_copy_dir_at(const struct bwrap_backend *b, int src, int dst) _warn_unused_;
/* The same for the tree at src into a new directory dst. */
int bwrap_copy_tree(const char *src, const char *dst, struct ags_error *err) _warn_unused_;

/* ---- the launch (backend/bwrap-run*.c) ---- */

int bwrap_sweep(struct backend *b, size_t *ret_removed, struct ags_error *err);
int bwrap_secrets_create(struct backend *b, const struct ags_plan *p,
                         const struct backend_secret_value *values, size_t n,
                         struct ags_error *err);
int bwrap_secrets_remove(struct backend *b, struct ags_error *err);
int bwrap_create(struct backend *b, const struct ags_plan *p, bool tty, char **ret_id,
                 struct ags_error *err);
int bwrap_start_attached(struct backend *b, const char *id, const struct backend_io *io,
                         int *ret_exit, struct ags_error *err);
int bwrap_remove(struct backend *b, const char *id, struct ags_error *err);
/* ags ps and ags stop (backend/bwrap-sessions.c). */
int bwrap_list_sessions(struct backend *b, struct backend_sessions *ret, struct ags_error *err);
int bwrap_stop_session(struct backend *b, const struct backend_session *s, unsigned timeout_s,
                       int *ret_exit, struct ags_error *err);
int bwrap_remove_session(struct backend *b, const struct backend_session *s,
                         struct ags_error *err);
int bwrap_engine_info(struct backend *b, struct backend_engine_info *ret,
                      struct ags_error *err);
