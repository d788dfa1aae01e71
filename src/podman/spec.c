/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SpecGenerator of POST /containers/create, built with jansson from the
 * typed struct podman_spec.  JSON names are those of pkg/specgen@v4.3.1
 * (libpod-api.md section 5); NamedVolume and Secret have no json tags, hence
 * their capitalised keys.  Only fields that are set are emitted: the server
 * ignores unknown keys silently, so every name here was checked against a
 * live service.
 */
#include "podman/containers-json.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "base/banned.h"

/* Collects the first error; later calls become no-ops that return a
 * placeholder so that building code needs no branch per field. */
struct builder {
    struct ags_error *err;
    int r;
};

_printf_(3, 4) static void b_fail(struct builder *b, int code, const char *fmt, ...);

static void b_fail(struct builder *b, int code, const char *fmt, ...)
{
    if (b->r < 0)
        return;
    char msg[AGS_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    b->r = ags_error_set(b->err, code, "invalid container spec: %s", msg);
}

static json_t *must(json_t *v)
{
    if (!v)
        ags_oom();
    return v;
}

static void set(json_t *obj, const char *key, json_t *v)
{
    if (json_object_set_new(obj, key, v) < 0)
        ags_oom();
}

static void push(json_t *arr, json_t *v)
{
    if (json_array_append_new(arr, v) < 0)
        ags_oom();
}

/* A JSON string; jansson refuses text that is not UTF-8. */
static json_t *b_str(struct builder *b, const char *s, const char *what)
{
    json_t *v = json_string(s);
    if (!v) {
        b_fail(b, -EINVAL, "%s '%s' is not valid UTF-8", what, s);
        return must(json_null());
    }
    return v;
}

static json_t *b_strn(struct builder *b, const char *s, size_t n, const char *what)
{
    json_t *v = json_stringn(s, n);
    if (!v) {
        b_fail(b, -EINVAL, "%s '%.*s' is not valid UTF-8", what, (int)n, s);
        return must(json_null());
    }
    return v;
}

static json_t *b_strv(struct builder *b, const char *const *v, const char *what)
{
    json_t *arr = must(json_array());
    for (size_t i = 0; v && v[i]; i++)
        push(arr, b_str(b, v[i], what));
    return arr;
}

/* "KEY=VALUE" strings as a JSON map; env names must be shell names. */
static json_t *b_map(struct builder *b, const char *const *v, const char *what, bool env)
{
    json_t *obj = must(json_object());
    for (size_t i = 0; v && v[i]; i++) {
        const char *eq = strchr(v[i], '=');
        _cleanup_free_ char *key = eq ? xstrndup(v[i], (size_t)(eq - v[i])) : NULL;
        if (!eq || eq == v[i] || (env && !str_is_env_name(key))) {
            b_fail(b, -EINVAL, "%s '%s' is not %s", what, v[i],
                   env ? "NAME=VALUE with a valid variable name" : "KEY=VALUE");
            continue;
        }
        json_t *val = b_str(b, eq + 1, what);
        json_t *k = b_str(b, key, what);
        json_decref(k);
        if (b->r < 0) {
            json_decref(val);
            continue;
        }
        set(obj, key, val);
    }
    return obj;
}

/* "mode" or "mode:value" (podman's --userns=keep-id:uid=1000 syntax). */
static json_t *b_namespace(struct builder *b, const char *spec, const char *what)
{
    const char *colon = strchr(spec, ':');
    size_t mode_len = colon ? (size_t)(colon - spec) : strlen(spec);
    if (mode_len == 0)
        b_fail(b, -EINVAL, "%s '%s' has no mode", what, spec);
    json_t *ns = must(json_object());
    set(ns, "nsmode", b_strn(b, spec, mode_len, what));
    if (colon)
        set(ns, "value", b_str(b, colon + 1, what));
    return ns;
}

static bool is_abs(const char *p)
{
    return p && p[0] == '/';
}

static json_t *b_mounts(struct builder *b, const struct podman_spec *s)
{
    json_t *arr = must(json_array());
    for (size_t i = 0; i < s->n_mounts; i++) {
        const struct podman_mount *m = &s->mounts[i];
        if (!m->type || !m->type[0] || !m->source || !m->source[0] || !is_abs(m->destination)) {
            b_fail(b, -EINVAL, "mount %zu needs a type, a source and an absolute destination",
                   i + 1);
            continue;
        }
        json_t *o = must(json_object());
        set(o, "destination", b_str(b, m->destination, "mount destination"));
        set(o, "type", b_str(b, m->type, "mount type"));
        set(o, "source", b_str(b, m->source, "mount source"));
        set(o, "options", b_strv(b, m->options, "mount option"));
        push(arr, o);
    }
    return arr;
}

static json_t *b_volumes(struct builder *b, const struct podman_spec *s)
{
    json_t *arr = must(json_array());
    for (size_t i = 0; i < s->n_volumes; i++) {
        const struct podman_volume_mount *v = &s->volumes[i];
        if (!is_abs(v->destination)) {
            b_fail(b, -EINVAL, "volume '%s' needs an absolute destination", v->name ? v->name : "");
            continue;
        }
        json_t *o = must(json_object());
        set(o, "Name", b_str(b, v->name ? v->name : "", "volume name"));
        set(o, "Dest", b_str(b, v->destination, "volume destination"));
        json_t *opts = must(json_array());
        if (v->read_only)
            push(opts, must(json_string("ro")));
        set(o, "Options", opts);
        push(arr, o);
    }
    return arr;
}

static json_t *b_secrets(struct builder *b, const struct podman_spec *s)
{
    json_t *arr = must(json_array());
    for (size_t i = 0; i < s->n_secrets; i++) {
        const struct podman_secret_mount *m = &s->secrets[i];
        if (!m->source || !m->source[0]) {
            b_fail(b, -EINVAL, "secret %zu has no name", i + 1);
            continue;
        }
        json_t *o = must(json_object());
        set(o, "Source", b_str(b, m->source, "secret name"));
        set(o, "Target", b_str(b, m->target ? m->target : "", "secret target"));
        set(o, "UID", must(json_integer(m->uid)));
        set(o, "GID", must(json_integer(m->gid)));
        set(o, "Mode", must(json_integer(m->mode)));
        push(arr, o);
    }
    return arr;
}

/* Names as podman accepts them: [a-zA-Z0-9][a-zA-Z0-9_.-]*. */
static bool valid_name(const char *s)
{
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
            return false;
    }
    return s[0] != '\0';
}

