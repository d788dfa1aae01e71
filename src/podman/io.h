/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The pump of a hijacked attach or exec stream (internal to src/podman),
 * shared by podman_run_attached() and podman_exec():
 *   stdin  -> socket  (non-TTY EOF: shutdown(SHUT_WR); TTY EOF: stop reading)
 *   socket -> out_fd  (TTY: raw bytes)  or  frames -> out_fd / err_fd,
 *             each through its output filter when the caller gave one
 *   SIGWINCH -> resize callback;  SIGINT/SIGTERM/SIGHUP -> -EINTR
 * It returns when the service closes the stream.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "podman/podman.h"
#include "podman/http.h"
#include "base/ttysession.h"

struct podman_pump {
    int sock;            /* the hijacked connection (borrowed) */
    const char *pending; /* stream bytes that came with the reply headers */
    size_t n_pending;
    const struct podman_io *io;
    bool stdin_attached; /* the service reads stdin from the stream */
    bool detach_keys;    /* TTY: the service detaches on ctrl-p,ctrl-q */
    struct tty_session *session;
    /* TTY size changes; errors are ignored (the process may have exited). */
    void (*resize)(void *userdata, unsigned rows, unsigned cols);
    void *userdata;
};

/* Pumps a hijacked stream (attach or exec) to its end, then leaves raw mode
 * and closes the stream, whatever the outcome. */
int podman_pump_stream(struct podman_stream *stream, const struct podman_io *io,
                       bool detach_keys, struct tty_session *session,
                       void (*resize)(void *userdata, unsigned rows, unsigned cols),
                       void *userdata, bool *ret_detach, struct ags_error *err) _warn_unused_;

/* -EBADF unless out_fd (and err_fd without a TTY) are given. */
int podman_check_io(const struct podman_io *io, struct ags_error *err) _warn_unused_;

/* The detach keys for the service ("" disables them). */
const char *podman_detach_keys(const struct podman_io *io, const struct podman_attach_opts *aopts);

/* 0 at the end of the stream; *ret_detach when the last keys sent were the
 * detach sequence ctrl-p, ctrl-q, each read on its own (detach_keys only). */
int podman_pump_run(const struct podman_pump *p, bool *ret_detach, struct ags_error *err)
        _warn_unused_;
