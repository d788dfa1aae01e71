/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Named volumes.  Listing by labels: libpod ORs every volume filter value
 * (libpod/runtime_volume.go, the same in 5.8), so the server is asked for the
 * first label only and the others are checked here: AND semantics, like the
 * container list.
 */
#include "podman/podman.h"

#include <string.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "podman/errors.h"
#include "podman/query.h"
#include "podman/resource.h"
#include "base/banned.h"

int podman_volume_create(struct podman_client *c, const char *name, const char *const *labels,
                         struct ags_error *err)
{
    _cleanup_free_ char *check = NULL;
    int r = podman_name_path("", "volume", name, "", &check, err); /* validates name */
    json_t *jlabels = NULL;
    if (r == 0)
        r = podman_labels_to_json(labels, &jlabels, err);
    if (r < 0)
        return r;
    json_t *body = json_pack("{s:s, s:o}", "Name", name, "Labels", jlabels);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text)
        return ags_error_set(err, -EINVAL, "volume name '%.200s' is not valid UTF-8", name);
    struct podman_reply reply = {0};
    r = podman_call(c,
                    &(struct podman_call){.method = "POST", .path = "/volumes/create",
                                          .json = text},
                    &reply, err);
    free(text);
    if (r == 0 && reply.status != 201) {
        _cleanup_free_ char *what = xasprintf("creating volume '%.200s'", name);
        r = podman_reply_error(&reply, what, err);
        /* 4.3 reports a duplicate as 500 "volume already exists". */
        if (reply.body && strstr(reply.body, "already exists")) {
            r = -EEXIST;
            if (err)
                err->code = r;
        }
    }
    podman_reply_done(&reply);
    return r;
}

int podman_volume_exists(struct podman_client *c, const char *name, bool *ret,
                         struct ags_error *err)
{
    _cleanup_free_ char *path = NULL;
    int r = podman_name_path("/volumes", "volume", name, "/exists", &path, err);
    return r < 0 ? r : podman_get_exists(c, path, "checking for a volume", ret, err);
}

int podman_volume_labels(struct podman_client *c, const char *name, char ***ret_labels,
                         struct ags_error *err)
{
    json_t *root = NULL;
    int r = podman_inspect_json(c, "/volumes", "volume", name, &root, err);
    if (r < 0)
        return r;
    *ret_labels = podman_labels_from_json(json_object_get(root, "Labels"));
    json_decref(root);
    return 0;
}

int podman_volume_mountpoint(struct podman_client *c, const char *name, char **ret_path,
                             struct ags_error *err)
{
    json_t *root = NULL;
    int r = podman_inspect_json(c, "/volumes", "volume", name, &root, err);
    if (r < 0)
        return r;
    const char *mp = json_string_value(json_object_get(root, "Mountpoint"));
    if (mp && mp[0] == '/' && strlen(mp) < 4096)
        *ret_path = xstrdup(mp);
    else
        r = ags_error_set(err, -EPROTO, "inspecting volume '%.200s': Podman's answer has no "
                                        "Mountpoint", name);
    json_decref(root);
    return r;
}

/* filters={"label":["<first label>"]}, or no query without labels. */
static int list_query(const char *const *labels, char **ret, struct ags_error *err)
{
    *ret = NULL;
    if (!labels || !labels[0])
        return 0;
    if (strlen(labels[0]) > PODMAN_MAX_LABEL)
        return ags_error_set(err, -E2BIG, "label longer than %u bytes", PODMAN_MAX_LABEL);
    json_t *f = json_pack("{s:[s]}", "label", labels[0]);
    char *text = f ? json_dumps(f, JSON_COMPACT) : NULL;
    json_decref(f);
    if (!text)
        return ags_error_set(err, -EINVAL, "label '%.200s' is not valid UTF-8", labels[0]);
    struct strbuf q;
    strbuf_init(&q, 4 * PODMAN_MAX_LABEL);
    int r = podman_query_add(&q, "filters", text);
    free(text);
    if (r < 0) {
        strbuf_done(&q);
        return ags_error_set(err, r, "label filter too long");
    }
    *ret = strbuf_steal(&q);
    return 0;
}

int podman_volume_list(struct podman_client *c, const char *const *labels, char ***ret_names,
                       struct ags_error *err)
{
    _cleanup_free_ char *query = NULL;
    json_t *root = NULL;
    int r = list_query(labels, &query, err);
    if (r == 0)
        r = podman_get_json(c, "/volumes/json", query, "listing volumes", &root, err);
    if (r < 0)
        return r;
    if (!json_is_array(root) || json_array_size(root) > PODMAN_MAX_LIST) {
        json_decref(root);
        return ags_error_set(err, -EPROTO, "listing volumes: Podman's answer is not a list");
    }
    struct strv_builder names = {0};
    size_t i;
    json_t *vol;
    json_array_foreach (root, i, vol) {
        const char *name = json_string_value(json_object_get(vol, "Name"));
        if (name && podman_labels_match(json_object_get(vol, "Labels"), labels))
            strv_builder_push(&names, xstrdup(name));
    }
    json_decref(root);
    *ret_names = strv_builder_steal(&names);
    return 0;
}

int podman_volume_remove(struct podman_client *c, const char *name, struct ags_error *err)
{
    struct podman_call call = {.method = "DELETE", .path = "/volumes", .what = "volume", .name = name};
    struct podman_reply reply = {0};
    int r = podman_call(c, &call, &reply, err);
    if (r == 0 && reply.status == 409) {
        /* Never forced: force would remove the containers that use it. */
        struct ags_error why = {0};
        (void)podman_reply_error(&reply, "in use", &why);
        r = ags_error_set(err, -EBUSY, "cannot remove volume '%.200s': a container uses it "
                                       "(%s); remove that container first", name, why.msg);
    } else if (r == 0 && reply.status != 204) {
        _cleanup_free_ char *what = xasprintf("removing volume '%.200s'", name);
        r = podman_reply_error(&reply, what, err);
    }
    podman_reply_done(&reply);
    return r;
}
