/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Not built yet: issue 17 replaces these. */
#include <errno.h>

#include "backend/bwrap.h"
#include "base/banned.h"

int bwrap_store_image_root(struct bwrap_backend *b, const char *image, char **ret_root, char ***ret_env, struct ags_error *err)
{
    (void)b;
    (void)image;
    (void)ret_root;
    (void)ret_env;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_store_image_root)");
}

int bwrap_store_volume_dir(struct bwrap_backend *b, const char *name, char **ret_dir, struct ags_error *err)
{
    (void)b;
    (void)name;
    (void)ret_dir;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_store_volume_dir)");
}

int bwrap_store_image_exists(struct backend *b, const char *image, bool *ret, struct ags_error *err)
{
    (void)b;
    (void)image;
    (void)ret;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_store_image_exists)");
}

int bwrap_store_image_build(struct backend *b, const char *image, const struct backend_image_build *opts, struct ags_error *err)
{
    (void)b;
    (void)image;
    (void)opts;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_store_image_build)");
}

int bwrap_store_image_id(struct backend *b, const char *image, char **ret_id, struct ags_error *err)
{
    (void)b;
    (void)image;
    (void)ret_id;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_store_image_id)");
}

int bwrap_store_image_remove(struct backend *b, const char *image, struct ags_error *err)
{
    (void)b;
    (void)image;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_store_image_remove)");
}

int bwrap_store_image_pull(struct backend *b, const char *image, unsigned stall_seconds, struct ags_error *err)
{
    (void)b;
    (void)image;
    (void)stall_seconds;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_store_image_pull)");
}

int bwrap_store_image_import(struct backend *b, const char *tarball, const char *image, const char *const *labels, struct ags_error *err)
{
    (void)b;
    (void)tarball;
    (void)image;
    (void)labels;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_store_image_import)");
}

int bwrap_store_image_info(struct backend *b, const char *image, struct backend_image_info *ret, struct ags_error *err)
{
    (void)b;
    (void)image;
    (void)ret;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_store_image_info)");
}

int bwrap_store_prepare(struct backend *b, const struct ags_plan *p, struct ags_error *err)
{
    (void)b;
    (void)p;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_store_prepare)");
}

int bwrap_store_list_owned(struct backend *b, const char *const *image_labels, struct backend_objects *ret, struct ags_error *err)
{
    (void)b;
    (void)image_labels;
    (void)ret;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_store_list_owned)");
}

int bwrap_store_remove_owned(struct backend *b, const struct backend_object *o, struct ags_error *err)
{
    (void)b;
    (void)o;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_store_remove_owned)");
}

int bwrap_store_volume_path(struct backend *b, const char *name, char **ret_path, struct ags_error *err)
{
    (void)b;
    (void)name;
    (void)ret_path;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_store_volume_path)");
}
