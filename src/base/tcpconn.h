/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* A TCP connection made within a deadline (the Podman client's tcp:// ping,
 * the ssh:// tunnel). */

#include <stdint.h>

#include "base/error.h"

/* Waits for events on fd until deadline (monotonic ms): 1 ready, 0 timed
 * out, <0 -errno. */
int fd_wait_until(int fd, short events, long deadline);
/* Resolves host and connects to port by deadline, each address in turn;
 * returns a blocking, close-on-exec socket, or -errno (-EHOSTUNREACH: not
 * resolved, with err set; a connect error without err: the caller words it). */
int tcp_connect_until(const char *host, uint16_t port, long deadline, struct ags_error *err)
        _warn_unused_;
