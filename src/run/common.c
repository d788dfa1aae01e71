/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers the files of run/ share. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strutil.h"
#include "run/internal.h"
#include "base/banned.h"

void run_warnf(const struct run_callbacks *cb, const char *fmt, ...)
{
    if (!cb->warn)
        return;
    _cleanup_free_ char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (r < 0)
        ags_oom();
    cb->warn(msg, cb->userdata);
}

/* Is this process the installed ags (in the install prefix's bin)? */
static bool running_installed(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return true;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return true;
    *slash = '\0';
    return strcmp(exe, AGS_BINDIR) == 0;
}

/* The installed ags uses the installed files; any other binary (the build
 * tree's, a copy of it) the source tree's, so that it builds and mounts the
 * files of its own version, not those of an older installed ags.  Either
 * root only when nobody but root and us can change it (trusted_realpath): a
 * checkout left in a place another user can write (a deleted /tmp/ags that
 * someone re-creates) must not hand them the image and the guard assets. */
char *run_shipped_path(const char *rel)
{
    bool installed = running_installed();
    const char *const roots[] = {installed ? AGS_DATADIR : AGS_SOURCE_DIR,
                                 installed ? AGS_SOURCE_DIR : AGS_DATADIR};
    for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
        _cleanup_free_ char *path = xasprintf("%s/%s", roots[i], rel);
        _cleanup_free_ char *real = trusted_realpath(path);
        if (real && access(real, R_OK) == 0)
            return TAKE_PTR(path);
    }
    return xasprintf("%s/%s", roots[0], rel);
}

bool run_overlay_named(const struct ags_config *cfg, const struct cfg_origin *at)
{
    return cfg->overlay_path && at->file && strcmp(at->file, cfg->overlay_path) == 0;
}

void run_backend_open_opts(const struct ags_config *cfg, const char *(*getenv_fn)(const char *),
                           const struct run_callbacks *cb, const volatile sig_atomic_t *cancel,
                           struct backend_open_opts *ret)
{
    const char *(*get)(const char *) = getenv_fn ? getenv_fn : env_process;
    *ret = (struct backend_open_opts){
            .cancel = cancel,
            .warn = cb->warn,
            .userdata = cb->userdata,
            .getenv = get,
            .service_idle_seconds = cfg->sandbox.service_idle_seconds.v,
            .runtime_dir = run_runtime_dir(get),
    };
}
