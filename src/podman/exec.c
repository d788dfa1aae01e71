/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podman_exec(): a command in a running container (libpod-api.md section 7):
 * create the session -> start it hijacked with the initial TTY size -> pump
 * (the same loop as attach) -> the exit code from the session's inspect,
 * which holds it as soon as the stream ends.
 */
#include "podman/podman.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/strutil.h"
#include "podman/client.h"
#include "podman/containers-json.h"
#include "podman/containers.h"
#include "podman/errors.h"
#include "podman/io.h"
#include "podman/resource.h"
#include "base/ttysession.h"
#include "base/banned.h"

#define EXEC_TIMEOUT_MS 30000L
/* Inspect may lag the end of the stream a little; wait at most this long. */
#define EXEC_EXIT_POLLS   40
#define EXEC_EXIT_POLL_NS 50000000L

static json_t *must(json_t *v)
{
    if (!v)
        ags_oom();
    return v;
}

static void set(json_t *o, const char *key, json_t *v)
{
    if (json_object_set_new(o, key, v) < 0)
        ags_oom();
}

/* A JSON array of strings; -EINVAL for text that is not UTF-8 or, with
 * env, not NAME=VALUE. */
static int strv_json(const char *const *v, bool env, json_t **ret, struct ags_error *err)
{
    json_auto_t *arr = must(json_array());
    for (size_t i = 0; v && v[i]; i++) {
        const char *eq = env ? strchr(v[i], '=') : NULL;
        _cleanup_free_ char *name = eq ? xstrndup(v[i], (size_t)(eq - v[i])) : NULL;
        if (env && (!name || !str_is_env_name(name)))
            return ags_error_set(err, -EINVAL,
                                 "exec: environment variable '%s' is not "
                                 "NAME=VALUE with a valid name",
                                 v[i]);
        json_t *s = json_string(v[i]);
        if (!s)
            return ags_error_set(err, -EINVAL, "exec: '%s' is not valid UTF-8", v[i]);
        if (json_array_append_new(arr, s) < 0)
            ags_oom();
    }
    *ret = json_incref(arr);
    return 0;
}

static int opt_string(json_t *o, const char *key, const char *value, struct ags_error *err)
{
    if (!value)
        return 0;
    json_t *s = json_string(value);
    if (!s)
        return ags_error_set(err, -EINVAL, "exec: '%s' is not valid UTF-8", value);
    set(o, key, s);
    return 0;
}

static int exec_body(const struct podman_exec_opts *opts, const struct podman_io *io,
                     const char *detach_keys, char **ret, struct ags_error *err)
{
    if (!opts->argv || !opts->argv[0])
        return ags_error_set(err, -EINVAL, "exec: no command");
    json_auto_t *o = must(json_object());
    json_t *cmd = NULL, *env = NULL;
    int r = strv_json(opts->argv, false, &cmd, err);
    if (r < 0)
        return r;
    set(o, "Cmd", cmd);
    r = strv_json(opts->env, true, &env, err);
    if (r < 0)
        return r;
    set(o, "Env", env);
    set(o, "AttachStdin", json_boolean(io->in_fd >= 0));
    set(o, "AttachStdout", json_true());
    set(o, "AttachStderr", json_true());
    set(o, "Tty", json_boolean(opts->tty));
    set(o, "DetachKeys", must(json_string(detach_keys)));
    if (opt_string(o, "User", opts->user, err) < 0 ||
        opt_string(o, "WorkingDir", opts->work_dir, err) < 0)
        return -EINVAL;
    *ret = json_dumps(o, JSON_COMPACT);
    if (!*ret)
        ags_oom();
    return 0;
}

static int exec_create(struct podman_client *c, const char *id, const char *body, char **ret_eid,
                       struct ags_error *err)
{
    struct podman_call call = {.method = "POST",
                                   .path = "/containers",
                                   .what = "container",
                                   .name = id,
                                   .suffix = "/exec",
                                   .json = body,
                                   .timeout_ms = EXEC_TIMEOUT_MS};
    struct podman_reply reply = {0};
    int r = podman_call(c, &call, &reply, err);
    if (r < 0)
        return podman_prefix_error(err, r, "exec");
    if (reply.status == 201)
        r = podman_parse_create_reply(reply.body, reply.len, "exec", ret_eid, NULL, err);
    else
        r = podman_reply_error(&reply, "exec", err);
    podman_reply_done(&reply);
    return r;
}

struct exec_ctx {
    struct podman_client *c;
    const char *eid;
};

