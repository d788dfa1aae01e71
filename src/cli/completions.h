/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>

/* The shells `ags completions` writes a script for. */
enum cli_shell {
    CLI_SHELL_BASH,
    CLI_SHELL_ZSH,
    CLI_SHELL_FISH,
};

#define CLI_SHELL_CHOICES "bash zsh fish"

/* 0, or -EINVAL for a name that is not one of CLI_SHELL_CHOICES. */
int cli_shell_from_name(const char *name, enum cli_shell *ret);

/*
 * The completion script for shell, written from the tables the parsers use
 * (ags_commands[], each command's flags, cli_run_flags, cli_main_flags):
 * the commands as the first word, each context's flags with their short
 * forms, the agents after --agent, directories after --add-dir/-d, files
 * after --config, each command's operands, and nothing after `--`.
 */
void cli_write_completions(FILE *out, enum cli_shell shell);
