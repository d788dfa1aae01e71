/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A run of one agent (docs/run-mode.md): the host facts and the launch plan
 * (host.c), then the steps behind the backend interface (backend/backend.h,
 * exec.c): open, sweep, image, staging, guard assets, prepare, secrets,
 * create, start attached, and on every way out the undo of what was done.
 * Nothing here prints: warnings and progress go through callbacks, failures
 * come back as a negative errno with *err (base/error.h).
 */

#include <stdbool.h>
#include <stddef.h>

#include "backend/backend.h"
#include "base/error.h"
#include "config/config.h"
#include "plan/plan.h"

/* $TMPDIR if it is absolute, else /tmp: where lockdown staging lives. */
const char *run_tmp_dir(void);

/* What the caller knows of the host and the user's flags. */
struct run_request {
    const struct ags_config *cfg;
    enum plan_agent agent;
    struct plan_flags flags;       /* add_dirs as given on the command line */
    const struct cfg_host *host;   /* home, cwd (canonical), xdg_config, xdg_runtime */
    const char *ignored_overlay;   /* lockdown: the repo overlay it did not read, or NULL */
};

/*
 * Gathers the host facts the pure plan builder needs (git metadata, the
 * places never mounted, uid, pid, a session id) and builds the plan.
 * for_run with lockdown also creates the private staging directory
 * (*ret_staging, owned; run_plan removes it).  -EINVAL with *err for a plan
 * the config or the flags make impossible; another negative errno when the
 * staging directory cannot be made (nothing is left behind then).
 */
int run_build_plan(const struct run_request *req, bool for_run, struct ags_plan **ret_plan,
                   char **ret_staging, struct ags_error *err) _warn_unused_;

struct run_callbacks {
    /* Something the user should know that does not stop the run. */
    void (*warn)(const char *msg, void *userdata);
    /* A step the user waits for ("building the sandbox image ..."). */
    void (*progress)(const char *msg, void *userdata);
    /* Image build output as it streams, already through the terminal
     * filter when stderr is a terminal. */
    void (*output)(const char *text, size_t len, void *userdata);
    void *userdata;
};

typedef int run_open_backend_fn(const struct backend_open_opts *o, struct backend **ret,
                                struct ags_error *err);

struct run_opts {
    const struct ags_config *cfg;
    struct ags_plan *plan;   /* its name changes when another sandbox has it */
    const char *staging_dir; /* lockdown (run_build_plan's): filled, then removed */
    struct run_callbacks cb;
    run_open_backend_fn *open_backend;    /* NULL: backend_podman_open */
    const char *(*getenv)(const char *name); /* NULL: getenv */
    const char *assets_dir;  /* NULL: the agent-assets shipped with ags */
};

/*
 * Runs the plan: 0 with *ret_exit the agent's exit status, or a negative
 * errno with *err (-EINTR: SIGINT, SIGTERM or SIGHUP ended it).  On every
 * path the sandbox (when created), the run's secrets (when handed over), the
 * backend connection and the lockdown staging are gone afterwards, and the
 * signal dispositions are those from before.  In lockdown, what the agent
 * did to git metadata in the workdir is then said through cb.warn.
 */
int run_plan(const struct run_opts *o, int *ret_exit, struct ags_error *err) _warn_unused_;
