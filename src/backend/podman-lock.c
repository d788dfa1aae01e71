/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Concurrent runs of one user take turns for the steps that deadlock Podman 4.3 (podman.h). */
#include "backend/podman.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/banned.h"

void backend_lock_open(struct backend_lock *l, const char *runtime_dir)
{
    *l = (struct backend_lock){.fd = -1};
    _cleanup_free_ char *path = xasprintf("%s/ags-podman-%ld.lock", runtime_dir, (long)geteuid());
    l->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    /* In a shared /tmp another user could plant it and hold the lock forever:
     * only our own file serialises anything. */
    struct stat st;
    if (l->fd >= 0 && (fstat(l->fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())) {
        (void)close(l->fd);
        l->fd = -1;
    }
}

int backend_lock_take(struct backend_lock *l, const volatile sig_atomic_t *cancel)
{
    if (l->fd < 0 || l->held)
        return 0;
    while (flock(l->fd, LOCK_EX) < 0) {
        if (errno != EINTR)
            return 0; /* no serialisation, but no reason to fail the run */
        if (cancel && *cancel)
            return -EINTR;
    }
    l->held = true;
    return 0;
}

void backend_lock_release(struct backend_lock *l)
{
    if (l->fd >= 0 && l->held)
        (void)flock(l->fd, LOCK_UN);
    l->held = false;
}

void backend_lock_close(struct backend_lock *l)
{
    backend_lock_release(l);
    if (l->fd >= 0)
        (void)close(l->fd);
    l->fd = -1;
}
