/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/cli.h"
#include "base/banned.h"

static int uninstall_run(int argc _unused_, char **argv _unused_)
{
    return cli_not_built("'ags uninstall'");
}

const struct ags_command cmd_uninstall = {
    .name = "uninstall",
    .summary = "remove installed assets",
    .not_built = true,
    .hidden = false,
    .run = uninstall_run,
};
