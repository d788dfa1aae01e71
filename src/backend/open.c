/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which backend runs a plan: the configured one, or the first that opens. */
#include <errno.h>
#include <string.h>

#include "backend/backend.h"
#include "base/alloc.h"
#include "base/macro.h"
#include "base/strutil.h"
#include "base/banned.h"

static const char *const kind_names[] = {
    [BACKEND_AUTO] = "auto",
    [BACKEND_PODMAN] = "podman",
    [BACKEND_BWRAP] = "bwrap",
};

const char *backend_kind_name(enum backend_kind k)
{
    return (size_t)k < ARRAY_SIZE(kind_names) ? kind_names[k] : "?";
}

int backend_kind_from_name(const char *name, enum backend_kind *ret)
{
    for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++)
        if (name && strcmp(name, kind_names[i]) == 0) {
            *ret = (enum backend_kind)i;
            return 0;
        }
    return -EINVAL;
}

int backend_open(const struct backend_open_opts *o, struct backend **ret, struct ags_error *err)
{
    if (o->kind == BACKEND_PODMAN)
        return backend_podman_open(o, ret, err);
    if (o->kind == BACKEND_BWRAP)
        return backend_bwrap_open(o, ret, err);
    /* An endpoint the user named is a choice of Podman: never replaced by
     * another engine behind their back. */
    if (env_nonempty(o->getenv, "CONTAINER_HOST") || o->url || o->connection ||
        o->conf_connection)
        return backend_podman_open(o, ret, err);
    struct ags_error podman_err = {0};
    int r = backend_podman_open(o, ret, &podman_err);
    if (r == 0 || r == -EINTR) {
        if (r < 0)
            ags_error_set(err, r, "%s", podman_err.msg);
        return r;
    }
    struct ags_error bwrap_err = {0};
    int rb = backend_bwrap_open(o, ret, &bwrap_err);
    if (rb < 0)
        return ags_error_set(err, r,
                             "no backend can run the sandbox: Podman: %s; bubblewrap: %s",
                             podman_err.msg, bwrap_err.msg);
    if (o->warn) {
        _cleanup_free_ char *msg = xasprintf(
                "using the bubblewrap backend: Podman cannot be used (%s); set "
                "[sandbox].backend = \"bwrap\" (or \"podman\") to choose one for good",
                podman_err.msg);
        o->warn(msg, o->userdata);
    }
    return 0;
}
