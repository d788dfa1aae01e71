/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/cli.h"
#include "base/banned.h"

/* Deprecated alias of update-image, kept for muscle memory. */
static int update_run(int argc, char **argv)
{
    cli_warning("'ags update' is deprecated, use 'ags update-image'");
    return cmd_update_image.run(argc, argv);
}

const struct ags_command cmd_update = {
    .name = "update",
    .summary = "deprecated alias of update-image",
    .hidden = true,
    .run = update_run,
};
