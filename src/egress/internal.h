/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What the egress proxy's files share (internal to src/egress). */

#include <netdb.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "egress/egress.h"

/* A log line: the host is at most 255 bytes, each escaped to at most 6. */
#define EGRESS_LOG_LINE_MAX 4096u

/* The audit log (log.c): one JSON line per attempt, AGS_EGRESS_LOG_BUDGET bytes in all. */
struct egress_log {
    int fd; /* -1: none */
    const char *session, *agent;
    size_t written, budget;
    uint64_t left_out;
};

/* The line for a (newline included); -E2BIG when it would not fit out's bound. */
int egress_log_format(struct strbuf *out, const char *session, const char *agent,
                      const struct egress_attempt *a) _warn_unused_;
/* One write(2) of a's line while the budget has room (room is kept for the last line;
 * a line of a refused or failed attempt only in the first half), else a is counted.  A failed write is ignored: the log must not stop the proxy. */
void egress_log_write(struct egress_log *l, const struct egress_attempt *a);
/* At stop: {"time":...,"session":...,"agent":...,"not_logged":N} when lines were left out. */
void egress_log_finish(struct egress_log *l, int64_t now_unix_ms);

/* The refusal warnings (log.c): EGRESS_WARN_BURST lines per window, then one summary. */
struct egress_warn {
    void (*fn)(void *ctx, const char *line);
    void *ctx;
    int64_t window_start;
    unsigned in_window;
    uint64_t held_back;
};

void egress_warn_refusal(struct egress_warn *w, int64_t now_ms, const char *line);
/* The summary of what was held back, if anything was. */
void egress_warn_finish(struct egress_warn *w);

/* getaddrinfo(host, port) on a thread of its own (resolve.c), waited for at most timeout_ms
 * and until stop_fd is readable: a hung resolver holds only that thread.  0 with *ret
 * (freeaddrinfo), -ETIMEDOUT, -ECANCELED, or -ENOENT/-EIO (no such name / the resolver
 * failed) with reason set to gai_strerror's text. */
int egress_resolve(const char *host, uint16_t port, int stop_fd, int timeout_ms,
                   struct addrinfo **ret, const char **reason) _warn_unused_;

struct egress_server {
    struct egress_opts o; /* timeouts resolved to their defaults */
    char *socket_path;
    int listen_fd;
    int stop_pipe[2]; /* every wait polls [0]; egress_stop closes [1] */
    pthread_t accept_thread;
    pthread_mutex_t lock; /* active, log */
    /* warn alone: its callback writes to the user's terminal, which may block
     * (a paused terminal) and must never hold up the log or other connections. */
    pthread_mutex_t warn_lock;
    pthread_cond_t idle;  /* active dropped to 0 */
    unsigned active;
    uint64_t allowed, refused, failed; /* __atomic */
    struct egress_log log;
    struct egress_warn warn;
};

/* One accepted connection's thread (conn.c): takes fd, ends with egress_conn_done. */
struct egress_conn {
    struct egress_server *s;
    int fd;
};
void *egress_conn_main(void *arg);
/* Records a finished attempt: counts, the log line, the warning for a policy refusal
 * (warn_line non-NULL). */
void egress_record(struct egress_server *s, const struct egress_attempt *a, const char *warn_line);
/* The wall clock in milliseconds since the epoch, for log times. */
int64_t egress_now_unix_ms(void);
