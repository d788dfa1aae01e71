/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The launch plan as a bwrap command line (pure: the caller looked at the
 * image's tree and made the fds; tests/unit/test-bwrap-args.c pins it).
 *
 * The sandbox's file system, every mount ordered parents first (a stable
 * sort by depth, as Podman orders a container's mounts, so the plan's order
 * holds among equals):
 *   - the image's tree read-only, each entry of a "shadowed" directory bound
 *     on a tmpfs of its own (always "/": new top-level mount points can be
 *     made; and the nearest directory of the image above a plan mount whose
 *     destination the image lacks, since a read-only bind cannot take a new
 *     mount point), symlinks made again as symlinks;
 *   - /proc, a minimal /dev, /tmp and /var/tmp (the plan's sized tmpfs in
 *     lockdown, else per-run directories on disk), a sized tmpfs on /run, the
 *     per-run copy of the image's /home;
 *   - the plan's binds and volumes (read-only where the plan says so);
 *   - the secrets as 0400 files on /run's tmpfs, copied by bwrap from memory
 *     files (never on disk, never in argv);
 *   - /etc/hosts and /etc/resolv.conf for slirp4netns's network where the
 *     image has them;
 *   - last, "/" and every shadow remounted read-only: their tmpfs only hold
 *     mount points (and are sized so), nothing the sandbox could fill or plant
 *     into.
 * Namespaces: user (the caller is the plan's uid/gid inside, nothing else is
 * mapped), pid, ipc, uts, net, cgroup; no further user namespaces inside; all
 * capabilities dropped; bwrap sets no_new_privs; the seccomp program; dies
 * with ags; outside a terminal a new session (no TIOCSTI into the caller's
 * terminal).  The command is the plan's entrypoint.  (The pids limit is the
 * launch's: bwrap_start_opts.nproc_limit.)
 */

#include <stdbool.h>
#include <stddef.h>

#include "plan/plan.h"

enum bwrap_entry_kind { BWRAP_ENTRY_DIR, BWRAP_ENTRY_FILE, BWRAP_ENTRY_LINK };

struct bwrap_entry {
    char *name;
    enum bwrap_entry_kind kind;
    char *target; /* BWRAP_ENTRY_LINK */
};

/* A directory of the image (absolute path inside it) bound entry by entry. */
struct bwrap_shadow {
    char *path;
    struct bwrap_entry *entries;
    size_t n_entries;
};

struct bwrap_args_in {
    const struct ags_plan *plan;
    const char *root;      /* the image's tree on the host */
    const struct bwrap_shadow *shadows; /* shadows[0] is "/" */
    size_t n_shadows;
    const char *home_copy; /* host dir bound read-write at /home */
    /* Per-run host dirs bound at /tmp and /var/tmp where the plan has no
     * tmpfs there (on disk, as a Podman container's own layer; NULL: tmpfs). */
    const char *tmp_dir, *var_tmp_dir;
    const char *const *volume_dirs; /* per plan mount: a volume's host dir, else NULL */
    int seccomp_fd;        /* -1: none */
    const char *const *secret_names;
    const int *secret_fds;
    size_t n_secrets;
    int hosts_fd, resolv_fd; /* -1: the image's own (or none) */
    bool tty;
};

/* bwrap's options and the command (owned, NULL-terminated). */
char **bwrap_args_build(const struct bwrap_args_in *in);

/* The sandbox's environment: the image's, then the plan's (a plan entry
 * without a value takes the host's through getenv_fn, left out when unset),
 * then AGS_HOST_LOOPBACK when host_loopback is not NULL, and with tty
 * TERM=xterm when nothing set TERM (as Podman does).  Owned. */
char **bwrap_env_build(const char *const *image_env, const struct ags_plan *p,
                       const char *(*getenv_fn)(const char *name), const char *host_loopback,
                       bool tty);

/* The depth of an absolute path ("/" 0, "/a" 1, "/a/b" 2). */
size_t bwrap_path_depth(const char *path);

void bwrap_shadow_done(struct bwrap_shadow *s);
