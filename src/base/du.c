/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base/du.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/banned.h"

/* A file with n hard links counts 1/n of its blocks per link, so linking one
 * big file many times (inside a tree an agent writes) does not inflate the
 * total; links that point outside the tree make it an underestimate. */
static void du_add(struct du_result *r, const struct stat *st)
{
    uint64_t bytes = (uint64_t)st->st_blocks * 512u;
    if (!S_ISDIR(st->st_mode) && st->st_nlink > 1)
        bytes /= (uint64_t)st->st_nlink;
    r->bytes += bytes;
    r->entries++;
}

static void du_dir(int fd, unsigned depth, struct du_result *r)
{
    DIR *d = fdopendir(fd); /* takes fd */
    if (!d) {
        (void)close(fd);
        r->complete = false;
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (r->entries >= DU_MAX_ENTRIES) {
            r->complete = false;
            break;
        }
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            r->complete = false;
            continue;
        }
        du_add(r, &st);
        if (!S_ISDIR(st.st_mode))
            continue;
        if (depth + 1 >= DU_MAX_DEPTH) {
            r->complete = false;
            continue;
        }
        int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            r->complete = false;
            continue;
        }
        du_dir(sub, depth + 1, r);
    }
    closedir(d);
}

int du_tree_at(int dirfd, const char *name, struct du_result *ret)
{
    *ret = (struct du_result){.complete = true};
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return -errno;
    du_add(ret, &st);
    if (!S_ISDIR(st.st_mode))
        return 0;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        ret->complete = false;
        return 0;
    }
    du_dir(fd, 0, ret);
    return 0;
}
