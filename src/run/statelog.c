/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A run's own log under ags's state directory (statelog.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strutil.h"
#include "run/internal.h"
#include "run/statelog.h"
#include "base/banned.h"

char *run_state_log_dir(const char *(*getenv_fn)(const char *name), const char *kind)
{
    _cleanup_free_ char *state = run_xdg_ags_dir(env_nonempty(getenv_fn, "XDG_STATE_HOME"),
                                                 env_nonempty(getenv_fn, "HOME"), ".local/state");
    if (!state || state[0] != '/')
        return NULL;
    return xasprintf("%s/%s", state, kind);
}

/* Removes our own regular *<suffix> files in dir older than the keep time. */
static void sweep_old_logs(const char *dir, const char *suffix)
{
    _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d)
        return;
    TAKE_FD(fd);
    time_t before = time(NULL) - RUN_STATE_LOG_KEEP_S;
    struct dirent *e;
    while ((e = readdir(d))) {
        struct stat st;
        size_t n = strlen(e->d_name), ns = strlen(suffix);
        if (n <= ns || strcmp(e->d_name + n - ns, suffix) != 0 ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
            st.st_uid != geteuid() || st.st_mtime >= before)
            continue;
        (void)unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

int run_state_log_open(const char *(*getenv_fn)(const char *name), const char *kind,
                       const char *session, const char *suffix, char **ret_path,
                       struct ags_error *err)
{
    *ret_path = NULL;
    _cleanup_free_ char *dir = run_state_log_dir(getenv_fn, kind);
    if (!dir || !session)
        return ags_error_set(err, -ENOENT, "no state directory: set HOME");
    int r = mkdir_parents(dir, 0700, err);
    if (r < 0)
        return r;
    sweep_old_logs(dir, suffix);
    _cleanup_free_ char *path = xasprintf("%s/%s%s", dir, session, suffix);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot create %s: %m", path);
    *ret_path = TAKE_PTR(path);
    return fd;
}

void run_state_log_close(int fd, const char *path)
{
    struct stat st;
    if (fd >= 0 && path && fstat(fd, &st) == 0 && st.st_size == 0)
        (void)unlink(path);
    if (fd >= 0)
        (void)close(fd);
}
