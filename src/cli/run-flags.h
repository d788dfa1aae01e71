/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cli/config-load.h"
#include "cli/flags.h"
#include "config/config.h"
#include "plan/plan.h"

/* The run flags' table (run mode, `ags plan`) and `ags plan`'s own (--json). */
extern const struct cli_flag cli_run_flags[];
extern const struct cli_flag cli_plan_flags[];

/* Run flags of `ags --agent ...` and `ags plan ...` (ags-behaviour.md 1.1/1.2). */
struct run_flags {
    enum plan_agent agent;
    bool have_agent;
    bool tmux, detach, stop_when_done, yolo, root, lockdown, defaults;
    bool json; /* `ags plan --json` only */
    bool help; /* -h/--help before `--`: the caller prints help */
    const char *config_path;
    struct cli_engine_flags engine; /* --backend, --connection, --url (NULL: not given) */
    const char **add_dirs; /* borrowed from argv, in order */
    size_t n_add_dirs;
    bool network_set;      /* --network MODE */
    enum plan_network_mode network;
    const char **allow;    /* --allow entries, borrowed from argv, in order */
    size_t n_allow;
    const char *const *passthrough; /* argv after `--` */
    size_t n_passthrough;
};

/*
 * Parses argv[first..argc).  Returns 0, or AGS_EXIT_USAGE after printing one
 * line "ags: ..." (unknown flag, missing value, invalid agent, unsupported
 * integration, conflicting flags).  allow_json accepts --json (`ags plan`).
 * Call run_flags_done() afterwards in either case.
 */
int run_flags_parse(int argc, char **argv, int first, bool allow_json, struct run_flags *ret);
void run_flags_done(struct run_flags *f);

/*
 * Loads the config for the flags and builds the plan (run_build_plan: host
 * facts, a session id).  Prints every problem; returns 0 or an exit status
 * (AGS_EXIT_USAGE for config and plan errors).  Both results are owned by the
 * caller.  for_run with --lockdown creates the private staging directory
 * (*ret_staging, owned; run_plan removes it, and it is gone already when
 * planning failed).
 */
int cli_build_plan(const struct run_flags *f, bool for_run, struct ags_config **ret_cfg,
                   struct ags_plan **ret_plan, char **ret_staging);
