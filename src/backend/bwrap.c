/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bubblewrap backend: open, close and the operations table (backend/bwrap.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/bwrap.h"
#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "base/banned.h"

static void bw_close(struct backend *base)
{
    struct bwrap_backend *b = bwrap_of(base);
    if (b->sb)
        (void)bwrap_remove(base, b->sb->id, NULL);
    (void)bwrap_secrets_remove(base, NULL);
    free(b->data_dir);
    free(b->bwrap);
    free(b->slirp4netns);
    free(b);
}

static const struct backend_ops bwrap_ops = {
    .name = "bwrap",
    .sweep = bwrap_sweep,
    .image_exists = bwrap_store_image_exists,
    .image_build = bwrap_store_image_build,
    .prepare = bwrap_store_prepare,
    .secrets_create = bwrap_secrets_create,
    .create = bwrap_create,
    .start_attached = bwrap_start_attached,
    .remove = bwrap_remove,
    .secrets_remove = bwrap_secrets_remove,
    .close = bw_close,
    .image_id = bwrap_store_image_id,
    .image_remove = bwrap_store_image_remove,
    .image_pull = bwrap_store_image_pull,
    .image_import = bwrap_store_image_import,
    .engine_info = bwrap_engine_info,
    .image_info = bwrap_store_image_info,
    .volume_path = bwrap_store_volume_path,
    .list_owned = bwrap_store_list_owned,
    .remove_owned = bwrap_store_remove_owned,
    .list_sessions = bwrap_list_sessions,
    .stop_session = bwrap_stop_session,
    .remove_session = bwrap_remove_session,
};

/* ${XDG_DATA_HOME:-$HOME/.local/share}/ags; NULL without an absolute one. */
static char *data_dir_of(const char *(*getenv_fn)(const char *name))
{
    const char *xdg = env_nonempty(getenv_fn, "XDG_DATA_HOME");
    if (xdg && xdg[0] == '/')
        return xasprintf("%s/ags", xdg);
    const char *home = env_nonempty(getenv_fn, "HOME");
    if (home && home[0] == '/')
        return xasprintf("%s/.local/share/ags", home);
    return NULL;
}

int backend_bwrap_open(const struct backend_open_opts *o, struct backend **ret,
                       struct ags_error *err)
{
    const char *path = env_nonempty(o->getenv, "PATH");
    _cleanup_free_ char *bwrap = trusted_program(path, "bwrap");
    if (!bwrap)
        return ags_error_set(err, -ENOENT,
                             "bubblewrap (bwrap) is not installed in a directory only root "
                             "can change (install it: apt-get install bubblewrap)");
    _cleanup_free_ char *data = data_dir_of(o->getenv);
    if (!data)
        return ags_error_set(err, -EINVAL,
                             "neither XDG_DATA_HOME nor HOME is an absolute path: the bubblewrap "
                             "backend keeps its images and volumes there");
    struct bwrap_backend *b = xcalloc(1, sizeof(*b));
    b->base.ops = &bwrap_ops;
    b->cancel = o->cancel;
    b->warn = o->warn;
    b->userdata = o->userdata;
    b->getenv = o->getenv;
    b->data_dir = TAKE_PTR(data);
    b->bwrap = TAKE_PTR(bwrap);
    b->slirp4netns = trusted_program(path, "slirp4netns");
    *ret = &b->base;
    return 0;
}
