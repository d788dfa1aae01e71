/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Images: exists, id, remove (never forced), pull, import.  Builds are in build.c. */
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
#include "base/banned.h"

/* A base image tarball (mmdebstrap output is ~200 MB). */
#define PODMAN_MAX_IMPORT (4ull * 1024u * 1024u * 1024u)

int podman_image_exists(struct podman_client *c, const char *name, bool *ret,
                        struct ags_error *err)
{
    _cleanup_free_ char *path = NULL;
    int r = podman_name_path("/images", "image", name, "/exists", &path, err);
    if (r == 0)
        r = podman_get_exists(c, path, "checking for an image", ret, err);
    return r;
}

/* "sha256:<hex>" or "<hex>" -> an owned "<hex>"; NULL unless 12..64 hex digits. */
static char *image_id_from(const char *s)
{
    if (!s)
        return NULL;
    if (strncmp(s, "sha256:", 7) == 0)
        s += 7;
    size_t n = strlen(s);
    return n >= 12 && n <= 64 && podman_is_hex(s, n) ? xstrdup(s) : NULL;
}

int podman_image_id(struct podman_client *c, const char *name, char **ret_id,
                    struct ags_error *err)
{
    json_t *root = NULL;
    int r = podman_inspect_json(c, "/images", "image", name, &root, err);
    if (r < 0)
        return r;
    char *id = image_id_from(json_string_value(json_object_get(root, "Id")));
    json_decref(root);
    if (!id)
        return ags_error_set(err, -EPROTO, "inspecting image '%.200s': Podman's answer has no "
                                           "image Id", name);
    *ret_id = id;
    return 0;
}

/* A storage driver's name is a short word. */
#define PODMAN_MAX_DRIVER_NAME 64u

int podman_image_labels(struct podman_client *c, const char *name, char ***ret_labels,
                        char **ret_driver, struct ags_error *err)
{
    json_t *root = NULL;
    int r = podman_inspect_json(c, "/images", "image", name, &root, err);
    if (r < 0)
        return r;
    *ret_labels = podman_labels_from_json(json_object_get(root, "Labels"));
    if (ret_driver) {
        const char *d = json_string_value(json_object_get(json_object_get(root, "GraphDriver"),
                                                          "Name"));
        *ret_driver = xstrdup(d && strlen(d) <= PODMAN_MAX_DRIVER_NAME ? d : "");
    }
    json_decref(root);
    return 0;
}

/* 409: "image used by <container id>: image is in use by a container: ..." */
static int image_in_use(const struct podman_reply *reply, const char *name,
                        struct ags_error *err)
{
    json_t *root = json_loadb(reply->body ? reply->body : "", reply->len, 0, NULL);
    const char *msg = json_string_value(json_object_get(root, "message"));
    const char *prefix = "image used by ";
    size_t n = 0;
    if (msg && strncmp(msg, prefix, strlen(prefix)) == 0) {
        msg += strlen(prefix);
        n = strspn(msg, "0123456789abcdef");
    }
    if (n >= 12)
        ags_error_set(err, -EBUSY, "cannot remove image '%.200s': container %.12s uses it; "
                                   "remove that container first", name, msg);
    else
        ags_error_set(err, -EBUSY, "cannot remove image '%.200s': a container uses it; remove "
                                   "that container first", name);
    json_decref(root);
    return -EBUSY;
}

int podman_image_remove(struct podman_client *c, const char *name, struct ags_error *err)
{
    struct podman_call call = {.method = "DELETE", .path = "/images", .what = "image", .name = name};
    struct podman_reply reply = {0};
    int r = podman_call(c, &call, &reply, err);
    if (r < 0)
        return r;
    if (reply.status == 409) {
        r = image_in_use(&reply, name, err);
    } else if (reply.status != 200) {
        _cleanup_free_ char *what = xasprintf("removing image '%.200s'", name);
        r = podman_reply_error(&reply, what, err);
    }
    podman_reply_done(&reply);
    return r;
}

static int on_pull_data(const char *p, size_t n, void *userdata)
{
    struct podman_build_stream *s = userdata;
    /* Only the error text matters; a malformed line fails the pull below. */
    return podman_build_stream_feed(s, p, n, NULL) < 0 ? -1 : 0;
}

/* The reply streams JSON lines like a build's ({"stream":..}, {"error":..},
 * finally {"images":[..],"id":..}), still HTTP 200 when the pull fails. */
int podman_image_pull(struct podman_client *c, const char *reference, unsigned stall_seconds,
                      struct ags_error *err)
{
    _cleanup_strbuf_ struct strbuf q;
    strbuf_init(&q, 4 * PODMAN_MAX_NAME);
    if (!reference || !reference[0] || strlen(reference) > PODMAN_MAX_NAME ||
        podman_query_add(&q, "reference", reference) < 0 ||
        podman_query_add(&q, "policy", "missing") < 0)
        return ags_error_set(err, -EINVAL, "pulling: no valid image reference");
    struct podman_build_stream s;
    podman_build_stream_init(&s, NULL, NULL);
    struct podman_reply reply = {0};
    int r = podman_http_do(
            c->http,
            &(struct podman_req){.method = "POST", .path = "/images/pull", .query = q.buf,
                                 .on_data = on_pull_data, .userdata = &s,
                                 .stall_seconds = stall_seconds ? stall_seconds
                                                                : PODMAN_BUILD_STALL_SECONDS},
            &reply, err);
    _cleanup_free_ char *what = xasprintf("pulling '%.200s'", reference);
    if (r < 0)
        (void)ags_error_prefix(err, "%s", what);
    else if (reply.status != 200)
        r = podman_reply_error(&reply, what, err);
    else if (s.error)
        r = ags_error_set(err, -EIO, "%s: %s", what, s.error);
    podman_reply_done(&reply);
    podman_build_stream_done(&s);
    if (r < 0)
        return r;
    bool exists = false;
    r = podman_image_exists(c, reference, &exists, err);
    if (r == 0 && !exists)
        r = ags_error_set(err, -EIO, "%s: the pull ended without the image", what);
    return r;
}

