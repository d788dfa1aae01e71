/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

/*
 * The flag tables: each command's flags are listed once, here in a table
 * that its parser matches against (cli_flag_next) and from which `ags
 * completions` writes the shell scripts, so a flag the parser accepts is
 * always completed.
 */

/* What follows a value flag, or what a command's operands are. */
enum cli_value {
    CLI_VALUE_NONE,   /* a switch, or no operands */
    CLI_VALUE_WORD,   /* free text (an image name): nothing to complete */
    CLI_VALUE_AGENT,  /* an agent name (plan_agent_name) */
    CLI_VALUE_UPDATE_AGENT, /* an agent ags installs (run_update_agents) */
    CLI_VALUE_DIR,    /* a directory */
    CLI_VALUE_FILE,   /* a file */
    CLI_VALUE_CHOICE, /* one word of choices */
    CLI_VALUE_HOST,   /* a [network].allow entry (base/netrule.h): nothing to complete */
    CLI_VALUE_SECONDS, /* a whole number of seconds: nothing to complete */
    CLI_VALUE_SESSION, /* a session's name: completed from `ags ps --all --quiet` */
    CLI_VALUE_CONNECTION, /* a Podman connection: completed from `ags config connections` */
    CLI_VALUE_WORKSPACE, /* a remote session left to bring back: from `ags pull --list` */
};

struct cli_flag {
    const char *name;    /* "--add-dir" */
    const char *alias;   /* "-d", or NULL */
    enum cli_value value;
    const char *choices; /* CLI_VALUE_CHOICE: words separated by one space */
    const char *help;    /* a few words for the shells that show them */
    /* For cli_flags_parse: where in the caller's struct the flag goes, a
     * bool for a switch, a const char * for a value. */
    size_t offset;
};

/* The flags most commands share, stored at offset (cli_flags_parse). */
#define CLI_FLAG_HELP_AT(off) {"--help", "-h", CLI_VALUE_NONE, NULL, "show the usage", (off)}
#define CLI_FLAG_CONFIG_AT(off) \
    {"--config", NULL, CLI_VALUE_FILE, NULL, "use FILE as the base config", (off)}
/* [sandbox].backend for this command (cli_host.backend). */
#define CLI_FLAG_BACKEND_AT(off)                                                       \
    {"--backend", NULL, CLI_VALUE_CHOICE, "auto podman bwrap",                           \
     "the engine that runs the sandbox", (off)}
/* A containers.conf service destination (cli_host.engine.connection). */
#define CLI_FLAG_CONNECTION_AT(off)                                                    \
    {"--connection", NULL, CLI_VALUE_CONNECTION, NULL,                                         \
     "the Podman service destination (containers.conf) to use", (off)}
#define CLI_FLAG_HELP   CLI_FLAG_HELP_AT(0)
#define CLI_FLAG_CONFIG CLI_FLAG_CONFIG_AT(0)
/* A table ends with an entry without a name. */
#define CLI_FLAGS_END   {NULL, NULL, CLI_VALUE_NONE, NULL, NULL, 0}

/* The switch of table that arg names (its name or alias), or NULL. */
const struct cli_flag *cli_flag_named(const struct cli_flag *table, const char *arg);

/*
 * Matches argv[*i] against table: `--name`, its alias, and for a value flag
 * `--name V`, `-a V` and `--name=V`.  Returns 1 with *ret_flag and
 * *ret_value (NULL for a switch) set and *i on the last word it used; 0 when
 * argv[*i] is no flag of the table; AGS_EXIT_USAGE after printing "missing
 * value for ..." and usage (when not NULL) for an empty or absent value, or
 * "invalid value ..." for a CLI_VALUE_CHOICE value that is none of its words.
 */
int cli_flag_next(const struct cli_flag *table, int argc, char **argv, int *i, const char *usage,
                  const struct cli_flag **ret_flag, const char **ret_value);
/*
 * The whole argv[1..argc) of a command that takes only flags, each stored
 * into dest at its offset (a switch sets its bool, a value flag sets its
 * const char *, the last one given wins).  Returns 0, or AGS_EXIT_USAGE
 * after printing "unexpected argument 'ARG'" or "missing value for ..." and
 * usage.
 */
int cli_flags_parse(const struct cli_flag *table, int argc, char **argv, const char *usage,
                    void *dest);
