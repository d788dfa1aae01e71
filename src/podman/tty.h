/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The terminal and signal side of an attached run (internal to src/podman).
 * A session puts the caller's terminal in raw mode (TTY runs whose stdin is
 * a terminal) and catches signals for its duration:
 *   SIGWINCH               a byte in the self-pipe: the pump resizes;
 *   SIGINT SIGTERM SIGHUP  the handler restores the terminal at once (that
 *                          is async-signal-safe: tcsetattr), records the
 *                          signal and wakes the pump, which ends the run;
 *   SIGPIPE                ignored: a closed output is an EPIPE error.
 * The previous dispositions and terminal settings come back at the end.
 * One session per process at a time (signal dispositions are global).
 */

#include <stdbool.h>
#include <signal.h>
#include <termios.h>

#include "base/error.h"
#include "base/signals.h"
#include "podman/podman.h"

struct podman_session {
    bool active;
    int in_fd; /* the terminal in raw mode, or -1 */
    struct termios saved;
    int sig_rd; /* self-pipe, read end (non-blocking) */
    int sig_wr;
    struct signals_saved signals; /* the dispositions before the session */
};

#define PODMAN_SESSION_INIT                     \
    {                                           \
        .in_fd = -1, .sig_rd = -1, .sig_wr = -1 \
    }

/* -EBUSY when another session is active. */
int podman_session_begin(struct podman_session *s, const struct podman_io *io,
                         struct ags_error *err) _warn_unused_;
/* Leaves raw mode (idempotent); the signal handlers stay. */
void podman_session_restore_tty(struct podman_session *s);
/* Restores everything; for _cleanup_.  Safe on a session that never began. */
void podman_session_end(struct podman_session *s);

/* Drains the self-pipe: *ret_winch when SIGWINCH came; returns the
 * interrupting signal (SIGINT, SIGTERM, SIGHUP) or 0. */
int podman_session_poll_signals(struct podman_session *s, bool *ret_winch);
/* The interrupting signal seen so far in this session, or 0. */
int podman_session_interrupted(void);

/* The window size of out_fd's terminal, else in_fd's: 0, or -ENOTTY. */
int podman_term_size(const struct podman_io *io, unsigned *ret_rows, unsigned *ret_cols);
