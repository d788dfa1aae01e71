/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * JSON of the container endpoints (internal to src/podman): the
 * SpecGenerator renderer and the pure parsers of libpod's replies, kept free
 * of I/O so that unit tests and the fuzzer drive them directly.  Bodies come
 * from outside: every parser bounds what it keeps and fails cleanly.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "podman/podman.h"

/* The SpecGenerator JSON (owned) of a valid spec; -EINVAL says what is wrong. */
int podman_spec_render(const struct podman_spec *spec, char **ret_json, struct ags_error *err)
        _warn_unused_;

/* {"label":["k=v",...]} for a list filter (owned); labels may be NULL. */
int podman_label_filter(const char *const *labels, char **ret_json, struct ags_error *err)
        _warn_unused_;

/* The "Id" of a create reply ({"Id":"...","Warnings":[...]}, also exec create);
 * warnings (owned, NULL-terminated) only when ret_warnings is not NULL. */
int podman_parse_create_reply(const char *body, size_t len, const char *what, char **ret_id,
                              char ***ret_warnings, struct ags_error *err) _warn_unused_;

/* The text/plain body of wait, "N\n", as an exit status. */
int podman_parse_wait_body(const char *body, size_t len, int *ret_exit_code, struct ags_error *err)
        _warn_unused_;

/* The array of GET /containers/json. */
int podman_parse_container_list(const char *body, size_t len, struct podman_container_info **ret,
                                size_t *ret_n, struct ags_error *err) _warn_unused_;

/* GET /exec/{id}/json: whether the process still runs, and its exit code. */
int podman_parse_exec_inspect(const char *body, size_t len, bool *ret_running, int *ret_exit_code,
                              struct ags_error *err) _warn_unused_;

/* What GET /containers/{id}/json says about the process. */
struct podman_ctr_state {
    bool running;  /* State.Running */
    bool finished; /* State.Status "stopped" or "exited": exit_code is final */
    /* "stopped": ended, its cleanup (which unmounts the root file system)
     * still to come; "exited" once it ran */
    bool cleanup_pending;
    int exit_code; /* State.ExitCode */
};

int podman_parse_container_state(const char *body, size_t len, struct podman_ctr_state *ret,
                                 struct ags_error *err) _warn_unused_;

/* The X-Docker-Container-Path-Stat header of an archive reply: base64url
 * (Go's URLEncoding) of {"name","size","mode","mtime","isDir","linkTarget"}.
 * -EPROTO for anything else. */
int podman_parse_path_stat(const char *header, struct podman_path_stat *ret,
                           struct ags_error *err) _warn_unused_;
