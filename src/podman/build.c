/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * POST /libpod/build: the context directory tarred in-process (tar.c) into a
 * memfd, the reply streamed through the JSON-lines parser (build-stream.c).
 * Build args travel in the URL (that is libpod's interface): they are not a
 * place for secrets.
 */
#include "podman/podman.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "podman/build-stream.h"
#include "podman/errors.h"
#include "podman/query.h"
#include "podman/resource.h"
#include "podman/tar.h"
#include "base/banned.h"

#define BUILD_MAX_QUERY (1024u * 1024u)
#define BUILD_ERROR_HEAD (64u * 1024u) /* reply bytes kept for a non-200 error */

/* libpod-api.md section 2: without it layers=true never hits the cache. */
#define BUILD_OUTPUT_FORMAT "application/vnd.oci.image.manifest.v1+json"
/* Without it the handler gives RUN steps the HOST network namespace. */
#define BUILD_NSOPTIONS "[{\"Name\":\"network\",\"Host\":false}]"

static int query_json(struct strbuf *q, const char *key, const char *const *kv,
                      const char *what, struct ags_error *err)
{
    if (!kv || !kv[0])
        return 0;
    json_t *obj = NULL;
    int r = podman_kv_to_json(kv, what, &obj, err);
    if (r < 0)
        return r;
    char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(obj);
    if (!text)
        ags_oom();
    r = podman_query_add(q, key, text);
    free(text);
    return r < 0 ? ags_error_set(err, r, "the build arguments or labels are too long") : 0;
}

/* A relative path inside the context, without ".." components. */
static int check_containerfile(int ctx_fd, const char *dir, const char *file,
                               struct ags_error *err)
{
    size_t len = strlen(file);
    bool dotdot = strcmp(file, "..") == 0 || strncmp(file, "../", 3) == 0 ||
                  strstr(file, "/../") || (len >= 3 && strcmp(file + len - 3, "/..") == 0);
    if (len == 0 || file[0] == '/' || dotdot || len > PODMAN_MAX_NAME)
        return ags_error_set(err, -EINVAL, "the Containerfile '%.200s' must be a relative path "
                                           "inside the build context", file);
    struct stat st;
    if (fstatat(ctx_fd, file, &st, 0) < 0 || !S_ISREG(st.st_mode))
        return ags_error_set(err, -ENOENT, "no Containerfile '%.200s' in the build context '%s'",
                             file, dir);
    return 0;
}

static int build_query(const struct podman_build_opts *opts, struct strbuf *q,
                       struct ags_error *err)
{
    int r = 0;
    if (opts->containerfile)
        r = podman_query_add(q, "dockerfile", opts->containerfile);
    for (size_t i = 0; r == 0 && opts->tags && opts->tags[i]; i++)
        r = strlen(opts->tags[i]) > PODMAN_MAX_NAME ? -E2BIG
                                                    : podman_query_add(q, "t", opts->tags[i]);
    if (r == 0)
        r = podman_query_add_bool(q, "layers", true);
    if (r == 0)
        r = podman_query_add_bool(q, "rm", true);
    if (r == 0)
        r = podman_query_add(q, "outputformat", BUILD_OUTPUT_FORMAT);
    if (r == 0)
        r = podman_query_add(q, "nsoptions", BUILD_NSOPTIONS);
    if (r == 0 && !opts->network)
        r = podman_query_add(q, "networkmode", "NetworkDisabled");
    if (r < 0)
        return ags_error_set(err, r, "the image tags are too long");
    r = query_json(q, "buildargs", opts->buildargs, "build argument", err);
    if (r == 0)
        r = query_json(q, "labels", opts->labels, "label", err);
    return r;
}

/* The context as an uncompressed tar in an anonymous memory file, mapped. */
static int tar_context(const struct podman_build_opts *opts, void **ret, size_t *ret_len,
                       struct ags_error *err)
{
    _cleanup_close_ int ctx_fd = open(opts->context_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ctx_fd < 0)
        return ags_error_set(err, -errno, "cannot open the build context '%s': %m",
                             opts->context_dir);
    if (opts->containerfile) {
        int r = check_containerfile(ctx_fd, opts->context_dir, opts->containerfile, err);
        if (r < 0)
            return r;
    }
    _cleanup_close_ int fd = memfd_create("ags-build-context", MFD_CLOEXEC);
    if (fd < 0)
        return ags_error_set(err, -errno, "memfd_create: %m");
    uint64_t size = 0;
    int r = podman_tar_dir(opts->context_dir, opts->extra, opts->n_extra, fd, PODMAN_TAR_MAX_SIZE,
                           &size, err);
    if (r < 0)
        return r;
    void *p = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return ags_error_set(err, -errno, "cannot map the build context archive: %m");
    *ret = p;
    *ret_len = (size_t)size;
    return 0;
}

struct build_sink {
    struct podman_build_stream stream;
    struct strbuf head;  /* the start of the reply, for a non-200 status */
    struct ags_error err;
    int failed;          /* the parser's error; later bytes are not parsed */
};

static int on_build_data(const char *p, size_t n, void *userdata)
{
    struct build_sink *b = userdata;
    size_t room = b->head.max - b->head.len;
    if (room > 0 && strbuf_append(&b->head, p, n < room ? n : room) < 0)
        b->head.max = b->head.len;
    if (!b->failed)
        b->failed = podman_build_stream_feed(&b->stream, p, n, &b->err);
    return 0;
}

static int build_result(struct build_sink *b, long status, char **ret_id, struct ags_error *err)
{
    if (status != 200) {
        struct podman_reply reply = {.status = status, .body = b->head.buf, .len = b->head.len};
        return podman_reply_error(&reply, "building the image", err);
    }
    if (b->failed) {
        if (err)
            *err = b->err;
        return b->failed;
    }
    return podman_build_stream_finish(&b->stream, ret_id, err);
}

int podman_image_build(struct podman_client *c, const struct podman_build_opts *opts,
                       char **ret_id, struct ags_error *err)
{
    if (!opts->context_dir)
        return ags_error_set(err, -EINVAL, "no build context directory given");
    _cleanup_strbuf_ struct strbuf q;
    strbuf_init(&q, BUILD_MAX_QUERY);
    int r = build_query(opts, &q, err);
    void *body = NULL;
    size_t len = 0;
    if (r == 0)
        r = tar_context(opts, &body, &len, err);
    if (r < 0)
        return r;
    struct build_sink b = {0};
    podman_build_stream_init(&b.stream, opts->on_output, opts->userdata);
    strbuf_init(&b.head, BUILD_ERROR_HEAD);
    struct podman_reply reply = {0};
    r = podman_http_do(c->http,
                       &(struct podman_req){.method = "POST", .path = "/build", .query = q.buf,
                                            .content_type = "application/x-tar", .body = body,
                                            .body_len = len, .on_data = on_build_data,
                                            .userdata = &b,
                                            .stall_seconds = opts->stall_seconds
                                                                     ? opts->stall_seconds
                                                                     : PODMAN_BUILD_STALL_SECONDS},
                       &reply, err);
    (void)munmap(body, len);
    if (r == 0)
        r = build_result(&b, reply.status, ret_id, err);
    podman_reply_done(&reply);
    podman_build_stream_done(&b.stream);
    strbuf_done(&b.head);
    return r;
}
