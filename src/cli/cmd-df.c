/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ags df [--config FILE]: what ags owns on this host, its size and who uses
 * it (run_owned_gather), one table per kind. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/config-load.h"
#include "cli/owned-view.h"
#include "run/run.h"
#include "base/banned.h"

static const char df_usage[] = "usage: ags df [--config FILE] [--backend B] [--connection NAME]";

static int df_run(int argc, char **argv)
{
    _cleanup_config_ struct ags_config *cfg = NULL;
    struct cli_owned_flags f;
    int rc = cli_owned_parse(argc, argv, df_usage, cli_df_flags, &f);
    if (rc == 0 && !f.help)
        rc = cli_owned_config(&f, true, &cfg);
    if (rc != 0 || f.help)
        return rc;
    struct run_owned_list l;
    rc = cli_owned_gather(cfg, &l);
    if (rc != 0)
        return rc;
    cli_owned_print_tables(stdout, &l);
    run_owned_done(&l);
    return fflush(stdout) == 0 ? AGS_EXIT_OK : AGS_EXIT_FAILURE;
}

const struct ags_command cmd_df = {
    .name = "df",
    .summary = "show what ags stores on this host and its size",
    .args = "[--config FILE] [--backend B] [--connection NAME]",
    .flags = cli_df_flags,
    .run = df_run,
};
