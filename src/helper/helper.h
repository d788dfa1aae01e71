/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * ags-helper: the one program ags mounts read-only into a sandbox (static,
 * libc only, so it runs in any image).  It is multi-call: its sub-commands
 * are chosen by argv[1], or by the name it was called by ("xdg-open",
 * "ags-open"), the way BROWSER and xdg-open reach it.  Each sub-command
 * prints its own messages (it is a program of its own, not a library).
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/strbuf.h"
#include "proxy/proto.h"

/* Exit statuses: 0 done, 1 refused or failed, 2 wrong arguments. */
#define HELPER_EXIT_OK     0
#define HELPER_EXIT_FAILED 1
#define HELPER_EXIT_USAGE  2

/* `open URL`: asks the host's auth proxy to open URL (docs/auth-proxy.md). */
int helper_open(int argc, char **argv);

/* `forward LISTEN_ADDR:PORT SOCKET_PATH`: the sandbox's end of the egress proxy
 * (forward.c). */
int helper_forward(int argc, char **argv);

/* The callback relay of an opened URL (relay.c): replays each CALLBACK_REQUEST to
 * 127.0.0.1:port until DONE or the host closes; returns the exit status. */
struct helper_conn;
int helper_relay(struct helper_conn *c, uint16_t port);

/* I/O shared by the sub-commands (io.c): negative errno on failure. */
int helper_connect(const struct sockaddr *sa, socklen_t len);
int helper_connect_unix(const char *path);
int helper_write_all(int fd, const void *p, size_t n);

/* One connection to the host: bytes read past one frame wait in pend for the next. */
struct helper_conn {
    int fd;
    struct frame_reader r;
    char pend[16384];
    size_t pend_off, pend_len;
};

/* Reads the next protocol frame within timeout_ms (-1: no bound): 0 and the body in
 * frame_reader_body(&c->r); -ECONNRESET when the peer closed, -ETIMEDOUT, or the reader's
 * error.  Call frame_reader_next before reading the next one. */
int helper_read_frame(struct helper_conn *c, int timeout_ms);
