/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helper containers (backend.h struct backend_helper): short-lived
 * containers from the plan's image that work on a remote session's volumes
 * (docs/remote.md).  helper_run: one command, its stdout bounded into the
 * caller's fd, the tail of its stderr kept for messages, the container
 * removed on every path.
 */
#include "backend/podman.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/strutil.h"
#include "base/banned.h"

/* The last BACKEND_HELPER_STDERR_MAX bytes of a stream, passed on as nothing. */
struct stderr_tail {
    char buf[BACKEND_HELPER_STDERR_MAX];
    size_t len;
};

static size_t keep_tail(void *state, const char *in, size_t n, char *out _unused_)
{
    struct stderr_tail *t = state;
    str_tail_keep(t->buf, sizeof(t->buf), &t->len, in, n);
    return 0;
}

int backend_helper_create(struct podman_client *c, struct backend_lock *lock,
                          const struct backend_helper *h, const char *const *argv, char **ret_id,
                          struct ags_error *err)
{
    struct backend_spec spec;
    backend_spec_from_helper(h, argv, &spec);
    (void)backend_lock_take(lock, NULL);
    int r = 0;
    for (size_t i = 0; r == 0 && i < h->n_volumes; i++)
        r = backend_volume_ensure(c, &h->volumes[i], err);
    if (r == 0)
        r = podman_container_create(c, &spec.spec, ret_id, NULL, err);
    backend_lock_release(lock);
    backend_spec_done(&spec);
    if (r < 0 && err)
        (void)ags_error_prefix(err, "creating a helper container");
    return r;
}

/* Killed first: an output over its limit may still be flowing.  A helper
 * that cannot be removed carries its owner's label: the sweep of a later
 * run removes it. */
int backend_helper_remove(struct podman_client *c, struct backend_lock *lock, const char *id,
                          struct ags_error *err)
{
    int r = podman_container_kill(c, id, "SIGKILL", NULL);
    (void)r; /* it may have ended: the removal is what counts */
    (void)backend_lock_take(lock, NULL);
    r = podman_container_remove(c, id, true, err);
    backend_lock_release(lock);
    return r;
}

int backend_helper_run(struct podman_client *c, struct backend_lock *lock,
                       const struct backend_helper *h, const char *const *argv, int out_fd,
                       uint64_t max_out, int *ret_exit, char **ret_stderr,
                       struct ags_error *err)
{
    *ret_stderr = NULL;
    _cleanup_close_ int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null_fd < 0)
        return ags_error_set(err, -errno, "cannot open /dev/null: %m");
    _cleanup_free_ char *id = NULL;
    int r = backend_helper_create(c, lock, h, argv, &id, err);
    if (r < 0)
        return r;
    _cleanup_free_ struct stderr_tail *tail = xcalloc(1, sizeof(*tail));
    const struct output_filter err_filter = {.filter = keep_tail, .state = tail};
    const struct podman_io io = {.in_fd = -1,
                                 .out_fd = out_fd,
                                 .err_fd = null_fd,
                                 .err_filter = &err_filter,
                                 .out_max = max_out};
    r = podman_run_attached(c, id, &io, NULL, ret_exit, err);
    (void)backend_helper_remove(c, lock, id, NULL);
    *ret_stderr = xstrndup(tail->buf, tail->len);
    return r;
}
