/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base/fileio.h"

#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
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

char *read_own_line_at(int dirfd, const char *name, size_t max)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    struct stat st;
    if (read_regular_file_at(dirfd, name, name, max, &text, &len, &st, NULL) < 0 ||
        st.st_uid != geteuid())
        return NULL;
    text[strcspn(text, "\n")] = '\0';
    return TAKE_PTR(text);
}

int write_all(int fd, const void *data, size_t len)
{
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, (const char *)data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            /* A non-blocking fd (a terminal someone else made so): wait. */
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            (void)poll(&pfd, 1, -1);
            continue;
        }
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EIO;
        off += (size_t)n;
    }
    return 0;
}

/* An unpredictable name ".ags-tmp-<16 hex>" into tmp. */
static void temp_name(char tmp[static 32], int attempt)
{
    uint64_t rnd = 0;
    if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        rnd ^= (uint64_t)getpid() << 20 ^ (uint64_t)attempt;
    (void)snprintf(tmp, 32, ".ags-tmp-%016llx", (unsigned long long)rnd);
}

/* Creates a new file with an unpredictable name in dirfd (O_EXCL: never an
 * existing file or a planted symlink), its name in tmp. */
static int create_temp_at(int dirfd, char tmp[static 32], unsigned mode)
{
    for (int attempt = 0; attempt < 16; attempt++) {
        temp_name(tmp, attempt);
        int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                        (mode_t)mode);
        if (fd >= 0 || errno != EEXIST)
            return fd < 0 ? -errno : fd;
    }
    return -EEXIST;
}

int mkdir_temp_at(int dirfd, char tmp[static 32], unsigned mode)
{
    for (int attempt = 0; attempt < 16; attempt++) {
        temp_name(tmp, attempt);
        if (mkdirat(dirfd, tmp, (mode_t)mode) == 0)
            return 0;
        if (errno != EEXIST)
            return -errno;
    }
    return -EEXIST;
}

int write_file_atomic_at(int dirfd, const char *where, const char *name, const char *data,
                         size_t len, unsigned mode, struct ags_error *err)
{
    char tmp[32];
    _cleanup_close_ int fd = create_temp_at(dirfd, tmp, mode);
    if (fd < 0)
        return ags_error_set(err, fd, "cannot create a temporary file in '%s': %s", where,
                             strerror(-fd));
    int r = write_all(fd, data, len);
    if (r == 0 && (fsync(fd) < 0 || fchmod(fd, (mode_t)mode) < 0))
        r = -errno;
    if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
        r = -errno;
    if (r < 0) {
        (void)unlinkat(dirfd, tmp, 0);
        return ags_error_set(err, r, "cannot write '%s/%s': %s", where, name, strerror(-r));
    }
    return 0;
}

int write_file_atomic(const char *path, const char *data, size_t len, unsigned mode,
                      struct ags_error *err)
{
    _cleanup_free_ char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    const char *name = path;
    if (slash) {
        name = path + (slash - dir) + 1;
        if (slash == dir)
            slash[1] = '\0';
        else
            *slash = '\0';
    }
    _cleanup_close_ int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return ags_error_set(err, -errno, "cannot open directory '%s': %m", slash ? dir : ".");
    return write_file_atomic_at(dfd, slash ? dir : ".", name, data, len, mode, err);
}

static int open_component(int dirfd, const char *name, unsigned mode, bool create)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0 || errno != ENOENT || !create)
        return fd;
    if (mkdirat(dirfd, name, (mode_t)mode) < 0 && errno != EEXIST)
        return -1;
    return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Why the component rel[0..shown) below dirfd could not be opened. */
static int refuse_component(int dirfd, const char *name, int e, const char *where,
                            const char *rel, size_t shown, struct ags_error *err)
{
    struct stat st;
    bool is_link = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
    if (is_link)
        return ags_error_set(err, -ELOOP, "'%s/%.*s' is a symlink; ags does not follow symlinks "
                             "there (something in a sandbox may have planted it): remove it and "
                             "run again", where, (int)shown, rel);
    if (e == ENOTDIR)
        return ags_error_set(err, -ENOTDIR, "'%s/%.*s' is not a directory: remove or rename it "
                             "and run again", where, (int)shown, rel);
    return ags_error_set(err, -e, "cannot open directory '%s/%.*s': %s", where, (int)shown, rel,
                         strerror(e));
}

int open_dir_below(int dirfd, const char *where, const char *rel, unsigned mode, bool create,
                   int *ret_fd, struct ags_error *err)
{
    _cleanup_close_ int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot open directory '%s': %m", where);
    _cleanup_free_ char *copy = xstrdup(rel);
    for (char *name = copy, *next; name; name = next) {
        next = strchr(name, '/');
        if (next)
            *next++ = '\0';
        if (*name == '\0')
            continue;
        size_t shown = (size_t)(name - copy) + strlen(name);
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            return ags_error_set(err, -EINVAL, "'%s/%s': '.' and '..' are not allowed here",
                                 where, rel);
        int sub = open_component(fd, name, mode, create);
        if (sub < 0)
            return refuse_component(fd, name, errno, where, rel, shown, err);
        (void)close(fd);
        fd = sub;
    }
    *ret_fd = TAKE_FD(fd);
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

static bool trusted_inode(const struct stat *st)
{
    bool owner_ok = st->st_uid == 0 || st->st_uid == geteuid();
    bool sticky_dir = S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX);
    return owner_ok && (!(st->st_mode & (S_IWGRP | S_IWOTH)) || sticky_dir);
}

