/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Run mode: parse the flags, load the config (asking about an untrusted
 * overlay), build the plan and run it (run/run.h), printing what the run
 * says and mapping its result to an exit status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/termesc.h"
#include "cli/cli.h"
#include "cli/config-load.h"
#include "cli/run-flags.h"
#include "run/run.h"
#include "base/banned.h"

int cli_build_plan(const struct run_flags *f, bool for_run, struct ags_config **ret_cfg,
                   struct ags_plan **ret_plan, char **ret_staging)
{
    struct cli_host ch;
    cli_host_init(&ch);
    ch.backend = f->backend;
    _cleanup_config_ struct ags_config *cfg = NULL;
    /* Lockdown never reads the repo overlay (not even to offer trust). */
    int rc = cli_load_config(&ch, f->config_path, !f->lockdown, &cfg);
    _cleanup_free_ char *ignored = f->lockdown ? config_overlay_path(&ch.host) : NULL;
    if (rc != 0) {
        cli_host_done(&ch);
        return rc;
    }
    const struct run_request req = {
        .cfg = cfg,
        .agent = f->agent,
        .flags = {
            .tmux = f->tmux, .stop_when_done = f->stop_when_done, .yolo = f->yolo,
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
    };
    struct ags_error err = {0};
    int r = run_build_plan(&req, for_run, ret_plan, ret_staging, &err);
    cli_host_done(&ch);
    if (r < 0) {
        cli_error("%s", err.msg);
        return r == -EINVAL ? AGS_EXIT_USAGE : AGS_EXIT_LAUNCH;
    }
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
