/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ags diff [NAME] [--stat] [--name-only] [--config FILE] [--backend B]: a
 * session's changes to its workspace since it started (run/baseline.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/termesc.h"
#include "base/termfilter.h"
#include "cli/cli.h"
#include "cli/sessions-view.h"
#include "run/baseline.h"
#include "base/banned.h"

#define DIFF_USAGE                                                   \
    "usage: ags diff [NAME] [--stat] [--name-only] [--config FILE] " \
    "[--backend auto|podman|bwrap] [--connection NAME]"

struct diff_args {
    const char *name, *config_path;
    struct cli_engine_flags engine;
    bool stat, name_only, help;
};

enum { DF_HELP, DF_STAT, DF_NAME_ONLY, DF_CONFIG, DF_BACKEND, DF_CONNECTION };
static const struct cli_flag diff_flags[] = {
        [DF_HELP] = CLI_FLAG_HELP,
        [DF_STAT] = {"--stat", NULL, CLI_VALUE_NONE, NULL, "only the counts of changes", 0},
        [DF_NAME_ONLY] = {"--name-only", NULL, CLI_VALUE_NONE, NULL, "one line per changed path",
                          0},
        [DF_CONFIG] = CLI_FLAG_CONFIG,
        [DF_BACKEND] = CLI_FLAG_BACKEND_AT(0),
        [DF_CONNECTION] = CLI_FLAG_CONNECTION_AT(0),
        CLI_FLAGS_END,
};

static void take_flag(struct diff_args *a, ptrdiff_t which, const char *val)
{
    if (which == DF_HELP)
        a->help = true;
    else if (which == DF_STAT)
        a->stat = true;
    else if (which == DF_NAME_ONLY)
        a->name_only = true;
    else if (which == DF_CONFIG)
        a->config_path = val;
    else if (which == DF_CONNECTION)
        a->engine.connection = val;
    else
        a->engine.backend = val;
}

static int parse(int argc, char **argv, struct diff_args *a)
{
    *a = (struct diff_args){0};
    for (int i = 1; i < argc; i++) {
        const struct cli_flag *f = NULL;
        const char *val = NULL;
        int c = cli_flag_next(diff_flags, argc, argv, &i, DIFF_USAGE, &f, &val);
        if (c > 1)
            return c;
        if (c == 1) {
            take_flag(a, f - diff_flags, val);
        } else if (argv[i][0] == '-' || a->name) {
            _cleanup_free_ char *shown = term_escape_str(argv[i]);
            cli_error("unexpected argument '%s'\n%s", shown, DIFF_USAGE);
            return AGS_EXIT_USAGE;
        } else {
            a->name = argv[i];
        }
    }
    return 0;
}

/* What the output goes through: a terminal gets escaped lines and the
 * terminal filter; a pipe the exact bytes. */
struct out {
    bool tty, stat, name_only;
    struct termfilter f;
};

static void put(struct out *o, const char *text)
{
    if (!o->tty) {
        fputs(text, stdout);
        return;
    }
    char buf[4096 + TERMFILTER_SLACK];
    for (size_t off = 0, len = strlen(text); off < len; off += 4096) {
        size_t n = len - off < 4096 ? len - off : 4096;
        fwrite(buf, 1, termfilter_feed(&o->f, text + off, n, buf), stdout);
    }
}

static void on_header(const struct run_diff_header *h, void *userdata)
{
    struct out *o = userdata;
    _cleanup_free_ char *text = run_diff_header_text(h);
    if (o->name_only)
        fputs(text, stderr); /* only names on stdout */
    else
        put(o, text);
}

static int on_change(const struct run_change *c, void *userdata)
{
    struct out *o = userdata;
    if (o->stat)
        return 0;
    _cleanup_free_ char *text =
            o->name_only ? run_diff_name_text(c) : run_diff_change_text(c, o->tty);
    put(o, text);
    return ferror(stdout) ? -EIO : 0;
}

/* The only running session whose baseline's work dir is the current one. */
static int pick_here(const struct run_sessions *l, size_t *ret)
{
    _cleanup_free_ char *cwd = getcwd(NULL, 0);
    size_t found = 0;
    for (size_t i = 0; cwd && i < l->n; i++) {
        _cleanup_free_ char *dir = NULL, *wd = NULL;
        if (l->v[i].state == BACKEND_SESSION_RUNNING &&
            run_baseline_dir(NULL, l->v[i].session, &dir, NULL) == 0 &&
            run_baseline_workdir(dir, &wd, NULL) == 0 && strcmp(wd, cwd) == 0) {
            *ret = i;
            found++;
        }
    }
    if (found == 1)
        return 0;
    cli_error("%s: name one\n%s",
              found ? "several sessions run in this directory"
                    : "no session of yours runs in this directory",
              DIFF_USAGE);
    for (size_t i = 0; i < l->n; i++) {
        _cleanup_free_ char *name = term_escape_str(l->v[i].name);
        _cleanup_free_ char *wd = term_escape_str(l->v[i].workdir);
        fprintf(stderr, "  %s\t%s\n", name, wd);
    }
    return AGS_EXIT_USAGE;
}

static int show(const struct run_session_row *s, const struct diff_args *a)
{
    _cleanup_free_ char *name = term_escape_str(s->name);
    _cleanup_free_ char *dir = NULL;
    struct ags_error err = {0};
    struct run_diff_counts n = {0};
    struct out o = {.tty = isatty(STDOUT_FILENO), .stat = a->stat, .name_only = a->name_only};
    if (o.tty)
        run_diff_terminal_init(&o.f);
    struct run_diff_opts opts = {.text = !a->name_only,
                                 .header = on_header,
                                 .change = on_change,
                                 .userdata = &o,
                                 .counts = &n};
    int r = run_baseline_dir(NULL, s->session, &dir, &err);
    if (r == 0)
        r = run_baseline_diff(dir, NULL, &opts, &err);
    if (r == -ENOENT) {
        cli_error("session %s has no baseline (started before ags recorded them)", name);
        return AGS_EXIT_FAILURE;
    }
    if (r < 0) {
        cli_error("session %s: %s", name, err.msg);
        return AGS_EXIT_FAILURE;
    }
    if (a->stat) {
        _cleanup_free_ char *text = run_diff_counts_text(&n);
        put(&o, text);
    }
    if (o.tty) {
        char reset[TERMFILTER_RESET_MAX];
        fwrite(reset, 1, termfilter_finish(&o.f, reset), stdout);
    }
    return AGS_EXIT_OK;
}

static int diff_run(int argc, char **argv)
{
    struct diff_args a;
    int rc = parse(argc, argv, &a);
    if (rc != 0 || a.help) {
        if (a.help)
            puts(DIFF_USAGE);
        return rc;
    }
    _cleanup_config_ struct ags_config *cfg = NULL;
    struct run_sessions l;
    rc = cli_sessions_gather(a.config_path, &a.engine, &cfg, &l);
    if (rc != 0)
        return rc;
    size_t i = 0;
    rc = a.name ? cli_session_named(&l, a.name, &i) : pick_here(&l, &i);
    if (rc == 0)
        rc = show(&l.v[i], &a);
    run_sessions_done(&l);
    return fflush(stdout) == 0 ? rc : AGS_EXIT_FAILURE;
}

const struct ags_command cmd_diff = {
        .name = "diff",
        .summary = "show what a session changed in its workspace since it started",
        .args = "[NAME] [--stat] [--name-only] [--config FILE] [--backend B] [--connection NAME]",
        .flags = diff_flags,
        .operands = CLI_VALUE_SESSION,
        .run = diff_run,
};
