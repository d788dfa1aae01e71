/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "config/config.h"

/* Host facts for the config loader, from this process's environment. */
struct cli_host {
    struct cfg_host host;
    char *cwd;
};

void cli_host_init(struct cli_host *h);
void cli_host_done(struct cli_host *h);

/*
 * Loads the layered config, asking about an untrusted repo overlay on the
 * terminal (a non-interactive run skips it with a warning), and prints every
 * note, warning and error.  Returns 0, or an exit status (AGS_EXIT_USAGE for
 * config errors).
 */
int cli_load_config(const struct cli_host *h, const char *config_path, bool use_overlay,
                    struct ags_config **ret);

/*
 * Whether argv[*i] is `--config FILE` or `--config=FILE`: 1 with *ret_path
 * set (and *i past the value), 0 for any other argument, AGS_EXIT_USAGE
 * after printing why (with usage) when the value is missing.
 */
int cli_config_flag(int argc, char **argv, int *i, const char *usage, const char **ret_path);
/* The same for any flag NAME that takes a value ("--shell X", "--shell=X"). */
int cli_value_flag(int argc, char **argv, int *i, const char *name, const char *usage,
                   const char **ret_value);

/*
 * `[--config FILE] [--json]` of a subcommand (argv[0] is its name), then the
 * config loaded as cli_load_config does.  json NULL: --json is not accepted.
 * Returns 0, or an exit status after printing why (usage errors: 2).
 */
int cli_config_from_args(int argc, char **argv, const char *usage, bool *json,
                         struct ags_config **ret);
