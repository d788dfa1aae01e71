/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The per-run directory of a host-side service that a sandbox reaches
 * through a socket (the ssh-agent filter, the auth proxy):
 * `<private>/<prefix><session>/<sock name>`, made fresh for the run (an
 * existing one is refused, never reused), 0700, with an owner file so that
 * the next run's sweep removes it after a kill -9, and only inside ags's
 * private directory (run_private_dir: a cache_dir that others may write is
 * refused, they could otherwise take the socket's place).
 */

#include "base/error.h"

/* Makes the dir of sock, which must be <private>/<prefix>*\/<sock_name>; *ret_dir: the dir. */
int run_session_dir_make(const char *(*getenv_fn)(const char *name), const char *cache_dir,
                         const char *sock, const char *prefix, const char *sock_name,
                         char **ret_dir, struct ags_error *err) _warn_unused_;
