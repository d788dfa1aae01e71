/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The proxy's log (internal to src/ssh): one line per request or dropped
 * connection,
 *
 *   TIME pid=PID VERDICT WHAT[ key=COMMENT (PURPOSE)]: REASON
 *
 * TIME is UTC (2026-12-02T22:50:01Z), PID the client's from SO_PEERCRED
 * ('?' when unknown), VERDICT allowed / refused / failed / dropped, WHAT the
 * request's protocol name or "connection"; the log's own lines say
 * "pid=? log truncated: ...".  Every byte outside printable
 * ASCII becomes '?', so nothing a client sends can end a line early or
 * reach a terminal as an escape.  Neither signed data nor key material is
 * ever part of a line.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "ssh/pubkey.h"

#define AGENT_LOG_LINE_MAX 1024u

struct agent_log_entry {
    pid_t pid;                    /* 0: unknown */
    const char *verdict;          /* "allowed", "refused", "failed", "dropped" */
    const char *what;             /* "SSH_AGENTC_SIGN_REQUEST", "connection", ... */
    const struct ssh_pubkey *key; /* the configured key concerned, or NULL */
    const char *reason;
};

/* The name of a request's type for WHAT: its protocol name, or "message type N". */
void agent_log_request_name(char *buf, size_t size, int type);
/* One line, '\n' included (cut to fit size, the newline kept); returns its length. */
size_t agent_log_format(char *buf, size_t size, time_t when, const struct agent_log_entry *e);

/*
 * The log of one proxy has a byte budget, so a sandbox that floods the proxy
 * cannot fill the user's disk.  Its lines come in two shares: signatures
 * that went to the real agent may use the whole budget (less the room for
 * the log's own two lines), everything else (listings, refusals, failures,
 * dropped connections) only its first half, so a flood of cheap requests
 * cannot hide a later signature.  A line that does not fit is counted, not
 * written; the first one left out writes one line saying so, and
 * agent_log_finish one line with the count.
 */
enum agent_log_share {
    AGENT_LOG_COMMON,
    AGENT_LOG_SIGNATURE,
};

/* The smallest budget: both shares hold a line and the log's own lines fit. */
#define AGENT_LOG_BUDGET_MIN (8u * AGENT_LOG_LINE_MAX)

struct agent_log {
    int fd; /* -1: no log */
    size_t budget, written;
    size_t left_out, left_out_signatures;
    bool cut_said; /* the line about the first line left out is written */
};

/* fd < 0: no log.  A budget below AGENT_LOG_BUDGET_MIN is raised to it. */
void agent_log_init(struct agent_log *log, int fd, size_t budget);
/* Appends the line for now in one write when its share has room, else
 * counts it.  A failed write is ignored: the log must not stop the proxy. */
void agent_log_write(struct agent_log *log, enum agent_log_share share,
                     const struct agent_log_entry *e);
/* At stop: one line with how many lines were left out, when any were. */
void agent_log_finish(struct agent_log *log);
