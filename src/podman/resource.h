/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Helpers shared by the resource files (containers.c, exec.c, images.c, build.c,
 * volumes.c, secrets.c) (internal to
 * src/podman; jansson is allowed here and nowhere above this layer).
 */

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "podman/client.h"

#define PODMAN_MAX_NAME     1024u  /* an image reference, volume or secret name */
#define PODMAN_MAX_LABELS   256u   /* labels per request */
#define PODMAN_MAX_LABEL    4096u  /* bytes of one "key=value" */
#define PODMAN_MAX_LIST     100000u /* entries of a list reply */
/* Requests that may legitimately take a while (removing a large vfs image). */
#define PODMAN_OP_TIMEOUT_MS 300000L

/*
 * "<prefix>/<name escaped as one path segment><suffix>", owned.  The name
 * must be 1..PODMAN_MAX_NAME bytes without control characters; what names
 * the thing for the error ("image", "volume").
 */
int podman_name_path(const char *prefix, const char *what, const char *name, const char *suffix,
                     char **ret, struct ags_error *err) _warn_unused_;

/* One request of a resource file, its reply buffered unless on_data is
 * set.  With what set, the path is podman_name_path(path, what, name,
 * suffix): the name is checked and escaped as one segment; else path alone.
 * json (or content_type, body, body_len) is the body; query is already
 * encoded (podman/query.h). */
struct podman_call {
    const char *method;
    const char *path;
    const char *what; /* the thing name names, for errors ("image", "container") */
    const char *name;
    const char *suffix; /* after the name, or NULL */
    const char *query;
    const char *json;
    const char *content_type;
    const void *body;
    size_t body_len;
    long timeout_ms; /* 0: PODMAN_OP_TIMEOUT_MS; PODMAN_NO_TIMEOUT: none (wait) */
    /* A streamed reply (podman_req's): each chunk to on_data, never buffered;
     * the stream fails after stall_seconds without a byte (0: never). */
    int (*on_data)(const char *p, size_t n, void *userdata);
    void *userdata;
    long stall_seconds;
    const char *keep_header; /* podman_req's: a reply header to keep */
};
#define PODMAN_NO_TIMEOUT (-1L)

/* Any HTTP status is a success here; the caller interprets it. */
int podman_call(struct podman_client *c, const struct podman_call *call, struct podman_reply *ret,
                struct ags_error *err) _warn_unused_;

/* GET path (query may be NULL) expecting 200 and a JSON body; other statuses
 * become podman_reply_error(what).  *ret: owned (json_decref). */
int podman_get_json(struct podman_client *c, const char *path, const char *query,
                    const char *what, json_t **ret, struct ags_error *err) _warn_unused_;

/* GET <prefix>/<name>/json: the inspect object of one image, volume, secret. */
int podman_inspect_json(struct podman_client *c, const char *prefix, const char *what,
                        const char *name, json_t **ret, struct ags_error *err) _warn_unused_;

/* GET path expecting 204 (true) or 404 (false). */
int podman_get_exists(struct podman_client *c, const char *path, const char *what, bool *ret,
                      struct ags_error *err) _warn_unused_;

/* A "key=value" list (NULL = none) as a JSON object; -EINVAL for a label
 * without '=' or with an empty key, -E2BIG past the bounds. */
int podman_labels_to_json(const char *const *labels, json_t **ret, struct ags_error *err)
        _warn_unused_;
/* The same for other KEY=VALUE lists (build args); what names them in errors. */
int podman_kv_to_json(const char *const *kv, const char *what, json_t **ret,
                      struct ags_error *err) _warn_unused_;
/* The string members of a JSON object as sorted "key=value" strings (owned,
 * NULL-terminated; empty for NULL or a non-object). */
char **podman_labels_from_json(json_t *obj);
/* Every label matches: "k=v" needs obj[k] == "v", a bare "k" needs obj[k]. */
bool podman_labels_match(const json_t *obj, const char *const *labels);
