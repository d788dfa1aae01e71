/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/cli.h"
#include "base/banned.h"

static int doctor_run(int argc _unused_, char **argv _unused_)
{
    return cli_not_built("'ags doctor'");
}

const struct ags_command cmd_doctor = {
    .name = "doctor",
    .summary = "check the host, config, image and secrets",
    .not_built = true,
    .hidden = false,
    .run = doctor_run,
};
