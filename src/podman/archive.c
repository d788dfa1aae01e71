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
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strbuf.h"
#include "base/termesc.h"
#include "podman/containers-json.h"
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
/* How long a container's cleanup is waited for (settle), and GETs that came
 * back empty before giving up, with the pause between them. */
#define ARCHIVE_SETTLE_POLLS     50u
#define ARCHIVE_SETTLE_USEC      50000u
#define ARCHIVE_EMPTY_TRIES      5u
#define ARCHIVE_EMPTY_RETRY_USEC 200000u

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

/* The query "path=PATH" of both archive endpoints into q (initialized
 * here); PATH must be absolute.  what starts the messages. */
static int path_query(struct strbuf *q, const char *path, const char *what,
                      struct ags_error *err)
{
    strbuf_init(q, ARCHIVE_QUERY_MAX);
    if (!path || path[0] != '/')
        return ags_error_set(err, -EINVAL, "%s: '%s' is not an absolute path", what,
                             path ? path : "");
    if (podman_query_add(q, "path", path) < 0)
        return ags_error_set(err, -E2BIG, "%s: path too long", what);
    return 0;
}

int podman_container_put_archive(struct podman_client *c, const char *id, const char *dir,
                                 int tar_fd, struct ags_error *err)
{
    _cleanup_strbuf_ struct strbuf q;
    int r = path_query(&q, dir, "copy into a container", err);
    if (r < 0)
        return r;
    void *body = NULL;
    size_t len = 0;
    r = map_tar(tar_fd, &body, &len, err);
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

static int get_result(const struct get_sink *s, const struct podman_reply *got,
                      const char *what, struct podman_path_stat *ret_stat,
                      struct ags_error *err)
{
    struct podman_reply reply = {.status = got->status, .body = s->head.buf, .len = s->head.len};
    if (got->status == 404)
        return ags_error_set(err, -ENOENT, "%s: no such container or path", what);
    if (got->status != 200)
        return podman_reply_error(&reply, what, err);
    if (!ret_stat)
        return 0;
    int r = podman_parse_path_stat(got->header, ret_stat, err);
    if (r < 0 && err)
        (void)ags_error_prefix(err, "%s", what);
    return r;
}

void podman_path_stat_done(struct podman_path_stat *st)
{
    free(st->name);
    free(st->link_target);
    *st = (struct podman_path_stat){0};
}

int podman_path_stat_regular(const struct podman_path_stat *st, const char *path,
                             struct ags_error *err)
{
    if (strcmp(st->link_target, path) != 0) {
        _cleanup_free_ char *shown = term_escape_str(st->link_target);
        return ags_error_set(err, -EBADMSG, "'%s' is no regular file: it leads to '%.200s' (a "
                                            "symlink)", path, shown);
    }
    if (st->is_dir || (st->mode & PODMAN_MODE_TYPE))
        return ags_error_set(err, -EBADMSG, "'%s' is no regular file (%s, mode 0x%x)", path,
                             st->is_dir ? "a directory" : "a special file", st->mode);
    return 0;
}

/* Until the cleanup of a container that just ended ran: Podman 4.3 copies
 * out of it while the cleanup unmounts its root file system, and then
 * answers 404 or an empty archive.  A container in any other state (or
 * gone) is left to the GET. */
static void settle(struct podman_client *c, const char *id)
{
    for (unsigned i = 0; i < ARCHIVE_SETTLE_POLLS; i++) {
        struct podman_ctr_state st;
        if (podman_container_state(c, id, &st, NULL) < 0 || !st.cleanup_pending)
            return;
        (void)usleep(ARCHIVE_SETTLE_USEC);
    }
}

/* One GET into s (what names it in messages). */
static int get_once(struct podman_client *c, const struct podman_call *call, struct get_sink *s,
                    const char *what, struct podman_path_stat *ret_stat, struct ags_error *err)
{
    struct podman_reply reply = {0};
    int r = podman_call(c, call, &reply, err);
    if (r < 0 && s->failed == -EFBIG)
        r = ags_error_set(err, -EFBIG, "%s: the archive is larger than %llu bytes", what,
                          (unsigned long long)s->max);
    else if (r < 0 && s->failed)
        r = ags_error_set(err, s->failed, "%s: writing the archive: %s", what,
                          strerror(-s->failed));
    else if (r < 0)
        r = podman_prefix_error(err, r, what);
    else
        r = get_result(s, &reply, what, ret_stat, err);
    podman_reply_done(&reply);
    return r;
}

int podman_container_get_archive(struct podman_client *c, const char *id, const char *path,
                                 int out_fd, uint64_t max, struct podman_path_stat *ret_stat,
                                 struct ags_error *err)
{
    _cleanup_strbuf_ struct strbuf q;
    int qr = path_query(&q, path, "copy out of a container", err);
    if (qr < 0)
        return qr;
    _cleanup_free_ char *what = xasprintf("copy %s out of container %.12s", path, id ? id : "");
    struct get_sink s = {.fd = out_fd, .max = max};
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
                                     .stall_seconds = ARCHIVE_STALL_SECONDS,
                                     .keep_header = "X-Docker-Container-Path-Stat"};
    settle(c, id);
    int r = 0;
    for (unsigned attempt = 1;; attempt++) {
        strbuf_init(&s.head, ARCHIVE_ERROR_HEAD);
        r = get_once(c, &call, &s, what, ret_stat, err);
        strbuf_done(&s.head);
        /* Podman 4.3 answers 200 with an empty body now and then right
         * after the container exited (its cleanup unmounts the root file
         * system under the copy); a tar is never empty, and the next GET
         * has it. */
        if (r < 0 || s.written > 0 || attempt == ARCHIVE_EMPTY_TRIES)
            break;
        if (ret_stat)
            podman_path_stat_done(ret_stat);
        (void)usleep(ARCHIVE_EMPTY_RETRY_USEC);
    }
    if (r == 0 && s.written == 0) {
        if (ret_stat)
            podman_path_stat_done(ret_stat);
        r = ags_error_set(err, -EIO, "%s: Podman sent an empty archive %u times",
                          what, ARCHIVE_EMPTY_TRIES);
    }
    return r;
}
