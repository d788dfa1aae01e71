/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What ags install copies: the binary, its helper and the shipped asset trees. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "run/install.h"
#include "run/internal.h"
#include "base/banned.h"

/* The binary with sanitizers is tens of MiB; an asset a few KiB. */
#define BINARY_MAX (512u * 1024u * 1024u)
#define ASSET_MAX  (16u * 1024u * 1024u)
/* containerfile/ and agent-assets/ are a few levels deep. */
#define TREE_DEPTH_MAX 8

void run_install_items_add(struct run_install_items *l, const char *rel, char *data, size_t len,
                           unsigned mode)
{
    l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
    l->v[l->n++] = (struct run_install_item){.rel = xstrdup(rel), .data = data, .len = len,
                                             .mode = mode};
}

void run_install_items_done(struct run_install_items *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].rel);
        free(l->v[i].data);
        free(l->v[i].link_target);
    }
    free(l->v);
    *l = (struct run_install_items){0};
}

char *run_install_self_exe(void)
{
    return realpath("/proc/self/exe", NULL);
}

char *run_install_shipped_dir(const char *rel)
{
    return run_shipped_path(rel);
}

char *run_install_helper(void)
{
    return run_helper_path();
}

bool run_install_exe_in_build_tree(const char *exe)
{
    _cleanup_free_ char *dir = xstrdup(exe);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return false;
    *slash = '\0';
    _cleanup_free_ char *cache = xasprintf("%s/CMakeCache.txt", dir);
    return access(cache, F_OK) == 0;
}

/* The regular file at from (never through a symlink at its name, never
 * blocking on a FIFO swapped in since the walk looked), as rel.  mode 0: 0755
 * when the file read is executable, else 0644. */
static int add_file(struct run_install_items *l, const char *from, const char *rel, size_t max,
                    unsigned mode, struct ags_error *err)
{
    char *data = NULL;
    size_t len = 0;
    struct stat st;
    int r = read_regular_file_at(AT_FDCWD, from, from, max, &data, &len, &st, err);
    if (r < 0)
        return r;
    if (mode == 0)
        mode = (st.st_mode & 0111) ? 0755 : 0644;
    run_install_items_add(l, rel, data, len, mode);
    return 0;
}

bool run_install_path_plain(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    if (n < 2 || path[0] != '/' || path[n - 1] == '/' || strstr(path, "//") ||
        strstr(path, "/./") || strstr(path, "/../"))
        return false;
    return !(n >= 2 && strcmp(path + n - 2, "/.") == 0) &&
           !(n >= 3 && strcmp(path + n - 3, "/..") == 0);
}

static int walk(struct run_install_items *l, const char *dir, const char *rel, int depth,
                struct ags_error *err);

/* Regular files and directories only: nothing else belongs to ags's assets. */
static int walk_entry(struct run_install_items *l, const char *dir, const char *rel,
                      const char *name, int depth, struct ags_error *err)
{
    _cleanup_free_ char *from = xasprintf("%s/%s", dir, name);
    _cleanup_free_ char *to = xasprintf("%s/%s", rel, name);
    struct stat st;
    if (lstat(from, &st) < 0)
        return ags_error_set(err, -errno, "cannot inspect '%s': %m", from);
    if (S_ISDIR(st.st_mode))
        return walk(l, from, to, depth + 1, err);
    if (!S_ISREG(st.st_mode))
        return ags_error_set(err, -EINVAL, "'%s' is not a regular file; the ags sources "
                             "hold only files and directories there", from);
    return add_file(l, from, to, ASSET_MAX, 0, err);
}

static int walk(struct run_install_items *l, const char *dir, const char *rel, int depth,
                struct ags_error *err)
{
    if (depth > TREE_DEPTH_MAX)
        return ags_error_set(err, -ELOOP, "'%s' is nested too deeply", dir);
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0)
        return ags_error_set(err, -errno, "cannot list '%s': %m", dir);
    int r = 0;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (r == 0 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
            r = walk_entry(l, dir, rel, name, depth, err);
        free(names[i]);
    }
    free(names);
    return r;
}

/* A program: copied, or with link_self a symlink to where it is. */
static int add_program(struct run_install_items *l, const char *from, const char *rel,
                       bool link, struct ags_error *err)
{
    if (!link)
        return add_file(l, from, rel, BINARY_MAX, 0755, err);
    run_install_items_add(l, rel, NULL, 0, 0777);
    l->v[l->n - 1].link_target = xstrdup(from);
    return 0;
}

int run_install_collect(const struct run_install_opts *o, struct run_install_items *ret,
                        struct ags_error *err)
{
    *ret = (struct run_install_items){0};
    /* Beside bin/ags where an installed ags looks for it (run/shipped.c):
     * without it, its runs would have no auth proxy. */
    if (!o->helper)
        return ags_error_set(err, -ENOENT, "ags-helper, the program ags mounts into its "
                                           "sandboxes, is not beside this ags (%s) in a "
                                           "directory only root or you can write; build it "
                                           "(cmake --build) or reinstall ags", o->exe);
    int r = add_program(ret, o->exe, "bin/ags", o->link_self, err);
    if (r == 0)
        r = add_program(ret, o->helper, RUN_HELPER_REL, o->link_self, err);
    if (r == 0)
        r = walk(ret, o->containerfile_dir, "share/ags/containerfile", 0, err);
    if (r == 0)
        r = walk(ret, o->assets_dir, "share/ags/agent-assets", 0, err);
    if (r < 0)
        run_install_items_done(ret);
    return r;
}
