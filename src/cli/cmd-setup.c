/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/cli.h"
#include "base/banned.h"

static int setup_run(int argc _unused_, char **argv _unused_)
{
    return cli_not_built("'ags setup'", 6);
}

const struct ags_command cmd_setup = {
    .name = "setup",
    .summary = "create keys, guard files and store secrets",
    .hidden = false,
    .run = setup_run,
};
