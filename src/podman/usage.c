/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a program owns in Podman's storage and how much it takes: images and
 * volumes by label with their sizes and users (GET /images/json,
 * /volumes/json, /system/df), and the containers that use one volume.
 * Replies come from outside: lists are bounded (PODMAN_MAX_LIST), entries
 * without a name are skipped.
 */
#include "podman/podman.h"

#include <string.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "podman/containers-json.h"
#include "podman/errors.h"
#include "podman/query.h"
#include "podman/resource.h"
#include "base/banned.h"

/* filters={"<key>":["<value>"]} as an encoded query (owned). */
static int filter_query(const char *key, const char *value, bool all, char **ret,
                        struct ags_error *err)
{
    if (strlen(value) > PODMAN_MAX_LABEL)
        return ags_error_set(err, -E2BIG, "filter value longer than %u bytes", PODMAN_MAX_LABEL);
    json_t *f = json_pack("{s:[s]}", key, value);
    char *text = f ? json_dumps(f, JSON_COMPACT) : NULL;
    json_decref(f);
    if (!text)
        return ags_error_set(err, -EINVAL, "filter '%.200s' is not valid UTF-8", value);
    _cleanup_strbuf_ struct strbuf q;
    strbuf_init(&q, 4 * PODMAN_MAX_LABEL);
    int r = podman_query_add(&q, "filters", text);
    if (r == 0 && all)
        r = podman_query_add_bool(&q, "all", true);
    free(text);
    if (r < 0)
        return ags_error_set(err, r, "filter too long");
    *ret = strbuf_steal(&q);
    return 0;
}

static int get_list(struct podman_client *c, const char *path, const char *query,
                    const char *what, json_t **ret, struct ags_error *err)
{
    json_t *root = NULL;
    int r = podman_get_json(c, path, query, what, &root, err);
    if (r < 0)
        return r;
    if (json_is_null(root)) { /* some versions send null for none */
        json_decref(root);
        root = json_array();
    }
    if (!json_is_array(root) || json_array_size(root) > PODMAN_MAX_LIST) {
        json_decref(root);
        return ags_error_set(err, -EPROTO, "%s: Podman's answer is not a list", what);
    }
    *ret = root;
    return 0;
}

static uint64_t json_size(const json_t *v)
{
    json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
    return n > 0 ? (uint64_t)n : 0;
}

static char **string_array(const json_t *arr)
{
    struct strv_builder b = {0};
    size_t i;
    const json_t *v;
    json_array_foreach (arr, i, v) {
        const char *s = json_string_value(v);
        if (s && i < PODMAN_MAX_LABELS)
            strv_builder_push(&b, xstrdup(s));
    }
    return strv_builder_steal(&b);
}

void podman_image_infos_free(struct podman_image_info *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].id);
        strv_free(v[i].tags);
        strv_free(v[i].labels);
    }
    free(v);
}

int podman_image_list(struct podman_client *c, const char *label, struct podman_image_info **ret,
                      size_t *ret_n, struct ags_error *err)
{
    _cleanup_free_ char *query = NULL;
    json_t *root = NULL;
    int r = filter_query("label", label, false, &query, err);
    if (r == 0)
        r = get_list(c, "/images/json", query, "listing images", &root, err);
    if (r < 0)
        return r;
    size_t n = 0, i;
    struct podman_image_info *v = xcalloc(json_array_size(root) + 1, sizeof(*v));
    json_t *img;
    json_array_foreach (root, i, img) {
        const char *id = json_string_value(json_object_get(img, "Id"));
        if (!id || !id[0] || strlen(id) > PODMAN_MAX_NAME)
            continue;
        json_int_t users = json_integer_value(json_object_get(img, "Containers"));
        v[n++] = (struct podman_image_info){
                .id = xstrdup(id),
                .tags = string_array(json_object_get(img, "RepoTags")),
                .labels = podman_labels_from_json(json_object_get(img, "Labels")),
                .size = json_size(json_object_get(img, "Size")),
                .containers = users > 0 ? (unsigned)users : 0,
        };
    }
    json_decref(root);
    *ret = v;
    *ret_n = n;
    return 0;
}

void podman_volume_infos_free(struct podman_volume_info *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].name);
        strv_free(v[i].labels);
    }
    free(v);
}

/* Size and links of each volume from /system/df (Podman measures them inside
 * its user namespace, where every file of the volume is readable). */
static void add_usage(struct podman_volume_info *v, size_t n, const json_t *df)
{
    size_t i;
    const json_t *u;
    json_array_foreach (json_object_get(df, "Volumes"), i, u) {
        const char *name = json_string_value(json_object_get(u, "VolumeName"));
        for (size_t k = 0; name && k < n; k++) {
            if (strcmp(v[k].name, name) != 0)
                continue;
            v[k].size = json_size(json_object_get(u, "Size"));
            v[k].size_known = true;
            v[k].links = (unsigned)json_size(json_object_get(u, "Links"));
        }
    }
}

int podman_volume_usage(struct podman_client *c, const char *label,
                        struct podman_volume_info **ret, size_t *ret_n, struct ags_error *err)
{
    _cleanup_free_ char *query = NULL;
    json_t *root = NULL, *df = NULL;
    int r = filter_query("label", label, false, &query, err);
    if (r == 0)
        r = get_list(c, "/volumes/json", query, "listing volumes", &root, err);
    if (r < 0)
        return r;
    const char *key[] = {label, NULL};
    size_t n = 0, i;
    struct podman_volume_info *v = xcalloc(json_array_size(root) + 1, sizeof(*v));
    json_t *vol;
    json_array_foreach (root, i, vol) {
        const char *name = json_string_value(json_object_get(vol, "Name"));
        json_t *labels = json_object_get(vol, "Labels");
        /* libpod ORs volume filters: check the one asked for here as well. */
        if (!name || !name[0] || strlen(name) > PODMAN_MAX_NAME ||
            !podman_labels_match(labels, key))
            continue;
        v[n++] = (struct podman_volume_info){.name = xstrdup(name),
                                             .labels = podman_labels_from_json(labels)};
    }
    json_decref(root);
    if (n > 0) {
        r = podman_get_json(c, "/system/df", NULL, "measuring disk use", &df, err);
        if (r < 0) {
            podman_volume_infos_free(v, n);
            return r;
        }
        add_usage(v, n, df);
        json_decref(df);
    }
    *ret = v;
    *ret_n = n;
    return 0;
}

int podman_container_list_volume(struct podman_client *c, const char *volume,
                                 struct podman_container_info **ret, size_t *ret_n,
                                 struct ags_error *err)
{
    _cleanup_free_ char *query = NULL;
    int r = filter_query("volume", volume, true, &query, err);
    if (r < 0)
        return r;
    struct podman_call call = {.method = "GET", .path = "/containers/json", .query = query};
    struct podman_reply reply = {0};
    r = podman_call(c, &call, &reply, err);
    if (r == 0 && reply.status == 200)
        r = podman_parse_container_list(reply.body, reply.len, ret, ret_n, err);
    else if (r == 0)
        r = podman_reply_error(&reply, "listing the containers of a volume", err);
    podman_reply_done(&reply);
    return r;
}
