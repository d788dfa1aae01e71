/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the container and exec code (internal to src/podman). */

#include <stdbool.h>

#include "base/error.h"
#include "podman/http.h"
#include "podman/podman.h"

/* One buffered request: path = prefix + url-escaped id + suffix (or just
 * prefix without id); query already encoded; json body or NULL. */
struct podman_ctr_call {
    const char *method;
    const char *prefix;
    const char *id;
    const char *suffix;
    const char *query;
    const char *json;
    long timeout_ms; /* 0: no limit */
};

/* Owned "prefix<escaped id>suffix". */
int podman_id_path(const char *prefix, const char *id, const char *suffix, char **ret,
                   struct ags_error *err) _warn_unused_;
/* Any HTTP status is a success here; the caller interprets it. */
int podman_ctr_call(struct podman_client *c, const struct podman_ctr_call *call,
                    struct podman_reply *ret, struct ags_error *err) _warn_unused_;
#include "podman/containers-json.h"

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
