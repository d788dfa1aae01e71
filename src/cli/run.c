/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Run mode: parse the flags, load the config (asking about an untrusted
 * overlay), build the plan and run it (run/run.h), printing what the run
 * says and mapping its result to an exit status.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/termesc.h"
#include "cli/cli.h"
#include "cli/config-load.h"
#include "cli/run-flags.h"
#include "run/run.h"
#include "run/supervise.h"
#include "base/banned.h"

int cli_build_plan(const struct run_flags *f, bool for_run, struct ags_config **ret_cfg,
                   struct ags_plan **ret_plan, char **ret_staging)
{
    struct cli_host ch;
    cli_host_init(&ch);
    ch.engine = f->engine;
    _cleanup_config_ struct ags_config *cfg = NULL;
    /* Lockdown never reads the repo overlay (not even to offer trust). */
    int rc = cli_load_config(&ch, f->config_path, !f->lockdown, &cfg);
    _cleanup_free_ char *ignored = f->lockdown ? config_overlay_path(&ch.host) : NULL;
    if (rc != 0) {
        cli_host_done(&ch);
        return rc;
    }
    _cleanup_free_ char *engine = NULL, *engine_origin = NULL;
    rc = cli_engine_target(cfg, &engine, &engine_origin);
    if (rc != 0) {
        cli_host_done(&ch);
        return rc;
    }
    const struct run_request req = {
        .cfg = cfg,
        .agent = f->agent,
        .flags = {
            /* [sandbox].detach makes every run a detached session */
            .tmux = f->tmux || cfg->sandbox.detach.v,
            .detach = f->detach || cfg->sandbox.detach.v,
            .stop_when_done = f->stop_when_done, .yolo = f->yolo,
            .root = f->root, .lockdown = f->lockdown, .defaults = f->defaults,
            .add_dirs = f->add_dirs, .n_add_dirs = f->n_add_dirs,
            .network_set = f->network_set, .network = f->network,
            .allow = f->allow, .n_allow = f->n_allow,
            .passthrough = f->passthrough, .n_passthrough = f->n_passthrough,
        },
        .host = &ch.host,
        .ignored_overlay = ignored,
        /* A run serves the socket its plan mounts (run/authproxy.c). */
        .auth_proxy = true,
        .remote_engine = run_engine_is_remote(engine),
    };
    struct ags_error err = {0};
    int r = run_build_plan(&req, for_run, ret_plan, ret_staging, &err);
    cli_host_done(&ch);
    if (r < 0) {
        cli_error("%s", err.msg);
        return r == -EINVAL ? AGS_EXIT_USAGE : AGS_EXIT_LAUNCH;
    }
    (*ret_plan)->engine.v = TAKE_PTR(engine);
    (*ret_plan)->engine.origin = TAKE_PTR(engine_origin);
    *ret_cfg = TAKE_PTR(cfg);
    return 0;
}

/* The guarded agents say when a flag weakens their protection. */
static void warn_weakened(const struct ags_plan *p)
{
    if (p->agent != PLAN_AGENT_PI && p->agent != PLAN_AGENT_CLAUDE)
        return;
    if (p->root)
        cli_warning("--root grants root access inside the sandbox for this run");
    if (p->yolo)
        cli_warning("--yolo disables the ags %s guard for this run", plan_agent_name(p->agent));
}

/* Root's Podman is rootful, and rootful Podman refuses the keep-id user
 * namespace every run uses ("keep-id is only supported in rootless mode");
 * say so before the config is read, an image is built or a volume made. */
static int refuse_root(void)
{
    if (geteuid() != 0)
        return 0;
    cli_error("not running an agent as root: ags runs agents in rootless Podman, with your "
              "uid mapped to the sandbox user; run ags as your ordinary user");
    return AGS_EXIT_USAGE;
}

/* A run's warnings may come while the sandbox has the terminal in raw mode
 * (the auth proxy's, from its thread): there "\n" does not return the
 * carriage, so on a terminal each line starts at column 0 and ends in CR LF
 * (harmless on a cooked terminal). */
static void run_warning(const char *msg, void *userdata _unused_)
{
    if (!isatty(STDERR_FILENO)) {
        cli_warning("%s", msg);
        return;
    }
    _cleanup_free_ char *shown = term_escape_str(msg);
    fprintf(stderr, "\rags: warning: %s\r\n", shown);
}

static void run_progress(const char *msg, void *userdata _unused_)
{
    fprintf(stderr, "ags: %s\n", msg);
}

static void run_output(const char *text, size_t len, void *userdata _unused_)
{
    (void)fwrite(text, 1, len, stderr);
}

/* After the user detached from (or never attached to) a session. */
static void say_background(const char *name, bool detached)
{
    _cleanup_free_ char *shown = term_escape_str(name);
    fprintf(stderr,
            "ags: %s %s in the background: `ags attach %s` returns to it, `ags logs %s` shows "
            "its output, `ags diff %s` what it changed, `ags stop %s` ends it\n",
            shown, detached ? "keeps running" : "runs", shown, shown, shown, shown);
}