/* Every component of path as written (a symlink counts as itself, by its
 * owner): nobody else may have made or be able to replace any of them. */
static bool trusted_as_written(const char *path)
{
    _cleanup_free_ char *p = xstrdup(path);
    for (char *slash = strchr(p + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash)
            *slash = '\0';
        struct stat st;
        if (lstat(p, &st) < 0)
            return false;
        bool ok = S_ISLNK(st.st_mode) ? st.st_uid == 0 || st.st_uid == geteuid()
                                      : trusted_inode(&st);
        if (!ok)
            return false;
        if (!slash)
            return true;
        *slash = '/';
    }
}

char *trusted_realpath(const char *path)
{
    if (path[0] != '/' || !trusted_as_written(path))
        return NULL;
    _cleanup_free_ char *real = realpath(path, NULL);
    struct stat st;
    if (!real || stat(real, &st) < 0 || !trusted_inode(&st))
        return NULL;
    _cleanup_free_ char *dir = xstrdup(real);
    for (char *slash = strrchr(dir, '/'); slash; slash = strrchr(dir, '/')) {
        slash[slash == dir] = '\0'; /* "/usr/bin" -> "/usr" -> "/" */
        if (stat(dir, &st) < 0 || !trusted_inode(&st))
            return NULL;
        if (slash == dir)
            break;
    }
    return TAKE_PTR(real);
}

/* cand when trusted_realpath accepts it and it is a regular executable file. */
static char *trusted_executable(const char *cand)
{
    _cleanup_free_ char *real = trusted_realpath(cand);
    struct stat st;
    if (!real || stat(real, &st) < 0 || !S_ISREG(st.st_mode) || access(real, X_OK) < 0)
        return NULL;
    return TAKE_PTR(real);
}

char *trusted_program(const char *path_env, const char *name)
{
    if (!path_env)
        path_env = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path_env;; p++) {
        size_t n = strcspn(p, ":");
        /* Relative entries (".", "") would run whatever sits in the cwd. */
        if (n > 0 && n < 4096 && p[0] == '/') {
            _cleanup_free_ char *cand = xasprintf("%.*s/%s", (int)n, p, name);
            char *found = trusted_executable(cand);
            if (found)
                return found;
        }
        p += n;
        if (!*p)
            return NULL;
    }
}

#define LOCKFILE_POLL_MS 20

int lockfile_take(const char *path, long wait_ms, int *ret_fd, struct ags_error *err)
{
    _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
                                  0600);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot open '%s': %m", path);
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
        return ags_error_set(err, -EPERM, "'%s' is not a file of yours: remove it", path);
    if ((st.st_mode & 077) != 0 && fchmod(fd, 0600) < 0)
        return ags_error_set(err, -errno, "cannot make '%s' private: %m", path);
    long deadline = monotonic_ms() + (wait_ms > 0 ? wait_ms : 0);
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno != EWOULDBLOCK && errno != EINTR)
            return ags_error_set(err, -errno, "cannot lock '%s': %m", path);
        if (monotonic_ms() > deadline)
            return ags_error_set(err, -ETIMEDOUT, "another ags has held '%s' for %ld s", path,
                                 (wait_ms + 999) / 1000);
        (void)poll(NULL, 0, LOCKFILE_POLL_MS);
    }
    *ret_fd = TAKE_FD(fd);
    return 0;
}

int mkdir_private(const char *dir, struct ags_error *err)
{
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return ags_error_set(err, -errno, "cannot create '%s': %m", dir);
    struct stat st;
    if (lstat(dir, &st) < 0)
        return ags_error_set(err, -errno, "cannot stat '%s': %m", dir);
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
        return ags_error_set(err, -EPERM, "'%s' is not a directory of yours", dir);
    if ((st.st_mode & 077) != 0 && chmod(dir, 0700) < 0)
        return ags_error_set(err, -errno, "cannot make '%s' private: %m", dir);
    return 0;
}

int fds_detach(int keep_fd, int at)
{
    /* keep_fd first: a starter whose stdin was closed has it at 0..2,
     * where /dev/null goes next */
    if (keep_fd != at) {
        if (dup3(keep_fd, at, O_CLOEXEC) < 0)
            _exit(1);
        (void)close(keep_fd);
    }
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int i = 0; fd >= 0 && i < 3; i++)
        (void)dup2(fd, i);
    if (fd > 2)
        (void)close(fd);
    /* Refused (an old kernel, a container's seccomp profile), the starter's
     * pipes, locks and terminal would stay open for as long as this lives:
     * no process at all rather than that. */
    if (close_range((unsigned)at + 1, ~0U, 0) < 0)
        _exit(1);
    if (chdir("/") < 0)
        _exit(1);
    return at;
}
