/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "config/config.h"

/* The flags that choose the engine, NULL when not given: --backend replaces
 * [sandbox].backend; --connection NAME and --url URI pick the Podman service
 * ahead of CONTAINER_HOST and [engine] connection (docs/ags.1.md). */
struct cli_engine_flags {
    const char *backend, *connection, *url;
};

/* Host facts for the config loader, from this process's environment. */
struct cli_host {
    struct cfg_host host;
    char *cwd;
    bool config_read_only; /* cfg_load_opts.read_only */
    struct cli_engine_flags engine;
};

void cli_host_init(struct cli_host *h);
void cli_host_done(struct cli_host *h);

/*
 * Loads the layered config, asking about an untrusted repo overlay on the
 * terminal (a non-interactive run skips it with a warning), and prints every
 * note, warning and error.  Returns 0, or an exit status (AGS_EXIT_USAGE for
 * config errors).
 */
int cli_load_config(const struct cli_host *h, const char *config_path, bool use_overlay,
                    struct ags_config **ret);

/* The Podman endpoint cfg picks and what chose it (run_engine_target; the
 * caller frees both, NULL for bwrap): 0, or AGS_EXIT_USAGE after saying why
 * (an unknown connection name, a broken containers.conf). */
int cli_engine_target(const struct ags_config *cfg, char **ret_uri, char **ret_origin);
