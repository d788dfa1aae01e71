/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The git metadata of the work tree a run starts in, found the way git does
 * (the nearest .git upwards) but trusting only what belongs to this work
 * tree, because the agent of an earlier run could write all of it
 * (docs/security.md, "Git metadata"):
 *
 *   - a .git directory (not a symlink) with HEAD, objects/ and refs/ and no
 *     commondir file;
 *   - a regular .git file "gitdir: X" where X is a linked worktree's git dir
 *     (HEAD, commondir, gitdir) whose gitdir file points back at this .git,
 *     whose commondir leads to a git directory C with C/worktrees/<name> = X;
 *   - or such a file where X is a submodule's git dir: a git directory below
 *     "<git dir>/modules/" whose core.worktree is this work tree.
 *
 * Anything else is not mounted: gitdirs_find() says why in ->rejected (for a
 * note in `ags plan`).  The places ags never mounts ($HOME, / ...) are the
 * plan builder's rule (plan_refusal).  Small files are opened with
 * O_NONBLOCK|O_NOFOLLOW and must be regular, so a FIFO cannot hang ags.
 */

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/error.h"
#include "config/plan.h"

/* A .git file, gitdir or commondir holds one path. */
#define GITDIRS_FILE_MAX 4096u
/* A submodule's config, read for core.worktree. */
#define GITDIRS_CONFIG_MAX (256u * 1024u)

enum gitdirs_kind { GITDIRS_NONE, GITDIRS_PLAIN, GITDIRS_WORKTREE, GITDIRS_SUBMODULE };

struct gitdirs {
    enum gitdirs_kind kind;
    char *git_dir;    /* canonical; NULL when nothing was accepted */
    char *common_dir; /* canonical; the git dir itself unless a linked worktree */
    char *rejected;   /* why the nearest .git was not trusted, or NULL */
    /* The nearest .git, accepted or not (lockdown protects one in the
     * workdir), and by lstat what it, its config and its hooks are. */
    char *dotgit;
    enum plan_git_entry dotgit_kind;
    enum plan_git_entry dotgit_config, dotgit_hooks, dotgit_modules, dotgit_worktrees;
};

/* Looks upwards from cwd (canonical, absolute).  A .git that is not trusted
 * is not an error: *ret has no git dir and ->rejected says why.  Returns 0, or
 * -EINVAL for a cwd that is not absolute. */
int gitdirs_find(const char *cwd, struct gitdirs *ret, struct ags_error *err) _warn_unused_;
void gitdirs_done(struct gitdirs *g);

/* The walk for planted .git entries visits at most this many entries. */
#define GITDIRS_SCAN_MAX_ENTRIES 200000u
#define GITDIRS_SCAN_MAX_DEPTH   32u

/*
 * After a lockdown run: the .git entries below workdir (not workdir/.git,
 * which lockdown protects) that were created or changed at or after since,
 * themselves or their config, hooks/ or a hook: a nested repository or
 * submodule the agent made, whose config git on the host would run there.
 * Symlinks are not followed, .git directories not entered; the walk stops
 * after GITDIRS_SCAN_MAX_ENTRIES (*ret_truncated).  *ret is a
 * NULL-terminated list of paths relative to workdir.
 */
int gitdirs_planted(const char *workdir, time_t since, char ***ret, size_t *ret_n,
                    bool *ret_truncated, struct ags_error *err) _warn_unused_;
