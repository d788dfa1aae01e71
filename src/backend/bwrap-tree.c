/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copying and removing trees that a sandbox may have written: never through
 * a symlink, whatever modes it left (backend/bwrap.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/bwrap.h"
#include "base/alloc.h"
#include "base/macro.h"
#include "base/banned.h"

#define TREE_MAX_DEPTH 128

static void closedirp(DIR **d)
{
    if (*d)
        (void)closedir(*d);
}

static int copy_file(int from_dir, const char *name, int to_dir, mode_t mode,
                     struct ags_error *err)
{
    _cleanup_close_ int in = openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
        return ags_error_set(err, -errno, "cannot read %s: %m", name);
    _cleanup_close_ int out =
            openat(to_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (out < 0)
        return ags_error_set(err, -errno, "cannot create %s: %m", name);
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ags_error_set(err, -errno, "cannot read %s: %m", name);
        if (n == 0)
            return 0;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return ags_error_set(err, -errno, "cannot write %s: %m", name);
            off += w;
        }
    }
}

static int copy_link(int from_dir, const char *name, int to_dir, struct ags_error *err)
{
    char target[4096];
    ssize_t n = readlinkat(from_dir, name, target, sizeof(target) - 1);
    if (n < 0)
        return ags_error_set(err, -errno, "cannot read the link %s: %m", name);
    target[n] = '\0';
    if (symlinkat(target, to_dir, name) < 0)
        return ags_error_set(err, -errno, "cannot make the link %s: %m", name);
    return 0;
}

static int copy_dir(int from, int to, unsigned depth, struct ags_error *err);

static int copy_entry(int from, int to, const char *name, unsigned depth, struct ags_error *err)
{
    struct stat st;
    if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return ags_error_set(err, -errno, "cannot stat %s: %m", name);
    mode_t mode = st.st_mode & 0777; /* no setuid, setgid or sticky bit */
    if (S_ISLNK(st.st_mode))
        return copy_link(from, name, to, err);
    if (S_ISREG(st.st_mode))
        return copy_file(from, name, to, mode, err);
    if (!S_ISDIR(st.st_mode))
        return 0; /* devices, FIFOs, sockets: nothing a copy should carry */
    if (mkdirat(to, name, 0700) < 0)
        return ags_error_set(err, -errno, "cannot make %s: %m", name);
    _cleanup_close_ int sub_from =
            openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    _cleanup_close_ int sub_to = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub_from < 0 || sub_to < 0)
        return ags_error_set(err, -errno, "cannot open %s: %m", name);
    int r = copy_dir(sub_from, sub_to, depth + 1, err);
    if (r == 0 && fchmod(sub_to, mode) < 0)
        r = ags_error_set(err, -errno, "cannot set the mode of %s: %m", name);
    return r;
}

static int copy_dir(int from, int to, unsigned depth, struct ags_error *err)
{
    if (depth > TREE_MAX_DEPTH)
        return ags_error_set(err, -ELOOP, "a tree deeper than %d directories", TREE_MAX_DEPTH);
    int dfd = dup(from);
    if (dfd < 0)
        return ags_error_set(err, -errno, "dup: %m");
    _cleanup_(closedirp) DIR *d = fdopendir(dfd);
    if (!d) {
        int e = -errno;
        (void)close(dfd);
        return ags_error_set(err, e, "cannot list a directory: %s", strerror(-e));
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        int r = copy_entry(from, to, de->d_name, depth, err);
        if (r < 0)
            return r;
    }
    return 0;
}

int bwrap_copy_tree(const char *src, const char *dst, struct ags_error *err)
{
    _cleanup_close_ int from = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (from < 0)
        return ags_error_set(err, -errno, "cannot open %s: %m", src);
    struct stat st;
    if (fstat(from, &st) < 0)
        return ags_error_set(err, -errno, "cannot stat %s: %m", src);
    if (mkdir(dst, 0700) < 0)
        return ags_error_set(err, -errno, "cannot make %s: %m", dst);
    _cleanup_close_ int to = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (to < 0)
        return ags_error_set(err, -errno, "cannot open %s: %m", dst);
    int r = copy_dir(from, to, 0, err);
    if (r == 0 && fchmod(to, st.st_mode & 0777) < 0)
        r = ags_error_set(err, -errno, "cannot set the mode of %s: %m", dst);
    return r;
}

static int remove_dir_contents(int dir, unsigned depth);

static int remove_entry(int dir, const char *name, unsigned depth)
{
    if (unlinkat(dir, name, 0) == 0 || errno == ENOENT)
        return 0;
    if (errno != EISDIR && errno != EPERM)
        return -errno;
    /* A directory the sandbox may have made 0000: ours to open again. */
    (void)fchmodat(dir, name, 0700, 0);
    _cleanup_close_ int sub = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
        return -errno;
    int r = remove_dir_contents(sub, depth + 1);
    if (r == 0 && unlinkat(dir, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        r = -errno;
    return r;
}

static int remove_dir_contents(int dir, unsigned depth)
{
    if (depth > TREE_MAX_DEPTH)
        return -ELOOP;
    int dfd = dup(dir);
    if (dfd < 0)
        return -errno;
    _cleanup_(closedirp) DIR *d = fdopendir(dfd);
    if (!d) {
        int e = -errno;
        (void)close(dfd);
        return e;
    }
    struct dirent *de;
    int first = 0;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        int r = remove_entry(dir, de->d_name, depth);
        if (r < 0 && !first)
            first = r;
    }
    return first;
}

int bwrap_remove_tree(const char *path, struct ags_error *err)
{
    _cleanup_free_ char *parent = xstrdup(path);
    char *slash = strrchr(parent, '/');
    if (!slash || !slash[1])
        return ags_error_set(err, -EINVAL, "not a path to remove: %s", path);
    const char *name = slash + 1;
    if (slash == parent)
        slash[1] = '\0';
    else
        *slash = '\0';
    _cleanup_close_ int dir = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return ags_error_set(err, -errno, "cannot open %s: %m", parent);
    int r = remove_entry(dir, path + (name - parent), 0);
    if (r < 0)
        return ags_error_set(err, r, "cannot remove %s: %s", path, strerror(-r));
    return 0;
}
