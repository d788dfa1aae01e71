/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "cli/config-load.h"
#include "cli/flags.h"
#include "config/config.h"
#include "run/run.h"

/* "812.3 MB" (decimal units like podman), "-" for unknown, ">= " for a
 * partial walk; into buf. */
void cli_format_size(const struct run_owned *x, char *buf, size_t size);

/* ags df's tables: one per kind that has something, each with its total,
 * then the total of everything. */
void cli_owned_print_tables(FILE *out, const struct run_owned_list *l);

/* One line per thing prune removes ("  volume ags-pi-cargo (12.0 MB)"):
 * all includes what only --all removes.  Returns how many. */
size_t cli_owned_print_removals(FILE *out, const struct run_owned_list *l, unsigned scope);

/* "container", "volume", ... */
const char *cli_owned_kind_name(enum run_owned_kind k);

/* The flag tables of ags df (--help, --config) and ags prune (the same,
 * then --dry-run, --all, --yes). */
extern const struct cli_flag cli_df_flags[];
extern const struct cli_flag cli_prune_flags[];

/* What ags df and ags prune were given (df has no --dry-run, --all, --yes). */
struct cli_owned_flags {
    const char *config_path;
    struct cli_engine_flags engine; /* --backend, --connection */
    bool dry_run, all, workspaces, yes, help;
};
/* Parses argv by table (cli_df_flags or cli_prune_flags) into *f; --help
 * prints usage.  Returns 0 or an exit status after saying why. */
int cli_owned_parse(int argc, char **argv, const char *usage, const struct cli_flag *table,
                    struct cli_owned_flags *f);
/* The config without the repo overlay (what ags owns is every repo's), with
 * f's engine flags and, when check_engine, the endpoint resolved
 * (cli_engine_target: an unknown connection is a usage error; uninstall
 * goes on without the engine instead): 0 or an exit status. */
int cli_owned_config(const struct cli_owned_flags *f, bool check_engine,
                     struct ags_config **ret);

/* run_owned_gather with warnings on stderr: 0, or an exit status after
 * saying why. */
int cli_owned_gather(const struct ags_config *cfg, struct run_owned_list *ret);

/* run_prune_remove's report: "removed KIND NAME" on stdout, a warning with
 * why when it was kept. */
void cli_owned_report_removed(const struct run_owned *x, int r, const char *why,
                              void *userdata);
