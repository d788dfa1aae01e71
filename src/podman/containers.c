/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Container endpoints: create, start, resize, wait, stop, kill, remove, list
 * (libpod-api.md sections 5, 6 and 8; statuses as observed on 4.3.1). */
#include "podman/containers.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "podman/client.h"
#include "podman/containers-json.h"
#include "podman/errors.h"
#include "podman/query.h"
#include "podman/resource.h"
#include "base/banned.h"

/* Whole-request limits.  Create copies the image on vfs; start runs
 * conmon, runc and slirp4netns; remove may first stop (stop_timeout). */
#define CREATE_TIMEOUT_MS 120000L
#define START_TIMEOUT_MS  120000L
#define SMALL_TIMEOUT_MS  30000L
#define REMOVE_TIMEOUT_MS 120000L

/* Calls and maps every status but the accepted ones (up to two) to an error. */
static int simple(struct podman_client *c, const struct podman_call *call, long ok1, long ok2,
                  const char *what, struct ags_error *err)
{
    struct podman_reply reply = {0};
    int r = podman_call(c, call, &reply, err);
    if (r < 0)
        return podman_prefix_error(err, r, what);
    if (reply.status != ok1 && reply.status != ok2)
        r = podman_reply_error(&reply, what, err);
    podman_reply_done(&reply);
    return r;
}

/* "container 0123456789ab" for messages. */
static char *what_ctr(const char *verb, const char *id)
{
    return xasprintf("%s container %.12s", verb, id ? id : "");
}

int podman_container_create(struct podman_client *c, const struct podman_spec *spec,
                            char **ret_id, char ***ret_warnings, struct ags_error *err)
{
    _cleanup_free_ char *json = NULL;
    int r = podman_spec_render(spec, &json, err);
    if (r < 0)
        return r;
    _cleanup_free_ char *w =
            xasprintf("create container%s%s", spec->name ? " " : "", spec->name ? spec->name : "");
    struct podman_call call = {.method = "POST",
                                   .path = "/containers/create",
                                   .json = json,
                                   .timeout_ms = CREATE_TIMEOUT_MS};
    struct podman_reply reply = {0};
    r = podman_call(c, &call, &reply, err);
    if (r < 0)
        return podman_prefix_error(err, r, w);
    if (reply.status == 201)
        r = podman_parse_create_reply(reply.body, reply.len, w, ret_id, ret_warnings, err);
    else
        r = podman_reply_error(&reply, w, err);
    podman_reply_done(&reply);
    return r;
}

int podman_container_start(struct podman_client *c, const char *id, struct ags_error *err)
{
    _cleanup_free_ char *w = what_ctr("start", id);
    struct podman_call call = {.method = "POST",
                                   .path = "/containers",
                                   .what = "container",
                                   .name = id,
                                   .suffix = "/start",
                                   .timeout_ms = START_TIMEOUT_MS};
    /* 304: already running, which is what the caller wants. */
    return simple(c, &call, 204, 304, w, err);
}

int podman_container_resize(struct podman_client *c, const char *id, unsigned rows, unsigned cols,
                            struct ags_error *err)
{
    char query[64];
    (void)snprintf(query, sizeof(query), "h=%u&w=%u", rows, cols);
    _cleanup_free_ char *w = what_ctr("resize the terminal of", id);
    struct podman_call call = {.method = "POST",
                                   .path = "/containers",
                                   .what = "container",
                                   .name = id,
                                   .suffix = "/resize",
                                   .query = query,
                                   .timeout_ms = SMALL_TIMEOUT_MS};
    return simple(c, &call, 200, 204, w, err);
}

int podman_container_wait(struct podman_client *c, const char *id, int *ret_exit_code,
                          struct ags_error *err)
{
    _cleanup_free_ char *w = what_ctr("wait for", id);
    /* No time limit: this returns when the container exits. */
    struct podman_call call = {.method = "POST",
                                   .path = "/containers",
                                   .what = "container",
                                   .name = id,
                                   .suffix = "/wait",
                                   .query = "condition=exited",
                                   .timeout_ms = PODMAN_NO_TIMEOUT};
    struct podman_reply reply = {0};
    int r = podman_call(c, &call, &reply, err);
    if (r < 0)
        return podman_prefix_error(err, r, w);
    if (reply.status == 200)
        r = podman_parse_wait_body(reply.body, reply.len, ret_exit_code, err);
    else
        r = podman_reply_error(&reply, w, err);
    podman_reply_done(&reply);
    return r;
}

