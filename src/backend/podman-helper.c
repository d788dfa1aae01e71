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

void backend_helper_spec_done(struct backend_helper_spec *s)
{
    free(s->volumes);
    free(s->userns);
    free(s->user);
    *s = (struct backend_helper_spec){0};
}

int backend_helper_spec(const struct backend_helper *h, struct backend_helper_spec *ret,
                        struct ags_error *err)
{
    for (size_t i = 0; i < h->n_volumes; i++)
        if (h->volumes[i].type != PLAN_MOUNT_VOLUME)
            return ags_error_set(err, -EINVAL, "a helper container mounts volumes only, not "
                                 "'%s'", h->volumes[i].source);
    struct backend_helper_spec s = {
        .volumes = xcalloc(h->n_volumes + 1, sizeof(*s.volumes)),
        .userns = backend_podman_userns(h->uid, h->gid),
        .user = xasprintf("%u:%u", h->uid, h->gid),
    };
    for (size_t i = 0; i < h->n_volumes; i++)
        s.volumes[i] = (struct podman_volume_mount){h->volumes[i].source,
                                                    h->volumes[i].destination, false};
    /* Never run for an upload; a command all the same, in case one is. */
    static const char *const never[] = {"/bin/false", NULL};
    s.spec = (struct podman_spec){
        .image = h->image,
        .entrypoint = never,
        .labels = h->labels,
        .user = s.user,
        .userns = s.userns,
        .no_new_privileges = true,
        .cap_drop_all = true,
        .netns = "none",
        .volumes = s.volumes,
        .n_volumes = h->n_volumes,
    };
    *ret = s;
    return 0;
}

int backend_helper_create(struct podman_client *c, const struct backend_helper *h,
                          char **ret_id, struct ags_error *err)
{
    struct backend_helper_spec s;
    int r = backend_helper_spec(h, &s, err);
    if (r < 0)
        return r;
    r = podman_container_create(c, &s.spec, ret_id, NULL, err);
    backend_helper_spec_done(&s);
    return r;
}

int backend_helper_upload(struct podman_client *c, const volatile sig_atomic_t *cancel,
                          const struct backend_helper *h, const char *dir, int tar_fd,
                          struct ags_error *err)
{
    _cleanup_free_ char *id = NULL;
    podman_client_set_cancel(c, cancel);
    int r = backend_helper_create(c, h, &id, err);
    if (r == 0)
        r = podman_container_put_archive(c, id, dir, tar_fd, err);
    /* The removal is not cut short: a signal is why it matters most. */
    podman_client_set_cancel(c, NULL);
    if (id) {
        struct ags_error e = {0};
        int rm = podman_container_remove(c, id, true, &e);
        if (r == 0 && rm < 0 && rm != -ENOENT) {
            r = rm;
            if (err)
                *err = e;
        }
    }
    return r;
}
