/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags uninstall --purge: the directories ags keeps for a user (its config,
 * its state, its cache).  The cache directory is configurable, so it is
 * removed only when it is a directory named "ags" (the default
 * ~/.cache/ags): a cache_dir pointed at ~ or at a shared directory is never
 * taken for ags's own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/du.h"
#include "run/install.h"
#include "run/internal.h"
#include "run/stage.h"
#include "base/banned.h"

static bool named_ags(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    return n >= 4 && strncmp(path + n - 4, "/ags", 4) == 0;
}

static void add_dir(struct run_purge_dirs *d, const char *what, char *path)
{
    struct stat st;
    if (!path || path[0] != '/' || lstat(path, &st) < 0) {
        free(path);
        return;
    }
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->v[i].path, path) == 0) {
            free(path);
            return;
        }
    struct run_purge_dir *x = &d->v[d->n++];
    *x = (struct run_purge_dir){.what = what, .path = path};
    struct du_result du;
    if (!S_ISLNK(st.st_mode) && du_tree_at(AT_FDCWD, path, &du) == 0)
        x->bytes = du.bytes;
    if (!named_ags(path))
        x->kept_why = "it is not a directory named ags (a configured cache_dir): remove it "
                      "yourself if nothing else keeps files there";
    else if (!S_ISLNK(st.st_mode) && !S_ISDIR(st.st_mode))
        x->kept_why = "it is not a directory";
    else if (st.st_uid != geteuid())
        x->kept_why = "it belongs to another user";
}

void run_purge_dirs_find(const char *home, const char *xdg_config, const char *xdg_state,
                         const char *cache_dir, struct run_purge_dirs *ret)
{
    *ret = (struct run_purge_dirs){0};
    add_dir(ret, "config", run_xdg_ags_dir(xdg_config, home, ".config"));
    add_dir(ret, "state", run_xdg_ags_dir(xdg_state, home, ".local/state"));
    add_dir(ret, "cache", cache_dir ? xstrdup(cache_dir) : NULL);
}

void run_purge_dirs_done(struct run_purge_dirs *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->v[i].path);
    *d = (struct run_purge_dirs){0};
}

int run_purge_dir_remove(const struct run_purge_dir *d, struct ags_error *err)
{
    if (d->kept_why)
        return ags_error_set(err, -EPERM, "kept %s: %s", d->path, d->kept_why);
    struct stat st;
    if (lstat(d->path, &st) < 0)
        return errno == ENOENT ? 0
                               : ags_error_set(err, -errno, "cannot look at %s: %s", d->path,
                                               strerror(errno));
    if (S_ISLNK(st.st_mode)) {
        if (unlink(d->path) < 0 && errno != ENOENT)
            return ags_error_set(err, -errno, "cannot remove the link %s: %s", d->path,
                                 strerror(errno));
        return 0;
    }
    return stage_remove_tree(d->path, err);
}
