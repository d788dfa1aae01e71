/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ags ps [--all] [--json] [--config FILE] [--backend B] [--connection NAME|--url URI]:
 * the sessions of this user on the configured engine and every connection of
 * containers.conf, or on the one an engine flag names (run/sessions.c,
 * run/sessions-engines.c; the rendering escapes every label). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/strbuf.h"
#include "base/termesc.h"
#include "cli/cli.h"
#include "cli/sessions-view.h"
#include "base/banned.h"

static const char ps_usage[] =
        "usage: ags ps [--all] [--json|--quiet] [--config FILE] [--backend auto|podman|bwrap]"
        " [--connection NAME|--url URI]";

struct ps_flags {
    const char *config_path;
    struct cli_engine_flags engine;
    bool all, json, quiet, help;
};

#define AT(field) offsetof(struct ps_flags, field)
static const struct cli_flag ps_flag_table[] = {
    {"--all", "-a", CLI_VALUE_NONE, NULL, "also created and exited sessions", AT(all)},
    {"--json", NULL, CLI_VALUE_NONE, NULL, "a JSON array", AT(json)},
    {"--quiet", "-q", CLI_VALUE_NONE, NULL, "only the names, one per line", AT(quiet)},
    CLI_FLAG_CONFIG_AT(AT(config_path)),
    CLI_FLAG_BACKEND_AT(AT(engine.backend)),
    CLI_FLAG_CONNECTION_AT(AT(engine.connection)),
    {"--url", NULL, CLI_VALUE_WORD, NULL, "the Podman service URI (unix://, ssh://, tcp://)",
     AT(engine.url)},
    CLI_FLAG_HELP_AT(AT(help)),
    CLI_FLAGS_END,
};
#undef AT

/* The names of the sessions shown, one per line, escaped (the shells'
 * completion of a session name reads them). */
static char *names(const struct run_sessions *const *lists, size_t n, bool all)
{
    struct strbuf sb;
    strbuf_init(&sb, AGS_SESSION_LABEL_MAX * 64);
    size_t m = 0;
    _cleanup_free_ struct run_session_ref *refs = run_sessions_merge(lists, n, all, &m);
    for (size_t i = 0; i < m; i++) {
        _cleanup_free_ char *name = term_escape_str(lists[refs[i].list]->v[refs[i].row].name);
        if (strbuf_appendf(&sb, "%s\n", name) < 0)
            break; /* bounded: the rest is left out */
    }
    return strbuf_steal(&sb);
}

static int ps_run(int argc, char **argv)
{
    struct ps_flags f = {0};
    int rc = cli_flags_parse(ps_flag_table, argc, argv, ps_usage, &f);
    if (rc == 0 && f.json && f.quiet) {
        cli_error("--json and --quiet exclude each other\n%s", ps_usage);
        return AGS_EXIT_USAGE;
    }
    if (rc != 0 || f.help) {
        if (f.help)
            puts(ps_usage);
        return rc;
    }
    _cleanup_config_ struct ags_config *cfg = NULL;
    struct run_sessions_all all;
    rc = cli_sessions_gather_all(f.config_path, &f.engine, &cfg, &all);
    if (rc != 0)
        return rc;
    int64_t now = (int64_t)time(NULL);
    size_t n = 0;
    _cleanup_free_ const struct run_sessions **lists = run_sessions_all_lists(&all, &n);
    _cleanup_free_ char *out = f.json    ? run_sessions_json(lists, n, f.all, now)
                               : f.quiet ? names(lists, n, f.all)
                                         : run_sessions_text(lists, n, f.all, now);
    run_sessions_all_done(&all);
    fputs(out, stdout);
    return fflush(stdout) == 0 ? AGS_EXIT_OK : AGS_EXIT_FAILURE;
}

const struct ags_command cmd_ps = {
    .name = "ps",
    .summary = "list the sessions (sandboxes) of this user",
    .args = "[--all] [--json|--quiet] [--config FILE] [--backend B] [--connection NAME|--url URI]",
    .flags = ps_flag_table,
    .run = ps_run,
};
