/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "base/macro.h"
#include "cli/flags.h"

/* Exit statuses (docs/ags.1.md lists them). */
enum {
    AGS_EXIT_OK = 0,
    AGS_EXIT_FAILURE = 1, /* a subcommand failed */
    AGS_EXIT_USAGE = 2,   /* bad flags, bad config, or a command that is not built yet */
    AGS_EXIT_LAUNCH = 125 /* ags or Podman failed before the agent ran */
};

/* One entry per subcommand, one file per entry (cli/cmd-*.c). */
struct ags_command {
    const char *name;
    const char *summary; /* one line for `ags --help` */
    const char *args;    /* what may follow the name, a second help line; NULL: none */
    bool not_built;      /* help marks it; running it says so (cli_not_built) */
    bool hidden;         /* left out of help and completions */
    /* Its flags: what its parser matches (cli_flag_next) and what `ags
     * completions` offers after its name.  NULL: none. */
    const struct cli_flag *flags;
    bool takes_run_flags;    /* also the run flags (`ags plan`) */
    enum cli_value operands; /* what its positional arguments are */
    const char *operand_choices; /* CLI_VALUE_CHOICE: words separated by one space */
    /* argv[0] is the subcommand name; returns an exit status. */
    int (*run)(int argc, char **argv);
};

extern const struct ags_command cmd_setup, cmd_doctor, cmd_update_image, cmd_update,
        cmd_update_agents, cmd_install, cmd_uninstall, cmd_create_aliases, cmd_completions,
        cmd_config, cmd_plan, cmd_help, cmd_version, cmd_df, cmd_prune, cmd_approve, cmd_deny,
        cmd_auth_callback, cmd_net_log, cmd_ps, cmd_stop, cmd_attach, cmd_logs, cmd_diff,
        cmd_pull;

/* NULL-terminated, in help order. */
extern const struct ags_command *const ags_commands[];
/* The flags only the first word may be (--version). */
extern const struct cli_flag cli_main_flags[];

const struct ags_command *cli_find_command(const char *name);
int cli_main(int argc, char **argv);
/* Run mode: `ags --agent NAME [flags] [-- args]` (cli/run.c). */
int cli_run_mode(int argc, char **argv);
/* `ags --help`: the fixed parts and one entry per visible command of ags_commands. */
void cli_write_help(FILE *out);
void cli_print_help(void); /* to stdout */

/* Diagnostics go to stderr prefixed "ags: "; stdout carries only data. */
void cli_error(const char *fmt, ...) _printf_(1, 2);
void cli_warning(const char *fmt, ...) _printf_(1, 2);
/* "ags: 'NAME' is not built yet in this version of ags"; returns AGS_EXIT_USAGE. */
int cli_not_built(const char *what);
