/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Podman secrets.  The value travels only as the body of POST /secrets/create
 * (application/octet-stream): never in the URL, an error message or a log.
 * It is passed to libcurl by reference (no copy is made here).
 * Labels go in the "labels" query parameter as a JSON object
 * (pkg/api/handlers/libpod/secrets.go@v4.3.1, schema:"labels").
 */
#include "podman/podman.h"

#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "podman/errors.h"
#include "podman/query.h"
#include "podman/resource.h"
#include "base/banned.h"

#define SECRET_MAX_NAME  253u

/* [A-Za-z0-9][A-Za-z0-9_.-]*: the server checks the rest. */
static int check_name(const char *name, struct ags_error *err)
{
    size_t len = name ? strlen(name) : 0;
    bool ok = len > 0 && len <= SECRET_MAX_NAME;
    for (size_t i = 0; ok && i < len; i++) {
        char ch = name[i];
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9');
        ok = alnum || (i > 0 && (ch == '_' || ch == '.' || ch == '-'));
    }
    if (!ok)
        return ags_error_set(err, -EINVAL, "'%.200s' is not a valid secret name (letters, digits, "
                                           "'_', '.', '-'; at most %u)", name ? name : "",
                             SECRET_MAX_NAME);
    return 0;
}

static int create_query(const char *name, const char *const *labels, struct strbuf *q,
                        struct ags_error *err)
{
    int r = podman_query_add(q, "name", name);
    if (r == 0)
        r = podman_query_add(q, "driver", "file");
    if (r == 0 && labels && labels[0]) {
        json_t *obj = NULL;
        r = podman_labels_to_json(labels, &obj, err);
        if (r < 0)
            return r;
        char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(obj);
        if (!text)
            ags_oom();
        r = podman_query_add(q, "labels", text);
        free(text);
    }
    return r < 0 ? ags_error_set(err, r, "the secret's labels are too long") : 0;
}

int podman_secret_create(struct podman_client *c, const char *name, const void *value,
                         size_t len, const char *const *labels, struct ags_error *err)
{
    int r = check_name(name, err);
    if (r < 0)
        return r;
    if (len == 0 || len > AGS_SECRET_MAX_VALUE)
        return ags_error_set(err, -EINVAL, "the value of secret '%s' must be 1 to %u bytes "
                                           "(it has %zu)", name, AGS_SECRET_MAX_VALUE, len);
    _cleanup_strbuf_ struct strbuf q;
    strbuf_init(&q, 8 * PODMAN_MAX_LABEL);
    r = create_query(name, labels, &q, err);
    if (r < 0)
        return r;
    struct podman_reply reply = {0};
    r = podman_call(c,
                    &(struct podman_call){.method = "POST", .path = "/secrets/create",
                                        .query = q.buf,
                                        .content_type = "application/octet-stream",
                                        .body = value, .body_len = len},
                    &reply, err);
    if (r == 0 && reply.status != 200 && reply.status != 201) {
        _cleanup_free_ char *what = xasprintf("creating secret '%s'", name);
        r = podman_reply_error(&reply, what, err);
        /* 4.3: 500 "<name>: secret name in use". */
        if (reply.body && strstr(reply.body, "name in use")) {
            r = -EEXIST;
            if (err)
                err->code = r;
        }
    }
    podman_reply_done(&reply);
    return r;
}

int podman_secret_has_labels(struct podman_client *c, const char *name,
                             const char *const *labels, bool *ret_match, struct ags_error *err)
{
    json_t *root = NULL;
    int r = podman_inspect_json(c, "/secrets", "secret", name, &root, err);
    if (r < 0)
        return r;
    *ret_match = podman_labels_match(json_object_get(json_object_get(root, "Spec"), "Labels"),
                                     labels);
    json_decref(root);
    return 0;
}

int podman_secret_labels(struct podman_client *c, const char *name, char ***ret_labels,
                         struct ags_error *err)
{
    json_t *root = NULL;
    int r = podman_inspect_json(c, "/secrets", "secret", name, &root, err);
    if (r < 0)
        return r;
    *ret_labels = podman_labels_from_json(json_object_get(json_object_get(root, "Spec"),
                                                          "Labels"));
    json_decref(root);
    return 0;
}

int podman_secret_list(struct podman_client *c, const char *const *labels, char ***ret_names,
                       struct ags_error *err)
{
    json_t *root = NULL;
    int r = podman_get_json(c, "/secrets/json", NULL, "listing secrets", &root, err);
    if (r < 0)
        return r;
    if (!json_is_array(root) || json_array_size(root) > PODMAN_MAX_LIST) {
        json_decref(root);
        return ags_error_set(err, -EPROTO, "listing secrets: Podman's answer is not a list");
    }
    struct strv_builder names = {0};
    size_t i;
    json_t *entry;
    json_array_foreach (root, i, entry) {
        const char *name = json_string_value(json_object_get(json_object_get(entry, "Spec"),
                                                             "Name"));
        if (!name)
            continue;
        /* 4.3 lists "Labels": null; inspect shows them. */
        json_t *listed = json_object_get(json_object_get(entry, "Spec"), "Labels");
        bool match = true;
        if (json_is_object(listed)) {
            match = podman_labels_match(listed, labels);
        } else if (labels && labels[0]) {
            struct ags_error e = {0};
            r = podman_secret_has_labels(c, json_string_value(json_object_get(entry, "ID")),
                                         labels, &match, &e);
            /* Removed between the list and the inspect: not a match. */
            if (r == -ENOENT) {
                r = 0;
                continue;
            }
            if (r < 0) {
                if (err)
                    *err = e;
                break;
            }
        }
        if (match)
            strv_builder_push(&names, xstrdup(name));
    }
    json_decref(root);
    if (r < 0) {
        strv_builder_done(&names);
        return r;
    }
    *ret_names = strv_builder_steal(&names);
    return 0;
}

int podman_secret_remove(struct podman_client *c, const char *name, struct ags_error *err)
{
    struct podman_call call = {.method = "DELETE", .path = "/secrets", .what = "secret", .name = name};
    struct podman_reply reply = {0};
    int r = podman_call(c, &call, &reply, err);
    if (r == 0 && reply.status != 204 && reply.status != 200) {
        _cleanup_free_ char *what = xasprintf("removing secret '%.200s'", name);
        r = podman_reply_error(&reply, what, err);
    }
    podman_reply_done(&reply);
    return r;
}
