/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ags pull [NAME] [--keep] [--snapshot] [--list] [--config FILE] [--connection NAME]:
 * brings a remote session's changes back from its workspace volume as the
 * branch ags/NAME (a patch outside git), then removes the volume
 * (run/remote.h, docs/remote.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/termesc.h"
#include "cli/cli.h"
#include "cli/owned-view.h"
#include "plan/plan.h"
#include "run/remote.h"
#include "run/run.h"
#include "base/banned.h"

#define PULL_USAGE                                                       \
    "usage: ags pull [NAME] [--keep] [--snapshot] [--list] [--config FILE] " \
    "[--connection NAME]"

struct pull_args {
    const char *name, *config_path;
    struct cli_engine_flags engine;
    bool keep, snapshot, list, help;
};

enum { PL_HELP, PL_KEEP, PL_SNAPSHOT, PL_LIST, PL_CONFIG, PL_CONNECTION };
static const struct cli_flag pull_flags[] = {
        [PL_HELP] = CLI_FLAG_HELP,
        [PL_KEEP] = {"--keep", NULL, CLI_VALUE_NONE, NULL,
                     "keep the workspace volume after bringing its changes back", 0},
        [PL_SNAPSHOT] = {"--snapshot", NULL, CLI_VALUE_NONE, NULL,
                         "bring back what a running session has now (keeps the volume)", 0},
        [PL_LIST] = {"--list", NULL, CLI_VALUE_NONE, NULL,
                     "the names of the sessions whose changes are still there", 0},
        [PL_CONFIG] = CLI_FLAG_CONFIG,
        [PL_CONNECTION] = CLI_FLAG_CONNECTION_AT(0),
        CLI_FLAGS_END,
};

static void take_flag(struct pull_args *a, ptrdiff_t which, const char *val)
{
    if (which == PL_HELP)
        a->help = true;
    else if (which == PL_KEEP)
        a->keep = true;
    else if (which == PL_SNAPSHOT)
        a->snapshot = true;
    else if (which == PL_LIST)
        a->list = true;
    else if (which == PL_CONFIG)
        a->config_path = val;
    else
        a->engine.connection = val;
}

static int parse(int argc, char **argv, struct pull_args *a)
{
    *a = (struct pull_args){0};
    for (int i = 1; i < argc; i++) {
        const struct cli_flag *f = NULL;
        const char *val = NULL;
        int c = cli_flag_next(pull_flags, argc, argv, &i, PULL_USAGE, &f, &val);
        if (c > 1)
            return c;
        if (c == 1) {
            take_flag(a, f - pull_flags, val);
        } else if (argv[i][0] == '-' || a->name) {
            _cleanup_free_ char *shown = term_escape_str(argv[i]);
            cli_error("unexpected argument '%s'\n%s", shown, PULL_USAGE);
            return AGS_EXIT_USAGE;
        } else {
            a->name = argv[i];
        }
    }
    return 0;
}

static void on_warn(const char *msg, void *userdata _unused_)
{
    cli_warning("%s", msg);
}

/* The workspace named name, or the only one whose work dir is the current
 * directory. */
static int pick(const struct run_workspaces *w, const char *name, size_t *ret)
{
    _cleanup_free_ char *cwd = name ? NULL : getcwd(NULL, 0);
    size_t found = 0;
    for (size_t i = 0; i < w->n; i++) {
        bool match = name ? strcmp(w->v[i].name, name) == 0 || strcmp(w->v[i].session, name) == 0
                          : cwd && strcmp(w->v[i].workdir, cwd) == 0;
        if (match && found++ == 0)
            *ret = i;
    }
    if (found == 1)
        return 0;
    if (name) {
        _cleanup_free_ char *shown = term_escape_str(name);
        cli_error("no workspace of a session '%s' is left to bring back "
                  "(`ags pull --list` lists them)",
                  shown);
        return AGS_EXIT_FAILURE;
    }
    cli_error("%s: name one\n%s",
              found ? "several sessions of this directory left their changes"
                    : "no session of this directory left changes to bring back",
              PULL_USAGE);
    for (size_t i = 0; i < w->n; i++) {
        _cleanup_free_ char *n = term_escape_str(w->v[i].name);
        _cleanup_free_ char *wd = term_escape_str(w->v[i].workdir);
        fprintf(stderr, "  %s\t%s\n", n, wd);
    }
    return AGS_EXIT_USAGE;
}

static void report(const struct run_workspace *x, const struct run_pull_result *res, bool kept)
{
    _cleanup_free_ char *text = run_pull_result_text(x->name, res);
    puts(text);
    if (!kept && !res->volumes_removed)
        cli_warning("the workspace volume %s is still there: `ags prune --workspaces` "
                    "removes it",
                    x->volume);
}

static int pull_one(const struct ags_config *cfg, struct run_workspaces *w, size_t i,
                    const struct pull_args *a)
{
    const struct run_workspace *x = &w->v[i];
    _cleanup_free_ char *name = term_escape_str(x->name);
    if (x->running && !a->snapshot) {
        cli_error("session %s still runs: end it first, or `ags pull --snapshot %s` brings "
                  "back what it has now",
                  name, name);
        return AGS_EXIT_USAGE;
    }
    if (!x->workdir[0] || x->workdir[0] != '/') {
        cli_error("session %s: its workspace names no local work dir", name);
        return AGS_EXIT_FAILURE;
    }
    const struct run_remote_session s = {
            .name = x->name,
            .session = x->session,
            .workdir = x->workdir,
            .base = x->base,
            .image = cfg->sandbox.image.v,
            .uid = PLAN_SANDBOX_UID,
            .gid = PLAN_SANDBOX_GID,
    };
    const struct run_pull_opts o = {
            .max_pull = cfg->remote.max_pull.v,
            .keep = a->keep || x->running,
    };
    struct run_pull_result res = {0};
    struct ags_error err = {0};
    if (run_remote_pull(w->backend, &s, &o, &res, &err) < 0) {
        cli_error("session %s: %s (its workspace volume %s is kept)", name, err.msg, x->volume);
        return AGS_EXIT_FAILURE;
    }
    report(x, &res, o.keep);
    run_pull_result_done(&res);
    return AGS_EXIT_OK;
}

static int pull_run(int argc, char **argv)
{
    struct pull_args a;
    int rc = parse(argc, argv, &a);
    if (rc != 0 || a.help) {
        if (a.help)
            puts(PULL_USAGE);
        return rc;
    }
    /* Workspaces live only in Podman volumes; what ags owns is every repo's
     * (no repo overlay), like ags df. */
    struct cli_owned_flags of = {.config_path = a.config_path, .engine = a.engine};
    of.engine.backend = "podman";
    _cleanup_config_ struct ags_config *cfg = NULL;
    rc = cli_owned_config(&of, true, &cfg);
    if (rc != 0)
        return rc;
    const struct run_owned_opts opts = {.cfg = cfg, .cb = {.warn = on_warn}};
    struct run_workspaces w;
    struct ags_error err = {0};
    if (run_workspaces_gather(&opts, &w, &err) < 0) {
        cli_error("cannot list the workspaces: %s", err.msg);
        return AGS_EXIT_FAILURE;
    }
    size_t i = 0;
    if (a.list) {
        for (size_t k = 0; k < w.n; k++)
            puts(w.v[k].name);
    } else {
        rc = pick(&w, a.name, &i);
        if (rc == 0)
            rc = pull_one(cfg, &w, i, &a);
    }
    run_workspaces_done(&w);
    return fflush(stdout) == 0 ? rc : AGS_EXIT_FAILURE;
}

const struct ags_command cmd_pull = {
        .name = "pull",
        .summary = "bring a remote session's changes back as a branch ags/NAME",
        .args = "[NAME] [--keep] [--snapshot] [--list] [--config FILE] [--connection NAME]",
        .flags = pull_flags,
        .operands = CLI_VALUE_WORKSPACE,
        .run = pull_run,
};
