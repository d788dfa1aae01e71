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
    const char *path = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= argc || !argv[i + 1][0]) {
                cli_error("missing value for --config\n%s", config_usage);
                return AGS_EXIT_USAGE;
            }
            path = argv[++i];
        } else if (strncmp(argv[i], "--config=", 9) == 0 && argv[i][9]) {
            path = argv[i] + 9;
        } else {
            cli_error("unexpected argument '%s'\n%s", argv[i], config_usage);
            return AGS_EXIT_USAGE;
        }
    }
    struct cli_host h;
    cli_host_init(&h);
    _cleanup_config_ struct ags_config *cfg = NULL;
    int rc = cli_load_config(&h, path, true, &cfg);
    cli_host_done(&h);
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
    .summary = "print the effective config",
    .hidden = false,
    .run = config_run,
};
