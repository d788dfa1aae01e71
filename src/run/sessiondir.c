/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The per-run directory of a socket a sandbox reaches (sessiondir.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "run/run.h"
#include "run/sessiondir.h"
#include "run/stage.h"
#include "base/banned.h"

int run_session_dir_make(const char *(*getenv_fn)(const char *name), const char *cache_dir,
                         const char *sock, const char *prefix, const char *sock_name,
                         char **ret_dir, struct ags_error *err)
{
    *ret_dir = NULL;
    _cleanup_free_ char *dir = xstrdup(sock);
    char *slash = strrchr(dir, '/');
    if (!slash || strcmp(slash + 1, sock_name) != 0)
        return ags_error_set(err, -EINVAL, "internal: unexpected socket path %s", sock);
    *slash = '\0';
    char *parent_end = strrchr(dir, '/');
    if (!parent_end || strncmp(parent_end + 1, prefix, strlen(prefix)) != 0)
        return ags_error_set(err, -EINVAL, "internal: unexpected socket path %s", sock);
    _cleanup_free_ char *priv = NULL;
    int r = run_private_dir(getenv_fn, cache_dir, true, &priv, err);
    if (r < 0)
        return r;
    *parent_end = '\0';
    bool inside = strcmp(dir, priv) == 0;
    *parent_end = '/';
    if (!inside)
        return ags_error_set(err, -EPERM, "the socket %s is not in ags's private directory %s",
                             sock, priv);
    if (mkdir(dir, 0700) < 0)
        return ags_error_set(err, -errno, "cannot create %s: %m", dir);
    *ret_dir = TAKE_PTR(dir);
    return stage_write_owner(*ret_dir, err);
}
