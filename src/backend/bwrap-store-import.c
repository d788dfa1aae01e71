/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An image of the bubblewrap backend from a root file system tarball: its id
 * is the tarball's sha256; tar (from a directory only root can change)
 * extracts it as the user into a fresh directory that is renamed into place.
 * tar run by the user keeps no ownership (every file is the user's: inside
 * the sandbox's single-uid user namespace, the sandbox user's), applies the
 * umask 022 instead of the archive's setuid and setgid bits, cannot make
 * device nodes (./dev is skipped: the launch gives the sandbox its own /dev),
 * and keeps every member inside (GNU tar drops a leading '/', refuses a
 * member with "..", and extracts a symlink that points out as a placeholder
 * until the end, so that no later member is written through it).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/bwrap-store.h"
#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "base/banned.h"

/* What tar says on failure: its last bytes are the useful ones. */
#define TAR_MESSAGE_MAX 600u

static bool valid_label(const char *kv)
{
    const char *eq = strchr(kv, '=');
    return eq && eq != kv && !strchr(kv, '\n') && strlen(kv) < 4096;
}

static bool valid_env(const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || strchr(kv, '\n') || strlen(kv) >= 4096)
        return false;
    _cleanup_free_ char *name = xstrndup(kv, (size_t)(eq - kv));
    return str_is_env_name(name);
}

static int check_lines(const char *const *v, bool (*ok)(const char *), const char *what,
                       struct ags_error *err)
{
    for (size_t i = 0; v && v[i]; i++)
        if (!ok(v[i]))
            return ags_error_set(err, -EINVAL, "importing an image: '%.80s' is no %s", v[i],
                                 what);
    return 0;
}

/* sha256 of what fd holds (read from its start; left at its end). */
static int hash_fd(int fd, const struct bwrap_backend *b, char hex[SHA256_HEX_SIZE],
                   struct ags_error *err)
{
    struct sha256_ctx c;
    sha256_init(&c);
    _cleanup_free_ char *buf = xmalloc(1u << 20);
    for (;;) {
        ssize_t n = read(fd, buf, 1u << 20);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ags_error_set(err, -errno, "cannot read the tarball: %m");
        if (n == 0)
            break;
        if (bwrap_store_cancelled(b))
            return ags_error_set(err, -EINTR, "importing an image: interrupted");
        sha256_update(&c, buf, (size_t)n);
    }
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_final(&c, d);
    sha256_hex_of(d, hex);
    return 0;
}

/* The child: stdin the tarball, cwd the target, umask 022, tar. */
_noreturn_ static void exec_tar(const char *tar, int tarball, int target, int out)
{
    char a0[] = "tar", a1[] = "--extract", a2[] = "--file=-", a3[] = "--no-same-owner",
         a4[] = "--no-same-permissions", a5[] = "--anchored", a6[] = "--exclude=./dev/*",
         a7[] = "--exclude=dev/*", e0[] = "LC_ALL=C", e1[] = "PATH=/usr/bin:/bin";
    char *const argv[] = {a0, a1, a2, a3, a4, a5, a6, a7, NULL};
    char *const env[] = {e0, e1, NULL};
    (void)umask(022);
    if (dup2(tarball, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
        dup2(out, STDERR_FILENO) < 0 || fchdir(target) < 0)
        _exit(127);
    closefrom(STDERR_FILENO + 1);
    execve(tar, argv, env);
    _exit(127);
}

/* Reads the child's output, keeping its end. */
static void collect(int fd, char *msg, size_t size)
{
    size_t len = 0;
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            if (len + 1 >= size) { /* keep the last part */
                memmove(msg, msg + size / 2, len - size / 2);
                len -= size / 2;
            }
            msg[len++] = buf[i] == '\n' ? ' ' : buf[i];
        }
    }
    msg[len] = '\0';
}