static void resize_exec(void *userdata, unsigned rows, unsigned cols)
{
    const struct exec_ctx *x = userdata;
    char query[64];
    (void)snprintf(query, sizeof(query), "h=%u&w=%u", rows, cols);
    struct podman_call call = {.method = "POST",
                                   .path = "/exec",
                                   .what = "exec session",
                                   .name = x->eid,
                                   .suffix = "/resize",
                                   .query = query,
                                   .timeout_ms = EXEC_TIMEOUT_MS};
    struct podman_reply reply = {0};
    if (podman_call(x->c, &call, &reply, NULL) == 0) /* 201; 500 once it exited */
        podman_reply_done(&reply);
}

static int exec_start(struct podman_client *c, const char *eid, const struct podman_io *io,
                      struct podman_stream *ret, struct ags_error *err)
{
    unsigned rows = 0, cols = 0;
    char body[96];
    if (io->tty && tty_term_size(io->out_fd, io->in_fd, &rows, &cols) == 0)
        (void)snprintf(body, sizeof(body), "{\"Detach\":false,\"Tty\":true,\"h\":%u,\"w\":%u}",
                       rows, cols);
    else
        (void)snprintf(body, sizeof(body), "{\"Detach\":false,\"Tty\":%s}",
                       io->tty ? "true" : "false");
    _cleanup_free_ char *path = NULL;
    int r = podman_name_path("/exec", "exec session", eid, "/start", &path, err);
    if (r < 0)
        return r;
    r = podman_hijack(&c->ep, path, NULL, body, ret, err);
    return r < 0 ? podman_prefix_error(err, r, "exec start") : 0;
}

static int exec_inspect(struct podman_client *c, const char *eid, bool *ret_running, int *ret_code,
                        struct ags_error *err)
{
    struct podman_call call = {.method = "GET",
                                   .path = "/exec",
                                   .what = "exec session",
                                   .name = eid,
                                   .suffix = "/json",
                                   .timeout_ms = EXEC_TIMEOUT_MS};
    struct podman_reply reply = {0};
    int r = podman_call(c, &call, &reply, err);
    if (r < 0)
        return podman_prefix_error(err, r, "exec inspect");
    if (reply.status == 200)
        r = podman_parse_exec_inspect(reply.body, reply.len, ret_running, ret_code, err);
    else
        r = podman_reply_error(&reply, "exec inspect", err);
    podman_reply_done(&reply);
    return r;
}

/* The exit code once the session stopped running; PODMAN_DETACHED when the
 * user detached and it runs on. */
static int exec_result(struct podman_client *c, const char *eid, bool detach, int *ret_code,
                       struct ags_error *err)
{
    for (int i = 0;; i++) {
        bool running = false;
        int code = 0;
        int r = exec_inspect(c, eid, &running, &code, err);
        if (r < 0)
            return r;
        if (!running) {
            *ret_code = code;
            return 0;
        }
        if (detach)
            return PODMAN_DETACHED;
        if (i == EXEC_EXIT_POLLS)
            return ags_error_set(err, -ETIMEDOUT,
                                 "exec: the stream ended but the process "
                                 "still runs");
        struct timespec ts = {.tv_nsec = EXEC_EXIT_POLL_NS};
        (void)nanosleep(&ts, NULL);
    }
}

int podman_exec(struct podman_client *c, const char *id, const struct podman_exec_opts *opts,
                const struct podman_io *io, const struct podman_attach_opts *aopts,
                int *ret_exit_code, struct ags_error *err)
{
    _cleanup_free_ char *body = NULL, *eid = NULL;
    int r = podman_check_io(io, err);
    const char *detach_keys = r == 0 ? podman_detach_keys(io, aopts) : "";
    if (r == 0)
        r = exec_body(opts, io, detach_keys, &body, err);
    if (r == 0)
        r = exec_create(c, id, body, &eid, err);
    if (r < 0)
        return r;
    _cleanup_(tty_session_end) struct tty_session session = TTY_SESSION_INIT;
    r = tty_session_begin(&session, io->in_fd, io->tty, err);
    if (r < 0)
        return r;
    _cleanup_(podman_stream_done) struct podman_stream stream = {.fd = -1};
    r = exec_start(c, eid, io, &stream, err);
    if (r < 0)
        return r;
    struct exec_ctx ctx = {.c = c, .eid = eid};
    bool detach = false;
    r = podman_pump_stream(&stream, io, detach_keys[0] != '\0', &session, resize_exec, &ctx,
                           &detach, err);
    if (r < 0)
        return r;
    return exec_result(c, eid, detach, ret_exit_code, err);
}
