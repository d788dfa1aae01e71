/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/cli.h"
#include "base/banned.h"

static int config_run(int argc _unused_, char **argv _unused_)
{
    return cli_not_built("'ags config'", 3);
}

const struct ags_command cmd_config = {
    .name = "config",
    .summary = "print the effective config",
    .hidden = false,
    .run = config_run,
};
