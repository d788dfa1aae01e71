/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A remote engine's workspace upload (docs/remote.md "What is uploaded"):
 * what of a host directory goes into its volume, measured against
 * [remote] max_upload before anything is written or sent, as a tar in a
 * private unnamed file, through the backend's helper_upload.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "base/error.h"
#include "config/config.h"
#include "plan/plan.h"
#include "run/run.h"

/* What of a directory is uploaded: relative paths, sorted, each once. */
struct run_ws_list {
    char **paths;
    size_t n, cap;
    bool git; /* the directory has its own .git directory */
};

void run_ws_list_done(struct run_ws_list *l);

/*
 * Lists dir: inside git (dir/.git a directory) every tracked file, the
 * untracked ones git does not ignore and .agsignore does not, and the whole
 * .git directory; outside git every file below dir that .agsignore does not
 * exclude.  A .git that is a file or symlink (a linked worktree, a
 * submodule) is refused (-EINVAL).  The host's git runs as run_host_git
 * runs it (run/hostgit.h).  getenv_fn gives HOME, XDG_CONFIG_HOME and PATH.
 */
int run_ws_list(const char *dir, const char *(*getenv_fn)(const char *name),
                struct run_ws_list *ret, struct ags_error *err) _warn_unused_;

/* The tar of l below dir (owner uid:gid, modes & 0777, mtimes) into out_fd,
 * at most max bytes.  out_fd < 0 measures: *ret_size is what it would take,
 * and on -EFBIG err names the size, the cap and the five biggest top-level
 * entries. */
int run_ws_tar(const char *dir, const struct run_ws_list *l, uint32_t uid, uint32_t gid,
               int out_fd, uint64_t max, uint64_t *ret_size, struct ags_error *err)
        _warn_unused_;

/* The packed uploads of a run: one tar per volume of the plan with
 * upload_from, in a private unnamed file, made before the engine is opened. */
struct run_remote_tar {
    size_t mount; /* its index in the plan's mounts */
    int fd;       /* the tar (owned) */
    uint64_t size;
};

struct run_remote_pack {
    struct run_remote_tar *v;
    size_t n;
};

void run_remote_pack_done(struct run_remote_pack *pack);

/*
 * Lists every upload_from directory of the plan once, measures it against
 * cfg's [remote] max_upload (over it: -EFBIG naming the sizes, before
 * anything is written; the CLI's exit status 2) and writes its tar to an
 * unnamed 0600 file in cfg's cache dir.  No engine is involved: nothing
 * at all reaches a remote host for a workspace that is refused.  The cache
 * dir, not XDG_RUNTIME_DIR: a workspace of gigabytes does not belong in a
 * tmpfs.  getenv_fn as for run_ws_list.
 */
int run_remote_pack(const struct ags_config *cfg, const struct ags_plan *p,
                    const char *(*getenv_fn)(const char *name), struct run_remote_pack *ret,
                    struct ags_error *err) _warn_unused_;

/*
 * Unpacks the packed tars into their volumes, for the sandbox id created
 * but not started: a read-write volume through the sandbox itself (backend
 * copy_in at the mount's destination: Podman writes a created container's
 * volumes directly), a read-only one through a never-started helper
 * container (backend helper_upload).  -EOPNOTSUPP for a backend without
 * them.
 */
int run_remote_put(struct backend *b, const struct ags_plan *p, const char *id,
                   const struct run_remote_pack *pack, const struct run_callbacks *cb,
                   struct ags_error *err) _warn_unused_;
