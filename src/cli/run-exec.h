/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "config/config.h"
#include "plan/plan.h"

/* Runs the plan with the Podman backend; returns the agent's exit status, or
 * AGS_EXIT_LAUNCH when ags or Podman failed before or around it.  The
 * container is removed on every path; staging_dir (lockdown) is filled here
 * and removed by the caller. */
int cli_run_plan(const struct ags_config *cfg, struct ags_plan *plan, const char *staging_dir);

/* Whether slirp4netns is on $PATH or where Podman looks for its helpers. */
bool cli_have_slirp4netns(void);

/* $TMPDIR if it is absolute, else /tmp: where lockdown staging lives. */
const char *cli_tmp_dir(void);
