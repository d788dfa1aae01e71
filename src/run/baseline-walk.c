/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The walk of a work tree for its baseline and for ags diff (baseline.h): a
 * tree the agent wrote, so every bound holds here: entries, path length,
 * depth; a symlink is never followed, a .git directory never entered, and
 * another filesystem's mount point is listed but not entered (a user's bind
 * mount into the work dir is not part of what the agent was given to edit,
 * and could be anything: /proc, a network share).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "run/baseline-internal.h"
#include "base/banned.h"

void bl_entry_done(struct bl_entry *e)
{
    free(e->path);
    free(e->target);
    *e = (struct bl_entry){0};
}

static char type_of(const struct stat *st, dev_t dev)
{
    if (S_ISREG(st->st_mode))
        return 'f';
    if (S_ISLNK(st->st_mode))
        return 'l';
    if (S_ISDIR(st->st_mode))
        return st->st_dev == dev ? 'd' : 'm';
    return 'o';
}

static int64_t ns_of(const struct timespec *t)
{
    return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static void entry_from(const struct stat *st, dev_t dev, struct bl_entry *e)
{
    *e = (struct bl_entry){
            .type = type_of(st, dev),
            .mode = (uint32_t)(st->st_mode & 07777),
            .size = (uint64_t)st->st_size,
            .ino = (uint64_t)st->st_ino,
            .mtime_ns = ns_of(&st->st_mtim),
            .ctime_ns = ns_of(&st->st_ctim),
    };
    /* A directory's size says nothing of what changed in it (its entries
     * are compared one by one), nor does another filesystem's. */
    if (e->type == 'd' || e->type == 'm')
        e->size = 0;
}

static int walk_dir(struct bl_walk *w, int fd, size_t plen, unsigned depth);

/* One entry of dfd at w->path[0..len); enters a directory. */
static int visit(struct bl_walk *w, int dfd, const char *name, size_t len, unsigned depth)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return 0; /* gone since readdir: not there */
    if (S_ISDIR(st.st_mode) && strcmp(name, ".git") == 0)
        return 0; /* git metadata: only HEAD is compared (gitdirs_head) */
    if (w->entries >= w->max_entries) {
        w->partial = w->stop = true;
        return 0;
    }
    char target[AGS_BASELINE_PATH_MAX + 1];
    struct bl_entry e;
    entry_from(&st, w->dev, &e);
    e.path = w->path;
    if (e.type == 'l') {
        ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
        if (n <= 0 || (size_t)n == sizeof(target) - 1) {
            w->partial = true; /* changed under us or beyond the bound */
            return 0;
        }
        target[n] = '\0';
        e.target = target;
    }
    int r = w->entry(w, dfd, name, &e);
    if (r != 0)
        return r < 0 ? r : 0; /* > 0: not taken */
    w->entries++;
    if (e.type != 'd')
        return 0;
    if (depth + 1 >= AGS_BASELINE_MAX_DEPTH) {
        w->partial = true;
        return 0;
    }
    int cfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (cfd < 0) {
        w->partial = true; /* unreadable: what is in it is not known */
        return 0;
    }
    return walk_dir(w, cfd, len, depth + 1);
}

static int walk_dir(struct bl_walk *w, int fd, size_t plen, unsigned depth)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        int r = -errno;
        (void)close(fd);
        return r;
    }
    int r = 0;
    struct dirent *de;
    while (r == 0 && !w->stop && (de = readdir(d))) {
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        size_t nlen = strlen(name), len = plen ? plen + 1 + nlen : nlen;
        if (len > AGS_BASELINE_PATH_MAX) {
            w->partial = true;
            continue;
        }
        if (plen)
            w->path[plen] = '/';
        memcpy(w->path + (plen ? plen + 1 : 0), name, nlen + 1);
        r = visit(w, dirfd(d), name, len, depth);
        w->path[plen] = '\0';
    }
    closedir(d);
    return r;
}

int bl_walk(struct bl_walk *w, int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int r = -errno;
        (void)close(fd);
        return r;
    }
    w->dev = st.st_dev;
    w->path[0] = '\0';
    return walk_dir(w, fd, 0, 0);
}

int bl_open_below(int root, const char *path)
{
    _cleanup_free_ char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    const char *name = slash ? slash + 1 : path;
    _cleanup_close_ int dfd = -EBADF;
    if (slash) {
        *slash = '\0';
        int r = open_dir_below(root, ".", dir, 0, false, &dfd, NULL);
        if (r < 0)
            return r;
    }
    int fd = openat(slash ? dfd : root, name,
                    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        (void)close(fd);
        return -EINVAL;
    }
    return fd;
}
