/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the Podman backend learns about the engine once connected: its major
 * version and whether slirp4netns is there (the plan's network maps to it). */
#include "backend/podman.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/banned.h"

/* Helper directories where Podman looks for slirp4netns besides $PATH. */
static const char *const podman_helper_dirs[] = {
    "/usr/local/libexec/podman", "/usr/local/lib/podman", "/usr/libexec/podman",
    "/usr/lib/podman",
};

static bool in_dir_executable(const char *dir, size_t n, const char *name)
{
    _cleanup_free_ char *p = xasprintf("%.*s/%s", (int)n, dir, name);
    return access(p, X_OK) == 0;
}

bool backend_podman_has_slirp4netns(const char *(*getenv_fn)(const char *name))
{
    const char *path = getenv_fn ? getenv_fn("PATH") : NULL;
    for (const char *p = path; p && *p;) {
        size_t n = strcspn(p, ":");
        if (n && in_dir_executable(p, n, "slirp4netns"))
            return true;
        p += n + (p[n] == ':');
    }
    for (size_t i = 0; i < ARRAY_SIZE(podman_helper_dirs); i++)
        if (in_dir_executable(podman_helper_dirs[i], strlen(podman_helper_dirs[i]), "slirp4netns"))
            return true;
    return false;
}

void backend_podman_engine(const char *version, const char *(*getenv_fn)(const char *name),
                           struct backend_engine *ret)
{
    unsigned major = 0;
    for (const char *p = version; p && *p >= '0' && *p <= '9' && major < 1000; p++)
        major = major * 10 + (unsigned)(*p - '0');
    *ret = (struct backend_engine){
        .major = major,
        .slirp4netns = backend_podman_has_slirp4netns(getenv_fn),
    };
}
