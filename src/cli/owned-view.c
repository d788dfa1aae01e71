/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How ags df and ags prune show what ags owns (names come from the engine and
 * from directories a sandbox can write: escaped before they reach the terminal). */
#include "cli/owned-view.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/termesc.h"
#include "cli/cli.h"
#include "cli/config-load.h"
#include "base/banned.h"

static const char *const kind_title[RUN_OWNED_KINDS] = {
        [RUN_OWNED_CONTAINER] = "Containers",
        [RUN_OWNED_SECRET] = "Secrets",
        [RUN_OWNED_VOLUME] = "Volumes",
        [RUN_OWNED_IMAGE] = "Images",
        [RUN_OWNED_STAGING] = "Lockdown staging",
        [RUN_OWNED_CACHE] = "Base image cache",
};

static const char *const kind_name[RUN_OWNED_KINDS] = {
        [RUN_OWNED_CONTAINER] = "container",
        [RUN_OWNED_SECRET] = "secret",
        [RUN_OWNED_VOLUME] = "volume",
        [RUN_OWNED_IMAGE] = "image",
        [RUN_OWNED_STAGING] = "staging",
        [RUN_OWNED_CACHE] = "cache",
};

const char *cli_owned_kind_name(enum run_owned_kind k)
{
    return kind_name[k];
}

static void format_bytes(uint64_t n, char *buf, size_t size)
{
    static const char *const unit[] = {"B", "kB", "MB", "GB", "TB"};
    double v = (double)n;
    size_t u = 0;
    while (v >= 1000.0 && u + 1 < ARRAY_SIZE(unit)) {
        v /= 1000.0;
        u++;
    }
    if (u == 0)
        (void)snprintf(buf, size, "%" PRIu64 " B", n);
    else
        (void)snprintf(buf, size, "%.1f %s", v, unit[u]);
}

void cli_format_size(const struct run_owned *x, char *buf, size_t size)
{
    if (!x->size_known) {
        (void)snprintf(buf, size, "-");
        return;
    }
    char n[32];
    format_bytes(x->size, n, sizeof(n));
    (void)snprintf(buf, size, "%s%s", x->size_partial ? ">= " : "", n);
}

static const char *use_text(enum run_owned_use u)
{
    switch (u) {
    case RUN_USE_NONE:
        return "-";
    case RUN_USE_DEAD:
        return "dead run";
    case RUN_USE_OTHER:
        return "other container";
    case RUN_USE_LIVE:
        return "live session";
    }
    return "?";
}

static const char *when_text(enum run_prune_when w)
{
    return w == RUN_PRUNE_ALWAYS       ? "prune"
           : w == RUN_PRUNE_ALL        ? "prune --all"
           : w == RUN_PRUNE_WORKSPACES ? "prune --workspaces"
                                       : "-";
}

static void print_kind(FILE *out, const struct run_owned_list *l, enum run_owned_kind k,
                       uint64_t *grand)
{
    uint64_t total = 0;
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        const struct run_owned *x = &l->v[i];
        if (x->kind != k)
            continue;
        if (n++ == 0)
            fprintf(out, "%s\n  %-44s %12s  %-15s %s\n", kind_title[k], "NAME", "SIZE",
                    "IN USE BY", "REMOVED BY");
        char size[48];
        cli_format_size(x, size, sizeof(size));
        _cleanup_free_ char *name = term_escape_str(x->name);
        fprintf(out, "  %-44s %12s  %-15s %s\n", name, size, use_text(x->use),
                when_text(x->when));
        total += x->size_known ? x->size : 0;
    }
    if (n == 0)
        return;
    char t[32];
    format_bytes(total, t, sizeof(t));
    fprintf(out, "  %-44s %12s\n\n", "total", t);
    *grand += total;
}

