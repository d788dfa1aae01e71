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
 * Each of them, the .git entry and the directory holding it must belong to
 * the user (git's safe.directory rule: another user's repository in a shared
 * parent such as /tmp is never taken).
 *
 * Anything else is not mounted: gitdirs_find() says why in ->rejected (for a
 * note in `ags plan`).  The places ags never mounts ($HOME, / ...) are the
 * plan builder's rule (plan_refusal).  Small files are opened with
 * O_NONBLOCK|O_NOFOLLOW and must be regular, so a FIFO cannot hang ags.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "base/error.h"
#include "plan/plan.h"

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
    enum plan_git_entry dotgit_config_worktree;
};

/* Looks upwards from cwd (canonical, absolute) for the user uid.  A .git that
 * is not trusted is not an error: *ret has no git dir and ->rejected says
 * why.  Returns 0, or -EINVAL for a cwd that is not absolute. */
int gitdirs_find(const char *cwd, uid_t uid, struct gitdirs *ret, struct ags_error *err)
        _warn_unused_;
void gitdirs_done(struct gitdirs *g);

/* The walk for planted .git entries visits at most this many entries. */
#define GITDIRS_SCAN_MAX_ENTRIES 200000u
#define GITDIRS_SCAN_MAX_DEPTH   32u

/* What the walk after a lockdown run found, each a NULL-terminated list of
 * paths relative to the workdir ("." is the workdir). */
struct gitdirs_planted {
    char **dotgits;    /* .git entries made or changed */
    char **bare;       /* directories below the workdir made bare-repository-shaped */
    char **unreadable; /* directories changed that the walk could not open */
    char **too_deep;   /* directories changed at GITDIRS_SCAN_MAX_DEPTH, not entered */
    size_t n_dotgits, n_bare, n_unreadable, n_too_deep;
    bool truncated;    /* stopped after GITDIRS_SCAN_MAX_ENTRIES */
};

/*
 * After a lockdown run: the .git entries below workdir that were created or
 * changed at or after since, themselves or their config, hooks/ or a hook (a
 * nested repository or submodule the agent made, whose config git on the
 * host would run there), and directories made bare-shaped (HEAD, objects/,
 * refs/: git takes them for a repository).  workdir/.git itself counts only
 * when !top_protected (lockdown protects one that existed at launch).
 * Symlinks are not followed, .git and bare directories not entered.
 */
int gitdirs_planted(const char *workdir, time_t since, bool top_protected,
                    struct gitdirs_planted *ret, struct ags_error *err) _warn_unused_;
void gitdirs_planted_done(struct gitdirs_planted *p);

/*
 * What lockdown's mounts cannot keep in the workdir's .git directory,
 * noted before the run and checked after it (docs/security.md, "Git
 * metadata"): a commondir or gitdir file makes the host's git take another
 * directory's config (quarantined: renamed aside); objects/info/alternates
 * (a new one is quarantined, a changed one named); HEAD no longer valid makes
 * .git no repository and the host's git look for one further up (put back
 * as it was at launch); the workdir made bare-shaped (HEAD, objects/, refs/)
 * is a repository to git (a HEAD made during the run is quarantined).
 */
struct gitdirs_guard {
    char *workdir;
    bool top_protected;  /* workdir/.git was a directory or file (lockdown pins it) */
    bool dotgit_dir;     /* workdir/.git was a git directory at launch */
    char *head;          /* its HEAD at launch when valid, else NULL */
    bool had_commondir, had_gitdir, had_alternates;
    struct stat alternates;
};

enum gitdirs_event_kind {
    GITDIRS_QUARANTINED, /* path renamed to ->moved */
    GITDIRS_CHANGED,     /* path changed during the run; left as it is */
    GITDIRS_RESTORED,    /* path was no valid HEAD: put back as it was at launch */
    GITDIRS_BROKEN,      /* path (.git) is no longer a git directory */
    GITDIRS_BARE,        /* path looks like a bare repository to git */
    GITDIRS_FAILED,      /* path could not be quarantined or restored (->moved: why) */
};

struct gitdirs_event {
    enum gitdirs_event_kind kind;
    char *path; /* absolute */
    char *moved;
};

void gitdirs_guard_begin(const char *workdir, struct gitdirs_guard *g);
/* *ret: what was found and done, *ret_n entries. */
void gitdirs_guard_check(const struct gitdirs_guard *g, time_t since, struct gitdirs_event **ret,
                         size_t *ret_n);
void gitdirs_guard_done(struct gitdirs_guard *g);
void gitdirs_events_free(struct gitdirs_event *e, size_t n);

/* HEAD of the git dir dfd when it is a regular file git would take (owned,
 * as it is in the file), else NULL. */
char *gitdirs_valid_head_at(int dfd);

/*
 * HEAD of the work tree at workdir for ags diff (gitdirs-head.c), read
 * without git and only from the git dir gitdirs_find trusts: HEAD, then the
 * branch's loose ref file or its line in packed-refs (bounded reads, regular
 * files only, no symlink on the way).  *ret_branch: "refs/heads/x" (NULL when
 * detached), *ret_commit: the hex object id (NULL when unknown: an unborn
 * branch, a ref beyond the bounds).  No git work tree (or none trusted, or
 * workdir not absolute): both NULL.
 */
void gitdirs_head(const char *workdir, uid_t uid, char **ret_branch, char **ret_commit);