int podman_container_stop(struct podman_client *c, const char *id, unsigned timeout_s,
                          struct ags_error *err)
{
    char query[32];
    (void)snprintf(query, sizeof(query), "timeout=%u", timeout_s);
    _cleanup_free_ char *w = what_ctr("stop", id);
    struct podman_call call = {.method = "POST",
                                   .path = "/containers",
                                   .what = "container",
                                   .name = id,
                                   .suffix = "/stop",
                                   .query = query,
                                   .timeout_ms = (long)timeout_s * 1000L + SMALL_TIMEOUT_MS};
    /* 304: already stopped. */
    return simple(c, &call, 204, 304, w, err);
}

int podman_container_kill(struct podman_client *c, const char *id, const char *signal,
                          struct ags_error *err)
{
    _cleanup_strbuf_ struct strbuf q;
    strbuf_init(&q, 256);
    if (podman_query_add(&q, "signal", signal ? signal : "SIGKILL") < 0)
        return ags_error_set(err, -EINVAL, "signal name '%.32s' is too long", signal);
    _cleanup_free_ char *w = what_ctr("kill", id);
    struct podman_call call = {.method = "POST",
                                   .path = "/containers",
                                   .what = "container",
                                   .name = id,
                                   .suffix = "/kill",
                                   .query = q.buf,
                                   .timeout_ms = SMALL_TIMEOUT_MS};
    /* Not running: 500 "container state improper", mapped to -EBUSY. */
    return simple(c, &call, 204, 204, w, err);
}

int podman_container_remove(struct podman_client *c, const char *id, bool force,
                            struct ags_error *err)
{
    /* "volumes", not "v": v=true is ignored on libpod paths. */
    const char *query = force ? "force=true&volumes=true" : "force=false&volumes=true";
    _cleanup_free_ char *w = what_ctr("remove", id);
    struct podman_call call = {.method = "DELETE",
                                   .path = "/containers",
                                   .what = "container",
                                   .name = id,
                                   .query = query,
                                   .timeout_ms = REMOVE_TIMEOUT_MS};
    /* 404 -> -ENOENT; running without force -> "container state improper" -> -EBUSY. */
    return simple(c, &call, 200, 200, w, err);
}

int podman_container_list(struct podman_client *c, const char *const *labels,
                          struct podman_container_info **ret, size_t *ret_n, struct ags_error *err)
{
    _cleanup_free_ char *filter = NULL;
    int r = podman_label_filter(labels, &filter, err);
    if (r < 0)
        return r;
    _cleanup_strbuf_ struct strbuf q;
    strbuf_init(&q, 64u * 1024u);
    /* Container label filters are AND-ed by libpod (unlike volumes). */
    bool filtered = labels && labels[0];
    if (podman_query_add_bool(&q, "all", true) < 0 ||
        (filtered && podman_query_add(&q, "filters", filter) < 0))
        return ags_error_set(err, -E2BIG, "list containers: the label filter is too long");
    struct podman_call call = {.method = "GET",
                                   .path = "/containers/json",
                                   .query = q.buf,
                                   .timeout_ms = SMALL_TIMEOUT_MS};
    struct podman_reply reply = {0};
    r = podman_call(c, &call, &reply, err);
    if (r < 0)
        return podman_prefix_error(err, r, "list containers");
    if (reply.status == 200)
        r = podman_parse_container_list(reply.body, reply.len, ret, ret_n, err);
    else
        r = podman_reply_error(&reply, "list containers", err);
    podman_reply_done(&reply);
    return r;
}

int podman_container_state(struct podman_client *c, const char *id, struct podman_ctr_state *ret,
                           struct ags_error *err)
{
    _cleanup_free_ char *w = what_ctr("inspect", id);
    struct podman_call call = {.method = "GET",
                                   .path = "/containers",
                                   .what = "container",
                                   .name = id,
                                   .suffix = "/json",
                                   .timeout_ms = SMALL_TIMEOUT_MS};
    struct podman_reply reply = {0};
    int r = podman_call(c, &call, &reply, err);
    if (r < 0)
        return podman_prefix_error(err, r, w);
    if (reply.status == 200)
        r = podman_parse_container_state(reply.body, reply.len, ret, err);
    else
        r = podman_reply_error(&reply, w, err);
    podman_reply_done(&reply);
    return r;
}
