/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/cli.h"
#include "base/banned.h"

static int create_aliases_run(int argc _unused_, char **argv _unused_)
{
    return cli_not_built("'ags create-aliases'");
}

const struct ags_command cmd_create_aliases = {
    .name = "create-aliases",
    .summary = "write wrapper scripts or shell aliases",
    .args = "[--shell fish|zsh|bash] [--mode wrappers|aliases|both] [--force]",
    .not_built = true,
    .hidden = false,
    .run = create_aliases_run,
};
