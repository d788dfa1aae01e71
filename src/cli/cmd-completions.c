/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ags completions --shell bash|zsh|fish: the completion script on stdout
 * (cli/completions.c writes it from the flag tables). */
#include <stddef.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/completions.h"
#include "base/banned.h"

#define USAGE "usage: ags completions --shell bash|zsh|fish"

struct completions_args {
    const char *shell;
    bool help;
};

#define AT(field) offsetof(struct completions_args, field)
static const struct cli_flag completions_flags[] = {
    {"--shell", NULL, CLI_VALUE_CHOICE, CLI_SHELL_CHOICES, "the shell to complete in", AT(shell)},
    CLI_FLAG_HELP_AT(AT(help)),
    CLI_FLAGS_END,
};
#undef AT

static int completions_run(int argc, char **argv)
{
    struct completions_args f = {0};
    int rc = cli_flags_parse(completions_flags, argc, argv, USAGE, &f);
    if (rc != 0)
        return rc;
    if (f.help) {
        puts(USAGE);
        return AGS_EXIT_OK;
    }
    enum cli_shell shell;
    if (!f.shell) {
        cli_error("missing --shell (bash, zsh or fish)\n" USAGE);
        return AGS_EXIT_USAGE;
    }
    if (cli_shell_from_name(f.shell, &shell) < 0) {
        cli_error("unknown shell '%s' for --shell (expected bash, zsh or fish)\n" USAGE,
                  f.shell);
        return AGS_EXIT_USAGE;
    }
    cli_write_completions(stdout, shell);
    return fflush(stdout) == 0 ? AGS_EXIT_OK : AGS_EXIT_FAILURE;
}

const struct ags_command cmd_completions = {
    .name = "completions",
    .summary = "print a completion script",
    .args = "--shell bash|zsh|fish",
    .not_built = false,
    .hidden = false,
    .flags = completions_flags,
    .run = completions_run,
};