void cli_owned_print_tables(FILE *out, const struct run_owned_list *l)
{
    uint64_t grand = 0;
    for (int k = 0; k < RUN_OWNED_KINDS; k++)
        print_kind(out, l, (enum run_owned_kind)k, &grand);
    char t[32];
    format_bytes(grand, t, sizeof(t));
    if (l->n == 0)
        fprintf(out, "ags owns nothing on this host\n");
    else
        fprintf(out, "Total: %s\n", t);
}

size_t cli_owned_print_removals(FILE *out, const struct run_owned_list *l, unsigned scope)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        const struct run_owned *x = &l->v[i];
        if (!run_prune_selected(x->when, scope))
            continue;
        char size[48];
        cli_format_size(x, size, sizeof(size));
        _cleanup_free_ char *name = term_escape_str(x->name);
        fprintf(out, "  %s %s (%s)\n", kind_name[x->kind], name, size);
        n++;
    }
    return n;
}

#define AT(field) offsetof(struct cli_owned_flags, field)
const struct cli_flag cli_prune_flags[] = {
    CLI_FLAG_HELP_AT(AT(help)),
    CLI_FLAG_CONFIG_AT(AT(config_path)),
    CLI_FLAG_BACKEND_AT(AT(engine.backend)),
    CLI_FLAG_CONNECTION_AT(AT(engine.connection)),
    {"--dry-run", NULL, CLI_VALUE_NONE, NULL, "only list what it would remove", AT(dry_run)},
    {"--all", NULL, CLI_VALUE_NONE, NULL, "also the image and the agent volumes", AT(all)},
    {"--workspaces", NULL, CLI_VALUE_NONE, NULL,
     "also remote sessions' workspaces not brought back (ags pull)", AT(workspaces)},
    {"--yes", "-y", CLI_VALUE_NONE, NULL, "do not ask before removing", AT(yes)},
    CLI_FLAGS_END,
};
const struct cli_flag cli_df_flags[] = {
    CLI_FLAG_HELP_AT(AT(help)),
    CLI_FLAG_CONFIG_AT(AT(config_path)),
    CLI_FLAG_BACKEND_AT(AT(engine.backend)),
    CLI_FLAG_CONNECTION_AT(AT(engine.connection)),
    CLI_FLAGS_END,
};
#undef AT

int cli_owned_parse(int argc, char **argv, const char *usage, const struct cli_flag *table,
                    struct cli_owned_flags *f)
{
    *f = (struct cli_owned_flags){0};
    int rc = cli_flags_parse(table, argc, argv, usage, f);
    if (rc == 0 && f->help)
        puts(usage);
    return rc;
}

int cli_owned_config(const struct cli_owned_flags *f, bool check_engine,
                     struct ags_config **ret)
{
    struct cli_host h;
    cli_host_init(&h);
    h.config_read_only = true; /* looking or removing writes no config */
    h.engine = f->engine;
    int rc = cli_load_config(&h, f->config_path, false, ret);
    cli_host_done(&h);
    _cleanup_free_ char *uri = NULL, *origin = NULL;
    if (rc == 0 && check_engine)
        rc = cli_engine_target(*ret, &uri, &origin);
    return rc;
}

static void on_warn(const char *msg, void *userdata _unused_)
{
    cli_warning("%s", msg);
}

int cli_owned_gather(const struct ags_config *cfg, struct run_owned_list *ret)
{
    const struct run_owned_opts opts = {.cfg = cfg, .cb = {.warn = on_warn}};
    struct ags_error err = {0};
    if (run_owned_gather(&opts, ret, &err) < 0) {
        cli_error("%s", err.msg);
        return AGS_EXIT_FAILURE;
    }
    return 0;
}

void cli_owned_report_removed(const struct run_owned *x, int r, const char *why,
                              void *userdata _unused_)
{
    _cleanup_free_ char *name = term_escape_str(x->name);
    if (r == 0)
        printf("removed %s %s\n", cli_owned_kind_name(x->kind), name);
    else
        cli_warning("kept %s %s: %s", cli_owned_kind_name(x->kind), name, why);
}
