/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The terminal and signal side of an attached run, shared by the engine
 * clients (podman/attach.c and exec.c, bwrap/).
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

struct tty_session {
    bool active;
    int in_fd; /* the terminal in raw mode, or -1 */
    struct termios saved;
    int sig_rd; /* self-pipe, read end (non-blocking) */
    int sig_wr;
    struct signals_saved signals; /* the dispositions before the session */
};

#define TTY_SESSION_INIT                     \
    {                                           \
        .in_fd = -1, .sig_rd = -1, .sig_wr = -1 \
    }

/* -EBUSY when another session is active. */
/* tty: a TTY run (raw mode when in_fd is a terminal; SIGWINCH caught). */
int tty_session_begin(struct tty_session *s, int in_fd, bool tty,
                      struct ags_error *err) _warn_unused_;
/* Leaves raw mode (idempotent); the signal handlers stay. */
void tty_session_restore_tty(struct tty_session *s);
/* Restores everything; for _cleanup_.  Safe on a session that never began. */
void tty_session_end(struct tty_session *s);

/* Drains the self-pipe: *ret_winch when SIGWINCH came; returns the
 * interrupting signal (SIGINT, SIGTERM, SIGHUP) or 0. */
int tty_session_poll_signals(struct tty_session *s, bool *ret_winch);
/* The interrupting signal seen so far in this session, or 0. */
int tty_session_interrupted(void);

/* The interrupting signal of the last session once it ended; 0 while one runs. */
int tty_session_last_interrupt(void);

/* The window size of out_fd's terminal, else in_fd's: 0, or -ENOTTY. */
int tty_term_size(int out_fd, int in_fd, unsigned *ret_rows, unsigned *ret_cols);
