/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Relaying two stream sockets both ways without looking at the bytes: the
 * egress proxy (host) and ags-helper forward (sandbox) share it, so it is
 * libc only.  The bytes go through a pipe per direction with splice(2):
 * no copy through user space and no per-byte work.
 */

#include <stddef.h>
#include <stdint.h>

#include "base/macro.h"

struct relay_counts {
    uint64_t a_to_b, b_to_a; /* bytes written to the other side */
};

/*
 * Relays between a and b (made nonblocking here) until both directions have
 * ended: the end of one side's input is passed on as shutdown(SHUT_WR) of
 * the other once everything before it is written (half-close).  Gives up
 * when idle_ms pass without a byte either way (-ETIMEDOUT; idle_ms <= 0: no
 * bound), when stop_fd (-1: none) becomes readable or hangs up
 * (-ECANCELED), or on an error of either side (-errno).  0 when both
 * directions ended.  The fds stay open; *c counts what was relayed so far
 * in every case.
 */
int relay_fds(int a, int b, int stop_fd, int idle_ms, struct relay_counts *c) _warn_unused_;

/* Writes all n bytes to the nonblocking fd within timeout_ms, giving up like relay_fds when
 * stop_fd is readable: 0, -ETIMEDOUT, -ECANCELED or -errno. */
int relay_write_all(int fd, const void *p, size_t n, int stop_fd, int timeout_ms) _warn_unused_;

/* poll(2) for events on fd and for stop_fd within timeout_ms (< 0: none), again after
 * EINTR: 1 ready, -ETIMEDOUT, -ECANCELED (stop_fd readable) or -errno. */
int relay_wait(int fd, short events, int stop_fd, int timeout_ms) _warn_unused_;
