/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure parsers of libpod's container and exec replies, and the label filter. */
#include "podman/containers-json.h"

#include <jansson.h>
#include <string.h>

#include "base/alloc.h"
#include "base/base64.h"
#include "base/limits.h"
#include "base/parse-util.h"
#include "base/strv.h"
#include "base/banned.h"

/* Ids and names are short; a longer string is garbage, not an id. */
#define ID_MAX        256u
#define WARNINGS_MAX  64u
#define WAIT_BODY_MAX 32u

static json_t *load(const char *body, size_t len, const char *what, struct ags_error *err)
{
    json_error_t jerr;
    json_t *root = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (!root && err) {
        ags_error_set(err, -EPROTO, "%s: Podman's reply is not JSON (%s)", what,
                      body ? jerr.text : "empty");
        /* jansson quotes the offending bytes: keep the message on one line. */
        for (char *c = err->msg; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                *c = '?';
    }
    return root;
}

static char *dup_str(const json_t *v)
{
    const char *s = json_string_value(v);
    return s ? xstrdup(s) : NULL;
}

int podman_label_filter(const char *const *labels, char **ret_json, struct ags_error *err)
{
    json_auto_t *arr = json_array();
    json_auto_t *root = json_object();
    if (!arr || !root)
        ags_oom();
    for (size_t i = 0; labels && labels[i]; i++) {
        json_t *s = labels[i][0] && labels[i][0] != '=' ? json_string(labels[i]) : NULL;
        if (!s)
            return ags_error_set(err, -EINVAL, "label filter '%s' is not KEY or KEY=VALUE",
                                 labels[i]);
        if (json_array_append_new(arr, s) < 0)
            ags_oom();
    }
    if (json_object_set(root, "label", arr) < 0)
        ags_oom();
    char *text = json_dumps(root, JSON_COMPACT);
    if (!text)
        ags_oom();
    *ret_json = text;
    return 0;
}

static bool valid_id(const char *s)
{
    return s && s[0] && strlen(s) <= ID_MAX && !strpbrk(s, "/?#&% \t\r\n");
}

static char **parse_warnings(const json_t *w)
{
    size_t n = json_is_array(w) ? json_array_size(w) : 0;
    n = n < WARNINGS_MAX ? n : WARNINGS_MAX;
    char **v = xcalloc(n + 1, sizeof(*v));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char *s = dup_str(json_array_get(w, i));
        if (s)
            v[k++] = s;
    }
    return v;
}

int podman_parse_create_reply(const char *body, size_t len, const char *what, char **ret_id,
                              char ***ret_warnings, struct ags_error *err)
{
    json_auto_t *root = load(body, len, what, err);
    if (!root)
        return -EPROTO;
    const char *id = json_string_value(json_object_get(root, "Id"));
    if (!valid_id(id))
        return ags_error_set(err, -EPROTO, "%s: Podman's reply has no id", what);
    if (ret_warnings)
        *ret_warnings = parse_warnings(json_object_get(root, "Warnings"));
    *ret_id = xstrdup(id);
    return 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int podman_parse_wait_body(const char *body, size_t len, int *ret_exit_code, struct ags_error *err)
{
    size_t b = 0, e = body ? len : 0;
    while (b < e && is_space(body[b]))
        b++;
    while (e > b && is_space(body[e - 1]))
        e--;
    char num[WAIT_BODY_MAX];
    int64_t code;
    size_t n = e - b < sizeof(num) - 1 ? e - b : sizeof(num) - 1;
    if (n)
        memcpy(num, body + b, n);
    num[n] = '\0';
    if (n == 0 || n < e - b || strlen(num) != n || parse_i64(num, &code) < 0 || code < -1 ||
        code > 255) {
        /* Quote a little of it, on one line. */
        for (size_t i = 0; i < n; i++)
            num[i] = num[i] >= 0x20 && num[i] < 0x7f ? num[i] : '?';
        return ags_error_set(err, -EPROTO, "wait: '%s%s' is not an exit status", num,
                             n < e - b ? "..." : "");
    }
    *ret_exit_code = (int)code;
    return 0;
}

static char **parse_labels(json_t *map)
{
    size_t n = json_is_object(map) ? json_object_size(map) : 0;
    char **v = xcalloc(n + 1, sizeof(*v));
    size_t k = 0;
    const char *key;
    json_t *val;
    json_object_foreach (map, key, val) {
        const char *s = json_string_value(val);
        if (s && k < n)
            v[k++] = xasprintf("%s=%s", key, s);
    }
    return v;
}

static int parse_one(json_t *o, struct podman_container_info *info)
{
    const char *id = json_string_value(json_object_get(o, "Id"));
    if (!json_is_object(o) || !valid_id(id))
        return -EPROTO;
    const char *name = json_string_value(json_array_get(json_object_get(o, "Names"), 0));
    const char *state = json_string_value(json_object_get(o, "State"));
    const char *image = json_string_value(json_object_get(o, "ImageID"));
    *info = (struct podman_container_info){
            .id = xstrdup(id),
            .name = xstrdup(name ? name : ""),
            .state = xstrdup(state ? state : ""),
            .labels = parse_labels(json_object_get(o, "Labels")),
            .image_id = xstrdup(image && valid_id(image) ? image : ""),
    };
    return 0;
}

int podman_parse_container_list(const char *body, size_t len, struct podman_container_info **ret,
                                size_t *ret_n, struct ags_error *err)
{
    json_auto_t *root = load(body, len, "list containers", err);
    if (!root)
        return -EPROTO;
    if (!json_is_array(root))
        return ags_error_set(err, -EPROTO, "list containers: Podman's reply is not an array");
    size_t n = json_array_size(root);
    struct podman_container_info *v = xcalloc(n ? n : 1, sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        if (parse_one(json_array_get(root, i), &v[i]) < 0) {
            podman_container_infos_free(v, i);
            return ags_error_set(err, -EPROTO,
                                 "list containers: entry %zu of Podman's reply has no Id", i);
        }
    }
    *ret = v;
    *ret_n = n;
    return 0;
}

void podman_container_infos_free(struct podman_container_info *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].id);
        free(v[i].name);
        free(v[i].state);
        strv_free(v[i].labels);
        free(v[i].image_id);
    }
    free(v);
}

