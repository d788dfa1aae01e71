/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strv.h"
#include "base/termesc.h"
#include "cli/cli.h"
#include "cli/config-load.h"
#include "run/run.h"
#include "base/banned.h"

static const char config_usage[] =
        "usage: ags config show [--config FILE] [--json] | ags config connections";

struct show_flags {
    const char *config_path;
    bool json, help;
};

#define AT(field) offsetof(struct show_flags, field)
static const struct cli_flag config_show_flags[] = {
    CLI_FLAG_HELP_AT(AT(help)),
    {"--json", NULL, CLI_VALUE_NONE, NULL, "print the config as JSON", AT(json)},
    CLI_FLAG_CONFIG_AT(AT(config_path)),
    CLI_FLAGS_END,
};
#undef AT

/* ags config show [--config FILE] [--json]: with the repo overlay. */
static int config_show(int argc, char **argv)
{
    struct show_flags f = {0};
    int rc = cli_flags_parse(config_show_flags, argc, argv, config_usage, &f);
    if (rc != 0 || f.help) {
        if (f.help)
            puts(config_usage);
        return rc;
    }
    struct cli_host h;
    cli_host_init(&h);
    _cleanup_config_ struct ags_config *cfg = NULL;
    rc = cli_load_config(&h, f.config_path, true, &cfg);
    cli_host_done(&h);
    if (rc != 0)
        return rc;
    char *out = f.json ? config_render_json(cfg) : config_render_text(cfg);
    fputs(out, stdout);
    free(out);
    return fflush(stdout) == 0 ? AGS_EXIT_OK : AGS_EXIT_FAILURE;
}

/* ags config connections: the names --connection takes, one per line
 * (escaped: they come from files; the shells' completion reads them). */
static int config_connections(void)
{
    char **names = NULL;
    struct ags_error err = {0};
    if (run_engine_connections(NULL, &names, &err) < 0) {
        _cleanup_free_ char *msg = term_escape_str(err.msg);
        cli_error("%s", msg);
        return AGS_EXIT_USAGE;
    }
    for (size_t i = 0; names[i]; i++) {
        _cleanup_free_ char *name = term_escape_str(names[i]);
        printf("%s\n", name);
    }
    strv_free(names);
    return fflush(stdout) == 0 ? AGS_EXIT_OK : AGS_EXIT_FAILURE;
}

static int config_run(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "show") == 0)
        return config_show(argc - 1, argv + 1);
    if (argc == 2 && strcmp(argv[1], "connections") == 0)
        return config_connections();
    if (argc == 3 && strcmp(argv[1], "connections") == 0 &&
        (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
        puts(config_usage);
        return AGS_EXIT_OK;
    }
    cli_error("%s%s%s\n%s", argc >= 2 ? "unknown config command '" : "missing config command",
              argc >= 2 ? argv[1] : "", argc >= 2 ? "'" : "", config_usage);
    return AGS_EXIT_USAGE;
}

const struct ags_command cmd_config = {
    .name = "config",
    .summary = "print the effective config with provenance",
    .args = "show [--config FILE] [--json] | connections",
    .hidden = false,
    .flags = config_show_flags,
    .operands = CLI_VALUE_CHOICE,
    .operand_choices = "show connections",
    .run = config_run,
};
