/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/config-load.h"
#include "base/banned.h"

static const char config_usage[] = "usage: ags config show [--config FILE] [--json]";

/* ags config show [--config FILE] [--json] */
static int config_show(int argc, char **argv)
{
    bool json = false;
    _cleanup_config_ struct ags_config *cfg = NULL;
    int rc = cli_config_from_args(argc, argv, config_usage, &json, &cfg);
    if (rc != 0)
        return rc;
    char *out = json ? config_render_json(cfg) : config_render_text(cfg);
    fputs(out, stdout);
    free(out);
    return fflush(stdout) == 0 ? AGS_EXIT_OK : AGS_EXIT_FAILURE;
}

static int config_run(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "show") == 0)
        return config_show(argc - 1, argv + 1);
    cli_error("%s%s%s\n%s", argc >= 2 ? "unknown config command '" : "missing config command",
              argc >= 2 ? argv[1] : "", argc >= 2 ? "'" : "", config_usage);
    return AGS_EXIT_USAGE;
}

const struct ags_command cmd_config = {
    .name = "config",
    .summary = "print the effective config with provenance",
    .args = "show [--config FILE] [--json]",
    .hidden = false,
    .run = config_run,
};
