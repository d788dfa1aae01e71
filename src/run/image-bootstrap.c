/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sandbox image for a backend that cannot build a Containerfile
 * (bubblewrap): the same contents as the shipped Containerfile's build.
 * mmdebstrap makes Debian [image].debian_suite as the user (--mode=unshare,
 * the dpkg options of the base tarball: run_image_mmdebstrap), its customize
 * hooks copy setup.sh, the host's CA bundle and tmux.conf in and run
 * setup.sh in the chroot with the environment the Containerfile's RUN step
 * has (its ENV before RUN, AGS_REFRESH, the proxy variables); the tarball in
 * the cache dir is imported with the labels a Podman build gets and the
 * Containerfile's ENV as the image's environment, then deleted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "run/internal.h"
#include "base/banned.h"

/* The Containerfile's ENV: what its RUN step sees, and what the image keeps. */
struct cf_env {
    struct strv_builder build; /* ENV before the first RUN */
    struct strv_builder image; /* every ENV */
};

static int add_env_words(char *args, bool before_run, struct cf_env *e, struct ags_error *err)
{
    char *save = NULL;
    for (char *w = strtok_r(args, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        const char *eq = strchr(w, '=');
        if (!eq || eq == w || strpbrk(w, "\"'\\$"))
            return ags_error_set(err, -EINVAL,
                                 "the Containerfile's ENV '%.80s' is not KEY=VALUE without "
                                 "quotes or variables (what ags reads for the bubblewrap image)",
                                 w);
        if (before_run)
            strv_builder_push(&e->build, xstrdup(w));
        strv_builder_push(&e->image, xstrdup(w));
    }
    return 0;
}

/* One logical line (continuations joined, comments gone). */
static int take_instruction(char *line, bool *seen_run, struct cf_env *e, struct ags_error *err)
{
    line += strspn(line, " \t");
    if (strncasecmp(line, "RUN", 3) == 0 && (line[3] == ' ' || line[3] == '\t'))
        *seen_run = true;
    if (strncasecmp(line, "ENV", 3) == 0 && (line[3] == ' ' || line[3] == '\t'))
        return add_env_words(line + 4, !*seen_run, e, err);
    return 0;
}

int run_containerfile_env(const char *text, char ***ret_build, char ***ret_image,
                          struct ags_error *err)
{
    struct cf_env e = {0};
    struct strbuf logical;
    strbuf_init(&logical, CFG_CONTAINERFILE_MAX_SIZE);
    _cleanup_free_ char *copy = xstrdup(text);
    bool seen_run = false;
    int r = 0;
    char *save = NULL;
    for (char *l = strtok_r(copy, "\n", &save); l && r == 0; l = strtok_r(NULL, "\n", &save)) {
        if (l[strspn(l, " \t")] == '#')
            continue; /* a comment, also between continued lines */
        size_t n = strlen(l);
        while (n && (l[n - 1] == ' ' || l[n - 1] == '\t' || l[n - 1] == '\r'))
            l[--n] = '\0';
        bool more = n && l[n - 1] == '\\';
        if (more)
            l[n - 1] = ' ';
        if (strbuf_appends(&logical, l) < 0)
            r = ags_error_set(err, -E2BIG, "the Containerfile is too large");
        if (r == 0 && !more) {
            if (logical.buf)
                r = take_instruction(logical.buf, &seen_run, &e, err);
            strbuf_reset(&logical);
        }
    }
    strbuf_done(&logical);
    if (r < 0) {
        strv_builder_done(&e.build);
        strv_builder_done(&e.image);
        return r;
    }
    *ret_build = strv_builder_steal(&e.build);
    *ret_image = strv_builder_steal(&e.image);
    return 0;
}

static char *upload_hook(const char *outside, const char *inside_name)
{
    struct strbuf sb;
    strbuf_init(&sb, 16384);
    (void)!strbuf_appends(&sb, "upload ");
    plan_script_putq(&sb, outside);
    (void)!strbuf_appendf(&sb, " /tmp/ags-setup/%s", inside_name);
    return sb.buf ? sb.buf : xstrdup("");
}

/* setup.sh in the chroot with only the RUN step's environment (and the
 * host's proxy variables, which Podman's build passes too). */
static char *setup_hook(char *const *env, const char *refresh)
{
    static const char *const proxies[] = {"http_proxy", "https_proxy", "no_proxy",
                                          "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", NULL};
    struct strbuf sb;
    strbuf_init(&sb, 65536);
    (void)!strbuf_appends(&sb, "chroot \"$1\" env -i HOME=/root "
                              "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    for (size_t i = 0; env[i]; i++) {
        (void)!strbuf_appendc(&sb, ' ');
        plan_script_putq(&sb, env[i]);
    }
    (void)!strbuf_appendc(&sb, ' ');
    plan_script_putq(&sb, refresh);
    for (size_t i = 0; proxies[i]; i++)
        (void)!strbuf_appendf(&sb, " ${%s+\"%s=$%s\"}", proxies[i], proxies[i], proxies[i]);
    (void)!strbuf_appends(&sb, " sh /tmp/ags-setup/setup.sh");
    return sb.buf ? sb.buf : xstrdup("");
}

static int read_containerfile_env(const char *dir, char ***build, char ***image,
                                  struct ags_error *err)
{
    _cleanup_free_ char *file = xasprintf("%s/Containerfile", dir);
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r = read_regular_file_at(AT_FDCWD, file, file, CFG_CONTAINERFILE_MAX_SIZE, &text, &len,
                                 NULL, err);
    return r < 0 ? r : run_containerfile_env(text, build, image, err);
}

static char **hooks_for(const struct ags_config *cfg, const char *dir, char *const *build_env)
{
    char refresh[32];
    run_image_refresh_arg(time(NULL), refresh, sizeof(refresh));
    _cleanup_free_ char *setup = xasprintf("%s/setup.sh", dir);
    _cleanup_free_ char *tmux = xasprintf("%s/tmux.conf", dir);
    const char *ca = cfg->image.trust_host_ca.v ? cfg->image.ca_bundle.v : NULL;
    struct strv_builder sb = {0};
    strv_builder_push(&sb, xstrdup("mkdir -p \"$1/tmp/ags-setup\""));
    strv_builder_push(&sb, upload_hook(setup, "setup.sh"));
    strv_builder_push(&sb, upload_hook(tmux, "tmux.conf"));
    strv_builder_push(&sb, ca && ca[0] ? upload_hook(ca, RUN_IMAGE_CA_FILE)
                                       : xstrdup("touch \"$1/tmp/ags-setup/" RUN_IMAGE_CA_FILE
                                                 "\""));
    strv_builder_push(&sb, setup_hook(build_env, refresh));
    return strv_builder_steal(&sb);
}

static int refuse_own_containerfile(const struct ags_config *cfg, struct ags_error *err)
{
    const char *own = cfg->sandbox.containerfile.v;
    if (!own || !own[0])
        return 0;
    return ags_error_set(err, -ENOTSUP,
                         "[sandbox].containerfile (%s) cannot be built by the bubblewrap "
                         "backend, which builds only ags's own image (mmdebstrap and "
                         "containerfile/setup.sh): use --backend podman for your own "
                         "Containerfile, or remove [sandbox].containerfile",
                         own);
}

int run_image_bootstrap(struct backend *b, const struct ags_config *cfg, const char *image,
                        const struct run_callbacks *cb, struct ags_error *err)
{
    int r = refuse_own_containerfile(cfg, err);
    if (r < 0)
        return r;
    _cleanup_free_ char *cf = run_shipped_path("containerfile/Containerfile");
    _cleanup_free_ char *dir = xstrndup(cf, (size_t)(strrchr(cf, '/') - cf));
    _cleanup_strv_free_ char **build_env = NULL, **image_env = NULL;
    char digest[SHA256_HEX_SIZE];
    r = read_containerfile_env(dir, &build_env, &image_env, err);
    if (r == 0)
        r = run_image_expected_digest(cfg, digest, err);
    if (r < 0)
        return ags_error_prefix(err, "building the sandbox image failed");
    const char *suite = cfg->image.debian_suite.v;
    _cleanup_free_ char *cache = xasprintf("%s/base", cfg->sandbox.cache_dir.v);
    _cleanup_free_ char *tar = xasprintf("%s/bwrap-image-%s.tar", cache, suite);
    r = mkdir_parents(cache, 0700, err);
    if (r < 0)
        return r;
    run_progressf(cb, "building the sandbox image %s from Debian %s with mmdebstrap and "
                      "%s/setup.sh into %s",
                  image, suite, dir, tar);
    _cleanup_strv_free_ char **hooks = hooks_for(cfg, dir, build_env);
    r = run_image_mmdebstrap(suite, tar, (const char *const *)hooks, cb, err);
    if (r == 0) {
        run_progressf(cb, "importing %s as %s", tar, image);
        _cleanup_strv_free_ char **labels = run_image_build_labels(digest, NULL);
        r = b->ops->image_import(b, tar, image, (const char *const *)labels,
                                 (const char *const *)image_env, err);
    }
    (void)unlink(tar);
    return r < 0 ? ags_error_prefix(err, "building the sandbox image failed") : 0;
}
