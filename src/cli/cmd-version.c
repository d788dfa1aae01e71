/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "cli/cli.h"
#include "base/banned.h"

static int version_run(int argc _unused_, char **argv _unused_)
{
    printf("ags %s\n", AGS_VERSION);
    return AGS_EXIT_OK;
}

const struct ags_command cmd_version = {
    .name = "version",
    .summary = "show the version",
    .hidden = true,
    .run = version_run,
};
