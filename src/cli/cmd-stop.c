/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ags stop NAME|--all [--timeout S] [--config FILE] [--backend B]
 * [--connection NAME]: stops and removes sessions of this user
 * (run_session_stop) on whichever engine holds them (cli_session_locate). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/parse-util.h"
#include "base/termesc.h"
#include "cli/cli.h"
#include "cli/sessions-view.h"
#include "base/banned.h"

#define STOP_USAGE                                                                         \
    "usage: ags stop NAME|--all [--timeout S] [--config FILE] "                           \
    "[--backend auto|podman|bwrap] [--connection NAME]"
#define STOP_DEFAULT_TIMEOUT 10u
#define STOP_TIMEOUT_MAX_TEXT "3600"

enum { SF_HELP, SF_ALL, SF_TIMEOUT, SF_CONFIG, SF_BACKEND, SF_CONNECTION };
static const struct cli_flag stop_flags[] = {
    [SF_HELP] = CLI_FLAG_HELP,
    [SF_ALL] = {"--all", "-a", CLI_VALUE_NONE, NULL, "every session of yours", 0},
    [SF_TIMEOUT] = {"--timeout", "-t", CLI_VALUE_SECONDS, NULL, "seconds before SIGKILL", 0},
    [SF_CONFIG] = CLI_FLAG_CONFIG,
    [SF_BACKEND] = CLI_FLAG_BACKEND_AT(0),
    [SF_CONNECTION] = CLI_FLAG_CONNECTION_AT(0),
    CLI_FLAGS_END,
};

struct stop_args {
    const char *name, *config_path;
    struct cli_engine_flags engine;
    uint32_t timeout;
    bool all, help;
};

static int bad(const char *what, const char *arg)
{
    _cleanup_free_ char *shown = term_escape_str(arg);
    cli_error("%s '%s'\n%s", what, shown, STOP_USAGE);
    return AGS_EXIT_USAGE;
}

static int take_flag(struct stop_args *a, ptrdiff_t which, const char *val)
{
    switch (which) {
    case SF_HELP:
        a->help = true;
        break;
    case SF_ALL:
        a->all = true;
        break;
    case SF_TIMEOUT:
        if (parse_u32(val, &a->timeout) < 0 || a->timeout > AGS_STOP_TIMEOUT_MAX)
            return bad("invalid --timeout (seconds, at most " STOP_TIMEOUT_MAX_TEXT ")", val);
        break;
    case SF_CONFIG:
        a->config_path = val;
        break;
    case SF_CONNECTION:
        a->engine.connection = val;
        break;
    default:
        a->engine.backend = val;
    }
    return 0;
}

static int parse(int argc, char **argv, struct stop_args *a)
{
    *a = (struct stop_args){.timeout = STOP_DEFAULT_TIMEOUT};
    for (int i = 1; i < argc; i++) {
        const struct cli_flag *f = NULL;
        const char *val = NULL;
        int c = cli_flag_next(stop_flags, argc, argv, &i, STOP_USAGE, &f, &val);
        if (c > 1)
            return c;
        if (c == 1)
            c = take_flag(a, f - stop_flags, val);
        else if (argv[i][0] == '-' || a->name)
            c = bad("unexpected argument", argv[i]);
        else
            a->name = argv[i];
        if (c != 0)
            return c;
    }
    if (!a->help && !a->name == !a->all) {
        cli_error("name one session, or --all\n%s", STOP_USAGE);
        return AGS_EXIT_USAGE;
    }
    return 0;
}

static int stop_one(struct run_sessions *l, size_t i, unsigned timeout)
{
    int code = -1;
    struct ags_error err = {0};
    _cleanup_free_ char *name = term_escape_str(l->v[i].name);
    if (run_session_stop(l, i, timeout, &code, &err) < 0) {
        cli_error("could not stop %s: %s", name, err.msg);
        return AGS_EXIT_FAILURE;
    }
    if (code >= 0)
        printf("stopped %s (exit %d)\n", name, code);
    else
        printf("stopped %s\n", name);
    return AGS_EXIT_OK;
}

/* Every session of every engine that answered; an engine other than the
 * configured one asked again with the usual limits first (a stop waits). */
static int stop_all(const struct ags_config *cfg, struct run_sessions_all *all, unsigned timeout)
{
    int rc = AGS_EXIT_OK;
    for (size_t k = 0; k < all->n; k++) {
        struct run_engine_sessions *e = &all->v[k];
        if (e->r != 0 || e->l.n == 0)
            continue;
        if (cli_sessions_reopen(cfg, e) != 0) {
            rc = AGS_EXIT_FAILURE;
            continue;
        }
        for (size_t i = 0; i < e->l.n; i++)
            if (stop_one(&e->l, i, timeout) != AGS_EXIT_OK)
                rc = AGS_EXIT_FAILURE;
    }
    return rc;
}

static int stop_run(int argc, char **argv)
{
    struct stop_args a;
    int rc = parse(argc, argv, &a);
    if (rc != 0 || a.help) {
        if (a.help)
            puts(STOP_USAGE);
        return rc;
    }
    _cleanup_config_ struct ags_config *cfg = NULL;
    struct run_sessions_all all;
    rc = cli_sessions_gather_all(a.config_path, &a.engine, &cfg, &all);
    if (rc != 0)
        return rc;
    struct run_sessions *l = NULL;
    size_t i = 0;
    if (a.name && (rc = cli_session_locate(cfg, &all, a.name, STOP_USAGE, &l, &i)) == 0)
        rc = stop_one(l, i, a.timeout);
    if (a.all)
        rc = stop_all(cfg, &all, a.timeout);
    run_sessions_all_done(&all);
    return fflush(stdout) == 0 ? rc : AGS_EXIT_FAILURE;
}

const struct ags_command cmd_stop = {
    .name = "stop",
    .summary = "stop and remove a session (or --all)",
    .args = "NAME|--all [--timeout S] [--config FILE] [--backend B] [--connection NAME]",
    .flags = stop_flags,
    .operands = CLI_VALUE_SESSION,
    .run = stop_run,
};
