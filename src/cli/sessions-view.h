/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cli/config-load.h"
#include "run/run.h"

/* The config (no repo overlay: sessions are every repo's) with the engine
 * flags (--backend, --connection) applied, then the sessions (run_sessions_gather) with
 * warnings on stderr: 0, or an exit status after saying why (1 when the
 * engine cannot be reached). */
int cli_sessions_gather(const char *config_path, const struct cli_engine_flags *engine,
                        struct ags_config **ret_cfg, struct run_sessions *ret);

/* The session NAME names (ags ps's name, its session id or sandbox id), or
 * without a name the only running detachable one: 0 with *ret, or an exit
 * status after saying why (1: no such session; 2: none or several, with
 * usage). */
int cli_session_pick(const struct run_sessions *l, const char *name, const char *usage,
                     size_t *ret);
/* The index of the session of l named name (run_session_find): 0, or
 * AGS_EXIT_FAILURE after saying that no session has that name. */
int cli_session_named(const struct run_sessions *l, const char *name, size_t *ret);
