/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * `ags net-log`: the egress proxy's audit log of a session
 * (`<state dir>/network/<session>.jsonl`, one JSON object per connection
 * attempt, written by src/egress for a run in allowlist mode), read back.
 * A line that is not such an object is counted, never shown raw.
 */

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* The most of one log read back: the proxy's own budget plus its last line. */
#define RUN_NETLOG_MAX_FILE (32u * 1024u * 1024u)

struct run_netlog_entry {
    char *time, *method, *host, *address, *decision, *reason;
    long long port;
    long long bytes_up, bytes_down, duration_ms;
    char *json; /* the object again, compact and ASCII only */
};

struct run_netlog {
    char *session;
    char *path;
    struct run_netlog_entry *v;
    size_t n;
    size_t unreadable; /* lines that were not an object */
};

/* Reads the log of session (16 hex digits), or of the latest session when
 * session is NULL.  -EINVAL: not a session id (err says so); -ENOENT: no such
 * log, or no log at all (err says which). */
int run_netlog_read(const char *(*getenv_fn)(const char *name), const char *session,
                    struct run_netlog *ret, struct ags_error *err) _warn_unused_;
void run_netlog_done(struct run_netlog *l);
