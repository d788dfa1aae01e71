/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/cli.h"
#include "base/banned.h"

static int completions_run(int argc _unused_, char **argv _unused_)
{
    return cli_not_built("'ags completions'");
}

const struct ags_command cmd_completions = {
    .name = "completions",
    .summary = "print a completion script",
    .args = "--shell fish|zsh|bash",
    .not_built = true,
    .hidden = false,
    .run = completions_run,
};
