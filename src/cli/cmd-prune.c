/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ags prune [--dry-run] [--all] [--workspaces] [--yes] [--config FILE]:
 * removes what ags owns and no live session uses (run_prune_remove); --all
 * also the images and the agent volumes, --workspaces the workspaces of
 * remote sessions not brought back, each after listing them and asking. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/termesc.h"
#include "cli/cli.h"
#include "cli/owned-view.h"
#include "cli/prompt.h"
#include "run/run.h"
#include "base/banned.h"

static const char prune_usage[] =
        "usage: ags prune [--dry-run] [--all] [--workspaces] [--yes] [--config FILE] [--backend B]"
        " [--connection NAME]";

/* --all or --workspaces without --yes needs someone to answer. */
static int check_answerable(const struct cli_owned_flags *f)
{
    if ((!f->all && !f->workspaces) || f->yes || f->dry_run || isatty(STDIN_FILENO))
        return 0;
    cli_error("prune %s asks first, but stdin is not a terminal: add --yes to remove them "
              "without asking, or --dry-run to see what it would remove",
              f->all ? "--all removes the sandbox image and the agents' volumes and"
                     : "--workspaces removes changes not brought back and");
    return AGS_EXIT_USAGE;
}

static int prune_list(const struct cli_owned_flags *f, struct run_owned_list *l)
{
    unsigned scope = (f->all ? RUN_PRUNE_SCOPE_ALL : 0) |
                     (f->workspaces ? RUN_PRUNE_SCOPE_WORKSPACES : 0);
    const char *flags = f->all && f->workspaces ? " --all --workspaces"
                        : f->all                ? " --all"
                        : f->workspaces         ? " --workspaces"
                                                : "";
    if (f->dry_run) {
        printf("ags prune%s would remove:\n", flags);
        if (cli_owned_print_removals(stdout, l, scope) == 0)
            printf("  nothing\n");
        return fflush(stdout) == 0 ? AGS_EXIT_OK : AGS_EXIT_FAILURE;
    }
    if (scope && !f->yes) {
        fprintf(stderr, "ags prune%s removes:\n", flags);
        if (cli_owned_print_removals(stderr, l, scope) > 0 &&
            !cli_prompt_yes_no(f->workspaces ? "Remove these (changes not brought back are lost)?"
                                             : "Remove these (the agents must be installed "
                                               "again)?")) {
            fprintf(stderr, "ags: nothing removed\n");
            return AGS_EXIT_FAILURE;
        }
    }
    size_t failed = run_prune_remove(l, scope, cli_owned_report_removed, NULL);
    return fflush(stdout) == 0 && failed == 0 ? AGS_EXIT_OK : AGS_EXIT_FAILURE;
}

static int prune_run(int argc, char **argv)
{
    struct cli_owned_flags f;
    _cleanup_config_ struct ags_config *cfg = NULL;
    int rc = cli_owned_parse(argc, argv, prune_usage, cli_prune_flags, &f);
    if (rc == 0 && !f.help)
        rc = check_answerable(&f);
    if (rc == 0 && !f.help)
        rc = cli_owned_config(&f, true, &cfg);
    if (rc != 0 || f.help)
        return rc;
    struct run_owned_list l;
    rc = cli_owned_gather(cfg, &l);
    if (rc != 0)
        return rc;
    rc = prune_list(&f, &l);
    run_owned_done(&l);
    return rc;
}

const struct ags_command cmd_prune = {
    .name = "prune",
    .summary = "remove what ags stored and no live session uses",
    .args = "[--dry-run] [--all] [--workspaces] [--yes] [--config FILE] [--backend B] [--connection NAME]",
    .flags = cli_prune_flags,
    .run = prune_run,
};