static void b_identity(struct builder *b, json_t *o, const struct podman_spec *s)
{
    if (!s->image || !s->image[0])
        b_fail(b, -EINVAL, "no image");
    set(o, "image", b_str(b, s->image ? s->image : "", "image"));
    if (s->name) {
        if (!valid_name(s->name))
            b_fail(b, -EINVAL, "container name '%s' is not [a-zA-Z0-9][a-zA-Z0-9_.-]*", s->name);
        set(o, "name", b_str(b, s->name, "container name"));
    }
    if (!strv_empty(s->entrypoint))
        set(o, "entrypoint", b_strv(b, s->entrypoint, "entrypoint"));
    if (!strv_empty(s->command))
        set(o, "command", b_strv(b, s->command, "command"));
    if (!strv_empty(s->env))
        set(o, "env", b_map(b, s->env, "environment variable", true));
    if (!strv_empty(s->labels))
        set(o, "labels", b_map(b, s->labels, "label", false));
    if (s->terminal)
        set(o, "terminal", json_true());
    if (s->stdin_open)
        set(o, "stdin", json_true());
    if (s->work_dir) {
        if (!is_abs(s->work_dir))
            b_fail(b, -EINVAL, "working directory '%s' is not absolute", s->work_dir);
        set(o, "work_dir", b_str(b, s->work_dir, "working directory"));
    }
    if (s->user)
        set(o, "user", b_str(b, s->user, "user"));
    if (s->no_log) {
        json_t *log = must(json_object());
        set(log, "driver", must(json_string("none")));
        set(o, "log_configuration", log);
    }
    if (s->userns)
        set(o, "userns", b_namespace(b, s->userns, "user namespace"));
}

