/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ags plan [run flags] [--json]: the launch plan of a run, without running it. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/run-flags.h"
#include "base/banned.h"

static int plan_run(int argc, char **argv)
{
    struct run_flags f;
    int rc = run_flags_parse(argc, argv, 1, true, &f);
    if (rc == 0 && f.help) {
        cli_print_help();
    } else if (rc == 0) {
        _cleanup_config_ struct ags_config *cfg = NULL;
        _cleanup_plan_ struct ags_plan *plan = NULL;
        rc = cli_build_plan(&f, false, &cfg, &plan, NULL);
        if (rc == 0) {
            char *out = f.json ? plan_render_json(plan) : plan_render_text(plan);
            fputs(out, stdout);
            free(out);
            rc = fflush(stdout) == 0 ? AGS_EXIT_OK : AGS_EXIT_FAILURE;
        }
    }
    run_flags_done(&f);
    return rc;
}

const struct ags_command cmd_plan = {
    .name = "plan",
    .summary = "print the launch plan for a run",
    .args = "(run flags) [--json]",
    .hidden = false,
    .flags = cli_plan_flags,
    .takes_run_flags = true,
    .run = plan_run,
};
