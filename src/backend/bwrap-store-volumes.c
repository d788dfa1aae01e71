/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bubblewrap backend's named volumes (volumes/<name>/_data) and what a
 * run needs before its sandbox exists: each missing volume made and filled
 * from the image's content at its mount point, as Podman fills a new volume
 * (the tree copied: files, directories, symlinks as symlinks, modes without
 * setuid or setgid, nothing followed out of the image), and the host paths
 * the plan marks for creation.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/bwrap-store.h"
#include "backend/prepare-paths.h"
#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strv.h"
#include "base/banned.h"

/* _data filled from the image's dest; an image without that directory (or
 * with a symlink on the way to it) gives an empty volume, as in Podman. */
static int fill_volume(struct bwrap_backend *b, const char *image, const char *dest, int data,
                       struct ags_error *err)
{
    _cleanup_free_ char *root_path = NULL;
    _cleanup_strv_free_ char **env = NULL;
    int r = bwrap_store_image_root(b, image, &root_path, &env, NULL, err);
    if (r < 0)
        return r;
    _cleanup_close_ int root = open(root_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (root < 0)
        return ags_error_set(err, -errno, "cannot open '%s': %m", root_path);
    while (*dest == '/')
        dest++;
    _cleanup_close_ int src = -EBADF;
    if (open_dir_below(root, root_path, dest, 0, false, &src, NULL) < 0)
        return 0;
    struct stat st;
    if (fstat(src, &st) < 0 || fchmod(data, st.st_mode & 01777) < 0)
        return ags_error_set(err, -errno, "cannot copy the mode of '/%s': %m", dest);
    r = bwrap_copy_dir_at(b, src, data);
    if (r < 0)
        return ags_error_set(err, r, "cannot fill a volume from the image's /%s: %s", dest,
                             strerror(-r));
    return 0;
}

/* volumes/<name> with its labels and _data, made under a temporary name. */
static int create_volume(struct bwrap_backend *b, int vols, const char *image,
                         const struct plan_mount *m, struct ags_error *err)
{
    _cleanup_free_ char *where = xasprintf("%s/" BWRAP_STORE_VOLUMES, b->data_dir);
    char tmp[32];
    _cleanup_close_ int entry = -EBADF, data = -EBADF;
    int r = bwrap_store_begin_entry(vols, where, tmp, &entry, err);
    if (r < 0)
        return r;
    r = bwrap_store_write_lines(entry, where, BWRAP_STORE_LABELS,
                                    (const char *const *)m->labels, err);
    if (r == 0)
        r = open_dir_below(entry, where, BWRAP_STORE_DATA, 0755, true, &data, err);
    if (r == 0)
        r = fill_volume(b, image, m->destination, data, err);
    /* Another ags may have made it meanwhile: theirs stays. */
    if (r == 0 && renameat(vols, tmp, vols, m->source) < 0 && errno != EEXIST &&
        errno != ENOTEMPTY)
        r = ags_error_set(err, -errno, "cannot rename '%s/%s': %m", where, tmp);
    bwrap_store_drop_temp(vols, where, tmp);
    return r;
}

static int ensure_volume(struct bwrap_backend *b, int vols, const char *image,
                         const struct plan_mount *m, struct ags_error *err)
{
    if (!bwrap_store_is_volume_name(m->source))
        return ags_error_set(err, -EINVAL, "'%.64s' is no volume name", m->source);
    struct stat st;
    if (fstatat(vols, m->source, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (!S_ISDIR(st.st_mode))
            return ags_error_set(err, -ENOTDIR, "'%s/" BWRAP_STORE_VOLUMES "/%s' is not a "
                                 "directory", b->data_dir, m->source);
        return 0;
    }
    return create_volume(b, vols, image, m, err);
}

int bwrap_store_prepare(struct backend *base, const struct ags_plan *p, struct ags_error *err)
{
    struct bwrap_backend *b = bwrap_of(base);
    _cleanup_close_ int vols = -EBADF;
    /* auto falls back to bwrap when Podman does not open: a plan made for
     * a remote engine (uploaded volumes, copied files) is not for this host. */
    if (p->remote)
        return ags_error_set(err, -EINVAL, "this run was planned for a remote engine, and the "
                                           "bubblewrap backend runs on this host only; choose "
                                           "the engine with --connection or --url");
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct plan_mount *m = &p->mounts[i];
        int r = 0;
        if (bwrap_store_cancelled(b))
            return ags_error_set(err, -EINTR, "preparing the sandbox: interrupted");
        if (m->type == PLAN_MOUNT_VOLUME) {
            if (vols < 0)
                r = bwrap_store_open(b, BWRAP_STORE_VOLUMES, true, &vols, err);
            if (r == 0)
                r = ensure_volume(b, vols, p->image.v, m, err);
        } else if (m->create != PLAN_CREATE_NONE) {
            r = backend_create_host_path(m, err);
        }
        if (r < 0)
            return r;
    }
    return 0;
}

int bwrap_store_volume_dir(struct bwrap_backend *b, const char *name, char **ret_dir,
                           struct ags_error *err)
{
    if (!bwrap_store_is_volume_name(name))
        return ags_error_set(err, -EINVAL, "'%.64s' is no volume name", name);
    _cleanup_close_ int vols = -EBADF, data = -EBADF;
    _cleanup_free_ char *rel = xasprintf("%s/" BWRAP_STORE_DATA, name);
    int r = bwrap_store_open(b, BWRAP_STORE_VOLUMES, false, &vols, err);
    if (r == 0)
        r = open_dir_below(vols, BWRAP_STORE_VOLUMES, rel, 0, false, &data, err);
    if (r == -ENOENT)
        return ags_error_set(err, -ENOENT, "no volume %s", name);
    if (r < 0)
        return r;
    *ret_dir = xasprintf("%s/" BWRAP_STORE_VOLUMES "/%s", b->data_dir, rel);
    return 0;
}

int bwrap_store_volume_path(struct backend *base, const char *name, char **ret_path,
                            struct ags_error *err)
{
    return bwrap_store_volume_dir(bwrap_of(base), name, ret_path, err);
}
