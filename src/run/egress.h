/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The egress proxy of a run in allowlist mode (issue 18, docs/security.md
 * "Network policy"): the sandbox has no route out; it reaches the host's
 * egress proxy (src/egress) through the socket the plan mounts
 * (plan->egress_sock, in a private per-run directory, run/sessiondir.h),
 * which lets a connection through only when the plan's allow list names it.
 * Every attempt goes to `<state dir>/network/<session>.jsonl`; refusals are
 * said on stderr (rate-limited by the proxy).
 */

#include <stdint.h>

#include "base/error.h"
#include "config/config.h"
#include "plan/plan.h"
#include "run/run.h"

struct egress_server;
struct run_egress_ctx;
struct run_egress {
    char *dir; /* made by run_egress_begin, removed by run_egress_end */
    struct run_egress_ctx *ctx;
    int log_fd;
    char *log_path;
    struct egress_server *server;
};

struct run_egress_opts {
    const struct ags_config *cfg;
    const struct ags_plan *plan;
    const struct run_callbacks *cb;
    const char *(*getenv)(const char *name);
};

/* Serves plan->egress_sock (nothing when it is NULL). */
int run_egress_begin(struct run_egress *re, const struct run_egress_opts *o,
                     struct ags_error *err) _warn_unused_;
/* Stops the proxy (open connections are cut), says what it counted, closes
 * the log and removes the dir; safe on a zeroed or failed re. */
void run_egress_end(struct run_egress *re, const struct run_callbacks *cb);
