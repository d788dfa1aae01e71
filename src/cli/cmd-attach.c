/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ags attach [NAME] and ags logs [NAME] [--follow] (docs/sessions.md): a
 * detachable session's tmux, through the backend (run_session_attach,
 * run_session_logs). */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/termesc.h"
#include "cli/cli.h"
#include "cli/sessions-view.h"
#include "base/banned.h"

#define ATTACH_USAGE "usage: ags attach [NAME] [--config FILE] [--backend auto|podman|bwrap] [--connection NAME]"
#define LOGS_USAGE                                                                          \
    "usage: ags logs [NAME] [--follow] [--config FILE] [--backend auto|podman|bwrap] [--connection NAME]"

enum { AF_HELP, AF_CONFIG, AF_BACKEND, AF_CONNECTION, AF_FOLLOW };
static const struct cli_flag attach_flags[] = {
    [AF_HELP] = CLI_FLAG_HELP,
    [AF_CONFIG] = CLI_FLAG_CONFIG,
    [AF_BACKEND] = CLI_FLAG_BACKEND_AT(0),
    [AF_CONNECTION] = CLI_FLAG_CONNECTION_AT(0),
    CLI_FLAGS_END,
};
static const struct cli_flag logs_flags[] = {
    [AF_HELP] = CLI_FLAG_HELP,
    [AF_CONFIG] = CLI_FLAG_CONFIG,
    [AF_BACKEND] = CLI_FLAG_BACKEND_AT(0),
    [AF_CONNECTION] = CLI_FLAG_CONNECTION_AT(0),
    [AF_FOLLOW] = {"--follow", "-f", CLI_VALUE_NONE, NULL, "go on showing what appears", 0},
    CLI_FLAGS_END,
};

struct session_args {
    const char *name, *config_path;
    struct cli_engine_flags engine;
    bool follow, help;
};

static int parse(int argc, char **argv, const struct cli_flag *flags, const char *usage,
                 struct session_args *a)
{
    *a = (struct session_args){0};
    for (int i = 1; i < argc; i++) {
        const struct cli_flag *f = NULL;
        const char *val = NULL;
        int c = cli_flag_next(flags, argc, argv, &i, usage, &f, &val);
        if (c > 1)
            return c;
        if (c == 1) {
            ptrdiff_t which = f - flags;
            a->help = a->help || which == AF_HELP;
            a->follow = a->follow || which == AF_FOLLOW;
            if (which == AF_CONFIG)
                a->config_path = val;
            else if (which == AF_BACKEND)
                a->engine.backend = val;
            else if (which == AF_CONNECTION)
                a->engine.connection = val;
            continue;
        }
        if (argv[i][0] == '-' || a->name) {
            _cleanup_free_ char *shown = term_escape_str(argv[i]);
            cli_error("unexpected argument '%s'\n%s", shown, usage);
            return AGS_EXIT_USAGE;
        }
        a->name = argv[i];
    }
    if (a->help)
        puts(usage);
    return 0;
}

/* Parses, gathers the sessions of every engine and picks one: 0 with all
 * gathered and *l, *i set, or an exit status (help printed: -1). */
static int find_session(int argc, char **argv, const struct cli_flag *flags, const char *usage,
                        struct session_args *a, struct ags_config **cfg,
                        struct run_sessions_all *all, struct run_sessions **l, size_t *i)
{
    int rc = parse(argc, argv, flags, usage, a);
    if (rc != 0 || a->help)
        return rc != 0 ? rc : -1;
    rc = cli_sessions_gather_all(a->config_path, &a->engine, cfg, all);
    if (rc != 0)
        return rc;
    rc = cli_session_locate(*cfg, all, a->name, usage, l, i);
    if (rc != 0)
        run_sessions_all_done(all);
    return rc;
}

static int attach_run(int argc, char **argv)
{
    struct session_args a;
    _cleanup_config_ struct ags_config *cfg = NULL;
    struct run_sessions_all all;
    struct run_sessions *l = NULL;
    size_t i = 0;
    int rc = find_session(argc, argv, attach_flags, ATTACH_USAGE, &a, &cfg, &all, &l, &i);
    if (rc != 0)
        return rc < 0 ? AGS_EXIT_OK : rc;
    bool running = false;
    struct ags_error err = {0};
    _cleanup_free_ char *name = term_escape_str(l->v[i].name);
    if (l->v[i].owner == RUN_OWNER_GONE)
        cli_warning("the host services of %s are gone (its supervisor ended): no ssh agent, "
                    "auth proxy or network allowlist proxy for it until `ags stop %s` and a "
                    "new session",
                    name, name);
    int r = run_session_attach(l, i, &running, &err);
    run_sessions_all_done(&all);
    if (r < 0) {
        cli_error("cannot attach to %s: %s", name, err.msg);
        return r == -EOPNOTSUPP || r == -EINVAL || r == -ENOTTY ? AGS_EXIT_USAGE
                                                                : AGS_EXIT_FAILURE;
    }
    if (running)
        fprintf(stderr, "ags: detached from %s; it keeps running (`ags attach %s`, `ags stop %s`)\n",
                name, name, name);
    else
        fprintf(stderr, "ags: %s has ended\n", name);
    return AGS_EXIT_OK;
}

static int logs_run(int argc, char **argv)
{
    struct session_args a;
    _cleanup_config_ struct ags_config *cfg = NULL;
    struct run_sessions_all all;
    struct run_sessions *l = NULL;
    size_t i = 0;
    int rc = find_session(argc, argv, logs_flags, LOGS_USAGE, &a, &cfg, &all, &l, &i);
    if (rc != 0)
        return rc < 0 ? AGS_EXIT_OK : rc;
    struct ags_error err = {0};
    _cleanup_free_ char *name = term_escape_str(l->v[i].name);
    int r = run_session_logs(l, i, STDOUT_FILENO, a.follow, &err);
    run_sessions_all_done(&all);
    if (r < 0) {
        cli_error("cannot show the output of %s: %s", name, err.msg);
        return r == -EOPNOTSUPP || r == -EINVAL ? AGS_EXIT_USAGE : AGS_EXIT_FAILURE;
    }
    return AGS_EXIT_OK;
}

const struct ags_command cmd_attach = {
    .name = "attach",
    .summary = "attach to a detachable session's tmux (detach: C-b d)",
    .args = "[NAME] [--config FILE] [--backend B] [--connection NAME]",
    .flags = attach_flags,
    .operands = CLI_VALUE_SESSION,
    .run = attach_run,
};

const struct ags_command cmd_logs = {
    .name = "logs",
    .summary = "show a detachable session's output (tmux scrollback)",
    .args = "[NAME] [--follow] [--config FILE] [--backend B] [--connection NAME]",
    .flags = logs_flags,
    .operands = CLI_VALUE_SESSION,
    .run = logs_run,
};
