/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/cli.h"
#include "base/banned.h"

static int update_agents_run(int argc _unused_, char **argv _unused_)
{
    return cli_not_built("'ags update-agents'");
}

const struct ags_command cmd_update_agents = {
    .name = "update-agents",
    .summary = "install or update the agent CLIs",
    .not_built = true,
    .hidden = false,
    .run = update_agents_run,
};
