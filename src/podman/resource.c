/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "podman/resource.h"

#include <string.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "podman/errors.h"
#include "podman/query.h"
#include "base/banned.h"

int podman_name_path(const char *prefix, const char *what, const char *name, const char *suffix,
                     char **ret, struct ags_error *err)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0)
        return ags_error_set(err, -EINVAL, "no %s name given", what);
    if (len > PODMAN_MAX_NAME)
        return ags_error_set(err, -E2BIG, "%s name longer than %u bytes", what, PODMAN_MAX_NAME);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return ags_error_set(err, -EINVAL, "%s name with a control character", what);
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, strlen(prefix) + 3 * len + strlen(suffix) + 1);
    if (strbuf_appends(&sb, prefix) < 0 || strbuf_appendc(&sb, '/') < 0 ||
        podman_url_escape(&sb, name) < 0 || strbuf_appends(&sb, suffix) < 0)
        return ags_error_set(err, -E2BIG, "%s path too long", what);
    *ret = strbuf_steal(&sb);
    return 0;
}

int podman_call(struct podman_client *c, const struct podman_call *call, struct podman_reply *ret,
                struct ags_error *err)
{
    _cleanup_free_ char *path = NULL;
    if (call->what) {
        int r = podman_name_path(call->path, call->what, call->name,
                                 call->suffix ? call->suffix : "", &path, err);
        if (r < 0)
            return r;
    }
    struct podman_req req = {
            .method = call->method,
            .path = path ? path : call->path,
            .query = call->query,
            .content_type = call->json ? "application/json" : call->content_type,
            .body = call->json ? call->json : call->body,
            .body_len = call->json ? strlen(call->json) : call->body_len,
            .timeout_ms = call->timeout_ms == 0                   ? PODMAN_OP_TIMEOUT_MS
                          : call->timeout_ms == PODMAN_NO_TIMEOUT ? 0
                                                                  : call->timeout_ms,
            .stall_seconds = call->stall_seconds,
            .on_data = call->on_data,
            .userdata = call->userdata,
            .keep_header = call->keep_header,
    };
    return podman_http_do(c->http, &req, ret, err);
}

int podman_get_json(struct podman_client *c, const char *path, const char *query,
                    const char *what, json_t **ret, struct ags_error *err)
{
    struct podman_reply reply = {0};
    int r = podman_call(c, &(struct podman_call){.method = "GET", .path = path, .query = query},
                        &reply, err);
    if (r < 0)
        return r;
    if (reply.status != 200) {
        r = podman_reply_error(&reply, what, err);
    } else {
        json_error_t jerr;
        json_t *root = json_loadb(reply.body, reply.len, 0, &jerr);
        if (!root)
            r = ags_error_set(err, -EPROTO, "%s: Podman sent invalid JSON (%s)", what,
                              jerr.text);
        else
            *ret = root;
    }
    podman_reply_done(&reply);
    return r;
}

int podman_get_exists(struct podman_client *c, const char *path, const char *what, bool *ret,
                      struct ags_error *err)
{
    struct podman_reply reply = {0};
    int r = podman_call(c, &(struct podman_call){.method = "GET", .path = path}, &reply, err);
    if (r < 0)
        return r;
    if (reply.status == 204 || reply.status == 404)
        *ret = reply.status == 204;
    else
        r = podman_reply_error(&reply, what, err);
    podman_reply_done(&reply);
    return r;
}

int podman_labels_to_json(const char *const *labels, json_t **ret, struct ags_error *err)
{
    return podman_kv_to_json(labels, "label", ret, err);
}

int podman_kv_to_json(const char *const *labels, const char *what, json_t **ret,
                      struct ags_error *err)
{
    json_t *obj = json_object();
    if (!obj)
        ags_oom();
    for (size_t i = 0; labels && labels[i]; i++) {
        const char *eq = strchr(labels[i], '=');
        size_t len = strlen(labels[i]);
        int r = 0;
        if (i >= PODMAN_MAX_LABELS)
            r = ags_error_set(err, -E2BIG, "more than %u %ss", PODMAN_MAX_LABELS, what);
        else if (len > PODMAN_MAX_LABEL)
            r = ags_error_set(err, -E2BIG, "%s longer than %u bytes", what, PODMAN_MAX_LABEL);
        else if (!eq || eq == labels[i])
            r = ags_error_set(err, -EINVAL, "%s '%.200s' is not KEY=VALUE", what, labels[i]);
        else if (json_object_setn_new(obj, labels[i], (size_t)(eq - labels[i]),
                                      json_string(eq + 1)) < 0)
            r = ags_error_set(err, -EINVAL, "%s '%.200s' is not valid UTF-8", what, labels[i]);
        if (r < 0) {
            json_decref(obj);
            return r;
        }
    }
    *ret = obj;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char **podman_labels_from_json(json_t *obj)
{
    struct strv_builder s = {0};
    const char *key;
    json_t *value;
    if (json_is_object(obj)) {
        json_object_foreach (obj, key, value) {
            if (json_is_string(value))
                strv_builder_push(&s, xasprintf("%s=%s", key, json_string_value(value)));
        }
    }
    char **v = strv_builder_steal(&s);
    size_t n = 0;
    while (v[n])
        n++;
    qsort(v, n, sizeof(*v), cmp_str);
    return v;
}

bool podman_labels_match(const json_t *obj, const char *const *labels)
{
    for (size_t i = 0; labels && labels[i]; i++) {
        const char *eq = strchr(labels[i], '=');
        size_t klen = eq ? (size_t)(eq - labels[i]) : strlen(labels[i]);
        json_t *v = json_is_object(obj) ? json_object_getn(obj, labels[i], klen) : NULL;
        if (!v || (eq && (!json_is_string(v) || strcmp(json_string_value(v), eq + 1) != 0)))
            return false;
    }
    return true;
}

int podman_inspect_json(struct podman_client *c, const char *prefix, const char *what,
                        const char *name, json_t **ret, struct ags_error *err)
{
    _cleanup_free_ char *path = NULL;
    _cleanup_free_ char *desc = xasprintf("inspecting %s '%.200s'", what, name ? name : "");
    int r = podman_name_path(prefix, what, name, "/json", &path, err);
    if (r == 0)
        r = podman_get_json(c, path, NULL, desc, ret, err);
    return r;
}
