/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bubblewrap backend's images: look-ups, info, removal (bwrap.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/bwrap-store.h"
#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/strv.h"
#include "base/banned.h"

/* rootfs/ and the id image names there; -ENOENT: no such image. */
static int find_image(struct bwrap_backend *b, const char *image, int *ret_rootfs,
                      char id[SHA256_HEX_SIZE], struct ags_error *err)
{
    _cleanup_close_ int rootfs = -EBADF;
    int r = bwrap_store_open(b, BWRAP_STORE_ROOTFS, false, &rootfs, err);
    if (r == -ENOENT)
        return ags_error_set(err, -ENOENT, "no image %s (the store has none)", image);
    if (r == 0)
        r = bwrap_store_resolve(rootfs, image, id, err);
    if (r == 0 && ret_rootfs)
        *ret_rootfs = TAKE_FD(rootfs);
    return r;
}

/* The lines of store file name of image id (absent: none). */
static int image_lines(int rootfs, const char *id, const char *name, char ***ret,
                       struct ags_error *err)
{
    _cleanup_free_ char *rel = xasprintf("%s/%s", id, name);
    int r = bwrap_store_read_lines(rootfs, rel, rel, ret, err);
    if (r == -ENOENT) {
        *ret = strv_new(0);
        return 0;
    }
    return r;
}

int bwrap_store_image_root(struct bwrap_backend *b, const char *image, char **ret_root,
                           char ***ret_env, char **ret_id, struct ags_error *err)
{
    _cleanup_close_ int rootfs = -EBADF;
    char id[SHA256_HEX_SIZE];
    int r = find_image(b, image, &rootfs, id, err);
    if (r < 0)
        return r;
    _cleanup_close_ int root = -EBADF;
    _cleanup_free_ char *rel = xasprintf("%s/" BWRAP_STORE_ROOT, id);
    r = open_dir_below(rootfs, BWRAP_STORE_ROOTFS, rel, 0, false, &root, err);
    char **env = NULL;
    if (r == 0)
        r = image_lines(rootfs, id, BWRAP_STORE_ENV, &env, err);
    if (r < 0)
        return r;
    *ret_root = xasprintf("%s/" BWRAP_STORE_ROOTFS "/%s/" BWRAP_STORE_ROOT, b->data_dir, id);
    *ret_env = env;
    if (ret_id)
        *ret_id = xstrdup(id);
    return 0;
}

int bwrap_store_image_exists(struct backend *base, const char *image, bool *ret,
                             struct ags_error *err)
{
    char id[SHA256_HEX_SIZE];
    int r = find_image(bwrap_of(base), image, NULL, id, err);
    *ret = r == 0;
    return r == -ENOENT ? 0 : r;
}

int bwrap_store_image_id(struct backend *base, const char *image, char **ret_id,
                         struct ags_error *err)
{
    char id[SHA256_HEX_SIZE];
    int r = find_image(bwrap_of(base), image, NULL, id, err);
    if (r == 0)
        *ret_id = xstrdup(id);
    return r;
}

int bwrap_store_image_info(struct backend *base, const char *image,
                           struct backend_image_info *ret, struct ags_error *err)
{
    _cleanup_close_ int rootfs = -EBADF;
    char id[SHA256_HEX_SIZE];
    int r = find_image(bwrap_of(base), image, &rootfs, id, err);
    char **labels = NULL;
    if (r == 0)
        r = image_lines(rootfs, id, BWRAP_STORE_LABELS, &labels, err);
    if (r < 0)
        return r;
    *ret = (struct backend_image_info){.labels = labels};
    memcpy(ret->storage_driver, "dir", sizeof("dir"));
    return 0;
}

int bwrap_store_image_pull(struct backend *base, const char *image, unsigned stall_seconds,
                           struct ags_error *err)
{
    (void)stall_seconds;
    bool exists = false;
    int r = bwrap_store_image_exists(base, image, &exists, err);
    if (r < 0 || exists)
        return r;
    return ags_error_set(err, -ENOTSUP,
                         "the bubblewrap backend pulls no images (it has no registry): its "
                         "image comes from ags update-image, which builds it with mmdebstrap");
}

int bwrap_store_image_build(struct backend *base, const char *image,
                            const struct backend_image_build *opts, struct ags_error *err)
{
    (void)base;
    (void)opts;
    return ags_error_set(err, -ENOTSUP,
                         "bubblewrap cannot build %s from a Containerfile: ags update-image "
                         "builds its image with mmdebstrap and containerfile/setup.sh",
                         image);
}

/* Every tag of rootfs/tags that names id goes with it. */
static void drop_tags_of(int rootfs, const char *id)
{
    _cleanup_close_ int tags = -EBADF;
    if (open_dir_below(rootfs, BWRAP_STORE_ROOTFS, BWRAP_STORE_TAGS, 0, false, &tags, NULL) < 0)
        return;
    int fd = dup(tags);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            (void)close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (e->d_name[0] == '.' ||
            read_regular_file_at(tags, e->d_name, e->d_name, AGS_BWRAP_STORE_FILE_MAX, &text,
                                 &len, NULL, NULL) < 0)
            continue;
        text[strcspn(text, "\n")] = '\0';
        if (strcmp(text, id) == 0)
            (void)unlinkat(tags, e->d_name, 0);
    }
    closedir(d);
}

int bwrap_store_image_remove(struct backend *base, const char *image, struct ags_error *err)
{
    struct bwrap_backend *b = bwrap_of(base);
    _cleanup_close_ int rootfs = -EBADF;
    char id[SHA256_HEX_SIZE];
    int r = find_image(b, image, &rootfs, id, err);
    if (r < 0)
        return r;
    _cleanup_strv_free_ char **users = bwrap_store_live_runs(b, id);
    if (users[0])
        return ags_error_set(err, -EBUSY, "the image %.12s is in use by the run %s", id,
                             users[0]);
    drop_tags_of(rootfs, id);
    _cleanup_free_ char *where = xasprintf("%s/" BWRAP_STORE_ROOTFS, b->data_dir);
    return bwrap_store_remove_entry(rootfs, where, id, err);
}
