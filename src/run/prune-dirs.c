/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags's own directories for ags df and ags prune: lockdown staging of runs
 * (a dead run's is removed) and the cached Debian base tarball.  A sandbox
 * could write inside staging: sizes come from a bounded walk that never
 * follows a symlink (base/du.h), removal from stage_remove_tree, and only
 * directories and files of this user, never a symlink, are considered.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/du.h"
#include "base/fileio.h"
#include "run/internal.h"
#include "run/stage.h"
#include "base/banned.h"

/* A partial tarball this old has no mmdebstrap writing it any more. */
#define BASE_PART_MAX_AGE 3600

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

enum run_prune_when run_base_cache_when(const char *name, int64_t age_seconds)
{
    if (ends_with(name, ".tar.part"))
        return age_seconds >= BASE_PART_MAX_AGE ? RUN_PRUNE_ALWAYS : RUN_PRUNE_NEVER;
    if (strncmp(name, "debian-", 7) == 0 && ends_with(name, ".tar"))
        /* update-image makes a tarball this old again anyway */
        return age_seconds >= RUN_BASE_CACHE_MAX_AGE ? RUN_PRUNE_ALWAYS : RUN_PRUNE_ALL;
    return RUN_PRUNE_NEVER; /* not something ags writes there */
}

static void add_entry(struct run_owned_list *l, enum run_owned_kind kind, const char *dir,
                      const char *name, const struct du_result *du)
{
    struct run_owned *x = run_owned_push(l, kind, xasprintf("%s/%s", dir, name));
    x->dir = xstrdup(dir);
    x->entry = xstrdup(name);
    x->size = du->bytes;
    x->size_known = true;
    x->size_partial = !du->complete;
}

static void add_staging(const char *tmp_dir, const struct procid *self, char *const *keep,
                        struct run_owned_list *l)
{
    _cleanup_close_ int fd = open(tmp_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d)
        return;
    TAKE_FD(fd);
    struct dirent *e;
    while ((e = readdir(d))) {
        struct stat st;
        struct du_result du;
        if (strncmp(e->d_name, STAGE_PREFIX, strlen(STAGE_PREFIX)) != 0 ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
            du_tree_at(dirfd(d), e->d_name, &du) < 0)
            continue;
        bool dead = stage_owner_state(dirfd(d), e->d_name, self) == PROCID_DEAD &&
                    !stage_kept_for_session(dirfd(d), e->d_name, keep);
        add_entry(l, RUN_OWNED_STAGING, tmp_dir, e->d_name, &du);
        run_owned_mark_dead(&l->v[l->n - 1], dead);
    }
    closedir(d);
}

/* <cache_dir>/base, never through a symlink. */
static int open_base_cache(const char *cache_dir, int *ret_fd)
{
    _cleanup_close_ int top = open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (top < 0)
        return -errno;
    return open_dir_below(top, cache_dir, "base", 0, false, ret_fd, NULL);
}

static void add_cache(const char *cache_dir, struct run_owned_list *l)
{
    int fd = -1;
    if (!cache_dir || open_base_cache(cache_dir, &fd) < 0)
        return;
    DIR *d = fdopendir(fd);
    if (!d) {
        (void)close(fd);
        return;
    }
    _cleanup_free_ char *dir = xasprintf("%s/base", cache_dir);
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d))) {
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISREG(st.st_mode) || st.st_uid != geteuid())
            continue;
        enum run_prune_when when = run_base_cache_when(e->d_name, (int64_t)(now - st.st_mtime));
        if (when == RUN_PRUNE_NEVER && !ends_with(e->d_name, ".tar.part"))
            continue; /* not ags's */
        const struct du_result du = {.bytes = (uint64_t)st.st_blocks * 512u, .complete = true};
        add_entry(l, RUN_OWNED_CACHE, dir, e->d_name, &du);
        l->v[l->n - 1].when = when;
    }
    closedir(d);
}

void run_owned_add_dirs(const char *tmp_dir, const char *cache_dir, const struct procid *self,
                        char *const *keep, struct run_owned_list *l)
{
    add_staging(tmp_dir, self, keep, l);
    add_cache(cache_dir, l);
}

int run_owned_remove_dir(const struct run_owned *x, struct ags_error *err)
{
    if (x->kind == RUN_OWNED_STAGING)
        return stage_remove_tree(x->name, err);
    const char *cache_dir = x->dir; /* .../base: its parent is the cache dir */
    _cleanup_free_ char *parent = xstrndup(cache_dir, strlen(cache_dir) - strlen("/base"));
    int fd = -1;
    int r = open_base_cache(parent, &fd);
    if (r < 0)
        return r == -ENOENT ? r : ags_error_set(err, r, "cannot open '%s': %s", x->dir,
                                                strerror(-r));
    struct stat st;
    if (fstatat(fd, x->entry, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
        r = -ENOENT; /* gone, or no longer the file that was listed */
    else if (unlinkat(fd, x->entry, 0) < 0)
        r = ags_error_set(err, -errno, "cannot remove '%s': %m", x->name);
    (void)close(fd);
    return r;
}
