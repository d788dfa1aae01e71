/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What ags owns in Podman (backend.h list_owned, remove_owned): only what
 * carries ags's labels is listed, so a look-alike (a volume named
 * ags-pi-pnpm-home without them) is never touched.
 */
#include "backend/podman.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strv.h"
#include "base/banned.h"

struct owned_builder {
    struct backend_objects *out;
    size_t cap;
};

static struct backend_object *push(struct owned_builder *b, enum backend_object_kind kind)
{
    b->out->v = xgrow(b->out->v, &b->cap, b->out->n + 1, sizeof(*b->out->v));
    struct backend_object *o = &b->out->v[b->out->n++];
    *o = (struct backend_object){.kind = kind};
    return o;
}

static bool managed(char *const *labels)
{
    const char *v = plan_label_value(labels, PLAN_LABEL_MANAGED);
    return v && strcmp(v, "true") == 0;
}

static char **empty_strv(void)
{
    return xcalloc(1, sizeof(char *));
}

/* The containers of ags runs, from the list of every container. */
static void add_containers(struct owned_builder *b, struct podman_container_info *all, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!managed(all[i].labels))
            continue;
        struct backend_object *o = push(b, BACKEND_OBJ_CONTAINER);
        o->id = xstrdup(all[i].id);
        o->name = xstrdup(all[i].name);
        o->labels = TAKE_PTR(all[i].labels); /* only ids and image ids are needed later */
        o->tags = empty_strv();
        o->users = empty_strv();
        o->running = all[i].state && strcmp(all[i].state, "running") == 0;
    }
}

/* Podman 4.3 lists secrets without labels: each ags-* one is inspected (the
 * sweep's way, backend/podman-prepare.c). */
static int add_secrets(struct owned_builder *b, struct podman_client *c, struct ags_error *err)
{
    _cleanup_strv_free_ char **names = NULL;
    int r = podman_secret_list(c, NULL, &names, err);
    for (size_t i = 0; r == 0 && names && names[i]; i++) {
        if (strncmp(names[i], "ags-", 4) != 0)
            continue;
        char **labels = NULL;
        r = podman_secret_labels(c, names[i], &labels, err);
        if (r == -ENOENT) { /* gone meanwhile */
            r = 0;
            continue;
        }
        if (r == 0 && managed(labels)) {
            struct backend_object *o = push(b, BACKEND_OBJ_SECRET);
            o->id = xstrdup(names[i]);
            o->name = xstrdup(names[i]);
            o->labels = TAKE_PTR(labels);
            o->tags = empty_strv();
            o->users = empty_strv();
        }
        strv_free(labels);
    }
    return r;
}

static char **container_ids(const struct podman_container_info *v, size_t n)
{
    struct strv_builder ids = {0};
    for (size_t i = 0; i < n; i++)
        strv_builder_push(&ids, xstrdup(v[i].id));
    return strv_builder_steal(&ids);
}

static int add_volumes(struct owned_builder *b, struct podman_client *c, struct ags_error *err)
{
    struct podman_volume_info *v = NULL;
    size_t n = 0;
    int r = podman_volume_usage(c, PLAN_LABEL_MANAGED "=true", &v, &n, err);
    for (size_t i = 0; r == 0 && i < n; i++) {
        struct backend_object *o = push(b, BACKEND_OBJ_VOLUME);
        o->id = xstrdup(v[i].name);
        o->name = xstrdup(v[i].name);
        o->labels = TAKE_PTR(v[i].labels);
        o->tags = empty_strv();
        o->size = v[i].size;
        o->size_known = v[i].size_known;
        struct podman_container_info *users = NULL;
        size_t n_users = 0;
        /* Only a volume something links to is worth a request. */
        if (v[i].links > 0)
            r = podman_container_list_volume(c, v[i].name, &users, &n_users, err);
        o->users = container_ids(users, n_users);
        podman_container_infos_free(users, n_users);
    }
    podman_volume_infos_free(v, n);
    return r;
}

static bool listed(const struct backend_objects *out, const char *id)
{
    for (size_t i = 0; i < out->n; i++)
        if (out->v[i].kind == BACKEND_OBJ_IMAGE && strcmp(out->v[i].id, id) == 0)
            return true;
    return false;
}

static char **image_users(const char *id, const struct podman_container_info *all, size_t n)
{
    struct strv_builder ids = {0};
    for (size_t i = 0; i < n; i++)
        if (all[i].image_id && strcmp(all[i].image_id, id) == 0)
            strv_builder_push(&ids, xstrdup(all[i].id));
    return strv_builder_steal(&ids);
}

static int add_images(struct owned_builder *b, struct podman_client *c, const char *label,
                      const struct podman_container_info *all, size_t n_all,
                      struct ags_error *err)
{
    struct podman_image_info *v = NULL;
    size_t n = 0;
    int r = podman_image_list(c, label, &v, &n, err);
    for (size_t i = 0; r == 0 && i < n; i++) {
        if (listed(b->out, v[i].id))
            continue;
        struct backend_object *o = push(b, BACKEND_OBJ_IMAGE);
        o->id = xstrdup(v[i].id);
        o->name = xstrdup(v[i].tags && v[i].tags[0] ? v[i].tags[0] : "");
        o->labels = TAKE_PTR(v[i].labels);
        o->tags = TAKE_PTR(v[i].tags);
        o->size = v[i].size;
        o->size_known = true;
        o->users = image_users(v[i].id, all, n_all);
    }
    podman_image_infos_free(v, n);
    return r;
}

int backend_list_owned(struct podman_client *c, const char *const *image_labels,
                       struct backend_objects *ret, struct ags_error *err)
{
    *ret = (struct backend_objects){0};
    struct owned_builder b = {.out = ret};
    struct podman_container_info *all = NULL;
    size_t n_all = 0;
    int r = podman_container_list(c, NULL, &all, &n_all, err);
    if (r == 0) {
        add_containers(&b, all, n_all);
        r = add_secrets(&b, c, err);
    }
    if (r == 0)
        r = add_volumes(&b, c, err);
    for (size_t i = 0; r == 0 && image_labels && image_labels[i]; i++)
        r = add_images(&b, c, image_labels[i], all, n_all, err);
    podman_container_infos_free(all, n_all);
    if (r < 0)
        backend_objects_done(ret);
    return r;
}

int backend_remove_owned(struct podman_client *c, const struct backend_object *o,
                         struct ags_error *err)
{
    switch (o->kind) {
    case BACKEND_OBJ_CONTAINER:
        return podman_container_remove(c, o->id, true, err);
    case BACKEND_OBJ_SECRET:
        return podman_secret_remove(c, o->id, err);
    case BACKEND_OBJ_VOLUME:
        return podman_volume_remove(c, o->id, err);
    case BACKEND_OBJ_IMAGE:
        return podman_image_remove(c, o->id, err);
    }
    return ags_error_set(err, -EINVAL, "unknown kind of object");
}
