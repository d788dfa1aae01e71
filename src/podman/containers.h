/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the container and exec code (internal to src/podman). */

#include <stdbool.h>

#include "base/error.h"
#include "podman/http.h"
#include "podman/containers-json.h"
#include "podman/podman.h"

/* The state of a container's process (inspect). */
int podman_container_state(struct podman_client *c, const char *id, struct podman_ctr_state *ret,
                           struct ags_error *err) _warn_unused_;

/* Puts what in front of err's message and returns r (err may be NULL). */
static inline int podman_prefix_error(struct ags_error *err, int r, const char *what)
{
    if (err)
        (void)ags_error_prefix(err, "%s", what);
    return r;
}
