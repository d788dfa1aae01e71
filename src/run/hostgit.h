/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The host's git on a repository ags does not trust: a workspace listed for
 * a remote engine's upload (remote-list.c), the local repository a remote
 * session's bundle is checked and fetched into (remote-host.c).  One runner,
 * so both get every hardening.
 */

#include <stddef.h>

#include "base/error.h"
#include "base/macro.h"

/*
 * The environment entries that keep a git ags runs off every transport,
 * whatever the repository's config says.  A repository whose config makes
 * it a partial clone (extensions.partialClone, remote.NAME.promisor) has
 * git fetch a missing object from its promisor remote on demand (a
 * skip-worktree .gitignore read by ls-files, a delta base index-pack
 * completes), and that fetch runs what the config names:
 * remote.NAME.uploadpack through the shell for a path, an ext:: URL,
 * core.sshCommand, a credential helper.  GIT_NO_LAZY_FETCH turns the fetch
 * off (Git 2.39.4 and later); an empty GIT_ALLOW_PROTOCOL allows no
 * transport at all and wins over every protocol.*.allow, in any Git since
 * 2.6.1.  No git ags runs needs the network.
 */
#define RUN_GIT_NO_FETCH_ENV "GIT_NO_LAZY_FETCH=1", "GIT_ALLOW_PROTOCOL="

/* How git is told where the repository is. */
enum run_host_git_repo {
    /* `--git-dir=DIR/.git --work-tree=DIR`, run in DIR: no discovery, so
     * no other repository (a parent's, a .git file's) is ever read. */
    RUN_HOST_GIT_WORK_TREE,
    /* `-C DIR`, run in the caller's directory. */
    RUN_HOST_GIT_CHDIR,
};

struct run_host_git {
    const char *dir; /* the repository */
    enum run_host_git_repo repo;
    /* More `-c NAME=VALUE` settings (NULL-terminated; NULL: none), after
     * the fixed ones. */
    const char *const *config;
    int in_fd;      /* git's stdin; -1: /dev/null */
    size_t out_max; /* of its stdout, at most this many bytes */
    /* PATH (where git is looked for), HOME and XDG_CONFIG_HOME (the
     * user's own config and excludesFile); NULL: getenv. */
    const char *(*getenv_fn)(const char *name);
    const char *what; /* git's job in messages ("bundle verify"); NULL: args[0] */
};

/*
 * The host's git on o->dir, hardened: a program trusted_program finds on
 * PATH; `-c core.fsmonitor=false -c core.untrackedCache=false
 * -c core.hooksPath=/dev/null -c gc.auto=0 -c maintenance.auto=false
 * -c core.pager=cat` (the command line wins over every config file) and
 * o->config; then the repository as o->repo says and args.  Its
 * environment holds only PATH=/usr/local/bin:/usr/bin:/bin, LC_ALL=C,
 * GIT_CONFIG_NOSYSTEM=1, GIT_OPTIONAL_LOCKS=0, GIT_TERMINAL_PROMPT=0,
 * RUN_GIT_NO_FETCH_ENV, and HOME and XDG_CONFIG_HOME when absolute; no fd
 * above stderr is inherited.  Its stdout, at most o->out_max bytes (more:
 * git is killed at once, -EFBIG), into *ret (owned, NUL-terminated; ret
 * may be NULL) and *ret_len (may be NULL).  A status other than 0 is
 * -EBADMSG naming o->what, o->dir and the end of git's stderr (escaped
 * for a terminal).
 */
int run_host_git(const struct run_host_git *o, const char *const *args, char **ret,
                 size_t *ret_len, struct ags_error *err) _warn_unused_;
