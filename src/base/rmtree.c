/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Removal of a tree that something untrusted wrote (rmtree.h). */
#include "base/rmtree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/banned.h"

/*
 * Removal of a tree the agent had write access to: it may have locked
 * directories (chmod 000), nested them far deeper than PATH_MAX, or planted
 * symlinks.  Everything is done relative to directory fds with O_NOFOLLOW;
 * each directory gets its owner's rwx back before it is read; recursion stops
 * at REMOVE_MAX_DEPTH, where a deeper directory is moved up to the top of the
 * tree and removed in a later pass, so no depth needs more than a few fds.
 */
#define REMOVE_MAX_DEPTH 16

struct rm_ctx {
    int root;              /* the tree's top directory */
    unsigned moved;        /* names handed out for moved-up directories */
    bool progress;         /* this pass removed or moved something */
    int error;             /* first errno of this pass */
    char error_at[256];    /* and the name it happened at */
};

static void rm_note(struct rm_ctx *rc, int e, const char *name)
{
    if (rc->error)
        return;
    rc->error = e;
    (void)snprintf(rc->error_at, sizeof(rc->error_at), "%s", name);
}

/* Opens directory name in dirfd (never a symlink) with its owner's rwx
 * restored.  A directory without read permission is first reached with
 * O_PATH and changed through /proc/self/fd, which names exactly that inode. */
static int open_for_removal(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == EACCES) {
        _cleanup_close_ int path = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
                                                               O_CLOEXEC);
        if (path < 0)
            return -1;
        char proc[64];
        (void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", path);
        if (chmod(proc, 0700) < 0)
            return -1;
        fd = openat(path, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0700) != 0700)
        (void)fchmod(fd, (st.st_mode & 07777) | 0700);
    return fd;
}

/* Moves directory name up to the top of the tree under a fresh name. */
static void rm_move_up(int dirfd, const char *name, struct rm_ctx *rc)
{
    int fd = open_for_removal(dirfd, name); /* renaming a directory needs its write bit */
    if (fd < 0) {
        rm_note(rc, errno, name);
        return;
    }
    (void)close(fd);
    for (int attempt = 0; attempt < 64; attempt++) {
        char fresh[32];
        (void)snprintf(fresh, sizeof(fresh), ".ags-rm-%u", rc->moved++);
        if (renameat(dirfd, name, rc->root, fresh) == 0) {
            rc->progress = true;
            return;
        }
        if (errno != EEXIST && errno != ENOTEMPTY)
            break;
    }
    rm_note(rc, errno, name);
}

static void rm_contents(int dfd, unsigned depth, struct rm_ctx *rc)
{
    int copy = dup(dfd);
    DIR *d = copy >= 0 ? fdopendir(copy) : NULL;
    if (!d) {
        if (copy >= 0)
            (void)close(copy);
        rm_note(rc, errno, ".");
        return;
    }
    rewinddir(d); /* the dup shares its offset with dfd, which an earlier pass read to the end */
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        if (unlinkat(dfd, name, 0) == 0) {
            rc->progress = true;
            continue;
        }
        if (errno == ENOENT)
            continue;
        if (errno != EISDIR && errno != EPERM) {
            rm_note(rc, errno, name);
            continue;
        }
        if (depth >= REMOVE_MAX_DEPTH) {
            rm_move_up(dfd, name, rc);
            continue;
        }
        int sub = open_for_removal(dfd, name);
        if (sub < 0) {
            rm_note(rc, errno, name);
            continue;
        }
        rm_contents(sub, depth + 1, rc);
        (void)close(sub);
        if (unlinkat(dfd, name, AT_REMOVEDIR) == 0)
            rc->progress = true;
        else if (errno != ENOENT)
            rm_note(rc, errno, name);
    }
    closedir(d);
}

int rmtree_at(int parent, const char *name, const char *shown, struct ags_error *err)
{
    int root = open_for_removal(parent, name);
    if (root < 0 && errno == ENOENT)
        return 0;
    if (root < 0 && (errno == ENOTDIR || errno == ELOOP)) /* a file or a symlink: itself */
        return unlinkat(parent, name, 0) == 0 || errno == ENOENT
                       ? 0
                       : ags_error_set(err, -errno, "cannot remove '%s': %m", shown);
    if (root < 0)
        return ags_error_set(err, -errno, "cannot remove '%s': %m", shown);
    struct rm_ctx rc = {.root = root};
    do { /* a pass that moved directories up leaves work for the next one */
        rc.progress = false;
        rc.error = 0;
        rm_contents(root, 0, &rc);
    } while (rc.progress);
    (void)close(root);
    if (unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
        return 0;
    if (rc.error)
        return ags_error_set(err, -rc.error, "cannot remove '%s' (at '%s'): %s", shown,
                             rc.error_at, strerror(rc.error));
    return ags_error_set(err, -errno, "cannot remove '%s': %m", shown);
}

int rmtree(const char *path, struct ags_error *err)
{
    _cleanup_free_ char *dir = xstrdup(path);
    for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
        dir[n - 1] = '\0'; /* "x/" is x */
    char *slash = strrchr(dir, '/');
    _cleanup_free_ char *name = xstrdup(slash ? slash + 1 : dir);
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    _cleanup_close_ int parent = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (parent < 0)
        return errno == ENOENT ? 0 : ags_error_set(err, -errno, "cannot remove '%s': %m", path);
    return rmtree_at(parent, name, path, err);
}
