/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PUT /libpod/containers/{id}/archive?path=DIR: a tar unpacked into a
 * container (Podman 4.3, pkg/api/handlers/compat/containers_archive.go and
 * libpod/container_copy_common.go).  What the service does with it:
 *  - a container that does not run is mounted and written directly (the
 *    path resolved through its volumes and mounts, as `podman cp` does); a
 *    running one in its mount namespace;
 *  - DIR is created (0755) when it is missing, and so is every missing
 *    parent of an entry (owned like the entries);
 *  - the libpod endpoint chowns every entry to the container's user
 *    (copyUIDGID defaults to true there: keep-id's uid:gid, or root), whatever
 *    the tar says; permission bits are the tar's, an existing file is
 *    replaced;
 *  - 200 on success, 404 no such container (or path), 400 a file that cannot
 *    be created, 403 a read-only root file system, 500 anything else.
 *
 * GET /libpod/containers/{id}/archive?path=PATH, what `podman cp` out of a
 * container uses: works on a created or exited container (mounted, as
 * above); the reply is application/x-tar with PATH's basename as its entry
 * (a directory with everything below it); 404 when the container or PATH
 * is missing.  The body is the container's, so untrusted: it is streamed to
 * the caller's file, bounded, never held in memory.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strbuf.h"
#include "podman/containers.h"
#include "podman/errors.h"
#include "podman/podman.h"
#include "podman/query.h"
#include "podman/resource.h"
#include "base/banned.h"

#define ARCHIVE_QUERY_MAX 8192u
/* Reply bytes kept for the message of a status other than 200. */
#define ARCHIVE_ERROR_HEAD 4096u
/* A copy out that sends nothing for this long is stuck (the file is read
 * from the container's storage, nothing in between computes). */
#define ARCHIVE_STALL_SECONDS 120L

/* The whole file, mapped read-only (len 0: nothing to send). */
static int map_tar(int fd, void **ret, size_t *ret_len, struct ags_error *err)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return ags_error_set(err, -errno, "copy into a container: cannot inspect the tar: %m");
    if (!S_ISREG(st.st_mode) || st.st_size <= 0)
        return ags_error_set(err, -EINVAL, "copy into a container: the tar is no regular file "
                                           "with content");
    if ((uint64_t)st.st_size > PODMAN_ARCHIVE_MAX)
        return ags_error_set(err, -EFBIG, "copy into a container: the tar has %lld bytes, more "
                                          "than %llu", (long long)st.st_size,
                             (unsigned long long)PODMAN_ARCHIVE_MAX);
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return ags_error_set(err, -errno, "copy into a container: cannot map the tar: %m");
    *ret = p;
    *ret_len = (size_t)st.st_size;
    return 0;
}

int podman_container_put_archive(struct podman_client *c, const char *id, const char *dir,
                                 int tar_fd, struct ags_error *err)
{
    if (!dir || dir[0] != '/')
        return ags_error_set(err, -EINVAL, "copy into a container: '%s' is not an absolute "
                                           "path", dir ? dir : "");
    _cleanup_strbuf_ struct strbuf q;
    strbuf_init(&q, ARCHIVE_QUERY_MAX);
    if (podman_query_add(&q, "path", dir) < 0)
        return ags_error_set(err, -E2BIG, "copy into a container: path too long");
    void *body = NULL;
    size_t len = 0;
    int r = map_tar(tar_fd, &body, &len, err);
    if (r < 0)
        return r;
    _cleanup_free_ char *what = xasprintf("copy into container %.12s at %s", id ? id : "", dir);
    const struct podman_call call = {.method = "PUT",
                                     .path = "/containers",
                                     .what = "container",
                                     .name = id,
                                     .suffix = "/archive",
                                     .query = q.buf,
                                     .content_type = "application/x-tar",
                                     .body = body,
                                     .body_len = len,
                                     /* A workspace of gigabytes through an ssh
                                      * tunnel takes longer than any fixed bound;
                                      * the run's cancel flag still ends it. */
                                     .timeout_ms = PODMAN_NO_TIMEOUT};
    struct podman_reply reply = {0};
    r = podman_call(c, &call, &reply, err);
    (void)munmap(body, len);
    if (r < 0)
        return podman_prefix_error(err, r, what);
    if (reply.status != 200)
        r = podman_reply_error(&reply, what, err);
    podman_reply_done(&reply);
    return r;
}

struct get_sink {
    int fd;
    uint64_t written, max;
    struct strbuf head; /* the start of the reply, for a status other than 200 */
    int failed;         /* a write's -errno, or -EFBIG past max */
};

static int on_archive_data(const char *p, size_t n, void *userdata)
{
    struct get_sink *s = userdata;
    size_t room = s->head.max - s->head.len;
    if (room > 0 && strbuf_append(&s->head, p, n < room ? n : room) < 0)
        s->head.max = s->head.len;
    if (n > s->max - s->written)
        return s->failed = -EFBIG; /* aborts the transfer */
    int r = write_all(s->fd, p, n);
    if (r < 0)
        return s->failed = r;
    s->written += n;
    return 0;
}

static int get_result(const struct get_sink *s, long status, const char *what,
                      struct ags_error *err)
{
    struct podman_reply reply = {.status = status, .body = s->head.buf, .len = s->head.len};
    if (status == 404)
        return ags_error_set(err, -ENOENT, "%s: no such container or path", what);
    if (status != 200)
        return podman_reply_error(&reply, what, err);
    return 0;
}

int podman_container_get_archive(struct podman_client *c, const char *id, const char *path,
                                 int out_fd, uint64_t max, struct ags_error *err)
{
    if (!path || path[0] != '/')
        return ags_error_set(err, -EINVAL, "copy out of a container: '%s' is not an absolute "
                                           "path", path ? path : "");
    _cleanup_strbuf_ struct strbuf q;
    strbuf_init(&q, ARCHIVE_QUERY_MAX);
    if (podman_query_add(&q, "path", path) < 0)
        return ags_error_set(err, -E2BIG, "copy out of a container: path too long");
    _cleanup_free_ char *what = xasprintf("copy %s out of container %.12s", path, id ? id : "");
    struct get_sink s = {.fd = out_fd, .max = max};
    strbuf_init(&s.head, ARCHIVE_ERROR_HEAD);
    const struct podman_call call = {.method = "GET",
                                     .path = "/containers",
                                     .what = "container",
                                     .name = id,
                                     .suffix = "/archive",
                                     .query = q.buf,
                                     .on_data = on_archive_data,
                                     .userdata = &s,
                                     /* Gigabytes through an ssh tunnel take longer than
                                      * any fixed bound: a stall ends it, and the
                                      * client's cancel flag. */
                                     .timeout_ms = PODMAN_NO_TIMEOUT,
                                     .stall_seconds = ARCHIVE_STALL_SECONDS};
    struct podman_reply reply = {0};
    int r = podman_call(c, &call, &reply, err);
    if (r < 0 && s.failed == -EFBIG)
        r = ags_error_set(err, -EFBIG, "%s: the archive is larger than %llu bytes", what,
                          (unsigned long long)max);
    else if (r < 0 && s.failed)
        r = ags_error_set(err, s.failed, "%s: writing the archive: %s", what,
                          strerror(-s.failed));
    else if (r < 0)
        r = podman_prefix_error(err, r, what);
    else
        r = get_result(&s, reply.status, what, err);
    podman_reply_done(&reply);
    strbuf_done(&s.head);
    return r;
}
