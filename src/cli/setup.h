/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The steps of `ags setup` (cmd-setup.c runs them in order). */

#include <stdbool.h>

#include "config/config.h"
#include "run/setup.h"

/* Makes the missing agent keys on a terminal, says what is wrong with a
 * broken one and shows both public keys (setup-keys.c); *made is set when
 * a key was made, *signing_ready when the signing key is usable.  Returns
 * an exit status. */
int cli_setup_keys(const struct ags_config *cfg, bool *made, bool *signing_ready);

/* Asks for each keyring secret and stores it (setup-secrets.c); *stored is
 * set when one was.  Returns an exit status. */
int cli_setup_secrets(const struct ags_config *cfg, bool *stored);

/* Offers to build the image and to install the agents that are missing
 * (setup-engine.c); *changed is set when something was built or installed.
 * Returns an exit status. */
int cli_setup_engine(const struct ags_config *cfg, const struct cfg_host *host,
                     enum run_setup_mode mode, bool *changed);
