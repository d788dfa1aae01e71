/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers the files of run/ share. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/parse-util.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "run/internal.h"
#include "ssh/tunnel.h"
#include "base/banned.h"

/* [remote] persist to be: an idle tunnel lives a minute, a day at most. */

/* fmt's message handed to fn (when the caller gave one). */
_printf_(3, 0) static void callback_vf(void (*fn)(const char *msg, void *userdata),
                                       void *userdata, const char *fmt, va_list ap)
{
    if (!fn)
        return;
    _cleanup_free_ char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        ags_oom();
    fn(msg, userdata);
}

void run_warnf(const struct run_callbacks *cb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    callback_vf(cb->warn, cb->userdata, fmt, ap);
    va_end(ap);
}

void run_progressf(const struct run_callbacks *cb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    callback_vf(cb->progress, cb->userdata, fmt, ap);
    va_end(ap);
}

bool run_overlay_named(const struct ags_config *cfg, const struct cfg_origin *at)
{
    return cfg->overlay_path && at->file && strcmp(at->file, cfg->overlay_path) == 0;
}

_Static_assert((int)CFG_BACKEND_AUTO == (int)BACKEND_AUTO &&
                       (int)CFG_BACKEND_PODMAN == (int)BACKEND_PODMAN &&
                       (int)CFG_BACKEND_BWRAP == (int)BACKEND_BWRAP,
               "[sandbox].backend names follow enum backend_kind");

/* How long an ssh:// tunnel waits idle for the next run: AGS_SSH_PERSIST
 * seconds (the environment first, as CONTAINER_HOST goes before the
 * config), else [remote] persist_seconds; 0: a connection per run. */
static unsigned ssh_persist_seconds(const struct ags_config *cfg,
                                    const char *(*get)(const char *))
{
    const char *v = get("AGS_SSH_PERSIST");
    uint32_t n = 0;
    if (v && parse_u32(v, &n) == 0 && n <= CFG_REMOTE_PERSIST_MAX)
        return n;
    return cfg->remote.persist_seconds.v;
}

void run_backend_open_opts(const struct ags_config *cfg, const char *(*getenv_fn)(const char *),
                           const struct run_callbacks *cb, const volatile sig_atomic_t *cancel,
                           struct backend_open_opts *ret)
{
    const char *(*get)(const char *) = getenv_fn ? getenv_fn : env_process;
    *ret = (struct backend_open_opts){
            .kind = (enum backend_kind)cfg->sandbox.backend.v,
            .cancel = cancel,
            .warn = cb->warn,
            .userdata = cb->userdata,
            .getenv = get,
            .service_idle_seconds = cfg->sandbox.service_idle_seconds.v,
            .runtime_dir = run_runtime_dir(get),
            .ssh_open = ssh_tunnel_open,
            .ssh_persist_seconds = ssh_persist_seconds(cfg, get),
            .url = cfg->engine.url,
            .connection = cfg->engine.connection_flag,
            /* "" (the example config's): unset */
            .conf_connection = cfg->engine.connection.v && cfg->engine.connection.v[0]
                                       ? cfg->engine.connection.v
                                       : NULL,
            .conf_connection_file = cfg->engine.connection.at.file,
            .conf_connection_line = cfg->engine.connection.at.line,
            .conf_connection_col = cfg->engine.connection.at.col,
    };
}

int run_engine_connections(const char *(*getenv_fn)(const char *), char ***ret,
                           struct ags_error *err)
{
    const struct backend_open_opts bo = {.getenv = getenv_fn ? getenv_fn : env_process};
    return backend_podman_connections(&bo, ret, err);
}

bool run_engine_is_remote(const char *uri)
{
    return uri && backend_podman_is_remote(uri);
}

/* The URI bo (with connection name, when given) resolves to; NULL for
 * bwrap or when it cannot be resolved. */
static char *target_of(const struct backend_open_opts *bo, const char *name)
{
    struct backend_open_opts o = *bo;
    if (name) {
        o.kind = BACKEND_PODMAN;
        o.connection = name;
        o.url = NULL;
    }
    char *uri = NULL;
    if (o.kind == BACKEND_BWRAP || backend_podman_target(&o, &uri, NULL, NULL) < 0)
        return NULL;
    return uri;
}

int run_engine_others(const struct ags_config *cfg, const char *(*getenv_fn)(const char *),
                      char ***ret, char **ret_self, struct ags_error *err)
{
    *ret = NULL;
    if (ret_self)
        *ret_self = NULL;
    _cleanup_strv_free_ char **names = NULL;
    int r = run_engine_connections(getenv_fn, &names, err);
    if (r < 0)
        return r;
    const struct run_callbacks quiet = {0};
    struct backend_open_opts bo;
    run_backend_open_opts(cfg, getenv_fn, &quiet, NULL, &bo);
    /* No connection (the common case): no second resolution of the target. */
    _cleanup_free_ char *here = names[0] ? target_of(&bo, NULL) : NULL;
    _cleanup_free_ char *self = NULL;
    struct strv_builder b = {0};
    for (char **name = names; *name; name++) {
        _cleanup_free_ char *uri = target_of(&bo, *name);
        if (here && uri && strcmp(here, uri) == 0) {
            if (!self)
                self = xstrdup(*name);
            continue;
        }
        strv_builder_push(&b, xstrdup(*name));
    }
    *ret = strv_builder_steal(&b);
    if (ret_self)
        *ret_self = TAKE_PTR(self);
    return 0;
}

int run_engine_target(const struct ags_config *cfg, const char *(*getenv_fn)(const char *),
                      char **ret_uri, char **ret_origin, struct ags_error *err)
{
    *ret_uri = *ret_origin = NULL;
    const struct run_callbacks quiet = {0};
    struct backend_open_opts bo;
    run_backend_open_opts(cfg, getenv_fn, &quiet, NULL, &bo);
    if (bo.kind == BACKEND_BWRAP)
        return 0;
    return backend_podman_target(&bo, ret_uri, ret_origin, err);
}
