/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One lock per agent over its volumes: `ags update-agents` holds it
 * exclusively while it installs into them, a run holds it shared until its
 * sandbox exists, so neither sees the other's half-written volume and runs
 * of the same agent never wait for each other.  A session that already runs
 * is not affected: the update waits only for runs that are starting.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strutil.h"
#include "run/run.h"
#include "base/banned.h"

/* How often a waiting lock looks again (and at the cancel flag). */
#define POLL_NSEC (100L * 1000L * 1000L)

const char *run_runtime_dir(const char *(*getenv_fn)(const char *name))
{
    const char *runtime = env_nonempty(getenv_fn, "XDG_RUNTIME_DIR");
    return runtime && runtime[0] == '/' ? runtime : run_tmp_dir();
}

/* A directory of ours that nobody else may write or read (lstat: not a
 * symlink to one). */
static bool private_dir(const char *dir)
{
    struct stat st;
    return dir && dir[0] == '/' && lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
           st.st_uid == geteuid() && (st.st_mode & 077) == 0;
}

const char *run_private_dir_pick(const char *(*getenv_fn)(const char *name),
                                 const char *cache_dir)
{
    const char *runtime = env_nonempty(getenv_fn, "XDG_RUNTIME_DIR");
    if (private_dir(runtime))
        return runtime;
    return cache_dir && cache_dir[0] == '/' ? cache_dir : NULL;
}

int run_private_dir(const char *(*getenv_fn)(const char *name), const char *cache_dir, bool create,
                    char **ret, struct ags_error *err)
{
    const char *dir = run_private_dir_pick(getenv_fn, cache_dir);
    /* Not the shared temporary directory: there another user could take a
     * lock's name first (a file or a directory) and block every update, or
     * listen where ags looks for its own ssh agent. */
    if (!dir)
        return ags_error_set(err, -EINVAL, "no private directory for ags's locks and sockets: "
                                           "set XDG_RUNTIME_DIR or an absolute [sandbox] "
                                           "cache_dir");
    if (dir != cache_dir) {
        *ret = xstrdup(dir);
        return 0;
    }
    if (create) {
        int r = mkdir_parents(cache_dir, 0700, err);
        if (r < 0)
            return r;
    } else {
        struct stat st;
        if (lstat(cache_dir, &st) < 0 && errno == ENOENT)
            return ags_error_set(err, -ENOENT, "the cache directory %s does not exist yet",
                                 cache_dir);
    }
    if (!private_dir(cache_dir))
        return ags_error_set(err, -EPERM, "the cache directory %s must be a directory of yours "
                                          "that only you can use (chmod 0700 %s)",
                             cache_dir, cache_dir);
    *ret = xstrdup(cache_dir);
    return 0;
}

/* Our own regular file only: a file someone else planted (in a directory
 * they could write) must not hold the lock forever. */
int run_lock_file_open(const char *path, int *ret_fd, struct ags_error *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot open the lock %s: %m", path);
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
        (void)close(fd);
        return ags_error_set(err, -EPERM, "the lock %s is not a file of yours", path);
    }
    *ret_fd = fd;
    return 0;
}

int run_agent_lock(const struct run_agent_lock_opts *o, int *ret_fd, struct ags_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/ags-agent-%ld-%s.lock", o->dir,
                                          (long)geteuid(), plan_agent_name(o->agent));
    _cleanup_close_ int fd = -1;
    int r = run_lock_file_open(path, &fd, err);
    if (r < 0)
        return r;
    int how = (o->exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
    for (bool said = false; flock(fd, how) < 0;) {
        if (errno != EWOULDBLOCK && errno != EINTR)
            return ags_error_set(err, -errno, "cannot take the agent lock %s: %m", path);
        if (!said && o->on_wait)
            o->on_wait(o->userdata);
        said = true;
        if (o->cancel && *o->cancel)
            return ags_error_set(err, -EINTR, "interrupted while waiting for the %s lock",
                                 plan_agent_name(o->agent));
        const struct timespec ts = {.tv_sec = 0, .tv_nsec = POLL_NSEC};
        (void)nanosleep(&ts, NULL);
    }
    *ret_fd = TAKE_FD(fd);
    return 0;
}
