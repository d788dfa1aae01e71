/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/termesc.h"
#include "base/banned.h"

const struct ags_command *const ags_commands[] = {
    &cmd_setup,     &cmd_doctor,        &cmd_update_image, &cmd_update_agents,
    &cmd_install,   &cmd_uninstall,     &cmd_create_aliases, &cmd_completions,
    &cmd_config,    &cmd_plan,          &cmd_update,       &cmd_df,
    &cmd_prune,     &cmd_approve,       &cmd_deny,         &cmd_auth_callback,
    &cmd_net_log,   &cmd_ps,            &cmd_stop,         &cmd_attach,
    &cmd_logs,      &cmd_diff,          &cmd_pull,
    &cmd_help,      &cmd_version,       NULL,
};

/* What only the first word may be besides a command or a run flag (--help
 * is a run flag, so it is completed there too). */
const struct cli_flag cli_main_flags[] = {
    {"--version", "-V", CLI_VALUE_NONE, NULL, "show the version", 0},
    CLI_FLAGS_END,
};

const struct ags_command *cli_find_command(const char *name)
{
    for (size_t i = 0; ags_commands[i]; i++)
        if (strcmp(ags_commands[i]->name, name) == 0)
            return ags_commands[i];
    return NULL;
}

static void vreport(const char *kind, const char *fmt, va_list ap) _printf_(2, 0);

/* Messages quote names from outside (arguments, config values, paths in an
 * agent home, Podman's errors), so every one is escaped (base/termesc.h):
 * no byte of them reaches the terminal as a control. */
static void vreport(const char *kind, const char *fmt, va_list ap)
{
    char msg[2048];
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    _cleanup_free_ char *shown = term_escape_str(msg);
    fprintf(stderr, "ags: %s%s\n", kind, shown);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport("", fmt, ap);
    va_end(ap);
}

void cli_warning(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport("warning: ", fmt, ap);
    va_end(ap);
}

int cli_not_built(const char *what)
{
    cli_error("%s is not built yet in this version of ags", what);
    return AGS_EXIT_USAGE;
}

int cli_main(int argc, char **argv)
{
    if (argc < 2) {
        cli_print_help();
        return AGS_EXIT_USAGE;
    }
    const char *first = argv[1];
    if (strcmp(first, "-h") == 0 || strcmp(first, "--help") == 0)
        return cmd_help.run(argc - 1, argv + 1);
    if (cli_flag_named(cli_main_flags, first))
        return cmd_version.run(argc - 1, argv + 1);
    if (first[0] != '-') {
        const struct ags_command *cmd = cli_find_command(first);
        if (!cmd) {
            cli_error("unknown command '%s' (see 'ags --help')", first);
            return AGS_EXIT_USAGE;
        }
        return cmd->run(argc - 1, argv + 1);
    }
    return cli_run_mode(argc, argv);
}
