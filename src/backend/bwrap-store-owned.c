/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What ags df and ags prune see of the bubblewrap backend's store: its
 * images with their tags, sizes and the live runs that use them, and the
 * volumes ags made (bwrap.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/bwrap-store.h"
#include "base/alloc.h"
#include "base/du.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/strv.h"
#include "base/banned.h"

static struct backend_object *push(struct backend_objects *o, size_t *cap)
{
    o->v = xgrow(o->v, cap, o->n + 1, sizeof(*o->v));
    struct backend_object *x = &o->v[o->n++];
    *x = (struct backend_object){0};
    return x;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of directory fd (not "." or ".."), sorted; never NULL. */
static char **entries_of(int fd)
{
    struct strv_builder sb = {0};
    int copy = dup(fd);
    DIR *d = copy >= 0 ? fdopendir(copy) : NULL;
    if (!d) {
        if (copy >= 0)
            (void)close(copy);
        return strv_builder_steal(&sb);
    }
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') /* ".", "..", and what is being made or removed */
            strv_builder_push(&sb, xstrdup(e->d_name));
    closedir(d);
    char **v = strv_builder_steal(&sb);
    qsort(v, strv_len(v), sizeof(*v), cmp_str);
    return v;
}

static void size_of(int dirfd, const char *rel, struct backend_object *x)
{
    struct du_result du;
    if (du_tree_at(dirfd, rel, &du) == 0) {
        x->size = du.bytes;
        x->size_known = du.complete;
    }
}

/* Each tag "name -> id" of rootfs/tags/, as two parallel vectors. */
static void read_tags(int rootfs, char ***ret_names, char ***ret_ids)
{
    struct strv_builder names = {0}, ids = {0};
    _cleanup_close_ int tags = -EBADF;
    _cleanup_strv_free_ char **files = NULL;
    if (open_dir_below(rootfs, BWRAP_STORE_ROOTFS, BWRAP_STORE_TAGS, 0, false, &tags, NULL) == 0)
        files = entries_of(tags);
    for (size_t i = 0; files && files[i]; i++) {
        char *name = bwrap_store_tag_name(files[i]);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (!name || read_regular_file_at(tags, files[i], files[i], AGS_BWRAP_STORE_FILE_MAX,
                                          &text, &len, NULL, NULL) < 0) {
            free(name);
            continue;
        }
        text[strcspn(text, "\n")] = '\0';
        strv_builder_push(&names, name);
        strv_builder_push(&ids, TAKE_PTR(text));
    }
    *ret_names = strv_builder_steal(&names);
    *ret_ids = strv_builder_steal(&ids);
}

static bool has_any_key(char *const *labels, const char *const *keys)
{
    for (size_t i = 0; keys && keys[i]; i++)
        if (plan_label_value(labels, keys[i]))
            return true;
    return false;
}

static void list_images(struct bwrap_backend *b, int rootfs, const char *const *image_labels,
                        struct backend_objects *o, size_t *cap)
{
    _cleanup_strv_free_ char **names = NULL, **ids = NULL;
    read_tags(rootfs, &names, &ids);
    _cleanup_strv_free_ char **entries = entries_of(rootfs);
    for (size_t i = 0; entries[i]; i++) {
        const char *id = entries[i];
        _cleanup_free_ char *rel = xasprintf("%s/" BWRAP_STORE_LABELS, id);
        char **labels = NULL;
        if (!bwrap_store_is_id(id) ||
            bwrap_store_read_lines(rootfs, rel, rel, &labels, NULL) < 0)
            continue;
        if (!has_any_key(labels, image_labels)) {
            strv_free(labels);
            continue;
        }
        struct backend_object *x = push(o, cap);
        struct strv_builder tags = {0};
        for (size_t t = 0; names[t]; t++)
            if (strcmp(ids[t], id) == 0)
                strv_builder_push(&tags, xstrdup(names[t]));
        *x = (struct backend_object){.kind = BACKEND_OBJ_IMAGE,
                                     .id = xstrdup(id),
                                     .labels = labels,
                                     .tags = strv_builder_steal(&tags),
                                     .users = bwrap_store_live_runs(b, id)};
        x->name = xstrdup(x->tags[0] ? x->tags[0] : "");
        size_of(rootfs, id, x);
    }
}

/* Volumes ags made (ags.managed=true).  Which run binds which volume is
 * not recorded: every live run counts as a user of each, so a volume is
 * never removed under a running sandbox. */
static void list_volumes(struct bwrap_backend *b, int vols, struct backend_objects *o,
                         size_t *cap)
{
    _cleanup_strv_free_ char **entries = entries_of(vols);
    for (size_t i = 0; entries[i]; i++) {
        _cleanup_free_ char *rel = xasprintf("%s/" BWRAP_STORE_LABELS, entries[i]);
        char **labels = NULL;
        if (!bwrap_store_is_volume_name(entries[i]) ||
            bwrap_store_read_lines(vols, rel, rel, &labels, NULL) < 0)
            continue;
        const char *managed = plan_label_value(labels, PLAN_LABEL_MANAGED);
        if (!managed || strcmp(managed, "true") != 0) {
            strv_free(labels);
            continue;
        }
        struct backend_object *x = push(o, cap);
        *x = (struct backend_object){.kind = BACKEND_OBJ_VOLUME,
                                     .id = xstrdup(entries[i]),
                                     .name = xstrdup(entries[i]),
                                     .labels = labels,
                                     .tags = strv_new(0),
                                     .users = bwrap_store_live_runs(b, NULL)};
        _cleanup_free_ char *data = xasprintf("%s/" BWRAP_STORE_DATA, entries[i]);
        size_of(vols, data, x);
    }
}

int bwrap_store_list_owned(struct backend *base, const char *const *image_labels,
                           struct backend_objects *ret, struct ags_error *err)
{
    struct bwrap_backend *b = bwrap_of(base);
    *ret = (struct backend_objects){0};
    size_t cap = 0;
    _cleanup_close_ int rootfs = -EBADF, vols = -EBADF;
    int r = bwrap_store_open(b, BWRAP_STORE_ROOTFS, false, &rootfs, err);
    if (r == 0)
        list_images(b, rootfs, image_labels, ret, &cap);
    if (r == 0 || r == -ENOENT)
        r = bwrap_store_open(b, BWRAP_STORE_VOLUMES, false, &vols, err);
    if (r == 0)
        list_volumes(b, vols, ret, &cap);
    if (r == -ENOENT)
        r = 0;
    if (r < 0)
        backend_objects_done(ret);
    return r;
}

static int remove_volume(struct bwrap_backend *b, const char *name, struct ags_error *err)
{
    if (!bwrap_store_is_volume_name(name))
        return ags_error_set(err, -EINVAL, "'%.64s' is no volume name", name);
    _cleanup_strv_free_ char **users = bwrap_store_live_runs(b, NULL);
    if (users[0])
        return ags_error_set(err, -EBUSY, "the volume %s may be in use by the run %s", name,
                             users[0]);
    _cleanup_close_ int vols = -EBADF;
    int r = bwrap_store_open(b, BWRAP_STORE_VOLUMES, false, &vols, err);
    struct stat st;
    if (r == -ENOENT || (r == 0 && fstatat(vols, name, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
                         errno == ENOENT))
        return ags_error_set(err, -ENOENT, "no volume %s", name);
    if (r < 0)
        return r;
    _cleanup_free_ char *where = xasprintf("%s/" BWRAP_STORE_VOLUMES, b->data_dir);
    return bwrap_store_remove_entry(vols, where, name, err);
}

int bwrap_store_remove_owned(struct backend *base, const struct backend_object *o,
                             struct ags_error *err)
{
    switch (o->kind) {
    case BACKEND_OBJ_IMAGE:
        return bwrap_store_image_remove(base, o->id, err);
    case BACKEND_OBJ_VOLUME:
        return remove_volume(bwrap_of(base), o->id, err);
    case BACKEND_OBJ_CONTAINER:
    case BACKEND_OBJ_SECRET:
        break;
    }
    return ags_error_set(err, -ENOTSUP, "the bubblewrap store lists no containers or secrets");
}
