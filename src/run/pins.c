/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The engine resolves each bind source again when it starts the container,
 * minutes after ags checked it (an image build lies between).  A concurrent
 * agent that writes the workspace could swap a checked directory for a
 * symlink to a host directory by then.  Each existing bind source is pinned
 * (canonical path, device and inode) before the long steps and compared
 * again once the container is created, right before it starts; an overlay's
 * source must stay the canonical path resolved and trusted at load.  The
 * window left is between that check and the engine's mount.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "run/internal.h"
#include "base/banned.h"

static bool from_overlay(const struct ags_config *cfg, const char *source)
{
    for (size_t i = 0; cfg->overlay_path && i < cfg->n_mounts; i++) {
        const struct cfg_mount *m = &cfg->mounts[i];
        if (run_overlay_named(cfg, &m->at) && strcmp(m->host.v, source) == 0)
            return true;
    }
    return false;
}

/* The source's canonical path and identity now; false when it cannot be resolved. */
static bool pin_now(const char *source, char **canon, struct stat *st)
{
    *canon = realpath(source, NULL);
    if (*canon && stat(*canon, st) == 0)
        return true;
    free(*canon);
    *canon = NULL;
    return false;
}

void pins_take(const struct ags_config *cfg, const struct ags_plan *p, struct mount_pins *pins)
{
    pins->v = xcalloc(p->n_mounts + 1, sizeof(*pins->v));
    pins->n = 0;
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct plan_mount *m = &p->mounts[i];
        if (m->type != PLAN_MOUNT_BIND)
            continue;
        struct mount_pin *pin = &pins->v[pins->n++];
        struct stat st;
        pin->source = m->source;
        pin->canonical = from_overlay(cfg, m->source);
        if (pin_now(m->source, &pin->canon, &st)) {
            pin->dev = st.st_dev;
            pin->ino = st.st_ino;
        }
    }
}

void pins_done(struct mount_pins *pins)
{
    for (size_t i = 0; i < pins->n; i++)
        free(pins->v[i].canon);
    free(pins->v);
    *pins = (struct mount_pins){0};
}

static int pin_changed(const struct mount_pin *pin, const char *now, struct ags_error *err)
{
    return ags_error_set(
            err, -EPERM,
            "the mount source %s changed since ags checked it (%s%s%s); not starting the "
            "sandbox: something may be swapping it for a symlink (an agent of another run in "
            "this checkout?); check it and run again",
            pin->source, now ? "now " : "it is gone", now ? now : "",
            now && pin->canon && strcmp(now, pin->canon) == 0 ? ", another file" : "");
}

int pins_verify(const struct mount_pins *pins, struct ags_error *err)
{
    for (size_t i = 0; i < pins->n; i++) {
        const struct mount_pin *pin = &pins->v[i];
        _cleanup_free_ char *now = NULL;
        struct stat st;
        bool there = pin_now(pin->source, &now, &st);
        if (pin->canonical && pin->canon && strcmp(pin->canon, pin->source) != 0)
            return pin_changed(pin, pin->canon, err);
        if (pin->canonical && (!there || strcmp(now, pin->source) != 0))
            return pin_changed(pin, there ? now : NULL, err);
        if (!pin->canon)
            continue; /* missing when pinned: created by this run */
        if (!there || strcmp(now, pin->canon) != 0 || st.st_dev != pin->dev ||
            st.st_ino != pin->ino)
            return pin_changed(pin, there ? now : NULL, err);
    }
    return 0;
}
