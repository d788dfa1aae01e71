/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base/fileio.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/banned.h"

int read_fd_bounded(int fd, size_t max, char **ret, size_t *ret_len, struct ags_error *err)
{
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, max);
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return ags_error_set(err, -errno, "read failed: %m");
        }
        if (n == 0)
            break;
        if (strbuf_append(&sb, chunk, (size_t)n) < 0)
            return ags_error_set(err, -EFBIG, "input is larger than %zu bytes", max);
    }
    *ret_len = sb.len;
    *ret = strbuf_steal(&sb);
    return 0;
}

int read_file_bounded(const char *path, size_t max, char **ret, size_t *ret_len,
                      struct ags_error *err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot open '%s': %m", path);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return ags_error_set(err, -errno, "cannot stat '%s': %m", path);
    if (S_ISDIR(st.st_mode))
        return ags_error_set(err, -EISDIR, "'%s' is a directory, not a file", path);
    if (S_ISREG(st.st_mode) && (size_t)st.st_size > max)
        return ags_error_set(err, -EFBIG, "'%s' is larger than %zu bytes", path, max);
    int r = read_fd_bounded(fd, max, ret, ret_len, err);
    if (r < 0)
        return ags_error_prefix(err, "'%s'", path);
    return 0;
}

int write_file_atomic(const char *path, const char *data, size_t len, unsigned mode,
                      struct ags_error *err)
{
    _cleanup_free_ char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    _cleanup_close_ int fd =
            open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, (mode_t)mode);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot create '%s': %m", tmp);
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = -errno;
            (void)unlink(tmp);
            return ags_error_set(err, e, "cannot write '%s': %s", tmp, strerror(-e));
        }
        off += (size_t)n;
    }
    if (fsync(fd) < 0 || fchmod(fd, (mode_t)mode) < 0) {
        int e = -errno;
        (void)unlink(tmp);
        return ags_error_set(err, e, "cannot write '%s': %s", tmp, strerror(-e));
    }
    if (rename(tmp, path) < 0) {
        int e = -errno;
        (void)unlink(tmp);
        return ags_error_set(err, e, "cannot rename '%s' to '%s': %s", tmp, path, strerror(-e));
    }
    return 0;
}

int mkdir_parents(const char *path, unsigned mode, struct ags_error *err)
{
    _cleanup_free_ char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST)
            return ags_error_set(err, -errno, "cannot create directory '%s': %m", p);
        *s = '/';
    }
    if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST)
        return ags_error_set(err, -errno, "cannot create directory '%s': %m", p);
    return 0;
}

int read_regular_file_at(int dirfd, const char *name, const char *shown, size_t max, char **ret,
                         size_t *ret_len, struct stat *ret_st, struct ags_error *err)
{
    /* Classify before opening: opening a device can have side effects. */
    struct stat pre;
    if (fstatat(dirfd, name, &pre, AT_SYMLINK_NOFOLLOW) < 0)
        return ags_error_set(err, -errno, "cannot open '%s': %m", shown);
    if (S_ISLNK(pre.st_mode))
        return ags_error_set(err, -ELOOP, "'%s' is a symlink; ags does not follow it", shown);
    if (!S_ISREG(pre.st_mode))
        return ags_error_set(err, -EINVAL, "'%s' is not a regular file", shown);
    _cleanup_close_ int fd =
            openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0 && errno == ELOOP)
        return ags_error_set(err, -ELOOP, "'%s' is a symlink; ags does not follow it", shown);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot open '%s': %m", shown);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return ags_error_set(err, -errno, "cannot stat '%s': %m", shown);
    if (!S_ISREG(st.st_mode) || st.st_dev != pre.st_dev || st.st_ino != pre.st_ino)
        return ags_error_set(err, -EINVAL, "'%s' is not a regular file", shown);
    if ((size_t)st.st_size > max)
        return ags_error_set(err, -EFBIG, "'%s' is larger than %zu bytes", shown, max);
    int r = read_fd_bounded(fd, max, ret, ret_len, err);
    if (r < 0)
        return ags_error_prefix(err, "'%s'", shown);
    if (ret_st)
        *ret_st = st;
    return 0;
}
