/* SPDX-License-Identifier: GPL-2.0-or-later */
/* GET /libpod/info: the engine's own account of itself (ags doctor). */
#include "podman/podman.h"

#include <string.h>

#include "base/alloc.h"
#include "podman/resource.h"
#include "base/banned.h"

/* Engine names and versions are short words: a longer one is not believed. */
#define PODMAN_MAX_INFO_WORD 64u

void podman_info_done(struct podman_info *i)
{
    free(i->version);
    free(i->runtime);
    free(i->storage_driver);
    free(i->cgroup_version);
    free(i->cgroup_manager);
    *i = (struct podman_info){0};
}

/* obj.a.b... as an owned string, "" when absent, not a string or too long. */
static char *word_at(json_t *obj, const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n && obj; i++)
        obj = json_object_get(obj, keys[i]);
    const char *s = json_string_value(obj);
    return xstrdup(s && strlen(s) <= PODMAN_MAX_INFO_WORD ? s : "");
}

#define WORD_AT(obj, ...) \
    word_at(obj, (const char *const[]){__VA_ARGS__}, ARRAY_SIZE(((const char *const[]){__VA_ARGS__})))

int podman_info(struct podman_client *c, struct podman_info *ret, struct ags_error *err)
{
    json_t *root = NULL;
    int r = podman_get_json(c, "/info", NULL, "asking Podman about itself", &root, err);
    if (r < 0)
        return r;
    json_t *host = json_object_get(root, "host");
    *ret = (struct podman_info){
        .version = WORD_AT(root, "version", "Version"),
        .rootless = json_is_true(json_object_get(json_object_get(host, "security"), "rootless")),
        .runtime = WORD_AT(host, "ociRuntime", "name"),
        .storage_driver = WORD_AT(root, "store", "graphDriverName"),
        .cgroup_version = WORD_AT(host, "cgroupVersion"),
        .cgroup_manager = WORD_AT(host, "cgroupManager"),
    };
    json_decref(root);
    return 0;
}
