/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The base of the sandbox image (docs/ags.1.md, update-image): --base as
 * given; else the configured base when it is in local storage or its
 * registry answers; else, with no registry, a Debian base that mmdebstrap
 * builds as the user (--mode=unshare) and the engine imports.  The tarball is
 * cached under the cache directory, so a later build on the same machine
 * skips mmdebstrap; the imported image (localhost/ags-base:SUITE) is reused
 * while it exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strv.h"
#include "run/internal.h"
#include "base/banned.h"

/* A registry that sends nothing for this long does not answer. */
#define PULL_STALL_SECONDS 20u

enum run_base_step run_image_base_step(const char *flag_base, bool local_base,
                                       bool configured_stored)
{
    if (flag_base && flag_base[0])
        return RUN_BASE_GIVEN;
    if (local_base)
        return RUN_BASE_LOCAL;
    return configured_stored ? RUN_BASE_STORED : RUN_BASE_PULL;
}

static bool fresh_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
           time(NULL) - st.st_mtime < RUN_BASE_CACHE_MAX_AGE;
}

/* mmdebstrap's output goes to cb->output as it comes, through the build
 * output's terminal filter: apt prints what mirrors and proxies say. */
static int drain(int fd, const struct run_callbacks *cb)
{
    struct build_sink sink = {.cb = cb};
    char buf[4096];
    int r = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            r = n < 0 ? -errno : 0;
            break;
        }
        build_sink_write(buf, (size_t)n, &sink);
    }
    build_sink_end(&sink);
    return r;
}

static int spawn_mmdebstrap(char *const argv[], const struct run_callbacks *cb,
                            struct ags_error *err)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return ags_error_set(err, -errno, "pipe: %m");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
    /* mmdebstrap hands apt "cat >&N" for the lowest free N: with fds
     * inherited from ags's caller N can pass 9, which /bin/sh (dash) rejects. */
    posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
    pid_t pid;
    int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    (void)close(p[1]);
    if (e != 0) {
        (void)close(p[0]);
        return ags_error_set(err, -e, "cannot run mmdebstrap: %s%s", strerror(e),
                             e == ENOENT ? " (install it: apt-get install mmdebstrap uidmap)"
                                         : "");
    }
    (void)drain(p[0], cb);
    (void)close(p[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return ags_error_set(err, -errno, "waiting for mmdebstrap: %m");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return ags_error_set(err, -EIO, "mmdebstrap failed (%s %d)",
                             WIFEXITED(status) ? "exit status" : "signal",
                             WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return 0;
}

/* The apt variant is Essential + apt, like the official debian image, with
 * the official image's sources (main, updates, security). */
int run_image_mmdebstrap(const char *suite, const char *tar, const char *const *hooks,
                         const struct run_callbacks *cb, struct ags_error *err)
{
    _cleanup_free_ char *tmp = xasprintf("%s.part", tar);
    _cleanup_free_ char *main_src = xasprintf("deb http://deb.debian.org/debian %s main", suite);
    _cleanup_free_ char *upd_src =
            xasprintf("deb http://deb.debian.org/debian %s-updates main", suite);
    _cleanup_free_ char *sec_src =
            xasprintf("deb http://deb.debian.org/debian-security %s-security main", suite);
    static const char *const head[] = {
            "mmdebstrap", "--mode=unshare", "--variant=apt", "--format=tar",
            "--dpkgopt=path-exclude=/usr/share/doc/*",
            "--dpkgopt=path-include=/usr/share/doc/*/copyright",
            "--dpkgopt=path-exclude=/usr/share/man/*",
            "--dpkgopt=path-exclude=/usr/share/locale/*",
            "--aptopt=Acquire::Retries \"3\"", NULL};
    struct strv_builder sb = {0};
    for (size_t i = 0; head[i]; i++)
        strv_builder_push(&sb, xstrdup(head[i]));
    for (size_t i = 0; hooks && hooks[i]; i++)
        strv_builder_push(&sb, xasprintf("--customize-hook=%s", hooks[i]));
    const char *tail[] = {suite, tmp, main_src, upd_src, sec_src, NULL};
    for (size_t i = 0; tail[i]; i++)
        strv_builder_push(&sb, xstrdup(tail[i]));
    _cleanup_strv_free_ char **argv = strv_builder_steal(&sb);
    (void)unlink(tmp);
    int r = spawn_mmdebstrap(argv, cb, err);
    if (r == 0 && rename(tmp, tar) < 0)
        r = ags_error_set(err, -errno, "cannot rename '%s': %m", tmp);
    if (r < 0)
        (void)unlink(tmp);
    return r;
}

/* localhost/ags-base:SUITE: in storage, else imported from the cached
 * tarball, else from a tarball mmdebstrap makes now. */
static int local_base(struct backend *b, const struct ags_config *cfg,
                      const struct run_callbacks *cb, char **ret, struct ags_error *err)
{
    const char *suite = cfg->image.debian_suite.v;
    _cleanup_free_ char *ref = xasprintf(RUN_BASE_IMAGE_PREFIX "%s", suite);
    bool stored = false;
    int r = b->ops->image_exists(b, ref, &stored, err);
    if (r < 0)
        return r;
    if (!stored) {
        _cleanup_free_ char *dir = xasprintf("%s/base", cfg->sandbox.cache_dir.v);
        _cleanup_free_ char *tar = xasprintf("%s/debian-%s.tar", dir, suite);
        r = mkdir_parents(dir, 0700, err);
        if (r < 0)
            return r;
        if (!fresh_file(tar)) {
            run_progressf(cb, "making a Debian %s base with mmdebstrap into %s", suite, tar);
            r = run_image_mmdebstrap(suite, tar, NULL, cb, err);
            if (r < 0)
                return r;
        }
        run_progressf(cb, "importing %s as %s", tar, ref);
        /* The label is how ags df and ags prune know the base as ags's. */
        _cleanup_free_ char *label = xasprintf("%s=%s", RUN_IMAGE_LABEL_IMPORTED, suite);
        const char *labels[] = {label, NULL};
        r = b->ops->image_import(b, tar, ref, labels, NULL, err);
        if (r < 0)
            return r;
    }
    *ret = TAKE_PTR(ref);
    return 0;
}

int run_image_pick_base(struct backend *b, const struct ags_config *cfg, const char *flag_base,
                        bool flag_local, const struct run_callbacks *cb, char **ret,
                        struct ags_error *err)
{
    const char *configured = cfg->image.base.v;
    bool stored = false;
    int r = 0;
    if (!(flag_base && flag_base[0]) && !flag_local)
        r = b->ops->image_exists(b, configured, &stored, err);
    if (r < 0)
        return r;
    switch (run_image_base_step(flag_base, flag_local, stored)) {
    case RUN_BASE_GIVEN:
        *ret = xstrdup(flag_base);
        return 0;
    case RUN_BASE_STORED:
        *ret = xstrdup(configured);
        return 0;
    case RUN_BASE_PULL: {
        struct ags_error pull_err = {0};
        run_progressf(cb, "pulling %s", configured);
        r = b->ops->image_pull(b, configured, PULL_STALL_SECONDS, &pull_err);
        if (r == 0) {
            *ret = xstrdup(configured);
            return 0;
        }
        if (r == -EINTR) {
            if (err)
                *err = pull_err;
            return r;
        }
        run_warnf(cb, "no registry answers for %s (%s): using a local Debian base", configured,
                  pull_err.msg);
        break;
    }
    case RUN_BASE_LOCAL:
        break;
    }
    return local_base(b, cfg, cb, ret, err);
}
