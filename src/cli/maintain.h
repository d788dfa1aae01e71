/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The work of `ags update-image` and `ags update-agents` after their flags,
 * for them and for `ags setup`: progress on stderr, results on stdout. */

#include <stdbool.h>

#include "run/run.h"

/* Builds the sandbox image (run_update_image) with its output streamed and
 * "built IMAGE (ID) on BASE in N s" at the end; returns an exit status. */
int cli_update_image(const struct ags_config *cfg, const char *base, bool local_base,
                     bool keep_existing);

/* Installs or updates each agent of run_update_agents that wanted names
 * (NULL: every one), one line per agent; a failure does not stop the next.
 * Returns an exit status (1 when any failed). */
int cli_update_agents(const struct run_request *req, const bool wanted[PLAN_AGENT_COUNT]);
