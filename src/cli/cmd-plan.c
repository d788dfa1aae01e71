/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/cli.h"
#include "base/banned.h"

static int plan_run(int argc _unused_, char **argv _unused_)
{
    return cli_not_built("'ags plan'", 5);
}

const struct ags_command cmd_plan = {
    .name = "plan",
    .summary = "print the launch plan",
    .hidden = false,
    .run = plan_run,
};
