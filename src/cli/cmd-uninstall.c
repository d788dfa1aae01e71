/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags uninstall [--force]: removes what ags install wrote, as its manifest
 * lists it (run/install.h), and nothing else: never the config, the volumes
 * or the images.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strutil.h"
#include "base/termesc.h"
#include "cli/cli.h"
#include "run/install.h"
#include "base/banned.h"

#define USAGE "usage: ags uninstall [--force]"

static void on_kept(const char *path, const char *why, void *userdata _unused_)
{
    _cleanup_free_ char *shown = term_escape_str(path);
    cli_warning("kept %s: %s", shown, why);
}

static int parse_args(int argc, char **argv, bool *force, bool *help)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            *help = true;
        } else if (strcmp(argv[i], "--force") == 0) {
            *force = true;
        } else if (strcmp(argv[i], "--purge") == 0) {
            return cli_not_built("'ags uninstall --purge'");
        } else {
            _cleanup_free_ char *shown = term_escape_str(argv[i]);
            cli_error("unexpected argument '%s'\n" USAGE, shown);
            return AGS_EXIT_USAGE;
        }
    }
    return 0;
}

static int uninstall_run(int argc, char **argv)
{
    bool force = false, help = false;
    int rc = parse_args(argc, argv, &force, &help);
    if (rc || help) {
        if (help)
            printf("%s\n", USAGE);
        return rc;
    }
    const char *home = env_nonempty(NULL, "HOME");
    if (!home || home[0] != '/') {
        cli_error("$HOME is not an absolute path; ags uninstall removes below $HOME/.local");
        return AGS_EXIT_USAGE;
    }
    struct run_uninstall_result res;
    struct ags_error err = {0};
    if (run_uninstall(home, force, on_kept, NULL, &res, &err) < 0) {
        cli_error("%s", err.msg);
        return AGS_EXIT_FAILURE;
    }
    printf("removed %zu, kept %zu, already gone %zu\n", res.removed, res.kept, res.absent);
    if (res.kept == 0)
        printf("Uninstall complete.\n");
    return fflush(stdout) == 0 && res.kept == 0 ? AGS_EXIT_OK : AGS_EXIT_FAILURE;
}

const struct ags_command cmd_uninstall = {
    .name = "uninstall",
    .summary = "remove what ags install wrote",
    .args = "[--force]",
    .run = uninstall_run,
};
