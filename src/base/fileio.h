/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

/* Writes all len bytes (again after EINTR and short writes): 0, or -errno. */
int write_all(int fd, const void *data, size_t len) _warn_unused_;

/* Reads a whole regular file of at most max bytes.  *ret is NUL-terminated and
 * owned by the caller.  Errors name the path: "cannot open 'p': ...",
 * "'p' is larger than N bytes". */
int read_file_bounded(const char *path, size_t max, char **ret, size_t *ret_len,
                      struct ags_error *err) _warn_unused_;
/* Reads all of fd (not closed) up to max bytes. */
int read_fd_bounded(int fd, size_t max, char **ret, size_t *ret_len, struct ags_error *err)
        _warn_unused_;
/* Writes data to path atomically (temp file + rename) with the given mode. */
int write_file_atomic(const char *path, const char *data, size_t len, unsigned mode,
                      struct ags_error *err) _warn_unused_;
/* mkdir -p: creates path and its missing parents with the given mode (an
 * existing directory is fine).  Errors name the directory that failed. */
int mkdir_parents(const char *path, unsigned mode, struct ags_error *err) _warn_unused_;
/* dir exists (made 0700 if missing), is a directory of ours and private
 * (made 0700 if it was not). */
int mkdir_private(const char *dir, struct ags_error *err) _warn_unused_;
/* For a process that outlives its starter (a session's supervisor, an ssh
 * tunnel): stdin, stdout and stderr on /dev/null, keep_fd moved to at (above
 * 2), every descriptor above at closed (the starter's locks and pipes), the
 * working directory /.  Returns at; _exit(1) when that cannot be done. */
int fds_detach(int keep_fd, int at);
/* An exclusive flock on path (created 0600; refused unless a regular file of
 * ours), waiting at most wait_ms for another holder: *ret_fd holds it. */
int lockfile_take(const char *path, long wait_ms, int *ret_fd, struct ags_error *err)
        _warn_unused_;

/*
 * Below a directory fd, never following a symlink: for paths inside a tree that
 * something untrusted can write (an agent home mounted read-write), so that a
 * symlink planted there cannot redirect a write to anywhere else.
 * `where` names dirfd in messages ("'<where>/<rel>' is a symlink ...").
 */
/* Opens the directory rel ('/'-separated, relative, no "." or ".." component;
 * "" is dirfd itself) one component at a time with O_NOFOLLOW|O_DIRECTORY,
 * creating a missing component with mode when create is set.  A component that
 * is a symlink (-ELOOP) or not a directory (-ENOTDIR) is refused, naming it. */
int open_dir_below(int dirfd, const char *where, const char *rel, unsigned mode, bool create,
                   int *ret_fd, struct ags_error *err) _warn_unused_;
/* Writes data to name in dirfd atomically: a fresh unpredictable temporary name
 * (O_EXCL|O_NOFOLLOW), then renameat over name, which replaces whatever name is
 * (a symlink there is replaced, never followed). */
int write_file_atomic_at(int dirfd, const char *where, const char *name, const char *data,
                         size_t len, unsigned mode, struct ags_error *err) _warn_unused_;
/* Creates a new directory with an unpredictable name ".ags-tmp-..." in dirfd
 * (its name in tmp): where an entry is built before it is renamed into place.
 * 0 or -errno. */
int mkdir_temp_at(int dirfd, char tmp[static 32], unsigned mode) _warn_unused_;
/* Reads name (relative to dirfd, or a path with AT_FDCWD) only if it is a
 * regular file, without following a symlink at its last component and without
 * blocking on a FIFO (O_NOFOLLOW | O_NONBLOCK, then fstat).  shown names it in
 * errors.  -ELOOP: a symlink; -EINVAL: not a regular file; -ENOENT: absent.
 * ret_st (may be NULL) receives what was read. */
struct stat;
int read_regular_file_at(int dirfd, const char *name, const char *shown, size_t max, char **ret,
                         size_t *ret_len, struct stat *ret_st, struct ags_error *err)
        _warn_unused_;
/* The first line of name in dirfd (owned, without its newline), read as
 * read_regular_file_at reads it (at most max bytes), only when the file is
 * ours (our euid); NULL otherwise: a bookkeeping file such as an owner file
 * that another user, or nobody yet, wrote proves nothing. */
char *read_own_line_at(int dirfd, const char *name, size_t max);

/* The resolved path of the absolute path when it and every directory above
 * it belong to root or to us and nobody else can replace them (not writable
 * by group or others; a sticky directory such as /tmp protects what others
 * own), and so does every component of path as written (a symlink on the way
 * that another user made would let them choose where it leads); NULL
 * otherwise (absent or relative included).  For files ags runs or builds
 * from: another user who could write on the way could swap them. */
char *trusted_realpath(const char *path);
/* The first name in the directories of path_env (a $PATH; NULL: a default
 * one) that trusted_realpath accepts and that is an executable regular file,
 * resolved; NULL when none is.  Relative entries are skipped.  For the
 * programs ags starts itself (podman, ssh-keygen). */
char *trusted_program(const char *path_env, const char *name);
