/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copying a tree of the image (a volume's first content, a run's /home):
 * directories, regular files and symlinks as symlinks, modes without
 * setuid or setgid, nothing followed (backend/bwrap.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/bwrap-store.h"
#include "base/alloc.h"
#include "base/fileio.h"
#include "base/banned.h"

/* Deeper than any image's tree; a bound all the same. */
#define COPY_MAX_DEPTH 64u

static int copy_bytes(int in, int out)
{
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : 0;
        int r = write_all(out, buf, (size_t)n);
        if (r < 0)
            return r;
    }
}

static int fill_file(int src, int dst, const char *name, mode_t mode)
{
    _cleanup_close_ int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (in < 0)
        return -errno;
    struct stat st;
    if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode))
        return 0; /* swapped meanwhile: not the file that was listed */
    _cleanup_close_ int out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                                                        O_CLOEXEC, 0600);
    if (out < 0)
        return -errno;
    int r = copy_bytes(in, out);
    return r < 0 ? r : fchmod(out, mode) < 0 ? -errno : 0;
}

static int fill_link(int src, int dst, const char *name)
{
    char target[PATH_MAX];
    ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
    if (n < 0)
        return -errno;
    target[n] = '\0';
    return symlinkat(target, dst, name) < 0 ? -errno : 0;
}

static int fill_dir(const struct bwrap_backend *b, int src, int dst, unsigned depth);

static int fill_subdir(const struct bwrap_backend *b, int src, int dst, const char *name, mode_t mode,
                       unsigned depth)
{
    if (depth >= COPY_MAX_DEPTH)
        return -ELOOP;
    if (mkdirat(dst, name, 0700) < 0)
        return -errno;
    _cleanup_close_ int in = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    _cleanup_close_ int out = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0 || out < 0)
        return -errno;
    int r = fill_dir(b, in, out, depth + 1);
    /* The mode last: a directory the image made read-only must take its copy first. */
    return r < 0 ? r : fchmod(out, mode) < 0 ? -errno : 0;
}

static int fill_entry(const struct bwrap_backend *b, int src, int dst, const char *name, unsigned depth)
{
    struct stat st;
    if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return -errno;
    mode_t mode = st.st_mode & 01777; /* never setuid or setgid */
    if (S_ISDIR(st.st_mode))
        return fill_subdir(b, src, dst, name, mode, depth);
    if (S_ISREG(st.st_mode))
        return fill_file(src, dst, name, mode);
    if (S_ISLNK(st.st_mode))
        return fill_link(src, dst, name);
    return 0; /* devices, FIFOs, sockets: nothing a volume starts with */
}

static int fill_dir(const struct bwrap_backend *b, int src, int dst, unsigned depth)
{
    if (b && bwrap_store_cancelled(b))
        return -EINTR;
    int fd = dup(src);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            (void)close(fd);
        return -errno;
    }
    int r = 0;
    struct dirent *e;
    while (r == 0 && (e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            r = fill_entry(b, src, dst, e->d_name, depth);
    closedir(d);
    return r;
}

int bwrap_copy_dir_at(const struct bwrap_backend *b, int src, int dst)
{
    return fill_dir(b, src, dst, 0);
}

int bwrap_copy_tree(const char *src, const char *dst, struct ags_error *err)
{
    _cleanup_close_ int from = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (from < 0 || fstat(from, &st) < 0)
        return ags_error_set(err, -errno, "cannot open %s: %m", src);
    if (mkdir(dst, 0700) < 0)
        return ags_error_set(err, -errno, "cannot make %s: %m", dst);
    _cleanup_close_ int to = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (to < 0)
        return ags_error_set(err, -errno, "cannot open %s: %m", dst);
    int r = fill_dir(NULL, from, to, 0);
    if (r == 0 && fchmod(to, st.st_mode & 01777) < 0)
        r = -errno;
    return r < 0 ? ags_error_set(err, r, "cannot copy %s to %s: %s", src, dst, strerror(-r)) : 0;
}
