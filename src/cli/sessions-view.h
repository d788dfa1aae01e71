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

/* The config and the sessions of every engine (run_sessions_gather_all; an
 * engine flag asks that one only), each unreachable engine said on stderr as
 * "engine NAME: unreachable (why)": 0, or an exit status after saying why
 * (1: no engine answered; *ret is then empty). */
int cli_sessions_gather_all(const char *config_path, const struct cli_engine_flags *engine,
                            struct ags_config **ret_cfg, struct run_sessions_all *ret);
/* The session NAME names (ags ps's name, its session id or sandbox id), or
 * without a name the only running detachable one, on whichever engine of all
 * holds it, that engine asked again with the usual limits: 0 with *ret_l
 * (into all) and *ret_i, or an exit status after saying why (1: no such
 * session; 2: on several engines, or none or several without a name). */
int cli_session_locate(const struct ags_config *cfg, struct run_sessions_all *all, const char *name,
                       const char *usage, struct run_sessions **ret_l, size_t *ret_i);
/* Engine e asked again with the usual limits when it is not the configured
 * one (its probe was bounded): 0, or AGS_EXIT_FAILURE after saying why. */
int cli_sessions_reopen(const struct ags_config *cfg, struct run_engine_sessions *e);
/* The index of the session of l named name (run_session_find): 0, or
 * AGS_EXIT_FAILURE after saying that no session has that name. */
int cli_session_named(const struct run_sessions *l, const char *name, size_t *ret);
