/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The filtering ssh-agent proxy: a unix socket that the sandbox sees as
 * SSH_AUTH_SOCK, served by one thread that puts agent-filter.h between
 * each client and the user's real agent.  Refused requests get
 * SSH_AGENT_FAILURE without the real agent hearing of them; listings and
 * signatures go to the real agent over a fresh connection per request and
 * come back through the filter.  Every request is one line of the log
 * (docs/security.md has its format), within a byte budget per proxy
 * (agent-log.h).
 *
 * Everything is nonblocking in one poll loop: a client that stalls, sends
 * garbage or an oversized length, or leaves mid-message is dropped alone;
 * a real agent that does not answer within the timeout gives the client
 * SSH_AGENT_FAILURE.  Only the approval callback blocks the loop.  Each
 * client has at most SSH_PROXY_REQUESTS_PER_STEP requests served per turn
 * of the loop, and one whose last SSH_PROXY_FAILURES_IN_ROW requests all got
 * SSH_AGENT_FAILURE is dropped when it sends another.
 */

#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"
#include "ssh/pubkey.h"

enum ssh_confirm {
    SSH_CONFIRM_NEVER,
    SSH_CONFIRM_ALWAYS,
};

struct ssh_sign_question {
    const struct ssh_pubkey *key; /* the configured key asked to sign */
    const char *what;             /* the filter's reason text: what would be signed */
    pid_t peer_pid;               /* SO_PEERCRED of the client, 0 when unknown */
};

/* 1: sign, 0: the user said no, negative errno: no way to ask (fill why: it goes to the
 * log and the refusal).  Called on the proxy's thread; it may block (a desktop question). */
typedef int ssh_approve_fn(const struct ssh_sign_question *q, char *why, size_t why_size,
                           void *userdata);

/* The bound on a stalled peer when ssh_proxy_opts.timeout_ms is 0. */
#define SSH_PROXY_TIMEOUT_MS 30000
/* The bytes one proxy may append to its log when ssh_proxy_opts.log_budget is 0. */
#define SSH_PROXY_LOG_BUDGET (16u << 20)
/* Requests answered in a row with SSH_AGENT_FAILURE before a client's next one drops it. */
#define SSH_PROXY_FAILURES_IN_ROW 64u
/* Requests of one client served per turn of the loop: the others' turn comes. */
#define SSH_PROXY_REQUESTS_PER_STEP 16u

struct ssh_proxy_opts {
    const char *listen_path;       /* created by ssh_proxy_start (0600), unlinked by stop */
    const char *upstream_path;     /* the real agent's socket: connected per client request */
    const struct ssh_pubkey *keys; /* caller keeps them alive until stop */
    size_t n_keys;
    enum ssh_confirm confirm;
    ssh_approve_fn *approve; /* NULL approve = no way to ask */
    void *approve_data;
    int log_fd;        /* -1: no log; else lines are appended (caller opened it O_APPEND) */
    size_t log_budget; /* bytes this proxy may append to the log; 0: SSH_PROXY_LOG_BUDGET */
    /* How long the real agent may take to answer, a client to finish a message it
     * began or to read its answer; 0: SSH_PROXY_TIMEOUT_MS. */
    int timeout_ms;
};

struct ssh_proxy;

/*
 * Binds listen_path (which must not exist: a path someone planted is refused,
 * never unlinked; the caller makes a fresh private directory), makes it 0600
 * before it listens, and starts the thread (all signals blocked in it, so the
 * caller's handlers run on the caller's threads).  The real agent is not
 * contacted here.  -EADDRINUSE for an existing path, -ENAMETOOLONG for a path
 * that does not fit a unix socket address, -errno otherwise; err names the path.
 */
int ssh_proxy_start(const struct ssh_proxy_opts *o, struct ssh_proxy **ret, struct ags_error *err)
        _warn_unused_;
/* Stops the thread, closes every connection, unlinks the socket, and logs how
 * many lines the budget left out, if any; NULL is fine. */
void ssh_proxy_stop(struct ssh_proxy *p);