int podman_parse_exec_inspect(const char *body, size_t len, bool *ret_running, int *ret_exit_code,
                              struct ags_error *err)
{
    json_auto_t *root = load(body, len, "exec inspect", err);
    if (!root)
        return -EPROTO;
    json_t *running = json_object_get(root, "Running");
    json_t *code = json_object_get(root, "ExitCode");
    if (!json_is_boolean(running) || !json_is_integer(code) || json_integer_value(code) < -1 ||
        json_integer_value(code) > 255)
        return ags_error_set(err, -EPROTO, "exec inspect: no Running/ExitCode in Podman's reply");
    *ret_running = json_is_true(running);
    *ret_exit_code = (int)json_integer_value(code);
    return 0;
}

int podman_parse_container_state(const char *body, size_t len, struct podman_ctr_state *ret,
                                 struct ags_error *err)
{
    json_auto_t *root = load(body, len, "inspect", err);
    if (!root)
        return -EPROTO;
    json_t *state = json_object_get(root, "State");
    json_t *running = json_object_get(state, "Running");
    const char *status = json_string_value(json_object_get(state, "Status"));
    json_t *code = json_object_get(state, "ExitCode");
    if (!json_is_boolean(running) || !status || !json_is_integer(code) ||
        json_integer_value(code) < -1 || json_integer_value(code) > 255)
        return ags_error_set(err, -EPROTO,
                             "inspect: no State.Running/Status/ExitCode in "
                             "Podman's reply");
    *ret = (struct podman_ctr_state){
            .running = json_is_true(running),
            .finished = !json_is_true(running) &&
                        (strcmp(status, "stopped") == 0 || strcmp(status, "exited") == 0),
            .exit_code = (int)json_integer_value(code),
            .cleanup_pending = strcmp(status, "stopped") == 0,
    };
    return 0;
}

static int path_stat_bad(const char *why, struct ags_error *err)
{
    return ags_error_set(err, -EPROTO, "Podman's stat of the archived path is %s", why);
}

/* A JSON integer member in 0..max. */
static bool json_uint_member(json_t *obj, const char *key, uint64_t max, uint64_t *ret)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (uint64_t)json_integer_value(v) > max)
        return false;
    *ret = (uint64_t)json_integer_value(v);
    return true;
}

int podman_parse_path_stat(const char *header, struct podman_path_stat *ret,
                           struct ags_error *err)
{
    size_t len = header ? strlen(header) : 0;
    if (!header || len > AGS_PODMAN_MAX_HEADER_VALUE)
        return path_stat_bad("missing", err);
    _cleanup_free_ uint8_t *raw = xmalloc(len / 4 * 3 + 1);
    long n = base64url_decode(header, len, raw, len / 4 * 3);
    if (n < 0)
        return path_stat_bad("no base64url", err);
    json_t *root = json_loadb((const char *)raw, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
    const char *name = json_string_value(json_object_get(root, "name"));
    const char *target = json_string_value(json_object_get(root, "linkTarget"));
    json_t *is_dir = json_object_get(root, "isDir");
    uint64_t size = 0, mode = 0;
    bool ok = name && target && json_is_boolean(is_dir) &&
              json_uint_member(root, "size", INT64_MAX, &size) &&
              json_uint_member(root, "mode", UINT32_MAX, &mode);
    if (ok)
        *ret = (struct podman_path_stat){.name = xstrdup(name), .link_target = xstrdup(target),
                                         .size = size, .mode = (uint32_t)mode,
                                         .is_dir = json_is_true(is_dir)};
    json_decref(root);
    return ok ? 0 : path_stat_bad("not the JSON expected", err);
}