static int extract(struct bwrap_backend *b, int tarball, int target, const char *shown,
                   struct ags_error *err)
{
    const char *path = b->getenv ? b->getenv("PATH") : NULL;
    _cleanup_free_ char *tar = trusted_program(path, "tar");
    if (!tar)
        return ags_error_set(err, -ENOENT,
                             "tar is not installed in a directory only root can change");
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return ags_error_set(err, -errno, "pipe: %m");
    pid_t pid = fork();
    if (pid == 0)
        exec_tar(tar, tarball, target, p[1]);
    (void)close(p[1]);
    if (pid < 0) {
        (void)close(p[0]);
        return ags_error_set(err, -errno, "fork: %m");
    }
    char msg[TAR_MESSAGE_MAX];
    collect(p[0], msg, sizeof(msg));
    (void)close(p[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return ags_error_set(err, -errno, "waiting for tar: %m");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return ags_error_set(err, -EIO, "tar could not extract %s (%s %d): %s", shown,
                             WIFEXITED(status) ? "exit status" : "signal",
                             WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), msg);
    return bwrap_store_cancelled(b) ? ags_error_set(err, -EINTR, "importing an image: "
                                                                 "interrupted")
                                    : 0;
}

static void rfc3339_now(char *buf, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        (void)snprintf(buf, size, "%lld", (long long)now);
}

/* labels, env and created into the entry directory. */
static int write_meta(int entry, const char *where, const char *const *labels,
                      const char *const *env, struct ags_error *err)
{
    char now[64];
    rfc3339_now(now, sizeof(now));
    const char *created[] = {now, NULL};
    int r = bwrap_store_write_lines(entry, where, BWRAP_STORE_LABELS, labels, err);
    if (r == 0)
        r = bwrap_store_write_lines(entry, where, BWRAP_STORE_ENV, env, err);
    if (r == 0)
        r = bwrap_store_write_lines(entry, where, BWRAP_STORE_CREATED, created, err);
    return r;
}

/* A new rootfs/<id>: extracted and described under a temporary name, then renamed. */
static int make_entry(struct bwrap_backend *b, int rootfs, int tarball, const char *shown,
                      const char *id, const char *const *labels, const char *const *env,
                      struct ags_error *err)
{
    _cleanup_free_ char *where = xasprintf("%s/" BWRAP_STORE_ROOTFS, b->data_dir);
    char tmp[32];
    _cleanup_close_ int entry = -EBADF, root = -EBADF;
    int r = bwrap_store_begin_entry(rootfs, where, tmp, &entry, err);
    if (r < 0)
        return r;
    r = open_dir_below(entry, where, BWRAP_STORE_ROOT, 0755, true, &root, err);
    if (r == 0 && lseek(tarball, 0, SEEK_SET) < 0)
        r = ags_error_set(err, -errno, "cannot read %s again: %m", shown);
    if (r == 0)
        r = extract(b, tarball, root, shown, err);
    if (r == 0)
        r = write_meta(entry, where, labels, env, err);
    if (r == 0 && renameat(rootfs, tmp, rootfs, id) < 0 && errno != EEXIST &&
        errno != ENOTEMPTY) /* else the same tarball was imported meanwhile */
        r = ags_error_set(err, -errno, "cannot rename '%s/%s': %m", where, tmp);
    bwrap_store_drop_temp(rootfs, where, tmp);
    return r;
}

static int write_tag(struct bwrap_backend *b, int rootfs, const char *image, const char *id,
                     struct ags_error *err)
{
    _cleanup_free_ char *file = bwrap_store_tag_file(image);
    if (!file)
        return ags_error_set(err, -EINVAL, "'%.64s' is no image name", image);
    _cleanup_free_ char *where = xasprintf("%s/" BWRAP_STORE_ROOTFS "/" BWRAP_STORE_TAGS,
                                           b->data_dir);
    _cleanup_close_ int tags = -EBADF;
    int r = open_dir_below(rootfs, where, BWRAP_STORE_TAGS, 0700, true, &tags, err);
    const char *line[] = {id, NULL};
    return r < 0 ? r : bwrap_store_write_lines(tags, where, file, line, err);
}

int bwrap_store_image_import(struct backend *base, const char *tarball, const char *image,
                             const char *const *labels, const char *const *env,
                             struct ags_error *err)
{
    struct bwrap_backend *b = bwrap_of(base);
    _cleanup_free_ char *file = bwrap_store_tag_file(image);
    if (!file)
        return ags_error_set(err, -EINVAL, "importing an image: '%.64s' is no image name",
                             image);
    int r = check_lines(labels, valid_label, "label (key=value)", err);
    if (r == 0)
        r = check_lines(env, valid_env, "environment entry (NAME=value)", err);
    if (r < 0)
        return r;
    _cleanup_close_ int fd = open(tarball, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return ags_error_set(err, -errno, "cannot open the tarball '%s': %m", tarball);
    if (!S_ISREG(st.st_mode))
        return ags_error_set(err, -EINVAL, "'%s' is not a regular file", tarball);
    char id[SHA256_HEX_SIZE];
    _cleanup_close_ int rootfs = -EBADF;
    r = hash_fd(fd, b, id, err);
    if (r == 0)
        r = bwrap_store_open(b, BWRAP_STORE_ROOTFS, true, &rootfs, err);
    if (r < 0)
        return r;
    _cleanup_close_ int entry = -EBADF;
    r = open_dir_below(rootfs, b->data_dir, id, 0, false, &entry, NULL);
    if (r == 0) { /* the same tarball again: only its description is new */
        _cleanup_free_ char *where = xasprintf("%s/" BWRAP_STORE_ROOTFS "/%s", b->data_dir, id);
        r = write_meta(entry, where, labels, env, err);
    } else {
        r = make_entry(b, rootfs, fd, tarball, id, labels, env, err);
    }
    return r < 0 ? r : write_tag(b, rootfs, image, id, err);
}
