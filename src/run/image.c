/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sandbox image: there already, or built from the configured (or
 * shipped) Containerfile with its output streamed to the user. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/sha256.h"
#include "base/strv.h"
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

/* What update-image and a run's first build put into the image's build:
 * the Containerfile's directory as the context, the host's CA bundle (or an
 * empty file: the Containerfile copies it either way) next to it. */
struct image_context {
    char *file; /* the Containerfile */
    char *dir;  /* its directory, the context */
    const char *name;
    struct backend_context_file ca;
};

static void context_of(const struct ags_config *cfg, struct image_context *ret)
{
    ret->file = containerfile_path(cfg);
    const char *slash = strrchr(ret->file, '/');
    ret->name = slash ? slash + 1 : ret->file;
    ret->dir = slash ? xstrndup(ret->file, (size_t)(slash - ret->file)) : xstrdup(".");
    ret->ca = (struct backend_context_file){
            .name = RUN_IMAGE_CA_FILE,
            .path = cfg->image.trust_host_ca.v ? cfg->image.ca_bundle.v : NULL,
    };
}

static void context_done(struct image_context *c)
{
    free(c->file);
    free(c->dir);
}

int run_image_expected_digest(const struct ags_config *cfg, char hex[SHA256_HEX_SIZE],
                              struct ags_error *err)
{
    struct image_context ctx;
    context_of(cfg, &ctx);
    int r = run_image_context_digest(ctx.dir, &ctx.ca, 1, hex, err);
    context_done(&ctx);
    return r;
}

/* "YYYY-mm-ddTHH:MM:SSZ": every build is a new image, so that the previous
 * one can be told apart (and removed) even when every layer was cached. */
static void utc_now(char *buf, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        (void)snprintf(buf, size, "%lld", (long long)now);
}

void run_image_refresh_arg(time_t now, char *buf, size_t size)
{
    struct tm tm;
    if (!gmtime_r(&now, &tm) || strftime(buf, size, RUN_IMAGE_REFRESH_ARG "=%G-W%V", &tm) == 0)
        (void)snprintf(buf, size, RUN_IMAGE_REFRESH_ARG "=%lld", (long long)(now / 604800));
}

/* Podman 4.3's builds (buildah before 1.31) now and then kill a RUN step
 * while other API requests run alongside: the step's runtime gets SIGKILL
 * when the Go thread that started it goes away (PR_SET_PDEATHSIG;
 * containers/podman#17918, fixed in buildah 1.31).  Another ags starting a
 * session is such a request. */
bool run_image_build_killed_by_podman(const char *msg)
{
    return strstr(msg, "while running runtime: signal: killed") ||
           strstr(msg, "did not get container create message from subprocess");
}

#define BUILD_TRIES 3

/* The build, again when Podman's fault killed it (the steps before the killed
 * one come from the layer cache). */
static int build_with_retries(struct backend *b, const char *image,
                              const struct backend_image_build *opts,
                              const struct run_callbacks *cb, struct ags_error *err)
{
    for (int try = 1;; try++) {
        struct build_sink sink = {.cb = cb};
        struct backend_image_build o = *opts;
        o.userdata = &sink;
        struct ags_error e = {0};
        int r = b->ops->image_build(b, image, &o, &e);
        build_sink_end(&sink);
        if (r >= 0)
            return r;
        if (try == BUILD_TRIES || !run_image_build_killed_by_podman(e.msg))
            return ags_error_set(err, r, "%s", e.msg);
        run_warnf(cb, "Podman killed a step of the build (%s), a fault of Podman 4.3 when other "
                      "requests run alongside (containers/podman#17918): building again, try %d "
                      "of %d", e.msg, try + 1, BUILD_TRIES);
    }
}

char **run_image_build_labels(const char *digest, const char *base)
{
    char when[64];
    utc_now(when, sizeof(when));
    struct strv_builder sb = {0};
    strv_builder_push(&sb, xasprintf("%s=%s", RUN_IMAGE_LABEL_CONTEXT, digest));
    strv_builder_push(&sb, xasprintf("%s=%s", RUN_IMAGE_LABEL_BUILT, when));
    if (base)
        strv_builder_push(&sb, xasprintf("%s=%s", RUN_IMAGE_LABEL_BASE, base));
    return strv_builder_steal(&sb);
}

