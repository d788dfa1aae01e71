/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Host paths a plan marks for creation (prepare-paths.h). */
#include "backend/prepare-paths.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/banned.h"

int backend_create_host_path(const struct plan_mount *m, struct ags_error *err)
{
    if (m->create == PLAN_CREATE_DIR)
        return mkdir_parents(m->source, 0755, err);
    _cleanup_free_ char *dir = xstrdup(m->source);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        int r = mkdir_parents(dir, 0755, err);
        if (r < 0)
            return r;
    }
    int fd = open(m->source, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot create '%s': %m", m->source);
    (void)close(fd);
    return 0;
}
