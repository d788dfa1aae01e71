/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sandbox image: there already, or built from the configured (or
 * shipped) Containerfile with its output streamed to the user. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/sha256.h"
#include "run/internal.h"
#include "base/banned.h"

/* The Containerfile: configured, or the one shipped with ags. */
static char *containerfile_path(const struct ags_config *cfg)
{
    if (cfg->sandbox.containerfile.v && cfg->sandbox.containerfile.v[0])
        return xstrdup(cfg->sandbox.containerfile.v);
    return run_shipped_path("containerfile/Containerfile");
}

/* An overlay's Containerfile builds only the bytes the user trusted: its
 * image tag was derived from them at load, so a file changed since
 * (by an agent of a concurrent run) is refused instead of built under it.
 * The window left is between this read and the tar of the build context. */
static int check_containerfile(const struct ags_config *cfg, const char *file, char *label,
                               size_t size, struct ags_error *err)
{
    label[0] = '\0';
    if (!cfg->containerfile_sha256)
        return 0;
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    char now[SHA256_HEX_SIZE];
    int r = read_regular_file_at(AT_FDCWD, file, file, CFG_CONTAINERFILE_MAX_SIZE, &buf, &len,
                                 NULL, err);
    if (r < 0)
        return r;
    sha256_hex(buf, len, now);
    if (strcmp(now, cfg->containerfile_sha256) != 0)
        return ags_error_set(err, -EPERM,
                             "%s changed since the repo-local config was trusted (sha256 %s, "
                             "now %s); not building it: run ags again to review it",
                             file, cfg->containerfile_sha256, now);
    (void)snprintf(label, size, "ags.containerfile-sha256=%s", now);
    return 0;
}

static int build_image(struct backend *b, const struct ags_config *cfg, const char *image,
                       const struct run_callbacks *cb, struct ags_error *err)
{
    _cleanup_free_ char *file = containerfile_path(cfg);
    _cleanup_free_ char *dir = xstrdup(file);
    char *slash = strrchr(dir, '/');
    const char *name = slash ? slash + 1 : file;
    if (slash)
        *slash = '\0';
    char label[128];
    int r = check_containerfile(cfg, file, label, sizeof(label), err);
    if (r < 0)
        return r;
    if (cb->progress) {
        _cleanup_free_ char *msg = xasprintf("building the sandbox image %s from %s", image,
                                             file);
        cb->progress(msg, cb->userdata);
    }
    const char *labels[] = {label, NULL};
    struct build_sink sink = {.cb = cb};
    const struct backend_image_build opts = {
        .context_dir = slash ? dir : ".",
        .containerfile = name,
        .labels = label[0] ? labels : NULL,
        .on_output = build_sink_write,
        .userdata = &sink,
    };
    r = b->ops->image_build(b, image, &opts, err);
    build_sink_end(&sink);
    return r < 0 ? ags_error_prefix(err, "building the sandbox image failed") : 0;
}

int run_ensure_image(struct backend *b, const struct ags_config *cfg, const char *image,
                     const struct run_callbacks *cb, struct ags_error *err)
{
    bool exists = false;
    int r = b->ops->image_exists(b, image, &exists, err);
    if (r < 0 || exists)
        return r;
    if (run_overlay_named(cfg, &cfg->sandbox.image.at) && !cfg->containerfile_sha256)
        return ags_error_set(
                err, -ENOENT,
                "the repo-local config %s names the image %s, which does not exist; ags "
                "builds an image that a repo-local config names only from that config's own "
                "containerfile (pull or build %s yourself, or remove it from that file)",
                cfg->overlay_path, image, image);
    return build_image(b, cfg, image, cb, err);
}