static void b_security(struct builder *b, json_t *o, const struct podman_spec *s)
{
    if (s->selinux_disable) {
        json_t *ann = must(json_object());
        set(ann, "io.podman.annotations.label", must(json_string("disable")));
        set(o, "annotations", ann);
        json_t *opts = must(json_array());
        push(opts, must(json_string("disable")));
        set(o, "selinux_opts", opts);
    }
    if (s->cap_drop_all) {
        json_t *caps = must(json_array());
        push(caps, must(json_string("ALL")));
        set(o, "cap_drop", caps);
    }
    if (s->no_new_privileges)
        set(o, "no_new_privileges", json_true());
    if (s->read_only_rootfs)
        set(o, "read_only_filesystem", json_true());
    if (s->pids_limit != 0) {
        json_t *pids = must(json_object());
        set(pids, "limit", must(json_integer(s->pids_limit)));
        json_t *res = must(json_object());
        set(res, "pids", pids);
        set(o, "resource_limits", res);
    }
    (void)b;
}

static void b_network(struct builder *b, json_t *o, const struct podman_spec *s)
{
    if (s->netns)
        set(o, "netns", b_namespace(b, s->netns, "network namespace"));
    if (!strv_empty(s->network_options)) {
        if (!s->netns) {
            b_fail(b, -EINVAL, "network options need a network mode (netns)");
        } else {
            json_t *opts = must(json_object());
            set(opts, s->netns, b_strv(b, s->network_options, "network option"));
            set(o, "network_options", opts);
        }
    }
    if (!strv_empty(s->hostadd)) {
        for (size_t i = 0; s->hostadd[i]; i++)
            if (!strchr(s->hostadd[i], ':') || s->hostadd[i][0] == ':')
                b_fail(b, -EINVAL, "host entry '%s' is not NAME:IP", s->hostadd[i]);
        set(o, "hostadd", b_strv(b, s->hostadd, "host entry"));
        /* What the CLI sends: podman writes /etc/hosts itself, with our entries. */
        set(o, "use_image_hosts", json_false());
    }
}

int podman_spec_render(const struct podman_spec *spec, char **ret_json, struct ags_error *err)
{
    struct builder b = {.err = err};
    json_auto_t *o = must(json_object());
    b_identity(&b, o, spec);
    if (spec->n_mounts)
        set(o, "mounts", b_mounts(&b, spec));
    if (spec->n_volumes)
        set(o, "volumes", b_volumes(&b, spec));
    if (spec->n_secrets)
        set(o, "secrets", b_secrets(&b, spec));
    b_security(&b, o, spec);
    b_network(&b, o, spec);
    if (spec->stop_timeout)
        set(o, "stop_timeout", must(json_integer(spec->stop_timeout)));
    if (spec->timeout)
        set(o, "timeout", must(json_integer(spec->timeout)));
    if (b.r < 0)
        return b.r;
    char *text = json_dumps(o, JSON_COMPACT);
    if (!text)
        ags_oom();
    *ret_json = text;
    return 0;
}

int podman_spec_check(const struct podman_spec *spec, struct ags_error *err)
{
    _cleanup_free_ char *json = NULL;
    return podman_spec_render(spec, &json, err);
}

char *podman_spec_to_json(const struct podman_spec *spec)
{
    char *json = NULL;
    return podman_spec_render(spec, &json, NULL) < 0 ? NULL : json;
}
