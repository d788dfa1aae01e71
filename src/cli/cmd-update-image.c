/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/cli.h"
#include "base/banned.h"

static int update_image_run(int argc _unused_, char **argv _unused_)
{
    return cli_not_built("'ags update-image'");
}

const struct ags_command cmd_update_image = {
    .name = "update-image",
    .summary = "rebuild the sandbox image",
    .args = "[--keep-existing]",
    .not_built = true,
    .hidden = false,
    .run = update_image_run,
};
