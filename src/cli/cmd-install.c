/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/cli.h"
#include "base/banned.h"

static int install_run(int argc _unused_, char **argv _unused_)
{
    return cli_not_built("'ags install'");
}

const struct ags_command cmd_install = {
    .name = "install",
    .summary = "install ags assets",
    .args = "[--link-self] [--force] [--add-agent-mounts]",
    .not_built = true,
    .hidden = false,
    .run = install_run,
};
