/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared inside src/bwrap. */

#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/error.h"

/* fork + exec of program with exactly envp: std[0..2] become its standard
 * streams, ctty (>= 0) its controlling terminal in a new session, the keep
 * fds stay open at their numbers and every other fd is closed; it is killed
 * when ags dies.  Only async-signal-safe calls run between fork and exec. */
int bwrap_fork_exec(const char *program, char *const *argv, const char *const *envp,
                    const int std[3], int ctty, const int *keep, size_t n_keep, pid_t *ret_pid,
                    struct ags_error *err) _warn_unused_;

static inline void close_fd(int *fd)
{
    if (*fd >= 0)
        (void)close(*fd);
    *fd = -1;
}
