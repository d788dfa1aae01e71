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
 * request's protocol name or "connection".  Every byte outside printable
 * ASCII becomes '?', so nothing a client sends can end a line early or
 * reach a terminal as an escape.  Neither signed data nor key material is
 * ever part of a line.
 */

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
/* Appends the line for now to fd in one write; fd < 0 does nothing.  A failed
 * write is ignored: the log must not stop the proxy. */
void agent_log_write(int fd, const struct agent_log_entry *e);
