/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the host-side socket servers (the ssh-agent filter, the auth proxy)
 * share: a listening unix socket that only its owner can use, and a server
 * thread that never takes the process's signals.
 */

#include <pthread.h>
#include <sys/un.h>

#include "base/error.h"

/*
 * Binds a nonblocking, close-on-exec stream socket at path (an existing file
 * there is refused with "the path exists already", never removed), makes it
 * 0600 before it listens (nobody can connect in between) and listens with
 * backlog.  *ret_fd: the socket.  what names it in errors ("agent socket").
 */
int usock_listen_private(const char *path, const char *what, int backlog, int *ret_fd,
                         struct ags_error *err) _warn_unused_;
/* The same with another socket type (SOCK_SEQPACKET). */
int usock_listen_private_type(const char *path, const char *what, int type, int backlog,
                              int *ret_fd, struct ags_error *err) _warn_unused_;

/* connect(2) of the unix socket fd to sa within timeout_ms (> 0): a
 * listener that stopped accepting would otherwise keep a blocking connect
 * waiting for room in its full queue forever.  0, -ETIMEDOUT, or -errno;
 * the socket's send timeout is cleared again. */
int usock_connect_within(int fd, const struct sockaddr_un *sa, long timeout_ms) _warn_unused_;
/* pthread_create with every signal blocked in the new thread (it inherits the
 * mask of its creator), so the process's handlers run on the main thread.
 * 0 or a negative errno. */
int thread_start_signals_blocked(pthread_t *t, void *(*fn)(void *), void *arg) _warn_unused_;
