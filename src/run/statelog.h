/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A run's own log under ags's state directory:
 * `$XDG_STATE_HOME/ags/<kind>/<session><suffix>` (else ~/.local/state),
 * 0600 in a 0700 directory, created fresh (an existing file is refused, a
 * symlink never followed), for what a host-side service did for a sandbox:
 * the ssh agent filter's requests (kind "ssh", ".log") and the egress
 * proxy's connections (kind "network", ".jsonl").  Logs of that kind older
 * than RUN_STATE_LOG_KEEP_S go when a run opens its own.
 */

#include "base/error.h"

#define RUN_STATE_LOG_KEEP_S (30 * 24 * 3600)

/* <state dir>/<kind>, or NULL without XDG_STATE_HOME and HOME. */
char *run_state_log_dir(const char *(*getenv_fn)(const char *name), const char *kind);

/* Opens <dir>/<session><suffix> for appending; the fd, or a negative errno
 * with err (the caller warns: a run goes on without its log). */
int run_state_log_open(const char *(*getenv_fn)(const char *name), const char *kind,
                       const char *session, const char *suffix, char **ret_path,
                       struct ags_error *err) _warn_unused_;

/* Removes path when nothing was written to fd, then closes fd: a run whose
 * sandbox asked nothing leaves no empty log behind.  fd < 0 is fine. */
void run_state_log_close(int fd, const char *path);
