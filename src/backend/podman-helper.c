/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helper containers of a remote engine (backend.h struct backend_helper,
 * docs/remote.md): what ags does with a sandbox's volumes where no host
 * path reaches them.
 *
 * The upload: Podman 4.3 has no volume import, so a helper container from
 * the plan's image with the volumes mounted is created (never started) and
 * the tar goes in through PUT /containers/{id}/archive?path=DIR.  libpod
 * (pkg/api/handlers/compat/containers_archive.go, 4.3.1) defaults
 * copyUIDGID to true on its own paths and then (libpod/container_copy_common.go)
 * has buildah's copier chown every entry to the container's user, mapped
 * through the container's ID mappings: with the sandbox's user and keep-id
 * mapping the files belong to the sandbox user exactly as the sandbox sees
 * them (the caller outside).  A container that is not running is written
 * from its mount point, a volume's path resolved to the volume.
 */
#include "backend/podman.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/macro.h"
#include "base/banned.h"

int backend_helper_upload(struct podman_client *c, struct backend_lock *lock,
                          const volatile sig_atomic_t *cancel, const struct backend_helper *h,
                          const char *dir, int tar_fd, struct ags_error *err)
{
    /* Every volume writable here, also those the sandbox mounts read-only:
     * the helper fills them. */
    _cleanup_free_ struct plan_mount *rw = xcalloc(h->n_volumes + 1, sizeof(*rw));
    for (size_t i = 0; i < h->n_volumes; i++) {
        rw[i] = h->volumes[i];
        rw[i].read_only = false;
    }
    struct backend_helper wh = *h;
    wh.volumes = rw;
    /* Never started for an upload; a command all the same, in case one is. */
    static const char *const never[] = {"/bin/false", NULL};
    _cleanup_free_ char *id = NULL;
    podman_client_set_cancel(c, cancel);
    int r = backend_helper_create(c, lock, &wh, never, &id, err);
    if (r == 0)
        r = podman_container_put_archive(c, id, dir, tar_fd, err);
    /* The removal is not cut short: a signal is why it matters most. */
    podman_client_set_cancel(c, NULL);
    if (id) {
        struct ags_error e = {0};
        int rm = backend_helper_remove(c, lock, id, &e);
        if (r == 0 && rm < 0 && rm != -ENOENT) {
            r = rm;
            if (err)
                *err = e;
        }
    }
    return r;
}
