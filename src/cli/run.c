/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/cli.h"
#include "base/banned.h"

int cli_run_mode(int argc _unused_, char **argv _unused_)
{
    return cli_not_built("run mode ('ags --agent ...')", 5);
}