/* A --tmux run after its supervisor started it: attached here until the
 * user detaches (the session goes on: 0) or it ends (its exit status). */
static int attach_started(const struct run_opts *opts, struct run_supervised *sv)
{
    const struct run_owned_opts oo = {.cfg = opts->cfg, .cb = opts->cb};
    struct run_sessions l;
    struct ags_error err = {0};
    size_t i = 0;
    bool running = false;
    int r = run_sessions_gather(&oo, &l, &err);
    if (r == 0) {
        if (run_session_find(&l, sv->name, &i) < 0)
            r = ags_error_set(&err, -ESRCH, "session %s is gone", sv->name);
        else
            r = run_session_attach(&l, i, &running, &err);
        run_sessions_done(&l);
    }
    if (r < 0 && running) {
        cli_error("%s", err.msg);
        say_background(sv->name, true);
        return AGS_EXIT_LAUNCH;
    }
    if (running) {
        say_background(sv->name, true);
        return AGS_EXIT_OK;
    }
    int exit_status = 0;
    struct ags_error end_err = {0};
    int w = run_supervised_wait(sv, &opts->cb, &exit_status, &end_err);
    if (w == -EINTR) { /* the user stopped waiting: whatever runs, runs on */
        say_background(sv->name, true);
        return AGS_EXIT_OK;
    }
    if (w < 0) {
        cli_error("%s", r < 0 ? err.msg : end_err.msg);
        return AGS_EXIT_LAUNCH;
    }
    return exit_status;
}

/* A tmux run on a backend that attaches to running sandboxes: a
 * supervised session (docs/sessions.md). */
static int run_supervised(const struct run_opts *opts)
{
    if (!opts->plan->detach && !(isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))) {
        cli_error("--tmux needs a terminal to attach to; start it with --detach instead");
        run_staging_discard(opts->staging_dir, &opts->cb);
        return AGS_EXIT_USAGE;
    }
    struct run_supervised sv;
    int exit_status = 0;
    struct ags_error err = {0};
    if (run_supervise_start(opts, &sv, &exit_status, &err) < 0) {
        cli_error("%s", err.msg);
        return AGS_EXIT_LAUNCH;
    }
    /* Ended before its tmux started: what it said was relayed. */
    int rc = exit_status ? exit_status : AGS_EXIT_LAUNCH;
    if (!sv.name)
        cli_error("the session ended before its tmux started (exit status %d)", exit_status);
    else if (!opts->plan->detach)
        rc = attach_started(opts, &sv);
    if (sv.name && opts->plan->detach) {
        say_background(sv.name, false);
        rc = AGS_EXIT_OK;
    }
    run_supervised_done(&sv);
    return rc;
}

/* The agent's exit status, or AGS_EXIT_LAUNCH when ags or the engine failed
 * before or around it (interrupted included). */
static int run_built_plan(const struct ags_config *cfg, struct ags_plan *plan,
                          const char *staging)
{
    const struct run_opts opts = {
        .cfg = cfg,
        .plan = plan,
        .staging_dir = staging,
        .cb = {.warn = run_warning, .progress = run_progress, .output = run_output},
    };
    if (plan->tmux) {
        bool can_attach = false;
        struct ags_error e = {0};
        int r = run_backend_can_attach(&opts, &can_attach, &e);
        if (r == 0 && can_attach)
            return run_supervised(&opts);
        if (r < 0)
            cli_error("%s", e.msg);
        else if (plan->detach)
            cli_error("--detach needs a backend that can attach to a running sandbox "
                      "(Podman); the bubblewrap backend runs --tmux attached only");
        if (r < 0 || plan->detach) {
            run_staging_discard(staging, &opts.cb);
            return r < 0 ? AGS_EXIT_LAUNCH : AGS_EXIT_USAGE;
        }
    }
    int exit_status = 0;
    struct ags_error err = {0};
    if (run_plan(&opts, &exit_status, &err) < 0) {
        cli_error("%s", err.msg);
        return AGS_EXIT_LAUNCH;
    }
    return exit_status;
}

int cli_run_mode(int argc, char **argv)
{
    struct run_flags f;
    int rc = run_flags_parse(argc, argv, 1, false, &f);
    if (rc == 0 && f.help) {
        cli_print_help();
    } else if (rc == 0 && (rc = refuse_root()) == 0) {
        _cleanup_config_ struct ags_config *cfg = NULL;
        _cleanup_plan_ struct ags_plan *plan = NULL;
        _cleanup_free_ char *staging = NULL;
        rc = cli_build_plan(&f, true, &cfg, &plan, &staging);
        if (rc == 0) {
            warn_weakened(plan);
            rc = run_built_plan(cfg, plan, staging);
        }
    }
    run_flags_done(&f);
    return rc;
}