/* Maps a regular file read-only; *ret_len > 0. */
static int map_file(const char *path, uint64_t max, void **ret, size_t *ret_len,
                    struct ags_error *err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return ags_error_set(err, -errno, "cannot open '%s': %m", path);
    if (!S_ISREG(st.st_mode))
        return ags_error_set(err, -EINVAL, "'%s' is not a regular file", path);
    if (st.st_size == 0)
        return ags_error_set(err, -EINVAL, "'%s' is empty", path);
    if ((uint64_t)st.st_size > max)
        return ags_error_set(err, -EFBIG, "'%s' is larger than %llu bytes", path,
                             (unsigned long long)max);
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return ags_error_set(err, -errno, "cannot map '%s': %m", path);
    *ret = p;
    *ret_len = (size_t)st.st_size;
    return 0;
}

/* A label an import's "LABEL k=v" change carries unquoted. */
static bool plain_label(const char *kv)
{
    const char *eq = strchr(kv, '=');
    size_t n = strlen(kv);
    return eq && eq != kv && n < 256 &&
           strspn(kv, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/:-=") == n &&
           !strchr(eq + 1, '=');
}

/* KEY=VALUE that Podman's ENV change keeps as it is. */
static bool plain_env(const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv || strlen(kv) > 4096)
        return false;
    for (const char *k = kv; k < eq; k++)
        if (!(*k == '_' || (*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') ||
              (k > kv && *k >= '0' && *k <= '9')))
            return false;
    for (const char *v = eq + 1; *v; v++)
        if ((unsigned char)*v <= ' ' || *v == '"' || *v == '\'' || *v == '\\' || *v == 0x7f)
            return false;
    return true;
}

/* reference=R&changes=LABEL k=v...&changes=ENV K=V... into q. */
static int import_query(struct strbuf *q, const char *reference, const char *const *labels,
                        const char *const *env)
{
    if (!reference || !reference[0] || strlen(reference) > PODMAN_MAX_NAME ||
        podman_query_add(q, "reference", reference) < 0)
        return -EINVAL;
    for (size_t i = 0; labels && labels[i]; i++) {
        if (!plain_label(labels[i]))
            return -EINVAL;
        _cleanup_free_ char *change = xasprintf("LABEL %s", labels[i]);
        if (podman_query_add(q, "changes", change) < 0)
            return -EINVAL;
    }
    for (size_t i = 0; env && env[i]; i++) {
        if (!plain_env(env[i]))
            return -EINVAL;
        _cleanup_free_ char *change = xasprintf("ENV %s", env[i]);
        if (podman_query_add(q, "changes", change) < 0)
            return -EINVAL;
    }
    return 0;
}

int podman_image_import(struct podman_client *c, const char *tarball, const char *reference,
                        const char *const *labels, const char *const *env, char **ret_id,
                        struct ags_error *err)
{
    _cleanup_strbuf_ struct strbuf q;
    strbuf_init(&q, 8 * PODMAN_MAX_NAME);
    if (import_query(&q, reference, labels, env) < 0)
        return ags_error_set(err, -EINVAL,
                             "importing '%s': no valid image reference, label or environment",
                             tarball);
    void *body = NULL;
    size_t len = 0;
    int r = map_file(tarball, PODMAN_MAX_IMPORT, &body, &len, err);
    if (r < 0) {
        if (err)
            (void)ags_error_prefix(err, "importing an image");
        return r;
    }
    struct podman_reply reply = {0};
    /* No overall time limit (the server copies the whole tarball first), but
     * ten minutes without progress either way means it is stuck. */
    r = podman_http_do(c->http,
                       &(struct podman_req){.method = "POST", .path = "/images/import",
                                            .query = q.buf, .content_type = "application/x-tar",
                                            .body = body, .body_len = len,
                                            .stall_seconds = PODMAN_BUILD_STALL_SECONDS},
                       &reply, err);
    (void)munmap(body, len);
    if (r < 0)
        return r;
    _cleanup_free_ char *what = xasprintf("importing '%s' as '%.200s'", tarball, reference);
    if (reply.status != 200) {
        r = podman_reply_error(&reply, what, err);
    } else {
        json_t *root = json_loadb(reply.body, reply.len, 0, NULL);
        char *id = image_id_from(json_string_value(json_object_get(root, "Id")));
        json_decref(root);
        if (id)
            *ret_id = id;
        else
            r = ags_error_set(err, -EPROTO, "%s: Podman's answer has no image Id", what);
    }
    podman_reply_done(&reply);
    return r;
}