/* base NULL: the Containerfile's own FROM (no BASE_IMAGE argument). */
static int build_image(struct backend *b, const struct ags_config *cfg, const char *image,
                       const char *base, const struct run_callbacks *cb, struct ags_error *err)
{
    _cleanup_(context_done) struct image_context ctx;
    context_of(cfg, &ctx);
    char sha_label[128];
    int r = check_containerfile(cfg, ctx.file, sha_label, sizeof(sha_label), err);
    if (r < 0)
        return r;
    char digest[SHA256_HEX_SIZE];
    r = run_image_context_digest(ctx.dir, &ctx.ca, 1, digest, err);
    if (r < 0)
        return ags_error_prefix(err, "building the sandbox image failed");
    _cleanup_strv_free_ char **labels = run_image_build_labels(digest, base);
    if (sha_label[0]) {
        size_t n = strv_len(labels);
        labels = xrealloc(labels, (n + 2) * sizeof(*labels));
        labels[n] = xstrdup(sha_label);
        labels[n + 1] = NULL;
    }
    _cleanup_free_ char *base_arg = base ? xasprintf("BASE_IMAGE=%s", base) : NULL;
    char refresh[32];
    run_image_refresh_arg(time(NULL), refresh, sizeof(refresh));
    const char *buildargs[] = {refresh, base_arg, NULL};
    if (cb->progress) {
        _cleanup_free_ char *msg = xasprintf("building the sandbox image %s from %s%s%s", image,
                                             ctx.file, base ? " on " : "", base ? base : "");
        cb->progress(msg, cb->userdata);
    }
    const struct backend_image_build opts = {
        .context_dir = ctx.dir,
        .containerfile = ctx.name,
        .labels = (const char *const *)labels,
        .buildargs = buildargs,
        .files = &ctx.ca,
        .n_files = 1,
        .on_output = build_sink_write,
    };
    r = build_with_retries(b, image, &opts, cb, err);
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
    if (!b->ops->builds_containerfiles)
        return run_image_bootstrap(b, cfg, image, cb, err);
    /* The shipped Containerfile takes its base from ags (no registry needed);
     * a configured one keeps its own FROM. */
    _cleanup_free_ char *base = NULL;
    if (!cfg->sandbox.containerfile.v || !cfg->sandbox.containerfile.v[0]) {
        r = run_image_pick_base(b, cfg, NULL, false, cb, &base, err);
        if (r < 0)
            return ags_error_prefix(err, "the base of the sandbox image");
    }
    return build_image(b, cfg, image, base, cb, err);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The image the tag named before: removed unless a container uses it. */
static void drop_previous(struct backend *b, struct run_image_result *res,
                          const struct run_callbacks *cb)
{
    if (!res->previous_id || (res->id && strcmp(res->previous_id, res->id) == 0)) {
        free(res->previous_id);
        res->previous_id = NULL;
        return;
    }
    struct ags_error e = {0};
    int r = b->ops->image_remove(b, res->previous_id, &e);
    if (r == 0)
        res->previous_removed = true;
    else if (r == -EBUSY)
        run_warnf(cb, "kept the previous image %.12s: a container uses it (remove that "
                      "container, then: podman image rm %.12s)", res->previous_id,
                  res->previous_id);
    else
        run_warnf(cb, "could not remove the previous image %.12s: %s", res->previous_id,
                  e.msg);
}

static int update_with(struct backend *b, const struct run_image_opts *o,
                       struct run_image_result *res, struct ags_error *err)
{
    const char *image = o->cfg->sandbox.image.v;
    int r = 0;
    if (!o->keep_existing) {
        r = b->ops->image_id(b, image, &res->previous_id, err);
        if (r == -ENOENT)
            r = 0;
        if (r < 0)
            return r;
    }
    struct timespec t0;
    if (b->ops->builds_containerfiles) {
        r = run_image_pick_base(b, o->cfg, o->base, o->local_base, &o->cb, &res->base, err);
        if (r < 0)
            return ags_error_prefix(err, "the base of the sandbox image");
        clock_gettime(CLOCK_MONOTONIC, &t0);
        r = build_image(b, o->cfg, image, res->base, &o->cb, err);
    } else {
        res->base = xasprintf("debian:%s", o->cfg->image.debian_suite.v);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        r = run_image_bootstrap(b, o->cfg, image, &o->cb, err);
    }
    res->build_seconds = seconds_since(&t0);
    if (r == 0)
        r = b->ops->image_id(b, image, &res->id, err);
    if (r == 0)
        drop_previous(b, res, &o->cb);
    return r;
}

int run_update_image(const struct run_image_opts *o, struct run_image_result *ret,
                     struct ags_error *err)
{
    *ret = (struct run_image_result){0};
    struct backend_open_opts bo;
    run_backend_open_opts(o->cfg, o->getenv, &o->cb, NULL, &bo);
    run_open_backend_fn *open_fn = o->open_backend ? o->open_backend : backend_open;
    _cleanup_backend_ struct backend *b = NULL;
    int r = open_fn(&bo, &b, err);
    if (r < 0)
        return r;
    r = update_with(b, o, ret, err);
    if (r < 0)
        run_image_result_done(ret);
    return r;
}

void run_image_result_done(struct run_image_result *r)
{
    free(r->base);
    free(r->id);
    free(r->previous_id);
    *r = (struct run_image_result){0};
}
